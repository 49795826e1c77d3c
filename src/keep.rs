//! Turning one file's records into the rows the stages across tables hold (`keyrow`):
//! the fields `Keep` keeps, each repeated value of the file once (`Pool`), the rows of a
//! sheet sharing its name, columns and values (`SheetKeys`).

use std::sync::Arc;

use crate::keyrow::{Keep, KeyRow, Pool, SheetKeys, TableId, BAD};
use crate::model::Record;
use crate::schema::{Cond, Schemas};

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
    pub fn conds(&mut self, schemas: &Schemas, table: TableId, conds: &[Cond]) {
        for c in conds {
            match c.ix {
                Some(f) => self.field(table, f),
                None => self.key(schemas, table, &c.field),
            }
        }
    }
    /// What keeps these fields.
    pub fn keep(self) -> Keep {
        Keep::of(self.tables)
    }
}

/// Every field of every table kept: the rows hold all their values.
///
/// ```
/// let s = selfbuilt::schema::Schemas::shipped().unwrap();
/// assert!(selfbuilt::keep::everything(&s).keeps_all());
/// ```
pub fn everything(schemas: &Schemas) -> Keep {
    let need = schemas.tables.iter().map(|t| vec![true; t.fields.len()]);
    Keep::of(need.collect())
}

/// The id of record `r`'s field `f` in `pool`, with `BAD` when its cell had an error.
fn id_of(pool: &mut Pool, r: &Record, f: usize) -> u32 {
    let bad = match r.bad.get(f).copied().unwrap_or(false) {
        true => BAD,
        false => 0,
    };
    r.vals.get(f).map_or(0, |v| pool.id_of_field(r.table, f, v)) | bad
}

/// Pools record `r`'s kept values as its file's rows are checked, in the order they are
/// (`Record::kept`): making its key row at the end (`keep_pooled`) then hashes nothing.
pub(crate) fn pool_record(pool: &mut Pool, keep: &Keep, r: &mut Record) {
    let Ok(at) = u32::try_from(pool.rows.len()) else {
        return;
    };
    for &f in keep.kept(r.table) {
        let id = id_of(pool, r, f as usize);
        pool.rows.push(id);
    }
    r.kept = Some(at);
}

/// One file's records as key rows keeping `keep`'s fields, each distinct value once.
///
/// ```
/// use selfbuilt::keep::keep_rows;
/// let s = selfbuilt::schema::Schemas::shipped().unwrap();
/// let keep = std::sync::Arc::new(selfbuilt::keep::everything(&s));
/// let rows = keep_rows(Vec::new(), &keep);
/// assert!(rows.is_empty());
/// ```
pub fn keep_rows(records: Vec<Record>, keep: &Arc<Keep>) -> Vec<KeyRow> {
    keep_tables(vec![records], keep).pop().unwrap_or_default()
}

/// Every field of one file's records kept: what a roster, a test or a run keeping all
/// holds.
pub fn keep_all(schemas: &Schemas, tables: Vec<Vec<Record>>) -> Vec<Vec<KeyRow>> {
    keep_tables(tables, &Arc::new(everything(schemas)))
}

/// `keep_rows` for each table of one file, sharing one pool (a building's code that its
/// hazards name too is held once).
pub fn keep_tables(tables: Vec<Vec<Record>>, keep: &Arc<Keep>) -> Vec<Vec<KeyRow>> {
    keep_from(&tables, keep)
}

/// `keep_tables` leaving the records where they are (the spill writes them meanwhile).
pub fn keep_from(tables: &[Vec<Record>], keep: &Arc<Keep>) -> Vec<Vec<KeyRow>> {
    keep_pooled(tables, keep, None)
}

