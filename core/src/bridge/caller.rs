//! Who is calling the bridge, from what the request carries, before anything else is read: the
//! `Host` must name the loopback address we listen on (DNS rebinding), a browser page is its
//! `Origin` (http or https, nothing else), a local program is a bearer token the user made.
//! Pure functions, tested here; the server applies them.

use ring::digest;

/// The caller, once recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A web page, by its origin (`https://app.example`, default port left out).
    Site { origin: String },
    /// A local program, by the token it presented.
    Program { token_id: i64, name: String },
}

impl Caller {
    /// The key its grant is kept under.
    pub(crate) fn key(&self) -> String {
        match self {
            Caller::Site { origin } => origin.clone(),
            Caller::Program { token_id, .. } => format!("token:{token_id}"),
        }
    }

    /// Who it is, as the user reads it.
    pub(crate) fn label(&self) -> String {
        match self {
            Caller::Site { origin } => origin.clone(),
            Caller::Program { name, .. } => format!("program “{name}”"),
        }
    }
}

/// Why a request is turned away before it is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("the Host header must name this loopback address")]
    BadHost,
    #[error("callers from {0} are not accepted")]
    BadOrigin(String),
    #[error("a program needs a token (Authorization: Bearer …) made in Cairn")]
    NoCredentials,
    #[error("that token is not one this wallet made, or it was revoked")]
    BadToken,
    #[error("only POST with Content-Type: application/json")]
    NotJson,
    #[error("the request is larger than the bridge accepts")]
    TooLarge,
    #[error("too many requests: slow down")]
    RateLimited,
    #[error("the request body did not arrive in time")]
    Slow,
    #[error("Cairn is locked: unlock it in the app, then try again")]
    Locked,
}

impl Refusal {
    /// The HTTP status it is answered with. A bad token is 401, not 403: viem retries a 403.
    pub(crate) fn status(&self) -> u16 {
        match self {
            Refusal::BadHost | Refusal::BadOrigin(_) => 403,
            Refusal::NoCredentials | Refusal::BadToken | Refusal::Locked => 401,
            Refusal::NotJson => 415,
            Refusal::TooLarge => 413,
            Refusal::RateLimited => 429,
            Refusal::Slow => 408,
        }
    }
}

/// Cairn's own browser extension (`extension/`), pinned by the public key in its manifest: the
/// only extension origin accepted, and only with a pairing token, over a WebSocket.
pub(crate) const EXTENSION_ORIGIN: &str = "chrome-extension://moogfdoibbpfpglpkbajaiboiljolnbn";

/// The page origin the extension restates for a tab (the subprotocol `cairn-origin.<hex>`),
/// checked like any page's.
pub(crate) fn restated_origin(protocols: &str) -> Option<String> {
    let hexed = protocols
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("cairn-origin."))?;
    let bytes = hex::decode(hexed).ok()?;
    site_origin(std::str::from_utf8(&bytes).ok()?).ok()
}

/// `Host` is exactly one of the loopback names with our port.
pub(crate) fn host_ok(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host else { return false };
    [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ]
    .iter()
    .any(|h| h.eq_ignore_ascii_case(host))
}

