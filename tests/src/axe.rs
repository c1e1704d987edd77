//! Accessibility as axe-core (Deque's engine, pinned in ui/package-lock.json) judges it, run
//! inside the real window: the rules of WCAG 2.x A and AA (names, roles, contrast, landmarks,
//! focus order). Only serious and critical findings fail a test; each is reported with the
//! elements it names and axe's own summary of the fix.

use crate::webdriver::{Session, WebDriverError};

/// The axe-core build the UI's lockfile pins.
fn axe_source() -> std::io::Result<String> {
    std::fs::read_to_string(crate::repo_root().join("ui/node_modules/axe-core/axe.min.js"))
}

const RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"], runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] } })
  .then(r => done(r.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 4)
      .map(n => `    ${n.target.join(" ")} :: ${(n.failureSummary || "").replace(/\s+/g, " ").slice(0, 240)}`)
      .join("\n"))))
  .catch(e => done([`axe failed to run: ${e}`]));
"#;

/// The serious and critical accessibility findings on the screen shown now.
pub async fn violations(s: &Session) -> Result<Vec<String>, WebDriverError> {
    let loaded = s
        .execute("return typeof window.axe !== 'undefined'")
        .await?
        .as_bool()
        .unwrap_or(false);
    if !loaded {
        let source = axe_source().map_err(|e| {
            WebDriverError::Unexpected(format!("axe-core missing (run scripts/setup.sh): {e}"))
        })?;
        s.execute(&format!("{source}\n;return true")).await?;
    }
    let found = s.execute_async(RUN).await?;
    Ok(found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}
