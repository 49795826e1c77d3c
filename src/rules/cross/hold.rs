//! Rejecting and holding back, after the checks: every row with an error finding is
//! rejected, then the rows that stand on rejected ones are held back so that what goes
//! upstream holds together (cleaned.xlsx checked again gives no finding) — the campaign's
//! holding kinds (`held_back`, `children_left`), pass after pass until nothing changes,
//! each knock-on naming its cause's first problem.

use crate::fast::Map;

use crate::finding::Finding;
use crate::keyrow::KeyRow;
use crate::schema::Schemas;

use super::cascade::{Cascade, Held, Problems, View};
use super::CrossRules;

/// Reject every row with an error finding (its own cell errors are already on the record,
/// also those only counted in a flood summary; errors across rows and tables are in the
/// findings), then hold back what stands on a rejected row (`hold_back`), each knock-on
/// naming its cause's first problem.
pub fn reject_and_hold_back(
    rules: &CrossRules,
    tables: &mut [Vec<KeyRow>],
    findings: &mut Vec<Finding>,
    files: &[String],
    schemas: &Schemas,
) {
    let file_index: Map<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_str(), i))
        .collect();
    let held = {
        // The first error of each row, for the rows held back with it.
        let mut first: Map<(usize, &str, u32), &Finding> = Map::default();
        for f in findings.iter().filter(|f| f.is_error()) {
            if let (Some(&file), Some(row)) = (file_index.get(f.file.as_str()), f.row) {
                first.entry((file, f.sheet.as_str(), row)).or_insert(f);
            }
        }
        for table in tables.iter_mut() {
            for row in table.iter_mut() {
                row.rejected |= first.contains_key(&(row.file(), row.sheet(), row.row));
            }
        }
        let problems = |row: &KeyRow| match first.get(&(row.file(), row.sheet(), row.row)) {
            Some(f) => format!(
                "{} {}",
                f.code,
                crate::text::truncate_chars(&f.message_zh, 40)
            ),
            // Its errors were only counted in a flood summary.
            None => crate::codes::row_has_errors().zh,
        };
        hold_back(rules, tables, schemas, files, &problems)
    };
    findings.extend(held);
}

/// Rows held back because a row they stand on was rejected (the campaign's holding
/// rules), repeated until nothing changes: every row rejected, for its own errors or held
/// back itself, holds back what stands on it, the whole cascade said row by row. Marks
/// the rows rejected (and held) when the cascade is over and returns the findings.
pub fn hold_back(
    rules: &CrossRules,
    tables: &mut [Vec<KeyRow>],
    schemas: &Schemas,
    files: &[String],
    problems: &Problems<'_>,
) -> Vec<Finding> {
    let view_rows: &[Vec<KeyRow>] = tables;
    let cascades: Vec<Box<dyn Cascade + '_>> = rules
        .rules
        .iter()
        .filter_map(|rule| rule.kind.get().cascade(&rule.text, view_rows, schemas))
        .collect();
    let mut rejected: Vec<Vec<bool>> = view_rows
        .iter()
        .map(|t| t.iter().map(|r| r.rejected).collect())
        .collect();
    let mut held_why: Map<(usize, usize), String> = Map::default();
    let mut was_held: Vec<(usize, usize)> = Vec::new();
    let mut out = Vec::new();
    loop {
        let mut held = Held {
            rows: vec![Vec::new(); view_rows.len()],
            ..Default::default()
        };
        let view = View {
            rows: view_rows,
            rejected: &rejected,
            held_why: &held_why,
            problems,
            files,
        };
        for cascade in &cascades {
            cascade.pass(&view, &mut held);
        }
        if held.rows.iter().all(Vec::is_empty) {
            break;
        }
        out.append(&mut held.findings);
        held_why.extend(held.why);
        for (t, rows) in held.rows.iter().enumerate() {
            for &i in rows {
                rejected[t][i] = true;
                was_held.push((t, i));
            }
        }
    }
    drop(cascades);
    for (t, i) in was_held {
        tables[t][i].rejected = true;
        tables[t][i].held = true;
    }
    out
}
