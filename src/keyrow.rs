//! The rows the stages across tables work on (`KeyRow`): each row's place and flags and
//! only the fields some stage after the row stage reads (`Keep`, declared by the stages
//! from the schemas: `need`), each distinct value held once per file (`Pool`). Every value
//! of every row stays in the file's spill (`spill`) for the writers, which read it back.
//!
//! A field read that was not kept is a programming error, never a blank: builds with debug
//! assertions (every test) stop on it; a release build marks the run (`Keep::missed`) and
//! the pipeline runs again keeping every field.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::model::{Fields, Record};
use crate::schema::{Schemas, TableId};
use crate::value::Val;

/// A slot that holds no field.
const NONE: u16 = u16::MAX;
/// The bit of a kept value's id saying its cell had an error.
const BAD: u32 = 1 << 31;

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
    /// Every field of every table: the rows hold all their values.
    ///
    /// ```
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let keep = selfbuilt::keyrow::Keep::all(&s);
    /// assert!(keep.keeps_all());
    /// ```
    pub fn all(schemas: &Schemas) -> Keep {
        let need = schemas
            .tables
            .iter()
            .map(|t| vec![true; t.fields.len()])
            .collect();
        Keep::of(need)
    }

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

/// The fields the stages across tables read, as each declares them (a `fields` beside
/// each stage's code, from the schemas): what `Keep` keeps.
#[derive(Debug, Clone)]
pub struct Need {
    tables: Vec<Vec<bool>>,
}

impl Need {
    /// No field yet.
    pub fn none(schemas: &Schemas) -> Need {
        Need {
            tables: schemas
                .tables
                .iter()
                .map(|t| vec![false; t.fields.len()])
                .collect(),
        }
    }
    /// Field `f` of `table`.
    pub fn field(&mut self, table: TableId, f: usize) {
        if let Some(slot) = self
            .tables
            .get_mut(table.index())
            .and_then(|t| t.get_mut(f))
        {
            *slot = true;
        }
    }
    /// The field of `table` keyed `key`, when it has one.
    pub fn key(&mut self, schemas: &Schemas, table: TableId, key: &str) {
        if let Some(f) = schemas.table(table).field_index(key) {
            self.field(table, f);
        }
    }
    /// The fields conditions on `table` read.
    pub fn conds(&mut self, schemas: &Schemas, table: TableId, conds: &[crate::schema::Cond]) {
        for c in conds {
            match c.ix {
                Some(f) => self.field(table, f),
                None => self.key(schemas, table, &c.field),
            }
        }
    }
    /// Every field of `table`.
    pub fn all_of(&mut self, table: TableId) {
        if let Some(t) = self.tables.get_mut(table.index()) {
            t.iter_mut().for_each(|k| *k = true);
        }
    }
    /// What keeps these fields.
    pub fn keep(self) -> Keep {
        Keep::of(self.tables)
    }
}

/// The distinct values of one file's kept fields, each once.
#[derive(Debug, Default)]
pub struct Pool {
    vals: Vec<Val>,
    ids: HashMap<ValKey, u32, foldhash::fast::FixedState>,
}

/// A value as a key of the pool: numbers by their bits.
#[derive(Debug, Clone)]
struct ValKey(Val);

impl PartialEq for ValKey {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Val::Num(a), Val::Num(b)) => a.to_bits() == b.to_bits(),
            (a, b) => a == b,
        }
    }
}
impl Eq for ValKey {}

impl Hash for ValKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        std::mem::discriminant(&self.0).hash(h);
        match &self.0 {
            Val::Empty => {}
            Val::Text(s) => s.as_str().hash(h),
            Val::Int(i) => i.hash(h),
            Val::Num(f) => f.to_bits().hash(h),
            Val::Date(d) => d.hash(h),
            Val::List(l) => {
                for s in l.iter() {
                    s.as_str().hash(h)
                }
            }
        }
    }
}

impl Pool {
    /// An empty pool (its id 0 is the empty value).
    pub fn new() -> Pool {
        Pool {
            vals: vec![Val::Empty],
            ids: HashMap::default(),
        }
    }

