//! The reference dashboard (`/dashboard`) and GraphiQL, both served from the binary: over HTTP
//! (every file embedded, with its policy and validator), and in a real headless Chromium
//! through the demo, with axe-core checking each screen's accessibility.
//!
//! The browser tests run on SQLite only: they test the page, and the API beneath it is tested
//! on both databases elsewhere. Screenshots land in `<target>/screenshots/`.

use std::{fs, path::Path};

use serde_json::{Value, json};

use crate::{
    on_both_databases,
    support::{TestApp, browser::Browser, demo_tokens},
};

/// axe-core, vendored from npm (tests/data/axe/), run inside the page.
const AXE: &str = include_str!("data/axe/axe.min.js");

/// The compressed weight the dashboard may have when it first shows a partnership.
const PAGE_WEIGHT_BUDGET: u64 = 300 * 1024;

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    headers
        .iter()
        .fold(app.client().get(app.url(path)), |request, (name, value)| {
            request.header(*name, *value)
        })
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// Every file of `api/dashboard/` the page may load is served, from the binary, under a policy
/// that allows this origin only; a browser's current copy gets 304, and text goes out gzipped.
async fn every_dashboard_file_is_served_with_its_policy(app: TestApp) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/dashboard");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if !matches!(
                path.extension().and_then(|ext| ext.to_str()),
                Some("json" | "png")
            ) {
                files.push(path.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    assert!(files.len() > 10, "the dashboard's files: {files:?}");
    for file in &files {
        let response = get(&app, &format!("/dashboard/{file}"), &[]).await;
        assert_eq!(response.status(), 200, "{file} is embedded in the binary");
        assert!(
            header(&response, "content-security-policy").starts_with("default-src 'self';"),
            "{file}"
        );
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    }

    let page = get(&app, "/dashboard", &[]).await;
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&page, "cache-control"), "no-cache");
    let etag = header(&page, "etag").to_owned();
    let again = get(&app, "/dashboard", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304, "the browser's copy is current");

    let script = get(&app, "/dashboard/app.js", &[("accept-encoding", "gzip")]).await;
    assert_eq!(
        header(&script, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&script, "content-encoding"), "gzip");

    for missing in ["/dashboard/nothing.js", "/dashboard/../Cargo.toml"] {
        assert_eq!(get(&app, missing, &[]).await.status(), 404, "{missing}");
    }
    assert_eq!(
        get(&app, "/dashboard/demo-users", &[]).await.status(),
        404,
        "no tokens are offered outside demo mode"
    );
    assert_eq!(
        get(&app, "/graphiql/vendor/graphiql.min.js", &[])
            .await
            .status(),
        404,
        "GraphiQL is off in production unless GRAPHIQL=true"
    );
}

on_both_databases!(every_dashboard_file_is_served_with_its_policy);

/// Runs axe-core on the current screen and fails on any serious or critical violation.
async fn assert_accessible(browser: &Browser, screen: &str) {
    browser
        .script(&format!("{AXE}; return true;"), json!([]))
        .await;
    let violations = browser
        .script_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((result) => done(result.violations
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))))
               .catch((error) => done([{ id: 'axe failed', help: String(error) }]));",
            json!([]),
        )
        .await;
    assert_eq!(
        violations,
        json!([]),
        "{screen}: serious or critical accessibility violations"
    );
}

/// Moves to a screen by its navigation link, as a keyboard or mouse user would.
async fn open_screen(browser: &Browser, name: &str, ready: &str) {
    browser
        .wait_for(&format!("nav a[href='#{name}']"))
        .await
        .click()
        .await;
    browser.wait_for(ready).await;
    browser
        .wait_until(
            "the screen finished loading",
            "return !document.querySelector('main').hasAttribute('aria-busy');",
            json!([]),
        )
        .await;
}

/// Chooses a partnership in the picker.
async fn choose_partnership(browser: &Browser, id: &str) {
    browser
        .script(
            "const select = document.getElementById('partnership-select');
             select.value = arguments[0];
             select.dispatchEvent(new Event('change'));",
            json!([id]),
        )
        .await;
    browser
        .wait_until(
            "the partnership was shown",
            "return document.getElementById('partnership-select')?.value === arguments[0]
                 && document.querySelector('.target') !== null;",
            json!([id]),
        )
        .await;
}

/// Each target's card text, by target id.
async fn targets(browser: &Browser) -> Value {
    browser
        .script(
            "return Object.fromEntries([...document.querySelectorAll('.target')]
                 .map((t) => [t.dataset.targetId, t.innerText]));",
            json!([]),
        )
        .await
}

async fn sign_in_as(browser: &Browser, label: &str) {
    browser
        .wait_for(&format!("[data-demo-user='{label}']"))
        .await
        .click()
        .await;
    browser.wait_for("#sign-out:not([hidden])").await;
}

