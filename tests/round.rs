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
        // Errors to fix on the row itself: knock-ons (a row held back with the row it
        // stands on) are said apart.
        let knock_on = ["X007", "X008", "X009", "X010"];
        let errs = mine
            .iter()
            .filter(|r| r[6] == "error" && !knock_on.contains(&r[7].as_str()))
            .count();
        let said = if errs > 0 {
            format!("{errs} 处（改正后才能上报）")
        } else {
            "0 处".to_string()
        };
        assert!(text.contains(&said), "{v}: {text}");
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
    let (_, rm) = selfbuilt::demo::write_rounds(&s, &one, &two, 11, 400, 10).unwrap();
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
    // Removed: the generator's, and the first round's row of each fixed identity (known
    // then by its content, so shown without the code it lacked).
    let main_table = &s.table(s.campaign.main()).table.key;
    let mut removed: BTreeSet<_> = rm.removed.iter().cloned().collect();
    for (v, m, _, sp) in &rm.fixed {
        if identity(&sp.table, &sp.field, sp.what) {
            let m = if &sp.table == main_table {
                String::new()
            } else {
                m.clone()
            };
            removed.insert((v.clone(), m, String::new()));
        }
    }
    assert_eq!(of("removed"), removed);
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

/// A roster of the town against its survey, for each shipped campaign: coverage.csv says
/// exactly which houses on the roster the villages left out and which surveyed houses it
/// does not list, and by which level each of the others was found (a code, then an ID
/// number, then a name and address written another way); each left-out house is a V001
/// finding in its village's return package (also for a village that sent no file),
/// each unlisted one a V002 on its survey row; the tally, the coverage sheet and the
/// report say the same counts.
#[test]
fn the_roster_finds_exactly_the_houses_left_out() {
    for key in ["selfbuilt", "gongmao"] {
        let s = selfbuilt::schema::Schemas::load(None, Some(key)).unwrap();
        let cv = s.campaign.coverage.clone().unwrap();
        let t = tempfile::tempdir().unwrap();
        let (survey, roster) = (t.path().join("survey"), t.path().join("roster"));
        let (_, m) = selfbuilt::demo::write_roster(&s, &survey, &roster, 5, 300, 5, false).unwrap();
        assert!(
            m.missing.len() >= 5 && m.unlisted.len() >= 2,
            "{key}: {m:?}"
        );
        for l in 0..cv.matches.len() {
            assert!(
                m.found_by.iter().any(|x| x.2 == l),
                "{key}: no entry to be found by level {l}"
            );
        }
        let out = t.path().join("out");
        let r = run(&[
            "--campaign",
            key,
            "run",
            p(&survey),
            "--roster",
            p(&m.file),
            "--out",
            p(&out),
            "--quiet",
        ]);
        assert!(r.code <= 1, "{key}: {}", r.stderr);
        let lines = read_csv(&out.join("coverage.csv"));
        let head = &lines[0];
        assert_eq!(head[..3], ["village", "status", "matched_by"], "{key}");
        let code_col = 3 + cv
            .fields
            .iter()
            .filter(|f| **f != s.campaign.campaign.village)
            .position(|f| *f == s.table(s.campaign.main()).table.identity[0])
            .unwrap();
        let of = |status: &str| -> BTreeSet<(String, String)> {
            lines[1..]
                .iter()
                .filter(|l| l[1] == status)
                .map(|l| (l[0].clone(), l[code_col].clone()))
                .collect()
        };
        let want = |v: &[(String, String)]| v.iter().cloned().collect::<BTreeSet<_>>();
        assert_eq!(
            of("missing"),
            want(&m.missing),
            "{key}: the houses left out"
        );
        assert_eq!(
            of("unlisted"),
            want(&m.unlisted),
            "{key}: the houses not listed"
        );
        assert!(of("twice").is_empty(), "{key}");
        for (village, code, level) in &m.found_by {
            let line = lines[1..]
                .iter()
                .find(|l| l[1] == "covered" && l[code_col] == *code)
                .unwrap_or_else(|| panic!("{key}: {code} not covered"));
            assert_eq!(line[0], *village, "{key}: {code}'s village");
            assert_eq!(line[2], cv.matches[*level].label, "{key}: {code} found by");
        }
        assert_eq!(
            lines.len() - 1,
            m.found_by.len() + m.missing.len() + m.unlisted.len(),
            "{key}: a line per entry and per unlisted row"
        );
        // The findings: V001 on the roster, V002 on the survey rows.
        let errors = read_csv(&out.join("errors.csv"));
        let count = |code: &str| errors[1..].iter().filter(|e| e[7] == code).count();
        assert_eq!(count("V001"), m.missing.len(), "{key}");
        assert_eq!(count("V002"), m.unlisted.len(), "{key}");
        let roster_name = m.file.file_name().unwrap().to_string_lossy().to_string();
        assert!(errors[1..]
            .iter()
            .filter(|e| e[7] == "V001")
            .all(|e| e[0] == roster_name && !e[3].is_empty()));
        // Each village's left-out houses are in its return package.
        for village in m.missing.iter().map(|x| &x.0).collect::<BTreeSet<_>>() {
            let list = out
                .join("退回各村")
                .join(village)
                .join(format!("{village}-问题清单.xlsx"));
            let rows = calamine_rows(&list, "问题清单");
            let v001 = rows
                .iter()
                .filter(|r| r.iter().any(|c| c.starts_with("V001")))
                .count();
            let want = m.missing.iter().filter(|x| &x.0 == village).count();
            assert_eq!(v001, want, "{key}: {village}'s package");
        }
        for v in &m.silent {
            assert!(
                !std::fs::read_dir(&survey).unwrap().any(|e| e
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(v.as_str())),
                "{v} sent no file"
            );
        }
        if key == "selfbuilt" {
            assert_eq!(m.silent.len(), 1, "a village that sent nothing");
        }
        // The tally's coverage columns and the sheet's total say the same.
        let tally = read_csv(&out.join("tally.csv"));
        let col = |k: &str| {
            tally[0]
                .iter()
                .position(|x| x.ends_with(k))
                .unwrap_or_else(|| panic!("{key}: no tally column {k}"))
        };
        let total = tally.last().unwrap();
        let listed = m.found_by.len() + m.missing.len();
        assert_eq!(total[col("_listed")], listed.to_string(), "{key}");
        assert_eq!(total[col("_missing")], m.missing.len().to_string(), "{key}");
        assert_eq!(
            total[col("_unlisted")],
            m.unlisted.len().to_string(),
            "{key}"
        );
        let sheet = calamine_rows(&out.join("errors.xlsx"), &cv.sheet);
        let sum = sheet
            .iter()
            .find(|r| r[0] == s.campaign.tally.total)
            .unwrap_or_else(|| panic!("{key}: no total on the coverage sheet"));
        assert_eq!(sum[1], listed.to_string(), "{key}");
        assert_eq!(sum[3], m.missing.len().to_string(), "{key}");
        let report = std::fs::read_to_string(out.join("report.md")).unwrap();
        let rate = 100.0 * m.found_by.len() as f64 / listed as f64;
        let sentence = report
            .lines()
            .find(|l| l.contains(&format!("{}", listed)) && l.contains('%'))
            .unwrap_or_else(|| panic!("{key}: no coverage sentence in {report}"));
        assert!(
            sentence.contains(&format!("{:.1}%", rate))
                || sentence.contains(&format!("{rate:.0}%")),
            "{key}: {sentence}"
        );
        // Without a roster there is no coverage at all.
        let plain = t.path().join("plain");
        let r = run(&[
            "--campaign",
            key,
            "run",
            p(&survey),
            "--out",
            p(&plain),
            "--quiet",
        ]);
        assert!(r.code <= 1);
        assert!(!plain.join("coverage.csv").exists());
        assert!(!read_csv(&plain.join("tally.csv"))[0]
            .iter()
            .any(|c| c.ends_with("_listed")));
    }
}

