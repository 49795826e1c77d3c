//! The stages in order: read → recognise tables → normalise cells and check rows (files
//! in parallel) → check across tables and files → mark rejected rows → propose
//! write-offs. Outputs are written by `output::*` from the `Run` this returns.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::cells::Ctx;
use crate::finding::{ChangeLog, Finding, Severity};
use crate::model::Record;
use crate::read::{self, Grid, GridRow, InputFile, Limits, Raw};
use crate::recognise::{self, Outcome, Skipped};
use crate::rules::cross::{self, Tables};
use crate::rules::row::{check_row, Place};
use crate::schema::Schemas;
use crate::writeoff;

pub struct Options {
    pub schemas: Schemas,
    pub limits: Limits,
    pub today: NaiveDate,
    /// Keep sheet grids for annotated copies.
    pub keep_grids: bool,
    pub progress: bool,
    /// Read each file in a contained child process (the CLI always does; see
    /// `read::isolate`). None reads in this process.
    pub isolate: Option<read::isolate::Isolation>,
}

pub use crate::model::{FileOut, Run, SheetInfo};

/// Files at least this big are read on a thread of their own while their rows are checked
/// (smaller ones are read first: a thread would cost more than it saves).
const STREAM_BYTES: u64 = 4 << 20;

/// Rows per parallel chunk of row checks.
const CHECK_CHUNK: usize = 1024;

/// Where a sheet's table recognition stands.
enum HeadState<'a> {
    /// Waiting for the header rows (or, without merge information, for the whole sheet).
    Pending,
    Table {
        head: recognise::Head,
        kinds: recognise::RowKinds,
        place: Place<'a>,
    },
    Not(Outcome),
}

/// One sheet on its way through recognition and row checks, fed as its rows arrive.
struct SheetWork<'a> {
    grid: Grid,
    head: HeadState<'a>,
    /// Position in `grid.rows` of the first row not yet classified and checked.
    next: usize,
    /// The sheet's name is one of the lexicon's `ignored_sheets` (填表说明, 选项 …): read
    /// when it holds a table all the same, passed over silently when it does not.
    ignored: bool,
    /// Rows arrived out of order: recognise and check once the sheet is complete.
    disordered: bool,
    data: Vec<usize>,
    skipped: Vec<Skipped>,
    records: Vec<Record>,
    findings: Vec<Finding>,
    /// Row findings past `FINDINGS_PER_RULE` of one rule on this sheet: counted, with
    /// their rows, for one summary finding at the end (see `flood_findings`).
    flood: std::collections::BTreeMap<String, Flood>,
    changes: ChangeLog,
}

/// The most row findings of one rule one sheet lists one by one; the rest are summed up
/// in one finding that names their rows compactly.
pub const FINDINGS_PER_RULE: usize = 1000;

/// Findings of one rule on one sheet (see `SheetWork::flood`).
#[derive(Debug, Default)]
struct Flood {
    kept: usize,
    rows: Vec<u32>,
    errors: bool,
    field: String,
    zh: String,
    en: String,
}

/// 1-based rows as ranges ("5-9、12、20-25"), at most `max` ranges, then "…".
pub fn compact_rows(rows: &[u32], max: usize) -> String {
    let mut v: Vec<u32> = rows.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        if parts.len() == max {
            parts.push("…".into());
            break;
        }
        parts.push(if i == j {
            format!("{}", v[i] + 1)
        } else {
            format!("{}-{}", v[i] + 1, v[j] + 1)
        });
        i = j + 1;
    }
    parts.join("、")
}

