//! Everything the CLI prints: a result as text or as `--json`, the `{"ok": ...}` answer of
//! commands that return nothing else, the error envelope on stderr with the exit status, and
//! the text forms (operation lines, risk reports) that several commands share.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use crate::error::CliError;

/// Text or JSON, as `--json` says.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Output { json }
    }

    /// A result on stdout: pretty JSON, or the text `text` makes of it.
    pub fn print<T: Serialize>(self, value: &T, text: impl FnOnce(&T) -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(s) => out_line(&s),
                Err(e) => err_line(&format!("cairn: could not encode the output: {e}")),
            }
        } else {
            out_line(&text(value));
        }
    }

    /// Text for the person at the terminal, not for a script: on stderr, and only without
    /// `--json` (where it is part of the JSON answer instead).
    pub fn note(self, text: &str) {
        if !self.json {
            err_line(text);
        }
    }

    /// The answer of a command that has nothing to show but that it worked.
    pub fn ok(self, what: &str) {
        self.print(&serde_json::json!({ "ok": what }), |_| what.to_string());
    }

    /// The exit status of a run; a failure is first printed on stderr, as one line of JSON
    /// with `--json` so scripts can read its code.
    pub fn exit(self, result: Result<(), CliError>) -> ExitCode {
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                if self.json {
                    let err = serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } });
                    err_line(&err.to_string());
                } else {
                    err_line(&format!("cairn: {e}"));
                }
                e.exit_code()
            }
        }
    }
}

/// A line on stdout. A reader that went away (`| head`, `| true`) is not the command's failure:
/// what the command did (a payment sent, say) stands, and the exit status says how it ended.
fn out_line(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// A line on stderr, as quietly.
fn err_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// One line per operation, as `activity` lists them and a send reports its own.
pub fn operation_line(o: &cairn_api::Operation) -> String {
    format!(
        "#{:<4} {:<12} {:>20} {:<8} to {}  nonce {}  {}{}",
        o.id,
        o.state,
        o.amount,
        o.symbol,
        o.to,
        o.nonce.map(|n| n.to_string()).unwrap_or("-".into()),
        o.hash.as_deref().unwrap_or("-"),
        o.error
            .as_deref()
            .map(|e| format!("  ({e})"))
            .unwrap_or_default()
    )
}

/// A risk report as text lines under a quote.
pub fn risk_text(r: &cairn_api::RiskReport) -> String {
    let mut lines = vec![format!(
        "\nrisk score {} (simulated with {}{})",
        r.score,
        r.simulation.method,
        if r.simulation.success {
            ""
        } else {
            ": it would fail"
        }
    )];
    for c in &r.simulation.changes {
        lines.push(format!("  balance change: {} {}", c.amount, c.symbol));
    }
    for a in &r.simulation.approvals {
        lines.push(format!(
            "  approval: {} {} to {}",
            a.amount,
            a.symbol.as_deref().unwrap_or(&a.token),
            a.spender
        ));
    }
    for w in &r.warnings {
        lines.push(format!("  {}: {}", w.severity.to_uppercase(), w.message));
    }
    if let Some(u) = &r.simulation.unchecked {
        lines.push(format!("  not checked: {u}"));
    }
    lines.join("\n")
}