/// `keep_from` with the pool the records' kept values went into as they were checked
/// (`pool_record`, with this same `keep`: the caller makes sure): a record pooled then
/// keeps its ids, any other is pooled now. Without a pool every record is pooled now.
pub(crate) fn keep_pooled(
    tables: &[Vec<Record>],
    keep: &Arc<Keep>,
    pooled: Option<Pool>,
) -> Vec<Vec<KeyRow>> {
    let fresh = pooled.is_none();
    let mut pool = pooled.unwrap_or_default();
    // One run holding every row the pool took, in order (one sheet of one table, the
    // common case): it takes the pool's ids as they are, without a copy.
    if let Some(table) = (!fresh).then(|| whole_pool(tables, keep, &pool)).flatten() {
        let mut ids = Some(std::mem::take(&mut pool.rows));
        let runs = (0..tables.len())
            .map(|t| match t == table {
                true => vec![(0, tables[t].len(), ids.take().unwrap_or_default())],
                false => Vec::new(),
            })
            .collect();
        return rows_of(tables, keep, pool, runs);
    }
    // Each table's runs of rows from one sheet (the same name and columns), with their
    // kept values' ids row after row.
    let runs: Vec<Vec<(usize, usize, Vec<u32>)>> = tables
        .iter()
        .map(|records| {
            let mut runs = Vec::new();
            let mut start = 0;
            while start < records.len() {
                let first = &records[start];
                let end = start
                    + records[start..]
                        .iter()
                        .take_while(|r| same_sheet(r, first))
                        .count();
                let width = keep.kept(first.table).len();
                let mut ids = Vec::with_capacity((end - start) * width);
                for r in &records[start..end] {
                    let at = r.kept.filter(|_| !fresh).map(|at| at as usize);
                    match at.and_then(|at| pool.rows.get(at..at + width)) {
                        Some(kept) => ids.extend_from_slice(kept),
                        None => ids.extend(
                            keep.kept(r.table)
                                .iter()
                                .map(|&f| id_of(&mut pool, r, f as usize)),
                        ),
                    }
                }
                runs.push((start, end, ids));
                start = end;
            }
            runs
        })
        .collect();
    rows_of(tables, keep, pool, runs)
}

/// The table whose records are the only ones, of one sheet, each holding its kept ids
/// where the pool put them one after the other: the pool's ids are then theirs as they
/// are (`keep_pooled`).
fn whole_pool(tables: &[Vec<Record>], keep: &Keep, pool: &Pool) -> Option<usize> {
    let mut filled = tables.iter().enumerate().filter(|(_, t)| !t.is_empty());
    let (table, records) = filled.next()?;
    if filled.next().is_some() {
        return None;
    }
    let first = &records[0];
    let width = keep.kept(first.table).len();
    let in_order = records
        .iter()
        .enumerate()
        .all(|(k, r)| same_sheet(r, first) && r.kept.map(|at| at as usize) == Some(k * width));
    (in_order && pool.rows.len() == records.len() * width).then_some(table)
}

/// The key rows of `tables` from their runs (`runs[table]`: each run of one sheet's
/// rows, `start..end`, with their ids row after row) and the pool's values.
fn rows_of(
    tables: &[Vec<Record>],
    keep: &Arc<Keep>,
    mut pool: Pool,
    runs: Vec<Vec<(usize, usize, Vec<u32>)>>,
) -> Vec<Vec<KeyRow>> {
    pool.rows = Vec::new();
    // Without its room to grow: a big pool's block is mapped on its own, and giving back
    // its tail moves nothing (`memory::settle`).
    let mut vals = pool.into_vals();
    vals.shrink_to_fit();
    let pool = Arc::new(vals);
    tables
        .iter()
        .zip(runs)
        .map(|(records, runs)| {
            let mut rows = Vec::with_capacity(records.len());
            for (start, end, ids) in runs {
                let first = &records[start];
                let (name, cols) = (first.sheet.clone(), first.cols.clone());
                let sheet = SheetKeys::new(name, cols, keep.clone(), pool.clone(), ids.into());
                let sheet = Arc::new(sheet);
                let mut at = 0u32;
                for r in &records[start..end] {
                    let mut row = KeyRow::new(sheet.clone(), at, (r.file, r.row), r.table);
                    (row.rejected, row.held) = (r.rejected, r.held);
                    at += keep.kept(r.table).len() as u32;
                    rows.push(row);
                }
            }
            rows
        })
        .collect()
}

