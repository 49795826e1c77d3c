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

/// A second round of the demo town, as its generator makes it (some villages fixed their
/// faults, one re-sorted its rows, one dropped a house and added one): rounds.csv lists
/// exactly those changes, matching rows by their codes, not by where they sit.
#[test]
fn a_second_round_lists_exactly_what_the_villages_changed() {
    let s = selfbuilt::schema::Schemas::load(None, Some("selfbuilt")).unwrap();
    let t = tempfile::tempdir().unwrap();
    let (one, two) = (t.path().join("round1"), t.path().join("round2"));
    let (_, rm) = selfbuilt::demo::generic::write_rounds(&s, &one, &two, 11, 400, 8).unwrap();
    assert!(!rm.fixed.is_empty() && !rm.added.is_empty() && !rm.removed.is_empty());
    assert!(!rm.resorted.is_empty() && !rm.same.is_empty());
    let (o1, o2) = (t.path().join("out1"), t.path().join("out2"));
    let r = run(&["run", p(&one), "--out", p(&o1), "--quiet"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let r = run(&[
        "run",
        p(&two),
        "--out",
        p(&o2),
        "--previous",
        p(&o1),
        "--quiet",
    ]);
    assert!(r.code <= 1, "{}", r.stderr);
    let lines = read_csv(&o2.join("rounds.csv"));
    assert_eq!(
        lines[0],
        [
            "village",
            "building_code",
            "hazard_code",
            "change",
            "code",
            "field",
            "old",
            "new"
        ]
    );
    let of = |change: &str| -> BTreeSet<(String, String, String)> {
        lines[1..]
            .iter()
            .filter(|l| l[3] == change)
            .map(|l| (l[0].clone(), l[1].clone(), l[2].clone()))
            .collect()
    };
    // A spoil the first run rejected (not one it cleaned) on an identity field: that
    // row had no identity in the first round.
    let identity = |table: &str, field: &str, what: &str| {
        what != "synonym"
            && what != "date"
            && s.tables
                .iter()
                .find(|t| t.table.key == table)
                .is_some_and(|t| t.table.identity.iter().any(|k| k == field))
    };
    // Rows added and removed: exactly the generator's, and a fixed identity (a blanked
    // reviewer) makes its row new, since the first round could not name it.
    let mut added: BTreeSet<_> = rm.added.iter().cloned().collect();
    for (v, m, item, sp) in &rm.fixed {
        if identity(&sp.table, &sp.field, sp.what) {
            added.insert((v.clone(), m.clone(), item.clone()));
        }
    }
    assert_eq!(of("added"), added);
    assert_eq!(of("removed"), rm.removed.iter().cloned().collect());
    // Every put-right cell that was an error is fixed, its value changed back (a synonym
    // or a date in words was cleaned in both rounds alike).
    let cleaned = |what: &str| what == "synonym" || what == "date";
    let fixed = of("fixed");
    let changed = of("changed");
    let put_right: Vec<_> = rm
        .fixed
        .iter()
        .filter(|f| !identity(&f.3.table, &f.3.field, f.3.what) && !cleaned(f.3.what))
        .collect();
    assert!(put_right.len() >= 3, "{put_right:?}");
    for (v, m, item, sp) in put_right {
        let k = (v.clone(), m.clone(), item.clone());
        assert!(fixed.contains(&k), "{k:?} {sp:?} not fixed");
        assert!(
            changed.contains(&k),
            "{k:?} {sp:?}: its value did not change"
        );
    }
    // Fixes and changed values only where villages fixed something; a re-sorted village
    // and one that sent the same have nothing but findings still open.
    let fixers: BTreeSet<&String> = rm.fixed.iter().map(|f| &f.0).collect();
    for l in &lines[1..] {
        match l[3].as_str() {
            "fixed" | "changed" | "new" => assert!(fixers.contains(&l[0]), "{l:?}"),
            "open" | "added" | "removed" => {}
            other => panic!("change {other}"),
        }
        if rm.resorted.contains(&l[0]) || rm.same.contains(&l[0]) {
            assert_eq!(l[3], "open", "{l:?}");
        }
    }
    assert!(lines[1..]
        .iter()
        .any(|l| l[3] == "open" && rm.resorted.contains(&l[0])));
    // The report and the sheets say it too.
    let md = std::fs::read_to_string(o2.join("report.md")).unwrap();
    let n_fixed = lines[1..].iter().filter(|l| l[3] == "fixed").count();
    assert!(md.contains(&format!("已改正问题{n_fixed}处")), "{md}");
    let wb = calamine::open_workbook_auto(o2.join("errors.xlsx")).unwrap();
    assert!(wb.sheet_names().contains(&"整改对比".to_string()));
    let mut tally = calamine::open_workbook_auto(o2.join("tally.xlsx")).unwrap();
    let beside = tally.worksheet_range("上轮对比").unwrap();
    assert!(beside
        .get_value((0, 2))
        .unwrap()
        .to_string()
        .contains("上轮"));
}

/// The chromium to render pages with: Debian's (`.ci/run` installs it); None outside CI.
fn chromium() -> Option<String> {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if std::process::Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(c.to_string());
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI has no chromium (.ci/run installs it)"
    );
    eprintln!("skipped: no chromium on this machine");
    None
}

/// report.html, opened from the out folder by a real headless Chromium with the address
/// asking for one village: the page's script has hidden every other village's finding,
/// the counts and bars are there, and each return package it links to exists.
#[test]
fn report_html_renders_in_headless_chromium() {
    let Some(chrome) = chromium() else { return };
    let t = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
    let out = t.path().join("out");
    let o = run(&["run", p(&demo), "--out", p(&out), "--quiet"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let village = "那洪村";
    let url = format!("file://{}#village={village}", p(&out.join("report.html")));
    let dom = std::process::Command::new(&chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", p(&t.path().join("profile"))))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let first = md.lines().nth(2).unwrap();
    assert!(dom.contains(first), "the report's first sentence: {first}");
    let rows: Vec<&str> = dom
        .split("<tr class=\"")
        .skip(1)
        .filter(|r| r.starts_with("error") || r.starts_with("warning"))
        .collect();
    assert_eq!(rows.len(), errors.len() - 1, "a row per finding");
    let mine = errors[1..]
        .iter()
        .filter(|r| r[0].starts_with(village))
        .count();
    assert!(mine > 0);
    let shown = rows.iter().filter(|r| !r.contains("display: none")).count();
    assert_eq!(shown, mine, "the script kept only {village}'s findings");
    assert!(rows
        .iter()
        .filter(|r| !r.contains("display: none"))
        .all(|r| r.contains(&format!("data-village=\"{village}\""))));
    assert!(
        dom.contains(&format!("{mine} / {}", rows.len())),
        "the count line"
    );
    // Bars: a village's group per chart (8 villages, 3 judgements and 3 statuses).
    assert_eq!(dom.matches("<rect ").count(), 8 * 6);
    // Each package link names a file that is there.
    let links: Vec<&str> = dom
        .split("class=\"pkg\" href=\"")
        .skip(1)
        .map(|l| l.split('"').next().unwrap())
        .collect();
    assert!(!links.is_empty());
    for l in links {
        let path: String = percent_decode(l);
        assert!(out.join(&path).is_file(), "{path}");
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
