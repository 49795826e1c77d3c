//! Several tables in one sheet, one under another: a buildings table, a blank row or two,
//! a 隐患台账 title, the hazards' header and rows. A row whose cells are, for the most
//! part, the labels or aliases of another table's fields — more of them than of the table
//! being read — heads a new block; the block starts at its title rows just above it. The
//! rows from there on are recognised as a table of their own (`ingest::sheet`), never read
//! as rows of the table above. Both are looked for row by row as the rows are checked
//! (`heads_other_table`, `ColumnsUsed`), and settled once the sheet ends (`block_start`).
//!
//! Tables side by side, a blank column between them, are found by `ColumnsUsed::side_gap`:
//! the sheet is then read as two, each side's cells alone.

use crate::read::{GridRow, Raw};
use crate::schema::{Schemas, TableId};
use crate::text::norm_key;

/// The least number of a header's cells that must be another table's labels.
const LABELS: usize = 3;
/// Title rows looked back over above a new block's header.
const TITLE_ROWS: usize = 3;

/// The position where a block starts whose header row is at position `heading`: its title
/// rows just above included (one or two texts, no gap of more than two blank rows), down
/// to position `from` at most. `row_at` gives the row at a position.
pub fn block_start(heading: usize, from: usize, row_at: impl Fn(usize) -> GridRow) -> usize {
    let mut start = heading;
    let mut below = row_at(start);
    while start > from && heading - start < TITLE_ROWS {
        let above = row_at(start - 1);
        let texts = above.cells.iter().filter(|c| !c.is_empty()).count();
        let all_text = above
            .cells
            .iter()
            .all(|c| c.is_empty() || matches!(c, Raw::Text(_)));
        if texts == 0 || texts > 2 || !all_text || below.idx - above.idx > 3 {
            break;
        }
        start -= 1;
        below = above;
    }
    start
}

/// Does this row head a table other than `current`: at least `LABELS` cells, three in
/// five of its texts, are that table's labels or aliases, and more than are `current`'s?
pub fn heads_other_table(row: &GridRow, current: TableId, schemas: &Schemas) -> bool {
    // A number, a date or a yes/no in the row: a data row (no text needs normalising).
    if row
        .cells
        .iter()
        .any(|c| !matches!(c, Raw::Text(_) | Raw::Empty))
    {
        return false;
    }
    let mut texts = 0usize;
    let mut labels = vec![0usize; schemas.tables.len()];
    for c in &row.cells {
        let Raw::Text(s) = c else { continue };
        let k = norm_key(s.trim().trim_start_matches(['*', '※']));
        if k.is_empty() {
            continue;
        }
        texts += 1;
        for (t, n) in labels.iter_mut().enumerate() {
            if schemas.tables[t].label_index.contains_key(&k) {
                *n += 1;
            }
        }
        // Most rows are data: four texts and no other table's label is enough to tell.
        if texts >= 4
            && labels
                .iter()
                .enumerate()
                .all(|(t, n)| t == current.index() || *n == 0)
        {
            return false;
        }
    }
    let here = labels[current.index()];
    texts >= LABELS
        && labels
            .iter()
            .enumerate()
            .any(|(t, &n)| t != current.index() && n >= LABELS && n * 5 >= texts * 3 && n > here)
}

/// The columns in which some row holds a cell, gathered row by row (the rows of a
/// table's header and below: titles above may span both tables), to find where two
/// tables stand side by side (`side_gap`).
#[derive(Debug, Default, Clone)]
pub struct ColumnsUsed(Vec<bool>);

impl ColumnsUsed {
    /// Marks the columns `row` holds a cell in.
    pub fn add(&mut self, row: &GridRow) {
        self.mark(row.cells.iter().map(|c| !c.is_empty()));
    }

    /// Marks the columns `other` marked.
    pub fn absorb(&mut self, other: &ColumnsUsed) {
        self.mark(other.0.iter().copied());
    }

    fn mark(&mut self, used: impl ExactSizeIterator<Item = bool>) {
        if self.0.len() < used.len() {
            self.0.resize(used.len(), false);
        }
        for (u, here) in self.0.iter_mut().zip(used) {
            *u |= here;
        }
    }

    /// The first run of blank columns with used columns on both sides, as `(first, last)`
    /// blank column: where two tables stand side by side.
    pub fn side_gap(&self) -> Option<(u32, u32)> {
        let used = &self.0;
        let first = used.iter().position(|&u| u)?;
        let gap = first + used[first..].iter().position(|&u| !u)?;
        let after = gap + used[gap..].iter().position(|&u| u)?;
        Some((gap as u32, after as u32 - 1))
    }
}

