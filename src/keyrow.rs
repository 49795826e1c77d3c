//! The rows the stages across tables work on (`KeyRow`), as plain data: each row's place
//! and flags and only the fields some stage after the row stage reads (`Keep`, from what
//! the stages declare: `keep::Need`), each repeated value held once per file (made by `keep`).
//! Every value of every row stays in its file's spill (`Spill`: where; `spill`: writing
//! and reading it) for the writers.
//!
//! A field read that was not kept is a programming error, never a blank: builds with debug
//! assertions (every test) stop on it; a release build marks the run (`Keep::missed`) and
//! the pipeline runs again keeping every field.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::value::{Fields, Val};

/// A table of the loaded campaign: its place in `Schemas::tables` (the order the
/// campaign lists them in; the first is the campaign's main table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct TableId(pub u8);

impl TableId {
    /// The table's place in the campaign's order, to index per-table lists.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A slot that holds no field.
const NONE: u16 = u16::MAX;
/// The bit of a kept value's id saying its cell had an error.
pub const BAD: u32 = 1 << 31;

/// The values of a run of one file's rows (its kept fields), each distinct value once in
/// the fields that repeat their values; and the ids of the rows pooled as they were
/// checked, row after row (`Record::kept` says where a row's are).
///
/// A field whose first `JUDGE_AFTER` values are nearly all new (an identity, an ID number,
/// an address) is pooled plainly from then on, each value given an id of its own without
/// looking for it: looking up a million distinct values in a table of millions was a cache
/// miss each, a second of a county's check, and saved no memory.
#[derive(Debug)]
pub struct Pool {
    vals: Vec<Val>,
    /// Each value's id, found by the value's hash (nothing is copied to look one up).
    ids: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::FixedState,
    /// Per table, per field: how its values have been pooled so far.
    fields: Vec<Vec<FieldPooling>>,
    /// The pooled rows' ids.
    pub rows: Vec<u32>,
}

/// Values of one field looked up before judging whether looking them up pays.
const JUDGE_AFTER: u32 = 4096;

/// How one kept field's values are pooled.
#[derive(Debug, Default, Clone, Copy)]
struct FieldPooling {
    /// Values looked up, and how many of them were new.
    seen: u32,
    new: u32,
    /// Nearly every value was new: each is added without looking it up.
    plain: bool,
}

impl Default for Pool {
    fn default() -> Self {
        Pool::new()
    }
}

/// Two values the same for the pool: numbers by their bits.
fn same(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Num(a), Val::Num(b)) => a.to_bits() == b.to_bits(),
        (a, b) => a == b,
    }
}

/// A value's hash for the pool (numbers by their bits).
fn hash_val(hasher: &foldhash::fast::FixedState, v: &Val) -> u64 {
    use std::hash::BuildHasher;
    let mut h = hasher.build_hasher();
    std::mem::discriminant(v).hash(&mut h);
    match v {
        Val::Empty => {}
        Val::Text(s) => s.as_str().hash(&mut h),
        Val::Int(i) => i.hash(&mut h),
        Val::Num(f) => f.to_bits().hash(&mut h),
        Val::Date(d) => d.hash(&mut h),
        Val::List(l) => {
            for s in l.iter() {
                s.as_str().hash(&mut h)
            }
        }
    }
    h.finish()
}

