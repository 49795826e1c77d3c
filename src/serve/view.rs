//! The page's view of a finished round, made from the run right after it (and kept as
//! `页面.json` beside the results, so a restarted server shows it again): the report's
//! sentences, a line per village, the findings with the village's row as written, the
//! write-off proposals, the roster's coverage, the wordings to confirm, the downloads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Lang};
use crate::model::{Run, Wording, WordingKind};
use crate::rules::words::Words;
use crate::schema::Schemas;

/// Everything the page shows of a round.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct View {
    /// The round's results, as `/results` answers.
    pub results: Results,
    /// Every finding, in the run's order.
    pub findings: Vec<Item>,
    /// The rows findings are on, as written: key (`Item::row_key`) → (header, text) pairs.
    pub rows: BTreeMap<String, Vec<(String, String)>>,
    /// The wordings to confirm.
    pub wordings: Vec<WordingItem>,
    /// What the results were made from (`Workspace::fingerprint`).
    #[serde(default)]
    pub made_from: super::workspace::Fingerprint,
}

/// The round's results.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Results {
    /// The round.
    pub round: String,
    /// 0 no errors in the data, 1 errors.
    pub exit: i32,
    /// How long the run took.
    pub seconds: f64,
    /// The day it took as today.
    pub as_of: String,
    /// The villages' deadline.
    pub deadline: Option<String>,
    /// The equivalent command line.
    pub command: String,
    /// What the person who ran it should know.
    pub notes: Vec<String>,
    /// The report's sentences.
    pub report: Vec<String>,
    /// The town's counts.
    pub totals: Totals,
    /// A line per village.
    pub villages: Vec<VillageLine>,
    /// The write-off proposals.
    pub writeoffs: Vec<Writeoff>,
    /// The roster's coverage, when a roster was given.
    pub coverage: Option<Cover>,
    /// How many wordings wait for a choice.
    pub wordings: usize,
    /// The files to download: (name, bytes).
    pub downloads: Vec<Download>,
    /// The villages' packages: (village, files).
    pub packages: Vec<Package>,
}

/// The town's counts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Files read.
    pub files: usize,
    /// Main-table rows.
    pub surveyed: usize,
    /// Main-table rows accepted.
    pub accepted: usize,
    /// Errors to fix.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Rows held back by another row's errors.
    pub held: usize,
    /// Write-off proposals.
    pub writeoffs: usize,
}

/// One village's line.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VillageLine {
    /// The village.
    pub village: String,
    /// Its files.
    pub files: usize,
    /// Its main-table rows.
    pub surveyed: usize,
    /// Of them accepted.
    pub accepted: usize,
    /// Errors to fix.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Rows held back.
    pub held: usize,
    /// Problems fixed since the previous round (None without one).
    pub fixed: Option<usize>,
}

/// A write-off proposal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Writeoff {
    /// The village.
    pub village: String,
    /// The row's identity (the main row's, then its own).
    pub code: String,
    /// The reason, in words.
    pub reason: String,
    /// The evidence sentence.
    pub evidence: String,
    /// Its file.
    pub file: String,
    /// Its sheet.
    pub sheet: String,
    /// Its row, 1-based.
    pub row: u32,
}

/// The roster's coverage.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cover {
    /// Entries on the roster.
    pub listed: usize,
    /// Of them surveyed.
    pub surveyed: usize,
    /// Of them not surveyed.
    pub missing: usize,
    /// Survey rows the roster does not list.
    pub unlisted: usize,
    /// Per village.
    pub villages: Vec<CoverVillage>,
}

/// A village's coverage.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CoverVillage {
    /// The village.
    pub village: String,
    /// Entries on the roster.
    pub listed: usize,
    /// Of them surveyed.
    pub surveyed: usize,
    /// Of them not surveyed.
    pub missing: usize,
}

/// A file to download.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Download {
    /// Its name in the results.
    pub name: String,
    /// Its size.
    pub bytes: u64,
}

/// A village's package.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Package {
    /// The village (its folder's name).
    pub village: String,
    /// How many files it holds.
    pub files: usize,
}

/// A finding as the page lists it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Item {
    /// Its village.
    pub village: String,
    /// Its file.
    pub file: String,
    /// Its sheet.
    pub sheet: String,
    /// Its row, 1-based (None for a file or sheet).
    pub row: Option<u32>,
    /// Its cell (A1).
    pub cell: String,
    /// Its field's key.
    pub field: String,
    /// Its field's name, as people read it.
    #[serde(default)]
    pub field_label: String,
    /// The value as written.
    pub value: String,
    /// error, warning, or held (a row held back by another's errors).
    pub severity: String,
    /// The rule's code.
    pub code: String,
    /// The rule's title.
    pub title: String,
    /// The message.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The key of its row in `View::rows`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub row_key: String,
}

