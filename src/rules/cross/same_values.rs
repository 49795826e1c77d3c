//! `same_values`: rows of a table with the same values of some fields under different
//! identities (one enterprise's name and address under two credit codes).
//!
//! ```toml
//! [[cross]]
//! kind = "same_values"
//! table = "enterprises"
//! fields = ["name", "address"]   # two or more; the finding is on the first
//! ```
//! Placeholders: `{others}`, the other identities and where they are.

use serde::Deserialize;

use crate::finding::{Finding, RuleText};
use crate::keep::Need;
use crate::keyrow::KeyRow;
use crate::schema::campaign::Names;
use crate::schema::{Schemas, TableId};

use super::batch::Batch;
use super::kind::{CrossKind, DemoStep, DemoTown};
use super::message::{finding, Fill, PLACES_NAMED};

/// The keys of a `same_values` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SameValues {
    /// The table.
    pub table: String,
    /// The fields compared, two or more.
    pub fields: Vec<String>,
    /// Resolved: the table and the fields.
    #[serde(skip)]
    pub ix: (TableId, Vec<usize>),
}

impl CrossKind for SameValues {
    fn fields(&self, _schemas: &Schemas, need: &mut Need) {
        for &f in &self.ix.1 {
            need.field(self.ix.0, f);
        }
    }

    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        let table = names.table(&self.table)?;
        if self.fields.len() < 2 {
            return Err("kind same_values needs two or more `fields`".into());
        }
        let fields = self
            .fields
            .iter()
            .map(|f| names.field(table, f))
            .collect::<Result<Vec<usize>, String>>()?;
        self.ix = (table, fields);
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["others"]
    }

    fn shown_table(&self, schemas: &Schemas) -> String {
        schemas.table(self.ix.0).table.key.clone()
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
            town.remake_repeats(rows, (self.ix.0, &self.ix.1), &rule.code);
        }
    }

    fn check(&self, rule: &RuleText, batch: &Batch) -> Vec<Finding> {
        let (table, fields) = (self.ix.0, &self.ix.1);
        let schema = batch.schema(table);
        let Some(id) = schema.identity_field() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for rows in groups(batch.rows(table), fields, id) {
            let mut codes: Vec<&str> = rows.iter().filter_map(|r| r.code(id)).collect();
            codes.sort();
            codes.dedup();
            if codes.len() < 2 {
                continue;
            }
            for row in &rows {
                let mine = row.code(id);
                let others = rows.iter().filter(|other| other.code(id) != mine);
                let total = others.clone().count();
                let named: Vec<String> = others
                    .take(PLACES_NAMED)
                    .map(|other| {
                        let place = other.place(batch.files(), other.cols()[id]);
                        format!("{}（{place}）", other.get(id).display())
                    })
                    .collect();
                let vars = [("others", Fill::SomePlaces(named, total))];
                out.push(finding(batch.files(), rule, schema, row, fields[0], &vars));
            }
        }
        out
    }
}

/// Rows with an identity grouped by their fields' values (normalised, joined by a unit
/// separator); only groups of two rows or more, which can hold two identities, in the
/// order of their first row. Rows are sorted by a hash of their values, which costs a
/// few bytes a row where a map of the joined texts cost a text each; rows whose hashes
/// agree are grouped by their values themselves, so that two values never meet by chance.
fn groups<'a>(rows: &'a [KeyRow], fields: &[usize], id: usize) -> Vec<Vec<&'a KeyRow>> {
    let key_of = |row: &KeyRow, key: &mut String| -> bool {
        key.clear();
        for &f in fields {
            let Some(v) = row.code(f) else {
                return false;
            };
            crate::text::push_nfkc_nospace(key, v);
            key.push('\u{1f}');
        }
        true
    };
    let hasher = foldhash::fast::FixedState::with_seed(0x5e1f_b11d);
    let mut key = String::new();
    let mut hashed: Vec<(u64, u32)> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        if row.code(id).is_some() && key_of(row, &mut key) {
            hashed.push((
                std::hash::BuildHasher::hash_one(&hasher, key.as_str()),
                i as u32,
            ));
        }
    }
    hashed.sort_unstable();
    let mut groups: Vec<Vec<&KeyRow>> = Vec::new();
    for same_hash in hashed.chunk_by(|a, b| a.0 == b.0).filter(|c| c.len() > 1) {
        // In row order; split by the values themselves.
        let mut by_values: Vec<(String, Vec<&KeyRow>)> = Vec::new();
        for &(_, i) in same_hash {
            let row = &rows[i as usize];
            key_of(row, &mut key);
            match by_values.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.push(row),
                None => by_values.push((key.clone(), vec![row])),
            }
        }
        groups.extend(
            by_values
                .into_iter()
                .map(|(_, g)| g)
                .filter(|g| g.len() > 1),
        );
    }
    groups.sort_by_key(|g| (g[0].file(), g[0].row));
    groups
}
