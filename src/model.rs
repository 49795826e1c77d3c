//! The run's records as plain data, at the bottom: what the stages hand on and every
//! writer reads — a table row (`Record`), a sheet and a file as they turned out
//! (`SheetInfo`, `FileOut`), a write-off proposal, and the whole `Run`. Nothing here does
//! any work beyond small accessors.

use std::sync::Arc;

use crate::cells::Val;
use crate::finding::{Change, ChangeLog, Finding};
use crate::read::{Grid, InputFile};
use crate::recognise::{Column, Skipped};
use crate::schema::TableId;

/// One data row of one table, with canonical values per schema field.
#[derive(Debug, Clone)]
pub struct Record {
    pub table: TableId,
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
    /// Rejected only because a row it depends on was (a knock-on: `Finding::knock_on`).
    pub held: bool,
}

impl Record {
    pub fn get(&self, i: usize) -> &Val {
        &self.vals[i]
    }
    pub fn text(&self, i: usize) -> &str {
        self.vals[i].as_str().unwrap_or("")
    }

    /// Whether a schema condition holds on this row of table `t` (see `Cond::holds`).
    pub fn holds(&self, t: &crate::schema::TableSchema, c: &crate::schema::Cond) -> Option<bool> {
        c.holds(t, &self.vals, &self.bad)
    }
}

/// What one sheet turned out to be.
#[derive(Debug, Clone)]
pub struct SheetInfo {
    pub name: String,
    pub table: Option<TableId>,
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
    /// Records per table, in the campaign's order.
    pub records: Vec<Vec<Record>>,
    /// Rows read per table.
    pub rows_read: Vec<usize>,
    /// Non-empty rows of sheets that hold content but no recognised table: each is
    /// rejected with an S007 finding (see `unrecognised_rows`).
    pub rows_unrecognised: usize,
}

/// A whole run.
pub struct Run {
    pub files: Vec<FileOut>,
    pub rel: Vec<String>,
    pub village_of_file: Vec<String>,
    /// The village of each row of a file that holds several (`villages::row_villages`).
    pub village_of_row: RowVillages,
    /// Records per table, in the campaign's order.
    pub tables: Vec<Vec<Record>>,
    pub findings: Vec<Finding>,
    /// The audit trail, file by file in input order, then the roster's (see `changes()`).
    pub changes: Vec<ChangeLog>,
    pub proposals: Vec<Proposal>,
    /// The tally, per village (computed before any output is written).
    pub tally: Tally,
    /// The township report's sentences, from the tally.
    pub report: Report,
    /// What changed since the previous round (`--previous`).
    pub rounds: Option<Rounds>,
    /// The roster checked against (`--roster`).
    pub coverage: Option<Coverage>,
    /// Every distinct header and option form the run could not read, or read only
    /// weakly, once each (`rules::wordings`).
    pub wordings: Vec<Wording>,
    /// Where archive members were unpacked for this run (`read::archive`); removed when
    /// the run is dropped.
    pub scratch: Option<Arc<tempfile::TempDir>>,
    pub seconds: f64,
}

/// The village of each row of the files that hold several villages: file (index) →
/// sheet → row (0-based) → village.
pub type RowVillages = std::collections::HashMap<
    usize,
    std::collections::HashMap<Arc<str>, std::collections::HashMap<u32, String>>,
>;

/// Whether a wording is a column's header or an option written in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WordingKind {
    Header,
    Value,
}

/// One distinct wording the run could not read, or read only by something weaker than a
/// label, alias or listed synonym: said once for the whole run, with how many columns or
/// cells hold it, where, and what it was read as or may be. `check`, errors.xlsx's 汇总,
/// report.html, summary.json and learned.toml all show these.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Wording {
    pub kind: WordingKind,
    /// The table's key.
    pub table: String,
    /// The field's key: the one it was read as, or for an unread header its closest
    /// field ("" when none is close).
    pub field: String,
    /// The wording as written (a header's lowest row).
    pub form: String,
    /// What the run took it as (a field's key, an option), None when it was not read:
    /// the column was not imported, the cells are errors.
    pub taken: Option<String>,
    /// What the evidence proposes for it (learned.toml's line), None when nothing does.
    pub guess: Option<String>,
    /// The evidence in words: how it was read (a tier, a header's evidence and rivals),
    /// or what points to a value or field and what does not.
    pub how_zh: String,
    pub how_en: String,
    /// Taken only through the lexicon's near-synonyms.
    pub near: bool,
    /// Columns (a header) or cells (an option) holding it.
    pub count: usize,
    /// The first places holding it, `file:sheet!A1`.
    pub cells: Vec<String>,
}

