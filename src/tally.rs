//! The tally stage (SPEC §7), run after the write-offs and before any output: one
//! indicator row per counted row and per proposal, a 0/1 per column of the campaign's
//! `[tally]`, summed per village with a polars group-by. A row's village is its main row's
//! (through its reference to the main table), else its file's.

use std::collections::HashMap;

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::model::{Proposal, Record, Tally, TallyRow};
use crate::schema::campaign::TallyIx;
use crate::schema::Schemas;

/// The tally of a run's records and proposals.
pub fn compute(
    schemas: &Schemas,
    tables: &[Vec<Record>],
    proposals: &[Proposal],
    village_of_file: &[String],
) -> Result<Tally> {
    let c = &schemas.campaign;
    let spec = &c.tally;
    let n = spec.columns.len();
    let keys: Vec<String> = spec.columns.iter().map(|c| c.key.clone()).collect();
    // Villages by number: grouping on an integer key is what polars does fastest.
    let mut names: Vec<String> = Vec::new();
    let mut number: HashMap<String, u32> = HashMap::new();
    let mut villages: Vec<u32> = Vec::new();
    let mut cols: Vec<Vec<i64>> = vec![Vec::new(); n];
    let mut push = |v: &str, set: &[usize]| {
        if set.is_empty() {
            return;
        }
        let id = match number.get(v) {
            Some(&id) => id,
            None => {
                let id = names.len() as u32;
                names.push(v.to_string());
                number.insert(v.to_string(), id);
                id
            }
        };
        villages.push(id);
        for (i, col) in cols.iter_mut().enumerate() {
            col.push(i64::from(set.contains(&i)));
        }
    };
    let main = c.main();
    let ms = schemas.table(main);
    let main_id = ms.table.identity.first().and_then(|k| ms.field_index(k));
    let village = ms.field_index(&c.campaign.village);
    let file_village = |r: &Record| {
        village_of_file
            .get(r.file)
            .map(String::as_str)
            .unwrap_or("")
    };
    // The village of each main code (an accepted row's, else a rejected one's).
    let mut village_of: HashMap<&str, &str> = HashMap::new();
    if let (Some(id), Some(vf)) = (main_id, village) {
        for b in &tables[main.index()] {
            let v = match b.text(vf) {
                "" => file_village(b),
                v => v,
            };
            if let Some(code) = b.vals[id].as_str() {
                if !b.rejected || !village_of.contains_key(code) {
                    village_of.insert(code, v);
                }
            }
        }
    }
    for t in schemas.ids() {
        let ts = schemas.table(t);
        let counted: Vec<(usize, &crate::schema::campaign::TallyColumn)> = spec
            .columns
            .iter()
            .enumerate()
            .filter(|(_, col)| matches!(col.ix, TallyIx::Rows(x) if x == t))
            .collect();
        if counted.is_empty() {
            continue;
        }
        let up = c.to_main(t).map(|rx| rx.child_field);
        for r in &tables[t.index()] {
            let v = if t == main {
                match village.map(|i| r.text(i)).unwrap_or("") {
                    "" => file_village(r),
                    v => v,
                }
            } else {
                up.and_then(|i| r.vals[i].as_str())
                    .and_then(|code| village_of.get(code).copied())
                    .unwrap_or_else(|| file_village(r))
            };
            let set: Vec<usize> = counted
                .iter()
                .filter(|(_, col)| {
                    col.rejected == r.rejected
                        && col.when.iter().all(|cd| r.holds(ts, cd) == Some(true))
                })
                .map(|(k, _)| *k)
                .collect();
            push(v, &set);
        }
    }
    for p in proposals {
        let v = village_of
            .get(p.main_code.as_str())
            .copied()
            .unwrap_or(p.village.as_str());
        let set: Vec<usize> = spec
            .columns
            .iter()
            .enumerate()
            .filter(|(_, col)| matches!(col.ix, TallyIx::Writeoff(w) if w == p.rule))
            .map(|(k, _)| k)
            .collect();
        push(v, &set);
    }
    let mut columns = vec![Column::new("village".into(), villages)];
    for (i, col) in cols.into_iter().enumerate() {
        columns.push(Column::new(format!("c{i}").into(), col));
    }
    let df = DataFrame::new(columns).context("tally frame")?;
    let aggs: Vec<Expr> = (0..n).map(|i| col(format!("c{i}")).sum()).collect();
    let out = df
        .lazy()
        .group_by([col("village")])
        .agg(aggs)
        .collect()
        .context("tally group-by")?;
    let vs = out.column("village")?.u32()?.clone();
    let mut rows: Vec<TallyRow> = Vec::new();
    for i in 0..out.height() {
        let mut counts = vec![0i64; n];
        for (k, count) in counts.iter_mut().enumerate() {
            *count = out.column(&format!("c{k}"))?.i64()?.get(i).unwrap_or(0);
        }
        let name = vs.get(i).and_then(|id| names.get(id as usize));
        rows.push(TallyRow {
            village: name.cloned().unwrap_or_default(),
            counts,
        });
    }
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
