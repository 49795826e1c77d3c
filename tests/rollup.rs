//! `selfbuilt rollup`, run as a clerk runs it: the demo town's runs (as townships of two
//! counties, and written into one `--parquet` folder) added up per township, county and
//! 合计; a roll-up of a roll-up; DuckDB reproducing the totals with SQL; and folders that
//! cannot be rolled up refused with a message, nothing written.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use polars::prelude::{Column, DataFrame, ParquetWriter};

const AS_OF: &str = "2026-12-01";

/// The demo town run four times, once per township it stands for: A镇 and B镇 of X县, C镇
/// of Y县 (each also into the shared `--parquet` folder `hive`), and once without a place
/// (`noplace`).
struct Runs {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Runs {
    fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
        let hive = root.join("hive");
        for (name, county, township) in [
            ("A", Some("X县"), Some("A镇")),
            ("B", Some("X县"), Some("B镇")),
            ("C", Some("Y县"), Some("C镇")),
            ("noplace", None, None),
        ] {
            let out = root.join(name);
            let mut args = vec![
                "run",
                p(&demo),
                "--out",
                p(&out),
                "--as-of",
                AS_OF,
                "--quiet",
            ];
            if let (Some(county), Some(township)) = (county, township) {
                args.extend(["--county", county, "--township", township]);
                args.extend(["--parquet", p(&hive)]);
            }
            let o = run(&args);
            assert_eq!(o.code, 1, "the demo town has errors: {}", o.stderr);
        }
        Runs { _dir: dir, root }
    })
}

/// A tally.csv as its header and its rows.
fn tally(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rows = read_csv(path);
    assert!(!rows.is_empty(), "{} is empty", path.display());
    let header = rows.remove(0);
    (header, rows)
}

/// A run's tally.csv 合计 row, by column key.
fn run_total(out: &Path) -> BTreeMap<String, i64> {
    let (header, rows) = tally(&out.join("tally.csv"));
    let total = rows.last().unwrap();
    assert_eq!(total[0], "合计");
    header[1..]
        .iter()
        .cloned()
        .zip(total[1..].iter().map(|n| n.parse::<i64>().unwrap()))
        .collect()
}

/// A roll-up's tally.csv line by its county and township cells, by column key.
fn line(dir: &Path, county: &str, township: &str) -> BTreeMap<String, i64> {
    let (header, rows) = tally(&dir.join("tally.csv"));
    let row = rows
        .iter()
        .find(|r| r[0] == county && r[1] == township)
        .unwrap_or_else(|| panic!("no line {county},{township} in {rows:?}"));
    header[2..]
        .iter()
        .cloned()
        .zip(row[2..].iter().map(|n| n.parse::<i64>().unwrap()))
        .collect()
}

fn times(total: &BTreeMap<String, i64>, n: i64) -> BTreeMap<String, i64> {
    total.iter().map(|(k, v)| (k.clone(), v * n)).collect()
}

fn rollup(args: &[&str]) -> Out {
    let mut all = vec!["rollup"];
    all.extend_from_slice(args);
    run(&all)
}

fn frame(path: &Path) -> DataFrame {
    use polars::prelude::SerReader;
    let f = std::fs::File::open(path).unwrap();
    polars::prelude::ParquetReader::new(f).finish().unwrap()
}

