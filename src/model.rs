//! The run's records as plain data, at the bottom: what the stages hand on and every
//! writer reads — a table row (`Record`), a sheet and a file as they turned out
//! (`SheetInfo`, `FileOut`), a write-off proposal, and the whole `Run`. Nothing here does
//! any work beyond small accessors.

use std::sync::Arc;

use std::path::PathBuf;

use crate::finding::{Change, ChangeLog, Finding};
use crate::keyrow::KeyRow;
use crate::value::{CompactString, Fields, Raw, Val};

pub use crate::keyrow::TableId;

/// A merged region, 0-based inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Merge {
    /// First row.
    pub r0: u32,
    /// First column.
    pub c0: u32,
    /// Last row.
    pub r1: u32,
    /// Last column.
    pub c1: u32,
}

/// One non-empty row: its 0-based index and its cells from column A on.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct GridRow {
    /// 0-based row in the sheet.
    pub idx: u32,
    /// Its cells, from column A on (trailing empty cells may be left off).
    pub cells: Vec<Raw>,
}

impl GridRow {
    /// A row of texts (an empty string is an empty cell), as tests and fixtures build them.
    ///
    /// ```
    /// use selfbuilt::read::{GridRow, Raw};
    /// let r = GridRow::texts(2, &["房屋编码", "", "户主"]);
    /// assert_eq!(r.get(0), &Raw::Text("房屋编码".into()));
    /// assert!(r.get(1).is_empty() && r.get(9).is_empty());
    /// ```
    pub fn texts(idx: u32, cells: &[&str]) -> GridRow {
        GridRow {
            idx,
            cells: cells
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        Raw::Empty
                    } else {
                        Raw::Text((*s).into())
                    }
                })
                .collect(),
        }
    }

    /// The cell in column `col` (0-based), empty past the row's last cell.
    pub fn get(&self, col: u32) -> &Raw {
        static EMPTY: Raw = Raw::Empty;
        self.cells.get(col as usize).unwrap_or(&EMPTY)
    }
}

/// A sheet as read: sparse rows (only rows holding something), merged regions.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    /// The sheet's name.
    pub name: String,
    /// Its non-empty rows, in order.
    pub rows: Vec<GridRow>,
    /// Its merged regions.
    pub merges: Vec<Merge>,
    /// Whether the format told us its merged regions (false for ods and csv).
    pub merges_known: bool,
    /// The number of columns: one past the last column holding anything.
    pub width: u32,
    /// Findings made while reading this sheet (limits).
    pub findings: Vec<Finding>,
    /// The workbook hides the sheet (a sheet holding a table then gets an S009 note).
    #[serde(default)]
    pub hidden: bool,
}

/// An input file found under an INPUT argument.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Where the file is.
    pub path: PathBuf,
    /// Path relative to the INPUT it came from, with `/` (the file name for a file INPUT).
    pub rel: String,
}

/// How a column was mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// By its label or an alias.
    Label,
    /// By header concept words, closeness and content together (`Column::evidence`).
    Guess,
    /// The sequence-number column (序号): kept out of the fields.
    Seq,
    /// A notes column (备注): kept out of the fields.
    Note,
    /// Mapped to no field: its values are not read.
    #[default]
    Unmapped,
    /// A second column for a field already mapped: left out.
    Duplicate,
}

/// One column of a recognised table and why it maps where it does.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Column {
    /// 0-based column in the sheet.
    pub col: u32,
    /// The header text as written (parent › child when there are several rows).
    pub header: String,
    /// The index of the field it maps to (None when it maps to none).
    #[serde(skip)]
    pub field: Option<usize>,
    /// How it was mapped.
    pub how: How,
    /// The evidence in words ("表头：“户主电话”≈联系电话（含“电话”）；内容：48/50 个值是有效的电话").
    pub evidence: String,
    /// The total score of the mapping (header + content), 1 for a label.
    pub score: f64,
    /// A guess that is weak or has a close rival: a warning, and an entry in learned.toml.
    pub weak: bool,
    /// The likeliest fields with their total scores, best first.
    #[serde(skip)]
    pub candidates: Vec<(usize, f64)>,
}

/// A row below the header that is not data (a total, a note, a repeated header), and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    /// 0-based sheet row.
    pub row: u32,
    /// Why it was left out, in words.
    pub reason: String,
}

