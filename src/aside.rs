//! Sheets written aside: a sheet as read is kept for the annotated copies and the page's
//! rows as written, but only those two ever look at it again, after every check. So a run
//! that writes outputs puts each sheet's cells into a scratch file (postcard) the moment
//! its rows are checked, and the writer that needs it reads it back, one sheet at a time:
//! the cells are not held beside the records of the whole batch.
//!
//! A sheet that cannot be written aside (a full disk) is kept in memory: never lost.

use std::borrow::Cow;
use std::path::Path;

use anyhow::{Context, Result};

use crate::model::{Grid, KeptGrid};

/// The scratch folder a run's sheets are written aside to, inside `inside` (the output
/// folder, on the disk that takes the outputs): removed when the last handle is dropped.
pub fn folder(inside: &Path) -> Result<std::sync::Arc<tempfile::TempDir>> {
    let dir = tempfile::Builder::new()
        .prefix(".selfbuilt-sheets-")
        .tempdir_in(inside)
        .with_context(|| format!("cannot make a scratch folder in {}", inside.display()))?;
    Ok(std::sync::Arc::new(dir))
}

/// Keep `grid`: written into `dir` (under a name of its own) when a folder is given,
/// else (or when it cannot be written) in memory.
pub fn keep(grid: Grid, dir: Option<&Path>) -> KeptGrid {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Some(dir) = dir else {
        return KeptGrid::Here(grid);
    };
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("{n}.sheet"));
    let written = postcard::to_stdvec(&grid)
        .map_err(std::io::Error::other)
        .and_then(|bytes| std::fs::write(&path, bytes));
    match written {
        Ok(()) => KeptGrid::Aside {
            path,
            rows: grid.rows.len(),
            width: grid.width,
        },
        Err(_) => {
            let _ = std::fs::remove_file(&path);
            KeptGrid::Here(grid)
        }
    }
}

/// The grid kept: borrowed when in memory, read back when written aside.
pub fn load(kept: &KeptGrid) -> Result<Cow<'_, Grid>> {
    match kept {
        KeptGrid::Here(grid) => Ok(Cow::Borrowed(grid)),
        KeptGrid::Aside { path, .. } => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read the sheet kept in {}", path.display()))?;
            let grid: Grid = postcard::from_bytes(&bytes)
                .with_context(|| format!("the sheet kept in {} is damaged", path.display()))?;
            Ok(Cow::Owned(grid))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        let mut rows = Vec::new();
        for i in 0..3u32 {
            rows.push(crate::model::GridRow {
                idx: i * 2,
                cells: vec![
                    crate::value::Raw::Text(format!("第{i}行")),
                    crate::value::Raw::Num(1.5),
                ],
            });
        }
        Grid {
            name: "房屋".into(),
            rows,
            merges: Vec::new(),
            merges_known: true,
            width: 2,
            findings: Vec::new(),
            hidden: false,
        }
    }

    #[test]
    fn a_sheet_written_aside_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let kept = keep(grid(), Some(dir.path()));
        assert!(matches!(
            kept,
            KeptGrid::Aside {
                rows: 3,
                width: 2,
                ..
            }
        ));
        assert_eq!(kept.cells(), 6);
        let back = load(&kept).unwrap();
        assert_eq!(format!("{:?}", back.rows), format!("{:?}", grid().rows));
        assert_eq!(back.name, "房屋");
    }

    #[test]
    fn a_sheet_that_cannot_be_written_aside_stays_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("no such folder");
        let kept = keep(grid(), Some(&gone));
        assert!(matches!(kept, KeptGrid::Here(_)));
        assert_eq!(load(&kept).unwrap().rows.len(), 3);
        let here = keep(grid(), None);
        assert!(matches!(here, KeptGrid::Here(_)));
    }
}
