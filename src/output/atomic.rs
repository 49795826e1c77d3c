//! Writing a file atomically: a temp file in the same folder, then a rename, so that a
//! reader never sees half a file. A text output is written into that temp file as it is
//! made (`stream_atomically`), so memory never holds the whole file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Where a streamed output is written: its temp file, buffered.
pub type FileOut = std::io::BufWriter<std::fs::File>;

/// How much of a streamed output is held before it goes to its temp file.
const BUFFER: usize = 1 << 20;

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

/// Write `path` atomically as it is made: `write` writes into the temp file beside it
/// (buffered), which is flushed and then renamed over `path`. An error from `write` or
/// from the disk leaves no temp file and `path` as it was.
pub fn stream_atomically(
    path: &Path,
    write: impl FnOnce(&mut FileOut) -> Result<()>,
) -> Result<()> {
    write_atomically(path, |tmp| {
        let file = std::fs::File::create(tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out = FileOut::with_capacity(BUFFER, file);
        write(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
        let file = out
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", tmp.display(), e.error()))?;
        file.sync_all().ok();
        Ok(())
    })
}

/// Write bytes to `path` atomically.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    stream_atomically(path, |out| Ok(out.write_all(bytes)?))
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

    #[test]
    fn a_stream_is_written_whole_or_not_at_all() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("a.txt");
        stream_atomically(&path, |out| {
            for part in ["a", "b", "c"] {
                out.write_all(part.as_bytes())?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "abc");
        let failed = stream_atomically(&path, |out| {
            out.write_all(&vec![b'x'; 3 * BUFFER])?;
            anyhow::bail!("stopped")
        });
        let message = format!("{:#}", failed.unwrap_err());
        assert!(
            message.contains("a.txt") && message.contains("stopped"),
            "{message}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "abc");
        assert_eq!(entries(t.path()), ["a.txt"]);
    }
}
