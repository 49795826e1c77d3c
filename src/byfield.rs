//! Rows of one table found by the text of one of their fields (`ByField`): the index the
//! stages after reading make over codes (parents by code, the latest review of each
//! building, each building's village). It holds only row positions, 4 bytes a row, and
//! reads each code back from its row when it compares: a map from the code's `&str` to a
//! position took 24 bytes a row and its table, at a province's ten million buildings,
//! several hundred megabytes.
//!
//! `CodeRows` holds every row of each code; `MainCodes` is the main table's rows by their
//! code, made once after reading and read by the stages after it (the cross-table checks,
//! the villages, the write-offs, the tally) instead of each making its own; holding back
//! still makes its own, when some parent is rejected.

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

    /// The index without its rows, so that the rows' flags can change (rejection) while it
    /// is kept; `Unbound::bind` puts it over them again.
    pub fn unbind(self) -> Unbound {
        Unbound {
            field: self.field,
            len: self.rows.len(),
            at: self.rows.as_ptr() as usize,
            ids: self.ids,
            hasher: self.hasher,
        }
    }
}

/// A `ByField` without its rows (`ByField::unbind`).
#[derive(Debug)]
pub struct Unbound {
    field: usize,
    /// How many rows it was made over, and where they were.
    len: usize,
    at: usize,
    ids: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl Unbound {
    /// The index over `rows` again: the rows it was made over, where they were, in the same
    /// order with the same texts in its field (only their flags may have changed). Other
    /// rows (another count, another place) find nothing rather than a wrong row.
    pub fn bind(mut self, rows: &[KeyRow]) -> ByField<'_> {
        if rows.len() != self.len || rows.as_ptr() as usize != self.at {
            self.ids.clear();
        }
        ByField {
            rows,
            field: self.field,
            ids: self.ids,
            hasher: self.hasher,
        }
    }
}

/// Rows by a code they hold, compactly: a code is mostly held by one row, so each code's
/// first row is in one map and the rows after it, for the few codes that have them, in
/// another (a list per code cost three times the memory at a province's size).
///
/// ```
/// use selfbuilt::{byfield::CodeRows, keyrow::Keep, model::Record, schema::TableId, value::Val};
/// let records = ["A1", "B2", "A1"].map(|code| Record {
///     vals: vec![Val::Text(code.into())],
///     ..Record::empty(TableId(0), 1)
/// });
/// let keep = std::sync::Arc::new(Keep::of(vec![vec![true]]));
/// let rows = selfbuilt::keep::keep_rows(records.to_vec(), &keep);
/// let mut index = CodeRows::with_capacity(&rows, 0, 3);
/// (0..3).for_each(|at| index.push(at));
/// assert_eq!(index.get("A1").unwrap().iter().collect::<Vec<_>>(), [0, 2]);
/// assert_eq!(index.get("B2").unwrap().first(), 1);
/// assert!(index.get("C3").is_none());
/// ```
#[derive(Debug)]
pub struct CodeRows<'a> {
    first: ByField<'a>,
    more: crate::fast::Map<u32, Vec<u32>>,
}

/// The rows of one code (`CodeRows::get`), in the order they were added.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'s> {
    first: u32,
    more: &'s [u32],
}

impl Rows<'_> {
    /// How many rows.
    pub fn len(&self) -> usize {
        1 + self.more.len()
    }
    /// Never: a code's rows are one or more.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// The first row.
    pub fn first(&self) -> usize {
        self.first as usize
    }
    /// Every row, the first first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        std::iter::once(self.first)
            .chain(self.more.iter().copied())
            .map(|i| i as usize)
    }
}

