//! Helpers shared by the integration tests: run the built binary, write small fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_selfbuilt"))
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Out {
    let o = Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run selfbuilt");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Rows of a CSV output (BOM stripped), header first.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).expect("read csv");
    let text = text.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv record").iter().map(str::to_string).collect())
        .collect()
}

/// Write a UTF-8 CSV with a BOM.
pub fn write_csv(path: &Path, rows: &[&[&str]]) {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(*r).expect("record");
    }
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(w.into_inner().expect("csv"));
    std::fs::write(path, bytes).expect("write csv");
}

pub const B_HEAD: [&str; 21] = [
    "房屋编码",
    "村（社区）",
    "组（屯）",
    "详细地址",
    "户主",
    "身份证号",
    "联系电话",
    "经度",
    "纬度",
    "建成年份",
    "层数",
    "建筑面积（㎡）",
    "结构类型",
    "房屋用途",
    "经营类型",
    "是否改扩建",
    "是否鉴定",
    "鉴定等级",
    "排查日期",
    "排查人",
    "初步判定",
];
pub const H_HEAD: [&str; 13] = [
    "隐患编号",
    "房屋编码",
    "隐患类型",
    "隐患描述",
    "隐患等级",
    "发现日期",
    "整治措施",
    "整治责任人",
    "整治期限",
    "整治状态",
    "完成日期",
    "销号状态",
    "销号原因",
];
pub const R_HEAD: [&str; 5] = ["房屋编码", "复核日期", "复核人", "复核结果", "复核说明"];

/// A valid building row with this code, owner ID and judgement.
pub fn building(code: &str, id: &str, judgement: &str) -> Vec<String> {
    [
        code,
        "平安村",
        "1组",
        &format!("长塘镇平安村{code}号"),
        "韦宝",
        id,
        "13812345678",
        "108.6",
        "22.7",
        "1995",
        "3",
        "120",
        "砌体结构",
        "其他",
        "",
        "否",
        "否",
        "",
        "2022-06-01",
        "黄英",
        judgement,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A hazard row (H_HEAD's columns) of this building, level, status and person responsible.
pub fn hazard(code: &str, building: &str, level: &str, status: &str, resp: &str) -> Vec<String> {
    [
        code,
        building,
        "消防安全",
        "杂物",
        level,
        "2022-06-02",
        "维修加固",
        resp,
        "2022-07-01",
        status,
        "",
        "",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A worksheet named 房屋信息 holding B_HEAD and one building row.
pub fn one_building_sheet(wb: &mut rust_xlsxwriter::Workbook) {
    let ws = wb.add_worksheet();
    ws.set_name("房屋信息").unwrap();
    for (c, h) in B_HEAD.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in building("YH450103000000001", IDS[0], "未发现安全隐患")
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, v).unwrap();
    }
}

/// Valid ID numbers (GB 11643 check digits).
pub const IDS: [&str; 6] = [
    "450103196708158643",
    "450103199312175811",
    "450103198507242792",
    "450103199301039742",
    "450103195102101947",
    "450103197305181456",
];

/// A sheet's rows as text, read back with calamine.
pub fn calamine_rows(path: &std::path::Path, sheet: &str) -> Vec<Vec<String>> {
    use calamine::{open_workbook_auto, Reader};
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// A CSV of a header and rows.
pub fn write_table(path: &std::path::Path, head: &[&str], rows: &[Vec<String>]) {
    let mut all: Vec<Vec<&str>> = vec![head.to_vec()];
    all.extend(rows.iter().map(|r| r.iter().map(String::as_str).collect()));
    let refs: Vec<&[&str]> = all.iter().map(|r| r.as_slice()).collect();
    write_csv(path, &refs);
}

/// A copy of the shipped schemas in `dir/schemas` (the lexicon and every campaign
/// folder), each file passed through `edit(path under schemas/, text)`; returns the copy
/// of the selfbuilt campaign's folder (its lexicon is found in the folder above).
pub fn schemas_copy_with(dir: &Path, edit: impl Fn(&str, String) -> String) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let sd = dir.join("schemas");
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if path.is_dir() {
                std::fs::create_dir_all(sd.join(&rel)).unwrap();
                stack.push(path);
            } else if rel.ends_with(".toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                std::fs::create_dir_all(sd.join(&rel).parent().unwrap()).unwrap();
                std::fs::write(sd.join(&rel), edit(&rel, text)).unwrap();
            }
        }
    }
    sd.join("selfbuilt")
}
