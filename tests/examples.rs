//! The demo dataset (`serve --demo`), the dashboard queries in `examples/` and the reference
//! dashboard's own documents in `api/dashboard/queries/`.
//!
//! Every example and every dashboard document must be a valid operation of the schema (the
//! contract in `schema.graphql`) that answers the demo user its header names ("Run as:
//! commissioner") with data, not only suppressed cells; its variables come from the sibling
//! `.json` file, where `<indicator CODE>`, `<partnership NAME>` and `<submission STATUS>` stand
//! for ids a developer looks up first. So a schema change that breaks the dashboard fails here.

use std::{collections::HashMap, fs, path::PathBuf};

use api::{access::auth::TokenIssuer, demo::DemoError};
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, demo_tokens as tokens, load_demo, test_config},
};

struct Example {
    name: String,
    query: String,
    run_as: String,
    variables: Value,
}

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// The GraphQL documents the dashboard at `/dashboard` sends.
fn dashboard_queries_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api/dashboard/queries")
}

/// Every `*.graphql` file in `dir`, with its header's user and its variables file.
fn documents(dir: PathBuf) -> Vec<Example> {
    let mut examples: Vec<Example> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "graphql"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let query = fs::read_to_string(&path).unwrap();
            let run_as = query
                .lines()
                .take_while(|line| line.starts_with('#'))
                .find_map(|line| line.split_once("Run as: "))
                .map(|(_, who)| who.trim().to_owned())
                .unwrap_or_else(|| panic!("{name} says whom to run it as (`# Run as: …`)"));
            let variables = fs::read_to_string(path.with_extension("json"))
                .map(|text| serde_json::from_str(&text).unwrap())
                .unwrap_or_else(|_| json!({}));
            Example {
                name,
                query,
                run_as,
                variables,
            }
        })
        .collect();
    examples.sort_by(|a, b| a.name.cmp(&b.name));
    examples
}

