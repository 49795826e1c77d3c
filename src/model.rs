//! The run's records as plain data, at the bottom: what the stages hand on and every
//! writer reads — a table row (`Record`), a sheet and a file as they turned out
//! (`SheetInfo`, `FileOut`), a write-off proposal, and the whole `Run`. Nothing here does
//! any work beyond small accessors.

use std::sync::Arc;

use crate::cells::Val;
use crate::finding::{Change, ChangeLog, Finding};
use crate::read::{Grid, InputFile};
use crate::recognise::{Column, Skipped};
use crate::schema::roles::Idx;
use crate::schema::TableKind;

/// One data row of one table, with canonical values per schema field.
#[derive(Debug, Clone)]
pub struct Record {
    pub table: TableKind,
    /// Index of the input file in the run.
    pub file: usize,
    /// Shared by every record of the sheet.
    pub sheet: Arc<str>,
    /// 0-based row in the original sheet.
    pub row: u32,
    /// Canonical values, one per schema field (Empty where missing or unusable).
    pub vals: Vec<Val>,
    /// Source column of each field (None when the sheet has no such column); shared by
    /// every record of the sheet.
    pub cols: Arc<[Option<u32>]>,
    /// Fields whose cell had an error (their value is not usable by later rules).
    pub bad: Vec<bool>,
    /// Set once the row has any error finding.
    pub rejected: bool,
}

impl Record {
    pub fn get(&self, i: usize) -> &Val {
        &self.vals[i]
    }
    pub fn text(&self, i: usize) -> &str {
        self.vals[i].as_str().unwrap_or("")
    }
}

/// What one sheet turned out to be.
#[derive(Debug, Clone)]
pub struct SheetInfo {
    pub name: String,
    pub table: Option<TableKind>,
    pub header: Option<(u32, u32)>,
    pub data_rows: usize,
    pub columns: Vec<Column>,
    pub skipped: Vec<Skipped>,
    pub grid: Option<Grid>,
}

/// One input file after the row stage.
#[derive(Debug)]
pub struct FileOut {
    pub input: InputFile,
    pub format: String,
    pub sheets: Vec<SheetInfo>,
    pub findings: Vec<Finding>,
    pub changes: ChangeLog,
    pub records: [Vec<Record>; 3],
    /// Rows read per table.
    pub rows_read: [usize; 3],
    /// Non-empty rows of sheets that hold content but no recognised table: each is
    /// rejected with an S007 finding (see `unrecognised_rows`).
    pub rows_unrecognised: usize,
}

/// A whole run.
pub struct Run {
    pub files: Vec<FileOut>,
    pub rel: Vec<String>,
    pub village_of_file: Vec<String>,
    pub tables: [Vec<Record>; 3],
    pub findings: Vec<Finding>,
    /// The audit trail, file by file in input order (see `changes()`).
    pub changes: Vec<ChangeLog>,
    pub proposals: Vec<Proposal>,
    pub idx: Option<Idx>,
    pub seconds: f64,
}

impl Run {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
    /// Every change cleaning made, in input order.
    pub fn changes(&self) -> impl Iterator<Item = Change<'_>> {
        self.changes.iter().flat_map(ChangeLog::iter)
    }
    pub fn change_count(&self) -> usize {
        self.changes.iter().map(ChangeLog::len).sum()
    }
    pub fn table(&self, t: TableKind) -> &[Record] {
        &self.tables[t.index()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Misentry,
    SuspectedMisentry,
    Rectified,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Misentry => "misentry",
            Reason::SuspectedMisentry => "suspected_misentry",
            Reason::Rectified => "rectified",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Proposal {
    pub reason: Reason,
    pub building_code: String,
    pub hazard_code: String,
    pub village: String,
    pub file: usize,
    pub sheet: String,
    /// 0-based row of the building (misentry, suspected) or hazard (rectified).
    pub row: u32,
    pub evidence: String,
}
