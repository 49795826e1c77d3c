//! report.md: the township report's sentences (the `report` stage's) under its title,
//! then the tally as a table a village at a line, in Markdown a clerk can paste or open.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::atomic::stream_atomically;
use super::writer::Writer;
use crate::model::{Report, Tally};
use crate::schema::campaign::{ReportSpec, TallySpec};

/// A table cell: no line break, no bar.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The report as Markdown text, written into `out` as it is made.
pub fn render(
    out: &mut impl Write,
    report: &Report,
    spec: &ReportSpec,
    tally: &Tally,
    words: &TallySpec,
) -> std::io::Result<()> {
    write!(out, "# {}\n\n", report.title)?;
    for l in &report.lines {
        write!(out, "{l}\n\n")?;
    }
    if tally.rows.is_empty() {
        return Ok(());
    }
    if !spec.villages_heading.is_empty() {
        write!(out, "## {}\n\n", spec.villages_heading)?;
    }
    let head: Vec<String> = std::iter::once(cell(&words.village))
        .chain(tally.keys.iter().map(|k| cell(words.label(k))))
        .collect();
    writeln!(out, "| {} |", head.join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(head.len()))?;
    for row in tally.rows.iter().chain(std::iter::once(&tally.total)) {
        let cells: Vec<String> = std::iter::once(cell(&row.village))
            .chain(row.counts.iter().map(|n| n.to_string()))
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

/// Writes report.md: the township report's sentences and the tally as a Markdown table.
pub fn write(
    report: &Report,
    spec: &ReportSpec,
    tally: &Tally,
    words: &TallySpec,
    path: &Path,
) -> Result<()> {
    stream_atomically(path, |out| Ok(render(out, report, spec, tally, words)?))
}

/// report.md, as the registry writes it.
pub const WRITER: Writer = Writer {
    name: "report.md",
    is_folder: false,
    write: |c, path| {
        write(
            &c.run.report,
            &c.schemas.campaign.report,
            &c.run.tally,
            &c.schemas.campaign.tally,
            path,
        )
    },
};