/// A browser page's origin, normalised (lower-case scheme and host, default port dropped);
/// refused unless it is a plain http(s) origin. `null`, `file://` and extension origins are
/// not pages.
pub(crate) fn site_origin(origin: &str) -> Result<String, Refusal> {
    let refuse = || Refusal::BadOrigin(origin.chars().take(80).collect());
    let (scheme, rest) = origin.split_once("://").ok_or_else(refuse)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(refuse());
    }
    // An origin has no path, query, credentials or fragment.
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ', '\\']) {
        return Err(refuse());
    }
    let rest = rest.to_ascii_lowercase();
    let (host, port) = match rest.rsplit_once(':') {
        // An IPv6 literal's colons are inside brackets.
        Some((h, p)) if !p.contains(']') => {
            let port: u16 = p.parse().map_err(|_| refuse())?;
            (h.to_string(), Some(port))
        }
        _ => (rest.clone(), None),
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.[]:".contains(c))
    {
        return Err(refuse());
    }
    let default = if scheme == "https" { 443 } else { 80 };
    Ok(match port {
        Some(p) if p != default => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// The token of `Authorization: Bearer <token>`.
pub(crate) fn bearer(header: Option<&str>) -> Option<&str> {
    let header = header?.trim();
    let (scheme, token) = header.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// What is kept of a token: its SHA-256, hex.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

/// A new token: 32 random bytes, shown once.
pub(crate) fn new_token() -> Option<String> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut bytes).ok()?;
    Some(format!("cairn_{}", hex::encode(bytes)))
}

/// The part of a site's host the user should read (the last two labels; an IP stays whole),
/// and what about it deserves a warning.
pub(crate) fn domain_and_warnings(origin: &str) -> (Option<String>, Vec<String>) {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return (None, Vec::new());
    };
    let host = match rest.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => rest,
    };
    let mut warnings = Vec::new();
    let loopback = host == "localhost" || host == "127.0.0.1" || host == "[::1]";
    if scheme == "http" && !loopback {
        warnings
            .push("not encrypted (http): anyone on the network path can change this page".into());
    }
    if host.split('.').any(|l| l.starts_with("xn--")) {
        warnings.push(
            "the name is written in punycode (xn--): it may imitate another site's letters".into(),
        );
    }
    let labels: Vec<&str> = host.split('.').collect();
    let is_ip = host.starts_with('[') || labels.iter().all(|l| l.parse::<u8>().is_ok());
    let domain = if is_ip || labels.len() <= 2 {
        host.to_string()
    } else {
        labels[labels.len() - 2..].join(".")
    };
    // Digits standing in for letters in the name people read (0 for o, 1 for l).
    let name = domain.split('.').next().unwrap_or_default();
    if !is_ip
        && name.chars().any(|c| c.is_ascii_digit())
        && name.chars().any(|c| c.is_ascii_alphabetic())
    {
        warnings.push(format!(
            "“{domain}” mixes digits into the name: check it is the site you mean"
        ));
    }
    (Some(domain), warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_loopback_host_passes() {
        assert!(host_ok(Some("127.0.0.1:8123"), 8123));
        assert!(host_ok(Some("localhost:8123"), 8123));
        assert!(host_ok(Some("[::1]:8123"), 8123));
        for bad in [
            "127.0.0.1:8124",
            "evil.example:8123",
            "127.0.0.1",
            "localhost.evil:8123",
            "",
        ] {
            assert!(!host_ok(Some(bad), 8123), "{bad}");
        }
        assert!(!host_ok(None, 8123));
    }

    #[test]
    fn origins_are_pages_or_nothing() {
        assert_eq!(
            site_origin("https://App.Example").unwrap(),
            "https://app.example"
        );
        assert_eq!(
            site_origin("https://app.example:443").unwrap(),
            "https://app.example"
        );
        assert_eq!(
            site_origin("http://127.0.0.1:5173").unwrap(),
            "http://127.0.0.1:5173"
        );
        assert_eq!(
            site_origin("http://localhost:5173").unwrap(),
            "http://localhost:5173"
        );
        for bad in [
            "null",
            "file://",
            "chrome-extension://abcdef",
            "https://a.example/path",
            "https://user@a.example",
            "https://",
            "javascript:alert(1)",
            "https://a.example:99999",
        ] {
            assert!(site_origin(bad).is_err(), "{bad}");
        }
        // Same host, other name: other origins, other grants.
        assert_ne!(
            site_origin("http://127.0.0.1:5173").unwrap(),
            site_origin("http://localhost:5173").unwrap()
        );
    }

    #[test]
    fn the_extension_restates_only_page_origins() {
        let p = |o: &str| format!("cairn.x, cairn-origin.{}", hex::encode(o));
        assert_eq!(
            restated_origin(&p("https://App.example")).as_deref(),
            Some("https://app.example")
        );
        assert_eq!(restated_origin(&p("chrome-extension://abc")), None);
        assert_eq!(restated_origin(&p("null")), None);
        assert_eq!(restated_origin("cairn.x"), None);
        assert_eq!(restated_origin("cairn-origin.zz"), None);
    }

    #[test]
    fn bearer_tokens_and_their_hashes() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        let t = new_token().unwrap();
        assert!(t.starts_with("cairn_") && t.len() == 6 + 64);
        assert_ne!(new_token().unwrap(), t);
        assert_eq!(token_hash(&t).len(), 64);
        assert_ne!(token_hash(&t), t);
    }

    #[test]
    fn the_domain_is_what_people_read_and_tricks_are_named() {
        let (d, w) = domain_and_warnings("https://app.uniswap.org");
        assert_eq!(d.as_deref(), Some("uniswap.org"));
        assert!(w.is_empty(), "{w:?}");
        let (_, w) = domain_and_warnings("https://xn--unswap-8db.org");
        assert!(w.iter().any(|w| w.contains("punycode")), "{w:?}");
        let (_, w) = domain_and_warnings("http://un1swap.org");
        assert_eq!(w.len(), 2, "{w:?}");
        let (d, w) = domain_and_warnings("http://127.0.0.1:5173");
        assert_eq!(d.as_deref(), Some("127.0.0.1"));
        assert!(w.is_empty(), "{w:?}");
    }
}
