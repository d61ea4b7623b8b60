//! Downloads (issue 17; README "Reporting and publishing"): the CSV tables of every aggregate,
//! a partnership's IATI activities and its services as HSDS, on the demo dataset.
//!
//! The files are checked against the official schemas in `tests/data` (IATI 2.03 with
//! `xmllint`, HSDS 3.0 with `tests/data/hsds/validate.py`), and their numbers against what
//! GraphQL answers the same caller: a file is only another way to read.

use std::{collections::HashMap, io::Write, path::PathBuf, process::Command};

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, demo_tokens, error_code, load_demo},
};

/// The IATI publisher the apps of these tests are configured with.
const IATI: &[(&str, &str)] = &[
    ("IATI_REPORTING_ORG_REF", "GB-SC-SC099999"),
    ("IATI_REPORTING_ORG_NAME", "Glenmuir Council"),
];

/// A download's status, `Content-Type` and body.
struct Download {
    status: u16,
    content_type: String,
    body: String,
}

async fn download(app: &TestApp, token: Option<&str>, path: &str) -> Download {
    let mut request = app.client().get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Download {
        status,
        content_type,
        body: response.text().await.expect("body"),
    }
}

/// The body of a successful download.
async fn file(app: &TestApp, token: &str, path: &str) -> String {
    let got = download(app, Some(token), path).await;
    assert_eq!(got.status, 200, "{path}: {}", got.body);
    got.body
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Validates an IATI file against the official IATI 2.03 activity schema.
fn assert_valid_iati(xml: &str) {
    let mut document = tempfile::NamedTempFile::new().unwrap();
    document.write_all(xml.as_bytes()).unwrap();
    let schema = data_dir().join("iati/iati-activities-schema.xsd");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(document.path())
        .output()
        .expect("xmllint (Debian: libxml2-utils) is installed");
    assert!(
        output.status.success(),
        "not valid IATI 2.03:\n{}\n{xml}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Validates an HSDS `/services` page against the official HSDS 3.0 JSON Schema.
fn assert_valid_hsds(page: &str) {
    let mut child = Command::new("python3")
        .arg(data_dir().join("hsds/validate.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with jsonschema (Debian: python3-jsonschema) is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "not valid HSDS 3.0:\n{}\n{page}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Every partnership of the demo, by name.
async fn partnerships(app: &TestApp, token: &str) -> HashMap<String, String> {
    let data = app
        .gql_ok(
            token,
            "{ partnerships(first: 50) { nodes { id name } } }",
            json!({}),
        )
        .await;
    data["partnerships"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            (
                node["name"].as_str().unwrap().to_owned(),
                node["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every young person's reference and id, which no file may contain.
async fn children(app: &TestApp) -> Vec<String> {
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id, reference FROM participants",
        ))
        .await
        .unwrap();
    rows.iter()
        .flat_map(|row| {
            let id: uuid::Uuid = row.try_get("", "id").unwrap();
            let reference: String = row.try_get("", "reference").unwrap();
            [id.to_string(), reference]
        })
        .collect()
}

fn assert_names_no_child(file: &str, children: &[String]) {
    for child in children {
        assert!(
            !file.contains(child.as_str()),
            "a young person's record ({child}) is in a file"
        );
    }
}

/// The CSV's header, its data rows, and its footer line.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>, String) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records: Vec<Vec<String>> = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let footer = records.pop().expect("a footer").join(",");
    let header = records.remove(0);
    (header, records, footer)
}

/// A CSV number cell as GraphQL gives it (empty is null), read by the same JSON parser as the
/// GraphQL answer, so that the same digits compare equal.
fn number(cell: &str) -> Value {
    if cell.is_empty() {
        Value::Null
    } else {
        float(&serde_json::from_str(cell).unwrap())
    }
}

/// GraphQL's number, as a float (GraphQL's Int and Float compare alike).
fn float(value: &Value) -> Value {
    value.as_f64().map_or(Value::Null, |value| json!(value))
}

/// Asserts that each CSV row holds exactly the GraphQL cell's numbers and flags, column by
/// column, in the same order; returns how many cells were suppressed.
fn assert_rows_match(header: &[String], rows: &[Vec<String>], cells: &[Value]) -> usize {
    assert_eq!(rows.len(), cells.len(), "one row per GraphQL cell");
    let column = |name: &str| header.iter().position(|column| column == name);
    let mut suppressed = 0;
    for (row, cell) in rows.iter().zip(cells) {
        for (field, value) in cell.as_object().unwrap() {
            match value {
                Value::Bool(flag) => {
                    assert_eq!(row[column(field).unwrap()], flag.to_string(), "{field}");
                    if field == "suppressed" && *flag {
                        suppressed += 1;
                    }
                }
                Value::Object(group) => {
                    let id = &group["id"];
                    assert_eq!(row[column(&format!("{field}Id")).unwrap()], *id, "{field}");
                }
                Value::String(text) => {
                    assert_eq!(row[column(field).unwrap()], *text, "{field}")
                }
                _ => assert_eq!(
                    number(&row[column(field).unwrap()]),
                    float(value),
                    "{field}"
                ),
            }
        }
    }
    suppressed
}

/// The footer a file protected as GraphQL's `disclosure` says.
fn stated(disclosure: &Value) -> String {
    format!(
        "Disclosure: method {}, threshold {}, maxNoise {}, maxMagnitudeNoise {}.",
        disclosure["method"].as_str().unwrap(),
        disclosure["threshold"],
        disclosure["maxNoise"],
        disclosure["maxMagnitudeNoise"].as_f64().unwrap()
    )
}

const SUMMARY: &str = "query($input: OutcomeSummaryInput!) { outcomeSummary(input: $input) {
    disclosure { method threshold maxNoise maxMagnitudeNoise }
    cells { intervention { id } provider { id } areaCode sex ageBand lookedAfter
      participants records meanBaseline meanLatest meanChange percentImproved percentAchieved
      suppressed excludesUnshared } } }";

/// Downloads `outcome-summary.csv` with the GraphQL `input` as its parameters and checks it
/// against `outcomeSummary` for the same caller: the same cells, the same rule, no child.
/// Returns how many cells were suppressed, and the rows; `None` when GraphQL says NOT_FOUND
/// and so does the file.
async fn summary_file(
    app: &TestApp,
    token: &str,
    input: Value,
    children: &[String],
) -> Option<(usize, Vec<Vec<String>>)> {
    let query: Vec<String> = input
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| match value {
            Value::Array(values) => {
                let values: Vec<&str> =
                    values.iter().map(|value| value.as_str().unwrap()).collect();
                format!("{name}={}", values.join(","))
            }
            Value::String(text) => format!("{name}={text}"),
            other => format!("{name}={other}"),
        })
        .collect();
    let path = format!("/exports/outcome-summary.csv?{}", query.join("&"));
    let body = app.gql(token, SUMMARY, json!({ "input": input })).await;
    if body.get("errors").is_some() {
        // Not this caller's partnership: the file is refused the same way.
        assert_eq!(error_code(&body), "NOT_FOUND");
        assert_eq!(download(app, Some(token), &path).await.status, 404);
        return None;
    }
    let summary = &body["data"]["outcomeSummary"];
    let text = file(app, token, &path).await;
    assert_names_no_child(&text, children);
    let (header, rows, footer) = parse_csv(&text);
    let cells = summary["cells"].as_array().unwrap();
    let suppressed = assert_grouped_rows_match(&header, &rows, cells);
    assert!(
        footer.starts_with(&stated(&summary["disclosure"])),
        "{footer}"
    );
    Some((suppressed, rows))
}

/// Every CSV table, for a commissioner, a viewer and a provider whose young people are not
/// the others', holds GraphQL's numbers cell for cell (suppressed cells included) and states
/// GraphQL's disclosure rule; no file holds a young person's record.
async fn csv_tables_are_graphql_answers(app: TestApp) {
    let demo = load_demo(&app).await.unwrap();
    let tokens = demo_tokens(&app, &demo);
    let children = children(&app).await;
    let admin = &tokens["admin"];
    let confidence = app.indicator_id_as(admin, "CONFIDENCE").await;
    let partnerships = partnerships(&app, admin).await;
    let return_ticket = &partnerships["Return Ticket"];
    let mut suppressed = 0;
    for who in ["commissioner", "viewer", "other provider", "provider"] {
        for (partnership, group_by) in [
            (None, json!(["PROVIDER"])),
            (Some(return_ticket), json!(["INTERVENTION"])),
            (None, json!(["AREA", "SEX"])),
            (None, json!(["AGE_BAND", "LOOKED_AFTER"])),
        ] {
            let mut input = json!({ "indicatorId": confidence, "groupBy": group_by });
            if let Some(id) = partnership {
                input["partnershipId"] = json!(id);
            }
            let summary = summary_file(&app, &tokens[who], input, &children).await;
            suppressed += summary.map_or(0, |(suppressed, _)| suppressed);
        }
    }
    assert!(suppressed > 0, "the demo's small groups are suppressed");

    // Cairnbrook and Ferryknowe both deliver in Moving Up Together: Cairnbrook's file counts
    // Ferryknowe's young people only as GraphQL does (none of them is Cairnbrook's to read), with
    // Ferryknowe's unreviewed evidence never in it.
    let relationships = app.indicator_id_as(admin, "RELATIONSHIPS").await;
    for include_unreviewed in [false, true] {
        let input = json!({
            "indicatorId": relationships, "partnershipId": partnerships["Moving Up Together"],
            "groupBy": ["PROVIDER"], "includeUnreviewed": include_unreviewed,
        });
        let (_, rows) = summary_file(&app, &tokens["other provider"], input, &children)
            .await
            .expect("Cairnbrook is a member");
        assert!(rows.iter().any(|row| row[1] == "Ferryknowe Learning Trust"));
    }

    // The other tables, as the viewer.
    let viewer = &tokens["viewer"];
    let progress = app
        .gql_ok(
            viewer,
            "query($p: ID!) { targetProgress(partnershipId: $p) { target { id title }
                status actual expected participants suppressed excludesUnshared
                disclosure { method threshold maxNoise maxMagnitudeNoise } } }",
            json!({ "p": return_ticket }),
        )
        .await;
    let text = file(
        &app,
        viewer,
        &format!("/exports/target-progress.csv?partnershipId={return_ticket}&bom=true"),
    )
    .await;
    assert!(text.starts_with('\u{feff}'), "bom=true starts with a BOM");
    let (header, rows, footer) = parse_csv(text.trim_start_matches('\u{feff}'));
    let targets = progress["targetProgress"].as_array().unwrap();
    let cells: Vec<Value> = targets
        .iter()
        .map(|row| {
            json!({
                "targetId": row["target"]["id"], "target": row["target"]["title"],
                "status": row["status"], "actual": row["actual"], "expected": row["expected"],
                "participants": row["participants"], "suppressed": row["suppressed"],
                "excludesUnshared": row["excludesUnshared"],
            })
        })
        .collect();
    assert_rows_match(&header, &rows, &cells);
    assert!(footer.starts_with(&stated(&targets[0]["disclosure"])));

    let coverage = app
        .gql_ok(
            viewer,
            "{ serviceCoverage { areaCode activeInterventions participantsEnrolled suppressed
                excludesUnshared disclosure { method threshold maxNoise maxMagnitudeNoise } } }",
            json!({}),
        )
        .await;
    let (header, rows, footer) =
        parse_csv(&file(&app, viewer, "/exports/service-coverage.csv").await);
    let areas = coverage["serviceCoverage"].as_array().unwrap();
    let cells: Vec<Value> = areas
        .iter()
        .map(|area| {
            let mut area = area.clone();
            area.as_object_mut().unwrap().remove("disclosure");
            area
        })
        .collect();
    assert_rows_match(&header, &rows, &cells);
    assert!(footer.starts_with(&stated(&areas[0]["disclosure"])));

    let trend = app
        .gql_ok(
            viewer,
            "query($i: ID!, $p: ID!) { outcomeTrend(input: {indicatorId: $i, partnershipId: $p,
                bucket: QUARTER}) { disclosure { method threshold maxNoise maxMagnitudeNoise }
                cells { bucket bucketStart phase participants records meanValue suppressed
                excludesUnshared } } }",
            json!({ "i": confidence, "p": return_ticket }),
        )
        .await;
    let (header, rows, footer) = parse_csv(
        &file(
            &app,
            viewer,
            &format!(
                "/exports/outcome-trend.csv?indicatorId={confidence}&partnershipId={return_ticket}\
                 &bucket=QUARTER"
            ),
        )
        .await,
    );
    let cells = trend["outcomeTrend"]["cells"].as_array().unwrap();
    assert!(!cells.is_empty());
    assert_rows_match(&header, &rows, cells);
    assert!(footer.starts_with(&stated(&trend["outcomeTrend"]["disclosure"])));
}

