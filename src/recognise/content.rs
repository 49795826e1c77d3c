//! Recognition from the values themselves, where headers say little or nothing.
//!
//! - **Samples** (`samples`): each column's non-empty values below a header block, from
//!   enough rows that a sparse column (an appraisal grade filled on one house in ten) still
//!   shows a few.
//! - **Specific content** (`specific`): among a table's fields, the one a column's values
//!   fit that is more telling than every other field they fit (a year of building fits a
//!   year and any number, and is a year). Content decides such a column whatever its header
//!   says, unless the header clearly names another field.
//! - **The block from the data** (`content_block`): when no header wording names a table,
//!   the first row where a column holds a table's anchor (an identity field with a telling
//!   pattern: a building code, a hazard code) on most rows below is the first data row, and
//!   the one to three rows of labels just above it are the header.

use crate::cells::Ctx;
use crate::read::{Grid, GridRow, Raw};
use crate::schema::{FieldType, Lexicon, Schemas, TableSchema};
use crate::text::nfkc_nospace;

use super::score::{self, ContentFit};

/// How many non-empty values of a column are sampled.
pub const SAMPLE_VALUES: usize = 30;
/// How many rows below the header block the samples may come from.
pub const SAMPLE_ROWS: usize = 200;

/// A row's first non-empty cell as a key (NFKC, no spaces): where 合计 and footer
/// markers stand.
pub fn first_text(row: &GridRow) -> String {
    row.cells
        .iter()
        .find(|c| !c.is_empty())
        .map(|c| nfkc_nospace(&c.display()))
        .unwrap_or_default()
}

/// The lexicon's 合计 and footer markers as keys: a line starting with one is no data.
fn line_markers(lex: &Lexicon) -> Vec<String> {
    lex.total_markers
        .iter()
        .chain(&lex.footer_markers)
        .map(|m| nfkc_nospace(m))
        .collect()
}

/// The data rows below a header block that samples come from: up to `SAMPLE_ROWS` rows
/// that hold something, 合计 and footer lines left out.
pub fn sample_rows<'g>(grid: &'g Grid, last: u32, lex: &Lexicon) -> Vec<&'g GridRow> {
    let markers = line_markers(lex);
    grid.rows
        .iter()
        .filter(|r| r.idx > last)
        .filter(|row| {
            let first = first_text(row);
            !first.is_empty() && !markers.iter().any(|m| first.starts_with(m.as_str()))
        })
        .take(SAMPLE_ROWS)
        .collect()
}

/// Each column's values in the sample rows (blanks and placeholders left out): up to
/// `SAMPLE_VALUES` per column.
pub fn samples<'g>(rows: &[&'g GridRow], width: u32, lex: &Lexicon) -> Vec<Vec<&'g Raw>> {
    let mut out: Vec<Vec<&Raw>> = vec![Vec::new(); width as usize];
    for row in rows {
        if out.iter().all(|v| v.len() >= SAMPLE_VALUES) {
            break;
        }
        for (c, v) in row.cells.iter().enumerate().take(width as usize) {
            // A placeholder (/, —) says nothing: it takes no place in the sample; but 无 is
            // also a yes/no answer, and a column of them is a yes/no column.
            let placeholder = matches!(v, Raw::Text(t) if {
                let t = crate::text::trim(t);
                lex.placeholders.iter().any(|p| p == t)
                    && !lex.bool_false.iter().chain(&lex.bool_true).any(|b| b == t)
            });
            if !v.is_empty() && !placeholder && out[c].len() < SAMPLE_VALUES {
                out[c].push(v);
            }
        }
    }
    out
}

/// The share of values that fit (0 when none says anything).
fn share(c: &ContentFit) -> f64 {
    if c.n == 0 {
        0.0
    } else {
        c.ok as f64 / c.n as f64
    }
}

/// Content that counts as telling: most values fit tellingly (`ContentFit::exact`), and
/// the type says something (free text and untyped text fit nearly anything).
fn telling(c: &ContentFit) -> bool {
    c.n >= 1 && c.exact as f64 >= 0.8 * c.n as f64 && c.weight >= 0.3
}

/// Of the fields a column's values fit (`fits[fi]`, None for fields not in play), the one
/// more telling than every other they fit, if there is one.
pub fn specific(fits: &[Option<ContentFit>]) -> Option<usize> {
    let mut ranked: Vec<(usize, f64)> = fits
        .iter()
        .enumerate()
        .filter_map(|(fi, c)| c.filter(telling).map(|c| (fi, c.weight)))
        .collect();
    ranked.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    match ranked.as_slice() {
        [(fi, _)] => Some(*fi),
        [(fi, w), (_, w2), ..] if w - w2 > 0.05 => Some(*fi),
        _ => None,
    }
}

/// Do a column's values count up one by one (1, 2, 3 …), as a 序号 column does? At least
/// three numbers, and four steps in five exactly one up.
pub fn counts_up(vals: &[&Raw]) -> bool {
    let nums: Vec<f64> = vals
        .iter()
        .map(|v| match v {
            Raw::Num(x) => Some(*x),
            Raw::Text(t) => crate::text::nfkc_nospace(t).parse::<f64>().ok(),
            _ => None,
        })
        .collect::<Option<Vec<f64>>>()
        .unwrap_or_default();
    if nums.len() < 3 {
        return false;
    }
    let steps = nums.windows(2).filter(|w| w[1] - w[0] == 1.0).count();
    steps * 5 >= (nums.len() - 1) * 4
}

