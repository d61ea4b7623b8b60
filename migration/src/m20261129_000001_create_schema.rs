//! Every table with its keys, NOT NULLs, uniques, CHECKs and indexes. Written once for both SQLite
//! and PostgreSQL: schema builder statements only, no backend-specific SQL.
//!
//! Identifiers are spelled out here rather than taken from `entity`, so this migration keeps
//! describing the schema it created even after the entities move on. Only the enum value lists
//! come from `entity`: a CHECK must allow exactly the values the code can write.

use entity::enums::{
    AgreementKind, AgreementStatus, ConsentGivenBy, ExitReason, IndicatorKind, IndicatorUnit,
    InterventionCategory, InterventionStatus, MemberRole, OrganisationKind, OutcomePhase,
    OutcomeSource, PartnershipKind, PartnershipStatus, ReferralSource, ReviewDecision, Sector, Sex,
    SharingBasis, SubmissionStatus, TargetAggregation, TargetState, UserRole, Wellbeing,
};
use sea_orm_migration::sea_orm::ActiveEnum;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table.create).await?;
            for index in table.indexes {
                manager.create_index(index).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents; indexes go with their tables.
        for table in tables().iter().rev() {
            manager
                .drop_table(Table::drop().table(table.name).to_owned())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        // SQLite has transactional DDL too: a failed step must not leave half a schema.
        Some(true)
    }
}

