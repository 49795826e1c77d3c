//! The rows the stages across tables work on (`KeyRow`), as plain data: each row's place
//! and flags and only the fields some stage after the row stage reads (`Keep`, from what
//! the stages declare: `keep::Need`), each distinct value held once per file (made by `keep`).
//! Every value of every row stays in its file's spill (`Spill`: where; `spill`: writing
//! and reading it) for the writers.
//!
//! A field read that was not kept is a programming error, never a blank: builds with debug
//! assertions (every test) stop on it; a release build marks the run (`Keep::missed`) and
//! the pipeline runs again keeping every field.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::value::{Fields, Val};

/// A table of the loaded campaign: its place in `Schemas::tables` (the order the
/// campaign lists them in; the first is the campaign's main table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct TableId(pub u8);

impl TableId {
    /// The table's place in the campaign's order, to index per-table lists.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A slot that holds no field.
const NONE: u16 = u16::MAX;
/// The bit of a kept value's id saying its cell had an error.
pub const BAD: u32 = 1 << 31;

/// Which fields of each table the stages across tables read.
#[derive(Debug)]
pub struct Keep {
    /// Per table: field → slot (`NONE` when not kept).
    slots: Vec<Box<[u16]>>,
    /// Per table: slot → field.
    fields: Vec<Box<[u16]>>,
    /// Set when a field not kept was read (release builds).
    missed: AtomicBool,
}

impl Keep {
    /// The fields `need[table][field]` says.
    pub fn of(need: Vec<Vec<bool>>) -> Keep {
        let mut slots = Vec::with_capacity(need.len());
        let mut fields = Vec::with_capacity(need.len());
        for table in need {
            let mut slot = vec![NONE; table.len()];
            let mut kept = Vec::new();
            for (f, _) in table.iter().enumerate().filter(|(_, k)| **k) {
                slot[f] = kept.len() as u16;
                kept.push(f as u16);
            }
            slots.push(slot.into_boxed_slice());
            fields.push(kept.into_boxed_slice());
        }
        Keep {
            slots,
            fields,
            missed: AtomicBool::new(false),
        }
    }

    /// Whether every field of every table is kept.
    pub fn keeps_all(&self) -> bool {
        self.slots
            .iter()
            .zip(&self.fields)
            .all(|(s, f)| s.len() == f.len())
    }

    /// The fields kept of `table`, in slot order.
    pub fn kept(&self, table: TableId) -> &[u16] {
        &self.fields[table.index()]
    }

    /// Whether field `f` of `table` is kept.
    pub fn keeps(&self, table: TableId, f: usize) -> bool {
        self.slots
            .get(table.index())
            .and_then(|s| s.get(f))
            .is_some_and(|&s| s != NONE)
    }

    /// Whether some stage read a field that was not kept (the run must be made again
    /// keeping every field).
    pub fn missed(&self) -> bool {
        self.missed.load(Ordering::Relaxed)
    }

