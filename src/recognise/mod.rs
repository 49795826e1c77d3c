//! Table recognition, per sheet: find the header block (1–3 rows within the first 30,
//! after title and 填报单位 lines), build each column's label from its parent and child
//! header cells (merged regions applied), map labels to fields (label, alias, then
//! closeness as a warning), decide the table, and find the data rows, recording every
//! skipped row (blank, 合计/小计, footer, 序号-only, repeated header) with its reason.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::finding::{Finding, Severity};
use crate::read::{Grid, GridRow, Raw};
use crate::schema::{Schemas, TableKind, TableSchema};
use crate::text::{label_key, nfkc_nospace, norm_key};

/// How far down the header block may start.
pub const HEADER_SEARCH_ROWS: u32 = 30;
/// The most header rows a block may have.
pub const MAX_HEADER_ROWS: u32 = 3;

/// How a column was mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    Label,
    Guess,
    Seq,
    Note,
    Unmapped,
    Duplicate,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Column {
    pub col: u32,
    /// The header text as written (parent › child when there are several rows).
    pub header: String,
    #[serde(skip)]
    pub field: Option<usize>,
    pub how: How,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    /// 0-based sheet row.
    pub row: u32,
    pub reason: String,
}

/// A table found on a sheet.
#[derive(Debug, Clone)]
pub struct Recognised {
    pub table: TableKind,
    /// 0-based first and last header rows.
    pub header: (u32, u32),
    pub columns: Vec<Column>,
    /// Positions in `grid.rows` of the data rows.
    pub data: Vec<usize>,
    pub skipped: Vec<Skipped>,
    pub findings: Vec<Finding>,
}

