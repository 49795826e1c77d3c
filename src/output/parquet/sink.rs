//! Writing one Parquet file from frames made a batch at a time: zstd, one row group per
//! batch, written to a temp file beside it and renamed (`atomic`), so memory holds one
//! batch and a reader never sees half a file.

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
pub fn write_stream(
    path: &Path,
    metadata: Option<KeyValueMetadata>,
    fill: impl FnOnce(&mut dyn FnMut(DataFrame) -> Result<()>) -> Result<()>,
) -> Result<()> {
    write_atomically(path, |tmp| {
        let file = std::fs::File::create(tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut file = Some(std::io::BufWriter::new(file));
        let mut writer = None;
        let mut push = |frame: DataFrame| -> Result<()> {
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
            Ok(())
        };
        fill(&mut push)?;
        writer
            .context("no frame to write")?
            .finish()
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
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
