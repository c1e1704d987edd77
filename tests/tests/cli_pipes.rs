//! The CLI and its pipes: a reader that goes away (`cairn activity | head`, `… | true`) must not
//! turn a command into a crash (exit 101 after a payment went out makes a script retry and pay
//! twice). What the command did stands, and its exit status stays truthful.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Stdio;

use cairn_tests::wallet::{cli, cli_json};

/// Nothing listens here: these commands need no node.
const NO_NODE: &str = "http://127.0.0.1:9";

#[test]
fn a_closed_stdout_ends_no_command_with_a_panic() {
    let root = tempfile::tempdir().unwrap();
    cli_json(root.path(), NO_NODE, &["create"]);
    for args in [
        &["accounts"][..],
        &["accounts", "--json"],
        &["activity"],
        &["audit", "list"],
        &["status"],
    ] {
        let mut child = cli(root.path(), NO_NODE)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader is gone before the command writes (it first spends ~0.1 s on the password).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "cairn {args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "cairn {args:?}: {stderr}");
    }
}