/// What a sheet holds.
#[derive(Debug, Clone)]
pub enum Outcome {
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

/// Label keys already worked out on this sheet. The header search scores every candidate
/// block (30 start rows × 3 heights × 3 tables) and meets the same cell texts again and
/// again; their keys (NFKC, lower case, units dropped) are made once.
#[derive(Default)]
struct KeyMemo(RefCell<HashMap<String, (String, String)>>);

impl KeyMemo {
    /// The field of `t` whose label or alias `s` is.
    fn field(&self, t: &TableSchema, s: &str) -> Option<usize> {
        let mut m = self.0.borrow_mut();
        if !m.contains_key(s) {
            m.insert(s.to_string(), (norm_key(s), label_key(s)));
        }
        let (k, loose) = m.get(s)?;
        t.label_index
            .get(k)
            .or_else(|| t.label_index.get(loose))
            .copied()
    }
}

/// The field a column's label parts name: the lowest part first, then parent+child, then upwards.
fn map_parts(t: &TableSchema, parts: &[String], keys: &KeyMemo) -> Option<(usize, usize)> {
    for (i, p) in parts.iter().enumerate().rev() {
        if let Some(f) = keys.field(t, p) {
            return Some((f, i));
        }
        if i > 0 {
            if let Some(f) = keys.field(t, &format!("{}{}", parts[i - 1], p)) {
                return Some((f, i));
            }
        }
    }
    None
}

fn is_marker(list: &[String], s: &str) -> bool {
    let k = norm_key(s);
    list.iter().any(|m| norm_key(m) == k)
}

/// Score of a block for a table: distinct fields mapped, required ones weighing a little more.
fn score(t: &TableSchema, labels: &[Vec<String>], keys: &KeyMemo) -> (f64, usize) {
    let mut seen = vec![false; t.fields.len()];
    for parts in labels {
        if let Some((f, _)) = map_parts(t, parts, keys) {
            seen[f] = true;
        }
    }
    let n = seen.iter().filter(|x| **x).count();
    let req = t
        .fields
        .iter()
        .zip(&seen)
        .filter(|(f, s)| f.required && **s)
        .count();
    let id_ok = t
        .table
        .identity
        .iter()
        .all(|k| t.field_index(k).is_some_and(|i| seen[i]));
    if n < 3 || !id_ok {
        return (0.0, n);
    }
    (n as f64 + req as f64 * 0.01, n)
}

/// The header rows a table's header may use: every row below can be read as data as soon
/// as these are in (see `recognise_head`).
pub const HEAD_ROWS: u32 = HEADER_SEARCH_ROWS + MAX_HEADER_ROWS;

/// A sheet's header block and what its columns map to.
#[derive(Debug, Clone)]
pub struct Head {
    pub table: TableKind,
    /// 0-based first and last header rows.
    pub header: (u32, u32),
    pub columns: Vec<Column>,
    pub findings: Vec<Finding>,
    /// Each column's label parts.
    labels: Vec<Vec<String>>,
}

/// Recognise the table on one sheet.
pub fn recognise(grid: &Grid, schemas: &Schemas, file: &str) -> Outcome {
    let head = match recognise_head(grid, schemas, file) {
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

/// Recognise a sheet's header block. Only rows above `HEAD_ROWS` are looked at, so a sheet
/// being read can be recognised once those are in. `Err` says the sheet holds no table.
pub fn recognise_head(grid: &Grid, schemas: &Schemas, file: &str) -> Result<Head, Outcome> {
    if grid.rows.is_empty() {
        return Err(Outcome::Empty);
    }
    let view = HeaderView::new(grid);
    let keys = KeyMemo::default();
    let width = grid.width;
    // Find the best block.
    let mut best: Option<(f64, u32, u32, TableKind)> = None;
    let top_rows: Vec<u32> = grid
        .rows
        .iter()
        .map(|r| r.idx)
        .take_while(|&i| i < HEADER_SEARCH_ROWS)
        .collect();
    for &first in &top_rows {
        for h in 1..=MAX_HEADER_ROWS {
            let last = first + h - 1;
            let labels = block_labels(&view, first, last, width);
            for t in &schemas.tables {
                let (s, _) = score(t, &labels, &keys);
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
                    best = Some((s, first, last, t.kind()));
                }
            }
        }
    }
    let Some((best_score, mut first, last, kind)) = best else {
        return Err(Outcome::NoTable);
    };
    let t = schemas.table(kind);
    // A parent row above the block (several distinct group labels, as "房屋位置", "户主信息")
    // belongs to the header even when it adds no field: extend the block over it.
    while first > 0 && last - first + 1 < MAX_HEADER_ROWS {
        let above = first - 1;
        let mut distinct: Vec<String> = (0..width)
            .map(|c| view.text(above, c))
            .filter(|x| !x.is_empty())
            .collect();
        distinct.dedup();
        let fill_line = distinct
            .iter()
            .any(|x| x.contains("填报") || x.contains("单位："));
        if distinct.len() < 2
            || fill_line
            || score(t, &block_labels(&view, above, last, width), &keys).0 < best_score
        {
            break;
        }
        first = above;
    }
    let labels = block_labels(&view, first, last, width);
    let lex = &schemas.lexicon;
    let mut columns = Vec::new();
    let mut findings = Vec::new();
    let mut taken: Vec<Option<u32>> = vec![None; t.fields.len()];
    let mk = |code: &str, sev: Severity| Finding::new(code, sev).at_file(file).at_sheet(&grid.name);
    let mut unmapped = Vec::new();
    for (c, parts) in labels.iter().enumerate() {
        if parts.is_empty() {
            continue;
        }
        let c = c as u32;
        let header = parts.join("›");
        let leaf = parts.last().cloned().unwrap_or_default();
        let (field, how) = match map_parts(t, parts, &keys) {
            Some((f, _)) => (Some(f), How::Label),
            None if is_marker(&lex.seq_labels, &leaf) => (None, How::Seq),
            None if is_marker(&lex.note_labels, &leaf) => (None, How::Note),
            None => {
                unmapped.push((c, header.clone(), leaf.clone()));
                (None, How::Unmapped)
            }
        };
        let (field, how) = match field {
            Some(f) if taken[f].is_some() => {
                findings.push(
                    mk("S004", Severity::Warning)
                        .at_cell(first, Some(c))
                        .field(&t.fields[f].key)
                        .value(&header)
                        .msg(
                            format!(
                                "“{header}”与第 {} 列重复，都对应“{}”，只使用第一列",
                                crate::text::col_letters(taken[f].unwrap_or(0)),
                                t.fields[f].label
                            ),
                            format!(
                                "“{header}” repeats column {} ({}); only the first is used",
                                crate::text::col_letters(taken[f].unwrap_or(0)),
                                t.fields[f].key
                            ),
                        )
                        .fix("删除或改名多余的一列", "delete or rename the extra column"),
                );
                (None, How::Duplicate)
            }
            Some(f) => {
                taken[f] = Some(c);
                (Some(f), how)
            }
            None => (None, how),
        };
        columns.push(Column {
            col: c,
            header,
            field,
            how,
        });
    }
    // Near misses: guess by closeness, as a warning that names the guess.
    for (c, header, leaf) in unmapped {
        let k = norm_key(&leaf);
        let mut bestf: Option<(f64, usize)> = None;
        for (i, f) in t.fields.iter().enumerate() {
            if taken[i].is_some() {
                continue;
            }
            for w in TableSchema::wordings(f) {
                let s = strsim::normalized_levenshtein(&k, &norm_key(w));
                if s >= 0.6 && bestf.is_none_or(|(b, _)| s > b) {
                    bestf = Some((s, i));
                }
            }
        }
        let col = columns.iter_mut().find(|x| x.col == c);
        match (bestf, col) {
            (Some((_, f)), Some(col)) => {
                taken[f] = Some(c);
                col.field = Some(f);
                col.how = How::Guess;
                findings.push(
                    mk("S003", Severity::Warning)
                        .at_cell(last, Some(c))
                        .field(&t.fields[f].key)
                        .value(&header)
                        .msg(
                            format!("列名“{leaf}”不是标准写法，按最接近的“{}”识别", t.fields[f].label),
                            format!("header “{leaf}” is not a known label; read as {} ({})", t.fields[f].label, t.fields[f].key),
                        )
                        .fix(
                            format!("确认无误可忽略；或把列名改为“{}”", t.fields[f].label),
                            format!("if right, ignore; or rename the column to {}", t.fields[f].label),
                        ),
                );
            }
            _ => findings.push(
                mk("S002", Severity::Warning)
                    .at_cell(last, Some(c))
                    .value(&header)
                    .msg(
                        format!("列“{header}”无法对应到{}的任何字段，该列未导入", t.table.label),
                        format!("column “{header}” matches no field of {}; not imported", t.table.key),
                    )
                    .fix("把列名改为标准列名，或在 schemas/*.toml 的 aliases 中加入该写法", "rename it to a standard label, or add the wording to aliases in schemas/*.toml"),
            ),
        }
    }
    for (i, f) in t.fields.iter().enumerate() {
        if f.required && taken[i].is_none() {
            findings.push(
                mk("S001", Severity::Error)
                    .field(&f.key)
                    .msg(
                        format!("{}缺少必填列“{}”", t.table.label, f.label),
                        format!(
                            "{} lacks the required column {} ({})",
                            t.table.key, f.label, f.key
                        ),
                    )
                    .fix(
                        format!("在表中补上“{}”列", f.label),
                        format!("add a column {}", f.label),
                    ),
            );
        }
    }
    Ok(Head {
        table: kind,
        header: (first, last),
        columns,
        findings,
        labels,
    })
}

/// What a row below the header block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// Part of the header block (or above it).
    Header,
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
    /// Each column's header labels as keys, for spotting a repeated header row.
    label_keys: Vec<Vec<String>>,
}

impl RowKinds {
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
            label_keys: head
                .labels
                .iter()
                .map(|p| p.iter().map(|x| norm_key(x)).collect())
                .collect(),
        }
    }

    pub fn classify(&self, row: &GridRow) -> RowKind {
        if row.idx <= self.header_last {
            return RowKind::Header;
        }
        let first_text = row
            .cells
            .iter()
            .find(|c| !c.is_empty())
            .map(|c| nfkc_nospace(&c.display()))
            .unwrap_or_default();
        let starts = |list: &[String]| list.iter().any(|m| first_text.starts_with(m.as_str()));
        if starts(&self.totals) {
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
                .map(|(i, r)| GridRow {
                    idx: i as u32,
                    cells: r
                        .into_iter()
                        .map(|c| {
                            if c.is_empty() {
                                Raw::Empty
                            } else {
                                Raw::Text(c.into())
                            }
                        })
                        .collect(),
                })
                .collect(),
            merges_known: !merges.is_empty(),
            merges,
            width,
            findings: vec![],
        }
    }

    fn recog(g: &Grid) -> Recognised {
        let s = Schemas::shipped().unwrap();
        match recognise(g, &s, "f.xlsx") {
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
        assert_eq!(r.table, TableKind::Buildings);
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
        assert_eq!(r.table, TableKind::Hazards);
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
}
