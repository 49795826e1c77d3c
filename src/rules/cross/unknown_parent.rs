//! `unknown_parent`: a child row names a parent code no parent row has (a hazard's
//! building code that no building table of the batch holds).
//!
//! ```toml
//! [[cross]]
//! kind = "unknown_parent"
//! reference = "hazards.building_code"   # the child table's field naming its parent
//! ```
//! Placeholders: `{value}`, the code named.

use serde::Deserialize;

use crate::finding::{Finding, RuleText};
use crate::schema::campaign::Names;
use crate::schema::Schemas;

use super::batch::Batch;
use super::kind::CrossKind;
use super::message::{finding, Fill};
use crate::keep::Need;

/// The keys of an `unknown_parent` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnknownParent {
    /// The reference, as `child_table.field`.
    pub reference: String,
    /// Its index among the campaign's references, once resolved.
    #[serde(skip)]
    pub ix: usize,
}

impl CrossKind for UnknownParent {
    fn fields(&self, schemas: &Schemas, need: &mut Need) {
        if let Some(r) = schemas.campaign.references.get(self.ix) {
            need.field(r.ix.child, r.ix.child_field);
            need.field(r.ix.parent, r.ix.parent_field);
        }
    }

    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        self.ix = names.reference(&self.reference)?.0;
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value"]
    }

    fn shown_table(&self, schemas: &Schemas) -> String {
        let child = schemas.campaign.references[self.ix].ix.child;
        schemas.table(child).table.key.clone()
    }

    fn check(&self, rule: &RuleText, batch: &Batch) -> Vec<Finding> {
        let reference = batch.reference(self.ix);
        let parents = batch.parents(self.ix);
        let schema = batch.schema(reference.child);
        let field = reference.child_field;
        batch
            .rows(reference.child)
            .iter()
            .filter(|row| row.code(field).is_some_and(|code| !parents.contains(code)))
            .map(|row| {
                let vars = [("value", Fill::One(row.get(field).display()))];
                finding(batch.files(), rule, schema, row, field, &vars)
            })
            .collect()
    }
}