    fn slot(&self, table: TableId, f: usize) -> Option<usize> {
        match self.slots[table.index()].get(f) {
            Some(&s) if s != NONE => Some(s as usize),
            _ => {
                // A stage read a field it did not declare (`need`): a programming error.
                debug_assert!(false, "field {f} of table {} read but not kept", table.0);
                self.missed.store(true, Ordering::Relaxed);
                None
            }
        }
    }
}

/// What the rows of one sheet share: its name, where each field's column is, which
/// fields are kept and the file's values.
#[derive(Debug)]
pub struct SheetKeys {
    name: Arc<str>,
    cols: Arc<[Option<u32>]>,
    keep: Arc<Keep>,
    pool: Arc<[Val]>,
}

impl SheetKeys {
    /// A sheet's shared part: its name and columns, the fields kept, its file's values.
    pub fn new(
        name: Arc<str>,
        cols: Arc<[Option<u32>]>,
        keep: Arc<Keep>,
        pool: Arc<[Val]>,
    ) -> SheetKeys {
        SheetKeys {
            name,
            cols,
            keep,
            pool,
        }
    }
    /// Whether rows of the sheet `name` with columns `cols` share this (the same `Arc`s).
    pub fn holds(&self, name: &Arc<str>, cols: &Arc<[Option<u32>]>) -> bool {
        Arc::ptr_eq(&self.name, name) && Arc::ptr_eq(&self.cols, cols)
    }
    /// The file's values (tests).
    pub fn pool(&self) -> &[Val] {
        &self.pool
    }
    /// The sheet's shared part of `row`.
    pub fn of(row: &KeyRow) -> &Arc<SheetKeys> {
        &row.sheet
    }
}

/// One data row of one table as the stages across tables see it: where it is, whether it
/// is rejected or held back, and the values of the fields they read.
#[derive(Debug, Clone)]
pub struct KeyRow {
    sheet: Arc<SheetKeys>,
    /// Each kept field's value id in the file's pool, with `BAD` set when its cell had an
    /// error.
    vals: Box<[u32]>,
    /// Index of the input file in the run.
    pub file: usize,
    /// 0-based row in the original sheet.
    pub row: u32,
    /// The table it belongs to.
    pub table: TableId,
    /// Set once the row has any error finding.
    pub rejected: bool,
    /// Rejected only because a row it depends on was (a knock-on).
    pub held: bool,
}

static EMPTY: Val = Val::Empty;

impl KeyRow {
    /// The canonical value of field `i` (empty when not kept: see the module's note).
    pub fn get(&self, i: usize) -> &Val {
        match self.sheet.keep.slot(self.table, i) {
            Some(s) => &self.sheet.pool[(self.vals[s] & !BAD) as usize],
            None => &EMPTY,
        }
    }
    /// Whether field `i`'s cell had an error.
    pub fn is_bad(&self, i: usize) -> bool {
        self.sheet
            .keep
            .slot(self.table, i)
            .is_some_and(|s| self.vals[s] & BAD != 0)
    }
    /// The text of field `i` ("" when it is empty or not text).
    pub fn text(&self, i: usize) -> &str {
        self.get(i).as_str().unwrap_or("")
    }
    /// The usable text of field `i`: None when its cell had an error or it is empty.
    pub fn code(&self, i: usize) -> Option<&str> {
        if self.is_bad(i) {
            return None;
        }
        self.get(i).as_str().filter(|s| !s.is_empty())
    }
    /// The sheet's name ("" for a CSV).
    pub fn sheet(&self) -> &Arc<str> {
        &self.sheet.name
    }
    /// The source column of each field (None when the sheet has no such column).
    pub fn cols(&self) -> &[Option<u32>] {
        &self.sheet.cols
    }
    /// Where the row (or its cell in column `col`) is, for a message: the file as `files`
    /// names it, the sheet, the cell or the row.
    pub fn place(&self, files: &[String], col: Option<u32>) -> String {
        crate::text::row_place(&files[self.file], &self.sheet.name, self.row, col)
    }
    /// How many fields the row's table has, when it keeps every one of them (the row
    /// can give its whole record back); None when it keeps only some.
    pub fn keeps_all(&self) -> Option<usize> {
        let t = self.table.index();
        let n = self.sheet.keep.slots[t].len();
        (self.sheet.keep.fields[t].len() == n).then_some(n)
    }
    /// The source columns, shared by the rows of the sheet.
    pub fn shared_cols(&self) -> &Arc<[Option<u32>]> {
        &self.sheet.cols
    }
    /// A row of `sheet` with its kept values' ids (`vals`).
    pub fn new(
        sheet: Arc<SheetKeys>,
        vals: Box<[u32]>,
        at: (usize, u32),
        table: TableId,
    ) -> KeyRow {
        KeyRow {
            sheet,
            vals,
            file: at.0,
            row: at.1,
            table,
            rejected: false,
            held: false,
        }
    }
}

impl Fields for KeyRow {
    fn val(&self, i: usize) -> Option<&Val> {
        Some(self.get(i))
    }
    fn bad(&self, i: usize) -> Option<bool> {
        Some(self.is_bad(i))
    }
}

/// Where one file's records are on disk with every value (`spill` writes and reads it).
#[derive(Debug, Clone)]
pub struct Spill {
    /// The file.
    pub path: std::path::PathBuf,
    /// Per table: where its records start and how many there are.
    pub tables: Vec<(u64, usize)>,
}
