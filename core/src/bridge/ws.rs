//! The bridge over WebSocket: the same methods as over HTTP, plus events — `accountsChanged`
//! when the caller's grant changes (or the wallet locks), `chainChanged` when the caller's
//! network does — sent as `wallet_event` notifications. Browsers apply no CORS to WebSockets,
//! so the handshake is checked here: a page by its `Origin`, a program by its token offered as
//! the subprotocol `cairn.<token>` (browsers cannot set other headers), echoed back.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, UPGRADE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::caller::Caller;
use super::{Bridge, Shared};
use crate::session::Ctx;

/// Requests one connection may have in flight (each may wait for the user).
const IN_FLIGHT: usize = 8;
/// How often a connection looks for changes to tell (grant, network, lock).
const WATCH: Duration = Duration::from_secs(1);
/// The largest message read.
const MAX_MESSAGE: usize = 512 * 1024;

/// Whether `req` asks to become a WebSocket.
pub(crate) fn is_upgrade(req: &Request<Incoming>) -> bool {
    let has = |name: hyper::header::HeaderName, word: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains(word))
    };
    has(UPGRADE, "websocket") && has(CONNECTION, "upgrade")
}

/// The token a program offers as a subprotocol, if any.
pub(crate) fn offered_token(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get("sec-websocket-protocol")?
        .to_str()
        .ok()?
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("cairn.").map(str::to_string))
}

/// Accepts the handshake of a caller already recognised and serves the socket in a task.
pub(crate) fn accept(
    mut req: Request<Incoming>,
    ctx: Weak<Ctx>,
    shared: Arc<Shared>,
    caller: Caller,
    echo: Option<String>,
) -> Response<Full<Bytes>> {
    let Some(key) = req
        .headers()
        .get(SEC_WEBSOCKET_KEY)
        .map(|k| k.as_bytes().to_vec())
    else {
        let mut bad = Response::new(Full::new(Bytes::from_static(b"not a WebSocket handshake")));
        *bad.status_mut() = StatusCode::BAD_REQUEST;
        return bad;
    };
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrade.await else { return };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        serve(socket, ctx, shared, caller).await;
    });
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = response.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) =
        HeaderValue::from_str(&tokio_tungstenite::tungstenite::handshake::derive_accept_key(&key))
    {
        h.insert(SEC_WEBSOCKET_ACCEPT, accept);
    }
    if let Some(p) = echo.and_then(|p| HeaderValue::from_str(&p).ok()) {
        h.insert("sec-websocket-protocol", p);
    }
    response
}

/// What a connection last told its caller.
#[derive(Default, PartialEq)]
struct Told {
    chain: Option<u64>,
    accounts: Option<Vec<String>>,
}

async fn serve<S>(socket: WebSocketStream<S>, ctx: Weak<Ctx>, shared: Arc<Shared>, caller: Caller)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = socket.split();
    let (out, mut outgoing) = tokio::sync::mpsc::channel::<Value>(64);
    let slots = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut told = Told::default();
    let mut tick = tokio::time::interval(WATCH);
    loop {
        tokio::select! {
            message = stream.next() => {
                let text = match message {
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    // Closed, a binary frame, an oversized message or a broken socket: done.
                    _ => break,
                };
                if !shared.allow(&caller.key(), 1) {
                    let _ = out.try_send(json!({"jsonrpc": "2.0", "id": null, "error": {"code": 429, "message": "too many requests: slow down"}}));
                    continue;
                }
                let Ok(request) = serde_json::from_str::<Value>(&text) else {
                    let _ = out.try_send(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "not JSON"}}));
                    continue;
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    let _ = out.try_send(json!({"jsonrpc": "2.0", "id": request.get("id").cloned().unwrap_or(Value::Null), "error": {"code": -32005, "message": "too many requests in flight on this connection"}}));
                    continue;
                };
                // Each request in its own task: one waiting for the user holds up no other.
                let (ctx, shared, caller, out) = (ctx.clone(), shared.clone(), caller.clone(), out.clone());
                tokio::spawn(async move {
                    let _slot = slot;
                    let Some(ctx) = ctx.upgrade() else { return };
                    let bridge = Bridge { ctx: &ctx, shared: &shared };
                    let answer = match &request {
                        Value::Array(_) => json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "send batches over HTTP"}}),
                        one => bridge.answer(&caller, one).await,
                    };
                    let _ = out.send(answer).await;
                });
            }
            Some(answer) = outgoing.recv() => {
                if sink.send(Message::text(answer.to_string())).await.is_err() {
                    break;
                }
            }
            _ = tick.tick() => {
                let Some(ctx) = ctx.upgrade() else { break };
                let bridge = Bridge { ctx: &ctx, shared: &shared };
                let now = bridge.seen_by(&caller).await;
                for (event, data) in changes(&told, &now) {
                    let note = json!({"jsonrpc": "2.0", "method": "wallet_event", "params": {"event": event, "data": data}});
                    if sink.send(Message::text(note.to_string())).await.is_err() {
                        return;
                    }
                }
                told = now;
            }
        }
    }
    // The caller left: what it asked that still waits goes with it.
    shared.approvals.withdraw_caller(&caller.key());
}

/// The events between what was told and what holds now (nothing the first time round).
fn changes(before: &Told, now: &Told) -> Vec<(&'static str, Value)> {
    let mut events = Vec::new();
    if before.chain.is_some() && before.chain != now.chain {
        if let Some(c) = now.chain {
            events.push(("chainChanged", json!(format!("0x{c:x}"))));
        }
    }
    if before.accounts.is_some() && before.accounts != now.accounts {
        events.push((
            "accountsChanged",
            json!(now.accounts.clone().unwrap_or_default()),
        ));
    }
    events
}

impl Bridge<'_> {
    /// What `caller` sees now: the wallet's chain, and its accounts (none while locked).
    async fn seen_by(&self, caller: &Caller) -> Told {
        let key = caller.key();
        let grant = self
            .with_session_quiet(|s| Ok(s.ledger.bridge_grant(&key)?))
            .await
            .ok()
            .flatten();
        let chain = match grant.as_ref() {
            Some(g) => self.chain_for(g.chain_id).await.network().chain_id,
            None => self.ctx.active_chain().network().chain_id,
        };
        Told {
            chain: Some(chain),
            accounts: Some(
                grant
                    .map(|g| super::rpc::lower(&g.accounts))
                    .unwrap_or_default(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_tell_what_changed_and_nothing_at_first() {
        let first = Told::default();
        let now = Told {
            chain: Some(1),
            accounts: Some(vec!["0xA".into()]),
        };
        assert!(changes(&first, &now).is_empty());
        let later = Told {
            chain: Some(10),
            accounts: Some(Vec::new()),
        };
        let events = changes(&now, &later);
        assert_eq!(events[0], ("chainChanged", json!("0xa")));
        assert_eq!(events[1], ("accountsChanged", json!([])));
        assert!(changes(&later, &later).is_empty());
    }
}
