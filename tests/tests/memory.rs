//! What the app keeps in memory after it locks: nothing secret in the page's processes. The real
//! app under Xvfb imports a phrase with a BIP-39 passphrase, shows the phrase again (export),
//! then locks; a core dump of every process of the app (the Rust shell and each WebKit process under it) is searched for
//! the phrase, the passphrase, the password and the first account's private key, as UTF-8 and
//! as UTF-16 (how a JavaScript engine may hold a string). The dump is read as gcore reads it,
//! through `/proc/PID/mem`, page by page in memory instead of into a file of gigabytes.
//!
//! WebDriver clicks; the secrets are typed as a person types them, as X key events (xdotool),
//! so no copy of them passes through the automation session. The app runs as users get it: on
//! lock it ends the page's web process, which also ends the WebDriver session. The app process
//! is held to it too: WebKit's IPC buffers there can keep a freed copy of a request or reply
//! long after it was used, which is why secrets cross it sealed (`cairn_api::channel`).

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::gui::{app_binary, Display, Driver};
use cairn_tests::webdriver::Session;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);
// BIP-39's own test vector phrase; imported with a passphrase, so its accounts are new.
const PHRASE: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
const PASSPHRASE: &str = "memory test passphrase qv7";
const PASSWORD: &str = "memory test password kx4";

