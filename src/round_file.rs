//! The round's state on disk, as one run writes it and the next run's `--previous` reads
//! it: `parquet/round.parquet` (rows as columns, the head in the file's key-value
//! metadata), and an older version's `round.jsonl` (a head line, then a JSON line per row),
//! still read. Only the format lives here: what a row holds is `model::SnapRow`, what is
//! compared is `rounds`, and the writer is `output::parquet`.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::{
    Column, DataFrame, IntoSeries, KeyValueMetadata, ListBuilderTrait, ListStringChunkedBuilder,
    ParquetReader, SerReader, StringChunkedBuilder,
};

use crate::model::{Place, SnapHead, SnapRow, Snapshot};

/// The round's file, inside the run's Parquet folder.
pub const PARQUET: &str = "round.parquet";
/// The folder of a run's Parquet files, inside its output folder.
pub const PARQUET_DIR: &str = "parquet";
/// The file older versions kept the round in, at the top of the output folder.
pub const JSONL: &str = "round.jsonl";
/// The key of the head in round.parquet's key-value metadata.
pub const HEAD_KEY: &str = "selfbuilt.round.head";

/// Where an output folder keeps its round: round.parquet, else an older run's round.jsonl;
/// None when it has neither.
pub fn find(out: &Path) -> Option<PathBuf> {
    [out.join(PARQUET_DIR).join(PARQUET), out.join(JSONL)]
        .into_iter()
        .find(|p| p.exists())
}

/// The head as round.parquet's key-value metadata.
pub fn head_metadata(head: &SnapHead) -> Result<KeyValueMetadata> {
    Ok(KeyValueMetadata::from_static(vec![(
        HEAD_KEY.to_string(),
        serde_json::to_string(head)?,
    )]))
}

/// A row as round.parquet holds it: this run's row borrowed from the run
/// (`rounds::RoundRow`), or a row read back (`SnapRow`).
pub trait KeptRow {
    /// The table's key.
    fn table(&self) -> &str;
    /// The row's identity.
    fn key(&self) -> &str;
    /// The identity of the main row it belongs to.
    fn main(&self) -> &str;
    /// The village of the row.
    fn village(&self) -> &str;
    /// Whether it was rejected.
    fn rejected(&self) -> bool;
    /// The findings on it as (rule code, field key).
    fn findings(&self) -> impl Iterator<Item = (&str, &str)>;
    /// Its canonical values as text, in the table's field order.
    fn vals(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>>;
}

impl KeptRow for SnapRow {
    fn table(&self) -> &str {
        &self.table
    }
    fn key(&self) -> &str {
        &self.key
    }
    fn main(&self) -> &str {
        &self.main
    }
    fn village(&self) -> &str {
        &self.village
    }
    fn rejected(&self) -> bool {
        self.rejected
    }
    fn findings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.findings.iter().map(|(c, f)| (c.as_str(), f.as_str()))
    }
    fn vals(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        self.vals
            .iter()
            .map(|v| std::borrow::Cow::Borrowed(v.as_str()))
    }
}

/// A column of a list of texts per row.
fn list<'r, R, I>(name: &str, rows: &'r [R], items: impl Fn(&'r R) -> I) -> Column
where
    I: Iterator<Item = std::borrow::Cow<'r, str>>,
{
    let mut b = ListStringChunkedBuilder::new(name.into(), rows.len(), rows.len() * 4);
    let mut held = Vec::new();
    for row in rows {
        held.clear();
        held.extend(items(row));
        b.append_values_iter(held.iter().map(|v| v.as_ref()));
    }
    Column::from(b.finish().into_series())
}

/// Rows of round.parquet as a frame, every row with the run's place.
pub fn frame<R: KeptRow>(rows: &[R], place: &Place) -> Result<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&R) -> &str| {
        let mut b = StringChunkedBuilder::new(name.into(), rows.len());
        for row in rows {
            b.append_value(f(row));
        }
        Column::from(b.finish().into_series())
    };
    let same =
        |name: &str, v: &Option<String>| Column::new(name.into(), vec![v.as_deref(); rows.len()]);
    let columns = vec![
        same("county", &place.county),
        same("township", &place.township),
        text("table", &|r| r.table()),
        text("key", &|r| r.key()),
        text("main", &|r| r.main()),
        text("village", &|r| r.village()),
        Column::new(
            "rejected".into(),
            rows.iter().map(|r| r.rejected()).collect::<Vec<bool>>(),
        ),
        list("finding_codes", rows, |r| {
            r.findings().map(|(c, _)| c.into())
        }),
        list("finding_fields", rows, |r| {
            r.findings().map(|(_, f)| f.into())
        }),
        list("vals", rows, |r| r.vals()),
    ];
    Ok(DataFrame::new_infer_height(columns)?)
}

/// The message when the round kept at `path` cannot be read.
fn damaged(path: &Path, at: &str) -> String {
    format!(
        "--previous：{} {at}已损坏（文件不完整或被改动过），无法比较上一轮；请用上一轮完整的输出文件夹 / {} is damaged",
        path.display(),
        path.display()
    )
}