    /// The id of `v`, adding it when new.
    fn id(&mut self, v: &Val) -> u32 {
        if v.is_empty() {
            return 0;
        }
        let key = ValKey(v.clone());
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = self.vals.len() as u32;
        self.vals.push(v.clone());
        self.ids.insert(key, id);
        id
    }
}

/// What the rows of one sheet share: its name, where each field's column is, which
/// fields are kept and the file's values.
#[derive(Debug)]
pub struct SheetKeys {
    name: Arc<str>,
    cols: Arc<[Option<u32>]>,
    keep: Arc<Keep>,
    pool: Arc<[Val]>,
}

/// One data row of one table as the stages across tables see it: where it is, whether it
/// is rejected or held back, and the values of the fields they read.
#[derive(Debug, Clone)]
pub struct KeyRow {
    sheet: Arc<SheetKeys>,
    /// Each kept field's value id in the file's pool, with `BAD` set when its cell had an
    /// error.
    vals: Box<[u32]>,
    /// Index of the input file in the run.
    pub file: usize,
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
    /// The canonical value of field `i` (empty when not kept: see the module's note).
    pub fn get(&self, i: usize) -> &Val {
        match self.sheet.keep.slot(self.table, i) {
            Some(s) => &self.sheet.pool[(self.vals[s] & !BAD) as usize],
            None => &EMPTY,
        }
    }
    /// Whether field `i`'s cell had an error.
    pub fn is_bad(&self, i: usize) -> bool {
        self.sheet
            .keep
            .slot(self.table, i)
            .is_some_and(|s| self.vals[s] & BAD != 0)
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
        crate::model::place(&files[self.file], &self.sheet.name, self.row, col)
    }
    /// The row with every value again, when every field is kept (tests, and a run that
    /// keeps all); None otherwise.
    pub fn full(&self) -> Option<Record> {
        let fields = &self.sheet.keep.fields[self.table.index()];
        if fields.len() != self.sheet.keep.slots[self.table.index()].len() {
            return None;
        }
        Some(Record {
            table: self.table,
            file: self.file,
            sheet: self.sheet.name.clone(),
            row: self.row,
            vals: (0..fields.len()).map(|i| self.get(i).clone()).collect(),
            cols: self.sheet.cols.clone(),
            bad: (0..fields.len()).map(|i| self.is_bad(i)).collect(),
            rejected: self.rejected,
            held: self.held,
        })
    }
}