impl<'a> SheetWork<'a> {
    fn new(grid: Grid, opts: &Options) -> SheetWork<'a> {
        let ignored = opts
            .schemas
            .lexicon
            .ignored_sheets
            .iter()
            .any(|s| crate::text::norm_key(s) == crate::text::norm_key(&grid.name));
        SheetWork {
            grid,
            ignored,
            head: HeadState::Pending,
            next: 0,
            disordered: false,
            data: Vec::new(),
            skipped: Vec::new(),
            records: Vec::new(),
            findings: Vec::new(),
            flood: Default::default(),
            changes: ChangeLog::default(),
        }
    }

    /// Keep a row finding, or count it once its rule has `FINDINGS_PER_RULE` on the sheet.
    fn keep(&mut self, f: Finding) {
        // The code is looked up before it is copied: this runs once per finding.
        if !self.flood.contains_key(&f.code) {
            self.flood.insert(f.code.clone(), Flood::default());
        }
        let Some(fl) = self.flood.get_mut(&f.code) else {
            return;
        };
        if fl.kept < FINDINGS_PER_RULE || f.row.is_none() {
            fl.kept += 1;
            self.findings.push(f);
            return;
        }
        if fl.rows.is_empty() {
            fl.field = f.field.clone();
            fl.zh = f.message_zh.clone();
            fl.en = f.message_en.clone();
        }
        fl.errors |= f.is_error();
        fl.rows.extend(f.row);
    }

    /// One finding per rule that overflowed: how many more, and on which rows.
    fn flood_findings(&mut self, rel: &str) {
        let flood = std::mem::take(&mut self.flood);
        for (code, fl) in flood.into_iter().filter(|(_, f)| !f.rows.is_empty()) {
            let n = fl.rows.len();
            let rows = compact_rows(&fl.rows, 40);
            self.findings.push(
                Finding::rule(&code, if fl.errors { Severity::Error } else { Severity::Warning })
                    .at_file(rel)
                    .at_sheet(&self.grid.name)
                    .field(&fl.field)
                    .msg(
                        format!("本表另有 {n} 处同类问题（{code}，如：{}）未逐条列出，所在行：{rows}", fl.zh),
                        format!("{n} more findings of {code} on this sheet (e.g. {}) are not listed one by one; rows: {rows}", fl.en),
                    )
                    .fix(
                        "这些行多半是同一个原因（整列填错、粘贴错位或多余的行），改正一处的做法适用于全部",
                        "these rows most likely share one cause (a whole column wrong, a paste out of place, stray rows); the fix for one fits all",
                    ),
            );
        }
    }

    fn add(&mut self, rows: Vec<GridRow>, width: u32) {
        if let (Some(last), Some(first)) = (self.grid.rows.last(), rows.first()) {
            self.disordered |= first.idx <= last.idx;
        }
        self.disordered |= rows.windows(2).any(|w| w[0].idx >= w[1].idx);
        self.grid.rows.extend(rows);
        self.grid.width = self.grid.width.max(width);
    }

    /// Recognise the header once its rows are in, then classify and check the rows that
    /// have arrived. `complete`: the whole sheet is in.
    fn advance(
        &mut self,
        file_idx: usize,
        rel: &'a str,
        opts: &Options,
        ctx: &Ctx,
        complete: bool,
    ) {
        if self.disordered && !complete {
            return;
        }
        if matches!(self.head, HeadState::Pending) {
            let head_in = self.grid.merges_known
                && self
                    .grid
                    .rows
                    .last()
                    .is_some_and(|r| r.idx >= recognise::HEAD_ROWS);
            if !(complete || head_in) {
                return;
            }
            // The header block's merged regions may reach past its cells.
            let width = self.grid.width;
            if !complete {
                let reach = self
                    .grid
                    .merges
                    .iter()
                    .filter(|m| m.r0 < recognise::HEAD_ROWS);
                self.grid.width = reach.map(|m| m.c1 + 1).fold(width, u32::max);
            }
            let recognised = recognise::recognise_head(&self.grid, &opts.schemas, rel, opts.today);
            self.grid.width = width;
            self.head = match recognised {
                // An instructions sheet lists the fields; it is read only when it is a whole
                // table (every required column there), not a list of column names.
                Ok(head)
                    if self.ignored
                        && head
                            .findings
                            .iter()
                            .any(|f| f.code == crate::codes::S001.code) =>
                {
                    HeadState::Not(Outcome::Empty)
                }
                Ok(head) => {
                    let t = opts.schemas.table(head.table);
                    let place = Place::new(file_idx, rel, &self.grid.name, t, &head.columns);
                    HeadState::Table {
                        kinds: recognise::RowKinds::new(&head, &opts.schemas),
                        head,
                        place,
                    }
                }
                Err(_) if self.ignored => HeadState::Not(Outcome::Empty),
                Err(o) => HeadState::Not(o),
            };
        }
        let HeadState::Table { head, kinds, place } = &self.head else {
            return;
        };
        let t = opts.schemas.table(head.table);
        let start = self.next;
        let rows = &self.grid.rows[start..];
        type Checked = (
            Vec<usize>,
            Vec<Skipped>,
            Vec<Record>,
            Vec<Finding>,
            ChangeLog,
        );
        // Rows are classified and checked on every core, in chunks, in order.
        let checked: Vec<Checked> = rows
            .par_chunks(CHECK_CHUNK)
            .enumerate()
            .map(|(k, chunk)| {
                let mut c: Checked = Default::default();
                for (i, row) in chunk.iter().enumerate() {
                    match kinds.classify(row) {
                        recognise::RowKind::Header => {}
                        recognise::RowKind::Skip(reason) => c.1.push(Skipped {
                            row: row.idx,
                            reason: reason.to_string(),
                        }),
                        recognise::RowKind::Data => {
                            c.0.push(start + k * CHECK_CHUNK + i);
                            c.2.push(check_row(t, row, place, ctx, &mut c.3, &mut c.4));
                        }
                    }
                }
                c
            })
            .collect();
        for (mut d, mut sk, mut recs, mut f, mut ch) in checked {
            self.data.append(&mut d);
            self.skipped.append(&mut sk);
            self.records.append(&mut recs);
            for x in f.drain(..) {
                self.keep(x);
            }
            self.changes.append(&mut ch);
        }
        self.next = self.grid.rows.len();
    }

    /// The sheet is complete.
    fn end(
        &mut self,
        width: u32,
        merges: Option<Vec<crate::read::Merge>>,
        findings: Vec<Finding>,
        (file_idx, rel, opts, ctx): (usize, &'a str, &Options, &Ctx),
    ) {
        self.grid.width = self.grid.width.max(width);
        if let Some(m) = merges {
            self.grid.merges = m;
            self.grid.merges_known = true;
        }
        self.grid.findings.extend(findings);
        if self.disordered {
            // Put the rows in order (cells of a repeated row index are merged), and start
            // over on the whole sheet.
            let mut rows = std::mem::take(&mut self.grid.rows);
            rows.sort_by_key(|r| r.idx);
            for row in rows {
                match self.grid.rows.last_mut() {
                    Some(last) if last.idx == row.idx => {
                        // The file names this row twice: one row, and a finding that says so.
                        let mut lost = Vec::new();
                        for (c, v) in row.cells.into_iter().enumerate() {
                            if !v.is_empty() {
                                if last.cells.len() <= c {
                                    last.cells.resize(c + 1, Raw::Empty);
                                }
                                if !last.cells[c].is_empty() && last.cells[c] != v {
                                    lost.push(format!(
                                        "{}“{}”",
                                        crate::text::a1(row.idx, c as u32),
                                        crate::text::truncate_chars(&last.cells[c].display(), 30)
                                    ));
                                }
                                last.cells[c] = v;
                            }
                        }
                        self.grid.findings.push(crate::read::row_given_twice(
                            rel,
                            &self.grid.name,
                            row.idx,
                            !lost.is_empty(),
                            &lost,
                        ));
                    }
                    _ => self.grid.rows.push(row),
                }
            }
            self.disordered = false;
            if !matches!(self.head, HeadState::Not(Outcome::Empty)) {
                self.head = HeadState::Pending;
            }
            self.next = 0;
            self.data.clear();
            self.skipped.clear();
            self.records.clear();
            self.findings.clear();
            self.flood.clear();
            self.changes.clear();
        }
        self.advance(file_idx, rel, opts, ctx, true);
        self.flood_findings(rel);
        if let HeadState::Table { head, .. } = &self.head {
            let skipped = std::mem::take(&mut self.skipped);
            self.skipped =
                recognise::with_blank_rows(&self.grid, head.header.1, &self.data, skipped);
        }
    }
}

