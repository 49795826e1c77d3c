//! summary.json: files read, rows read, accepted and rejected per table, findings per
//! severity, write-off proposals, the roster's coverage, duration.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::atomic::stream_atomically;
use super::writer::Writer;
use crate::model::Run;
use crate::schema::Schemas;

/// Rows of one table: read, accepted and rejected.
#[derive(Serialize)]
pub struct TableCounts {
    /// Data rows read.
    pub read: usize,
    /// Rows with no error: they can go upstream.
    pub accepted: usize,
    /// Rows with an error (or held back by another row's).
    pub rejected: usize,
    /// Rows of sheets that repeat other sheets of their file, read once from those (S010).
    #[serde(skip_serializing_if = "is_zero")]
    pub repeated: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// summary.json: the run in numbers, for scripts and dashboards.
#[derive(Serialize)]
pub struct Summary {
    /// The tool's name.
    pub tool: &'static str,
    /// The tool's version.
    pub version: &'static str,
    /// Input files read.
    pub files_read: usize,
    /// Input files that could not be read.
    pub files_unreadable: usize,
    /// Data rows read, over every table.
    pub rows_read: usize,
    /// Non-empty rows of sheets in which no table was recognised (each rejected with S007).
    pub rows_unrecognised: usize,
    /// Row counts per table key.
    pub tables: std::collections::BTreeMap<String, TableCounts>,
    /// Findings per severity (error, warning).
    pub findings: std::collections::BTreeMap<&'static str, usize>,
    /// Values cleaning changed.
    pub changes: usize,
    /// Write-off proposals per reason.
    pub writeoff_proposals: std::collections::BTreeMap<String, usize>,
    /// Villages that sent rows.
    pub villages: usize,
    /// Villages the roster names that sent nothing (with `--roster`).
    pub villages_silent: Vec<String>,
    /// The roster's coverage (with `--roster`): its file, its counts, and how many entries
    /// each match level found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<CoverageSummary>,
    /// Distinct wordings to check once each (`Run::wordings`), by kind: headers and
    /// options read weakly (`*_to_confirm`) or not read (`*_not_read`).
    pub wordings: std::collections::BTreeMap<&'static str, usize>,
    /// How long the run took, in seconds.
    pub duration_seconds: f64,
}

/// The roster's coverage in summary.json (with `--roster`).
#[derive(Serialize)]
pub struct CoverageSummary {
    /// The roster file.
    pub roster: String,
    /// Listed, covered, missing, unlisted and twice-listed entries.
    #[serde(flatten)]
    pub counts: crate::model::CoverCounts,
    /// Entries found by each match level, by the level's label.
    pub found_by: std::collections::BTreeMap<String, usize>,
}

/// The summary of a run.
pub fn build(run: &Run, schemas: &Schemas) -> Summary {
    let mut tables = std::collections::BTreeMap::new();
    let mut rows_read = 0;
    for t in schemas.ids() {
        let recs = run.table(t);
        let rej = recs.iter().filter(|r| r.rejected).count();
        rows_read += recs.len();
        tables.insert(
            schemas.table(t).table.key.clone(),
            TableCounts {
                read: recs.len(),
                accepted: recs.len() - rej,
                rejected: rej,
                repeated: run
                    .files
                    .iter()
                    .map(|f| f.rows_read.get(t.index()).copied().unwrap_or(0))
                    .sum::<usize>()
                    .saturating_sub(recs.len()),
            },
        );
    }
    let mut findings = std::collections::BTreeMap::new();
    // Per severity as errors.csv has them; `held` are the errors that are knock-ons.
    findings.insert("error", run.errors() + run.held());
    findings.insert("held", run.held());
    findings.insert("warning", run.warnings());
    let mut w = std::collections::BTreeMap::new();
    for p in &run.proposals {
        *w.entry(p.reason.to_string()).or_insert(0) += 1;
    }
    let unreadable = run.files.iter().filter(|f| f.format.is_empty()).count();
    Summary {
        tool: "selfbuilt",
        version: env!("CARGO_PKG_VERSION"),
        files_read: run.files.len(),
        files_unreadable: unreadable,
        rows_read,
        rows_unrecognised: run.files.iter().map(|f| f.rows_unrecognised).sum(),
        tables,
        findings,
        changes: run.change_count(),
        writeoff_proposals: w,
        villages: crate::tally::villages(schemas, &run.tally).0.len(),
        villages_silent: crate::tally::villages(schemas, &run.tally)
            .1
            .iter()
            .map(|r| r.village.clone())
            .collect(),
        wordings: {
            let mut m = std::collections::BTreeMap::new();
            for w in &run.wordings {
                let k = match (w.kind, w.taken.is_some()) {
                    (crate::model::WordingKind::Header, true) => "headers_to_confirm",
                    (crate::model::WordingKind::Header, false) => "headers_not_read",
                    (crate::model::WordingKind::Value, true) => "options_to_confirm",
                    (crate::model::WordingKind::Value, false) => "options_not_read",
                };
                *m.entry(k).or_insert(0) += 1;
            }
            m
        },
        coverage: run.coverage.as_ref().map(|c| CoverageSummary {
            roster: c.file.clone(),
            counts: c.total,
            found_by: c.by_level.iter().cloned().collect(),
        }),
        duration_seconds: run.seconds,
    }
}

/// Writes summary.json.
pub fn write(run: &Run, schemas: &Schemas, path: &Path) -> Result<()> {
    let s = build(run, schemas);
    stream_atomically(path, |out| Ok(serde_json::to_writer_pretty(out, &s)?))
}

/// summary.json, as the registry writes it.
pub const WRITER: Writer = Writer {
    name: "summary.json",
    is_folder: false,
    write: |c, path| write(c.run, c.schemas, path),
};
