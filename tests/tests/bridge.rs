//! The dapp bridge against a real devnet: the loopback rules each as an attack (wrong Host,
//! `Origin: null`, a text/plain POST, no token, a revoked token, one origin's grant tried from
//! another, too many waiting requests, nothing listening while off), and clients nobody here
//! wrote — viem and ethers in node — connecting, signing (checked by their own verifiers) and
//! sending, with the user's answers given through the wallet's API as the window gives them.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use cairn_api::BridgeDecision;
use cairn_core::Wallet;
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::wallet::*;
use serde_json::{json, Value};

/// The message the approver refuses (the clients' "rejected" step signs it).
const REJECT: &str = "cairn: please reject this";

async fn post(
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = reqwest::Client::new().post(url).body(body.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        headers,
    )
}

fn call(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()
}

const JSON: (&str, &str) = ("content-type", "application/json");

/// Answers what waits for the user: everything approved but the message [`REJECT`].
fn approver(w: Arc<Wallet>) -> tokio::task::JoinHandle<()> {
    approver_sharing(w, Vec::new())
}

/// The same, sharing only `accounts` when a caller connects (all of them when empty).
fn approver_sharing(w: Arc<Wallet>, accounts: Vec<String>) -> tokio::task::JoinHandle<()> {
    approver_seeing(w, accounts, Arc::default())
}

