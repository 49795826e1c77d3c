//! Property-driven fuzz tests (stable Rust): the cell parsers, the header recogniser, the
//! CSV/encoding reader and the whole production path (`pipeline::run` on a file) on
//! arbitrary input must never panic and must keep their invariants. They run with
//! proptest's default case count in the normal suite; `fuzz/run.sh` runs them (and the cargo-fuzz targets, where nightly is there) for longer.
//! A failing case is saved by proptest under tests/fuzz.proptest-regressions and replayed
//! first on every later run: found crashes stay as regression tests.

use chrono::NaiveDate;
use proptest::prelude::*;
use selfbuilt::cells::{self, Ctx, Val};
use selfbuilt::read::csvfile;
use selfbuilt::read::{Grid, GridRow, Limits, Merge, Raw};
use selfbuilt::recognise::{self, Outcome};
use selfbuilt::schema::{FieldType, Schemas, TableId};

fn schemas() -> &'static Schemas {
    static S: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    S.get_or_init(|| Schemas::shipped().expect("shipped schemas"))
}

/// Text that looks like what villages type: digits (half and full width), CJK, units,
/// separators, spaces of every kind, placeholders, and any Unicode at all.
fn village_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9０-９.,/年月日号层平方米㎡m²约\\-~至°′″'\"度分秒 \u{3000}\u{a0}YHXx、，;]{0,24}",
        "(无|/|—|-|空|是|否|√|×|Y|N|砖混|框架|未整治|已销号|A|C级|存在严重安全隐患\\(立即停用\\))",
        ".{0,40}",
        "[0-9]{15,19}(X|x)?",
        "[0-9]\\.[0-9]{1,14}[eE]\\+?[0-9]{1,3}",
    ]
}

fn raw() -> impl Strategy<Value = Raw> {
    prop_oneof![
        village_text().prop_map(|s| Raw::Text(s.into())),
        any::<f64>().prop_map(Raw::Num),
        (-1e6f64..1e7).prop_map(Raw::Num),
        any::<bool>().prop_map(Raw::Bool),
        (-10.0f64..3e6, any::<bool>()).prop_map(|(s, b)| Raw::Date {
            serial: s,
            date: cells::date::serial_to_date(s, b),
            is_1904: b
        }),
        ".{0,30}".prop_map(Raw::DateIso),
        "#(REF!|N/A|DIV/0!|VALUE!)".prop_map(Raw::Error),
        Just(Raw::Empty),
    ]
}

