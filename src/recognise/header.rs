//! Finding a sheet's header block and building its column labels: the block of 1–3 rows
//! starting anywhere in the first `HEADER_SEARCH_ROWS` (after title and fill-in lines) whose
//! labels a table's fields explain best, widened over child rows under merged parents,
//! parent rows above and cells merged down past it; each column's label is its parent and
//! child header cells, merged regions applied. When no wording names a table, the block the
//! data itself shows (`content::content_block`).

use std::collections::HashMap;

use crate::cells::Ctx;
use crate::finding::Finding;
use crate::model::Column;
use crate::read::{Grid, Raw};
use crate::schema::{Lexicon, Schemas, TableId};
use crate::text::nfkc_nospace;

use super::assign::{block_score, FitMemo, NamedTables};
use super::{content, score};

/// How far down the header block may start.
pub const HEADER_SEARCH_ROWS: u32 = 50;
/// The most header rows a block may have.
pub const MAX_HEADER_ROWS: u32 = 3;

/// A sheet's header block and what its columns map to.
#[derive(Debug, Clone)]
pub struct RecognisedHeader {
    /// The table recognised.
    pub table: TableId,
    /// 0-based first and last header rows.
    pub header: (u32, u32),
    /// Each column and the field it maps to.
    pub columns: Vec<Column>,
    /// Findings on the header and the columns.
    pub findings: Vec<Finding>,
    /// Each column's label parts.
    pub(super) labels: Vec<Vec<String>>,
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
    fn width(&self) -> u32 {
        self.grid.width
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
fn block_labels(v: &HeaderView, first: u32, last: u32) -> Vec<Vec<String>> {
    let width = v.width();
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

/// How many different texts a row shows (merged cells once).
fn distinct_texts(view: &HeaderView, row: u32) -> usize {
    let mut texts: Vec<String> = (0..view.width())
        .map(|c| view.text(row, c))
        .filter(|x| !x.is_empty())
        .collect();
    texts.dedup();
    texts.len()
}

/// A "填报单位：… 填报日期：…" line above the header (the lexicon's `fill_line_markers`):
/// a cell holding a marker, on a row of a few texts or in a cell that goes on after a
/// colon. A header row of many fields is none even when one of its columns is 填报日期.
fn is_fill_line(view: &HeaderView, row: u32, lex: &Lexicon) -> bool {
    let mut marked = false;
    for c in 0..view.width() {
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
    marked && distinct_texts(view, row) <= 4
}

/// The best-scoring block the header wording names a table in.
#[derive(Debug, Clone, Copy)]
struct ScoredBlock {
    /// Its score for `table` (`block_score`).
    score: f64,
    /// 0-based first header row.
    first: u32,
    /// 0-based last header row.
    last: u32,
    /// Position in `schemas.tables` of the table it scores best for.
    table: usize,
}

impl ScoredBlock {
    /// Does a block first..=last scoring `score` beat this one: a better score, or as good
    /// a score on fewer rows?
    fn beaten_by(&self, score: f64, first: u32, last: u32) -> bool {
        score > self.score + 1e-9
            || ((score - self.score).abs() < 1e-9 && (last - first) < (self.last - self.first))
    }
}

/// Where the header block stands, its columns' labels and the tables its wording names.
pub(super) struct HeaderBlock {
    /// 0-based first header row.
    pub first: u32,
    /// 0-based last header row.
    pub last: u32,
    /// Each column's label parts.
    pub labels: Vec<Vec<String>>,
    /// The tables the block's wording names.
    pub named: NamedTables,
}

/// Find a sheet's header block (see the module's doc); None when neither its wording nor
/// its data shows one.
pub(super) fn find_block(
    grid: &Grid,
    schemas: &Schemas,
    memo: &FitMemo,
    ctx: &Ctx,
) -> Option<HeaderBlock> {
    let view = HeaderView::new(grid);
    let best = best_named_block(&view, schemas, memo, ctx.lexicon);
    // The block and the tables whose headers it names; without any, the block the data
    // itself shows (`content::content_block`), open to every table.
    let (first, last, tables) = match best {
        Some(best) => {
            let last = with_child_rows(&view, best.first, best.last);
            let first = with_parent_rows(&view, best, last, schemas, memo, ctx.lexicon);
            let labels = block_labels(&view, first, last);
            (
                first,
                last,
                tables_named(best.table, &labels, schemas, memo, ctx.lexicon),
            )
        }
        None => {
            let (first, last) = block_from_content(&view, schemas, ctx)?;
            (first, last, Vec::new())
        }
    };
    let last = past_merged_cells(grid, first, last);
    Some(HeaderBlock {
        first,
        last,
        labels: block_labels(&view, first, last),
        named: NamedTables {
            tables,
            first_choice: best.map(|b| b.table),
        },
    })
}

/// The block of 1–`MAX_HEADER_ROWS` rows whose labels some table's fields explain best
/// (`block_score`), by its wording alone.
fn best_named_block(
    view: &HeaderView,
    schemas: &Schemas,
    memo: &FitMemo,
    lex: &Lexicon,
) -> Option<ScoredBlock> {
    let mut best: Option<ScoredBlock> = None;
    for first in block_starts(view.grid) {
        // Data starts below the first table's header: a block starting further down is
        // its data (or a repeated header), not a better header.
        if best.is_some_and(|b| first > b.first + MAX_HEADER_ROWS) {
            break;
        }
        if is_fill_line(view, first, lex) {
            continue;
        }
        for h in 1..=MAX_HEADER_ROWS {
            let last = first + h - 1;
            if !all_header_rows(view, first, last, lex) {
                break;
            }
            let labels = block_labels(view, first, last);
            for (ti, t) in schemas.tables.iter().enumerate() {
                let score = block_score(ti, t, &labels, memo, lex);
                if score <= 0.0 {
                    continue;
                }
                if best.is_none_or(|b| b.beaten_by(score, first, last)) {
                    best = Some(ScoredBlock {
                        score,
                        first,
                        last,
                        table: ti,
                    });
                }
            }
        }
    }
    best
}

/// The rows that may start a header block: in the first `HEADER_SEARCH_ROWS`, holding at
/// least two texts (or any row, on a sheet with merged regions).
fn block_starts(grid: &Grid) -> Vec<u32> {
    grid.rows
        .iter()
        .take_while(|r| r.idx < HEADER_SEARCH_ROWS)
        .filter(|r| {
            r.cells.iter().filter(|c| matches!(c, Raw::Text(_))).count() >= 2
                || !grid.merges.is_empty()
        })
        .map(|r| r.idx)
        .collect()
}

/// Is every row of first..=last a header row: no fill-in line below the first, and above
/// the lowest one, parent rows with at least two labels (a title across the sheet is none)?
fn all_header_rows(view: &HeaderView, first: u32, last: u32, lex: &Lexicon) -> bool {
    !((first + 1..=last).any(|r| is_fill_line(view, r, lex))
        || (first..last).any(|r| distinct_texts(view, r) < 2))
}

/// The block's last row, moved down over rows of child labels under parents merged
/// across columns: they belong to the header even when the parent alone scores better (a
/// 用途 over two columns whose children name no field).
fn with_child_rows(view: &HeaderView, first: u32, mut last: u32) -> u32 {
    while last - first + 1 < MAX_HEADER_ROWS {
        let below = last + 1;
        let cells: Vec<u32> = (0..view.width())
            .filter(|&c| matches!(view.raw(below, c), Raw::Text(x) if !x.trim().is_empty()))
            .collect();
        let under_parents = !cells.is_empty()
            && cells.iter().all(|&c| {
                score::header_like(&view.text(below, c))
                    && view.grid.merges.iter().any(|m| {
                        m.r0 <= last && m.r1 == last && m.c1 > m.c0 && m.c0 <= c && c <= m.c1
                    })
            });
        if !under_parents {
            break;
        }
        last = below;
    }
    last
}

/// The block's first row, moved up over parent rows (several distinct group labels, as
/// "房屋位置", "户主信息") that belong to the header even when they add no field: as long
/// as the block still scores as well for its table.
fn with_parent_rows(
    view: &HeaderView,
    best: ScoredBlock,
    last: u32,
    schemas: &Schemas,
    memo: &FitMemo,
    lex: &Lexicon,
) -> u32 {
    let t = &schemas.tables[best.table];
    let mut first = best.first;
    while first > 0 && last - first + 1 < MAX_HEADER_ROWS {
        let above = first - 1;
        if distinct_texts(view, above) < 2
            || is_fill_line(view, above, lex)
            || block_score(best.table, t, &block_labels(view, above, last), memo, lex) < best.score
        {
            break;
        }
        first = above;
    }
    first
}

/// The tables whose headers a block's labels name: the table `chosen` it was found for,
/// and every other its labels score for.
fn tables_named(
    chosen: usize,
    labels: &[Vec<String>],
    schemas: &Schemas,
    memo: &FitMemo,
    lex: &Lexicon,
) -> Vec<usize> {
    (0..schemas.tables.len())
        .filter(|&tj| tj == chosen || block_score(tj, &schemas.tables[tj], labels, memo, lex) > 0.0)
        .collect()
}

/// The block the data itself shows (`content::content_block`), its rows header rows.
fn block_from_content(view: &HeaderView, schemas: &Schemas, ctx: &Ctx) -> Option<(u32, u32)> {
    let header_row = |r: u32| distinct_texts(view, r) >= 2 && !is_fill_line(view, r, ctx.lexicon);
    content::content_block(
        view.grid,
        schemas,
        ctx,
        HEADER_SEARCH_ROWS + MAX_HEADER_ROWS,
        MAX_HEADER_ROWS,
        &header_row,
    )
}

/// The block's last row, moved down past a header cell merged down below it (a label over
/// two rows beside a parent and its children): the rows it covers are header rows, never
/// data.
fn past_merged_cells(grid: &Grid, first: u32, mut last: u32) -> u32 {
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
    last
}

/// A sheet of text rows (an empty string is an empty cell; all-empty rows left out, as
/// reading leaves them) and merged regions, for tests.
#[cfg(test)]
pub(super) fn test_grid(rows: Vec<Vec<&str>>, merges: Vec<crate::read::Merge>) -> Grid {
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(0) as u32;
    Grid {
        name: "S".into(),
        rows: rows
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
            .map(|(i, r)| crate::read::GridRow::texts(i as u32, &r))
            .collect(),
        merges_known: !merges.is_empty(),
        merges,
        width,
        findings: vec![],
        hidden: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Merge;

    fn lexicon() -> Lexicon {
        Schemas::shipped().unwrap().lexicon
    }

    #[test]
    fn a_parent_over_empty_cells_labels_each_child_without_merge_info() {
        let g = test_grid(
            vec![
                vec!["房屋编码", "户主信息", "", "", "备注"],
                vec!["", "户主姓名", "证件号码", "", ""],
            ],
            vec![],
        );
        let labels = block_labels(&HeaderView::new(&g), 0, 1);
        assert_eq!(labels[0], vec!["房屋编码"]);
        assert_eq!(labels[1], vec!["户主信息", "户主姓名"]);
        assert_eq!(labels[2], vec!["户主信息", "证件号码"]);
        // No child below: the empty cell is no part of the parent.
        assert!(labels[3].is_empty());
        assert_eq!(labels[4], vec!["备注"]);
    }

    #[test]
    fn merged_cells_give_every_covered_cell_their_text() {
        let g = test_grid(
            vec![vec!["序号", "户主信息", ""], vec!["", "姓名", "电话"]],
            vec![
                Merge {
                    r0: 0,
                    c0: 0,
                    r1: 1,
                    c1: 0,
                },
                Merge {
                    r0: 0,
                    c0: 1,
                    r1: 0,
                    c1: 2,
                },
            ],
        );
        let view = HeaderView::new(&g);
        assert_eq!(view.text(1, 0), "序号");
        assert_eq!(view.text(0, 2), "户主信息");
        assert_eq!(distinct_texts(&view, 0), 2);
        let labels = block_labels(&view, 0, 1);
        assert_eq!(labels[0], vec!["序号"]);
        assert_eq!(labels[2], vec!["户主信息", "电话"]);
    }

    #[test]
    fn a_fill_in_line_is_told_from_a_header_naming_a_fill_in_word() {
        let g = test_grid(
            vec![
                vec!["填报单位：某村", "", "填报日期：2022年9月30日", "", ""],
                vec!["房屋编码", "户主", "身份证号", "填报日期", "调查人"],
            ],
            vec![],
        );
        let view = HeaderView::new(&g);
        let lex = lexicon();
        assert!(is_fill_line(&view, 0, &lex));
        assert!(!is_fill_line(&view, 1, &lex));
    }

    #[test]
    fn a_label_merged_down_past_the_block_takes_its_rows() {
        let merge = |r0, r1| Merge {
            r0,
            c0: 0,
            r1,
            c1: 0,
        };
        let g = test_grid(vec![vec!["a"]], vec![merge(2, 3)]);
        assert_eq!(past_merged_cells(&g, 2, 2), 3);
        // Never past the most header rows a block may have.
        let g = test_grid(vec![vec!["a"]], vec![merge(2, 5)]);
        assert_eq!(past_merged_cells(&g, 2, 2), 2);
    }
}
