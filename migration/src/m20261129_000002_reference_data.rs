//! Reference data every installation starts with: Scotland's 32 council areas and a small default
//! indicator library. `down` deletes exactly these rows, and fails (by foreign key) if anything
//! has come to depend on them rather than deleting that too.

use chrono::Utc;
use entity::enums::{IndicatorKind, IndicatorUnit, Wellbeing};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ActiveEnum;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Official code (GSS) and name of each council area, from the National Records of Scotland.
const COUNCIL_AREAS_CSV: &str = include_str!("../data/scottish-council-areas.csv");

struct DefaultIndicator {
    code: &'static str,
    name: &'static str,
    description: &'static str,
    kind: IndicatorKind,
    unit: IndicatorUnit,
    /// Only for SCORE: the other units imply their range.
    scale: Option<(f64, f64)>,
    higher_is_better: bool,
    wellbeing: Wellbeing,
}

/// Soft outcomes are "distance travelled" on a 1–10 scale.
const SOFT_SCALE: Option<(f64, f64)> = Some((1.0, 10.0));

const DEFAULT_INDICATORS: [DefaultIndicator; 9] = [
    DefaultIndicator {
        code: "ATTENDANCE_PCT",
        name: "School attendance",
        description: "Percentage of possible school sessions the young person attended in the \
                      period (0 to 100).",
        kind: IndicatorKind::Hard,
        unit: IndicatorUnit::Percent,
        scale: None,
        higher_is_better: true,
        wellbeing: Wellbeing::Achieving,
    },
    DefaultIndicator {
        code: "EXCLUSION_DAYS",
        name: "Days excluded from school",
        description: "Number of school days the young person lost to exclusion in the period.",
        kind: IndicatorKind::Hard,
        unit: IndicatorUnit::Days,
        scale: None,
        higher_is_better: false,
        wellbeing: Wellbeing::Included,
    },
    DefaultIndicator {
        code: "REINTEGRATED_MAINSTREAM",
        name: "Returned to mainstream school",
        description: "Whether the young person has returned to mainstream school: 1 for yes, \
                      0 for no.",
        kind: IndicatorKind::Hard,
        unit: IndicatorUnit::Boolean,
        scale: None,
        higher_is_better: true,
        wellbeing: Wellbeing::Included,
    },
    DefaultIndicator {
        code: "POSITIVE_DESTINATION",
        name: "Positive destination",
        description: "Whether the young person moved on to further or higher education, \
                      training, employment or volunteering: 1 for yes, 0 for no.",
        kind: IndicatorKind::Hard,
        unit: IndicatorUnit::Boolean,
        scale: None,
        higher_is_better: true,
        wellbeing: Wellbeing::Achieving,
    },
    DefaultIndicator {
        code: "CONFIDENCE",
        name: "Confidence",
        description: "How confident the young person feels in themselves and what they can do, \
                      from 1 (not at all) to 10 (very).",
        kind: IndicatorKind::Soft,
        unit: IndicatorUnit::Score,
        scale: SOFT_SCALE,
        higher_is_better: true,
        // SHANARRI's "achieving" covers developing skills, confidence and self-esteem.
        wellbeing: Wellbeing::Achieving,
    },
    DefaultIndicator {
        code: "RELATIONSHIPS",
        name: "Relationships",
        description: "How good the young person's relationships are with family, friends and \
                      the adults around them, from 1 (very poor) to 10 (very good).",
        kind: IndicatorKind::Soft,
        unit: IndicatorUnit::Score,
        scale: SOFT_SCALE,
        higher_is_better: true,
        wellbeing: Wellbeing::Nurtured,
    },
    DefaultIndicator {
        code: "ENGAGEMENT_LEARNING",
        name: "Engagement with learning",
        description: "How engaged the young person is with learning, in school or elsewhere, \
                      from 1 (not at all) to 10 (fully).",
        kind: IndicatorKind::Soft,
        unit: IndicatorUnit::Score,
        scale: SOFT_SCALE,
        higher_is_better: true,
        wellbeing: Wellbeing::Achieving,
    },
    DefaultIndicator {
        code: "FEELING_SAFE",
        name: "Feeling safe",
        description: "How safe the young person feels at home, at school and in the community, \
                      from 1 (not at all) to 10 (completely).",
        kind: IndicatorKind::Soft,
        unit: IndicatorUnit::Score,
        scale: SOFT_SCALE,
        higher_is_better: true,
        wellbeing: Wellbeing::Safe,
    },
    DefaultIndicator {
        code: "FEELING_LISTENED_TO",
        name: "Feeling listened to",
        description: "How far the young person feels listened to and involved in decisions \
                      about them, from 1 (not at all) to 10 (completely).",
        kind: IndicatorKind::Soft,
        unit: IndicatorUnit::Score,
        scale: SOFT_SCALE,
        higher_is_better: true,
        wellbeing: Wellbeing::Respected,
    },
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let now = Utc::now();

        let mut areas = Query::insert()
            .into_table("areas")
            .columns(["code", "name", "created_at"])
            .take();
        for (code, name) in council_areas()? {
            areas
                .values([code.into(), name.into(), now.into()])
                .map_err(invalid)?;
        }
        manager.execute(areas).await?;

        let mut indicators = Query::insert()
            .into_table("indicators")
            .columns([
                "id",
                "code",
                "name",
                "description",
                "kind",
                "unit",
                "scale_min",
                "scale_max",
                "higher_is_better",
                "wellbeing",
                "created_at",
                "updated_at",
                "version",
            ])
            .take();
        for indicator in &DEFAULT_INDICATORS {
            indicators
                .values([
                    Uuid::now_v7().into(),
                    indicator.code.into(),
                    indicator.name.into(),
                    indicator.description.into(),
                    indicator.kind.to_value().into(),
                    indicator.unit.to_value().into(),
                    indicator.scale.map(|(min, _)| min).into(),
                    indicator.scale.map(|(_, max)| max).into(),
                    indicator.higher_is_better.into(),
                    indicator.wellbeing.to_value().into(),
                    now.into(),
                    now.into(),
                    1.into(),
                ])
                .map_err(invalid)?;
        }
        manager.execute(indicators).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let codes = DEFAULT_INDICATORS.iter().map(|indicator| indicator.code);
        manager
            .execute(
                Query::delete()
                    .from_table("indicators")
                    .and_where(Expr::col("code").is_in(codes))
                    .take(),
            )
            .await?;

        let codes = council_areas()?.into_iter().map(|(code, _)| code);
        manager
            .execute(
                Query::delete()
                    .from_table("areas")
                    .and_where(Expr::col("code").is_in(codes))
                    .take(),
            )
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        // All rows or none, on SQLite as on PostgreSQL.
        Some(true)
    }
}

/// `(code, name)` of each council area. No name needs CSV quoting, so a plain split suffices;
/// a quoted line is refused rather than misread.
fn council_areas() -> Result<Vec<(&'static str, &'static str)>, DbErr> {
    COUNCIL_AREAS_CSV
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once(',')
                .filter(|_| !line.contains('"'))
                .ok_or_else(|| DbErr::Migration(format!("bad council area line: {line:?}")))
        })
        .collect()
}

fn invalid(error: sea_query::error::Error) -> DbErr {
    DbErr::Migration(error.to_string())
}
