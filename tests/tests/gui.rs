//! The real app in a real WebKit window under Xvfb, driven by WebDriver (tauri-driver →
//! WebKitWebDriver): create a wallet with a password, confirm the backup, see the first
//! account's EIP-55 address and its balance from the devnet, fund it, lock and unlock.
//! Screenshots go to test-output/ (or CAIRN_TEST_OUTPUT).

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cairn_core::units;
use cairn_tests::axe;
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::gui::{app_binary, Display, Driver};
use cairn_tests::webdriver::Session;
use secrecy::SecretString;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn create_wallet_see_address_and_balance_in_the_window() {
    cairn_tests::init_tls();
    let app = app_binary().expect("app binary");
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let data_dir = tempfile::tempdir().unwrap();
    let display = Display::start().expect("Xvfb");
    let driver = Driver::start(
        &display,
        &[
            ("CAIRN_DATA_DIR", data_dir.path().display().to_string()),
            ("CAIRN_RPC_URL", devnet.endpoints.rpc_url.clone()),
            // WebKitWebDriver ends its session with the page's process: keep it on lock.
            ("CAIRN_UNDER_WEBDRIVER", "1".into()),
            // The test build's software passkey authenticator stands in for the platform one.
            ("CAIRN_SOFT_PASSKEYS", "1".into()),
            (
                "CAIRN_BUNDLER_URL",
                devnet.endpoints.bundler_url.clone().unwrap_or_default(),
            ),
            (
                "CAIRN_PAYMASTER_URL",
                devnet.endpoints.paymaster_url.clone().unwrap_or_default(),
            ),
        ],
    )
    .await
    .expect("tauri-driver");
    let out = cairn_tests::output_dir();
    std::fs::create_dir_all(&out).unwrap();

    let started = std::time::Instant::now();
    let s = Session::new(
        &driver.url,
        json!({"browserName": "wry", "tauri:options": {"application": app.display().to_string()}}),
    )
    .await
    .expect("WebDriver session on the app");

    // Onboarding: a mismatched confirmation is caught before anything is created.
    let password = s.wait_for("#password", WAIT).await.unwrap();
    println!("first screen interactive after {:?}", started.elapsed());
    accessible(&s, "onboarding").await;
    // A password a guessing list starts with is refused as it is typed.
    s.type_text(&password, "Password1!").await.unwrap();
    let weak = s
        .wait_for_text("#password-strength", WAIT, |t| t.starts_with("Too weak"))
        .await
        .unwrap();
    assert!(weak.contains("most used"), "{weak}");
    assert_eq!(
        s.execute("return document.getElementById('create').disabled")
            .await
            .unwrap(),
        json!(true)
    );
    s.execute("document.getElementById('password').value = ''")
        .await
        .unwrap();
    s.type_text(&password, "correct horse battery")
        .await
        .unwrap();
    s.wait_for_text("#password-strength", WAIT, |t| t.starts_with("Strength"))
        .await
        .unwrap();
    s.type_into("#password-confirm", "correct horse batterY", WAIT)
        .await
        .unwrap();
    s.click_on("#create", WAIT).await.unwrap();
    let error = s
        .wait_for_text("#error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("differ"), "{error}");
    assert!(!data_dir.path().join("profiles/default/vault.json").exists());

    let confirm = s.wait_for("#password-confirm", WAIT).await.unwrap();
    s.execute("document.getElementById('password-confirm').value = ''")
        .await
        .unwrap();
    s.type_text(&confirm, "correct horse battery")
        .await
        .unwrap();
    // The input event must reach Yew's state, so type rather than set the value.
    let value = s
        .execute("return document.getElementById('password-confirm').value")
        .await
        .unwrap();
    assert_eq!(value, json!("correct horse battery"));
    s.click_on("#create", WAIT).await.unwrap();

    // Backup: the words shown are the wallet's real BIP-39 phrase.
    s.wait_for("#backup-words li", WAIT).await.unwrap();
    let words = s
        .execute("return Array.from(document.querySelectorAll('#backup-words li')).map(li => li.textContent).join(' ')")
        .await
        .unwrap();
    let words = words.as_str().unwrap().to_string();
    assert_eq!(words.split(' ').count(), 12, "{words}");
    let phrase = SecretString::from(words);
    accessible(&s, "backup").await;
    let expected = units::format_address(&cairn_tests::wallet::reference_address(
        secrecy::ExposeSecret::expose_secret(&phrase),
        "",
        0,
    ));
    // "Back up later": the dashboard reminds (the word check comes after the next unlock).
    s.click_on("#backup-later", WAIT).await.unwrap();
    s.wait_for("#backup-reminder", WAIT).await.unwrap();

    // Dashboard: the derived EIP-55 address and its balance read from the devnet.
    let address = s
        .wait_for_text("#address", WAIT, |t| t.starts_with("0x"))
        .await
        .unwrap();
    assert_eq!(address, expected);
    let balance = s
        .wait_for_text("#balance", WAIT, |t| t.ends_with("ETH"))
        .await
        .unwrap();
    assert_eq!(balance, "0.0 ETH");
    s.click_on("#fund", WAIT).await.unwrap();
    let balance = s
        .wait_for_text("#balance", WAIT, |t| t == "10.0 ETH")
        .await
        .unwrap();
    assert_eq!(balance, "10.0 ETH");
    // The home screen's total: 10 ETH at the devnet feed's $3,000, read on chain.
    s.wait_for_text("#portfolio-total", WAIT, |t| t == "$30,000.00")
        .await
        .unwrap();
    let origin = s
        .wait_for_text("#portfolio-origin", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(origin.contains("Chainlink"), "{origin}");
    accessible(&s, "home").await;
    // In euros, from Settings: the EUR/USD feed's 1.08.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#price-currency option[value='EUR']", WAIT)
        .await
        .unwrap();
    s.click_on("#price-save", WAIT).await.unwrap();
    s.wait_for("#price-saved", WAIT).await.unwrap();
    s.wait_for_text("#price-ETH", WAIT, |t| t.contains("3000.0"))
        .await
        .unwrap();
    accessible(&s, "settings").await;
    // Dark mode from Appearance: the palette changes at once, and it is as readable (contrast
    // included) as the light one.
    s.click_on("#theme option[value='dark']", WAIT)
        .await
        .unwrap();
    let theme = "return [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]";
    assert_eq!(
        s.execute(theme).await.unwrap(),
        json!(["dark", "rgb(18, 21, 28)"])
    );
    std::fs::write(out.join("gui-dark.png"), s.screenshot().await.unwrap()).unwrap();
    accessible(&s, "settings, dark").await;
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    s.wait_for("#portfolio-total", WAIT).await.unwrap();
    std::fs::write(out.join("gui-dark-home.png"), s.screenshot().await.unwrap()).unwrap();
    accessible(&s, "home, dark").await;
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#theme option[value='system']", WAIT)
        .await
        .unwrap();
    assert_eq!(s.execute(theme).await.unwrap()[0], json!("light"));
    // German from Appearance: the places speak it at once (Settings stays up), <html lang>
    // follows for assistive technology, and the screens are as accessible as in English.
    s.click_on("#language option[value='de']", WAIT)
        .await
        .unwrap();
    s.wait_for_text("#nav-settings", WAIT, |t| t == "Einstellungen")
        .await
        .unwrap();
    s.wait_for_text("#appearance h2", WAIT, |t| t == "Darstellung")
        .await
        .unwrap();
    assert_eq!(
        s.execute("return document.documentElement.lang")
            .await
            .unwrap(),
        json!("de")
    );
    std::fs::write(
        out.join("gui-german-settings.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    accessible(&s, "settings, German").await;
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    s.wait_for_text("#nav-accounts", WAIT, |t| t == "Start")
        .await
        .unwrap();
    s.wait_for("#portfolio-total", WAIT).await.unwrap();
    std::fs::write(
        out.join("gui-german-home.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    accessible(&s, "home, German").await;
    s.click_on("#nav-send", WAIT).await.unwrap();
    s.wait_for("#send-to", WAIT).await.unwrap();
    std::fs::write(
        out.join("gui-german-send.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#language option[value='en']", WAIT)
        .await
        .unwrap();
    s.wait_for_text("#nav-settings", WAIT, |t| t == "Settings")
        .await
        .unwrap();
    std::fs::write(out.join("gui-prices.png"), s.screenshot().await.unwrap()).unwrap();
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    s.wait_for_text("#portfolio-total", WAIT, |t| t == "€27,777.77")
        .await
        .unwrap();
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#price-currency option[value='USD']", WAIT)
        .await
        .unwrap();
    s.click_on("#price-save", WAIT).await.unwrap();
    s.wait_for("#price-saved", WAIT).await.unwrap();
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    s.wait_for_text("#portfolio-total", WAIT, |t| t == "$30,000.00")
        .await
        .unwrap();
    let network = s
        .wait_for_text("#network", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(network.contains("31337"), "{network}");

    let shot = s.screenshot().await.unwrap();
    assert!(shot.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(out.join("gui-dashboard.png"), &shot).unwrap();
    display
        .screenshot(&out.join("gui-dashboard-screen.png"))
        .unwrap();
    println!("screenshots in {}", out.display());

    // Phone-sized: the same screen fits a 390×844 window without sideways scrolling.
    s.set_window_size(390, 844).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fits = s
        .execute("return [window.innerWidth, document.documentElement.scrollWidth]")
        .await
        .unwrap();
    let (inner, scroll) = (fits[0].as_u64().unwrap(), fits[1].as_u64().unwrap());
    assert!(inner <= 390, "the window did not shrink: {inner}");
    assert!(
        scroll <= inner,
        "content overflows a phone-width window: {scroll} > {inner}"
    );
    std::fs::write(out.join("gui-phone.png"), s.screenshot().await.unwrap()).unwrap();

    // Lock; a wrong password is refused with a clear message and a visible wait, during which
    // the button is disabled; after it, the right password unlocks.
    s.click_on("#lock", WAIT).await.unwrap();
    s.wait_for("#unlock-password", WAIT).await.unwrap();
    accessible(&s, "unlock").await;
    s.type_into("#unlock-password", "wrong password", WAIT)
        .await
        .unwrap();
    s.click_on("#unlock", WAIT).await.unwrap();
    let error = s
        .wait_for_text("#error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("password is wrong"), "{error}");
    let wait = s
        .wait_for_text("#retry-wait", WAIT, |t| t.contains("try again in"))
        .await
        .unwrap();
    assert!(wait.contains("1 s"), "{wait}");
    assert_eq!(
        s.execute(UNLOCK_DISABLED).await.unwrap(),
        json!(true),
        "unlock allowed during the wait"
    );
    std::fs::write(
        out.join("gui-unlock-delay.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    // The countdown ends and the button comes back by itself.
    unlock_comes_back(&s).await;
    s.type_into("#unlock-password", "correct horse battery", WAIT)
        .await
        .unwrap();
    s.click_on("#unlock", WAIT).await.unwrap();
    let again = s
        .wait_for_text("#address", WAIT, |t| t.starts_with("0x"))
        .await
        .unwrap();
    assert_eq!(again, expected);
    s.wait_for_text("#balance", WAIT, |t| t == "10.0 ETH")
        .await
        .unwrap();

    // The reminder outlived the lock. Back up now: the password, the same words, then the
    // check — a wrong word is named by its position, the right ones end the reminder.
    s.wait_for("#backup-reminder", WAIT).await.unwrap();
    s.click_on("#backup-now", WAIT).await.unwrap();
    s.type_into("#backup-password", "correct horse battery", WAIT)
        .await
        .unwrap();
    s.click_on("#backup-show", WAIT).await.unwrap();
    s.wait_for("#backup-words li", WAIT).await.unwrap();
    let shown = s
        .execute("return Array.from(document.querySelectorAll('#backup-words li')).map(li => li.textContent).join(' ')")
        .await
        .unwrap();
    assert_eq!(
        shown.as_str(),
        Some(secrecy::ExposeSecret::expose_secret(&phrase))
    );
    s.click_on("#backup-written", WAIT).await.unwrap();
    s.wait_for("#check-word-2", WAIT).await.unwrap();
    assert!(
        s.find("#backup-words").await.unwrap().is_none(),
        "the words stay on screen during the check"
    );
    let positions = s
        .execute("return Array.from(document.querySelectorAll('#word-check input')).map(i => Number(i.dataset.position))")
        .await
        .unwrap();
    let positions: Vec<usize> = positions
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as usize)
        .collect();
    let all: Vec<&str> = secrecy::ExposeSecret::expose_secret(&phrase)
        .split(' ')
        .collect();
    for (i, p) in positions.iter().enumerate() {
        let word = if i == 0 { "notaword" } else { all[p - 1] };
        s.type_into(&format!("#check-word-{i}"), word, WAIT)
            .await
            .unwrap();
    }
    s.click_on("#check-words", WAIT).await.unwrap();
    let error = s
        .wait_for_text("#check-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains(&format!("word {}", positions[0])), "{error}");
    std::fs::write(
        out.join("gui-backup-check.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.execute("document.getElementById('check-word-0').value = ''")
        .await
        .unwrap();
    s.type_into("#check-word-0", all[positions[0] - 1], WAIT)
        .await
        .unwrap();
    s.click_on("#check-words", WAIT).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while s.find("#backup-reminder").await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "the reminder stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Export asks for the password again, even though the wallet is unlocked.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.type_into("#export-password", "not my password", WAIT)
        .await
        .unwrap();
    s.click_on("#export", WAIT).await.unwrap();
    let error = s
        .wait_for_text("#settings-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("password is wrong"), "{error}");
    assert!(
        s.find("#export-words").await.unwrap().is_none(),
        "words shown without the password"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await; // the attempt delay
    s.type_into("#export-password", "correct horse battery", WAIT)
        .await
        .unwrap();
    s.click_on("#export", WAIT).await.unwrap();
    s.wait_for("#export-words li", WAIT).await.unwrap();
    let exported = s
        .execute("return Array.from(document.querySelectorAll('#export-words li')).map(li => li.textContent).join(' ')")
        .await
        .unwrap();
    assert_eq!(
        exported.as_str().unwrap(),
        secrecy::ExposeSecret::expose_secret(&phrase)
    );
    std::fs::write(out.join("gui-export.png"), s.screenshot().await.unwrap()).unwrap();
    s.click_on("#export-hide", WAIT).await.unwrap();

    // The audit log page lists what happened, newest first, and the chain verifies.
    s.click_on("#nav-audit", WAIT).await.unwrap();
    s.wait_for_text("#audit-intact", WAIT, |t| t.contains("intact"))
        .await
        .unwrap();
    accessible(&s, "audit log").await;
    let events = s
        .execute("return Array.from(document.querySelectorAll('#audit-table td.event')).map(td => td.textContent)")
        .await
        .unwrap();
    let events: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        vec![
            "export",
            "export",
            "backup_checked",
            // The backup's own showing of the words, after the password.
            "export",
            "unlock",
            "unlock_failed",
            "lock",
            // The currency, to euros and back.
            "setting_changed",
            "setting_changed",
            "wallet_created"
        ],
        "audit log as shown"
    );
    std::fs::write(out.join("gui-audit.png"), s.screenshot().await.unwrap()).unwrap();

    // Profiles: lock, open a new empty profile (its own onboarding), then go back to the first,
    // which asks for its password again and still holds the same account.
    s.click_on("#lock", WAIT).await.unwrap();
    s.wait_for("#profile-select", WAIT).await.unwrap();
    let options = "return Array.from(document.querySelectorAll('#profile-select option'))\
                   .map(o => o.value + (o.selected ? '*' : ''))";
    assert_eq!(s.execute(options).await.unwrap(), json!(["default*"]));
    s.type_into("#new-profile", "Work!", WAIT).await.unwrap();
    s.click_on("#create-profile", WAIT).await.unwrap();
    let refused = s
        .wait_for_text("#profile-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(refused.contains("profile name"), "{refused}");
    // The field is controlled: replace its text through an input event so Yew sees it.
    s.execute(
        "const f = document.getElementById('new-profile'); f.value = 'work'; \
         f.dispatchEvent(new Event('input', {bubbles: true}))",
    )
    .await
    .unwrap();
    s.click_on("#create-profile", WAIT).await.unwrap();
    s.wait_for("#password-confirm", WAIT).await.unwrap();
    assert_eq!(
        s.execute(options).await.unwrap(),
        json!(["default", "work*"])
    );
    std::fs::write(out.join("gui-profiles.png"), s.screenshot().await.unwrap()).unwrap();
    s.execute(
        "const p = document.getElementById('profile-select'); p.value = 'default'; \
         p.dispatchEvent(new Event('change', {bubbles: true}))",
    )
    .await
    .unwrap();
    s.type_into("#unlock-password", "correct horse battery", WAIT)
        .await
        .unwrap();
    s.click_on("#unlock", WAIT).await.unwrap();
    let back = s
        .wait_for_text("#address", WAIT, |t| t.starts_with("0x"))
        .await
        .unwrap();
    assert_eq!(back, expected);

    // Send 1 ETH: form → review (the core's quote) → confirm; the activity list follows the
    // operation live. Automine is paused so the pending state is there to be seen.
    let before = activity_ids(&s).await;
    let rpc_url = devnet.endpoints.rpc_url.clone();
    let node = |method: &'static str, params: serde_json::Value| {
        let url = rpc_url.clone();
        async move {
            reqwest::Client::new()
                .post(&url)
                .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    s.wait_for_text("#sync-status", WAIT, |t| t.starts_with("Online"))
        .await
        .unwrap();
    node("evm_setAutomine", json!([false])).await;
    s.click_on("#nav-send", WAIT).await.unwrap();
    s.type_into(
        "#send-to",
        "0x000000000000000000000000000000000000bEEF",
        WAIT,
    )
    .await
    .unwrap();
    // Too much is refused as it is typed (Review stays off); Max fills the balance less the
    // fee, and the total is the whole balance.
    s.wait_for_text("#send-available", WAIT, |t| t == "Available: 10.0 ETH")
        .await
        .unwrap();
    s.type_into("#send-amount", "100", WAIT).await.unwrap();
    let problem = s
        .wait_for_text("#send-amount-problem", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert_eq!(problem, "more than the 10.0 ETH available");
    accessible(&s, "send").await;
    let review_off = "return document.getElementById('send-review-button').disabled";
    assert_eq!(s.execute(review_off).await.unwrap(), json!(true));
    std::fs::write(
        out.join("gui-send-overspend.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#send-max", WAIT).await.unwrap();
    s.wait_for_text("#send-total", WAIT, |t| t == "up to 10.0 ETH")
        .await
        .unwrap();
    let max = s
        .execute("return document.getElementById('send-amount').value")
        .await
        .unwrap();
    let max = max.as_str().unwrap().to_string();
    assert!(max.starts_with("9.99"), "{max}");
    assert!(s.find("#send-amount-problem").await.unwrap().is_none());
    assert_eq!(s.execute(review_off).await.unwrap(), json!(false));
    // A fresh form for the payment below.
    s.click_on("#nav-receive", WAIT).await.unwrap();
    s.click_on("#nav-send", WAIT).await.unwrap();
    s.type_into(
        "#send-to",
        "0x000000000000000000000000000000000000bEEF",
        WAIT,
    )
    .await
    .unwrap();
    s.type_into("#send-amount", "1", WAIT).await.unwrap();
    click_review(&s).await;
    let reviewed = s
        .wait_for_text("#review-amount", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert_eq!(reviewed, "1.0 ETH");
    let fee = s
        .wait_for_text("#review-fee", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(fee.contains("gas 21000"), "{fee}");
    // What leaves, in the user's currency too: 1 ETH at the devnet feed's $3,000.
    s.wait_for_text("#review-amount-fiat", WAIT, |t| t == "≈ $3,000.00")
        .await
        .unwrap();
    accessible(&s, "send review").await;
    std::fs::write(
        out.join("gui-send-review.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#send-confirm", WAIT).await.unwrap();
    let row = new_row(&s, &before).await;
    let pending = s
        .wait_for_text(&format!("{row} .state"), WAIT, |t| t == "submitted")
        .await
        .unwrap();
    assert_eq!(pending, "submitted");
    accessible(&s, "activity").await;
    std::fs::write(
        out.join("gui-activity-pending.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    // Speed up: the new fee is shown before anything is signed; after it, the payment is one
    // line (the replacement in its original's place), marked as sped up.
    s.click_on(&format!("{row} .speed-up"), WAIT).await.unwrap();
    let new_fee = s
        .wait_for_text(&format!("{row} .replace-fee"), WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(
        new_fee.starts_with("up to 0.") && new_fee.ends_with(" ETH"),
        "{new_fee}"
    );
    std::fs::write(
        out.join("gui-speed-up-confirm.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    let before_speed_up = ids_now(&s).await;
    s.click_on(&format!("{row} .confirm-replace-button"), WAIT)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    let row = loop {
        let now = ids_now(&s).await;
        if !now.contains(&row.trim_start_matches('#').to_string()) {
            let fresh: Vec<&String> = now
                .iter()
                .filter(|i| !before_speed_up.contains(i))
                .collect();
            assert_eq!(fresh.len(), 1, "{now:?}");
            assert_eq!(now.len(), before_speed_up.len(), "a second line: {now:?}");
            break format!("#{}", fresh[0]);
        }
        assert!(std::time::Instant::now() < deadline, "no replacement line");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    s.wait_for_text(&format!("{row} .replaced-note"), WAIT, |t| {
        t.contains("Sped up")
    })
    .await
    .unwrap();
    s.wait_for_text(&format!("{row} .amount"), WAIT, |t| t == "−1.0 ETH")
        .await
        .unwrap();
    node("evm_mine", json!([])).await;
    node("evm_setAutomine", json!([true])).await;
    s.wait_for_text(&format!("{row} .state"), WAIT, |t| t == "confirmed")
        .await
        .unwrap();
    // The wallet tells it too: one notice for the payment (the replacement), not two.
    let told = s
        .wait_for_text("#notices", WAIT, |t| t.contains("Sent 1.0 ETH"))
        .await
        .unwrap();
    assert_eq!(told.matches("Sent 1.0 ETH").count(), 1, "{told}");
    std::fs::write(
        out.join("gui-activity-confirmed.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    let bob = node(
        "eth_getBalance",
        json!(["0x000000000000000000000000000000000000bEEF", "latest"]),
    )
    .await;
    assert_eq!(bob["result"], "0xde0b6b3a7640000", "1 ETH arrived");

    // The chain history under it: the faucet's 10 ETH in, the 1 ETH out and its fee.
    let history = s
        .wait_for_text("#history", WAIT, |t| {
            t.contains("−1.0 ETH") && t.contains("+10.0 ETH")
        })
        .await
        .unwrap();
    assert!(history.contains("network fee"), "{history}");

    // Receive: the address as text and as a QR code, with the network it is for.
    s.click_on("#nav-receive", WAIT).await.unwrap();
    let shown = s
        .wait_for_text("#receive-address", WAIT, |t| t.starts_with("0x"))
        .await
        .unwrap();
    assert_eq!(shown, expected);
    // The QR code on screen, read back as a phone's camera app would: the address.
    let qr = s
        .execute("const q = document.querySelector('#receive-qr svg'); return q && q.outerHTML")
        .await
        .unwrap();
    let qr = qr.as_str().expect("no QR code");
    assert_eq!(cairn_tests::qr::decode_svg(qr), expected);
    accessible(&s, "receive").await;
    std::fs::write(out.join("gui-receive.png"), s.screenshot().await.unwrap()).unwrap();

    // Network settings: the devnet in use; an endpoint on another chain than named is refused.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    let in_use = s
        .wait_for_text("#network-31337", WAIT, |t| t.contains("in use"))
        .await
        .unwrap();
    assert!(in_use.contains("Local devnet"), "{in_use}");
    s.type_into("#network-name", "Not mainnet", WAIT)
        .await
        .unwrap();
    s.type_into("#network-chain", "1", WAIT).await.unwrap();
    s.type_into("#network-rpc", &devnet.endpoints.rpc_url, WAIT)
        .await
        .unwrap();
    s.click_on("#network-add", WAIT).await.unwrap();
    let refused = s
        .wait_for_text("#network-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(
        refused.contains("is on chain 31337, not chain 1"),
        "{refused}"
    );
    std::fs::write(out.join("gui-networks.png"), s.screenshot().await.unwrap()).unwrap();

    // A round trip: to Sepolia (no route from here: offline, nothing shown as 0) and back to
    // the devnet, whose endpoint from the launch is kept: online again, the same balance.
    s.click_on("#network-11155111 .use-network", WAIT)
        .await
        .unwrap();
    s.wait_for_text("#network", WAIT, |t| t.contains("11155111"))
        .await
        .unwrap();
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    s.wait_for_text("#sync-status", Duration::from_secs(60), |t| {
        t.starts_with("Offline")
    })
    .await
    .unwrap();
    let offline_value = s
        .wait_for_text("#portfolio-total", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert_eq!(
        offline_value, "—",
        "nothing read on Sepolia: no value, not $0"
    );
    std::fs::write(
        out.join("gui-network-offline.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#network-31337 .use-network", WAIT)
        .await
        .unwrap();
    s.wait_for_text("#network", WAIT, |t| t.contains("31337"))
        .await
        .unwrap();
    s.wait_for_text("#sync-status", WAIT, |t| t.starts_with("Online"))
        .await
        .unwrap();
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    s.wait_for_text("#portfolio-total", WAIT, |t| t.starts_with("$2"))
        .await
        .unwrap();

    // Assets on the accounts page: 10 in, 1 out and a small fee: 8.99… available.
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    let eth_row = s
        .wait_for_text("#asset-ETH", WAIT, |t| t.contains("8.99"))
        .await
        .unwrap();
    assert!(eth_row.starts_with("ETH"), "{eth_row}");
    std::fs::write(out.join("gui-assets.png"), s.screenshot().await.unwrap()).unwrap();

    // A smart account: made from the first account, funded at its counterfactual address, then
    // a sponsored send that deploys it; the review says the paymaster pays, the activity list
    // shows it confirmed with the sponsored badge, and the account paid no gas.
    s.click_on(".smart-button", WAIT).await.unwrap();
    let badge = s
        .wait_for_text(".account.smart .smart-badge", WAIT, |t| {
            t.contains("not deployed")
        })
        .await
        .unwrap();
    assert!(
        badge.contains(&expected),
        "owned by the first account: {badge}"
    );
    assert!(
        s.find(".smart-button").await.unwrap().is_none(),
        "nothing left to make once the smart account exists"
    );
    let smart = s
        .execute("return document.querySelector('.account.smart .address').textContent")
        .await
        .unwrap();
    let smart = smart.as_str().unwrap().to_string();
    s.execute("document.querySelector('.account.smart #fund').click()")
        .await
        .unwrap();
    s.wait_for_text(".account.smart #balance", WAIT, |t| t == "10.0 ETH")
        .await
        .unwrap();
    std::fs::write(
        out.join("gui-smart-account.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#nav-send", WAIT).await.unwrap();
    choose_sender(&s, &smart).await;
    s.click_on("#send-sponsored", WAIT).await.unwrap();
    s.type_into(
        "#send-to",
        "0x000000000000000000000000000000000000bEEF",
        WAIT,
    )
    .await
    .unwrap();
    s.type_into("#send-amount", "2", WAIT).await.unwrap();
    let mut payer = String::new();
    for _ in 0..20 {
        click_review(&s).await;
        match s
            .wait_for_text("#review-gas-payer, #send-error", WAIT, |t| !t.is_empty())
            .await
        {
            Ok(t) if t.contains("paymaster") => {
                payer = t;
                break;
            }
            // Not synced yet ("not enough ETH"): the worker reads balances twice a second.
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    assert!(payer.contains("paymaster"), "{payer}");
    s.wait_for("#review-sponsored", WAIT).await.unwrap();
    s.wait_for("#review-deploys", WAIT).await.unwrap();
    std::fs::write(
        out.join("gui-smart-review.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#send-confirm", WAIT).await.unwrap();
    // The only sponsored operation of the test: its own row, however the list is ordered.
    let row = row_with_text(&s, "gas sponsored").await;
    s.wait_for_text(&format!("{row} .state"), WAIT, |t| t == "confirmed")
        .await
        .unwrap();
    let first_op = s.wait_for_text(&row, WAIT, |_| true).await.unwrap();
    assert!(first_op.contains("user operation"), "{first_op}");
    std::fs::write(
        out.join("gui-smart-confirmed.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    let left = node("eth_getBalance", json!([smart, "latest"])).await;
    assert_eq!(
        left["result"], "0x6f05b59d3b200000",
        "8 ETH left: no gas paid by the account"
    );

    // Guardians for the Safe, in Settings: one guardian (another wallet, driven headless here,
    // as is a new device that will ask for the Safe), ten minutes (the devnet's choice), one
    // sponsored operation; the card then reads them back from the chain.
    let e = devnet.endpoints.clone();
    let net = cairn_tests::wallet::stack_network(&e);
    // Both are profiles of this app's data dir: later the window opens them, as the guardian
    // and the new device would their own.
    let profile = |name: &str| data_dir.path().join("profiles").join(name);
    let release = cairn_core::KdfParams::RELEASE;
    let (guardian, guardian_key) =
        cairn_tests::wallet::new_wallet_with(&profile("guardian"), net.clone(), release).await;
    let (device, device_key) =
        cairn_tests::wallet::new_wallet_with(&profile("device"), net, release).await;
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.wait_for("#guardians-panel", WAIT).await.unwrap();
    s.type_into("#guardians-input", &guardian_key, WAIT)
        .await
        .unwrap();
    s.execute(
        "const t = document.getElementById('guardians-threshold'); t.value = '1'; \
         t.dispatchEvent(new Event('input', {bubbles: true}))",
    )
    .await
    .unwrap();
    s.click_on("#guardians-save", WAIT).await.unwrap();
    let summary = s
        .wait_for_text("#guardians-summary", Duration::from_secs(60), |t| {
            t.contains("1 of 1")
        })
        .await
        .unwrap();
    assert!(summary.contains("10 min"), "{summary}");
    s.execute("document.getElementById('recovery-card').scrollIntoView()")
        .await
        .unwrap();
    std::fs::write(out.join("gui-guardians.png"), s.screenshot().await.unwrap()).unwrap();

    // Someone asks for the Safe and the guardian approves: the window's watchtower tells the
    // owner (within its minute), the card counts down, and the owner's cancel voids it.
    let request = device.recovery_request(&smart, None, None).await.unwrap();
    let approval = guardian.recovery_approve(&request, None).await.unwrap();
    let from = device
        .smart_account(&device_key, None)
        .await
        .unwrap()
        .address;
    let op = device
        .recovery_submit(&request, &[approval], &from, true)
        .await
        .unwrap();
    cairn_tests::wallet::wait_state(&device, op.id, "confirmed").await;
    s.wait_for_text("#notices", Duration::from_secs(90), |t| {
        t.contains("replace your Safe")
    })
    .await
    .unwrap();
    s.execute("window.scrollTo(0, 0)").await.unwrap();
    std::fs::write(
        out.join("gui-recovery-alert.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.wait_for_text("#guardians-scheduled", WAIT, |t| t.contains("runs in"))
        .await
        .unwrap();
    s.execute("document.getElementById('guardians-scheduled').scrollIntoView()")
        .await
        .unwrap();
    std::fs::write(
        out.join("gui-recovery-countdown.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#guardians-scheduled .scheduled button", WAIT)
        .await
        .unwrap();
    let mut voided = false;
    for _ in 0..120 {
        if device.recovery_status(&request).await.unwrap().state == "void" {
            voided = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        voided,
        "the owner's cancel in the window voids the recovery"
    );
    // The list of what waits empties once the cancel settles.
    for _ in 0..120 {
        let left = s
            .execute("return !!document.getElementById('guardians-scheduled')")
            .await
            .unwrap();
        if left == json!(false) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        s.execute("return !!document.getElementById('guardians-scheduled')")
            .await
            .unwrap(),
        json!(false)
    );

    // Passkeys, in Settings: one is made on the (software) authenticator, then added to the
    // Safe's owners by a sponsored operation of its key; the card reads the ownership back from
    // the chain.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.wait_for("#passkey-label", WAIT).await.unwrap();
    s.type_into("#passkey-label", "Laptop", WAIT).await.unwrap();
    s.click_on("#passkey-make", WAIT).await.unwrap();
    s.wait_for_text("#passkey-list", WAIT, |t| {
        t.contains("Laptop") && t.contains("never used")
    })
    .await
    .unwrap();
    s.click_on("#passkey-to-safe", WAIT).await.unwrap();
    s.wait_for_text("#passkey-message", Duration::from_secs(60), |t| {
        t.contains("Sent")
    })
    .await
    .unwrap();
    let mut owns = String::new();
    for _ in 0..60 {
        s.click_on("#nav-accounts", WAIT).await.unwrap();
        s.click_on("#nav-settings", WAIT).await.unwrap();
        owns = s
            .wait_for_text("#passkey-list .passkey-owns", WAIT, |t| !t.is_empty())
            .await
            .unwrap();
        if owns.starts_with("Owns:") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        owns.starts_with("Owns:"),
        "the passkey owns the Safe: {owns}"
    );
    let owners = node(
        "eth_call",
        json!([{"to": smart, "data": "0xa0e67e2b"}, "latest"]),
    )
    .await;
    let words = owners["result"].as_str().unwrap().len().saturating_sub(2) / 64;
    assert_eq!(
        words, 4,
        "two owners on chain (offset, length, two words): {owners}"
    );
    s.execute("document.getElementById('passkeys-card').scrollIntoView()")
        .await
        .unwrap();
    std::fs::write(out.join("gui-passkeys.png"), s.screenshot().await.unwrap()).unwrap();
    // The passkey signs a payment from the Safe: chosen in the send form, named in the review,
    // and the payee is paid on chain.
    s.click_on("#nav-send", WAIT).await.unwrap();
    choose_sender(&s, &smart).await;
    s.wait_for("#send-signer", WAIT).await.unwrap();
    s.execute(
        "const f = document.getElementById('send-signer'); f.selectedIndex = 1; \
         f.dispatchEvent(new Event('change', {bubbles: true}))",
    )
    .await
    .unwrap();
    let payee = "0x000000000000000000000000000000000000cafe";
    s.type_into("#send-to", payee, WAIT).await.unwrap();
    s.type_into("#send-amount", "0.5", WAIT).await.unwrap();
    let mut signer = String::new();
    for _ in 0..20 {
        click_review(&s).await;
        match s
            .wait_for_text("#review-signer, #send-error", WAIT, |t| !t.is_empty())
            .await
        {
            Ok(t) if t.contains("Laptop") => {
                signer = t;
                break;
            }
            // Not synced yet: the worker reads balances twice a second.
            seen => {
                signer = format!("{seen:?}");
                tokio::time::sleep(Duration::from_millis(500)).await
            }
        }
    }
    std::fs::write(
        out.join("gui-passkey-review.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    assert!(
        signer.contains("Passkey"),
        "the review names the passkey: {signer}"
    );
    s.click_on("#send-confirm", WAIT).await.unwrap();
    let mut paid = json!(null);
    for _ in 0..120 {
        paid = node("eth_getBalance", json!([payee, "latest"])).await;
        if paid["result"] == "0x6f05b59d3b20000" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(paid["result"], "0x6f05b59d3b20000", "0.5 ETH paid: {paid}");

    // And taken off again (the Safe's owner key signs it).
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#passkey-off-safe", WAIT).await.unwrap();
    s.wait_for_text("#passkey-message", Duration::from_secs(60), |t| {
        t.contains("Sent")
    })
    .await
    .unwrap();
    for _ in 0..60 {
        s.click_on("#nav-accounts", WAIT).await.unwrap();
        s.click_on("#nav-settings", WAIT).await.unwrap();
        owns = s
            .wait_for_text("#passkey-list .passkey-owns", WAIT, |t| !t.is_empty())
            .await
            .unwrap();
        if owns.starts_with("Owns none") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(owns.starts_with("Owns none"), "taken off the Safe: {owns}");

    // A Safe of the passkey's own, only behind its warning: nothing is made until the risk of
    // a passkey-only account is ticked; then it is one of the wallet's accounts, signed for by
    // the passkey alone.
    s.click_on(".passkey-safe-new", WAIT).await.unwrap();
    s.wait_for("#passkey-safe-warning", WAIT).await.unwrap();
    assert_eq!(
        s.execute("return document.getElementById('passkey-safe-confirm').disabled")
            .await
            .unwrap(),
        json!(true),
        "the Safe cannot be made before the warning is accepted"
    );
    s.execute("document.getElementById('passkey-safe-warning').scrollIntoView()")
        .await
        .unwrap();
    std::fs::write(
        out.join("gui-passkey-safe-warning.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#passkey-safe-accept", WAIT).await.unwrap();
    s.click_on("#passkey-safe-confirm", WAIT).await.unwrap();
    s.wait_for_text("#passkey-message", WAIT, |t| t.contains("Laptop (Safe)"))
        .await
        .unwrap();
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    let mut badges = json!(null);
    for _ in 0..40 {
        badges = s
            .execute(
                "return Array.from(document.querySelectorAll('.smart-badge')).map(b => b.textContent).join(' | ')",
            )
            .await
            .unwrap();
        if badges
            .as_str()
            .is_some_and(|b| b.contains("Safe of Passkey “Laptop”"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        badges
            .as_str()
            .is_some_and(|b| b.contains("Safe of Passkey “Laptop”")),
        "the passkey's Safe is among the accounts: {badges}"
    );

    // Guarded sending: set up two-factor in Settings (the secret shown for manual entry gives
    // the codes), ask for a code from risk score 50, then send to a look-alike of an address
    // already paid: the review shows the warning and the code field; without a code the core
    // refuses; with it, the send goes.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.type_into("#mfa-password", "correct horse battery", WAIT)
        .await
        .unwrap();
    s.click_on("#mfa-enroll", WAIT).await.unwrap();
    let secret = s
        .wait_for_text("#mfa-secret", WAIT, |t| t.len() >= 32)
        .await
        .unwrap();
    let secret = cairn_core::totp::from_base32(&secret).unwrap();
    let recovery = s
        .execute(
            "return Array.from(document.querySelectorAll('#mfa-recovery li')).map(l => l.textContent)",
        )
        .await
        .unwrap();
    let recovery: Vec<String> = serde_json::from_value(recovery).unwrap();
    assert_eq!(recovery.len(), 10);
    std::fs::write(out.join("gui-mfa-enrol.png"), s.screenshot().await.unwrap()).unwrap();
    s.type_into("#mfa-code", &cairn_tests::wallet::totp_now(&secret), WAIT)
        .await
        .unwrap();
    s.click_on("#mfa-confirm", WAIT).await.unwrap();
    s.wait_for_text("#mfa-state", WAIT, |t| t.contains("is on"))
        .await
        .unwrap();
    s.type_into("#policy-mfa-score", "50", WAIT).await.unwrap();
    s.type_into("#policy-code", &recovery[0], WAIT)
        .await
        .unwrap();
    s.click_on("#policy-save", WAIT).await.unwrap();
    s.wait_for_text("#policy-current", WAIT, |t| {
        t.contains("from risk score 50")
    })
    .await
    .unwrap();
    // The form shows the policy in force.
    let shown = s
        .execute("return document.getElementById('policy-mfa-score').value")
        .await
        .unwrap();
    assert_eq!(shown, serde_json::json!("50"));
    std::fs::write(out.join("gui-policy.png"), s.screenshot().await.unwrap()).unwrap();

    let before_risky = activity_ids(&s).await;
    let pending_nonce = || async {
        node(
            "eth_getTransactionCount",
            json!([expected.clone(), "pending"]),
        )
        .await["result"]
            .clone()
    };
    let nonce_before = pending_nonce().await;
    s.click_on("#nav-send", WAIT).await.unwrap();
    // 0x…bEEF was paid above; this one shares its first and last four digits.
    s.type_into(
        "#send-to",
        "0x000011111111111111111111111111111111beef",
        WAIT,
    )
    .await
    .unwrap();
    s.type_into("#send-amount", "0.1", WAIT).await.unwrap();
    click_review(&s).await;
    let warnings = s
        .wait_for_text("#review-warnings", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(
        warnings.contains("HIGH") && warnings.contains("looks like"),
        "{warnings}"
    );
    let changes = s
        .wait_for_text("#review-changes", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(changes.contains("-0.1 ETH"), "{changes}");
    s.wait_for("#send-mfa-code", WAIT).await.unwrap();
    std::fs::write(
        out.join("gui-risky-review.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    // Without the code the core refuses and nothing is signed.
    s.click_on("#send-confirm", WAIT).await.unwrap();
    let refused = s
        .wait_for_text("#send-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(refused.contains("authenticator"), "{refused}");
    // No nonce spent (and no operation recorded: checked below, one new row in all).
    assert_eq!(pending_nonce().await, nonce_before, "a nonce was used");
    // Back on the form: review again, give a code, send.
    click_review(&s).await;
    s.type_into("#send-mfa-code", &recovery[1], WAIT)
        .await
        .unwrap();
    s.click_on("#send-confirm", WAIT).await.unwrap();
    let row = new_row(&s, &before_risky).await;
    s.wait_for_text(&format!("{row} .state"), WAIT, |t| t == "confirmed")
        .await
        .unwrap();
    let newest = s.wait_for_text(&row, WAIT, |_| true).await.unwrap();
    assert!(newest.contains("0.1 ETH"), "{newest}");
    let added: Vec<String> = ids_now(&s)
        .await
        .into_iter()
        .filter(|id| !before_risky.contains(id))
        .collect();
    assert_eq!(added.len(), 1, "the refused send left a row: {added:?}");
    // And the chain has it: the look-alike holds what was sent.
    let paid = node(
        "eth_getBalance",
        json!(["0x000011111111111111111111111111111111beef", "latest"]),
    )
    .await["result"]
        .clone();
    assert_eq!(paid, json!("0x16345785d8a0000"), "0.1 ETH on chain");

    // With two-factor on, the recovery phrase needs a code too.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.type_into("#export-password", "correct horse battery", WAIT)
        .await
        .unwrap();
    s.type_into("#export-code", &recovery[2], WAIT)
        .await
        .unwrap();
    s.click_on("#export", WAIT).await.unwrap();
    s.wait_for("#export-words li", WAIT).await.unwrap();
    let words = s
        .execute("return document.querySelectorAll('#export-words li').length")
        .await
        .unwrap();
    assert_eq!(words, serde_json::json!(12));
    s.click_on("#export-hide", WAIT).await.unwrap();

    // A new password typed twice differently is caught at once, beside the form (in view).
    change_password_repeated(
        &s,
        "correct horse battery",
        "correct horse stapler",
        "correct horse staple",
    )
    .await;
    let error = s
        .wait_for_text("#settings-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("differ"), "{error}");
    let in_view = s
        .execute("const r = document.getElementById('settings-error').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight")
        .await
        .unwrap();
    assert_eq!(in_view, json!(true), "the message is off-screen");
    // A new password: the old one must be right; afterwards only the new one unlocks.
    change_password(&s, "not my password", "correct horse stapler").await;
    let error = s
        .wait_for_text("#settings-error", WAIT, |t| !t.contains("differ"))
        .await
        .unwrap();
    assert!(error.contains("password is wrong"), "{error}");
    // The wrong password started the unlock throttle, which guards this form too: the user
    // waits as the message says, then succeeds.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        change_password(&s, "correct horse battery", "correct horse stapler").await;
        // The answer to this attempt (the form clears the last one's message as it submits).
        let outcome = loop {
            let said = s
                .execute(
                    "const m = document.getElementById('settings-message'); \
                     const e = document.getElementById('settings-error'); \
                     return m ? 'ok: ' + m.textContent : (e ? 'error: ' + e.textContent : '')",
                )
                .await
                .unwrap();
            let said = said.as_str().unwrap_or_default().to_string();
            if !said.is_empty() {
                break said;
            }
            assert!(std::time::Instant::now() < deadline, "no answer");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        if outcome.contains("Password changed") {
            break;
        }
        assert!(
            outcome.is_empty() || outcome.contains("try again in") || outcome.contains("wrong"),
            "{outcome}"
        );
        assert!(std::time::Instant::now() < deadline, "{outcome}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    s.click_on("#lock", WAIT).await.unwrap();
    s.wait_for("#unlock", WAIT).await.unwrap();
    unlock_comes_back(&s).await;
    s.type_into("#unlock-password", "correct horse battery", WAIT)
        .await
        .unwrap();
    s.click_on("#unlock", WAIT).await.unwrap();
    let error = s
        .wait_for_text("#error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    assert!(error.contains("password is wrong"), "{error}");
    unlock_comes_back(&s).await;
    s.type_into("#unlock-password", "correct horse stapler", WAIT)
        .await
        .unwrap();
    s.click_on("#unlock", WAIT).await.unwrap();
    s.wait_for_text("#address", WAIT, |t| t == expected)
        .await
        .unwrap();

    // Quiet mode from Settings: the status line says so and offers "Sync now", which reads the
    // chain (a payment made meanwhile by someone else shows after it); off again, it is online.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#quiet", WAIT).await.unwrap();
    s.wait_for_text("#settings-message", WAIT, |t| {
        t.contains("Quiet mode is on")
    })
    .await
    .unwrap();
    s.wait_for_text("#sync-status", WAIT, |t| t.starts_with("Quiet"))
        .await
        .unwrap();
    std::fs::write(out.join("gui-quiet.png"), s.screenshot().await.unwrap()).unwrap();
    let before = s
        .wait_for_text("#sync-status", WAIT, |_| true)
        .await
        .unwrap();
    node("evm_mine", json!([])).await;
    s.click_on("#sync-now", WAIT).await.unwrap();
    s.wait_for_text("#sync-status", WAIT, |t| {
        t.starts_with("Quiet") && t != before
    })
    .await
    .unwrap();
    s.click_on("#quiet", WAIT).await.unwrap();
    s.wait_for_text("#sync-status", WAIT, |t| t.starts_with("Online"))
        .await
        .unwrap();
    assert!(
        s.find("#sync-now").await.unwrap().is_none(),
        "sync now while online"
    );

    // Settings are complete: a contact is added, renamed and deleted; two-factor goes off
    // with the password and a recovery code; an account hidden comes back from the list.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.type_into("#contact-name", "Bob", WAIT).await.unwrap();
    s.type_into(
        "#contact-address",
        "0x000000000000000000000000000000000000bEEF",
        WAIT,
    )
    .await
    .unwrap();
    s.click_on("#contact-add", WAIT).await.unwrap();
    s.wait_for_text("#contacts li.contact", WAIT, |t| t.contains("Bob"))
        .await
        .unwrap();
    // The send form offers the contact (and the user's other accounts) as recipients.
    s.click_on("#nav-send", WAIT).await.unwrap();
    s.click_on(".recipients .recipient.contact", WAIT)
        .await
        .unwrap();
    s.wait_for_value("#send-to", WAIT, |v| {
        v == "0x000000000000000000000000000000000000bEEF"
    })
    .await
    .unwrap();
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.wait_for("#contacts li.contact", WAIT).await.unwrap();
    s.click_on("#contacts .contact-edit", WAIT).await.unwrap();
    // The form takes the contact's name after the click: typed into before, "by" would land
    // in an empty field.
    s.wait_for_value("#contact-name", WAIT, |v| v == "Bob")
        .await
        .unwrap();
    // Typed whole into an emptied field: where WebKit puts the caret in a field the page
    // filled is not a person's concern.
    s.execute("document.getElementById('contact-name').value = ''")
        .await
        .unwrap();
    s.type_into("#contact-name", "Bobby", WAIT).await.unwrap();
    s.click_on("#contact-add", WAIT).await.unwrap();
    s.wait_for_text("#contacts li.contact", WAIT, |t| t.contains("Bobby"))
        .await
        .unwrap();
    s.click_on("#contacts .contact-remove", WAIT).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while s.find("#contacts li.contact").await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "the contact stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // New recovery codes (a recovery code authorises it); the old ones stop working.
    s.click_on("#mfa-new-codes-open", WAIT).await.unwrap();
    s.type_into("#mfa-new-codes-password", "correct horse stapler", WAIT)
        .await
        .unwrap();
    s.type_into("#mfa-new-codes-code", &recovery[3], WAIT)
        .await
        .unwrap();
    s.click_on("#mfa-new-codes-make", WAIT).await.unwrap();
    s.wait_for("#mfa-new-codes-list li", WAIT).await.unwrap();
    let fresh: Vec<String> = serde_json::from_value(
        s.execute("return Array.from(document.querySelectorAll('#mfa-new-codes-list li')).map(li => li.textContent)")
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(fresh.len(), 10);
    assert!(
        fresh.iter().all(|c| !recovery.contains(c)),
        "new codes, not the old ones"
    );
    s.wait_for_text("#mfa-state", WAIT, |t| t.contains("10 recovery codes left"))
        .await
        .unwrap();
    s.click_on("#mfa-new-codes-done", WAIT).await.unwrap();
    s.click_on("#mfa-off-open", WAIT).await.unwrap();
    // An old code no longer turns anything off.
    s.type_into("#mfa-off-password", "correct horse stapler", WAIT)
        .await
        .unwrap();
    s.type_into("#mfa-off-code", &recovery[4], WAIT)
        .await
        .unwrap();
    s.click_on("#mfa-off", WAIT).await.unwrap();
    s.wait_for_text("#security-error", WAIT, |t| !t.is_empty())
        .await
        .unwrap();
    s.wait_for_value("#mfa-off-code", WAIT, str::is_empty)
        .await
        .unwrap();
    s.type_into("#mfa-off-password", "correct horse stapler", WAIT)
        .await
        .unwrap();
    s.type_into("#mfa-off-code", &fresh[0], WAIT).await.unwrap();
    s.click_on("#mfa-off", WAIT).await.unwrap();
    s.wait_for("#mfa-enroll", WAIT).await.unwrap();
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    let cards = "return Array.from(document.querySelectorAll('section.account')).map(s => s.dataset.address)";
    s.wait_for("section.account", WAIT).await.unwrap();
    let before: Vec<String> = serde_json::from_value(s.execute(cards).await.unwrap()).unwrap();
    // One fresh-clone run saw this click make no call at all (the home had just re-rendered
    // its cards): a click that did nothing in 10 s is made again, at most three times.
    let mut found = None;
    for _ in 0..3 {
        s.click_on("#add-account", WAIT).await.unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            let now: Vec<String> = serde_json::from_value(s.execute(cards).await.unwrap()).unwrap();
            if let Some(a) = now.iter().find(|a| !before.contains(a)) {
                found = Some((a.clone(), now.len()));
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if found.is_some() {
            break;
        }
    }
    let (new_account, shown) = found.expect("no new account");
    s.click_on(
        &format!("section.account[data-address='{new_account}'] .hide-button"),
        WAIT,
    )
    .await
    .unwrap();
    s.click_on("#hidden-accounts summary", WAIT).await.unwrap();
    // A fresh-clone run once found the list closed again when it clicked (the accounts had
    // re-rendered it between the two clicks: "element not interactable"): it is opened again
    // and the click repeated, a few times at most.
    let mut clicked = Err(String::new());
    for _ in 0..10 {
        match s.click_on("#hidden-accounts .account-show", WAIT).await {
            Ok(()) => {
                clicked = Ok(());
                break;
            }
            Err(e) => {
                clicked = Err(format!("{e:?}"));
                s.execute(
                    "const d = document.getElementById('hidden-accounts'); if (d) d.open = true;",
                )
                .await
                .unwrap();
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
    }
    clicked.expect("the hidden account's Show");
    let deadline = std::time::Instant::now() + WAIT;
    while s.find("#hidden-accounts").await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "still hidden");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after: Vec<String> = serde_json::from_value(s.execute(cards).await.unwrap()).unwrap();
    assert_eq!(after.len(), shown);
    assert!(after.contains(&new_account));

    // Auto-lock counts typing: at one minute, a form typed into for longer stays open with what
    // was typed; left alone, the wallet locks itself within the minute after.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#auto-lock option[value='60']", WAIT)
        .await
        .unwrap();
    s.click_on("#nav-send", WAIT).await.unwrap();
    s.wait_for("#send-amount", WAIT).await.unwrap();
    let typing_from = std::time::Instant::now();
    let mut typed = String::new();
    while typing_from.elapsed() < Duration::from_secs(80) {
        typed.push('1');
        s.type_into("#send-amount", "1", WAIT).await.unwrap();
        tokio::time::sleep(Duration::from_secs(7)).await;
    }
    assert!(
        s.find("#unlock-password").await.unwrap().is_none(),
        "locked while the user was typing"
    );
    s.wait_for_value("#send-amount", WAIT, |v| v == typed)
        .await
        .unwrap();
    let idle_from = std::time::Instant::now();
    s.wait_for("#unlock-password", Duration::from_secs(90))
        .await
        .unwrap();
    let idle = idle_from.elapsed();
    assert!(
        idle <= Duration::from_secs(75),
        "locked {idle:?} after the last keystroke"
    );
    s.type_into("#unlock-password", "correct horse stapler", WAIT)
        .await
        .unwrap();
    s.click_on("#unlock", WAIT).await.unwrap();
    s.wait_for("#nav-accounts", WAIT).await.unwrap();

    // A network edited: the devnet's log span, saved after its endpoint answered again.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#network-31337 .network-edit", WAIT)
        .await
        .unwrap();
    s.wait_for_value("#network-name", WAIT, |v| v == "Local devnet")
        .await
        .unwrap();
    s.execute("document.getElementById('network-log-span').value = ''")
        .await
        .unwrap();
    s.type_into("#network-log-span", "5000", WAIT)
        .await
        .unwrap();
    s.click_on("#network-add", WAIT).await.unwrap();
    s.wait_for("#network-saved", WAIT).await.unwrap();
    s.wait_for_text("#network-31337", WAIT, |t| t.contains("(added)"))
        .await
        .unwrap();

    // A dapp in the window: the bridge turned on in Settings (any free port); a page at
    // http://127.0.0.1:5173 asks for the accounts, then a signature. Each request is a card at
    // the top of the window, approved there, and the page gets its answer; Settings lists the
    // grant, and revoking it leaves the page without accounts.
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.execute(
        "const p = document.getElementById('bridge-port'); p.value = '0'; \
         p.dispatchEvent(new Event('input', {bubbles: true}))",
    )
    .await
    .unwrap();
    s.click_on("#bridge-start", WAIT).await.unwrap();
    let on = s
        .wait_for_text("#bridge-url", WAIT, |t| t.contains("http://127.0.0.1:"))
        .await
        .unwrap();
    let bridge_url = on[on.find("http://").unwrap()..].trim().to_string();
    let page = "http://127.0.0.1:5173";
    let ask = |method: &'static str, params: serde_json::Value| {
        let url = bridge_url.clone();
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(&url)
                .header("content-type", "application/json")
                .header("origin", page)
                .body(
                    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
                        .to_string(),
                )
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        })
    };
    let connecting = ask("eth_requestAccounts", json!([]));
    let card = s
        .wait_for_text("#approvals .approval[data-method='connect']", WAIT, |t| {
            t.contains("127.0.0.1")
        })
        .await
        .unwrap();
    assert!(card.contains("wants to see your accounts"), "{card}");
    // The accounts to share come in after the card: the first is ticked.
    s.wait_for("#approvals .share-account:checked", WAIT)
        .await
        .unwrap();
    s.execute("window.scrollTo(0, 0)").await.unwrap();
    std::fs::write(
        out.join("gui-dapp-connect.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    s.click_on("#approvals .approval .approve", WAIT)
        .await
        .unwrap();
    let accounts = connecting.await.unwrap();
    assert!(
        accounts["result"]
            .as_array()
            .is_some_and(|a| a.contains(&json!(expected.to_lowercase()))),
        "{accounts}"
    );
    let message = "hello from a dapp";
    let signing = ask(
        "personal_sign",
        json!([format!("0x{}", hex::encode(message)), expected]),
    );
    s.wait_for_text("#approvals .approval .payload", WAIT, |t| {
        t.contains(message)
    })
    .await
    .unwrap();
    s.execute("window.scrollTo(0, 0)").await.unwrap();
    std::fs::write(out.join("gui-dapp-sign.png"), s.screenshot().await.unwrap()).unwrap();
    s.click_on("#approvals .approval .approve", WAIT)
        .await
        .unwrap();
    let signed = signing.await.unwrap();
    let signature: alloy::primitives::Signature =
        signed["result"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        units::format_address(&signature.recover_address_from_msg(message).unwrap()),
        expected,
        "the page's signature is the account's"
    );
    // A contract call reads as what it does: an unlimited token approval, said so; rejected
    // in the window, the page hears 4001.
    let approve = format!(
        "0x095ea7b3{:0>64}{}",
        "5555555555555555555555555555555555555555",
        "f".repeat(64)
    );
    let calling = ask(
        "eth_sendTransaction",
        json!([{"from": expected, "to": "0x000000000000000000000000000000000000dEaD", "data": approve}]),
    );
    let card = s
        .wait_for_text("#approvals .approval .calls", WAIT, |t| {
            t.contains("approve(")
        })
        .await
        .unwrap();
    assert!(card.contains("amount: unlimited"), "{card}");
    s.execute("window.scrollTo(0, 0)").await.unwrap();
    std::fs::write(out.join("gui-dapp-call.png"), s.screenshot().await.unwrap()).unwrap();
    s.click_on("#approvals .approval .reject", WAIT)
        .await
        .unwrap();
    assert_eq!(calling.await.unwrap()["error"]["code"], 4001);
    s.wait_for_text("#bridge-grants", WAIT, |t| t.contains(page))
        .await
        .unwrap();
    s.click_on("#bridge-grants .grant button", WAIT)
        .await
        .unwrap();
    s.wait_for("#bridge-no-grants", WAIT).await.unwrap();
    let after = ask("eth_accounts", json!([])).await.unwrap();
    assert_eq!(after["result"], json!([]), "revoked in Settings");
    s.click_on("#bridge-stop", WAIT).await.unwrap();
    s.wait_for("#bridge-off", WAIT).await.unwrap();

    // Recovery in the window, across profiles, as the people involved would do it: the new
    // device asks (Settings → Recover an account), the guardian reviews and approves in its
    // own profile, the device schedules with that approval and sees the countdown, and after
    // the delay completes it: the Safe is then an account of the device with its key as owner.
    drop((guardian, device));
    let switch_to = |name: &'static str, password: &'static str| {
        let s = &s;
        async move {
            s.click_on("#lock", WAIT).await.unwrap();
            s.wait_for("#profile-select", WAIT).await.unwrap();
            s.execute(&format!(
                "const p = document.getElementById('profile-select'); p.value = '{name}'; \
                 p.dispatchEvent(new Event('change', {{bubbles: true}}))"
            ))
            .await
            .unwrap();
            // The unlock screen is drawn again for the profile once the switch answers: type
            // into that one (a person sees the profile's name change first).
            let chosen = "const o = Array.from(document.querySelectorAll('#profile-select option')).find(o => o.selected); return o ? o.value : ''";
            let deadline = std::time::Instant::now() + WAIT;
            while s.execute(chosen).await.unwrap() != json!(name) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the profile never switched"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            s.type_into("#unlock-password", password, WAIT)
                .await
                .unwrap();
            s.wait_for_value("#unlock-password", WAIT, |v| v == password)
                .await
                .unwrap();
            s.click_on("#unlock", WAIT).await.unwrap();
            s.wait_for("#nav-settings", WAIT).await.unwrap();
            s.click_on("#nav-settings", WAIT).await.unwrap();
        }
    };
    let paste = |id: &'static str, text: String| {
        let s = &s;
        async move {
            s.execute(&format!(
                "const f = document.getElementById('{id}'); f.value = {}; \
                 f.dispatchEvent(new Event('input', {{bubbles: true}}))",
                serde_json::to_string(&text).unwrap()
            ))
            .await
            .unwrap();
        }
    };
    let area = |id: &'static str| {
        let s = &s;
        async move {
            s.wait_for(&format!("#{id}"), WAIT).await.unwrap();
            s.execute(&format!("return document.getElementById('{id}').value"))
                .await
                .unwrap()
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    switch_to("device", "send sync password").await;
    // The request the device made before was cancelled by the owner: its status said so
    // (above), so it is no longer kept, and the device makes a new one.
    s.wait_for("#recover-account", WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        s.execute("return !!document.getElementById('recover-request')")
            .await
            .unwrap(),
        json!(false),
        "a spent request is not offered again"
    );
    paste("recover-account", smart.clone()).await;
    s.click_on("#recover-make", WAIT).await.unwrap();
    let request = area("recover-request").await;
    assert!(request.contains(&device_key.to_lowercase()), "{request}");

    switch_to("guardian", "send sync password").await;
    paste("approve-input", request.clone()).await;
    s.click_on("#approve-review", WAIT).await.unwrap();
    let review = s
        .wait_for_text("#approve-review-out", WAIT, |t| t.contains("owner"))
        .await
        .unwrap();
    assert!(review.contains(&smart[..6]), "{review}");
    s.click_on("#approve-sign", WAIT).await.unwrap();
    let approval = area("approve-out").await;
    assert!(
        approval
            .to_lowercase()
            .contains(&guardian_key.to_lowercase()),
        "{approval}"
    );
    s.execute("document.getElementById('approve-panel').scrollIntoView()")
        .await
        .unwrap();
    std::fs::write(
        out.join("gui-guardian-approves.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();

    // The device's request is still there after the lock: approvals fit only it.
    switch_to("device", "send sync password").await;
    assert_eq!(area("recover-request").await, request);
    paste("recover-approvals", approval).await;
    s.click_on("#recover-submit", WAIT).await.unwrap();
    s.wait_for_text("#recover-state", Duration::from_secs(90), |t| {
        t.contains("runs in")
    })
    .await
    .unwrap();
    s.execute("document.getElementById('recover-panel').scrollIntoView()")
        .await
        .unwrap();
    std::fs::write(
        out.join("gui-recovery-device-countdown.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();
    node("evm_increaseTime", json!([601])).await;
    node("evm_mine", json!([])).await;
    s.click_on("#recover-status", WAIT).await.unwrap();
    s.click_on("#recover-execute", WAIT).await.unwrap();
    s.wait_for("#recover-adopted", Duration::from_secs(90))
        .await
        .unwrap();
    // The Safe is one of the device's accounts now, its key the owner.
    s.click_on("#nav-accounts", WAIT).await.unwrap();
    let card = format!("section.account[data-address='{smart}'] .smart-badge");
    let badge = s
        .wait_for_text(&card, WAIT, |t| t.contains("1 of 1"))
        .await
        .unwrap();
    assert!(badge.contains(&device_key[..6]), "{badge}");
    s.execute(&format!(
        "document.querySelector(\"section.account[data-address='{smart}']\").scrollIntoView()"
    ))
    .await
    .unwrap();
    std::fs::write(
        out.join("gui-recovery-new-owner.png"),
        s.screenshot().await.unwrap(),
    )
    .unwrap();

    // The app logged to its data dir as JSON, with correlation ids, and never the password.
    let logs = std::fs::read_dir(data_dir.path().join("logs")).unwrap();
    let mut text = String::new();
    for entry in logs {
        text.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(text.contains("\"cid\""), "no correlation ids in the log");
    assert!(text.contains("create_wallet"));
    assert!(
        !text.contains("correct horse"),
        "the password reached the log"
    );
    // Any three consecutive words of the phrase would be a leak; single words are common English.
    for run in phrase_words(&phrase).windows(3) {
        assert!(
            !text.contains(&run.join(" ")),
            "recovery words reached the log"
        );
    }

    s.close().await.unwrap();
}

fn phrase_words(phrase: &SecretString) -> Vec<String> {
    use secrecy::ExposeSecret;
    phrase
        .expose_secret()
        .split(' ')
        .map(str::to_string)
        .collect()
}

/// The ids of the rows in the activity list (after a visit to it, so the list is loaded).
async fn activity_ids(s: &Session) -> Vec<String> {
    s.click_on("#nav-activity", WAIT).await.unwrap();
    s.wait_for("#activity", WAIT).await.unwrap();
    // The list loads after the tab shows: give it the moment a person would.
    tokio::time::sleep(Duration::from_millis(500)).await;
    ids_now(s).await
}

async fn ids_now(s: &Session) -> Vec<String> {
    let ids = s
        .execute("return Array.from(document.querySelectorAll('#activity .op')).map(e => e.id)")
        .await
        .unwrap();
    serde_json::from_value(ids).unwrap()
}

/// The selector of the activity row that was not there `before`: the operation just made.
async fn new_row(s: &Session, before: &[String]) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let now = ids_now(s).await;
        let fresh: Vec<&String> = now.iter().filter(|id| !before.contains(id)).collect();
        assert!(fresh.len() <= 1, "more than one new operation: {fresh:?}");
        if let Some(id) = fresh.first() {
            return format!("#{id}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no new operation in the activity list"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The selector of the activity row whose text holds `needle` (waiting for it to appear).
async fn row_with_text(s: &Session, needle: &str) -> String {
    let script = format!(
        "const r = Array.from(document.querySelectorAll('#activity .op')).find(e => e.textContent.includes({needle:?})); return r ? r.id : null"
    );
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(id) = s.execute(&script).await.unwrap().as_str() {
            return format!("#{id}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no activity row with {needle:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// Absent (the page reloading after a lock) counts as not yet usable.
const UNLOCK_DISABLED: &str =
    "const b = document.getElementById('unlock'); return b ? b.disabled : true";

/// Waits out the unlock throttle: the button comes back by itself when the wait is over.
/// axe-core on the screen shown, at the window's size now and at the other one (phone ↔
/// desktop), then back: nothing serious or critical at either size.
async fn accessible(s: &Session, screen: &str) {
    let width = |v: serde_json::Value| v.as_u64().unwrap_or(0);
    let now = width(s.execute("return window.innerWidth").await.unwrap());
    let (phone, desktop) = ((390, 844), (1100, 760));
    let (other, back) = if now >= 900 {
        (phone, desktop)
    } else {
        (desktop, phone)
    };
    let mut found: Vec<String> = axe::violations(s)
        .await
        .unwrap()
        .into_iter()
        .map(|v| format!("{screen} at {now} px: {v}"))
        .collect();
    s.set_window_size(other.0, other.1).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let then = width(s.execute("return window.innerWidth").await.unwrap());
    found.extend(
        axe::violations(s)
            .await
            .unwrap()
            .into_iter()
            .map(|v| format!("{screen} at {then} px: {v}")),
    );
    s.set_window_size(back.0, back.1).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(found.is_empty(), "accessibility:\n{}", found.join("\n"));
}

async fn unlock_comes_back(s: &Session) {
    let deadline = std::time::Instant::now() + WAIT;
    while s.execute(UNLOCK_DISABLED).await.unwrap() != json!(false) {
        assert!(
            std::time::Instant::now() < deadline,
            "the unlock button never came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fills the settings' change-password form and submits it.
async fn change_password(s: &Session, old: &str, new: &str) {
    change_password_repeated(s, old, new, new).await;
}

async fn change_password_repeated(s: &Session, old: &str, new: &str, repeat: &str) {
    // The form clears itself when the last attempt's answer arrives: type after that, as a
    // person reading the answer would.
    let empty = "return ['old-password', 'new-password', 'new-password-repeat'].every(i => document.getElementById(i).value === '')";
    let deadline = std::time::Instant::now() + WAIT;
    while s.execute(empty).await.unwrap() != json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "the form kept the last attempt"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.type_into("#old-password", old, WAIT).await.unwrap();
    s.type_into("#new-password", new, WAIT).await.unwrap();
    s.type_into("#new-password-repeat", repeat, WAIT)
        .await
        .unwrap();
    s.click_on("#change-password", WAIT).await.unwrap();
}

/// Clicks Review once the form agrees the amount can be sent (it checks as the user types, and
/// a person clicks after seeing the figures settle).
/// Picks `address` in the send form's "From", once the accounts have loaded into it (setting a
/// value the select does not offer yet would leave the first account chosen).
async fn choose_sender(s: &Session, address: &str) {
    s.wait_for("#send-from", WAIT).await.unwrap();
    let mut chosen = json!(false);
    for _ in 0..60 {
        chosen = s
            .execute(&format!(
                "const f = document.getElementById('send-from'); \
                 if (![...f.options].some(o => o.value === '{address}')) return false; \
                 f.value = '{address}'; f.dispatchEvent(new Event('change', {{bubbles: true}})); \
                 return true"
            ))
            .await
            .unwrap();
        if chosen == json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(chosen, json!(true), "{address} is offered as a sender");
}

async fn click_review(s: &Session) {
    let enabled =
        "const b = document.getElementById('send-review-button'); return !!b && !b.disabled";
    let deadline = std::time::Instant::now() + WAIT;
    while s.execute(enabled).await.unwrap() != json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "Review stayed disabled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.click_on("#send-review-button", WAIT).await.unwrap();
}
