//! The database schema and its reference data, as sea-orm migrations that run unchanged on SQLite
//! and PostgreSQL. Schema only: the rules that need more than a constraint live in `api`.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_schema;
mod m20261129_000002_reference_data;
mod m20261130_000003_participant_record_keys;
mod m20261130_000004_enrolment_outcomes;
mod m20261130_000005_enrolment_outcome_groups;

/// Applies and reverts every migration, in order.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_schema::Migration),
            Box::new(m20261129_000002_reference_data::Migration),
            Box::new(m20261130_000003_participant_record_keys::Migration),
            Box::new(m20261130_000004_enrolment_outcomes::Migration),
            Box::new(m20261130_000005_enrolment_outcome_groups::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    //! Runs the migrations on SQLite always, and on PostgreSQL when `TEST_POSTGRES_URL` names a
    //! database on a server (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); that test
    //! creates and drops its own scratch database beside it.

    use super::*;
    use chrono::{NaiveDate, SubsecRound, Utc};
    use entity::enums::*;
    use entity::prelude::*;
    use entity::{
        enrolment, evaluation_submission, intervention, organisation, outcome_record, participant,
        partnership, partnership_member, story, user,
    };
    use sea_orm_migration::sea_orm::{
        ActiveEnum, ActiveModelTrait, ActiveValue::Set, Database, DatabaseConnection, EntityTrait,
        JsonValue, PaginatorTrait,
    };
    use uuid::Uuid;

    type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

    const AREA: &str = "S12000005";

    fn day(month: u32, day: u32) -> Result<NaiveDate, String> {
        NaiveDate::from_ymd_opt(2026, month, day).ok_or_else(|| format!("bad date {month}-{day}"))
    }

    async fn sqlite() -> Result<DatabaseConnection, DbErr> {
        Database::connect("sqlite::memory:").await
    }

    async fn assert_reference_data(db: &DatabaseConnection) -> TestResult {
        assert_eq!(Area::find().count(db).await?, 32);
        assert_eq!(Indicator::find().count(db).await?, 9);
        Ok(())
    }

    /// Reading every entity proves that each column it expects exists.
    async fn assert_every_entity_reads(db: &DatabaseConnection) -> TestResult {
        macro_rules! read_all {
            ($($entity:ty),+ $(,)?) => {
                $(<$entity>::find().all(db).await?;)+
            };
        }
        read_all!(
            Area,
            Organisation,
            User,
            Partnership,
            PartnershipMember,
            Agreement,
            AgreementSignature,
            Indicator,
            Target,
            Intervention,
            InterventionIndicator,
            Participant,
            Enrolment,
            EvaluationSubmission,
            OutcomeRecord,
            Story,
            ReviewComment,
            AuditEvent,
            EnrolmentOutcome,
        );
        Ok(())
    }

    async fn up_down_up(db: &DatabaseConnection) -> TestResult {
        Migrator::up(db, None).await?;
        assert_reference_data(db).await?;
        assert_every_entity_reads(db).await?;

        Migrator::down(db, None).await?;
        let manager = SchemaManager::new(db);
        for table in ["areas", "indicators", "audit_events"] {
            assert!(!manager.has_table(table).await?, "{table} survived down");
        }

        Migrator::up(db, None).await?;
        assert_reference_data(db).await
    }

    /// Writes a small graph through the entities and checks that the database refuses what its
    /// constraints forbid. Expects a migrated, otherwise empty database.
    async fn constraints_hold(db: &DatabaseConnection) -> TestResult {
        // PostgreSQL keeps microseconds; whole values make round-trips comparable.
        let now = Utc::now().trunc_subsecs(6);
        let start = day(1, 5)?;

        let provider = organisation::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set("Youth Project".into()),
            kind: Set(OrganisationKind::Voluntary),
            sector: Set(Sector::Voluntary),
            area_code: Set(AREA.into()),
            charity_number: Set(Some("SC000001".into())),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;
        let worker = user::ActiveModel {
            id: Set(Uuid::now_v7()),
            email: Set("worker@example.org".into()),
            display_name: Set("Worker".into()),
            organisation_id: Set(provider.id),
            role: Set(UserRole::Provider),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;
        let partnership = partnership::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set("Back to school".into()),
            purpose: Set("Help pupils return to mainstream school.".into()),
            kind: Set(PartnershipKind::ServiceDelivery),
            status: Set(PartnershipStatus::Active),
            area_code: Set(AREA.into()),
            start_date: Set(start),
            end_date: Set(None),
            review_interval_months: Set(12),
            next_review_due: Set(day(12, 1)?),
            last_reviewed_on: Set(None),
            last_review_notes: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;

        // One active membership per pair; a former one does not count.
        let member = |left_on| partnership_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            partnership_id: Set(partnership.id),
            organisation_id: Set(provider.id),
            role: Set(MemberRole::Provider),
            responsibilities: Set("Run the sessions.".into()),
            joined_on: Set(start),
            left_on: Set(left_on),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        member(Some(day(2, 1)?)).insert(db).await?;
        member(None).insert(db).await?;
        assert!(
            member(None).insert(db).await.is_err(),
            "second active member"
        );

        let intervention = intervention::ActiveModel {
            id: Set(Uuid::now_v7()),
            partnership_id: Set(partnership.id),
            provider_id: Set(provider.id),
            name: Set("Mentoring".into()),
            description: Set("Weekly mentoring.".into()),
            category: Set(InterventionCategory::Mentoring),
            area_code: Set(AREA.into()),
            start_date: Set(start),
            end_date: Set(None),
            capacity: Set(Some(10)),
            status: Set(InterventionStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        let mut ends_before_start = intervention.clone();
        ends_before_start.id = Set(Uuid::now_v7());
        ends_before_start.end_date = Set(Some(day(1, 1)?));
        assert!(
            ends_before_start.insert(db).await.is_err(),
            "end before start"
        );
        let intervention = intervention.insert(db).await?;

        let participant = participant::ActiveModel {
            id: Set(Uuid::now_v7()),
            provider_id: Set(provider.id),
            reference: Set("YP-001".into()),
            birth_year: Set(2012),
            sex: Set(None),
            looked_after: Set(true),
            additional_support_needs: Set(false),
            area_code: Set(AREA.into()),
            school_id: Set(None),
            sharing_basis: Set(SharingBasis::Consent),
            sharing_reason: Set(Some("To measure progress with partners.".into())),
            consent_given_by: Set(Some(ConsentGivenBy::Child)),
            sharing_recorded_on: Set(start),
            sharing_recorded_by: Set(worker.id),
            record_key: Set(7),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;
        let enrolment = enrolment::ActiveModel {
            id: Set(Uuid::now_v7()),
            participant_id: Set(participant.id),
            intervention_id: Set(intervention.id),
            referred_on: Set(start),
            referral_source: Set(ReferralSource::School),
            started_on: Set(start),
            ended_on: Set(None),
            exit_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;
        let submission = evaluation_submission::ActiveModel {
            id: Set(Uuid::now_v7()),
            intervention_id: Set(intervention.id),
            period_start: Set(start),
            period_end: Set(day(3, 31)?),
            narrative: Set("A good first term.".into()),
            status: Set(SubmissionStatus::Submitted),
            submitted_by: Set(Some(worker.id)),
            submitted_at: Set(Some(now)),
            decided_by: Set(None),
            decided_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;
        assert_eq!(submission.submitted_at, Some(now), "instants round-trip");

        let stored_story = story::ActiveModel {
            id: Set(Uuid::now_v7()),
            submission_id: Set(submission.id),
            enrolment_id: Set(Some(enrolment.id)),
            title: Set("Back in class".into()),
            body: Set("I go to maths again.".into()),
            wellbeing: Set(wellbeing_tags(&[Wellbeing::Included, Wellbeing::Achieving])),
            consent_to_share: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(db)
        .await?;
        assert_eq!(
            Story::find_by_id(stored_story.id).one(db).await?,
            Some(stored_story),
            "stories round-trip"
        );

        // One BASELINE per (enrolment, indicator); other phases may repeat on other days.
        let Some(confidence) = Indicator::find()
            .all(db)
            .await?
            .into_iter()
            .find(|indicator| indicator.code == "CONFIDENCE")
        else {
            return Err("CONFIDENCE not seeded".into());
        };
        let record = |phase, observed_on| outcome_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            submission_id: Set(submission.id),
            enrolment_id: Set(enrolment.id),
            indicator_id: Set(confidence.id),
            value: Set(4.0),
            observed_on: Set(observed_on),
            phase: Set(phase),
            source: Set(OutcomeSource::SelfReport),
            recorded_by: Set(worker.id),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
        record(OutcomePhase::Baseline, day(1, 10)?)
            .insert(db)
            .await?;
        record(OutcomePhase::Interim, day(2, 10)?)
            .insert(db)
            .await?;
        record(OutcomePhase::Interim, day(3, 10)?)
            .insert(db)
            .await?;
        assert!(
            record(OutcomePhase::Baseline, day(1, 11)?)
                .insert(db)
                .await
                .is_err(),
            "second baseline"
        );
        assert!(
            record(OutcomePhase::Interim, day(2, 10)?)
                .insert(db)
                .await
                .is_err(),
            "same observation twice"
        );

        for refused in [
            "UPDATE organisations SET kind = 'CHARITY'",
            "UPDATE participants SET birth_year = 1980",
            "UPDATE partnerships SET review_interval_months = 0",
            "UPDATE interventions SET capacity = 0",
            "UPDATE evaluation_submissions SET period_end = '2025-12-31'",
            "UPDATE users SET version = 0",
            "DELETE FROM areas",
        ] {
            assert!(db.execute_unprepared(refused).await.is_err(), "{refused}");
        }
        Ok(())
    }

    fn wellbeing_tags(tags: &[Wellbeing]) -> JsonValue {
        tags.iter()
            .map(|tag| JsonValue::String(tag.to_value()))
            .collect()
    }

    #[tokio::test]
    async fn sqlite_up_down_up() -> TestResult {
        up_down_up(&sqlite().await?).await
    }

    #[tokio::test]
    async fn sqlite_constraints_hold() -> TestResult {
        let db = sqlite().await?;
        Migrator::up(&db, None).await?;
        constraints_hold(&db).await
    }

    #[tokio::test]
    async fn postgres_up_down_up_and_constraints() -> TestResult {
        let Ok(server_url) = std::env::var("TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set"
            );
            eprintln!("TEST_POSTGRES_URL not set: PostgreSQL migration test skipped");
            return Ok(());
        };
        let admin = Database::connect(&server_url).await?;
        // The variable names a database on the server (e.g. `postgres`); this test makes its own.
        let server = server_url
            .rsplit_once('/')
            .map_or(server_url.as_str(), |(server, _)| server);
        let name = format!("migration_test_{}", Uuid::now_v7().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;

        // In a task so that a failed assertion still reaches the DROP below.
        let url = format!("{server}/{name}");
        let outcome = tokio::spawn(async move {
            let db = Database::connect(url).await?;
            up_down_up(&db).await?;
            constraints_hold(&db).await?;
            db.close().await?;
            TestResult::Ok(())
        })
        .await;

        admin
            .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .await?;
        match outcome {
            Ok(result) => result,
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    }
}
