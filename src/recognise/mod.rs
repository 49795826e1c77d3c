//! Table recognition, per sheet: find the header block (1–3 rows starting anywhere in
//! the first 50, after title and 填报单位 lines), build each column's label from its
//! parent and child header cells (merged regions applied), score every column against
//! every field from its header and its values (`score`), decide the table by the best
//! one-to-one assignment that covers a table's identity and enough of its fields, and find
//! the data rows, recording every skipped row (blank, 合计/小计, footer, 序号-only, repeated
//! header) with its reason. The sheet's name plays no part.

pub mod blocks;
pub mod content;
pub mod evidence;
pub mod score;

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::NaiveDate;

use crate::cells::Ctx;
use crate::finding::Finding;
use crate::read::{Grid, GridRow, Raw};
use crate::schema::{FieldType, Lexicon, Schemas, TableId, TableSchema};
use crate::text::{nfkc_nospace, norm_key};

/// How far down the header block may start.
pub const HEADER_SEARCH_ROWS: u32 = 50;
/// The most header rows a block may have.
pub const MAX_HEADER_ROWS: u32 = 3;

// The column and skipped-row records are the run's records (`model`), where every stage
// and writer reads them.
pub use crate::model::{Column, How, Skipped};

/// A table found on a sheet.
#[derive(Debug, Clone)]
pub struct Recognised {
    /// The table recognised.
    pub table: TableId,
    /// 0-based first and last header rows.
    pub header: (u32, u32),
    /// Each column and the field it maps to.
    pub columns: Vec<Column>,
    /// Positions in `grid.rows` of the data rows.
    pub data: Vec<usize>,
    /// Rows left out and why.
    pub skipped: Vec<Skipped>,
    /// Findings on the header and the columns (a required field missing …).
    pub findings: Vec<Finding>,
}

/// What a sheet holds.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A table we know, where it is and how its columns map.
    Table(Recognised),
    /// Nothing at all on the sheet.
    Empty,
    /// Something, but no table we know.
    NoTable,
}

/// The header cell text at (row, col), with merged regions applied.
struct HeaderView<'a> {
    grid: &'a Grid,
    rows: HashMap<u32, usize>,
}

impl<'a> HeaderView<'a> {
    fn new(grid: &'a Grid) -> Self {
        let limit = HEADER_SEARCH_ROWS + MAX_HEADER_ROWS;
        let rows = grid
            .rows
            .iter()
            .enumerate()
            .take_while(|(_, r)| r.idx < limit)
            .map(|(i, r)| (r.idx, i))
            .collect();
        HeaderView { grid, rows }
    }
    fn raw(&self, row: u32, col: u32) -> &Raw {
        static EMPTY: Raw = Raw::Empty;
        match self.rows.get(&row) {
            Some(&i) => self.grid.rows[i].get(col),
            None => &EMPTY,
        }
    }
    fn text(&self, row: u32, col: u32) -> String {
        for m in &self.grid.merges {
            if row >= m.r0 && row <= m.r1 && col >= m.c0 && col <= m.c1 {
                return cell_text(self.raw(m.r0, m.c0));
            }
        }
        cell_text(self.raw(row, col))
    }
}

fn cell_text(r: &Raw) -> String {
    match r {
        // As written (trimmed): labels are normalised only when they are looked up.
        Raw::Text(s) => crate::text::trim(s).to_string(),
        Raw::Empty => String::new(),
        other => other.display(),
    }
}

/// The labels of each column for a header block rows first..=last: parts from top to
/// bottom (empty ones dropped, repeats merged). Without merge information, an empty
/// upper cell under the same parent as its left neighbour takes that neighbour's text.
fn block_labels(v: &HeaderView, first: u32, last: u32, width: u32) -> Vec<Vec<String>> {
    let h = (last - first + 1) as usize;
    let mut grid: Vec<Vec<String>> = (first..=last)
        .map(|r| (0..width).map(|c| v.text(r, c)).collect())
        .collect();
    if !v.grid.merges_known {
        for i in 0..h.saturating_sub(1) {
            for c in 1..width as usize {
                if grid[i][c].is_empty() && !grid[i][c - 1].is_empty() {
                    let same_parent = (0..i).all(|k| grid[k][c] == grid[k][c - 1]);
                    // Only a parent spanning columns: the cell below must hold a child label.
                    if same_parent && !grid[i + 1][c].is_empty() {
                        grid[i][c] = grid[i][c - 1].clone();
                    }
                }
            }
        }
    }
    (0..width as usize)
        .map(|c| {
            let mut parts: Vec<String> = Vec::new();
            for row in grid.iter() {
                let t = &row[c];
                if !t.is_empty() && parts.last() != Some(t) {
                    parts.push(t.clone());
                }
            }
            parts
        })
        .collect()
}

/// Header fits already worked out on this sheet, per table and column label parts. The
/// header search scores every candidate block (50 start rows × 3 heights × every table)
/// and meets the same cell texts again and again.
#[derive(Default)]
struct FitMemo(RefCell<HashMap<(usize, String), Vec<score::HeaderFit>>>);

impl FitMemo {
    fn fits(
        &self,
        ti: usize,
        t: &TableSchema,
        parts: &[String],
        lex: &Lexicon,
    ) -> Vec<score::HeaderFit> {
        let key = (ti, parts.join("\u{1}"));
        if let Some(v) = self.0.borrow().get(&key) {
            return v.clone();
        }
        let text = score::HeaderText::new(parts, lex);
        let places = score::concept_places(t, &text);
        let v: Vec<score::HeaderFit> = (0..t.fields.len())
            .map(|fi| score::score_text_in(t, fi, &text, lex, &places))
            .collect();
        self.0.borrow_mut().insert(key, v.clone());
        v
    }
}

fn is_marker(list: &[String], s: &str) -> bool {
    let k = norm_key(s);
    list.iter().any(|m| norm_key(m) == k)
}

