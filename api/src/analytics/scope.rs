//! Which outcome records an analytics query counts (DESIGN §6, §6.2), as one SQL statement that
//! the aggregate queries use as their `scoped` common table expression.
//!
//! The statement applies, in the database, both the caller's filters and the policy's row
//! filters: only evidence the caller may count (ACCEPTED submissions of interventions in
//! partnerships the caller can see, plus, with `includeUnreviewed`, SUBMITTED and
//! CHANGES_REQUESTED ones the caller can see), and for each record whether the caller's
//! organisation could read the young person's rows (`withheld`) and the young person's record
//! key, which disclosure control needs (§6.4).

use chrono::{Datelike, NaiveDate};
use entity::{
    enrolment, enrolment_outcome,
    enums::{OutcomePhase, SubmissionStatus},
    evaluation_submission, indicator, intervention, outcome_record, participant,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, DbBackend,
    sea_query::{Alias, CaseStatement, Expr, ExprTrait, Query, SelectStatement},
};
use uuid::Uuid;

use crate::access::{auth::Actor, policy};

use enrolment_outcome::Column as O;
use outcome_record::Column as R;

/// The records an analytics query counts: the §6.2 filters. Empty lists mean "no filter".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    /// The indicators counted. Dashboards name exactly one (a mean across indicators means
    /// nothing); a submission's summary counts all of its own, grouped by indicator.
    pub indicator_ids: Vec<Uuid>,
    /// Only the records of these submissions, whatever their status: what a submission's own
    /// summary describes, for its reviewer and its provider (§4.3). Empty: evidence by status.
    pub submission_ids: Vec<Uuid>,
    pub partnership_ids: Vec<Uuid>,
    pub intervention_ids: Vec<Uuid>,
    pub provider_ids: Vec<Uuid>,
    /// Participants' areas (where the young people live).
    pub area_codes: Vec<String>,
    pub observed_from: Option<NaiveDate>,
    pub observed_to: Option<NaiveDate>,
    /// Records observed after this day do not count; ages are taken on it.
    pub as_of: NaiveDate,
    /// Also count SUBMITTED and CHANGES_REQUESTED evidence (never DRAFT or WITHDRAWN).
    pub include_unreviewed: bool,
}

/// Phases in the order §6.1 ranks them for "latest" on the same day (BASELINE is never latest).
pub const PHASE_RANKS: [(OutcomePhase, i32); 4] = [
    (OutcomePhase::Baseline, 0),
    (OutcomePhase::Interim, 1),
    (OutcomePhase::Exit, 2),
    (OutcomePhase::FollowUp, 3),
];

/// The age bands of §6.2, from birth year at `asOf`, with the SQL names the cells carry.
pub const AGE_BANDS: [(&str, i32, i32); 4] = [
    ("AGE_0_11", 0, 11),
    ("AGE_12_15", 12, 15),
    ("AGE_16_18", 16, 18),
    ("AGE_19_25", 19, 25),
];

impl Scope {
    /// The submission statuses whose records count.
    fn statuses(&self) -> Vec<SubmissionStatus> {
        let mut statuses = vec![SubmissionStatus::Accepted];
        if self.include_unreviewed {
            statuses.extend([
                SubmissionStatus::Submitted,
                SubmissionStatus::ChangesRequested,
            ]);
        }
        statuses
    }

    /// Whether the outcome read model answers this scope (given that it covers `as_of`,
    /// [`super::read_model::covers`]): accepted evidence only, by status rather than by
    /// submission, with no observation-date range.
    pub fn reads_read_model(&self) -> bool {
        self.submission_ids.is_empty()
            && !self.include_unreviewed
            && self.observed_from.is_none()
            && self.observed_to.is_none()
    }

    /// One row per counted record, with the columns the aggregates group and compute on:
    /// `enrolment_id`, `submission_id`, `indicator_id`, `value`, `observed_on`, `phase`,
    /// `phase_rank`, `obs_year`, `obs_month`, and the [`Self::enrolment_columns`].
    pub fn records(&self, actor: &Actor, backend: DbBackend) -> SelectStatement {
        let record = |column: R| Expr::col((outcome_record::Entity, column));
        let phase_rank = PHASE_RANKS
            .iter()
            .fold(CaseStatement::new(), |case, (phase, rank)| {
                case.case(record(R::Phase).eq(phase.to_value()), *rank)
            });
        let (year, month) = date_parts(backend);

        let mut query = Query::select();
        query
            .expr_as(record(R::EnrolmentId), Alias::new("enrolment_id"))
            .expr_as(record(R::SubmissionId), Alias::new("submission_id"))
            .expr_as(record(R::IndicatorId), Alias::new("indicator_id"))
            .expr_as(record(R::Value), Alias::new("value"))
            .expr_as(record(R::ObservedOn), Alias::new("observed_on"))
            .expr_as(record(R::Phase), Alias::new("phase"))
            .expr_as(phase_rank, Alias::new("phase_rank"))
            .expr_as(Expr::cust(year), Alias::new("obs_year"))
            .expr_as(Expr::cust(month), Alias::new("obs_month"))
            .from(outcome_record::Entity)
            .inner_join(
                evaluation_submission::Entity,
                Expr::col((
                    evaluation_submission::Entity,
                    evaluation_submission::Column::Id,
                ))
                .equals((outcome_record::Entity, R::SubmissionId)),
            )
            .inner_join(
                enrolment::Entity,
                Expr::col((enrolment::Entity, enrolment::Column::Id))
                    .equals((outcome_record::Entity, R::EnrolmentId)),
            );
        Source::Records.select_attributes(&mut query, actor, self.as_of, record(R::IndicatorId));
        query.cond_where(self.record_filters(actor));
        query
    }

