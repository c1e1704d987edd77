//! Profiles: several independent wallets on one device, each a directory of its own
//! (`<root>/profiles/<name>/`: vault header, ledger, audit head, attempt record). Chosen at start.

use std::path::{Path, PathBuf};

pub const DEFAULT_PROFILE: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("a profile name is 1 to 32 characters of a-z, 0-9, '-' and '_'; {0:?} is not")]
    BadName(String),
    #[error("could not list profiles in {path}: {reason}")]
    Io { path: PathBuf, reason: String },
}

pub fn validate_name(name: &str) -> Result<(), ProfileError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ProfileError::BadName(name.to_string()))
    }
}

/// The directory of profile `name` under `root`.
pub fn dir(root: &Path, name: &str) -> Result<PathBuf, ProfileError> {
    validate_name(name)?;
    Ok(root.join("profiles").join(name))
}

/// The profiles that hold a wallet, sorted by name.
pub fn list(root: &Path) -> Result<Vec<String>, ProfileError> {
    let base = root.join("profiles");
    let entries = match std::fs::read_dir(&base) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ProfileError::Io {
                path: base,
                reason: e.to_string(),
            })
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| crate::vault::exists(&e.path()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| validate_name(n).is_ok())
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_path_components() {
        for good in ["default", "work-2", "a_b"] {
            validate_name(good).unwrap();
        }
        for bad in ["", "..", "a/b", "Work", "x".repeat(33).as_str(), "a b"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_profiles_with_a_vault_are_listed() {
        let root = tempfile::tempdir().unwrap();
        assert!(list(root.path()).unwrap().is_empty());
        let work = dir(root.path(), "work").unwrap();
        std::fs::create_dir_all(&work).unwrap();
        assert!(list(root.path()).unwrap().is_empty());
        std::fs::write(crate::vault::header_path(&work), "{}").unwrap();
        std::fs::create_dir_all(dir(root.path(), "empty").unwrap()).unwrap();
        assert_eq!(list(root.path()).unwrap(), vec!["work"]);
    }
}
