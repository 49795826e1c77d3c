//! Reading the tallies to roll up: each folder's tally Parquet files found, each file's
//! columns checked against the campaign's tally (a file of another campaign, or no tally
//! at all, is refused by name), and the folder's files scanned lazily, only the place and
//! tally columns, and summed per county and township by polars' streaming engine. The
//! folders' sums are then added up per township: what stays in memory is a row per
//! township, however many files and rows there were.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use polars::prelude::{
    col, lit, DataType, Engine, Expr, HiveOptions, LazyFrame, PlRefPath, ScanArgsParquet, Schema,
    UnionArgs, NULL,
};

use super::{say, Rollup, Township};
use crate::finding::Lang;
use crate::schema::Schemas;

/// What a folder's tally is read from, by the kind of folder.
const RUN_FILE: [&str; 2] = ["parquet", "tally.parquet"];
/// A roll-up's own tally.
const ROLLUP_FILE: &str = "tally.parquet";
/// A `--parquet` folder's tally: `tally/county=…/township=…/part-0.parquet`.
const HIVE_FOLDER: &str = "tally";
/// How deep a `--parquet` folder's files may lie under `tally/` (two levels are written).
const HIVE_DEPTH: usize = 8;
/// How many files one query scans (each scan holds some state while the query runs).
const BATCH: usize = 64;

/// The tally Parquet files of one folder given to `rollup`: a run's
/// `parquet/tally.parquet`, else a roll-up's `tally.parquet`, else every `*.parquet` under
/// a `--parquet` folder's `tally/` (hidden files, such as a write in progress, left out);
/// an error naming the folder when it has none.
pub fn tally_files(folder: &Path, lang: Lang) -> Result<Vec<PathBuf>> {
    let shown = folder.display();
    if !folder.is_dir() {
        return Err(anyhow!(if folder.exists() {
            say(
                lang,
                format!("{shown} 不是文件夹：请给出 selfbuilt run（或 rollup）的输出文件夹"),
                format!("{shown} is not a folder: give the output folder of a selfbuilt run (or rollup)"),
            )
        } else {
            say(
                lang,
                format!("找不到文件夹 {shown}"),
                format!("no such folder: {shown}"),
            )
        }));
    }
    let run_file = RUN_FILE.iter().fold(folder.to_path_buf(), |p, n| p.join(n));
    if run_file.is_file() {
        return Ok(vec![run_file]);
    }
    let rollup_file = folder.join(ROLLUP_FILE);
    if rollup_file.is_file() {
        return Ok(vec![rollup_file]);
    }
    let mut files = Vec::new();
    let hive = folder.join(HIVE_FOLDER);
    if hive.is_dir() {
        parquet_under(&hive, HIVE_DEPTH, &mut files);
    }
    if files.is_empty() {
        return Err(anyhow!(say(
            lang,
            format!(
                "{shown} 里没有统计的 Parquet 文件（应有 parquet/tally.parquet、tally.parquet 或 tally/…/*.parquet）：请给出 selfbuilt run 的输出文件夹、rollup 的输出文件夹或 run --parquet 的文件夹"
            ),
            format!(
                "{shown} holds no tally Parquet (parquet/tally.parquet, tally.parquet or tally/…/*.parquet): give the output folder of a selfbuilt run or rollup, or a run --parquet folder"
            ),
        )));
    }
    files.sort();
    Ok(files)
}

/// Every `*.parquet` file under `dir`, `depth` levels down at most; hidden entries and
/// links to folders are passed over.
fn parquet_under(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if depth > 0 {
                parquet_under(&path, depth - 1, files);
            }
        } else if name.ends_with(".parquet") && path.is_file() {
            files.push(path);
        }
    }
}

