//! Files that hold secrets: created new (never overwritten), readable by the owner only.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to a new file at `path` with mode 0600 (on Unix). Fails if the file exists,
/// so a key is never silently replaced.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Replaces the file at `path` with `bytes`, owner-only: writes a new temporary file beside it
/// and renames it over the old one, so a reader sees the old or the new secret, never half of
/// one. For an operator's explicit `--force`.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".new");
    let temp = path.with_file_name(name);
    // A temporary file left by a crash mid-write holds nothing the next attempt needs.
    match std::fs::remove_file(&temp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    write_new(&temp, bytes)?;
    std::fs::rename(&temp, path)
}
