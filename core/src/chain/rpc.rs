//! JSON-RPC transport: one network's endpoints in failover order, each checked for the right
//! chain id before it is trusted, with health tracking and batches (one HTTP request for many
//! calls, so refreshing N balances costs O(1) requests).
//!
//! What fails over and what does not: an endpoint that is unreachable, times out, answers HTTP
//! errors or malformed JSON, or is on another chain is skipped for the next one; a JSON-RPC error
//! from a healthy node (a revert, "nonce too low") is the node's answer and is returned as is.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::chain::network::Network;

static TLS: std::sync::Once = std::sync::Once::new();

/// reqwest is built without a TLS crypto provider (one crypto library, ring, in the binary);
/// rustls needs the process-wide default set before any client exists.
pub fn install_tls_provider() {
    TLS.call_once(|| {
        // Err means another part of the process already installed one, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Why a chain request failed. Says which endpoint, never what was signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("the RPC URL {0:?} is not a valid http(s) URL")]
    BadUrl(String),
    #[error("the node at {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the node at {url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("the node at {url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    #[error("the node at {url} answered with something that is not JSON-RPC")]
    Malformed { url: String },
    #[error("the node at {url} sent an answer larger than {limit} bytes: refused")]
    TooLarge { url: String, limit: usize },
    #[error("the node at {url} is on chain {actual}, not chain {expected}: refusing to use it")]
    WrongChain {
        url: String,
        expected: u64,
        actual: u64,
    },
    #[error("no endpoint of {network} answers: {last}")]
    Offline {
        network: String,
        last: Box<ChainError>,
    },
    #[error("the node at {url} refused: {message}")]
    Rpc {
        url: String,
        code: i64,
        message: String,
        /// Revert data, when the node gave it.
        data: Option<String>,
    },
    #[error("the devnet faucet is only available on the local devnet (chain 31337)")]
    NotDevnet,
    #[error("the transaction {0} was not mined in time")]
    NotMined(String),
}

impl ChainError {
    /// The endpoint is unusable (as opposed to a node's answer to this request).
    fn is_endpoint_failure(&self) -> bool {
        matches!(
            self,
            ChainError::Unreachable { .. }
                | ChainError::Timeout { .. }
                | ChainError::Http { .. }
                | ChainError::Malformed { .. }
                | ChainError::TooLarge { .. }
                | ChainError::WrongChain { .. }
        )
    }

    /// No endpoint could be reached: the wallet is offline for this network.
    pub fn is_offline(&self) -> bool {
        matches!(self, ChainError::Offline { .. }) || self.is_endpoint_failure()
    }
}

/// The most a node, bundler, paymaster or explorer may send back for one request. A balance is
/// a few dozen bytes and a traced call a few hundred KiB; a hostile endpoint streaming a
/// gigabyte is refused at this size instead of filling memory. Time is bounded separately, by
/// the client's total request timeout (body included).
pub(crate) const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Why reading an answer's body stopped.
#[derive(Debug)]
pub(crate) enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads a response body, refusing it as soon as it passes `limit` bytes (or announces more).
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A node's JSON-RPC error that says "not now" rather than "never": rate limits (EIP-1474
/// -32005), internal errors, timeouts behind a gateway.
pub(crate) fn transient(code: i64, lower_message: &str) -> bool {
    matches!(code, -32005 | -32603)
        || [
            "rate",
            "limit",
            "timeout",
            "timed out",
            "busy",
            "try again",
            "unavailable",
        ]
        .iter()
        .any(|w| lower_message.contains(w))
}

/// One endpoint's standing.
#[derive(Debug, Clone, Default)]
struct Health {
    /// When its chain id was last checked and matched (reset when it fails).
    verified_at: Option<Instant>,
    failures: u32,
    /// Skipped until then after failing (doubling, capped), unless every endpoint is down.
    retry_at: Option<Instant>,
    last_error: Option<String>,
}

/// What the UI shows about an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointHealth {
    pub url: String,
    pub healthy: bool,
    pub last_error: Option<String>,
}

/// The JSON-RPC client of one network.
#[derive(Debug)]
pub struct Rpc {
    network: Network,
    http: reqwest::Client,
    health: Mutex<Vec<Health>>,
    /// The endpoint that answered last (index into `network.rpc_urls`).
    active: AtomicU64,
    next_id: AtomicU64,
    /// HTTP requests sent (a batch counts once): for tests and diagnostics.
    requests: AtomicU64,
    /// What each endpoint was found to offer (an optional API): asked once, not every round.
    capabilities: Mutex<std::collections::HashMap<(String, &'static str), bool>>,
}

const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long a chain-id check holds for single calls (batches check every time).
const VERIFY_TTL: Duration = Duration::from_secs(30);

impl Rpc {
    pub fn new(network: Network) -> Result<Rpc, ChainError> {
        install_tls_provider();
        if network.rpc_urls.is_empty() {
            return Err(ChainError::BadUrl(String::new()));
        }
        for url in &network.rpc_urls {
            let parsed: reqwest::Url = url.parse().map_err(|_| ChainError::BadUrl(url.clone()))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ChainError::BadUrl(url.clone()));
            }
        }
        let http = reqwest::Client::builder()
            .timeout(network.request_timeout)
            .connect_timeout(network.request_timeout)
            .build()
            .map_err(|e| ChainError::Unreachable {
                url: network.rpc_urls.join(", "),
                reason: e.to_string(),
            })?;
        let health = Mutex::new(vec![Health::default(); network.rpc_urls.len()]);
        Ok(Rpc {
            network,
            http,
            health,
            active: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            requests: AtomicU64::new(0),
            capabilities: Mutex::new(std::collections::HashMap::new()),
        })
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The endpoint in use: the one that answered last.
    pub fn active_url(&self) -> &str {
        let i = self.active.load(Ordering::Relaxed) as usize;
        self.network
            .rpc_urls
            .get(i)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// Whether the endpoint in use offers `api` (e.g. `ots`, `eth_simulateV1`), if it was
    /// asked before.
    pub fn capability(&self, api: &'static str) -> Option<bool> {
        let known = self.capabilities.lock().unwrap_or_else(|e| e.into_inner());
        known.get(&(self.active_url().to_string(), api)).copied()
    }

    /// Remembers what the endpoint in use answered about `api`: an error that says "no such
    /// method" (`has == false`), or a real answer.
    pub fn learn(&self, api: &'static str, has: bool) {
        let mut known = self.capabilities.lock().unwrap_or_else(|e| e.into_inner());
        known.insert((self.active_url().to_string(), api), has);
    }

    pub fn requests_sent(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn endpoints(&self) -> Vec<EndpointHealth> {
        let health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        self.network
            .rpc_urls
            .iter()
            .zip(health.iter())
            .map(|(url, h)| EndpointHealth {
                url: url.clone(),
                healthy: h.failures == 0,
                last_error: h.last_error.clone(),
            })
            .collect()
    }

    /// Endpoints to try, in order: usable ones in configured order, then (when all are backing
    /// off) the rest, so a network that comes back is noticed on the next try.
    fn order(&self) -> Vec<usize> {
        let now = Instant::now();
        let health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let (mut ready, resting): (Vec<usize>, Vec<usize>) =
            (0..health.len()).partition(|&i| health[i].retry_at.is_none_or(|t| t <= now));
        ready.extend(resting);
        ready
    }

    fn mark(&self, i: usize, result: Result<(), &ChainError>) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        let Some(h) = health.get_mut(i) else { return };
        match result {
            Ok(()) => {
                h.failures = 0;
                h.retry_at = None;
                h.last_error = None;
                self.active.store(i as u64, Ordering::Relaxed);
            }
            Err(e) => {
                h.verified_at = None;
                h.failures = h.failures.saturating_add(1);
                let backoff = Duration::from_millis(500)
                    .saturating_mul(1u32 << h.failures.min(7))
                    .min(MAX_BACKOFF);
                h.retry_at = Some(Instant::now() + backoff);
                h.last_error = Some(e.to_string());
                tracing::warn!(url = %self.network.rpc_urls[i], error = %e, "endpoint failed");
            }
        }
    }

    fn is_verified(&self, i: usize) -> bool {
        let health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        health
            .get(i)
            .and_then(|h| h.verified_at)
            .is_some_and(|t| t.elapsed() < VERIFY_TTL)
    }

    fn set_verified(&self, i: usize) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(h) = health.get_mut(i) {
            h.verified_at = Some(Instant::now());
        }
    }

    /// One POST to endpoint `i`; the body's JSON as it came back.
    async fn post(&self, i: usize, body: &Value) -> Result<Value, ChainError> {
        let url = &self.network.rpc_urls[i];
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| self.transport_error(url, &e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ChainError::Http {
                url: url.clone(),
                status: status.as_u16(),
            });
        }
        let bytes = read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => ChainError::TooLarge {
                    url: url.clone(),
                    limit: MAX_ANSWER_BYTES,
                },
                ReadError::Transport(e) => self.transport_error(url, &e),
            })?;
        serde_json::from_slice(&bytes).map_err(|_| ChainError::Malformed { url: url.clone() })
    }

    fn transport_error(&self, url: &str, e: &reqwest::Error) -> ChainError {
        if e.is_timeout() {
            ChainError::Timeout {
                url: url.to_string(),
                secs: self.network.request_timeout.as_secs().max(1),
            }
        } else {
            ChainError::Unreachable {
                url: url.to_string(),
                // reqwest's chain of causes says "connection refused" and the like.
                reason: std::error::Error::source(e)
                    .and_then(std::error::Error::source)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| e.to_string()),
            }
        }
    }

    fn request(&self, method: &str, params: &Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
    }

    /// Asks endpoint `i` for its chain id, again after `VERIFY_TTL` or a failure.
    async fn verify(&self, i: usize) -> Result<(), ChainError> {
        if self.is_verified(i) {
            return Ok(());
        }
        let url = &self.network.rpc_urls[i];
        let reply = self
            .post(i, &self.request("eth_chainId", &json!([])))
            .await?;
        let actual = result_of(url, reply)
            .and_then(|v| quantity(url, &v))
            .map_err(|e| match e {
                // A node that cannot even say its chain id is not one to trust.
                ChainError::Rpc { .. } => ChainError::Malformed { url: url.clone() },
                other => other,
            })?;
        if actual != self.network.chain_id {
            return Err(ChainError::WrongChain {
                url: url.clone(),
                expected: self.network.chain_id,
                actual,
            });
        }
        self.set_verified(i);
        Ok(())
    }

    /// Runs `attempt` on each endpoint in turn until one is usable.
    /// `checks_chain`: the attempt checks the chain id itself (a batch carries an
    /// `eth_chainId`), so no separate request is spent on it.
    async fn with_failover<T, F, Fut>(
        &self,
        checks_chain: bool,
        attempt: F,
    ) -> Result<T, ChainError>
    where
        F: Fn(usize) -> Fut,
        Fut: std::future::Future<Output = Result<T, ChainError>>,
    {
        let mut last = None;
        for i in self.order() {
            let verified = if checks_chain {
                Ok(())
            } else {
                self.verify(i).await
            };
            let outcome = match verified {
                Ok(()) => attempt(i).await,
                Err(e) => Err(e),
            };
            match outcome {
                Err(e) if e.is_endpoint_failure() => {
                    self.mark(i, Err(&e));
                    last = Some(e);
                }
                other => {
                    self.mark(i, Ok(()));
                    return other;
                }
            }
        }
        Err(ChainError::Offline {
            network: self.network.name.clone(),
            last: Box::new(last.unwrap_or(ChainError::BadUrl(String::new()))),
        })
    }

    /// One JSON-RPC call.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Value,
    ) -> Result<T, ChainError> {
        self.with_failover(false, |i| {
            let body = self.request(method, &params);
            async move {
                let url = &self.network.rpc_urls[i];
                let reply = self.post(i, &body).await?;
                let value = result_of(url, reply)?;
                serde_json::from_value(value)
                    .map_err(|_| ChainError::Malformed { url: url.clone() })
            }
        })
        .await
    }

    /// Many calls in one HTTP request; each call's own outcome, in order. The batch as a whole
    /// fails over like a single call.
    pub async fn batch(
        &self,
        calls: &[(&str, Value)],
    ) -> Result<Vec<Result<Value, ChainError>>, ChainError> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        self.with_failover(true, |i| {
            // Every batch also asks for the chain id (one more call, no more requests): an
            // endpoint that moved to another chain is caught on the next refresh.
            let first = self
                .next_id
                .fetch_add(calls.len() as u64 + 1, Ordering::Relaxed);
            let check_id = first + calls.len() as u64;
            let mut body: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(k, (m, p))| {
                    json!({"jsonrpc": "2.0", "id": first + k as u64, "method": m, "params": p})
                })
                .collect();
            body.push(
                json!({"jsonrpc": "2.0", "id": check_id, "method": "eth_chainId", "params": []}),
            );
            async move {
                let url = &self.network.rpc_urls[i];
                let reply = self.post(i, &Value::Array(body)).await?;
                let Value::Array(items) = reply else {
                    return Err(ChainError::Malformed { url: url.clone() });
                };
                // Replies may come in any order: match them by id.
                let mut out: Vec<Option<Result<Value, ChainError>>> = vec![None; calls.len()];
                let mut chain = None;
                for item in items {
                    let Some(id) = item.get("id").and_then(Value::as_u64) else {
                        return Err(ChainError::Malformed { url: url.clone() });
                    };
                    if id == check_id {
                        chain = Some(result_of(url, item).and_then(|v| quantity(url, &v)));
                        continue;
                    }
                    let k = id.wrapping_sub(first) as usize;
                    if k < out.len() {
                        out[k] = Some(result_of(url, item));
                    }
                }
                match chain {
                    Some(Ok(actual)) if actual == self.network.chain_id => self.set_verified(i),
                    Some(Ok(actual)) => {
                        return Err(ChainError::WrongChain {
                            url: url.clone(),
                            expected: self.network.chain_id,
                            actual,
                        })
                    }
                    _ => return Err(ChainError::Malformed { url: url.clone() }),
                }
                out.into_iter()
                    .map(|r| r.ok_or_else(|| ChainError::Malformed { url: url.clone() }))
                    .collect()
            }
        })
        .await
    }
}