/// Why a file's columns are not a tally of the campaign.
#[derive(Debug, PartialEq, Eq)]
enum Mismatch {
    /// It lacks the place columns, or they are not text.
    NoPlace,
    /// None of the campaign's tally columns.
    NoColumn,
    /// A tally column that does not hold whole numbers: its key and type.
    NotCounts(String, String),
    /// Columns the campaign's tally has not (the first few).
    Extra(Vec<String>),
}

impl Mismatch {
    fn text(&self, lang: Lang) -> String {
        match self {
            Mismatch::NoPlace => say(
                lang,
                "没有文字的 county 和 township 列".into(),
                "no text columns county and township".into(),
            ),
            Mismatch::NoColumn => say(
                lang,
                "没有本整治的任何统计列".into(),
                "none of the campaign's tally columns".into(),
            ),
            Mismatch::NotCounts(key, dtype) => say(
                lang,
                format!("统计列 {key} 的类型是 {dtype}，不是整数"),
                format!("the tally column {key} is {dtype}, not whole numbers"),
            ),
            Mismatch::Extra(extra) => say(
                lang,
                format!("有本整治的统计没有的列：{}", extra.join("、")),
                format!("columns the campaign's tally has not: {}", extra.join(", ")),
            ),
        }
    }
}

/// Whether a column holds text (or nothing at all).
fn is_text(dtype: &DataType) -> bool {
    matches!(dtype, DataType::String | DataType::Null)
}

/// The columns to read of a file with `schema`: the place as text, then each of `keys` as
/// `c0`, `c1`, … in Int64 (null when the file lacks it: a run made before the column
/// existed); or why the file is no tally of the campaign.
fn projection(schema: &Schema, keys: &[String]) -> Result<Vec<Expr>, Mismatch> {
    let place = ["county", "township"];
    if !place.iter().all(|p| schema.get(p).is_some_and(is_text)) {
        return Err(Mismatch::NoPlace);
    }
    let extra: Vec<String> = schema
        .iter_names()
        .map(|n| n.as_str())
        .filter(|n| !place.contains(n) && *n != "village" && !keys.iter().any(|k| k == n))
        .take(5)
        .map(str::to_string)
        .collect();
    if !extra.is_empty() {
        return Err(Mismatch::Extra(extra));
    }
    if !keys.iter().any(|k| schema.get(k).is_some()) {
        return Err(Mismatch::NoColumn);
    }
    let mut exprs: Vec<Expr> = place
        .iter()
        .map(|p| col(*p).cast(DataType::String))
        .collect();
    for (i, key) in keys.iter().enumerate() {
        let value = match schema.get(key) {
            Some(d) if d.is_integer() || d.is_null() => col(key.as_str()),
            Some(d) => return Err(Mismatch::NotCounts(key.clone(), d.to_string())),
            None => lit(NULL),
        };
        exprs.push(value.cast(DataType::Int64).alias(format!("c{i}")));
    }
    Ok(exprs)
}

/// One group of a folder's tally: its county and township as the files hold them (none
/// when missing) and its counts (none where no row had one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The county, if the rows had one.
    pub county: Option<String>,
    /// The township, if the rows had one.
    pub township: Option<String>,
    /// A count per key; none where every row of the group was null.
    pub counts: Vec<Option<i64>>,
}