impl Fields for Record {
    fn val(&self, i: usize) -> Option<&Val> {
        self.vals.get(i)
    }
    fn bad(&self, i: usize) -> Option<bool> {
        self.bad.get(i).copied()
    }
}

/// One data row of one table, with canonical values per schema field.
#[derive(Debug, Clone)]
pub struct Record {
    /// The table it belongs to (buildings, hazards, reviews …).
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
    /// Where its kept fields' ids start among its file's pooled rows (`Pool::rows`),
    /// when pooled as the file was checked (`keep::pool_record`).
    pub kept: Option<u32>,
}

impl Record {
    /// A row of `table` with `fields` empty values, no column and no flag, in file 0 on a
    /// nameless sheet: what tests fill in.
    ///
    /// ```
    /// let r = selfbuilt::model::Record::empty(selfbuilt::schema::TableId(0), 3);
    /// assert_eq!(r.vals.len(), 3);
    /// ```
    pub fn empty(table: TableId, fields: usize) -> Record {
        Record {
            table,
            file: 0,
            sheet: "".into(),
            row: 0,
            vals: vec![Val::Empty; fields],
            cols: vec![None; fields].into(),
            bad: vec![false; fields],
            rejected: false,
            held: false,
            kept: None,
        }
    }

    /// The row `key` stands for, with `vals` and `bad` as every value (read back from its
    /// spill).
    pub fn with_values(key: &KeyRow, vals: Vec<Val>, bad: Vec<bool>) -> Record {
        Record {
            table: key.table,
            file: key.file(),
            sheet: key.sheet().clone(),
            row: key.row,
            vals,
            cols: key.shared_cols().clone(),
            bad,
            rejected: key.rejected,
            held: key.held,
            kept: None,
        }
    }

    /// The row `key` stands for with every value, when it keeps every field (a roster, a
    /// test, a run keeping all); None otherwise.
    pub fn from_kept(key: &KeyRow) -> Option<Record> {
        let n = key.keeps_all()?;
        let vals = (0..n).map(|i| key.get(i).clone()).collect();
        let bad = (0..n).map(|i| key.is_bad(i)).collect();
        Some(Record::with_values(key, vals, bad))
    }

    /// The canonical value of field `i`.
    pub fn get(&self, i: usize) -> &Val {
        &self.vals[i]
    }
    /// The text of field `i` ("" when it is empty or not text).
    pub fn text(&self, i: usize) -> &str {
        self.vals[i].as_str().unwrap_or("")
    }

    /// The usable text of field `i`: None when its cell had an error or it is empty.
    pub fn code(&self, i: usize) -> Option<&str> {
        if self.bad[i] {
            return None;
        }
        self.vals[i].as_str().filter(|s| !s.is_empty())
    }

    /// Where the row (or its cell in column `col`) is, for a message: the file as `files`
    /// names it, the sheet, the cell or the row.
    pub fn place(&self, files: &[String], col: Option<u32>) -> String {
        crate::text::row_place(&files[self.file], &self.sheet, self.row, col)
    }
}

/// All records of a run, per table in the campaign's order, with the files they came
/// from: what the checks across tables and the write-offs read.
pub struct Tables<'a> {
    /// Rows per table, in the campaign's order.
    pub tables: &'a [Vec<KeyRow>],
    /// Relative path of each input file.
    pub files: &'a [String],
}

impl<'a> Tables<'a> {
    /// The rows of a table.
    pub fn rows(&self, table: TableId) -> &'a [KeyRow] {
        &self.tables[table.index()]
    }
}

/// What one sheet turned out to be.
#[derive(Debug, Clone)]
pub struct SheetInfo {
    /// The sheet's name as the file gives it.
    pub name: String,
    /// The table recognised on it (None when none was).
    pub table: Option<TableId>,
    /// 0-based first and last header rows.
    pub header: Option<(u32, u32)>,
    /// How many data rows it has below the header.
    pub data_rows: usize,
    /// Each column and the field it maps to, with the evidence.
    pub columns: Vec<Column>,
    /// Rows left out (totals, notes, repeated headers) and why.
    pub skipped: Vec<Skipped>,
    /// The sheet as read, kept for annotated copies (`Options::keep_grids`).
    pub grid: Option<KeptGrid>,
}

