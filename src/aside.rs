//! Sheets written aside: a sheet as read is kept for the annotated copies and the page's
//! rows as written, but only those two ever look at it again, after every check. So a
//! sheet's rows are packed in the aside format (each row postcard-encoded, one after
//! another: `PackedRows`) the moment they are checked, and when the sheet ends those bytes
//! go into a scratch file as they are; the writer that needs the sheet reads it back, one
//! sheet at a time: the cells are not held beside the records of the whole batch.
//!
//! A sheet that cannot be written aside (a full disk) is kept in memory: never lost.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::model::{Grid, GridRow, KeptGrid};

/// A sheet's rows in the aside format: each row postcard-encoded, one after another in
/// blocks (a chunk's rows are packed into a block of their own, which joins the sheet's
/// as it is: a single growing buffer was copied whenever it grew and again as each chunk
/// joined it, a tenth of the checking thread's time), with where each row ends in its
/// block and its index in the sheet. A row takes a fraction of the memory its cells take;
/// it is decoded again one at a time, or a range.
#[derive(Debug, Default)]
pub struct PackedRows {
    /// The rows' encodings, one after another, block by block; no block is empty.
    blocks: Vec<Vec<u8>>,
    /// The position of each block's first row.
    firsts: Vec<usize>,
    /// Where each row's encoding ends in its block.
    ends: Vec<usize>,
    /// Each row's 0-based index in the sheet, in order.
    indices: Vec<u32>,
}

impl PackedRows {
    /// Packs `row` after the others.
    pub fn push(&mut self, row: &GridRow) {
        if self.blocks.is_empty() {
            self.blocks.push(Vec::new());
            self.firsts.push(self.len());
        }
        let last = self.blocks.last_mut().expect("a block to pack into");
        *last = postcard::to_extend(row, std::mem::take(last))
            .expect("a row of plain cells always encodes");
        self.ends.push(last.len());
        self.indices.push(row.idx);
    }

    /// Makes room in the last block for about `rows` more rows the size of those packed
    /// so far, so that packing them copies nothing as it goes.
    pub fn reserve_rows(&mut self, rows: usize) {
        let (Some(last), false) = (self.blocks.last_mut(), self.indices.is_empty()) else {
            return;
        };
        let each = last.len() / (self.ends.len() - self.firsts.last().copied().unwrap_or(0));
        last.reserve(each.saturating_mul(rows).saturating_add(rows * 8));
    }

    /// Gives back the room the last block holds beyond its rows.
    pub fn shrink_to_fit(&mut self) {
        if let Some(last) = self.blocks.last_mut() {
            last.shrink_to_fit();
        }
    }

    /// Moves `other`'s rows after these, its blocks as they are.
    pub fn append(&mut self, other: PackedRows) {
        let base = self.len();
        self.blocks.extend(other.blocks);
        self.firsts
            .extend(other.firsts.iter().map(|first| first + base));
        self.ends.extend(other.ends);
        self.indices.extend(other.indices);
    }

    /// How many rows are packed.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// No row is packed.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// Each row's 0-based index in the sheet, in order.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// The position of the row with index `idx`, if it is packed.
    pub fn find(&self, idx: u32) -> Option<usize> {
        self.indices.binary_search(&idx).ok()
    }

    /// The block holding the row at `pos`, and where the row starts in it.
    fn start(&self, pos: usize) -> (usize, usize) {
        let block = self.firsts.partition_point(|&first| first <= pos) - 1;
        match pos == self.firsts[block] {
            true => (block, 0),
            false => (block, self.ends[pos - 1]),
        }
    }

    /// The row at position `pos`, decoded.
    pub fn row(&self, pos: usize) -> GridRow {
        let (block, start) = self.start(pos);
        postcard::from_bytes(&self.blocks[block][start..self.ends[pos]])
            .expect("a row packed here decodes")
    }

    /// The rows from position `from` on, decoded one at a time.
    pub fn rows(&self, from: usize) -> impl Iterator<Item = GridRow> + '_ {
        (from..self.len()).map(|pos| self.row(pos))
    }

    /// Drops the rows from position `len` on.
    pub fn truncate(&mut self, len: usize) {
        if len < self.len() {
            let (block, start) = self.start(len);
            match start {
                0 => {
                    self.blocks.truncate(block);
                    self.firsts.truncate(block);
                }
                _ => {
                    self.blocks.truncate(block + 1);
                    self.firsts.truncate(block + 1);
                    self.blocks[block].truncate(start);
                }
            }
            self.ends.truncate(len);
            self.indices.truncate(len);
        }
    }

    /// Every row, decoded; none is left packed.
    pub fn take_rows(&mut self) -> Vec<GridRow> {
        let rows = self.rows(0).collect();
        *self = PackedRows::default();
        rows
    }

    /// The rows' encodings one after another, block by block.
    fn bytes(&self) -> impl Iterator<Item = &[u8]> {
        self.blocks.iter().map(Vec::as_slice)
    }
}

