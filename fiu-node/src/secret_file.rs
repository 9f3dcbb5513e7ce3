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
