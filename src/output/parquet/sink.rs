//! Writing one Parquet file from frames made a batch at a time: zstd, one row group per
//! batch, written on a thread of its own a batch behind the frames' maker, to a temp file
//! beside it and renamed (`atomic`), so memory holds two batches and a reader never sees
//! half a file.

use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::{DataFrame, KeyValueMetadata, ParquetCompression, ParquetWriter};

use crate::output::atomic::write_atomically;

/// Rows per batch (and per row group): a few MB of a table's columns at a time (64Ki rows
/// held 150 MB more at the peak of a 100,000-row run, while the workbooks were written).
pub const BATCH: usize = 16_384;

/// Writes `frames` (at least one; every frame of the same schema) into a Parquet file at
/// `path`, with `metadata` as the file's key-value metadata.
pub fn write_frames(
    path: &Path,
    frames: impl IntoIterator<Item = Result<DataFrame>>,
    metadata: Option<KeyValueMetadata>,
) -> Result<()> {
    write_stream(path, metadata, |push| {
        for frame in frames {
            push(frame?)?;
        }
        Ok(())
    })
}

/// Writes the frames `fill` pushes (at least one; every frame of the same schema) into a
/// Parquet file at `path`, each as it comes: for producers that call back.
///
/// The file is written on a thread of its own, a frame behind the producer: the next
/// batch is made while polars encodes and compresses this one (on its own pool), and the
/// producer's thread never waits inside polars' pool — a rayon worker waiting there runs
/// other writers' work meanwhile and comes back late.
pub fn write_stream(
    path: &Path,
    metadata: Option<KeyValueMetadata>,
    fill: impl FnOnce(&mut dyn FnMut(DataFrame) -> Result<()>) -> Result<()>,
) -> Result<()> {
    write_atomically(path, |tmp| {
        let file = std::fs::File::create(tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<DataFrame>(1);
            // A thread that cannot be started is an error, not a panic (`spawn` panics).
            let writer = std::thread::Builder::new()
                .name("parquet".into())
                .spawn_scoped(s, move || -> Result<()> {
                    let mut file = Some(std::io::BufWriter::new(file));
                    let mut writer = None;
                    for frame in rx {
                        if writer.is_none() {
                            let out = file.take().context("the file is taken")?;
                            writer = Some(
                                ParquetWriter::new(out)
                                    .with_compression(ParquetCompression::Zstd(None))
                                    .with_key_value_metadata(metadata.clone())
                                    .batched(frame.schema())
                                    .with_context(|| format!("cannot write {}", path.display()))?,
                            );
                        }
                        if let Some(w) = writer.as_mut() {
                            w.write_batch(&frame)
                                .with_context(|| format!("cannot write {}", path.display()))?;
                        }
                    }
                    writer
                        .context("no frame to write")?
                        .finish()
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    Ok(())
                })
                .with_context(|| {
                    format!("cannot write {}: no thread to write it", path.display())
                })?;
            let filled = fill(&mut |frame| {
                tx.send(frame)
                    .map_err(|_| anyhow::anyhow!("cannot write {}", path.display()))
            });
            // The writer ends when the frames do (or stops at its first error).
            drop(tx);
            let written = writer
                .join()
                .map_err(|_| anyhow::anyhow!("cannot write {}: the writer failed", path.display()))
                .and_then(|w| w);
            // The writer's error says why a frame could not be sent; an error making the
            // frames stops the file even when what was sent is written.
            written.and(filled)
        })
    })
}

/// The batches of `n` items as index ranges; one empty range when there are none (a file
/// is written all the same, with its columns).
pub fn batches(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let count = n.div_ceil(BATCH).max(1);
    (0..count).map(move |i| i * BATCH..((i + 1) * BATCH).min(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(from: i64, n: i64) -> DataFrame {
        let c = polars::prelude::Column::new("n".into(), (from..from + n).collect::<Vec<i64>>());
        DataFrame::new_infer_height(vec![c]).unwrap()
    }

    /// Frames pushed one after another are all in the file, in order; a producer that
    /// fails after pushing leaves no file, with its own error; a frame the writer cannot
    /// take (another schema) stops the producer and leaves no file either.
    #[test]
    fn frames_are_written_behind_the_producer_and_a_failure_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ok.parquet");
        write_stream(&path, None, |push| {
            for k in 0..5 {
                push(frame(k * 10, 10))?;
            }
            Ok(())
        })
        .unwrap();
        use polars::prelude::SerReader;
        let read = polars::prelude::ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        let n: Vec<Option<i64>> = read.column("n").unwrap().i64().unwrap().iter().collect();
        assert_eq!(n, (0..50).map(Some).collect::<Vec<_>>());

        let failed = dir.path().join("failed.parquet");
        let e = write_stream(&failed, None, |push| {
            push(frame(0, 3))?;
            anyhow::bail!("the rows ran out")
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "the rows ran out");
        assert!(!failed.exists());

        let wrong = dir.path().join("wrong.parquet");
        let e = write_stream(&wrong, None, |push| {
            push(frame(0, 3))?;
            let text = polars::prelude::Column::new("n".into(), vec!["a", "b"]);
            for _ in 0..100 {
                push(DataFrame::new_infer_height(vec![text.clone()]).unwrap())?;
            }
            Ok(())
        })
        .unwrap_err();
        assert!(format!("{e:#}").contains("cannot write"), "{e:#}");
        assert!(!wrong.exists());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only ok.parquet: {left:?}");
    }

    #[test]
    fn items_come_in_batches_and_none_make_one_empty_batch() {
        assert_eq!(batches(0).collect::<Vec<_>>(), vec![0..0]);
        assert_eq!(batches(3).collect::<Vec<_>>(), vec![0..3]);
        let big: Vec<_> = batches(BATCH * 2 + 1).collect();
        assert_eq!(
            big,
            vec![0..BATCH, BATCH..2 * BATCH, 2 * BATCH..2 * BATCH + 1]
        );
    }
}
