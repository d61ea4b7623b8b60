//! Who may see and do what (DESIGN §4): the one place access decisions are made.
//!
//! For each entity there is a row filter (what the actor may see, as SQL, so hidden rows never
//! leave the database and never count in `totalCount`), and for each action a yes/no on rows the
//! actor can already see. Services and loaders call these; resolvers never decide access
//! themselves. What an actor cannot see is NOT_FOUND, never FORBIDDEN, so existence is not
//! leaked; FORBIDDEN is only for things the actor can see but may not change (§4.4).

use chrono::NaiveDate;
use entity::{
    audit_event, enrolment,
    enums::{MemberRole, PartnershipStatus, SharingBasis, SubmissionStatus, UserRole},
    evaluation_submission, intervention, participant, partnership, partnership_member,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, SelectStatement},
};
use uuid::Uuid;

use crate::{
    access::auth::Actor,
    platform::error::{ApiError, ApiResult},
};

/// What a caller may do in one partnership (DESIGN §4.2), exposed as `Partnership.myRole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnershipRole {
    Admin,
    Commissioner,
    Provider,
    Viewer,
}

/// The §4.2 table: the user's own role combined with their organisation's active membership.
/// `None` means the partnership does not exist for this caller.
pub fn effective_role(
    user_role: UserRole,
    membership: Option<MemberRole>,
) -> Option<PartnershipRole> {
    use MemberRole as M;
    use PartnershipRole as P;
    match (user_role, membership) {
        (UserRole::Admin, _) => Some(P::Admin),
        (_, None) => None,
        (UserRole::Commissioner, Some(M::Commissioner)) => Some(P::Commissioner),
        (UserRole::Provider, Some(M::Provider)) => Some(P::Provider),
        (UserRole::Commissioner | UserRole::Provider | UserRole::Viewer, Some(_)) => {
            Some(P::Viewer)
        }
    }
}

impl PartnershipRole {
    fn manages_partnership(self) -> bool {
        matches!(self, Self::Admin | Self::Commissioner)
    }

    /// Allowed to the partnership's commissioners (and admins); FORBIDDEN with `refusal` to
    /// everyone else.
    fn must_manage(self, refusal: &str) -> ApiResult<()> {
        if self.manages_partnership() {
            Ok(())
        } else {
            Err(ApiError::forbidden(refusal))
        }
    }
}

/// Everything the row filters read of an actor: its organisation, its role and the day. Two
/// actors of one class see the same rows, so one read under the policy serves them both (live
/// updates read each changed object once per class). The filters never read the user.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccessClass {
    organisation_id: Uuid,
    role: UserRole,
    today: NaiveDate,
}

pub fn access_class(actor: &Actor) -> AccessClass {
    AccessClass {
        organisation_id: actor.organisation_id,
        role: actor.role,
        today: actor.today,
    }
}

/// Ids of the partnerships in which the actor's organisation is an active member, as a subquery.
fn active_memberships_of(actor: &Actor) -> SelectStatement {
    partnership_member::Entity::find()
        .select_only()
        .column(partnership_member::Column::PartnershipId)
        .filter(partnership_member::Column::OrganisationId.eq(actor.organisation_id))
        .filter(active_membership(actor.today))
        .into_query()
}

/// A membership counts from the day it was joined until it is left (§4.2): one recorded in
/// advance grants nothing before its `joinedOn`.
fn active_membership(today: NaiveDate) -> Condition {
    Condition::all()
        .add(partnership_member::Column::LeftOn.is_null())
        .add(partnership_member::Column::JoinedOn.lte(today))
}

/// Row filter: the partnerships the actor can see (admins all; others those their organisation
/// is an active member of, whatever the membership role).
pub fn visible_partnerships(actor: &Actor) -> Condition {
    if actor.is_admin() {
        return Condition::all();
    }
    Condition::all().add(partnership::Column::Id.in_subquery(active_memberships_of(actor)))
}

/// The actor's role in the partnership that owns a thing, where not seeing the partnership
/// means not seeing the thing: NOT_FOUND names the thing, never the partnership.
pub async fn role_for(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    partnership_id: Uuid,
    entity: &'static str,
) -> ApiResult<PartnershipRole> {
    role_in_partnership(conn, actor, partnership_id)
        .await
        .map_err(|err| match err {
            ApiError::NotFound { .. } => ApiError::NotFound { entity },
            other => other,
        })
}

