//! The tally stage (SPEC §7), run after the write-offs and before any output: each row
//! and each proposal counted in the columns of the campaign's `[tally]` it meets, per
//! village, straight into a few counts per village (the rows of a table in chunks on every
//! core, the chunks' counts then added up): memory grows with the villages, not the rows.
//! A row's village is its main row's (through its reference to the main table), else its
//! file's.

use crate::fast::Map;

use anyhow::Result;

use crate::byfield::MainCodes;
use crate::keyrow::KeyRow;
use crate::model::{Coverage, Proposal, Tally, TallyRow};
use crate::schema::campaign::{CoverCount, TallyColumn, TallyIx};
use crate::schema::{Cond, Schemas, TableId};

/// Counts per village: `width` numbers each, in the order of the run's tally columns.
type Counts<'a> = Map<&'a str, Vec<i64>>;

/// Rows counted in one chunk of work.
const CHUNK: usize = 16 * 1024;

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
/// rows (and the proposals) counted per village, chunk by chunk on every core, then the
/// counts added up. [`Rows`] counts the rows beside the write-off stage (they do not
/// depend on its proposals); this is it and [`Rows::with_proposals`] one after the other.
///
/// ```
/// let s = selfbuilt::schema::Schemas::shipped().unwrap();
/// let tables = vec![Vec::new(); s.tables.len()];
/// let tally = selfbuilt::tally::compute(&s, &tables, &[], &[], None).unwrap();
/// assert_eq!(tally.keys, selfbuilt::tally::keys(&s, false));
/// assert!(tally.rows.is_empty());
/// ```
pub fn compute(
    schemas: &Schemas,
    tables: &[Vec<KeyRow>],
    proposals: &[Proposal],
    village_of_file: &[String],
    coverage: Option<&Coverage>,
) -> Result<Tally> {
    let main_codes = crate::byfield::MainCodes::of(tables, schemas);
    Rows::count(
        schemas,
        tables,
        village_of_file,
        coverage.is_some(),
        main_codes.as_ref(),
    )
    .with_proposals(proposals, coverage)
}

/// A run's rows counted per village, waiting for the proposals (see [`compute`]).
///
/// ```
/// let s = selfbuilt::schema::Schemas::shipped().unwrap();
/// let tables = vec![Vec::new(); s.tables.len()];
/// let codes = selfbuilt::byfield::MainCodes::of(&tables, &s);
/// let rows = selfbuilt::tally::Rows::count(&s, &tables, &[], false, codes.as_ref());
/// // … the write-off proposals are made meanwhile on the other core …
/// let tally = rows.with_proposals(&[], None).unwrap();
/// assert_eq!(tally.keys, selfbuilt::tally::keys(&s, false));
/// ```
pub struct Rows<'a> {
    counter: Counter<'a>,
    by_village: Counts<'a>,
}

impl<'a> Rows<'a> {
    /// Every table's rows counted per village (`with_coverage`: the run read a roster),
    /// the other tables' rows and the proposals in the village of their main row, found
    /// by code in `main_codes` (the run's main rows by code; None: their file's village,
    /// the proposal's own).
    pub fn count(
        schemas: &'a Schemas,
        tables: &'a [Vec<KeyRow>],
        village_of_file: &'a [String],
        with_coverage: bool,
        main_codes: Option<&'a MainCodes<'a>>,
    ) -> Rows<'a> {
        use rayon::prelude::*;
        let columns = columns(schemas, with_coverage);
        let width = columns.len();
        let main = schemas.campaign.main();
        let main_schema = schemas.table(main);
        let counter = Counter {
            schemas,
            tables,
            columns,
            village_field: main_schema.field_index(&schemas.campaign.campaign.village),
            village_of_file,
            main_rows: main_codes,
            main_picks: main_codes
                .map(|codes| codes.picks(|of| main_row(codes, of)))
                .unwrap_or_default(),
        };
        let main_counts = counter.table_counts(main);
        let counter_ref = &counter;
        let parts: Vec<Counts> = schemas
            .ids()
            .filter(|&t| t != main)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|t| counter_ref.table_counts(t))
            .collect();
        let mut by_village: Counts = main_counts;
        for part in parts {
            add(&mut by_village, part, width);
        }
        Rows {
            counter,
            by_village,
        }
    }

    /// The tally: these counts, the proposals' (each in the columns of its reason, on every
    /// core) and the roster's coverage.
    pub fn with_proposals(
        self,
        proposals: &'a [Proposal],
        coverage: Option<&'a Coverage>,
    ) -> Result<Tally> {
        use rayon::prelude::*;
        let Rows {
            counter,
            mut by_village,
        } = self;
        let width = counter.columns.len();
        let counter = &counter;
        let counted = proposals
            .par_chunks(CHUNK)
            .map(|chunk| counter.proposal_counts(chunk))
            .reduce(Map::default, |mut a, b| {
                add(&mut a, b, width);
                a
            });
        add(&mut by_village, counted, width);
        if let Some(coverage) = coverage {
            add_coverage(&mut by_village, coverage, &counter.columns);
        }
        let keys: Vec<String> = counter.columns.iter().map(|c| c.key.clone()).collect();
        let total = &counter.schemas.campaign.tally.total;
        let (rows, total) = rows_and_total(by_village, total, width);
        Ok(Tally { keys, rows, total })
    }
}

