//! The roll-up (`selfbuilt rollup OUT_DIR... --out DIR`, docs/parquet.md): many
//! townships' tallies added up into one, per township and county with 合计, for a county or
//! a province on one machine.
//!
//! This module owns the roll-up from its inputs to its files: [`read`] finds each
//! folder's tally Parquet (a run's `parquet/tally.parquet`, a roll-up's `tally.parquet`, a
//! `--parquet` folder's `tally/**/*.parquet`), checks that it is this campaign's, and sums
//! it per county and township with polars' lazy engine, reading only the columns it needs,
//! so that memory follows the number of townships, not of rows or files; [`write`] writes
//! tally.csv, tally.xlsx (labels and the words 小计 and 合计 from the campaign's `[tally]`)
//! and tally.parquet (a run's tally.parquet's schema, `village` null, so that a roll-up of
//! roll-ups is the same roll-up). The folder `--out` is written as a run's is: locked,
//! staged and moved into place whole (`outdir`), never a half-written file, inputs never
//! touched.

pub mod read;
pub mod write;

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::finding::Lang;
use crate::schema::Schemas;

/// The names a roll-up writes into `--out`; tally.csv goes in last.
pub const OUTPUTS: crate::outdir::Outputs<'static> = crate::outdir::Outputs {
    names: &["tally.csv", "tally.xlsx", "tally.parquet"],
    last: "tally.csv",
};

/// One township of the roll-up: its county (none when its runs had none), its name, and
/// per tally column of the campaign (in the campaign's order) its count, none when no run
/// of it could count the column (a roster's columns of runs without `--roster`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Township {
    /// The county, as the runs gave it (`--county`, else the county code of the rows).
    pub county: Option<String>,
    /// The township (`--township`, else the name of the folder it was read from).
    pub township: String,
    /// The counts, one per tally column of the campaign.
    pub counts: Vec<Option<i64>>,
}

/// The roll-up: the campaign's tally columns, and the townships in order of county (those
/// without one last) and name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollup {
    /// Every tally column of the campaign, by key, in the campaign's order.
    pub keys: Vec<String>,
    /// The townships, ordered by county, then name.
    pub townships: Vec<Township>,
}

impl Rollup {
    /// The townships by county: each county with its townships, in order.
    pub fn counties(&self) -> Vec<(Option<&str>, &[Township])> {
        let mut out: Vec<(Option<&str>, &[Township])> = Vec::new();
        let mut start = 0;
        for i in 1..=self.townships.len() {
            let ends = i == self.townships.len()
                || self.townships[i].county != self.townships[start].county;
            if ends {
                out.push((
                    self.townships[start].county.as_deref(),
                    &self.townships[start..i],
                ));
                start = i;
            }
        }
        out
    }

    /// The columns some township has a count in (a column no run could count is left
    /// out of the tables people read, as a run's tally leaves the roster's out without
    /// `--roster`).
    pub fn counted(&self) -> Vec<usize> {
        (0..self.keys.len())
            .filter(|&k| self.townships.iter().any(|t| t.counts[k].is_some()))
            .collect()
    }
}

/// The sum of some townships' counts, column by column: none where none of them has one.
pub fn sum(townships: &[Township], width: usize) -> Vec<Option<i64>> {
    let mut total = vec![None; width];
    for t in townships {
        for (acc, n) in total.iter_mut().zip(&t.counts) {
            if let Some(n) = n {
                *acc = Some(acc.unwrap_or(0) + n);
            }
        }
    }
    total
}

/// A roll-up done: what was summed, and what the person who ran it should hear of.
#[derive(Debug)]
pub struct Done {
    /// The roll-up, as written.
    pub rollup: Rollup,
    /// How many tally Parquet files were read.
    pub files: usize,
    /// Notes for the person (a folder whose tally names no township).
    pub notes: Vec<String>,
}

