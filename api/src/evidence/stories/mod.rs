//! The GraphQL face of stories (DESIGN §3.14): the `Story` type, the child's voice in a
//! submission, and the delivering provider's mutations that add, change and remove stories.
//!
//! Resolvers only parse input and wrap results; who may write and read a story, and what the
//! audit trail keeps of it, are in [`service`].

pub mod service;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{enums::Wellbeing, story};

use crate::{
    graphql::{db_and_actor, parse_id},
    platform::error::ApiError,
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
        let new = service::NewStory {
            submission_id: parse_id(&input.submission_id, "input.submissionId")?,
            enrolment_id: input
                .enrolment_id
                .as_ref()
                .map(|id| parse_id(id, "input.enrolmentId"))
                .transpose()?,
            title: input.title,
            body: input.body,
            wellbeing: input.wellbeing,
            consent_to_share: input.consent_to_share,
        };
        let model = service::add(db, actor, new).await?;
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
        let id = parse_id(&input.id, "input.id")?;
        // The text has always been checked before the enrolment id is parsed: input wrong in
        // both still reports the text first.
        service::check_text(input.title.as_deref(), input.body.as_deref())?;
        let enrolment_id = match &input.enrolment_id {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(id) => Some(Some(parse_id(id, "input.enrolmentId")?)),
        };
        let edit = service::StoryChanges {
            id,
            expected_version: input.expected_version,
            enrolment_id,
            title: input.title,
            body: input.body,
            wellbeing: input.wellbeing,
            consent_to_share: input.consent_to_share,
        };
        let model = service::update(db, actor, edit).await?;
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
        let deletion = service::StoryDeletion {
            id: parse_id(&input.id, "input.id")?,
            expected_version: input.expected_version,
        };
        let model = service::delete(db, actor, deletion).await?;
        Ok(StoryPayload {
            story: Story(model),
        })
    }
}