/// The same, keeping what each card showed.
fn approver_seeing(
    w: Arc<Wallet>,
    accounts: Vec<String>,
    seen: Arc<std::sync::Mutex<Vec<cairn_api::BridgeApproval>>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            for a in w.bridge_approvals() {
                seen.lock().unwrap().push(a.clone());
                let approve = a.payload.get("message").and_then(Value::as_str) != Some(REJECT);
                let _ = w
                    .bridge_decide(BridgeDecision {
                        id: a.id,
                        approve,
                        accounts: accounts.clone(),
                        mfa_code: None,
                    })
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
}

/// Waits (up to 2 s) until `n` requests wait for the user.
async fn until_cards(w: &Wallet, n: usize) {
    for _ in 0..100 {
        if w.bridge_approvals().len() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_loopback_rules_hold_against_each_attack() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(
        dir.path(),
        network(std::slice::from_ref(&devnet.endpoints.rpc_url)),
    )
    .await;
    let w = Arc::new(w);

    // Nothing listens while the bridge is off, nor after it stops.
    let status = w.bridge_status().await;
    assert!(!status.running && status.url.is_none());
    let started = w.bridge_start(0).await.unwrap();
    let url = started.url.clone().unwrap();
    let port = started.port.unwrap();
    let err = w.bridge_start(0).await.unwrap_err();
    assert!(err.to_string().contains("already running"), "{err}");
    // Front ends hold clones of the handle: one going away leaves the bridge running.
    drop(Wallet::clone(&w));
    assert!(w.bridge_status().await.running);

    let chain_id = call("eth_chainId", json!([]));
    // DNS rebinding: a Host that is not our loopback name.
    let (s, _, _) = post(
        &url,
        &[
            JSON,
            ("host", &format!("evil.example:{port}")),
            ("origin", "https://evil.example"),
        ],
        &chain_id,
    )
    .await;
    assert_eq!(s, 403);
    // Pages that are not pages.
    for origin in ["null", "file://", "chrome-extension://abcdefghijklmnop"] {
        let (s, _, _) = post(&url, &[JSON, ("origin", origin)], &chain_id).await;
        assert_eq!(s, 403, "{origin}");
    }
    // A simple (CORS-free) request: text/plain.
    let (s, _, _) = post(
        &url,
        &[
            ("content-type", "text/plain"),
            ("origin", "https://a.example"),
        ],
        &chain_id,
    )
    .await;
    assert_eq!(s, 415);
    // A program without a token, with a made-up one.
    let (s, body, _) = post(&url, &[JSON], &chain_id).await;
    assert_eq!((s, body["error"]["code"].clone()), (401, json!(4100)));
    let (s, _, _) = post(
        &url,
        &[JSON, ("authorization", "Bearer cairn_0000")],
        &chain_id,
    )
    .await;
    assert_eq!(s, 401);

    // A page: its preflight answers its own origin, never `*`; the chain id is public.
    let page = "http://127.0.0.1:5173";
    let res = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", page)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert_eq!(res.headers()["access-control-allow-origin"], page);
    let (s, body, headers) = post(&url, &[JSON, ("origin", page)], &chain_id).await;
    assert_eq!((s, body["result"].clone()), (200, json!("0x7a69")));
    assert_eq!(headers["access-control-allow-origin"], page);
    // Before it connects it sees no account and may ask nothing else.
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &call("eth_accounts", json!([])),
    )
    .await;
    assert_eq!(body["result"], json!([]));
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &call("eth_getBalance", json!([me, "latest"])),
    )
    .await;
    assert_eq!(body["error"]["code"], 4100);
    // Connecting waits for the user; approved, the page sees the account.
    let answering = approver(w.clone());
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &call("eth_requestAccounts", json!([])),
    )
    .await;
    assert_eq!(body["result"], json!([me.to_lowercase()]));
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &call("eth_getBalance", json!([me, "latest"])),
    )
    .await;
    assert!(body["result"].is_string(), "{body}");
    // The same server under another name is another origin, with no grant.
    let other = format!("http://localhost:{}", 5173);
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", &other)],
        &call("eth_accounts", json!([])),
    )
    .await;
    assert_eq!(body["result"], json!([]));
    // Methods Cairn never does.
    for m in [
        "eth_sign",
        "eth_signTypedData_v3",
        "eth_signTransaction",
        "eth_decrypt",
    ] {
        let (_, body, _) = post(
            &url,
            &[JSON, ("origin", page)],
            &call(m, json!([me, "0x00"])),
        )
        .await;
        assert_eq!(body["error"]["code"], 4200, "{m}: {body}");
    }
    // One request for the user per batch; a value the wallet cannot read is refused, not zero.
    let batch = json!([
        {"jsonrpc": "2.0", "id": 1, "method": "eth_requestAccounts", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_requestAccounts", "params": []},
    ])
    .to_string();
    let (_, body, _) = post(&url, &[JSON, ("origin", page)], &batch).await;
    assert_eq!(body[0]["result"], json!([me.to_lowercase()]), "{body}");
    assert_eq!(body[1]["error"]["code"], -32005, "{body}");
    let numeric = json!([{"from": me, "to": me, "value": 16}]);
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &call("eth_sendTransaction", numeric),
    )
    .await;
    assert_eq!(body["error"]["code"], -32602, "{body}");
    // Networks from a page: a known chain is left as the user set it; a new one needs https
    // endpoints that answer with its chain id, after the user's yes.
    let before = w.networks().await.unwrap();
    let add = |chain: &str, rpc: &str| {
        call(
            "wallet_addEthereumChain",
            json!([{"chainId": chain, "chainName": "Evil", "rpcUrls": [rpc],
                    "nativeCurrency": {"name": "E", "symbol": "ETH", "decimals": 18}}]),
        )
    };
    // Switching to a network the wallet knows is the user's call, and the app's alone; an
    // unknown one is 4902.
    let switch = |chain: &str| call("wallet_switchEthereumChain", json!([{"chainId": chain}]));
    let (_, body, _) = post(&url, &[JSON, ("origin", page)], &switch("0xf423f")).await;
    assert_eq!(body["error"]["code"], 4902, "{body}");
    let (_, body, _) = post(&url, &[JSON, ("origin", page)], &switch("0x7a69")).await;
    assert_eq!(body["result"], Value::Null, "the chain it is on: {body}");
    let (_, body, _) = post(&url, &[JSON, ("origin", page)], &switch("0x1")).await;
    assert_eq!(body["result"], Value::Null, "approved: {body}");
    let (_, body, _) = post(&url, &[JSON, ("origin", page)], &chain_id).await;
    assert_eq!(body["result"], json!("0x1"), "the app is on its chain");
    assert_eq!(w.network().chain_id, 31337, "the wallet stays where it was");
    let (_, body, _) = post(&url, &[JSON, ("origin", &other)], &chain_id).await;
    assert_eq!(
        body["result"],
        json!("0x7a69"),
        "another page sees the wallet's"
    );
    let (_, body, _) = post(&url, &[JSON, ("origin", page)], &switch("0x7a69")).await;
    assert_eq!(body["result"], Value::Null, "and back: {body}");
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &add("0x7a69", "https://evil.example"),
    )
    .await;
    assert_eq!(body["result"], Value::Null, "{body}");
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &add("0x1092", "http://evil.example"),
    )
    .await;
    assert_eq!(body["error"]["code"], -32602, "{body}");
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &add("0x1092", "https://127.0.0.1:9"),
    )
    .await;
    assert_eq!(
        body["error"]["code"], -32602,
        "an endpoint that does not answer: {body}"
    );
    assert_eq!(w.networks().await.unwrap(), before, "nothing changed");
    let grants = w.bridge_grants().await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0].caller.as_str(), grants[0].accounts.clone()),
        (page, vec![me.clone()])
    );
    answering.abort();

    // Revoking an app drops what it asked that still waits: the user cannot approve it later.
    let asking = {
        let url = url.clone();
        let me = me.clone();
        tokio::spawn(async move {
            post(
                &url,
                &[JSON, ("origin", page)],
                &call("personal_sign", json!(["0x6869", me])),
            )
            .await
        })
    };
    until_cards(&w, 1).await;
    w.bridge_grant_revoke(page).await.unwrap();
    assert!(w.bridge_approvals().is_empty());
    let (_, body, _) = asking.await.unwrap();
    assert_eq!(body["error"]["code"], 4001, "{body}");

    // A page that hangs up takes its card away, and the window hears of it at once.
    let mut events = w.subscribe();
    let hanging = {
        let url = url.clone();
        tokio::spawn(async move {
            let page = "https://gone.example";
            post(
                &url,
                &[JSON, ("origin", page)],
                &call("eth_requestAccounts", json!([])),
            )
            .await
        })
    };
    until_cards(&w, 1).await;
    assert_eq!(w.bridge_approvals().len(), 1);
    hanging.abort();
    let told = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Ok(cairn_core::WalletEvent::BridgeApprovals(list)) = events.recv().await {
                if list.is_empty() {
                    return;
                }
            }
        }
    })
    .await;
    assert!(
        told.is_ok(),
        "the card was not taken away when the page hung up"
    );

    // A flood of requests that wait for the user is cut at the per-caller cap.
    let flood = "https://flood.example";
    let mut waiting = Vec::new();
    for _ in 0..3 {
        let url = url.clone();
        waiting.push(tokio::spawn(async move {
            post(
                &url,
                &[JSON, ("origin", flood)],
                &call("eth_requestAccounts", json!([])),
            )
            .await
        }));
    }
    until_cards(&w, 3).await;
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", flood)],
        &call("eth_requestAccounts", json!([])),
    )
    .await;
    assert_eq!(body["error"]["code"], -32005, "{body}");
    for a in w.bridge_approvals() {
        w.bridge_decide(BridgeDecision {
            id: a.id,
            approve: false,
            accounts: Vec::new(),
            mfa_code: None,
        })
        .await
        .unwrap();
    }
    for t in waiting {
        let (_, body, _) = t.await.unwrap();
        assert_eq!(body["error"]["code"], 4001, "{body}");
    }

    // A program: its token works until it is revoked, then its next call is refused.
    let token = w.bridge_token_add("script").await.unwrap();
    let secret = token.token.clone().unwrap();
    let bearer = format!("Bearer {secret}");
    let (s, body, _) = post(&url, &[JSON, ("authorization", &bearer)], &chain_id).await;
    assert_eq!((s, body["result"].clone()), (200, json!("0x7a69")));
    assert!(
        w.bridge_tokens()
            .await
            .unwrap()
            .iter()
            .all(|t| t.token.is_none()),
        "shown once"
    );
    w.bridge_token_revoke(token.id).await.unwrap();
    let (s, _, _) = post(&url, &[JSON, ("authorization", &bearer)], &chain_id).await;
    assert_eq!(s, 401);

    // Locked: callers are told to wait for the user, and the user is asked to unlock.
    w.lock().await;
    let mut events = w.subscribe();
    let (_, body, _) = post(
        &url,
        &[JSON, ("origin", page)],
        &call("eth_accounts", json!([])),
    )
    .await;
    assert_eq!(body["error"]["code"], 4100, "{body}");
    let mut asked = None;
    while let Ok(e) = events.try_recv() {
        if let cairn_core::WalletEvent::BridgeLocked(who) = e {
            asked = Some(who);
        }
    }
    assert_eq!(
        asked.as_deref(),
        Some(page),
        "the window asks for the unlock"
    );

    w.bridge_stop().await;
    assert!(!w.bridge_status().await.running);
    let gone = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(chain_id)
        .send()
        .await;
    assert!(gone.is_err(), "still listening after stop");
}

