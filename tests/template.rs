//! `selfbuilt template`: realistic rows written into the template's layout pass `check`
//! with zero findings; the same rows with one wrong value each give the expected findings;
//! the xlsx parts hold the validations, the text format and the hidden list sheet; and
//! `inspect` recognises every table with every column mapped.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};
use common::*;
use rust_xlsxwriter::{Format, Workbook};

fn template(dir: &Path) -> PathBuf {
    let t = dir.join("模板.xlsx");
    let o = run(&["template", "--out", p(&t), "--village", "平安村"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    t
}

/// A typed cell as a village would enter it in the template.
#[derive(Clone)]
enum V {
    S(&'static str),
    N(f64),
    D(f64),
}

fn serial(y: i32, m: u32, d: u32) -> f64 {
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    (chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap() - base).num_days() as f64
}

fn buildings() -> Vec<Vec<V>> {
    use V::*;
    let b = |code, id, judgement, grade: &'static str, appraised| {
        vec![
            S(code),
            S("平安村"),
            S("1组"),
            S("长塘镇平安村1组8号"),
            S("韦宝"),
            S(id),
            S("13812345678"),
            N(108.61),
            N(22.71),
            N(1995.0),
            N(3.0),
            N(120.5),
            S("砌体结构"),
            S("经营性"),
            S("餐饮饭店"),
            S("否"),
            S(appraised),
            S(grade),
            D(serial(2022, 6, 1)),
            S("黄英"),
            S(judgement),
        ]
    };
    vec![
        b("YH450103000000001", IDS[0], "未发现安全隐患", "", "否"),
        b("YH450103000000002", IDS[1], "存在一定安全隐患", "B级", "是"),
        b("YH450103000000003", IDS[2], "存在严重安全隐患", "", "否"),
    ]
}

fn hazards() -> Vec<Vec<V>> {
    use V::*;
    vec![
        vec![
            S("YH450103000000002-01"),
            S("YH450103000000002"),
            S("消防安全"),
            S("疏散通道堆放杂物"),
            S("一般隐患"),
            D(serial(2022, 6, 2)),
            S("维修加固"),
            S("韦宝"),
            D(serial(2022, 7, 2)),
            S("已整治"),
            D(serial(2022, 6, 20)),
            S("已销号"),
            S("整治完成"),
        ],
        vec![
            S("YH450103000000003-01"),
            S("YH450103000000003"),
            S("承重结构"),
            S("承重墙开裂"),
            S("严重隐患"),
            D(serial(2022, 6, 2)),
            S("停止使用、维修加固"),
            S("韦宝"),
            D(serial(2022, 9, 2)),
            S("整治中"),
            S(""),
            S(""),
            S(""),
        ],
    ]
}

fn reviews() -> Vec<Vec<V>> {
    use V::*;
    vec![vec![
        S("YH450103000000002"),
        D(serial(2022, 9, 1)),
        S("贺丽伟"),
        S("存在一定安全隐患"),
        S("隐患属实"),
    ]]
}

/// Copy every sheet of the template (values) and write `rows` under each table's header.
fn fill(template: &Path, out: &Path, data: &[(&str, Vec<Vec<V>>)]) {
    let mut src = open_workbook_auto(template).unwrap();
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for name in src.sheet_names() {
        let range = src.worksheet_range(&name).unwrap();
        let ws = wb.add_worksheet();
        ws.set_name(&name).unwrap();
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            if let Data::String(s) = v {
                ws.write_string(r0 + r as u32, (c0 + c as u32) as u16, s)
                    .unwrap();
            }
        }
        if let Some((_, rows)) = data.iter().find(|(s, _)| *s == name) {
            for (i, row) in rows.iter().enumerate() {
                let r = 3 + i as u32;
                for (c, v) in row.iter().enumerate() {
                    match v {
                        V::S("") => {}
                        V::S(s) => {
                            ws.write_string(r, c as u16, *s).unwrap();
                        }
                        V::N(n) => {
                            ws.write_number(r, c as u16, *n).unwrap();
                        }
                        V::D(d) => {
                            ws.write_number_with_format(r, c as u16, *d, &date).unwrap();
                        }
                    }
                }
            }
        }
    }
    wb.save(out).unwrap();
}

fn findings(file: &Path) -> (i32, Vec<Vec<String>>) {
    let o = run(&["check", "--format", "csv", "--as-of", "2026-11-29", p(file)]);
    let rows = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(o.stdout.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (o.code, rows)
}

#[test]
fn realistic_rows_in_the_template_pass_and_one_wrong_value_each_is_found() {
    let t = tempfile::tempdir().unwrap();
    let tpl = template(t.path());
    let good = t.path().join("平安村.xlsx");
    fill(
        &tpl,
        &good,
        &[
            ("房屋信息", buildings()),
            ("隐患台账", hazards()),
            ("回头看复核", reviews()),
        ],
    );
    let (code, f) = findings(&good);
    assert!(f.is_empty(), "findings on good rows: {f:?}");
    assert_eq!(code, 0);

    // One wrong value per row: (row index, column, value, expected code, field).
    let mut bs = buildings();
    bs[0][10] = V::N(45.0);
    bs[1][5] = V::S("450103199312175812");
    bs[2][12] = V::S("砖瓦房");
    let mut hs = hazards();
    hs[0][10] = V::S("");
    hs[1][6] = V::S("维修加固");
    let mut rs = reviews();
    rs[0][0] = V::S("YH450103000000099");
    let bad = t.path().join("平安村-错.xlsx");
    fill(
        &tpl,
        &bad,
        &[("房屋信息", bs), ("隐患台账", hs), ("回头看复核", rs)],
    );
    let (code, f) = findings(&bad);
    assert_eq!(code, 1);
    let got: Vec<(String, String, String, String)> = f
        .iter()
        .filter(|r| r[6] == "error")
        .map(|r| (r[1].clone(), r[2].clone(), r[7].clone(), r[4].clone()))
        .collect();
    for want in [
        ("房屋信息", "4", "C004", "floors"),
        ("房屋信息", "5", "C008", "owner_id"),
        ("房屋信息", "6", "C002", "structure"),
        ("隐患台账", "4", "R201", "done_date"),
        ("隐患台账", "5", "R205", "measure"),
        ("回头看复核", "4", "X002", "building_code"),
    ] {
        assert!(
            got.iter()
                .any(|g| (g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3.as_str()) == want),
            "missing {want:?} in {got:?}"
        );
    }
}

fn part(z: &mut zip::ZipArchive<std::fs::File>, name: &str) -> String {
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn template_parts_hold_validations_text_format_and_hidden_lists() {
    let t = tempfile::tempdir().unwrap();
    let tpl = template(t.path());
    let mut z = zip::ZipArchive::new(std::fs::File::open(&tpl).unwrap()).unwrap();
    let sheet1 = part(&mut z, "xl/worksheets/sheet1.xml");
    for ty in [
        "type=\"list\"",
        "type=\"whole\"",
        "type=\"decimal\"",
        "type=\"date\"",
        "type=\"textLength\"",
    ] {
        assert!(sheet1.contains(ty), "no {ty} validation on 房屋信息");
    }
    assert!(sheet1.contains("promptTitle="), "input prompts");
    assert!(sheet1.contains("error=\""), "error messages");
    assert!(
        sheet1.contains("选项!$"),
        "long lists come from the hidden sheet"
    );
    // The ID column (F, the 6th) has the text number format "@" (built-in id 49).
    let styles = part(&mut z, "xl/styles.xml");
    let xfs: Vec<&str> = styles
        .split("<cellXfs")
        .nth(1)
        .unwrap()
        .split("</cellXfs>")
        .next()
        .unwrap()
        .split("<xf ")
        .skip(1)
        .collect();
    let col_f = sheet1
        .split("<col ")
        .find(|c| c.contains("min=\"6\""))
        .expect("a <col> for column F");
    let style: usize = col_f
        .split("style=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        xfs[style].contains("numFmtId=\"49\""),
        "column F style {style}: {}",
        xfs[style]
    );
    let wbx = part(&mut z, "xl/workbook.xml");
    let list_sheet = wbx
        .split("<sheet ")
        .find(|s| s.contains("name=\"选项\""))
        .expect("选项 sheet");
    assert!(list_sheet.contains("state=\"hidden\""), "{list_sheet}");
}

#[test]
fn inspect_maps_every_template_column() {
    let t = tempfile::tempdir().unwrap();
    let tpl = template(t.path());
    let o = run(&["inspect", "--json", p(&tpl)]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let tables: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["table"].is_string())
        .collect();
    assert_eq!(tables.len(), 3);
    for s in tables {
        for c in s["columns"].as_array().unwrap() {
            assert!(c["field"].is_string(), "{c}");
        }
        assert_eq!(s["header_rows"], serde_json::json!([3, 3]));
    }
    // The instructions and list sheets are skipped without a finding.
    for s in v
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["table"].is_string())
    {
        assert!(s["findings"].as_array().unwrap().is_empty(), "{s}");
    }
}

/// `template --roster`: a blank roster of the campaign's `[coverage]` fields; filled in
/// under its own header (title and header rows kept), it is read back as a roster and
/// each entry finds its house.
#[test]
fn a_filled_roster_template_is_read_as_a_roster() {
    let t = tempfile::tempdir().unwrap();
    let blank = t.path().join("名册模板.xlsx");
    let o = run(&[
        "template",
        "--roster",
        "--out",
        p(&blank),
        "--village",
        "平安村",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut wb = open_workbook_auto(&blank).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let s = selfbuilt::schema::Schemas::shipped().unwrap();
    let roster = s.roster().unwrap().unwrap();
    let labels: Vec<&str> = roster.tables[0]
        .fields
        .iter()
        .map(|f| f.label.as_str())
        .collect();
    let head = rows
        .iter()
        .position(|r| labels.iter().all(|l| r.iter().any(|c| c.contains(l))))
        .expect("a header naming every roster field");
    // The survey: two houses of the demo generator; the roster lists them under the
    // template's own rows above the data.
    let town = t.path().join("town");
    selfbuilt::demo::write_town(&s, &town, 9, 2, 1, false).unwrap();
    let first = t.path().join("first");
    assert_eq!(
        run(&["run", p(&town), "--out", p(&first), "--quiet"]).code,
        0
    );
    let round = first.join("parquet").join("round.parquet");
    let snapshot = selfbuilt::round_file::read_parquet(&round, 64).unwrap();
    let b = s.table(s.campaign.main());
    let mut filled: Vec<Vec<String>> = rows[..=head].to_vec();
    for row in snapshot.rows.iter().filter(|r| r.table == "buildings") {
        let vals = &row.vals;
        let cells = rows[head]
            .iter()
            .map(|h| {
                roster.tables[0]
                    .fields
                    .iter()
                    .find(|f| h.contains(f.label.as_str()))
                    .and_then(|f| b.field_index(&f.key))
                    .map(|i| vals[i].clone())
                    .unwrap_or_default()
            })
            .collect();
        filled.push(cells);
    }
    let path = t.path().join("名册.xlsx");
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in filled.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    book.save(&path).unwrap();
    let out = t.path().join("out");
    let o = run(&[
        "run",
        p(&town),
        "--roster",
        p(&path),
        "--out",
        p(&out),
        "--quiet",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines = read_csv(&out.join("coverage.csv"));
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l[1] == "covered" && l[2] == "房屋编码"),
        "{lines:?}"
    );
}