/// [`assert_rows_match`] for summary cells, whose group objects and keys are columns only when
/// grouped by: the null ones are left out.
fn assert_grouped_rows_match(header: &[String], rows: &[Vec<String>], cells: &[Value]) -> usize {
    let cells: Vec<Value> = cells
        .iter()
        .map(|cell| {
            let mut cell = cell.clone();
            cell.as_object_mut().unwrap().retain(|field, value| {
                !value.is_null()
                    || !matches!(
                        field.as_str(),
                        "intervention"
                            | "provider"
                            | "areaCode"
                            | "sex"
                            | "ageBand"
                            | "lookedAfter"
                    )
            });
            cell
        })
        .collect();
    assert_rows_match(header, rows, &cells)
}

/// The IATI file of every demo partnership is valid IATI 2.03; a viewer's carries the target
/// progress the viewer reads in GraphQL and nothing about any one child. The HSDS files are
/// valid HSDS 3.0 and list the active services.
async fn demo_files_follow_the_standards(app: TestApp) {
    let demo = load_demo(&app).await.unwrap();
    let tokens = demo_tokens(&app, &demo);
    let children = children(&app).await;
    let admin = &tokens["admin"];
    let partnerships = partnerships(&app, admin).await;
    assert_eq!(partnerships.len(), 4);
    for id in partnerships.values() {
        let got = download(
            &app,
            Some(admin),
            &format!("/exports/partnerships/{id}/iati-activities.xml"),
        )
        .await;
        assert_eq!(got.status, 200, "{}", got.body);
        assert!(got.content_type.starts_with("application/xml"));
        assert_valid_iati(&got.body);
        assert!(got.body.contains(&format!("GB-SC-SC099999-{id}")));
    }

    let viewer = &tokens["viewer"];
    let return_ticket = &partnerships["Return Ticket"];
    let xml = file(
        &app,
        viewer,
        &format!("/exports/partnerships/{return_ticket}/iati-activities.xml"),
    )
    .await;
    assert_valid_iati(&xml);
    assert_names_no_child(&xml, &children);
    let progress = app
        .gql_ok(
            viewer,
            "query($p: ID!) { targetProgress(partnershipId: $p) { target { title state }
                actual suppressed } }",
            json!({ "p": return_ticket }),
        )
        .await;
    let agreed: Vec<&Value> = progress["targetProgress"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["target"]["state"] == "AGREED")
        .collect();
    assert!(!agreed.is_empty());
    assert_eq!(xml.matches("<result ").count(), agreed.len());
    // Each result's actual, in target order, read as the GraphQL answer is read.
    let actuals: Vec<Value> = xml
        .split("<actual")
        .skip(1)
        .map(|rest| match rest.strip_prefix(" value=\"") {
            Some(value) => number(&value[..value.find('"').unwrap()]),
            None => Value::Null,
        })
        .collect();
    let expected: Vec<Value> = agreed.iter().map(|row| float(&row["actual"])).collect();
    assert_eq!(
        actuals, expected,
        "the viewer's target progress is in the file"
    );
    assert!(xml.contains("Disclosure: method CELL_KEY"));

    let services = app
        .gql_ok(
            admin,
            "{ partnerships(first: 10) { nodes { interventions(first: 20) { nodes { id status } } } } }",
            json!({}),
        )
        .await;
    let active = services["partnerships"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|node| node["interventions"]["nodes"].as_array().unwrap().clone())
        .filter(|intervention| intervention["status"] == "ACTIVE")
        .count();
    let page = file(&app, admin, "/exports/hsds/services.json").await;
    assert_valid_hsds(&page);
    let page: Value = serde_json::from_str(&page).unwrap();
    assert_eq!(page["total_items"], active);
    assert!(active > 0);
    // Each service alone, as HSDS's `/services/{id}`; one the caller cannot see is not found.
    for service in page["contents"].as_array().unwrap() {
        let path = format!("/exports/hsds/services/{}", service["id"].as_str().unwrap());
        let alone: Value = serde_json::from_str(&file(&app, admin, &path).await).unwrap();
        assert_eq!(&alone, service);
        if service["name"] == "Cairnbrook transition groups" {
            let hidden = download(&app, Some(&tokens["viewer"]), &path).await;
            assert_eq!(hidden.status, 404, "{}", hidden.body);
        }
    }
    let own = file(
        &app,
        viewer,
        &format!("/exports/partnerships/{return_ticket}/hsds/services.json"),
    )
    .await;
    assert_valid_hsds(&own);
    assert_names_no_child(&own, &children);
}

