//! annotated/: for each input file, an .xlsx copy of its sheets' values (title and merged
//! header kept) where each finding's cell is filled (red for error, yellow for warning)
//! and carries a note with the message and suggestion, plus a 问题清单 sheet listing that
//! file's findings. This is what goes back to the village.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format, Note, Worksheet};

use super::atomic::write_atomically;
use super::findings_table::{
    finding_cells, finding_widths, severity_word, write_findings, FINDING_HEADERS,
};
use super::folders::{copy_names, ANNOTATED};
use super::names::{sheet_name, Unique};
use super::patch::{Mark, Paint, Patch};
use super::styles::Styles;
use super::workbook::{fit, new_workbook, save_xlsx, text_width, MAX_ROWS};
use super::writer::Writer;
use crate::cells::date::date_to_serial;
use crate::finding::{Finding, Lang};
use crate::model::Run;
use crate::read::{Grid, Merge, Raw};
use crate::rules::words::Words;
use crate::schema::Schemas;

fn write_raw(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: &Raw,
    fmt: Option<&Format>,
    date_fmt: &Format,
) -> Result<()> {
    // No format object is built per cell: plain cells are written without one.
    match (v, fmt) {
        (Raw::Empty, Some(f)) => {
            ws.write_blank(r, c, f)?;
        }
        (Raw::Empty, None) => {}
        (Raw::Num(x), Some(f)) => {
            ws.write_number_with_format(r, c, *x, f)?;
        }
        (Raw::Num(x), None) => {
            ws.write_number(r, c, *x)?;
        }
        (Raw::Date { date: Some(d), .. }, Some(f)) => {
            ws.write_number_with_format(
                r,
                c,
                date_to_serial(*d),
                &f.clone().set_num_format("yyyy-mm-dd"),
            )?;
        }
        (Raw::Date { date: Some(d), .. }, None) => {
            ws.write_number_with_format(r, c, date_to_serial(*d), date_fmt)?;
        }
        (Raw::Text(s), None) => {
            ws.write_string(r, c, fit(s))?;
        }
        (Raw::Text(s), Some(f)) => {
            ws.write_string_with_format(r, c, fit(s), f)?;
        }
        (other, Some(f)) => {
            ws.write_string_with_format(r, c, fit(&other.display()), f)?;
        }
        (other, None) => {
            ws.write_string(r, c, fit(&other.display()))?;
        }
    }
    Ok(())
}

/// The grid row with this 0-based index (rows are sorted by index).
fn row_at(g: &Grid, idx: u32) -> Option<&crate::read::GridRow> {
    g.rows
        .binary_search_by_key(&idx, |r| r.idx)
        .ok()
        .map(|i| &g.rows[i])
}

/// Widths that show each column's values whole (from its first rows, at most 50 wide),
/// and text format on the columns that hold codes, ID numbers and phones, so that what a
/// village types there next stays text. Long text wraps rather than spill over a
/// neighbour (a marked empty cell must not look filled).
fn column_setup(ws: &mut Worksheet, g: &Grid, text_cols: &[u32]) -> Result<f64> {
    const CAP: f64 = 50.0;
    let mut w: Vec<f64> = vec![0.0; g.width.min(16384) as usize];
    for row in g.rows.iter().take(2000) {
        for (c, v) in row.cells.iter().enumerate().take(w.len()) {
            w[c] = w[c].max(text_width(&v.display()));
        }
    }
    let text = Format::new().set_num_format("@");
    for (c, x) in w.iter().enumerate() {
        let width = (x + 2.0).clamp(6.0, CAP);
        if text_cols.contains(&(c as u32)) {
            ws.set_column_format(c as u16, &text)?;
        }
        ws.set_column_width(c as u16, width)?;
    }
    Ok(CAP)
}