/// Every table, parents before children.
fn tables() -> Vec<TableDef> {
    use ForeignKeyAction::{Cascade, Restrict};

    vec![
        TableDef::new("areas")
            .col(string("code").primary_key().take())
            .col(string("name"))
            .created(),
        TableDef::new("organisations")
            .id()
            .col(string("name"))
            .enumeration::<OrganisationKind>("kind")
            .enumeration::<Sector>("sector")
            .references(string("area_code"), "areas", "code", Restrict)
            .col(string_null("charity_number"))
            .mutable()
            .unique("uq_organisations_name", &["name"]),
        TableDef::new("users")
            .id()
            .col(string("email"))
            .col(string("display_name"))
            .references(uuid("organisation_id"), "organisations", "id", Restrict)
            .enumeration::<UserRole>("role")
            .col(boolean("active"))
            .mutable()
            .unique("uq_users_email", &["email"]),
        TableDef::new("partnerships")
            .id()
            .col(string("name"))
            .col(text("purpose"))
            .enumeration::<PartnershipKind>("kind")
            .enumeration::<PartnershipStatus>("status")
            .references(string("area_code"), "areas", "code", Restrict)
            .col(date("start_date"))
            .col(date_null("end_date"))
            .col(integer("review_interval_months"))
            .col(date("next_review_due"))
            .col(date_null("last_reviewed_on"))
            .col(text_null("last_review_notes"))
            .mutable()
            .ends_after_start("end_date", "start_date")
            .check(
                "review_interval_months",
                Expr::col("review_interval_months").between(1, 60),
            )
            .index(&["status"])
            .index(&["next_review_due"]),
        TableDef::new("partnership_members")
            .id()
            .references(uuid("partnership_id"), "partnerships", "id", Restrict)
            .references(uuid("organisation_id"), "organisations", "id", Restrict)
            .enumeration::<MemberRole>("role")
            .col(text("responsibilities"))
            .col(date("joined_on"))
            .col(date_null("left_on"))
            .mutable()
            .partial_unique(
                "uq_partnership_members_active",
                &["partnership_id", "organisation_id"],
                Expr::col("left_on").is_null(),
            ),
        TableDef::new("agreements")
            .id()
            .references(uuid("partnership_id"), "partnerships", "id", Restrict)
            .enumeration::<AgreementKind>("kind")
            .col(integer("document_version"))
            .col(string("title"))
            .col(text("body"))
            .col(date("effective_from"))
            .col(date("review_due"))
            .enumeration::<AgreementStatus>("status")
            .mutable()
            .check("document_version", Expr::col("document_version").gte(1))
            .unique(
                "uq_agreements_document_version",
                &["partnership_id", "kind", "document_version"],
            ),
        TableDef::new("agreement_signatures")
            .id()
            .references(uuid("agreement_id"), "agreements", "id", Cascade)
            .references(uuid("organisation_id"), "organisations", "id", Restrict)
            .references(uuid("signed_by"), "users", "id", Restrict)
            .col(timestamp_with_time_zone("signed_at"))
            .created()
            .unique(
                "uq_agreement_signatures_organisation",
                &["agreement_id", "organisation_id"],
            ),
        TableDef::new("indicators")
            .id()
            .col(string("code"))
            .col(string("name"))
            .col(text("description"))
            .enumeration::<IndicatorKind>("kind")
            .enumeration::<IndicatorUnit>("unit")
            .col(double_null("scale_min"))
            .col(double_null("scale_max"))
            .col(boolean("higher_is_better"))
            .enumeration_null::<Wellbeing>("wellbeing")
            .mutable()
            .check(
                "scale",
                Expr::col("scale_min")
                    .is_null()
                    .or(Expr::col("scale_max").is_null())
                    .or(Expr::col("scale_max").gt(Expr::col("scale_min"))),
            )
            .unique("uq_indicators_code", &["code"]),
        TableDef::new("targets")
            .id()
            .references(uuid("partnership_id"), "partnerships", "id", Restrict)
            .references(uuid("indicator_id"), "indicators", "id", Restrict)
            .col(string("title"))
            .enumeration::<TargetAggregation>("aggregation")
            .col(double("baseline_value"))
            .col(date("baseline_date"))
            .col(double("target_value"))
            .col(date("target_date"))
            .enumeration::<TargetState>("state")
            .mutable()
            .check(
                "target_date",
                Expr::col("target_date").gt(Expr::col("baseline_date")),
            ),
        TableDef::new("interventions")
            .id()
            .references(uuid("partnership_id"), "partnerships", "id", Restrict)
            .references(uuid("provider_id"), "organisations", "id", Restrict)
            .col(string("name"))
            .col(text("description"))
            .enumeration::<InterventionCategory>("category")
            .references(string("area_code"), "areas", "code", Restrict)
            .col(date("start_date"))
            .col(date_null("end_date"))
            .col(integer_null("capacity"))
            .enumeration::<InterventionStatus>("status")
            .mutable()
            .ends_after_start("end_date", "start_date")
            .check(
                "capacity",
                Expr::col("capacity")
                    .is_null()
                    .or(Expr::col("capacity").gt(0)),
            )
            .index(&["status"]),
        TableDef::new("intervention_indicators")
            .references(uuid("intervention_id"), "interventions", "id", Cascade)
            .references(uuid("indicator_id"), "indicators", "id", Cascade)
            .created()
            .primary_key(&["intervention_id", "indicator_id"]),
        TableDef::new("participants")
            .id()
            .references(uuid("provider_id"), "organisations", "id", Restrict)
            .col(string("reference"))
            .col(integer("birth_year"))
            .enumeration_null::<Sex>("sex")
            .col(boolean("looked_after"))
            .col(boolean("additional_support_needs"))
            .references(string("area_code"), "areas", "code", Restrict)
            .references(uuid_null("school_id"), "organisations", "id", Restrict)
            .enumeration::<SharingBasis>("sharing_basis")
            .col(text_null("sharing_reason"))
            .enumeration_null::<ConsentGivenBy>("consent_given_by")
            .col(date("sharing_recorded_on"))
            .references(uuid("sharing_recorded_by"), "users", "id", Restrict)
            .mutable()
            .check("birth_year", Expr::col("birth_year").between(1990, 2100))
            .unique(
                "uq_participants_provider_reference",
                &["provider_id", "reference"],
            ),
        TableDef::new("enrolments")
            .id()
            .references(uuid("participant_id"), "participants", "id", Restrict)
            .references(uuid("intervention_id"), "interventions", "id", Restrict)
            .col(date("referred_on"))
            .enumeration::<ReferralSource>("referral_source")
            .col(date("started_on"))
            .col(date_null("ended_on"))
            .enumeration_null::<ExitReason>("exit_reason")
            .mutable()
            .ends_after_start("ended_on", "started_on"),
        TableDef::new("evaluation_submissions")
            .id()
            .references(uuid("intervention_id"), "interventions", "id", Restrict)
            .col(date("period_start"))
            .col(date("period_end"))
            .col(text("narrative"))
            .enumeration::<SubmissionStatus>("status")
            .references(uuid_null("submitted_by"), "users", "id", Restrict)
            .col(timestamp_with_time_zone_null("submitted_at"))
            .references(uuid_null("decided_by"), "users", "id", Restrict)
            .col(timestamp_with_time_zone_null("decided_at"))
            .mutable()
            .check(
                "period",
                Expr::col("period_end").gte(Expr::col("period_start")),
            )
            .index(&["status"]),
        TableDef::new("outcome_records")
            .id()
            .references(
                uuid("submission_id"),
                "evaluation_submissions",
                "id",
                Cascade,
            )
            .references(uuid("enrolment_id"), "enrolments", "id", Restrict)
            .references(uuid("indicator_id"), "indicators", "id", Restrict)
            .col(double("value"))
            .col(date("observed_on"))
            .enumeration::<OutcomePhase>("phase")
            .enumeration::<OutcomeSource>("source")
            .references(uuid("recorded_by"), "users", "id", Restrict)
            .mutable()
            .unique(
                "uq_outcome_records_observation",
                &["enrolment_id", "indicator_id", "phase", "observed_on"],
            )
            .partial_unique(
                "uq_outcome_records_baseline",
                &["enrolment_id", "indicator_id"],
                Expr::col("phase").eq(OutcomePhase::Baseline.to_value()),
            ),
        TableDef::new("stories")
            .id()
            .references(
                uuid("submission_id"),
                "evaluation_submissions",
                "id",
                Cascade,
            )
            .references(uuid_null("enrolment_id"), "enrolments", "id", Restrict)
            .col(string("title"))
            .col(text("body"))
            .col(json_binary("wellbeing"))
            .col(boolean("consent_to_share"))
            .mutable(),
        TableDef::new("review_comments")
            .id()
            .references(
                uuid("submission_id"),
                "evaluation_submissions",
                "id",
                Cascade,
            )
            .references(uuid("author_id"), "users", "id", Restrict)
            .enumeration::<ReviewDecision>("decision")
            .col(text("body"))
            .created(),
        TableDef::new("audit_events")
            .id()
            .col(timestamp_with_time_zone("at"))
            .references(uuid_null("actor_id"), "users", "id", Restrict)
            .references(
                uuid_null("actor_organisation_id"),
                "organisations",
                "id",
                Restrict,
            )
            .col(string("action"))
            .col(string("entity_type"))
            .col(string("entity_id"))
            // No foreign key: audit rows must outlive the partnership they mention.
            .col(uuid_null("partnership_id"))
            .col(json_binary("details"))
            .index(&["at"])
            .index(&["partnership_id", "at"])
            .index(&["entity_type", "entity_id"])
            .index(&["action"]),
    ]
    .into_iter()
    .map(TableDef::index_foreign_keys)
    .collect()
}