/// The acceptance: the demo town rolled up with itself is twice its tally, every
/// column; and a roll-up of that roll-up is the same roll-up.
#[test]
fn the_demo_town_twice_is_twice_its_tally_and_a_rollup_of_it_the_same() {
    let runs = runs();
    let out = runs.path("noplace");
    let t = tempfile::tempdir().unwrap();
    let sum = t.path().join("sum");
    let o = rollup(&[p(&out), p(&out), "--out", p(&sum)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // The run named no township: the folder's name stands in, said once.
    assert_eq!(
        o.stderr.matches("以文件夹名“noplace”作乡镇名").count(),
        1,
        "{}",
        o.stderr
    );
    let once = run_total(&out);
    let (header, rows) = tally(&sum.join("tally.csv"));
    // The same columns as the run's tally.csv, after the county and township.
    let run_header = tally(&out.join("tally.csv")).0;
    assert_eq!(header[..2], ["county", "township"]);
    assert_eq!(header[2..], run_header[1..]);
    let total = rows.last().unwrap();
    assert_eq!((total[0].as_str(), total[1].as_str()), ("合计", ""));
    let twice: BTreeMap<String, i64> = header[2..]
        .iter()
        .cloned()
        .zip(total[2..].iter().map(|n| n.parse::<i64>().unwrap()))
        .collect();
    assert_eq!(twice, times(&once, 2));
    assert!(once.values().any(|n| *n > 0));
    // One township, one county's subtotal, the total.
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0][1], "noplace");
    assert_eq!(rows[1][1], "小计");

    // tally.parquet: the schema of the run's, a row per township.
    let sum_frame = frame(&sum.join("tally.parquet"));
    assert_eq!(
        sum_frame.schema(),
        frame(&out.join("parquet/tally.parquet")).schema()
    );
    assert_eq!(sum_frame.height(), 1);

    let again = t.path().join("again");
    let o = rollup(&[p(&sum), "--out", p(&again)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read(again.join("tally.csv")).unwrap(),
        std::fs::read(sum.join("tally.csv")).unwrap()
    );
    assert!(frame(&again.join("tally.parquet")).equals_missing(&frame(&sum.join("tally.parquet"))));
}

/// Three townships of two counties: a line per township, a subtotal per county, 合计 the
/// sum of all; the `--parquet` folder the three runs wrote into rolls up the same.
#[test]
fn townships_and_counties_add_up_and_the_parquet_folder_is_the_same() {
    let runs = runs();
    let once = run_total(&runs.path("A"));
    let t = tempfile::tempdir().unwrap();
    let sum = t.path().join("县市汇总");
    let (a, b, c) = (runs.path("A"), runs.path("B"), runs.path("C"));
    let o = rollup(&[p(&c), p(&a), p(&b), "--out", p(&sum)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(!o.stderr.contains("注意"), "{}", o.stderr);
    let (_, rows) = tally(&sum.join("tally.csv"));
    let places: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("X县", "A镇"),
            ("X县", "B镇"),
            ("X县", "小计"),
            ("Y县", "C镇"),
            ("Y县", "小计"),
            ("合计", ""),
        ]
    );
    for (county, township, n) in [
        ("X县", "A镇", 1),
        ("X县", "B镇", 1),
        ("X县", "小计", 2),
        ("Y县", "C镇", 1),
        ("Y县", "小计", 1),
        ("合计", "", 3),
    ] {
        assert_eq!(
            line(&sum, county, township),
            times(&once, n),
            "{county} {township}"
        );
    }
    // tally.xlsx: the schema's labels, the same lines.
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(sum.join("tally.xlsx")).unwrap();
    let sheet = wb.worksheet_range("统计").unwrap();
    let cell = |r: u32, c: u32| sheet.get_value((r, c)).map(|v| v.to_string());
    assert_eq!(cell(0, 0).as_deref(), Some("县（市、区）"));
    assert_eq!(cell(0, 1).as_deref(), Some("乡镇（街道）"));
    assert_eq!(cell(0, 2).as_deref(), Some("排查房屋数"));
    assert_eq!(cell(3, 1).as_deref(), Some("小计"));
    assert_eq!(cell(6, 0).as_deref(), Some("合计"));
    assert_eq!(cell(6, 3), Some((3 * once["buildings"]).to_string()));
    // tally.parquet: a row per township in a run's schema.
    let f = frame(&sum.join("tally.parquet"));
    assert_eq!(f.height(), 3);
    assert_eq!(f.column("village").unwrap().null_count(), 3);

    let from_hive = t.path().join("from_hive");
    let o = rollup(&[p(&runs.path("hive")), "--out", p(&from_hive)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        std::fs::read_to_string(from_hive.join("tally.csv")).unwrap(),
        std::fs::read_to_string(sum.join("tally.csv")).unwrap()
    );
}

/// DuckDB (the PyPI package, as `.ci/run` installs it) reads the roll-up's tally.parquet
/// and the runs' `--parquet` folder as they are, and its SQL sums are tally.csv's 合计
/// (tests/duckdb/rollup_totals.py, the README's queries). Without duckdb: a failure in CI,
/// a skip that says so elsewhere.
#[test]
fn duckdb_reproduces_the_rollups_totals() {
    let runs = runs();
    let t = tempfile::tempdir().unwrap();
    let sum = t.path().join("sum");
    let (a, b, c) = (runs.path("A"), runs.path("B"), runs.path("C"));
    let o = rollup(&[p(&a), p(&b), p(&c), "--out", p(&sum)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/duckdb/rollup_totals.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(&sum)
        .arg(runs.path("hive"))
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3 is required in CI: {e}"
            );
            eprintln!("skipped: python3 cannot be run ({e}); this test runs in CI");
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(3) {
        assert!(
            std::env::var_os("CI").is_none(),
            "duckdb is required in CI (.ci/run installs it): {stderr}"
        );
        eprintln!("skipped: the duckdb package is not installed; this test runs in CI (.ci/run installs it)");
        return;
    }
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("3 townships"), "{stdout}");
}

/// A tally.parquet as a run writes it (docs/parquet.md), made here: a few of the
/// campaign's columns (a run of an older schema; the rest read as not counted).
fn write_tally(path: &Path, county: &str, township: &str, columns: &[(&str, &[i64])]) {
    let n = columns[0].1.len();
    let mut cols = vec![
        Column::new("county".into(), vec![county; n]),
        Column::new("township".into(), vec![township; n]),
        Column::new(
            "village".into(),
            (0..n).map(|i| format!("村{i}")).collect::<Vec<_>>(),
        ),
    ];
    for (key, values) in columns {
        cols.push(Column::new((*key).into(), values.to_vec()));
    }
    let mut frame = DataFrame::new_infer_height(cols).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut frame)
        .unwrap();
}

/// Every entry under `dir` with its bytes (what a failed roll-up must leave as it was).
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        let bytes = if path.is_file() {
            std::fs::read(&path).unwrap()
        } else {
            Vec::new()
        };
        all.insert(e.file_name().to_string_lossy().into_owned(), bytes);
    }
    all
}