/// The actor's role in a partnership for a change in it or in anything it owns: as
/// [`role_for`], and INVALID_STATE once the partnership has ENDED. What an ended partnership
/// agreed and delivered is a closed record: its members keep reading it, nobody writes to it
/// or joins it (its commissioners can still set its status back, with `updatePartnership`).
pub async fn role_for_write(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    partnership_id: Uuid,
    entity: &'static str,
) -> ApiResult<PartnershipRole> {
    let role = role_for(conn, actor, partnership_id, entity).await?;
    let status: Option<PartnershipStatus> = partnership::Entity::find_by_id(partnership_id)
        .select_only()
        .column(partnership::Column::Status)
        .into_tuple()
        .one(conn)
        .await?;
    // The row exists: `role_for` found it.
    if let Some(status) = status {
        refuse_if_ended(status)?;
    }
    Ok(role)
}

/// INVALID_STATE for work in an ENDED partnership: the one answer every write gets.
pub fn refuse_if_ended(status: PartnershipStatus) -> ApiResult<()> {
    if status == PartnershipStatus::Ended {
        return Err(ApiError::InvalidState(
            "the partnership has ENDED: what it agreed and delivered is a closed record, so \
             nothing in it changes and nobody joins it; its commissioners can set its status \
             back to ACTIVE or UNDER_REVIEW first if the work continues"
                .into(),
        ));
    }
    Ok(())
}

/// The actor's effective role in a partnership, or NOT_FOUND if it does not exist for them.
pub async fn role_in_partnership(
    db: &impl ConnectionTrait,
    actor: &Actor,
    partnership_id: Uuid,
) -> ApiResult<PartnershipRole> {
    let not_found = ApiError::NotFound {
        entity: "partnership",
    };
    if actor.is_admin() {
        return match partnership::Entity::find_by_id(partnership_id)
            .one(db)
            .await?
        {
            Some(_) => Ok(PartnershipRole::Admin),
            None => Err(not_found),
        };
    }
    let membership = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(partnership_id))
        .filter(partnership_member::Column::OrganisationId.eq(actor.organisation_id))
        .filter(active_membership(actor.today))
        .one(db)
        .await?;
    effective_role(actor.role, membership.map(|member| member.role)).ok_or(not_found)
}

/// Admin-only actions: organisations, users, areas, indicators, the audit log.
pub fn require_admin(actor: &Actor, action: &str) -> ApiResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("only an admin may {action}")))
    }
}

/// Outside any partnership, commissioners (and admins) may start one (§4.3).
pub fn may_create_partnership(actor: &Actor) -> ApiResult<()> {
    if matches!(actor.role, UserRole::Admin | UserRole::Commissioner) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a commissioner may create a partnership",
        ))
    }
}

/// Updating the partnership itself and managing its members: its commissioners (and admins).
pub fn may_manage_partnership(role: PartnershipRole) -> ApiResult<()> {
    role.must_manage("only a commissioner of this partnership may change it or its members")
}

/// Partnerships in which the actor's organisation is an active member with `role`.
fn memberships_with_role(actor: &Actor, role: MemberRole) -> SelectStatement {
    partnership_member::Entity::find()
        .select_only()
        .column(partnership_member::Column::PartnershipId)
        .filter(partnership_member::Column::OrganisationId.eq(actor.organisation_id))
        .filter(partnership_member::Column::Role.eq(role))
        .filter(active_membership(actor.today))
        .into_query()
}

/// A condition no row satisfies, for actors who may see none of a kind of row.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// Row filter: interventions are visible wherever their partnership is.
pub fn visible_interventions(actor: &Actor) -> Condition {
    in_visible_partnerships(
        actor,
        Expr::col((intervention::Entity, intervention::Column::PartnershipId)),
    )
}

/// Row filter for rows that name their partnership in `partnership_id` (an intervention, or a
/// row of the outcome read model): visible wherever that partnership is.
pub fn in_visible_partnerships(actor: &Actor, partnership_id: Expr) -> Condition {
    if actor.is_admin() {
        return Condition::all();
    }
    Condition::all().add(partnership_id.in_subquery(active_memberships_of(actor)))
}