#[allow(clippy::too_many_arguments)]
fn sheet_copy(
    ws: &mut Worksheet,
    g: &Grid,
    text_cols: &[u32],
    findings: &[&Finding],
    lang: Lang,
    st: &Styles,
    words: &Words,
) -> Result<()> {
    let cap = column_setup(ws, g, text_cols)?;
    let wrap = Format::new().set_text_wrap();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let center = Format::new().set_align(rust_xlsxwriter::FormatAlign::Center);
    let max_row = MAX_ROWS - 1;
    // Cell → findings on it; row-level findings without a column mark column A.
    let mut at: BTreeMap<(u32, u32), Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        if let Some(r) = f.row {
            at.entry((r, f.col.unwrap_or(0))).or_default().push(f);
        }
    }
    let merges = kept_merges(g, max_row);
    // The merges covering the row being written (rows are written in order).
    let mut live: Vec<Merge> = Vec::new();
    // Constant memory: every row is written once, in order.
    let mut rows: Vec<u32> = g
        .rows
        .iter()
        .map(|r| r.idx)
        .chain(at.keys().map(|k| k.0))
        .chain(merges.iter().map(|m| m.r0))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    let mut next_merge = 0;
    for r in rows.into_iter().filter(|&r| r <= max_row) {
        live.retain(|m| m.r1 >= r);
        // Merges that began on rows with nothing written are still live here.
        while next_merge < merges.len() && merges[next_merge].r0 < r {
            live.push(merges[next_merge]);
            next_merge += 1;
        }
        while next_merge < merges.len() && merges[next_merge].r0 == r {
            let m = merges[next_merge];
            live.push(m);
            let text = row_at(g, m.r0)
                .map(|x| x.get(m.c0).display())
                .unwrap_or_default();
            ws.merge_range(m.r0, m.c0 as u16, m.r1, m.c1 as u16, &fit(&text), &center)?;
            next_merge += 1;
        }
        let covered = |c: u32| live.iter().any(|m| c >= m.c0 && c <= m.c1);
        let row = row_at(g, r);
        let width = row.map(|x| x.cells.len() as u32).unwrap_or(0);
        let marked = at
            .range((r, 0)..(r + 1, 0))
            .map(|((_, c), _)| *c + 1)
            .max()
            .unwrap_or(0);
        for c in 0..width.max(marked).min(16384) {
            let v = row.map(|x| x.get(c)).cloned().unwrap_or_default();
            match at.get(&(r, c)) {
                None => {
                    if !v.is_empty() && !covered(c) {
                        let long = matches!(&v, Raw::Text(t) if text_width(t) > cap);
                        write_raw(ws, r, c as u16, &v, long.then_some(&wrap), &date_fmt)?;
                    }
                }
                Some(fs) => {
                    let fmt = match paint_of(fs) {
                        Paint::Error => &st.error,
                        Paint::Held => &st.held,
                        Paint::Warning => &st.warning,
                    };
                    if !covered(c) {
                        write_raw(ws, r, c as u16, &v, Some(fmt), &date_fmt)?;
                    }
                    let note = Note::new(note_text(fs, lang, words))
                        .set_author("selfbuilt")
                        .set_width(360)
                        .set_height(160);
                    ws.insert_note(r, c as u16, &note)?;
                }
            }
        }
    }
    Ok(())
}

/// How a cell with these findings is painted: an error to fix, a cell held back only
/// because of another row (no error to fix), else a warning.
fn paint_of(fs: &[&Finding]) -> Paint {
    if fs.iter().any(|f| f.must_fix()) {
        Paint::Error
    } else if fs.iter().all(|f| f.knock_on) {
        Paint::Held
    } else {
        Paint::Warning
    }
}

