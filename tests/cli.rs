//! Integration tests: run the binary on fixtures the project makes itself and check the
//! real output files.

mod common;

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use common::*;

fn demo(dir: &Path) -> std::path::PathBuf {
    let d = dir.join("town");
    let o = run(&["demo", "--out", p(&d)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    d
}

#[test]
fn inspect_recognises_every_demo_table_with_every_column_mapped() {
    let t = tempfile::tempdir().unwrap();
    let d = demo(t.path());
    let o = run(&["inspect", "--json", p(&d)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let sheets = v.as_array().unwrap();
    let mut rows = [0u64; 3];
    for s in sheets {
        let table = s["table"]
            .as_str()
            .unwrap_or_else(|| panic!("no table on {s}"));
        for c in s["columns"].as_array().unwrap() {
            let header = c["header"].as_str().unwrap();
            assert!(
                c["field"].is_string() || header.contains('序'),
                "unmapped {header} in {}",
                s["file"]
            );
        }
        let i = ["buildings", "hazards", "reviews"]
            .iter()
            .position(|x| *x == table)
            .unwrap();
        rows[i] += s["data_rows"].as_u64().unwrap();
        // Title row + 填报单位 line above; a 合计 line and footer lines skipped below.
        let skipped: Vec<&str> = s["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["reason"].as_str().unwrap())
            .collect();
        if s["file"].as_str().unwrap().ends_with(".xlsx") {
            assert!(skipped.iter().any(|r| r.contains("合计")), "{skipped:?}");
        }
    }
    assert_eq!(rows[0], 850);
    // The two-row merged header of the first village is rows 3–4.
    let first = sheets
        .iter()
        .find(|s| s["file"].as_str().unwrap().starts_with("那洪村") && s["table"] == "buildings")
        .unwrap();
    assert_eq!(first["header_rows"], serde_json::json!([3, 4]));
}

#[test]
fn run_on_demo_writes_every_output_with_typed_cells() {
    let t = tempfile::tempdir().unwrap();
    let d = demo(t.path());
    let out = t.path().join("out");
    let o = run(&["run", p(&d), "--out", p(&out), "--as-of", "2026-11-29"]);
    assert_eq!(o.code, 1, "the demo has injected errors: {}", o.stderr);
    for f in [
        "cleaned.xlsx",
        "errors.csv",
        "errors.xlsx",
        "changes.csv",
        "writeoffs.csv",
        "tally.csv",
        "tally.xlsx",
        "summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let errs = read_csv(&out.join("errors.csv"));
    assert_eq!(
        errs[0],
        [
            "file",
            "sheet",
            "row",
            "cell",
            "field",
            "value",
            "severity",
            "code",
            "message",
            "suggestion"
        ]
    );
    let codes: Vec<&str> = errs[1..].iter().map(|r| r[7].as_str()).collect();
    assert!(
        codes.contains(&"C009") && codes.contains(&"C021") && codes.contains(&"C001"),
        "{codes:?}"
    );
    assert!(std::fs::read(out.join("errors.csv"))
        .unwrap()
        .starts_with(b"\xEF\xBB\xBF"));
    // cleaned.xlsx: typed cells.
    let mut wb = open_workbook_auto(out.join("cleaned.xlsx")).unwrap();
    let r = wb.worksheet_range("房屋信息").unwrap();
    let head: Vec<String> = r
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = |l: &str| head.iter().position(|h| h == l).unwrap();
    let row1 = r.rows().nth(1).unwrap();
    assert!(matches!(row1[col("房屋编码")], Data::String(_)));
    assert!(matches!(row1[col("身份证号")], Data::String(_)));
    assert!(matches!(row1[col("层数")], Data::Float(_) | Data::Int(_)));
    assert!(matches!(
        row1[col("建筑面积（㎡）")],
        Data::Float(_) | Data::Int(_)
    ));
    assert!(
        matches!(row1[col("排查日期")], Data::DateTime(_)),
        "{:?}",
        row1[col("排查日期")]
    );
    let accepted = r.height() - 1;
    // Row conservation: rows read = accepted + rejected.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let b = &summary["tables"]["buildings"];
    assert_eq!(
        b["read"].as_u64().unwrap(),
        b["accepted"].as_u64().unwrap() + b["rejected"].as_u64().unwrap()
    );
    assert_eq!(b["accepted"].as_u64().unwrap() as usize, accepted);
    assert_eq!(b["read"].as_u64().unwrap(), 850);
    // The audit trail: one line per change, each naming its cell, file order kept.
    let changes = read_csv(&out.join("changes.csv"));
    assert_eq!(
        changes[0],
        ["file", "sheet", "row", "cell", "field", "old", "new"]
    );
    assert_eq!(
        changes.len() - 1,
        summary["changes"].as_u64().unwrap() as usize
    );
    assert!(changes.len() > 1000, "the demo is messy on purpose");
    for c in &changes[1..] {
        assert!(c[3].ends_with(&c[2]), "cell {} is on row {}", c[3], c[2]);
        assert!(c[3].starts_with(|ch: char| ch.is_ascii_uppercase()));
        assert_ne!(c[5], c[6], "a change changes something");
        assert!(!c[4].is_empty() && !c[0].is_empty());
        // A CSV file has no sheets; a workbook's sheet is named.
        assert_eq!(c[1].is_empty(), c[0].ends_with(".csv"), "{c:?}");
    }
    assert!(
        changes[1..]
            .iter()
            .any(|c| c[4] == "floors" && c[5] == format!("{}层", c[6])),
        "层数 6层 becomes 6"
    );
    // Tally totals agree with the cleaned workbook.
    let tally = read_csv(&out.join("tally.csv"));
    let total = tally.last().unwrap();
    assert_eq!(total[0], "合计");
    assert_eq!(total[1].parse::<usize>().unwrap(), accepted);
    assert_eq!(
        total[14],
        b["rejected"].to_string(),
        "rejected buildings, as summary.json says"
    );
    // The seed's three misentries.
    let w = read_csv(&out.join("writeoffs.csv"));
    assert_eq!(
        w[0],
        [
            "reason",
            "building_code",
            "hazard_code",
            "village",
            "file",
            "sheet",
            "row",
            "evidence"
        ]
    );
    assert_eq!(w.iter().filter(|r| r[0] == "misentry").count(), 3);
    // annotated copies: one per input file; a file with findings gets a 问题清单 sheet
    // first, an .xlsx file without any is copied byte for byte.
    let with_findings: std::collections::HashSet<&str> =
        errs[1..].iter().map(|r| r[0].as_str()).collect();
    let inputs: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        std::fs::read_dir(out.join("annotated")).unwrap().count(),
        inputs.len()
    );
    let (mut marked, mut copied) = (0, 0);
    for input in &inputs {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let stem = name.rsplit_once('.').unwrap().0;
        let a = out.join("annotated").join(format!("{stem}.批注.xlsx"));
        let wb = open_workbook_auto(&a).unwrap();
        if with_findings.contains(name.as_str()) || !name.ends_with(".xlsx") {
            assert_eq!(wb.sheet_names()[0], "问题清单", "{name}");
            marked += 1;
        } else {
            assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(input).unwrap());
            copied += 1;
        }
    }
    assert!(
        marked >= 1 && copied >= 1,
        "{marked} marked, {copied} copied"
    );
}

#[test]
fn annotated_cells_carry_notes_and_fills_and_no_formulas_anywhere() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut b1 = building("YH450103000000001", IDS[0], "未发现安全隐患");
    b1[3] = "=HYPERLINK(\"x\")".into();
    let mut b2 = building("YH450103000000002", IDS[1], "未发现安全隐患");
    b2[10] = "45".into();
    let rows: Vec<Vec<String>> = vec![B_HEAD.iter().map(|s| s.to_string()).collect(), b1, b2];
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let refs2: Vec<&[&str]> = refs.iter().map(|r| r.as_slice()).collect();
    write_csv(&dir.join("平安村.csv"), &refs2);
    let out = t.path().join("out");
    let o = run(&["run", p(&dir), "--out", p(&out)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let ann = out.join("annotated").join("平安村.批注.xlsx");
    let mut z = zip::ZipArchive::new(std::fs::File::open(&ann).unwrap()).unwrap();
    let mut comments = String::new();
    let mut sheets = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        if f.name().unwrap().contains("comments") {
            comments.push_str(&s);
        }
        if f.name().unwrap().starts_with("xl/worksheets/") {
            sheets.push_str(&s);
        }
    }
    assert!(
        comments.contains("层数 45 超出允许范围"),
        "note with the message: {comments}"
    );
    assert!(comments.contains("建议"), "note with the suggestion");
    let styles = {
        let mut f = z.by_name("xl/styles.xml").unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut f, &mut s).unwrap();
        s
    };
    assert!(styles.contains("FFFFC7CE"), "red fill for errors");
    // Formula-like text stays text in every workbook written.
    for entry in walk(&out) {
        if entry.extension().is_some_and(|e| e == "xlsx") {
            let mut z = zip::ZipArchive::new(std::fs::File::open(&entry).unwrap()).unwrap();
            for i in 0..z.len() {
                let mut f = z.by_index(i).unwrap();
                if f.name().unwrap().starts_with("xl/worksheets/") {
                    let mut s = String::new();
                    std::io::Read::read_to_string(&mut f, &mut s).unwrap();
                    assert!(
                        !s.contains("<f>") && !s.contains("<f "),
                        "formula in {}",
                        entry.display()
                    );
                }
            }
        }
    }
    let mut wb = open_workbook_auto(out.join("cleaned.xlsx")).unwrap();
    let r = wb.worksheet_range("房屋信息").unwrap();
    assert_eq!(
        r.get((1, 3)),
        Some(&Data::String("=HYPERLINK(\"x\")".into()))
    );
    let _ = sheets;
}

fn walk(d: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn writeoff_reasons_latest_review_and_duplicate_code_in_two_files() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    write_table(
        &dir.join("a村房屋.csv"),
        &B_HEAD,
        &[
            building("YH450103000000001", IDS[0], "存在一定安全隐患"), // misentry: latest review says 未发现
            building("YH450103000000002", IDS[1], "存在一定安全隐患"), // suspected: no hazard, no review
            building("YH450103000000003", IDS[2], "存在一定安全隐患"), // older review 未发现, latest confirms: no proposal
            building("YH450103000000004", IDS[3], "存在一定安全隐患"), // has a hazard, rectified
            building("YH450103000000005", IDS[4], "未发现安全隐患"),
        ],
    );
    write_table(
        &dir.join("b村房屋.csv"),
        &B_HEAD,
        &[building("YH450103000000005", IDS[5], "未发现安全隐患")],
    );
    write_table(
        &dir.join("a村隐患.csv"),
        &H_HEAD,
        &[
            s(&[
                "YH450103000000004-01",
                "YH450103000000004",
                "消防安全",
                "杂物",
                "一般隐患",
                "2022-06-02",
                "维修加固",
                "韦宝",
                "2022-07-01",
                "已整治",
                "2022-06-20",
                "",
                "",
            ]),
            s(&[
                "YH450103000000003-01",
                "YH450103000000003",
                "消防安全",
                "杂物",
                "一般隐患",
                "2022-06-02",
                "维修加固",
                "韦宝",
                "2022-07-01",
                "整治中",
                "",
                "",
                "",
            ]),
        ],
    );
    write_table(
        &dir.join("复核.csv"),
        &R_HEAD,
        &[
            s(&[
                "YH450103000000001",
                "2022-09-01",
                "贺丽伟",
                "未发现安全隐患",
                "系录入错误",
            ]),
            s(&[
                "YH450103000000003",
                "2022-08-01",
                "贺丽伟",
                "未发现安全隐患",
                "",
            ]),
            s(&[
                "YH450103000000003",
                "2022-10-01",
                "沈秀华",
                "存在一定安全隐患",
                "隐患属实",
            ]),
        ],
    );
    let out = t.path().join("out");
    let o = run(&["run", p(&dir), "--out", p(&out)]);
    assert_eq!(o.code, 1, "duplicate code is an error: {}", o.stderr);
    let w = read_csv(&out.join("writeoffs.csv"));
    let got: Vec<(String, String, String)> = w[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("misentry".into(), "YH450103000000001".into(), String::new()),
            (
                "suspected_misentry".into(),
                "YH450103000000002".into(),
                String::new()
            ),
            (
                "rectified".into(),
                "YH450103000000004".into(),
                "YH450103000000004-01".into()
            ),
        ]
    );
    assert!(
        w[1][7].contains("贺丽伟") && w[1][7].contains("2022-09-01"),
        "evidence names the reviewer and date"
    );
    let errs = read_csv(&out.join("errors.csv"));
    let dup: Vec<&Vec<String>> = errs.iter().filter(|r| r[7] == "B001").collect();
    assert_eq!(dup.len(), 2, "both places flagged");
    assert!(
        dup.iter()
            .any(|r| r[0] == "a村房屋.csv" && r[8].contains("b村房屋.csv A2")),
        "{dup:?}"
    );
    assert!(
        dup.iter()
            .any(|r| r[0] == "b村房屋.csv" && r[8].contains("a村房屋.csv A6")),
        "{dup:?}"
    );
    // check prints the same proposals and writes them with --writeoffs.
    let wo = t.path().join("w.csv");
    let o = run(&["check", p(&dir), "--writeoffs", p(&wo)]);
    assert_eq!(o.code, 1);
    assert!(
        o.stdout.contains("销号建议") && o.stdout.contains("录入错误销号"),
        "{}",
        o.stdout
    );
    assert_eq!(read_csv(&wo), w);
}

#[test]
fn check_csv_is_exactly_errors_csv_and_lang_en() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut b = building("YH450103000000001", IDS[0], "未发现安全隐患");
    b[12] = "砌体结果".into();
    write_table(&dir.join("x.csv"), &B_HEAD, &[b]);
    let out = t.path().join("out");
    run(&["run", p(&dir), "--out", p(&out)]);
    let o = run(&["check", p(&dir), "--format", "csv"]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stdout.as_bytes(),
        std::fs::read(out.join("errors.csv")).unwrap().as_slice()
    );
    assert!(o.stdout.contains("您是否想填：砌体结构"));
    let o = run(&["--lang", "en", "check", p(&dir)]);
    assert!(
        o.stdout.contains("one character off the value 砌体结构"),
        "{}",
        o.stdout
    );
}

#[test]
fn broken_files_are_findings_and_lock_files_are_skipped() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("empty.xlsx"), b"").unwrap();
    std::fs::write(dir.join("text.xlsx"), "这不是Excel".as_bytes()).unwrap();
    std::fs::write(
        dir.join("web.xls"),
        "<html><table><tr><td>房屋编码</td></tr></table></html>",
    )
    .unwrap();
    std::fs::write(dir.join("~$lock.xlsx"), b"lock").unwrap();
    std::fs::write(dir.join(".hidden.xlsx"), b"x").unwrap();
    write_table(&dir.join("only_headers.csv"), &B_HEAD, &[]);
    let out = t.path().join("out");
    let o = run(&["run", p(&dir), "--out", p(&out)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let errs = read_csv(&out.join("errors.csv"));
    let by_file = |f: &str| errs.iter().find(|r| r[0] == f).map(|r| r[7].clone());
    assert_eq!(by_file("empty.xlsx").as_deref(), Some("F004"));
    assert_eq!(by_file("text.xlsx").as_deref(), Some("F001"));
    assert_eq!(by_file("web.xls").as_deref(), Some("F008"));
    assert_eq!(by_file("only_headers.csv").as_deref(), Some("F006"));
    assert!(errs
        .iter()
        .all(|r| !r[0].contains("lock") && !r[0].contains("hidden")));
}

#[test]
fn gbk_csv_is_read() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut text = B_HEAD.join(",");
    text.push('\n');
    text.push_str(&building("YH450103000000001", IDS[0], "未发现安全隐患").join(","));
    text.push('\n');
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(dir.join("gbk.csv"), bytes).unwrap();
    let o = run(&["inspect", "--json", p(&dir)]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v[0]["table"], "buildings");
    assert_eq!(v[0]["data_rows"], 1);
}

