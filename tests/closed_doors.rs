//! Issue 15, "Closed doors": requests that once crashed a worker, stalled the server, amplified
//! the audit trail or reached the database with text it cannot store. Each is refused at the edge
//! with BAD_USER_INPUT before anything runs, the same on both databases, and nothing is written.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{
    csv_import::import,
    on_both_databases,
    support::{ACCEPT, TestApp, error_code, world::World},
};

const IMPORT_FIELDS: &str = "dryRun recordCount";

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

/// A refusal before execution: 400, BAD_USER_INPUT, no `data`, and a message saying `why`.
fn assert_refused(status: u16, body: &Value, why: &str, case: &str) {
    assert_eq!(
        (status, error_code(body)),
        (400, "BAD_USER_INPUT"),
        "{case}: {body:#}"
    );
    assert!(body.get("data").is_none(), "{case}: {body:#}");
    assert!(message(body).contains(why), "{case}: {body:#}");
}

async fn the_upload_marker_is_refused_wherever_it_is_written(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let token = &c.provider.token;
    let why = "multipart";
    for suffix in ["x", "-1", "100000000000000000000000", "0"] {
        let marker = format!("#__graphql_file__:{suffix}");
        // In the query text, as an argument.
        let literal = format!(
            "mutation {{ importOutcomeRecordsCsv(input: {{ submissionId: \"{}\", file: \"{marker}\" }}) {{ {IMPORT_FIELDS} }} }}",
            c.submission
        );
        let (status, body) = app.gql_as(Some(token), &literal, json!({})).await;
        assert_refused(status, &body, why, &format!("literal {marker}"));

        // As the default of a variable.
        let default = format!(
            "mutation($file: Upload = \"{marker}\") {{ importOutcomeRecordsCsv(input: {{ submissionId: \"{}\", file: $file }}) {{ {IMPORT_FIELDS} }} }}",
            c.submission
        );
        let (status, body) = app.gql_as(Some(token), &default, json!({})).await;
        assert_refused(status, &body, why, &format!("default {marker}"));

        // In a JSON variable.
        let (status, body) = app
            .gql_as(
                Some(token),
                "mutation($input: ImportOutcomeRecordsCsvInput!) { importOutcomeRecordsCsv(input: $input) { dryRun } }",
                json!({ "input": { "submissionId": c.submission, "file": marker } }),
            )
            .await;
        assert_refused(status, &body, why, &format!("variable {marker}"));

        // In a multipart request, next to a real file: the first import would have run.
        let file = "participant_reference,indicator_code,phase,observed_on,value,source\n\
                    YP-001,CONFIDENCE,BASELINE,2026-09-01,4,PROVIDER\n";
        let both = format!(
            "mutation($input: ImportOutcomeRecordsCsvInput!) {{
                real: importOutcomeRecordsCsv(input: $input) {{ {IMPORT_FIELDS} }}
                forged: importOutcomeRecordsCsv(input: {{ submissionId: \"{}\", file: \"{marker}\" }}) {{ {IMPORT_FIELDS} }}
            }}",
            c.submission
        );
        let (status, body) = app
            .gql_upload(
                token,
                &both,
                json!({ "input": { "submissionId": c.submission, "file": null } }),
                "variables.input.file",
                "outcomes.csv",
                file.as_bytes().to_vec(),
            )
            .await;
        assert_refused(status, &body, why, &format!("multipart {marker}"));
    }
    assert_eq!(app.count("outcome_records").await, 0, "nothing written");

    // An honest upload still works.
    let file = "participant_reference,indicator_code,phase,observed_on,value,source\n\
                YP-001,CONFIDENCE,BASELINE,2026-09-01,4,PROVIDER\n";
    let (status, body) = import(&app, &c.provider, &c.submission, file.as_bytes(), false).await;
    assert_eq!(status, 200, "{body:#}");
    assert_eq!(body["data"]["importOutcomeRecordsCsv"]["recordCount"], 1);
}

/// `{ ...F0 }` where each fragment spreads the next twice: `2^levels` fields from a document of
/// a few hundred bytes.
fn fragment_chain(levels: usize) -> String {
    let mut query = String::from("query Chain { ...F0 }");
    for level in 0..levels {
        let next = level + 1;
        query.push_str(&format!(
            " fragment F{level} on Query {{ ...F{next} ...F{next} }}"
        ));
    }
    query.push_str(&format!(" fragment F{levels} on Query {{ __typename }}"));
    query
}

async fn a_document_that_expands_exponentially_is_refused_at_once(app: TestApp) {
    let admin = app.admin().await;
    // A short chain is an honest, if odd, query.
    app.gql_ok(&admin.token, &fragment_chain(4), json!({}))
        .await;

    let query = fragment_chain(24);
    assert!(query.len() < 1024, "{} bytes", query.len());
    let before = app.statements_executed();
    let started = Instant::now();
    let (status, body) = app.gql_as(Some(&admin.token), &query, json!({})).await;
    let elapsed = started.elapsed();
    assert_refused(status, &body, "(MAX_SELECTIONS)", "fragment chain");
    assert!(
        elapsed < Duration::from_secs(2),
        "refused in {elapsed:?}, not after the work"
    );
    assert_eq!(
        app.statements_executed() - before,
        1,
        "only the caller's lookup"
    );
    // The server is not stalled.
    app.gql_ok(&admin.token, "{ me { id } }", json!({})).await;
}

const LOOKUP_FIELDS: &str = "participant(id: $id) { id reference enrolments { nodes { id } } }";

async fn long_operation_names_are_refused_and_the_log_records_what_was_read(app: TestApp) {
    let world = World::build(&app).await;
    let commissioner = &world.commissioner.token;
    let events_before = app.count("audit_events").await;

    let long = "A".repeat(100_001);
    let in_document = format!("query {long}($id: ID!) {{ {LOOKUP_FIELDS} }}");
    let (status, body) = app
        .gql_as(Some(commissioner), &in_document, json!({ "id": world.a1 }))
        .await;
    assert_refused(
        status,
        &body,
        "at most 100 characters (MAX_OPERATION_NAME_CHARS)",
        "named in the document",
    );
    // Named only by the request's `operationName`.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(commissioner)
        .header("accept", ACCEPT)
        .json(&json!({
            "query": format!("query Short($id: ID!) {{ {LOOKUP_FIELDS} }}"),
            "operationName": long,
            "variables": { "id": world.a1 },
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_refused(
        status,
        &body,
        "(MAX_OPERATION_NAME_CHARS)",
        "named by operationName",
    );
    assert_eq!(
        app.count("audit_events").await,
        events_before,
        "no read, so no access-log rows"
    );

    // A name of the limit is fine; the log keeps it, and says which fields read the records.
    let at_limit = format!("L{}", "o".repeat(99));
    let query = format!("query {at_limit}($id: ID!) {{ {LOOKUP_FIELDS} }}");
    app.gql_ok(commissioner, &query, json!({ "id": world.a1 }))
        .await;
    let log = app
        .gql_ok(
            &world.provider_a.token,
            "query($id: ID!) { participant(id: $id) { accessLog { nodes { operation read } } } }",
            json!({ "id": world.a1 }),
        )
        .await;
    assert_eq!(
        log["participant"]["accessLog"]["nodes"],
        json!([{
            "operation": at_limit,
            "read": ["Participant.enrolments", "Query.participant"],
        }])
    );
}

const CREATE_ORGANISATION: &str = "mutation($input: CreateOrganisationInput!) {
    createOrganisation(input: $input) { organisation { id name } }
}";

async fn control_and_bidirectional_characters_are_refused_alike_on_both_databases(app: TestApp) {
    let admin = app.admin().await;
    let organisations = app.count("organisations").await;
    let input = |name: &str| json!({ "input": { "name": name, "kind": "OTHER", "sector": "PRIVATE", "areaCode": "S12000036" } });
    for (name, why) in [
        ("Nul\u{0}Project", "control character U+0000"),
        ("Bell\u{7}Project", "control character U+0007"),
        ("Tab\tProject", "control character U+0009"),
        ("Escape\u{1b}[31m", "control character U+001B"),
        (
            "Right\u{202e}tcejorP",
            "bidirectional control character U+202E",
        ),
        (
            "Isolate\u{2066}Project",
            "bidirectional control character U+2066",
        ),
    ] {
        let (status, body) = app
            .gql_as(Some(&admin.token), CREATE_ORGANISATION, input(name))
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{name:?}: {body:#}");
        assert!(message(&body).contains(why), "{name:?}: {body:#}");
        assert!(status == 400 || status == 200, "{name:?}: {status}");
    }
    // Written into the query text as an escape, or hidden in a filter that reaches SQL.
    for query in [
        "mutation { createOrganisation(input: { name: \"Nul\\u0000Project\", kind: OTHER, sector: PRIVATE, areaCode: \"S12000036\" }) { organisation { id } } }",
        "{ participants(filter: { reference: \"CR\\u0000001\" }) { totalCount } }",
    ] {
        let (status, body) = app.gql_as(Some(&admin.token), query, json!({})).await;
        assert_refused(status, &body, "control character U+0000", query);
    }
    let (status, body) = app
        .gql_as(
            Some(&admin.token),
            "query($reference: String) { participants(filter: { reference: $reference }) { totalCount } }",
            json!({ "reference": "CR\u{0}001" }),
        )
        .await;
    assert_refused(status, &body, "control character U+0000", "filter variable");
    assert_eq!(
        app.count("organisations").await,
        organisations,
        "nothing written"
    );

    // Long text keeps its tabs and line breaks, and names their ordinary letters.
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let story = app
        .gql_ok(
            &c.provider.token,
            "mutation($input: AddStoryInput!) { addStory(input: $input) { story { title body } } }",
            json!({ "input": {
                "submissionId": c.submission, "consentToShare": false, "title": "Zoë's first term – «good»",
                "body": "Week 1:\tnervous\r\nWeek 6:\tsettled\n",
            }}),
        )
        .await;
    assert_eq!(
        story["addStory"]["story"]["body"],
        "Week 1:\tnervous\r\nWeek 6:\tsettled"
    );
    let (_, body) = app
        .gql_as(
            Some(&c.provider.token),
            "mutation($input: AddStoryInput!) { addStory(input: $input) { story { id } } }",
            json!({ "input": {
                "submissionId": c.submission, "consentToShare": false, "title": "Hidden \u{202e}eltit",
                "body": "A body",
            }}),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.title");
    assert!(
        message(&body).contains("bidirectional control character U+202E"),
        "{body:#}"
    );
}

async fn a_spreadsheet_with_control_characters_is_refused_alike_on_both_databases(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK"]).await;
    let file = "participant_reference,indicator_code,phase,observed_on,value,source\n\
                YP-001,CONFIDENCE,BASELINE,2026-09-01,4,PROVIDER\n\
                YP\u{0}001,CONFIDENCE,INTERIM,2026-10-01,5,PROVIDER\n";
    let (status, body) = import(&app, &c.provider, &c.submission, file.as_bytes(), false).await;
    assert_eq!(
        (status, error_code(&body)),
        (200, "BAD_USER_INPUT"),
        "{body:#}"
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.file");
    assert!(
        message(&body).contains("the file contains the control character U+0000")
            && message(&body).contains("(line 3)"),
        "{body:#}"
    );
    assert_eq!(app.count("outcome_records").await, 0, "nothing written");
}

const CREATE_PARTNERSHIP: &str = "mutation($input: CreatePartnershipInput!) {
    createPartnership(input: $input) { partnership { id startDate nextReviewDue } }
}";

fn partnership_input(start_date: &str, interval_months: i32) -> Value {
    json!({ "input": {
        "name": "Border Pathways", "purpose": "Pupils return to mainstream school.",
        "kind": "SERVICE_DELIVERY", "areaCode": "S12000036", "startDate": start_date,
        "reviewIntervalMonths": interval_months,
        "responsibilities": "Chairs the partnership and funds the service.",
    }})
}

async fn dates_are_bounded_and_every_date_printed_is_accepted(app: TestApp) {
    let commissioner = app.commissioner("Scottish Borders Council").await;
    let partnerships = app.count("partnerships").await;
    for date in [
        "1899-12-31",
        "2200-01-01",
        "9999-12-31",
        "+10000-01-01",
        "0000-01-01",
    ] {
        let (_, body) = app
            .gql_as(
                Some(&commissioner.token),
                CREATE_PARTNERSHIP,
                partnership_input(date, 12),
            )
            .await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{date}: {body:#}");
        assert!(
            message(&body).contains("1900-01-01 to 2199-12-31")
                || message(&body).contains("YYYY-MM-DD"),
            "{date}: {body:#}"
        );
    }
    // Accepted, but its first review would fall due after the last date the API accepts.
    let (_, body) = app
        .gql_as(
            Some(&commissioner.token),
            CREATE_PARTNERSHIP,
            partnership_input("2199-12-31", 12),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.startDate");
    assert!(message(&body).contains("2199-12-31"), "{body:#}");
    assert_eq!(
        app.count("partnerships").await,
        partnerships,
        "nothing written"
    );

    // The edges themselves are dates like any other, and what is printed can be sent back.
    for (start, due) in [("1900-01-01", "1900-07-01"), ("2199-01-31", "2199-07-31")] {
        let created = app
            .gql_ok(
                &commissioner.token,
                CREATE_PARTNERSHIP,
                partnership_input(start, 6),
            )
            .await;
        let partnership = &created["createPartnership"]["partnership"];
        assert_eq!(partnership["nextReviewDue"], due);
        app.gql_ok(
            &commissioner.token,
            "mutation($input: UpdatePartnershipInput!) { updatePartnership(input: $input) { partnership { nextReviewDue } } }",
            json!({ "input": { "id": partnership["id"], "expectedVersion": 1, "nextReviewDue": due } }),
        )
        .await;
    }
}

async fn bodies_that_are_not_one_request_are_told_what_is_wrong_in_our_words(app: TestApp) {
    let admin = app.admin().await;
    let post = |body: &'static str| {
        app.client()
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, why) in [
        (
            "{\"query\": 5}",
            "invalid type: integer `5`, expected a string",
        ),
        (
            "{\"querry\": \"{ me { id } }\"}",
            "the request body has no `query`",
        ),
        (
            "\"{ me { id } }\"",
            "must be a JSON object with a `query` string",
        ),
        ("42", "must be a JSON object with a `query` string"),
        ("[]", "send one operation per request"),
        ("{\"query\": ", "the request body is not JSON"),
    ] {
        let response = post(body).await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(error_code(&answer), "BAD_USER_INPUT", "{body}");
        assert!(message(&answer).contains(why), "{body}: {answer:#}");
        assert!(
            !message(&answer).contains("BatchRequest"),
            "{body}: {answer:#}"
        );
    }
    // The same for the `operations` part of an upload.
    let form = reqwest::multipart::Form::new()
        .text("operations", "{\"query\": 5}")
        .text("map", "{}");
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&admin.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert!(
        message(&answer).contains("the `operations` part of the upload is not a GraphQL request"),
        "{answer:#}"
    );
}

async fn a_client_that_names_no_media_type_gets_json(app: TestApp) {
    let admin = app.admin().await;
    for accept in [None, Some("*/*")] {
        let mut request = app
            .client()
            .post(app.url("/graphql"))
            .bearer_auth(&admin.token)
            .json(&json!({ "query": "{ noSuchField }" }));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        // A legacy client's refused request is a 200, as the spec asks for application/json.
        assert_eq!(response.status(), 200, "{accept:?}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(error_code(&answer), "BAD_USER_INPUT");
        assert!(answer.get("data").is_none(), "{answer:#}");
    }
}

/// `getIntrospectionQuery()` of graphql-js 15 with its default options, as GraphiQL, Apollo and
/// code generators send it.
const GRAPHQL_JS_15_INTROSPECTION: &str = "
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) {
        name description
        args { ...InputValue }
        type { ...TypeRef }
        isDeprecated deprecationReason
      }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue {
      name description
      type { ...TypeRef }
      defaultValue
    }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name } } } } } } }
    }";