/// A roster that lists a house twice gets one V003 naming the first place; a roster kept
/// in the input folder is read as the roster only, never as a village's file.
#[test]
fn a_roster_entry_listed_twice_and_a_roster_among_the_inputs() {
    let s = selfbuilt::schema::Schemas::shipped().unwrap();
    let t = tempfile::tempdir().unwrap();
    let survey = t.path().join("town");
    selfbuilt::demo::write_town(&s, &survey, 3, 40, 2, false).unwrap();
    let first = t.path().join("first");
    let r = run(&["run", p(&survey), "--out", p(&first), "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The roster from the survey's own rows (round.parquet keeps their values).
    let round = first.join("parquet").join("round.parquet");
    let snapshot = selfbuilt::round_file::read_parquet(&round, 64).unwrap();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for row in snapshot.rows.iter().filter(|r| r.table == "buildings") {
        let vals = &row.vals;
        rows.push(vec![
            vals[0].clone(),
            vals[1].clone(),
            vals[4].clone(),
            vals[3].clone(),
        ]);
    }
    assert_eq!(rows.len(), 40);
    rows.push(rows[7].clone());
    let roster = survey.join("名册.csv");
    let mut text = String::from("房屋编码,村（社区）,户主姓名,房屋坐落\n");
    for r in &rows {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    std::fs::write(&roster, text).unwrap();
    let out = t.path().join("out");
    let r = run(&[
        "run",
        p(&survey),
        "--roster",
        p(&roster),
        "--out",
        p(&out),
        "--quiet",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let codes: Vec<&str> = errors[1..].iter().map(|e| e[7].as_str()).collect();
    assert_eq!(codes, ["V003"], "{errors:?}");
    assert!(errors[1][8].contains("第9行"), "{}", errors[1][8]);
    let lines = read_csv(&out.join("coverage.csv"));
    assert_eq!(lines[1..].iter().filter(|l| l[1] == "covered").count(), 40);
    assert_eq!(lines[1..].iter().filter(|l| l[1] == "twice").count(), 1);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let files = std::fs::read_dir(&survey).unwrap().count() - 1;
    assert_eq!(
        summary["files_read"], files,
        "the roster is not a village's file"
    );
    assert_eq!(summary["coverage"]["roster"], "名册.csv");
    assert_eq!(summary["coverage"]["listed"], 40);
    assert_eq!(summary["coverage"]["twice"], 1);
    assert_eq!(
        read_csv(&out.join("tally.csv")).last().unwrap()[1],
        "40",
        "the roster's rows are not buildings"
    );
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
    let roster = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-roster/房屋名册.xlsx");
    let out = t.path().join("out");
    let o = run(&[
        "run",
        p(&demo),
        "--roster",
        p(&roster),
        "--out",
        p(&out),
        "--quiet",
    ]);
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
        .filter(|r| r.starts_with("error") || r.starts_with("warning") || r.starts_with("held"))
        .collect();
    assert_eq!(rows.len(), errors.len() - 1, "a row per finding");
    // Its files' findings, and the roster's houses it left out.
    let left_out = read_csv(&out.join("coverage.csv"))[1..]
        .iter()
        .filter(|l| l[0] == village && l[1] == "missing")
        .count();
    assert!(left_out > 0);
    let mine = errors[1..]
        .iter()
        .filter(|r| r[0].starts_with(village))
        .count()
        + left_out;
    assert!(mine > left_out);
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
    // Bars: a village's group per chart (8 villages and the one that sent nothing, 3
    // judgements and 3 statuses).
    assert_eq!(dom.matches("<rect ").count(), 9 * 6);
    // The coverage table: a row per village of the roster and the total.
    let coverage = dom
        .split("<table id=\"coverage\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("a coverage table");
    assert_eq!(coverage.matches("<tr>").count(), 1 + 9 + 1);
    assert!(coverage.contains("98.6%"), "{coverage}");
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

/// The rounds' counts by change, from rounds.csv.
fn round_counts(out: &Path) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for l in &read_csv(&out.join("rounds.csv"))[1..] {
        *m.entry(l[3].clone()).or_insert(0) += 1;
    }
    m
}

/// Every finding of either round is fixed, open or new, none dropped — rows without a
/// readable identity (a review whose building code is empty) and findings on no row
/// included. The same files sent again: every finding of the first round is still open,
/// none fixed, none new; the console and each village's cover say so.
#[test]
fn every_finding_is_followed_across_rounds() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
    let t = tempfile::tempdir().unwrap();
    let (o1, o2) = (t.path().join("r1"), t.path().join("r2"));
    run(&["run", p(&demo), "--out", p(&o1), "--quiet"]);
    let first = read_csv(&o1.join("errors.csv")).len() - 1;
    assert!(first > 40, "{first}");
    let r = run(&["run", p(&demo), "--out", p(&o2), "--previous", p(&o1)]);
    let c = round_counts(&o2);
    assert_eq!(c.get("open"), Some(&first), "{c:?}");
    for change in ["fixed", "new", "added", "removed", "changed"] {
        assert_eq!(c.get(change), None, "{change}: {c:?}");
    }
    assert!(
        r.stderr
            .contains(&format!("已改正 0 处，仍未改正 {first} 处，新发现 0 处")),
        "{}",
        r.stderr
    );
    // Each village's cover says what is still open.
    let lines = read_csv(&o2.join("rounds.csv"));
    let village = &lines[1][0];
    let open = lines[1..].iter().filter(|l| &l[0] == village).count();
    let mut wb = calamine::open_workbook_auto(
        o2.join("退回各村")
            .join(village)
            .join(format!("{village}-问题清单.xlsx")),
    )
    .unwrap();
    let cover: Vec<String> = wb
        .worksheet_range("说明")
        .unwrap()
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        cover
            .iter()
            .any(|c| c.contains(&format!("已改正 0 处，仍未改正 {open} 处"))),
        "{cover:?}"
    );
}

/// The sample township's dirty files, then its clean ones: every finding of the first
/// round is fixed, and nothing is open or new.
#[test]
fn dirty_then_clean_fixes_every_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if !root.exists() {
        eprintln!("skipped: ../shared/samples is absent");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let (o1, o2) = (t.path().join("r1"), t.path().join("r2"));
    run(&[
        "run",
        p(&root.join("dirty/input")),
        "--out",
        p(&o1),
        "--quiet",
    ]);
    let first = read_csv(&o1.join("errors.csv")).len() - 1;
    assert!(first > 20, "{first}");
    run(&[
        "run",
        p(&root.join("clean/input")),
        "--out",
        p(&o2),
        "--previous",
        p(&o1),
        "--quiet",
    ]);
    let c = round_counts(&o2);
    assert_eq!(c.get("fixed"), Some(&first), "{c:?}");
    assert_eq!(c.get("open"), None, "{c:?}");
    assert_eq!(c.get("new"), None, "{c:?}");
}

/// One set of figures: the demo town with its roster, second round. Houses surveyed
/// (rows read), accepted and held back, and villages that sent files apart from the one
/// only the roster names, read from summary.json, are what the console, tally.csv,
/// tally.xlsx, report.md, report.html, the 汇报 sheet and each village's cover state.
#[test]
fn every_output_states_the_same_figures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let roster = root.join("demo-roster/房屋名册.xlsx");
    let t = tempfile::tempdir().unwrap();
    let (o1, o2) = (t.path().join("r1"), t.path().join("r2"));
    let town = root.join("demo-town");
    run(&[
        "run",
        p(&town),
        "--out",
        p(&o1),
        "--roster",
        p(&roster),
        "--quiet",
    ]);
    let r = run(&[
        "run",
        p(&town),
        "--out",
        p(&o2),
        "--roster",
        p(&roster),
        "--previous",
        p(&o1),
    ]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o2.join("summary.json")).unwrap()).unwrap();
    let b = &summary["tables"]["buildings"];
    let (read, accepted, rejected) = (
        b["read"].as_u64().unwrap(),
        b["accepted"].as_u64().unwrap(),
        b["rejected"].as_u64().unwrap(),
    );
    assert_eq!(read, accepted + rejected);
    assert!(rejected > 0);
    let villages = summary["villages"].as_u64().unwrap();
    let silent = summary["villages_silent"].as_array().unwrap();
    assert_eq!(silent.len(), 1, "{summary}");
    let silent = silent[0].as_str().unwrap();
    // The console: stages as plain lines (its standard error is no terminal), the
    // figures, and what to do next.
    assert!(
        r.stderr
            .contains(&format!("{read} 行，通过 {accepted}，退回 {rejected}")),
        "{}",
        r.stderr
    );
    for said in [
        "读取文件：共 10 个",
        "写出结果：共",
        "下一步：",
        "退回各村/",
    ] {
        assert!(r.stderr.contains(said), "{said}: {}", r.stderr);
    }
    // A village left blank is to be filled with the file's own village, not an example's.
    let errors = read_csv(&o2.join("errors.csv"));
    let blank_village: Vec<&Vec<String>> = errors[1..]
        .iter()
        .filter(|e| e[4] == "village" && e[7] == "C001")
        .collect();
    assert!(!blank_village.is_empty());
    for e in blank_village {
        let own = e[0].trim_end_matches(".xlsx").trim_end_matches(".csv");
        assert!(
            e[9].contains(&format!("例：{}", &own[..own.find('村').unwrap() + 3])),
            "{e:?}"
        );
    }
    // tally.csv: accepted and held back (its columns are fixed: no surveyed column).
    let tally = read_csv(&o2.join("tally.csv"));
    let col = |k: &str| tally[0].iter().position(|h| h == k).unwrap();
    let total = tally.last().unwrap();
    assert_eq!(total[col("buildings")], accepted.to_string());
    assert_eq!(total[col("rejected")], rejected.to_string());
    assert!(!tally[0].contains(&"surveyed".to_string()));
    let listed: Vec<&str> = tally[1..tally.len() - 1]
        .iter()
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(
        listed.len() as u64,
        villages + 1,
        "the silent village has its roster line"
    );
    // tally.xlsx: surveyed, accepted, held back in its 合计 row.
    let x = calamine_rows(&o2.join("tally.xlsx"), "统计");
    let last = x.last().unwrap();
    let xcol = |label: &str| x[0].iter().position(|h| h == label).unwrap();
    assert_eq!(last[xcol("排查房屋数")], read.to_string());
    assert_eq!(last[xcol("可上报房屋数")], accepted.to_string());
    // The report's sentences, in report.md, report.html and the 汇报 sheet.
    let first = format!(
        "全镇{villages}个村（社区）报送排查自建房{read}栋，其中{accepted}栋信息完整、可以上报，{rejected}栋因填报有误暂缓上报"
    );
    let md = std::fs::read_to_string(o2.join("report.md")).unwrap();
    let html = std::fs::read_to_string(o2.join("report.html")).unwrap();
    let said: Vec<String> = calamine_rows(&o2.join("tally.xlsx"), "汇报")
        .into_iter()
        .flatten()
        .collect();
    for (name, text) in [
        ("report.md", md.clone()),
        ("report.html", html),
        ("汇报", said.join("\n")),
    ] {
        assert!(text.contains(&first), "{name}: {text}");
        assert!(text.contains(&format!("{silent}尚未报送")), "{name}");
        assert!(
            !text.contains("已在系统申请销号") && !text.contains("已退回各村"),
            "{name}"
        );
    }
    // The round's figures: the report's, the console's.
    let c = {
        let lines = read_csv(&o2.join("rounds.csv"));
        let n = |k: &str| lines[1..].iter().filter(|l| l[3] == k).count();
        (n("fixed"), n("open"), n("new"))
    };
    assert!(md.contains(&format!(
        "已改正问题{}处，仍有{}处未改正，新发现问题{}处",
        c.0, c.1, c.2
    )));
    assert!(r.stderr.contains(&format!(
        "已改正 {} 处，仍未改正 {} 处，新发现 {} 处",
        c.0, c.1, c.2
    )));
    // Each cover: its village's line of the tally.
    let row_of = |v: &str| tally.iter().find(|r| r[0] == v).unwrap().clone();
    let mut covers = 0;
    for e in std::fs::read_dir(o2.join("退回各村")).unwrap() {
        let v = e.unwrap().file_name().to_string_lossy().into_owned();
        let cover: Vec<String> = calamine_rows(
            &o2.join("退回各村")
                .join(&v)
                .join(format!("{v}-问题清单.xlsx")),
            "说明",
        )
        .into_iter()
        .flatten()
        .collect();
        let cover = cover.join("\n");
        if v == silent {
            assert!(cover.contains("本村尚未报送排查表"), "{cover}");
            continue;
        }
        let row = row_of(&v);
        let (acc, rej) = (&row[col("buildings")], &row[col("rejected")]);
        let surveyed = acc.parse::<u64>().unwrap() + rej.parse::<u64>().unwrap();
        assert!(
            cover.contains(&format!(
                "排查房屋数 {surveyed}，可上报房屋数 {acc}，暂缓上报（有错误） {rej}"
            )),
            "{v}: {cover}"
        );
        covers += 1;
    }
    assert!(covers >= 5);
}