/// The least header score that counts when a block is measured.
const HEADER_FLOOR: f64 = 0.5;
/// The least total score (header + content) that maps a column.
pub const ASSIGN_FLOOR: f64 = 0.5;
/// Below this total, or this close to a rival, a mapping is a warning.
const SURE: f64 = 0.85;
/// What a column's values add when they fit one field of the table more tellingly than
/// any other (`content::specific`).
const SPECIFIC: f64 = 0.35;
/// What the table a header block's wording names first is worth when tables compete for
/// the block by how well they explain its columns: one whole column.
const HEADER_CHOICE: f64 = 1.0;
/// What a parent header naming a field is worth to each column under it: context.
const PARENT_CONTEXT: f64 = 0.45;
const MARGIN: f64 = 0.1;

/// Score of a header block for a table from the headers alone: the best one-to-one
/// assignment's total, its identity fields covered and enough fields found.
fn block_score(
    ti: usize,
    t: &TableSchema,
    labels: &[Vec<String>],
    memo: &FitMemo,
    lex: &Lexicon,
) -> f64 {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (c, parts) in labels.iter().enumerate() {
        if parts.is_empty() {
            continue;
        }
        for (fi, h) in memo.fits(ti, t, parts, lex).iter().enumerate() {
            if h.score >= HEADER_FLOOR {
                pairs.push((h.score, c, fi));
            }
        }
    }
    let picked = greedy(&mut pairs, labels.len(), t.fields.len());
    let mut seen = vec![false; t.fields.len()];
    let mut total = 0.0;
    for &(s, _, fi) in &picked {
        seen[fi] = true;
        total += s;
        if t.fields[fi].required {
            total += 0.01;
        }
    }
    let n = picked.len();
    let named = |k: &String| t.field_index(k).is_some_and(|i| seen[i]);
    let id_ok = if t.table.identity_any {
        t.table.identity.iter().any(named)
    } else {
        t.table.identity.iter().all(named)
    };
    let enough = n >= 3.min(t.fields.len());
    if !id_ok || !enough {
        return 0.0;
    }
    total
}

/// How many different texts a row shows (merged cells once).
fn distinct_texts(view: &HeaderView, row: u32, width: u32) -> usize {
    let mut texts: Vec<String> = (0..width)
        .map(|c| view.text(row, c))
        .filter(|x| !x.is_empty())
        .collect();
    texts.dedup();
    texts.len()
}

/// A "填报单位：… 填报日期：…" line above the header (the lexicon's `fill_line_markers`):
/// a cell holding a marker, on a row of a few texts or in a cell that goes on after a
/// colon. A header row of many fields is none even when one of its columns is 填报日期.
fn is_fill_line(view: &HeaderView, row: u32, width: u32, lex: &Lexicon) -> bool {
    let mut marked = false;
    for c in 0..width {
        let t = nfkc_nospace(&view.text(row, c));
        if t.is_empty()
            || !lex
                .fill_line_markers
                .iter()
                .any(|m| t.contains(nfkc_nospace(m).as_str()))
        {
            continue;
        }
        if t.contains(':') {
            return true;
        }
        marked = true;
    }
    // Only then count the row's texts (a header row has many).
    marked && distinct_texts(view, row, width) <= 4
}

/// One-to-one by best score first: (score, column, field) → the pairs kept.
fn greedy(
    pairs: &mut [(f64, usize, usize)],
    cols: usize,
    fields: usize,
) -> Vec<(f64, usize, usize)> {
    // Best first; on equal scores the leftmost column, then the first field.
    pairs.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    let mut col_used = vec![false; cols];
    let mut field_used = vec![false; fields];
    let mut out = Vec::new();
    for &(s, c, f) in pairs.iter() {
        if !col_used[c] && !field_used[f] {
            col_used[c] = true;
            field_used[f] = true;
            out.push((s, c, f));
        }
    }
    out
}

/// The header rows a table's header may use, and enough rows below them to sample the
/// columns' values: every row below can be read as data as soon as these are in.
pub const HEAD_ROWS: u32 = HEADER_SEARCH_ROWS + MAX_HEADER_ROWS + content::SAMPLE_ROWS as u32;

/// A sheet's header block and what its columns map to.
#[derive(Debug, Clone)]
pub struct Head {
    /// The table recognised.
    pub table: TableId,
    /// 0-based first and last header rows.
    pub header: (u32, u32),
    /// Each column and the field it maps to.
    pub columns: Vec<Column>,
    /// Findings on the header and the columns.
    pub findings: Vec<Finding>,
    /// Each column's label parts.
    labels: Vec<Vec<String>>,
}

/// Recognise the table on one sheet: `recognise_head`, then every row classified.
pub fn recognise(grid: &Grid, schemas: &Schemas, file: &str, today: NaiveDate) -> Outcome {
    let head = match recognise_head(grid, schemas, file, today) {
        Ok(h) => h,
        Err(o) => return o,
    };
    let rows = RowKinds::new(&head, schemas);
    let mut data = Vec::new();
    let mut skipped = Vec::new();
    for (pos, row) in grid.rows.iter().enumerate() {
        match rows.classify(row) {
            RowKind::Header => {}
            RowKind::Data => data.push(pos),
            RowKind::Skip(reason) => skipped.push(Skipped {
                row: row.idx,
                reason: reason.to_string(),
            }),
        }
    }
    let skipped = with_blank_rows(grid, head.header.1, &data, skipped);
    Outcome::Table(Recognised {
        table: head.table,
        header: head.header,
        columns: head.columns,
        data,
        skipped,
        findings: head.findings,
    })
}