/// Runs one of the node clients; its JSON lines.
async fn client(script: &str, url: &str, token: &str, scenario: &str) -> (bool, Vec<Value>) {
    let dir = cairn_tests::repo_root().join("tests/clients");
    let out = tokio::process::Command::new("node")
        .arg(dir.join(script))
        .current_dir(&dir)
        .env("BRIDGE_URL", url)
        .env("BRIDGE_TOKEN", token)
        .env("CHAIN_ID", "31337")
        .env("SCENARIO", scenario)
        .env("REJECT_MESSAGE", REJECT)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(120), out)
        .await
        .expect("the client finished")
        .unwrap();
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    eprintln!(
        "{script} {scenario}: {lines:#?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), lines)
}

/// Two apps on two networks at once: each reads, signs and sends on the network it chose,
/// while the wallet (and its window) stays on its own; what the app sent there is broadcast
/// and followed to confirmation though the wallet never switched.
#[tokio::test]
async fn each_app_keeps_its_own_network() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let home = devnet.endpoints.rpc_url.clone();
    let away = cairn_tests::devnet::BareAnvil::start(424242).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&home))).await;
    let w = Arc::new(w);
    w.add_network(&cairn_api::NetworkSpec {
        chain_id: 424242,
        name: "Away".into(),
        currency_symbol: "AWY".into(),
        currency_decimals: 18,
        rpc_urls: vec![away.url.clone()],
        bundler_url: None,
        paymaster_url: None,
        explorer_api_url: None,
        confirmations: 1,
        fee_ceiling_gwei: None,
        ws_url: None,
        log_span_blocks: None,
    })
    .await
    .unwrap();
    rpc(
        &away.url,
        "anvil_setBalance",
        json!([me, "0x3635c9adc5dea00000"]),
    )
    .await;
    let url = w.bridge_start(0).await.unwrap().url.unwrap();
    let cards = Arc::new(std::sync::Mutex::new(Vec::new()));
    let answering = approver_seeing(w.clone(), Vec::new(), cards.clone());
    let (a, b) = ("http://127.0.0.1:7001", "http://127.0.0.1:7002");
    let ask = |origin: &'static str, method: &'static str, params: Value| {
        let url = url.clone();
        async move {
            let (_, body, _) = post(&url, &[JSON, ("origin", origin)], &call(method, params)).await;
            body
        }
    };
    for page in [a, b] {
        let body = ask(page, "eth_requestAccounts", json!([])).await;
        assert_eq!(body["result"], json!([me.to_lowercase()]), "{body}");
    }
    let body = ask(
        a,
        "wallet_switchEthereumChain",
        json!([{"chainId": "0x67932"}]),
    )
    .await;
    assert_eq!(body["result"], Value::Null, "{body}");
    assert_eq!(
        ask(a, "eth_chainId", json!([])).await["result"],
        json!("0x67932")
    );
    assert_eq!(
        ask(b, "eth_chainId", json!([])).await["result"],
        json!("0x7a69")
    );
    assert_eq!(w.network().chain_id, 31337, "the wallet did not move");
    // Reads go to each app's network: the balance set on the other chain only.
    let balance = |page| ask(page, "eth_getBalance", json!([me, "latest"]));
    assert_eq!(balance(a).await["result"], json!("0x3635c9adc5dea00000"));
    assert_ne!(balance(b).await["result"], json!("0x3635c9adc5dea00000"));
    // Typed data names its chain: the other app's chain is refused before the user sees it.
    let typed = |chain: u64| {
        json!({"types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
                         "Hi": [{"name": "n", "type": "uint256"}]},
               "primaryType": "Hi", "domain": {"name": "t", "chainId": chain}, "message": {"n": 1}})
        .to_string()
    };
    let body = ask(a, "eth_signTypedData_v4", json!([me, typed(424242)])).await;
    assert!(body["result"].is_string(), "signed for its chain: {body}");
    let body = ask(b, "eth_signTypedData_v4", json!([me, typed(424242)])).await;
    assert_eq!(body["error"]["code"], -32602, "not b's chain: {body}");
    // A payment from app a lands on its chain; the wallet's chain does not see it. One built
    // for another chain (a switch in another tab meanwhile) is refused, never signed.
    let payee = "0x000000000000000000000000000000000000dEaD";
    let home_before = eth_balance(&home, payee).await;
    let body = ask(
        a,
        "eth_sendTransaction",
        json!([{"from": me, "to": payee, "value": "0x1", "chainId": "0x7a69"}]),
    )
    .await;
    assert_eq!(body["error"]["code"], -32602, "{body}");
    let body = ask(
        a,
        "eth_sendTransaction",
        json!([{"from": me, "to": payee, "value": "0xde0b6b3a7640000"}]),
    )
    .await;
    let hash = body["result"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let r = rpc(&away.url, "eth_getTransactionReceipt", json!([hash])).await;
        if !r.is_null() {
            assert_eq!(r["status"], json!("0x1"), "{r}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never broadcast on 424242"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(eth_balance(&away.url, payee).await, wei("1"));
    // Its card said whose network it was, in that network's currency.
    let card = cards
        .lock()
        .unwrap()
        .iter()
        .rfind(|c| c.method == "eth_sendTransaction")
        .cloned()
        .unwrap();
    assert_eq!(
        (card.chain_id, card.payload["symbol"].clone()),
        (424242, json!("AWY"))
    );
    assert!(
        card.warnings
            .iter()
            .any(|w| w.contains("Away") && w.contains("not")),
        "{:?}",
        card.warnings
    );
    assert_eq!(eth_balance(&home, payee).await, home_before);
    // Followed there to confirmation by the wallet's own sync, on the wallet's network still.
    rpc(&away.url, "anvil_mine", json!(["0x2"])).await;
    let mut id = None;
    for k in 1..=20 {
        if let Ok(op) = w.operation(k).await {
            if op.hash.as_deref() == Some(hash.as_str()) {
                id = Some(k);
            }
        }
    }
    let id = id.expect("the app's payment is in the ledger");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let op = w.operation(id).await.unwrap();
        if op.state == "confirmed" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "stuck in {}",
            op.state
        );
        w.wake_sync();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(w.network().chain_id, 31337);
    answering.abort();
}

#[tokio::test]
async fn viem_and_ethers_connect_sign_and_send() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let rpc = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&rpc))).await;
    let w = Arc::new(w);
    w.devnet_fund(&me, "5").await.unwrap();
    w.sync_once().await.unwrap();
    let url = w.bridge_start(0).await.unwrap().url.unwrap();
    let answering = approver(w.clone());

    // viem: addresses, signatures its own verifyMessage/verifyTypedData accept, a payment
    // mined with status success, an unknown chain (4902) and a rejected request (4001).
    let viem = w.bridge_token_add("viem").await.unwrap().token.unwrap();
    for scenario in ["all-basic", "switch-unknown", "rejected"] {
        let (ok, lines) = client("viem-client.mjs", &url, &viem, scenario).await;
        assert!(ok, "viem {scenario}: {lines:?}");
        assert!(
            lines.iter().all(|l| l["ok"] == true),
            "viem {scenario}: {lines:?}"
        );
    }
    // ethers 6: connect, a signature ethers.verifyMessage recovers to the account, a payment.
    let ethers = w.bridge_token_add("ethers").await.unwrap().token.unwrap();
    let (ok, lines) = client("ethers-client.mjs", &url, &ethers, "all").await;
    assert!(ok, "ethers: {lines:?}");
    let connected = lines.iter().find(|l| l["step"] == "connect").unwrap();
    assert_eq!(connected["addresses"], json!([me.to_lowercase()]));
    answering.abort();

    // Both payments went through the wallet's own path: in its activity, mined.
    let bob = "0x000000000000000000000000000000000000b0b0";
    assert_eq!(eth_balance(&rpc, bob).await, wei("0.02"));
    let sent = w.operations(10).await.unwrap();
    assert_eq!(
        sent.iter()
            .filter(|o| o.to.eq_ignore_ascii_case(bob))
            .count(),
        2
    );
    // Each client is its own caller with its own grant.
    let grants = w.bridge_grants().await.unwrap();
    let labels: Vec<&str> = grants.iter().map(|g| g.label.as_str()).collect();
    assert!(
        labels.contains(&"program “viem”") && labels.contains(&"program “ethers”"),
        "{labels:?}"
    );
}