impl KeyRow {
    /// The row with `vals` and `bad` as every value (read back from its spill).
    pub fn with_values(&self, vals: Vec<Val>, bad: Vec<bool>) -> Record {
        Record {
            table: self.table,
            file: self.file,
            sheet: self.sheet.name.clone(),
            row: self.row,
            vals,
            cols: self.sheet.cols.clone(),
            bad,
            rejected: self.rejected,
            held: self.held,
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

/// One file's records as key rows keeping `keep`'s fields, each distinct value once.
///
/// ```
/// use selfbuilt::keyrow::{keep_rows, Keep};
/// let s = selfbuilt::schema::Schemas::shipped().unwrap();
/// let keep = std::sync::Arc::new(Keep::all(&s));
/// let rows = keep_rows(Vec::new(), &keep);
/// assert!(rows.is_empty());
/// ```
pub fn keep_rows(records: Vec<Record>, keep: &Arc<Keep>) -> Vec<KeyRow> {
    keep_tables(vec![records], keep).pop().unwrap_or_default()
}

/// Every field of one file's records kept: what a roster, a test or a run keeping all
/// holds.
pub fn keep_all(schemas: &Schemas, tables: Vec<Vec<Record>>) -> Vec<Vec<KeyRow>> {
    keep_tables(tables, &Arc::new(Keep::all(schemas)))
}

/// `keep_rows` for each table of one file, sharing one pool.
pub fn keep_tables(tables: Vec<Vec<Record>>, keep: &Arc<Keep>) -> Vec<Vec<KeyRow>> {
    let mut pool = Pool::new();
    let ids: Vec<Vec<Box<[u32]>>> = tables
        .iter()
        .map(|records| {
            records
                .iter()
                .map(|r| {
                    keep.fields[r.table.index()]
                        .iter()
                        .map(|&f| {
                            let f = f as usize;
                            let bad = if r.bad.get(f).copied().unwrap_or(false) {
                                BAD
                            } else {
                                0
                            };
                            r.vals.get(f).map_or(0, |v| pool.id(v)) | bad
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let pool: Arc<[Val]> = pool.vals.into();
    let mut last: Option<Arc<SheetKeys>> = None;
    tables
        .into_iter()
        .zip(ids)
        .map(|(records, ids)| {
            records
                .into_iter()
                .zip(ids)
                .map(|(r, vals)| {
                    let sheet = match &last {
                        Some(s)
                            if Arc::ptr_eq(&s.name, &r.sheet) && Arc::ptr_eq(&s.cols, &r.cols) =>
                        {
                            s.clone()
                        }
                        _ => {
                            let s = Arc::new(SheetKeys {
                                name: r.sheet.clone(),
                                cols: r.cols.clone(),
                                keep: keep.clone(),
                                pool: pool.clone(),
                            });
                            last = Some(s.clone());
                            s
                        }
                    };
                    KeyRow {
                        sheet,
                        vals,
                        file: r.file,
                        row: r.row,
                        table: r.table,
                        rejected: r.rejected,
                        held: r.held,
                    }
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(schemas: &Schemas, t: TableId, sheet: &Arc<str>, vals: Vec<Val>) -> Record {
        let n = schemas.table(t).fields.len();
        let mut all = vec![Val::Empty; n];
        for (i, v) in vals.into_iter().enumerate() {
            all[i] = v;
        }
        let mut bad = vec![false; n];
        bad[1] = true;
        Record {
            sheet: sheet.clone(),
            row: 3,
            vals: all,
            bad,
            ..Record::empty(t, n)
        }
    }

    #[test]
    fn key_rows_give_back_every_kept_value_and_share_repeated_ones() {
        let s = Schemas::shipped().unwrap();
        let t = s.campaign.main();
        let sheet: Arc<str> = "表1".into();
        let a = Val::Text("长塘镇大王滩村坡头屯一个很长很长的地址1号".into());
        let rows = vec![
            record(
                &s,
                t,
                &sheet,
                vec![Val::Text("A".into()), a.clone(), Val::Int(3)],
            ),
            record(&s, t, &sheet, vec![Val::Num(1.5), a.clone()]),
        ];
        let keep = Arc::new(Keep::all(&s));
        let kept = keep_rows(rows.clone(), &keep);
        for (k, r) in kept.iter().zip(&rows) {
            let back = k.full().unwrap();
            assert_eq!(back.vals, r.vals);
            assert_eq!(back.bad, r.bad);
            assert!(Arc::ptr_eq(k.sheet(), &sheet));
        }
        assert_eq!(
            kept[0].sheet.pool.len(),
            5,
            "empty, A, the address once, 3, 1.5"
        );
        assert!(kept[0].is_bad(1) && kept[0].code(1).is_none());
        assert!(!keep.missed());
    }

    #[test]
    fn a_projection_keeps_only_its_fields() {
        let s = Schemas::shipped().unwrap();
        let t = s.campaign.main();
        let n = s.table(t).fields.len();
        let mut need: Vec<Vec<bool>> = s
            .tables
            .iter()
            .map(|t| vec![false; t.fields.len()])
            .collect();
        need[t.index()][2] = true;
        let keep = Arc::new(Keep::of(need));
        assert!(!keep.keeps_all() && keep.keeps(t, 2) && !keep.keeps(t, 0));
        let sheet: Arc<str> = "".into();
        let r = record(
            &s,
            t,
            &sheet,
            vec![Val::Text("A".into()), Val::Empty, Val::Int(7)],
        );
        let k = keep_rows(vec![r], &keep).pop().unwrap();
        assert_eq!(k.get(2), &Val::Int(7));
        assert!(k.full().is_none());
        assert!(n > 3);
    }
}