#[tokio::test]
async fn after_lock_no_process_of_the_app_holds_a_secret() {
    cairn_tests::init_tls();
    let app = app_binary().expect("app binary");
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let data_dir = tempfile::tempdir().unwrap();
    let display = Display::start().expect("Xvfb");
    let data = data_dir.path().display().to_string();
    let driver = Driver::start(
        &display,
        &[
            ("CAIRN_DATA_DIR", data.clone()),
            ("CAIRN_RPC_URL", devnet.endpoints.rpc_url.clone()),
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

    let app_pid = app_processes(&data)
        .first()
        .map(|(pid, _)| *pid)
        .expect("the app's process");
    let keyboard = Keyboard::new(&display.name, app_pid);

    // Import the phrase with a passphrase, under a password.
    s.click_on("#tab-import", WAIT).await.unwrap();
    for (field, text) in [
        ("#import-secret", PHRASE),
        ("#import-passphrase", PASSPHRASE),
        ("#password", PASSWORD),
        ("#password-confirm", PASSWORD),
    ] {
        s.click_on(field, WAIT).await.unwrap();
        keyboard.type_text(text);
        let typed = s
            .execute(&format!(
                "return document.querySelector('{field}').value.length"
            ))
            .await
            .unwrap();
        assert_eq!(typed, json!(text.len()), "typing into {field}");
    }
    // Typed, not yet sent: the page holds the secrets, the app process none of them (a plain
    // text field's content reaches it as input-method context, freed later but never wiped).
    assert_app_process_holds_none(&data, "typed into the page");
    s.click_on("#create", WAIT).await.unwrap();
    // The expected account from alloy's own BIP-39/32 builder, not Cairn's derivation.
    let signer = alloy::signers::local::MnemonicBuilder::<
        alloy::signers::local::coins_bip39::English,
    >::default()
    .phrase(PHRASE)
    .password(PASSPHRASE)
    .derivation_path("m/44'/60'/0'/0/0")
    .unwrap()
    .build()
    .unwrap();
    let address = s
        .wait_for_text("#address", WAIT, |t| t.starts_with("0x"))
        .await
        .unwrap();
    assert_eq!(address, signer.address().to_checksum(None));

    // The phrase on screen once more (export asks for the password again).
    s.click_on("#nav-settings", WAIT).await.unwrap();
    s.click_on("#export-password", WAIT).await.unwrap();
    keyboard.type_text(PASSWORD);
    s.click_on("#export", WAIT).await.unwrap();
    s.wait_for("#export-words li", WAIT).await.unwrap();
    // On screen: the app process carried it sealed and holds no copy.
    assert_app_process_holds_none(&data, "the phrase on screen");

    // Lock: the page's process ends (and with it this WebDriver session); a new one shows the
    // lock screen.
    let page_before = web_processes(&data);
    assert!(
        !page_before.is_empty(),
        "no WebKit web process under the app"
    );
    s.click_on("#lock", WAIT).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let now = web_processes(&data);
        if !now.is_empty() && now.iter().all(|p| !page_before.contains(p)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the page's process outlived the lock: before {page_before:?}, now {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let out = cairn_tests::output_dir();
    std::fs::create_dir_all(&out).unwrap();
    display
        .screenshot(&out.join("memory-after-lock.png"))
        .unwrap();

    let key = signer.credential().to_bytes();
    let needles: Vec<(&str, Vec<u8>)> = [
        ("the recovery phrase", PHRASE.as_bytes().to_vec()),
        ("the BIP-39 passphrase", PASSPHRASE.as_bytes().to_vec()),
        ("the password", PASSWORD.as_bytes().to_vec()),
        ("the private key (hex)", hex::encode(key).into_bytes()),
    ]
    .into_iter()
    .flat_map(|(what, text)| {
        let wide: Vec<u8> = text.iter().flat_map(|b| [*b, 0]).collect();
        [(what, text), (what, wide)]
    })
    .chain([("the private key", key.to_vec())])
    .collect();

    let processes = app_processes(&data);
    assert!(
        processes.iter().any(|(_, name)| name == "cairn-app"),
        "the app process was not found: {processes:?}"
    );
    assert!(
        processes
            .iter()
            .any(|(_, name)| name.starts_with("WebKitWeb")),
        "no WebKit web process under the app: {processes:?}"
    );
    let mut found = Vec::new();
    for (pid, name) in &processes {
        let (size, hits) = search_memory(*pid, &needles);
        for (what, wide) in hits {
            let form = if wide { "UTF-16" } else { "bytes" };
            found.push(format!("{what} ({form}) in {name} [{pid}]"));
        }
        println!("{name} [{pid}]: {} MiB searched", size >> 20);
    }
    drop(s);
    assert!(found.is_empty(), "secrets after lock: {found:#?}");
}

/// Fails if the app's own process (not its WebKit processes) holds the phrase, the passphrase
/// or the password now, freed or in use.
fn assert_app_process_holds_none(data: &str, when: &str) {
    let needles: Vec<(&str, Vec<u8>)> = [
        ("the recovery phrase", PHRASE),
        ("the BIP-39 passphrase", PASSPHRASE),
        ("the password", PASSWORD),
    ]
    .into_iter()
    .flat_map(|(what, text)| {
        let wide: Vec<u8> = text.bytes().flat_map(|b| [b, 0]).collect();
        [(what, text.as_bytes().to_vec()), (what, wide)]
    })
    .collect();
    for (pid, name) in app_processes(data) {
        if name != "cairn-app" {
            continue;
        }
        let (_, hits) = search_memory(pid, &needles);
        assert!(hits.is_empty(), "{when}: the app process holds {hits:?}");
    }
}

/// Real key presses into the app's window on the test's display (xdotool, through XTEST), as a
/// person at the keyboard makes them.
struct Keyboard {
    display: String,
    window: String,
}

impl Keyboard {
    fn new(display: &str, app_pid: u32) -> Keyboard {
        let out = std::process::Command::new("xdotool")
            .args([
                "search",
                "--sync",
                "--onlyvisible",
                "--pid",
                &app_pid.to_string(),
            ])
            .env("DISPLAY", display)
            .output()
            .expect("xdotool runs");
        let window = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("the app's window")
            .trim()
            .to_string();
        Keyboard {
            display: display.to_string(),
            window,
        }
    }

    fn type_text(&self, text: &str) {
        let xdotool = |args: &[&str]| {
            let status = std::process::Command::new("xdotool")
                .args(args)
                .env("DISPLAY", &self.display)
                .status()
                .expect("xdotool runs");
            assert!(status.success(), "xdotool {args:?}");
        };
        xdotool(&["windowfocus", "--sync", &self.window]);
        xdotool(&["type", "--delay", "40", "--", text]);
    }
}

/// The WebKit web processes under the app.
fn web_processes(data_dir: &str) -> Vec<u32> {
    app_processes(data_dir)
        .into_iter()
        .filter(|(_, name)| name.starts_with("WebKitWeb"))
        .map(|(pid, _)| pid)
        .collect()
}

/// The app's process and every process under it, by pid and name: found as the processes
/// whose environment names this test's data directory.
fn app_processes(data_dir: &str) -> Vec<(u32, String)> {
    let marker = format!("CAIRN_DATA_DIR={data_dir}");
    let mut all: Vec<(u32, u32, String)> = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid …: comm may hold spaces, so split after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map(|(_, n)| n).unwrap_or_default();
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        all.push((pid, ppid, name.to_string()));
    }
    let has_marker = |pid: u32| {
        std::fs::read(format!("/proc/{pid}/environ"))
            .map(|env| env.split(|b| *b == 0).any(|kv| kv == marker.as_bytes()))
            .unwrap_or(false)
    };
    let Some(app) = all
        .iter()
        .find(|(pid, _, name)| name == "cairn-app" && has_marker(*pid))
        .map(|(pid, _, _)| *pid)
    else {
        return Vec::new();
    };
    let mut out = vec![app];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            all.iter()
                .filter(|(_, pp, _)| *pp == parent)
                .map(|(p, _, _)| *p),
        );
        i += 1;
    }
    out.into_iter()
        .filter_map(|pid| {
            all.iter()
                .find(|(p, _, _)| *p == pid)
                .map(|(p, _, n)| (*p, n.clone()))
        })
        .collect()
}