/// Replaces `<indicator CODE>` and `<partnership NAME>` placeholders with the demo's ids.
fn resolve(value: &Value, ids: &HashMap<String, String>) -> Value {
    match value {
        Value::String(text) if text.starts_with('<') && text.ends_with('>') => {
            let id = ids
                .get(&text[1..text.len() - 1])
                .unwrap_or_else(|| panic!("{text} names nothing in the demo dataset"));
            Value::String(id.clone())
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| resolve(item, ids)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, field)| (key.clone(), resolve(field, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The demo's indicator and partnership ids, and a submission's id of each status, keyed as
/// the placeholders name them.
async fn placeholder_ids(app: &TestApp, admin: &str) -> HashMap<String, String> {
    let data = app
        .gql_ok(
            admin,
            "{ indicators { id code } partnerships(first: 100) { nodes { id name } }
               submissions(first: 100) { nodes { id status } } }",
            json!({}),
        )
        .await;
    let indicators = data["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|indicator| {
            (
                format!("indicator {}", indicator["code"].as_str().unwrap()),
                indicator["id"].as_str().unwrap().to_owned(),
            )
        });
    let partnerships = data["partnerships"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|partnership| {
            (
                format!("partnership {}", partnership["name"].as_str().unwrap()),
                partnership["id"].as_str().unwrap().to_owned(),
            )
        });
    let submissions = data["submissions"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|submission| {
            (
                format!("submission {}", submission["status"].as_str().unwrap()),
                submission["id"].as_str().unwrap().to_owned(),
            )
        });
    indicators.chain(partnerships).chain(submissions).collect()
}

/// Whether `value` holds data a dashboard could draw: every list of rows (`nodes`, `cells`, a
/// top-level list) has some, and where cells can be suppressed, some are not.
fn assert_has_content(example: &str, data: &Value) {
    fn visit(value: &Value, rows: &mut Vec<usize>, shown: &mut Vec<bool>) {
        match value {
            Value::Object(fields) => {
                for (key, field) in fields {
                    match (key.as_str(), field) {
                        ("nodes" | "cells", Value::Array(items)) => rows.push(items.len()),
                        ("suppressed", Value::Bool(suppressed)) => shown.push(!suppressed),
                        _ => {}
                    }
                    visit(field, rows, shown);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| visit(item, rows, shown)),
            _ => {}
        }
    }
    let fields = data.as_object().unwrap();
    assert!(!fields.is_empty(), "{example}: no data");
    let mut rows = Vec::new();
    let mut shown = Vec::new();
    for (field, value) in fields {
        match value {
            Value::Null => panic!("{example}: {field} is null"),
            Value::Array(items) => rows.push(items.len()),
            _ => {}
        }
        visit(value, &mut rows, &mut shown);
    }
    assert!(
        rows.iter().all(|&n| n > 0),
        "{example}: an empty list in {data:#}"
    );
    assert!(
        shown.is_empty() || shown.contains(&true),
        "{example}: every number is suppressed in {data:#}"
    );
}

async fn every_example_answers_its_user_from_the_demo_dataset(app: TestApp) {
    let demo = load_demo(&app).await.unwrap();
    let tokens = tokens(&app, &demo);
    let ids = placeholder_ids(&app, &tokens["admin"]).await;
    let examples = documents(examples_dir());
    assert!(examples.len() >= 6, "the dashboard examples are all there");
    let dashboard = documents(dashboard_queries_dir());
    assert!(
        dashboard.len() >= 9,
        "the dashboard's documents are all there"
    );
    for example in examples.into_iter().chain(dashboard) {
        let token = tokens.get(&example.run_as).unwrap_or_else(|| {
            panic!(
                "{}: `Run as: {}` is not a demo user ({:?})",
                example.name,
                example.run_as,
                tokens.keys()
            )
        });
        let variables = resolve(&example.variables, &ids);
        let body = app.gql(token, &example.query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "{} as {}: {body:#}",
            example.name,
            example.run_as
        );
        assert_has_content(&example.name, &body["data"]);
    }
}

/// Every file in `examples/` is an example, its variables, or the CSV import sample; every
/// example names its operation (the access log records operations by name).
#[test]
fn the_examples_folder_holds_only_named_examples_and_their_variables() {
    assert_named_operations_and_their_variables(examples_dir(), &["query "]);
}

/// The dashboard's documents follow the examples' rules; only it may also change something.
#[test]
fn the_dashboard_queries_folder_holds_only_named_operations_and_their_variables() {
    assert_named_operations_and_their_variables(dashboard_queries_dir(), &["query ", "mutation "]);
}

fn assert_named_operations_and_their_variables(dir: PathBuf, kinds: &[&str]) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("graphql") => {
                let query = fs::read_to_string(&path).unwrap();
                let operation = query
                    .lines()
                    .find(|line| !line.starts_with('#') && !line.trim().is_empty())
                    .unwrap_or_default();
                assert!(
                    kinds.iter().any(|kind| operation.starts_with(kind)
                        && !operation[kind.len()..].starts_with('(')),
                    "{name} starts with a named operation, not `{operation}`"
                );
            }
            Some("json") => assert!(
                path.with_extension("graphql").exists(),
                "{name} belongs to no example"
            ),
            _ => assert_eq!(name, "outcome-records.csv", "unexpected file in examples/"),
        }
    }
}

const DEMO_OVERVIEW: &str = "{
    partnerships(first: 20) { nodes { name status reviewOverdue
        members { role }
        agreements { status }
        targets { state }
        interventions(first: 10) { nodes { status category } } } }
    participants(first: 100) { totalCount nodes { sharingBasis lookedAfter } }
    submissions(first: 100) {
        nodes { status comments { decision } stories(first: 10) { nodes { consentToShare } } }
    }
    auditEvents(first: 1) { totalCount }
}";