    /// One row per enrolment and indicator of the outcome read model in scope, with the columns
    /// a per-enrolment aggregate needs: `enrolment_id`, `indicator_id`, `records`, `baseline`,
    /// `latest`, and the [`Source::select_attributes`]. Only valid where
    /// [`Self::reads_read_model`]. The read model carries every group column, so this reads it
    /// alone, and the young people only for a caller's sharing check.
    pub fn read_model_rows(&self, actor: &Actor) -> SelectStatement {
        let outcome = |column: O| Expr::col((enrolment_outcome::Entity, column));
        let mut query = Query::select();
        query
            .expr_as(outcome(O::EnrolmentId), Alias::new("enrolment_id"))
            .expr_as(outcome(O::IndicatorId), Alias::new("indicator_id"))
            .expr_as(outcome(O::Records), Alias::new("records"))
            .expr_as(outcome(O::Baseline), Alias::new("baseline"))
            .expr_as(outcome(O::Latest), Alias::new("latest"))
            .from(enrolment_outcome::Entity);
        Source::ReadModel.select_attributes(&mut query, actor, self.as_of, outcome(O::IndicatorId));
        query.cond_where(self.group_filters(actor, Source::ReadModel));
        query
    }

    /// The caller's filters and the policy's on the records, as one condition.
    fn record_filters(&self, actor: &Actor) -> Condition {
        let mut filters = self
            .group_filters(actor, Source::Records)
            .add(R::ObservedOn.lte(self.as_of))
            // Unreviewed evidence counts only where the caller may see the submission itself.
            .add(policy::visible_submissions(actor));
        if self.submission_ids.is_empty() {
            filters = filters.add(evaluation_submission::Column::Status.is_in(self.statuses()));
        } else {
            filters = filters.add(R::SubmissionId.is_in(self.submission_ids.iter().copied()));
        }
        if let Some(from) = self.observed_from {
            filters = filters.add(R::ObservedOn.gte(from));
        }
        if let Some(to) = self.observed_to {
            filters = filters.add(R::ObservedOn.lte(to));
        }
        filters
    }

    /// The caller's filters on indicators and groups, and the policy's on partnerships, as one
    /// condition on the rows of `source`. Accepted evidence is visible wherever its
    /// intervention is, so for the read model this is all.
    fn group_filters(&self, actor: &Actor, source: Source) -> Condition {
        let mut filters = Condition::all().add(policy::in_visible_partnerships(
            actor,
            source.column(Attribute::PartnershipId),
        ));
        if !self.indicator_ids.is_empty() {
            filters = filters.add(indicator::Column::Id.is_in(self.indicator_ids.iter().copied()));
        }
        for (attribute, ids) in [
            (Attribute::PartnershipId, &self.partnership_ids),
            (Attribute::InterventionId, &self.intervention_ids),
            (Attribute::ProviderId, &self.provider_ids),
        ] {
            if !ids.is_empty() {
                filters = filters.add(source.column(attribute).is_in(ids.iter().copied()));
            }
        }
        if !self.area_codes.is_empty() {
            filters = filters.add(
                source
                    .column(Attribute::AreaCode)
                    .is_in(self.area_codes.iter().cloned()),
            );
        }
        filters
    }
}

/// Where an aggregate's rows come from: outcome records joined to their enrolments, young people
/// and interventions, or the outcome read model, which carries those columns itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Records,
    ReadModel,
}

/// What every aggregate groups, filters and protects by, besides values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attribute {
    ParticipantId,
    RecordKey,
    PartnershipId,
    InterventionId,
    ProviderId,
    AreaCode,
    Category,
    LookedAfter,
    Sex,
    BirthYear,
}