/// Creating or changing an intervention: the partnership's commissioners for any provider
/// member, and a provider for its own organisation's interventions (§4.3).
pub fn may_manage_intervention(
    actor: &Actor,
    role: PartnershipRole,
    provider_id: Uuid,
) -> ApiResult<()> {
    match role {
        PartnershipRole::Admin | PartnershipRole::Commissioner => Ok(()),
        PartnershipRole::Provider if provider_id == actor.organisation_id => Ok(()),
        PartnershipRole::Provider => Err(ApiError::forbidden(
            "a provider may only manage its own organisation's interventions",
        )),
        PartnershipRole::Viewer => Err(ApiError::forbidden(
            "only the partnership's commissioners and the delivering provider may manage interventions",
        )),
    }
}

/// Participants enrolled in interventions of partnerships the organisation commissions.
fn participants_in_commissioned_partnerships(actor: &Actor) -> SelectStatement {
    enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::ParticipantId)
        .filter(enrolment::Column::InterventionId.in_subquery(commissioned_interventions(actor)))
        .into_query()
}

fn commissioned_interventions(actor: &Actor) -> SelectStatement {
    intervention::Entity::find()
        .select_only()
        .column(intervention::Column::Id)
        .filter(
            intervention::Column::PartnershipId
                .in_subquery(memberships_with_role(actor, MemberRole::Commissioner)),
        )
        .into_query()
}

/// Row filter for participants (§4.3): the owning provider's users see their own; commissioners
/// see those enrolled in their partnerships, and only where the information-sharing decision
/// allows it (`sharing_basis` is not NONE); nobody else sees any. This is the rule that keeps
/// one provider from ever reading another provider's children.
pub fn visible_participants(actor: &Actor) -> Condition {
    match actor.role {
        UserRole::Admin => Condition::all(),
        UserRole::Provider => own_participants(actor.organisation_id),
        UserRole::Commissioner => commissioned_shared_participants(actor),
        UserRole::Viewer => nothing(),
    }
}

fn own_participants(organisation_id: Uuid) -> Condition {
    Condition::all().add(participant::Column::ProviderId.eq(organisation_id))
}

/// Participants enrolled in partnerships the organisation commissions whose information-sharing
/// decision allows it.
fn commissioned_shared_participants(actor: &Actor) -> Condition {
    Condition::all()
        .add(participant::Column::SharingBasis.ne(SharingBasis::None))
        .add(participant::Column::Id.in_subquery(participants_in_commissioned_partnerships(actor)))
}

/// Ids of the participants matching `condition`, as a subquery.
fn participant_ids(condition: Condition) -> SelectStatement {
    participant::Entity::find()
        .select_only()
        .column(participant::Column::Id)
        .filter(condition)
        .into_query()
}

/// Row filter for enrolments: the owning provider sees all of its participants' enrolments; a
/// commissioner only those in partnerships it commissions, of participants whose
/// information-sharing decision allows it.
pub fn visible_enrolments(actor: &Actor) -> Condition {
    match actor.role {
        UserRole::Admin => Condition::all(),
        UserRole::Provider => own_enrolments(actor.organisation_id),
        UserRole::Commissioner => commissioned_shared_enrolments(actor),
        UserRole::Viewer => nothing(),
    }
}

/// Enrolments of the organisation's own participants.
fn own_enrolments(organisation_id: Uuid) -> Condition {
    Condition::all().add(
        enrolment::Column::ParticipantId
            .in_subquery(participant_ids(own_participants(organisation_id))),
    )
}

/// Enrolments in partnerships the organisation commissions, of participants whose
/// information-sharing decision allows it.
fn commissioned_shared_enrolments(actor: &Actor) -> Condition {
    Condition::all()
        .add(enrolment::Column::InterventionId.in_subquery(commissioned_interventions(actor)))
        .add(
            enrolment::Column::ParticipantId.in_subquery(participant_ids(
                Condition::all().add(participant::Column::SharingBasis.ne(SharingBasis::None)),
            )),
        )
}

/// Enrolments whose rows some user of the actor's organisation may read, whatever the actor's
/// own role: what its users could pool, and so what disclosure control must assume the
/// organisation knows (§6.4). For a query that joins `participants`, the sharing decision is
/// read from the joined row instead of a scan of every participant. `intervention_id` is the
/// enrolment's intervention, from `enrolments` or from a row of the outcome read model.
pub fn enrolments_known_to_organisation(actor: &Actor, intervention_id: Expr) -> Condition {
    if actor.is_admin() {
        return Condition::all();
    }
    Condition::any()
        .add(own_participants(actor.organisation_id))
        .add(
            Condition::all()
                .add(intervention_id.in_subquery(commissioned_interventions(actor)))
                .add(participant::Column::SharingBasis.ne(SharingBasis::None)),
        )
}

