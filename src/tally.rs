//! The tally stage (SPEC §7), run after the write-offs and before any output: one
//! indicator row per counted row and per proposal, a 0/1 per column of the campaign's
//! `[tally]` it can count, summed per village with a polars group-by (a table's part on a
//! core of its own), the parts then added up. A row's village is its main row's (through
//! its reference to the main table), else its file's.

use crate::fast::Map;

use anyhow::{Context, Result};
use polars::prelude::{col, Column, DataFrame, Expr, IntoLazy};

use crate::keyrow::KeyRow;
use crate::model::{Coverage, Proposal, Tally, TallyRow};
use crate::schema::campaign::{CoverCount, TallyColumn, TallyIx};
use crate::schema::{Cond, Schemas, TableId};

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
        let mut number_of: Map<&str, u32> = Map::default();
        let mut last: Option<(&str, u32)> = None;
        let numbers: Vec<u32> = self
            .villages
            .iter()
            .map(|v| match last {
                Some((name, number)) if name == *v => number,
                _ => {
                    let number = *number_of.entry(v).or_insert_with(|| {
                        names.push(v);
                        names.len() as u32 - 1
                    });
                    last = Some((v, number));
                    number
                }
            })
            .collect();
        let mut columns = vec![Column::new("village".into(), numbers)];
        for (i, marks) in self.marks.into_iter().enumerate() {
            columns.push(Column::new(format!("c{i}").into(), marks));
        }
        let width = self.cols.len();
        let frame = DataFrame::new_infer_height(columns).context("tally frame")?;
        let aggs: Vec<Expr> = (0..width).map(|i| col(format!("c{i}")).sum()).collect();
        let out = frame
            .lazy()
            .group_by([col("village")])
            .agg(aggs)
            .collect()
            .context("tally group-by")?;
        let village_numbers = out.column("village")?.u32()?.clone();
        let mut sums = Vec::with_capacity(out.height());
        for i in 0..out.height() {
            let mut counts = Vec::with_capacity(width);
            for j in 0..width {
                counts.push(out.column(&format!("c{j}"))?.i64()?.get(i).unwrap_or(0));
            }
            if let Some(name) = village_numbers
                .get(i)
                .and_then(|number| names.get(number as usize))
            {
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
    tables: &[Vec<KeyRow>],
    proposals: &[Proposal],
    village_of_file: &[String],
    coverage: Option<&Coverage>,
) -> Result<Tally> {
    use rayon::prelude::*;
    let columns = columns(schemas, coverage.is_some());
    let width = columns.len();
    let keys: Vec<String> = columns.iter().map(|c| c.key.clone()).collect();
    let main = schemas.table(schemas.campaign.main());
    let mut counter = Counter {
        schemas,
        tables,
        columns,
        village_field: main.field_index(&schemas.campaign.campaign.village),
        village_of_file,
        village_of: Map::default(),
    };
    counter.village_of = counter.main_code_villages(!proposals.is_empty());
    let mut parts: Vec<Part> = schemas
        .ids()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|t| counter.table_part(t))
        .collect();
    parts.push(counter.proposals_part(proposals));
    let mut by_village = sum_by_village(parts, width)?;
    if let Some(coverage) = coverage {
        add_coverage(&mut by_village, coverage, &counter.columns);
    }
    let (rows, total) = rows_and_total(by_village, &schemas.campaign.tally.total, width);
    Ok(Tally { keys, rows, total })
}

/// What counting a run's rows needs at hand: the columns, the records, and where each
/// row's village comes from.
struct Counter<'a> {
    schemas: &'a Schemas,
    tables: &'a [Vec<KeyRow>],
    columns: Vec<&'a TallyColumn>,
    /// The main table's village field.
    village_field: Option<usize>,
    /// Each input file's village.
    village_of_file: &'a [String],
    /// The village of each main code (an accepted row's, else a rejected one's), for the
    /// other tables' rows and the proposals.
    village_of: Map<&'a str, &'a str>,
}