/// Recognise a sheet's header block. Only rows below `HEAD_ROWS` are looked at, so a sheet
/// being read can be recognised once those are in. `Err` says the sheet holds no table.
pub fn recognise_head(
    grid: &Grid,
    schemas: &Schemas,
    file: &str,
    today: NaiveDate,
) -> Result<Head, Outcome> {
    if grid.rows.is_empty() {
        return Err(Outcome::Empty);
    }
    let lex = &schemas.lexicon;
    let view = HeaderView::new(grid);
    let memo = FitMemo::default();
    let width = grid.width;
    // Find the best block: a row that holds at least two texts may start one.
    let mut best: Option<(f64, u32, u32, usize)> = None;
    let top_rows: Vec<u32> = grid
        .rows
        .iter()
        .take_while(|r| r.idx < HEADER_SEARCH_ROWS)
        .filter(|r| {
            r.cells.iter().filter(|c| matches!(c, Raw::Text(_))).count() >= 2
                || !grid.merges.is_empty()
        })
        .map(|r| r.idx)
        .collect();
    for &first in &top_rows {
        // Data starts below the first table's header: a block starting further down is
        // its data (or a repeated header), not a better header.
        if best.is_some_and(|(_, bf, _, _)| first > bf + MAX_HEADER_ROWS) {
            break;
        }
        if is_fill_line(&view, first, width, lex) {
            continue;
        }
        for h in 1..=MAX_HEADER_ROWS {
            let last = first + h - 1;
            // Every row of a block is a header row: no fill-in line, and above the lowest
            // one, parent rows with at least two labels (a title across the sheet is none).
            if (first + 1..=last).any(|r| is_fill_line(&view, r, width, lex))
                || (first..last).any(|r| distinct_texts(&view, r, width) < 2)
            {
                break;
            }
            let labels = block_labels(&view, first, last, width);
            for (ti, t) in schemas.tables.iter().enumerate() {
                let s = block_score(ti, t, &labels, &memo, lex);
                if s <= 0.0 {
                    continue;
                }
                let better = match best {
                    None => true,
                    Some((bs, bf, bl, _)) => {
                        s > bs + 1e-9 || ((s - bs).abs() < 1e-9 && (last - first) < (bl - bf))
                    }
                };
                if better {
                    best = Some((s, first, last, ti));
                }
            }
        }
    }
    let ctx = Ctx {
        lexicon: lex,
        today,
    };
    // The block and the tables whose headers it names; without any, the block the data
    // itself shows (`content::content_block`), open to every table.
    let (first, last, mut candidates) = match best {
        Some((best_score, mut first, mut last, ti)) => {
            let t = &schemas.tables[ti];
            // A row of child labels under parents merged across columns belongs to the
            // header, even when the parent alone scores better (a 用途 over two columns
            // whose children name no field).
            while last - first + 1 < MAX_HEADER_ROWS {
                let below = last + 1;
                let cells: Vec<u32> = (0..width)
                    .filter(|&c| matches!(view.raw(below, c), Raw::Text(x) if !x.trim().is_empty()))
                    .collect();
                let under_parents = !cells.is_empty()
                    && cells.iter().all(|&c| {
                        score::header_like(&view.text(below, c))
                            && grid.merges.iter().any(|m| {
                                m.r0 <= last
                                    && m.r1 == last
                                    && m.c1 > m.c0
                                    && m.c0 <= c
                                    && c <= m.c1
                            })
                    });
                if !under_parents {
                    break;
                }
                last = below;
            }
            // A parent row above the block (several distinct group labels, as "房屋位置",
            // "户主信息") belongs to the header even when it adds no field: extend the
            // block over it.
            while first > 0 && last - first + 1 < MAX_HEADER_ROWS {
                let above = first - 1;
                if distinct_texts(&view, above, width) < 2
                    || is_fill_line(&view, above, width, lex)
                    || block_score(ti, t, &block_labels(&view, above, last, width), &memo, lex)
                        < best_score
                {
                    break;
                }
                first = above;
            }
            let labels = block_labels(&view, first, last, width);
            let named: Vec<usize> = (0..schemas.tables.len())
                .filter(|&tj| {
                    tj == ti || block_score(tj, &schemas.tables[tj], &labels, &memo, lex) > 0.0
                })
                .collect();
            (first, last, named)
        }
        None => {
            let header_row = |r: u32| {
                distinct_texts(&view, r, width) >= 2 && !is_fill_line(&view, r, width, lex)
            };
            let (first, last) = content::content_block(
                grid,
                schemas,
                &ctx,
                HEADER_SEARCH_ROWS + MAX_HEADER_ROWS,
                MAX_HEADER_ROWS,
                &header_row,
            )
            .ok_or(Outcome::NoTable)?;
            (first, last, Vec::new())
        }
    };
    // A header cell merged down past the block's last row (a label over two rows beside
    // a parent and its children): the rows it covers are header rows, never data.
    let mut last = last;
    while let Some(r1) = grid
        .merges
        .iter()
        .filter(|m| m.r0 >= first && m.r0 <= last && m.r1 > last)
        .map(|m| m.r1)
        .max()
    {
        if r1 - first + 1 > MAX_HEADER_ROWS {
            break;
        }
        last = r1;
    }
    let labels = block_labels(&view, first, last, width);
    let rows = content::sample_rows(grid, last, lex);
    let samples = content::samples(&rows, width, lex);
    // Tables whose anchor (a building code, a hazard code) the data holds compete too: a
    // sheet is the table whose identity its content holds.
    for (tj, t) in schemas.tables.iter().enumerate() {
        if !candidates.contains(&tj) && content::anchored(t, &samples, &ctx) {
            candidates.push(tj);
        }
    }
    // The table whose header wording won keeps its place unless another explains at least
    // one column more.
    let header_choice = best.map(|(_, _, _, ti)| ti);
    // The named table first: when it leaves no column with values unexplained, no other
    // table can explain one more, and the others need not be tried.
    candidates.sort_by_key(|&tj| Some(tj) != header_choice);
    let mut pick: Option<(f64, usize, Vec<Column>)> = None;
    for &tj in &candidates {
        if let Some((_, ti, cols)) = &pick {
            let settled = Some(*ti) == header_choice
                && cols.iter().all(|c| {
                    c.how != How::Unmapped
                        || samples.get(c.col as usize).is_none_or(|v| v.is_empty())
                });
            if settled {
                break;
            }
        }
        let t = &schemas.tables[tj];
        let mut columns = assign(t, tj, &labels, &samples, &memo, &ctx);
        evidence::settle(t, &mut columns, &rows, &samples, &ctx);
        let Some(mut s) = table_fit(t, &columns) else {
            continue;
        };
        if header_choice == Some(tj) {
            s += HEADER_CHOICE;
        }
        if pick.as_ref().is_none_or(|(b, _, _)| s > *b + 1e-9) {
            pick = Some((s, tj, columns));
        }
    }
    let Some((_, ti, assigned)) = pick else {
        return Err(Outcome::NoTable);
    };
    let t = &schemas.tables[ti];
    let kind = t.id;
    let mk = |said: crate::finding::Said| Finding::new(said).at_file(file).at_sheet(&grid.name);
    let mut findings = Vec::new();
    let mut taken: Vec<Option<u32>> = vec![None; t.fields.len()];
    for c in &assigned {
        if let Some(f) = c.field {
            taken[f] = Some(c.col);
        }
    }
    for c in &assigned {
        let header = &c.header;
        match (c.how, c.field) {
            (How::Duplicate, _) => {
                let f = c.candidates.first().map(|x| x.0).unwrap_or(0);
                findings.push(
                    mk(crate::codes::duplicate_column(
                        header,
                        crate::text::col_letters(taken[f].unwrap_or(0)),
                        &t.fields[f].label,
                        &t.fields[f].key,
                    ))
                    .at_cell(first, Some(c.col))
                    .field(&t.fields[f].key)
                    .value(header),
                );
            }
            (How::Guess, Some(f)) if c.weak => {
                let others: Vec<String> = c
                    .candidates
                    .iter()
                    .filter(|x| x.0 != f)
                    .take(2)
                    .map(|x| format!("{}（{:.2}）", t.fields[x.0].label, x.1))
                    .collect();
                let others_en: Vec<String> = c
                    .candidates
                    .iter()
                    .filter(|x| x.0 != f)
                    .take(2)
                    .map(|x| format!("{} ({:.2})", t.fields[x.0].key, x.1))
                    .collect();
                let (oz, oe) = if others.is_empty() {
                    (String::new(), String::new())
                } else {
                    (
                        format!("；其他可能：{}", others.join("、")),
                        format!("; other candidates: {}", others_en.join(", ")),
                    )
                };
                findings.push(
                    mk(crate::codes::guessed_column(
                        header,
                        &t.fields[f].label,
                        &t.fields[f].label_en,
                        &t.fields[f].key,
                        &c.evidence,
                        oz,
                        oe,
                    ))
                    .at_cell(last, Some(c.col))
                    .field(&t.fields[f].key)
                    .value(header),
                );
            }
            (How::Unmapped, None) => {
                let guess: Vec<String> = c
                    .candidates
                    .iter()
                    .take(2)
                    .map(|x| t.fields[x.0].label.clone())
                    .collect();
                let (gz, ge) = if guess.is_empty() {
                    (String::new(), String::new())
                } else {
                    (
                        format!("（最接近：{}）", guess.join("、")),
                        format!(" (closest: {})", guess.join(", ")),
                    )
                };
                findings.push(
                    mk(crate::codes::unmapped_column(
                        header,
                        &t.table.label,
                        &t.table.key,
                        gz,
                        ge,
                    ))
                    .at_cell(last, Some(c.col))
                    .value(header),
                );
            }
            _ => {}
        }
    }
    for (i, f) in t.fields.iter().enumerate() {
        if f.required && taken[i].is_none() {
            findings.push(
                mk(crate::codes::missing_column(
                    &t.table.label,
                    &t.table.key,
                    &f.label,
                    &f.key,
                ))
                .field(&f.key),
            );
        }
    }
    Ok(Head {
        table: kind,
        header: (first, last),
        columns: assigned,
        findings,
        labels,
    })
}