/// Reads a round.parquet: its head from the metadata, its rows from the columns.
pub fn read_parquet(path: &Path, max_mb: u64) -> Result<Snapshot> {
    let file = crate::read::side_file(path, "--previous", max_mb).map_err(anyhow::Error::msg)?;
    let mut reader = ParquetReader::new(file);
    let head: SnapHead = {
        let metadata = reader.get_metadata().with_context(|| damaged(path, ""))?;
        let json = metadata
            .key_value_metadata()
            .iter()
            .flatten()
            .find(|kv| kv.key == HEAD_KEY)
            .and_then(|kv| kv.value.clone())
            .with_context(|| damaged(path, "的开头信息"))?;
        serde_json::from_str(&json).with_context(|| damaged(path, "的开头信息"))?
    };
    let df = reader.finish().with_context(|| damaged(path, ""))?;
    let rows = rows_of(&df).with_context(|| damaged(path, ""))?;
    Ok(Snapshot { head, rows })
}

/// The rows of a round.parquet's frame.
fn rows_of(df: &DataFrame) -> Result<Vec<SnapRow>> {
    let text = |name: &str| -> Result<Vec<String>> {
        Ok(df
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect())
    };
    let list = |name: &str| -> Result<Vec<Vec<String>>> {
        let list = df.column(name)?.list()?;
        let mut out = Vec::with_capacity(df.height());
        for i in 0..list.len() {
            let values = match list.get_as_series(i) {
                Some(s) => s
                    .str()?
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect(),
                None => Vec::new(),
            };
            out.push(values);
        }
        Ok(out)
    };
    let (table, key, main, village) = (
        text("table")?,
        text("key")?,
        text("main")?,
        text("village")?,
    );
    let rejected: Vec<bool> = df
        .column("rejected")?
        .bool()?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    let (codes, fields, vals) = (
        list("finding_codes")?,
        list("finding_fields")?,
        list("vals")?,
    );
    let mut rows = Vec::with_capacity(df.height());
    for (i, (((((table, key), main), village), codes), fields)) in table
        .into_iter()
        .zip(key)
        .zip(main)
        .zip(village)
        .zip(codes)
        .zip(fields)
        .enumerate()
    {
        if codes.len() != fields.len() {
            anyhow::bail!("row {i}: finding codes and fields differ in number");
        }
        rows.push(SnapRow {
            table,
            key,
            main,
            village,
            rejected: rejected[i],
            findings: codes.into_iter().zip(fields).collect(),
            vals: vals[i].clone(),
        });
    }
    Ok(rows)
}

/// Reads an older version's round.jsonl: a head line, then a row per line.
pub fn read_jsonl(path: &Path, max_mb: u64) -> Result<Snapshot> {
    // A regular file under the side-file limit, read no further than that.
    let file = crate::read::side_file(path, "--previous", max_mb).map_err(anyhow::Error::msg)?;
    let line_damaged = |line: usize| damaged(path, &format!("第 {line} 行"));
    let mut lines = std::io::BufReader::new(file.take(max_mb << 20)).lines();
    let head: SnapHead = match lines.next() {
        Some(line) => serde_json::from_str(&line.with_context(|| line_damaged(1))?)
            .with_context(|| line_damaged(1))?,
        None => anyhow::bail!(
            "--previous：{} 是空文件，无法比较上一轮 / it is empty",
            path.display()
        ),
    };
    let mut rows = Vec::new();
    for (index, line) in lines.enumerate() {
        let line = line.with_context(|| line_damaged(index + 2))?;
        if line.trim().is_empty() {
            continue;
        }
        rows.push(serde_json::from_str(&line).with_context(|| line_damaged(index + 2))?);
    }
    Ok(Snapshot { head, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<SnapRow> {
        vec![
            SnapRow {
                table: "buildings".into(),
                key: "YH1".into(),
                main: "YH1".into(),
                village: "上林村".into(),
                rejected: true,
                findings: vec![("R001".into(), "owner".into()), ("B004".into(), "".into())],
                vals: vec!["YH1".into(), "".into(), "2026-01-02".into()],
            },
            SnapRow {
                table: "_file".into(),
                key: "下林村".into(),
                main: String::new(),
                village: "下林村".into(),
                rejected: false,
                findings: Vec::new(),
                vals: Vec::new(),
            },
        ]
    }

    #[test]
    fn a_round_written_as_parquet_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PARQUET);
        let head = SnapHead {
            campaign: "selfbuilt".into(),
            deadline: chrono::NaiveDate::from_ymd_opt(2026, 12, 15),
            ..SnapHead::default()
        };
        let place = Place {
            county: Some("500230".into()),
            township: None,
        };
        let mut df = frame(&rows(), &place).unwrap();
        let file = std::fs::File::create(&path).unwrap();
        polars::prelude::ParquetWriter::new(file)
            .with_key_value_metadata(Some(head_metadata(&head).unwrap()))
            .finish(&mut df)
            .unwrap();
        let back = read_parquet(&path, 64).unwrap();
        assert_eq!(back.head.campaign, "selfbuilt");
        assert_eq!(back.head.deadline, head.deadline);
        assert_eq!(
            serde_json::to_string(&back.rows).unwrap(),
            serde_json::to_string(&rows()).unwrap()
        );
    }

    #[test]
    fn a_damaged_round_is_said_to_be_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PARQUET);
        std::fs::write(&path, b"PAR1 not really").unwrap();
        let error = format!("{:#}", read_parquet(&path, 64).unwrap_err());
        assert!(error.contains("已损坏"), "{error}");
        let jsonl = dir.path().join(JSONL);
        let head = serde_json::to_string(&SnapHead::default()).unwrap();
        std::fs::write(&jsonl, format!("{head}\n{{broken\n")).unwrap();
        let error = format!("{:#}", read_jsonl(&jsonl, 64).unwrap_err());
        assert!(error.contains("第 2 行"), "{error}");
    }
}