/// A sheet as read, kept for the annotated copies and the page's rows as written: in
/// memory, or written aside to a scratch file (`aside`) so that a big batch does not hold
/// every sheet twice (as cells and as records) until the outputs are written.
#[derive(Debug, Clone)]
pub enum KeptGrid {
    /// In memory.
    Here(Grid),
    /// Written aside: the file holding it (postcard), its number of rows and its width.
    Aside {
        /// The scratch file.
        path: PathBuf,
        /// How many rows the grid has.
        rows: usize,
        /// Its width in columns.
        width: u32,
    },
}

impl KeptGrid {
    /// How many rows the grid has.
    pub fn rows(&self) -> usize {
        match self {
            KeptGrid::Here(g) => g.rows.len(),
            KeptGrid::Aside { rows, .. } => *rows,
        }
    }
    /// Its rows times its width: the cells a copy of it writes at most.
    pub fn cells(&self) -> u64 {
        match self {
            KeptGrid::Here(g) => g.rows.len() as u64 * u64::from(g.width),
            KeptGrid::Aside { rows, width, .. } => *rows as u64 * u64::from(*width),
        }
    }
}

/// One input file after the row stage.
#[derive(Debug)]
pub struct FileOut {
    /// The file and where it was found.
    pub input: InputFile,
    /// The format it was read as (xlsx, xls, ods, csv …).
    pub format: String,
    /// What each of its sheets turned out to be.
    pub sheets: Vec<SheetInfo>,
    /// Findings on the file, its sheets and rows.
    pub findings: Vec<Finding>,
    /// The values cleaning changed in it (the audit trail).
    pub changes: ChangeLog,
    /// Records per table, in the campaign's order, as the file's own stage made them (moved
    /// into `rows` by `ingest::batch::read_all`).
    pub records: Vec<Vec<Record>>,
    /// The records as the stages across tables hold them (`keyrow`).
    pub rows: Vec<Vec<KeyRow>>,
    /// Every value of the records, on disk (`spill`), when written there.
    pub spill: Option<crate::keyrow::Spill>,
    /// Rows read per table.
    pub rows_read: Vec<usize>,
    /// Non-empty rows of sheets that hold content but no recognised table: each is
    /// rejected with an S007 finding (see `unrecognised_rows`).
    pub rows_unrecognised: usize,
    /// The pool its records' kept values went into as they were checked
    /// (`Options::keep`), for its key rows.
    pub pool: Option<crate::keyrow::Pool>,
}

/// A whole run.
pub struct Run {
    /// Every input file after the row stage, in input order.
    pub files: Vec<FileOut>,
    /// Each file's path relative to its INPUT, as findings name it.
    pub rel: Vec<String>,
    /// The village each file was sent by.
    pub village_of_file: Vec<String>,
    /// The village of each row of a file that holds several (`villages::row_villages`).
    pub village_of_row: RowVillages,
    /// Rows per table, in the campaign's order, holding the fields the stages across
    /// tables read (`keyrow`).
    pub tables: Vec<Vec<KeyRow>>,
    /// Each file's records with every value, on disk (`spill`), when written there.
    pub spills: Vec<Option<crate::keyrow::Spill>>,
    /// Every finding of the run, in the order writers show them.
    pub findings: Vec<Finding>,
    /// The audit trail, file by file in input order, then the roster's (see `changes()`).
    pub changes: Vec<ChangeLog>,
    /// The write-offs (销号) proposed.
    pub proposals: Vec<Proposal>,
    /// How each write-off rule's evidence sentence is filled (`Run::evidence`).
    pub evidence: Vec<Evidence>,
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
    /// How long the run took, in seconds.
    pub seconds: f64,
    /// The run's day (`--as-of`, else today): the date its workbooks say they were made,
    /// so that two runs on the same inputs and day write the same bytes.
    pub day: chrono::NaiveDate,
    /// The county and township the run is of (`place`), as the Parquet outputs carry them.
    pub place: Place,
    /// Where its sheets were written aside (`aside`); removed when the run is dropped.
    pub sheets_aside: Option<Arc<tempfile::TempDir>>,
}

/// The county and township a run's villages are in: given (`--county`, `--township`),
/// or the county read off the codes (`place::settle`); None when not known.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Place {
    /// The county (a name, or its division code when read off the codes).
    pub county: Option<String>,
    /// The township.
    pub township: Option<String>,
}

