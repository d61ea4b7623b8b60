//! Per-request DataLoaders: every relation field resolves through one of these, so a nested
//! query costs one statement per relation, not one per row (DESIGN §1.3).
//!
//! Loaders are built for each request and capture its [`Actor`], so a loader that returns rows
//! an actor may not see applies the policy's row filter in the same statement. The generic
//! loaders and the registry live here; a context's own loaders live in its file below, and only
//! batch: their SQL is in the context's services.

pub mod analytics;
pub mod delivery;

use std::{collections::HashMap, hash::Hash, marker::PhantomData, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    agreement, agreement_signature, area, audit_event, enrolment, evaluation_submission, indicator,
    intervention, organisation, outcome_record, participant, partnership, partnership_member,
    review_comment, story, target, user,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, IntoSimpleExpr,
    QueryFilter, QueryOrder, Select, TryGetable, sea_query::SimpleExpr,
};
use uuid::Uuid;

use crate::{
    access::{
        auth::Actor,
        policy::{self, PartnershipRole},
    },
    delivery::{interventions::service as interventions, participants::service as participants},
    evidence::{outcome_records::service as outcome_records, submissions::service as submissions},
    graphql::pagination::{ChildPage, Order, PageRequest, fetch_pages_by_parent},
    platform::{
        db::{load_by_id, load_grouped},
        error::ApiError,
    },
};

/// Loader errors must be `Clone`; the GraphQL error is, and it has already been logged.
pub type LoadError = async_graphql::Error;

pub fn load_error(err: sea_orm::DbErr) -> LoadError {
    ApiError::from(err).into()
}

/// Rows of `E` by id under the actor's row filter: every many-to-one relation field.
pub struct ByIdLoader<E: EntityTrait> {
    db: DatabaseConnection,
    filter: Condition,
    id: E::Column,
    id_of: fn(&E::Model) -> Uuid,
}

impl<E: EntityTrait> ByIdLoader<E> {
    pub fn new(
        db: &DatabaseConnection,
        filter: Condition,
        id: E::Column,
        id_of: fn(&E::Model) -> Uuid,
    ) -> DataLoader<Self> {
        let loader = Self {
            db: db.clone(),
            filter,
            id,
            id_of,
        };
        DataLoader::new(loader, tokio::spawn)
    }
}

impl<E> Loader<Uuid> for ByIdLoader<E>
where
    E: EntityTrait,
    E::Model: Sync,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, LoadError> {
        load_by_id::<E>(&self.db, self.id, ids, self.filter.clone(), self.id_of)
            .await
            .map_err(load_error)
    }
}

/// The children of many parents under the actor's row filter, oldest first (ids are UUID v7):
/// every one-to-many relation field that needs no join.
pub struct ChildrenLoader<E: EntityTrait> {
    db: DatabaseConnection,
    filter: Condition,
    parent: E::Column,
    id: E::Column,
    parent_of: fn(&E::Model) -> Uuid,
}

impl<E: EntityTrait> ChildrenLoader<E> {
    pub fn new(
        db: &DatabaseConnection,
        filter: Condition,
        parent: E::Column,
        id: E::Column,
        parent_of: fn(&E::Model) -> Uuid,
    ) -> DataLoader<Self> {
        let loader = Self {
            db: db.clone(),
            filter,
            parent,
            id,
            parent_of,
        };
        DataLoader::new(loader, tokio::spawn)
    }
}

