//! Partnerships and their members (DESIGN §3.4, §3.5): who works together, on what shared aims,
//! and exactly what each member will do. A partnership exists only for admins and for users whose
//! organisation is an active member (§4.2); everyone else gets NOT_FOUND.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{
    enums::{
        AgreementKind, AgreementStatus, InterventionStatus, MemberRole, PartnershipKind,
        PartnershipStatus, TargetState,
    },
    partnership, partnership_member,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{
        auth::Actor,
        policy::{self, PartnershipRole},
    },
    audit::{self, Change},
    delivery::interventions::Intervention,
    directory::{areas::Area, organisations::Organisation},
    graphql::{
        db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
        scalars::Date,
    },
    partnership::{
        agreements::{self, Agreement},
        targets::Target,
    },
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult},
        validation,
    },
};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A partnership of organisations working towards shared aims for children and young people.
pub struct Partnership(pub partnership::Model);

#[Object]
impl Partnership {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The shared aims, in plain language.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    async fn kind(&self) -> PartnershipKind {
        self.0.kind
    }
    async fn status(&self) -> PartnershipStatus {
        self.0.status
    }
    async fn area_code(&self) -> &str {
        &self.0.area_code
    }
    async fn area(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Area>> {
        let loaded = request(ctx)?
            .loaders
            .areas
            .load_one(self.0.area_code.clone())
            .await?;
        Ok(loaded.map(Area::from))
    }
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }
    async fn end_date(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// How often the partners review the partnership, in months.
    async fn review_interval_months(&self) -> i32 {
        self.0.review_interval_months
    }
    async fn next_review_due(&self) -> Date {
        self.0.next_review_due.into()
    }
    /// True when the next review date has passed and the partnership has not ended.
    async fn review_overdue(&self) -> bool {
        self.0.status != PartnershipStatus::Ended && today() > self.0.next_review_due
    }
    async fn last_reviewed_on(&self) -> Option<Date> {
        self.0.last_reviewed_on.map(Date)
    }
    async fn last_review_notes(&self) -> Option<&str> {
        self.0.last_review_notes.as_deref()
    }
    /// What the signed-in user may do in this partnership.
    async fn my_role(&self, ctx: &Context<'_>) -> async_graphql::Result<PartnershipRole> {
        let role = request(ctx)?.loaders.my_roles.load_one(self.0.id).await?;
        // The partnership was only reachable because the caller has a role in it.
        role.ok_or_else(|| {
            ApiError::NotFound {
                entity: "partnership",
            }
            .into()
        })
    }
    /// Current members; `includeFormer: true` adds those who have left.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] include_former: bool,
    ) -> async_graphql::Result<Vec<PartnershipMember>> {
        let members = request(ctx)?
            .loaders
            .members
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(members
            .into_iter()
            .filter(|member| include_former || member.left_on.is_none())
            .map(PartnershipMember)
            .collect())
    }
    /// Every version of every written agreement, newest first; filter by kind or status (for
    /// example `status: AGREED` for the texts in force).
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        kind: Option<AgreementKind>,
        status: Option<AgreementStatus>,
    ) -> async_graphql::Result<Vec<Agreement>> {
        let agreements = request(ctx)?
            .loaders
            .agreements
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        // The loader gives them oldest first; the newest version leads here.
        Ok(agreements
            .into_iter()
            .rev()
            .filter(|row| kind.is_none_or(|kind| row.kind == kind))
            .filter(|row| status.is_none_or(|status| row.status == status))
            .map(Agreement)
            .collect())
    }
    /// The services delivered in the partnership, in the order they were set up; filter by
    /// status or provider.
    async fn interventions(
        &self,
        ctx: &Context<'_>,
        status: Option<InterventionStatus>,
        provider_id: Option<ID>,
    ) -> async_graphql::Result<Vec<Intervention>> {
        let provider_id = provider_id
            .map(|id| parse_id(&id, "providerId"))
            .transpose()?;
        let interventions = request(ctx)?
            .loaders
            .partnership_interventions
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(interventions
            .into_iter()
            .filter(|row| status.is_none_or(|status| row.status == status))
            .filter(|row| provider_id.is_none_or(|provider| row.provider_id == provider))
            .map(Intervention)
            .collect())
    }
    /// The partnership's targets, in the order they were proposed; filter by state.
    async fn targets(
        &self,
        ctx: &Context<'_>,
        state: Option<TargetState>,
    ) -> async_graphql::Result<Vec<Target>> {
        let targets = request(ctx)?
            .loaders
            .targets
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(targets
            .into_iter()
            .filter(|row| state.is_none_or(|state| row.state == state))
            .map(Target)
            .collect())
    }
    /// The evaluation submissions of all its interventions that the caller may see, oldest
    /// first; filter by status (a commissioner's queue is `submissions(status: SUBMITTED)`).
    async fn submissions(
        &self,
        ctx: &Context<'_>,
        status: Option<entity::enums::SubmissionStatus>,
    ) -> async_graphql::Result<Vec<crate::evidence::submissions::EvaluationSubmission>> {
        let loaded = request(ctx)?
            .loaders
            .partnership_submissions
            .load_one(self.0.id)
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_iter()
            .filter(|row| status.is_none_or(|status| row.status == status))
            .map(crate::evidence::submissions::EvaluationSubmission)
            .collect())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// An organisation's membership of a partnership, with what it has agreed to do.
