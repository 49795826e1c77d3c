//! `unique`: a field's value is unique over the whole batch (a building code given to
//! two buildings, in one file or two); each finding names the other places.
//!
//! ```toml
//! [[cross]]
//! kind = "unique"
//! field = "buildings.building_code"   # table.field
//! ```
//! Placeholders: `{value}` the code, `{others}` where else it is.

use serde::Deserialize;

use crate::finding::{Finding, RuleText};
use crate::keep::Need;
use crate::keyrow::KeyRow;
use crate::schema::campaign::Names;
use crate::schema::{Schemas, TableId};

use super::batch::Batch;
use super::kind::{CrossKind, DemoStep, DemoTown};
use super::message::{finding, Fill, PLACES_NAMED};

/// The keys of a `unique` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unique {
    /// The field, as `table.field`.
    pub field: String,
    /// Resolved: (table, field).
    #[serde(skip)]
    pub ix: (TableId, usize),
}

impl CrossKind for Unique {
    fn fields(&self, _schemas: &Schemas, need: &mut Need) {
        need.field(self.ix.0, self.ix.1);
    }

    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        self.ix = names.dotted(&self.field)?;
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value", "others"]
    }

    fn shown_table(&self, _schemas: &Schemas) -> String {
        "(batch)".to_string()
    }

    /// Values met before in the town made again.
    fn demo(
        &self,
        step: DemoStep,
        rule: &RuleText,
        town: &mut dyn DemoTown,
        rows: &mut [Vec<Vec<String>>],
    ) {
        if step == DemoStep::Distinct {
            town.remake_repeats(rows, (self.ix.0, &[self.ix.1]), &rule.code);
        }
    }

    fn check(&self, rule: &RuleText, batch: &Batch) -> Vec<Finding> {
        let (table, field) = self.ix;
        let schema = batch.schema(table);
        let mut repeated = repeated(batch.rows(table), field);
        repeated.sort_by_key(|(code, _)| *code);
        let mut out = Vec::new();
        for (code, rows) in repeated {
            for row in &rows {
                let others: Vec<String> = rows
                    .iter()
                    .filter(|other| !std::ptr::eq(**other, *row))
                    .take(PLACES_NAMED)
                    .map(|other| other.place(batch.files(), other.cols()[field]))
                    .collect();
                let vars = [
                    ("value", Fill::One(code.to_string())),
                    ("others", Fill::SomePlaces(others, rows.len() - 1)),
                ];
                out.push(finding(batch.files(), rule, schema, row, field, &vars));
            }
        }
        out
    }
}

/// The codes of `field` that more than one row holds, each with its rows in order. Rows
/// are sorted by a hash of their code (a few bytes a row, where a map of every code cost
/// far more at a province's size); rows whose hashes agree are told apart by the code.
fn repeated(rows: &[KeyRow], field: usize) -> Vec<(&str, Vec<&KeyRow>)> {
    let hasher = foldhash::fast::FixedState::with_seed(0x00c0_de5e);
    let mut hashed: Vec<(u64, u32)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let code = row.code(field)?;
            Some((std::hash::BuildHasher::hash_one(&hasher, code), i as u32))
        })
        .collect();
    hashed.sort_unstable();
    let mut out: Vec<(&str, Vec<&KeyRow>)> = Vec::new();
    for same_hash in hashed.chunk_by(|a, b| a.0 == b.0).filter(|c| c.len() > 1) {
        let mut by_code: Vec<(&str, Vec<&KeyRow>)> = Vec::new();
        for &(_, i) in same_hash {
            let row = &rows[i as usize];
            let code = row.code(field).unwrap_or_default();
            match by_code.iter_mut().find(|(c, _)| *c == code) {
                Some((_, g)) => g.push(row),
                None => by_code.push((code, vec![row])),
            }
        }
        out.extend(by_code.into_iter().filter(|(_, g)| g.len() > 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::Val;
    use crate::model::Record;
    use crate::schema::Schemas;

    #[test]
    fn codes_held_twice_come_with_their_rows_in_order_and_no_other_code_joins_them() {
        let s = Schemas::shipped().unwrap();
        let t = s.campaign.main();
        let n = s.table(t).fields.len();
        let codes = ["B", "A", "C", "B", "", "A", "B", "D"];
        let records = codes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut vals = vec![Val::Empty; n];
                if !c.is_empty() {
                    vals[0] = Val::Text((*c).into());
                }
                Record {
                    row: i as u32 + 1,
                    vals,
                    ..Record::empty(t, n)
                }
            })
            .collect();
        let rows = crate::keep::keep_all(&s, vec![records]).remove(0);
        let mut found: Vec<(&str, Vec<u32>)> = repeated(&rows, 0)
            .into_iter()
            .map(|(c, g)| (c, g.iter().map(|r| r.row).collect()))
            .collect();
        found.sort();
        assert_eq!(found, vec![("A", vec![2, 6]), ("B", vec![1, 4, 7])]);
    }
}
