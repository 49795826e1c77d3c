//! `listed_twice`: a roster entry listed again (`[coverage]`; run with `--roster`). The coverage stage
//! (`coverage`) finds the cases; the rule gives them its words.
//!
//! ```toml
//! [[cross]]
//! kind = "listed_twice"
//! ```

use serde::Deserialize;

use crate::schema::campaign::Names;
use crate::schema::Schemas;

use super::kind::CrossKind;
use crate::keep::Need;

/// A `listed_twice` rule (it has no keys of its own).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListedTwice {}

impl CrossKind for ListedTwice {
    fn fields(&self, _schemas: &Schemas, _need: &mut Need) {
        // The coverage stage's fields (`rules::cross::coverage::fields`).
    }

    fn resolve(&mut self, _names: &Names) -> Result<(), String> {
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value", "place"]
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