pub struct PartnershipMember(pub partnership_member::Model);

#[Object]
impl PartnershipMember {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn partnership_id(&self) -> ID {
        self.0.partnership_id.into()
    }
    async fn organisation_id(&self) -> ID {
        self.0.organisation_id.into()
    }
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loaded = request(ctx)?
            .loaders
            .organisations
            .load_one(self.0.organisation_id)
            .await?;
        Ok(loaded.map(Organisation))
    }
    async fn role(&self) -> MemberRole {
        self.0.role
    }
    /// Exactly what this member will do, in plain language.
    async fn responsibilities(&self) -> &str {
        &self.0.responsibilities
    }
    async fn joined_on(&self) -> Date {
        self.0.joined_on.into()
    }
    async fn left_on(&self) -> Option<Date> {
        self.0.left_on.map(Date)
    }
    async fn active(&self) -> bool {
        self.0.left_on.is_none()
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[derive(InputObject, Default)]
pub struct PartnershipFilter {
    pub status: Option<PartnershipStatus>,
    pub kind: Option<PartnershipKind>,
    pub area_code: Option<String>,
    /// Only partnerships whose review is (or is not) overdue: a commissioner's to-do list.
    pub review_overdue: Option<bool>,
}

#[derive(InputObject)]
pub struct CreatePartnershipInput {
    pub name: String,
    /// The shared aims, in plain language.
    pub purpose: String,
    pub kind: PartnershipKind,
    pub area_code: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    #[graphql(default = 12)]
    pub review_interval_months: i32,
    /// Defaults to the start date plus the review interval.
    pub next_review_due: Option<Date>,
    /// What the creating organisation, the first commissioner, will do.
    pub responsibilities: String,
}

/// Fields left out are unchanged; `endDate: null` clears the end date.
#[derive(InputObject)]
pub struct UpdatePartnershipInput {
    pub id: ID,
    pub expected_version: i32,
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub kind: Option<PartnershipKind>,
    pub status: Option<PartnershipStatus>,
    pub area_code: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: MaybeUndefined<Date>,
    pub review_interval_months: Option<i32>,
    pub next_review_due: Option<Date>,
}

#[derive(InputObject)]
pub struct AddPartnershipMemberInput {
    pub partnership_id: ID,
    pub organisation_id: ID,
    pub role: MemberRole,
    /// Exactly what this member will do, in plain language.
    pub responsibilities: String,
    /// Defaults to today.
    pub joined_on: Option<Date>,
}

/// Fields left out are unchanged.
#[derive(InputObject)]
pub struct UpdatePartnershipMemberInput {
    pub id: ID,
    pub expected_version: i32,
    pub role: Option<MemberRole>,
    /// Exactly what this member will do, in plain language.
    pub responsibilities: Option<String>,
}

#[derive(InputObject)]
pub struct RemovePartnershipMemberInput {
    pub id: ID,
    pub expected_version: i32,
    /// The day the organisation left; defaults to today, never in the future.
    pub left_on: Option<Date>,
}

#[derive(InputObject)]
pub struct RecordPartnershipReviewInput {
    pub id: ID,
    pub expected_version: i32,
    /// What the partners concluded, in plain language.
    pub notes: String,
    /// The day the review took place; defaults to today, never in the future.
    pub reviewed_on: Option<Date>,
}

#[derive(SimpleObject)]
pub struct PartnershipPayload {
    pub partnership: Partnership,
}

#[derive(SimpleObject)]
pub struct PartnershipMemberPayload {
    pub member: PartnershipMember,
}

#[derive(Default)]
pub struct PartnershipQuery;

#[Object]
impl PartnershipQuery {
    /// The partnerships the signed-in user can see, in the order they were created.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        filter: Option<PartnershipFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Partnership>> {
        let (db, actor) = db_and_actor(ctx)?;
        let page = PageRequest::parse(first, after)?;
        let select = partnership::Entity::find()
            .filter(policy::visible_partnerships(actor))
            .filter(filter_condition(filter.unwrap_or_default()));
        Ok(fetch_page(
            db,
            select,
            partnership::Column::Id,
            page,
            Order::OldestFirst,
            |row| row.id,
            Partnership,
        )
        .await?)
    }

    async fn partnership(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Partnership> {
        let (db, actor) = db_and_actor(ctx)?;
        let id = parse_id(&id, "id")?;
        Ok(Partnership(find_visible(db, actor, id).await?))
    }
}

fn filter_condition(filter: PartnershipFilter) -> Condition {
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(partnership::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(partnership::Column::Kind.eq(kind));
    }
    if let Some(area_code) = filter.area_code {
        condition = condition.add(partnership::Column::AreaCode.eq(area_code));
    }
    if let Some(overdue) = filter.review_overdue {
        let is_overdue = Condition::all()
            .add(partnership::Column::Status.ne(PartnershipStatus::Ended))
            .add(partnership::Column::NextReviewDue.lt(today()));
        condition = condition.add(if overdue {
            is_overdue
        } else {
            is_overdue.not()
        });
    }
    condition
}

#[derive(Default)]
pub struct PartnershipMutation;

#[Object]
impl PartnershipMutation {
    /// Starts a partnership; the caller's organisation becomes its first commissioner.
    async fn create_partnership(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnershipInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = create(db, actor, input).await?;
        Ok(PartnershipPayload {
            partnership: Partnership(model),
        })
    }

    async fn update_partnership(
        &self,
        ctx: &Context<'_>,
        input: UpdatePartnershipInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(PartnershipPayload {
            partnership: Partnership(model),
        })
    }

    async fn add_partnership_member(
        &self,
        ctx: &Context<'_>,
        input: AddPartnershipMemberInput,
    ) -> async_graphql::Result<PartnershipMemberPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = add_member(db, actor, input).await?;
        Ok(PartnershipMemberPayload {
            member: PartnershipMember(model),
        })
    }

    /// Changes a current member's role or responsibilities. The last active commissioner
    /// cannot stop being one.
    async fn update_partnership_member(
        &self,
        ctx: &Context<'_>,
        input: UpdatePartnershipMemberInput,
    ) -> async_graphql::Result<PartnershipMemberPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update_member(db, actor, input).await?;
        Ok(PartnershipMemberPayload {
            member: PartnershipMember(model),
        })
    }

    /// Records that a member has left (its history stays; it can rejoin with
    /// addPartnershipMember). The last active commissioner cannot leave.
    async fn remove_partnership_member(
        &self,
        ctx: &Context<'_>,
        input: RemovePartnershipMemberInput,
    ) -> async_graphql::Result<PartnershipMemberPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = remove_member(db, actor, input).await?;
        Ok(PartnershipMemberPayload {
            member: PartnershipMember(model),
        })
    }

    /// Records a review of the partnership: its notes and date, and the next review, due one
    /// review interval after this one.
    async fn record_partnership_review(
        &self,
        ctx: &Context<'_>,
        input: RecordPartnershipReviewInput,
    ) -> async_graphql::Result<PartnershipPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = record_review(db, actor, input).await?;
        Ok(PartnershipPayload {
            partnership: Partnership(model),
        })
    }
}