impl Source {
    /// Where `attribute` is in this source's rows.
    fn column(self, attribute: Attribute) -> Expr {
        use Attribute as A;
        match self {
            Self::ReadModel => Expr::col((
                enrolment_outcome::Entity,
                match attribute {
                    A::ParticipantId => O::ParticipantId,
                    A::RecordKey => O::RecordKey,
                    A::PartnershipId => O::PartnershipId,
                    A::InterventionId => O::InterventionId,
                    A::ProviderId => O::ProviderId,
                    A::AreaCode => O::AreaCode,
                    A::Category => O::Category,
                    A::LookedAfter => O::LookedAfter,
                    A::Sex => O::Sex,
                    A::BirthYear => O::BirthYear,
                },
            )),
            Self::Records => match attribute {
                A::ParticipantId => {
                    Expr::col((enrolment::Entity, enrolment::Column::ParticipantId))
                }
                A::InterventionId => {
                    Expr::col((enrolment::Entity, enrolment::Column::InterventionId))
                }
                A::PartnershipId => {
                    Expr::col((intervention::Entity, intervention::Column::PartnershipId))
                }
                A::ProviderId => {
                    Expr::col((intervention::Entity, intervention::Column::ProviderId))
                }
                A::Category => Expr::col((intervention::Entity, intervention::Column::Category)),
                A::RecordKey => Expr::col((participant::Entity, participant::Column::RecordKey)),
                A::AreaCode => Expr::col((participant::Entity, participant::Column::AreaCode)),
                A::LookedAfter => {
                    Expr::col((participant::Entity, participant::Column::LookedAfter))
                }
                A::Sex => Expr::col((participant::Entity, participant::Column::Sex)),
                A::BirthYear => Expr::col((participant::Entity, participant::Column::BirthYear)),
            },
        }
    }

    /// Joins what this source needs to `query` and selects what every aggregate groups and
    /// protects by: `participant_id`, `direction` (+1 where higher is better, −1 otherwise,
    /// of the indicator `indicator_of_row`), `withheld` (1 when no user of the caller's
    /// organisation may read this young person's rows), `record_key` (the young person's key
    /// for disclosure control), and the group dimensions `partnership_id`, `intervention_id`,
    /// `provider_id`, `area_code`, `category`, `looked_after`, `sex`, `age_band` (at `as_of`).
    fn select_attributes(
        self,
        query: &mut SelectStatement,
        actor: &Actor,
        as_of: NaiveDate,
        indicator_of_row: Expr,
    ) {
        let age = || Expr::val(as_of.year()).sub(self.column(Attribute::BirthYear));
        // Outside every band (a recording error) the band is NULL, a group of its own.
        let age_band = AGE_BANDS
            .iter()
            .fold(CaseStatement::new(), |case, (name, from, to)| {
                case.case(age().between(*from, *to), *name)
            });
        let direction = Expr::case(
            Expr::col((indicator::Entity, indicator::Column::HigherIsBetter)).eq(true),
            1,
        )
        .finally(-1);
        // Disclosure control counts what the caller's organisation knows, not the one user
        // (§6.4): its users can pool what they read. Admins know every row.
        let withheld = if actor.is_admin() {
            Expr::val(0)
        } else {
            Expr::case(
                policy::enrolments_known_to_organisation(
                    actor,
                    self.column(Attribute::InterventionId),
                ),
                0,
            )
            .finally(1)
            .into()
        };
        query
            .expr_as(
                self.column(Attribute::ParticipantId),
                Alias::new("participant_id"),
            )
            .expr_as(direction, Alias::new("direction"))
            .expr_as(withheld, Alias::new("withheld"))
            .expr_as(self.column(Attribute::RecordKey), Alias::new("record_key"));
        for (attribute, name) in [
            (Attribute::PartnershipId, "partnership_id"),
            (Attribute::InterventionId, "intervention_id"),
            (Attribute::ProviderId, "provider_id"),
            (Attribute::AreaCode, "area_code"),
            (Attribute::Category, "category"),
            (Attribute::LookedAfter, "looked_after"),
            (Attribute::Sex, "sex"),
        ] {
            query.expr_as(self.column(attribute), Alias::new(name));
        }
        query.expr_as(age_band, Alias::new("age_band"));
        // A young person's sharing decision is read live, never copied (§4): only a non-admin
        // caller's sharing check joins the young people to the read model.
        if self == Self::Records || !actor.is_admin() {
            query.inner_join(
                participant::Entity,
                Expr::col((participant::Entity, participant::Column::Id))
                    .eq(self.column(Attribute::ParticipantId)),
            );
        }
        if self == Self::Records {
            query.inner_join(
                intervention::Entity,
                Expr::col((intervention::Entity, intervention::Column::Id))
                    .equals((enrolment::Entity, enrolment::Column::InterventionId)),
            );
        }
        query.inner_join(
            indicator::Entity,
            Expr::col((indicator::Entity, indicator::Column::Id)).eq(indicator_of_row),
        );
    }
}

/// The year and month of `outcome_records.observed_on`, as integers: SQLite stores dates as
/// `YYYY-MM-DD` text, PostgreSQL as `date`. The text is constant, never input.
fn date_parts(backend: DbBackend) -> (&'static str, &'static str) {
    match backend {
        DbBackend::Postgres => (
            r#"CAST(EXTRACT(YEAR FROM "outcome_records"."observed_on") AS INTEGER)"#,
            r#"CAST(EXTRACT(MONTH FROM "outcome_records"."observed_on") AS INTEGER)"#,
        ),
        _ => (
            r#"CAST(SUBSTR("outcome_records"."observed_on", 1, 4) AS INTEGER)"#,
            r#"CAST(SUBSTR("outcome_records"."observed_on", 6, 2) AS INTEGER)"#,
        ),
    }
}