/// Text that a spreadsheet would run as a formula is written as text, a download of children's
/// aggregates is access-logged for the partnership's commissioners to see, and downloads refuse
/// what GraphQL refuses, with the same codes.
async fn files_are_safe_logged_and_guarded(app: TestApp) {
    let caseload = app.caseload(&["PUBLIC_TASK", "NONE"]).await;
    let commissioner = &caseload.commissioner.token;
    let title = "=HYPERLINK(\"http://example.org\",\"Attendance\")";
    app.gql_ok(
        commissioner,
        "mutation($input: CreateTargetInput!) { createTarget(input: $input) { target { id } } }",
        json!({ "input": {
            "partnershipId": caseload.partnership, "indicatorId": caseload.indicator("ATTENDANCE_PCT"),
            "title": title, "aggregation": "MEAN_LATEST", "baselineValue": 70,
            "baselineDate": "2026-08-17", "targetValue": 90, "targetDate": "2027-06-30",
        }}),
    )
    .await;
    let path = format!(
        "/exports/target-progress.csv?partnershipId={}",
        caseload.partnership
    );
    let outsider = app.commissioner("Another Council").await;
    let before = app.count("audit_events").await;
    let got = download(&app, Some(commissioner), &path).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert!(got.content_type.starts_with("text/csv"));
    let (header, rows, _) = parse_csv(&got.body);
    let title_column = header.iter().position(|column| column == "target").unwrap();
    assert_eq!(rows[0][title_column], format!("'{title}"));
    assert!(
        got.body
            .contains("\"'=HYPERLINK(\"\"http://example.org\"\"")
    );
    assert_eq!(app.count("audit_events").await, before + 1);
    let logged = app
        .gql_ok(
            commissioner,
            "query($p: ID!) { auditEvents(filter: {partnershipId: $p, action: \"export.download\"}) {
                nodes { action entityType entityId actor { id } } } }",
            json!({ "p": caseload.partnership }),
        )
        .await;
    assert_eq!(
        logged["auditEvents"]["nodes"],
        json!([{ "action": "export.download", "entityType": "export",
                 "entityId": "target-progress.csv", "actor": { "id": caseload.commissioner.id } }])
    );
    // Services hold no children's data: not logged.
    file(&app, commissioner, "/exports/hsds/services.json").await;
    assert_eq!(app.count("audit_events").await, before + 1);

    // Refusals, as GraphQL refuses.
    let no_token = download(&app, None, &path).await;
    assert_eq!(no_token.status, 401);
    let body: Value = serde_json::from_str(&no_token.body).unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    let hidden = download(&app, Some(&outsider.token), &path).await;
    assert_eq!(hidden.status, 404);
    assert_eq!(
        error_code(&serde_json::from_str(&hidden.body).unwrap()),
        "NOT_FOUND"
    );
    let wrong = download(&app, Some(commissioner), &format!("{path}&colour=red")).await;
    assert_eq!(wrong.status, 400);
    let body: Value = serde_json::from_str(&wrong.body).unwrap();
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "colour");
    let grouped = download(
        &app,
        Some(commissioner),
        &format!(
            "/exports/outcome-summary.csv?indicatorId={}&groupBy=AREA,AREA",
            caseload.indicator("CONFIDENCE")
        ),
    )
    .await;
    assert_eq!(grouped.status, 400, "{}", grouped.body);
    assert!(
        grouped
            .body
            .contains("groupBy names the same dimension twice")
    );
    // IATI files are off until the operator names the publisher.
    let off = download(
        &app,
        Some(commissioner),
        &format!(
            "/exports/partnerships/{}/iati-activities.xml",
            caseload.partnership
        ),
    )
    .await;
    assert_eq!(off.status, 409);
    assert!(off.body.contains("IATI_REPORTING_ORG_REF"));
    assert_eq!(
        app.count("audit_events").await,
        before + 1,
        "refusals log nothing"
    );
}

on_both_databases!(files_are_safe_logged_and_guarded);
on_both_databases!(with super::IATI; csv_tables_are_graphql_answers, demo_files_follow_the_standards);