/// The village of each row of the files that hold several villages: file (index) →
/// sheet → row (0-based) → village.
pub type RowVillages =
    std::collections::HashMap<usize, std::collections::HashMap<Arc<str>, SheetVillages>>;

/// The village of each row of one sheet: a slot per row from the first row named to the
/// last, each naming one of the sheet's villages (each village held once), so that a
/// writer asking row after row finds it at once.
#[derive(Debug, Clone, Default)]
pub struct SheetVillages {
    /// The row of the first slot (0-based).
    first: u32,
    /// Per row from `first`: its village's place in `names`, `SheetVillages::NONE` for a
    /// row with none.
    of_row: Vec<u32>,
    /// The villages named, in the order first met.
    names: Vec<Arc<str>>,
}

impl SheetVillages {
    /// The slot of a row that names no village.
    const NONE: u32 = u32::MAX;

    /// The villages of `rows` (row, village); a row given twice keeps its last village.
    ///
    /// ```
    /// let villages = selfbuilt::model::SheetVillages::from_rows([(5, "甲村"), (3, "乙村"), (5, "乙村")]);
    /// assert_eq!(villages.get(5), Some("乙村"));
    /// assert_eq!(villages.get(4), None);
    /// assert_eq!(villages.names().collect::<Vec<_>>(), ["甲村", "乙村"]);
    /// assert_eq!(villages.rows().collect::<Vec<_>>(), [(3, "乙村"), (5, "乙村")]);
    /// ```
    pub fn from_rows<'a>(rows: impl IntoIterator<Item = (u32, &'a str)>) -> SheetVillages {
        let rows: Vec<(u32, &str)> = rows.into_iter().collect();
        let (Some(first), Some(last)) = (
            rows.iter().map(|r| r.0).min(),
            rows.iter().map(|r| r.0).max(),
        ) else {
            return SheetVillages::default();
        };
        let mut out = SheetVillages {
            first,
            of_row: vec![Self::NONE; (last - first) as usize + 1],
            names: Vec::new(),
        };
        let mut known: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for (row, village) in rows {
            let id = *known.entry(village).or_insert_with(|| {
                out.names.push(Arc::from(village));
                (out.names.len() - 1) as u32
            });
            out.of_row[(row - first) as usize] = id;
        }
        out
    }

    /// The village of `row`, if it names one.
    pub fn get(&self, row: u32) -> Option<&str> {
        let slot = row.checked_sub(self.first)?;
        let id = *self.of_row.get(slot as usize)?;
        self.names.get(id as usize).map(|v| &**v)
    }

    /// Each row naming a village, with it (row, village), in order of row.
    pub fn rows(&self) -> impl Iterator<Item = (u32, &str)> {
        (self.first..).zip(&self.of_row).filter_map(|(row, &id)| {
            let village = self.names.get(id as usize)?;
            Some((row, &**village))
        })
    }

    /// The villages the sheet's rows name, each once.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|v| &**v)
    }
}

/// Whether a wording is a column's header or an option written in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WordingKind {
    /// A column's header.
    Header,
    /// An option written in cells.
    Value,
}

/// One distinct wording the run could not read, or read only by something weaker than a
/// label, alias or listed synonym: said once for the whole run, with how many columns or
/// cells hold it, where, and what it was read as or may be. `check`, errors.xlsx's 汇总,
/// report.html, summary.json and learned.toml all show these.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Wording {
    /// Whether it is a header or a cell option.
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
    /// The evidence in English.
    pub how_en: String,
    /// Taken only through the lexicon's near-synonyms.
    pub near: bool,
    /// Columns (a header) or cells (an option) holding it.
    pub count: usize,
    /// The first places holding it, `file:sheet!A1`.
    pub cells: Vec<String>,
    /// What else the evidence ranks next, best first: (a field's key or an option, the
    /// evidence in words).
    pub rivals: Vec<(String, String)>,
}

impl Run {
    /// A proposal's evidence sentence, the clerk pastes into the platform: its rule's
    /// template filled from its row (and the latest row the rule looked at).
    pub fn evidence(&self, p: &Proposal) -> String {
        self.evidence
            .get(p.rule)
            .map(|e| e.render(p, &self.tables))
            .unwrap_or_default()
    }

