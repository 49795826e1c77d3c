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
