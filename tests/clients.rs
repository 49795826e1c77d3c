//! Real clients open the outputs: every workbook the tool writes (cleaned, errors, tally,
//! each annotated copy, the template) is opened by LibreOffice Calc and by Gnumeric, saved
//! again by them, and must read back the same cells. `.ci/run` installs both (Debian's
//! `libreoffice-calc-nogui` and `gnumeric`); outside CI a missing program is a skip that
//! says so, in CI it is a failure.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook_auto, Data, Reader};
use common::*;

/// A program on PATH, or None (a skip outside CI, a failure in it).
fn client(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is required in CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED: {name} is not installed; this test runs in CI (.ci/run installs it)");
    }
    found
}

/// Every cell of every sheet, as text a person would compare (numbers without float noise).
fn cells(path: &Path) -> BTreeMap<String, Vec<Vec<String>>> {
    let mut wb = open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            let mut rows: Vec<Vec<String>> = range
                .rows()
                .map(|r| {
                    let mut v: Vec<String> = r.iter().map(text).collect();
                    while v.last().is_some_and(String::is_empty) {
                        v.pop();
                    }
                    v
                })
                .collect();
            while rows.last().is_some_and(Vec::is_empty) {
                rows.pop();
            }
            // Rows above the first cell: calamine starts the range at it.
            let top = range.start().map(|s| s.0).unwrap_or(0) as usize;
            let left = range.start().map(|s| s.1).unwrap_or(0) as usize;
            let mut all = vec![Vec::new(); top];
            for r in rows {
                let mut row = vec![String::new(); if r.is_empty() { 0 } else { left }];
                row.extend(r);
                all.push(row);
            }
            (n, all)
        })
        .collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::Float(f) => {
            let r = (f * 1e6).round() / 1e6;
            if r.fract() == 0.0 && r.abs() < 1e15 {
                format!("{}", r as i64)
            } else {
                format!("{r}")
            }
        }
        Data::Int(i) => i.to_string(),
        Data::DateTime(dt) => format!("{}", (dt.as_f64() * 1e6).round() / 1e6),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// All the workbooks a run on `input` writes (with `more` options), the template, and the
/// roll-up of the run.
fn outputs(input: &Path, out: &Path, global: &[&str], more: &[&str]) -> Vec<PathBuf> {
    let args =
        |a: &[&str]| -> Vec<String> { global.iter().chain(a).map(|s| s.to_string()).collect() };
    let mut a = args(&["run", p(input), "--out", p(out), "--as-of", "2026-12-01"]);
    a.extend(more.iter().map(|s| s.to_string()));
    let r = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(r.code <= 1, "{}", r.stderr);
    let tdir = out.parent().unwrap().join("template");
    std::fs::create_dir_all(&tdir).unwrap();
    let template = tdir.join("模板.xlsx");
    let a = args(&["template", "--out", p(&template)]);
    let t = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(t.code, 0, "{}", t.stderr);
    let mut v = Vec::new();
    // The roll-up of the run (twice, as two townships) writes a tally.xlsx of its own.
    let rolled = out.parent().unwrap().join("rollup");
    let a = args(&["rollup", p(out), p(out), "--out", p(&rolled)]);
    let r = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.code, 0, "{}", r.stderr);
    v.push(rolled.join("tally.xlsx"));
    // Each return package's 问题清单 (its annotated copies are those of annotated/).
    let returns: Vec<PathBuf> = std::fs::read_dir(out.join("退回各村"))
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    let lists: Vec<PathBuf> = returns
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|f| f.to_string_lossy().ends_with("-问题清单.xlsx"))
        .collect();
    assert!(!lists.is_empty() || returns.is_empty());
    v.extend(lists);
    for dir in [out.to_path_buf(), out.join("annotated"), tdir] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "xlsx") {
                v.push(path);
            }
        }
    }
    v.sort();
    assert!(v.len() >= 4, "{v:?}");
    v
}

/// Have `program` open each workbook and save it as xlsx into `dir`; the saved copies.
fn resave(program: &str, files: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let mut saved = Vec::new();
    if program == "soffice" {
        // One LibreOffice for all of them; copies named by index so that no two collide.
        let src = dir.join("src");
        std::fs::create_dir_all(&src).unwrap();
        let mut named = Vec::new();
        for (i, f) in files.iter().enumerate() {
            let n = src.join(format!("{i:03}.xlsx"));
            std::fs::copy(f, &n).unwrap();
            named.push(n);
        }
        let profile = format!("file://{}", dir.join("profile").display());
        let o = Command::new(program)
            .arg(format!("-env:UserInstallation={profile}"))
            .args([
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
            ])
            .arg(dir)
            .args(&named)
            .output()
            .expect("run soffice");
        let log =
            String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout);
        assert!(!log.contains("could not be loaded"), "{log}");
        for i in 0..files.len() {
            saved.push(dir.join(format!("{i:03}.xlsx")));
        }
    } else {
        for (i, f) in files.iter().enumerate() {
            let to = dir.join(format!("{i:03}.xlsx"));
            let o = Command::new(program)
                .arg("--export-type=Gnumeric_Excel:xlsx2")
                .arg(f)
                .arg(&to)
                .output()
                .expect("run ssconvert");
            assert!(
                o.status.success(),
                "{}: {}",
                f.display(),
                String::from_utf8_lossy(&o.stderr)
            );
            saved.push(to);
        }
    }
    saved
}