/// Tabs from the top of the page to the demo user's button, checking that each stop shows
/// where the focus is, and presses Enter.
async fn sign_in_with_the_keyboard(browser: &Browser, label: &str) {
    const TAB: &str = "\u{E004}";
    const ENTER: &str = "\u{E007}";
    let button = format!("[data-demo-user='{label}']");
    for _ in 0..10 {
        browser.press(TAB).await;
        let focus = browser
            .script(
                "const e = document.activeElement, style = getComputedStyle(e);
                 const box = e.getBoundingClientRect();
                 return { target: e.matches(arguments[0]), text: e.innerText,
                   shown: style.outlineStyle !== 'none' && box.left >= 0 && box.width > 0 };",
                json!([button]),
            )
            .await;
        assert_eq!(focus["shown"], true, "the focus is visible on {focus}");
        if focus["target"] == true {
            browser.press(ENTER).await;
            browser.wait_for("#sign-out:not([hidden])").await;
            return;
        }
    }
    panic!("{label}'s button cannot be reached with Tab");
}

async fn sign_out(browser: &Browser) {
    browser.wait_for("#sign-out").await.click().await;
    browser.wait_for("[data-demo-user]").await;
}

fn assert_no_policy_violations(console: &[String]) {
    let refused: Vec<_> = console
        .iter()
        .filter(|message| message.contains("Content Security Policy"))
        .collect();
    assert!(
        refused.is_empty(),
        "the page broke its own policy: {refused:#?}"
    );
}