/// A message in the language asked for.
pub(crate) fn say(lang: Lang, zh: String, en: String) -> String {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Rolls up the tallies of `inputs` into `out`: reads and sums them all first, then writes
/// the three files into a staging folder inside `out` and moves them into place; on any
/// error nothing in `out` changes.
///
/// ```no_run
/// # fn main() -> anyhow::Result<()> {
/// let schemas = selfbuilt::schema::Schemas::shipped()?;
/// let inputs = vec!["城关镇结果".into(), "河西乡结果".into()];
/// let done = selfbuilt::rollup::execute(&inputs, "全县汇总".as_ref(), &schemas, selfbuilt::finding::Lang::Zh)?;
/// println!("{} 个乡镇", done.rollup.townships.len());
/// # Ok(()) }
/// ```
pub fn execute(inputs: &[PathBuf], out: &Path, schemas: &Schemas, lang: Lang) -> Result<Done> {
    check_out(out, inputs, lang)?;
    let (rollup, files, notes) = read::read_all(inputs, schemas, lang)?;
    std::fs::create_dir_all(out).map_err(|e| {
        anyhow::anyhow!(say(
            lang,
            format!("无法创建输出文件夹 {}（{e}）", out.display()),
            format!("cannot create the output folder {} ({e})", out.display()),
        ))
    })?;
    let _lock = crate::outdir::Lock::take(out)?;
    let staged = crate::outdir::staging(out)?;
    let written = write::write_all(&rollup, &schemas.campaign.tally, &staged, lang)
        .and_then(|()| crate::outdir::promote(out, &staged, OUTPUTS));
    if let Err(error) = written {
        // Give the space back; the folder keeps what it had.
        let _ = std::fs::remove_dir_all(&staged);
        return Err(error);
    }
    Ok(Done {
        rollup,
        files,
        notes,
    })
}

/// Refuses an `--out` that is a file, that is or holds or lies inside an input, or that
/// holds another command's outputs (a run's: the roll-up would replace them).
fn check_out(out: &Path, inputs: &[PathBuf], lang: Lang) -> Result<()> {
    let shown = out.display();
    if out.exists() && !out.is_dir() {
        anyhow::bail!(say(
            lang,
            format!("--out {shown} 已存在且不是文件夹"),
            format!("--out {shown} exists and is not a folder"),
        ));
    }
    let o = crate::outdir::resolved(out);
    for input in inputs {
        let r = crate::outdir::resolved(input);
        if o == r || r.starts_with(&o) || o.starts_with(&r) {
            anyhow::bail!(say(
                lang,
                format!(
                    "输出文件夹 --out {shown} 不能是要汇总的文件夹 {}，也不能在它里面或包含它：请另选一个文件夹",
                    input.display()
                ),
                format!(
                    "--out {shown} must not be, hold or lie inside the folder to roll up {}: choose another folder",
                    input.display()
                ),
            ));
        }
    }
    let manifest = std::fs::read_to_string(out.join(".selfbuilt-manifest")).unwrap_or_default();
    if manifest
        .lines()
        .any(|n| !n.is_empty() && !OUTPUTS.names.contains(&n))
    {
        anyhow::bail!(say(
            lang,
            format!("输出文件夹 --out {shown} 里是 selfbuilt run 的结果，汇总会替换它们：请另选一个文件夹"),
            format!("--out {shown} holds the outputs of a selfbuilt run, which the roll-up would replace: choose another folder"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn town(county: Option<&str>, name: &str, counts: &[Option<i64>]) -> Township {
        Township {
            county: county.map(str::to_string),
            township: name.to_string(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn counties_group_consecutive_townships_and_sums_skip_what_none_counted() {
        let rollup = Rollup {
            keys: vec!["a".into(), "b".into()],
            townships: vec![
                town(Some("X"), "A", &[Some(1), None]),
                town(Some("X"), "B", &[Some(2), None]),
                town(Some("Y"), "C", &[Some(4), None]),
                town(None, "D", &[Some(8), None]),
            ],
        };
        let counties: Vec<(Option<&str>, usize)> = rollup
            .counties()
            .into_iter()
            .map(|(c, t)| (c, t.len()))
            .collect();
        assert_eq!(counties, [(Some("X"), 2), (Some("Y"), 1), (None, 1)]);
        assert_eq!(sum(&rollup.townships, 2), [Some(15), None]);
        assert_eq!(sum(&rollup.townships[..2], 2), [Some(3), None]);
        assert_eq!(rollup.counted(), [0]);
        assert!(Rollup::default().counties().is_empty());
    }

    #[test]
    fn out_may_not_be_an_input_nor_a_runs_folder() {
        let t = tempfile::tempdir().unwrap();
        let input = t.path().join("in");
        std::fs::create_dir(&input).unwrap();
        assert!(check_out(&input, std::slice::from_ref(&input), Lang::Zh).is_err());
        let inside = input.join("sum");
        assert!(check_out(&inside, std::slice::from_ref(&input), Lang::En).is_err());
        let run = t.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::write(run.join(".selfbuilt-manifest"), "cleaned.xlsx\ntally.csv\n").unwrap();
        let e = check_out(&run, std::slice::from_ref(&input), Lang::Zh).unwrap_err();
        assert!(e.to_string().contains("selfbuilt run"), "{e}");
        let again = t.path().join("again");
        std::fs::create_dir(&again).unwrap();
        std::fs::write(
            again.join(".selfbuilt-manifest"),
            "tally.csv\ntally.parquet\n",
        )
        .unwrap();
        assert!(check_out(&again, &[input], Lang::Zh).is_ok());
    }
}