/// Participants whose rows some user of the actor's organisation may read (as
/// [`enrolments_known_to_organisation`], for queries over `participants`).
pub fn participants_known_to_organisation(actor: &Actor) -> Condition {
    if actor.is_admin() {
        return Condition::all();
    }
    Condition::any()
        .add(own_participants(actor.organisation_id))
        .add(commissioned_shared_participants(actor))
}

/// Whether the actor belongs to the organisation that owns a participant. Reads by anyone else
/// are written to the participant's access log.
pub fn owns_participant(actor: &Actor, provider_id: Uuid) -> bool {
    actor.role == UserRole::Provider && actor.organisation_id == provider_id
}

/// Recording participants and changing their details: the owning provider's users only.
/// Commissioners who can see a participant may not change it.
pub fn may_manage_participant(actor: &Actor, provider_id: Uuid) -> ApiResult<()> {
    if owns_participant(actor, provider_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the provider that recorded a participant may change it or its enrolments",
        ))
    }
}

/// Recording a new participant: provider users, for their own organisation.
pub fn may_record_participants(actor: &Actor) -> ApiResult<()> {
    if actor.role == UserRole::Provider {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only provider users record participants (they belong to the provider's organisation)",
        ))
    }
}

/// The participant's access log: the owning provider (to answer "who has seen my record?")
/// and admins.
pub fn may_read_access_log(actor: &Actor, provider_id: Uuid) -> ApiResult<()> {
    if actor.is_admin() || owns_participant(actor, provider_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the provider that recorded a participant may read its access log",
        ))
    }
}

/// Row filter for evaluation submissions (§4.3, §5.1): the delivering provider sees all of its
/// own, drafts included; the partnership's commissioners every one that has been submitted;
/// anyone else who can see the partnership only ACCEPTED ones (evidence counts once accepted).
pub fn visible_submissions(actor: &Actor) -> Condition {
    if actor.is_admin() {
        return Condition::all();
    }
    let in_visible_interventions = |extra: Condition| {
        evaluation_submission::Column::InterventionId.in_subquery(
            intervention::Entity::find()
                .select_only()
                .column(intervention::Column::Id)
                .filter(visible_interventions(actor))
                .filter(extra)
                .into_query(),
        )
    };
    let mut visible = Condition::any().add(
        Condition::all()
            .add(evaluation_submission::Column::Status.eq(SubmissionStatus::Accepted))
            .add(in_visible_interventions(Condition::all())),
    );
    match actor.role {
        UserRole::Provider => {
            visible =
                visible
                    .add(in_visible_interventions(Condition::all().add(
                        intervention::Column::ProviderId.eq(actor.organisation_id),
                    )));
        }
        UserRole::Commissioner => {
            visible = visible.add(
                Condition::all()
                    // Ever submitted, not merely "not DRAFT": a draft the provider withdrew
                    // was never handed over, so its commissioners never see it.
                    .add(evaluation_submission::Column::SubmittedAt.is_not_null())
                    .add(
                        evaluation_submission::Column::InterventionId
                            .in_subquery(commissioned_interventions(actor)),
                    ),
            );
        }
        UserRole::Admin | UserRole::Viewer => {}
    }
    visible
}

/// Acting as the delivering provider of an intervention (writing its evidence, enrolling its
/// young people): provider users of that organisation, while the organisation is a PROVIDER
/// member of the partnership. A provider moved to PARTNER is a viewer there (§4.2), and may
/// still read but no longer write.
pub fn may_act_as_provider(
    actor: &Actor,
    role: PartnershipRole,
    intervention_provider_id: Uuid,
) -> ApiResult<()> {
    if role == PartnershipRole::Provider && actor.organisation_id == intervention_provider_id {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the provider that delivers the intervention, as a provider member of the \
             partnership, may write its evidence or enrol young people in it",
        ))
    }
}