/// A wording to confirm.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WordingItem {
    /// Its id (stable for the same wording across runs).
    pub id: String,
    /// header or value.
    pub kind: String,
    /// The table's key.
    pub table: String,
    /// The table's name.
    pub table_label: String,
    /// The field's key ("" for a header close to no field).
    pub field: String,
    /// The field's name.
    pub field_label: String,
    /// The wording as written.
    pub form: String,
    /// What the run took it as.
    pub taken: Option<String>,
    /// Columns or cells holding it.
    pub count: usize,
    /// The first places holding it.
    pub cells: Vec<String>,
    /// What the evidence proposes, best first.
    pub guesses: Vec<Guess>,
    /// Everything it could be: the table's fields, or the field's options.
    pub choices: Vec<Choice>,
}

/// A proposal for a wording, with its evidence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Guess {
    /// A field's key or an option.
    pub to: String,
    /// As people read it.
    pub label: String,
    /// Why.
    pub evidence: String,
}

/// One thing a wording could be.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Choice {
    /// A field's key or an option.
    pub to: String,
    /// As people read it.
    pub label: String,
}

/// What a view is made from besides the run.
pub struct Made<'a> {
    /// The round.
    pub round: &'a str,
    /// Its equivalent command line.
    pub command: String,
    /// The run's notes.
    pub notes: Vec<String>,
    /// The exit status.
    pub exit: i32,
    /// The deadline given to the villages.
    pub deadline: Option<chrono::NaiveDate>,
    /// The results folder (for the downloads' sizes and the packages).
    pub results: &'a std::path::Path,
    /// Wordings answered “都不是”: (kind, table, field, form), not asked again.
    pub dismissed: &'a [(String, String, String, String)],
}

/// The view of a finished run.
pub fn make(run: &Run, schemas: &Schemas, made: Made) -> View {
    let words = Words::new(schemas);
    let village_in = run.finding_villages();
    let unknown = words.unknown_village().to_string();
    let mut rows = BTreeMap::new();
    let mut last = LastSheet::default();
    let findings: Vec<Item> = run
        .findings
        .iter()
        .map(|f| {
            let village = village_in(f).map_or_else(|| unknown.clone(), str::to_string);
            let row_key = row_as_written(run, f, &mut rows, &mut last);
            item(f, village, &words, row_key)
        })
        .collect();
    let wordings: Vec<WordingItem> = run
        .wordings
        .iter()
        .filter(|w| !is_dismissed(w, made.dismissed) && !is_refused(w, schemas))
        .map(|w| wording(w, schemas, &words))
        .collect();
    let results = Results {
        round: made.round.to_string(),
        exit: made.exit,
        seconds: run.seconds,
        as_of: run.day.format("%Y-%m-%d").to_string(),
        deadline: made.deadline.map(|d| d.format("%Y-%m-%d").to_string()),
        command: made.command,
        notes: made.notes,
        report: run.report.lines.clone(),
        totals: totals(run, schemas),
        villages: villages(run, schemas, &words),
        writeoffs: writeoffs(run, &words),
        coverage: coverage(run),
        wordings: wordings.len(),
        downloads: downloads(made.results),
        packages: packages(made.results),
    };
    View {
        results,
        findings,
        rows,
        wordings,
        made_from: Default::default(),
    }
}

/// Whether the clerk answered “都不是” for this wording.
fn is_dismissed(w: &Wording, dismissed: &[(String, String, String, String)]) -> bool {
    dismissed.iter().any(|(kind, table, field, form)| {
        *kind == kind_word(w.kind) && *table == w.table && *field == w.field && *form == w.form
    })
}

/// Whether the clerk answered “都不是” to the guess it was read by: the confirmed
/// wordings refuse it (`not_aliases`, `not_synonyms`), and it is not asked again.
fn is_refused(w: &Wording, schemas: &Schemas) -> bool {
    let Some(t) = schemas.tables.iter().find(|t| t.table.key == w.table) else {
        return false;
    };
    match w.kind {
        WordingKind::Header => t.fields.iter().any(|f| f.refuses_header(&w.form)),
        WordingKind::Value => t
            .fields
            .iter()
            .find(|f| f.key == w.field)
            .is_some_and(|f| crate::cells::enums::is_refused(f, &w.form)),
    }
}

/// header or value.
pub fn kind_word(kind: WordingKind) -> &'static str {
    match kind {
        WordingKind::Header => "header",
        WordingKind::Value => "value",
    }
}