    /// Errors a village must fix (knock-ons apart: see `held`).
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.must_fix()).count()
    }
    /// Rows held back because of another row's errors (knock-ons).
    pub fn held(&self) -> usize {
        self.findings.iter().filter(|f| f.knock_on).count()
    }
    /// How many findings are warnings.
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| !f.is_error()).count()
    }
    /// Every change cleaning made, in input order.
    pub fn changes(&self) -> impl Iterator<Item = Change<'_>> {
        self.changes.iter().flat_map(ChangeLog::iter)
    }
    /// How many values cleaning changed.
    pub fn change_count(&self) -> usize {
        self.changes.iter().map(ChangeLog::len).sum()
    }
    /// The records of table `t`.
    pub fn table(&self, t: TableId) -> &[KeyRow] {
        &self.tables[t.index()]
    }
    /// The positions of table `t`'s accepted rows.
    pub fn accepted(&self, t: TableId) -> Vec<u32> {
        let rows = self.table(t).iter().enumerate();
        rows.filter(|(_, r)| !r.rejected)
            .map(|(i, _)| i as u32)
            .collect()
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
        self.village_of_row.get(&file)?.get(sheet)?.get(row)
    }
}

/// A write-off (销号) the tool proposes for one row: the reason, the row, and the evidence
/// sentence a clerk pastes into the platform. A county can have hundreds of thousands: the
/// short texts are held inline (`CompactString`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Proposal {
    /// The campaign's write-off reason (`[[writeoffs]] reason`).
    pub reason: CompactString,
    /// Its place in the campaign's `writeoffs` (the order reasons are listed and counted in).
    #[serde(skip)]
    pub rule: usize,
    /// The table of the row it is about.
    #[serde(skip)]
    pub table: TableId,
    /// The identity of the main row (the row itself, or the one it refers to).
    pub main_code: CompactString,
    /// The row's own identity when it is not a main row.
    pub item_code: CompactString,
    /// The village of the row.
    pub village: CompactString,
    /// Index of the input file in the run.
    pub file: usize,
    /// The sheet holding the row.
    pub sheet: CompactString,
    /// 0-based row of the row it is about.
    pub row: u32,
    /// The row's position in its table (`Run::tables`).
    #[serde(skip)]
    pub at: u32,
    /// The position of the latest row of another table the rule looked at (`latest`), in
    /// that table.
    #[serde(skip)]
    pub other: Option<u32>,
}

/// How a write-off rule's evidence sentence is filled when it is written (a province has
/// millions of proposals: their sentences are made by the writers, one at a time, from the
/// rows, not held): the rule's template and, for each `{name}` in it, the field it reads
/// from the proposal's row or from the latest row of `other_table`.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The rule's `evidence` template.
    pub template: String,
    /// The table of the latest row the rule looks at, if any.
    pub other_table: Option<TableId>,
    /// Each `{name}`: whether the other table's row holds it, and its field there.
    pub names: Vec<(String, bool, Option<usize>)>,
}

impl Evidence {
    /// The sentence for a proposal: its template filled from its rows in `tables`.
    pub fn render(&self, p: &Proposal, tables: &[Vec<KeyRow>]) -> String {
        let row = tables
            .get(p.table.index())
            .and_then(|t| t.get(p.at as usize));
        let other = match (self.other_table, p.other) {
            (Some(t), Some(at)) => tables.get(t.index()).and_then(|t| t.get(at as usize)),
            _ => None,
        };
        crate::text::fill_braces(&self.template, |name, out| {
            let found = self.names.iter().find(|(n, ..)| n == name);
            if let Some((_, on_other, Some(field))) = found {
                let from = if *on_other { other } else { row };
                if let Some(r) = from {
                    r.get(*field).display_into(out);
                }
            }
            true
        })
    }
}

/// One tally line: a village (or the total) and a count per column of the campaign's tally.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TallyRow {
    /// The village's name (or the total's label).
    pub village: String,
    /// One count per tally column, in the campaign's order.
    pub counts: Vec<i64>,
}

/// The township report of a run: its title, its sentences, and the per-village table
/// (the tally's labels and rows), as report.md and the 汇报 sheet write it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// The report's title.
    pub title: String,
    /// Its sentences, those whose counts are all zero left out.
    pub lines: Vec<String>,
}