/// The partnership, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<partnership::Model> {
    partnership::Entity::find_by_id(id)
        .filter(policy::visible_partnerships(actor))
        .one(db)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "partnership",
        })
}

/// Locks the partnership row for new work in it (an agreement, a target, an intervention) and
/// refuses the work if the partnership has ENDED: what an ended partnership agreed and delivered
/// is a closed record.
pub(crate) async fn lock_open_partnership(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<partnership::Model> {
    let partnership = lock_partnership(conn, id).await?;
    if partnership.status == PartnershipStatus::Ended {
        return Err(ApiError::InvalidState(
            "the partnership has ENDED: its agreements, targets and interventions are a closed \
             record; set its status back to ACTIVE or UNDER_REVIEW first if the work continues"
                .into(),
        ));
    }
    Ok(partnership)
}

/// Locks the partnership row until the transaction ends (SELECT … FOR UPDATE on PostgreSQL;
/// SQLite's BEGIN IMMEDIATE already serialises writers), so changes that depend on the whole
/// set of its members or agreement versions (the last commissioner, the next version number)
/// are decided one at a time.
pub(crate) async fn lock_partnership(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<partnership::Model> {
    partnership::Entity::find_by_id(id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound {
            entity: "partnership",
        })
}

fn review_interval(months: i32) -> ApiResult<i32> {
    if (1..=60).contains(&months) {
        Ok(months)
    } else {
        Err(ApiError::bad_input(
            "input.reviewIntervalMonths",
            "reviewIntervalMonths must be between 1 and 60",
        ))
    }
}

fn dates_in_order(start: NaiveDate, end: Option<NaiveDate>) -> ApiResult<()> {
    match end {
        Some(end) if end < start => Err(ApiError::bad_input(
            "input.endDate",
            "endDate must not be before startDate",
        )),
        _ => Ok(()),
    }
}

async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CreatePartnershipInput,
) -> ApiResult<partnership::Model> {
    policy::may_create_partnership(actor)?;
    let name = validation::name(&input.name, "input.name")?;
    let purpose = validation::long_text(&input.purpose, "input.purpose")?;
    let responsibilities =
        validation::long_text(&input.responsibilities, "input.responsibilities")?;
    let interval = review_interval(input.review_interval_months)?;
    let start_date = input.start_date.0;
    let end_date = input.end_date.map(|date| date.0);
    dates_in_order(start_date, end_date)?;
    let next_review_due = match input.next_review_due {
        Some(date) => date.0,
        None => start_date
            .checked_add_months(Months::new(interval.unsigned_abs()))
            .ok_or_else(|| ApiError::bad_input("input.startDate", "startDate is out of range"))?,
    };

    let txn = begin_write(db).await?;
    let area_code = validation::known_area(&txn, &input.area_code, "input.areaCode").await?;
    let now = Utc::now();
    let model = partnership::Entity::insert(partnership::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        purpose: Set(purpose),
        kind: Set(input.kind),
        status: Set(PartnershipStatus::Proposed),
        area_code: Set(area_code),
        start_date: Set(start_date),
        end_date: Set(end_date),
        review_interval_months: Set(interval),
        next_review_due: Set(next_review_due),
        last_reviewed_on: Set(None),
        last_review_notes: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    let member = insert_member(
        &txn,
        model.id,
        actor.organisation_id,
        MemberRole::Commissioner,
        responsibilities,
        start_date.min(today()),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership.create", "partnership", model.id)
            .in_partnership(model.id)
            .details(json!({
                "name": model.name, "purpose": model.purpose, "kind": model.kind,
                "areaCode": model.area_code, "startDate": model.start_date,
                "endDate": model.end_date, "reviewIntervalMonths": model.review_interval_months,
                "nextReviewDue": model.next_review_due,
                "firstCommissioner": { "memberId": member.id, "organisationId": member.organisation_id },
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdatePartnershipInput,
) -> ApiResult<partnership::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    policy::may_manage_partnership(policy::role_in_partnership(&txn, actor, id).await?)?;

    let mut changes = partnership::ActiveModel::default();
    if let Some(name) = &input.name {
        let name = validation::name(name, "input.name")?;
        changes.name = Set(name);
    }
    if let Some(purpose) = &input.purpose {
        let purpose = validation::long_text(purpose, "input.purpose")?;
        changes.purpose = Set(purpose);
    }
    if let Some(kind) = input.kind {
        changes.kind = Set(kind);
    }
    if let Some(status) = input.status {
        changes.status = Set(status);
    }
    if let Some(area_code) = &input.area_code {
        let area_code = validation::known_area(&txn, area_code, "input.areaCode").await?;
        changes.area_code = Set(area_code);
    }
    if let Some(months) = input.review_interval_months {
        let months = review_interval(months)?;
        changes.review_interval_months = Set(months);
    }
    if let Some(date) = input.next_review_due {
        changes.next_review_due = Set(date.0);
    }
    let start_date = input.start_date.map_or(current.start_date, |date| date.0);
    if input.start_date.is_some() {
        changes.start_date = Set(start_date);
    }
    let end_date = match input.end_date {
        MaybeUndefined::Undefined => current.end_date,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(date) => Some(date.0),
    };
    if !input.end_date.is_undefined() {
        changes.end_date = Set(end_date);
    }
    dates_in_order(start_date, end_date)?;

    let model = save_versioned::<partnership::Entity>(
        &txn,
        changes.clone(),
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership.update", "partnership", id)
            .in_partnership(id)
            .changed_fields(&changes),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn add_member(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AddPartnershipMemberInput,
) -> ApiResult<partnership_member::Model> {
    let partnership_id = parse_id(&input.partnership_id, "input.partnershipId")?;
    let organisation_id = parse_id(&input.organisation_id, "input.organisationId")?;
    let responsibilities =
        validation::long_text(&input.responsibilities, "input.responsibilities")?;
    let txn = begin_write(db).await?;
    policy::may_manage_partnership(
        policy::role_in_partnership(&txn, actor, partnership_id).await?,
    )?;
    validation::known_organisation(&txn, organisation_id, "input.organisationId").await?;
    let already_member = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(partnership_id))
        .filter(partnership_member::Column::OrganisationId.eq(organisation_id))
        .filter(partnership_member::Column::LeftOn.is_null())
        .one(&txn)
        .await?;
    if already_member.is_some() {
        return Err(ApiError::Conflict {
            field: Some("input.organisationId".into()),
            message: "this organisation is already an active member of the partnership".into(),
        });
    }
    let member = insert_member(
        &txn,
        partnership_id,
        organisation_id,
        input.role,
        responsibilities,
        input.joined_on.map_or_else(today, |date| date.0),
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership_member.add", "partnership_member", member.id)
            .in_partnership(partnership_id)
            .details(json!({
                "organisationId": member.organisation_id, "role": member.role,
                "responsibilities": member.responsibilities, "joinedOn": member.joined_on,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

async fn insert_member(
    conn: &impl ConnectionTrait,
    partnership_id: Uuid,
    organisation_id: Uuid,
    role: MemberRole,
    responsibilities: String,
    joined_on: NaiveDate,
) -> ApiResult<partnership_member::Model> {
    let now = Utc::now();
    let member = partnership_member::Entity::insert(partnership_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        partnership_id: Set(partnership_id),
        organisation_id: Set(organisation_id),
        role: Set(role),
        responsibilities: Set(responsibilities),
        joined_on: Set(joined_on),
        left_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(conn)
    .await
    .map_err(|err| {
        // The partial unique index (one active row per organisation) lost a race.
        ApiError::from_unique(
            err,
            &crate::platform::error::UniqueField {
                field: "input.organisationId",
                message: "this organisation is already an active member of the partnership",
            },
        )
    })?;
    Ok(member)
}

/// The member, its partnership locked, if the actor may manage that partnership: NOT_FOUND if
/// they cannot see it, FORBIDDEN if they can but are not its commissioner.
async fn find_member_to_manage(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<partnership_member::Model> {
    const ENTITY: &str = "partnership member";
    let member = partnership_member::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY })?;
    policy::may_manage_partnership(
        policy::role_for(conn, actor, member.partnership_id, ENTITY).await?,
    )?;
    lock_partnership(conn, member.partnership_id).await?;
    // Re-read under the lock: the row may have changed while we waited for it.
    partnership_member::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: ENTITY })
}

fn still_active(member: &partnership_member::Model) -> ApiResult<()> {
    match member.left_on {
        None => Ok(()),
        Some(left_on) => Err(ApiError::InvalidState(format!(
            "this organisation left the partnership on {left_on}; add it again with \
             addPartnershipMember"
        ))),
    }
}

/// Refuses a change that would leave the partnership without an active commissioner member
/// (§3.5): someone must always be able to manage it. Call with the partnership locked.
async fn keeps_a_commissioner(
    conn: &impl ConnectionTrait,
    member: &partnership_member::Model,
    what: &str,
) -> ApiResult<()> {
    if member.role != MemberRole::Commissioner {
        return Ok(());
    }
    let others = partnership_member::Entity::find()
        .filter(partnership_member::Column::PartnershipId.eq(member.partnership_id))
        .filter(partnership_member::Column::Role.eq(MemberRole::Commissioner))
        .filter(partnership_member::Column::LeftOn.is_null())
        .filter(partnership_member::Column::Id.ne(member.id))
        .count(conn)
        .await?;
    if others > 0 {
        Ok(())
    } else {
        Err(ApiError::InvalidState(format!(
            "this is the partnership's last active commissioner member, so it cannot {what}: \
             add or promote another commissioner first"
        )))
    }
}

async fn update_member(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdatePartnershipMemberInput,
) -> ApiResult<partnership_member::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_member_to_manage(&txn, actor, id).await?;
    still_active(&current)?;
    let mut changes = partnership_member::ActiveModel::default();
    if let Some(role) = input.role {
        if role != MemberRole::Commissioner {
            keeps_a_commissioner(&txn, &current, "change its role").await?;
        }
        changes.role = Set(role);
    }
    if let Some(responsibilities) = &input.responsibilities {
        let responsibilities = validation::long_text(responsibilities, "input.responsibilities")?;
        changes.responsibilities = Set(responsibilities);
    }
    let model = save_versioned::<partnership_member::Entity>(
        &txn,
        changes.clone(),
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership_member.update", "partnership_member", id)
            .in_partnership(model.partnership_id)
            .changed_fields(&changes)
            .with_detail("organisationId", json!(model.organisation_id)),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn remove_member(
    db: &DatabaseConnection,
    actor: &Actor,
    input: RemovePartnershipMemberInput,
) -> ApiResult<partnership_member::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let left_on = input.left_on.map_or_else(today, |date| date.0);
    if left_on > today() {
        return Err(ApiError::bad_input(
            "input.leftOn",
            "leftOn must not be in the future: record the departure on the day it happens",
        ));
    }
    let txn = begin_write(db).await?;
    let current = find_member_to_manage(&txn, actor, id).await?;
    still_active(&current)?;
    if left_on < current.joined_on {
        return Err(ApiError::bad_input(
            "input.leftOn",
            format!(
                "leftOn must not be before the day the organisation joined ({})",
                current.joined_on
            ),
        ));
    }
    keeps_a_commissioner(&txn, &current, "leave").await?;
    let model = save_versioned::<partnership_member::Entity>(
        &txn,
        partnership_member::ActiveModel {
            left_on: Set(Some(left_on)),
            ..Default::default()
        },
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership_member.remove", "partnership_member", id)
            .in_partnership(model.partnership_id)
            .details(json!({ "organisationId": model.organisation_id, "leftOn": left_on })),
    )
    .await?;
    // The leaver may have been the only signature a draft was waiting for.
    agreements::agree_fully_signed_drafts(&txn, actor, model.partnership_id).await?;
    txn.commit().await?;
    Ok(model)
}

/// The next review after one held on `reviewed_on`: one interval later. Counting from the day
/// of the review, not from the old due date, keeps the interval between reviews what the
/// partners agreed whether this one was early or late, and never leaves a partnership overdue
/// straight after its review.
fn next_review_after(reviewed_on: NaiveDate, interval_months: i32) -> ApiResult<NaiveDate> {
    reviewed_on
        .checked_add_months(Months::new(interval_months.unsigned_abs()))
        .ok_or_else(|| ApiError::bad_input("input.reviewedOn", "reviewedOn is out of range"))
}

async fn record_review(
    db: &DatabaseConnection,
    actor: &Actor,
    input: RecordPartnershipReviewInput,
) -> ApiResult<partnership::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let notes = validation::long_text(&input.notes, "input.notes")?;
    let reviewed_on = input.reviewed_on.map_or_else(today, |date| date.0);
    if reviewed_on > today() {
        return Err(ApiError::bad_input(
            "input.reviewedOn",
            "reviewedOn must not be in the future: record a review once it has taken place",
        ));
    }
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    policy::may_review_partnership(policy::role_in_partnership(&txn, actor, id).await?)?;
    if let Some(last) = current.last_reviewed_on
        && reviewed_on < last
    {
        return Err(ApiError::bad_input(
            "input.reviewedOn",
            format!("reviewedOn must not be before the last review ({last})"),
        ));
    }
    let next_review_due = next_review_after(reviewed_on, current.review_interval_months)?;
    let model = save_versioned::<partnership::Entity>(
        &txn,
        partnership::ActiveModel {
            last_reviewed_on: Set(Some(reviewed_on)),
            last_review_notes: Set(Some(notes.clone())),
            next_review_due: Set(next_review_due),
            ..Default::default()
        },
        id,
        input.expected_version,
        None,
    )
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership.review", "partnership", id)
            .in_partnership(id)
            .details(json!({
                "notes": notes, "reviewedOn": reviewed_on,
                "previousNextReviewDue": current.next_review_due,
                "nextReviewDue": next_review_due,
                "reviewIntervalMonths": current.review_interval_months,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_next_review_is_one_interval_after_this_one() {
        assert_eq!(
            next_review_after(day(2027, 3, 10), 12).unwrap(),
            day(2028, 3, 10)
        );
        assert_eq!(
            next_review_after(day(2027, 1, 31), 1).unwrap(),
            day(2027, 2, 28),
            "the end of a shorter month"
        );
    }
}
