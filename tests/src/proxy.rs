//! A fault-injecting HTTP JSON-RPC proxy: end-to-end tests put a real node (anvil) behind it and
//! flip faults (down, HTTP 500, hang, malformed JSON, wrong chain id) while the wallet talks to
//! it. It also counts what passes through, so tests can check how many round trips a flow costs.
//! HTTP/1.1 is parsed by hand — just enough for JSON-RPC clients (Content-Length bodies,
//! keep-alive, `Connection: close`) — so a fault can act below the HTTP layer.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// Beyond this a request head is garbage, not a JSON-RPC client.
const MAX_HEAD: usize = 64 * 1024;
/// Generous: a batch of large `eth_call`s still fits.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long to wait before retrying a bind or an accept that failed.
const RETRY: Duration = Duration::from_millis(20);
/// What [`Fault::Malformed`] answers: valid HTTP, JSON cut off mid-object.
const TRUNCATED: &[u8] = br#"{"jsonrpc":"2.0","id":"#;

/// What the proxy does to the next request or connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward every request to the upstream unchanged.
    None,
    /// Refuse connections: the listening socket is closed (and kept-alive connections with it),
    /// then re-bound on the same port when the fault changes.
    Down,
    /// Answer HTTP 500 with a short text body.
    Status500,
    /// Read the request, then never answer; the connection is dropped when the fault changes.
    Hang,
    /// Answer HTTP 200 `application/json` with truncated JSON.
    Malformed,
    /// Forward everything, but answer `eth_chainId` (also inside batches) with this chain id.
    WrongChain(u64),
    /// A node without the Otterscan API: single `ots_*` calls get JSON-RPC "method not found",
    /// everything else is forwarded.
    NoOtterscan,
    /// Answer HTTP 200 JSON that never ends: `{"jsonrpc":"2.0","id":1,"result":"0x000…` streamed
    /// without a length, `mib` MiB of it, then the connection is closed (a node trying to fill
    /// the wallet's memory).
    Huge { mib: usize },
    /// Answer HTTP 200 headers, then one byte of body every 100 ms, forever (a node trying to
    /// hold the wallet's request open).
    Drip,
    /// A node that lies about sending: `eth_sendRawTransaction` is answered with the
    /// transaction's hash but never forwarded, and every `eth_getTransactionReceipt` (also in
    /// batches) gets a successful receipt in the upstream's latest block. Everything else is
    /// forwarded. With `cover_up`, the lie is kept consistent: every block served lists the
    /// swallowed transactions and every account's `eth_getTransactionCount` counts them, so the
    /// checks one node's answers allow all pass.
    NeverBroadcast { cover_up: bool },
    /// Forward everything, but answer single `eth_feeHistory` calls with this base fee (in
    /// gwei) for every block and 1 gwei tips: a node that sets the wallet's fee.
    FeeHistory { base_fee_gwei: u64 },
    /// Single calls whose method starts with `prefix` are answered with `result` (JSON text);
    /// everything else is forwarded (a bundler that names its own gas price, say).
    Answer {
        prefix: &'static str,
        result: &'static str,
    },
    /// Single calls whose method starts with `prefix` get a JSON-RPC error with `message` (a
    /// paymaster that will not sponsor, say); everything else is forwarded.
    Refuse {
        prefix: &'static str,
        message: &'static str,
    },
}

/// A running proxy on `127.0.0.1`; dropping it stops its task and closes every socket.
#[derive(Debug)]
pub struct RpcProxy {
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Debug, Default)]
struct Counts {
    requests: u64,
    calls: u64,
    methods: Vec<String>,
    /// The signed transactions sent through the proxy (`eth_sendRawTransaction`), in order.
    raw: Vec<String>,
    /// WebSocket handshakes asked for (answered 404: the proxy speaks HTTP only).
    upgrades: u64,
}