/// How well a table explains a block's columns once they are assigned: the mapped
/// columns' scores (1 for a label), less a little for each required field no column holds
/// (between two tables that explain the columns alike, the one they complete);
/// None when the table's identity is not held (by its header, or by content for its
/// anchors) or fewer than three fields are.
fn table_fit(t: &TableSchema, columns: &[Column]) -> Option<f64> {
    let mut held = vec![false; t.fields.len()];
    let mut total = 0.0;
    for c in columns {
        if let Some(f) = c.field {
            held[f] = true;
            total += if c.how == How::Label {
                1.0
            } else {
                c.score.min(1.0)
            };
        }
    }
    let has = |k: &String| t.field_index(k).is_some_and(|i| held[i]);
    let identity = if t.table.identity_any {
        t.table.identity.iter().any(has)
    } else {
        t.table.identity.iter().all(has)
    };
    let anchors = content::anchors(t);
    let anchored = !anchors.is_empty() && anchors.iter().all(|&i| held[i]);
    let n = held.iter().filter(|h| **h).count();
    if !(identity || anchored) || n < 3.min(t.fields.len()) {
        return None;
    }
    let missing = t
        .fields
        .iter()
        .zip(&held)
        .filter(|(f, h)| f.required && !**h)
        .count();
    Some(total - 0.05 * missing as f64)
}

