//! The devnet fixture: `scripts/devnet/devnet.mjs --watch-stdin`, its endpoints read from the
//! ready line it prints. It stops when the fixture drops or the test process dies.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Deserialize;

use crate::process::Supervised;

const READY: &str = "CAIRN_DEVNET_READY ";
const START_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    #[error("could not start node for the devnet script (run scripts/setup.sh): {0}")]
    Spawn(std::io::Error),
    #[error("the devnet did not become ready: {0}")]
    NotReady(String),
}

/// Where the peers listen.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub chain_id: u64,
    pub rpc_url: String,
    pub bundler_url: Option<String>,
    pub paymaster_url: Option<String>,
    /// The paymaster behind a sponsorship policy (`POST {url}/policy {"deny": [...]}`).
    pub paymaster_policy_url: Option<String>,
    pub contracts: Contracts,
    /// Chainlink-style aggregators at the mainnet feed addresses (`ethUsd`, `eurUsd`, ...).
    #[serde(default)]
    pub price_feeds: std::collections::HashMap<String, String>,
    /// Their method selectors by signature, e.g. `updateRoundData(uint80,int256,uint256,uint256)`.
    #[serde(default)]
    pub price_feed_methods: std::collections::HashMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contracts {
    pub entry_point_v06: String,
    pub entry_point_v07: String,
    pub entry_point_v08: String,
    pub simple_account_factory_v07: String,
    pub simple_account_factory_v08: String,
    /// Safe 1.4.1 at its canonical addresses, through the Safe singleton factory.
    pub safe_l2: String,
    pub safe_proxy_factory: String,
    pub multi_send_call_only: String,
    /// Safe's ERC-4337 module 0.3.0 and its setup helper (npm bytes: devnet addresses).
    pub safe4337_module: String,
    pub safe_module_setup: String,
    /// Safe's passkey contracts 0.2.0 (npm bytes: devnet addresses).
    pub web_authn_shared_signer: String,
    pub web_authn_signer_factory: String,
    pub fcl_p256_verifier: String,
}

/// Which peers to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peers {
    /// anvil with the ERC-4337 contracts deployed.
    ChainOnly,
    /// anvil, alto and the paymaster.
    Full,
}

#[derive(Debug)]
pub struct Devnet {
    pub endpoints: Endpoints,
    process: Supervised,
}

impl Devnet {
    pub fn start(peers: Peers) -> Result<Devnet, DevnetError> {
        Devnet::start_with(peers, &[])
    }

    /// The same, with more of `devnet.mjs`'s options (e.g. `["--hardfork", "prague"]`).
    pub fn start_with(peers: Peers, options: &[&str]) -> Result<Devnet, DevnetError> {
        let mut cmd = Command::new("node");
        cmd.arg(crate::repo_root().join("scripts/devnet/devnet.mjs"))
            .arg("--watch-stdin")
            .args(options)
            .stderr(Stdio::inherit());
        if peers == Peers::ChainOnly {
            cmd.arg("--no-bundler");
        }
        // On an error below, dropping `process` stops whatever did start.
        let mut process = Supervised::spawn(cmd, Stdio::piped()).map_err(DevnetError::Spawn)?;
        let endpoints = process
            .wait_for_line(START_TIMEOUT, |line| {
                line.strip_prefix(READY)
                    .map(|json| serde_json::from_str::<Endpoints>(json).map_err(|e| e.to_string()))
            })
            .and_then(|parsed| parsed)
            .map_err(DevnetError::NotReady)?;
        Ok(Devnet { endpoints, process })
    }

    /// Stops the peers and waits until they are gone.
    pub fn stop(&mut self) {
        self.process.stop();
    }
}

/// A bare anvil on its own port and chain id (no contracts, no bundler), killed and reaped
/// when dropped: for a second chain, or one whose blocks a test paces itself.
#[derive(Debug)]
pub struct BareAnvil {
    child: std::process::Child,
    pub url: String,
    // anvil spills old states under $HOME/.foundry/anvil/tmp and does not remove them when
    // killed; its HOME is this directory, removed after the child is reaped (field order).
    _home: tempfile::TempDir,
}

impl BareAnvil {
    pub async fn start(chain_id: u64) -> Result<BareAnvil, DevnetError> {
        let port = crate::free_port().map_err(DevnetError::Spawn)?;
        let bin = crate::repo_root().join("scripts/devnet/node_modules/.bin/anvil");
        let home = tempfile::Builder::new()
            .prefix("cairn-anvil-")
            .tempdir()
            .map_err(DevnetError::Spawn)?;
        let child = Command::new(bin)
            .env("HOME", home.path())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--chain-id", &chain_id.to_string(), "--silent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(DevnetError::Spawn)?;
        // Owned at once: a start that fails below still kills and reaps it.
        let anvil = BareAnvil {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _home: home,
        };
        let ask =
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []});
        for _ in 0..100 {
            let up = reqwest::Client::new()
                .post(&anvil.url)
                .json(&ask)
                .send()
                .await
                .is_ok();
            if up {
                return Ok(anvil);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(DevnetError::NotReady(format!(
            "anvil on {} did not answer",
            anvil.url
        )))
    }
}

impl Drop for BareAnvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
