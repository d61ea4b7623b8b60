//! The rules of stories (DESIGN §3.14): the child's voice, qualitative evidence in a submission,
//! optionally about one enrolment and tagged with SHANARRI wellbeing indicators.
//!
//! Stories are written by the delivering provider and only while their submission may change
//! (every write goes through `submissions::service::editable`, so an ACCEPTED submission's
//! stories never change). Who reads which story is `policy::visible_stories`; a story names its
//! enrolment only by id, so it never reveals a participant's record to anyone.
//!
//! The text of a story is not copied into the audit trail: the partnership's commissioners read
//! that trail, and a story the young person did not agree to share must not reach them that way.

use chrono::Utc;
use entity::{enrolment, enums::Wellbeing, story};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Iterable,
    QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change, VersionedEdit},
    evidence::submissions::service as submissions,
    platform::{
        db::begin_write,
        error::{ApiError, ApiResult},
        validation,
    },
};

/// A new story in a DRAFT or CHANGES_REQUESTED submission.
pub struct NewStory {
    pub submission_id: Uuid,
    /// The enrolment (in the submission's intervention) the story is about; `None` for a story
    /// about the group.
    pub enrolment_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    /// Stored once each, in SHANARRI order.
    pub wellbeing: Vec<Wellbeing>,
    /// Whether the young person agreed that the partners may read it.
    pub consent_to_share: bool,
}

/// A change to a story; `None` fields are unchanged. `enrolment_id: Some(None)` makes it a
/// story about the group; `wellbeing` replaces the whole list.
pub struct StoryChanges {
    pub id: Uuid,
    pub expected_version: i32,
    pub enrolment_id: Option<Option<Uuid>>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub wellbeing: Option<Vec<Wellbeing>>,
    pub consent_to_share: Option<bool>,
}

/// The removal of a story; with `expected_version`, only if it is still at that version.
pub struct StoryDeletion {
    pub id: Uuid,
    pub expected_version: Option<i32>,
}

const BODY_MAX_CHARS: usize = 20_000;

/// A story's title and body as they will be stored (each only if given), or BAD_USER_INPUT
/// naming the first that does not fit.
pub fn check_text(
    title: Option<&str>,
    body: Option<&str>,
) -> ApiResult<(Option<String>, Option<String>)> {
    let title = title
        .map(|title| validation::name(title, "input.title"))
        .transpose()?;
    let body = body
        .map(|body| validation::text(body, "input.body", BODY_MAX_CHARS))
        .transpose()?;
    Ok((title, body))
}

/// The tags without repeats, in SHANARRI order, as stored.
fn wellbeing_json(tags: &[Wellbeing]) -> Value {
    let tags: Vec<Wellbeing> = Wellbeing::iter().filter(|tag| tags.contains(tag)).collect();
    json!(tags)
}

/// A story may only be about an enrolment in the submission's own intervention.
async fn enrolment_in_intervention(
    conn: &impl ConnectionTrait,
    enrolment_id: Uuid,
    intervention_id: Uuid,
) -> ApiResult<()> {
    let found = enrolment::Entity::find_by_id(enrolment_id)
        .filter(enrolment::Column::InterventionId.eq(intervention_id))
        .one(conn)
        .await?;
    found.map(|_| ()).ok_or_else(|| {
        ApiError::bad_input(
            "input.enrolmentId",
            "enrolmentId must name an enrolment in the submission's intervention",
        )
    })
}