/// Map the columns of a header block to fields, one to one: labels and aliases first
/// (leftmost wins, a repeat is a duplicate), then by best total of header and content
/// scores above `ASSIGN_FLOOR`.
fn assign(
    t: &TableSchema,
    ti: usize,
    labels: &[Vec<String>],
    samples: &[Vec<&Raw>],
    memo: &FitMemo,
    ctx: &Ctx,
) -> Vec<Column> {
    let lex = ctx.lexicon;
    let nf = t.fields.len();
    let mut columns: Vec<Column> = Vec::new();
    let mut taken = vec![false; nf];
    // (column position in `columns`, header fits) of columns left for scoring.
    let mut open: Vec<(usize, Vec<score::HeaderFit>)> = Vec::new();
    for (c, parts) in labels.iter().enumerate() {
        if parts.is_empty() {
            continue;
        }
        let header = parts.join("›");
        let leaf = parts.last().cloned().unwrap_or_default();
        let mut fits = memo.fits(ti, t, parts, lex);
        // The field whose label the lowest part is, if any.
        let mut exact = fits
            .iter()
            .enumerate()
            .filter(|(_, h)| h.how == score::HeaderHow::Label)
            .max_by(|a, b| {
                a.1.score
                    .partial_cmp(&b.1.score)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(b.0.cmp(&a.0))
            })
            .map(|(f, _)| f);
        // A label found only in a parent (用途 over a column naming the kind of business) is
        // context, never stronger than the column's own words and values: when the parent
        // spans several columns, or the column's own header says something else, it is
        // scored like the rest.
        if let Some(f) = exact {
            let own = fits
                .iter()
                .enumerate()
                .any(|(g, h)| g != f && h.how != score::HeaderHow::Label && h.score >= 0.6);
            let from_parent = fits[f].score < 1.0;
            if from_parent && (own || spans_columns(labels, parts)) {
                fits[f].score = if own { 0.6 } else { PARENT_CONTEXT };
                fits[f].how = score::HeaderHow::Similar(parts[0].clone());
                exact = None;
            }
        }
        let mut col = Column {
            col: c as u32,
            header,
            ..Column::default()
        };
        match exact {
            Some(f) if taken[f] => {
                col.how = How::Duplicate;
                col.candidates = vec![(f, 1.0)];
            }
            Some(f) => {
                taken[f] = true;
                col.field = Some(f);
                col.how = How::Label;
                col.evidence = score::header_words(&fits[f], &leaf, &t.fields[f].label);
            }
            None if is_marker(&lex.seq_labels, &leaf) => col.how = How::Seq,
            None if is_marker(&lex.note_labels, &leaf) => col.how = How::Note,
            // cleaned.xlsx's own 来源 columns: where the row came from, not a field.
            None if lex.provenance_labels.contains(&leaf) => col.how = How::Seq,
            None => open.push((columns.len(), fits)),
        }
        columns.push(col);
    }
    // A column whose header says nothing and whose values count 1, 2, 3 … is a 序号.
    open.retain(|(pos, fits)| {
        let c = columns[*pos].col as usize;
        let vals: &[&Raw] = samples.get(c).map(Vec::as_slice).unwrap_or(&[]);
        let mute = fits.iter().all(|h| h.score < 0.3);
        if mute && content::counts_up(vals) {
            columns[*pos].how = How::Seq;
            return false;
        }
        true
    });
    // Totals for the open columns against the fields still free, in rounds: a column left
    // over once others have taken their fields is scored again against those still free
    // (its values may now fit one of them alone).
    let mut totals: Vec<Vec<(f64, String)>> = vec![vec![(0.0, String::new()); nf]; open.len()];
    // Each open column's content fit per field, worked out once across the rounds.
    let mut fit_cache: Vec<Vec<Option<score::ContentFit>>> = vec![vec![None; nf]; open.len()];
    let mut col_pick: Vec<Option<(f64, usize)>> = vec![None; open.len()];
    let mut free: Vec<bool> = taken.iter().map(|t| !t).collect();
    loop {
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for (k, (pos, fits)) in open.iter().enumerate() {
            if col_pick[k].is_some() {
                continue;
            }
            let c = columns[*pos].col as usize;
            let vals: &[&Raw] = samples.get(c).map(Vec::as_slice).unwrap_or(&[]);
            let leaf = labels[c].last().cloned().unwrap_or_default();
            totals[k] = column_totals(t, fits, vals, &leaf, &free, &mut fit_cache[k], ctx);
            for (fi, (total, _)) in totals[k].iter().enumerate() {
                if free[fi] && *total >= ASSIGN_FLOOR {
                    pairs.push((*total, k, fi));
                }
            }
        }
        let picked = greedy(&mut pairs, open.len(), nf);
        if picked.is_empty() {
            break;
        }
        for &(s, k, fi) in &picked {
            col_pick[k] = Some((s, fi));
            free[fi] = false;
        }
    }
    for (k, (pos, _)) in open.iter().enumerate() {
        let mut cands: Vec<(usize, f64)> = totals[k]
            .iter()
            .enumerate()
            .filter(|(fi, (s, _))| !taken[*fi] && *s >= 0.3)
            .map(|(fi, (s, _))| (fi, *s))
            .collect();
        cands.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
        let col = &mut columns[*pos];
        match col_pick[k] {
            Some((s, fi)) => {
                // Weak, or a close rival: another field for this column, or another column
                // left over for this field.
                let rival_field = cands.iter().any(|&(g, x)| g != fi && x >= s - MARGIN);
                let rival_col = (0..open.len())
                    .any(|j| j != k && col_pick[j].is_none() && totals[j][fi].0 >= s - MARGIN);
                col.field = Some(fi);
                col.how = How::Guess;
                // Content alone (a header that says nothing of the field) always asks.
                let mute = open[k].1[fi].score < 0.3;
                col.weak = s < SURE || rival_field || rival_col || mute;
                col.evidence = totals[k][fi].1.clone();
                col.score = s;
            }
            None => {
                col.how = How::Unmapped;
                col.evidence = cands
                    .first()
                    .map(|&(fi, _)| totals[k][fi].1.clone())
                    .unwrap_or_default();
            }
        }
        col.candidates = cands.into_iter().take(3).collect();
    }
    columns
}