/// The merges of a sheet that are written: those that fit the sheet (rows up to
/// `max_row`) and overlap no earlier one, by first row; a merge over a vast empty area
/// (a bomb: A1:XFD1048576) is dropped, since the writer fills every cell of a merge.
/// Time and memory go with the number of merges, not their area.
fn kept_merges(g: &Grid, max_row: u32) -> Vec<Merge> {
    const MAX_MERGE_CELLS: u64 = 1 << 16;
    const MAX_MERGED_CELLS: u64 = 1 << 22;
    let mut cands: Vec<Merge> = g
        .merges
        .iter()
        .copied()
        .filter(|m| {
            let single = m.r0 == m.r1 && m.c0 == m.c1;
            let fits = m.c1 <= 16383 && m.r1 <= max_row && m.r0 <= m.r1 && m.c0 <= m.c1;
            !single && fits && area(m) <= MAX_MERGE_CELLS
        })
        .collect();
    cands.sort_by_key(|m| (m.r0, m.c0));
    let mut merges: Vec<Merge> = Vec::new();
    let mut active: Vec<Merge> = Vec::new();
    let mut total: u64 = 0;
    for m in cands {
        active.retain(|o| o.r1 >= m.r0);
        let overlaps = active.iter().any(|o| m.c0 <= o.c1 && o.c0 <= m.c1);
        if !overlaps && total + area(&m) <= MAX_MERGED_CELLS {
            total += area(&m);
            active.push(m);
            merges.push(m);
        }
    }
    merges
}

/// A marked cell's note: each finding on it, its rule in words, message and suggestion.
fn note_text(fs: &[&Finding], lang: Lang, words: &Words) -> String {
    let text: Vec<String> = fs
        .iter()
        .map(|f| {
            let sev = severity_word(f, lang);
            let field = if f.field.is_empty() {
                String::new()
            } else {
                format!("（{}）", words.field(&f.field, lang))
            };
            format!(
                "【{sev} {}】{field}{}\n{}{}",
                words.code_and_title(&f.code),
                f.message(lang),
                if lang == Lang::En {
                    "Fix: "
                } else {
                    "建议："
                },
                f.suggestion(lang)
            )
        })
        .collect();
    text.join("\n").chars().take(4000).collect()
}

/// The patch that makes an xlsx input its own annotated copy: its findings as marks and
/// notes, and the 问题清单.
fn patch_of<'a>(mine: &'a [&Finding], lang: Lang, words: &Words) -> Patch<'a> {
    let mut on: std::collections::HashMap<&str, BTreeMap<(u32, u32), Vec<&Finding>>> =
        std::collections::HashMap::new();
    for f in mine {
        if let Some(r) = f.row {
            on.entry(f.sheet.as_str())
                .or_default()
                .entry((r, f.col.unwrap_or(0)))
                .or_default()
                .push(f);
        }
    }
    let marks = on
        .into_iter()
        .map(|(sheet, cells)| {
            let cells = cells
                .into_iter()
                .map(|(at, fs)| {
                    (
                        at,
                        Mark {
                            severity: paint_of(&fs),
                            note: note_text(&fs, lang, words),
                        },
                    )
                })
                .collect();
            (sheet, cells)
        })
        .collect();
    let mut list = vec![FINDING_HEADERS
        .iter()
        .map(|h| h.to_string())
        .collect::<Vec<_>>()];
    list.extend(
        mine.iter()
            .take((MAX_ROWS - 2) as usize)
            .map(|f| finding_cells(f, lang, words).to_vec()),
    );
    Patch {
        marks,
        list_name: "问题清单".into(),
        list,
        list_widths: finding_widths().to_vec(),
    }
}

/// How many cells a merged region spans.
fn area(m: &Merge) -> u64 {
    (u64::from(m.r1 - m.r0) + 1) * (u64::from(m.c1 - m.c0) + 1)
}

/// annotated/, as the registry writes it.
pub const WRITER: Writer = Writer {
    name: ANNOTATED,
    is_folder: true,
    write: |c, dir| write_all(c.run, c.schemas, &c.words, dir, c.lang, &c.tmp),
};

