//! The tally stage (SPEC §7), run after the write-offs and before any output: one
//! indicator row per counted row and per proposal, a 0/1 per column of the campaign's
//! `[tally]` it can count, summed per village with a polars group-by (a table's part on a
//! core of its own), the parts then added up. A row's village is its main row's (through
//! its reference to the main table), else its file's.

use std::collections::HashMap;

use anyhow::{Context, Result};
use polars::prelude::{col, Column, DataFrame, Expr, IntoLazy};

use crate::model::{Coverage, Proposal, Record, Tally, TallyRow};
use crate::schema::campaign::{CoverCount, TallyColumn, TallyIx};
use crate::schema::{Schemas, TableId};

/// One part of the tally: indicator rows (a village and a 0/1 per column it counts) of
/// one table, or of the proposals.
struct Part<'a> {
    /// The tally columns it counts.
    cols: Vec<usize>,
    villages: Vec<&'a str>,
    /// One 0/1 vector per counted column.
    marks: Vec<Vec<i64>>,
}

impl<'a> Part<'a> {
    fn new(cols: Vec<usize>) -> Part<'a> {
        let marks = vec![Vec::new(); cols.len()];
        Part {
            cols,
            villages: Vec::new(),
            marks,
        }
    }
    /// Sum the part per village with a polars group-by: (village, counts per column).
    fn sums(self) -> Result<Vec<(&'a str, Vec<i64>)>> {
        if self.villages.is_empty() {
            return Ok(Vec::new());
        }
        // Villages by number: grouping on an integer key is what polars does fastest.
        let mut names: Vec<&str> = Vec::new();
        let mut number: HashMap<&str, u32> = HashMap::new();
        let mut last: Option<(&str, u32)> = None;
        let ids: Vec<u32> = self
            .villages
            .iter()
            .map(|v| match last {
                Some((l, id)) if l == *v => id,
                _ => {
                    let id = *number.entry(v).or_insert_with(|| {
                        names.push(v);
                        names.len() as u32 - 1
                    });
                    last = Some((v, id));
                    id
                }
            })
            .collect();
        let mut columns = vec![Column::new("village".into(), ids)];
        for (i, m) in self.marks.into_iter().enumerate() {
            columns.push(Column::new(format!("c{i}").into(), m));
        }
        let k = self.cols.len();
        let df = DataFrame::new_infer_height(columns).context("tally frame")?;
        let aggs: Vec<Expr> = (0..k).map(|i| col(format!("c{i}")).sum()).collect();
        let out = df
            .lazy()
            .group_by([col("village")])
            .agg(aggs)
            .collect()
            .context("tally group-by")?;
        let vs = out.column("village")?.u32()?.clone();
        let mut sums = Vec::with_capacity(out.height());
        for i in 0..out.height() {
            let mut counts = Vec::with_capacity(k);
            for j in 0..k {
                counts.push(out.column(&format!("c{j}"))?.i64()?.get(i).unwrap_or(0));
            }
            if let Some(name) = vs.get(i).and_then(|id| names.get(id as usize)) {
                sums.push((*name, counts));
            }
        }
        Ok(sums)
    }
}

/// The campaign's tally columns a run has: all but the coverage's when it had no roster.
pub fn columns(schemas: &Schemas, with_coverage: bool) -> Vec<&TallyColumn> {
    schemas
        .campaign
        .tally
        .columns
        .iter()
        .filter(|c| with_coverage || !matches!(c.ix, TallyIx::Coverage(_)))
        .collect()
}

/// The tally's villages that sent rows, and apart those only the roster names (they sent
/// nothing): one definition for every figure that counts villages.
pub fn villages<'a>(schemas: &Schemas, tally: &'a Tally) -> (Vec<&'a TallyRow>, Vec<&'a TallyRow>) {
    let counted: Vec<usize> = tally
        .keys
        .iter()
        .enumerate()
        .filter(|(_, k)| {
            schemas
                .campaign
                .tally
                .columns
                .iter()
                .any(|c| &c.key == *k && !matches!(c.ix, TallyIx::Coverage(_)))
        })
        .map(|(i, _)| i)
        .collect();
    tally.rows.iter().partition(|r| {
        counted
            .iter()
            .any(|&i| r.counts.get(i).is_some_and(|n| *n != 0))
    })
}

/// The keys of `columns`.
pub fn keys(schemas: &Schemas, with_coverage: bool) -> Vec<String> {
    columns(schemas, with_coverage)
        .iter()
        .map(|c| c.key.clone())
        .collect()
}