fn process_file(file_idx: usize, input: &InputFile, opts: &Options) -> FileOut {
    let big = std::fs::metadata(&input.path).is_ok_and(|m| m.len() >= STREAM_BYTES);
    process_file_with(file_idx, input, opts, big)
}

/// `process_file`, reading on a thread of its own while rows are checked (`stream`) or
/// reading first. Both give the same result.
fn process_file_with(file_idx: usize, input: &InputFile, opts: &Options, stream: bool) -> FileOut {
    if !stream {
        let mut pieces = Vec::new();
        let read = read::read_file_pieces(input, &opts.limits, opts.isolate.as_ref(), &mut |p| {
            pieces.push(p)
        });
        return process_pieces(file_idx, input, opts, pieces, || read);
    }
    // Read on a thread of its own; rows are checked here as they arrive.
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<read::Piece>(4);
        let reader = s.spawn(move || {
            read::read_file_pieces(input, &opts.limits, opts.isolate.as_ref(), &mut |p| {
                let _ = tx.send(p);
            })
        });
        process_pieces(file_idx, input, opts, rx, || match reader.join() {
            Ok(r) => r,
            // A panic while reading is this file's F009 (see `run_with`).
            Err(e) => std::panic::resume_unwind(e),
        })
    })
}

/// Recognise and check the sheets of one file as its pieces arrive; `read` gives the
/// read's outcome once all pieces are in.
fn process_pieces(
    file_idx: usize,
    input: &InputFile,
    opts: &Options,
    pieces: impl IntoIterator<Item = read::Piece>,
    read: impl FnOnce() -> Result<&'static str, Finding>,
) -> FileOut {
    let mut out = FileOut {
        input: input.clone(),
        format: String::new(),
        sheets: Vec::new(),
        findings: Vec::new(),
        changes: ChangeLog::default(),
        records: vec![Vec::new(); opts.schemas.tables.len()],
        rows_read: vec![0; opts.schemas.tables.len()],
        rows_unrecognised: 0,
    };
    let rel = input.rel.as_str();
    let ctx = Ctx {
        lexicon: &opts.schemas.lexicon,
        today: opts.today,
    };
    let mut done: Vec<SheetWork> = Vec::new();
    let mut cur: Option<SheetWork> = None;
    for p in pieces {
        match p {
            read::Piece::Sheet(g) => {
                let mut w = SheetWork::new(g, opts);
                w.advance(file_idx, rel, opts, &ctx, false);
                cur = Some(w);
            }
            read::Piece::Rows { rows, width } => {
                if let Some(w) = &mut cur {
                    w.add(rows, width);
                    w.advance(file_idx, rel, opts, &ctx, false);
                }
            }
            read::Piece::End {
                width,
                merges,
                findings,
            } => {
                if let Some(mut w) = cur.take() {
                    w.end(width, merges, findings, (file_idx, rel, opts, &ctx));
                    done.push(w);
                }
            }
        }
    }
    match read() {
        Ok(format) => out.format = format.to_string(),
        Err(f) => {
            // Whatever arrived before the error is dropped: the file is not read.
            out.findings.push(f);
            return out;
        }
    }
    let mut any_table = false;
    let mut any_data = false;
    let mut no_table_sheets = Vec::new();
    for w in done {
        let SheetWork {
            grid,
            head,
            data,
            skipped,
            mut records,
            mut findings,
            mut changes,
            ..
        } = w;
        out.findings.extend(grid.findings.iter().cloned());
        let mut info = SheetInfo {
            name: grid.name.clone(),
            table: None,
            header: None,
            data_rows: 0,
            columns: Vec::new(),
            skipped: Vec::new(),
            grid: None,
        };
        match head {
            HeadState::Table { head, .. } => {
                any_table = true;
                let k = head.table.index();
                out.findings.extend(head.findings);
                out.findings.append(&mut findings);
                out.records[k].append(&mut records);
                out.changes.append(&mut changes);
                out.rows_read[k] += data.len();
                any_data |= !data.is_empty();
                info.table = Some(head.table);
                info.header = Some(head.header);
                info.data_rows = data.len();
                info.columns = head.columns;
                info.skipped = skipped;
            }
            HeadState::Not(Outcome::NoTable) => {
                no_table_sheets.push(grid.name.clone());
                out.rows_unrecognised +=
                    unrecognised_rows(&grid, rel, &opts.schemas, &mut out.findings);
            }
            HeadState::Not(_) | HeadState::Pending => {}
        }
        if opts.keep_grids {
            info.grid = Some(grid);
        }
        out.sheets.push(info);
    }
    let sheet_list = out
        .sheets
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    if !any_table {
        out.findings.push(
            Finding::new(&crate::codes::F005, Severity::Error)
                .at_file(rel)
                .msg(
                    format!("文件中找不到可识别的房屋信息、隐患台账或回头看表（工作表：{sheet_list}），前{}行内没有识别出表头", recognise::HEADER_SEARCH_ROWS),
                    format!("no buildings, hazards or reviews table found (sheets: {sheet_list}); no header in the first {} rows", recognise::HEADER_SEARCH_ROWS),
                )
                .fix("使用统一模板（selfbuilt template）填写，表头写“房屋编码”“户主”等标准列名", "use the template (selfbuilt template) with the standard column labels"),
        );
    } else {
        if !any_data {
            out.findings.push(
                Finding::new(&crate::codes::F006, Severity::Error)
                    .at_file(rel)
                    .msg(
                        "文件只有表头，没有任何数据行",
                        "the file has headers but no data rows",
                    )
                    .fix(
                        "补填数据；若该村确无此类房屋，请书面说明",
                        "fill in the data, or confirm in writing that there is none",
                    ),
            );
        }
        for s in no_table_sheets {
            out.findings.push(
                Finding::new(&crate::codes::S005, Severity::Warning)
                    .at_file(rel)
                    .at_sheet(&s)
                    .msg(
                        format!("工作表“{s}”有内容，但找不到可识别的表，未导入"),
                        format!("sheet “{s}” holds no recognisable table; not imported"),
                    )
                    .fix(
                        "确认该表不需要导入，或把表头改为标准列名",
                        "confirm it is not needed, or use standard column labels",
                    ),
            );
        }
    }
    out
}