/// The `result` of a JSON-RPC reply, or its `error` as a typed error.
fn result_of(url: &str, mut reply: Value) -> Result<Value, ChainError> {
    if let Some(error) = reply.get("error") {
        return Err(ChainError::Rpc {
            url: url.to_string(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message")
                .chars()
                .take(300)
                .collect(),
            data: error.get("data").and_then(|d| match d {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("data").and_then(Value::as_str).map(str::to_string),
                _ => None,
            }),
        });
    }
    match reply.get_mut("result") {
        Some(v) => Ok(v.take()),
        None => Err(ChainError::Malformed {
            url: url.to_string(),
        }),
    }
}

/// A JSON-RPC quantity ("0x1a") as u64.
pub fn quantity(url: &str, v: &Value) -> Result<u64, ChainError> {
    v.as_str()
        .and_then(|s| s.strip_prefix("0x"))
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .ok_or_else(|| ChainError::Malformed {
            url: url.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_errors_are_typed_with_their_revert_data() {
        let reply = json!({"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted: nope","data":"0x08c379a0"}});
        match result_of("u", reply) {
            Err(ChainError::Rpc {
                code,
                message,
                data,
                ..
            }) => {
                assert_eq!(code, 3);
                assert_eq!(message, "execution reverted: nope");
                assert_eq!(data.as_deref(), Some("0x08c379a0"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            result_of("u", json!({"jsonrpc":"2.0","id":1})),
            Err(ChainError::Malformed { .. })
        ));
    }

    #[test]
    fn urls_are_checked_up_front() {
        let mut n = Network::devnet("ftp://x");
        assert!(matches!(Rpc::new(n.clone()), Err(ChainError::BadUrl(_))));
        n.rpc_urls = vec![];
        assert!(matches!(Rpc::new(n), Err(ChainError::BadUrl(_))));
    }

    #[tokio::test]
    async fn every_endpoint_down_is_offline_naming_the_last_failure() {
        let mut n = Network::devnet("http://127.0.0.1:9");
        n.rpc_urls.push("http://127.0.0.1:7".into());
        n.request_timeout = Duration::from_millis(500);
        let rpc = Rpc::new(n).unwrap();
        let err = rpc
            .call::<String>("eth_chainId", json!([]))
            .await
            .unwrap_err();
        assert!(err.is_offline(), "{err}");
        // The error names the last endpoint tried and why it failed; each endpoint keeps its own.
        let ChainError::Offline { last, .. } = &err else {
            panic!("not offline: {err}");
        };
        assert!(
            matches!(&**last, ChainError::Unreachable { url, .. } if url == "http://127.0.0.1:7"),
            "{last:?}"
        );
        assert!(err.to_string().contains("127.0.0.1:7"), "{err}");
        let endpoints = rpc.endpoints();
        assert!(endpoints.iter().all(|e| !e.healthy));
        for e in &endpoints {
            let why = e.last_error.as_deref().unwrap_or_default();
            assert!(why.contains(&e.url), "{}: {why}", e.url);
        }
    }
}
