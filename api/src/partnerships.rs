//! Partnerships and their members (DESIGN §3.4, §3.5): who works together, on what shared aims,
//! and exactly what each member will do. A partnership exists only for admins and for users whose
//! organisation is an active member (§4.2); everyone else gets NOT_FOUND.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{
    enums::{MemberRole, PartnershipKind, PartnershipStatus},
    partnership, partnership_member,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    areas::Area,
    audit::{self, Change},
    auth::Actor,
    db::{begin_write, save_versioned},
    error::{ApiError, ApiResult},
    graphql::{
        db_and_actor,
        pagination::{Page, PageRequest, fetch_page},
        parse_id, request,
        scalars::Date,
    },
    organisations::Organisation,
    policy::{self, PartnershipRole},
    validation,
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
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
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
    let name = validation::text(&input.name, "input.name", 200)?;
    let purpose = validation::text(&input.purpose, "input.purpose", 10_000)?;
    let responsibilities =
        validation::text(&input.responsibilities, "input.responsibilities", 10_000)?;
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
    let mut details = serde_json::Map::new();
    if let Some(name) = &input.name {
        let name = validation::text(name, "input.name", 200)?;
        details.insert("name".into(), json!(name));
        changes.name = Set(name);
    }
    if let Some(purpose) = &input.purpose {
        let purpose = validation::text(purpose, "input.purpose", 10_000)?;
        details.insert("purpose".into(), json!(purpose));
        changes.purpose = Set(purpose);
    }
    if let Some(kind) = input.kind {
        details.insert("kind".into(), json!(kind));
        changes.kind = Set(kind);
    }
    if let Some(status) = input.status {
        details.insert("status".into(), json!(status));
        changes.status = Set(status);
    }
    if let Some(area_code) = &input.area_code {
        let area_code = validation::known_area(&txn, area_code, "input.areaCode").await?;
        details.insert("areaCode".into(), json!(area_code));
        changes.area_code = Set(area_code);
    }
    if let Some(months) = input.review_interval_months {
        let months = review_interval(months)?;
        details.insert("reviewIntervalMonths".into(), json!(months));
        changes.review_interval_months = Set(months);
    }
    if let Some(date) = input.next_review_due {
        details.insert("nextReviewDue".into(), json!(date.0));
        changes.next_review_due = Set(date.0);
    }
    let start_date = input.start_date.map_or(current.start_date, |date| date.0);
    if input.start_date.is_some() {
        details.insert("startDate".into(), json!(start_date));
        changes.start_date = Set(start_date);
    }
    let end_date = match input.end_date {
        MaybeUndefined::Undefined => current.end_date,
        MaybeUndefined::Null => None,
        MaybeUndefined::Value(date) => Some(date.0),
    };
    if !input.end_date.is_undefined() {
        details.insert("endDate".into(), json!(end_date));
        changes.end_date = Set(end_date);
    }
    dates_in_order(start_date, end_date)?;

    let model =
        save_versioned::<partnership::Entity>(&txn, changes, id, input.expected_version, None)
            .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("partnership.update", "partnership", id)
            .in_partnership(id)
            .details(details.into()),
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
        validation::text(&input.responsibilities, "input.responsibilities", 10_000)?;
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
            &crate::error::UniqueField {
                field: "input.organisationId",
                message: "this organisation is already an active member of the partnership",
            },
        )
    })?;
    Ok(member)
}