impl<E> Loader<Uuid> for ChildrenLoader<E>
where
    E: EntityTrait,
    E::Model: Sync,
{
    type Value = Vec<E::Model>;
    type Error = LoadError;

    async fn load(&self, parent_ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<E::Model>>, LoadError> {
        let query = E::find().filter(self.filter.clone()).order_by_asc(self.id);
        load_grouped(&self.db, query, self.parent, parent_ids, self.parent_of)
            .await
            .map_err(load_error)
    }
}

/// The actor's row filter for the children of the parents read together.
type RowFilter<K> = Box<dyn Fn(&[K]) -> Condition + Send + Sync>;

/// One page of each parent's children under the actor's row filter: every one-to-many relation
/// field that is a connection. The key holds the parent, the page and the field's own arguments
/// (`A`, a status filter, say), since the page and the arguments change what `totalCount`
/// counts; keys that share them are read together, in one statement for any number of parents
/// (two when `totalCount` is selected).
/// Rows decode as `M`: the entity's model, or the model with what the children's select adds.
pub struct ChildPagesLoader<E: EntityTrait, A = (), M = <E as EntityTrait>::Model, K = Uuid> {
    db: DatabaseConnection,
    /// The children the field's arguments select, from the service that owns their SQL.
    children: fn(&A) -> Select<E>,
    visible: RowFilter<K>,
    parent: SimpleExpr,
    id: E::Column,
    order: Order,
    rows: PhantomData<fn() -> M>,
}

impl<E, A, M, K> ChildPagesLoader<E, A, M, K>
where
    E: EntityTrait,
    A: Clone + Eq + Hash + Send + Sync + 'static,
    M: FromQueryResult + Clone + Send + Sync + 'static,
    K: Into<sea_orm::Value> + TryGetable + Clone + Eq + Hash + Send + Sync + 'static,
{
    pub fn new(
        db: &DatabaseConnection,
        children: fn(&A) -> Select<E>,
        visible: impl Fn(&[K]) -> Condition + Send + Sync + 'static,
        (parent, id): (impl IntoSimpleExpr, E::Column),
        order: Order,
    ) -> DataLoader<Self> {
        let loader = Self {
            db: db.clone(),
            children,
            visible: Box::new(visible),
            parent: parent.into_simple_expr(),
            id,
            order,
            rows: PhantomData,
        };
        DataLoader::new(loader, tokio::spawn)
    }
}

impl<E, A, M, K> Loader<(K, PageRequest, A)> for ChildPagesLoader<E, A, M, K>
where
    E: EntityTrait,
    A: Clone + Eq + Hash + Send + Sync + 'static,
    M: FromQueryResult + Clone + Send + Sync + 'static,
    K: Into<sea_orm::Value> + TryGetable + Clone + Eq + Hash + Send + Sync + 'static,
{
    type Value = ChildPage<M>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(K, PageRequest, A)],
    ) -> Result<HashMap<(K, PageRequest, A), Self::Value>, LoadError> {
        let mut parents_by_page: HashMap<(PageRequest, &A), Vec<K>> = HashMap::new();
        for (parent, page, arguments) in keys {
            parents_by_page
                .entry((*page, arguments))
                .or_default()
                .push(parent.clone());
        }
        let mut loaded = HashMap::new();
        for ((page, arguments), parents) in parents_by_page {
            let select = (self.children)(arguments).filter((self.visible)(&parents));
            let pages = fetch_pages_by_parent(
                &self.db,
                select,
                (self.parent.clone(), self.id),
                &parents,
                page,
                self.order,
            )
            .await
            .map_err(load_error)?;
            loaded.extend(
                pages
                    .into_iter()
                    .map(|(parent, rows)| ((parent, page, arguments.clone()), rows)),
            );
        }
        Ok(loaded)
    }
}

/// The submissions of a parent, narrowed by status.
type SubmissionPages =
    ChildPagesLoader<evaluation_submission::Entity, Option<entity::enums::SubmissionStatus>>;

/// A row filter that does not depend on which parents are read.
fn visible_to_all<K>(filter: Condition) -> impl Fn(&[K]) -> Condition + Send + Sync + 'static {
    move |_| filter.clone()
}

