//! The rules of a partnership itself (DESIGN §3.4): starting one with its first commissioner,
//! changing it, recording its reviews, and when its review is overdue. A partnership exists only
//! for admins and for users whose organisation is an active member (§4.2); everyone else gets
//! NOT_FOUND.
//!
//! This is the bottom of the partnership context: agreements, targets, members and the delivery
//! and evidence contexts lock and find partnerships through it, so it calls none of them.

use chrono::{Months, NaiveDate, Utc};
use entity::{
    enums::{MemberRole, PartnershipKind, PartnershipStatus},
    partnership, partnership_member,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Select,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult, UniqueField},
        validation,
    },
};

/// Which partnerships to list.
pub struct Filter {
    pub status: Option<PartnershipStatus>,
    pub kind: Option<PartnershipKind>,
    pub area_code: Option<String>,
    /// Only partnerships whose review is (or is not) overdue on `today`.
    pub review_overdue: Option<bool>,
    /// The day `review_overdue` is judged on (the application clock's today).
    pub today: NaiveDate,
}

/// A partnership to start; the actor's organisation becomes its first commissioner.
pub struct NewPartnership {
    pub name: String,
    pub purpose: String,
    pub kind: PartnershipKind,
    pub area_code: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub review_interval_months: i32,
    /// Defaults to the start date plus the review interval.
    pub next_review_due: Option<NaiveDate>,
    /// What the creating organisation, the first commissioner, will do.
    pub responsibilities: String,
    /// The application clock's today: the first commissioner joins on the start date or today,
    /// whichever is earlier.
    pub today: NaiveDate,
}

/// Changes to a partnership; `None` leaves a field unchanged, `end_date: Some(None)` clears it.
pub struct PartnershipChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub kind: Option<PartnershipKind>,
    pub status: Option<PartnershipStatus>,
    pub area_code: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<Option<NaiveDate>>,
    pub review_interval_months: Option<i32>,
    pub next_review_due: Option<NaiveDate>,
}

/// A review of a partnership that has taken place.
pub struct PartnershipReview {
    pub id: Uuid,
    pub expected_version: i32,
    /// What the partners concluded, in plain language.
    pub notes: String,
    /// The day the review took place; defaults to `today`, never after it.
    pub reviewed_on: Option<NaiveDate>,
    /// The application clock's today.
    pub today: NaiveDate,
}

/// True when the next review date has passed on `today` and the partnership has not ended.
pub fn review_overdue(partnership: &partnership::Model, today: NaiveDate) -> bool {
    partnership.status != PartnershipStatus::Ended && today > partnership.next_review_due
}

/// The partnerships the actor can see that match `filter`, for the caller to page.
pub fn visible(actor: &Actor, filter: &Filter) -> Select<partnership::Entity> {
    partnership::Entity::find()
        .filter(policy::visible_partnerships(actor))
        .filter(filter_condition(filter))
}

fn filter_condition(filter: &Filter) -> Condition {
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(partnership::Column::Status.eq(status));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(partnership::Column::Kind.eq(kind));
    }
    if let Some(area_code) = &filter.area_code {
        condition = condition.add(partnership::Column::AreaCode.eq(area_code.clone()));
    }
    if let Some(overdue) = filter.review_overdue {
        let is_overdue = Condition::all()
            .add(partnership::Column::Status.ne(PartnershipStatus::Ended))
            .add(partnership::Column::NextReviewDue.lt(filter.today));
        condition = condition.add(if overdue {
            is_overdue
        } else {
            is_overdue.not()
        });
    }
    condition
}

/// The partnership, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<partnership::Model> {
    crate::platform::db::find_visible::<partnership::Entity>(
        db,
        id,
        policy::visible_partnerships(actor),
    )
    .await
}