/// The tally of a run's records and proposals (and its roster's coverage): each table's
/// rows (and the proposals) counted per village on a core of its own, then the parts
/// added up.
pub fn compute(
    schemas: &Schemas,
    tables: &[Vec<Record>],
    proposals: &[Proposal],
    village_of_file: &[String],
    coverage: Option<&Coverage>,
) -> Result<Tally> {
    use rayon::prelude::*;
    let c = &schemas.campaign;
    let spec = &c.tally;
    let columns = columns(schemas, coverage.is_some());
    let n = columns.len();
    let keys: Vec<String> = columns.iter().map(|c| c.key.clone()).collect();
    let main = c.main();
    let ms = schemas.table(main);
    let main_id = ms.table.identity.first().and_then(|k| ms.field_index(k));
    let village = ms.field_index(&c.campaign.village);
    fn file_village<'a>(of_file: &'a [String], r: &Record) -> &'a str {
        of_file.get(r.file).map(String::as_str).unwrap_or("")
    }
    fn main_village<'a>(village: Option<usize>, of_file: &'a [String], b: &'a Record) -> &'a str {
        match village.map(|i| b.text(i)).unwrap_or("") {
            "" => file_village(of_file, b),
            v => v,
        }
    }
    let columns_of = |t: TableId| -> Vec<usize> {
        (0..n)
            .filter(|&k| matches!(columns[k].ix, TallyIx::Rows(x) if x == t))
            .collect()
    };
    let others_counted = schemas
        .ids()
        .any(|t| t != main && !tables[t.index()].is_empty() && !columns_of(t).is_empty());
    // The village of each main code (an accepted row's, else a rejected one's), for the
    // other tables' rows and the proposals.
    let mut village_of: HashMap<&str, &str> = HashMap::new();
    if let (Some(id), true) = (main_id, others_counted || !proposals.is_empty()) {
        for b in &tables[main.index()] {
            if let Some(code) = b.vals[id].as_str() {
                if !b.rejected || !village_of.contains_key(code) {
                    village_of.insert(code, main_village(village, village_of_file, b));
                }
            }
        }
    }
    let table_part = |t: TableId| -> Part {
        let ts = schemas.table(t);
        let mut part = Part::new(columns_of(t));
        if part.cols.is_empty() {
            return part;
        }
        let up = c.to_main(t).map(|rx| rx.child_field);
        for r in &tables[t.index()] {
            let mut any = false;
            for (j, &k) in part.cols.iter().enumerate() {
                let col = &columns[k];
                let hit = (col.read || col.rejected == r.rejected)
                    && col.when.iter().all(|cd| r.holds(ts, cd) == Some(true));
                part.marks[j].push(i64::from(hit));
                any |= hit;
            }
            if !any {
                for m in part.marks.iter_mut() {
                    m.pop();
                }
                continue;
            }
            let v = if t == main {
                main_village(village, village_of_file, r)
            } else {
                up.and_then(|i| r.vals[i].as_str())
                    .and_then(|code| village_of.get(code).copied())
                    .unwrap_or_else(|| file_village(village_of_file, r))
            };
            part.villages.push(v);
        }
        part
    };
    let mut parts: Vec<Part> = schemas
        .ids()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(table_part)
        .collect();
    // The proposals: each counts in the columns of its reason.
    let mut wp = Part::new(
        (0..n)
            .filter(|&k| matches!(columns[k].ix, TallyIx::Writeoff(_)))
            .collect(),
    );
    for p in proposals {
        let v = village_of
            .get(p.main_code.as_str())
            .copied()
            .unwrap_or(p.village.as_str());
        let marks: Vec<bool> = wp
            .cols
            .iter()
            .map(|&k| matches!(columns[k].ix, TallyIx::Writeoff(w) if w == p.rule))
            .collect();
        if marks.iter().any(|m| *m) {
            wp.villages.push(v);
            for (m, hit) in wp.marks.iter_mut().zip(marks) {
                m.push(i64::from(hit));
            }
        }
    }
    parts.push(wp);
    /// A part's columns and its sums per village.
    type Sums<'a> = (Vec<usize>, Vec<(&'a str, Vec<i64>)>);
    let sums: Vec<Sums> = parts
        .into_par_iter()
        .map(|p| {
            let cols = p.cols.clone();
            p.sums().map(|s| (cols, s))
        })
        .collect::<Result<_>>()?;
    let mut by_village: HashMap<&str, Vec<i64>> = HashMap::new();
    for (cols, rows) in &sums {
        for (v, counts) in rows {
            let acc = by_village.entry(v).or_insert_with(|| vec![0; n]);
            for (&k, x) in cols.iter().zip(counts) {
                acc[k] += x;
            }
        }
    }
    // The roster's counts, per village as the coverage placed them.
    if let Some(cv) = coverage {
        for (v, counts) in &cv.villages {
            let acc = by_village.entry(v).or_insert_with(|| vec![0; n]);
            for (k, col) in columns.iter().enumerate() {
                if let TallyIx::Coverage(what) = col.ix {
                    acc[k] += match what {
                        CoverCount::Listed => counts.listed,
                        CoverCount::Covered => counts.covered,
                        CoverCount::Missing => counts.missing,
                        CoverCount::Unlisted => counts.unlisted,
                    } as i64;
                }
            }
        }
    }
    let mut rows: Vec<TallyRow> = by_village
        .into_iter()
        .map(|(v, counts)| TallyRow {
            village: v.to_string(),
            counts,
        })
        .collect();
    rows.sort_by(|a, b| a.village.cmp(&b.village));
    let mut total = TallyRow {
        village: spec.total.clone(),
        counts: vec![0; n],
    };
    for r in &rows {
        for k in 0..n {
            total.counts[k] += r.counts[k];
        }
    }
    Ok(Tally { keys, rows, total })
}