/// The demo tells the seed's four scenarios with data in every state a newcomer should meet.
async fn the_demo_holds_the_four_scenarios_in_every_state(app: TestApp) {
    let demo = load_demo(&app).await.unwrap();
    let counts = demo.loaded.expect("an empty database gets the demo");
    assert_eq!(counts.partnerships, 4);
    assert!(
        (190..=210).contains(&counts.participants),
        "about 200 young people"
    );
    assert!(counts.records > 2000, "baseline, interim and exit records");
    let admin = &tokens(&app, &demo)["admin"];
    let data = app.gql_ok(admin, DEMO_OVERVIEW, json!({})).await;
    let values = |path: &str, key: &str| -> Vec<Value> {
        let mut found = Vec::new();
        collect(&data[path], key, &mut found);
        found.sort_by_key(Value::to_string);
        found.dedup();
        found
    };
    assert_eq!(
        values("submissions", "status"),
        [
            "ACCEPTED",
            "CHANGES_REQUESTED",
            "DRAFT",
            "SUBMITTED",
            "WITHDRAWN"
        ]
        .map(Value::from)
    );
    assert_eq!(
        values("submissions", "decision"),
        ["ACCEPT", "COMMENT", "REQUEST_CHANGES"].map(Value::from)
    );
    assert_eq!(
        values("submissions", "consentToShare"),
        [false, true].map(Value::from)
    );
    assert_eq!(
        values("partnerships", "state"),
        ["AGREED", "PROPOSED", "RETIRED"].map(Value::from)
    );
    assert_eq!(
        values("partnerships", "status"),
        [
            "ACTIVE",
            "AGREED",
            "CLOSED",
            "DRAFT",
            "PLANNED",
            "UNDER_REVIEW"
        ]
        .map(Value::from),
        "partnership, agreement and service statuses"
    );
    assert_eq!(
        values("partnerships", "reviewOverdue"),
        [false, true].map(Value::from)
    );
    assert_eq!(
        data["participants"]["totalCount"], counts.participants,
        "the admin sees every young person"
    );
    let bases = values("participants", "sharingBasis");
    for basis in ["NONE", "CONSENT", "PUBLIC_TASK"] {
        assert!(bases.contains(&json!(basis)), "{basis} in {bases:?}");
    }
    // Each young person was recorded and enrolled, each submission written: all audited.
    let audited = data["auditEvents"]["totalCount"].as_u64().unwrap();
    assert!(
        audited as usize > 2 * counts.participants + counts.submissions,
        "every write is audited ({audited} events)"
    );
}

fn collect(value: &Value, key: &str, found: &mut Vec<Value>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                if name == key {
                    found.push(field.clone());
                }
                collect(field, key, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, key, found)),
        _ => {}
    }
}

/// Starting again on the demo's database serves it as it is and prints tokens that work; the
/// printed tokens are the users the welcome names.
async fn a_second_start_reuses_the_demo_and_prints_working_tokens(app: TestApp) {
    let first = load_demo(&app).await.unwrap();
    let partnerships = app.count("partnerships").await;
    let second = load_demo(&app).await.unwrap();
    assert!(second.loaded.is_none(), "nothing is loaded twice");
    assert_eq!(app.count("partnerships").await, partnerships);
    assert_eq!(
        first.logins.iter().map(|l| l.user_id).collect::<Vec<_>>(),
        second.logins.iter().map(|l| l.user_id).collect::<Vec<_>>()
    );

    let config = test_config("sqlite::memory:", &[]);
    let issuer = TokenIssuer::new(&config.jwt).unwrap();
    let graphql_url = app.url("/graphql");
    let welcome = second.welcome(&issuer, &graphql_url, true).unwrap();
    assert!(welcome.contains(&format!("GraphiQL: {graphql_url}")));
    let exports: Vec<(&str, &str)> = welcome
        .lines()
        .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
        .collect();
    assert_eq!(
        exports.len(),
        5,
        "admin, commissioner, two providers, viewer"
    );
    for ((variable, token), login) in exports.into_iter().zip(&second.logins) {
        assert_eq!(variable, login.variable);
        let me = app.gql_ok(token, "{ me { email role } }", json!({})).await;
        assert_eq!(me["me"]["email"], login.email);
        assert_eq!(me["me"]["role"], json!(login.role));
    }
}

/// A database with anything else in it is never touched.
async fn a_database_holding_other_data_is_refused(app: TestApp) {
    app.admin().await;
    let partnerships = app.count("partnerships").await;
    assert!(matches!(load_demo(&app).await, Err(DemoError::NotEmpty)));
    assert_eq!(app.count("partnerships").await, partnerships);
    assert_eq!(app.count("users").await, 1);
}

on_both_databases!(
    every_example_answers_its_user_from_the_demo_dataset,
    the_demo_holds_the_four_scenarios_in_every_state,
    a_second_start_reuses_the_demo_and_prints_working_tokens,
    a_database_holding_other_data_is_refused,
);