impl Run {
    /// Errors a village must fix (knock-ons apart: see `held`).
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.must_fix()).count()
    }
    /// Rows held back because of another row's errors (knock-ons).
    pub fn held(&self) -> usize {
        self.findings.iter().filter(|f| f.knock_on).count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| !f.is_error()).count()
    }
    /// Every change cleaning made, in input order.
    pub fn changes(&self) -> impl Iterator<Item = Change<'_>> {
        self.changes.iter().flat_map(ChangeLog::iter)
    }
    pub fn change_count(&self) -> usize {
        self.changes.iter().map(ChangeLog::len).sum()
    }
    pub fn table(&self, t: TableId) -> &[Record] {
        &self.tables[t.index()]
    }
    /// The village each finding belongs to: its file's, or, on the roster, its entry's
    /// (a roster lists every village's houses). None for a finding of neither.
    pub fn finding_villages<'a>(&'a self) -> impl Fn(&Finding) -> Option<&'a str> + 'a {
        let files: std::collections::HashMap<&str, usize> = self
            .rel
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let roster: std::collections::HashMap<(&str, u32), &str> = self
            .coverage
            .iter()
            .flat_map(|c| {
                c.lines.iter().filter_map(|l| {
                    let (sheet, row) = l.roster.as_ref()?;
                    Some(((sheet.as_str(), *row), l.village.as_str()))
                })
            })
            .collect();
        let roster_file = self.coverage.as_ref().map(|c| c.file.as_str());
        move |f: &Finding| {
            if Some(f.file.as_str()) == roster_file {
                return f
                    .row
                    .and_then(|r| roster.get(&(f.sheet.as_str(), r)).copied());
            }
            let i = *files.get(f.file.as_str())?;
            f.row
                .and_then(|r| self.row_village(i, &f.sheet, r))
                .or_else(|| self.village_of_file.get(i).map(String::as_str))
        }
    }

    /// The village of row `row` of `sheet` in file `file` when the file holds several
    /// villages (None when it holds one: its file's village holds).
    pub fn row_village(&self, file: usize, sheet: &str, row: u32) -> Option<&str> {
        self.village_of_row
            .get(&file)?
            .get(sheet)?
            .get(&row)
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Proposal {
    /// The campaign's write-off reason (`[[writeoffs]] reason`).
    pub reason: String,
    /// Its place in the campaign's `writeoffs` (the order reasons are listed and counted in).
    #[serde(skip)]
    pub rule: usize,
    /// The table of the row it is about.
    #[serde(skip)]
    pub table: crate::schema::TableId,
    /// The identity of the main row (the row itself, or the one it refers to).
    pub main_code: String,
    /// The row's own identity when it is not a main row.
    pub item_code: String,
    pub village: String,
    pub file: usize,
    pub sheet: String,
    /// 0-based row of the row it is about.
    pub row: u32,
    pub evidence: String,
}

/// One tally line: a village (or the total) and a count per column of the campaign's tally.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TallyRow {
    pub village: String,
    pub counts: Vec<i64>,
}

/// The township report of a run: its title, its sentences, and the per-village table
/// (the tally's labels and rows), as report.md and the 汇报 sheet write it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub title: String,
    pub lines: Vec<String>,
}

/// The tally of a run: its column keys, a row per village and the total.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// The campaign's tally column keys, in order.
    pub keys: Vec<String>,
    pub rows: Vec<TallyRow>,
    pub total: TallyRow,
}

/// One row of a run as round.jsonl keeps it for the next round's `--previous`: its
/// table, identity, the main row it belongs to, village, whether it was rejected, the
/// findings on it (code, field) and its values (canonical text, in the table's field
/// order).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SnapRow {
    pub table: String,
    pub key: String,
    pub main: String,
    pub village: String,
    pub rejected: bool,
    pub findings: Vec<(String, String)>,
    pub vals: Vec<String>,
}

