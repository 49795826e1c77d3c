//! The regression corpus: real files that have made spreadsheet readers allocate
//! gigabytes, spin or panic (tests/corpus: calamine's test data, MIT; Apache POI's and
//! SheetJS's, Apache-2.0), and crafted
//! bombs made here. Each alone must end in exit 0 or 1 with findings, never a panic or an
//! abort, within the memory budget; all of them beside the demo town must leave the demo
//! town's outputs exactly as a run without them.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| {
                [
                    "xls", "xlsx", "xlsm", "xlsb", "ods", "fods", "csv", "et", "xml",
                ]
                .contains(&&*e.to_string_lossy())
            })
        })
        .collect();
    v.sort();
    v
}

/// An ods whose one row is repeated a million times (a few hundred bytes on disk).
fn ods_repeat_bomb(path: &Path, far_cell: bool) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored: zip::write::SimpleFileOptions =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", stored).unwrap();
    z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    z.start_file("content.xml", stored).unwrap();
    let rows = if far_cell {
        // Empty repeats, then one far cell.
        r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="16000"/></table:table-row><table:table-row><table:table-cell office:value-type="string"><text:p>房屋编码</text:p></table:table-cell></table:table-row>"#
    } else {
        r#"<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="200" office:value-type="string"><text:p>房屋编码</text:p></table:table-cell></table:table-row>"#
    };
    write!(z, r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="房屋信息">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#).unwrap();
    z.finish().unwrap();
}

/// Exit status, stderr and peak RSS in KB (when /usr/bin/time is there).
fn run_measured(args: &[&str]) -> (i32, String, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let o = if time.exists() {
        Command::new(time)
            .arg("-f")
            .arg("PEAK_KB=%M")
            .arg(bin())
            .args(args)
            .output()
            .unwrap()
    } else {
        Command::new(bin()).args(args).output().unwrap()
    };
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let kb = err
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_KB="))
        .and_then(|v| v.trim().parse().ok());
    (o.status.code().unwrap_or(-1), err, kb)
}

fn alone(file: &Path) -> Vec<Vec<String>> {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
    let out = t.path().join("out");
    let started = std::time::Instant::now();
    let (code, err, kb) = run_measured(&["run", p(&dir), "--out", p(&out)]);
    eprintln!(
        "{}: exit {code}, {:.1} s, peak {}",
        file.display(),
        started.elapsed().as_secs_f64(),
        kb.map(|k| format!("{} MB", k / 1024))
            .unwrap_or_else(|| "not measured".into())
    );
    assert!(
        code == 0 || code == 1,
        "{}: exit {code}\n{err}",
        file.display()
    );
    assert!(!err.contains("panicked"), "{}: {err}", file.display());
    if let Some(kb) = kb {
        assert!(kb < 500 * 1024, "{}: peak {} MB", file.display(), kb / 1024);
    }
    let errors = read_csv(&out.join("errors.csv"));
    assert!(
        errors[1..].iter().all(|e| e[7] != "F009"),
        "{}: {errors:?}",
        file.display()
    );
    // Messages are the tool's own words, never a reader's debug text.
    for e in &errors[1..] {
        assert!(
            !e[8].contains("Error {") && !e[8].contains("panicked"),
            "{e:?}"
        );
    }
    assert!(out.join("summary.json").exists());
    errors
}

#[test]
fn each_corpus_file_alone_ends_with_findings() {
    let files = corpus();
    assert!(files.len() >= 6, "{files:?}");
    for f in &files {
        let errors = alone(f);
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let codes: Vec<&str> = errors[1..].iter().map(|e| e[7].as_str()).collect();
        // Excel 5/95 (BIFF5) workbooks are read: their sheets are there, just not tables.
        if name.contains("biff5") {
            assert!(
                !codes.contains(&"F012") && !codes.contains(&"F003"),
                "{name}: {codes:?}"
            );
        }
        // Something is said about every file.
        assert!(!codes.is_empty(), "{name}");
        let has = |c: &str| codes.contains(&c);
        let expect: Option<&str> = match name.as_str() {
            // Excel 5/95 and a BOOK stream in capitals: read (no table in them).
            "poi-testEXCEL_5.xls" | "poi-testEXCEL_95.xls" | "poi-BOOK_in_capitals.xls" => {
                Some("F005")
            }
            // Excel 3.0 and 4.0: say how to convert.
            "poi-testEXCEL_3.xls" | "poi-testEXCEL_4.xls" => Some("F016"),
            // Two parts of one name.
            "poi-duplicate-filename.xlsx" => Some("F003"),
            // Four cells at the corners of A1:IV65536: the reader's memory is capped.
            "poi-51535.xls" => Some("F011"),
            "poi-password.xls" | "poi-protected_passtika.xlsx" | "calamine-pass_protected.xlsx" => {
                Some("F002")
            }
            // Excel 2002 passwords, from RC4 to the old XOR scrambling.
            n if n.starts_with("sheetjs-password_2002") => Some("F002"),
            // Excel 4.0 macro sheets beside the data sheets: passed over with a note.
            "sheetjs-BlankSheetTypes.xlsm" | "sheetjs-BlankSheetTypes.xlsb" => Some("S008"),
            "sheetjs-LO7322.fods" => Some("F016"),
            _ => None,
        };
        if let Some(c) = expect {
            assert!(has(c), "{name}: expected {c}, got {codes:?}");
        }
    }
}

