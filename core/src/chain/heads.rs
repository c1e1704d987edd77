//! Following a node's new blocks over WebSocket (`eth_subscribe` `newHeads`), so the sync
//! worker learns of a block when it is made instead of asking on a timer.
//!
//! The feed only says *when* to look: a notification wakes the worker, whose own batched HTTP
//! read decides what the block holds. Nothing a WebSocket says is believed beyond "there may be
//! a block numbered N": a lying or flooding feed costs at most one read per wake, and the
//! worker spaces those out. Messages are capped in size, the handshake and the subscription in
//! time; a feed that stops is dropped and the worker polls again.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

use crate::chain::rpc::{install_tls_provider, ChainError};
use rustls_platform_verifier::ConfigVerifierExt;

/// A new-heads notification is one block header (~600 bytes of JSON); anything far larger is
/// not one.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Why a WebSocket endpoint gave no feed. `NotOffered` is an answer about the endpoint (no
/// WebSocket there, or no subscriptions): asking again this session is pointless.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the endpoint offers no new-block subscription")]
    NotOffered,
    #[error(transparent)]
    Chain(#[from] ChainError),
}

/// The WebSocket URL that usually sits beside an HTTP endpoint: the same address with `ws` for
/// `http` (anvil, geth's shared port, most providers). `None` for anything else.
pub fn ws_url_beside(http_url: &str) -> Option<String> {
    if let Some(rest) = http_url.strip_prefix("https://") {
        Some(format!("wss://{rest}"))
    } else {
        http_url
            .strip_prefix("http://")
            .map(|rest| format!("ws://{rest}"))
    }
}

/// A live subscription. Dropping it closes the connection.
#[derive(Debug)]
pub struct HeadFeed {
    heads: mpsc::Receiver<u64>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for HeadFeed {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl HeadFeed {
    /// Connects to `url` and subscribes to new heads, each step within `timeout`.
    pub async fn open(url: &str, timeout: Duration) -> Result<HeadFeed, FeedError> {
        install_tls_provider();
        let unreachable = |reason: String| {
            FeedError::Chain(ChainError::Unreachable {
                url: url.to_string(),
                reason,
            })
        };
        let timed_out = || {
            FeedError::Chain(ChainError::Timeout {
                url: url.to_string(),
                secs: timeout.as_secs(),
            })
        };
        let request = url
            .into_client_request()
            .map_err(|_| FeedError::Chain(ChainError::BadUrl(url.to_string())))?;
        let tls = rustls::ClientConfig::with_platform_verifier()
            .map_err(|e| unreachable(format!("no TLS roots: {e}")))?;
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_MESSAGE_BYTES));
        let connect = tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(config),
            true,
            Some(Connector::Rustls(Arc::new(tls))),
        );
        let (mut socket, _) = match tokio::time::timeout(timeout, connect).await {
            Err(_) => return Err(timed_out()),
            // The server answered but not as a WebSocket (a plain HTTP endpoint, a proxy):
            // nothing to subscribe to there.
            Ok(Err(tokio_tungstenite::tungstenite::Error::Http(_))) => {
                return Err(FeedError::NotOffered)
            }
            Ok(Err(e)) => return Err(unreachable(e.to_string())),
            Ok(Ok(s)) => s,
        };
        let ask =
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]});
        socket
            .send(Message::text(ask.to_string()))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let subscription = tokio::time::timeout(timeout, async {
            while let Some(message) = socket.next().await {
                let Ok(Message::Text(text)) = message else {
                    if message.is_err() {
                        break;
                    }
                    continue;
                };
                let Ok(answer) = serde_json::from_str::<Value>(text.as_str()) else {
                    break;
                };
                if answer.get("id") != Some(&json!(1)) {
                    continue;
                }
                return answer
                    .get("result")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
            None
        })
        .await
        .map_err(|_| timed_out())?
        .ok_or(FeedError::NotOffered)?;

        // One waiting wake is enough: the worker reads up to the head whatever it was told.
        let (tx, heads) = mpsc::channel(1);
        let reader = tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                if let Some(number) = head_number(text.as_str(), &subscription) {
                    if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(number) {
                        return;
                    }
                }
            }
        });
        Ok(HeadFeed { heads, reader })
    }

    /// The next head's number; `None` once the connection is gone.
    pub async fn next(&mut self) -> Option<u64> {
        self.heads.recv().await
    }
}

/// The block number of a notification for `subscription`, if that is what `text` is.
fn head_number(text: &str, subscription: &str) -> Option<u64> {
    let v: Value = serde_json::from_str(text).ok()?;
    if v.get("method")?.as_str()? != "eth_subscription" {
        return None;
    }
    let params = v.get("params")?;
    if params.get("subscription")?.as_str()? != subscription {
        return None;
    }
    let number = params.get("result")?.get("number")?.as_str()?;
    u64::from_str_radix(number.strip_prefix("0x")?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_websocket_beside_an_http_endpoint() {
        assert_eq!(
            ws_url_beside("http://127.0.0.1:8545").as_deref(),
            Some("ws://127.0.0.1:8545")
        );
        assert_eq!(
            ws_url_beside("https://eth.example/v2/key").as_deref(),
            Some("wss://eth.example/v2/key")
        );
        assert_eq!(ws_url_beside("ftp://x"), None);
    }

    #[test]
    fn only_this_subscriptions_heads_count() {
        let note = |sub: &str, number: &str| {
            json!({"jsonrpc": "2.0", "method": "eth_subscription",
                   "params": {"subscription": sub, "result": {"number": number}}})
            .to_string()
        };
        assert_eq!(head_number(&note("0xab", "0x10"), "0xab"), Some(16));
        assert_eq!(head_number(&note("0xcd", "0x10"), "0xab"), None);
        assert_eq!(head_number(&note("0xab", "16"), "0xab"), None);
        assert_eq!(head_number(&note("0xab", "0xzz"), "0xab"), None);
        assert_eq!(head_number(r#"{"id":1,"result":"0xab"}"#, "0xab"), None);
        assert_eq!(head_number("not json", "0xab"), None);
    }
}
