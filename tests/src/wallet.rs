//! Helpers the end-to-end tests share: a devnet network and a fast-KDF wallet on it, raw
//! JSON-RPC against the node (balances, dev-account transactions, a test ERC-20), and waiting
//! for an operation to reach a state.

// A failed expectation in a test helper is a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use cairn_api::{Operation, SendRequest, SendSpeed};
use cairn_core::keychain::NoKeychain;
use cairn_core::{KdfParams, KeySpec, Network, Wallet, WalletConfig};
use secrecy::SecretString;
use serde_json::{json, Value};

pub const WAIT: Duration = Duration::from_secs(30);
/// A cheap KDF for tests about everything but the KDF. A wallet opened with it accepts only
/// vaults at least this costly, so every process on one test wallet must use the same.
pub const FAST_KDF: KdfParams = KdfParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};
pub const ETHER: u128 = 1_000_000_000_000_000_000;
/// Someone outside the wallet.
pub const BOB: &str = "0x000000000000000000000000000000000000bEEF";

/// The devnet at `urls`, with the app's own request deadline (10 s): a shorter one turns a
/// loaded machine's slow answers into "offline" when a dozen devnets run side by side.
pub fn network(urls: &[String]) -> Network {
    let mut n = Network::devnet(urls[0].clone());
    n.rpc_urls = urls.to_vec();
    n
}

/// [`network`] with a short deadline, for the tests of what a hanging node does.
pub fn impatient_network(urls: &[String]) -> Network {
    let mut n = network(urls);
    n.request_timeout = Duration::from_secs(2);
    n
}

/// A new wallet (fast KDF: these tests are about the chain) on `urls`, unlocked.
pub async fn new_wallet(dir: &std::path::Path, net: Network) -> (Wallet, String) {
    new_wallet_with(dir, net, FAST_KDF).await
}

