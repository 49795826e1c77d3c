//! Schemas as data: a campaign's tables, their fields, aliases, enum synonyms, ranges and
//! declarative row rules (`<table>.toml`), the campaign itself (`campaign.toml`: tables in
//! order, references, cross-table checks, write-offs, tally) and the language's words
//! (`lexicon.toml`), loaded with serde and checked with `validator` and `campaign::resolve`
//! when loaded. The shipped copies are compiled in; `--schemas DIR` reads another folder of
//! the same shape, `--campaign NAME` chooses among its campaigns.
//!
//! Its files, from the ground up: `table` (a table's schema: fields, types, row rules) and
//! `stages`; `lexicon` (the words that are not fields), `verdict` (row rules evaluated) and
//! `campaign`; `forms` (every word as a lookup key); `schemas` (the loaded set) and
//! `validate` (the checks as it loads); `roster` and `overlay` (schemas derived from the
//! loaded ones); `sources` (finding and loading the files). Callers name the items here.

pub mod campaign;
pub mod forms;
mod lexicon;
mod overlay;
mod roster;
mod schemas;
mod sources;
pub mod stages;
mod table;
mod validate;
pub mod verdict;

pub use campaign::Campaign;
pub use lexicon::{LexKeys, Lexicon};
pub use overlay::{FieldOverlay, Overlay};
pub use schemas::{SchemaError, Schemas};
pub use sources::{Texts, DEFAULT_CAMPAIGN, SHIPPED};
pub use stages::StageLists;
#[cfg(test)]
pub use table::test_tables;
pub use table::{
    Cond, Field, FieldType, Plugin, Prepared, Profile, Repeats, RowRule, TableId, TableMeta,
    TableSchema, Then, Thesaurus,
};
