//! A headless Chromium for the browser tests, driven over WebDriver by Debian's `chromedriver`.
//!
//! The WebDriver calls the tests need (open a page, find, click, type, run a script, take a
//! screenshot) are a few JSON requests over HTTP, so they go through the `reqwest` client the
//! suite already has rather than a WebDriver crate and its TLS stack.
//!
//! Every browser resolves no host name but `127.0.0.1`, so a page that needed a CDN or any other
//! site would break here. Without `chromium` and `chromedriver` the browser tests say they were
//! skipped; `REQUIRE_BROWSER=1` (set by `.ci/run`) turns that into a failure.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A running chromedriver with one browser session; both end when it is dropped.
pub struct Browser {
    driver: Child,
    session: String,
    client: reqwest::Client,
}

/// An element of the current page.
pub struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium `width` × `height` pixels large, or `None`
    /// (with a note) when they are not installed and `REQUIRE_BROWSER` is not `1`.
    pub async fn start(width: u32, height: u32) -> Option<Self> {
        let installed = [CHROMIUM, CHROMEDRIVER]
            .iter()
            .all(|path| std::path::Path::new(path).exists());
        if !installed {
            if std::env::var("REQUIRE_BROWSER").is_ok_and(|value| value == "1") {
                panic!("REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing");
            }
            eprintln!(
                "skipped: the browser tests need Debian's chromium and chromium-driver \
                 (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("HTTP client");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while client.get(format!("{base}/status")).send().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--disable-extensions",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--window-size={width},{height}"),
                    // Offline but for this machine: any other host fails to resolve.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                ],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        }}});
        let answer: Value = client
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session answer");
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {answer}"))
            .to_owned();
        Some(Self {
            driver,
            session: format!("{base}/session/{session}"),
            client,
        })
    }

    /// A WebDriver command; its `value`, or the driver's error as `Err`.
    async fn command(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.session);
        let request = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url).json(&body),
        };
        let response = request.send().await.map_err(|err| err.to_string())?;
        let ok = response.status().is_success();
        let answer: Value = response.json().await.map_err(|err| err.to_string())?;
        if ok {
            Ok(answer["value"].clone())
        } else {
            Err(answer["value"]["message"]
                .as_str()
                .unwrap_or("unknown WebDriver error")
                .to_owned())
        }
    }

    /// Opens `url`; `Err` with the browser's reason when the page cannot be reached.
    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.command("POST", "/url", json!({ "url": url }))
            .await
            .map(|_| ())
    }

    /// Presses keys (WebDriver's key codes, e.g. `"\u{E004}"` for Tab) on whatever has the
    /// focus, as a keyboard-only user would.
    pub async fn press(&self, keys: &str) {
        let active = self
            .command("GET", "/element/active", Value::Null)
            .await
            .expect("an element has the focus");
        let id = active[ELEMENT].as_str().expect("element id");
        self.command(
            "POST",
            &format!("/element/{id}/value"),
            json!({ "text": keys }),
        )
        .await
        .expect("key press");
    }

    /// Resizes the window (the page's viewport follows).
    pub async fn resize(&self, width: u32, height: u32) {
        self.command(
            "POST",
            "/window/rect",
            json!({ "width": width, "height": height }),
        )
        .await
        .expect("resize");
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns what it returns.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": args }),
        )
        .await
        .unwrap_or_else(|err| panic!("script failed: {err}\n{script}"))
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1]` with its result.
    pub async fn script_async(&self, script: &str, args: Value) -> Value {
        self.command(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": args }),
        )
        .await
        .unwrap_or_else(|err| panic!("script failed: {err}"))
    }

    /// The first element matching `css` once one exists (waiting up to 15 s).
    pub async fn wait_for(&self, css: &str) -> Element<'_> {
        let started = Instant::now();
        loop {
            let found = self
                .command(
                    "POST",
                    "/element",
                    json!({ "using": "css selector", "value": css }),
                )
                .await;
            if let Ok(found) = found {
                return Element {
                    browser: self,
                    id: found[ELEMENT].as_str().expect("element id").to_owned(),
                };
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "no `{css}` on the page: {}",
                self.text("body").await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `condition` (a script returning a boolean) holds, for up to 15 s.
    pub async fn wait_until(&self, what: &str, condition: &str, args: Value) {
        let started = Instant::now();
        while self.script(condition, args.clone()).await != json!(true) {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{what} never happened; the page says: {}",
                self.text("body").await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The visible text of the first element matching `css` ("" when there is none).
    pub async fn text(&self, css: &str) -> String {
        self.command(
            "POST",
            "/execute/sync",
            json!({
                "script": "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                "args": [css],
            }),
        )
        .await
        .ok()
        .and_then(|text| text.as_str().map(str::to_owned))
        .unwrap_or_default()
    }

    /// The browser console's messages since the last call.
    pub async fn console(&self) -> Vec<String> {
        self.command("POST", "/se/log", json!({ "type": "browser" }))
            .await
            .expect("browser log")
            .as_array()
            .expect("log entries")
            .iter()
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Saves a PNG of the top of the page under the build's target directory, and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.script("window.scrollTo(0, 0);", json!([])).await;
        let encoded = self
            .command("GET", "/screenshot", Value::Null)
            .await
            .expect("screenshot");
        let png = decode_base64(encoded.as_str().expect("base64 PNG"));
        let dir = target_dir().join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot written");
        path
    }
}

impl Element<'_> {
    pub async fn click(&self) {
        self.browser
            .command("POST", &format!("/element/{}/click", self.id), json!({}))
            .await
            .expect("click");
    }

    /// Types `text` into the element.
    pub async fn send_keys(&self, text: &str) {
        self.browser
            .command(
                "POST",
                &format!("/element/{}/value", self.id),
                json!({ "text": text }),
            )
            .await
            .expect("typing");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending chromedriver ends its browser too.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The build's target directory (`target/` or `CARGO_TARGET_DIR`): this test binary lives in
/// its `debug/deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors()
        .nth(3)
        .expect("target directory above debug/deps")
        .to_path_buf()
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |byte: u8| match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {byte}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace() && *byte != b'=')
        .map(value)
        .collect();
    digits
        .chunks(4)
        .flat_map(|chunk| {
            let bits = chunk.iter().enumerate().fold(0u32, |bits, (i, digit)| {
                bits | u32::from(*digit) << (18 - 6 * i)
            });
            let bytes = bits.to_be_bytes();
            bytes[1..chunk.len()].to_vec()
        })
        .collect()
}