/// The tally of a run: its column keys, a row per village and the total.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// The campaign's tally column keys, in order.
    pub keys: Vec<String>,
    /// A line per village.
    pub rows: Vec<TallyRow>,
    /// The town's total.
    pub total: TallyRow,
}

/// One row of a run as round.parquet keeps it for the next round's `--previous`: its
/// table, identity, the main row it belongs to, village, whether it was rejected, the
/// findings on it (code, field) and its values (canonical text, in the table's field
/// order).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SnapRow {
    /// The table's key.
    pub table: String,
    /// The row's own identity (its identity fields' values; the village for a line of
    /// file-level findings).
    pub key: String,
    /// The identity of the main row it belongs to.
    pub main: String,
    /// The village of the row.
    pub village: String,
    /// Whether it was rejected in that round.
    pub rejected: bool,
    /// The findings on it as (rule code, field key).
    pub findings: Vec<(String, String)>,
    /// Its canonical values as text, in the table's field order.
    pub vals: Vec<String>,
}

/// The head of a round (round.parquet's metadata, round.jsonl's first line): the campaign, each table's field keys, the tally.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct SnapHead {
    /// The campaign's key, so that rounds of another campaign are not compared.
    pub campaign: String,
    /// Each table's field keys, in order: the columns of `SnapRow::vals`.
    pub fields: std::collections::BTreeMap<String, Vec<String>>,
    /// The round's tally, for the next round's comparison.
    pub tally: Tally,
    /// The round's `--deadline`, carried to the next round when it gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<chrono::NaiveDate>,
}

/// An earlier run, read back from its round.parquet (or round.jsonl).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Its head line.
    pub head: SnapHead,
    /// Every row of that round.
    pub rows: Vec<SnapRow>,
}

/// One line of rounds.csv: what changed for a row since the previous round.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct RoundLine {
    /// The village of the row.
    pub village: String,
    /// The main row's identity (building_code).
    pub main: String,
    /// The row's own identity when it is not a main row (hazard_code).
    pub item: String,
    /// added, removed, changed, fixed, open or new.
    pub change: &'static str,
    /// The rule code of the finding fixed, still open or new ("" for other changes).
    pub code: String,
    /// The key of the field concerned.
    pub field: String,
    /// Its value in the previous round.
    pub old: String,
    /// Its value in this round.
    pub new: String,
}

/// How many of each change, for a village or the town.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RoundCounts {
    /// Findings of the previous round that are gone.
    pub fixed: usize,
    /// Findings still there.
    pub open: usize,
    /// Findings the previous round did not have.
    pub new: usize,
    /// Rows added since the previous round.
    pub added: usize,
    /// Rows removed since the previous round.
    pub removed: usize,
    /// Rows whose values changed.
    pub changed: usize,
}

/// The comparison with the previous round.
#[derive(Debug, Clone, Default)]
pub struct Rounds {
    /// Every change, one line of rounds.csv each.
    pub lines: Vec<RoundLine>,
    /// The counts per village.
    pub villages: Vec<(String, RoundCounts)>,
    /// The counts of the town.
    pub total: RoundCounts,
    /// The previous round's tally.
    pub previous: Tally,
}

/// What one roster entry or survey row came to in the coverage check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CoverLine {
    /// The village of the entry or row.
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
    /// Entries on the roster.
    pub listed: usize,
    /// Entries that found their survey row.
    pub covered: usize,
    /// Entries on the roster with no survey row.
    pub missing: usize,
    /// Survey rows not on the roster.
    pub unlisted: usize,
    /// Entries listed more than once.
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
    /// What a clerk calls the roster (房屋名册).
    pub label: String,
    /// What an entry with a survey row is said to be (已排查).
    pub found: String,
    /// What an entry without one is said to be (未排查).
    pub missing: String,
    /// The coverage's field keys (the columns of `CoverLine::vals`).
    pub fields: Vec<String>,
    /// Every roster entry, then every unlisted survey row, in village order.
    pub lines: Vec<CoverLine>,
    /// The counts per village.
    pub villages: Vec<(String, CoverCounts)>,
    /// The counts of the town.
    pub total: CoverCounts,
    /// Entries found by each match level, in the levels' order: (label, count).
    pub by_level: Vec<(String, usize)>,
}
