//! The batch as the cross-table checks read it: every table's records, and each
//! reference's rows by code — the parent row of each code, the child rows naming it —
//! made once for all the rules that use them (a parent table's once for all the
//! references to it), side by side.

use rayon::prelude::*;

use crate::byfield::{ByField, CodeRows, MainCodes, Picks};
use crate::keyrow::KeyRow;
use crate::model::Tables;
use crate::schema::campaign::RefIx;
use crate::schema::{Schemas, TableId, TableSchema};

/// Parent rows by code: the first row of each code whose code has no error; the main
/// table's read from the run's `MainCodes`, another table's indexed here.
pub enum ParentsByCode<'a> {
    /// A table's own index, made for the cross-table checks.
    Own(ByField<'a>),
    /// The main table's, the run's main rows by code, with the parent row of each code
    /// of several rows chosen once.
    Main(&'a MainCodes<'a>, Picks),
}

impl ParentsByCode<'_> {
    /// The parent row of `code`.
    pub fn get(&self, code: &str) -> Option<u32> {
        match self {
            ParentsByCode::Own(index) => index.get(code),
            ParentsByCode::Main(codes, picks) => codes
                .pick(code, picks, |of| codes.first_good(of))
                .map(|at| at as u32),
        }
    }
    /// Whether some parent row has `code`.
    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }
}
/// Rows by a code they hold (child rows by the parent code they name; every row of a
/// code).
pub type RowsByCode<'a> = CodeRows<'a>;
/// Child rows by the parent code they name.
pub type ChildrenByCode<'a> = RowsByCode<'a>;

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
    /// Index every reference of the campaign over the batch, the main table's parents
    /// read from `main` (its rows by code) when given.
    pub fn index(
        tables: &'a Tables<'a>,
        schemas: &'a Schemas,
        main: Option<&'a MainCodes<'a>>,
    ) -> Batch<'a> {
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
                    .map(|&(table, field)| match main {
                        // The run's index, when it is over these very rows.
                        Some(codes)
                            if is_main_code(schemas, table, field)
                                && std::ptr::eq(codes.rows(), tables.rows(table)) =>
                        {
                            ParentsByCode::Main(codes, codes.picks(|of| codes.first_good(of)))
                        }
                        _ => parents_by_code(tables.rows(table), field),
                    })
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

/// Whether `field` of `table` is the main table's code (what `MainCodes` finds rows by).
pub fn is_main_code(schemas: &Schemas, table: TableId, field: usize) -> bool {
    table == schemas.campaign.main() && schemas.table(table).identity_field() == Some(field)
}

/// Rows of a parent table by their code (every row read, accepted or not: a child of a
/// row with another error is not "unknown").
pub fn parents_by_code(rows: &[KeyRow], field: usize) -> ParentsByCode<'_> {
    let mut by_code = ByField::with_capacity(rows, field, rows.len());
    for (i, row) in rows.iter().enumerate() {
        if row.code(field).is_some() {
            by_code.put(i as u32, |_| false);
        }
    }
    ParentsByCode::Own(by_code)
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