/// The most findings one unrecognised sheet lists row by row; the rest are counted in
/// one sheet-level finding.
pub const UNRECOGNISED_ROW_FINDINGS: usize = 2000;

/// Account for every non-empty row of a sheet that holds content but no recognised
/// table: an S007 error per row (up to `UNRECOGNISED_ROW_FINDINGS`, then one finding
/// for the rest). Returns how many rows there were.
fn unrecognised_rows(
    grid: &Grid,
    rel: &str,
    schemas: &Schemas,
    findings: &mut Vec<Finding>,
) -> usize {
    let ids: Vec<String> = schemas
        .tables
        .iter()
        .map(|t| {
            let labels: Vec<&str> = t
                .table
                .identity
                .iter()
                .filter_map(|k| t.field(k).map(|f| f.label.as_str()))
                .collect();
            format!("{}（{}）", t.table.label, labels.join("、"))
        })
        .collect();
    let why_zh = format!(
        "前{}行中找不到能对应到{}等列的表头",
        recognise::HEADER_SEARCH_ROWS,
        ids.join("；")
    );
    let rows: Vec<&GridRow> = grid
        .rows
        .iter()
        .filter(|r| r.cells.iter().any(|c| !c.is_empty()))
        .collect();
    for r in rows.iter().take(UNRECOGNISED_ROW_FINDINGS) {
        let first = r.cells.iter().position(|c| !c.is_empty()).map(|c| c as u32);
        let shown = first.map(|c| r.get(c).display()).unwrap_or_default();
        findings.push(
            Finding::new(&crate::codes::S007, Severity::Error)
                .at_file(rel)
                .at_sheet(&grid.name)
                .at_cell(r.idx, first)
                .value(&crate::text::truncate_chars(&shown, 60))
                .msg(
                    format!("工作表“{}”没有识别出任何表（{why_zh}），本行未导入", grid.name),
                    format!("sheet “{}” holds no recognised table (no header naming the identity columns in the first {} rows); this row is not imported", grid.name, recognise::HEADER_SEARCH_ROWS),
                )
                .fix(
                    "把表头改为标准列名（selfbuilt template 生成的模板），或核对 learned.toml 后用 --aliases 再运行",
                    "use the standard column labels (selfbuilt template), or review learned.toml and run again with --aliases",
                ),
        );
    }
    if rows.len() > UNRECOGNISED_ROW_FINDINGS {
        let rest = rows.len() - UNRECOGNISED_ROW_FINDINGS;
        let (a, b) = (
            rows[UNRECOGNISED_ROW_FINDINGS].idx + 1,
            rows[rows.len() - 1].idx + 1,
        );
        findings.push(
            Finding::new(&crate::codes::S007, Severity::Error)
                .at_file(rel)
                .at_sheet(&grid.name)
                .msg(
                    format!(
                        "工作表“{}”另有 {rest} 个非空行（第{a}–{b}行）同样未导入",
                        grid.name
                    ),
                    format!(
                        "sheet “{}” has {rest} more non-empty rows (rows {a}–{b}) not imported",
                        grid.name
                    ),
                )
                .fix("同上", "as above"),
        );
    }
    rows.len()
}

