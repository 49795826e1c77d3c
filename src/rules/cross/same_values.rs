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

use std::collections::HashMap;

use serde::Deserialize;

use crate::finding::{Finding, RuleText};
use crate::keyrow::KeyRow;
use crate::schema::campaign::Names;
use crate::schema::{Schemas, TableId};

use super::batch::Batch;
use super::kind::{CrossKind, DemoStep, DemoTown};
use super::message::{finding, Fill, PLACES_NAMED};
use crate::keyrow::Need;

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
/// order of their first row.
fn groups<'a>(rows: &'a [KeyRow], fields: &[usize], id: usize) -> Vec<Vec<&'a KeyRow>> {
    let mut by_values: HashMap<String, Vec<&KeyRow>> = HashMap::new();
    'rows: for row in rows {
        if row.code(id).is_none() {
            continue;
        }
        let mut key = String::new();
        for &f in fields {
            let Some(v) = row.code(f) else {
                continue 'rows;
            };
            crate::text::push_nfkc_nospace(&mut key, v);
            key.push('\u{1f}');
        }
        by_values.entry(key).or_default().push(row);
    }
    let mut groups: Vec<Vec<&KeyRow>> = by_values.into_values().filter(|g| g.len() > 1).collect();
    groups.sort_by_key(|g| (g[0].file, g[0].row));
    groups
}
