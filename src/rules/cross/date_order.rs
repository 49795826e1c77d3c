//! `date_order`: a child row's date stands in the wrong order to its parent's (a review
//! dated before the survey of its building).
//!
//! ```toml
//! [[cross]]
//! kind = "date_order"
//! reference = "reviews.building_code"
//! field = "review_date"    # the child's date
//! op = ">="                # what must hold: child op parent (<, <=, >, >=)
//! other = "survey_date"    # the parent's date
//! ```
//! Placeholders: `{value}` the child's date, `{other}` the parent's, `{place}` where the
//! parent's is.

use serde::Deserialize;

use crate::finding::{Finding, RuleText};
use crate::schema::campaign::Names;
use crate::schema::{FieldType, Schemas};

use super::batch::Batch;
use super::kind::{CrossKind, DemoStep, DemoTown};
use super::message::{finding, Fill};
use crate::keep::Need;

/// The keys of a `date_order` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateOrder {
    /// The reference, as `child_table.field`.
    pub reference: String,
    /// The child's date field.
    pub field: String,
    /// `<`, `<=`, `>` or `>=`: what must hold of the child's date against the parent's.
    pub op: String,
    /// The parent's date field.
    pub other: String,
    /// Resolved: (reference, child field, parent field).
    #[serde(skip)]
    pub ix: (usize, usize, usize),
}

/// Whether `a op b` holds for a `date_order` rule's `op` (`<`, `<=`, `>`; anything else
/// is `>=`, the default).
///
/// ```
/// use selfbuilt::rules::cross::date_order::ordered;
/// assert!(ordered(">=", 2, 2) && !ordered("<", 2, 2));
/// ```
pub fn ordered<T: PartialOrd>(op: &str, a: T, b: T) -> bool {
    match op {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        _ => a >= b,
    }
}

impl CrossKind for DateOrder {
    fn fields(&self, schemas: &Schemas, need: &mut Need) {
        let (reference, field, other) = self.ix;
        if let Some(r) = schemas.campaign.references.get(reference) {
            need.field(r.ix.child, r.ix.child_field);
            need.field(r.ix.parent, r.ix.parent_field);
            need.field(r.ix.child, field);
            need.field(r.ix.parent, other);
        }
    }

    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        let (reference, ends) = names.reference(&self.reference)?;
        let field = names.field(ends.child, &self.field)?;
        let other = names.field(ends.parent, &self.other)?;
        if !["<", "<=", ">", ">="].contains(&self.op.as_str()) {
            return Err(format!("op {:?} is not one of < <= > >=", self.op));
        }
        for (table, f) in [(ends.child, field), (ends.parent, other)] {
            let schema = names.schema(table);
            if schema.fields[f].ty != FieldType::Date {
                return Err(format!(
                    "{}.{} is not a date",
                    schema.table.key, schema.fields[f].key
                ));
            }
        }
        self.ix = (reference, field, other);
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value", "other", "place"]
    }

    fn shown_table(&self, schemas: &Schemas) -> String {
        let child = schemas.campaign.references[self.ix.0].ix.child;
        schemas.table(child).table.key.clone()
    }

    /// Move each child date that breaks the rule to one in order with its parent's (by up
    /// to three months).
    fn demo(
        &self,
        step: DemoStep,
        _rule: &RuleText,
        town: &mut dyn DemoTown,
        rows: &mut [Vec<Vec<String>>],
    ) {
        if step != DemoStep::Dates {
            return;
        }
        let (reference, field, other) = self.ix;
        let ends = town.schemas().campaign.references[reference].ix;
        let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        let parents: std::collections::HashMap<String, String> = rows[ends.parent.index()]
            .iter()
            .map(|p| (p[ends.parent_field].clone(), p[other].clone()))
            .collect();
        for child in rows[ends.child.index()].iter_mut() {
            let Some(parent_date) = parents.get(&child[ends.child_field]).and_then(|d| day(d))
            else {
                continue;
            };
            let Some(date) = day(&child[field]) else {
                continue;
            };
            if !ordered(&self.op, date, parent_date) {
                let days = chrono::Days::new(1 + town.below(90));
                let moved = if self.op.starts_with('<') {
                    parent_date - days
                } else {
                    parent_date + days
                };
                child[field] = crate::value::iso_date(moved);
            }
        }
    }

    fn check(&self, rule: &RuleText, batch: &Batch) -> Vec<Finding> {
        let (reference, field, other) = self.ix;
        let ends = batch.reference(reference);
        let parents = batch.parents(reference);
        let (schema, parent_rows) = (batch.schema(ends.child), batch.rows(ends.parent));
        let mut out = Vec::new();
        for row in batch.rows(ends.child) {
            let Some(p) = row.code(ends.child_field).and_then(|c| parents.get(c)) else {
                continue;
            };
            let parent = &parent_rows[p as usize];
            let (Some(date), Some(parent_date)) =
                (row.get(field).as_date(), parent.get(other).as_date())
            else {
                continue;
            };
            if row.is_bad(field) || ordered(&self.op, date, parent_date) {
                continue;
            }
            let vars = [
                ("value", Fill::One(date.to_string())),
                ("other", Fill::One(parent_date.to_string())),
                (
                    "place",
                    Fill::One(parent.place(batch.files(), parent.cols()[other])),
                ),
            ];
            out.push(finding(batch.files(), rule, schema, row, field, &vars));
        }
        out
    }
}