/// A finding as the page lists it.
fn item(f: &Finding, village: String, words: &Words, row_key: String) -> Item {
    Item {
        village,
        file: f.file.clone(),
        sheet: f.sheet.clone(),
        row: f.row.map(|r| r + 1),
        cell: f.cell(),
        field: f.field.clone(),
        field_label: if f.field.is_empty() {
            String::new()
        } else {
            words.field(&f.field, Lang::Zh).to_string()
        },
        value: f.value.clone(),
        severity: if f.knock_on {
            "held".into()
        } else {
            f.severity.as_str().into()
        },
        code: f.code.clone(),
        title: words.rule(&f.code).to_string(),
        message: f.message(Lang::Zh).to_string(),
        fix: f.suggestion(Lang::Zh).to_string(),
        row_key,
    }
}

/// The sheet whose rows were last looked at, read back once (findings come sheet by
/// sheet; a sheet may be kept on disk: `aside`).
#[derive(Default)]
struct LastSheet<'a> {
    at: Option<(usize, usize)>,
    grid: Option<std::borrow::Cow<'a, crate::model::Grid>>,
}

impl<'a> LastSheet<'a> {
    /// The grid of sheet `at` (file, sheet) of the run, None when it was not kept.
    fn grid(&mut self, run: &'a Run, at: (usize, usize)) -> Option<&crate::model::Grid> {
        if self.at != Some(at) {
            let kept = run.files[at.0].sheets[at.1].grid.as_ref();
            self.grid = kept.and_then(|k| crate::aside::load(k).ok());
            self.at = Some(at);
        }
        self.grid.as_deref()
    }
}

/// The finding's row as the village wrote it (its sheet's headers and cells), kept once
/// per row; its key, "" when the row is not kept.
fn row_as_written<'a>(
    run: &'a Run,
    f: &Finding,
    rows: &mut BTreeMap<String, Vec<(String, String)>>,
    last: &mut LastSheet<'a>,
) -> String {
    let Some(row) = f.row else {
        return String::new();
    };
    let key = format!("{}\u{1}{}\u{1}{row}", f.file, f.sheet);
    if rows.contains_key(&key) {
        return key;
    }
    let Some(file) = run.rel.iter().position(|r| *r == f.file) else {
        return String::new();
    };
    let Some(at) = run.files[file]
        .sheets
        .iter()
        .position(|s| s.name == f.sheet)
    else {
        return String::new();
    };
    let sheet = &run.files[file].sheets[at];
    let Some(grid) = last.grid(run, (file, at)) else {
        return String::new();
    };
    // Rows are kept in sheet order (looked for one by one should they not be).
    let found = grid
        .rows
        .binary_search_by_key(&row, |r| r.idx)
        .ok()
        .or_else(|| grid.rows.iter().position(|r| r.idx == row));
    let Some(found) = found else {
        return String::new();
    };
    let cells = &grid.rows[found];
    let mut pairs = Vec::new();
    for c in &sheet.columns {
        let text = cells.get(c.col).display();
        let head = c.header.rsplit('›').next().unwrap_or(&c.header).trim();
        pairs.push((head.to_string(), text.to_string()));
    }
    if pairs.is_empty() {
        pairs = cells
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| (crate::text::col_letters(i as u32), c.display().to_string()))
            .collect();
    }
    rows.insert(key.clone(), pairs);
    key
}

/// The town's counts.
fn totals(run: &Run, schemas: &Schemas) -> Totals {
    let main = &run.tables[schemas.campaign.main().index()];
    Totals {
        files: run.files.len(),
        surveyed: main.len(),
        accepted: main.iter().filter(|r| !r.rejected && !r.held).count(),
        errors: run.errors(),
        warnings: run.warnings(),
        held: run.held(),
        writeoffs: run.proposals.len(),
    }
}

/// A line per village: its files and findings (as errors.xlsx's 汇总 counts them), its
/// main rows, and what it fixed since the previous round.
fn villages(run: &Run, schemas: &Schemas, words: &Words) -> Vec<VillageLine> {
    let stats = crate::output::errors_xlsx::village_stats(run, words);
    let main = schemas.campaign.main();
    let mut rows: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &run.tables[main.index()] {
        let v = run
            .row_village(r.file(), r.sheet(), r.row)
            .or_else(|| run.village_of_file.get(r.file()).map(String::as_str))
            .unwrap_or_default();
        let e = rows.entry(v).or_default();
        e.0 += 1;
        if !r.rejected && !r.held {
            e.1 += 1;
        }
    }
    let fixed: BTreeMap<&str, usize> = run
        .rounds
        .iter()
        .flat_map(|r| r.villages.iter().map(|(v, c)| (v.as_str(), c.fixed)))
        .collect();
    stats
        .iter()
        .map(|(v, s)| {
            let (surveyed, accepted) = rows.get(v.as_str()).copied().unwrap_or_default();
            VillageLine {
                village: v.clone(),
                files: s.files,
                surveyed,
                accepted,
                errors: s.errors,
                warnings: s.warnings,
                held: s.held,
                fixed: run
                    .rounds
                    .as_ref()
                    .map(|_| fixed.get(v.as_str()).copied().unwrap_or(0)),
            }
        })
        .collect()
}

