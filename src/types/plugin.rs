//! The protocol of a cell type beyond the built-in ones of SPEC §3: all there is to one —
//! its name in schema files, how a cell is read and checked, what the template says may be
//! written, whether its column is kept as text, how telling a fit of its values is to the
//! recogniser, the rules it emits with their docs, and a valid sample for `demo`. Each type
//! is one file implementing this; `types::REGISTRY` lists them.

use crate::finding::RuleDoc;
use crate::value::{Parsed, Raw};

/// The words of the field a cell is read for (its messages name it).
#[derive(Debug, Clone, Copy)]
pub struct FieldWords<'a> {
    /// The field's label in Chinese.
    pub label: &'a str,
    /// The field's label in English.
    pub label_en: &'a str,
}

/// A cell type: what a schema's `type = "<key>"` brings with it.
///
/// ```
/// let t = selfbuilt::types::find("credit_code").unwrap();
/// assert_eq!(t.name_zh(), "统一社会信用代码");
/// ```
pub trait CellType: Sync + Send {
    /// The name in schema files (`credit_code`).
    fn key(&self) -> &'static str;
    /// What a person calls it.
    fn name_zh(&self) -> &'static str;
    /// Read and check one cell: a function of the field and the cell alone (the same text
    /// in the same field may be given the answer it got before, `cells::memo`).
    fn parse(&self, field: FieldWords, raw: &Raw) -> Parsed;
    /// What the template and messages say may be written.
    fn hint(&self) -> String;
    /// Whether its column is formatted as text so a spreadsheet keeps every character.
    fn text_column(&self) -> bool {
        true
    }
    /// How telling it is that a column's values fit (0–1; a check-digit code is 1).
    fn weight(&self) -> f64 {
        1.0
    }
    /// The rules it emits, documented like the built-in ones.
    fn rules(&self) -> &'static [&'static RuleDoc];
    /// A valid value made from a random number (for `demo`).
    fn sample(&self, random: u64) -> String;
}
