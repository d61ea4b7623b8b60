//! The outcome read model `enrolment_outcomes` (see `entity::enrolment_outcome`): one row per
//! enrolment and indicator of accepted evidence. Its rows are built by the latest migration that
//! changes their columns (`m20261130_000005_enrolment_outcome_groups`), from the records
//! already accepted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("enrolment_outcomes")
                    .col(uuid("enrolment_id"))
                    .col(uuid("indicator_id"))
                    .col(uuid("partnership_id"))
                    .col(uuid("intervention_id"))
                    .col(uuid("provider_id"))
                    .col(uuid("participant_id"))
                    .col(double_null("baseline"))
                    .col(date_null("baseline_on"))
                    .col(double_null("latest"))
                    .col(date_null("latest_on"))
                    .col(string_len_null("latest_phase", 32))
                    .col(integer("records"))
                    .col(date("last_observed_on"))
                    .primary_key(Index::create().col("enrolment_id").col("indicator_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enrolment_outcomes_enrolment")
                            .from("enrolment_outcomes", "enrolment_id")
                            .to("enrolments", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_enrolment_outcomes_indicator")
                            .from("enrolment_outcomes", "indicator_id")
                            .to("indicators", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Dashboards read one indicator, mostly of one partnership; the freshness check reads
        // the last observation.
        for (name, columns) in [
            (
                "ix_enrolment_outcomes_indicator_partnership",
                &["indicator_id", "partnership_id"][..],
            ),
            (
                "ix_enrolment_outcomes_last_observed_on",
                &["last_observed_on"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table("enrolment_outcomes");
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("enrolment_outcomes").to_owned())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
