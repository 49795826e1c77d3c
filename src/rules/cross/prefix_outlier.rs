//! `prefix_outlier`: a code whose first characters differ from those nearly every code of
//! the batch shares (a building code typed with another township's prefix). Only when
//! one prefix clearly dominates (nine in ten codes of ten or more): the few others are
//! then likely typos.
//!
//! ```toml
//! [[cross]]
//! kind = "prefix_outlier"
//! field = "buildings.building_code"   # table.field
//! prefix = 6                          # characters compared
//! ```
//! Placeholders: `{value}` the code, `{part}` its prefix, `{major}` the batch's, `{n}`
//! how many codes have it.

use std::collections::HashMap;

use serde::Deserialize;

use crate::finding::{Finding, RuleText};
use crate::schema::campaign::Names;
use crate::schema::{Schemas, TableId};

use super::batch::Batch;
use super::kind::CrossKind;
use super::message::{finding, Fill};
use crate::keep::Need;

/// The keys of a `prefix_outlier` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrefixOutlier {
    /// The field, as `table.field`.
    pub field: String,
    /// How many leading characters are compared.
    #[serde(default)]
    pub prefix: usize,
    /// Resolved: (table, field).
    #[serde(skip)]
    pub ix: (TableId, usize),
}

/// The first `len` characters of a code, as a slice of it.
fn prefix(code: &str, len: usize) -> Option<&str> {
    match code.char_indices().nth(len) {
        Some((i, _)) => Some(&code[..i]),
        None => (code.chars().count() == len).then_some(code),
    }
}

impl CrossKind for PrefixOutlier {
    fn fields(&self, _schemas: &Schemas, need: &mut Need) {
        need.field(self.ix.0, self.ix.1);
    }

    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        if self.prefix == 0 {
            return Err("kind prefix_outlier needs `prefix` (characters)".into());
        }
        self.ix = names.dotted(&self.field)?;
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value", "part", "major", "n"]
    }

    fn shown_table(&self, _schemas: &Schemas) -> String {
        "(batch)".to_string()
    }

    fn check(&self, rule: &RuleText, batch: &Batch) -> Vec<Finding> {
        let (table, field) = self.ix;
        let schema = batch.schema(table);
        let rows = batch.rows(table);
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let mut total = 0;
        for row in rows {
            if let Some(p) = row.code(field).and_then(|c| prefix(c, self.prefix)) {
                *counts.entry(p).or_default() += 1;
                total += 1;
            }
        }
        let Some((major, major_count)) = counts
            .iter()
            .max_by_key(|(k, v)| (**v, std::cmp::Reverse(**k)))
            .map(|(k, v)| (*k, *v))
        else {
            return Vec::new();
        };
        if total < 10 || (major_count as f64) < 0.9 * total as f64 {
            return Vec::new();
        }
        let mut out = Vec::new();
        for row in rows {
            let Some(code) = row.code(field) else {
                continue;
            };
            let Some(part) = prefix(code, self.prefix) else {
                continue;
            };
            if part != major && counts[part] * 20 <= total {
                let vars = [
                    ("value", Fill::One(code.to_string())),
                    ("part", Fill::One(part.to_string())),
                    ("major", Fill::One(major.to_string())),
                    ("n", Fill::One(major_count.to_string())),
                ];
                out.push(finding(batch.files(), rule, schema, row, field, &vars));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::prefix;

    #[test]
    fn a_prefix_is_whole_characters() {
        assert_eq!(prefix("那洪001", 2), Some("那洪"));
        assert_eq!(prefix("ab", 2), Some("ab"));
        assert_eq!(prefix("a", 2), None);
    }
}
