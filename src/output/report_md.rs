//! report.md: the township report's sentences (the `report` stage's) under its title,
//! then the tally as a table a village at a line, in Markdown a clerk can paste or open.

use std::path::Path;

use anyhow::Result;

use super::atomic::atomic_write;
use super::writer::Writer;
use crate::model::{Report, Tally};
use crate::schema::campaign::{ReportSpec, TallySpec};

/// A table cell: no line break, no bar.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The report as Markdown text.
pub fn render(report: &Report, spec: &ReportSpec, tally: &Tally, words: &TallySpec) -> String {
    let mut out = format!("# {}\n\n", report.title);
    for l in &report.lines {
        out.push_str(l);
        out.push_str("\n\n");
    }
    if !tally.rows.is_empty() {
        if !spec.villages_heading.is_empty() {
            out.push_str(&format!("## {}\n\n", spec.villages_heading));
        }
        let head: Vec<String> = std::iter::once(cell(&words.village))
            .chain(tally.keys.iter().map(|k| cell(words.label(k))))
            .collect();
        out.push_str(&format!("| {} |\n", head.join(" | ")));
        out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
        for row in tally.rows.iter().chain(std::iter::once(&tally.total)) {
            let cells: Vec<String> = std::iter::once(cell(&row.village))
                .chain(row.counts.iter().map(|n| n.to_string()))
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out
}

/// Writes report.md: the township report's sentences and the tally as a Markdown table.
pub fn write(
    report: &Report,
    spec: &ReportSpec,
    tally: &Tally,
    words: &TallySpec,
    path: &Path,
) -> Result<()> {
    atomic_write(path, render(report, spec, tally, words).as_bytes())
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