/// Reviewing (comment, accept, request changes): the commissioners of the submission's
/// partnership (and admins); accepting, only a commissioner that did not deliver the evidence.
pub fn may_review_submission(
    actor: &Actor,
    role: PartnershipRole,
    accepting: bool,
    intervention_provider_id: Uuid,
) -> ApiResult<()> {
    role.must_manage("only a commissioner of this partnership may review its evidence")?;
    // An organisation that both commissions the partnership and delivers the intervention
    // would otherwise accept its own evidence.
    if accepting && !actor.is_admin() && actor.organisation_id == intervention_provider_id {
        return Err(ApiError::forbidden(
            "your organisation delivers this intervention, so another commissioner of the \
             partnership must accept its evidence",
        ));
    }
    Ok(())
}

/// Row filter for the audit log: admins read everything; commissioners the events of
/// partnerships they commission; nobody else any (§4.3 and the access issue).
pub fn visible_audit_events(actor: &Actor) -> ApiResult<Condition> {
    match actor.role {
        UserRole::Admin => Ok(Condition::all()),
        UserRole::Commissioner => Ok(Condition::all().add(
            audit_event::Column::PartnershipId
                .in_subquery(memberships_with_role(actor, MemberRole::Commissioner)),
        )),
        _ => Err(ApiError::forbidden(
            "only admins and commissioners may read the audit log",
        )),
    }
}

/// Ids of the submissions matching `condition`, as a subquery.
fn submission_ids(condition: Condition) -> SelectStatement {
    evaluation_submission::Entity::find()
        .select_only()
        .column(evaluation_submission::Column::Id)
        .filter(condition)
        .into_query()
}

/// Submissions of the interventions the actor's organisation delivers, among those it can see.
fn own_visible_submissions(actor: &Actor) -> Condition {
    Condition::all().add(visible_submissions(actor)).add(
        evaluation_submission::Column::InterventionId.in_subquery(
            intervention::Entity::find()
                .select_only()
                .column(intervention::Column::Id)
                .filter(intervention::Column::ProviderId.eq(actor.organisation_id))
                .into_query(),
        ),
    )
}

/// Submissions in partnerships the actor's organisation commissions, among those it can see.
fn commissioned_visible_submissions(actor: &Actor) -> Condition {
    Condition::all().add(visible_submissions(actor)).add(
        evaluation_submission::Column::InterventionId
            .in_subquery(commissioned_interventions(actor)),
    )
}

/// Enrolments of participants whose information-sharing decision is not NONE, as a subquery.
fn enrolments_with_a_sharing_basis() -> SelectStatement {
    enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::Id)
        .filter(
            enrolment::Column::ParticipantId.in_subquery(participant_ids(
                Condition::all().add(participant::Column::SharingBasis.ne(SharingBasis::None)),
            )),
        )
        .into_query()
}

/// Row filter for stories, the child's voice (§3.14, §4.3). The delivering provider sees all of
/// its own; the partnership's commissioners see the stories of the submissions they review,
/// except a story about a young person whose information-sharing decision is NONE, unless the
/// young person agreed to share that story; everyone else who can see an ACCEPTED submission
/// sees only the stories the young person agreed to share (`consent_to_share`).
pub fn visible_stories(actor: &Actor) -> Condition {
    use entity::story;
    if actor.is_admin() {
        return Condition::all();
    }
    let mut visible = Condition::any().add(
        Condition::all()
            .add(story::Column::ConsentToShare.eq(true))
            .add(
                story::Column::SubmissionId.in_subquery(submission_ids(
                    Condition::all()
                        .add(evaluation_submission::Column::Status.eq(SubmissionStatus::Accepted))
                        .add(visible_submissions(actor)),
                )),
            ),
    );
    match actor.role {
        UserRole::Provider => {
            visible = visible.add(
                story::Column::SubmissionId
                    .in_subquery(submission_ids(own_visible_submissions(actor))),
            );
        }
        UserRole::Commissioner => {
            let shareable = Condition::any()
                .add(story::Column::ConsentToShare.eq(true))
                .add(story::Column::EnrolmentId.is_null())
                .add(story::Column::EnrolmentId.in_subquery(enrolments_with_a_sharing_basis()));
            let reviewed = submission_ids(commissioned_visible_submissions(actor));
            visible = visible.add(
                Condition::all()
                    .add(story::Column::SubmissionId.in_subquery(reviewed))
                    .add(shareable),
            );
        }
        _ => {}
    }
    visible
}

