//! Checks against ../shared/samples when it is there (skipped otherwise): inspect's data
//! row count per file and sheet equals key/rows.csv.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

#[test]
fn inspect_row_counts_equal_the_clean_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/clean");
    if !root.join("key/rows.csv").exists() {
        eprintln!("skipped: ../shared/samples is absent");
        return;
    }
    let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
    for r in read_csv(&root.join("key/rows.csv")).into_iter().skip(1) {
        *want.entry((r[0].clone(), r[1].clone())).or_default() += 1;
    }
    let o = run(&["inspect", "--json", p(&root.join("input"))]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
    for s in v.as_array().unwrap() {
        let n = s["data_rows"].as_u64().unwrap();
        if n > 0 {
            got.insert(
                (
                    s["file"].as_str().unwrap().to_string(),
                    s["sheet"].as_str().unwrap_or("").to_string(),
                ),
                n,
            );
            for c in s["columns"].as_array().unwrap() {
                let how = c["how"].as_str().unwrap();
                assert!(
                    how == "label" || how == "seq" || how == "note",
                    "{} {}: {c}",
                    s["file"],
                    s["sheet"]
                );
            }
        }
    }
    assert_eq!(got, want);
}

#[test]
fn hostile_broken_files_give_file_level_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/hostile");
    if !root.join("key/hostile.csv").exists() {
        eprintln!("skipped: ../shared/samples is absent");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o = run(&["run", p(&root.join("input")), "--out", p(&out)]);
    assert!(o.code == 0 || o.code == 1, "{}", o.stderr);
    let errs = read_csv(&out.join("errors.csv"));
    for r in read_csv(&root.join("key/hostile.csv")).into_iter().skip(1) {
        if r[1] == "file_finding" {
            assert!(
                errs.iter().any(|e| e[0] == r[0] && e[2].is_empty()),
                "{} has no file-level finding",
                r[0]
            );
        }
        if r[1] == "skip" {
            assert!(
                errs.iter().all(|e| e[0] != r[0]),
                "{} should be skipped",
                r[0]
            );
        }
    }
}

/// report.md on the clean township states the key's figures in its sentences: the
/// buildings surveyed (in total and 经营性), the three misentries, the hazards and how many
/// are rectified.
#[test]
fn report_states_the_clean_keys_figures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/clean");
    if !root.join("key/expected_tally.csv").exists() {
        eprintln!("skipped: ../shared/samples is absent");
        return;
    }
    let key = read_csv(&root.join("key/expected_tally.csv"));
    let total = key.last().unwrap();
    let at = |k: &str| &total[key[0].iter().position(|h| h == k).unwrap()];
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let o = run(&["run", p(&root.join("input")), "--out", p(&out)]);
    assert!(o.code <= 1, "{}", o.stderr);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for want in [
        // Every house of the clean profile goes up: surveyed and accepted are one figure.
        format!("报送排查自建房{}栋，信息均完整", at("buildings")),
        format!("经营性自建房（含自住兼经营）{}栋", at("commercial")),
        format!(
            "经“回头看”复核，{}栋系村干部操作失误录入错误",
            at("writeoff_misentry")
        ),
        format!(
            "可上报的安全隐患共{}处，其中已整治{}处",
            at("hazards"),
            at("rectified")
        ),
    ] {
        assert!(md.contains(&want), "{want} not in:\n{md}");
    }
    assert_eq!(at("writeoff_misentry"), "3");
    // The same sentences on tally.xlsx's 汇报 sheet.
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(out.join("tally.xlsx")).unwrap();
    let r = wb.worksheet_range("汇报").unwrap();
    let text: Vec<String> = r.rows().map(|row| row[0].to_string()).collect();
    let first = md.lines().nth(2).unwrap();
    assert!(text.iter().any(|l| l == first), "{first} not in {text:?}");
}
