//! One engine for any campaign: the shipped 工贸企业 campaign end to end on the towns its
//! own generator makes, and a fourth table added in a test's own schema folder with no
//! Rust change.

mod common;

use std::path::Path;

use common::*;
use selfbuilt::schema::Schemas;

fn gongmao() -> Schemas {
    Schemas::load(None, Some("gongmao")).unwrap()
}

fn col(rows: &[Vec<String>], key: &str) -> usize {
    rows[0]
        .iter()
        .position(|k| k == key)
        .unwrap_or_else(|| panic!("no column {key} in {:?}", rows[0]))
}

#[test]
fn gongmao_clean_town_runs_clean_and_tallies_every_row() {
    let t = tempfile::tempdir().unwrap();
    let town = t.path().join("town");
    let o = run(&[
        "--campaign",
        "gongmao",
        "demo",
        "--out",
        p(&town),
        // `--buildings`, the old name of `--rows`, still works (a hidden alias).
        "--buildings",
        "48",
        "--villages",
        "4",
        "--clean",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let out = t.path().join("out");
    let o = run(&["--campaign", "工贸企业", "run", p(&town), "--out", p(&out)]);
    assert_eq!(o.code, 0, "a clean town has no error: {}", o.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    // A second round names its rows by the campaign's own keys, not a house's.
    let again = t.path().join("again");
    let o = run(&[
        "--campaign",
        "gongmao",
        "run",
        p(&town),
        "--out",
        p(&again),
        "--previous",
        p(&out),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rounds = read_csv(&again.join("rounds.csv"));
    assert_eq!(&rounds[0][..3], ["village", "credit_code", "hazard_code"]);
    // The same generator, called here, says what it wrote.
    let again = t.path().join("again");
    let m = selfbuilt::demo::write_town(&gongmao(), &again, 2022, 48, 4, false).unwrap();
    assert_eq!(
        m.files,
        3 + 3,
        "three workbooks and a CSV village's three files"
    );
    let tally = read_csv(&out.join("tally.csv"));
    let total = tally.last().unwrap();
    assert_eq!(total[0], "合计");
    assert_eq!(total[col(&tally, "enterprises")], m.rows[0].to_string());
    assert_eq!(total[col(&tally, "inspections")], m.rows[1].to_string());
    assert_eq!(total[col(&tally, "hazards")], m.rows[2].to_string());
    let rectified: i64 = total[col(&tally, "rectified")].parse().unwrap();
    assert!(rectified > 0 && total[col(&tally, "rejected")] == "0");
    // Every row went up: cleaned.xlsx has each table's sheet with all its rows.
    for (sheet, n) in [
        ("企业信息", m.rows[0]),
        ("检查记录", m.rows[1]),
        ("隐患台账", m.rows[2]),
    ] {
        let rows = calamine_rows(&out.join("cleaned.xlsx"), sheet);
        assert_eq!(rows.len(), n + 1, "{sheet}");
    }
    let head = calamine_rows(&out.join("cleaned.xlsx"), "企业信息")[0].clone();
    assert_eq!(head[0], "统一社会信用代码");
    // Write-offs name the hazard and its enterprise, under the tables' own identity keys.
    let w = read_csv(&out.join("writeoffs.csv"));
    assert_eq!(&w[0][..3], ["reason", "credit_code", "hazard_code"]);
    assert!(
        w.len() > 1
            && w[1..]
                .iter()
                .all(|r| r[0] == "rectified" && r[1].len() == 18)
    );
    assert!(w[1][7].contains("符合整改完成销号条件"), "{:?}", w[1]);
    // tally.xlsx holds the campaign's labels.
    let x = calamine_rows(&out.join("tally.xlsx"), "统计");
    // A label breaks before its bracket; read as one line.
    let head: Vec<String> = x[0][..4].iter().map(|h| h.replace('\n', "")).collect();
    assert_eq!(
        head,
        ["村（社区）", "检查企业数", "可上报企业数", "检查家次"]
    );
}

#[test]
fn faults_are_found_where_the_generator_put_them() {
    for key in ["gongmao", "selfbuilt"] {
        faults_of(key);
    }
}

fn faults_of(key: &str) {
    let schemas = Schemas::load(None, Some(key)).unwrap();
    let t = tempfile::tempdir().unwrap();
    let town = t.path().join("town");
    let m = selfbuilt::demo::write_town(&schemas, &town, 7, 40, 4, true).unwrap();
    assert!(m.spoiled.len() >= 12, "{:?}", m.spoiled);
    let out = t.path().join("out");
    let o = run(&["--campaign", key, "run", p(&town), "--out", p(&out)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let changes = read_csv(&out.join("changes.csv"));
    let labels = |t: &str| {
        schemas
            .tables
            .iter()
            .find(|s| s.table.key == t)
            .unwrap()
            .table
            .label
            .clone()
    };
    for sp in &m.spoiled {
        let (file, sheet, row, field) = (&sp.file, &sp.sheet, sp.row, &sp.field);
        assert!(sheet.is_empty() || *sheet == labels(&sp.table));
        let at = |r: &Vec<String>| {
            r[0] == *file && r[1] == *sheet && r[2] == row.to_string() && r[4] == *field
        };
        match sp.what {
            "blank" => assert!(
                errors.iter().any(|r| at(r) && r[7] == "C001"),
                "{file} {sheet} {row} {field}: {errors:?}"
            ),
            "check" => assert!(
                errors.iter().any(|r| at(r) && r[7] == "C024"),
                "{file} {sheet} {row} {field}"
            ),
            "float" => assert!(errors.iter().any(|r| at(r) && r[7] == "C009")),
            "no_equivalent" => assert!(errors.iter().any(|r| at(r) && r[7] == "C021")),
            _ => assert!(
                changes.iter().any(at),
                "{} cleaned and in the audit trail: {file} {sheet} {row} {field}",
                sp.what
            ),
        }
    }
    // No input row is lost: each is accepted (in cleaned.xlsx) or has an error finding.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for (ts, n) in schemas.tables.iter().zip(&m.rows) {
        let k = &ts.table.key;
        assert_eq!(s["tables"][k]["read"], *n as u64, "{key} {k}");
    }
}

#[test]
fn template_rules_and_inspect_serve_the_second_campaign() {
    let t = tempfile::tempdir().unwrap();
    let x = t.path().join("模板.xlsx");
    let o = run(&[
        "--campaign",
        "gongmao",
        "template",
        "--out",
        p(&x),
        "--village",
        "平安村",
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let rows = calamine_rows(&x, "企业信息");
    assert_eq!(rows[0][0], "平安村工贸企业基本信息表");
    assert!(rows
        .iter()
        .any(|r| r.iter().any(|c| c.contains("统一社会信用代码"))));
    let o = run(&["--campaign", "gongmao", "rules", "C024"]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout.contains("校验码") && o.stdout.contains("91350100M000100Y43"),
        "{}",
        o.stdout
    );
    let o = run(&["--campaign", "gongmao", "rules"]);
    for c in ["X101", "X105", "B103", "R321", "C023"] {
        assert!(o.stdout.contains(c), "{c}");
    }
    assert!(
        !o.stdout.contains("R101"),
        "the other campaign's rules are not listed"
    );
    let o = run(&["--campaign", "gongmao", "--lang", "en", "rules", "X101"]);
    assert_eq!(o.code, 0);
    assert!(
        o.stdout
            .contains("What it checks: this hazard's enterprise code")
            && o.stdout.contains("Applies to: Hazards"),
        "{}",
        o.stdout
    );
    let o = run(&["--lang", "en", "rules", "C024"]);
    assert!(
        o.stdout.contains("check character of the first 17"),
        "{}",
        o.stdout
    );
    // The template, filled in by nobody, is recognised as the campaign's three tables.
    let o = run(&["--campaign", "gongmao", "inspect", "--json", p(&x)]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let tables: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["table"].as_str())
        .collect();
    assert_eq!(
        tables,
        ["enterprises", "inspections", "hazards"],
        "{}",
        o.stdout
    );
    // An unknown campaign is a tool error naming the ones there are.
    let o = run(&["--campaign", "危化", "rules"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("gongmao") && o.stderr.contains("selfbuilt"),
        "{}",
        o.stderr
    );
}

/// A fourth table, 安全巡查 (patrols of a building), added by schema files only.
fn with_patrols(dir: &Path) -> std::path::PathBuf {
    let sd = schemas_copy_with(dir, |rel, s| {
        match rel {
        "selfbuilt/campaign.toml" => s
            .replace(
                "tables = [\"buildings\", \"hazards\", \"reviews\"]",
                "tables = [\"buildings\", \"hazards\", \"reviews\", \"patrols\"]",
            )
            .replace(
                "[[references]]\nfrom = \"reviews.building_code\"",
                "[[references]]\nfrom = \"patrols.building_code\"\nto = \"buildings.building_code\"\n\n[[references]]\nfrom = \"reviews.building_code\"",
            )
            + r#"
[[tally.columns]]
key = "patrols"
label = "巡查次数"
table = "patrols"

[[tally.columns]]
key = "patrols_found"
label = "巡查发现问题"
table = "patrols"
when = [{ field = "patrol_result", in = ["发现问题"] }]

[[cross]]
code = "X099"
kind = "unknown_parent"
reference = "patrols.building_code"
name = "patrol-unknown-building"
title = "巡查找不到房屋"
severity = "error"
what = "巡查记录中的房屋编码在房屋信息表中不存在。"
message_zh = "巡查的房屋编码 {value} 在房屋信息表中不存在"
message_en = "the patrolled building code {value} is not in the buildings table"
suggestion_zh = "核对房屋编码"
suggestion_en = "check the code"
"#,
        _ => s,
    }
    });
    std::fs::write(
        sd.join("patrols.toml"),
        r#"[table]
key = "patrols"
label = "安全巡查"
label_en = "Patrols"
identity = ["building_code", "patrol_date"]

[[fields]]
key = "building_code"
label = "房屋编码"
type = "code"
required = true
pattern = '^YH\d{15}$'
aliases = ["房屋编号"]

[[fields]]
key = "patrol_date"
label = "巡查日期"
type = "date"
required = true
aliases = ["巡查时间"]

[[fields]]
key = "patroller"
label = "巡查人"
type = "text"
required = true
profile = "person_name"
aliases = ["巡查人员"]

[[fields]]
key = "patrol_result"
label = "巡查结果"
type = "enum"
required = true
values = ["未发现问题", "发现问题"]
aliases = ["巡查情况"]
[fields.synonyms]
"正常" = "未发现问题"
"有问题" = "发现问题"
"#,
    )
    .unwrap();
    sd
}

#[test]
fn a_fourth_table_is_recognised_validated_cleaned_and_tallied_with_no_rust_change() {
    let t = tempfile::tempdir().unwrap();
    let sd = with_patrols(t.path());
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    write_table(
        &dir.join("平安村房屋.csv"),
        &B_HEAD,
        &[
            building("YH450103000000001", IDS[0], "未发现安全隐患"),
            building("YH450103000000002", IDS[1], "未发现安全隐患"),
        ],
    );
    let patrols = |rows: &[[&str; 4]]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    };
    write_table(
        &dir.join("平安村巡查.csv"),
        &["房屋编号", "巡查时间", "巡查人员", "巡查情况"],
        &patrols(&[
            ["YH450103000000001", "2022-10-01", "韦宝", "正常"],
            ["YH450103000000002", "2022年10月2日", "黄英", "有问题"],
            ["YH450103000000002", "2022-10-03", "黄英", "不清楚"],
            ["YH450103000000009", "2022-10-04", "黄英", "发现问题"],
        ]),
    );
    let o = run(&["--schemas", p(&sd), "inspect", "--json", p(&dir)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|s| s["table"] == "patrols" && s["data_rows"] == 4),
        "{}",
        o.stdout
    );
    let out = t.path().join("out");
    let o = run(&["--schemas", p(&sd), "run", p(&dir), "--out", p(&out)]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let codes: Vec<(&str, &str, &str)> = errors[1..]
        .iter()
        .filter(|r| r[0] == "平安村巡查.csv")
        .map(|r| (r[2].as_str(), r[4].as_str(), r[7].as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("4", "patrol_result", "C002"),
            ("5", "building_code", "X099")
        ]
    );
    // Cleaned: the two good rows, values canonical.
    let rows = calamine_rows(&out.join("cleaned.xlsx"), "安全巡查");
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][3], "未发现问题");
    assert_eq!(rows[2][3], "发现问题");
    let changes = read_csv(&out.join("changes.csv"));
    assert!(changes
        .iter()
        .any(|r| r[4] == "patrol_date" && r[6] == "2022-10-02"));
    // Tallied per village through the building it names.
    let tally = read_csv(&out.join("tally.csv"));
    let row = tally.iter().find(|r| r[0] == "平安村").expect("平安村");
    assert_eq!(row[col(&tally, "patrols")], "2");
    assert_eq!(row[col(&tally, "patrols_found")], "1");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["tables"]["patrols"]["read"], 4);
    assert_eq!(s["tables"]["patrols"]["rejected"], 2);
}

/// Every shipped campaign's town, made from its schemas alone, runs with no finding, and
/// each write-off reason its `[demo]` words count is proposed exactly that often (自建房:
/// three misentries, no suspected one).
#[test]
fn every_shipped_campaigns_generated_town_is_clean_and_realises_its_writeoffs() {
    for key in ["selfbuilt", "gongmao"] {
        let s = Schemas::load(None, Some(key)).unwrap();
        let t = tempfile::tempdir().unwrap();
        let (town, out) = (t.path().join("town"), t.path().join("out"));
        let m = selfbuilt::demo::write_town(&s, &town, 2022, 300, 4, false).unwrap();
        // Three villages' workbooks and a CSV village's file per table.
        assert_eq!(m.files, 3 + s.tables.len());
        let o = run(&["--campaign", key, "run", p(&town), "--out", p(&out)]);
        assert_eq!(o.code, 0, "{key}: {}", o.stderr);
        let errors = read_csv(&out.join("errors.csv"));
        assert_eq!(errors.len(), 1, "{key}: {errors:?}");
        let proposals = read_csv(&out.join("writeoffs.csv"));
        for (reason, n) in &s.campaign.demo.writeoffs {
            let got = proposals.iter().filter(|r| &r[0] == reason).count();
            assert_eq!(got, *n, "{key}: write-offs {reason}");
        }
        let tally = read_csv(&out.join("tally.csv"));
        let total = tally.last().unwrap();
        assert_eq!(
            total[1],
            m.rows[0].to_string(),
            "{key}: every main row tallied"
        );
    }
    assert!(Schemas::load(None, Some("selfbuilt"))
        .unwrap()
        .campaign
        .demo
        .writeoffs
        .contains_key("misentry"));
}
