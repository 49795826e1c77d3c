//! One input file through the per-file stage: read it (a big one on a thread of its own
//! while its rows are checked), hand each sheet's rows to a `SheetWork`, and gather the
//! sheets' records, findings and changes into a `FileOut`; every non-empty row of a sheet
//! in which no table was recognised is listed (S007).

use super::sheet::{HeadState, SheetWork};
use crate::cells::Ctx;
use crate::finding::{ChangeLog, Finding};
use crate::model::{FileOut, Record, SheetInfo};
use crate::options::Options;
use crate::read::{self, Grid, GridRow, InputFile};
use crate::recognise::{self, Outcome};
use crate::schema::Schemas;

/// Files at least this big are read on a thread of their own while their rows are checked
/// (smaller ones are read first: a thread would cost more than it saves).
pub(crate) const STREAM_BYTES: u64 = 4 << 20;

/// Pieces read ahead of the rows being checked (each at most `read::BATCH_ROWS` rows,
/// a few megabytes). A sheet's first batches arrive together once its parts' scan is in
/// (`read::parts`), and its header is recognised on them while they wait: with a short
/// queue the reader stood still meanwhile (half a second on a million rows), with this
/// one it reads on.
const READ_AHEAD: usize = 32;

/// Reads one input file and checks its rows: recognised sheets, records, findings and
/// changes. Big files are read on a thread of their own while their rows are checked.
pub fn process_file(file_idx: usize, input: &InputFile, opts: &Options) -> FileOut {
    let big = std::fs::metadata(&input.path).is_ok_and(|m| m.len() >= STREAM_BYTES);
    process_file_with(file_idx, input, opts, big)
}

/// `process_file`, reading on a thread of its own while rows are checked (`stream`) or
/// reading first. Both give the same result.
pub(crate) fn process_file_with(
    file_idx: usize,
    input: &InputFile,
    opts: &Options,
    stream: bool,
) -> FileOut {
    if !stream {
        let mut pieces = Vec::new();
        let read = read::read_file_pieces(input, &opts.limits, opts.isolate.as_ref(), &mut |p| {
            pieces.push(p)
        });
        return process_pieces(file_idx, input, opts, (pieces, false), || read);
    }
    // Read on a thread of its own; rows are checked here as they arrive.
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<read::Piece>(READ_AHEAD);
        let reader = scope.spawn(move || {
            read::read_file_pieces(input, &opts.limits, opts.isolate.as_ref(), &mut |p| {
                let _ = sender.send(p);
            })
        });
        process_pieces(file_idx, input, opts, (receiver, true), || {
            match reader.join() {
                Ok(outcome) => outcome,
                // A panic while reading is this file's F009 (see `run_with`).
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    })
}

/// Recognise and check the sheets of one file as its pieces arrive (`streamed`: while the
/// file is still being read); `read` gives the read's outcome once all pieces are in.
pub(crate) fn process_pieces(
    file_idx: usize,
    input: &InputFile,
    opts: &Options,
    (pieces, streamed): (impl IntoIterator<Item = read::Piece>, bool),
    read: impl FnOnce() -> Result<&'static str, Finding>,
) -> FileOut {
    let mut out = FileOut {
        input: input.clone(),
        format: String::new(),
        sheets: Vec::new(),
        findings: Vec::new(),
        changes: ChangeLog::default(),
        records: vec![Vec::new(); opts.schemas.tables.len()],
        rows: Vec::new(),
        spill: None,
        rows_read: vec![0; opts.schemas.tables.len()],
        rows_unrecognised: 0,
        pool: None,
    };
    let rel = input.rel.as_str();
    let ctx = Ctx {
        lexicon: &opts.schemas.lexicon,
        today: opts.today,
    };
    let mut pool = opts.keep.as_ref().map(|_| crate::keyrow::Pool::new());
    let done = check_sheets(file_idx, rel, opts, &ctx, (pieces, streamed), &mut pool);
    out.pool = pool;
    match read() {
        Ok(format) => out.format = format.to_string(),
        Err(finding) => {
            // Whatever arrived before the error is dropped: the file is not read.
            out.findings.push(finding);
            return out;
        }
    }
    let mut seen = Seen::default();
    for work in done {
        gather_sheet(&mut out, &mut seen, work, rel, opts);
    }
    file_findings(&mut out, seen, rel, &opts.schemas);
    // A sheet whose rows other sheets of the file already hold (a 汇总 of the 组 sheets)
    // is read once, from those sheets.
    crate::rules::copies::drop_repeated(&mut out.records, &mut out.findings, rel);
    out
}

/// Feeds each piece to the sheet it belongs to (recognising and checking rows as they
/// arrive); returns every finished sheet, and the blocks of other tables split off them.
/// The records' kept values go into `pool` as they are made, when given (with
/// `Options::keep`).
fn check_sheets<'a>(
    file_idx: usize,
    rel: &'a str,
    opts: &Options,
    ctx: &Ctx,
    (pieces, streamed): (impl IntoIterator<Item = read::Piece>, bool),
    pool: &mut Option<crate::keyrow::Pool>,
) -> Vec<SheetWork<'a>> {
    let mut done: Vec<SheetWork> = Vec::new();
    let mut current: Option<SheetWork> = None;
    let mut pool_new = |records: &mut [Record]| {
        if let (Some(pool), Some(keep)) = (pool.as_mut(), &opts.keep) {
            // Records are only appended to, cut short (`split_block`) or all made again
            // (`SheetWork::restart`): those not pooled are the last ones.
            let from = records.iter().rposition(|r| r.kept.is_some());
            for r in &mut records[from.map_or(0, |i| i + 1)..] {
                crate::keep::pool_record(pool, keep, r);
            }
        }
    };
    for piece in pieces {
        match piece {
            read::Piece::Sheet(grid) => {
                let mut work = SheetWork::new(grid, opts);
                work.streamed = streamed;
                work.advance(file_idx, rel, opts, ctx, false);
                pool_new(&mut work.records);
                current = Some(work);
            }
            read::Piece::Rows { rows, width } => {
                if let Some(work) = &mut current {
                    work.add(rows, width);
                    work.advance(file_idx, rel, opts, ctx, false);
                    pool_new(&mut work.records);
                }
            }
            read::Piece::End {
                width,
                merges,
                findings,
            } => {
                if let Some(mut work) = current.take() {
                    let blocks = work.end(width, merges, findings, (file_idx, rel, opts, ctx));
                    done.push(work);
                    done.extend(blocks);
                }
            }
        }
    }
    for work in &mut done {
        pool_new(&mut work.records);
    }
    done
}