#[tokio::test]
async fn a_dapp_calls_contracts_and_batches_atomically_from_a_smart_account() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let node = e.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), stack_network(&e)).await;
    let w = Arc::new(w);
    w.devnet_fund(&me, "5").await.unwrap();
    let smart = w.smart_account(&me, None).await.unwrap().address;
    w.devnet_fund(&smart, "1").await.unwrap();
    w.sync_once().await.unwrap();
    let url = w.bridge_start(0).await.unwrap().url.unwrap();

    // A page connected to the key: a contract call with data (EntryPoint v0.7's payable
    // depositTo) goes through the wallet's own send path and lands.
    let page = "http://127.0.0.1:3000";
    let cards = Arc::new(std::sync::Mutex::new(Vec::new()));
    let answering = approver_seeing(w.clone(), Vec::new(), cards.clone());
    let origin = [JSON, ("origin", page)];
    let (_, body, _) = post(&url, &origin, &call("eth_requestAccounts", json!([]))).await;
    assert!(
        body["result"]
            .as_array()
            .unwrap()
            .contains(&json!(me.to_lowercase())),
        "{body}"
    );
    let entry_point = "0x0000000071727De22E5E9d8BAf0edAc6f37da032";
    let deposit_to = format!(
        "0xb760faf9{:0>64}",
        me.trim_start_matches("0x").to_lowercase()
    );
    let (_, body, _) = post(
        &url,
        &origin,
        &call(
            "eth_sendTransaction",
            json!([{"from": me, "to": entry_point, "value": "0x2386f26fc10000", "data": deposit_to}]),
        ),
    )
    .await;
    let hash = body["result"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let mut receipt = Value::Null;
    for _ in 0..100 {
        receipt = rpc(&node, "eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    // The card the user approved it from showed what it would do: the simulation, the risk.
    let card = cards
        .lock()
        .unwrap()
        .iter()
        .find(|a| a.method == "eth_sendTransaction")
        .cloned()
        .unwrap();
    assert!(
        card.payload["risk"]["simulation"].is_object(),
        "{}",
        card.payload
    );
    assert!(card.payload["risk"]["score"].is_u64(), "{}", card.payload);
    // A function Cairn does not decode is named by its selector only, never guessed.
    assert_eq!(
        (
            card.payload["call"]["selector"].clone(),
            card.payload["call"]["function"].clone()
        ),
        (json!("0xb760faf9"), Value::Null),
        "{}",
        card.payload
    );
    // A token approval reads as one, the amount in the token's words.
    let token = deploy_token(&node).await;
    w.add_token(&token).await.unwrap();
    let approve = format!(
        "0x095ea7b3{:0>64}{}",
        entry_point.trim_start_matches("0x").to_lowercase(),
        "f".repeat(64)
    );
    let (_, body, _) = post(
        &url,
        &origin,
        &call(
            "eth_sendTransaction",
            json!([{"from": me, "to": token, "data": approve}]),
        ),
    )
    .await;
    assert!(body["result"].is_string(), "{body}");
    let card = cards
        .lock()
        .unwrap()
        .iter()
        .rfind(|a| a.method == "eth_sendTransaction")
        .cloned()
        .unwrap();
    let decoded = &card.payload["call"];
    assert_eq!(decoded["function"], "approve", "{decoded}");
    assert_eq!(
        decoded["args"][0]["value"].as_str().map(str::to_lowercase),
        Some(entry_point.to_lowercase())
    );
    assert_eq!(
        (
            decoded["args"][1]["unlimited"].clone(),
            decoded["args"][1]["symbol"].clone()
        ),
        (json!(true), json!("UNI-V2")),
        "{decoded}"
    );
    let balance_of = format!(
        "0x70a08231{:0>64}",
        me.trim_start_matches("0x").to_lowercase()
    );
    let deposit = rpc(
        &node,
        "eth_call",
        json!([{"to": entry_point, "data": balance_of}, "latest"]),
    )
    .await;
    assert_eq!(
        deposit
            .as_str()
            .map(|d| u128::from_str_radix(d.trim_start_matches("0x"), 16).unwrap()),
        Some(10_000_000_000_000_000),
        "the deposit the call made"
    );
    // The key cannot run two calls as one: said with EIP-5792's code.
    let two = json!([{"version": "2.0.0", "from": me, "chainId": "0x7a69", "atomicRequired": true,
        "calls": [{"to": "0x000000000000000000000000000000000000b0b0", "value": "0x1"},
                  {"to": "0x000000000000000000000000000000000000b0b1", "value": "0x1"}]}]);
    let (_, body, _) = post(&url, &origin, &call("wallet_sendCalls", two)).await;
    assert_eq!(body["error"]["code"], 5760, "{body}");
    answering.abort();

    // viem, shown only the smart account: its capabilities say atomic, and its two calls are
    // one user operation, both effects on chain, one receipt.
    let answering = approver_sharing(w.clone(), vec![smart.clone()]);
    let token = w.bridge_token_add("viem").await.unwrap().token.unwrap();
    // Signatures as the account: viem's own verifiers accept them before the Safe exists
    // (ERC-6492, with its deployment) and after (ERC-1271).
    let (ok, lines) = client("viem-client.mjs", &url, &token, "sign").await;
    assert!(ok, "viem signs as the undeployed Safe: {lines:?}");
    let (ok, lines) = client("viem-client.mjs", &url, &token, "calls").await;
    assert!(ok, "viem calls: {lines:?}");
    let batch = lines.iter().find(|l| l["step"] == "sendCalls").unwrap();
    assert_eq!(
        (batch["atomic"].clone(), batch["receipts"].clone()),
        (json!(true), json!(1))
    );
    let caps = lines
        .iter()
        .find(|l| l["step"] == "getCapabilities")
        .unwrap();
    assert_eq!(
        caps["capabilities"]["31337"]["atomic"]["status"], "supported",
        "{caps}"
    );
    answering.abort();
    assert_eq!(
        eth_balance(&node, "0x000000000000000000000000000000000000b0b0").await,
        wei("0.001")
    );
    assert_eq!(
        eth_balance(&node, "0x000000000000000000000000000000000000b0b1").await,
        wei("0.002")
    );
    let ops = w.operations(10).await.unwrap();
    let batch_ops: Vec<_> = ops.iter().filter(|o| o.from == smart).collect();
    assert_eq!(batch_ops.len(), 1, "one user operation: {batch_ops:?}");
    assert!(batch_ops[0].user_operation);
    let answering = approver_sharing(w.clone(), vec![smart.clone()]);
    let (ok, lines) = client("viem-client.mjs", &url, &token, "sign").await;
    answering.abort();
    assert!(ok, "viem signs as the deployed Safe: {lines:?}");
}

/// A Safe only a passkey signs for, shown to viem: viem's own verifiers accept its message and
/// typed-data signatures before the Safe exists (ERC-6492 with the passkey Safe's deployment:
/// the Safe asks the shared signer, which checks the WebAuthn assertion against the key in the
/// Safe's storage) and after (ERC-1271); its two calls are one user operation the passkey signs.
#[tokio::test]
async fn viem_verifies_a_passkey_safes_signatures_and_its_calls_are_signed_by_the_passkey() {
    use cairn_tests::passkey::SoftAuthenticator;
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, _me) = new_wallet(dir.path(), stack_network(&e)).await;
    let w = Arc::new(w);
    w.set_authenticator(Arc::new(SoftAuthenticator::default()));
    let phone = w.passkey_add("Phone").await.unwrap();
    let safe = w.passkey_safe(phone.id).await.unwrap().address;
    w.devnet_fund(&safe, "1").await.unwrap();
    w.sync_once().await.unwrap();
    let url = w.bridge_start(0).await.unwrap().url.unwrap();
    let token = w.bridge_token_add("viem").await.unwrap().token.unwrap();

    let answering = approver_sharing(w.clone(), vec![safe.clone()]);
    let (ok, lines) = client("viem-client.mjs", &url, &token, "sign").await;
    assert!(ok, "viem verifies the undeployed passkey Safe: {lines:?}");
    let (ok, lines) = client("viem-client.mjs", &url, &token, "calls").await;
    assert!(ok, "viem calls: {lines:?}");
    let (ok, lines) = client("viem-client.mjs", &url, &token, "sign").await;
    answering.abort();
    assert!(ok, "viem verifies the deployed passkey Safe: {lines:?}");
    let ops = w.operations(10).await.unwrap();
    let from_safe: Vec<_> = ops.iter().filter(|o| o.from == safe).collect();
    assert_eq!(from_safe.len(), 1, "one user operation: {from_safe:?}");
    assert_eq!(from_safe[0].state, "confirmed", "{from_safe:?}");
}

#[tokio::test]
async fn over_websocket_callers_are_checked_at_the_handshake_and_told_of_changes() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(
        dir.path(),
        network(std::slice::from_ref(&devnet.endpoints.rpc_url)),
    )
    .await;
    let w = Arc::new(w);
    let url = w.bridge_start(0).await.unwrap().url.unwrap();
    let ws = url.replace("http://", "ws://");
    let handshake = |origin: Option<&str>, protocol: Option<&str>| {
        let mut req = ws.as_str().into_client_request().unwrap();
        if let Some(o) = origin {
            req.headers_mut().insert("origin", o.parse().unwrap());
        }
        if let Some(p) = protocol {
            req.headers_mut()
                .insert("sec-websocket-protocol", p.parse().unwrap());
        }
        tokio_tungstenite::connect_async(req)
    };
    // Browsers send no CORS for sockets: the handshake itself is the check.
    assert!(handshake(None, None).await.is_err(), "no origin, no token");
    assert!(handshake(Some("null"), None).await.is_err(), "Origin: null");
    assert!(
        handshake(None, Some("cairn.cairn_0000")).await.is_err(),
        "a made-up token"
    );
    // Only Cairn's own extension (its pinned id) may speak for a page, and only paired.
    let paired = w
        .bridge_token_add("extension")
        .await
        .unwrap()
        .token
        .unwrap();
    let speaks_for = format!(
        "cairn.{paired}, cairn-origin.{}",
        hex::encode("https://dapp.example")
    );
    let other_extension = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
    assert!(
        handshake(Some(other_extension), Some(&speaks_for))
            .await
            .is_err(),
        "a wrong extension id"
    );
    let ours = "chrome-extension://moogfdoibbpfpglpkbajaiboiljolnbn";
    let unpaired = format!("cairn-origin.{}", hex::encode("https://dapp.example"));
    assert!(
        handshake(Some(ours), Some(&unpaired)).await.is_err(),
        "our extension without its pairing token"
    );
    let (paired_socket, _) = handshake(Some(ours), Some(&speaks_for)).await.unwrap();
    drop(paired_socket);

    // A page: it connects (approved as the user would), and is told when its grant goes.
    let answering = approver(w.clone());
    let (mut socket, _) = handshake(Some("https://dapp.example"), None).await.unwrap();
    let ask = |id: u64, method: &str| {
        Message::text(
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": []}).to_string(),
        )
    };
    socket.send(ask(1, "eth_chainId")).await.unwrap();
    socket.send(ask(2, "eth_requestAccounts")).await.unwrap();
    let mut answers = std::collections::HashMap::new();
    while answers.len() < 2 {
        let m = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        answers.insert(v["id"].as_u64().unwrap(), v);
    }
    assert_eq!(answers[&1]["result"], "0x7a69");
    assert_eq!(answers[&2]["result"], json!([me.to_lowercase()]));
    answering.abort();
    // Let the connection see the grant once, then take it back.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    w.bridge_grant_revoke("https://dapp.example").await.unwrap();
    // Told as EIP-1193 has it: the accounts once connected, none once revoked.
    let mut events = Vec::new();
    while events.last() != Some(&json!({"event": "accountsChanged", "data": []})) {
        let m = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap_or_else(|_| panic!("events so far: {events:?}"))
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        if v["method"] == "wallet_event" {
            events.push(v["params"].clone());
        }
    }
    assert!(
        events.contains(&json!({"event": "accountsChanged", "data": [me.to_lowercase()]})),
        "{events:?}"
    );

    // A program over a socket: ethers' WebSocketProvider with the token as its subprotocol.
    let answering = approver(w.clone());
    let token = w
        .bridge_token_add("ethers-ws")
        .await
        .unwrap()
        .token
        .unwrap();
    let dir = cairn_tests::repo_root().join("tests/clients");
    let out = tokio::process::Command::new("node")
        .arg(dir.join("ethers-client.mjs"))
        .current_dir(&dir)
        .env("BRIDGE_URL", &url)
        .env("BRIDGE_TOKEN", &token)
        .env("SCENARIO", "sign")
        .env("TRANSPORT", "ws")
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(60), out)
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("\"step\":\"signMessage\",\"ok\":true")
            || text.contains("\"ok\":true,\"step\":\"signMessage\""),
        "{text}"
    );
    answering.abort();
}