/// A wallet whose vault the app would open: the app refuses a weaker key derivation than its
/// own (a downgraded header), so a profile made here for the window uses the release one.
pub async fn new_wallet_with(
    dir: &std::path::Path,
    net: Network,
    kdf: KdfParams,
) -> (Wallet, String) {
    let w = Wallet::new(WalletConfig {
        data_dir: dir.to_path_buf(),
        network: net,
        kdf,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();
    let created = w
        .create(
            SecretString::from("send sync password"),
            KeySpec::NewMnemonic { words: 12 },
        )
        .await
        .unwrap();
    (w, created.account.address)
}

/// The devnet's node, bundler and paymaster as one network.
pub fn stack_network(e: &crate::devnet::Endpoints) -> Network {
    let mut n = network(std::slice::from_ref(&e.rpc_url));
    n.bundler_url = e.bundler_url.clone();
    n.paymaster_url = e.paymaster_url.clone();
    n
}

/// A JSON-RPC call's whole reply, an error included.
pub async fn rpc_reply(url: &str, method: &str, params: Value) -> Value {
    reqwest::Client::new()
        .post(url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let reply = rpc_reply(url, method, params).await;
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

/// `eth_call` at the latest block: the answer's bytes.
pub async fn eth_call(url: &str, to: Address, data: Vec<u8>) -> Vec<u8> {
    let v = rpc(
        url,
        "eth_call",
        json!([{"to": to, "data": alloy::primitives::Bytes::from(data)}, "latest"]),
    )
    .await;
    hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

pub async fn has_code(url: &str, who: &str) -> bool {
    rpc(url, "eth_getCode", json!([who, "latest"]))
        .await
        .as_str()
        .unwrap()
        .len()
        > 2
}

/// Random bytes (from the core's nonce keys: the core's randomness is not the subject where
/// these are used).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        out.extend_from_slice(&cairn_core::aa::fresh_nonce().unwrap().to_be_bytes::<32>()[8..24]);
    }
    out.truncate(n);
    out
}

pub fn random_u256(bits: usize) -> U256 {
    let mut b = [0u8; 32];
    let n = bits / 8;
    b[32 - n..].copy_from_slice(&random_bytes(n));
    U256::from_be_bytes(b)
}

/// A user operation of random fields, for hashing against the contracts: round `n` deploys
/// through `factory` when `n % 3 == 0` and carries paymaster fields when `n` is odd.
pub fn random_user_op(n: usize, factory: Address) -> cairn_core::aa::UserOp {
    use alloy::primitives::Bytes;
    let sponsored = n % 2 == 1;
    let deploys = n.is_multiple_of(3);
    cairn_core::aa::UserOp {
        sender: Address::from_slice(&random_bytes(20)),
        nonce: random_u256(256),
        factory: deploys.then_some(factory),
        factory_data: deploys.then(|| Bytes::from(random_bytes(68))),
        call_data: Bytes::from(random_bytes(4 + 32 * n)),
        call_gas_limit: random_u256(64),
        verification_gas_limit: random_u256(64),
        pre_verification_gas: random_u256(64),
        max_fee_per_gas: random_u256(96),
        max_priority_fee_per_gas: random_u256(96),
        paymaster: sponsored.then(|| Address::from_slice(&random_bytes(20))),
        paymaster_verification_gas_limit: sponsored.then(|| random_u256(64)),
        paymaster_post_op_gas_limit: sponsored.then(|| random_u256(64)),
        paymaster_data: sponsored.then(|| Bytes::from(random_bytes(97))),
        signature: Bytes::from(random_bytes(65)),
    }
}

pub fn u256(v: &Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

pub async fn eth_balance(url: &str, who: &str) -> U256 {
    u256(&rpc(url, "eth_getBalance", json!([who, "latest"])).await)
}

pub async fn token_balance(url: &str, token: &str, who: &str) -> U256 {
    let who: Address = who.parse().unwrap();
    let data = format!("0x70a08231{:0>64}", hex::encode(who.as_slice()));
    u256(
        &rpc(
            url,
            "eth_call",
            json!([{"to": token, "data": data}, "latest"]),
        )
        .await,
    )
}

/// Sends a transaction from anvil's first dev account and waits for its receipt.
pub async fn dev_send(url: &str, tx: Value) -> Value {
    let accounts = rpc(url, "eth_accounts", json!([])).await;
    let mut tx = tx;
    tx["from"] = accounts[0].clone();
    let hash = rpc(url, "eth_sendTransaction", json!([tx])).await;
    for _ in 0..100 {
        let r = rpc(url, "eth_getTransactionReceipt", json!([hash])).await;
        if !r.is_null() {
            assert_eq!(r["status"], "0x1", "{r}");
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not mined: {hash}");
}

/// Deploys a test ERC-20 (Uniswap v2's, symbol UNI-V2, 18 decimals) with its whole supply at
/// anvil's first dev account; returns its address.
pub async fn deploy_token(url: &str) -> String {
    let artifact =
        crate::repo_root().join("scripts/devnet/node_modules/@uniswap/v2-core/build/ERC20.json");
    let artifact: Value = serde_json::from_slice(&std::fs::read(artifact).unwrap()).unwrap();
    let supply = U256::from(1_000_000u64) * U256::from(ETHER);
    let data = format!(
        "0x{}{}",
        artifact["bytecode"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        hex::encode(supply.to_be_bytes::<32>())
    );
    let receipt = dev_send(url, json!({"data": data})).await;
    receipt["contractAddress"].as_str().unwrap().to_string()
}

/// Moves `amount` whole tokens from the dev account to `to`: an incoming transfer by another key.
pub async fn give_tokens(url: &str, token: &str, to: &str, amount: u64) {
    let to: Address = to.parse().unwrap();
    let value = U256::from(amount) * U256::from(ETHER);
    let data = format!(
        "0xa9059cbb{:0>64}{}",
        hex::encode(to.as_slice()),
        hex::encode(value.to_be_bytes::<32>())
    );
    dev_send(url, json!({"to": token, "data": data})).await;
}

pub fn eth(to: &str, from: &str, amount: &str) -> SendRequest {
    SendRequest {
        from: from.into(),
        to: to.into(),
        token: None,
        amount: amount.into(),
        speed: SendSpeed::Normal,
        mfa_code: None,
        override_risk: false,
    }
}

/// Waits until operation `id` reaches `state` (the sync worker runs while unlocked).
pub async fn wait_state(w: &Wallet, id: i64, state: &str) -> Operation {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let ops = w.operations(100).await.unwrap();
        let op = ops.iter().find(|o| o.id == id).unwrap().clone();
        if op.state == state {
            return op;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "operation {id} stuck in {} (wanted {state}): {:?}",
            op.state,
            op.error
        );
        w.wake_sync();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn wei(text: &str) -> U256 {
    cairn_core::units::parse_units(text, 18).unwrap()
}

/// The `cairn` CLI on a profile root and a node, with the password the CLI tests use.
pub fn cli(root: &std::path::Path, rpc_url: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(crate::gui::sibling_binary("cairn"));
    cmd.env("CAIRN_DATA_DIR", root)
        .env("CAIRN_RPC_URL", rpc_url)
        .env("CAIRN_PASSWORD", "crash test password")
        .env_remove("CAIRN_LOG")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    cmd
}

/// Runs `cmd args --json`, which must succeed; its JSON output.
pub fn run_json(mut cmd: std::process::Command, args: &[&str]) -> Value {
    let out = cmd.args(args).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "cairn {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn cli_json(root: &std::path::Path, rpc_url: &str, args: &[&str]) -> Value {
    run_json(cli(root, rpc_url), args)
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code an authenticator app shows now for `secret`.
pub fn totp_now(secret: &[u8]) -> String {
    cairn_core::totp::code_at(secret, unix_now())
}

/// The address of HD account `index` of `phrase` by alloy's own BIP-39/32 builder: an oracle
/// for the end-to-end tests that does not go through Cairn's derivation.
pub fn reference_address(phrase: &str, passphrase: &str, index: u32) -> Address {
    alloy::signers::local::MnemonicBuilder::<alloy::signers::local::coins_bip39::English>::default()
        .phrase(phrase)
        .password(passphrase)
        .derivation_path(format!("m/44'/60'/0'/0/{index}"))
        .and_then(|b| b.build())
        .map(|s| s.address())
        .unwrap_or_else(|e| panic!("the reference derivation failed: {e}"))
}