#[derive(Debug)]
struct Shared {
    addr: SocketAddr,
    upstream: String,
    http: reqwest::Client,
    fault: watch::Sender<Fault>,
    counts: Mutex<Counts>,
    /// A listener bound by [`RpcProxy::set_fault`] when coming back up, for the task to adopt.
    rebound: Mutex<Option<std::net::TcpListener>>,
    /// Hashes of the transactions [`Fault::NeverBroadcast`] swallowed.
    swallowed: Mutex<Vec<String>>,
}

impl RpcProxy {
    /// Starts a proxy to `upstream` (an `http://` JSON-RPC URL) on a free loopback port.
    pub async fn start(upstream: &str) -> io::Result<RpcProxy> {
        crate::init_tls();
        // A proxy from the environment must not sit between the proxy and a loopback node.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(io::Error::other)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let (fault, _) = watch::channel(Fault::None);
        let shared = Arc::new(Shared {
            addr: listener.local_addr()?,
            upstream: upstream.to_owned(),
            http,
            fault,
            counts: Mutex::default(),
            rebound: Mutex::default(),
            swallowed: Mutex::default(),
        });
        let task = tokio::spawn(serve(Arc::clone(&shared), listener));
        Ok(RpcProxy { shared, task })
    }

    /// `http://127.0.0.1:PORT` — the same for the proxy's whole life, across [`Fault::Down`].
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// Applies `fault` to the next request or connection.
    pub fn set_fault(&self, fault: Fault) {
        // Held across the send so concurrent calls cannot interleave bind and fault.
        let mut rebound = lock(&self.shared.rebound);
        if fault == Fault::Down {
            *rebound = None;
        } else if *self.shared.fault.borrow() == Fault::Down && rebound.is_none() {
            // Bound here rather than in the task so the port listens again by the time this
            // returns: a test that lifts the fault and connects at once must not race the task.
            // If the task has not dropped its listener yet the bind fails, and it keeps that one.
            *rebound = bind(self.shared.addr).ok();
        }
        self.shared.fault.send_replace(fault);
    }

    /// HTTP requests received (a JSON-RPC batch counts once).
    pub fn requests(&self) -> u64 {
        lock(&self.shared.counts).requests
    }

    /// JSON-RPC calls inside those requests (a batch of 20 counts 20).
    pub fn calls(&self) -> u64 {
        lock(&self.shared.counts).calls
    }

    /// Every JSON-RPC method seen, in order.
    /// The signed transactions the client sent through the proxy, in the order it sent them.
    pub fn raw_transactions(&self) -> Vec<String> {
        lock(&self.shared.counts).raw.clone()
    }

    pub fn methods(&self) -> Vec<String> {
        lock(&self.shared.counts).methods.clone()
    }

    /// WebSocket handshakes refused (not counted in `requests`).
    pub fn upgrades(&self) -> u64 {
        lock(&self.shared.counts).upgrades
    }

    pub fn reset_counts(&self) {
        *lock(&self.shared.counts) = Counts::default();
    }
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        // The connection tasks live in a JoinSet owned by this task, so they are aborted with it.
        self.task.abort();
        lock(&self.shared.rebound).take();
    }
}

/// Counts stay readable after a panicking test thread poisoned the lock.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// The listener [`RpcProxy::set_fault`] bound, or a fresh bind of the same port.
fn take_or_bind(shared: &Shared) -> Option<TcpListener> {
    let listener = lock(&shared.rebound)
        .take()
        .or_else(|| bind(shared.addr).ok())?;
    TcpListener::from_std(listener).ok()
}

