//! Table recognition, per sheet: find the header block (1–3 rows starting anywhere in
//! the first 50, after title and 填报单位 lines), build each column's label from its
//! parent and child header cells (merged regions applied), score every column against
//! every field from its header and its values (`score`), decide the table by the best
//! one-to-one assignment that covers a table's identity and enough of its fields, and find
//! the data rows, recording every skipped row (blank, 合计/小计, footer, 序号-only, repeated
//! header) with its reason. The sheet's name plays no part.
//!
//! The stage's steps, each in its file: `header` (the header block and its column labels),
//! `assign` (columns to fields, one to one, and the table decided), `evidence` (the
//! schema's rules between look-alike columns), `content` and `score` (what values and
//! header words say), `findings` (what the mapping tells the user), `rows` (data rows and
//! skipped rows), `blocks` (several tables on one sheet).

mod assign;
pub mod blocks;
pub mod content;
pub mod evidence;
mod findings;
mod header;
mod rows;
pub mod score;

use chrono::NaiveDate;

use crate::cells::Ctx;
use crate::finding::Finding;
use crate::read::Grid;
use crate::schema::{Schemas, TableId};

pub use assign::ASSIGN_FLOOR;
pub use header::{RecognisedHeader, HEADER_SEARCH_ROWS, MAX_HEADER_ROWS};
pub use rows::{with_blank_rows, RowKind, RowKinds};

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

/// The header rows a table's header may use, and enough rows below them to sample the
/// columns' values: every row below can be read as data as soon as these are in.
pub const HEAD_ROWS: u32 = HEADER_SEARCH_ROWS + MAX_HEADER_ROWS + content::SAMPLE_ROWS as u32;

/// Recognise the table on one sheet: `recognise_head`, then every row classified.
pub fn recognise(grid: &Grid, schemas: &Schemas, file: &str, today: NaiveDate) -> Outcome {
    let head = match recognise_head(grid, schemas, file, today) {
        Ok(h) => h,
        Err(o) => return o,
    };
    let kinds = RowKinds::new(&head, schemas);
    let (data, skipped) = rows::data_and_skipped(grid, &kinds);
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
) -> Result<RecognisedHeader, Outcome> {
    if grid.rows.is_empty() {
        return Err(Outcome::Empty);
    }
    let lex = &schemas.lexicon;
    let ctx = Ctx {
        lexicon: lex,
        today,
    };
    let memo = assign::FitMemo::default();
    let block = header::find_block(grid, schemas, &memo, &ctx).ok_or(Outcome::NoTable)?;
    let rows = content::sample_rows(grid, block.last, lex);
    let samples = content::samples(&rows, grid.width, lex);
    let (ti, columns) = assign::choose_table(
        schemas,
        &block.named,
        &block.labels,
        &rows,
        &samples,
        &memo,
        &ctx,
    )
    .ok_or(Outcome::NoTable)?;
    let t = &schemas.tables[ti];
    let place = findings::SheetPlace {
        file,
        sheet: &grid.name,
    };
    let findings = findings::column_findings(t, &columns, (block.first, block.last), place);
    Ok(RecognisedHeader {
        table: t.id,
        header: (block.first, block.last),
        columns,
        findings,
        labels: block.labels,
    })
}

#[cfg(test)]
mod tests {
    use super::header::test_grid as grid;
    use super::*;
    use crate::read::Merge;

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
