//! Every participant gets a random record key for the cell-key method of disclosure control
//! (DESIGN §6.4, README "How the numbers protect children"): a cell's noise is derived from the
//! keys of the young people in it, so the same young people always get the same noise. The key
//! is stored, never exposed; existing rows get theirs here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Record keys are drawn uniformly from `0..=RECORD_KEY_MAX` (31 bits, an INTEGER on both
/// databases).
const RECORD_KEY_MAX: i64 = i32::MAX as i64;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("participants")
                    .add_column(ColumnDef::new("record_key").integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        // A key per existing row, from each database's own random source.
        let fill = match manager.get_database_backend() {
            DbBackend::Postgres => format!(
                "UPDATE participants SET record_key = floor(random() * {RECORD_KEY_MAX})::integer"
            ),
            _ => format!("UPDATE participants SET record_key = abs(random() % {RECORD_KEY_MAX})"),
        };
        manager.get_connection().execute_unprepared(&fill).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("participants")
                    .drop_column("record_key")
                    .to_owned(),
            )
            .await
    }
}
