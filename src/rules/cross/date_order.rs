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
use super::message::{finding, Fill};
use super::CrossKind;

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

    fn check(&self, rule: &RuleText, batch: &Batch) -> Vec<Finding> {
        let (reference, field, other) = self.ix;
        let ends = batch.reference(reference);
        let parents = batch.parents(reference);
        let (schema, parent_rows) = (batch.schema(ends.child), batch.rows(ends.parent));
        let mut out = Vec::new();
        for row in batch.rows(ends.child) {
            let Some(&p) = row.code(ends.child_field).and_then(|c| parents.get(c)) else {
                continue;
            };
            let parent = &parent_rows[p];
            let (Some(date), Some(parent_date)) =
                (row.vals[field].as_date(), parent.vals[other].as_date())
            else {
                continue;
            };
            if row.bad[field] || ordered(&self.op, date, parent_date) {
                continue;
            }
            let vars = [
                ("value", Fill::One(date.to_string())),
                ("other", Fill::One(parent_date.to_string())),
                ("place", Fill::One(parent.place(batch.files(), parent.cols[other]))),
            ];
            out.push(finding(batch.files(), rule, schema, row, field, &vars));
        }
        out
    }
}
