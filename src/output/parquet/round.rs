//! `round.parquet`: the round's state for the next round's `--previous` (format:
//! `round_file`), written a batch of rows at a time, the head in the file's metadata.

use std::path::Path;

use anyhow::Result;

use super::sink::{write_stream, BATCH};
use crate::model::Run;
use crate::schema::Schemas;

/// Writes round.parquet at `path`.
pub fn write(
    run: &Run,
    schemas: &Schemas,
    deadline: Option<chrono::NaiveDate>,
    path: &Path,
) -> Result<()> {
    let head = crate::round_file::head_metadata(&crate::rounds::head(run, schemas, deadline))?;
    let rows = crate::rounds::RoundRows::new(run, schemas);
    write_stream(path, Some(head), |push| {
        let mut batch = Vec::with_capacity(BATCH);
        let mut pushed = false;
        for row in rows.iter() {
            batch.push(row?);
            if batch.len() == BATCH {
                push(crate::round_file::frame(&batch, &run.place)?)?;
                batch.clear();
                pushed = true;
            }
        }
        if !batch.is_empty() || !pushed {
            push(crate::round_file::frame(&batch, &run.place)?)?;
        }
        Ok(())
    })
}