proptest! {
    /// Every parser of every field: no panic; an error leaves no value; an accepted enum
    /// value is one of the schema's; an accepted date is within its bounds.
    #[test]
    fn fuzz_cell_parsers(r in raw(), t in 0usize..3, k in 0usize..21) {
        let s = schemas().table(TableId(t as u8));
        let f = &s.fields[k % s.fields.len()];
        let ctx = Ctx { lexicon: &schemas().lexicon, today: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap() };
        let p = cells::parse(f, &r, &ctx);
        if let Some(i) = &p.issue {
            prop_assert!(selfbuilt::rules::builtin(i.code).is_some(), "unregistered {}", i.code);
            if i.severity == selfbuilt::finding::Severity::Error {
                prop_assert_eq!(&p.val, &Val::Empty);
            }
        }
        match (&p.val, f.ty) {
            (Val::Text(v), FieldType::Enum) => prop_assert!(f.values.iter().any(|x| x == v), "{} not allowed", v),
            (Val::List(vs), FieldType::EnumList) => prop_assert!(vs.iter().all(|v| f.values.iter().any(|x| x == v))),
            (Val::Date(d), FieldType::Date) if p.issue.is_none() => {
                if let Some(lo) = f.min_date.as_deref().and_then(|x| NaiveDate::parse_from_str(x, "%Y-%m-%d").ok()) {
                    prop_assert!(*d >= lo);
                }
            }
            _ => {}
        }
        let _ = p.val.display();
    }

    /// The recogniser on arbitrary grids (real labels mixed with noise, merges anywhere,
    /// even out of range or overlapping): no panic, and what it returns points inside the grid.
    #[test]
    fn fuzz_header_recogniser(
        cells in prop::collection::vec(prop::collection::vec(prop_oneof![
            3 => prop::sample::select(vec!["房屋编码", "户主", "身份证号", "*层数", "建筑面积\n（㎡）", "序 号", "合计", "填表说明：", "隐患编号",
                "复核日期", "复核人", "房屋基本情况", "初步判定", "整治状态", "", "", ""]).prop_map(|s| Raw::Text(s.into())),
            1 => raw(),
        ], 0..12), 0..40),
        merges in prop::collection::vec((0u32..45, 0u32..14, 0u32..4, 0u32..4), 0..6),
        known in any::<bool>(),
    ) {
        let width = cells.iter().map(|r| r.len()).max().unwrap_or(0) as u32;
        let grid = Grid {
            name: "S".into(),
            rows: cells.into_iter().enumerate().filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
                .map(|(i, r)| GridRow { idx: i as u32 * 2, cells: r }).collect(),
            merges: merges.into_iter().map(|(r, c, h, w)| Merge { r0: r, c0: c, r1: r + h, c1: c + w }).collect(),
            merges_known: known,
            width,
            findings: vec![],
            hidden: false,
        };
        if let Outcome::Table(t) = recognise::recognise(&grid, schemas(), "f.xlsx", chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()) {
            prop_assert!(t.header.0 <= t.header.1);
            for &pos in &t.data {
                prop_assert!(pos < grid.rows.len());
                prop_assert!(grid.rows[pos].idx > t.header.1);
            }
            for c in &t.columns {
                prop_assert!(c.col < width.max(1));
            }
        }
    }

    /// CSV bytes of any kind (UTF-8, GBK, binary): decoded and parsed without a panic, rows
    /// strictly increasing.
    #[test]
    fn fuzz_csv_reader(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        ".{0,200}".prop_map(|s| s.into_bytes()),
        "[,\"\r\n a合计房屋编码0-9]{0,200}".prop_map(|s| encoding_rs::GBK.encode(&s).0.into_owned()),
    ]) {
        let (text, _) = csvfile::decode(&bytes);
        let limits = Limits { max_cells: 10_000, ..Limits::default() };
        if let Ok(g) = csvfile::parse_text(&text, "f.csv", &limits) {
            for w in g.rows.windows(2) {
                prop_assert!(w[0].idx < w[1].idx);
            }
            let _ = recognise::recognise(&g, schemas(), "f.csv", chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        }
    }

    /// What a file really is, from any first bytes.
    #[test]
    fn fuzz_sniff(bytes in prop::collection::vec(any::<u8>(), 0..600), ext in "(xlsx|xls|csv|ods|)") {
        let _ = selfbuilt::read::sniff::sniff(&bytes, &ext);
    }
}

/// The options of a pipeline run in this process, with a roster or none.
fn options(roster: Option<selfbuilt::options::Roster>) -> selfbuilt::pipeline::Options {
    selfbuilt::pipeline::Options {
        schemas: schemas().clone(),
        limits: Limits::default(),
        today: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        keep_grids: false,
        progress: std::sync::Arc::new(selfbuilt::progress::Silent),
        isolate: None,
        previous: None,
        roster,
        place: Default::default(),
        aside: None,
        values_after: true,
        keep: None,
    }
}

/// One cell of a sheet as a village might type it, header labels among them.
fn sheet_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "房屋编码", "所在村", "村民小组", "户主姓名", "身份证号", "层数", "结构类型",
            "初步判定", "隐患编号", "隐患类型", "整治状态", "复核日期", "合计", "填表说明：", "",
            "YH450103003466101", "砌体结构", "未发现安全隐患", "平安村", "3", "2022-06-01",
        ]).prop_map(str::to_string),
        1 => village_text(),
    ]
}