/// `part`'s counts added to `into`'s.
fn add<'a>(into: &mut Counts<'a>, part: Counts<'a>, width: usize) {
    for (village, counts) in part {
        match into.get_mut(village) {
            Some(acc) => acc.iter_mut().zip(counts).for_each(|(a, x)| *a += x),
            None => {
                debug_assert_eq!(counts.len(), width);
                into.insert(village, counts);
            }
        }
    }
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
    /// The main rows by code: the village of a code's last accepted row (else its first
    /// row's) is the one the other tables' rows and the proposals take.
    main_rows: Option<&'a MainCodes<'a>>,
    /// That row of each code of several rows, chosen once.
    main_picks: crate::byfield::Picks,
}

/// The main row of a code's rows `of` whose village counts: its last accepted row, else
/// its first.
fn main_row(codes: &MainCodes, of: crate::byfield::Rows<'_>) -> Option<usize> {
    let rows = codes.rows();
    Some(
        of.iter()
            .rev()
            .find(|&at| !rows[at].rejected)
            .unwrap_or(of.first()),
    )
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
            .get(row.file())
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

    /// The village of main code `code`, when some main row holds it: its last accepted
    /// row's, else its first row's.
    fn code_village(&self, code: &str) -> Option<&'a str> {
        let codes = self.main_rows?;
        let at = codes.pick(code, &self.main_picks, |of| main_row(codes, of))?;
        Some(self.main_village(&codes.rows()[at]))
    }

    /// One table's counts per village, chunk by chunk on every core.
    fn table_counts(&self, table: TableId) -> Counts<'a> {
        use rayon::prelude::*;
        let cols = self.columns_of(table);
        let width = self.columns.len();
        if cols.is_empty() {
            return Map::default();
        }
        self.tables[table.index()]
            .par_chunks(CHUNK)
            .map(|rows| self.chunk_counts(table, &cols, rows))
            .reduce(Map::default, |mut a, b| {
                add(&mut a, b, width);
                a
            })
    }

    /// The counts of one chunk of `table`'s rows in columns `cols`.
    fn chunk_counts(&self, table: TableId, cols: &[usize], rows: &'a [KeyRow]) -> Counts<'a> {
        let schemas = self.schemas;
        let main = schemas.campaign.main();
        let schema = schemas.table(table);
        let parent_field = schemas.campaign.to_main(table).map(|link| link.child_field);
        let mut counts: Counts = Map::default();
        let mut hits = vec![false; cols.len()];
        for row in rows {
            let mut any = false;
            for (hit, &k) in hits.iter_mut().zip(cols) {
                let column = &self.columns[k];
                *hit = (column.read || column.rejected == row.rejected)
                    && Cond::all_hold(&column.when, schema, row);
                any |= *hit;
            }
            if !any {
                continue;
            }
            let village = if table == main {
                self.main_village(row)
            } else {
                parent_field
                    .and_then(|i| row.get(i).as_str())
                    .and_then(|code| self.code_village(code))
                    .unwrap_or_else(|| self.file_village(row))
            };
            let acc = counts
                .entry(village)
                .or_insert_with(|| vec![0; self.columns.len()]);
            for (&hit, &k) in hits.iter().zip(cols) {
                acc[k] += i64::from(hit);
            }
        }
        counts
    }

    /// The proposals' counts: each counts in the columns of its reason.
    fn proposal_counts(&self, proposals: &'a [Proposal]) -> Counts<'a> {
        let columns = &self.columns;
        let mut counts: Counts = Map::default();
        let mut of_rule: Vec<Vec<usize>> = vec![Vec::new(); self.schemas.campaign.writeoffs.len()];
        for (k, column) in columns.iter().enumerate() {
            if let TallyIx::Writeoff(w) = column.ix {
                if let Some(cols) = of_rule.get_mut(w) {
                    cols.push(k);
                }
            }
        }
        for p in proposals {
            let hits = of_rule.get(p.rule).map_or(&[][..], Vec::as_slice);
            if hits.is_empty() {
                continue;
            }
            let village = self
                .code_village(p.main_code.as_str())
                .unwrap_or(p.village.as_str());
            let acc = counts
                .entry(village)
                .or_insert_with(|| vec![0; columns.len()]);
            for &k in hits {
                acc[k] += 1;
            }
        }
        counts
    }
}

/// Adds the roster's counts, per village as the coverage placed them.
fn add_coverage<'a>(by_village: &mut Counts<'a>, coverage: &'a Coverage, columns: &[&TallyColumn]) {
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