/// Row filter for review comments: the conversation between the partnership's commissioners
/// and the delivering provider about its evidence. Viewers read accepted evidence, not the
/// review of it.
pub fn visible_review_comments(actor: &Actor) -> Condition {
    use entity::review_comment;
    let submissions = match actor.role {
        UserRole::Admin => return Condition::all(),
        UserRole::Provider => own_visible_submissions(actor),
        UserRole::Commissioner => commissioned_visible_submissions(actor),
        UserRole::Viewer => return nothing(),
    };
    Condition::all()
        .add(review_comment::Column::SubmissionId.in_subquery(submission_ids(submissions)))
}

/// Row filter for outcome records (§3.13, §4.3). They are participant-level data, so a record is
/// visible only where both its submission and its enrolment are: the delivering provider sees
/// all of its own; commissioners those of the submissions they review, for young people whose
/// information-sharing decision allows it; viewers none (they read the submission's summary).
pub fn visible_outcome_records(actor: &Actor) -> Condition {
    outcome_records_visible_in(actor, Condition::all())
}

/// [`visible_outcome_records`] for the records of `submission_ids` only: the check reads just
/// those submissions rather than every one the actor can see, which keeps a nested read's cost
/// independent of how much evidence the service holds.
pub fn visible_records_of_submissions(actor: &Actor, submission_ids: &[Uuid]) -> Condition {
    outcome_records_visible_in(
        actor,
        Condition::all()
            .add(evaluation_submission::Column::Id.is_in(submission_ids.iter().copied())),
    )
}

/// Records of the visible submissions among `submissions`, of visible enrolments.
fn outcome_records_visible_in(actor: &Actor, submissions: Condition) -> Condition {
    use entity::outcome_record;
    if actor.is_admin() {
        return Condition::all();
    }
    let enrolment_ids = enrolment::Entity::find()
        .select_only()
        .column(enrolment::Column::Id)
        .filter(visible_enrolments(actor))
        .into_query();
    Condition::all()
        .add(
            outcome_record::Column::SubmissionId
                .in_subquery(submission_ids(submissions.add(visible_submissions(actor)))),
        )
        .add(outcome_record::Column::EnrolmentId.in_subquery(enrolment_ids))
}

/// Whether the actor sees an analytics result without disclosure control (§6.4): admins, and a
/// provider user when every young person in the result is its own (`reads_every_row`).
pub fn sees_every_aggregate(actor: &Actor, reads_every_row: bool) -> bool {
    actor.is_admin() || (actor.role == UserRole::Provider && reads_every_row)
}

/// Whether the actor sees aggregates of a provider's participants without disclosure control
/// (§6.4): admins, and the provider's own users looking at their own young people. Everyone
/// else gets small cells suppressed.
pub fn sees_unsuppressed_aggregates(actor: &Actor, provider_id: Uuid) -> bool {
    actor.is_admin() || owns_participant(actor, provider_id)
}

// Agreements, targets and reviews (DESIGN §3.6, §3.8, §4.3, §5.2, §5.3).

/// Drafting and changing agreement versions: the partnership's commissioners (and admins).
pub fn may_draft_agreement(role: PartnershipRole) -> ApiResult<()> {
    role.must_manage("only a commissioner of this partnership may draft or change its agreements")
}

/// Signing an agreement for the actor's organisation: any active user of an active member
/// organisation, whatever the user's or the membership's role (a partner school must be able
/// to agree to the joint aims). `membership` is the actor's organisation's active membership.
/// An admin outside the partnership sees it but has no organisation in it to sign for.
pub fn may_sign_agreement(membership: Option<MemberRole>) -> ApiResult<()> {
    match membership {
        Some(_) => Ok(()),
        None => Err(ApiError::forbidden(
            "your organisation is not an active member of this partnership, so it cannot sign \
             its agreements: only member organisations sign",
        )),
    }
}

/// Proposing, changing, agreeing and retiring targets: the partnership's commissioners (and
/// admins).
pub fn may_manage_targets(role: PartnershipRole) -> ApiResult<()> {
    role.must_manage(
        "only a commissioner of this partnership may propose, change, agree or retire its \
         targets",
    )
}