/// One open column's total (header + content) and its evidence in words against every
/// field still free (zero for the others); content fits kept in `cache` for the next round.
fn column_totals(
    t: &TableSchema,
    fits: &[score::HeaderFit],
    vals: &[&Raw],
    leaf: &str,
    free: &[bool],
    cache: &mut [Option<score::ContentFit>],
    ctx: &Ctx,
) -> Vec<(f64, String)> {
    let nf = t.fields.len();
    let fit_of: Vec<Option<score::ContentFit>> = (0..nf)
        .map(|fi| {
            free[fi].then(|| {
                *cache[fi].get_or_insert_with(|| score::content_score(&t.fields[fi], vals, ctx))
            })
        })
        .collect();
    // Content decides where it can: the one field the values fit more tellingly than any
    // other, unless the header clearly names another field.
    let specific = content::specific(&fit_of).filter(|&sf| {
        !fits
            .iter()
            .enumerate()
            .any(|(g, h)| g != sf && free[g] && h.score >= SURE)
    });
    let mut out = vec![(0.0, String::new()); nf];
    for fi in 0..nf {
        let Some(cf) = fit_of[fi] else {
            continue;
        };
        let f = &t.fields[fi];
        let h = &fits[fi];
        let mut total = h.score;
        let mut why = score::header_words(h, leaf, &f.label);
        // Content is worth looking at where the header says something, where the type alone
        // is telling, or where the values fit this field alone.
        if h.score >= 0.3 || strong(f) || specific == Some(fi) {
            total +=
                0.6 * if specific == Some(fi) {
                    cf.support_specific()
                } else {
                    cf.support()
                } + if matches!(f.ty, FieldType::Enum | FieldType::EnumList) {
                    cf.listed_bonus()
                } else {
                    0.0
                };
            // Values that say "not this field" weigh as much as their type is telling.
            if cf.contradicts() {
                total -= cf.against(f);
            }
            why = format!("{why}；{}", score::content_words(&cf, f));
        }
        if specific == Some(fi) {
            total += SPECIFIC;
            why = format!("{why}（在本表各字段中只符合{}）", f.label);
        }
        out[fi] = (total, why);
    }
    out
}

/// Does the upper part of a column's header span several columns (a group header)?
fn spans_columns(labels: &[Vec<String>], parts: &[String]) -> bool {
    let Some((_, uppers)) = parts.split_last() else {
        return false;
    };
    uppers.iter().any(|u| {
        labels
            .iter()
            .filter(|p| p.split_last().is_some_and(|(_, up)| up.contains(u)))
            .count()
            >= 2
    })
}

/// A type whose values alone can name the column (a valid ID number, a code pattern).
fn strong(f: &crate::schema::Field) -> bool {
    matches!(
        f.ty,
        FieldType::IdCard | FieldType::Phone | FieldType::Lon | FieldType::Lat
    ) || (f.ty == FieldType::Code && (f.regex.is_some() || f.looks_like_regex.is_some()))
        || matches!(f.ty, FieldType::Plugin(p) if p.0.weight() >= 0.8)
}

/// What a row below the header block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Part of the header block (or above it).
    Header,
    /// A data row.
    Data,
    /// Left out, for this reason.
    Skip(&'static str),
}

/// Tells data rows from 合计, footer, 序号-only and repeated header rows, row by row.
pub struct RowKinds {
    header_last: u32,
    field_cols: Vec<u32>,
    totals: Vec<String>,
    footers: Vec<String>,
    /// Columns of the table's identity fields.
    identity_cols: Vec<u32>,
    /// Each column's header labels as keys, for spotting a repeated header row.
    label_keys: Vec<Vec<String>>,
}

impl RowKinds {
    /// What tells a header block's rows apart, for the sheet of `head`.
    pub fn new(head: &Head, schemas: &Schemas) -> RowKinds {
        let lex = &schemas.lexicon;
        RowKinds {
            header_last: head.header.1,
            field_cols: head
                .columns
                .iter()
                .filter(|c| c.field.is_some())
                .map(|c| c.col)
                .collect(),
            // Markers and labels as keys once, not once per row.
            totals: lex.total_markers.iter().map(|m| nfkc_nospace(m)).collect(),
            footers: lex.footer_markers.iter().map(|m| nfkc_nospace(m)).collect(),
            identity_cols: {
                let t = schemas.table(head.table);
                head.columns
                    .iter()
                    .filter(|c| {
                        c.field
                            .is_some_and(|f| t.table.identity.contains(&t.fields[f].key))
                    })
                    .map(|c| c.col)
                    .collect()
            },
            label_keys: head
                .labels
                .iter()
                .map(|p| p.iter().map(|x| norm_key(x)).collect())
                .collect(),
        }
    }

    /// What the row is: header, data, or left out and why.
    pub fn classify(&self, row: &GridRow) -> RowKind {
        if row.idx <= self.header_last {
            return RowKind::Header;
        }
        let first_text = content::first_text(row);
        let starts = |list: &[String]| list.iter().any(|m| first_text.starts_with(m.as_str()));
        // A one-character marker (共) only with a count after it ("共68户").
        let total_text = |t: &str| {
            self.totals.iter().any(|m| {
                t.strip_prefix(m.as_str()).is_some_and(|rest| {
                    m.chars().count() > 1 || rest.starts_with(|c: char| c.is_ascii_digit())
                })
            })
        };
        // A total line may start with a sum: then its identity is empty and some cell
        // holds the marker.
        let total_elsewhere = || {
            !self.identity_cols.is_empty()
                && self.identity_cols.iter().all(|&c| row.get(c).is_empty())
                && row
                    .cells
                    .iter()
                    .any(|c| matches!(c, Raw::Text(s) if total_text(&nfkc_nospace(s))))
        };
        if total_text(&first_text) || total_elsewhere() {
            RowKind::Skip("合计/小计行")
        } else if starts(&self.footers) {
            RowKind::Skip("表尾说明或签名行")
        } else if self.field_cols.iter().all(|&c| row.get(c).is_empty()) {
            RowKind::Skip("没有任何字段数据（只有序号或备注）")
        } else if self.field_cols.iter().all(|&c| {
            let t = norm_key(&row.get(c).display());
            t.is_empty()
                || self
                    .label_keys
                    .get(c as usize)
                    .is_some_and(|p| p.contains(&t))
        }) {
            RowKind::Skip("重复的表头行")
        } else {
            RowKind::Data
        }
    }
}

