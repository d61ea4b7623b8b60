//! The GraphQL face of partnerships and their members (DESIGN §3.4, §3.5): who works together,
//! on what shared aims, and exactly what each member will do. Resolvers parse their input, read
//! today from the application clock and hand over to [`service`] (the partnership itself) and
//! [`members`] (membership), which hold the rules.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{
    enums::{
        AgreementKind, AgreementStatus, InterventionStatus, MemberRole, PartnershipKind,
        PartnershipStatus, TargetState,
    },
    partnership, partnership_member,
};

use crate::{
    access::policy,
    delivery::interventions::{Intervention, service::InterventionFilter},
    directory::{areas::Area, organisations::Organisation},
    evidence::submissions::EvaluationSubmission,
    graphql::{
        clock, db_and_actor,
        pagination::{Order, Page, PageRequest, fetch_page},
        parse_id, request,
        scalars::Date,
    },
    partnership::{agreements::Agreement, targets::Target},
    platform::error::ApiError,
};

pub mod members;
pub mod service;

/// What a caller may do in one partnership (DESIGN §4.2), exposed as `Partnership.myRole`.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "policy::PartnershipRole")]
pub enum PartnershipRole {
    Admin,
    Commissioner,
    Provider,
    Viewer,
}

/// A partnership of organisations working towards shared aims for children and young people.
#[derive(Clone)]
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
    async fn review_overdue(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(service::review_overdue(&self.0, clock(ctx)?.today()))
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
        role.map(PartnershipRole::from).ok_or_else(|| {
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
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn interventions(
        &self,
        ctx: &Context<'_>,
        status: Option<InterventionStatus>,
        provider_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Intervention>> {
        let page = PageRequest::parse(ctx, first, after)?;
        let filter = InterventionFilter {
            status,
            provider_id: provider_id
                .map(|id| parse_id(&id, "providerId"))
                .transpose()?,
        };
        let loaded = request(ctx)?
            .loaders
            .partnership_interventions
            .load_one((self.0.id, page, filter))
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_connection(page, |row| row.id, Intervention))
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
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn submissions(
        &self,
        ctx: &Context<'_>,
        status: Option<entity::enums::SubmissionStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<EvaluationSubmission>> {
        let page = PageRequest::parse(ctx, first, after)?;
        let loaded = request(ctx)?
            .loaders
            .partnership_submissions
            .load_one((self.0.id, page, status))
            .await?;
        Ok(loaded
            .unwrap_or_default()
            .into_connection(page, |row| row.id, EvaluationSubmission))
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
    #[graphql(complexity = "crate::graphql::pagination::page_cost(first, child_complexity)")]
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        filter: Option<PartnershipFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Page<Partnership>> {
        let (db, actor) = db_and_actor(ctx)?;
        let page = PageRequest::parse(ctx, first, after)?;
        let filter = filter.unwrap_or_default();
        let filter = service::Filter {
            status: filter.status,
            kind: filter.kind,
            area_code: filter.area_code,
            review_overdue: filter.review_overdue,
            today: clock(ctx)?.today(),
        };
        Ok(fetch_page(
            db,
            service::visible(actor, &filter),
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
        Ok(Partnership(service::find_visible(db, actor, id).await?))
    }
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
        let new = service::NewPartnership {
            name: input.name,
            purpose: input.purpose,
            kind: input.kind,
            area_code: input.area_code,
            start_date: input.start_date.0,
            end_date: input.end_date.map(|date| date.0),
            review_interval_months: input.review_interval_months,
            next_review_due: input.next_review_due.map(|date| date.0),
            responsibilities: input.responsibilities,
            today: clock(ctx)?.today(),
        };
        let model = service::create(db, actor, new).await?;
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
        let edit = service::PartnershipChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            name: input.name,
            purpose: input.purpose,
            kind: input.kind,
            status: input.status,
            area_code: input.area_code,
            start_date: input.start_date.map(|date| date.0),
            end_date: match input.end_date {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(date) => Some(Some(date.0)),
            },
            review_interval_months: input.review_interval_months,
            next_review_due: input.next_review_due.map(|date| date.0),
        };
        let model = service::update(db, actor, edit).await?;
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
        let new = members::NewMember {
            partnership_id: parse_id(&input.partnership_id, "input.partnershipId")?,
            organisation_id: parse_id(&input.organisation_id, "input.organisationId")?,
            role: input.role,
            responsibilities: input.responsibilities,
            joined_on: input.joined_on.map(|date| date.0),
            today: clock(ctx)?.today(),
        };
        let model = members::add(db, actor, new).await?;
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
        let edit = members::MemberChanges {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            role: input.role,
            responsibilities: input.responsibilities,
        };
        let model = members::update(db, actor, edit).await?;
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
        let removal = members::MemberRemoval {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            left_on: input.left_on.map(|date| date.0),
            today: clock(ctx)?.today(),
        };
        let model = members::remove(db, actor, removal).await?;
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
        let review = service::PartnershipReview {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
            notes: input.notes,
            reviewed_on: input.reviewed_on.map(|date| date.0),
            today: clock(ctx)?.today(),
        };
        let model = service::record_review(db, actor, review).await?;
        Ok(PartnershipPayload {
            partnership: Partnership(model),
        })
    }
}
