//! The records that flow from the row stage to the outputs.

use std::sync::Arc;

use crate::cells::Val;
use crate::schema::TableKind;

/// One data row of one table, with canonical values per schema field.
#[derive(Debug, Clone)]
pub struct Record {
    pub table: TableKind,
    /// Index of the input file in the run.
    pub file: usize,
    /// Shared by every record of the sheet.
    pub sheet: Arc<str>,
    /// 0-based row in the original sheet.
    pub row: u32,
    /// Canonical values, one per schema field (Empty where missing or unusable).
    pub vals: Vec<Val>,
    /// Source column of each field (None when the sheet has no such column); shared by
    /// every record of the sheet.
    pub cols: Arc<[Option<u32>]>,
    /// Fields whose cell had an error (their value is not usable by later rules).
    pub bad: Vec<bool>,
    /// Set once the row has any error finding.
    pub rejected: bool,
}

impl Record {
    pub fn get(&self, i: usize) -> &Val {
        &self.vals[i]
    }
    pub fn text(&self, i: usize) -> &str {
        self.vals[i].as_str().unwrap_or("")
    }
}