/// `skipped` with the blank rows between data rows added (trailing blank rows are not
/// worth listing), in row order. `data` holds positions in `grid.rows`.
pub fn with_blank_rows(
    grid: &Grid,
    header_last: u32,
    data: &[usize],
    mut skipped: Vec<Skipped>,
) -> Vec<Skipped> {
    let last_data = data.last().map(|&p| grid.rows[p].idx).unwrap_or(0);
    let mut prev: Option<u32> = None;
    for row in grid.rows.iter().filter(|r| r.idx > header_last) {
        if let Some(p) = prev {
            for r in p + 1..row.idx.min(last_data) {
                skipped.push(Skipped {
                    row: r,
                    reason: "空行".to_string(),
                });
            }
        }
        prev = Some(row.idx);
    }
    skipped.sort_by_key(|s| s.row);
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{GridRow, Merge};

    fn grid(rows: Vec<Vec<&str>>, merges: Vec<Merge>) -> Grid {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0) as u32;
        Grid {
            name: "S".into(),
            rows: rows
                .into_iter()
                .enumerate()
                .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
                .map(|(i, r)| GridRow::texts(i as u32, &r))
                .collect(),
            merges_known: !merges.is_empty(),
            merges,
            width,
            findings: vec![],
            hidden: false,
        }
    }

    fn recog(g: &Grid) -> Recognised {
        let s = Schemas::shipped().unwrap();
        match recognise(
            g,
            &s,
            "f.xlsx",
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        ) {
            Outcome::Table(r) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn title_two_row_merged_header_total_and_footer() {
        let g = grid(
            vec![
                vec!["XX镇XX村经营性自建房排查信息表", "", "", "", ""],
                vec!["填报单位：XX村  填报日期：2022年5月10日", "", "", "", ""],
                vec!["序 号", "*房屋编码", "户主信息", "", "回头看复核情况"],
                vec!["", "", "*户主姓名", "*证件号码", "*复核日期"],
                vec!["1", "YH450103003466101", "张三", "450103196708158643", ""],
                vec!["", "", "", "", ""],
                vec!["2", "YH450103003466102", "李四", "450103196708158643", ""],
                vec!["3", "", "", "", ""],
                vec!["合计", "", "", "", ""],
                vec!["填表说明：带*号为必填项", "", "", "", ""],
            ],
            vec![
                Merge {
                    r0: 0,
                    c0: 0,
                    r1: 0,
                    c1: 4,
                },
                Merge {
                    r0: 2,
                    c0: 2,
                    r1: 2,
                    c1: 3,
                },
                Merge {
                    r0: 2,
                    c0: 0,
                    r1: 3,
                    c1: 0,
                },
            ],
        );
        let r = recog(&g);
        assert_eq!(r.table, crate::schema::test_tables::Buildings);
        assert_eq!(r.header, (2, 3));
        assert_eq!(r.data.len(), 2);
        let reasons: Vec<&str> = r.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert!(
            reasons.contains(&"合计/小计行")
                && reasons.contains(&"表尾说明或签名行")
                && reasons.contains(&"空行"),
            "{reasons:?}"
        );
        assert!(r.columns.iter().any(|c| c.how == How::Seq));
    }

    /// A header with a 填报日期 column is a header, not a 填报单位 line (found by the generic
    /// demo: a village that calls 排查日期 "填报日期" lost its whole sheet).
    #[test]
    fn a_header_naming_a_fill_in_word_is_still_a_header() {
        let g = grid(
            vec![
                vec!["某村自建房排查表", "", "", "", ""],
                vec!["填报单位：某村", "", "填报日期：2022年9月30日", "", ""],
                vec!["房屋编码", "户主", "身份证号", "填报日期", "调查人"],
                vec![
                    "YH450103003466101",
                    "张三",
                    "450103196708158643",
                    "2022-05-01",
                    "李四",
                ],
            ],
            vec![],
        );
        let r = recog(&g);
        assert_eq!(r.table, crate::schema::test_tables::Buildings);
        assert_eq!(r.header, (2, 2));
        assert_eq!(r.data.len(), 1);
    }

    #[test]
    fn parent_fill_without_merge_info() {
        // As ods gives it: parent text only in the first column it spans.
        let g = grid(
            vec![
                vec!["隐患编号", "房屋编码", "隐患基本信息", "", "", "发现日期"],
                vec!["", "", "隐患类型", "隐患描述", "隐患等级", ""],
                vec![
                    "YH450103003466101-01",
                    "YH450103003466101",
                    "消防安全",
                    "杂物",
                    "一般隐患",
                    "2022-05-01",
                ],
            ],
            vec![],
        );
        let r = recog(&g);
        assert_eq!(r.table, crate::schema::test_tables::Hazards);
        assert_eq!(r.header, (0, 1));
        let mapped = r.columns.iter().filter(|c| c.field.is_some()).count();
        assert_eq!(mapped, 6);
    }

    #[test]
    fn near_miss_is_a_guess_with_warning() {
        let g = grid(
            vec![
                vec!["房屋编码", "户主姓名", "身份证号码", "建筑面积平米米"],
                vec!["YH450103003466101", "张三", "450103196708158643", "12"],
            ],
            vec![],
        );
        let r = recog(&g);
        assert!(
            r.findings.iter().any(|f| f.code == "S003"),
            "{:?}",
            r.findings
        );
    }

    /// Columns worded as no alias lists them, with values that tell their types.
    const COLS: [(&str, &str, &str); 10] = [
        ("自建房识别码", "YH450103003466101", "YH450103003466102"),
        ("屋主姓名", "韦宝", "黄英"),
        ("屋主身份证件号", "450103196708158643", "450103199312175811"),
        ("屋主手机", "13812345678", "13912345678"),
        ("房屋修建年份", "1995", "2003"),
        ("地上楼层", "3", "2"),
        ("主体结构形式", "砖混", "框架"),
        ("摸排日期", "2022-06-01", "2022-06-03"),
        ("摸排人员", "黄英", "韦宝"),
        ("初查判定情况", "未发现安全隐患", "存在一定安全隐患"),
    ];

    fn mapping(order: &[usize]) -> Vec<(String, Option<String>)> {
        let mut rows = vec![order.iter().map(|&i| COLS[i].0).collect::<Vec<_>>()];
        for k in 0..4 {
            rows.push(
                order
                    .iter()
                    .map(|&i| if k % 2 == 0 { COLS[i].1 } else { COLS[i].2 })
                    .collect(),
            );
        }
        let g = grid(rows, vec![]);
        let s = Schemas::shipped().unwrap();
        let r = recog(&g);
        let t = s.table(r.table);
        let mut out: Vec<(String, Option<String>)> = r
            .columns
            .iter()
            .map(|c| (c.header.clone(), c.field.map(|f| t.fields[f].key.clone())))
            .collect();
        out.sort();
        out
    }

    fn field_of(r: &Recognised, col: u32) -> Option<String> {
        let s = Schemas::shipped().unwrap();
        let t = s.table(r.table);
        r.columns
            .iter()
            .find(|c| c.col == col)
            .and_then(|c| c.field)
            .map(|f| t.fields[f].key.clone())
    }

    /// Content over header: a column headed like a phone whose values are valid ID
    /// numbers is the ID column (the header names no field clearly), and says so.
    #[test]
    fn content_decides_over_a_header_that_only_hints() {
        let mut rows = vec![vec!["房屋编码", "户主", "联络电话", "建成年份"]];
        for (code, id) in [
            ("YH450103003466101", "450103196708158643"),
            ("YH450103003466102", "450103199312175811"),
            ("YH450103003466103", "450103198507242792"),
            ("YH450103003466104", "450103199301039742"),
        ] {
            rows.push(vec![code, "韦宝", id, "1995"]);
        }
        let r = recog(&grid(rows, vec![]));
        assert_eq!(field_of(&r, 2).as_deref(), Some("owner_id"));
        let c = r.columns.iter().find(|c| c.col == 2).unwrap();
        assert!(c.evidence.contains("只符合身份证号"), "{}", c.evidence);
    }

    /// A parent header naming a field (用途) over two columns is context for both: each
    /// column goes where its own values say, none is pushed out as a duplicate.
    #[test]
    fn a_parent_header_is_context_only() {
        let mut rows = vec![
            vec!["房屋编码", "户主", "身份证号", "用途", ""],
            vec!["", "", "", "类别", "细分"],
        ];
        for (code, id, use_, kind) in [
            (
                "YH450103003466101",
                "450103196708158643",
                "经营性",
                "餐饮饭店",
            ),
            (
                "YH450103003466102",
                "450103199312175811",
                "自住兼经营",
                "批发零售",
            ),
            (
                "YH450103003466103",
                "450103198507242792",
                "经营性",
                "民宿宾馆",
            ),
            ("YH450103003466104", "450103199301039742", "其他", ""),
        ] {
            rows.push(vec![code, "韦宝", id, use_, kind]);
        }
        let merges = vec![
            Merge {
                r0: 0,
                c0: 3,
                r1: 0,
                c1: 4,
            },
            Merge {
                r0: 0,
                c0: 0,
                r1: 1,
                c1: 0,
            },
            Merge {
                r0: 0,
                c0: 1,
                r1: 1,
                c1: 1,
            },
            Merge {
                r0: 0,
                c0: 2,
                r1: 1,
                c1: 2,
            },
        ];
        let r = recog(&grid(rows, merges));
        assert_eq!(field_of(&r, 3).as_deref(), Some("use"));
        assert_eq!(field_of(&r, 4).as_deref(), Some("business_type"));
        assert!(r.columns.iter().all(|c| c.how != How::Duplicate));
    }

    /// Rules as evidence: three date columns under meaningless headers are told apart by
    /// the ledger's own rules (a deadline and a done date on or after the found date, a
    /// done date only where the status is 已整治), and say so.
    #[test]
    fn the_schemas_rules_tell_look_alike_columns_apart() {
        let mut rows = vec![vec![
            "隐患编号",
            "房屋编码",
            "隐患类型",
            "隐患描述",
            "隐患等级",
            "整治措施",
            "整治责任人",
            "整治状态",
            "A",
            "B",
            "C",
        ]];
        let data: Vec<(String, &str, &str, &str, &str)> = (0..12)
            .map(|i| {
                let done = i % 2 == 0;
                (
                    format!("YH45010300346610{}-0{}", i % 10, i / 10 + 1),
                    if done { "已整治" } else { "整治中" },
                    if done { "2022-07-20" } else { "" },
                    "2022-05-10",
                    "2022-09-30",
                )
            })
            .collect();
        for (code, status, done, found, deadline) in &data {
            let building = &code[..17];
            rows.push(vec![
                code.as_str(),
                building,
                "消防安全",
                "杂物堆放",
                "一般隐患",
                "维修加固",
                "韦宝",
                status,
                deadline,
                done,
                found,
            ]);
        }
        let r = recog(&grid(rows, vec![]));
        assert_eq!(field_of(&r, 8).as_deref(), Some("deadline"));
        assert_eq!(field_of(&r, 9).as_deref(), Some("done_date"));
        assert_eq!(field_of(&r, 10).as_deref(), Some("found_date"));
        let c = r.columns.iter().find(|c| c.col == 9).unwrap();
        assert!(c.weak && c.evidence.contains("规则"), "{}", c.evidence);
    }

    #[test]
    fn odd_wordings_map_by_concepts_and_content() {
        let m = mapping(&(0..COLS.len()).collect::<Vec<_>>());
        let keys: Vec<Option<&str>> = m.iter().map(|(_, f)| f.as_deref()).collect();
        for want in [
            "building_code",
            "owner",
            "owner_id",
            "phone",
            "year_built",
            "floors",
            "structure",
            "survey_date",
            "surveyor",
            "judgement",
        ] {
            assert!(keys.contains(&Some(want)), "{want} missing from {m:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// A column's recognition does not depend on where it stands.
        #[test]
        fn recognition_does_not_depend_on_column_order(
            order in proptest::strategy::Strategy::prop_shuffle(proptest::strategy::Just((0..COLS.len()).collect::<Vec<usize>>()))
        ) {
            let base = mapping(&(0..COLS.len()).collect::<Vec<_>>());
            proptest::prop_assert_eq!(mapping(&order), base);
        }
    }
}
