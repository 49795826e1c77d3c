//! The schemas of a run, as loaded: one campaign's tables in its order, the campaign, the
//! lexicon, and where they came from; a table looked up by id or key; and the error of a
//! schema that cannot be used. Loading them is `sources`; checking them, `validate`.

use super::campaign::Campaign;
use super::lexicon::Lexicon;
use super::table::{TableId, TableSchema};

/// A schema that cannot be used; the message names the file and the entry.
#[derive(Debug, thiserror::Error)]
#[error("schema {file}: {message}")]
pub struct SchemaError {
    /// The schema file at fault.
    pub file: String,
    /// What is wrong with it, naming the entry.
    pub message: String,
}

/// All schemas of a run: one campaign's tables, the campaign, the lexicon.
#[derive(Debug, Clone)]
pub struct Schemas {
    /// In the campaign's order (`TableId` is the place here).
    pub tables: Vec<TableSchema>,
    /// The campaign: tables in order, references, cross-table checks, write-offs, tally.
    pub campaign: Campaign,
    /// The language's words that are not fields.
    pub lexicon: Lexicon,
    /// Where they came from (for messages).
    pub source: String,
    /// The campaign's file, as errors name it (`selfbuilt/campaign.toml`, a path under
    /// `--schemas`).
    pub campaign_file: String,
}

impl Schemas {
    /// The schema of table `t`.
    pub fn table(&self, t: TableId) -> &TableSchema {
        &self.tables[t.index()]
    }

    /// The table of a key.
    pub fn id(&self, key: &str) -> Option<TableId> {
        self.tables
            .iter()
            .position(|t| t.table.key == key)
            .map(|i| TableId(i as u8))
    }

    /// writeoffs.csv's header: the reason, the main row's identity, the identity of a row of
    /// another table (named by its field when one table has reasons), the village and place,
    /// the evidence.
    pub fn writeoffs_header(&self) -> Vec<String> {
        let schemas = self;
        let c = &schemas.campaign;
        let key = |t: TableId| {
            schemas
                .table(t)
                .table
                .identity
                .first()
                .cloned()
                .unwrap_or_default()
        };
        let mut others: Vec<TableId> = c
            .writeoffs
            .iter()
            .map(|w| w.ix.table)
            .filter(|t| *t != c.main())
            .collect();
        others.sort();
        others.dedup();
        let item = match others.as_slice() {
            [one] => key(*one),
            _ => "item_code".to_string(),
        };
        [
            "reason".to_string(),
            key(c.main()),
            item,
            "village".into(),
            "file".into(),
            "sheet".into(),
            "row".into(),
            "evidence".into(),
        ]
        .to_vec()
    }

    /// Every table's id, in the campaign's order.
    pub fn ids(&self) -> impl Iterator<Item = TableId> {
        (0..self.tables.len()).map(|i| TableId(i as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_found_by_its_id_and_its_key() {
        let s = Schemas::shipped().unwrap();
        for id in s.ids() {
            let key = &s.table(id).table.key;
            assert_eq!(s.id(key), Some(id));
            assert_eq!(s.table(id).id, id);
        }
        assert_eq!(s.ids().count(), s.tables.len());
        assert_eq!(s.id("no such table"), None);
    }

    #[test]
    fn the_writeoffs_header_names_the_main_tables_identity() {
        let s = Schemas::shipped().unwrap();
        let header = s.writeoffs_header();
        let main = &s.table(s.campaign.main()).table.identity[0];
        assert_eq!(header[0], "reason");
        assert_eq!(&header[1], main);
        assert_eq!(header[3..7], ["village", "file", "sheet", "row"]);
        assert_eq!(header.len(), 8);
    }
}
