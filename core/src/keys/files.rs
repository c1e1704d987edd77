//! The profile's files are its owner's alone: directories 0700, files 0600, from the moment
//! they are created where Cairn creates them, and fixed on every open where a library (SQLite,
//! the log appender) or an older version created them under the process's umask. A ledger is
//! encrypted, but its size, its timestamps and the audit head still say things about the owner
//! that other accounts on the machine have no business reading. No-ops where there are no Unix
//! permissions.

use std::fs;
use std::io;
use std::path::Path;

/// Creates (or truncates) `path` readable and writable by its owner only.
pub fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // An existing file keeps its mode through `open`: set it.
    set_mode(path, 0o600)?;
    Ok(file)
}

/// Creates `dir` (and its parents) if needed and makes it private.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    set_mode(dir, 0o700)
}

/// Makes `dir` and everything under it private (directories 0700, files 0600). Symbolic links
/// are left alone: their target is not ours to change.
pub fn harden(dir: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    if meta.is_dir() {
        set_mode(dir, 0o700)?;
        for entry in fs::read_dir(dir)? {
            harden(&entry?.path())?;
        }
    } else if meta.is_file() {
        set_mode(dir, 0o600)?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = fs::metadata(path)?.permissions().mode() & 0o777;
    if current != mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn what_others_could_read_is_made_private() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("profile");
        fs::create_dir_all(dir.join("logs")).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(dir.join("ledger.db"), b"x").unwrap();
        fs::set_permissions(dir.join("ledger.db"), fs::Permissions::from_mode(0o664)).unwrap();
        fs::write(dir.join("logs/cairn.log"), b"x").unwrap();
        fs::set_permissions(
            dir.join("logs/cairn.log"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        harden(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("logs")), 0o700);
        assert_eq!(mode(&dir.join("ledger.db")), 0o600);
        assert_eq!(mode(&dir.join("logs/cairn.log")), 0o600);

        let new = dir.join("vault.json.tmp");
        drop(create_private(&new).unwrap());
        assert_eq!(mode(&new), 0o600);
        fs::set_permissions(&new, fs::Permissions::from_mode(0o644)).unwrap();
        drop(create_private(&new).unwrap());
        assert_eq!(mode(&new), 0o600, "an existing file is made private too");
        private_dir(&root.path().join("a/b")).unwrap();
        assert_eq!(mode(&root.path().join("a/b")), 0o700);
    }
}