/// Some of a folder's tally files summed per county and township: each file scanned lazily
/// (its footer read for its columns, then only the columns needed), the scans
/// concatenated, grouped and summed by polars' streaming engine. Errors name the folder.
pub fn read_folder(
    folder: &Path,
    files: &[PathBuf],
    keys: &[String],
    campaign: &str,
    lang: Lang,
) -> Result<Vec<Group>> {
    let shown = folder.display();
    let mut scans = Vec::with_capacity(files.len());
    for file in files {
        let rel = file.strip_prefix(folder).unwrap_or(file).display();
        let damaged = |e: String| {
            anyhow!(say(
                lang,
                format!("{shown}：{rel} 不是完好的 Parquet 文件，无法读取（{e}）"),
                format!("{shown}: {rel} is not a readable Parquet file ({e})"),
            ))
        };
        let mut scan = scan(file).map_err(&damaged)?;
        let schema = scan.collect_schema().map_err(|e| damaged(e.to_string()))?;
        let exprs = projection(&schema, keys).map_err(|why| {
            anyhow!(say(
                lang,
                format!(
                    "{shown}：{rel} 不是本整治（{campaign}）的统计，{}；请确认它是同一项整治的运行结果（或用 --campaign 选对整治）",
                    why.text(Lang::Zh)
                ),
                format!(
                    "{shown}: {rel} is not a tally of this campaign ({campaign}): {}; is it a run of the same campaign (or choose it with --campaign)?",
                    why.text(Lang::En)
                ),
            ))
        })?;
        scans.push(scan.select(exprs));
    }
    let all = match scans.len() {
        1 => scans.pop().unwrap_or_default(),
        _ => polars::prelude::concat(scans, UnionArgs::default())
            .map_err(|e| anyhow!("{shown}: {e}"))?,
    };
    let mut aggs: Vec<Expr> = Vec::with_capacity(2 * keys.len());
    for i in 0..keys.len() {
        let c = format!("c{i}");
        aggs.push(col(c.as_str()).sum().alias(c.as_str()));
        aggs.push(
            col(c.as_str())
                .count()
                .cast(DataType::Int64)
                .alias(format!("n{i}")),
        );
    }
    let frame = all
        .group_by([col("county"), col("township")])
        .agg(aggs)
        .collect_with_engine(Engine::Streaming)
        // One query, one result (several come only of several sinks, which this has not).
        .map(|r| r.unwrap_single())
        .map_err(|e| {
            anyhow!(say(
                lang,
                format!("{shown}：读取统计的 Parquet 文件时出错，文件可能已损坏（{e}）"),
                format!("{shown}: reading the tally Parquet failed; a file may be damaged ({e})"),
            ))
        })?;
    groups(&frame, keys.len()).map_err(|e| anyhow!("{shown}: {e}"))
}

/// A lazy scan of one Parquet file, as it is (no glob, no Hive columns: the files carry
/// their county and township, which a folder name may have had to change).
fn scan(file: &Path) -> Result<LazyFrame, String> {
    let absolute = std::path::absolute(file).map_err(|e| e.to_string())?;
    let path = PlRefPath::try_from_path(&absolute).map_err(|e| e.to_string())?;
    let args = ScanArgsParquet {
        glob: false,
        hive_options: HiveOptions {
            enabled: Some(false),
            ..HiveOptions::default()
        },
        ..ScanArgsParquet::default()
    };
    LazyFrame::scan_parquet(path, args).map_err(|e| e.to_string())
}

/// The groups of a summed frame: `county`, `township`, then `c<i>` (sums) and `n<i>`
/// (how many rows had a value) for `width` columns.
fn groups(frame: &polars::prelude::DataFrame, width: usize) -> Result<Vec<Group>> {
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        Ok(frame
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let counties = text("county")?;
    let townships = text("township")?;
    let mut columns = Vec::with_capacity(width);
    for i in 0..width {
        let sums = frame.column(&format!("c{i}"))?.i64()?.clone();
        let seen = frame.column(&format!("n{i}"))?.i64()?.clone();
        columns.push((sums, seen));
    }
    Ok(counties
        .into_iter()
        .zip(townships)
        .enumerate()
        .map(|(row, (county, township))| Group {
            county,
            township,
            counts: columns
                .iter()
                .map(|(sums, seen)| match seen.get(row) {
                    Some(n) if n > 0 => Some(sums.get(row).unwrap_or(0)),
                    _ => None,
                })
                .collect(),
        })
        .collect())
}

/// The folder's name, for townships its tally does not name.
fn folder_name(folder: &Path) -> String {
    let absolute = crate::outdir::resolved(folder);
    absolute
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| crate::read::walk::show(folder))
}

