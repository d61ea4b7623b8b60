//! `api seed --scale N` (the generated benchmark dataset): it fills an empty database with the
//! planned numbers of rows, every row obeys the rules the API enforces, the same scale gives the
//! same data, the API serves it, and a database that holds data is refused.

use api::seed::{self, ADMIN_EMAIL, Scale, SeedError, Summary};
use entity::{
    enrolment, enums::UserRole, evaluation_submission, indicator, intervention, outcome_record,
    participant, partnership, user,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::json;
use std::collections::HashMap;

use crate::{on_both_databases, support::TestApp};

/// Tiny: one partnership, two interventions, about 2,000 outcome records.
const SCALE: f64 = 0.002;

async fn seed(db: &DatabaseConnection) -> Summary {
    seed::run(db, Scale::new(SCALE).unwrap(), &mut |_| {})
        .await
        .expect("seeding an empty database succeeds")
}

/// Breaches of the rules the API enforces (DESIGN §3, §5.1), each as a query counting them.
const RULES: [(&str, &str); 14] = [
    (
        "records observed outside their submission's period",
        "SELECT COUNT(*) AS n FROM outcome_records r
         JOIN evaluation_submissions s ON s.id = r.submission_id
         WHERE r.observed_on < s.period_start OR r.observed_on > s.period_end",
    ),
    (
        "records of an indicator the intervention does not report on",
        "SELECT COUNT(*) AS n FROM outcome_records r
         JOIN evaluation_submissions s ON s.id = r.submission_id
         WHERE NOT EXISTS (SELECT 1 FROM intervention_indicators ii
             WHERE ii.intervention_id = s.intervention_id AND ii.indicator_id = r.indicator_id)",
    ),
    (
        "records of an enrolment in another intervention",
        "SELECT COUNT(*) AS n FROM outcome_records r
         JOIN evaluation_submissions s ON s.id = r.submission_id
         JOIN enrolments e ON e.id = r.enrolment_id
         WHERE e.intervention_id <> s.intervention_id OR r.observed_on < e.started_on",
    ),
    (
        "values that do not fit their indicator's unit and scale",
        "SELECT COUNT(*) AS n FROM outcome_records r JOIN indicators i ON i.id = r.indicator_id
         WHERE (i.unit = 'PERCENT' AND (r.value < 0 OR r.value > 100))
            OR (i.unit = 'BOOLEAN' AND r.value <> 0 AND r.value <> 1)
            OR (i.unit = 'SCORE' AND (r.value < i.scale_min OR r.value > i.scale_max))
            OR (i.unit IN ('DAYS', 'COUNT') AND (r.value < 0 OR r.value <> ROUND(r.value)))",
    ),
    (
        "enrolments by a provider other than the intervention's",
        "SELECT COUNT(*) AS n FROM enrolments e
         JOIN participants p ON p.id = e.participant_id
         JOIN interventions i ON i.id = e.intervention_id
         WHERE p.provider_id <> i.provider_id OR e.started_on < e.referred_on",
    ),
    (
        "incomplete or inconsistent sharing decisions",
        "SELECT COUNT(*) AS n FROM participants
         WHERE (sharing_basis <> 'NONE' AND sharing_reason IS NULL)
            OR (sharing_basis = 'CONSENT' AND consent_given_by IS NULL)
            OR (sharing_basis <> 'CONSENT' AND consent_given_by IS NOT NULL)
            OR birth_year NOT BETWEEN 2001 AND 2026",
    ),
    (
        "partnerships without an active commissioner member",
        "SELECT COUNT(*) AS n FROM partnerships p WHERE NOT EXISTS (
             SELECT 1 FROM partnership_members m WHERE m.partnership_id = p.id
             AND m.role = 'COMMISSIONER' AND m.left_on IS NULL)",
    ),
    (
        "interventions delivered by an organisation that is not an active provider member",
        "SELECT COUNT(*) AS n FROM interventions i WHERE NOT EXISTS (
             SELECT 1 FROM partnership_members m WHERE m.partnership_id = i.partnership_id
             AND m.organisation_id = i.provider_id AND m.role = 'PROVIDER' AND m.left_on IS NULL)",
    ),
    (
        "agreed agreements an active member has not signed",
        "SELECT COUNT(*) AS n FROM agreements a
         JOIN partnership_members m ON m.partnership_id = a.partnership_id AND m.left_on IS NULL
         WHERE a.status = 'AGREED' AND NOT EXISTS (SELECT 1 FROM agreement_signatures s
             WHERE s.agreement_id = a.id AND s.organisation_id = m.organisation_id)",
    ),
    (
        "signatures by someone outside the signing organisation",
        "SELECT COUNT(*) AS n FROM agreement_signatures s JOIN users u ON u.id = s.signed_by
         WHERE u.organisation_id <> s.organisation_id OR u.active = FALSE",
    ),
    (
        "submissions handed in without evidence",
        "SELECT COUNT(*) AS n FROM evaluation_submissions s
         WHERE s.status IN ('SUBMITTED', 'ACCEPTED', 'CHANGES_REQUESTED')
         AND NOT EXISTS (SELECT 1 FROM outcome_records r WHERE r.submission_id = s.id)
         AND NOT EXISTS (SELECT 1 FROM stories t WHERE t.submission_id = s.id)",
    ),
    (
        "submissions whose status and history disagree",
        "SELECT COUNT(*) AS n FROM evaluation_submissions
         WHERE (status IN ('ACCEPTED', 'CHANGES_REQUESTED')
                AND (decided_by IS NULL OR submitted_at IS NULL OR decided_at < submitted_at))
            OR (status IN ('DRAFT', 'SUBMITTED') AND decided_by IS NOT NULL)
            OR (status = 'DRAFT' AND submitted_by IS NOT NULL)",
    ),
    (
        "decisions without the commissioner's comment",
        "SELECT COUNT(*) AS n FROM evaluation_submissions s
         WHERE s.status IN ('ACCEPTED', 'CHANGES_REQUESTED') AND NOT EXISTS (
             SELECT 1 FROM review_comments c WHERE c.submission_id = s.id
             AND c.decision IN ('ACCEPT', 'REQUEST_CHANGES'))",
    ),
    (
        "e-mail addresses a sign-in would not find (not lower case)",
        "SELECT COUNT(*) AS n FROM users WHERE email <> LOWER(email)",
    ),
];