#[test]
fn ods_repeat_bombs_are_stopped_with_a_finding() {
    let t = tempfile::tempdir().unwrap();
    for far in [false, true] {
        let f = t.path().join(format!("平安村-{far}.ods"));
        ods_repeat_bomb(&f, far);
        assert!(std::fs::metadata(&f).unwrap().len() < 4096);
        let errors = alone(&f);
        let codes: Vec<&str> = errors[1..].iter().map(|e| e[7].as_str()).collect();
        assert!(
            codes
                .iter()
                .any(|c| ["F007", "F011", "F005", "F003"].contains(c)),
            "{codes:?}"
        );
    }
}

fn cleaned_text(out: &Path) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for sheet in ["房屋信息", "隐患台账", "回头看复核"] {
        all.extend(calamine_rows(&out.join("cleaned.xlsx"), sheet));
    }
    all
}

#[test]
fn the_corpus_beside_the_demo_town_leaves_its_outputs_as_they_were() {
    let t = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
    let mixed = t.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    for e in std::fs::read_dir(&demo).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), mixed.join(e.file_name())).unwrap();
    }
    // Not the files made here from survey rows (gnumeric-…): their buildings would join
    // the town's tally.
    for f in corpus() {
        let name = f.file_name().unwrap();
        if !name.to_string_lossy().starts_with("gnumeric-") {
            std::fs::copy(&f, mixed.join(name)).unwrap();
        }
    }
    ods_repeat_bomb(&mixed.join("bomb.ods"), false);
    let a = t.path().join("alone");
    let b = t.path().join("beside");
    let ra = run(&["run", p(&demo), "--out", p(&a), "--as-of", "2026-12-01"]);
    let rb = run(&["run", p(&mixed), "--out", p(&b), "--as-of", "2026-12-01"]);
    assert!(ra.code <= 1 && rb.code == 1, "{} {}", ra.stderr, rb.stderr);
    for f in ["tally.csv", "writeoffs.csv"] {
        assert_eq!(
            std::fs::read_to_string(a.join(f)).unwrap(),
            std::fs::read_to_string(b.join(f)).unwrap(),
            "{f}"
        );
    }
    assert_eq!(cleaned_text(&a), cleaned_text(&b));
    // The demo town's own findings are all still there.
    let ea = read_csv(&a.join("errors.csv"));
    let eb = read_csv(&b.join("errors.csv"));
    for e in &ea[1..] {
        assert!(eb.contains(e), "{e:?} lost");
    }
}

/// A CSV of `n` plausible lines (about 100 bytes each).
fn big_csv(path: &Path, n: usize) {
    let mut big = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(big, "房屋编码,户主姓名,备注").unwrap();
    for i in 0..n {
        writeln!(
            big,
            "YH45010300{i:07},户主{i},这一行只是为了让文件变大而写的一段很长很长的备注文字"
        )
        .unwrap();
    }
    big.flush().unwrap();
}

/// A good village beside a big CSV (`lines` lines; with `swallowed`, its first cell opens
/// a quote never closed, so that the whole file is one record), run with `limit`: the big
/// file gets F011 naming `said` and `flag`, the village is read and cleaned as ever.
/// Returns the input folder.
fn over_budget(
    t: &Path,
    (lines, swallowed): (usize, bool),
    limit: &[&str],
    said: &str,
    flag: &str,
) -> std::path::PathBuf {
    let dir = t.join("in");
    std::fs::create_dir(&dir).unwrap();
    let good = building("YH450103000000001", IDS[0], "未发现安全隐患");
    write_table(&dir.join("平安村.csv"), &B_HEAD, &[good]);
    big_csv(&dir.join("大文件.csv"), lines);
    if swallowed {
        let text = std::fs::read(dir.join("大文件.csv")).unwrap();
        std::fs::write(dir.join("大文件.csv"), [b"\"".as_slice(), &text].concat()).unwrap();
    }
    let out = t.join("out");
    let mut args = vec!["run", p(&dir), "--out", p(&out), "--as-of", "2026-12-01"];
    args.extend_from_slice(limit);
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let f = errors[1..]
        .iter()
        .find(|e| e[0] == "大文件.csv")
        .expect("a finding for the big file");
    assert_eq!(f[7], "F011", "{f:?}");
    assert!(f[8].contains(said), "{}", f[8]);
    assert!(f[9].contains(flag), "{}", f[9]);
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 2, "{cleaned:?} {errors:?}");
    dir
}

#[test]
fn a_reader_over_its_time_budget_loses_only_its_file() {
    let t = tempfile::tempdir().unwrap();
    let limit = [
        "--max-read-seconds",
        "1",
        "--max-read-mb",
        "8192",
        "--max-file-mb",
        "4096",
    ];
    // A release build reads a million lines within the second: it gets eight.
    let lines = if cfg!(debug_assertions) {
        1_000_000
    } else {
        8_000_000
    };
    over_budget(
        t.path(),
        (lines, false),
        &limit,
        "时间上限 1 秒",
        "--max-read-seconds",
    );
}

#[test]
fn a_reader_over_its_memory_budget_loses_only_its_file() {
    let t = tempfile::tempdir().unwrap();
    // A CSV is read streaming, a batch of rows at a time: a 40 MB file fits a 16 MB
    // budget. One whose first cell opens a quote that never closes is one 40 MB record,
    // which cannot.
    let dir = over_budget(
        t.path(),
        (400_000, true),
        &["--max-read-mb", "16"],
        "16 MB",
        "--max-read-mb",
    );
    // With a budget that fits, the same file is read.
    let out2 = t.path().join("out2");
    let r = run(&["run", p(&dir), "--out", p(&out2), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out2.join("errors.csv"));
    assert!(errors[1..].iter().all(|e| e[7] != "F011"), "{}", r.stderr);
}