/// The most common village named by a file's rows, else one inferred from its hazards'
/// and reviews' buildings, else from its name.
fn file_villages(
    files: &[FileOut],
    tables: &[Vec<Record>],
    schemas: &crate::schema::Schemas,
) -> Vec<String> {
    let lex = &schemas.lexicon;
    let c = &schemas.campaign;
    // One pass over the records: villages named per file, then per file through the
    // main rows the other tables' rows refer to.
    let mut named: Vec<HashMap<&str, usize>> = vec![HashMap::new(); files.len()];
    let mut via: Vec<HashMap<&str, usize>> = vec![HashMap::new(); files.len()];
    let main = c.main();
    let ms = schemas.table(main);
    let id = ms.table.identity.first().and_then(|k| ms.field_index(k));
    if let Some(vf) = ms.field_index(&c.campaign.village) {
        let mut code_village: HashMap<&str, &str> = HashMap::new();
        for b in &tables[main.index()] {
            if let Some(v) = b.vals[vf].as_str() {
                *named[b.file].entry(v).or_default() += 1;
                if let Some(code) = id.and_then(|i| b.vals[i].as_str()) {
                    code_village.insert(code, v);
                }
            }
        }
        for t in schemas.ids().filter(|t| *t != main) {
            let Some(rx) = c.to_main(t) else { continue };
            for r in &tables[t.index()] {
                if let Some(v) = r.vals[rx.child_field]
                    .as_str()
                    .and_then(|c| code_village.get(c))
                {
                    *via[r.file].entry(v).or_default() += 1;
                }
            }
        }
    }
    // A village's name in a file name: a few Han characters ending with a village suffix.
    let suffixes: Vec<String> = lex
        .village_suffixes
        .iter()
        .map(|s| regex::escape(s))
        .collect();
    let name_re = (!suffixes.is_empty())
        .then(|| {
            regex::Regex::new(&format!(r"([\p{{Han}}]{{1,6}}?(?:{}))", suffixes.join("|"))).ok()
        })
        .flatten();
    let most = |m: &HashMap<&str, usize>| {
        m.iter()
            .max_by_key(|(v, n)| (**n, std::cmp::Reverse(**v)))
            .map(|(v, _)| v.to_string())
    };
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            most(&named[i])
                .or_else(|| most(&via[i]))
                .unwrap_or_else(|| {
                    let stem = PathBuf::from(&f.input.rel)
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_default();
                    name_re
                        .as_ref()
                        .and_then(|re| re.captures(&stem))
                        .map(|c| c[1].to_string())
                        .unwrap_or_else(|| lex.unknown_village.clone())
                })
        })
        .collect()
}