async fn seeding_fills_an_empty_database_with_valid_data(app: TestApp) {
    let summary = seed(&app.db).await;

    for (table, rows) in &summary.tables {
        assert_eq!(app.count(table).await, *rows as i64, "{table}");
    }
    // The planned sizes at this scale: national figures scaled, with the minimums that keep a
    // tiny dataset whole.
    assert_eq!(summary.rows("partnerships"), 1);
    assert_eq!(summary.rows("interventions"), 2);
    assert_eq!(summary.rows("enrolments"), 120);
    assert_eq!(
        summary.rows("evaluation_submissions"),
        10,
        "five per intervention"
    );
    let participants = summary.rows("participants");
    assert!((100..=120).contains(&participants), "{participants}");
    let records = summary.rows("outcome_records");
    assert!(
        (1_000..=3_000).contains(&records),
        "{records} outcome records"
    );
    assert_eq!(
        app.count("areas").await,
        32,
        "the migration's areas are reused"
    );
    assert_eq!(app.count("indicators").await, 9);
    assert_eq!(
        app.count("audit_events").await,
        0,
        "seeded history is not audited"
    );

    for (rule, query) in RULES {
        assert_eq!(count(&app.db, query).await, 0, "{rule}");
    }
}

async fn count(db: &DatabaseConnection, query: &str) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        query,
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// The rows that identify a dataset, with indicators named by code (the migration gives the
/// reference rows new ids in every database).
async fn fingerprint(db: &DatabaseConnection) -> Vec<String> {
    let codes: HashMap<_, _> = indicator::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|indicator| (indicator.id, indicator.code))
        .collect();
    let mut rows = Vec::new();
    macro_rules! all_by_id {
        ($($module:ident),*) => {$(
            rows.extend(
                $module::Entity::find()
                    .order_by_asc($module::Column::Id)
                    .all(db)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|model| format!("{model:?}")),
            );
        )*};
    }
    all_by_id!(
        user,
        partnership,
        intervention,
        participant,
        evaluation_submission
    );
    rows.extend(
        outcome_record::Entity::find()
            .order_by_asc(outcome_record::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|record| {
                let outcome_record::Model { indicator_id, .. } = record;
                let code = &codes[&indicator_id];
                let record = outcome_record::Model {
                    indicator_id: uuid::Uuid::nil(),
                    ..record
                };
                format!("{code} {record:?}")
            }),
    );
    rows
}