impl Pool {
    /// An empty pool (its id 0 is the empty value).
    pub fn new() -> Pool {
        Pool {
            vals: vec![Val::Empty],
            ids: hashbrown::HashTable::new(),
            hasher: foldhash::fast::FixedState::default(),
            fields: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// The id of `v`, a value of field `field` of table `table`: found or added as `id`
    /// does, or, once the field has shown its values are nearly all distinct, added
    /// without looking (see the type's note). Any value's id reads back that value.
    ///
    /// ```
    /// use selfbuilt::{keyrow::{Pool, TableId}, value::Val};
    /// let mut pool = Pool::new();
    /// let village = Val::Text("平安村".into());
    /// let a = pool.id_of_field(TableId(0), 2, &village);
    /// assert_eq!(pool.id_of_field(TableId(0), 2, &village), a);
    /// assert_eq!(pool.into_vals()[a as usize], village);
    /// ```
    pub fn id_of_field(&mut self, table: TableId, field: usize, v: &Val) -> u32 {
        if v.is_empty() {
            return 0;
        }
        let t = table.index();
        if self.fields.len() <= t {
            self.fields.resize_with(t + 1, Vec::new);
        }
        if self.fields[t].len() <= field {
            self.fields[t].resize(field + 1, FieldPooling::default());
        }
        if self.fields[t][field].plain {
            let id = self.vals.len() as u32;
            self.vals.push(v.clone());
            return id;
        }
        let before = self.vals.len();
        let id = self.id(v);
        let f = &mut self.fields[t][field];
        f.seen += 1;
        f.new += u32::from(id as usize == before);
        if f.seen == JUDGE_AFTER {
            // Nine values in ten new: looking them up saves next to nothing.
            f.plain = u64::from(f.new) * 10 > u64::from(f.seen) * 9;
        }
        id
    }

    /// The id of `v`, adding it when new.
    pub fn id(&mut self, v: &Val) -> u32 {
        if v.is_empty() {
            return 0;
        }
        let hash = hash_val(&self.hasher, v);
        let vals = &self.vals;
        if let Some(&id) = self.ids.find(hash, |&id| same(&vals[id as usize], v)) {
            return id;
        }
        let id = self.vals.len() as u32;
        self.vals.push(v.clone());
        let (vals, hasher) = (&self.vals, &self.hasher);
        self.ids
            .insert_unique(hash, id, |&id| hash_val(hasher, &vals[id as usize]));
        id
    }

    /// The values, each at its id.
    pub fn into_vals(self) -> Vec<Val> {
        self.vals
    }
}

/// Which fields of each table the stages across tables read.
#[derive(Debug)]
pub struct Keep {
    /// Per table: field → slot (`NONE` when not kept).
    slots: Vec<Box<[u16]>>,
    /// Per table: slot → field.
    fields: Vec<Box<[u16]>>,
    /// Set when a field not kept was read (release builds).
    missed: AtomicBool,
}

impl Keep {
    /// The fields `need[table][field]` says.
    pub fn of(need: Vec<Vec<bool>>) -> Keep {
        let mut slots = Vec::with_capacity(need.len());
        let mut fields = Vec::with_capacity(need.len());
        for table in need {
            let mut slot = vec![NONE; table.len()];
            let mut kept = Vec::new();
            for (f, _) in table.iter().enumerate().filter(|(_, k)| **k) {
                slot[f] = kept.len() as u16;
                kept.push(f as u16);
            }
            slots.push(slot.into_boxed_slice());
            fields.push(kept.into_boxed_slice());
        }
        Keep {
            slots,
            fields,
            missed: AtomicBool::new(false),
        }
    }

    /// Whether every field of every table is kept.
    pub fn keeps_all(&self) -> bool {
        self.slots
            .iter()
            .zip(&self.fields)
            .all(|(s, f)| s.len() == f.len())
    }

    /// The fields kept of `table`, in slot order.
    pub fn kept(&self, table: TableId) -> &[u16] {
        &self.fields[table.index()]
    }

    /// Whether field `f` of `table` is kept.
    pub fn keeps(&self, table: TableId, f: usize) -> bool {
        self.slots
            .get(table.index())
            .and_then(|s| s.get(f))
            .is_some_and(|&s| s != NONE)
    }

    /// Whether some stage read a field that was not kept (the run must be made again
    /// keeping every field).
    pub fn missed(&self) -> bool {
        self.missed.load(Ordering::Relaxed)
    }

    fn slot(&self, table: TableId, f: usize) -> Option<usize> {
        match self.slots[table.index()].get(f) {
            Some(&s) if s != NONE => Some(s as usize),
            _ => {
                // A stage read a field it did not declare (`need`): a programming error.
                debug_assert!(false, "field {f} of table {} read but not kept", table.0);
                self.missed.store(true, Ordering::Relaxed);
                None
            }
        }
    }
}

/// What the rows of one sheet share: its name, where each field's column is, which
/// fields are kept, the file's values, and the rows' value ids one after the other (a row
/// holds where its own start: a box per row cost more than the ids it held).
#[derive(Debug)]
pub struct SheetKeys {
    name: Arc<str>,
    cols: Arc<[Option<u32>]>,
    keep: Arc<Keep>,
    /// The file's values (a `Vec` behind the `Arc`: made from the pool's without a copy).
    pool: Arc<Vec<Val>>,
    /// Each row's kept fields' value ids in the file's pool, with `BAD` set when the
    /// cell had an error, row after row.
    ids: Box<[u32]>,
}

impl SheetKeys {
    /// A sheet's shared part: its name and columns, the fields kept, its file's values
    /// and its rows' value ids (`ids`, row after row).
    pub fn new(
        name: Arc<str>,
        cols: Arc<[Option<u32>]>,
        keep: Arc<Keep>,
        pool: Arc<Vec<Val>>,
        ids: Box<[u32]>,
    ) -> SheetKeys {
        SheetKeys {
            name,
            cols,
            keep,
            pool,
            ids,
        }
    }
    /// The file's values (tests).
    pub fn pool(&self) -> &[Val] {
        &self.pool
    }
    /// The sheet's shared part of `row`.
    pub fn of(row: &KeyRow) -> &Arc<SheetKeys> {
        &row.sheet
    }
}

/// One data row of one table as the stages across tables see it: where it is, whether it
/// is rejected or held back, and the values of the fields they read.
#[derive(Debug, Clone)]
pub struct KeyRow {
    sheet: Arc<SheetKeys>,
    /// Where its kept fields' value ids start in its sheet's `ids`.
    at: u32,
    /// Index of the input file in the run (`u32`: a row is 24 bytes; `KeyRow::file`).
    file: u32,
    /// 0-based row in the original sheet.
    pub row: u32,
    /// The table it belongs to.
    pub table: TableId,
    /// Set once the row has any error finding.
    pub rejected: bool,
    /// Rejected only because a row it depends on was (a knock-on).
    pub held: bool,
}

static EMPTY: Val = Val::Empty;

impl KeyRow {
    /// Index of the input file in the run.
    pub fn file(&self) -> usize {
        self.file as usize
    }
    /// The value id (with `BAD`) of kept slot `s`.
    fn id(&self, s: usize) -> u32 {
        self.sheet.ids[self.at as usize + s]
    }
    /// The canonical value of field `i` (empty when not kept: see the module's note).
    pub fn get(&self, i: usize) -> &Val {
        match self.sheet.keep.slot(self.table, i) {
            Some(s) => &self.sheet.pool[(self.id(s) & !BAD) as usize],
            None => &EMPTY,
        }
    }
    /// Whether field `i`'s cell had an error.
    pub fn is_bad(&self, i: usize) -> bool {
        self.sheet
            .keep
            .slot(self.table, i)
            .is_some_and(|s| self.id(s) & BAD != 0)
    }
    /// The text of field `i` ("" when it is empty or not text).
    pub fn text(&self, i: usize) -> &str {
        self.get(i).as_str().unwrap_or("")
    }
    /// The usable text of field `i`: None when its cell had an error or it is empty.
    pub fn code(&self, i: usize) -> Option<&str> {
        if self.is_bad(i) {
            return None;
        }
        self.get(i).as_str().filter(|s| !s.is_empty())
    }
    /// The sheet's name ("" for a CSV).
    pub fn sheet(&self) -> &Arc<str> {
        &self.sheet.name
    }
    /// The source column of each field (None when the sheet has no such column).
    pub fn cols(&self) -> &[Option<u32>] {
        &self.sheet.cols
    }
    /// Where the row (or its cell in column `col`) is, for a message: the file as `files`
    /// names it, the sheet, the cell or the row.
    pub fn place(&self, files: &[String], col: Option<u32>) -> String {
        crate::text::row_place(&files[self.file()], &self.sheet.name, self.row, col)
    }
    /// How many fields the row's table has, when it keeps every one of them (the row
    /// can give its whole record back); None when it keeps only some.
    pub fn keeps_all(&self) -> Option<usize> {
        let t = self.table.index();
        let n = self.sheet.keep.slots[t].len();
        (self.sheet.keep.fields[t].len() == n).then_some(n)
    }
    /// The source columns, shared by the rows of the sheet.
    pub fn shared_cols(&self) -> &Arc<[Option<u32>]> {
        &self.sheet.cols
    }
    /// A row of `sheet` whose kept values' ids start at `ids` in the sheet's, from
    /// `place` (the file's index, the 0-based row).
    pub fn new(sheet: Arc<SheetKeys>, ids: u32, place: (usize, u32), table: TableId) -> KeyRow {
        KeyRow {
            sheet,
            at: ids,
            file: place.0 as u32,
            row: place.1,
            table,
            rejected: false,
            held: false,
        }
    }
}

impl Fields for KeyRow {
    fn val(&self, i: usize) -> Option<&Val> {
        Some(self.get(i))
    }
    fn bad(&self, i: usize) -> Option<bool> {
        Some(self.is_bad(i))
    }
}

/// Where one file's records are on disk with every value (`spill` writes and reads it).
#[derive(Debug, Clone)]
pub struct Spill {
    /// The file.
    pub path: std::path::PathBuf,
    /// Per table: where its records start and how many there are.
    pub tables: Vec<(u64, usize)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_of_distinct_values_is_pooled_plainly_and_a_repeating_one_once_each() {
        let mut pool = Pool::new();
        let (t, code, village) = (TableId(1), 0, 3);
        let n = JUDGE_AFTER as usize + 500;
        let mut ids = Vec::new();
        for i in 0..n {
            let c = Val::Text(format!("YH{i:015}").into());
            let v = Val::Text(["甲村", "乙村", "丙村"][i % 3].into());
            ids.push((
                pool.id_of_field(t, code, &c),
                pool.id_of_field(t, village, &v),
            ));
        }
        // Past the judgement the codes are added without a lookup: a code given again
        // gets an id of its own, a village the one it had.
        let again = Val::Text(format!("YH{:015}", 7).into());
        let (a, b) = (pool.id_of_field(t, code, &again), ids[7].0);
        assert_ne!(a, b);
        assert_eq!(
            pool.id_of_field(t, village, &Val::Text("乙村".into())),
            ids[1].1
        );
        assert_eq!(pool.id_of_field(t, code, &Val::Empty), 0);
        // Another table's field of the same place is judged on its own values.
        assert_eq!(pool.id_of_field(TableId(0), code, &again), b);
        let vals = pool.into_vals();
        assert_eq!(vals[a as usize], again);
        assert_eq!(vals[b as usize], again);
        for (i, (c, v)) in ids.into_iter().enumerate() {
            assert_eq!(vals[c as usize], Val::Text(format!("YH{i:015}").into()));
            assert_eq!(
                vals[v as usize].as_str(),
                Some(["甲村", "乙村", "丙村"][i % 3])
            );
        }
        // Three villages, each once; every code once (and the one given again, twice).
        assert_eq!(vals.len(), 1 + 3 + n + 1);
    }

    #[test]
    fn a_key_row_is_24_bytes_and_its_ids_are_its_sheets() {
        // A province holds tens of millions of key rows: each byte is tens of megabytes.
        assert_eq!(std::mem::size_of::<KeyRow>(), 24);
        let keep = Arc::new(Keep::of(vec![vec![true, false, true]]));
        let pool = Arc::new(vec![Val::Empty, Val::Int(7), Val::Text("甲".into())]);
        let ids = vec![1, 2 | BAD, 2, 0].into_boxed_slice();
        let sheet = Arc::new(SheetKeys::new(
            "表".into(),
            vec![None; 3].into(),
            keep,
            pool,
            ids,
        ));
        let a = KeyRow::new(sheet.clone(), 0, (3, 9), TableId(0));
        let b = KeyRow::new(sheet, 2, (3, 10), TableId(0));
        assert_eq!(
            (a.get(0), a.get(2), a.is_bad(2)),
            (&Val::Int(7), &Val::Text("甲".into()), true)
        );
        assert_eq!(
            (b.text(0), b.get(2), b.is_bad(0)),
            ("甲", &Val::Empty, false)
        );
        assert_eq!((b.file(), b.row), (3, 10));
    }
}