/// Recording a review of the partnership: its commissioners (and admins).
pub fn may_review_partnership(role: PartnershipRole) -> ApiResult<()> {
    role.must_manage("only a commissioner of this partnership may record its review")
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberRole as M;
    use PartnershipRole as P;
    use UserRole as U;

    /// Every cell of the DESIGN §4.2 table, row by row.
    #[test]
    fn effective_role_matches_the_design_table() {
        let memberships = [
            Some(M::Commissioner),
            Some(M::Provider),
            Some(M::Partner),
            None,
        ];
        let table = [
            (
                U::Admin,
                [
                    Some(P::Admin),
                    Some(P::Admin),
                    Some(P::Admin),
                    Some(P::Admin),
                ],
            ),
            (
                U::Commissioner,
                [
                    Some(P::Commissioner),
                    Some(P::Viewer),
                    Some(P::Viewer),
                    None,
                ],
            ),
            (
                U::Provider,
                [Some(P::Viewer), Some(P::Provider), Some(P::Viewer), None],
            ),
            (
                U::Viewer,
                [Some(P::Viewer), Some(P::Viewer), Some(P::Viewer), None],
            ),
        ];
        for (user_role, expected_row) in table {
            for (membership, expected) in memberships.iter().zip(expected_row) {
                assert_eq!(
                    effective_role(user_role, *membership),
                    expected,
                    "{user_role:?} in an organisation with membership {membership:?}"
                );
            }
        }
    }

    fn actor(role: U, organisation_id: Uuid) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            organisation_id,
            role,
            today: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        }
    }

    /// What [`AccessClass`] promises: actors who differ in nothing but the user get the same
    /// row filters, and a different organisation, role or day is a different class.
    #[test]
    fn the_row_filters_read_only_the_access_class() {
        use sea_orm::sea_query::{PostgresQueryBuilder, Query};
        let filters: [fn(&Actor) -> Condition; 9] = [
            visible_partnerships,
            visible_interventions,
            visible_participants,
            visible_enrolments,
            participants_known_to_organisation,
            visible_submissions,
            visible_stories,
            visible_review_comments,
            visible_outcome_records,
        ];
        let sql = |filter: fn(&Actor) -> Condition, actor: &Actor| {
            Query::select()
                .expr(Expr::value(1))
                .cond_where(filter(actor))
                .to_string(PostgresQueryBuilder)
        };
        for role in [U::Admin, U::Commissioner, U::Provider, U::Viewer] {
            let one = actor(role, Uuid::now_v7());
            let another_user = Actor {
                user_id: Uuid::now_v7(),
                ..one.clone()
            };
            assert_eq!(access_class(&one), access_class(&another_user));
            for filter in filters {
                assert_eq!(sql(filter, &one), sql(filter, &another_user));
            }
            let tomorrow = Actor {
                today: one.today.succ_opt().unwrap(),
                ..one.clone()
            };
            for other in [actor(role, Uuid::now_v7()), tomorrow] {
                assert_ne!(access_class(&one), access_class(&other));
            }
        }
        let provider = actor(U::Provider, Uuid::now_v7());
        let viewer = Actor {
            role: U::Viewer,
            ..provider.clone()
        };
        assert_ne!(access_class(&provider), access_class(&viewer));
    }

    /// The decisions on rows an actor already sees, each against its own organisation and
    /// another (found by cargo mutants: the integration matrix covered them, no unit test did).
    #[test]
    fn decisions_on_visible_rows_follow_role_and_organisation() {
        let (own, other) = (Uuid::now_v7(), Uuid::now_v7());
        let provider = actor(U::Provider, own);
        let commissioner = actor(U::Commissioner, own);
        let admin = actor(U::Admin, own);

        assert!(may_manage_intervention(&provider, P::Provider, own).is_ok());
        assert!(may_manage_intervention(&provider, P::Provider, other).is_err());
        assert!(may_manage_intervention(&commissioner, P::Commissioner, other).is_ok());
        assert!(may_manage_intervention(&provider, P::Viewer, own).is_err());

        assert!(owns_participant(&provider, own));
        assert!(!owns_participant(&provider, other));
        assert!(
            !owns_participant(&commissioner, own),
            "a commissioner user of the owning organisation does not own its participants"
        );
        assert!(may_manage_participant(&provider, own).is_ok());
        assert!(may_manage_participant(&provider, other).is_err());

        assert!(may_record_participants(&provider).is_ok());
        assert!(may_record_participants(&commissioner).is_err());
        assert!(may_record_participants(&admin).is_err());

        assert!(may_read_access_log(&provider, own).is_ok());
        assert!(may_read_access_log(&admin, other).is_ok());
        assert!(may_read_access_log(&provider, other).is_err());
        assert!(may_read_access_log(&commissioner, own).is_err());

        assert!(may_act_as_provider(&provider, P::Provider, own).is_ok());
        assert!(may_act_as_provider(&provider, P::Provider, other).is_err());
        assert!(
            may_act_as_provider(&provider, P::Viewer, own).is_err(),
            "a provider moved to PARTNER reads but no longer writes"
        );
        assert!(may_act_as_provider(&admin, P::Admin, own).is_err());

        assert!(may_review_submission(&commissioner, P::Commissioner, true, other).is_ok());
        assert!(
            may_review_submission(&commissioner, P::Commissioner, true, own).is_err(),
            "nobody accepts their own organisation's evidence"
        );
        assert!(
            may_review_submission(&commissioner, P::Commissioner, false, own).is_ok(),
            "but may comment on it"
        );
        assert!(may_review_submission(&admin, P::Admin, true, own).is_ok());
        assert!(may_review_submission(&provider, P::Viewer, false, other).is_err());
    }

    #[test]
    fn exact_aggregates_only_for_admins_and_a_provider_about_its_own() {
        let own = Uuid::now_v7();
        let provider = actor(U::Provider, own);
        let commissioner = actor(U::Commissioner, own);
        let admin = actor(U::Admin, own);
        assert!(sees_every_aggregate(&admin, false));
        assert!(sees_every_aggregate(&provider, true));
        assert!(!sees_every_aggregate(&provider, false));
        assert!(!sees_every_aggregate(&commissioner, true));
        assert!(sees_unsuppressed_aggregates(&admin, Uuid::now_v7()));
        assert!(sees_unsuppressed_aggregates(&provider, own));
        assert!(!sees_unsuppressed_aggregates(&provider, Uuid::now_v7()));
        assert!(!sees_unsuppressed_aggregates(&commissioner, own));
    }

    #[test]
    fn only_an_ended_partnership_refuses_writes() {
        assert!(refuse_if_ended(PartnershipStatus::Active).is_ok());
        assert!(refuse_if_ended(PartnershipStatus::UnderReview).is_ok());
        assert!(refuse_if_ended(PartnershipStatus::Proposed).is_ok());
        assert!(matches!(
            refuse_if_ended(PartnershipStatus::Ended),
            Err(ApiError::InvalidState(_))
        ));
    }

    #[test]
    fn only_commissioners_and_admins_manage_a_partnership() {
        assert!(may_manage_partnership(P::Admin).is_ok());
        assert!(may_manage_partnership(P::Commissioner).is_ok());
        assert!(may_manage_partnership(P::Provider).is_err());
        assert!(may_manage_partnership(P::Viewer).is_err());
    }
}

