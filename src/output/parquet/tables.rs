//! `<table>.parquet`: the accepted rows of each table, what cleaned.xlsx holds, with the
//! place, the village, where each row came from, its values typed by field, and the
//! write-off proposed for it. The columns beside the fields (`FIXED`) are named so that no
//! field's key is one of them (`clash`).

/// The columns of a table's file beside its fields.
pub const FIXED: [&str; 8] = [
    "county",
    "township",
    "source_village",
    "source_file",
    "source_sheet",
    "source_row",
    "proposed_writeoff",
    "proposed_writeoff_evidence",
];

/// A field whose key is the name of a column beside the fields: (table, field).
pub fn clash(schemas: &Schemas) -> Option<(&str, &str)> {
    schemas.tables.iter().find_map(|t| {
        t.fields
            .iter()
            .find(|f| FIXED.contains(&f.key.as_str()))
            .map(|f| (t.table.key.as_str(), f.key.as_str()))
    })
}

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use polars::prelude::{Column, DataFrame};

use super::columns::{same, text, values};
use super::sink::{batches, write_frames};
use crate::model::{Proposal, Record, Run};
use crate::schema::{Schemas, TableId};

/// The first proposal of each row, by (table, file, sheet, row).
type Proposals<'a> = HashMap<(TableId, usize, &'a str, u32), &'a Proposal>;

/// Each row's write-off proposal (the first, in the campaign's order of reasons).
fn proposals(run: &Run) -> Proposals<'_> {
    let mut by_row = Proposals::new();
    for p in &run.proposals {
        by_row
            .entry((p.table, p.file, p.sheet.as_str(), p.row))
            .or_insert(p);
    }
    by_row
}

/// One batch of a table's accepted rows as a frame.
fn frame(
    run: &Run,
    schemas: &Schemas,
    t: TableId,
    rows: &[Record],
    proposed: &Proposals,
) -> Result<DataFrame> {
    let place = &run.place;
    let n = rows.len();
    let village = |r: &Record| -> &str {
        run.row_village(r.file, &r.sheet, r.row)
            .unwrap_or(&run.village_of_file[r.file])
    };
    let proposal = |r: &Record| proposed.get(&(t, r.file, &*r.sheet, r.row)).copied();
    let mut columns = vec![
        same("county", place.county.as_deref(), n),
        same("township", place.township.as_deref(), n),
        text("source_village", rows.iter().map(|r| Some(village(r)))),
        text(
            "source_file",
            rows.iter().map(|r| Some(run.rel[r.file].as_str())),
        ),
        text("source_sheet", rows.iter().map(|r| Some(&*r.sheet))),
        Column::new(
            "source_row".into(),
            rows.iter().map(|r| r.row + 1).collect::<Vec<u32>>(),
        ),
    ];
    for (i, field) in schemas.table(t).fields.iter().enumerate() {
        columns.push(values(
            &field.key,
            field.ty,
            rows.iter().map(|r| &r.vals[i]),
        )?);
    }
    columns.push(text(
        "proposed_writeoff",
        rows.iter().map(|r| proposal(r).map(|p| p.reason.as_str())),
    ));
    columns.push(text(
        "proposed_writeoff_evidence",
        rows.iter().map(|r| proposal(r).map(|p| run.evidence(p))),
    ));
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Writes `<table>.parquet` for each table of the campaign into `dir`.
pub fn write(run: &Run, schemas: &Schemas, dir: &Path) -> Result<()> {
    let proposed = proposals(run);
    for t in schemas.ids() {
        let accepted = run.accepted(t);
        let path = dir.join(format!("{}.parquet", schemas.table(t).table.key));
        // One reading of the rows for every batch: each batch takes the next ones.
        let mut rows = crate::spill::full_rows_at(run, t, &accepted);
        let frames = batches(accepted.len()).map(|range| {
            let batch = rows.by_ref().take(range.len()).map(|r| r.map(|(_, r)| r));
            let batch: Vec<Record> = batch.collect::<Result<_>>()?;
            frame(run, schemas, t, &batch, &proposed)
        });
        write_frames(&path, frames, None)?;
    }
    Ok(())
}
