//! The Parquet outputs (docs/parquet.md) read back with polars: each table's accepted rows
//! as cleaned.xlsx holds them, every finding of errors.csv, the tally summing to tally.csv's
//! total, the round the next `--previous` reads (and an older version's round.jsonl still
//! read), the `--parquet` layout, and the place read off the codes.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use polars::prelude::{DataFrame, DataType, ParquetReader, SerReader};

fn frame(path: &Path) -> DataFrame {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(file).finish().unwrap()
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town")
}

fn roster() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-roster/房屋名册.xlsx")
}

/// A column's text values.
fn texts(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

#[test]
fn a_runs_parquet_files_hold_what_its_workbooks_and_csvs_hold() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let hive = t.path().join("hive");
    let o = run(&[
        "run",
        p(&demo()),
        "--roster",
        p(&roster()),
        "--out",
        p(&out),
        "--quiet",
        "--as-of",
        "2026-12-01",
        "--county",
        "某县",
        "--township",
        "长塘镇",
        "--parquet",
        p(&hive),
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let dir = out.join("parquet");
    // Each table: the accepted rows of cleaned.xlsx, value for value, in the same order.
    for (table, sheet) in [
        ("buildings", "房屋信息"),
        ("hazards", "隐患台账"),
        ("reviews", "回头看复核"),
    ] {
        let df = frame(&dir.join(format!("{table}.parquet")));
        let cleaned = calamine_rows(&out.join("cleaned.xlsx"), sheet);
        assert_eq!(df.height(), cleaned.len() - 1, "{table}");
        assert!(df.height() > 100, "{table}: {}", df.height());
        assert!(texts(&df, "county")
            .iter()
            .all(|c| c.as_deref() == Some("某县")));
        assert!(texts(&df, "township")
            .iter()
            .all(|c| c.as_deref() == Some("长塘镇")));
        // The first field is the row's code, written as text in both.
        let first: Vec<String> = cleaned[1..].iter().map(|r| r[0].clone()).collect();
        let code = df.get_column_names()[6].to_string();
        let codes: Vec<String> = texts(&df, &code).into_iter().flatten().collect();
        assert_eq!(codes, first, "{table}");
        // Where each row came from: the cleaned sheet's trailing columns.
        let rows: Vec<String> = df
            .column("source_row")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .map(|r| r.unwrap().to_string())
            .collect();
        let width = cleaned[0].len();
        let shown: Vec<String> = cleaned[1..].iter().map(|r| r[width - 1].clone()).collect();
        assert_eq!(rows, shown, "{table}");
    }
    // Typed columns: a date is a date, a number a number, a count an integer.
    let b = frame(&dir.join("buildings.parquet"));
    assert_eq!(b.column("survey_date").unwrap().dtype(), &DataType::Date);
    assert_eq!(b.column("area").unwrap().dtype(), &DataType::Float64);
    assert_eq!(b.column("floors").unwrap().dtype(), &DataType::Int64);
    // The write-offs proposed: as many rows carry one as writeoffs.csv lists.
    let proposed: usize = ["buildings", "hazards", "reviews"]
        .iter()
        .map(|t| {
            let df = frame(&dir.join(format!("{t}.parquet")));
            texts(&df, "proposed_writeoff").iter().flatten().count()
        })
        .sum();
    let writeoffs = read_csv(&out.join("writeoffs.csv"));
    assert_eq!(proposed, writeoffs.len() - 1);
    // Every finding of errors.csv, in its order.
    let f = frame(&dir.join("findings.parquet"));
    let errors = read_csv(&out.join("errors.csv"));
    assert_eq!(f.height(), errors.len() - 1);
    let codes: Vec<String> = texts(&f, "code").into_iter().flatten().collect();
    let listed: Vec<String> = errors[1..].iter().map(|r| r[7].clone()).collect();
    assert_eq!(codes, listed);
    // The tally: a row per village, each column summing to tally.csv's total.
    let tally = frame(&dir.join("tally.parquet"));
    let csv = read_csv(&out.join("tally.csv"));
    let total = csv.last().unwrap();
    assert_eq!(tally.height(), csv.len() - 2);
    for (i, key) in csv[0].iter().enumerate().skip(1) {
        let key = key.trim_start_matches('\u{feff}');
        let sum: i64 = tally
            .column(key)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .flatten()
            .sum();
        assert_eq!(sum.to_string(), total[i], "{key}");
    }
    // --parquet: the same files, in the county/township layout.
    for name in [
        "buildings",
        "hazards",
        "reviews",
        "findings",
        "tally",
        "round",
    ] {
        let part = hive
            .join(name)
            .join("county=某县")
            .join("township=长塘镇")
            .join("part-0.parquet");
        assert_eq!(
            std::fs::read(&part).unwrap(),
            std::fs::read(dir.join(format!("{name}.parquet"))).unwrap(),
            "{name}"
        );
    }
}

/// The next round reads round.parquet; a round kept by an older version as round.jsonl
/// (fixtures/old-round, written by the version before Parquet on the same demo town) is
/// still read, and says the same.
#[test]
fn the_next_round_reads_round_parquet_and_an_old_round_jsonl_alike() {
    let t = tempfile::tempdir().unwrap();
    let first = t.path().join("first");
    let args = |out: &Path, previous: &Path| -> Vec<String> {
        [
            "run",
            p(&demo()),
            "--roster",
            p(&roster()),
            "--out",
            p(out),
            "--quiet",
            "--as-of",
            "2026-12-01",
            "--previous",
            p(previous),
        ]
        .map(str::to_string)
        .to_vec()
    };
    let o = run(&[
        "run",
        p(&demo()),
        "--roster",
        p(&roster()),
        "--out",
        p(&first),
        "--quiet",
        "--as-of",
        "2026-12-01",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(first.join("parquet/round.parquet").is_file());
    assert!(!first.join("round.jsonl").exists());
    let (from_parquet, from_jsonl) = (t.path().join("a"), t.path().join("b"));
    let old = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/old-round");
    for (out, previous) in [(&from_parquet, &first), (&from_jsonl, &old)] {
        let a = args(out, previous);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = run(&a);
        assert_eq!(o.code, 1, "{}", o.stderr);
    }
    let (x, y) = (
        std::fs::read(from_parquet.join("rounds.csv")).unwrap(),
        std::fs::read(from_jsonl.join("rounds.csv")).unwrap(),
    );
    assert_eq!(x, y);
    // The same inputs twice: every row matched, nothing added, removed, fixed or new.
    let lines = read_csv(&from_parquet.join("rounds.csv"));
    assert!(lines.len() > 10);
    let change = lines[0].iter().position(|h| h == "change").unwrap();
    assert!(lines[1..].iter().all(|l| l[change] == "open"), "{lines:?}");
}

/// Without --county, the county is the division code most building codes carry; a
/// township not given is null, and its folder Hive's null.
#[test]
fn the_county_is_read_off_the_codes_when_not_given() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    let hive = t.path().join("hive");
    let o = run(&[
        "run",
        p(&demo()),
        "--out",
        p(&out),
        "--quiet",
        "--parquet",
        p(&hive),
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let tally = frame(&out.join("parquet/tally.parquet"));
    let codes = texts(
        &frame(&out.join("parquet/buildings.parquet")),
        "building_code",
    );
    let county = texts(&tally, "county")[0].clone().unwrap();
    assert_eq!(county.len(), 6);
    let carrying = codes.iter().flatten().filter(|c| c[2..8] == county).count();
    assert!(
        carrying * 2 > codes.len(),
        "{county}: {carrying} of {}",
        codes.len()
    );
    assert!(texts(&tally, "township").iter().all(Option::is_none));
    assert!(hive
        .join("tally")
        .join(format!("county={county}"))
        .join("township=__HIVE_DEFAULT_PARTITION__/part-0.parquet")
        .is_file());
}

/// `--parquet` inside an input folder is refused before anything is read or written.
#[test]
fn a_parquet_folder_inside_the_input_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("town");
    std::fs::create_dir(&input).unwrap();
    for e in std::fs::read_dir(demo()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), input.join(e.file_name())).unwrap();
    }
    let out = t.path().join("out");
    let o = run(&[
        "run",
        p(&input),
        "--out",
        p(&out),
        "--quiet",
        "--parquet",
        p(&input.join("hive")),
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("--parquet"), "{}", o.stderr);
    assert!(!input.join("hive").exists());
    assert!(!out.join("summary.json").exists());
}
