//! What reading makes: sheet grids (`Grid`, `GridRow`, `Merge`: plain records of the run,
//! kept in `model`) built under the limits that protect memory while reading (`Limits`,
//! `GridBuilder`), and a workbook of them (`Book`).

use super::findings::{file_finding, row_given_twice};
use super::Raw;
use crate::finding::Finding;

pub use crate::model::{Grid, GridRow, InputFile, Merge};

/// What a file read gives.
#[derive(Debug)]
pub struct Book {
    /// The format it was read as (xlsx, xls, ods, csv …).
    pub format: &'static str,
    /// Its sheets, in the workbook's order.
    pub sheets: Vec<Grid>,
}

/// Non-empty cells a sheet may hold by default: a 1,000,000-row survey of 21 columns fits.
pub const DEFAULT_MAX_CELLS: u64 = 25_000_000;

/// Bytes of sheet XML a cell may take, for the ceiling on what a workbook inflates to.
pub(crate) const XML_BYTES_PER_CELL: u64 = 100;

/// Below this, a part's compression ratio is not looked at (small parts compress oddly).
pub(crate) const RATIO_FLOOR: u64 = 32 << 20;

/// The default ceiling on what a workbook inflates to: what `max_cells` cells take as
/// sheet XML, and never below 150 MB.
pub fn unzipped_ceiling(max_cells: u64) -> u64 {
    max_cells.saturating_mul(XML_BYTES_PER_CELL).max(150 << 20)
}

/// Read limits; each has a CLI flag.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// The largest file read, in bytes.
    pub max_file_bytes: u64,
    /// The most a workbook may inflate to when unzipped, in bytes.
    pub max_unzipped_bytes: u64,
    /// A workbook part inflating to more than this many times its compressed size (and
    /// past `RATIO_FLOOR`) is a zip bomb; real sheets compress 5–15 times.
    pub max_zip_ratio: u64,
    /// The most cells read from one file.
    pub max_cells: u64,
    /// The most columns read from one sheet.
    pub max_columns: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 200 << 20,
            max_unzipped_bytes: unzipped_ceiling(DEFAULT_MAX_CELLS),
            max_zip_ratio: 100,
            max_cells: DEFAULT_MAX_CELLS,
            max_columns: 512,
        }
    }
}

/// Accumulates sparse cells into a grid while enforcing the limits.
pub(crate) struct GridBuilder {
    pub(crate) grid: Grid,
    pub(crate) cells: u64,
    pub(crate) cut_columns: bool,
    /// Rows whose every cell lies past `--max-columns`, in the order they came.
    pub(crate) cut_rows: Vec<u32>,
    pub(crate) over_cells: bool,
    /// Cells the file gave twice (a row number repeated): (row, col, the value replaced,
    /// whether the two differ).
    pub(crate) twice: Vec<(u32, u32, String, bool)>,
}

impl GridBuilder {
    pub(crate) fn new(name: &str) -> Self {
        GridBuilder {
            grid: Grid {
                name: name.to_string(),
                ..Default::default()
            },
            cells: 0,
            twice: Vec::new(),
            cut_columns: false,
            cut_rows: Vec::new(),
            over_cells: false,
        }
    }
    /// Add a cell; false when the cell limit is reached.
    pub(crate) fn push(&mut self, row: u32, col: u32, v: Raw, limits: &Limits) -> bool {
        if v.is_empty() {
            return true;
        }
        if col >= limits.max_columns {
            self.cut_columns = true;
            // A row with nothing before the limit (its cells come in column order; rows
            // already handed over are complete and had something).
            let rows = &self.grid.rows;
            let held = rows.last().is_some_and(|r| r.idx == row)
                || rows.binary_search_by_key(&row, |r| r.idx).is_ok();
            if !held && self.cut_rows.last() != Some(&row) {
                self.cut_rows.push(row);
            }
            return true;
        }
        self.cells += 1;
        if self.cells > limits.max_cells {
            self.over_cells = true;
            return false;
        }
        let width = self.grid.width.max(col + 1) as usize;
        let rows = &mut self.grid.rows;
        if rows.last().map(|r| r.idx) != Some(row) {
            // Rows arrive in order for xlsx; keep sorted for other readers too.
            let pos = rows.binary_search_by_key(&row, |r| r.idx);
            match pos {
                Ok(_) => {}
                Err(p) => rows.insert(
                    p,
                    GridRow {
                        idx: row,
                        cells: Vec::with_capacity(width),
                    },
                ),
            }
        }
        let i = match rows.last().map(|r| r.idx) {
            Some(x) if x == row => rows.len() - 1,
            _ => rows.binary_search_by_key(&row, |r| r.idx).unwrap_or(0),
        };
        let r = &mut rows[i];
        if r.cells.len() == col as usize {
            // The next cell of its row, as an xlsx gives them.
            r.cells.push(v);
            self.grid.width = self.grid.width.max(col + 1);
            return true;
        }
        if r.cells.len() < col as usize {
            r.cells.resize(col as usize + 1, Raw::Empty);
        }
        let old = &r.cells[col as usize];
        if !old.is_empty() {
            self.twice.push((row, col, old.display(), *old != v));
        }
        r.cells[col as usize] = v;
        self.grid.width = self.grid.width.max(col + 1);
        true
    }
    /// F007: the sheet holds more cells than `--max-cells`.
    pub(crate) fn over_limit(&self, rel: &str, limits: &Limits) -> Finding {
        file_finding(
            crate::codes::too_many_cells(&self.grid.name, limits.max_cells),
            rel,
        )
    }
    pub(crate) fn finish(mut self, rel: &str, limits: &Limits) -> Result<Grid, Finding> {
        if self.over_cells {
            return Err(self.over_limit(rel, limits));
        }
        let mut twice = std::mem::take(&mut self.twice);
        twice.sort_by_key(|t| (t.0, t.1));
        for row in twice.chunk_by(|a, b| a.0 == b.0) {
            let r = row[0].0;
            let differ = row.iter().any(|t| t.3);
            let lost: Vec<String> = row
                .iter()
                .filter(|t| t.3)
                .map(|t| {
                    format!(
                        "{}“{}”",
                        crate::text::a1(r, t.1),
                        crate::text::truncate_chars(&t.2, 30)
                    )
                })
                .collect();
            self.grid
                .findings
                .push(row_given_twice(rel, &self.grid.name, r, differ, &lost));
        }
        if self.cut_columns {
            self.grid.findings.push(
                Finding::new(crate::codes::too_many_columns(limits.max_columns))
                    .at_file(rel)
                    .at_sheet(&self.grid.name),
            );
            // Rows with nothing before the limit are not read at all: listed, as errors.
            let mut lost: Vec<u32> = std::mem::take(&mut self.cut_rows);
            lost.sort_unstable();
            lost.dedup();
            if !lost.is_empty() {
                self.grid.findings.push(
                    Finding::new(crate::codes::rows_beyond_columns(
                        limits.max_columns,
                        lost.len(),
                        crate::text::compact_rows(&lost, 40),
                    ))
                    .severity(crate::finding::Severity::Error)
                    .at_file(rel)
                    .at_sheet(&self.grid.name),
                );
            }
        }
        Ok(self.grid)
    }
}