async fn standard_introspection_has_its_own_budget(app: TestApp) {
    let admin = app.admin().await;
    let data = app
        .gql_ok(&admin.token, GRAPHQL_JS_15_INTROSPECTION, json!({}))
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    assert!(data["__schema"]["types"].as_array().unwrap().len() > 50);

    // Past that budget, introspection is refused like any query.
    let mut deep = String::from("kind");
    for _ in 0..20 {
        deep = format!("kind ofType {{ {deep} }}");
    }
    let query = format!("{{ __schema {{ types {{ {deep} }} }} }}");
    let (status, body) = app.gql_as(Some(&admin.token), &query, json!({})).await;
    assert_refused(
        status,
        &body,
        "introspection is nested too deep",
        "deep introspection",
    );

    // The budget is introspection's alone: the same depth elsewhere is still refused.
    let mut nested = String::from("id");
    for level in 0..12 {
        nested = if level % 2 == 0 {
            format!("partnership {{ {nested} }}")
        } else {
            format!("interventions {{ nodes {{ {nested} }} }}")
        };
    }
    let query = format!(
        "{{ __schema {{ queryType {{ name }} }} partnerships {{ nodes {{ {nested} }} }} }}"
    );
    let (status, body) = app.gql_as(Some(&admin.token), &query, json!({})).await;
    assert_refused(
        status,
        &body,
        "(MAX_QUERY_DEPTH)",
        "deep query beside introspection",
    );
}