/// Locks the partnership row for new work in it (an agreement, a target, an intervention) and
/// refuses the work if the partnership has ENDED: what an ended partnership agreed and delivered
/// is a closed record.
pub async fn lock_open_partnership(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> ApiResult<partnership::Model> {
    let partnership = lock_partnership(conn, id).await?;
    policy::refuse_if_ended(partnership.status)?;
    Ok(partnership)
}

/// Locks the partnership row until the transaction ends (SELECT … FOR UPDATE on PostgreSQL;
/// SQLite's BEGIN IMMEDIATE already serialises writers), so changes that depend on the whole
/// set of its members or agreement versions (the last commissioner, the next version number)
/// are decided one at a time.
pub async fn lock_partnership(
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

/// Starts a partnership; the actor's organisation becomes its first commissioner.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewPartnership,
) -> ApiResult<partnership::Model> {
    policy::may_create_partnership(actor)?;
    let name = validation::name(&new.name, "input.name")?;
    let purpose = validation::long_text(&new.purpose, "input.purpose")?;
    let responsibilities = validation::long_text(&new.responsibilities, "input.responsibilities")?;
    let interval = review_interval(new.review_interval_months)?;
    let start_date = new.start_date;
    let end_date = new.end_date;
    dates_in_order(start_date, end_date)?;
    let next_review_due = match new.next_review_due {
        Some(date) => date,
        None => review_due_after(start_date, interval, "input.startDate")?,
    };

    let txn = begin_write(db).await?;
    let area_code = validation::known_area(&txn, &new.area_code, "input.areaCode").await?;
    let now = Utc::now();
    let model = partnership::Entity::insert(partnership::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        purpose: Set(purpose),
        kind: Set(new.kind),
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
        start_date.min(new.today),
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

/// Changes a partnership (its commissioners).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    edit: PartnershipChanges,
) -> ApiResult<partnership::Model> {
    let id = edit.id;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    policy::may_manage_partnership(policy::role_in_partnership(&txn, actor, id).await?)?;

    let mut changes = partnership::ActiveModel::default();
    if let Some(name) = &edit.name {
        let name = validation::name(name, "input.name")?;
        changes.name = Set(name);
    }
    if let Some(purpose) = &edit.purpose {
        let purpose = validation::long_text(purpose, "input.purpose")?;
        changes.purpose = Set(purpose);
    }
    if let Some(kind) = edit.kind {
        changes.kind = Set(kind);
    }
    if let Some(status) = edit.status {
        changes.status = Set(status);
    }
    if let Some(area_code) = &edit.area_code {
        let area_code = validation::known_area(&txn, area_code, "input.areaCode").await?;
        changes.area_code = Set(area_code);
    }
    if let Some(months) = edit.review_interval_months {
        let months = review_interval(months)?;
        changes.review_interval_months = Set(months);
    }
    if let Some(date) = edit.next_review_due {
        changes.next_review_due = Set(date);
    }
    let start_date = edit.start_date.unwrap_or(current.start_date);
    if edit.start_date.is_some() {
        changes.start_date = Set(start_date);
    }
    let end_date = edit.end_date.unwrap_or(current.end_date);
    if edit.end_date.is_some() {
        changes.end_date = Set(end_date);
    }
    dates_in_order(start_date, end_date)?;

    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, edit.expected_version, changes),
        |_, changes| {
            Change::new("partnership.update", "partnership", id)
                .in_partnership(id)
                .changed_fields(changes)
        },
    )
    .await
}

/// Adds a member row, active from `joined_on`. The caller holds the partnership's lock or has
/// just created it, and records the event.
pub(super) async fn insert_member(
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
            &UniqueField {
                field: "input.organisationId",
                message: "this organisation is already an active member of the partnership",
            },
        )
    })?;
    Ok(member)
}

/// The next review after one held on `reviewed_on`: one interval later. Counting from the day
/// of the review, not from the old due date, keeps the interval between reviews what the
/// partners agreed whether this one was early or late, and never leaves a partnership overdue
/// straight after its review.
fn next_review_after(reviewed_on: NaiveDate, interval_months: i32) -> ApiResult<NaiveDate> {
    review_due_after(reviewed_on, interval_months, "input.reviewedOn")
}

/// `interval_months` after `from` (the input `field`), within the dates the API prints and
/// accepts: a due date past 2199-12-31 could be stored but never sent back.
fn review_due_after(from: NaiveDate, interval_months: i32, field: &str) -> ApiResult<NaiveDate> {
    from.checked_add_months(Months::new(interval_months.unsigned_abs()))
        .filter(|due| validation::date_in_range(*due))
        .ok_or_else(|| {
            ApiError::bad_input(
                field,
                format!(
                    "the next review, {interval_months} months after {from}, would fall after \
                     {}, the last date this service accepts: choose an earlier date",
                    validation::LATEST_DATE
                ),
            )
        })
}

/// Records a review of the partnership: its notes and date, and the next review, due one
/// review interval after this one.
pub async fn record_review(
    db: &DatabaseConnection,
    actor: &Actor,
    review: PartnershipReview,
) -> ApiResult<partnership::Model> {
    let id = review.id;
    let notes = validation::long_text(&review.notes, "input.notes")?;
    let reviewed_on = review.reviewed_on.unwrap_or(review.today);
    if reviewed_on > review.today {
        return Err(ApiError::bad_input(
            "input.reviewedOn",
            "reviewedOn must not be in the future: record a review once it has taken place",
        ));
    }
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    policy::may_review_partnership(policy::role_for_write(&txn, actor, id, "partnership").await?)?;
    if let Some(last) = current.last_reviewed_on
        && reviewed_on < last
    {
        return Err(ApiError::bad_input(
            "input.reviewedOn",
            format!("reviewedOn must not be before the last review ({last})"),
        ));
    }
    let next_review_due = next_review_after(reviewed_on, current.review_interval_months)?;
    let changes = partnership::ActiveModel {
        last_reviewed_on: Set(Some(reviewed_on)),
        last_review_notes: Set(Some(notes.clone())),
        next_review_due: Set(next_review_due),
        ..Default::default()
    };
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, review.expected_version, changes),
        |_, _| {
            Change::new("partnership.review", "partnership", id)
                .in_partnership(id)
                .details(json!({
                    "notes": notes, "reviewedOn": reviewed_on,
                    "previousNextReviewDue": current.next_review_due,
                    "nextReviewDue": next_review_due,
                    "reviewIntervalMonths": current.review_interval_months,
                }))
        },
    )
    .await
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