/// Run the stages over the inputs.
pub fn run(inputs: &[PathBuf], opts: &Options) -> Run {
    run_with(inputs, opts, process_file)
}

/// `run` with the per-file stage given: a panic in it becomes an F009 finding for that
/// file and the batch goes on.
pub fn run_with<P>(inputs: &[PathBuf], opts: &Options, process: P) -> Run
where
    P: Fn(usize, &InputFile, &Options) -> FileOut + Sync,
{
    let t0 = Instant::now();
    crate::timing::timed("(start)", || ());
    let (files, mut pre_findings) = read::collect_inputs(inputs);
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} 个文件 {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut outs: Vec<FileOut> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| process(i, f, opts)));
            if let Some(b) = &bar {
                b.inc(1);
            }
            r.unwrap_or_else(|e| {
                let what = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                FileOut {
                    input: f.clone(),
                    format: String::new(),
                    sheets: Vec::new(),
                    findings: vec![Finding::new(&crate::codes::F009, Severity::Error)
                        .at_file(&f.rel)
                        .msg(
                            format!("处理该文件时程序内部出错，已跳过（{what}）"),
                            format!("internal error while processing this file; skipped ({what})"),
                        )
                        .fix(
                            "请把该文件发给维护人员；其他文件的结果不受影响",
                            "send this file to the maintainers; other files are unaffected",
                        )],
                    changes: ChangeLog::default(),
                    records: vec![Vec::new(); opts.schemas.tables.len()],
                    rows_read: vec![0; opts.schemas.tables.len()],
                    rows_unrecognised: 0,
                }
            })
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    crate::timing::timed("(reading done)", || ());
    let rel: Vec<String> = outs.iter().map(|f| f.input.rel.clone()).collect();
    // One table of each kind across files, sized once (no copying as they grow). The
    // audit trail stays in per-file pieces: it can be millions of entries.
    let mut tables: Vec<Vec<Record>> = (0..opts.schemas.tables.len())
        .map(|t| Vec::with_capacity(outs.iter().map(|f| f.records[t].len()).sum()))
        .collect();
    let mut findings = std::mem::take(&mut pre_findings);
    findings.reserve(outs.iter().map(|f| f.findings.len()).sum());
    let mut changes = Vec::with_capacity(outs.len());
    for f in outs.iter_mut() {
        for (t, recs) in tables.iter_mut().zip(f.records.iter_mut()) {
            t.append(recs);
        }
        findings.append(&mut f.findings);
        changes.push(std::mem::take(&mut f.changes));
    }
    findings.extend(crate::timing::timed("cross-table checks", || {
        cross::check(&Tables {
            tables: &tables,
            files: &rel,
            schemas: &opts.schemas,
        })
    }));
    // Reject every row with an error finding.
    let rel_idx: HashMap<&str, usize> = rel
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let bad: HashSet<(usize, &str, u32)> = findings
        .iter()
        .filter(|f| f.is_error())
        .filter_map(|f| Some((*rel_idx.get(f.file.as_str())?, f.sheet.as_str(), f.row?)))
        .collect();
    for t in tables.iter_mut() {
        for r in t.iter_mut() {
            // A row's own cell errors are on the record (also those only counted in a
            // flood summary); errors found across rows and tables are in the findings.
            r.rejected |= bad.contains(&(r.file, &*r.sheet, r.row));
        }
    }
    // Rows standing on a rejected row are held back with it, until nothing changes.
    {
        let mut first: HashMap<(usize, &str, u32), &Finding> = HashMap::new();
        for f in findings.iter().filter(|f| f.is_error()) {
            if let (Some(&file), Some(row)) = (rel_idx.get(f.file.as_str()), f.row) {
                first.entry((file, f.sheet.as_str(), row)).or_insert(f);
            }
        }
        let problems = |r: &Record| match first.get(&(r.file, &*r.sheet, r.row)) {
            Some(f) => format!(
                "{} {}",
                f.code,
                crate::text::truncate_chars(&f.message_zh, 40)
            ),
            // Its errors were only counted in a flood summary.
            None => "该行有错误".to_string(),
        };
        let held = cross::hold_back(&mut tables, &opts.schemas, &rel, &problems);
        findings.extend(held);
    }
    // Write-off proposals, each file's village and the findings' order are independent.
    let (proposals, (village_of_file, ())) = rayon::join(
        || {
            crate::timing::timed("write-off proposals", || {
                writeoff::propose(&Tables {
                    tables: &tables,
                    files: &rel,
                    schemas: &opts.schemas,
                })
            })
        },
        || {
            rayon::join(
                || file_villages(&outs, &tables, &opts.schemas),
                || {
                    // File-level findings (no sheet) first, then sheets as the workbook orders them.
                    let mut order: HashMap<(&str, &str), usize> = HashMap::new();
                    for (i, f) in outs.iter().enumerate() {
                        order.insert((rel[i].as_str(), ""), 0);
                        for (k, sh) in f.sheets.iter().enumerate() {
                            order
                                .entry((rel[i].as_str(), sh.name.as_str()))
                                .or_insert(k + 1);
                        }
                    }
                    sort_findings(&mut findings, &order)
                },
            )
        },
    );
    // The tally is a stage of its own, before any output.
    let tally = crate::timing::timed("tally", || {
        crate::tally::compute(&opts.schemas, &tables, &proposals, &village_of_file)
    })
    .unwrap_or_else(|_| crate::model::Tally {
        keys: opts
            .schemas
            .campaign
            .tally
            .columns
            .iter()
            .map(|c| c.key.clone())
            .collect(),
        ..Default::default()
    });
    Run {
        files: outs,
        rel,
        village_of_file,
        tables,
        findings,
        changes,
        proposals,
        tally,
        seconds: t0.elapsed().as_secs_f64(),
    }
}

