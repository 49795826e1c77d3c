//! A sheet that repeats other sheets of its file: one sheet per 组 and a 汇总 that puts
//! them together, or a sheet copied whole. When every row of a sheet equals a row (every
//! value) of the file's other sheets of the same table, its rows are read once — from the
//! other sheets — and an S010 note on it says which sheets were used; it never turns into
//! one duplicate-code error per row or a count twice as high. The biggest such sheet goes
//! first, so a 汇总 gives way to its parts; of two equal sheets the first is kept.

use std::collections::{BTreeMap, HashSet};

use crate::finding::Finding;
use crate::model::Record;

/// The (file, sheet) pairs whose rows other sheets of the same file already hold, and the
/// note on each. The records are one file's, named `rel`.
pub fn repeated_sheets(
    tables: &[Vec<Record>],
    rel: &str,
) -> (HashSet<(usize, std::sync::Arc<str>)>, Vec<Finding>) {
    let mut dropped = HashSet::new();
    let mut notes = Vec::new();
    for rows in tables {
        // Only files with two sheets or more of this table can repeat one (a cheap pass:
        // the sheet names are shared, compared by pointer first).
        let mut first: BTreeMap<usize, &std::sync::Arc<str>> = BTreeMap::new();
        let mut several: HashSet<usize> = HashSet::new();
        for r in rows {
            let f = first.entry(r.file).or_insert(&r.sheet);
            if !std::sync::Arc::ptr_eq(f, &r.sheet) && ***f != *r.sheet {
                several.insert(r.file);
            }
        }
        if several.is_empty() {
            continue;
        }
        // file → sheet (in first-row order) → its rows' values.
        let mut by_file: BTreeMap<usize, Vec<SheetRows>> = BTreeMap::new();
        for r in rows.iter().filter(|r| several.contains(&r.file)) {
            let sheets = by_file.entry(r.file).or_default();
            let key = key_of(r);
            match sheets.iter_mut().find(|(s, _)| *s == r.sheet) {
                Some((_, v)) => v.push(key),
                None => sheets.push((r.sheet.clone(), vec![key])),
            }
        }
        for (file, sheets) in by_file.into_iter().filter(|(_, s)| s.len() > 1) {
            // Biggest first; of equal sizes, the later one gives way.
            let mut order: Vec<usize> = (0..sheets.len()).collect();
            order.sort_by_key(|&i| (std::cmp::Reverse(sheets[i].1.len()), std::cmp::Reverse(i)));
            let mut gone: Vec<bool> = vec![false; sheets.len()];
            for &i in &order {
                let others: Vec<usize> =
                    (0..sheets.len()).filter(|&j| j != i && !gone[j]).collect();
                let held: HashSet<&String> = others.iter().flat_map(|&j| &sheets[j].1).collect();
                if held.is_empty() || !sheets[i].1.iter().all(|k| held.contains(k)) {
                    continue;
                }
                gone[i] = true;
                // The sheets that hold its rows.
                let used: Vec<String> = others
                    .iter()
                    .filter(|&&j| sheets[j].1.iter().any(|k| sheets[i].1.contains(k)))
                    .map(|&j| format!("“{}”", sheets[j].0))
                    .collect();
                let name = &sheets[i].0;
                dropped.insert((file, name.clone()));
                notes.push(
                    Finding::new(crate::codes::sheet_repeats_others(
                        name,
                        sheets[i].1.len(),
                        used.join("、"),
                    ))
                    .at_file(rel)
                    .at_sheet(name),
                );
            }
        }
    }
    (dropped, notes)
}

/// A sheet's name and its rows' values (`key_of`), in row order.
type SheetRows = (std::sync::Arc<str>, Vec<String>);

/// Every value of a row, as one comparable text.
fn key_of(r: &Record) -> String {
    r.vals
        .iter()
        .map(|v| v.display())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Drop the rows of the sheets that repeat other sheets of their file (`repeated_sheets`)
/// with their rows' own findings (those of the rows they repeat stand), and add the notes
/// that say which copy was read. `tables` and `findings` are one file's, named `rel`: it
/// runs at the end of the file's own stage, while every value of its rows is at hand.
pub fn drop_repeated(
    tables: &mut [Vec<crate::model::Record>],
    findings: &mut Vec<crate::finding::Finding>,
    rel: &str,
) {
    let (repeated, notes) = repeated_sheets(tables, rel);
    if repeated.is_empty() {
        return;
    }
    // Sheets by name: records and findings are looked up without allocating.
    let gone: std::collections::HashSet<&str> = repeated.iter().map(|(_, s)| &**s).collect();
    for t in tables.iter_mut() {
        t.retain(|r| !gone.contains(&*r.sheet));
    }
    findings.retain(|f| f.row.is_none() || f.file != rel || !gone.contains(f.sheet.as_str()));
    findings.extend(notes);
}
