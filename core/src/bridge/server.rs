//! The loopback listener: HTTP/1.1 on 127.0.0.1 (and [::1] where there is one), each request
//! checked before its body is read — `Host`, `Origin` or token, method, content type, size,
//! rate — then answered by the methods in `rpc`. CORS answers a page's own origin, never `*`.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::caller::{
    bearer, host_ok, restated_origin, site_origin, token_hash, Caller, Refusal, EXTENSION_ORIGIN,
};
use super::{Bridge, BridgeError, Shared};
use crate::session::Ctx;

/// The largest request body read.
const MAX_BODY: usize = 512 * 1024;
/// The most requests in one JSON-RPC batch.
const MAX_BATCH: usize = 32;
/// Requests per second one caller may make, and the burst it may save up.
const RATE: f64 = 50.0;
const BURST: f64 = 200.0;
/// How long a client may take to send its request head, and then its body.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once (each waiting request holds one).
const MAX_CONNECTIONS: usize = 64;
/// Methods that wait for the user: one per batch.
const ASKS_USER: &[&str] = &[
    "eth_requestAccounts",
    "wallet_requestPermissions",
    "personal_sign",
    "eth_signTypedData_v4",
    "eth_sendTransaction",
    "wallet_sendCalls",
];

/// A listening bridge: dropped or stopped, it closes its sockets and connections.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) port: u16,
    stop: watch::Sender<bool>,
}

impl Running {
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Binds the loopback port (`0`: any free one) and serves until stopped.
pub(crate) async fn start(
    ctx: Weak<Ctx>,
    shared: Arc<Shared>,
    port: u16,
) -> Result<Running, BridgeError> {
    let v4 = TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| BridgeError::Bind(port, e.to_string()))?;
    let port = v4
        .local_addr()
        .map_err(|e| BridgeError::Bind(port, e.to_string()))?
        .port();
    // `localhost` may resolve to ::1 first; a machine without IPv6 loopback just has no second
    // socket.
    let v6 = TcpListener::bind(("::1", port)).await.ok();
    let (stop, stopped) = watch::channel(false);
    for listener in std::iter::once(v4).chain(v6) {
        tokio::spawn(serve(
            listener,
            ctx.clone(),
            shared.clone(),
            port,
            stopped.clone(),
        ));
    }
    tracing::info!(port, "dapp bridge listening on loopback");
    Ok(Running { port, stop })
}

async fn serve(
    listener: TcpListener,
    ctx: Weak<Ctx>,
    shared: Arc<Shared>,
    port: u16,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => return,
            a = listener.accept() => a,
        };
        // The wallet this served is gone: nothing listens for it any more.
        if ctx.strong_count() == 0 {
            return;
        }
        let Ok((stream, _)) = accepted else { continue };
        // Over the cap the connection is closed at once, not queued.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let (ctx, shared, mut stopped) = (ctx.clone(), shared.clone(), stopped.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let service = hyper::service::service_fn(move |req| {
                let (ctx, shared) = (ctx.clone(), shared.clone());
                async move { Ok::<_, std::convert::Infallible>(handle(ctx, shared, port, req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::select! {
                _ = conn => {}
                _ = stopped.changed() => {}
            }
        });
    }
}

fn header(req: &Request<Incoming>, name: hyper::header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn reply(status: StatusCode, body: Value, origin: Option<&str>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(o) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert("access-control-allow-origin", o);
        headers.insert("vary", HeaderValue::from_static("Origin"));
    }
    response
}

fn refuse(r: &Refusal, origin: Option<&str>) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::FORBIDDEN);
    // A body viem reads as EIP-1193 4100 (unauthorized) where that is what it is.
    let code = if r.status() == 401 { 4100 } else { -32600 };
    reply(
        status,
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": r.to_string()}}),
        origin,
    )
}