/// The start of a scratch folder's name; the process's id follows, then a dash.
const PREFIX: &str = ".selfbuilt-sheets-";

/// The scratch folder a run's sheets are written aside to, inside `inside` (the output
/// folder, on the disk that takes the outputs), named with this process's id: removed
/// when the last handle is dropped (and by `sweep` when the process was stopped first).
pub fn folder(inside: &Path) -> Result<std::sync::Arc<tempfile::TempDir>> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .tempdir_in(inside)
        .with_context(|| format!("cannot make a scratch folder in {}", inside.display()))?;
    Ok(std::sync::Arc::new(dir))
}

/// Removes the scratch folders in `inside` left by runs that were stopped before they
/// could remove their own (a crash, a power cut): those whose process `alive` says is gone,
/// and those an older version named without one. Call it holding the folder's lock, so
/// that no other run is writing there. Returns how many were removed.
///
/// ```
/// let out = tempfile::tempdir().unwrap();
/// std::fs::create_dir(out.path().join(".selfbuilt-sheets-4000000000-x1")).unwrap();
/// assert_eq!(selfbuilt::aside::sweep(out.path(), |_| false), 1);
/// ```
pub fn sweep(inside: &Path, alive: impl Fn(u32) -> bool) -> usize {
    let Ok(entries) = std::fs::read_dir(inside) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let owner = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        if owner.is_some_and(&alive) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if std::fs::remove_dir_all(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Keep a sheet, its rows `packed` then `grid.rows`: written into `dir` (under a name of
/// its own) when a folder is given, else (or when it cannot be written) in memory.
pub fn keep(mut grid: Grid, mut packed: PackedRows, dir: Option<&Path>) -> KeptGrid {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let Some(dir) = dir else {
        return KeptGrid::Here(unpacked(grid, packed));
    };
    for row in std::mem::take(&mut grid.rows) {
        packed.push(&row);
    }
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("{n}.sheet"));
    match write(&path, &grid, &packed) {
        Ok(()) => KeptGrid::Aside {
            path,
            rows: packed.len(),
            width: grid.width,
        },
        Err(_) => {
            let _ = std::fs::remove_file(&path);
            KeptGrid::Here(unpacked(grid, packed))
        }
    }
}

/// `grid` with its rows `packed` decoded in front of its own.
fn unpacked(mut grid: Grid, mut packed: PackedRows) -> Grid {
    let mut rows = packed.take_rows();
    rows.append(&mut grid.rows);
    grid.rows = rows;
    grid
}

/// Writes `grid` (its own rows left out) with the rows `packed` as the postcard encoding
/// of the whole `Grid`: its fields in their order, the packed rows' bytes as they are.
fn write(path: &Path, grid: &Grid, packed: &PackedRows) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    file.write_all(&encode(&grid.name)?)?;
    file.write_all(&encode(&packed.len())?)?;
    for block in packed.bytes() {
        file.write_all(block)?;
    }
    let rest = (
        &grid.merges,
        grid.merges_known,
        grid.width,
        &grid.findings,
        grid.hidden,
    );
    file.write_all(&encode(&rest)?)?;
    file.flush()
}

/// One value's postcard encoding.
fn encode<T: serde::Serialize + ?Sized>(value: &T) -> std::io::Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(std::io::Error::other)
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

    #[test]
    fn a_stopped_runs_scratch_is_swept_and_a_live_ones_kept() {
        let out = tempfile::tempdir().unwrap();
        let ours = folder(out.path()).unwrap();
        for name in [
            ".selfbuilt-sheets-4000000000-a",
            ".selfbuilt-sheetsOLD",
            ".selfbuilt-sheets-b",
        ] {
            std::fs::create_dir(out.path().join(name)).unwrap();
        }
        std::fs::write(out.path().join("cleaned.xlsx"), b"x").unwrap();
        let me = std::process::id();
        assert_eq!(sweep(out.path(), |pid| pid == me), 2);
        let mut left: Vec<String> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let own = ours
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(own.starts_with(&format!("{PREFIX}{me}-")));
        assert_eq!(
            left,
            [
                own,
                ".selfbuilt-sheetsOLD".to_string(),
                "cleaned.xlsx".to_string()
            ]
        );
    }
    use super::*;
    use crate::value::Raw;

    fn grid() -> Grid {
        let mut rows = Vec::new();
        for i in 0..3u32 {
            rows.push(GridRow {
                idx: i * 2,
                cells: vec![Raw::Text(format!("第{i}行").into()), Raw::Num(1.5)],
            });
        }
        Grid {
            name: "房屋".into(),
            rows,
            merges: vec![crate::model::Merge {
                r0: 0,
                c0: 0,
                r1: 2,
                c1: 0,
            }],
            merges_known: true,
            width: 2,
            findings: vec![crate::finding::Finding::new(crate::codes::header_only())],
            hidden: true,
        }
    }

    /// `grid()` with its first `checked` rows packed.
    fn split(checked: usize) -> (Grid, PackedRows) {
        let mut grid = grid();
        let mut packed = PackedRows::default();
        for row in grid.rows.drain(..checked) {
            packed.push(&row);
        }
        (grid, packed)
    }

    #[test]
    fn packed_rows_decode_one_at_a_time_and_truncate() {
        let (_, mut packed) = split(3);
        let (_, more) = split(1);
        packed.append(more);
        assert_eq!(packed.len(), 4);
        assert_eq!(packed.indices(), &[0, 2, 4, 0]);
        assert_eq!(packed.row(1).get(0), &Raw::Text("第1行".into()));
        assert_eq!(packed.row(3).get(0), &Raw::Text("第0行".into()));
        packed.truncate(2);
        assert_eq!(packed.find(2), Some(1));
        assert_eq!(packed.find(4), None);
        let rows: Vec<u32> = packed.rows(1).map(|r| r.idx).collect();
        assert_eq!(rows, vec![2]);
        assert_eq!(packed.take_rows().len(), 2);
        assert!(packed.is_empty());
    }

    #[test]
    fn packed_blocks_read_as_one_run_of_rows_whatever_their_joins() {
        // Rows packed in blocks of 1, 2 and 3 (each reserved as a chunk reserves), then
        // cut at every place: every row reads back, and packing goes on after a cut.
        let row = |i: u32| GridRow {
            idx: i,
            cells: vec![Raw::Text(
                format!("第{i}行，一段比二十四个字节长的文字").into(),
            )],
        };
        let mut whole = PackedRows::default();
        let mut next = 0;
        for size in [1, 2, 3] {
            let mut block = PackedRows::default();
            for k in 0..size {
                block.push(&row(next));
                if k == 0 {
                    block.reserve_rows(size - 1);
                }
                next += 1;
            }
            block.shrink_to_fit();
            whole.append(block);
        }
        whole.append(PackedRows::default());
        assert_eq!(whole.len(), 6);
        for cut in 0..=6 {
            let mut packed = PackedRows::default();
            for k in 0..3 {
                let mut block = PackedRows::default();
                for i in 0..2 {
                    block.push(&row(k * 2 + i));
                }
                packed.append(block);
            }
            packed.truncate(cut);
            assert_eq!(packed.len(), cut);
            packed.push(&row(99));
            let idx: Vec<u32> = packed.rows(0).map(|r| r.idx).collect();
            let mut want: Vec<u32> = (0..cut as u32).collect();
            want.push(99);
            assert_eq!(idx, want, "cut at {cut}");
            assert_eq!(packed.row(cut).get(0), row(99).get(0));
        }
        for pos in 0..6 {
            assert_eq!(whole.row(pos).get(0), row(pos as u32).get(0));
        }
        let bytes: Vec<u8> = whole.bytes().flatten().copied().collect();
        let mut one = PackedRows::default();
        (0..6).for_each(|i| one.push(&row(i)));
        assert_eq!(bytes, one.bytes().flatten().copied().collect::<Vec<u8>>());
    }

    #[test]
    fn a_sheet_written_aside_is_the_grid_s_own_encoding() {
        let dir = tempfile::tempdir().unwrap();
        let (rest, packed) = split(2);
        let kept = keep(rest, packed, Some(dir.path()));
        let KeptGrid::Aside { path, .. } = &kept else {
            panic!("kept in memory");
        };
        assert_eq!(
            std::fs::read(path).unwrap(),
            postcard::to_stdvec(&grid()).unwrap()
        );
    }

    #[test]
    fn a_sheet_written_aside_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let (rest, packed) = split(1);
        let kept = keep(rest, packed, Some(dir.path()));
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
        let (rest, packed) = split(2);
        let kept = keep(rest, packed, Some(&gone));
        assert!(matches!(kept, KeptGrid::Here(_)));
        let back = load(&kept).unwrap();
        assert_eq!(format!("{:?}", back.rows), format!("{:?}", grid().rows));
        let (rest, packed) = split(3);
        let here = keep(rest, packed, None);
        assert!(matches!(here, KeptGrid::Here(ref g) if g.rows.len() == 3));
    }
}