/// The head line of round.jsonl: the campaign, each table's field keys, the tally.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SnapHead {
    pub campaign: String,
    pub fields: std::collections::BTreeMap<String, Vec<String>>,
    pub tally: Tally,
    /// The round's `--deadline`, carried to the next round when it gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<chrono::NaiveDate>,
}

/// An earlier run, read back from its round.jsonl.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub head: SnapHead,
    pub rows: Vec<SnapRow>,
}

/// One line of rounds.csv: what changed for a row since the previous round.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RoundLine {
    pub village: String,
    /// The main row's identity (building_code).
    pub main: String,
    /// The row's own identity when it is not a main row (hazard_code).
    pub item: String,
    /// added, removed, changed, fixed, open or new.
    pub change: &'static str,
    pub code: String,
    pub field: String,
    pub old: String,
    pub new: String,
}

/// How many of each change, for a village or the town.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RoundCounts {
    pub fixed: usize,
    pub open: usize,
    pub new: usize,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

/// The comparison with the previous round.
#[derive(Debug, Clone, Default)]
pub struct Rounds {
    pub lines: Vec<RoundLine>,
    pub villages: Vec<(String, RoundCounts)>,
    pub total: RoundCounts,
    /// The previous round's tally.
    pub previous: Tally,
}

/// What one roster entry or survey row came to in the coverage check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CoverLine {
    pub village: String,
    /// covered, missing (on the roster, not surveyed), unlisted (surveyed, not on the
    /// roster) or twice (listed again).
    pub status: &'static str,
    /// The label of the match level it was found by ("" unless covered).
    pub by: String,
    /// The coverage's fields: the roster's value, else the survey row's.
    pub vals: Vec<String>,
    /// The roster entry's (sheet, 0-based row).
    pub roster: Option<(String, u32)>,
    /// The survey row's (file, sheet, 0-based row).
    pub survey: Option<(String, String, u32)>,
}

/// Coverage counts of a village or the town.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CoverCounts {
    pub listed: usize,
    pub covered: usize,
    pub missing: usize,
    pub unlisted: usize,
    pub twice: usize,
}

impl CoverCounts {
    /// Covered entries as a share of the listed, in per cent (None with none listed).
    pub fn rate(&self) -> Option<f64> {
        (self.listed > 0).then(|| 100.0 * self.covered as f64 / self.listed as f64)
    }
}

/// The roster checked against the survey (`--roster`).
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// The roster file as findings name it.
    pub file: String,
    /// The errors.xlsx sheet listing it, what the roster is called, and what an entry
    /// found and one not found are said to be (the campaign's `[coverage]` words).
    pub sheet: String,
    pub label: String,
    pub found: String,
    pub missing: String,
    /// The coverage's field keys (the columns of `CoverLine::vals`).
    pub fields: Vec<String>,
    /// Every roster entry, then every unlisted survey row, in village order.
    pub lines: Vec<CoverLine>,
    pub villages: Vec<(String, CoverCounts)>,
    pub total: CoverCounts,
    /// Entries found by each match level, in the levels' order: (label, count).
    pub by_level: Vec<(String, usize)>,
}

/// A roster to check against: its file and the schemas it is read with.
#[derive(Debug, Clone)]
pub struct Roster {
    pub path: std::path::PathBuf,
    pub schemas: crate::schema::Schemas,
}

/// What a run is given besides its inputs: the schemas, the read limits, the day it
/// takes as today, and how to read.
pub struct Options {
    pub schemas: crate::schema::Schemas,
    pub limits: crate::read::Limits,
    pub today: chrono::NaiveDate,
    /// Keep sheet grids for annotated copies.
    pub keep_grids: bool,
    /// Where the run's progress goes (a bar, plain lines, nothing).
    pub progress: std::sync::Arc<dyn crate::progress::Progress>,
    /// Read each file in a contained child process (the CLI always does; see
    /// `read::isolate`). None reads in this process.
    pub isolate: Option<crate::read::isolate::Isolation>,
    /// The previous round to compare with (`--previous`).
    pub previous: Option<std::sync::Arc<Snapshot>>,
    /// The roster to check coverage against (`--roster`).
    pub roster: Option<Roster>,
}