/// What the file's sheets held, for the file-level findings.
#[derive(Default)]
struct Seen {
    /// Some sheet holds a recognised table.
    any_table: bool,
    /// Some recognised table has data rows.
    any_data: bool,
    /// The sheets with content but no table recognised.
    no_table_sheets: Vec<String>,
}

/// Moves one finished sheet's records, findings and changes into `out` and describes it
/// in `out.sheets`; a sheet with content but no table has its rows listed (S007).
fn gather_sheet(out: &mut FileOut, seen: &mut Seen, work: SheetWork, rel: &str, opts: &Options) {
    let SheetWork {
        grid,
        checked,
        head,
        data,
        skipped,
        records,
        mut findings,
        mut changes,
        ..
    } = work;
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
            seen.any_table = true;
            let table = head.table.index();
            if grid.hidden {
                // Rows the village may not see go upstream: said once.
                out.findings.push(
                    Finding::new(crate::codes::hidden_sheet(&grid.name))
                        .at_file(rel)
                        .at_sheet(&grid.name),
                );
            }
            out.findings.extend(head.findings);
            out.findings.append(&mut findings);
            move_after(&mut out.records[table], records);
            out.changes.append(&mut changes);
            out.rows_read[table] += data.len();
            seen.any_data |= !data.is_empty();
            info.table = Some(head.table);
            info.header = Some(head.header);
            info.data_rows = data.len();
            info.columns = head.columns;
            info.skipped = skipped;
        }
        HeadState::Not(Outcome::NoTable) => {
            seen.no_table_sheets.push(grid.name.clone());
            out.rows_unrecognised +=
                unrecognised_rows(&grid, rel, &opts.schemas, &mut out.findings);
        }
        HeadState::Not(_) | HeadState::Pending => {}
    }
    if opts.keep_grids {
        let aside = opts.aside.as_deref().map(tempfile::TempDir::path);
        info.grid = Some(crate::aside::keep(grid, checked, aside));
    }
    out.sheets.push(info);
}