/// Whether two records are of one sheet's rows (the same name and columns, shared) and
/// one table.
fn same_sheet(a: &Record, b: &Record) -> bool {
    a.table == b.table && Arc::ptr_eq(&a.sheet, &b.sheet) && Arc::ptr_eq(&a.cols, &b.cols)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Val;

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
        let keep = Arc::new(everything(&s));
        let kept = keep_rows(rows.clone(), &keep);
        for (k, r) in kept.iter().zip(&rows) {
            let back = Record::from_kept(k).unwrap();
            assert_eq!(back.vals, r.vals);
            assert_eq!(back.bad, r.bad);
            assert!(Arc::ptr_eq(k.sheet(), &sheet));
        }
        assert_eq!(
            SheetKeys::of(&kept[0]).pool().len(),
            5,
            "empty, A, the address once, 3, 1.5"
        );
        assert!(kept[0].is_bad(1) && kept[0].code(1).is_none());
        assert!(!keep.missed());
    }

    #[test]
    fn rows_pooled_as_they_were_checked_are_the_rows_pooled_at_the_end() {
        let s = Schemas::shipped().unwrap();
        let t = s.campaign.main();
        let sheet: Arc<str> = "表1".into();
        let mut rows: Vec<Record> = (0..50)
            .map(|i| {
                let code = Val::Text(format!("A{}", i % 7).into());
                record(&s, t, &sheet, vec![code, Val::Empty, Val::Int(i)])
            })
            .collect();
        let keep = Arc::new(everything(&s));
        let mut pool = Pool::new();
        for r in rows.iter_mut().take(30) {
            pool_record(&mut pool, &keep, r);
        }
        // One pooled row dropped since (a sheet split), the last twenty never pooled.
        rows.remove(3);
        let pooled = keep_pooled(std::slice::from_ref(&rows), &keep, Some(pool));
        let fresh = keep_from(std::slice::from_ref(&rows), &keep);
        assert_eq!(pooled[0].len(), 49);
        for ((p, f), r) in pooled[0].iter().zip(&fresh[0]).zip(&rows) {
            let (p, f) = (Record::from_kept(p).unwrap(), Record::from_kept(f).unwrap());
            assert_eq!((&p.vals, &p.bad, p.row), (&f.vals, &f.bad, f.row));
            assert_eq!(p.vals, r.vals);
        }
        // Each value once; the dropped row's own number stays in the pool, unread.
        let values = SheetKeys::of(&pooled[0][0]).pool();
        let distinct: std::collections::HashSet<String> =
            values.iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(distinct.len(), values.len());
        assert_eq!(values.len(), SheetKeys::of(&fresh[0][0]).pool().len() + 1);
    }

    #[test]
    fn one_sheet_pooled_whole_in_order_takes_the_pools_ids_and_reads_the_same() {
        let s = Schemas::shipped().unwrap();
        let keep = Arc::new(everything(&s));
        let sheet: Arc<str> = "表1".into();
        // `n` rows of one sheet of table `t` (sharing its columns), pooled in order.
        let pooled_sheet = |t: TableId, n: i64| {
            let mut rows: Vec<Record> = (0..n)
                .map(|i| {
                    let code = Val::Text(format!("B{}", i % 9).into());
                    record(&s, t, &sheet, vec![code, Val::Int(i)])
                })
                .collect();
            let cols = rows[0].cols.clone();
            let mut pool = Pool::new();
            for r in &mut rows {
                r.cols = cols.clone();
                pool_record(&mut pool, &keep, r);
            }
            let mut tables = vec![Vec::new(); s.tables.len()];
            tables[t.index()] = rows;
            (tables, pool)
        };
        for t in s.ids() {
            let (tables, pool) = pooled_sheet(t, 40);
            assert_eq!(whole_pool(&tables, &keep, &pool), Some(t.index()));
            let pooled = keep_pooled(&tables, &keep, Some(pool));
            for (u, table) in pooled.iter().enumerate() {
                assert_eq!(table.len(), if u == t.index() { 40 } else { 0 });
            }
            for (p, r) in pooled[t.index()].iter().zip(&tables[t.index()]) {
                let p = Record::from_kept(p).unwrap();
                assert_eq!((&p.vals, &p.bad), (&r.vals, &r.bad));
            }
        }
        // A row pooled out of its place, or a second sheet: not whole.
        let t = s.campaign.main();
        let (mut tables, pool) = pooled_sheet(t, 4);
        tables[t.index()].swap(1, 2);
        assert_eq!(whole_pool(&tables, &keep, &pool), None);
        tables[t.index()].swap(1, 2);
        tables[t.index()][3].sheet = "表2".into();
        assert_eq!(whole_pool(&tables, &keep, &pool), None);
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
        assert!(Record::from_kept(&k).is_none());
        assert!(n > 3);
    }
}
