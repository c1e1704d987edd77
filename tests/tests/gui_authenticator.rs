//! The real app's passkeys through the device's authenticator (`tauri-plugin-webauthn`, which on
//! Linux speaks CTAP2 to USB security keys), with no software stand-in: this machine has no key
//! plugged in, so what a user without one sees is what is checked. Settings offers passkeys
//! (the plugin is there); making one asks the authenticator through the plugin, a sheet over
//! the screen says to confirm on it while it waits, and when no key answers (the wait cut to
//! 3 s here) the card says the authenticator refused, the sheet goes and nothing is kept.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::gui::{app_binary, Display, Driver};
use cairn_tests::webdriver::Session;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);
const PHRASE: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
const PASSWORD: &str = "authenticator test password 9fq";

#[tokio::test]
async fn without_a_security_key_the_authenticator_says_so_and_nothing_is_kept() {
    cairn_tests::init_tls();
    let app = app_binary().expect("app binary");
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let data_dir = tempfile::tempdir().unwrap();
    let display = Display::start().expect("Xvfb");
    let driver = Driver::start(
        &display,
        &[
            ("CAIRN_DATA_DIR", data_dir.path().display().to_string()),
            ("CAIRN_RPC_URL", devnet.endpoints.rpc_url.clone()),
            ("CAIRN_UNDER_WEBDRIVER", "1".into()),
            ("CAIRN_PASSKEY_TIMEOUT_MS", "3000".into()),
        ],
    )
    .await
    .expect("tauri-driver");
    let s = Session::new(
        &driver.url,
        json!({"browserName": "wry", "tauri:options": {"application": app.display().to_string()}}),
    )
    .await
    .expect("WebDriver session on the app");

    s.click_on("#tab-import", WAIT).await.unwrap();
    s.type_into("#import-secret", PHRASE, WAIT).await.unwrap();
    s.type_into("#password", PASSWORD, WAIT).await.unwrap();
    s.type_into("#password-confirm", PASSWORD, WAIT)
        .await
        .unwrap();
    s.click_on("#create", WAIT).await.unwrap();
    s.wait_for_text("#address", WAIT, |t| t.starts_with("0x"))
        .await
        .unwrap();

    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.wait_for("#passkey-label", WAIT).await.unwrap();
    assert_eq!(
        s.execute("return !!document.getElementById('passkeys-unavailable')")
            .await
            .unwrap(),
        json!(false),
        "the plugin is this device's authenticator"
    );
    s.type_into("#passkey-label", "YubiKey", WAIT)
        .await
        .unwrap();
    s.click_on("#passkey-make", WAIT).await.unwrap();
    let waiting = s
        .wait_for_text("#authenticator-waiting", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(waiting.contains("security key"), "{waiting}");
    let out = cairn_tests::output_dir();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("gui-authenticator-waiting.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    let refused = s
        .wait_for_text("#passkey-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(refused.contains("authenticator"), "{refused}");
    let mut gone = json!(true);
    for _ in 0..40 {
        gone = s
            .execute("return !!document.getElementById('authenticator-prompt')")
            .await
            .unwrap();
        if gone == json!(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        gone,
        json!(false),
        "the sheet goes when the authenticator gave up"
    );
    assert!(
        s.execute("return !!document.getElementById('passkeys-none')")
            .await
            .unwrap()
            == json!(true),
        "no passkey was kept"
    );
}