/// Every page of `pid` a core dump would hold (each readable mapping's pages that are in memory
/// or swapped out: `/proc/PID/pagemap` says which), read through `/proc/PID/mem` as gcore does,
/// and searched for each needle: the bytes read, and which needles were found (and whether in
/// their UTF-16 form). Never-touched pages are skipped: WebKit reserves tens of gigabytes of
/// address space it never writes, which a core file would hold as zeros.
fn search_memory(
    pid: u32,
    needles: &[(&'static str, Vec<u8>)],
) -> (u64, Vec<(&'static str, bool)>) {
    use std::os::unix::fs::FileExt;
    const PAGE: u64 = 4096;
    const RUN: u64 = 16 << 20;
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let pagemap = std::fs::File::open(format!("/proc/{pid}/pagemap")).unwrap();
    let finders: Vec<memchr::memmem::Finder<'_>> = needles
        .iter()
        .map(|(_, n)| memchr::memmem::Finder::new(n))
        .collect();
    let mut hit = vec![false; needles.len()];
    let mut read = 0u64;
    let mut buf = vec![0u8; RUN as usize];
    let mut entries = vec![0u8; (RUN / PAGE * 8) as usize];
    let search = |bytes: &[u8], hit: &mut Vec<bool>| {
        for (i, f) in finders.iter().enumerate() {
            if let Some(at) = f.find(bytes) {
                hit[i] = true;
                // The bytes around a hit say which structure kept the secret.
                let from = at.saturating_sub(80);
                let to = (at + needles[i].1.len() + 80).min(bytes.len());
                println!(
                    "  {} in {pid}: {:?}",
                    needles[i].0,
                    String::from_utf8_lossy(&bytes[from..to]).replace('\0', ".")
                );
            }
        }
    };
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let name = fields.nth(3).unwrap_or("");
        if !perms.starts_with('r') || name == "[vvar]" || name == "[vsyscall]" {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (start, end) = (
            u64::from_str_radix(start, 16).unwrap(),
            u64::from_str_radix(end, 16).unwrap(),
        );
        let mut at = start;
        while at < end {
            let len = (end - at).min(RUN);
            let pages = (len / PAGE) as usize;
            let table = &mut entries[..pages * 8];
            if pagemap.read_exact_at(table, at / PAGE * 8).is_err() {
                break;
            }
            // Runs of pages that hold something (present, or swapped out), read and searched
            // whole, so a needle across two such pages is found.
            let held = |k: usize| {
                let e = u64::from_le_bytes(table[k * 8..k * 8 + 8].try_into().unwrap());
                e & (3 << 62) != 0
            };
            let mut k = 0;
            while k < pages {
                if !held(k) {
                    k += 1;
                    continue;
                }
                let first = k;
                while k < pages && held(k) {
                    k += 1;
                }
                let bytes = &mut buf[..(k - first) * PAGE as usize];
                if mem.read_exact_at(bytes, at + first as u64 * PAGE).is_ok() {
                    read += bytes.len() as u64;
                    search(bytes, &mut hit);
                }
            }
            at += len;
        }
    }
    let hits = needles
        .iter()
        .zip(hit)
        .filter(|(_, h)| *h)
        .map(|((what, n), _)| (*what, n.len() > 1 && n[1] == 0))
        .collect();
    (read, hits)
}