/// One table under construction. Constraints and indexes are named `<kind>_<table>_<what>` so a
/// database error names the rule that was broken.
struct TableDef {
    name: &'static str,
    create: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
    foreign_keys: Vec<String>,
    /// Columns that lead a primary key or a full unique index, which already serves lookups.
    covered: Vec<String>,
}

impl TableDef {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            create: Table::create().table(name).take(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            covered: Vec::new(),
        }
    }

    fn col(mut self, column: ColumnDef) -> Self {
        self.create.col(column);
        self
    }

    fn id(self) -> Self {
        self.col(pk_uuid("id"))
    }

    fn check(mut self, what: &str, expr: Expr) -> Self {
        self.create
            .check(Check::named(format!("ck_{}_{what}", self.name), expr));
        self
    }

    /// A string column that only holds the values of `E`.
    fn enumeration<E: ActiveEnum<Value = String>>(self, column: &'static str) -> Self {
        self.col(string_len(column, 32))
            .check(column, Expr::col(column).is_in(E::values()))
    }

    /// Like [`Self::enumeration`]; a NULL passes the CHECK as SQL's `IN` yields unknown.
    fn enumeration_null<E: ActiveEnum<Value = String>>(self, column: &'static str) -> Self {
        self.col(string_len_null(column, 32))
            .check(column, Expr::col(column).is_in(E::values()))
    }

    fn references(
        mut self,
        mut column: ColumnDef,
        parent: &'static str,
        parent_column: &'static str,
        on_delete: ForeignKeyAction,
    ) -> Self {
        let name = column.get_column_name();
        self.create.col(&mut column).foreign_key(
            ForeignKey::create()
                .name(format!("fk_{}_{name}", self.name))
                .from(self.name, name.clone())
                .to(parent, parent_column)
                .on_delete(on_delete),
        );
        self.foreign_keys.push(name);
        self
    }

    fn created(self) -> Self {
        self.col(timestamp_with_time_zone("created_at"))
    }

    /// The columns every editable table carries for optimistic concurrency.
    fn mutable(self) -> Self {
        self.created()
            .col(timestamp_with_time_zone("updated_at"))
            .col(integer("version"))
            .check("version", Expr::col("version").gte(1))
    }

    fn ends_after_start(self, end: &'static str, start: &'static str) -> Self {
        self.check(
            end,
            Expr::col(end)
                .is_null()
                .or(Expr::col(end).gte(Expr::col(start))),
        )
    }

    fn primary_key(mut self, columns: &[&str]) -> Self {
        let mut key = Index::create();
        for column in columns {
            key.col(String::from(*column));
        }
        self.create.primary_key(&mut key);
        self.covered
            .extend(columns.first().map(|column| String::from(*column)));
        self
    }

    fn index(mut self, columns: &[&str]) -> Self {
        let name = format!("idx_{}_{}", self.name, columns.join("_"));
        self.indexes.push(self.index_on(name, columns));
        self
    }

    fn unique(mut self, name: &str, columns: &[&str]) -> Self {
        let index = self.index_on(name.to_owned(), columns).unique().take();
        self.indexes.push(index);
        self.covered
            .extend(columns.first().map(|column| String::from(*column)));
        self
    }

    /// A unique index over the rows matching `condition` only. It does not serve lookups of
    /// other rows, so it does not count as covering its leading column.
    fn partial_unique(mut self, name: &str, columns: &[&str], condition: Expr) -> Self {
        let index = self
            .index_on(name.to_owned(), columns)
            .unique()
            .and_where(condition)
            .take();
        self.indexes.push(index);
        self
    }

    fn index_on(&self, name: String, columns: &[&str]) -> IndexCreateStatement {
        let mut index = Index::create().name(name).table(self.name).take();
        for column in columns {
            index.col(String::from(*column));
        }
        index
    }

    /// Indexes each foreign key column that no primary key or unique index leads with, so joins
    /// and parent deletes do not scan the child table.
    fn index_foreign_keys(mut self) -> Self {
        let uncovered: Vec<String> = self
            .foreign_keys
            .iter()
            .filter(|column| !self.covered.contains(column))
            .cloned()
            .collect();
        for column in uncovered {
            self = self.index(&[&column]);
        }
        self
    }
}
