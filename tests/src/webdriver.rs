//! A small W3C WebDriver client: just what the GUI tests use (session, find, click, type, read
//! text, screenshot). tauri-driver speaks this protocol and forwards to WebKitWebDriver.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

/// The W3C key of an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

#[derive(Debug, thiserror::Error)]
pub enum WebDriverError {
    #[error("HTTP to the WebDriver server failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("WebDriver error {error}: {message}")]
    Protocol { error: String, message: String },
    #[error("unexpected WebDriver reply: {0}")]
    Unexpected(String),
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    #[error("screenshot: {0}")]
    Screenshot(String),
}

#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

#[derive(Debug, Clone)]
pub struct Element(String);

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, WebDriverError> {
    let mut req = http.request(method, url);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let reply: Value = req.send().await?.json().await?;
    let value = reply.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        return Err(WebDriverError::Protocol {
            error: error.to_string(),
            message: value
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        });
    }
    Ok(value)
}

impl Session {
    /// Opens a session on the WebDriver server at `base` (e.g. `http://127.0.0.1:4444`).
    pub async fn new(base: &str, capabilities: Value) -> Result<Session, WebDriverError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let value = call(
            &http,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )
        .await?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| WebDriverError::Unexpected(value.to_string()))?
            .to_string();
        Ok(Session {
            http,
            base: base.to_string(),
            id,
        })
    }

    async fn cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WebDriverError> {
        call(
            &self.http,
            method,
            &format!("{}/session/{}{}", self.base, self.id, path),
            body,
        )
        .await
    }

    /// The element matching a CSS selector, if there is one now.
    pub async fn find(&self, css: &str) -> Result<Option<Element>, WebDriverError> {
        match self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await
        {
            Ok(v) => Ok(v
                .get(ELEMENT_KEY)
                .and_then(Value::as_str)
                .map(|id| Element(id.to_string()))),
            Err(WebDriverError::Protocol { error, .. }) if error == "no such element" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, WebDriverError> {
        let start = Instant::now();
        loop {
            if let Some(el) = self.find(css).await? {
                return Ok(el);
            }
            if start.elapsed() > timeout {
                return Err(WebDriverError::Timeout(timeout, css.to_string()));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reads a string every 100 ms until `pred` holds for it; `what` names it on a timeout,
    /// with the last string read.
    async fn poll_string(
        &self,
        what: String,
        timeout: Duration,
        mut read: impl AsyncFnMut() -> Result<Option<String>, WebDriverError>,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, WebDriverError> {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            if let Some(v) = read().await? {
                if pred(&v) {
                    return Ok(v);
                }
                last = v;
            }
            if start.elapsed() > timeout {
                return Err(WebDriverError::Timeout(
                    timeout,
                    format!("{what} (last: {last:?})"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element matching `css` has text satisfying `pred`; returns that text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, WebDriverError> {
        let read = async || match self.find(css).await? {
            // The element may be re-rendered between find and read: read again next time.
            Some(el) => Ok(self.text(&el).await.ok()),
            None => Ok(None),
        };
        self.poll_string(format!("text of {css}"), timeout, read, pred)
            .await
    }

    /// Waits until the form field matching `css` holds a value satisfying `pred` (a field the
    /// UI fills or clears after a click); returns that value.
    pub async fn wait_for_value(
        &self,
        css: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String, WebDriverError> {
        let script = format!(
            "const e = document.querySelector({}); return e ? e.value : null",
            serde_json::to_string(css).unwrap_or_default()
        );
        let read = async || Ok(self.execute(&script).await?.as_str().map(str::to_string));
        self.poll_string(format!("value of {css}"), timeout, read, pred)
            .await
    }

    /// Waits for the element matching `css` (up to `timeout`), then clicks it.
    pub async fn click_on(&self, css: &str, timeout: Duration) -> Result<(), WebDriverError> {
        let el = self.wait_for(css, timeout).await?;
        self.click(&el).await
    }

    /// Waits for the element matching `css` (up to `timeout`), then types `text` into it.
    pub async fn type_into(
        &self,
        css: &str,
        text: &str,
        timeout: Duration,
    ) -> Result<(), WebDriverError> {
        let el = self.wait_for(css, timeout).await?;
        self.type_text(&el, text).await
    }

    /// Clicks `el` as a person would: scrolled to the middle of the window first, where no
    /// fixed bar (the phone layout's navigation) covers it.
    pub async fn click(&self, el: &Element) -> Result<(), WebDriverError> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({
                "script": "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})",
                "args": [{ELEMENT_KEY: el.0}],
            })),
        )
        .await?;
        // Something passing over the element (a notice sliding in, a card re-rendering) makes
        // the click land elsewhere: WebDriver refuses it rather than click the wrong thing, and
        // a person would wait a moment and click again — so does this, for up to 3 s.
        let mut tries = 0;
        loop {
            match self
                .cmd(
                    reqwest::Method::POST,
                    &format!("/element/{}/click", el.0),
                    Some(json!({})),
                )
                .await
            {
                Err(WebDriverError::Protocol { error, .. })
                    if error == "element click intercepted" && tries < 10 =>
                {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                other => return other.map(|_| ()),
            }
        }
    }

    pub async fn type_text(&self, el: &Element, text: &str) -> Result<(), WebDriverError> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", el.0),
            Some(json!({"text": text})),
        )
        .await
        .map(|_| ())
    }

    pub async fn text(&self, el: &Element) -> Result<String, WebDriverError> {
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{}/text", el.0),
                None,
            )
            .await?;
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| WebDriverError::Unexpected(v.to_string()))
    }

    /// Runs a script in the page and returns its result.
    pub async fn execute(&self, script: &str) -> Result<Value, WebDriverError> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs an asynchronous script (it calls its last argument with the result) and returns
    /// what it passed.
    pub async fn execute_async(&self, script: &str) -> Result<Value, WebDriverError> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Resizes the window, as a user dragging its corner (or a phone's screen) would.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<(), WebDriverError> {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await
        .map(|_| ())
    }

    /// A PNG of the window's viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>, WebDriverError> {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await?;
        let b64 = v
            .as_str()
            .ok_or_else(|| WebDriverError::Screenshot("no image in the reply".into()))?;
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| WebDriverError::Screenshot(e.to_string()))
    }

    pub async fn close(self) -> Result<(), WebDriverError> {
        call(
            &self.http,
            reqwest::Method::DELETE,
            &format!("{}/session/{}", self.base, self.id),
            None,
        )
        .await
        .map(|_| ())
    }
}
