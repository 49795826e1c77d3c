//! Writing a file atomically: a temp file in the same folder, then a rename, so that a
//! reader never sees half a file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Write `path` atomically: `write` fills a temp file beside it, which is then renamed
/// over `path`, so a reader never sees half a file. The temp file's name is a short id,
/// never built from `path`'s (an input's long Chinese name would pass a file system's
/// 255 bytes).
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = path.parent().context("output path has no folder")?;
    path.file_name().context("output path has no file name")?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".sb-{}-{n}.tmp", std::process::id()));
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))
}

/// Write bytes to `path` atomically.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |tmp| {
        let mut f = std::fs::File::create(tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().ok();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_write_replaces_the_file_and_leaves_no_temp_file() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("a.txt");
        atomic_write(&path, b"old").unwrap();
        atomic_write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(entries(t.path()), ["a.txt"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp_file() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("a.txt");
        atomic_write(&path, b"old").unwrap();
        let failed = write_atomically(&path, |tmp| {
            std::fs::write(tmp, "half")?;
            anyhow::bail!("stopped")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(entries(t.path()), ["a.txt"]);
    }
}
