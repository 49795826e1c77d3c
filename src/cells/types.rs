//! Cell types beyond the built-in ones of SPEC §3, each in one file that holds all there is
//! to it: its name in schema files, how a cell is read and checked, what the template
//! says may be written, whether its column is kept as text, how telling a fit of its
//! values is to the recogniser, and the rules it emits with their docs. A schema names
//! one by `type = "<key>"`; this registry is the one place that lists them.

use super::{Ctx, Parsed};
use crate::read::Raw;
use crate::rules::RuleDoc;
use crate::schema::Field;

/// A cell type: what a schema's `type = "<key>"` brings with it.
///
/// ```
/// let t = selfbuilt::cells::types::find("credit_code").unwrap();
/// assert_eq!(t.name_zh(), "统一社会信用代码");
/// ```
pub trait CellType: Sync + Send {
    /// The name in schema files (`credit_code`).
    fn key(&self) -> &'static str;
    /// What a person calls it.
    fn name_zh(&self) -> &'static str;
    /// Read and check one cell.
    fn parse(&self, field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed;
    /// What the template and messages say may be written.
    fn hint(&self, field: &Field) -> String;
    /// Whether its column is formatted as text so a spreadsheet keeps every character.
    fn text_column(&self) -> bool {
        true
    }
    /// How telling it is that a column's values fit (0–1; a check-digit code is 1).
    fn weight(&self) -> f64 {
        1.0
    }
    /// The rules it emits, documented like the built-in ones.
    fn rules(&self) -> &'static [RuleDoc];
    /// A valid value made from a random number (for `demo`).
    fn sample(&self, random: u64) -> String;
}

/// Every registered cell type.
pub static REGISTRY: &[&dyn CellType] = &[&super::credit_code::CreditCode];

/// The cell type of a schema name.
pub fn find(key: &str) -> Option<&'static dyn CellType> {
    REGISTRY.iter().copied().find(|t| t.key() == key)
}