/// The walk a commissioner judging the product takes, then a provider's view: sign in from
/// the demo's list, see the targets and their statuses, accept waiting evidence and see the
/// queue shrink and the target move; another provider sees none of the first one's young people.
#[tokio::test]
async fn a_commissioner_reviews_evidence_and_providers_see_only_their_own_young_people() {
    let Some(browser) = Browser::start(1280, 1000).await else {
        return;
    };
    let (app, demo) = TestApp::sqlite_demo(&[]).await;
    let tokens = demo_tokens(&app, &demo);
    let queue = app
        .gql_ok(
            &tokens["commissioner"],
            "{ submissions(filter: {status: SUBMITTED}, first: 20) { totalCount
                 nodes { id intervention { partnership { id } } } } }",
            json!({}),
        )
        .await;
    let waiting = queue["submissions"]["totalCount"].as_u64().unwrap();
    assert!(waiting > 0, "the demo has evidence waiting");
    let submission = &queue["submissions"]["nodes"][0];
    let submission_id = submission["id"].as_str().unwrap();
    let partnership_id = submission["intervention"]["partnership"]["id"]
        .as_str()
        .unwrap();

    browser.goto(&app.url("/dashboard")).await.unwrap();
    browser.wait_for("[data-demo-user='commissioner']").await;
    assert_accessible(&browser, "sign-in").await;
    sign_in_with_the_keyboard(&browser, "commissioner").await;
    browser.wait_for("#partnership-select").await;
    choose_partnership(&browser, partnership_id).await;
    let statuses = browser
        .script(
            "return [...document.querySelectorAll('.target .status')].map((s) => s.innerText);",
            json!([]),
        )
        .await;
    let statuses: Vec<&str> = statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|status| status.as_str().unwrap())
        .collect();
    assert!(!statuses.is_empty(), "the partnership's targets are shown");
    for status in &statuses {
        assert!(
            [
                "On track", "At risk", "Missed", "Achieved", "No data", "Proposed", "Retired"
            ]
            .contains(status),
            "a target's status: {status}"
        );
    }
    let before = targets(&browser).await;
    assert_accessible(&browser, "partnership").await;
    let desktop = browser.screenshot("dashboard-desktop").await;

    let weight = browser
        .script(
            "return performance.getEntriesByType('navigation')
                 .concat(performance.getEntriesByType('resource'))
                 .reduce((sum, entry) => sum + entry.transferSize, 0);",
            json!([]),
        )
        .await
        .as_u64()
        .unwrap();
    assert!(
        weight <= PAGE_WEIGHT_BUDGET,
        "the dashboard weighs {weight} bytes compressed"
    );

    open_screen(&browser, "outcomes", ".chart-figure table").await;
    assert_accessible(&browser, "outcomes").await;
    browser.screenshot("dashboard-outcomes").await;
    open_screen(&browser, "coverage", ".tile").await;
    assert_eq!(
        browser
            .script(
                "return document.querySelectorAll('.tile').length;",
                json!([])
            )
            .await,
        32,
        "one tile per council area"
    );
    assert_accessible(&browser, "coverage").await;
    browser.screenshot("dashboard-coverage").await;

    open_screen(&browser, "evidence", "#queue-count").await;
    assert!(
        browser
            .text("#queue-count")
            .await
            .starts_with(&format!("{waiting} submissions waiting"))
    );
    assert_accessible(&browser, "review queue").await;
    browser.screenshot("dashboard-review-queue").await;
    browser
        .wait_for(&format!(
            "[data-submission-id='{submission_id}'] button.accept"
        ))
        .await
        .click()
        .await;
    browser
        .wait_until(
            "the queue shrank",
            "return document.getElementById('queue-count')?.innerText.startsWith(arguments[0])
                 && !document.querySelector(`[data-submission-id='${arguments[1]}']`);",
            json!([
                format!("{} submissions waiting", waiting - 1),
                submission_id
            ]),
        )
        .await;
    let status = app
        .gql_ok(
            &tokens["commissioner"],
            "query ($id: ID!) { submission(id: $id) { status } }",
            json!({ "id": submission_id }),
        )
        .await;
    assert_eq!(status["submission"]["status"], "ACCEPTED");

    open_screen(&browser, "partnership", ".target").await;
    let after = targets(&browser).await;
    assert_ne!(
        before, after,
        "accepting the evidence moved the partnership's target progress"
    );

    // Opened afresh, still signed in (the tab keeps the token): the first render's time.
    browser.resize(320, 900).await;
    browser.goto(&app.url("/dashboard")).await.unwrap();
    browser.wait_for(".target").await;
    let rendered = browser
        .script(
            "return performance.getEntriesByName('dashboard-rendered')[0].startTime;",
            json!([]),
        )
        .await;
    browser
        .wait_until(
            "the page fits 320 px",
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            json!([]),
        )
        .await;
    assert_accessible(&browser, "partnership at 320 px").await;
    let narrow = browser.screenshot("dashboard-320px").await;
    browser.resize(1280, 1000).await;

    let own = |token: &str| {
        let app = &app;
        let token = token.to_owned();
        async move {
            let data = app
                .gql_ok(
                    &token,
                    "{ participants(first: 100) { nodes { reference } } }",
                    json!({}),
                )
                .await;
            data["participants"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|node| node["reference"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let first_providers = own(&tokens["provider"]).await;
    let other_providers = own(&tokens["other provider"]).await;
    assert!(!first_providers.is_empty() && !other_providers.is_empty());
    // The other provider signs in the way a real user does: pasting a token.
    sign_out(&browser).await;
    browser
        .wait_for("#token")
        .await
        .send_keys(&tokens["other provider"])
        .await;
    browser.wait_for("form.sign-in button").await.click().await;
    browser.wait_for("#sign-out:not([hidden])").await;
    open_screen(&browser, "young-people", "#young-people-count").await;
    let page = browser.text("main").await;
    assert!(
        other_providers
            .iter()
            .all(|reference| page.contains(reference.as_str())),
        "the other provider sees its own young people"
    );
    for reference in &first_providers {
        assert!(
            !page.contains(reference.as_str()),
            "the other provider sees the first provider's {reference}"
        );
    }
    assert_accessible(&browser, "young people").await;
    open_screen(&browser, "evidence", "#submission-count").await;
    assert_accessible(&browser, "a provider's submissions").await;

    assert_no_policy_violations(&browser.console().await);
    eprintln!(
        "dashboard: {weight} bytes compressed; first screen rendered {rendered} ms after the \
         page started; screenshots {} and {}",
        desktop.display(),
        narrow.display()
    );
}

/// With every other host unreachable, GraphiQL and the dashboard still work, because all they
/// load comes from the binary; both pages carry the policy that keeps it so.
#[tokio::test]
async fn graphiql_and_the_dashboard_work_with_no_internet() {
    let Some(browser) = Browser::start(1280, 900).await else {
        return;
    };
    let (app, demo) = TestApp::sqlite_demo(&[("GRAPHIQL", "true")]).await;
    let tokens = demo_tokens(&app, &demo);
    for (path, policy) in [
        ("/graphql", api::server::pages::GRAPHIQL_CSP),
        ("/dashboard", api::server::pages::DASHBOARD_CSP),
    ] {
        let page = get(&app, path, &[("accept", "text/html")]).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(header(&page, "content-security-policy"), policy, "{path}");
        assert!(policy.starts_with("default-src 'self';"));
    }

    let outside = browser
        .goto("https://cdn.jsdelivr.net/npm/graphiql/graphiql.min.js")
        .await;
    assert!(outside.is_err(), "other hosts are unreachable: {outside:?}");

    browser.goto(&app.url("/graphql")).await.unwrap();
    browser.wait_for(".graphiql-container").await;
    browser
        .script(
            "const editors = [...document.querySelectorAll('.CodeMirror')]
                 .map((element) => element.CodeMirror);
             const query = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
             query.setValue('{ me { displayName } }');
             const headers = editors.find((editor) =>
                 editor.getValue().includes('PASTE_A_TOKEN_HERE'));
             headers.setValue(JSON.stringify({ Authorization: `Bearer ${arguments[0]}` }));",
            json!([tokens["viewer"]]),
        )
        .await;
    browser
        .wait_for(".graphiql-execute-button")
        .await
        .click()
        .await;
    let me = app
        .gql_ok(&tokens["viewer"], "{ me { displayName } }", json!({}))
        .await;
    browser
        .wait_until(
            "GraphiQL showed the answer",
            "return document.querySelector('.graphiql-response')?.innerText
                 .includes(arguments[0]) ?? false;",
            json!([me["me"]["displayName"]]),
        )
        .await;

    assert_no_policy_violations(&browser.console().await);

    browser.goto(&app.url("/dashboard")).await.unwrap();
    sign_in_as(&browser, "viewer").await;
    browser.wait_for(".target").await;
    assert_no_policy_violations(&browser.console().await);
}
