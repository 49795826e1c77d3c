//! The clerk's round: what goes back to the villages (退回各村/), the report's sentences.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use calamine::Reader;
use common::*;

/// Every village with a finding gets a folder holding each of its annotated workbooks and
/// its 问题清单 (a cover with its counts, what to fix first and the deadline, then exactly
/// its findings); a village without one gets none.
#[test]
fn return_packages_go_to_exactly_the_villages_with_findings() {
    let t = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
    let out = t.path().join("out");
    let o = run(&[
        "run",
        p(&demo),
        "--out",
        p(&out),
        "--deadline",
        "2026-12-15",
        "--quiet",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "--quiet: {}{}",
        o.stdout,
        o.stderr
    );
    let errors = read_csv(&out.join("errors.csv"));
    let folders: BTreeSet<String> = std::fs::read_dir(out.join("退回各村"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // The demo's files are named after their villages.
    let inputs: Vec<String> = std::fs::read_dir(&demo)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let village_of = |file: &str| {
        folders
            .iter()
            .find(|v| file.starts_with(v.as_str()))
            .cloned()
    };
    let with: BTreeSet<String> = errors[1..]
        .iter()
        .map(|r| village_of(&r[0]).unwrap_or_else(|| panic!("{} has findings but no folder", r[0])))
        .collect();
    assert_eq!(
        with, folders,
        "a folder for each village with findings, and no other"
    );
    assert!(
        folders.len() >= 4 && folders.len() < 8,
        "{folders:?}: some villages came back clean"
    );
    for v in &folders {
        let dir = out.join("退回各村").join(v);
        let mine: Vec<&Vec<String>> = errors[1..]
            .iter()
            .filter(|r| village_of(&r[0]).as_deref() == Some(v.as_str()))
            .collect();
        // Each of its input files, annotated.
        for f in inputs.iter().filter(|f| f.starts_with(v.as_str())) {
            let stem = f.rsplit_once('.').unwrap().0;
            assert!(dir.join(format!("{stem}.批注.xlsx")).is_file(), "{v}: {f}");
        }
        let mut wb = calamine::open_workbook_auto(dir.join(format!("{v}-问题清单.xlsx"))).unwrap();
        assert_eq!(wb.sheet_names(), ["说明", "问题清单"]);
        let list = wb.worksheet_range("问题清单").unwrap();
        assert_eq!(
            list.height() - 1,
            mine.len(),
            "{v}: its findings, all of them"
        );
        let cover = wb.worksheet_range("说明").unwrap();
        let text: Vec<String> = cover
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        let text = text.join("\n");
        let errs = mine.iter().filter(|r| r[6] == "error").count();
        assert!(
            text.contains(&format!("{errs} 处（改正后才能上报）")),
            "{v}: {text}"
        );
        assert!(text.contains("2026年12月15日"), "{v}: {text}");
        assert!(text.contains("先改这些"), "{v}: {text}");
    }
}