/// File, sheet, row, column order: how a clerk reads a report.
/// File, sheet (in workbook order), row, column order: how a clerk reads a report.
/// `sheet_order` gives each file's sheets in the order the workbook holds them.
pub fn sort_findings(f: &mut [Finding], sheet_order: &HashMap<(&str, &str), usize>) {
    let key = |x: &Finding| {
        (
            sheet_order
                .get(&(x.file.as_str(), x.sheet.as_str()))
                .copied()
                .unwrap_or(usize::MAX),
            x.row.map(|r| r as i64).unwrap_or(-1),
            x.col.map(|c| c as i64).unwrap_or(-1),
        )
    };
    f.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| a.sheet.cmp(&b.sheet))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_tables as T;

    fn opts() -> Options {
        Options {
            schemas: Schemas::shipped().unwrap(),
            limits: Limits::default(),
            today: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            keep_grids: true,
            progress: false,
            isolate: None,
        }
    }

    /// Everything a file's processing gives, as comparable text.
    fn summary(f: &FileOut) -> Vec<String> {
        let mut v = vec![format!("{} {:?}", f.format, f.rows_read)];
        v.extend(f.findings.iter().map(|x| format!("{x:?}")));
        v.extend(f.changes.iter().map(|x| format!("{x:?}")));
        for t in &f.records {
            v.extend(t.iter().map(|r| format!("{} {:?}", r.row, r.vals)));
        }
        for s in &f.sheets {
            let rows = s.grid.as_ref().map(|g| g.rows.len());
            v.push(format!(
                "{} {:?} {:?} {} {:?} {rows:?}",
                s.name, s.table, s.header, s.data_rows, s.skipped
            ));
        }
        v
    }

    /// Rows checked while a sheet streams in, batch by batch, give exactly what reading
    /// the whole file first gives: on the demo generator's messy village files (titles,
    /// merged two-row headers, 合计 rows, injected faults), several batches long.
    #[test]
    fn streaming_and_whole_reads_agree() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write_town(dir.path(), 7, 2 * (read::BATCH_ROWS + 1500), 2, true).unwrap();
        let (inputs, _) = read::collect_inputs(&[dir.path().to_path_buf()]);
        let o = opts();
        let mut batched = 0;
        for (i, input) in inputs.iter().enumerate() {
            let a = process_file_with(i, input, &o, true);
            let b = process_file_with(i, input, &o, false);
            assert_eq!(summary(&a), summary(&b), "{}", input.rel);
            let rows = a.rows_read.iter().sum::<usize>();
            if a.format == "xlsx" && rows > read::BATCH_ROWS {
                batched += 1;
            }
            assert!(rows > 0, "{}", input.rel);
        }
        assert!(batched >= 1, "no xlsx file long enough to come in batches");
    }

    /// Rows that arrive out of order (a hand-edited xlsx can list them so) are put in
    /// order and the sheet is read as a whole.
    #[test]
    fn rows_out_of_order_are_sorted_and_merged() {
        let head = [
            "房屋编码",
            "村（社区）",
            "详细地址",
            "户主",
            "身份证号",
            "建成年份",
            "层数",
            "建筑面积",
            "结构类型",
            "房屋用途",
            "是否改扩建",
            "是否鉴定",
            "排查日期",
            "排查人",
            "初步判定",
        ];
        let cells = |i: u32| -> Vec<Raw> {
            [
                format!("YH4501030000{i:05}"),
                "平安村".into(),
                format!("平安村{i}号"),
                "韦宝".into(),
                "450103196708158643".into(),
                "1995".into(),
                "3".into(),
                "120".into(),
                "砌体结构".into(),
                "其他".into(),
                "否".into(),
                "否".into(),
                "2022-06-01".into(),
                "黄英".into(),
                "未发现安全隐患".into(),
            ]
            .into_iter()
            .map(Raw::Text)
            .collect()
        };
        let mut rows = vec![GridRow {
            idx: 0,
            cells: head.iter().map(|h| Raw::Text(h.to_string())).collect(),
        }];
        rows.extend((1..60).map(|i| GridRow {
            idx: i,
            cells: cells(i),
        }));
        let grid = |rows: Vec<GridRow>| Grid {
            name: "房屋".into(),
            rows,
            merges_known: true,
            width: 15,
            ..Default::default()
        };
        let end = || read::Piece::End {
            width: 15,
            merges: None,
            findings: vec![],
        };
        let input = InputFile {
            path: "x.xlsx".into(),
            rel: "x.xlsx".into(),
        };
        let o = opts();
        let whole = process_pieces(
            0,
            &input,
            &o,
            vec![read::Piece::Sheet(grid(rows.clone())), end()],
            || Ok("xlsx"),
        );
        // The same rows in three batches, the middle one late, and row 5 split in two.
        let mut r5a = rows[5].clone();
        r5a.cells.truncate(7);
        let mut r5b = rows[5].clone();
        for c in r5b.cells.iter_mut().take(7) {
            *c = Raw::Empty;
        }
        let mut first: Vec<GridRow> = rows[..5].to_vec();
        first.push(r5a);
        let pieces = vec![
            read::Piece::Sheet(grid(vec![])),
            read::Piece::Rows {
                rows: first,
                width: 15,
            },
            read::Piece::Rows {
                rows: rows[40..].to_vec(),
                width: 15,
            },
            read::Piece::Rows {
                rows: std::iter::once(r5b)
                    .chain(rows[6..40].iter().cloned())
                    .collect(),
                width: 15,
            },
            end(),
        ];
        let mut shuffled = process_pieces(0, &input, &o, pieces, || Ok("xlsx"));
        // Row 5 given twice (its halves do not conflict): one warning, then the same run.
        let twice: Vec<Finding> = shuffled
            .findings
            .iter()
            .filter(|f| f.code == "F014")
            .cloned()
            .collect();
        assert_eq!(twice.len(), 1, "{twice:?}");
        assert_eq!(
            (twice[0].row, twice[0].severity),
            (Some(rows[5].idx), Severity::Warning)
        );
        shuffled.findings.retain(|f| f.code != "F014");
        assert_eq!(summary(&shuffled), summary(&whole));
        assert_eq!(whole.rows_read[0], 59);
        assert!(whole.findings.is_empty(), "{:?}", whole.findings);
    }

    #[test]
    fn a_crash_in_one_file_is_a_finding_and_the_batch_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let head = "房屋编码,村（社区）,详细地址,户主,身份证号,建成年份,层数,建筑面积,结构类型,房屋用途,是否改扩建,是否鉴定,排查日期,排查人,初步判定\n";
        let row = "YH450103000000001,平安村,平安村1号,韦宝,450103196708158643,1995,3,120,砌体结构,其他,否,否,2022-06-01,黄英,未发现安全隐患\n";
        std::fs::write(dir.path().join("good.csv"), format!("{head}{row}")).unwrap();
        std::fs::write(dir.path().join("boom.csv"), format!("{head}{row}")).unwrap();
        let opts = Options {
            schemas: Schemas::shipped().unwrap(),
            limits: Limits::default(),
            today: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            keep_grids: false,
            progress: false,
            isolate: None,
        };
        let run = run_with(&[dir.path().to_path_buf()], &opts, |i, f, o| {
            if f.rel == "boom.csv" {
                panic!("simulated defect");
            }
            process_file(i, f, o)
        });
        let f9: Vec<&Finding> = run.findings.iter().filter(|f| f.code == "F009").collect();
        assert_eq!(f9.len(), 1);
        assert_eq!(f9[0].file, "boom.csv");
        assert!(f9[0].message_zh.contains("simulated defect"));
        assert_eq!(
            run.table(T::Buildings).len(),
            1,
            "the other file's row is still read"
        );
    }
}
