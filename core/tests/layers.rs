//! The core's rooms and the direction of their dependencies, checked on the source: every
//! `crate::<room>` a room names must be a room of a lower rank (or itself), so the folders form
//! no cycle; only the façade names `Wallet`, and only it and `session` the unlocked `Session`.
//! std only, so it runs in a blink in `make test`.
//! The table below is the one definition of the ranks; `docs/LAYOUT.md` draws it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each room and its rank: a room may use rooms of a strictly lower rank only.
const ROOMS: &[(&str, u32)] = &[
    ("primitives", 0),
    ("logging", 0),
    ("keys", 1),
    ("chain", 1),
    ("store", 2),
    ("session", 3),
    ("ops", 4),
    ("accounts", 4),
    ("networks", 4),
    ("prices", 4),
    ("passkeys", 4),
    ("guard", 5),
    ("history", 5),
    ("send", 6),
    ("smart", 7),
    ("recovery", 8),
    ("sync", 9),
    ("bridge", 9),
    ("wallet", 10),
];

fn rank(room: &str) -> Option<u32> {
    ROOMS.iter().find(|(r, _)| *r == room).map(|(_, n)| *n)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The room a file belongs to: its folder under src/, or the file itself (logging.rs). The
/// crate root and the CLI binary are not rooms: they are the crate's door and a client of it.
fn room_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" | "bin" => None,
        f => Some(f.trim_end_matches(".rs").to_string()),
    }
}

/// The code a room ships: comments and the trailing `#[cfg(test)] mod tests` cut off (tests
/// may build a whole `Wallet`; they do not make the room depend on it).
fn shipped_code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rooms named by `crate::room` paths and by `use crate::{room, …}` groups.
fn named_rooms(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert(name);
        }
        rest = after;
    }
    out
}

/// Whether the code names `name` as a word (`Wallet`, not `WalletConfig`).
fn names(code: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(name).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// room → rooms it names, from the source under `src`.
fn graph(src: &Path) -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in &files {
        let Some(room) = room_of(src, file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let code = shipped_code(&text);
        let rel = file.strip_prefix(src).unwrap_or(file).display().to_string();
        if rank(&room).is_none() {
            problems.push(format!(
                "{rel}: `{room}` is not a room in tests/layers.rs: give it a rank"
            ));
        }
        if room != "wallet" && names(&code, "Wallet") {
            problems.push(format!(
                "{rel}: only the façade (wallet/) may name `Wallet`; take a `&Ctx`, a `&Ledger` or values"
            ));
        }
        // `Session(` is a room error's variant wrapping `SessionError`, not the type.
        if room != "wallet"
            && room != "session"
            && names(&code.replace("Session(", "_("), "Session")
        {
            problems.push(format!(
                "{rel}: the unlocked `Session` is the gate's: take the `&Ledger` and `&VaultKeys` it holds"
            ));
        }
        let named: BTreeSet<String> = named_rooms(&code)
            .into_iter()
            // Names re-exported at the crate root (`crate::Wallet`, `crate::Error`) are the
            // façade's.
            .map(|n| match n.as_str() {
                "Wallet" | "Error" | "Result" | "WalletConfig" | "KeySpec" | "WalletEvent"
                | "LockReason" | "NewWallet" | "DoctorReport" | "error" | "profiles" => {
                    "wallet".to_string()
                }
                _ => n,
            })
            .filter(|n| *n != room && rank(n).is_some())
            .collect();
        edges.entry(room).or_default().extend(named);
    }
    (edges, problems)
}

fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        if let Some(c) = visit(node, edges, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn check(src: &Path) -> Vec<String> {
    let (edges, mut problems) = graph(src);
    for (from, tos) in &edges {
        let Some(from_rank) = rank(from) else {
            continue;
        };
        for to in tos {
            let Some(to_rank) = rank(to) else { continue };
            if to_rank >= from_rank {
                problems.push(format!(
                    "`{from}` (rank {from_rank}) uses `{to}` (rank {to_rank}): a room may use only lower rooms"
                ));
            }
        }
    }
    if let Some(c) = cycle(&edges) {
        problems.push(format!("import cycle between rooms: {}", c.join(" → ")));
    }
    problems
}

#[test]
fn rooms_depend_only_on_lower_rooms() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = check(&src);
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
    // The walk saw the rooms (a wrong path would pass vacuously).
    let (edges, _) = graph(&src);
    assert!(
        edges.len() >= ROOMS.len() - 1,
        "rooms found: {:?}",
        edges.keys()
    );
    assert!(edges["wallet"].contains("send") && edges["send"].contains("guard"));
}

#[test]
fn the_check_catches_a_cycle_and_a_stray_wallet() {
    let dir = std::env::temp_dir().join(format!("cairn-layers-{}", std::process::id()));
    let write = |rel: &str, text: &str| {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("store/mod.rs", "use crate::keys::vault::VaultKeys;\n");
    write("keys/mod.rs", "//! uses crate::store in a comment only\n");
    assert!(check(&dir).is_empty(), "{:?}", check(&dir));
    // keys → store while store → keys: upward, and a cycle.
    write("keys/vault.rs", "use crate::store::ledger::Ledger;\n");
    let problems = check(&dir);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`keys` (rank 1) uses `store`")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("import cycle")),
        "{problems:?}"
    );
    write(
        "keys/vault.rs",
        "#[cfg(test)]\nmod tests {\n    use crate::store::ledger::Ledger;\n}\n",
    );
    assert!(
        check(&dir).is_empty(),
        "tests may reach up: {:?}",
        check(&dir)
    );
    write("send/mod.rs", "impl Wallet {\n}\n");
    assert!(check(&dir).iter().any(|p| p.contains("only the façade")));
    write("send/mod.rs", "fn sign(s: &Session) {}\n");
    assert!(check(&dir)
        .iter()
        .any(|p| p.contains("`Session` is the gate's")));
    write("send/mod.rs", "");
    write("statements/mod.rs", "use crate::chain::Chain;\n");
    assert!(check(&dir).iter().any(|p| p.contains("not a room")));
    let _ = std::fs::remove_dir_all(&dir);
}
