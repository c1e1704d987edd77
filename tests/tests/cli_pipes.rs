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

/// The EIP-712 specification's `Mail` example on the devnet's chain.
const MAIL: &str = r#"{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},"primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":31337,"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},"message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}"#;

#[test]
fn signing_puts_the_signature_alone_on_stdout_and_refuses_what_it_cannot_show() {
    let root = tempfile::tempdir().unwrap();
    cli_json(root.path(), NO_NODE, &["create"]);
    let file = root.path().join("mail.json");
    std::fs::write(&file, MAIL).unwrap();
    let out = cli(root.path(), NO_NODE)
        .args(["sign", "typed-data", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().len(), 132, "only the signature: {stdout:?}");
    assert!(stdout.trim().starts_with("0x"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Hello, Bob!"));

    // 50 MB is not reviewed, and nothing of it is echoed.
    let huge = root.path().join("huge.json");
    std::fs::write(&huge, vec![b' '; 50 * 1024 * 1024]).unwrap();
    let out = cli(root.path(), NO_NODE)
        .args(["sign", "typed-data", huge.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than"));

    // `{}` and odd hex: plain errors, no signature.
    std::fs::write(&file, "{}").unwrap();
    let out = cli(root.path(), NO_NODE)
        .args(["sign", "typed-data", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("it has no \"types\""));
    let out = cli(root.path(), NO_NODE)
        .args(["sign", "message", "0xabc"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("whole hex bytes"));
}

#[test]
fn a_password_from_a_pipe_is_read_once_and_counts_no_failure() {
    use std::io::Write;
    let root = tempfile::tempdir().unwrap();
    cli_json(root.path(), NO_NODE, &["create"]);
    // `sign message` unlocks, then looks up the first account: one read of the pipe must do.
    let mut child = cli(root.path(), NO_NODE)
        .env_remove("CAIRN_PASSWORD")
        .args(["sign", "message", "hello", "--password-fd", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"crash test password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit = cli_json(root.path(), NO_NODE, &["audit", "list"]);
    let failed = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "unlock_failed")
        .count();
    assert_eq!(failed, 0, "{audit:#}");
}