/// The story, if the actor can see it; NOT_FOUND otherwise.
pub async fn find_visible(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<story::Model> {
    crate::platform::db::find_visible::<story::Entity>(conn, id, policy::visible_stories(actor))
        .await
}

/// What the audit trail says a change set: the new values, except the story's text, its tags
/// and whom it is about, of which it records only that they changed (see the module comment).
fn audited_changes(change: Change, changes: &story::ActiveModel) -> Change {
    let mut change = change.changed_fields(changes);
    for (field, set) in [
        ("title", changes.title.is_set()),
        ("body", changes.body.is_set()),
        ("wellbeing", changes.wellbeing.is_set()),
        ("enrolmentId", changes.enrolment_id.is_set()),
    ] {
        if set {
            change = change.with_detail(field, json!("changed"));
        }
    }
    change
}

/// Adds a story to a DRAFT or CHANGES_REQUESTED submission (the delivering provider).
pub async fn add(db: &DatabaseConnection, actor: &Actor, new: NewStory) -> ApiResult<story::Model> {
    let title = validation::name(&new.title, "input.title")?;
    let body = validation::text(&new.body, "input.body", BODY_MAX_CHARS)?;
    let wellbeing = wellbeing_json(&new.wellbeing);

    let txn = begin_write(db).await?;
    let (submission, intervention) = submissions::editable(&txn, actor, new.submission_id).await?;
    if let Some(enrolment_id) = new.enrolment_id {
        enrolment_in_intervention(&txn, enrolment_id, submission.intervention_id).await?;
    }
    let now = Utc::now();
    let model = story::Entity::insert(story::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(new.submission_id),
        enrolment_id: Set(new.enrolment_id),
        title: Set(title),
        body: Set(body),
        wellbeing: Set(wellbeing),
        consent_to_share: Set(new.consent_to_share),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec_with_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("story.add", "story", model.id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({
                // Not the enrolment or the tags: a story a child did not agree to share must not
                // reach commissioners through the trail.
                "submissionId": new.submission_id, "consentToShare": model.consent_to_share,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a story while its submission is DRAFT or CHANGES_REQUESTED (the delivering
/// provider).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    edit: StoryChanges,
) -> ApiResult<story::Model> {
    let id = edit.id;
    let mut changes = story::ActiveModel::default();
    let (title, body) = check_text(edit.title.as_deref(), edit.body.as_deref())?;
    if let Some(title) = title {
        changes.title = Set(title);
    }
    if let Some(body) = body {
        changes.body = Set(body);
    }
    if let Some(wellbeing) = &edit.wellbeing {
        changes.wellbeing = Set(wellbeing_json(wellbeing));
    }
    if let Some(consent) = edit.consent_to_share {
        changes.consent_to_share = Set(consent);
    }

    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    if let Some(enrolment_id) = edit.enrolment_id {
        if let Some(enrolment_id) = enrolment_id {
            enrolment_in_intervention(&txn, enrolment_id, submission.intervention_id).await?;
        }
        changes.enrolment_id = Set(enrolment_id);
    }
    audit::commit_update(
        txn,
        actor,
        VersionedEdit::new(id, edit.expected_version, changes),
        |_, changes| {
            audited_changes(
                Change::new("story.update", "story", id).in_partnership_once_submitted(
                    intervention.partnership_id,
                    submission.submitted_at,
                ),
                changes,
            )
            .with_detail("submissionId", json!(submission.id))
        },
    )
    .await
}

/// Removes a story while its submission is DRAFT or CHANGES_REQUESTED (the delivering
/// provider); returns the story as it was.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    deletion: StoryDeletion,
) -> ApiResult<story::Model> {
    let id = deletion.id;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    audit::commit_delete::<story::Entity>(
        txn,
        actor,
        (id, current.version),
        deletion.expected_version,
        Change::new("story.delete", "story", id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({
                "submissionId": current.submission_id,
            })),
    )
    .await?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wellbeing_tags_are_stored_once_each_in_shanarri_order() {
        let stored = wellbeing_json(&[
            Wellbeing::Included,
            Wellbeing::Safe,
            Wellbeing::Included,
            Wellbeing::Achieving,
        ]);
        assert_eq!(stored, json!(["SAFE", "ACHIEVING", "INCLUDED"]));
        assert_eq!(wellbeing_json(&[]), json!([]));
    }
}
