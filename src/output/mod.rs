//! Output writers, one per file of SPEC §7. Every file is written atomically (temp file in
//! the same folder, then rename) and only inside the output folder; text that looks like
//! a formula is always written as a string.

pub mod annotated;
pub mod cleaned;
pub mod csvs;
pub mod errors_xlsx;
pub mod names;
pub mod summary;
pub mod tally;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::finding::Lang;
use crate::pipeline::Run;
use crate::schema::Schemas;

/// Write bytes to `path` atomically: a temp file beside it, then rename.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().context("output path has no folder")?;
    let name = path
        .file_name()
        .context("output path has no file name")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(bytes)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.sync_all().ok();
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Save a workbook atomically.
pub fn save_xlsx(wb: &mut rust_xlsxwriter::Workbook, path: &Path) -> Result<()> {
    let buf = wb
        .save_to_buffer()
        .with_context(|| format!("cannot build {}", path.display()))?;
    atomic_write(path, &buf)
}

/// Display width of text in Excel columns (CJK counts double).
pub fn text_width(s: &str) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.0 } else { 2.1 })
        .sum::<f64>()
}

/// Write every output file of a run into `out`.
pub fn write_all(run: &Run, schemas: &Schemas, out: &Path, lang: Lang) -> Result<()> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    csvs::write_errors(run, &out.join("errors.csv"), lang)?;
    csvs::write_changes(run, &out.join("changes.csv"))?;
    csvs::write_writeoffs(run, &out.join("writeoffs.csv"))?;
    let tally = tally::compute(run)?;
    csvs::write_tally(&tally, &out.join("tally.csv"))?;
    tally::write_xlsx(&tally, &out.join("tally.xlsx"))?;
    cleaned::write(run, schemas, &out.join("cleaned.xlsx"))?;
    errors_xlsx::write(run, &out.join("errors.xlsx"), lang)?;
    annotated::write_all(run, &out.join("annotated"), lang)?;
    summary::write(run, &tally, &out.join("summary.json"))?;
    Ok(())
}
