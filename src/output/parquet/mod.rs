//! The run's results as Parquet for analytics engines (docs/parquet.md): the folder
//! `parquet/` holding `<table>.parquet` for each table (accepted rows), `findings.parquet`,
//! `tally.parquet` and `round.parquet` (the round's state, which the next round's
//! `--previous` reads), each with the run's county and township as columns; and, with
//! `--parquet DIR`, the same files copied into DIR's `<name>/county=…/township=…/` layout
//! (`hive`). Written with polars (zstd), a batch of rows at a time (`sink`).

pub mod columns;
pub mod findings;
pub mod hive;
pub mod round;
pub mod sink;
pub mod tables;
pub mod tally;

use std::path::Path;

use anyhow::{bail, Context, Result};

use super::writer::{Ctx, Writer};
use crate::round_file::{PARQUET, PARQUET_DIR};
use crate::schema::Schemas;

/// The files of the run's own, beside its tables'.
pub const OWN: [&str; 3] = ["findings", "tally", "round"];

/// The name of every Parquet file a run writes (without `.parquet`): each table's key in
/// the campaign's order, then `OWN`.
pub fn names(schemas: &Schemas) -> Vec<String> {
    schemas
        .ids()
        .map(|t| schemas.table(t).table.key.clone())
        .chain(OWN.iter().map(|n| n.to_string()))
        .collect()
}

/// Writes the `parquet/` folder at `dir`.
fn write_folder(c: &Ctx, dir: &Path) -> Result<()> {
    if let Some(clash) = schemas_clash(c.schemas) {
        bail!("a table's key {clash:?} is the name of a Parquet file of the run's own");
    }
    if let Some((table, field)) = tables::clash(c.schemas) {
        bail!("table {table}: the field key {field:?} is the name of a column the Parquet file has beside the fields");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    crate::timing::timed("parquet tables", || tables::write(c.run, c.schemas, dir))?;
    crate::timing::timed("parquet findings", || {
        findings::write(c.run, &dir.join("findings.parquet"))
    })?;
    tally::write(
        &c.run.tally,
        c.schemas,
        &c.run.place,
        &dir.join("tally.parquet"),
    )?;
    crate::timing::timed("parquet round", || {
        round::write(c.run, c.schemas, c.deadline, &dir.join(PARQUET))
    })
}

/// A table whose key is the name of one of the run's own files.
fn schemas_clash(schemas: &Schemas) -> Option<&str> {
    schemas
        .tables
        .iter()
        .map(|t| t.table.key.as_str())
        .find(|k| OWN.contains(k))
}

/// The `parquet/` folder, as the registry writes it.
pub const WRITER: Writer = Writer {
    name: PARQUET_DIR,
    is_folder: true,
    write: write_folder,
};