/// The ids of a connection's nodes, and where the next page starts.
fn page_of(connection: &Value) -> (Vec<&str>, Option<&str>) {
    let ids = connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| node["id"].as_str().unwrap())
        .collect();
    let next = connection["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap()
        .then(|| connection["pageInfo"]["endCursor"].as_str().unwrap());
    (ids, next)
}

/// Finding 8: every list that grows is a connection; a client pages through it with `first`
/// and `after`, and `totalCount` counts what the caller may see.
async fn every_list_that_grows_is_paged_with_a_total(app: TestApp) {
    let c = app.caseload(&["PUBLIC_TASK", "PUBLIC_TASK", "NONE"]).await;
    app.add_rows(
        &c,
        &[
            (0, "CONFIDENCE", "BASELINE", "2026-09-01", 4.0),
            (1, "CONFIDENCE", "BASELINE", "2026-09-01", 5.0),
            (2, "CONFIDENCE", "BASELINE", "2026-09-01", 6.0),
        ],
    )
    .await;
    let records = "query($id: ID!, $after: String) { submission(id: $id) {
        records(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
    } }";
    let mut read = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .gql_ok(
                &c.provider.token,
                records,
                json!({ "id": c.submission, "after": after }),
            )
            .await;
        let connection = &data["submission"]["records"];
        assert_eq!(connection["totalCount"], 3, "{data:#}");
        let (ids, next) = page_of(connection);
        assert!(ids.len() <= 2);
        read.extend(ids.into_iter().map(str::to_owned));
        match next {
            Some(cursor) => after = json!(cursor),
            None => break,
        }
    }
    let mut in_order = read.clone();
    in_order.sort();
    assert_eq!(read.len(), 3, "every record once: {read:?}");
    assert_eq!(read, in_order, "in the order they were recorded");

    // The commissioner's total leaves out the young person who is not shared.
    app.submit(&c.provider, &c.submission).await;
    let seen = app
        .gql_ok(
            &c.commissioner.token,
            "query($id: ID!, $p: ID!, $i: ID!) {
                submission(id: $id) { records { totalCount } stories { totalCount } }
                partnership(id: $p) {
                    interventions(first: 1) { totalCount nodes { id } }
                    submissions(status: SUBMITTED) { totalCount }
                    drafts: submissions(status: DRAFT) { totalCount }
                }
                intervention(id: $i) {
                    enrolments(first: 1) { totalCount pageInfo { hasNextPage } }
                    submissions { totalCount }
                }
            }",
            json!({ "id": c.submission, "p": c.partnership, "i": c.intervention }),
        )
        .await;
    assert_eq!(
        seen,
        json!({
            "submission": { "records": { "totalCount": 2 }, "stories": { "totalCount": 0 } },
            "partnership": {
                "interventions": { "totalCount": 1, "nodes": [{ "id": c.intervention }] },
                "submissions": { "totalCount": 1 },
                "drafts": { "totalCount": 0 },
            },
            "intervention": {
                "enrolments": { "totalCount": 2, "pageInfo": { "hasNextPage": true } },
                "submissions": { "totalCount": 1 },
            },
        })
    );
    let participant = app
        .gql_ok(
            &c.provider.token,
            "query($id: ID!) { participant(id: $id) { enrolments { totalCount nodes { id } } } }",
            json!({ "id": c.participants[0] }),
        )
        .await;
    assert_eq!(
        participant["participant"]["enrolments"],
        json!({ "totalCount": 1, "nodes": [{ "id": c.enrolments[0] }] })
    );

    let body = app
        .gql(
            &c.provider.token,
            "query($id: ID!) { submission(id: $id) { records(first: 101) { totalCount } } }",
            json!({ "id": c.submission }),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert!(message(&body).contains("first must be between 0 and 100"));
}