/// The write-off proposals.
fn writeoffs(run: &Run, words: &Words) -> Vec<Writeoff> {
    run.proposals
        .iter()
        .map(|p| Writeoff {
            village: p.village.to_string(),
            code: if p.item_code.is_empty() {
                p.main_code.to_string()
            } else {
                format!("{} {}", p.main_code, p.item_code)
            },
            reason: words.reason(&p.reason).to_string(),
            evidence: run.evidence(p),
            file: run.rel.get(p.file).cloned().unwrap_or_default(),
            sheet: p.sheet.to_string(),
            row: p.row + 1,
        })
        .collect()
}

/// The roster's coverage.
fn coverage(run: &Run) -> Option<Cover> {
    let cv = run.coverage.as_ref()?;
    Some(Cover {
        listed: cv.total.listed,
        surveyed: cv.total.covered,
        missing: cv.total.missing,
        unlisted: cv.total.unlisted,
        villages: cv
            .villages
            .iter()
            .map(|(v, c)| CoverVillage {
                village: v.clone(),
                listed: c.listed,
                surveyed: c.covered,
                missing: c.missing,
            })
            .collect(),
    })
}

/// The results' files a clerk downloads, those that exist.
fn downloads(results: &std::path::Path) -> Vec<Download> {
    crate::output::NAMES
        .iter()
        .filter_map(|name| {
            let meta = std::fs::metadata(results.join(name)).ok()?;
            meta.is_file().then(|| Download {
                name: name.to_string(),
                bytes: meta.len(),
            })
        })
        .collect()
}

/// The villages' packages in the results (`退回各村/<村>/`).
fn packages(results: &std::path::Path) -> Vec<Package> {
    let mut found: Vec<Package> = std::fs::read_dir(results.join(crate::output::folders::RETURNS))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| Package {
            village: e.file_name().to_string_lossy().into_owned(),
            files: std::fs::read_dir(e.path()).map_or(0, Iterator::count),
        })
        .collect();
    found.sort_by(|a, b| a.village.cmp(&b.village));
    found
}

/// A wording as the page asks about it.
fn wording(w: &Wording, schemas: &Schemas, words: &Words) -> WordingItem {
    let table = schemas.tables.iter().find(|t| t.table.key == w.table);
    let field = table.and_then(|t| t.fields.iter().find(|f| f.key == w.field));
    let label_of = |to: &str| -> String {
        match w.kind {
            WordingKind::Header => words.field(to, Lang::Zh).to_string(),
            WordingKind::Value => to.to_string(),
        }
    };
    let choices: Vec<Choice> = match (w.kind, table, field) {
        (WordingKind::Header, Some(t), _) => t
            .fields
            .iter()
            .map(|f| Choice {
                to: f.key.clone(),
                label: f.label.clone(),
            })
            .collect(),
        (WordingKind::Value, _, Some(f)) => f
            .values
            .iter()
            .map(|v| Choice {
                to: v.clone(),
                label: v.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut guesses: Vec<Guess> = w
        .guess
        .iter()
        .map(|g| Guess {
            to: g.clone(),
            label: label_of(g),
            evidence: w.how_zh.clone(),
        })
        .collect();
    for (to, why) in &w.rivals {
        if !guesses.iter().any(|g| g.to == *to) {
            guesses.push(Guess {
                to: to.clone(),
                label: label_of(to),
                evidence: why.clone(),
            });
        }
    }
    WordingItem {
        id: wording_id(w),
        kind: kind_word(w.kind).into(),
        table: w.table.clone(),
        table_label: words.table(&w.table, Lang::Zh).to_string(),
        field: w.field.clone(),
        field_label: if w.field.is_empty() {
            String::new()
        } else {
            words.field(&w.field, Lang::Zh).to_string()
        },
        form: w.form.clone(),
        taken: w.taken.clone(),
        count: w.count,
        cells: w.cells.clone(),
        guesses,
        choices,
    }
}

/// A wording's id: the same wording has the same id from run to run.
pub fn wording_id(w: &Wording) -> String {
    let mut text = String::new();
    for part in [kind_word(w.kind), &w.table, &w.field, &w.form] {
        text.push_str(part);
        text.push('\u{0}');
    }
    fnv(&text)
}

/// A text's FNV-1a hash, in hex: an id that does not depend on the process.
pub fn fnv(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