/// `from`'s items after `into`'s: moved whole into an empty `into` (a million records
/// copied took 50 ms).
fn move_after<T>(into: &mut Vec<T>, mut from: Vec<T>) {
    match into.is_empty() {
        true => *into = from,
        false => into.append(&mut from),
    }
}

/// The findings on the file as a whole: no table in any sheet, or tables with a header
/// only, and each sheet with content but no table.
fn file_findings(out: &mut FileOut, seen: Seen, rel: &str, schemas: &Schemas) {
    if !seen.any_table {
        let finding = no_table(schemas, &out.sheets);
        out.findings.push(finding.at_file(rel));
        return;
    }
    if !seen.any_data {
        out.findings
            .push(Finding::new(crate::codes::header_only()).at_file(rel));
    }
    for sheet in seen.no_table_sheets {
        out.findings.push(
            Finding::new(crate::codes::no_table_in_sheet(&sheet))
                .at_file(rel)
                .at_sheet(&sheet),
        );
    }
}

/// The finding for a file in which no sheet holds a recognised table: its sheets, the
/// tables looked for and the main table's first required fields.
fn no_table(schemas: &Schemas, sheets: &[SheetInfo]) -> Finding {
    let sheet_list = sheets
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let tables = schemas
        .tables
        .iter()
        .map(|t| t.table.label.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let tables_en = schemas
        .tables
        .iter()
        .map(|t| t.table.label_en.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let labels = schemas
        .table(schemas.campaign.main())
        .fields
        .iter()
        .filter(|f| f.required)
        .take(2)
        .map(|f| format!("“{}”", f.label))
        .collect::<String>();
    Finding::new(crate::codes::no_table(
        tables,
        tables_en,
        &sheet_list,
        recognise::HEADER_SEARCH_ROWS,
        labels,
    ))
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
            Finding::new(crate::codes::row_not_imported(
                &grid.name,
                &why_zh,
                recognise::HEADER_SEARCH_ROWS,
            ))
            .at_file(rel)
            .at_sheet(&grid.name)
            .at_cell(r.idx, first)
            .value(&crate::text::truncate_chars(&shown, 60)),
        );
    }
    if rows.len() > UNRECOGNISED_ROW_FINDINGS {
        let rest = rows.len() - UNRECOGNISED_ROW_FINDINGS;
        let (first_rest, last_rest) = (
            rows[UNRECOGNISED_ROW_FINDINGS].idx + 1,
            rows[rows.len() - 1].idx + 1,
        );
        findings.push(
            Finding::new(crate::codes::rows_not_imported(
                &grid.name, rest, first_rest, last_rest,
            ))
            .at_file(rel)
            .at_sheet(&grid.name),
        );
    }
    rows.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{Merge, Piece, Raw};

    fn opts() -> Options {
        Options {
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            ..Options::new(Schemas::shipped().unwrap())
        }
    }

    /// A row of table `table`'s field labels at `idx`.
    fn labels(schemas: &Schemas, table: usize, idx: u32) -> GridRow {
        let fields = &schemas.tables[table].fields;
        GridRow {
            idx,
            cells: fields
                .iter()
                .map(|f| Raw::Text(f.label.as_str().into()))
                .collect(),
        }
    }

    /// A data row of `width` cells at `idx`, column 1 left empty unless `column_1_filled`.
    fn data(idx: u32, width: usize, column_1_filled: bool) -> GridRow {
        let cells = (0..width).map(|c| match c {
            1 if !column_1_filled => Raw::Empty,
            1 => Raw::Text("merged".into()),
            _ => Raw::Text(format!("v{idx}-{c}").into()),
        });
        GridRow {
            idx,
            cells: cells.collect(),
        }
    }

    /// A sheet of the main table, and a block of the second table under it from row 37
    /// on (a title, its header, two rows).
    fn sheet_with_block(schemas: &Schemas) -> Grid {
        let width = schemas.tables[0].fields.len();
        let mut rows = vec![labels(schemas, 0, 0)];
        rows.extend((1..36).map(|i| data(i, width, true)));
        rows.push(GridRow::texts(37, &["T"]));
        rows.push(labels(schemas, 1, 38));
        let other = schemas.tables[1].fields.len();
        rows.extend((39..41).map(|i| data(i, other, true)));
        Grid {
            name: "B".into(),
            rows,
            merges_known: true,
            width: width as u32,
            ..Default::default()
        }
    }

    /// The first row of the region merged down column 1 of `long_sheet`.
    const MERGE_TOP: u32 = recognise::HEAD_ROWS - 5;

    /// A sheet of the main table long enough to be checked before it ends, a region
    /// merged down column 1 from `MERGE_TOP` over 15 rows.
    fn long_sheet(schemas: &Schemas) -> Grid {
        let width = schemas.tables[0].fields.len();
        let mut rows = vec![labels(schemas, 0, 0)];
        let merged = MERGE_TOP + 1..=MERGE_TOP + 15;
        rows.extend((1..recognise::HEAD_ROWS + 30).map(|i| data(i, width, !merged.contains(&i))));
        Grid {
            name: "L".into(),
            rows,
            merges: vec![Merge {
                r0: MERGE_TOP,
                c0: 1,
                r1: MERGE_TOP + 15,
                c1: 1,
            }],
            merges_known: true,
            width: width as u32,
            ..Default::default()
        }
    }

    /// Everything a file's processing gives, as comparable text, the kept rows among it.
    fn summary(out: &FileOut) -> Vec<String> {
        let mut lines = vec![format!("{:?}", out.rows_read)];
        lines.extend(out.findings.iter().map(|x| format!("{x:?}")));
        lines.extend(out.changes.iter().map(|x| format!("{x:?}")));
        for sheet in &out.sheets {
            let kept = crate::aside::load(sheet.grid.as_ref().unwrap()).unwrap();
            lines.push(format!(
                "{:?} {:?} {} {:?} {:?}",
                sheet.table, sheet.header, sheet.data_rows, sheet.skipped, kept.rows
            ));
        }
        lines
    }

    #[test]
    fn rows_checked_batch_by_batch_give_what_the_whole_sheet_gives() {
        let o = opts();
        let end = |grid: &Grid| Piece::End {
            width: grid.width,
            merges: None,
            findings: vec![],
        };
        let input = InputFile {
            path: "x.xlsx".into(),
            rel: "x.xlsx".into(),
        };
        let read = |pieces| process_pieces(0, &input, &o, (pieces, false), || Ok("xlsx"));
        let (block, long) = (sheet_with_block(&o.schemas), long_sheet(&o.schemas));
        let whole = read(vec![
            Piece::Sheet(block.clone()),
            end(&block),
            Piece::Sheet(long.clone()),
            end(&long),
        ]);
        // The long sheet's rows checked once its header block is in, the merged region's
        // first row among them, before the rest of the region arrives.
        let mut first = long.clone();
        let rest = first.rows.split_off(recognise::HEAD_ROWS as usize + 1);
        let batched = read(vec![
            Piece::Sheet(block.clone()),
            end(&block),
            Piece::Sheet(first),
            Piece::Rows {
                rows: rest,
                width: long.width,
            },
            end(&long),
        ]);
        assert_eq!(summary(&whole), summary(&batched));
        // The rows under the merge's first filled from it; the block split off.
        let filled = batched
            .changes
            .iter()
            .filter(|c| c.col == 1 && c.old.is_empty());
        let rows: Vec<u32> = filled.map(|c| c.row).collect();
        assert_eq!(rows, (MERGE_TOP + 1..=MERGE_TOP + 15).collect::<Vec<_>>());
        let tables: Vec<_> = batched
            .sheets
            .iter()
            .map(|s| (s.table, s.data_rows))
            .collect();
        let table = |t: u8| Some(crate::model::TableId(t));
        assert_eq!(tables, vec![(table(0), 35), (table(1), 2), (table(0), 282)]);
        let kept = crate::aside::load(batched.sheets[2].grid.as_ref().unwrap()).unwrap();
        assert_eq!(kept.rows.len(), long.rows.len());
        let last_filled = &kept.rows[MERGE_TOP as usize + 15];
        assert_eq!(last_filled.get(1), &Raw::Text("merged".into()));
    }
}