/// The sheet's rows with only the cells of columns `cols` kept (the others emptied), and
/// the merged regions that lie within them or span the sheet's title: one of two tables
/// side by side, each cell still at its own column.
pub fn side(grid: &crate::read::Grid, cols: std::ops::RangeInclusive<u32>) -> crate::read::Grid {
    let rows = grid
        .rows
        .iter()
        .filter_map(|r| {
            let mut cells = r.cells.clone();
            for (c, v) in cells.iter_mut().enumerate() {
                if !cols.contains(&(c as u32)) {
                    *v = Raw::Empty;
                }
            }
            let end = cells.iter().rposition(|c| !c.is_empty())? + 1;
            cells.truncate(end);
            Some(GridRow { idx: r.idx, cells })
        })
        .collect();
    crate::read::Grid {
        name: grid.name.clone(),
        rows,
        merges: grid
            .merges
            .iter()
            .filter(|m| cols.contains(&m.c0) || cols.contains(&m.c1))
            .cloned()
            .collect(),
        merges_known: grid.merges_known,
        width: grid.width.min(cols.end().saturating_add(1)),
        findings: Vec::new(),
        hidden: grid.hidden,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::test_tables as T;

    fn row(idx: u32, cells: &[&str]) -> GridRow {
        GridRow::texts(idx, cells)
    }

    #[test]
    fn a_hazard_header_under_buildings_starts_a_block_with_its_title() {
        let s = Schemas::shipped().unwrap();
        let b = T::Buildings;
        let rows = [
            row(0, &["房屋编码", "户主", "村（社区）"]),
            row(1, &["YH450103003466100", "韦宝", "平安村"]),
            row(4, &["隐患台账"]),
            row(
                5,
                &["隐患编号", "房屋编码", "隐患类型", "隐患等级", "整治状态"],
            ),
            row(
                6,
                &[
                    "YH450103003466100-01",
                    "YH450103003466100",
                    "消防安全",
                    "一般隐患",
                    "未整治",
                ],
            ),
        ];
        let heading = (1..rows.len()).find(|&p| heads_other_table(&rows[p], b, &s));
        assert_eq!(heading, Some(3));
        assert_eq!(block_start(3, 1, |p| rows[p].clone()), 2);
        // Never above the rows looked from.
        assert_eq!(block_start(3, 3, |p| rows[p].clone()), 3);
        // The buildings' own header repeated is no other table's.
        assert!(!heads_other_table(&rows[0], b, &s));
        // A data row never is.
        assert!(!heads_other_table(&rows[4], b, &s));
    }

    #[test]
    fn a_blank_column_between_cells_is_a_side_gap() {
        let rows = vec![
            row(0, &["房屋台账", "", "", "", "隐患台账"]),
            row(1, &["房屋编码", "户主", "", "", "隐患编号", "房屋编码"]),
            row(2, &["YH1", "韦宝", "", "", "YH1-01", "YH1"]),
        ];
        let used = |rows: &[GridRow]| {
            let mut used = ColumnsUsed::default();
            rows.iter().for_each(|r| used.add(r));
            used
        };
        assert_eq!(used(&rows[1..]).side_gap(), Some((2, 3)));
        // Gathered in parts, the same.
        let mut parts = used(&rows[1..2]);
        parts.absorb(&used(&rows[2..]));
        assert_eq!(parts.side_gap(), Some((2, 3)));
        // Only one table: no gap, whatever lies beyond its last column.
        assert_eq!(used(&rows[2..2]).side_gap(), None);
        let one = vec![row(1, &["", "房屋编码", "户主"]), row(2, &["", "YH1", ""])];
        assert_eq!(used(&one).side_gap(), None);
        let grid = crate::read::Grid {
            name: "Sheet1".into(),
            rows,
            merges: Vec::new(),
            merges_known: true,
            width: 6,
            findings: Vec::new(),
            hidden: false,
        };
        let right = side(&grid, 4..=5);
        assert_eq!(right.rows[1].get(4).display(), "隐患编号");
        assert!(right.rows[1].get(0).is_empty());
        let left = side(&grid, 0..=1);
        assert_eq!(left.rows[0].cells.len(), 1);
        assert_eq!(left.width, 2);
    }
}