/// Finding 8: a nested page of pages, or thirty copies of an aggregate, costs what it would
/// read, and is refused before anything runs.
async fn fan_out_and_repeated_aggregates_are_refused_before_they_run(app: TestApp) {
    let admin = app.admin().await;
    let fan_out = "{ partnerships(first: 100) { nodes { submissions(first: 100) { nodes {
        records(first: 100) { nodes { value } } } } } } }";
    let indicator = app.indicator_id(&admin, "CONFIDENCE").await;
    let summaries: Vec<String> = (0..30)
        .map(|n| {
            format!(
                "s{n}: outcomeSummary(input: {{ indicatorId: $i }}) {{ cells {{ participants }} }}"
            )
        })
        .collect();
    let aggregates = format!("query($i: ID!) {{ {} }}", summaries.join(" "));
    for (query, case) in [(fan_out.to_owned(), "fan-out"), (aggregates, "aggregates")] {
        let before = app.statements_executed();
        let (status, body) = app
            .gql_as(Some(&admin.token), &query, json!({ "i": indicator }))
            .await;
        assert_refused(status, &body, "(MAX_QUERY_COMPLEXITY)", case);
        assert_eq!(
            app.statements_executed() - before,
            1,
            "{case}: only the caller was read"
        );
    }
    // A dashboard's handful of aggregates still fits in one request.
    let few = format!(
        "query($i: ID!) {{ {} }}",
        (0..4)
            .map(|n| format!(
                "s{n}: outcomeSummary(input: {{ indicatorId: $i }}) {{ cells {{ participants }} }}"
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    app.gql_ok(&admin.token, &few, json!({ "i": indicator }))
        .await;
}

const SMALL_RESPONSES: &[(&str, &str)] = &[("MAX_RESPONSE_BYTES", "2000")];

/// Finding 8: an answer over the response budget is replaced by an error that says what to do.
async fn an_answer_over_the_response_budget_is_refused_clearly(app: TestApp) {
    let admin = app.admin().await;
    app.gql_ok(&admin.token, "{ areas { code } }", json!({}))
        .await;
    let (status, body) = app
        .gql_as(
            Some(&admin.token),
            "{ areas { code name } a: areas { code name } }",
            json!({}),
        )
        .await;
    assert_refused(status, &body, "(MAX_RESPONSE_BYTES)", "large answer");
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(message(&body).contains("ask for smaller pages"), "{body:#}");
}

on_both_databases!(with super::SMALL_RESPONSES; an_answer_over_the_response_budget_is_refused_clearly);

on_both_databases!(
    standard_introspection_has_its_own_budget,
    every_list_that_grows_is_paged_with_a_total,
    fan_out_and_repeated_aggregates_are_refused_before_they_run,
    bodies_that_are_not_one_request_are_told_what_is_wrong_in_our_words,
    a_client_that_names_no_media_type_gets_json,
    dates_are_bounded_and_every_date_printed_is_accepted,
    a_spreadsheet_with_control_characters_is_refused_alike_on_both_databases,
    the_upload_marker_is_refused_wherever_it_is_written,
    a_document_that_expands_exponentially_is_refused_at_once,
    long_operation_names_are_refused_and_the_log_records_what_was_read,
    control_and_bidirectional_characters_are_refused_alike_on_both_databases,
);