impl<'a> Counter<'a> {
    /// The tally columns that count rows of `table`.
    fn columns_of(&self, table: TableId) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&k| matches!(self.columns[k].ix, TallyIx::Rows(x) if x == table))
            .collect()
    }

    /// The village of the file a row came from.
    fn file_village(&self, row: &KeyRow) -> &'a str {
        self.village_of_file
            .get(row.file)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// A main row's village: its own field's, else its file's.
    fn main_village(&self, row: &'a KeyRow) -> &'a str {
        match self.village_field.map(|i| row.text(i)).unwrap_or("") {
            "" => self.file_village(row),
            v => v,
        }
    }

    /// The village of each main code, when other tables' rows or the proposals need it
    /// (`for_proposals`: there are proposals).
    fn main_code_villages(&self, for_proposals: bool) -> Map<&'a str, &'a str> {
        let schemas = self.schemas;
        let main = schemas.campaign.main();
        let main_schema = schemas.table(main);
        let code_field = main_schema.identity_field();
        let others_counted = schemas.ids().any(|t| {
            t != main && !self.tables[t.index()].is_empty() && !self.columns_of(t).is_empty()
        });
        let mut village_of: Map<&str, &str> = Map::default();
        if let (Some(code_field), true) = (code_field, others_counted || for_proposals) {
            village_of.reserve(self.tables[main.index()].len());
            for row in &self.tables[main.index()] {
                if let Some(code) = row.get(code_field).as_str() {
                    if !row.rejected || !village_of.contains_key(code) {
                        village_of.insert(code, self.main_village(row));
                    }
                }
            }
        }
        village_of
    }

    /// One table's part: a row for each record some column counts, with its village.
    fn table_part(&self, table: TableId) -> Part<'a> {
        let schemas = self.schemas;
        let main = schemas.campaign.main();
        let schema = schemas.table(table);
        let mut part = Part::new(self.columns_of(table));
        if part.cols.is_empty() {
            return part;
        }
        let parent_field = schemas.campaign.to_main(table).map(|link| link.child_field);
        for row in &self.tables[table.index()] {
            let mut any = false;
            for (j, &k) in part.cols.iter().enumerate() {
                let column = &self.columns[k];
                let hit = (column.read || column.rejected == row.rejected)
                    && Cond::all_hold(&column.when, schema, row);
                part.marks[j].push(i64::from(hit));
                any |= hit;
            }
            if !any {
                for m in part.marks.iter_mut() {
                    m.pop();
                }
                continue;
            }
            let village = if table == main {
                self.main_village(row)
            } else {
                parent_field
                    .and_then(|i| row.get(i).as_str())
                    .and_then(|code| self.village_of.get(code).copied())
                    .unwrap_or_else(|| self.file_village(row))
            };
            part.villages.push(village);
        }
        part
    }

    /// The proposals' part: each counts in the columns of its reason.
    fn proposals_part(&self, proposals: &'a [Proposal]) -> Part<'a> {
        let columns = &self.columns;
        let mut part = Part::new(
            (0..columns.len())
                .filter(|&k| matches!(columns[k].ix, TallyIx::Writeoff(_)))
                .collect(),
        );
        for p in proposals {
            let village = self
                .village_of
                .get(p.main_code.as_str())
                .copied()
                .unwrap_or(p.village.as_str());
            let marks: Vec<bool> = part
                .cols
                .iter()
                .map(|&k| matches!(columns[k].ix, TallyIx::Writeoff(w) if w == p.rule))
                .collect();
            if marks.iter().any(|m| *m) {
                part.villages.push(village);
                for (m, hit) in part.marks.iter_mut().zip(marks) {
                    m.push(i64::from(hit));
                }
            }
        }
        part
    }
}

/// The parts summed per village (each on a core of its own), then added up: `width`
/// counts per village.
fn sum_by_village(parts: Vec<Part<'_>>, width: usize) -> Result<Map<&str, Vec<i64>>> {
    use rayon::prelude::*;
    /// A part's columns and its sums per village.
    type Sums<'a> = (Vec<usize>, Vec<(&'a str, Vec<i64>)>);
    let sums: Vec<Sums> = parts
        .into_par_iter()
        .map(|p| {
            let cols = p.cols.clone();
            p.sums().map(|s| (cols, s))
        })
        .collect::<Result<_>>()?;
    let mut by_village: Map<&str, Vec<i64>> = Map::default();
    for (cols, rows) in sums {
        for (village, counts) in rows {
            let acc = by_village.entry(village).or_insert_with(|| vec![0; width]);
            for (&k, x) in cols.iter().zip(counts) {
                acc[k] += x;
            }
        }
    }
    Ok(by_village)
}

/// Adds the roster's counts, per village as the coverage placed them.
fn add_coverage<'a>(
    by_village: &mut Map<&'a str, Vec<i64>>,
    coverage: &'a Coverage,
    columns: &[&TallyColumn],
) {
    for (village, counts) in &coverage.villages {
        let acc = by_village
            .entry(village)
            .or_insert_with(|| vec![0; columns.len()]);
        for (k, column) in columns.iter().enumerate() {
            if let TallyIx::Coverage(what) = column.ix {
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

/// The villages' rows in order of name, and their total row (`total_label`).
fn rows_and_total(
    by_village: Map<&str, Vec<i64>>,
    total_label: &str,
    width: usize,
) -> (Vec<TallyRow>, TallyRow) {
    let mut rows: Vec<TallyRow> = by_village
        .into_iter()
        .map(|(village, counts)| TallyRow {
            village: village.to_string(),
            counts,
        })
        .collect();
    rows.sort_by(|a, b| a.village.cmp(&b.village));
    let mut total = TallyRow {
        village: total_label.to_string(),
        counts: vec![0; width],
    };
    for row in &rows {
        for k in 0..width {
            total.counts[k] += row.counts[k];
        }
    }
    (rows, total)
}

/// The fields the tally reads: each column's conditions on its table, the main table's
/// village and identity, and each table's reference to the main one.
pub fn fields(schemas: &Schemas, need: &mut crate::keep::Need) {
    for column in &schemas.campaign.tally.columns {
        if let TallyIx::Rows(t) = column.ix {
            need.conds(schemas, t, &column.when);
        }
    }
    crate::villages::fields(schemas, need);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn villages_come_in_order_of_name_and_the_total_adds_them_up() {
        let by_village: Map<&str, Vec<i64>> =
            [("village b", vec![1, 2]), ("village a", vec![3, 0])]
                .into_iter()
                .collect();
        let (rows, total) = rows_and_total(by_village, "total", 2);
        let names: Vec<&str> = rows.iter().map(|r| r.village.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        assert_eq!(total.village, "total");
        assert_eq!(total.counts, vec![4, 2]);
    }
}
