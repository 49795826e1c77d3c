//! The findings in the order a clerk reads them: file by file, file-level findings first,
//! then each sheet in the order its workbook holds them, row by row, column by column; a
//! roster's findings after the survey's.

use std::collections::HashMap;

use crate::finding::Finding;
use crate::model::FileOut;

/// Each file's sheets in workbook order: (file, sheet) → place, the file itself (no
/// sheet) first.
pub type SheetOrder<'a> = HashMap<(&'a str, &'a str), usize>;

/// The findings of the batch in reading order (`files[i]` is `outs[i]`'s name).
pub fn order_findings(findings: &mut [Finding], outs: &[FileOut], files: &[String]) {
    let mut order = SheetOrder::new();
    for (out, file) in outs.iter().zip(files) {
        order.insert((file.as_str(), ""), 0);
        for (k, sheet) in out.sheets.iter().enumerate() {
            order
                .entry((file.as_str(), sheet.name.as_str()))
                .or_insert(k + 1);
        }
    }
    sort_findings(findings, &order)
}

/// The roster's own findings, in its sheets' and rows' order, after the others.
pub fn append_roster_findings(
    findings: &mut Vec<Finding>,
    mut roster_findings: Vec<Finding>,
    roster: &FileOut,
    file: &str,
) {
    let order: SheetOrder = std::iter::once(((file, ""), 0))
        .chain(
            roster
                .sheets
                .iter()
                .enumerate()
                .map(|(k, sheet)| ((file, sheet.name.as_str()), k + 1)),
        )
        .collect();
    sort_findings(&mut roster_findings, &order);
    findings.append(&mut roster_findings);
}

/// File, sheet (in workbook order), row, column order: how a clerk reads a report.
/// `sheet_order` gives each file's sheets in the order the workbook holds them.
pub fn sort_findings(findings: &mut [Finding], sheet_order: &SheetOrder) {
    let key = |x: &Finding| {
        (
            sheet_order
                .get(&(x.file.as_str(), x.sheet.as_str()))
                .copied()
                .unwrap_or(usize::MAX),
            x.row.map(|r| r as i64).unwrap_or(-1),
            x.col.map(|c| c as i64).unwrap_or(-1),
        )
    };
    findings.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| a.sheet.cmp(&b.sheet))
    });
}