/// Writes annotated/: a copy of each input file with every finding's cell painted and
/// noted, and a 问题清单 sheet listing the file's findings.
pub fn write_all(
    run: &Run,
    schemas: &Schemas,
    words: &Words,
    dir: &Path,
    lang: Lang,
    tmp: &Path,
) -> Result<()> {
    use rayon::prelude::*;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let st = Styles::new();
    // Names first (they must not collide), then the files on every core.
    let file_names = copy_names(run);
    let mut by_file: std::collections::HashMap<&str, Vec<&Finding>> =
        std::collections::HashMap::new();
    for f in &run.findings {
        by_file.entry(f.file.as_str()).or_default().push(f);
    }
    run.files
        .par_iter()
        .enumerate()
        .try_for_each(|(i, f)| -> Result<()> {
            let mine: &[&Finding] = by_file
                .get(run.rel[i].as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let target = dir.join(&file_names[i]);
            if mine.is_empty() && is_plain_xlsx(f) {
                // Nothing to mark: the village's own workbook, byte for byte, is the copy
                // (its formatting kept, and no second write of every cell). When the input
                // cannot be copied any more (moved away during the run), the copy is
                // written afresh from what was read, below.
                let copied = write_atomically(&target, |tmp| {
                    std::fs::copy(&f.input.path, tmp)
                        .map(|_| ())
                        .with_context(|| format!("cannot copy {}", f.input.path.display()))
                });
                if copied.is_ok() {
                    return Ok(());
                }
            }
            if is_plain_xlsx(f) {
                // The village's own package with the marks patched in; when it cannot be
                // patched safely, the copy is written afresh below.
                let patch = patch_of(mine, lang, words);
                let patched = write_atomically(&target, |tmp| {
                    super::patch::annotate(&f.input.path, tmp, &patch)
                });
                if patched.is_ok() {
                    return Ok(());
                }
            }
            let fresh = || -> Result<()> {
                let cells = f
                    .sheets
                    .iter()
                    .filter_map(|s| s.grid.as_ref())
                    .map(crate::model::KeptGrid::cells)
                    .max()
                    .unwrap_or(0)
                    .max(mine.len() as u64 * 8);
                let mut wb = new_workbook(tmp, cells)?;
                let mut used = Unique::default();
                // 问题清单 first so that the village sees it when opening.
                let ws = wb.add_worksheet_with_constant_memory()?;
                ws.set_name(sheet_name("问题清单", &mut used))?;
                write_findings(ws, mine, lang, &st, words)?;
                for s in &f.sheets {
                    let Some(kept) = &s.grid else { continue };
                    // A sheet written aside is read back now, one at a time.
                    let g = crate::aside::load(kept)?;
                    let ws = wb.add_worksheet_with_constant_memory()?;
                    let label = if s.name.is_empty() {
                        "数据".to_string()
                    } else {
                        s.name.clone()
                    };
                    ws.set_name(sheet_name(&label, &mut used))?;
                    let on: Vec<&Finding> =
                        mine.iter().copied().filter(|x| x.sheet == s.name).collect();
                    // Columns holding codes, ID numbers and phones, by the fields they were
                    // recognised as.
                    let text_cols: Vec<u32> = s
                        .table
                        .map(|t| {
                            let fields = &schemas.table(t).fields;
                            s.columns
                                .iter()
                                .filter(|c| {
                                    c.field
                                        .and_then(|i| fields.get(i))
                                        .is_some_and(|f| f.ty.text_column())
                                })
                                .map(|c| c.col)
                                .collect()
                        })
                        .unwrap_or_default();
                    sheet_copy(ws, &g, &text_cols, &on, lang, &st, words)?;
                }
                save_xlsx(&mut wb, &target, run.day)
            };
            // A copy that cannot be written from the sheets read (a name or a cell the
            // writer refuses) is never the batch's end: the village still gets its list.
            fresh().or_else(|e| {
                let mut wb = new_workbook(tmp, mine.len() as u64 * 8)?;
                let ws = wb.add_worksheet_with_constant_memory()?;
                ws.set_name("问题清单")?;
                write_findings(ws, mine, lang, &st, words)?;
                save_xlsx(&mut wb, &target, run.day).map_err(|_| e)
            })
        })
}

/// An .xlsx workbook (not .xlsm, whose macros an .xlsx name would refuse) that was read
/// as one: it can stand as its own annotated copy.
fn is_plain_xlsx(f: &crate::model::FileOut) -> bool {
    f.format == "xlsx"
        && f.input
            .path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}