#[tokio::test]
async fn metamask_test_dapp_in_chromium_through_the_extension() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let node = e.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), stack_network(&e)).await;
    let w = Arc::new(w);
    w.devnet_fund(&me, "5").await.unwrap();
    // The page is shown the key (it signs, checked by the page's ecrecover) and a Safe, whose
    // batch the page's EIP-5792 section sends (sponsored: the Safe pays only the calls' 1.5
    // gwei).
    let smart = w.smart_account(&me, None).await.unwrap().address;
    w.devnet_fund(&smart, "0.01").await.unwrap();
    w.sync_once().await.unwrap();
    let port = w.bridge_start(0).await.unwrap().port.unwrap();
    // The pairing the user does once: a token made in Cairn, pasted into the extension.
    let pairing = w
        .bridge_token_add("browser extension")
        .await
        .unwrap()
        .token
        .unwrap();
    let answering = approver_sharing(w.clone(), vec![me.clone(), smart.clone()]);
    let root = cairn_tests::repo_root();
    let out = cairn_tests::output_dir();
    std::fs::create_dir_all(&out).unwrap();
    let mut run = tokio::process::Command::new("node")
        .arg(root.join("tests/clients/test-dapp.mjs"))
        .current_dir(root.join("tests/clients"))
        .env("BRIDGE_PORT", port.to_string())
        .env("PAIRING_TOKEN", &pairing)
        .env("EXTENSION_DIR", root.join("extension"))
        .env("OUT_DIR", &out)
        .env("SMART_ACCOUNT", &smart)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Each step's line as it comes (a stuck step is then seen, not lost with the process).
    let mut lines: Vec<Value> = Vec::new();
    let mut reader =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(run.stdout.take().unwrap()));
    let finished = tokio::time::timeout(Duration::from_secs(300), async {
        while let Ok(Some(line)) = reader.next_line().await {
            eprintln!("test-dapp: {line}");
            if let Ok(v) = serde_json::from_str(&line) {
                lines.push(v);
            }
        }
        run.wait().await
    })
    .await;
    answering.abort();
    let status = match finished {
        Ok(status) => status.unwrap(),
        Err(_) => panic!("the browser did not finish in 300 s; its steps: {lines:?}"),
    };
    assert!(status.success(), "{lines:?}");
    for step in [
        "extension",
        "discovery",
        "connect",
        "personalSign",
        "signTypedDataV4",
        "send",
        "eip5792",
    ] {
        let line = lines
            .iter()
            .find(|l| l["step"] == step)
            .unwrap_or_else(|| panic!("no {step}: {lines:?}"));
        assert_eq!(line["ok"], true, "{line}");
    }
    let connected = lines.iter().find(|l| l["step"] == "connect").unwrap();
    assert_eq!(
        connected["account"].as_str().unwrap().to_lowercase(),
        me.to_lowercase()
    );
    // The page's grant is its own origin's, restated by the extension, not the extension's.
    let grants = w.bridge_grants().await.unwrap();
    assert!(
        grants
            .iter()
            .any(|g| g.caller.starts_with("http://127.0.0.1:")),
        "{grants:?}"
    );
    assert!(
        !grants
            .iter()
            .any(|g| g.caller.starts_with("chrome-extension")),
        "{grants:?}"
    );
    let paid = "0x0c54FcCd2e384b4BB6f2E405Bf5Cbc15a017AaFb";
    for _ in 0..50 {
        if eth_balance(&node, paid).await >= wei("0.01") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        eth_balance(&node, paid).await >= wei("0.01"),
        "the page's payment landed"
    );
    // The page's EIP-5792 batch: one bundle transaction that succeeded, both calls' effects.
    let batch = lines.iter().find(|l| l["step"] == "eip5792").unwrap();
    let tx = batch["transactionHash"]
        .as_str()
        .unwrap_or_else(|| panic!("{batch}"));
    let receipt = rpc(&node, "eth_getTransactionReceipt", json!([tx])).await;
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    assert_eq!(
        eth_balance(&node, "0xbc2114a988e9CEf5bA63548D432024f34B487048").await,
        alloy::primitives::U256::from(500_000_000u64),
        "the second call's half gwei"
    );
    assert!(
        has_code(&node, &smart).await,
        "the Safe was deployed by the batch"
    );
}