/// Gnumeric reads a text's spaces at either end (its CSV export shows them) but writes them
/// into xlsx without `xml:space="preserve"`, so readers of its copy drop them: its copy is
/// compared with those spaces trimmed.
fn trimmed(book: BTreeMap<String, Vec<Vec<String>>>) -> BTreeMap<String, Vec<Vec<String>>> {
    book.into_iter()
        .map(|(n, rows)| {
            let rows = rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|c| c.trim_matches([' ', '\t', '\n', '\r']).to_string())
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

fn compare(files: &[PathBuf], saved: &[PathBuf], program: &str) {
    for (f, s) in files.iter().zip(saved) {
        assert!(
            s.exists(),
            "{program} did not open and save {}",
            f.display()
        );
        let (a, b) = if program == "Gnumeric" {
            (trimmed(cells(f)), trimmed(cells(s)))
        } else {
            (cells(f), cells(s))
        };
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{program}: sheets of {}",
            f.display()
        );
        for (sheet, rows) in &a {
            let other = &b[sheet];
            for (r, row) in rows.iter().enumerate() {
                let empty = Vec::new();
                let got = other.get(r).unwrap_or(&empty);
                // An error value is a village's own broken formula kept in its annotated
                // copy (Sheet9!#REF!): each program recomputes it in its own words.
                let is_error = |v: &str| v.starts_with('#') && v.ends_with(['!', '?', 'A']);
                let n = row.len().max(got.len());
                let cell = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
                let keep: Vec<usize> = (0..n).filter(|&i| !is_error(&cell(row, i))).collect();
                let row: Vec<String> = keep.iter().map(|&i| cell(row, i)).collect();
                let got: Vec<String> = keep.iter().map(|&i| cell(got, i)).collect();
                assert_eq!(
                    row,
                    got,
                    "{program}: {} sheet {sheet} row {}",
                    f.display(),
                    r + 1
                );
            }
        }
    }
}

fn round_trip(input: &Path) {
    round_trip_with(input, &[], &[]);
}

/// `round_trip` with global options (`--campaign NAME`) and the run's (`--roster FILE`).
fn round_trip_with(input: &Path, global: &[&str], more: &[&str]) {
    let soffice = client("soffice");
    let gnumeric = client("ssconvert");
    if soffice.is_none() && gnumeric.is_none() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let files = outputs(input, &t.path().join("out"), global, more);
    if soffice.is_some() {
        let saved = resave("soffice", &files, &t.path().join("lo"));
        compare(&files, &saved, "LibreOffice");
    }
    if gnumeric.is_some() {
        let saved = resave("ssconvert", &files, &t.path().join("gnumeric"));
        compare(&files, &saved, "Gnumeric");
    }
}

/// The demo town checked against its roster (errors.xlsx then has the coverage sheet,
/// the packages the roster's findings).
#[test]
fn libreoffice_and_gnumeric_open_every_output_of_the_demo_town() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let roster = here.join("fixtures/demo-roster/房屋名册.xlsx");
    round_trip_with(
        &here.join("fixtures/demo-town"),
        &[],
        &["--roster", p(&roster)],
    );
}

/// The second campaign's outputs, on a town its generator made (with its faults).
#[test]
fn libreoffice_and_gnumeric_open_every_output_of_the_second_campaign() {
    let t = tempfile::tempdir().unwrap();
    let town = t.path().join("town");
    let o = run(&[
        "--campaign",
        "gongmao",
        "demo",
        "--out",
        p(&town),
        "--rows",
        "40",
        "--villages",
        "3",
        "--roster",
        p(&t.path().join("register")),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let register = t.path().join("register/企业名录.xlsx");
    round_trip_with(
        &town,
        &["--campaign", "gongmao"],
        &["--roster", p(&register)],
    );
}

/// The sample profiles, public and unseen, when `../shared` is there.
#[test]
fn libreoffice_and_gnumeric_open_every_output_of_the_samples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if !root.exists() {
        eprintln!("SKIPPED: ../shared/samples is not here");
        return;
    }
    for set in ["", "unseen/"] {
        for profile in ["clean", "dirty", "hostile"] {
            let input = root.join(format!("{set}{profile}/input"));
            if input.exists() {
                round_trip(&input);
            }
        }
    }
}

/// The annotated copies that patch a village's own package (every .xlsx of the regression
/// corpus that has a finding) open in LibreOffice: a patch must never make a workbook that
/// the village cannot open.
#[test]
fn libreoffice_opens_every_patched_copy_of_the_corpus() {
    let Some(_) = client("soffice") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    for e in std::fs::read_dir(&corpus).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "xlsx") {
            std::fs::copy(&p, input.join(p.file_name().unwrap())).unwrap();
        }
    }
    let out = t.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert!(r.code <= 1, "{}", r.stderr);
    let patched: Vec<PathBuf> = std::fs::read_dir(out.join("annotated"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            zip::ZipArchive::new(std::fs::File::open(p).unwrap())
                .map(|z| {
                    z.file_names()
                        .any(|n| n.unwrap() == "xl/worksheets/selfbuilt_list.xml")
                })
                .unwrap_or(false)
        })
        .collect();
    assert!(patched.len() >= 50, "{}", patched.len());
    let saved = resave("soffice", &patched, &t.path().join("lo"));
    for (f, s) in patched.iter().zip(&saved) {
        assert!(s.exists(), "LibreOffice could not open {}", f.display());
    }
}
