//! What a kind of cross-table check is to the engine: the protocol each kind's file
//! implements (its keys' checking, its placeholders, its check, its part in holding
//! back), with defaults for what most kinds do not do.

use crate::finding::{Finding, RuleText};
use crate::model::Record;
use crate::schema::campaign::Names;
use crate::schema::Schemas;

use super::batch::Batch;
use super::hold::Cascade;

/// A kind of cross-table check, with its keys (one type per kind, one file each).
/// `resolve` is required; a kind does its work through `check` (the cross-table stage),
/// `cascade` (holding back, after rejection) or the coverage stage (`is_coverage`).
pub trait CrossKind: std::fmt::Debug + Send + Sync {
    /// Check the keys against the campaign's tables and turn names into indexes, once,
    /// when the rules are compiled. The error says which key is wrong and why.
    fn resolve(&mut self, names: &Names) -> Result<(), String>;

    /// The placeholders its messages may use (`{value}` …).
    fn placeholders(&self) -> &'static [&'static str];

    /// The table its findings are on, as `selfbuilt rules` shows it.
    fn shown_table(&self, schemas: &Schemas) -> String;

    /// Whether it is a rule against a roster, run by the coverage stage.
    fn is_coverage(&self) -> bool {
        false
    }

    /// Its findings over the batch (none by default: a kind that holds back or speaks
    /// for the coverage does its work there).
    fn check(&self, _rule: &RuleText, _batch: &Batch) -> Vec<Finding> {
        Vec::new()
    }

    /// Its part in holding back rows that stand on rejected ones, indexed once over the
    /// batch (none by default).
    fn cascade<'a>(
        &'a self,
        _rule: &'a RuleText,
        _rows: &'a [Vec<Record>],
        _schemas: &'a Schemas,
    ) -> Option<Box<dyn Cascade<'a> + 'a>> {
        None
    }
}