/// All loaders of one request.
pub struct Loaders {
    pub areas: DataLoader<AreaLoader>,
    pub organisations: DataLoader<OrganisationLoader>,
    pub members: DataLoader<MembersLoader>,
    pub my_roles: DataLoader<MyRoleLoader>,
    pub users: DataLoader<ByIdLoader<user::Entity>>,
    pub interventions: DataLoader<ByIdLoader<intervention::Entity>>,
    pub intervention_indicators: DataLoader<delivery::InterventionIndicatorsLoader>,
    pub partnership_interventions:
        DataLoader<ChildPagesLoader<intervention::Entity, interventions::InterventionFilter>>,
    pub intervention_enrolments: DataLoader<ChildPagesLoader<enrolment::Entity>>,
    pub participants: DataLoader<ByIdLoader<participant::Entity>>,
    pub participant_enrolments: DataLoader<ChildPagesLoader<enrolment::Entity>>,
    pub partnerships: DataLoader<ByIdLoader<partnership::Entity>>,
    pub agreements: DataLoader<ChildrenLoader<agreement::Entity>>,
    pub agreement_signatures: DataLoader<ChildrenLoader<agreement_signature::Entity>>,
    pub targets: DataLoader<ChildrenLoader<target::Entity>>,
    pub indicators: DataLoader<ByIdLoader<indicator::Entity>>,
    pub intervention_submissions: DataLoader<SubmissionPages>,
    pub partnership_submissions: DataLoader<SubmissionPages>,
    pub submission_stories: DataLoader<ChildPagesLoader<story::Entity>>,
    pub submission_comments: DataLoader<ChildrenLoader<review_comment::Entity>>,
    pub submission_records:
        DataLoader<ChildPagesLoader<outcome_record::Entity, (), outcome_records::WithParticipant>>,
    pub submission_summaries: DataLoader<analytics::SubmissionSummaryLoader>,
    pub enrolments: DataLoader<ByIdLoader<enrolment::Entity>>,
    pub enrolment_records: DataLoader<ChildrenLoader<outcome_record::Entity>>,
    pub target_counts: DataLoader<analytics::TargetCountsLoader>,
    pub access_logs:
        DataLoader<ChildPagesLoader<audit_event::Entity, (), audit_event::Model, String>>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection, actor: &Actor) -> Self {
        Self {
            users: ByIdLoader::<user::Entity>::new(db, Condition::all(), user::Column::Id, |row| {
                row.id
            }),
            interventions: ByIdLoader::<intervention::Entity>::new(
                db,
                policy::visible_interventions(actor),
                intervention::Column::Id,
                |row| row.id,
            ),
            partnership_interventions: ChildPagesLoader::new(
                db,
                interventions::filtered,
                visible_to_all(policy::visible_interventions(actor)),
                (
                    intervention::Column::PartnershipId,
                    intervention::Column::Id,
                ),
                Order::OldestFirst,
            ),
            intervention_indicators: DataLoader::new(
                delivery::InterventionIndicatorsLoader(db.clone()),
                tokio::spawn,
            ),
            intervention_enrolments: ChildPagesLoader::new(
                db,
                |_: &()| enrolment::Entity::find(),
                visible_to_all(policy::visible_enrolments(actor)),
                (enrolment::Column::InterventionId, enrolment::Column::Id),
                Order::OldestFirst,
            ),
            participants: ByIdLoader::<participant::Entity>::new(
                db,
                policy::visible_participants(actor),
                participant::Column::Id,
                |row| row.id,
            ),
            participant_enrolments: ChildPagesLoader::new(
                db,
                |_: &()| enrolment::Entity::find(),
                visible_to_all(policy::visible_enrolments(actor)),
                (enrolment::Column::ParticipantId, enrolment::Column::Id),
                Order::OldestFirst,
            ),
            partnerships: ByIdLoader::<partnership::Entity>::new(
                db,
                policy::visible_partnerships(actor),
                partnership::Column::Id,
                |row| row.id,
            ),
            // Every role that sees a partnership sees its agreements, signatures and targets, and
            // these are reached only from a partnership the caller sees: no row filter needed.
            agreements: ChildrenLoader::<agreement::Entity>::new(
                db,
                Condition::all(),
                agreement::Column::PartnershipId,
                agreement::Column::Id,
                |row| row.partnership_id,
            ),
            agreement_signatures: ChildrenLoader::<agreement_signature::Entity>::new(
                db,
                Condition::all(),
                agreement_signature::Column::AgreementId,
                agreement_signature::Column::Id,
                |row| row.agreement_id,
            ),
            targets: ChildrenLoader::<target::Entity>::new(
                db,
                Condition::all(),
                target::Column::PartnershipId,
                target::Column::Id,
                |row| row.partnership_id,
            ),
            indicators: ByIdLoader::<indicator::Entity>::new(
                db,
                Condition::all(),
                indicator::Column::Id,
                |row| row.id,
            ),
            intervention_submissions: ChildPagesLoader::new(
                db,
                submissions::with_status,
                visible_to_all(policy::visible_submissions(actor)),
                (
                    evaluation_submission::Column::InterventionId,
                    evaluation_submission::Column::Id,
                ),
                Order::OldestFirst,
            ),
            partnership_submissions: ChildPagesLoader::new(
                db,
                submissions::with_status_and_partnership,
                visible_to_all(policy::visible_submissions(actor)),
                (
                    intervention::Column::PartnershipId,
                    evaluation_submission::Column::Id,
                ),
                Order::OldestFirst,
            ),
            submission_stories: ChildPagesLoader::new(
                db,
                |_: &()| story::Entity::find(),
                visible_to_all(policy::visible_stories(actor)),
                (story::Column::SubmissionId, story::Column::Id),
                Order::OldestFirst,
            ),
            submission_comments: ChildrenLoader::<review_comment::Entity>::new(
                db,
                policy::visible_review_comments(actor),
                review_comment::Column::SubmissionId,
                review_comment::Column::Id,
                |row| row.submission_id,
            ),
            submission_records: {
                let actor = actor.clone();
                ChildPagesLoader::new(
                    db,
                    |_: &()| outcome_records::with_participants(),
                    // The check reads only these submissions, whatever else the caller sees.
                    move |submission_ids: &[Uuid]| {
                        policy::visible_records_of_submissions(&actor, submission_ids)
                    },
                    (
                        outcome_record::Column::SubmissionId,
                        outcome_record::Column::Id,
                    ),
                    Order::OldestFirst,
                )
            },
            submission_summaries: DataLoader::new(
                analytics::SubmissionSummaryLoader {
                    db: db.clone(),
                    actor: Arc::new(actor.clone()),
                },
                tokio::spawn,
            ),
            enrolments: ByIdLoader::<enrolment::Entity>::new(
                db,
                policy::visible_enrolments(actor),
                enrolment::Column::Id,
                |row| row.id,
            ),
            enrolment_records: ChildrenLoader::<outcome_record::Entity>::new(
                db,
                policy::visible_outcome_records(actor),
                outcome_record::Column::EnrolmentId,
                outcome_record::Column::Id,
                |row| row.enrolment_id,
            ),
            target_counts: DataLoader::new(
                analytics::TargetCountsLoader {
                    db: db.clone(),
                    actor: Arc::new(actor.clone()),
                },
                tokio::spawn,
            ),
            // Reached only after `policy::may_read_access_log`.
            access_logs: ChildPagesLoader::new(
                db,
                |_: &()| participants::access_log(),
                |_: &[String]| Condition::all(),
                (audit_event::Column::EntityId, audit_event::Column::Id),
                Order::NewestFirst,
            ),
            areas: DataLoader::new(AreaLoader(db.clone()), tokio::spawn),
            organisations: DataLoader::new(OrganisationLoader(db.clone()), tokio::spawn),
            members: DataLoader::new(MembersLoader(db.clone()), tokio::spawn),
            my_roles: DataLoader::new(
                MyRoleLoader {
                    db: db.clone(),
                    actor: Arc::new(actor.clone()),
                },
                tokio::spawn,
            ),
        }
    }
}

