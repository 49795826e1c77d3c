//! `not_surveyed`: a roster entry finds no survey row (`[coverage]`; run with `--roster`). The coverage stage
//! (`coverage`) finds the cases; the rule gives them its words.
//!
//! ```toml
//! [[cross]]
//! kind = "not_surveyed"
//! ```

use serde::Deserialize;

use crate::schema::campaign::Names;
use crate::schema::Schemas;

use super::kind::CrossKind;
use crate::keep::Need;

/// A `not_surveyed` rule (it has no keys of its own).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotSurveyed {}

impl CrossKind for NotSurveyed {
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
        schemas
            .campaign
            .coverage
            .as_ref()
            .map(|c| c.key.clone())
            .unwrap_or_default()
    }

    fn is_coverage(&self) -> bool {
        true
    }
}
