//! `unique`: a field's value is unique over the whole batch (a building code given to
//! two buildings, in one file or two); each finding names the other places.
//!
//! ```toml
//! [[cross]]
//! kind = "unique"
//! field = "buildings.building_code"   # table.field
//! ```
//! Placeholders: `{value}` the code, `{others}` where else it is.

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
        let mut groups: HashMap<&str, Vec<&KeyRow>> = HashMap::new();
        for row in batch.rows(table) {
            if let Some(code) = row.code(field) {
                groups.entry(code).or_default().push(row);
            }
        }
        let mut repeated: Vec<(&str, Vec<&KeyRow>)> = groups
            .into_iter()
            .filter(|(_, rows)| rows.len() > 1)
            .collect();
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