/// Areas by code (public reference data).
pub struct AreaLoader(DatabaseConnection);

impl Loader<String> for AreaLoader {
    type Value = area::Model;
    type Error = LoadError;

    async fn load(&self, codes: &[String]) -> Result<HashMap<String, area::Model>, LoadError> {
        let rows = area::Entity::find()
            .filter(area::Column::Code.is_in(codes.iter().cloned()))
            .all(&self.0)
            .await
            .map_err(load_error)?;
        Ok(rows
            .into_iter()
            .map(|row| (row.code.clone(), row))
            .collect())
    }
}

/// Organisations by id (every authenticated user may read them, §4.3).
pub struct OrganisationLoader(DatabaseConnection);

impl Loader<Uuid> for OrganisationLoader {
    type Value = organisation::Model;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, organisation::Model>, LoadError> {
        let rows = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(ids.iter().copied()))
            .all(&self.0)
            .await
            .map_err(load_error)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }
}

/// Members of partnerships, keyed by partnership id. Only reached from a partnership the actor
/// can already see, and every role that sees a partnership sees its members (§4.3).
pub struct MembersLoader(DatabaseConnection);

impl Loader<Uuid> for MembersLoader {
    type Value = Vec<partnership_member::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        partnership_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<partnership_member::Model>>, LoadError> {
        let query = partnership_member::Entity::find()
            .order_by_asc(partnership_member::Column::JoinedOn)
            .order_by_asc(partnership_member::Column::Id);
        load_grouped(
            &self.0,
            query,
            partnership_member::Column::PartnershipId,
            partnership_ids,
            |row| row.partnership_id,
        )
        .await
        .map_err(load_error)
    }
}

/// The actor's effective role per partnership, from one look-up of their organisation's active
/// memberships (cached for the rest of the request).
pub struct MyRoleLoader {
    db: DatabaseConnection,
    actor: Arc<Actor>,
}

impl Loader<Uuid> for MyRoleLoader {
    type Value = PartnershipRole;
    type Error = LoadError;

    async fn load(
        &self,
        partnership_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, PartnershipRole>, LoadError> {
        let memberships = partnership_member::Entity::find()
            .filter(
                partnership_member::Column::PartnershipId.is_in(partnership_ids.iter().copied()),
            )
            .filter(partnership_member::Column::OrganisationId.eq(self.actor.organisation_id))
            .filter(partnership_member::Column::LeftOn.is_null())
            .all(&self.db)
            .await
            .map_err(load_error)?;
        let membership_of: HashMap<Uuid, _> = memberships
            .into_iter()
            .map(|member| (member.partnership_id, member.role))
            .collect();
        Ok(partnership_ids
            .iter()
            .filter_map(|id| {
                policy::effective_role(self.actor.role, membership_of.get(id).copied())
                    .map(|role| (*id, role))
            })
            .collect())
    }
}
