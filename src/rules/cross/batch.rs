//! The batch as the cross-table checks read it: every table's records, and each
//! reference's rows by code — the parent row of each code, the child rows naming it —
//! made once for all the rules that use them (a parent table's once for all the
//! references to it), side by side.

use rayon::prelude::*;

use crate::byfield::ByField;
use crate::keyrow::KeyRow;
use crate::model::Tables;
use crate::schema::campaign::RefIx;
use crate::schema::{Schemas, TableId, TableSchema};

/// Parent rows by code: the first row of each code.
pub type ParentsByCode<'a> = ByField<'a>;
/// Rows by a code they hold (child rows by the parent code they name; every row of a
/// code).
pub type RowsByCode<'a> = CodeRows<'a>;
/// Child rows by the parent code they name.
pub type ChildrenByCode<'a> = RowsByCode<'a>;

/// Rows by a code they hold, compactly: a code is mostly held by one row, so each code's
/// first row is in one map and the rows after it, for the few codes that have them, in
/// another (a list per code cost three times the memory at a province's size).
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
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
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
}

/// Every table's records, and each reference's rows by code.
pub struct Batch<'a> {
    /// The records and the files they came from.
    pub tables: &'a Tables<'a>,
    /// The schemas of the run.
    pub schemas: &'a Schemas,
    /// Parent rows by code, per distinct (parent table, field).
    parents: Vec<ParentsByCode<'a>>,
    /// Per reference: which of `parents` is its parent's.
    parents_of: Vec<usize>,
    /// Per reference: its child rows by code.
    children: Vec<ChildrenByCode<'a>>,
}

impl<'a> Batch<'a> {
    /// Index every reference of the campaign over the batch.
    pub fn index(tables: &'a Tables<'a>, schemas: &'a Schemas) -> Batch<'a> {
        let references = &schemas.campaign.references;
        let mut keys: Vec<(TableId, usize)> = references
            .iter()
            .map(|r| (r.ix.parent, r.ix.parent_field))
            .collect();
        keys.sort();
        keys.dedup();
        let (parents, children): (Vec<ParentsByCode>, Vec<ChildrenByCode>) = rayon::join(
            || {
                keys.par_iter()
                    .map(|&(table, field)| parents_by_code(tables.rows(table), field))
                    .collect()
            },
            || {
                references
                    .par_iter()
                    .map(|r| rows_by_code(tables.rows(r.ix.child), r.ix.child_field))
                    .collect()
            },
        );
        let parents_of = references
            .iter()
            .map(|r| {
                keys.iter()
                    .position(|k| *k == (r.ix.parent, r.ix.parent_field))
                    .unwrap_or(0)
            })
            .collect();
        Batch {
            tables,
            schemas,
            parents,
            parents_of,
            children,
        }
    }

    /// A reference's ends (index into the campaign's references).
    pub fn reference(&self, reference: usize) -> RefIx {
        self.schemas.campaign.references[reference].ix
    }

    /// The parent row of each code of a reference.
    pub fn parents(&self, reference: usize) -> &ParentsByCode<'a> {
        &self.parents[self.parents_of[reference]]
    }

    /// The child rows naming each code of a reference.
    pub fn children(&self, reference: usize) -> &ChildrenByCode<'a> {
        &self.children[reference]
    }

    /// The rows of a table.
    pub fn rows(&self, table: TableId) -> &'a [KeyRow] {
        &self.tables.tables[table.index()]
    }

    /// The schema of a table.
    pub fn schema(&self, table: TableId) -> &'a TableSchema {
        self.schemas.table(table)
    }

    /// The input files, as findings name them.
    pub fn files(&self) -> &'a [String] {
        self.tables.files
    }
}

/// Rows of a parent table by their code (every row read, accepted or not: a child of a
/// row with another error is not "unknown").
pub fn parents_by_code(rows: &[KeyRow], field: usize) -> ParentsByCode<'_> {
    let mut by_code = ParentsByCode::with_capacity(rows, field, rows.len());
    for (i, row) in rows.iter().enumerate() {
        if row.code(field).is_some() {
            by_code.put(i as u32, |_| false);
        }
    }
    by_code
}

/// Rows by the code in `field` (a child table's rows by the parent code they name).
pub fn rows_by_code(rows: &[KeyRow], field: usize) -> RowsByCode<'_> {
    let mut by_code = RowsByCode::with_capacity(rows, field, rows.len());
    for (i, row) in rows.iter().enumerate() {
        if row.code(field).is_some() {
            by_code.push(i);
        }
    }
    by_code
}