/// The fields whose values alone can anchor a table: identity fields with a telling
/// pattern (a code with a pattern, an ID number, a plugin type that checks itself).
pub fn anchors(t: &TableSchema) -> Vec<usize> {
    t.table
        .identity
        .iter()
        .filter_map(|k| t.field_index(k))
        .filter(|&fi| {
            let f = &t.fields[fi];
            match f.ty {
                FieldType::Code => f.regex.is_some() || f.looks_like_regex.is_some(),
                FieldType::IdCard => true,
                FieldType::Plugin(p) => p.0.weight() >= 0.8,
                _ => false,
            }
        })
        .collect()
}

/// Does some column's sample hold one of the table's anchors on most of its values?
pub fn anchored(t: &TableSchema, samples: &[Vec<&Raw>], ctx: &Ctx) -> bool {
    anchors(t).into_iter().any(|fi| {
        samples.iter().any(|vals| {
            let c = score::content_score(&t.fields[fi], vals, ctx);
            c.n >= 1 && share(&c) >= 0.8
        })
    })
}

/// Does one cell fit a field by content?
fn fits_one(t: &TableSchema, fi: usize, raw: &Raw, ctx: &Ctx) -> bool {
    let c = score::content_score(&t.fields[fi], &[raw], ctx);
    c.n == 1 && c.ok == 1
}

/// The header block found from the data (see the module's doc): (first, last) header rows,
/// 0-based. `header_row(r)` tells whether row r may belong to a header (labels, no fill-in
/// line); None when no anchor is found or nothing stands above the data.
pub fn content_block(
    grid: &Grid,
    schemas: &Schemas,
    ctx: &Ctx,
    search_rows: u32,
    max_header_rows: u32,
    header_row: &dyn Fn(u32) -> bool,
) -> Option<(u32, u32)> {
    let anchors: Vec<(usize, usize)> = schemas
        .tables
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| anchors(t).into_iter().map(move |fi| (ti, fi)))
        .collect();
    if anchors.is_empty() {
        return None;
    }
    let rows = &grid.rows;
    let markers = line_markers(ctx.lexicon);
    let marked = |v: &Raw| {
        let t = nfkc_nospace(&v.display());
        markers.iter().any(|m| t.starts_with(m.as_str()))
    };
    let first_data = rows
        .iter()
        .enumerate()
        .take_while(|(_, r)| r.idx <= search_rows)
        .find(|(pos, r)| {
            r.cells.iter().enumerate().any(|(c, raw)| {
                !raw.is_empty()
                    && anchors.iter().any(|&(ti, fi)| {
                        let t = &schemas.tables[ti];
                        if !fits_one(t, fi, raw, ctx) {
                            return false;
                        }
                        // Most of the next rows hold the same kind of value in that column
                        // (合计 and footer lines aside).
                        let next: Vec<&Raw> = rows[pos + 1..]
                            .iter()
                            .take(5)
                            .map(|r| r.get(c as u32))
                            .filter(|v| !v.is_empty() && !marked(v))
                            .collect();
                        let ok = next.iter().filter(|v| fits_one(t, fi, v, ctx)).count();
                        next.is_empty() || ok * 5 >= next.len() * 3
                    })
            })
        });
    let (pos, _) = first_data?;
    // The header's last row: the nearest row above the data that may be a header row.
    let above = rows[..pos]
        .iter()
        .rev()
        .find(|r| r.cells.iter().any(|c| !c.is_empty()))?;
    let last = above.idx;
    if !header_row(last) {
        return None;
    }
    let mut first = last;
    while first > 0 && last - first + 1 < max_header_rows && header_row(first - 1) {
        first -= 1;
    }
    Some((first, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(ok: usize, n: usize, weight: f64) -> Option<ContentFit> {
        Some(ContentFit {
            ok,
            exact: ok,
            listed: ok,
            n,
            weight,
        })
    }

    #[test]
    fn a_column_counting_up_is_a_sequence() {
        let raw = |v: &[f64]| v.iter().map(|x| Raw::Num(*x)).collect::<Vec<_>>();
        let seq = raw(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert!(counts_up(&seq.iter().collect::<Vec<_>>()));
        let floors = raw(&[3.0, 2.0, 2.0, 5.0, 1.0, 3.0]);
        assert!(!counts_up(&floors.iter().collect::<Vec<_>>()));
    }

    #[test]
    fn the_most_telling_fit_is_specific_only_when_it_stands_alone() {
        // A year fits a year (0.45) and any number (0.3): it is a year.
        assert_eq!(
            specific(&[fit(10, 10, 0.45), fit(10, 10, 0.3), None]),
            Some(0)
        );
        // Two dates fit alike: content cannot tell them apart.
        assert_eq!(specific(&[fit(10, 10, 0.7), fit(10, 10, 0.7)]), None);
        // Free text fits anything and tells nothing.
        assert_eq!(specific(&[fit(10, 10, 0.2), fit(3, 10, 0.7)]), None);
        assert_eq!(specific(&[fit(10, 10, 0.2), fit(9, 10, 0.7)]), Some(1));
    }
}
