//! The dapp bridge: a JSON-RPC provider on loopback that web pages, local programs and (later)
//! Cairn's browser extension call, off until the user turns it on. Who calls is decided from the
//! request alone (`caller`), what waits for the user is kept in a short line (`approvals`), the
//! methods are in `rpc`, the listener in `server`; grants and tokens live in the ledger.
//!
//! May use: `smart`, `send`, `guard`, `accounts`, `networks`, `session`, `store`, `chain`,
//! `primitives`.

mod approvals;
mod caller;
mod rpc;
mod server;
mod ws;

use std::sync::{Arc, Weak};

use cairn_api::{BridgeApproval, BridgeDecision, BridgeGrant, BridgeStatus, BridgeToken};

use crate::session::{Ctx, SessionError};
use crate::store::ledger::LedgerError;

/// Why a bridge step failed.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    #[error("the bridge could not listen on 127.0.0.1:{0}: {1}")]
    Bind(u16, String),
    #[error("the bridge is already running on port {0}")]
    Running(u16),
    #[error("no request {0} waits for an answer (it was answered, withdrawn or timed out)")]
    NoApproval(u64),
    #[error("no live token {0}")]
    NoToken(i64),
    #[error("no grant for {0}")]
    NoGrant(String),
    #[error("a token name is 1 to 64 characters")]
    BadName,
    #[error("no randomness for a token")]
    Random,
    #[error("could not sign: {0}")]
    Sign(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

pub type Result<T, E = BridgeError> = std::result::Result<T, E>;

/// Where the port the bridge last listened on is kept.
const PORT_KEY: &str = "bridge.port";
/// Set while the user wants the bridge on: the port asked for ("" when off).
const ON_KEY: &str = "bridge.on";

/// What the bridge keeps across calls: the running listener, the requests that wait for the
/// user, the callers' request rates. One per wallet handle.
#[derive(Debug, Default)]
pub struct Shared {
    approvals: approvals::Approvals,
    running: tokio::sync::Mutex<Option<server::Running>>,
    rates: server::Rates,
    /// When each caller last had the user asked to unlock.
    asked_unlock: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// The device's passkey authenticator (set by the front end): a passkey's Safe signs what
    /// apps ask of it with it, as the window's sends do.
    authenticator: std::sync::RwLock<Option<Arc<dyn crate::passkeys::Authenticator>>>,
}

impl Shared {
    pub(crate) fn set_authenticator(&self, a: Arc<dyn crate::passkeys::Authenticator>) {
        *self
            .authenticator
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(a);
    }

    pub(crate) fn authenticator(&self) -> Option<Arc<dyn crate::passkeys::Authenticator>> {
        self.authenticator
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn allow(&self, key: &str, cost: usize) -> bool {
        self.rates.allow(key, cost)
    }

    /// Whether to ask the user to unlock for `key` now (not again within half a minute).
    fn may_tell_locked(&self, key: &str) -> bool {
        let mut asked = self.asked_unlock.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        asked.retain(|_, at| now.duration_since(*at) < std::time::Duration::from_secs(30));
        if asked.contains_key(key) || asked.len() > 64 {
            return false;
        }
        asked.insert(key.to_string(), now);
        true
    }

    /// Stops listening at once (the wallet handle is going away; its tasks hold this too).
    pub(crate) fn shutdown(&self) {
        if let Ok(mut running) = self.running.try_lock() {
            if let Some(r) = running.take() {
                r.stop();
            }
        }
        self.approvals.clear();
    }
}

pub(crate) struct Bridge<'a> {
    pub(crate) ctx: &'a Ctx,
    pub(crate) shared: &'a Shared,
}

impl Bridge<'_> {
    crate::session::gate_methods!(BridgeError);

    /// Starts listening on `port` (0: any free one). Refused while it already runs.
    pub(crate) async fn start(
        &self,
        ctx: Weak<Ctx>,
        shared: Arc<Shared>,
        port: u16,
    ) -> Result<BridgeStatus> {
        let mut running = self.shared.running.lock().await;
        if let Some(r) = running.as_ref() {
            return Err(BridgeError::Running(r.port));
        }
        let requested = port;
        let started = server::start(ctx, shared, port).await?;
        let port = started.port;
        *running = Some(started);
        drop(running);
        // Where it listened, for `cairn bridge status` from another process; and that it is on,
        // so the next unlock starts it again (on the port asked for: 0 stays "any").
        let asked = if requested == 0 { port } else { requested };
        self.with_session_quiet(|s| {
            s.ledger.remember(PORT_KEY, &port.to_string())?;
            s.ledger.remember(ON_KEY, &asked.to_string())?;
            Ok(())
        })
        .await?;
        Ok(self.status().await)
    }

    /// Stops listening and refuses what waited; the next unlock leaves it off.
    pub(crate) async fn stop(&self) -> BridgeStatus {
        self.halt().await;
        let _ = self
            .with_session_quiet(|s| Ok(s.ledger.remember(ON_KEY, "")?))
            .await;
        self.status().await
    }

    /// Stops listening (the wallet handle goes, or the user turned it off).
    pub(crate) async fn halt(&self) {
        if let Some(r) = self.shared.running.lock().await.take() {
            r.stop();
        }
        self.shared.approvals.clear();
        self.told();
    }

    /// After an unlock: starts the bridge again if the user left it on.
    pub(crate) async fn resume(&self, ctx: Weak<Ctx>, shared: Arc<Shared>) -> Result<BridgeStatus> {
        let port = self
            .with_session_quiet(|s| Ok(s.ledger.setting(ON_KEY)?))
            .await?
            .and_then(|p| p.parse::<u16>().ok());
        match port {
            Some(p) if self.shared.running.lock().await.is_none() => {
                self.start(ctx, shared, p).await
            }
            _ => Ok(self.status().await),
        }
    }

    /// The port the bridge last listened on (by any process of this profile).
    pub(crate) async fn last_port(&self) -> Result<Option<u16>> {
        self.with_session_quiet(|s| {
            Ok(s.ledger
                .setting(PORT_KEY)?
                .and_then(|p| p.parse::<u16>().ok()))
        })
        .await
    }

    pub(crate) async fn status(&self) -> BridgeStatus {
        let port = self.shared.running.lock().await.as_ref().map(|r| r.port);
        BridgeStatus {
            running: port.is_some(),
            url: port.map(|p| format!("http://127.0.0.1:{p}")),
            port,
        }
    }

    /// The caller a token hash names, if it is live (and marks it used).
    async fn program(&self, hash: &str) -> Result<Option<caller::Caller>> {
        self.with_session_quiet(|s| {
            let Some(row) = s.ledger.bridge_token_by_hash(hash)? else {
                return Ok(None);
            };
            s.ledger.touch_bridge_token(row.id)?;
            Ok(Some(caller::Caller::Program {
                token_id: row.id,
                name: row.name,
            }))
        })
        .await
    }

    /// A new token for a local program, shown this once.
    pub(crate) async fn add_token(&self, name: &str) -> Result<BridgeToken> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(BridgeError::BadName);
        }
        let token = caller::new_token().ok_or(BridgeError::Random)?;
        let hash = caller::token_hash(&token);
        let row = self
            .with_session(|s| Ok(s.ledger.add_bridge_token(name, &hash)?))
            .await?;
        Ok(BridgeToken {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            last_used_at: None,
            revoked_at: None,
            token: Some(token),
        })
    }

    pub(crate) async fn tokens(&self) -> Result<Vec<BridgeToken>> {
        self.with_session(|s| {
            Ok(s.ledger
                .bridge_tokens()?
                .into_iter()
                .map(|r| BridgeToken {
                    id: r.id,
                    name: r.name,
                    created_at: r.created_at,
                    last_used_at: r.last_used_at,
                    revoked_at: r.revoked_at,
                    token: None,
                })
                .collect())
        })
        .await
    }

    /// Revokes a token: its next call is refused, its grant is gone, what it asked is dropped.
    pub(crate) async fn revoke_token(&self, id: i64) -> Result<()> {
        match self
            .with_session(|s| Ok(s.ledger.revoke_bridge_token(id)?))
            .await?
        {
            true => {
                self.shared
                    .approvals
                    .withdraw_caller(&format!("token:{id}"));
                self.told();
                Ok(())
            }
            false => Err(BridgeError::NoToken(id)),
        }
    }

    pub(crate) async fn grants(&self) -> Result<Vec<BridgeGrant>> {
        self.with_session(|s| {
            let names: std::collections::HashMap<String, String> = s
                .ledger
                .bridge_tokens()?
                .into_iter()
                .map(|t| (format!("token:{}", t.id), t.name))
                .collect();
            Ok(s.ledger
                .bridge_grants()?
                .into_iter()
                .map(|g| BridgeGrant {
                    label: names
                        .get(&g.caller)
                        .map(|n| format!("program “{n}”"))
                        .unwrap_or_else(|| g.caller.clone()),
                    caller: g.caller,
                    accounts: g.accounts,
                    chain_id: g.chain_id,
                    granted_at: g.granted_at,
                    last_used_at: g.last_used_at,
                })
                .collect())
        })
        .await
    }

    /// Takes a caller's grant back; what it asked that still waits is dropped too.
    pub(crate) async fn revoke_grant(&self, caller: &str) -> Result<()> {
        match self
            .with_session(|s| Ok(s.ledger.revoke_bridge_grant(caller)?))
            .await?
        {
            true => {
                self.shared.approvals.withdraw_caller(caller);
                self.told();
                Ok(())
            }
            false => Err(BridgeError::NoGrant(caller.to_string())),
        }
    }

    pub(crate) fn approvals(&self) -> Vec<BridgeApproval> {
        self.shared.approvals.list()
    }

    /// The user's answer to a waiting request (the request's own path does the work).
    pub(crate) async fn decide(&self, decision: BridgeDecision) -> Result<()> {
        // Answering needs the wallet unlocked, as the work it starts does.
        self.with_session(|_| Ok(())).await?;
        let id = decision.id;
        if self.shared.approvals.get(id).is_none() || !self.shared.approvals.decide(decision) {
            return Err(BridgeError::NoApproval(id));
        }
        self.told();
        Ok(())
    }
}