async fn handle(
    ctx: Weak<Ctx>,
    shared: Arc<Shared>,
    port: u16,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    if !host_ok(header(&req, HOST), port) {
        return refuse(&Refusal::BadHost, None);
    }
    let weak = ctx.clone();
    let Some(ctx) = ctx.upgrade() else {
        return reply(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": 4900, "message": "the wallet closed"}}),
            None,
        );
    };
    // Every caller together, before any work on its credentials.
    if !shared.allow("*", 1) {
        return refuse(&Refusal::RateLimited, None);
    }
    if super::ws::is_upgrade(&req) {
        return upgrade(req, weak, &ctx, shared).await;
    }
    let origin = match header(&req, ORIGIN) {
        Some(o) => match site_origin(o) {
            Ok(o) => Some(o),
            Err(r) => return refuse(&r, None),
        },
        None => None,
    };
    let cors = origin.as_deref();
    // A page's preflight: allowed for its own origin, for the headers it needs.
    if req.method() == Method::OPTIONS && origin.is_some() {
        let mut response = reply(StatusCode::NO_CONTENT, Value::Null, cors);
        *response.body_mut() = Full::new(Bytes::new());
        let h = response.headers_mut();
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("POST"),
        );
        h.insert(
            "access-control-allow-headers",
            HeaderValue::from_static("content-type"),
        );
        h.insert("access-control-max-age", HeaderValue::from_static("600"));
        return response;
    }
    let json = header(&req, CONTENT_TYPE).is_some_and(|c| {
        c.trim()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    if req.method() != Method::POST || !json {
        return refuse(&Refusal::NotJson, cors);
    }
    let bridge = Bridge {
        ctx: &ctx,
        shared: &shared,
    };
    let caller = match origin.clone() {
        Some(origin) => Caller::Site { origin },
        None => {
            let Some(token) = bearer(header(&req, AUTHORIZATION)) else {
                return refuse(&Refusal::NoCredentials, None);
            };
            match bridge.program(&token_hash(token)).await {
                Ok(Some(c)) => c,
                Ok(None) => return refuse(&Refusal::BadToken, None),
                // Locked: the token cannot be checked; the caller learns only that.
                Err(_) => {
                    return reply(
                        StatusCode::OK,
                        json!({"jsonrpc": "2.0", "id": null, "error": {"code": 4100, "message": "Cairn is locked: unlock it in the app, then try again"}}),
                        None,
                    )
                }
            }
        }
    };
    let body = match tokio::time::timeout(
        BODY_TIMEOUT,
        Limited::new(req.into_body(), MAX_BODY).collect(),
    )
    .await
    {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(_)) => return refuse(&Refusal::TooLarge, cors),
        Err(_) => return refuse(&Refusal::Slow, cors),
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return reply(
            StatusCode::OK,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "the body is not JSON"}}),
            cors,
        );
    };
    // A batch costs what its requests cost.
    let cost = match &request {
        Value::Array(batch) => batch.len().max(1),
        _ => 1,
    };
    if !shared.allow(&caller.key(), cost) {
        return refuse(&Refusal::RateLimited, cors);
    }
    let answer = match request {
        Value::Array(batch) if batch.len() <= MAX_BATCH => {
            let mut out = Vec::with_capacity(batch.len());
            let mut asked = false;
            for r in &batch {
                let asks = r
                    .get("method")
                    .and_then(Value::as_str)
                    .is_some_and(|m| ASKS_USER.contains(&m));
                if asks && asked {
                    out.push(json!({"jsonrpc": "2.0", "id": r.get("id").cloned().unwrap_or(Value::Null),
                        "error": {"code": -32005, "message": "one request for the user per batch"}}));
                    continue;
                }
                asked |= asks;
                out.push(bridge.answer(&caller, r).await);
            }
            Value::Array(out)
        }
        Value::Array(_) => {
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32005, "message": format!("at most {MAX_BATCH} requests in a batch")}})
        }
        one => bridge.answer(&caller, &one).await,
    };
    reply(StatusCode::OK, answer, cors)
}

/// A token bucket per caller.
#[derive(Debug, Default)]
pub(crate) struct Rates {
    buckets: std::sync::Mutex<HashMap<String, (Instant, f64)>>,
}

impl Rates {
    /// Takes `cost` tokens from `key`'s bucket ("*": everyone's, at ten times the rate).
    pub(crate) fn allow(&self, key: &str, cost: usize) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let (rate, burst) = if key == "*" {
            (RATE * 10.0, BURST * 10.0)
        } else {
            (RATE, BURST)
        };
        // Full buckets carry no memory: dropping them bounds the map without giving anyone
        // who spent theirs a fresh one.
        if buckets.len() > 10_000 {
            buckets.retain(|_, (at, tokens)| {
                *tokens + now.duration_since(*at).as_secs_f64() * RATE < BURST
            });
        }
        let (at, tokens) = buckets.entry(key.to_string()).or_insert((now, burst));
        let refill = now.duration_since(*at).as_secs_f64() * rate;
        *tokens = (*tokens + refill).min(burst);
        *at = now;
        let cost = cost as f64;
        if *tokens >= cost {
            *tokens -= cost;
            true
        } else {
            false
        }
    }
}

/// A WebSocket handshake: a page by its `Origin`, a program by the token it offers as the
/// subprotocol `cairn.<token>`; anything else refused before the socket opens.
async fn upgrade(
    req: Request<Incoming>,
    weak: Weak<Ctx>,
    ctx: &Ctx,
    shared: Arc<Shared>,
) -> Response<Full<Bytes>> {
    let protocols = header(&req, hyper::header::SEC_WEBSOCKET_PROTOCOL)
        .unwrap_or_default()
        .to_string();
    let (caller, echo) = match header(&req, ORIGIN) {
        // Cairn's extension: paired (a token) and speaking for one tab's page origin.
        Some(o) if o.eq_ignore_ascii_case(EXTENSION_ORIGIN) => {
            let (Some(token), Some(origin)) =
                (super::ws::offered_token(&req), restated_origin(&protocols))
            else {
                return refuse(&Refusal::NoCredentials, None);
            };
            let bridge = Bridge {
                ctx,
                shared: &shared,
            };
            match bridge.program(&token_hash(&token)).await {
                Ok(Some(_)) => (Caller::Site { origin }, Some(format!("cairn.{token}"))),
                Ok(None) => return refuse(&Refusal::BadToken, None),
                Err(_) => return refuse(&Refusal::Locked, None),
            }
        }
        Some(o) => match site_origin(o) {
            Ok(origin) => (Caller::Site { origin }, None),
            Err(r) => return refuse(&r, None),
        },
        None => {
            let Some(token) = super::ws::offered_token(&req) else {
                return refuse(&Refusal::NoCredentials, None);
            };
            let bridge = Bridge {
                ctx,
                shared: &shared,
            };
            match bridge.program(&token_hash(&token)).await {
                Ok(Some(c)) => (c, Some(format!("cairn.{token}"))),
                Ok(None) => return refuse(&Refusal::BadToken, None),
                Err(_) => return refuse(&Refusal::Locked, None),
            }
        }
    };
    super::ws::accept(req, weak, shared, caller, echo)
}
