//! The rows below a recognised header block: which are data and which are left out, and
//! why — a 合计/小计 line, a footer or signature line, a row holding no field's data (only
//! a 序号 or a note), a repeated header row, and the blank rows between data rows.

use crate::model::Skipped;
use crate::read::{Grid, GridRow, Raw};
use crate::schema::Schemas;
use crate::text::{nfkc_nospace, norm_key};

use super::content;
use super::header::RecognisedHeader;

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
    pub fn new(head: &RecognisedHeader, schemas: &Schemas) -> RowKinds {
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

/// A whole sheet's rows sorted by `kinds`: the positions in `grid.rows` of its data rows,
/// and the rows left out with why (the blank rows between data rows among them).
pub(super) fn data_and_skipped(grid: &Grid, kinds: &RowKinds) -> (Vec<usize>, Vec<Skipped>) {
    let mut data = Vec::new();
    let mut skipped = Vec::new();
    for (pos, row) in grid.rows.iter().enumerate() {
        match kinds.classify(row) {
            RowKind::Header => {}
            RowKind::Data => data.push(pos),
            RowKind::Skip(reason) => skipped.push(Skipped {
                row: row.idx,
                reason: reason.to_string(),
            }),
        }
    }
    let indices: Vec<u32> = grid.rows.iter().map(|r| r.idx).collect();
    let skipped = with_blank_rows(&indices, kinds.header_last, &data, skipped);
    (data, skipped)
}

/// `skipped` with the blank rows between data rows added (trailing blank rows are not
/// worth listing), in row order. `indices` are the 0-based indices of the sheet's
/// non-empty rows, in order; `data` holds positions in them.
pub fn with_blank_rows(
    indices: &[u32],
    header_last: u32,
    data: &[usize],
    mut skipped: Vec<Skipped>,
) -> Vec<Skipped> {
    let last_data = data.last().map(|&p| indices[p]).unwrap_or(0);
    let mut prev: Option<u32> = None;
    for &idx in indices.iter().filter(|&&idx| idx > header_last) {
        if let Some(p) = prev {
            for r in p + 1..idx.min(last_data) {
                skipped.push(Skipped {
                    row: r,
                    reason: "空行".to_string(),
                });
            }
        }
        prev = Some(idx);
    }
    skipped.sort_by_key(|s| s.row);
    skipped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_rows_between_data_rows_are_listed_in_order() {
        let indices = [0, 1, 4, 5, 9];
        let skipped = vec![Skipped {
            row: 4,
            reason: "total".into(),
        }];
        let out = with_blank_rows(&indices, 0, &[1, 3], skipped);
        let listed: Vec<(u32, &str)> = out.iter().map(|s| (s.row, s.reason.as_str())).collect();
        // Rows 2 and 3 lie between data rows; 6 to 8 come after the last one.
        assert_eq!(listed, vec![(2, "空行"), (3, "空行"), (4, "total")]);
    }

    #[test]
    fn a_header_s_rows_and_rows_above_it_are_header() {
        let kinds = RowKinds {
            header_last: 2,
            field_cols: vec![0, 1],
            totals: vec!["合计".into()],
            footers: vec!["填表人".into()],
            identity_cols: vec![0],
            label_keys: vec![vec!["编码".into()], vec!["姓名".into()]],
        };
        let kind = |idx: u32, cells: &[&str]| kinds.classify(&GridRow::texts(idx, cells));
        assert_eq!(kind(1, &["标题"]), RowKind::Header);
        assert_eq!(kind(3, &["A1", "张三"]), RowKind::Data);
        assert_eq!(kind(4, &["合计", "2"]), RowKind::Skip("合计/小计行"));
        assert_eq!(kind(5, &["", "12", "合计"]), RowKind::Skip("合计/小计行"));
        assert_eq!(
            kind(6, &["填表人：王五"]),
            RowKind::Skip("表尾说明或签名行")
        );
        assert_eq!(kind(7, &["编码", "姓名"]), RowKind::Skip("重复的表头行"));
        assert_eq!(
            kind(8, &["", "", "备注"]),
            RowKind::Skip("没有任何字段数据（只有序号或备注）")
        );
    }
}
