//! Stories (DESIGN §3.14): the child's voice, qualitative evidence in a submission, optionally
//! about one enrolment and tagged with SHANARRI wellbeing indicators.
//!
//! Stories are written by the delivering provider and only while their submission may change
//! (every write goes through [`submissions::editable`], so an ACCEPTED submission's stories
//! never change). Who reads which story is `policy::visible_stories`; a story names its
//! enrolment only by id, so it never reveals a participant's record to anyone.
//!
//! The text of a story is not copied into the audit trail: the partnership's commissioners read
//! that trail, and a story the young person did not agree to share must not reach them that way.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{enrolment, enums::Wellbeing, story};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Iterable,
    QueryFilter,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    access::{auth::Actor, policy},
    audit::{self, Change},
    evidence::submissions,
    graphql::{db_and_actor, parse_id},
    platform::{
        db::{begin_write, save_versioned},
        error::{ApiError, ApiResult},
        validation,
    },
};

/// A young person's story: what changed for them, in their words or their worker's.
pub struct Story(pub story::Model);

#[Object]
impl Story {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn submission_id(&self) -> ID {
        self.0.submission_id.into()
    }
    /// The enrolment the story is about, if it is about one young person. Only the id: the
    /// participant's record is read through `participant`, under its own access rules.
    async fn enrolment_id(&self) -> Option<ID> {
        self.0.enrolment_id.map(ID::from)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The SHANARRI wellbeing indicators the story evidences, in SHANARRI order.
    async fn wellbeing(&self) -> async_graphql::Result<Vec<Wellbeing>> {
        Ok(serde_json::from_value(self.0.wellbeing.clone()).map_err(ApiError::internal)?)
    }
    /// The young person agreed that the partners may read this story.
    async fn consent_to_share(&self) -> bool {
        self.0.consent_to_share
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

#[derive(InputObject)]
pub struct AddStoryInput {
    pub submission_id: ID,
    /// The enrolment (in the submission's intervention) the story is about; leave it out for a
    /// story about the group.
    pub enrolment_id: Option<ID>,
    pub title: String,
    pub body: String,
    #[graphql(default)]
    pub wellbeing: Vec<Wellbeing>,
    /// Whether the young person agreed that the partners may read it. Without it, only the
    /// provider and (where the young person's information-sharing decision allows) the
    /// partnership's commissioners read the story.
    pub consent_to_share: bool,
}

/// Fields left out are unchanged; `enrolmentId: null` makes it a story about the group;
/// `wellbeing` replaces the whole list.
#[derive(InputObject)]
pub struct UpdateStoryInput {
    pub id: ID,
    pub expected_version: i32,
    pub enrolment_id: MaybeUndefined<ID>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub wellbeing: Option<Vec<Wellbeing>>,
    pub consent_to_share: Option<bool>,
}

#[derive(InputObject)]
pub struct DeleteStoryInput {
    pub id: ID,
    /// When given, the story is deleted only if it is still at this version.
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct StoryPayload {
    /// The story as it now stands; for `deleteStory`, as it was before it was deleted.
    pub story: Story,
}

#[derive(Default)]
pub struct StoryMutation;

#[Object]
impl StoryMutation {
    /// Adds a story to a DRAFT or CHANGES_REQUESTED submission (the delivering provider).
    async fn add_story(
        &self,
        ctx: &Context<'_>,
        input: AddStoryInput,
    ) -> async_graphql::Result<StoryPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = add(db, actor, input).await?;
        Ok(StoryPayload {
            story: Story(model),
        })
    }

    /// Changes a story while its submission is DRAFT or CHANGES_REQUESTED (the delivering
    /// provider).
    async fn update_story(
        &self,
        ctx: &Context<'_>,
        input: UpdateStoryInput,
    ) -> async_graphql::Result<StoryPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = update(db, actor, input).await?;
        Ok(StoryPayload {
            story: Story(model),
        })
    }

    /// Removes a story while its submission is DRAFT or CHANGES_REQUESTED (the delivering
    /// provider); returns the story as it was.
    async fn delete_story(
        &self,
        ctx: &Context<'_>,
        input: DeleteStoryInput,
    ) -> async_graphql::Result<StoryPayload> {
        let (db, actor) = db_and_actor(ctx)?;
        let model = delete(db, actor, input).await?;
        Ok(StoryPayload {
            story: Story(model),
        })
    }
}

const BODY_MAX_CHARS: usize = 20_000;

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
async fn find_visible(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<story::Model> {
    story::Entity::find_by_id(id)
        .filter(policy::visible_stories(actor))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound { entity: "story" })
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

async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AddStoryInput,
) -> ApiResult<story::Model> {
    let submission_id = parse_id(&input.submission_id, "input.submissionId")?;
    let enrolment_id = input
        .enrolment_id
        .as_ref()
        .map(|id| parse_id(id, "input.enrolmentId"))
        .transpose()?;
    let title = validation::name(&input.title, "input.title")?;
    let body = validation::text(&input.body, "input.body", BODY_MAX_CHARS)?;
    let wellbeing = wellbeing_json(&input.wellbeing);

    let txn = begin_write(db).await?;
    let (submission, intervention) = submissions::editable(&txn, actor, submission_id).await?;
    if let Some(enrolment_id) = enrolment_id {
        enrolment_in_intervention(&txn, enrolment_id, submission.intervention_id).await?;
    }
    let now = Utc::now();
    let model = story::Entity::insert(story::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(submission_id),
        enrolment_id: Set(enrolment_id),
        title: Set(title),
        body: Set(body),
        wellbeing: Set(wellbeing),
        consent_to_share: Set(input.consent_to_share),
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
                "submissionId": submission_id, "consentToShare": model.consent_to_share,
            })),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    input: UpdateStoryInput,
) -> ApiResult<story::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let mut changes = story::ActiveModel::default();
    if let Some(title) = &input.title {
        changes.title = Set(validation::name(title, "input.title")?);
    }
    if let Some(body) = &input.body {
        changes.body = Set(validation::text(body, "input.body", BODY_MAX_CHARS)?);
    }
    if let Some(wellbeing) = &input.wellbeing {
        changes.wellbeing = Set(wellbeing_json(wellbeing));
    }
    if let Some(consent) = input.consent_to_share {
        changes.consent_to_share = Set(consent);
    }
    let enrolment_id = match &input.enrolment_id {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(id) => Some(Some(parse_id(id, "input.enrolmentId")?)),
    };

    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    if let Some(enrolment_id) = enrolment_id {
        if let Some(enrolment_id) = enrolment_id {
            enrolment_in_intervention(&txn, enrolment_id, submission.intervention_id).await?;
        }
        changes.enrolment_id = Set(enrolment_id);
    }
    let change = audited_changes(
        Change::new("story.update", "story", id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at),
        &changes,
    )
    .with_detail("submissionId", json!(submission.id));
    let model =
        save_versioned::<story::Entity>(&txn, changes, id, input.expected_version, None).await?;
    audit::record(&txn, Some(actor), change).await?;
    txn.commit().await?;
    Ok(model)
}

async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DeleteStoryInput,
) -> ApiResult<story::Model> {
    let id = parse_id(&input.id, "input.id")?;
    let txn = begin_write(db).await?;
    let current = find_visible(&txn, actor, id).await?;
    let (submission, intervention) =
        submissions::editable(&txn, actor, current.submission_id).await?;
    if input
        .expected_version
        .is_some_and(|expected| expected != current.version)
    {
        return Err(ApiError::stale_version("story"));
    }
    story::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(actor),
        Change::new("story.delete", "story", id)
            .in_partnership_once_submitted(intervention.partnership_id, submission.submitted_at)
            .details(json!({
                "submissionId": current.submission_id,
            })),
    )
    .await?;
    txn.commit().await?;
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