/// Runs `read` with panics caught and kept off the terminal: a file that makes the reader
/// panic is an error of its folder, never a crash.
fn quietly<T>(read: impl FnOnce() -> Result<T>) -> Option<Result<T>> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(read));
    std::panic::set_hook(hook);
    result.ok()
}

/// Every folder's tally read and summed per township: the roll-up, how many files were
/// read, and a note for each folder whose tally names no township (its folder's name
/// stands in).
pub fn read_all(
    inputs: &[PathBuf],
    schemas: &Schemas,
    lang: Lang,
) -> Result<(Rollup, usize, Vec<String>)> {
    let keys: Vec<String> = schemas
        .campaign
        .tally
        .columns
        .iter()
        .map(|c| c.key.clone())
        .collect();
    let campaign = schemas.campaign.campaign.name.as_str();
    // Ordered by county (none last), then township.
    let mut by_place: BTreeMap<(bool, Option<String>, String), Vec<Option<i64>>> = BTreeMap::new();
    let (mut files_read, mut notes) = (0, Vec::new());
    // Every folder's files found before any is read: a folder given wrong stops at once.
    let sources = inputs
        .iter()
        .map(|folder| tally_files(folder, lang).map(|files| (folder, files)))
        .collect::<Result<Vec<_>>>()?;
    for (folder, files) in sources {
        // A `--parquet` folder of a province holds thousands of files: a query per batch
        // keeps the scans' own state from growing with them.
        let mut groups = Vec::new();
        for batch in files.chunks(BATCH) {
            groups.extend(
                quietly(|| read_folder(folder, batch, &keys, campaign, lang)).unwrap_or_else(
                    || {
                        Err(anyhow!(say(
                            lang,
                            format!("{}：统计的 Parquet 文件已损坏，无法读取", folder.display()),
                            format!("{}: a tally Parquet file is damaged", folder.display()),
                        )))
                    },
                )?,
            );
        }
        files_read += files.len();
        let name = folder_name(folder);
        let mut unnamed = false;
        for g in groups {
            let township = g.township.unwrap_or_else(|| {
                unnamed = true;
                name.clone()
            });
            let acc = by_place
                .entry((g.county.is_none(), g.county, township))
                .or_insert_with(|| vec![None; keys.len()]);
            for (a, n) in acc.iter_mut().zip(g.counts) {
                if let Some(n) = n {
                    *a = Some(a.unwrap_or(0) + n);
                }
            }
        }
        if unnamed {
            let note = say(
                lang,
                format!("注意：{} 的统计没有写乡镇名（运行时没有给 --township），以文件夹名“{name}”作乡镇名", folder.display()),
                format!("note: the tally of {} names no township (the run had no --township); the folder's name \"{name}\" stands in", folder.display()),
            );
            // Once per folder, even when it is given twice.
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    let townships = by_place
        .into_iter()
        .map(|((_, county, township), counts)| Township {
            county,
            township,
            counts,
        })
        .collect();
    Ok((Rollup { keys, townships }, files_read, notes))
}

/// A tally frame as a run writes tally.parquet (docs/parquet.md): for tests that have no
/// run at hand.
#[cfg(test)]
pub(crate) fn tally_frame(
    place: (Option<&str>, Option<&str>),
    rows: &[(&str, Vec<Option<i64>>)],
    keys: &[&str],
) -> polars::prelude::DataFrame {
    use polars::prelude::Column;
    let n = rows.len();
    let mut columns = vec![
        Column::new("county".into(), vec![place.0; n]),
        Column::new("township".into(), vec![place.1; n]),
        Column::new(
            "village".into(),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ),
    ];
    for (k, key) in keys.iter().enumerate() {
        columns.push(Column::new(
            (*key).into(),
            rows.iter().map(|r| r.1[k]).collect::<Vec<Option<i64>>>(),
        ));
    }
    polars::prelude::DataFrame::new_infer_height(columns).expect("a tally frame")
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{Column, DataFrame, ParquetWriter};

    fn write(path: &Path, mut frame: DataFrame) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let f = std::fs::File::create(path).unwrap();
        ParquetWriter::new(f).finish(&mut frame).unwrap();
    }

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_folder_is_read_as_a_run_a_rollup_or_a_hive_folder_else_refused() {
        let t = tempfile::tempdir().unwrap();
        let run = t.path().join("run");
        let frame = tally_frame((None, None), &[("v", vec![Some(1)])], &["a"]);
        write(&run.join("parquet/tally.parquet"), frame.clone());
        assert_eq!(
            tally_files(&run, Lang::Zh).unwrap(),
            [run.join("parquet/tally.parquet")]
        );
        let rollup = t.path().join("sum");
        write(&rollup.join("tally.parquet"), frame.clone());
        assert_eq!(
            tally_files(&rollup, Lang::Zh).unwrap(),
            [rollup.join("tally.parquet")]
        );
        let hive = t.path().join("hive");
        let b = hive.join("tally/county=X/township=B/part-0.parquet");
        let a = hive.join("tally/county=X/township=A/part-0.parquet");
        write(&b, frame.clone());
        write(&a, frame.clone());
        std::fs::write(hive.join("tally/county=X/township=A/.sb-1-0.tmp"), "half").unwrap();
        std::fs::write(hive.join("tally/county=X/.part.parquet"), "hidden").unwrap();
        assert_eq!(tally_files(&hive, Lang::Zh).unwrap(), [a, b]);
        let empty = t.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let e = tally_files(&empty, Lang::Zh).unwrap_err().to_string();
        assert!(
            e.contains("empty") && e.contains("没有统计的 Parquet 文件"),
            "{e}"
        );
        let e = tally_files(&t.path().join("gone"), Lang::En)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("no such folder") && e.contains("gone"), "{e}");
    }

    #[test]
    fn only_a_tally_of_the_campaign_is_read() {
        let k = keys(&["a", "b"]);
        let schema = |cols: &[(&str, DataType)]| -> Schema {
            cols.iter().map(|(n, d)| ((*n).into(), d.clone())).collect()
        };
        let place = [
            ("county", DataType::String),
            ("township", DataType::String),
            ("village", DataType::String),
        ];
        let good = schema(&[place.as_slice(), &[("a", DataType::Int64)]].concat());
        assert_eq!(projection(&good, &k).map(|e| e.len()), Ok(4));
        let other = schema(&[place.as_slice(), &[("z", DataType::Int64)]].concat());
        assert_eq!(
            projection(&other, &k).err(),
            Some(Mismatch::Extra(vec!["z".into()]))
        );
        let none = schema(&place);
        assert_eq!(projection(&none, &k).err(), Some(Mismatch::NoColumn));
        let text = schema(&[place.as_slice(), &[("a", DataType::String)]].concat());
        assert!(matches!(
            projection(&text, &k),
            Err(Mismatch::NotCounts(key, _)) if key == "a"
        ));
        let no_place = schema(&[("village", DataType::String), ("a", DataType::Int64)]);
        assert_eq!(projection(&no_place, &k).err(), Some(Mismatch::NoPlace));
    }

    #[test]
    fn a_folder_is_summed_per_township_and_a_column_none_counted_stays_empty() {
        let t = tempfile::tempdir().unwrap();
        let hive = t.path().join("hive");
        let k = ["a", "b", "c"];
        write(
            &hive.join("tally/county=X/township=A/part-0.parquet"),
            tally_frame(
                (Some("X"), Some("A")),
                &[
                    ("v1", vec![Some(1), Some(10), None]),
                    ("v2", vec![Some(2), None, None]),
                ],
                &k,
            ),
        );
        // A file of an older run, without the column b: read as nulls.
        write(
            &hive.join("tally/county=X/township=B/part-0.parquet"),
            tally_frame(
                (Some("X"), Some("B")),
                &[("v3", vec![Some(4), None])],
                &["a", "c"],
            ),
        );
        let files = tally_files(&hive, Lang::Zh).unwrap();
        let mut groups = read_folder(&hive, &files, &keys(&k), "自建房", Lang::Zh).unwrap();
        groups.sort_by(|x, y| x.township.cmp(&y.township));
        let want = |t: &str, counts: Vec<Option<i64>>| Group {
            county: Some("X".into()),
            township: Some(t.into()),
            counts,
        };
        assert_eq!(
            groups,
            [
                want("A", vec![Some(3), Some(10), None]),
                want("B", vec![Some(4), None, None])
            ]
        );
    }

    #[test]
    fn a_damaged_or_foreign_file_is_an_error_naming_its_folder() {
        let t = tempfile::tempdir().unwrap();
        let bad = t.path().join("坏的");
        std::fs::create_dir_all(bad.join("parquet")).unwrap();
        std::fs::write(bad.join("parquet/tally.parquet"), b"PAR1 not really PAR1").unwrap();
        let files = tally_files(&bad, Lang::Zh).unwrap();
        let e = read_folder(&bad, &files, &keys(&["a"]), "自建房", Lang::Zh)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("坏的") && e.contains("不是完好的 Parquet 文件"),
            "{e}"
        );
        let other = t.path().join("other");
        write(
            &other.join("tally.parquet"),
            tally_frame((None, None), &[("v", vec![Some(1)])], &["enterprises"]),
        );
        let files = tally_files(&other, Lang::En).unwrap();
        let e = read_folder(&other, &files, &keys(&["a"]), "selfbuilt", Lang::En)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("other")
                && e.contains("not a tally of this campaign")
                && e.contains("enterprises"),
            "{e}"
        );
    }

    #[test]
    fn a_township_split_over_batches_of_files_is_one_township() {
        let t = tempfile::tempdir().unwrap();
        let hive = t.path().join("hive");
        let n = BATCH + 6;
        for i in 0..n {
            let township = if i % 2 == 0 { "A" } else { "B" };
            write(
                &hive.join(format!(
                    "tally/county=X/township={township}/part-{i}.parquet"
                )),
                tally_frame(
                    (Some("X"), Some(township)),
                    &[("v", vec![Some(1)])],
                    &["buildings"],
                ),
            );
        }
        let schemas = Schemas::shipped().unwrap();
        let (rollup, files, notes) = read_all(&[hive], &schemas, Lang::Zh).unwrap();
        assert_eq!((files, notes.len()), (n, 0));
        let k = rollup.keys.iter().position(|k| k == "buildings").unwrap();
        let got: Vec<(&str, Option<i64>)> = rollup
            .townships
            .iter()
            .map(|t| (t.township.as_str(), t.counts[k]))
            .collect();
        let half = i64::try_from(n / 2).unwrap();
        assert_eq!(got, [("A", Some(half)), ("B", Some(half))]);
        // Columns the files lack are no township's count.
        assert_eq!(rollup.counted(), [k]);
    }

    #[test]
    fn a_place_column_of_nothing_but_nulls_is_read() {
        let t = tempfile::tempdir().unwrap();
        let run = t.path().join("run");
        let frame = DataFrame::new_infer_height(vec![
            Column::full_null("county".into(), 2, &DataType::Null),
            Column::full_null("township".into(), 2, &DataType::Null),
            Column::new("a".into(), [Some(1i64), Some(5)]),
        ])
        .unwrap();
        write(&run.join("parquet/tally.parquet"), frame);
        let files = tally_files(&run, Lang::Zh).unwrap();
        let groups = read_folder(&run, &files, &keys(&["a"]), "自建房", Lang::Zh).unwrap();
        assert_eq!(
            groups,
            [Group {
                county: None,
                township: None,
                counts: vec![Some(6)]
            }]
        );
    }
}
