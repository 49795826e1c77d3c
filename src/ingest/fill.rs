//! Merged cells in the data area. Villages merge 村 and 组 down a group's rows, and a
//! hazard ledger merges 房屋编码 down one building's hazards; a spreadsheet file keeps the
//! value only in the region's top-left cell. Like Power Query's fill-down and the importers
//! that "copy to all cells", every cell a merge covers below its first row takes that
//! row's value, column by column, before the rows are checked; each filled cell is an
//! audit line (old value empty). Regions within the header block, and a merge's own first
//! row (a title or a remark merged across columns), are left as they are.

use std::borrow::Cow;

use crate::aside::PackedRows;
use crate::read::{GridRow, Merge, Raw};

/// Fill the cells of `rows` (the rows arrived, sorted by index, after the rows `checked`)
/// that merged regions starting below row `header_last` cover, from the region's first
/// row (among `rows`, or decoded from `checked`). Returns every cell filled, as (row,
/// column), in row order.
pub fn fill_down(
    rows: &mut [GridRow],
    checked: &PackedRows,
    merges: &[Merge],
    header_last: u32,
) -> Vec<(u32, u32)> {
    let Some(first) = rows.first().map(|r| r.idx) else {
        return Vec::new();
    };
    let mut filled = Vec::new();
    for merge in merges
        .iter()
        .filter(|m| m.r0 > header_last && m.r1 > m.r0 && m.r1 >= first)
    {
        // The region's first row holds its values.
        let top = match rows.binary_search_by_key(&merge.r0, |r| r.idx) {
            Ok(top) => Cow::Borrowed(&rows[top]),
            Err(_) => match checked.find(merge.r0) {
                Some(top) => Cow::Owned(checked.row(top)),
                None => continue,
            },
        };
        let values: Vec<(u32, Raw)> = (merge.c0..=merge.c1)
            .filter_map(|c| {
                let value = top.get(c);
                (!value.is_empty()).then(|| (c, value.clone()))
            })
            .collect();
        if values.is_empty() {
            continue;
        }
        let from = rows.partition_point(|r| r.idx <= merge.r0);
        for row in rows[from..].iter_mut().take_while(|r| r.idx <= merge.r1) {
            for (column, value) in &values {
                let column = *column as usize;
                if row.cells.len() <= column {
                    row.cells.resize(column + 1, Raw::Empty);
                }
                if row.cells[column].is_empty() {
                    row.cells[column] = value.clone();
                    filled.push((row.idx, column as u32));
                }
            }
        }
    }
    filled.sort_unstable();
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(idx: u32, cells: &[&str]) -> GridRow {
        GridRow::texts(idx, cells)
    }

    #[test]
    fn a_merge_down_the_data_fills_each_row_and_leaves_the_header() {
        // Rows 0 to 2 are checked, the others new.
        let mut checked = PackedRows::default();
        for done in [
            row(0, &["村", "户主"]),
            row(1, &["", "甲"]),
            row(2, &["平安村", "乙"]),
        ] {
            checked.push(&done);
        }
        let mut rows = vec![
            row(3, &["", "丙"]),
            row(4, &["", "丁"]),
            row(5, &["", "戊"]),
        ];
        let merges = [
            // The header merged down into the first row stays as it is.
            Merge {
                r0: 0,
                c0: 0,
                r1: 1,
                c1: 0,
            },
            Merge {
                r0: 2,
                c0: 0,
                r1: 4,
                c1: 0,
            },
        ];
        let filled = fill_down(&mut rows, &checked, &merges, 0);
        assert_eq!(filled, vec![(3, 0), (4, 0)]);
        assert_eq!(rows[0].get(0), &Raw::Text("平安村".into()));
        assert_eq!(rows[1].get(0), &Raw::Text("平安村".into()));
        assert!(rows[2].get(0).is_empty());
        assert!(checked.row(1).get(0).is_empty());
    }

    #[test]
    fn a_merge_across_columns_in_one_row_fills_nothing() {
        let mut checked = PackedRows::default();
        checked.push(&row(0, &["h"]));
        let mut rows = vec![row(1, &["说明", "", ""])];
        let merges = [Merge {
            r0: 1,
            c0: 0,
            r1: 1,
            c1: 2,
        }];
        assert!(fill_down(&mut rows, &checked, &merges, 0).is_empty());
        assert!(rows[0].get(1).is_empty());
    }
}
