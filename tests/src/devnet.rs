//! The devnet fixture: `scripts/devnet/devnet.mjs --watch-stdin`, its endpoints read from the
//! ready line it prints. Its stdin stays open while the fixture lives; closing it (drop, panic,
//! or the test process dying) makes the script stop anvil, alto and the paymaster.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde::Deserialize;

const READY: &str = "CAIRN_DEVNET_READY ";
const START_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    #[error(
        "could not start node for the devnet script (is node installed? run scripts/setup.sh): {0}"
    )]
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
    pub contracts: Contracts,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contracts {
    pub entry_point_v06: String,
    pub entry_point_v07: String,
    pub entry_point_v08: String,
    pub simple_account_factory_v07: String,
    pub simple_account_factory_v08: String,
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
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Devnet {
    pub fn start(peers: Peers) -> Result<Devnet, DevnetError> {
        let script = crate::repo_root().join("scripts/devnet/devnet.mjs");
        let mut cmd = Command::new("node");
        cmd.arg(script).arg("--watch-stdin");
        if peers == Peers::ChainOnly {
            cmd.arg("--no-bundler");
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(DevnetError::Spawn)?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let Some(stdout) = stdout else { return };
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(json) = line.strip_prefix(READY) {
                    let _ =
                        tx.send(serde_json::from_str::<Endpoints>(json).map_err(|e| e.to_string()));
                }
            }
            let _ = tx.send(Err("the devnet script exited before it was ready".into()));
        });
        let mut devnet = Devnet {
            endpoints: Endpoints {
                chain_id: 0,
                rpc_url: String::new(),
                bundler_url: None,
                paymaster_url: None,
                contracts: Contracts {
                    entry_point_v06: String::new(),
                    entry_point_v07: String::new(),
                    entry_point_v08: String::new(),
                    simple_account_factory_v07: String::new(),
                    simple_account_factory_v08: String::new(),
                },
            },
            child,
            stdin,
        };
        // On any failure below, dropping `devnet` stops whatever did start.
        match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(endpoints)) => {
                devnet.endpoints = endpoints;
                Ok(devnet)
            }
            Ok(Err(e)) => Err(DevnetError::NotReady(e)),
            Err(_) => Err(DevnetError::NotReady(format!(
                "no ready line within {START_TIMEOUT:?}"
            ))),
        }
    }

    /// Stops the peers and waits until they are gone.
    pub fn stop(&mut self) {
        // EOF on stdin: the script stops its children and exits.
        self.stdin.take();
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        self.stop();
    }
}