proptest! {
    // 48 cases in the normal suite (each writes and reads a file); fuzz/run.sh sets more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    /// The production path (reader, recogniser, cell and row checks) on a CSV of arbitrary
    /// rows: no panic, every finding registered and placed, and every non-empty row below a
    /// recognised header is a record or a skipped row; on a sheet with no table, every
    /// non-empty row has its S007.
    #[test]
    fn fuzz_pipeline_accounts_for_every_row(
        mut rows in prop::collection::vec(prop::collection::vec(sheet_cell(), 0..10), 0..30),
        head in prop::option::of((0usize..4, Just(()))),
    ) {
        // Often a real header somewhere near the top, so the rows below it go through the checks.
        if let Some((at, ())) = head {
            let t = schemas().table(TableId(0));
            let labels: Vec<String> = t.fields.iter().map(|f| f.label.clone()).collect();
            rows.insert(at.min(rows.len()), labels);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("平安村.csv");
        let mut w = csv::WriterBuilder::new().flexible(true).from_path(&path).unwrap();
        for r in &rows {
            if r.is_empty() {
                w.write_record([""]).unwrap();
            } else {
                w.write_record(r).unwrap();
            }
        }
        w.flush().unwrap();
        drop(w);
        let run = selfbuilt::pipeline::run(std::slice::from_ref(&path), &options(None));
        // The same rows as a roster against the same rows as a survey: no panic, every
        // finding registered, and a coverage line for every roster entry.
        let roster_path = dir.path().join("名册.csv");
        std::fs::copy(&path, &roster_path).unwrap();
        let with_roster = options(Some(selfbuilt::options::Roster {
            path: roster_path,
            schemas: schemas().roster().unwrap().unwrap(),
        }));
        let covered = selfbuilt::pipeline::run(std::slice::from_ref(&path), &with_roster);
        let cat = selfbuilt::rules::catalogue(schemas());
        for f in &covered.findings {
            prop_assert!(selfbuilt::rules::find(&cat, &f.code).is_some(), "unregistered {}", f.code);
        }
        if let Some(c) = &covered.coverage {
            let entries = c.lines.iter().filter(|l| l.roster.is_some()).count();
            prop_assert_eq!(entries, c.total.listed + c.total.twice);
            prop_assert_eq!(c.total.listed, c.total.covered + c.total.missing);
        }
        for f in &run.findings {
            let cat = selfbuilt::rules::catalogue(schemas());
            prop_assert!(selfbuilt::rules::find(&cat, &f.code).is_some(), "unregistered {}", f.code);
            prop_assert!(!f.file.is_empty(), "{:?}", f);
        }
        // What the reader saw, row by row, is what the pipeline accounts for.
        let Ok(book) = csvfile::read_csv(&path, "平安村.csv", &Limits::default()) else { return Ok(()); };
        let file = &run.files[0];
        for (g, s) in book.sheets.iter().zip(&file.sheets) {
            // A sheet may hold several tables one under another: one SheetInfo per block.
            let blocks: Vec<&selfbuilt::model::SheetInfo> =
                file.sheets.iter().filter(|x| x.name == s.name).collect();
            let nonempty: Vec<u32> = g.rows.iter()
                .filter(|r| r.cells.iter().any(|c| !c.is_empty()))
                .map(|r| r.idx).collect();
            if matches!(head, Some((0, ()))) {
                // The standard labels in the first row: always the buildings table.
                prop_assert_eq!(s.table, Some(TableId(0)), "{:?}", rows);
            }
            match s.header {
                Some((_, last)) => {
                    for r in nonempty.iter().filter(|r| **r > last) {
                        let recorded = run.tables.iter().flatten()
                            .any(|rec| rec.row == *r && **rec.sheet() == *s.name);
                        let skipped = blocks.iter().any(|b| b.skipped.iter().any(|x| x.row == *r));
                        let header = blocks[1..].iter().any(|b| b.header.is_some_and(|(a, z)| a <= *r && *r <= z));
                        prop_assert!(recorded || skipped || header, "row {} of {:?} lost", r + 1, rows);
                    }
                }
                None => {
                    let s007 = run.findings.iter().filter(|f| f.code == "S007" && f.row.is_some()).count();
                    prop_assert_eq!(s007, nonempty.len(), "S007 per row of {:?}", rows);
                }
            }
        }
    }
}
