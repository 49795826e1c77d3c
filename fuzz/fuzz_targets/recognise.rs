//! The header recogniser on grids built from arbitrary bytes: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use selfbuilt::read::{Grid, GridRow, Merge, Raw};
use selfbuilt::recognise;
use selfbuilt::schema::Schemas;

const WORDS: [&str; 16] = ["房屋编码", "户主", "身份证号", "*层数", "建筑面积（㎡）", "序 号", "合计", "填表说明：", "隐患编号", "复核日期", "复核人",
    "房屋基本情况", "初步判定", "整治状态", "", "1"];

fuzz_target!(|data: &[u8]| {
    static S: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
    let s = S.get_or_init(|| Schemas::shipped().expect("shipped schemas"));
    let mut rows: Vec<GridRow> = Vec::new();
    let mut merges = Vec::new();
    let mut it = data.chunks(2);
    let mut row = 0u32;
    let mut width = 0u32;
    while let Some(ch) = it.next() {
        let (a, b) = (ch[0], *ch.get(1).unwrap_or(&0));
        match a % 8 {
            0 => row += 1 + (b % 3) as u32,
            1 => merges.push(Merge { r0: row, c0: (b % 16) as u32, r1: row + (a as u32 >> 4), c1: (b % 16) as u32 + (b as u32 >> 5) }),
            _ => {
                if rows.last().map(|r| r.idx) != Some(row) {
                    rows.push(GridRow { idx: row, cells: Vec::new() });
                }
                let r = rows.last_mut().expect("row");
                let v = if a % 8 == 2 { Raw::Num(b as f64) } else { Raw::Text(WORDS[(b % 16) as usize].to_string()) };
                r.cells.push(v);
                width = width.max(r.cells.len() as u32);
            }
        }
    }
    let grid = Grid { name: "S".into(), rows, merges, merges_known: data.first().is_some_and(|b| b % 2 == 0), width, findings: vec![] };
    let _ = recognise::recognise(&grid, s, "f.xlsx", chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
});