async fn the_same_scale_gives_the_same_data(app: TestApp) {
    seed(&app.db).await;
    let twin = match app.db.get_database_backend() {
        DbBackend::Postgres => TestApp::postgres().await.unwrap(),
        _ => TestApp::sqlite().await,
    };
    seed(&twin.db).await;
    let (ours, theirs) = (fingerprint(&app.db).await, fingerprint(&twin.db).await);
    assert!(ours.len() > 2_000, "{} rows compared", ours.len());
    assert!(ours == theirs, "two seeds of the same scale differ");
}

async fn the_api_serves_the_seeded_data(app: TestApp) {
    seed(&app.db).await;
    let admin = user::Entity::find()
        .filter(user::Column::Email.eq(ADMIN_EMAIL))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the seeded admin");
    let data = app
        .gql_ok(
            &app.token_for(admin.id),
            "{ partnerships(first: 10) { totalCount nodes {
                 id myRole members { role }
                 interventions { nodes { id indicators { code } submissions { totalCount } } }
             } } }",
            json!({}),
        )
        .await;
    let partnerships = &data["partnerships"];
    assert_eq!(partnerships["totalCount"], 1);
    let partnership = &partnerships["nodes"][0];
    assert_eq!(partnership["myRole"], "ADMIN");
    let interventions = partnership["interventions"]["nodes"].as_array().unwrap();
    assert_eq!(interventions.len(), 2);
    for intervention in interventions {
        assert!(!intervention["indicators"].as_array().unwrap().is_empty());
        assert_eq!(intervention["submissions"]["totalCount"], 5);
    }

    // The delivering provider reads every record of its intervention.
    let delivered = intervention::Entity::find()
        .order_by_asc(intervention::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let provider = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(delivered.provider_id))
        .filter(user::Column::Role.eq(UserRole::Provider))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Email)
        .one(&app.db)
        .await
        .unwrap()
        .expect("an active provider user");
    let data = app
        .gql_ok(
            &app.token_for(provider.id),
            "query($id: ID!) { intervention(id: $id) {
                 enrolments { totalCount }
                 submissions(first: 100) { nodes { records { totalCount } } }
             } }",
            json!({ "id": delivered.id }),
        )
        .await;
    let served: u64 = data["intervention"]["submissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|submission| submission["records"]["totalCount"].as_u64().unwrap())
        .sum();
    let stored = outcome_record::Entity::find()
        .filter(
            outcome_record::Column::EnrolmentId.in_subquery(
                enrolment::Entity::find()
                    .select_only()
                    .column(enrolment::Column::Id)
                    .filter(enrolment::Column::InterventionId.eq(delivered.id))
                    .into_query(),
            ),
        )
        .count(&app.db)
        .await
        .unwrap();
    assert!(served > 0);
    assert_eq!(served, stored);
}

async fn a_database_that_holds_data_is_refused(app: TestApp) {
    let first = seed(&app.db).await;
    let again = seed::run(&app.db, Scale::new(SCALE).unwrap(), &mut |_| {}).await;
    match again {
        Err(error @ SeedError::NotEmpty { .. }) => {
            assert!(error.to_string().contains("not empty"), "{error}");
        }
        other => panic!("expected NotEmpty, got {other:?}"),
    }
    for (table, rows) in &first.tables {
        assert_eq!(app.count(table).await, *rows as i64, "{table} unchanged");
    }
}

#[test]
fn scales_outside_the_range_are_refused() {
    for refused in ["0", "-1", "11", "NaN", "inf", "one"] {
        assert!(refused.parse::<Scale>().is_err(), "{refused}");
    }
    assert_eq!("0.01".parse::<Scale>().unwrap().get(), 0.01);
}

on_both_databases!(
    seeding_fills_an_empty_database_with_valid_data,
    the_same_scale_gives_the_same_data,
    the_api_serves_the_seeded_data,
    a_database_that_holds_data_is_refused,
);