async fn serve(shared: Arc<Shared>, listener: TcpListener) {
    let mut fault_rx = shared.fault.subscribe();
    let mut listener = Some(listener);
    let mut conns = JoinSet::new();
    loop {
        if *fault_rx.borrow_and_update() == Fault::Down {
            // No listening socket means "connection refused"; aborting the open connections
            // makes pooled clients see the outage too, not only new ones.
            listener = None;
            conns.abort_all();
            if fault_rx.changed().await.is_err() {
                return;
            }
            continue;
        }
        if listener.is_none() {
            listener = take_or_bind(&shared);
            if listener.is_none() {
                // The port may linger briefly after the close; keep trying until it is free.
                tokio::select! {
                    () = tokio::time::sleep(RETRY) => {}
                    changed = fault_rx.changed() => if changed.is_err() { return; },
                }
            }
            continue;
        }
        let Some(current) = listener.as_ref() else {
            continue;
        };
        tokio::select! {
            accepted = current.accept() => match accepted {
                Ok((stream, _)) => {
                    conns.spawn(connection(Arc::clone(&shared), stream));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(RETRY).await,
            },
            changed = fault_rx.changed() => if changed.is_err() { return; },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn connection(shared: Arc<Shared>, mut stream: TcpStream) {
    // A broken connection is the client's problem; the proxy just closes it.
    let _ = serve_connection(&shared, &mut stream).await;
}

async fn serve_connection(shared: &Shared, stream: &mut TcpStream) -> io::Result<()> {
    let mut fault_rx = shared.fault.subscribe();
    let mut buf = Vec::new();
    while let Some(request) = read_request(stream, &mut buf).await? {
        let fault = *fault_rx.borrow_and_update();
        if fault == Fault::Down {
            // A connection that slipped in before the task closed the listener gets no answer.
            return Ok(());
        }
        if request.upgrade {
            lock(&shared.counts).upgrades += 1;
            write_response(stream, &Reply::text(404, "no WebSocket here"), true).await?;
            break;
        }
        shared.record(&request.body);
        let reply = match fault {
            Fault::None => forward(shared, &request.body, None).await,
            Fault::WrongChain(chain) => forward(shared, &request.body, Some(chain)).await,
            Fault::NoOtterscan => {
                refuse(
                    shared,
                    &request.body,
                    "ots_",
                    -32601,
                    "the method does not exist",
                )
                .await
            }
            Fault::Answer { prefix, result } => match call_id_with_prefix(&request.body, prefix) {
                Some(id) => Reply::json(
                    200,
                    format!(r#"{{"jsonrpc":"2.0","id":{id},"result":{result}}}"#).into_bytes(),
                ),
                None => forward(shared, &request.body, None).await,
            },
            Fault::Refuse { prefix, message } => {
                refuse(shared, &request.body, prefix, -32000, message).await
            }
            Fault::NeverBroadcast { cover_up } => {
                never_broadcast(shared, &request.body, cover_up).await
            }
            Fault::FeeHistory { base_fee_gwei } => {
                lying_fee_history(shared, &request.body, base_fee_gwei).await
            }
            Fault::Status500 => Reply::text(500, "injected fault: internal server error"),
            Fault::Malformed => Reply::json(200, TRUNCATED.to_vec()),
            Fault::Huge { mib } => return stream_huge(stream, mib).await,
            Fault::Drip => return drip(stream, &mut fault_rx).await,
            // Down never gets here; it shares the arm only because it must not be answered either.
            Fault::Hang | Fault::Down => {
                let _ = fault_rx.wait_for(|now| *now != Fault::Hang).await;
                return Ok(());
            }
        };
        write_response(stream, &reply, request.close).await?;
        if request.close {
            break;
        }
    }
    Ok(())
}

impl Shared {
    fn record(&self, body: &[u8]) {
        let method = |call: &Value| {
            call.get("method")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let parsed = serde_json::from_slice::<Value>(body).ok();
        let (calls, methods) = match &parsed {
            Some(Value::Array(batch)) => (batch.len(), batch.iter().filter_map(method).collect()),
            Some(call) => (1, method(call).into_iter().collect()),
            None => (0, Vec::new()),
        };
        let single = parsed.iter().filter(|v| !v.is_array());
        let raw: Vec<String> = parsed
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .chain(single)
            .filter(|c| method(c).as_deref() == Some("eth_sendRawTransaction"))
            .filter_map(|c| c["params"][0].as_str().map(str::to_owned))
            .collect();
        let mut counts = lock(&self.counts);
        counts.raw.extend(raw);
        counts.requests += 1;
        counts.calls += calls as u64;
        counts.methods.extend(methods);
    }
}

/// The id of a single JSON-RPC call to an `ots_*` method.
/// The id of a single call whose method starts with `prefix`.
fn call_id_with_prefix(body: &[u8], prefix: &str) -> Option<Value> {
    let call: Value = serde_json::from_slice(body).ok()?;
    let method = call.get("method")?.as_str()?;
    method
        .starts_with(prefix)
        .then(|| call.get("id").cloned().unwrap_or(Value::Null))
}

/// A JSON-RPC error for calls of `prefix`; the rest forwarded.
async fn refuse(shared: &Shared, body: &[u8], prefix: &str, code: i64, message: &str) -> Reply {
    match call_id_with_prefix(body, prefix) {
        Some(id) => Reply::json(
            200,
            serde_json::to_vec(&serde_json::json!({
                "jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}
            }))
            .unwrap_or_default(),
        ),
        None => forward(shared, body, None).await,
    }
}

/// [`Fault::NeverBroadcast`]: swallowed sends, invented receipts, the rest forwarded.
async fn never_broadcast(shared: &Shared, body: &[u8], cover_up: bool) -> Reply {
    let Ok(parsed) = serde_json::from_slice::<Value>(body) else {
        return forward(shared, body, None).await;
    };
    let (calls, single) = match parsed {
        Value::Array(calls) => (calls, false),
        call => (vec![call], true),
    };
    let method = |c: &Value| {
        c.get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let faked = |c: &Value| {
        matches!(
            method(c).as_str(),
            "eth_sendRawTransaction" | "eth_getTransactionReceipt"
        )
    };
    // A plausible lie: the receipt names a real block (the upstream's latest).
    let latest = if calls
        .iter()
        .any(|c| method(c) == "eth_getTransactionReceipt")
    {
        let block = forward(
            shared,
            br#"{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",false]}"#,
            None,
        )
        .await;
        serde_json::from_slice::<Value>(&block.body)
            .ok()
            .and_then(|v| v.get("result").cloned())
    } else {
        None
    };
    let mut answers: Vec<Value> = Vec::new();
    for call in calls.iter().filter(|c| faked(c)) {
        let id = call.get("id").cloned().unwrap_or(Value::Null);
        let param = call["params"][0].as_str().unwrap_or("").to_string();
        let result = if method(call) == "eth_sendRawTransaction" {
            let raw = hex::decode(param.trim_start_matches("0x")).unwrap_or_default();
            let hash = alloy::primitives::keccak256(raw).to_string();
            lock(&shared.swallowed).push(hash.clone());
            Value::String(hash)
        } else {
            let b = latest.clone().unwrap_or(Value::Null);
            serde_json::json!({
                "transactionHash": param, "status": "0x1",
                "blockNumber": b["number"], "blockHash": b["hash"],
                "gasUsed": "0x5208", "effectiveGasPrice": "0x3b9aca00",
                "logs": [], "cumulativeGasUsed": "0x5208", "type": "0x2",
            })
        };
        answers.push(serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }
    let rest: Vec<Value> = calls.iter().filter(|c| !faked(c)).cloned().collect();
    if !rest.is_empty() {
        let body = if single {
            serde_json::to_vec(&rest[0])
        } else {
            serde_json::to_vec(&rest)
        }
        .unwrap_or_default();
        let reply = forward(shared, &body, None).await;
        let mut more = match serde_json::from_slice::<Value>(&reply.body) {
            Ok(Value::Array(more)) => more,
            Ok(one) => vec![one],
            Err(_) => return reply,
        };
        if cover_up {
            let swallowed = lock(&shared.swallowed).clone();
            for answer in &mut more {
                let Some(call) = rest.iter().find(|c| c.get("id") == answer.get("id")) else {
                    continue;
                };
                match method(call).as_str() {
                    "eth_getTransactionCount" => {
                        let n = answer["result"]
                            .as_str()
                            .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok());
                        if let Some(n) = n {
                            answer["result"] = format!("{:#x}", n + swallowed.len() as u64).into();
                        }
                    }
                    "eth_getBlockByNumber" => {
                        if let Some(txs) = answer["result"]["transactions"].as_array_mut() {
                            txs.extend(swallowed.iter().cloned().map(Value::String));
                        }
                    }
                    _ => {}
                }
            }
        }
        answers.extend(more);
    }
    let out = if single {
        answers.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(answers)
    };
    Reply::json(200, serde_json::to_vec(&out).unwrap_or_default())
}

/// [`Fault::FeeHistory`]: a fee history with the base fee the fault names.
async fn lying_fee_history(shared: &Shared, body: &[u8], base_fee_gwei: u64) -> Reply {
    match call_id_with_prefix(body, "eth_feeHistory") {
        Some(id) => {
            let base = format!("{:#x}", u128::from(base_fee_gwei) * 1_000_000_000);
            let tip = format!("{:#x}", 1_000_000_000u64);
            Reply::json(
                200,
                serde_json::to_vec(&serde_json::json!({
                    "jsonrpc": "2.0", "id": id, "result": {
                        "oldestBlock": "0x1",
                        "baseFeePerGas": vec![base; 11],
                        "gasUsedRatio": vec![0.5; 10],
                        "reward": vec![vec![tip.clone(); 3]; 10],
                    }
                }))
                .unwrap_or_default(),
            )
        }
        None => forward(shared, body, None).await,
    }
}

async fn forward(shared: &Shared, body: &[u8], chain: Option<u64>) -> Reply {
    let response = match shared
        .http
        .post(&shared.upstream)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => return Reply::text(502, &format!("proxy: upstream unreachable: {e}")),
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let mut reply = match response.bytes().await {
        Ok(bytes) => bytes.to_vec(),
        Err(e) => return Reply::text(502, &format!("proxy: upstream reply cut off: {e}")),
    };
    if let Some(chain) = chain {
        if let Some(rewritten) = rewrite_chain_id(body, &reply, chain) {
            reply = rewritten;
        }
    }
    Reply {
        status,
        content_type,
        body: reply,
    }
}

/// The upstream reply with every `eth_chainId` result replaced by `chain`, or `None` when there
/// is nothing to rewrite (then the reply passes through byte for byte).
fn rewrite_chain_id(request: &[u8], reply: &[u8], chain: u64) -> Option<Vec<u8>> {
    let is_chain_id =
        |call: &Value| call.get("method").and_then(Value::as_str) == Some("eth_chainId");
    let fake = Value::String(format!("{chain:#x}"));
    let request: Value = serde_json::from_slice(request).ok()?;
    let mut reply: Value = serde_json::from_slice(reply).ok()?;
    match (&request, &mut reply) {
        (Value::Object(_), Value::Object(answer)) if is_chain_id(&request) => {
            *answer.get_mut("result")? = fake;
        }
        // Batch answers may come in any order, so they are matched to calls by id.
        (Value::Array(calls), Value::Array(answers)) => {
            let ids: Vec<&Value> = calls
                .iter()
                .filter(|call| is_chain_id(call))
                .filter_map(|call| call.get("id"))
                .collect();
            if ids.is_empty() {
                return None;
            }
            for answer in answers {
                if answer.get("id").is_some_and(|id| ids.contains(&id)) {
                    if let Some(result) = answer.get_mut("result") {
                        *result = fake.clone();
                    }
                }
            }
        }
        _ => return None,
    }
    serde_json::to_vec(&reply).ok()
}

#[derive(Debug)]
struct Request {
    body: Vec<u8>,
    /// The client asked to close the connection after this exchange.
    close: bool,
    /// A WebSocket handshake (`Upgrade: websocket`).
    upgrade: bool,
}

#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(status: u16, text: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8".to_owned(),
            body: text.as_bytes().to_vec(),
        }
    }

    fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: "application/json".to_owned(),
            body,
        }
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// Reads more bytes into `buf`; `Ok(0)` at end of stream.
async fn fill<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

/// The next request on a connection, or `None` when the client closed it between requests.
/// `buf` carries bytes read past this request (a pipelining client) over to the next call.
async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Request>> {
    let head_len = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buf.len() > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        if fill(stream, buf).await? == 0 {
            if buf.is_empty() {
                return Ok(None);
            }
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    };
    let head = std::str::from_utf8(&buf[..head_len]).map_err(|_| invalid("head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let http10 = lines.next().is_some_and(|line| line.ends_with("HTTP/1.0"));
    let mut length = 0usize;
    let mut connection = None;
    let mut upgrade = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| invalid("bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case("upgrade") {
            upgrade = value.eq_ignore_ascii_case("websocket");
        } else if name.eq_ignore_ascii_case("connection") {
            connection = Some(value.to_ascii_lowercase());
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // JSON-RPC clients send Content-Length; chunked bodies are not worth the code.
            return Err(invalid("Transfer-Encoding is not supported"));
        }
    }
    if length > MAX_BODY {
        return Err(invalid("request body too large"));
    }
    let has = |token: &str| {
        connection
            .as_deref()
            .is_some_and(|c| c.split(',').any(|t| t.trim() == token))
    };
    let close = has("close") || (http10 && !has("keep-alive"));
    let end = head_len + 4 + length;
    while buf.len() < end {
        if fill(stream, buf).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
    }
    let body = buf[head_len + 4..end].to_vec();
    buf.drain(..end);
    Ok(Some(Request {
        body,
        close,
        upgrade,
    }))
}

async fn write_response<S: AsyncWrite + Unpin>(
    stream: &mut S,
    reply: &Reply,
    close: bool,
) -> io::Result<()> {
    let reason = reqwest::StatusCode::from_u16(reply.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    )
    .into_bytes();
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&reply.body);
    stream.write_all(&out).await?;
    stream.flush().await
}

/// [`Fault::Huge`]: headers without a length, then `mib` MiB of a JSON string that never closes.
async fn stream_huge<S: AsyncWrite + Unpin>(stream: &mut S, mib: usize) -> io::Result<()> {
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x",
        )
        .await?;
    let zeros = vec![b'0'; 1024 * 1024];
    for _ in 0..mib {
        // The wallet hangs up once it has had enough; that ends the fault, not the proxy.
        if stream.write_all(&zeros).await.is_err() {
            return Ok(());
        }
    }
    let _ = stream.flush().await;
    Ok(())
}

/// [`Fault::Drip`]: headers announcing a body, then a byte every 100 ms until the fault changes.
async fn drip<S: AsyncWrite + Unpin>(
    stream: &mut S,
    fault_rx: &mut watch::Receiver<Fault>,
) -> io::Result<()> {
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{",
        )
        .await?;
    loop {
        if *fault_rx.borrow_and_update() != Fault::Drip {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if stream.write_all(b" ").await.is_err() || stream.flush().await.is_err() {
            return Ok(());
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Answers `eth_chainId` with anvil's 0x7a69 and anything else with `null`, batches too.
    fn answer(body: &[u8]) -> Reply {
        let one = |call: &Value| {
            let result = if call["method"] == "eth_chainId" {
                json!("0x7a69")
            } else {
                Value::Null
            };
            json!({"jsonrpc": "2.0", "id": call["id"], "result": result})
        };
        let reply = match serde_json::from_slice(body).unwrap() {
            Value::Array(calls) => Value::Array(calls.iter().map(one).collect()),
            call => one(&call),
        };
        Reply::json(200, serde_json::to_vec(&reply).unwrap())
    }

    async fn upstream() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    while let Ok(Some(request)) = read_request(&mut stream, &mut buf).await {
                        let reply = answer(&request.body);
                        if write_response(&mut stream, &reply, request.close)
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        url
    }

    fn chain_id(id: u64) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "method": "eth_chainId", "params": []})
    }

    async fn post(http: &reqwest::Client, url: &str, body: &Value) -> reqwest::Result<Value> {
        http.post(url).json(body).send().await?.json().await
    }

    #[tokio::test]
    async fn injects_faults_and_counts() {
        let proxy = RpcProxy::start(&upstream().await).await.unwrap();
        let url = proxy.url();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();

        let reply = post(&http, &url, &chain_id(1)).await.unwrap();
        assert_eq!(reply["result"], "0x7a69");

        proxy.set_fault(Fault::WrongChain(1));
        let reply = post(&http, &url, &chain_id(1)).await.unwrap();
        assert_eq!(reply["result"], "0x1");
        let batch = json!([
            {"jsonrpc": "2.0", "id": 7, "method": "eth_blockNumber", "params": []},
            chain_id(8),
        ]);
        let reply = post(&http, &url, &batch).await.unwrap();
        assert_eq!(reply[0]["result"], Value::Null);
        assert_eq!(reply[1]["result"], "0x1");

        proxy.set_fault(Fault::Status500);
        let response = http.post(&url).json(&chain_id(1)).send().await.unwrap();
        assert_eq!(response.status(), 500);

        proxy.set_fault(Fault::Malformed);
        let response = http.post(&url).json(&chain_id(1)).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");

        proxy.set_fault(Fault::Down);
        // Even before the task has closed the listener, the pooled connection gets no answer.
        assert!(post(&http, &url, &chain_id(1)).await.is_err());
        tokio::time::sleep(Duration::from_millis(50)).await;
        let err = post(&http, &url, &chain_id(1)).await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        proxy.set_fault(Fault::None);
        let reply = post(&http, &url, &chain_id(1)).await.unwrap();
        assert_eq!(reply["result"], "0x7a69");
        assert_eq!(proxy.url(), url);

        proxy.set_fault(Fault::Hang);
        let err = post(&http, &url, &chain_id(1)).await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        proxy.set_fault(Fault::None);
        let reply = post(&http, &url, &chain_id(1)).await.unwrap();
        assert_eq!(reply["result"], "0x7a69");

        proxy.reset_counts();
        let batch = json!([
            chain_id(1),
            {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []},
            {"jsonrpc": "2.0", "id": 3, "method": "eth_getBalance", "params": ["0x00", "latest"]},
        ]);
        let reply = post(&http, &url, &batch).await.unwrap();
        assert_eq!(reply.as_array().unwrap().len(), 3);
        post(&http, &url, &chain_id(4)).await.unwrap();
        assert_eq!(proxy.requests(), 2);
        assert_eq!(proxy.calls(), 4);
        assert_eq!(
            proxy.methods(),
            [
                "eth_chainId",
                "eth_blockNumber",
                "eth_getBalance",
                "eth_chainId"
            ]
        );

        drop(proxy);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(post(&http, &url, &chain_id(1)).await.is_err());
    }

    #[tokio::test]
    async fn honours_connection_close_and_pipelining() {
        let proxy = RpcProxy::start(&upstream().await).await.unwrap();
        let mut stream = TcpStream::connect(proxy.shared.addr).await.unwrap();
        let body = serde_json::to_string(&chain_id(1)).unwrap();
        let request = |connection: &str| {
            format!(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
                body.len()
            )
        };
        // Two requests in one write: the second must be served from the leftover bytes.
        let both = request("keep-alive") + &request("close");
        stream.write_all(both.as_bytes()).await.unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        assert_eq!(out.matches("HTTP/1.1 200 OK").count(), 2, "{out}");
        assert_eq!(out.matches("0x7a69").count(), 2, "{out}");
        assert!(out.contains("Connection: close"), "{out}");
        assert_eq!(proxy.requests(), 2);
    }
}
