//! The flood of one finding on many rows of a sheet: the first `FINDINGS_PER_RULE` of a
//! rule listed one by one, the rest counted with their rows and summed up in one finding
//! when the sheet ends.

use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};

/// The most row findings of one rule one sheet lists one by one; the rest are summed up
/// in one finding that names their rows compactly.
pub const FINDINGS_PER_RULE: usize = 1000;

/// Findings of one rule on one sheet.
#[derive(Debug, Default)]
struct Flood {
    kept: usize,
    rows: Vec<u32>,
    errors: bool,
    field: String,
    zh: String,
    en: String,
}

/// A sheet's row findings counted by rule (by code): those past `FINDINGS_PER_RULE` of a
/// rule are held back, with their rows, for one summary finding at the end.
#[derive(Debug, Default)]
pub(crate) struct Floods(BTreeMap<String, Flood>);

impl Floods {
    /// Puts a row finding into `findings`, or counts it once its rule has
    /// `FINDINGS_PER_RULE` there.
    pub(crate) fn keep(&mut self, finding: Finding, findings: &mut Vec<Finding>) {
        // The code is looked up before it is copied: this runs once per finding.
        if !self.0.contains_key(&finding.code) {
            self.0.insert(finding.code.clone(), Flood::default());
        }
        let Some(flood) = self.0.get_mut(&finding.code) else {
            return;
        };
        if flood.kept < FINDINGS_PER_RULE || finding.row.is_none() {
            flood.kept += 1;
            findings.push(finding);
            return;
        }
        if flood.rows.is_empty() {
            flood.field = finding.field.clone();
            flood.zh = finding.message_zh.clone();
            flood.en = finding.message_en.clone();
        }
        flood.errors |= finding.is_error();
        flood.rows.extend(finding.row);
    }

    /// Forgets the findings held back on rows from `split` on.
    pub(crate) fn forget_rows_from(&mut self, split: u32) {
        for flood in self.0.values_mut() {
            flood.rows.retain(|r| *r < split);
        }
    }

    /// Forgets every finding counted.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// One finding per rule that overflowed on sheet `sheet` of file `rel`: how many
    /// more, and on which rows.
    pub(crate) fn summaries(self, rel: &str, sheet: &str) -> Vec<Finding> {
        let overflowed = self.0.into_iter().filter(|(_, f)| !f.rows.is_empty());
        overflowed
            .map(|(code, overflow)| {
                let more = overflow.rows.len();
                let rows = crate::text::compact_rows(&overflow.rows, 40);
                let severity = if overflow.errors {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                Finding::rule(&code, severity)
                    .at_file(rel)
                    .at_sheet(sheet)
                    .field(&overflow.field)
                    .says(crate::codes::more_of_same(
                        more,
                        &code,
                        &overflow.zh,
                        &overflow.en,
                        &rows,
                    ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_row(row: u32) -> Finding {
        Finding::rule("R1", Severity::Error).at_cell(row, Some(0))
    }

    #[test]
    fn findings_past_the_limit_are_summed_up_in_one() {
        let mut floods = Floods::default();
        let mut findings = Vec::new();
        let extra = 5u32;
        for row in 0..FINDINGS_PER_RULE as u32 + extra {
            floods.keep(on_row(row), &mut findings);
        }
        assert_eq!(findings.len(), FINDINGS_PER_RULE);
        floods.forget_rows_from(FINDINGS_PER_RULE as u32 + 2);
        let summaries = floods.summaries("a.xlsx", "Sheet1");
        assert_eq!(summaries.len(), 1);
        assert!(summaries[0].is_error());
        assert_eq!(summaries[0].sheet, "Sheet1");
    }
}