impl<'a> CodeRows<'a> {
    /// Room for `n` codes of `rows`' field `field`.
    pub fn with_capacity(rows: &'a [KeyRow], field: usize, n: usize) -> CodeRows<'a> {
        CodeRows {
            first: ByField::with_capacity(rows, field, n),
            more: Default::default(),
        }
    }
    /// Row `row` holds its code (the text of the field).
    pub fn push(&mut self, row: usize) {
        let row = row as u32;
        if let Some(first) = self.first.put(row, |_| false) {
            self.more.entry(first).or_default().push(row);
        }
    }
    /// The rows holding `code`.
    pub fn get(&self, code: &str) -> Option<Rows<'_>> {
        let first = self.first.get(code)?;
        let more = self.more.get(&first).map_or(&[][..], Vec::as_slice);
        Some(Rows { first, more })
    }
    /// Whether some row holds `code`.
    pub fn contains_key(&self, code: &str) -> bool {
        self.first.contains(code)
    }
    /// The rows it is over.
    pub fn rows(&self) -> &'a [KeyRow] {
        self.first.rows
    }
    /// The field whose text it finds rows by.
    pub fn field(&self) -> usize {
        self.first.field
    }

    /// The row `choose` picks among the rows of each code held by more than one row, chosen
    /// once here: a code pasted into thousands of rows is then walked once, not at every
    /// lookup (`pick`). The rows' flags `choose` reads must be final.
    pub fn picks(&self, choose: impl Fn(Rows<'_>) -> Option<usize>) -> Picks {
        let chosen = self.more.iter().map(|(&first, more)| {
            let of = Rows { first, more };
            (first, choose(of).map(|at| at as u32))
        });
        Picks(chosen.collect())
    }

    /// The row `choose` picks among `code`'s rows: for a code of one row, `choose` of it;
    /// for a code of several, what `picks` (made with the same `choose`) holds.
    pub fn pick(
        &self,
        code: &str,
        picks: &Picks,
        choose: impl Fn(Rows<'_>) -> Option<usize>,
    ) -> Option<usize> {
        let of = self.get(code)?;
        match of.more.is_empty() {
            true => choose(of),
            false => picks
                .0
                .get(&of.first)
                .copied()
                .flatten()
                .map(|at| at as usize),
        }
    }
}

/// The row chosen among each code's rows, for the codes held by several rows
/// (`CodeRows::picks`).
#[derive(Debug, Default)]
pub struct Picks(crate::fast::Map<u32, Option<u32>>);

/// The main table's rows by their code: every main row whose code field holds a text, an
/// error in it or not (each stage picks among a code's rows the one it reads: the first
/// without an error for the cross-table checks, the last naming a village for the
/// villages, the last accepted for the write-offs and the tally). Made once after reading,
/// unbound while rows are rejected (`MainCodes::unbind`) and bound again after.
///
/// ```
/// use selfbuilt::{byfield::MainCodes, keyrow::Keep, model::Record, schema::Schemas, value::Val};
/// let schemas = Schemas::shipped().unwrap();
/// let main = schemas.campaign.main();
/// let code = schemas.table(main).identity_field().unwrap();
/// let width = schemas.table(main).fields.len();
/// let records = ["A1", "", "A1"].map(|text| {
///     let mut record = Record::empty(main, width);
///     record.vals[code] = match text {
///         "" => Val::Empty,
///         t => Val::Text(t.into()),
///     };
///     record
/// });
/// let keep = std::sync::Arc::new(selfbuilt::keep::everything(&schemas));
/// let mut tables = vec![Vec::new(); schemas.tables.len()];
/// tables[main.index()] = selfbuilt::keep::keep_rows(records.to_vec(), &keep);
/// let codes = MainCodes::of(&tables, &schemas).unwrap();
/// assert_eq!(codes.get("A1").unwrap().len(), 2);
/// assert_eq!(codes.get("A1").unwrap().first(), 0);
/// ```
pub type MainCodes<'a> = CodeRows<'a>;

impl<'a> CodeRows<'a> {
    /// The main table's rows of `tables` by their code (None: the main table has no
    /// code field).
    pub fn of(tables: &'a [Vec<KeyRow>], schemas: &crate::schema::Schemas) -> Option<Self> {
        let main = schemas.campaign.main();
        let field = schemas.table(main).identity_field()?;
        let rows = tables.get(main.index())?.as_slice();
        let mut index = CodeRows::with_capacity(rows, field, rows.len());
        for (at, row) in rows.iter().enumerate() {
            if !row.text(field).is_empty() {
                index.push(at);
            }
        }
        Some(index)
    }

    /// The first of a code's rows (`of`) whose code cell has no error: what the cross-table
    /// checks read as a code's parent row (a `choose` for `picks` and `pick`).
    pub fn first_good(&self, of: Rows<'_>) -> Option<usize> {
        let (field, rows) = (self.field(), self.rows());
        of.iter().find(|&at| !rows[at].is_bad(field))
    }

    /// The index without its rows (`ByField::unbind`).
    pub fn unbind(self) -> UnboundCodes {
        UnboundCodes {
            first: self.first.unbind(),
            more: self.more,
        }
    }
}

/// A `CodeRows` without its rows (`CodeRows::unbind`).
#[derive(Debug)]
pub struct UnboundCodes {
    first: Unbound,
    more: crate::fast::Map<u32, Vec<u32>>,
}

impl UnboundCodes {
    /// The index over `rows` again (see `Unbound::bind`).
    pub fn bind(self, rows: &[KeyRow]) -> CodeRows<'_> {
        let first = self.first.bind(rows);
        let more = match first.is_empty() {
            true => Default::default(),
            false => self.more,
        };
        CodeRows { first, more }
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
    fn an_index_unbound_and_bound_again_finds_the_same_rows_and_never_a_wrong_one() {
        let rows = rows(&["A1", "B2", "A1"]);
        let mut index = CodeRows::with_capacity(&rows, 0, 3);
        (0..3).for_each(|at| index.push(at));
        let unbound = index.unbind();
        let index = unbound.bind(&rows);
        assert_eq!(index.get("A1").unwrap().iter().collect::<Vec<_>>(), [0, 2]);
        assert_eq!(index.get("B2").unwrap().len(), 1);
        // Other rows than those it was made over, fewer or elsewhere: it finds nothing.
        let fewer = &rows[..2];
        let index = index.unbind().bind(fewer);
        assert!(index.get("A1").is_none() && index.get("B2").is_none());
        let mut index = CodeRows::with_capacity(&rows, 0, 3);
        (0..3).for_each(|at| index.push(at));
        let elsewhere = rows.clone();
        let index = index.unbind().bind(&elsewhere);
        assert!(index.get("A1").is_none() && index.get("B2").is_none());
    }

    #[test]
    fn the_main_codes_find_every_row_of_a_code_and_the_first_without_an_error() {
        let schemas = crate::schema::Schemas::shipped().unwrap();
        let main = schemas.campaign.main();
        let code = schemas.table(main).identity_field().unwrap();
        let width = schemas.table(main).fields.len();
        let records: Vec<Record> = [("A1", true), ("A1", false), ("", false), ("B2", true)]
            .iter()
            .map(|&(text, bad)| {
                let mut record = Record::empty(main, width);
                if !text.is_empty() {
                    record.vals[code] = Val::Text(text.into());
                }
                record.bad[code] = bad;
                record
            })
            .collect();
        let keep = std::sync::Arc::new(crate::keep::everything(&schemas));
        let mut tables = vec![Vec::new(); schemas.tables.len()];
        tables[main.index()] = crate::keep::keep_rows(records, &keep);
        let codes = MainCodes::of(&tables, &schemas).unwrap();
        assert_eq!(codes.get("A1").unwrap().iter().collect::<Vec<_>>(), [0, 1]);
        let good = |of: Rows<'_>| codes.first_good(of);
        let picks = codes.picks(good);
        assert_eq!(codes.pick("A1", &picks, good), Some(1));
        assert_eq!(codes.pick("B2", &picks, good), None);
        assert_eq!(codes.pick("C3", &picks, good), None);
        // A code of several rows is chosen among them once, not at each lookup.
        let calls = std::cell::Cell::new(0);
        let counted = |of: Rows<'_>| {
            calls.set(calls.get() + 1);
            codes.first_good(of)
        };
        let picks = codes.picks(counted);
        assert_eq!(calls.get(), 1);
        for _ in 0..100 {
            assert_eq!(codes.pick("A1", &picks, counted), Some(1));
        }
        assert_eq!(calls.get(), 1);
        assert!(codes.contains_key("B2") && !codes.contains_key(""));
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
