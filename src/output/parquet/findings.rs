//! `findings.parquet`: every finding of the run (what errors.csv holds), both languages,
//! with the place and the village it belongs to.

use std::path::Path;

use anyhow::Result;
use polars::prelude::{Column, DataFrame};

use super::columns::{same, text};
use super::sink::{batches, write_frames};
use crate::finding::Finding;
use crate::model::Run;

/// One batch of findings as a frame.
fn frame(run: &Run, findings: &[Finding]) -> Result<DataFrame> {
    let n = findings.len();
    let village_of = run.finding_villages();
    let field =
        |name: &str, f: fn(&Finding) -> &str| text(name, findings.iter().map(|x| Some(f(x))));
    let cells: Vec<Option<String>> = findings
        .iter()
        .map(|f| f.col.and(f.row).map(|_| f.cell()))
        .collect();
    let columns = vec![
        same("county", run.place.county.as_deref(), n),
        same("township", run.place.township.as_deref(), n),
        text("village", findings.iter().map(&village_of)),
        field("file", |f| &f.file),
        field("sheet", |f| &f.sheet),
        Column::new(
            "row".into(),
            findings
                .iter()
                .map(|f| f.row.map(|r| r + 1))
                .collect::<Vec<Option<u32>>>(),
        ),
        Column::new("cell".into(), cells),
        field("field", |f| &f.field),
        field("value", |f| &f.value),
        field("severity", |f| f.severity.as_str()),
        field("code", |f| &f.code),
        field("message_zh", |f| &f.message_zh),
        field("message_en", |f| &f.message_en),
        field("suggestion_zh", |f| &f.suggestion_zh),
        field("suggestion_en", |f| &f.suggestion_en),
        Column::new(
            "knock_on".into(),
            findings.iter().map(|f| f.knock_on).collect::<Vec<bool>>(),
        ),
    ];
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Writes findings.parquet at `path`.
pub fn write(run: &Run, path: &Path) -> Result<()> {
    let frames = batches(run.findings.len()).map(|range| frame(run, &run.findings[range]));
    write_frames(path, frames, None)
}