#[cfg(test)]
mod agreement_and_target_tests {
    use super::*;
    use PartnershipRole as P;

    #[test]
    fn only_commissioners_and_admins_draft_agreements_manage_targets_and_review() {
        type Rule = fn(PartnershipRole) -> ApiResult<()>;
        let rules: [(&str, Rule); 3] = [
            ("may_draft_agreement", may_draft_agreement),
            ("may_manage_targets", may_manage_targets),
            ("may_review_partnership", may_review_partnership),
        ];
        for (name, rule) in rules {
            assert!(rule(P::Admin).is_ok(), "{name}: admin");
            assert!(rule(P::Commissioner).is_ok(), "{name}: commissioner");
            assert!(rule(P::Provider).is_err(), "{name}: provider");
            assert!(rule(P::Viewer).is_err(), "{name}: viewer");
        }
    }

    #[test]
    fn every_member_organisation_signs_whatever_its_role_and_outsiders_do_not() {
        for membership in [
            MemberRole::Commissioner,
            MemberRole::Provider,
            MemberRole::Partner,
        ] {
            assert!(
                may_sign_agreement(Some(membership)).is_ok(),
                "{membership:?}"
            );
        }
        assert!(matches!(
            may_sign_agreement(None),
            Err(ApiError::Forbidden(_))
        ));
    }
}
