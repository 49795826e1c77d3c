//! `not_on_roster`: a survey row no roster entry lists (`[coverage]`; run with `--roster`). The coverage stage
//! (`coverage`) finds the cases; the rule gives them its words.
//!
//! ```toml
//! [[cross]]
//! kind = "not_on_roster"
//! ```

use serde::Deserialize;

use crate::schema::campaign::Names;
use crate::schema::Schemas;

use super::kind::CrossKind;
use crate::keep::Need;

/// A `not_on_roster` rule (it has no keys of its own).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotOnRoster {}

impl CrossKind for NotOnRoster {
    fn fields(&self, _schemas: &Schemas, _need: &mut Need) {
        // The coverage stage's fields (`rules::cross::coverage::fields`).
    }

    fn resolve(&mut self, _names: &Names) -> Result<(), String> {
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value"]
    }

    fn shown_table(&self, schemas: &Schemas) -> String {
        schemas.table(schemas.campaign.main()).table.key.clone()
    }

    fn is_coverage(&self) -> bool {
        true
    }
}
