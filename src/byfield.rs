//! Rows of one table found by the text of one of their fields (`ByField`): the index the
//! stages after reading make over codes (parents by code, the latest review of each
//! building, each building's village). It holds only row positions, 4 bytes a row, and
//! reads each code back from its row when it compares: a map from the code's `&str` to a
//! position took 24 bytes a row and its table, at a province's ten million buildings,
//! several hundred megabytes.

use std::hash::BuildHasher;

use hashbrown::hash_table::Entry;
use hashbrown::HashTable;

use crate::keyrow::KeyRow;

/// Rows of `rows` by the text of their field `field`, one position per text.
///
/// ```
/// use selfbuilt::{byfield::ByField, keyrow::Keep, model::Record, schema::TableId, value::Val};
/// let records = ["A1", "B2", "A1"].map(|code| Record {
///     vals: vec![Val::Text(code.into())],
///     ..Record::empty(TableId(0), 1)
/// });
/// let keep = std::sync::Arc::new(Keep::of(vec![vec![true]]));
/// let rows = selfbuilt::keep::keep_rows(records.to_vec(), &keep);
/// let mut index = ByField::new(&rows, 0);
/// for at in 0..3 {
///     index.put(at, |_| false); // the first row of a code stays
/// }
/// assert_eq!(index.get("A1"), Some(0));
/// assert_eq!(index.get("B2"), Some(1));
/// assert_eq!(index.get("C3"), None);
/// ```
#[derive(Debug)]
pub struct ByField<'a> {
    rows: &'a [KeyRow],
    field: usize,
    ids: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl<'a> ByField<'a> {
    /// An empty index over `rows`' field `field`.
    pub fn new(rows: &'a [KeyRow], field: usize) -> ByField<'a> {
        ByField {
            rows,
            field,
            ids: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// An empty index with room for `n` texts.
    pub fn with_capacity(rows: &'a [KeyRow], field: usize, n: usize) -> ByField<'a> {
        let mut index = ByField::new(rows, field);
        index.ids.reserve(n, |_| 0);
        index
    }

    /// The text row `at` is found by.
    fn key(&self, at: u32) -> &'a str {
        key(self.rows, self.field, at)
    }

    /// The row found by `text`.
    pub fn get(&self, text: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(text);
        self.ids.find(hash, |&at| self.key(at) == text).copied()
    }

    /// Whether some row is found by `text`.
    pub fn contains(&self, text: &str) -> bool {
        self.get(text).is_some()
    }

    /// Row `at` is found by its text from now on when no row was, or when `replace(row
    /// found so far)` says so. Gives the row found before, if any.
    pub fn put(&mut self, at: u32, replace: impl FnOnce(u32) -> bool) -> Option<u32> {
        let (rows, field, hasher) = (self.rows, self.field, &self.hasher);
        let text = key(rows, field, at);
        let hash = hasher.hash_one(text);
        match self.ids.entry(
            hash,
            |&other| key(rows, field, other) == text,
            |&other| hasher.hash_one(key(rows, field, other)),
        ) {
            Entry::Occupied(mut e) => {
                let before = *e.get();
                if replace(before) {
                    *e.get_mut() = at;
                }
                Some(before)
            }
            Entry::Vacant(e) => {
                e.insert(at);
                None
            }
        }
    }

    /// How many texts it finds rows by.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it finds no row.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The rows it is over.
    pub fn rows(&self) -> &'a [KeyRow] {
        self.rows
    }
}

/// The text of field `field` of row `at`.
fn key(rows: &[KeyRow], field: usize, at: u32) -> &str {
    rows[at as usize].text(field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;
    use crate::schema::TableId;
    use crate::value::Val;

    /// One-field rows holding `codes`.
    fn rows(codes: &[&str]) -> Vec<KeyRow> {
        let records = codes
            .iter()
            .map(|&code| Record {
                vals: vec![Val::Text(code.into())],
                ..Record::empty(TableId(0), 1)
            })
            .collect();
        let keep = std::sync::Arc::new(crate::keyrow::Keep::of(vec![vec![true]]));
        crate::keep::keep_rows(records, &keep)
    }

    #[test]
    fn a_later_row_takes_the_place_only_when_asked() {
        let rows = rows(&["A1", "A1", "B2", "A1"]);
        let mut index = ByField::new(&rows, 0);
        assert_eq!(index.put(0, |_| true), None);
        assert_eq!(index.put(1, |_| false), Some(0));
        assert_eq!(index.get("A1"), Some(0));
        assert_eq!(index.put(3, |before| before == 0), Some(0));
        assert_eq!(index.get("A1"), Some(3));
        index.put(2, |_| true);
        assert_eq!(index.len(), 2);
        assert!(index.contains("B2") && !index.contains("A"));
    }

    #[test]
    fn many_rows_grow_the_index_and_are_all_found() {
        let codes: Vec<String> = (0..5000).map(|i| format!("code{i}")).collect();
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        let rows = rows(&refs);
        let mut index = ByField::with_capacity(&rows, 0, 10);
        for at in 0..rows.len() as u32 {
            assert_eq!(index.put(at, |_| false), None);
        }
        for (at, code) in refs.iter().enumerate() {
            assert_eq!(index.get(code), Some(at as u32));
        }
    }
}