/// Tallies made here: a run's folder, a `--parquet` folder of two townships, a file
/// lacking a column (an older run's); rolled up by the binary per township.
#[test]
fn tallies_of_every_kind_of_folder_roll_up_per_township() {
    let t = tempfile::tempdir().unwrap();
    let run_a = t.path().join("run_a");
    write_tally(
        &run_a.join("parquet/tally.parquet"),
        "X县",
        "A镇",
        &[("buildings", &[3, 4]), ("hazards", &[1, 0])],
    );
    let hive = t.path().join("hive");
    write_tally(
        &hive.join("tally/county=X县/township=B镇/part-0.parquet"),
        "X县",
        "B镇",
        &[("buildings", &[10]), ("hazards", &[2])],
    );
    write_tally(
        &hive.join("tally/county=Y县/township=C镇/part-0.parquet"),
        "Y县",
        "C镇",
        &[("buildings", &[100])],
    );
    let sum = t.path().join("sum");
    let o = rollup(&[p(&hive), p(&run_a), "--out", p(&sum)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("3 个乡镇"), "{}", o.stderr);
    let rows = read_csv(&sum.join("tally.csv"));
    let want: Vec<Vec<&str>> = vec![
        vec!["county", "township", "buildings", "hazards"],
        vec!["X县", "A镇", "7", "1"],
        vec!["X县", "B镇", "10", "2"],
        vec!["X县", "小计", "17", "3"],
        vec!["Y县", "C镇", "100", ""],
        vec!["Y县", "小计", "100", ""],
        vec!["合计", "", "117", "3"],
    ];
    assert_eq!(rows, want);
    // A roll-up of the roll-up and the run: the run counted twice.
    let sum2 = t.path().join("sum2");
    let o = rollup(&[p(&sum), p(&run_a), "--out", p(&sum2)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        read_csv(&sum2.join("tally.csv"))[1],
        ["X县", "A镇", "14", "2"]
    );
}

/// A folder that cannot be rolled up stops the roll-up with a message naming it (exit
/// status 2), and `--out` stays as it was: no file half-written, no new folder.
#[test]
fn a_folder_that_cannot_be_rolled_up_stops_it_and_nothing_is_written() {
    let t = tempfile::tempdir().unwrap();
    let good = t.path().join("good");
    write_tally(
        &good.join("parquet/tally.parquet"),
        "X县",
        "A镇",
        &[("buildings", &[3])],
    );
    let sum = t.path().join("sum");
    assert_eq!(rollup(&[p(&good), "--out", p(&sum)]).code, 0);
    let before = contents(&sum);
    assert!(before.contains_key("tally.xlsx") && before.contains_key("tally.parquet"));

    let empty = t.path().join("empty_folder");
    std::fs::create_dir(&empty).unwrap();
    let garbage = t.path().join("garbage");
    std::fs::create_dir_all(garbage.join("parquet")).unwrap();
    std::fs::write(
        garbage.join("parquet/tally.parquet"),
        b"PAR1 this is no parquet file",
    )
    .unwrap();
    let foreign = t.path().join("foreign");
    write_tally(
        &foreign.join("tally.parquet"),
        "X县",
        "B镇",
        &[("enterprises", &[5]), ("hazards", &[1])],
    );
    let missing = t.path().join("missing");
    for (bad, zh, en) in [
        (&missing, "找不到文件夹", "no such folder"),
        (&empty, "没有统计的 Parquet 文件", "holds no tally Parquet"),
        (
            &garbage,
            "不是完好的 Parquet 文件",
            "is not a readable Parquet file",
        ),
        (&foreign, "不是本整治", "is not a tally of this campaign"),
    ] {
        for (lang, words) in [("zh", zh), ("en", en)] {
            let o = run(&["--lang", lang, "rollup", p(&good), p(bad), "--out", p(&sum)]);
            assert_eq!(o.code, 2, "{}: {}", bad.display(), o.stderr);
            assert!(
                o.stderr.contains(words) && o.stderr.contains(p(bad)),
                "{lang}: {}",
                o.stderr
            );
            assert_eq!(contents(&sum), before, "{} changed --out", bad.display());
            let fresh = t.path().join("fresh");
            let o = run(&["--lang", lang, "rollup", p(bad), "--out", p(&fresh)]);
            assert_eq!(o.code, 2, "{}", o.stderr);
            assert!(!fresh.exists(), "{}: --out made", bad.display());
        }
    }
    // The inputs are never written to, nor an --out among them.
    let o = rollup(&[p(&good), "--out", p(&good.join("sum"))]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(!good.join("sum").exists());
}