#[tokio::test]
async fn the_cli_makes_tokens_serves_at_a_prompt_and_lists_grants() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let node = devnet.endpoints.rpc_url.clone();
    let root = tempfile::tempdir().unwrap();
    let me = cli_json(root.path(), &node, &["create"])["account"]["address"]
        .as_str()
        .unwrap()
        .to_string();
    let status = cli_json(root.path(), &node, &["bridge", "status"]);
    assert_eq!(status["running"], false, "{status}");
    let token = cli_json(root.path(), &node, &["bridge", "tokens", "add", "script"]);
    let secret = token["token"].as_str().unwrap().to_string();
    let listed = cli_json(root.path(), &node, &["bridge", "tokens", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("token").is_none(), "shown once: {listed}");

    // Served from the terminal: a program's request waits at the prompt; "y" answers it.
    let mut serving = tokio::process::Command::from(cairn_tests::wallet::cli(root.path(), &node));
    let mut child = serving
        .args(["bridge", "start", "--port", "0", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut first = String::new();
    while !first.contains('}') {
        let line = tokio::time::timeout(Duration::from_secs(60), out.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        first.push_str(&line);
    }
    let started: Value = serde_json::from_str(&first).unwrap();
    let url = started["url"].as_str().unwrap().to_string();
    let asking = {
        let (url, secret) = (url.clone(), secret.clone());
        tokio::spawn(async move {
            let bearer = format!("Bearer {secret}");
            post(
                &url,
                &[JSON, ("authorization", &bearer)],
                &call("eth_requestAccounts", json!([])),
            )
            .await
        })
    };
    let mut prompts = tokio::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    while !seen.contains("approve?") {
        let mut chunk = vec![0u8; 256];
        let n = tokio::time::timeout(
            Duration::from_secs(30),
            tokio::io::AsyncReadExt::read(&mut prompts, &mut chunk),
        )
        .await
        .unwrap()
        .unwrap();
        assert!(n > 0, "the prompt never came: {seen}");
        seen.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }
    assert!(
        seen.contains("program “script”") && seen.contains("connect"),
        "{seen}"
    );
    let status = cli_json(root.path(), &node, &["bridge", "status"]);
    assert_eq!(
        status["running"], true,
        "another process sees it listening: {status}"
    );
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"y\n")
        .await
        .unwrap();
    let (_, body, _) = asking.await.unwrap();
    assert_eq!(body["result"], json!([me.to_lowercase()]), "{body}");
    child.kill().await.unwrap();

    let grants = cli_json(root.path(), &node, &["bridge", "grants"]);
    assert_eq!(grants[0]["label"], "program “script”", "{grants}");
    let id = token["id"].as_i64().unwrap().to_string();
    cli_json(root.path(), &node, &["bridge", "tokens", "revoke", &id]);
    let grants = cli_json(root.path(), &node, &["bridge", "grants"]);
    assert_eq!(grants, json!([]), "a revoked token's grant goes with it");
}