/// `schemas_copy_with` editing buildings.toml only.
fn schemas_copy(dir: &Path, edit: impl Fn(String) -> String) -> std::path::PathBuf {
    schemas_copy_with(dir, |rel, text| {
        if rel == "selfbuilt/buildings.toml" {
            edit(text)
        } else {
            text
        }
    })
}

#[test]
fn schema_with_an_alias_claimed_twice_exits_2_naming_it() {
    let t = tempfile::tempdir().unwrap();
    let sd = schemas_copy(t.path(), |s| {
        s.replace("aliases = [\"组\"", "aliases = [\"户主\", \"组\"")
    });
    let o = run(&["--schemas", p(&sd), "rules"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("户主") && o.stderr.contains("buildings.toml"),
        "{}",
        o.stderr
    );
}

#[test]
fn adding_an_enum_synonym_is_a_schema_edit() {
    let t = tempfile::tempdir().unwrap();
    let sd = schemas_copy(t.path(), |s| {
        s.replace(
            "\"砖混\" = \"砌体结构\"",
            "\"砖混\" = \"砌体结构\"\n\"砖瓦房\" = \"砌体结构\"",
        )
    });
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    let mut b = building("YH450103000000001", IDS[0], "未发现安全隐患");
    b[12] = "砖瓦房".into();
    write_table(&dir.join("x.csv"), &B_HEAD, &[b]);
    assert_eq!(run(&["check", p(&dir)]).code, 1);
    assert_eq!(run(&["--schemas", p(&sd), "check", p(&dir)]).code, 0);
}

#[test]
fn rules_lists_and_explains() {
    let o = run(&["rules"]);
    assert_eq!(o.code, 0);
    for c in ["F001", "C009", "R101", "R205", "X003", "B001"] {
        assert!(o.stdout.contains(c), "{c}");
    }
    // A rule by its Chinese title, not its name.
    assert!(
        o.stdout.contains("C008  错误  身份证号校验码不符") && !o.stdout.contains("id-check-digit"),
        "{}",
        o.stdout
    );
    let o = run(&["rules", "C008"]);
    assert!(
        o.stdout.starts_with("C008 身份证号校验码不符（"),
        "{}",
        o.stdout
    );
    let o = run(&["--lang", "en", "rules"]);
    assert!(
        o.stdout.contains("C008  error    ID check digit"),
        "{}",
        o.stdout
    );
    let o = run(&["rules", "C009"]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.contains("文本") && o.stdout.contains("为什么重要"),
        "{}",
        o.stdout
    );
    assert_eq!(run(&["rules", "Z999"]).code, 2);
}

#[test]
fn a_broken_role_exits_2_naming_the_file_and_the_entry() {
    let t = tempfile::tempdir().unwrap();
    // The judgement field renamed in its table (and the table's row rules), the campaign
    // still naming the old key.
    let sd = schemas_copy(t.path(), |s| {
        s.replace("key = \"judgement\"", "key = \"judgment\"")
            .replace("field = \"judgement\"", "field = \"judgment\"")
            .replace("{judgement}", "{judgment}")
    });
    let o = run(&["--schemas", p(&sd), "rules"]);
    assert_eq!(o.code, 2);
    // The first entry naming it: a write-off reason's condition (a cross rule's keys are
    // checked by its kind right after, `rules::cross` tests them).
    assert!(
        o.stderr.contains("campaign.toml")
            && o.stderr.contains("[[writeoffs]] misentry")
            && o.stderr.contains("\"judgement\""),
        "{}",
        o.stderr
    );
    // A condition naming a value the field does not have.
    let t2 = tempfile::tempdir().unwrap();
    let sd = schemas_copy_with(t2.path(), |rel, s| {
        if rel == "selfbuilt/campaign.toml" {
            s.replacen("in = [\"存在严重安全隐患\"]", "in = [\"严重\"]", 1)
        } else {
            s
        }
    });
    let o = run(&["--schemas", p(&sd), "rules"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("X004") && o.stderr.contains("\"严重\""),
        "{}",
        o.stderr
    );
    // A reference to a field the parent table lacks.
    let t3 = tempfile::tempdir().unwrap();
    let sd = schemas_copy_with(t3.path(), |rel, s| {
        if rel == "selfbuilt/campaign.toml" {
            s.replacen(
                "to = \"buildings.building_code\"",
                "to = \"buildings.house\"",
                1,
            )
        } else {
            s
        }
    });
    let o = run(&["--schemas", p(sd.parent().unwrap()), "rules"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("[[references]]") && o.stderr.contains("\"house\""),
        "{}",
        o.stderr
    );
}

#[test]
fn a_field_renamed_everywhere_keeps_the_cross_table_checks() {
    let t = tempfile::tempdir().unwrap();
    // Everything that names the field by its key: the field, the row rules, the
    // campaign's checks, write-offs and tally.
    let sd = schemas_copy_with(t.path(), |rel, s| {
        if rel.starts_with("selfbuilt/") {
            s.replace("key = \"judgement\"", "key = \"judgment\"")
                .replace("field = \"judgement\"", "field = \"judgment\"")
                .replace("{judgement}", "{judgment}")
                .replace(
                    "\"surveyor\", \"judgement\"]",
                    "\"surveyor\", \"judgment\"]",
                )
        } else {
            s
        }
    });
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    write_table(
        &dir.join("房屋.csv"),
        &B_HEAD,
        &[
            building("YH450103000000001", IDS[0], "未发现安全隐患"),
            building("YH450103000000002", IDS[1], "存在一定安全隐患"),
        ],
    );
    let h = hazard(
        "YH450103000000001-01",
        "YH450103000000001",
        "一般隐患",
        "整治中",
        "韦宝",
    );
    write_table(&dir.join("隐患.csv"), &H_HEAD, &[h]);
    let o = run(&["--schemas", p(&sd), "check", p(&dir), "--format", "csv"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.contains("X003"), "{}", o.stdout);
    let out = t.path().join("out");
    let o = run(&["--schemas", p(&sd), "run", p(&dir), "--out", p(&out)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let w = read_csv(&out.join("writeoffs.csv"));
    assert!(
        w.iter()
            .any(|r| r[0] == "suspected_misentry" && r[1] == "YH450103000000002"),
        "{w:?}"
    );
    let tally = read_csv(&out.join("tally.csv"));
    let col = tally[0].iter().position(|k| k == "some_hazard").unwrap();
    assert_eq!(tally.last().unwrap()[col], "1", "{tally:?}");
}

#[test]
fn the_tallys_words_come_from_the_schemas() {
    let t = tempfile::tempdir().unwrap();
    let sd = schemas_copy_with(t.path(), |rel, s| {
        if rel == "selfbuilt/campaign.toml" {
            s.replace("label = \"排查房屋数\"", "label = \"排查栋数\"")
                .replace("total = \"合计\"", "total = \"全镇合计\"")
        } else {
            s
        }
    });
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    write_table(
        &dir.join("房屋.csv"),
        &B_HEAD,
        &[building("YH450103000000001", IDS[0], "未发现安全隐患")],
    );
    let out = t.path().join("out");
    let o = run(&["--schemas", p(&sd), "run", p(&dir), "--out", p(&out)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows = calamine_rows(&out.join("tally.xlsx"), "统计");
    assert_eq!(rows[0][1], "排查栋数", "{rows:?}");
    assert_eq!(rows.last().unwrap()[0], "全镇合计", "{rows:?}");
}

/// `--roster` that names no file, a campaign without `[coverage]`, and a `[coverage]`
/// naming a field the survey table lacks: each stops with exit 2 saying which.
#[test]
fn a_roster_the_run_cannot_use_exits_2_saying_why() {
    let t = tempfile::tempdir().unwrap();
    let town = demo(t.path());
    let out = t.path().join("out");
    let missing = t.path().join("名册.xlsx");
    let o = run(&["run", p(&town), "--roster", p(&missing), "--out", p(&out)]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("名册.xlsx") && o.stderr.contains("找不到"),
        "{}",
        o.stderr
    );
    // Without [coverage] (its rules and tally columns gone with it).
    let sd = schemas_copy_with(&t.path().join("a"), |rel, s| {
        if rel != "selfbuilt/campaign.toml" {
            return s;
        }
        let cut = |s: &str, from: &str, to: &str| -> String {
            let a = s.find(from).unwrap();
            let b = a + s[a..].find(to).unwrap();
            format!("{}{}", &s[..a], &s[b..])
        };
        let s = cut(&s, "[coverage]", "# ---- write-offs");
        let s = cut(
            &s,
            "# Columns of the coverage",
            "# ---- the township report",
        );
        cut(
            &s,
            "[[report.lines]]\ntext = \"对照房屋名册",
            "[[report.lines]]\ntext = \"与上一轮",
        )
    });
    std::fs::write(&missing, "x").unwrap();
    let o = run(&[
        "--schemas",
        p(&sd),
        "run",
        p(&town),
        "--roster",
        p(&missing),
        "--out",
        p(&out),
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("[coverage]"), "{}", o.stderr);
    // A match level naming a field that is not one of the roster's.
    let sd = schemas_copy_with(&t.path().join("b"), |rel, s| {
        if rel == "selfbuilt/campaign.toml" {
            s.replacen("by = [\"owner_id\"]", "by = [\"phone\"]", 1)
        } else {
            s
        }
    });
    let o = run(&["--schemas", p(&sd), "rules"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("[coverage]") && o.stderr.contains("\"phone\""),
        "{}",
        o.stderr
    );
}

/// `--help` and every subcommand's help are Chinese (headings, each argument, -h and -V,
/// defaults); `--lang en` anywhere on the command line gives clap's English.
#[test]
fn help_is_chinese_unless_lang_en() {
    let o = run(&["--help"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for w in [
        "用法：selfbuilt [选项] <子命令>",
        "子命令：",
        "选项：",
        "显示本帮助",
        "显示版本号",
    ] {
        assert!(o.stdout.contains(w), "{w} in\n{}", o.stdout);
    }
    for w in ["Usage", "Commands", "Options", "Print help", "[default"] {
        assert!(!o.stdout.contains(w), "{w} in\n{}", o.stdout);
    }
    let o = run(&["run", "--help"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for w in [
        "用法：selfbuilt run [选项] --out <DIR> <INPUT>...",
        "参数：",
        "输出文件夹（不存在时自动创建）；程序只在这里面写文件",
        "--max-file-mb",
        "；默认 200",
    ] {
        assert!(o.stdout.contains(w), "{w} in\n{}", o.stdout);
    }
    assert!(!o.stdout.contains("Output folder"), "{}", o.stdout);
    // `help run` and `-h` say the same.
    assert_eq!(run(&["help", "run"]).stdout, o.stdout);
    assert_eq!(run(&["run", "-h"]).stdout, o.stdout);
    // Every visible subcommand's help is Chinese.
    for sub in ["check", "inspect", "rules", "template", "demo"] {
        let o = run(&[sub, "--help"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stdout.contains("用法：") && !o.stdout.contains("Usage"),
            "{sub}: {}",
            o.stdout
        );
    }
    // English under --lang en, before or after the subcommand, with or without `=`.
    let o = run(&["--lang", "en", "--help"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("Usage: selfbuilt [OPTIONS] <COMMAND>")
            && o.stdout.contains("Commands:")
            && !o.stdout.contains("用法"),
        "{}",
        o.stdout
    );
    let o = run(&["run", "--help", "--lang=en"]);
    assert!(
        o.stdout.contains("Output folder (created if needed)") && !o.stdout.contains("用法"),
        "{}",
        o.stdout
    );
    let o = run(&["-V"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("selfbuilt "), "{}", o.stdout);
}

/// A wrong command line is said in Chinese, with clap's suggestion, the usage line and
/// where to read more, and exits 2; clap's English under `--lang en`.
#[test]
fn usage_errors_are_chinese_and_exit_2() {
    let o = run(&["run", "x", "--deadlin", "2026-12-15"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    for w in [
        "无法识别的选项 --deadlin，您是不是要写 --deadline？",
        "用法：selfbuilt run [选项] --out <DIR> <INPUT>...",
        "要查看全部用法，请运行 selfbuilt run --help",
    ] {
        assert!(o.stderr.contains(w), "{w} in\n{}", o.stderr);
    }
    assert!(
        !o.stderr.contains("error:") && !o.stderr.contains("Usage"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    // A required argument left out, named with what it is for.
    let o = run(&["run", "x"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("缺少必填的参数：--out <DIR>（输出文件夹）"),
        "{}",
        o.stderr
    );
    // Our own value parser's message, its Chinese half.
    let o = run(&["run", "x", "--out", "o", "--deadline", "2026-13-45"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("“2026-13-45”不是日期") && !o.stderr.contains("not a date"),
        "{}",
        o.stderr
    );
    // A value not among the choices; a subcommand misspelt.
    let o = run(&["check", "x", "--format", "xml"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("只能写 text、csv、json"), "{}", o.stderr);
    let o = run(&["rum", "x"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("没有“rum”这个子命令，您是不是要写 run？"),
        "{}",
        o.stderr
    );
    // No subcommand: the help, on stderr, exit 2.
    let o = run(&[]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("用法："), "{}", o.stderr);
    // English.
    let o = run(&["--lang", "en", "run", "x", "--deadlin", "2026-12-15"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("unexpected argument '--deadlin'")
            && o.stderr.contains("--deadline")
            && !o.stderr.contains("无法识别"),
        "{}",
        o.stderr
    );
}

/// inspect names each column's field by its label (身份证号), in English under --lang en;
/// the keys stay in --json, for machines.
#[test]
fn inspect_shows_field_labels_not_keys() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
    let o = run(&["inspect", p(&demo)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("→ 身份证号\n") && o.stdout.contains("→ 房屋编码\n"),
        "{}",
        o.stdout
    );
    for key in ["owner_id", "building_code", "(buildings)"] {
        assert!(!o.stdout.contains(key), "{key} in\n{}", o.stdout);
    }
    let o = run(&["--lang", "en", "inspect", p(&demo)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("→ owner ID number\n")
            && o.stdout.contains("header rows")
            && !o.stdout.contains("owner_id"),
        "{}",
        o.stdout
    );
    let o = run(&["inspect", "--json", p(&demo)]);
    assert!(o.stdout.contains("\"owner_id\""), "JSON keeps the keys");
}
