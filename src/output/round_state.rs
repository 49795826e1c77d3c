//! round.jsonl: this run's rows as the next round's `--previous` reads them (see
//! `rounds`): a head line (campaign, each table's fields, the tally), then a JSON line per
//! row, streamed.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::atomic::write_atomically;
use super::writer::Writer;
use crate::model::Run;
use crate::schema::Schemas;

/// Writes round.jsonl: this run's rows, for the next round's `--previous` to compare with.
pub fn write(
    run: &Run,
    s: &Schemas,
    deadline: Option<chrono::NaiveDate>,
    path: &Path,
) -> Result<()> {
    write_atomically(path, |tmp| {
        let f = std::fs::File::create(tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        let mut w = std::io::BufWriter::new(f);
        serde_json::to_writer(&mut w, &crate::rounds::head(run, s, deadline))?;
        w.write_all(b"\n")?;
        crate::rounds::each_row(run, s, |row| {
            serde_json::to_writer(&mut w, row)?;
            w.write_all(b"\n")?;
            Ok(())
        })?;
        w.flush()?;
        Ok(())
    })
}

/// round.jsonl, as the registry writes it (its name is the one `rounds` reads).
pub const WRITER: Writer = Writer {
    name: crate::rounds::FILE,
    is_folder: false,
    write: |c, path| write(c.run, c.schemas, c.deadline, path),
};
