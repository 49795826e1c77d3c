//! The schema's own rules and the columns' statistics as evidence between columns that
//! content alone cannot tell apart: three date columns of a hazard ledger, two yes/no
//! columns, an owner's and a surveyor's names.
//!
//! After the header and content assignment (`assign`), the columns left unmapped whose
//! values fit several free fields are grouped; each way of giving the group's columns
//! their fields is tried on the sample rows, and the one under which the table's row rules
//! hold on the most rows (a done date on or after the found date, a done date only where
//! the status is done, a grade only where the house was appraised …), the fewest values
//! break their field's own checks, and each column repeats its values as its field does
//! (`repeats`: a surveyor's few names, an owner's many) is taken — when it beats every
//! other way clearly. Where ways tie, only the columns every tied way puts on the same
//! field are mapped; the others stay unmapped: the run asks rather than guesses. Every
//! mapping made here is a warning with its evidence in words.

use std::collections::HashMap;

use crate::cells::{self, Ctx, Val};
use crate::finding::Severity;
use crate::model::{Column, How};
use crate::read::{GridRow, Raw};
use crate::schema::{Repeats, RowRule, TableSchema};

use super::score::{self, ContentFit};

/// The most columns, and fields, one group may hold (4 columns over 5 fields: 120 ways).
const MAX_COLUMNS: usize = 4;
const MAX_FIELDS: usize = 5;
/// What a column mapped here scores in the table's fit.
const SETTLED_SCORE: f64 = 0.6;

/// Content telling enough to put a column in play for a field.
fn in_play(c: &ContentFit) -> bool {
    c.n >= 1 && c.exact as f64 >= 0.8 * c.n as f64 && c.weight >= 0.3
}

/// How a column's values repeat, from its sample.
fn repeats_of(vals: &[&Raw]) -> Option<Repeats> {
    if vals.len() < 3 {
        return None;
    }
    // Compared as written, less spaces and widths (a stray full-width space is no new value).
    let mut texts: Vec<String> = vals
        .iter()
        .map(|v| crate::text::nfkc_nospace(&v.display()))
        .collect();
    texts.sort();
    texts.dedup();
    let ratio = texts.len() as f64 / vals.len() as f64;
    Some(if texts.len() == 1 {
        Repeats::One
    } else if ratio <= 0.5 {
        Repeats::Few
    } else if ratio >= 0.7 {
        Repeats::Many
    } else {
        return None;
    })
}

/// A parsed cell: its value and whether it broke its field's own checks.
type Cell = (Val, bool);

fn parse_cell(t: &TableSchema, fi: usize, raw: &Raw, ctx: &Ctx) -> Cell {
    let p = cells::parse(&t.fields[fi], raw, ctx);
    let bad = p
        .issue
        .as_ref()
        .is_some_and(|i| i.severity == Severity::Error);
    (p.val, bad)
}

/// What one way of mapping a group says.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    holds: usize,
    broken: usize,
    bad: usize,
    agree: usize,
    disagree: usize,
}

impl Tally {
    fn score(&self, rows: usize) -> f64 {
        let stats = (rows as f64 / 4.0).max(1.0);
        self.holds as f64 - 2.0 * (self.broken + self.bad) as f64
            + stats * (self.agree as f64 - self.disagree as f64)
    }
}

/// Give the columns content could not place their fields by the rules and statistics
/// (see the module's doc).
pub fn settle(
    t: &TableSchema,
    columns: &mut [Column],
    rows: &[&GridRow],
    samples: &[Vec<&Raw>],
    ctx: &Ctx,
) {
    let nf = t.fields.len();
    let mut held = vec![false; nf];
    for c in columns.iter() {
        if let Some(f) = c.field {
            held[f] = true;
        }
    }
    // Unmapped columns and the free fields their values fit.
    let mut open: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        if c.how != How::Unmapped {
            continue;
        }
        let vals: &[&Raw] = samples
            .get(c.col as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let fits: Vec<usize> = (0..nf)
            .filter(|&f| {
                !held[f]
                    && !t.fields[f].refuses_header(&c.header)
                    && in_play(&score::content_score(&t.fields[f], vals, ctx))
            })
            .collect();
        if !fits.is_empty() {
            open.push((i, fits));
        }
    }
    for group in groups(&open) {
        let cols: Vec<(usize, Vec<usize>)> = group.iter().map(|&g| open[g].clone()).collect();
        if cols.len() > MAX_COLUMNS || group_fields(&cols).len() > MAX_FIELDS {
            continue;
        }
        settle_group(t, columns, &cols, rows, samples, ctx);
    }
}

/// The fields a group's columns could take, each once, in order.
fn group_fields(cols: &[(usize, Vec<usize>)]) -> Vec<usize> {
    let mut fields: Vec<usize> = cols.iter().flat_map(|(_, f)| f.clone()).collect();
    fields.sort_unstable();
    fields.dedup();
    fields
}

/// Connected groups of open columns (by the fields they could take).
fn groups(open: &[(usize, Vec<usize>)]) -> Vec<Vec<usize>> {
    let mut group_of: Vec<usize> = (0..open.len()).collect();
    for a in 0..open.len() {
        for b in a + 1..open.len() {
            if open[a].1.iter().any(|f| open[b].1.contains(f)) {
                let (ga, gb) = (group_of[a], group_of[b]);
                for g in group_of.iter_mut() {
                    if *g == gb {
                        *g = ga;
                    }
                }
            }
        }
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    for g in 0..open.len() {
        let members: Vec<usize> = (0..open.len()).filter(|&i| group_of[i] == g).collect();
        if !members.is_empty() {
            out.push(members);
        }
    }
    out
}

/// Every way of giving each column one of its fields (or none), no field twice, that maps
/// as many columns as can be mapped.
fn ways(cols: &[(usize, Vec<usize>)]) -> Vec<Vec<Option<usize>>> {
    fn walk(
        cols: &[(usize, Vec<usize>)],
        at: usize,
        cur: &mut Vec<Option<usize>>,
        out: &mut Vec<Vec<Option<usize>>>,
    ) {
        if at == cols.len() {
            out.push(cur.clone());
            return;
        }
        for &f in &cols[at].1 {
            if !cur.contains(&Some(f)) {
                cur.push(Some(f));
                walk(cols, at + 1, cur, out);
                cur.pop();
            }
        }
        cur.push(None);
        walk(cols, at + 1, cur, out);
        cur.pop();
    }
    let mut out = Vec::new();
    walk(cols, 0, &mut Vec::new(), &mut out);
    let most = out
        .iter()
        .map(|w| w.iter().flatten().count())
        .max()
        .unwrap_or(0);
    out.retain(|w| w.iter().flatten().count() == most && most > 0);
    out
}

/// A way of mapping a group (a field or none per column), what it says, and its score.
type ScoredWay = (f64, Tally, Vec<Option<usize>>);

/// Settle one group of open columns: the ways of mapping it scored on the sample rows,
/// the best taken where it keeps the rules, each column only where every way as good
/// agrees.
fn settle_group(
    t: &TableSchema,
    columns: &mut [Column],
    cols: &[(usize, Vec<usize>)],
    rows: &[&GridRow],
    samples: &[Vec<&Raw>],
    ctx: &Ctx,
) {
    let rules = rules_reading(t, &group_fields(cols));
    let scored = score_ways(t, columns, cols, &rules, rows, samples, ctx);
    let Some((best, tally, way)) = scored.first().cloned() else {
        return;
    };
    // The way taken must itself keep the rules: on a few rows in twenty a village may err,
    // more says the columns are something else.
    let checks = tally.holds + tally.broken;
    if (tally.broken + tally.bad) as f64 > (0.05 * checks as f64).max(1.0) {
        return;
    }
    let way = agreed_fields(&scored, best, way, rows.len());
    let codes: Vec<&str> = rules.iter().map(|r| r.text.code.as_str()).collect();
    for ((ci, _), f) in cols.iter().zip(&way) {
        let Some(f) = f else { continue };
        map_settled(&mut columns[*ci], t, *f, &codes, &tally);
    }
}

/// The table's rules that read any of `fields`.
fn rules_reading<'t>(t: &'t TableSchema, fields: &[usize]) -> Vec<&'t RowRule> {
    t.rules
        .iter()
        .filter(|r| {
            r.fields()
                .any(|k| t.field_index(k).is_some_and(|i| fields.contains(&i)))
        })
        .collect()
}

/// The sample rows' values (and whether each broke its field's checks) under the columns
/// already mapped, per field.
type MappedRow = (Vec<Val>, Vec<bool>);

/// Every way of mapping the group, tallied on the sample rows, best score first.
fn score_ways(
    t: &TableSchema,
    columns: &[Column],
    cols: &[(usize, Vec<usize>)],
    rules: &[&RowRule],
    rows: &[&GridRow],
    samples: &[Vec<&Raw>],
    ctx: &Ctx,
) -> Vec<ScoredWay> {
    let mapped = mapped_rows(t, columns, rows, ctx);
    let parsed = group_cells(t, columns, cols, rows, ctx);
    let mut scored: Vec<ScoredWay> = Vec::new();
    for way in ways(cols) {
        let mut tally = rule_tally(t, cols, &way, &mapped, &parsed, rules);
        (tally.agree, tally.disagree) = repeats_tally(t, columns, cols, &way, samples);
        scored.push((tally.score(rows.len()), tally, way));
    }
    scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    scored
}

/// The rows' values under the columns already mapped, parsed once.
fn mapped_rows(
    t: &TableSchema,
    columns: &[Column],
    rows: &[&GridRow],
    ctx: &Ctx,
) -> Vec<MappedRow> {
    let nf = t.fields.len();
    rows.iter()
        .map(|row| {
            let mut vals = vec![Val::Empty; nf];
            let mut bad = vec![false; nf];
            for c in columns.iter() {
                if let Some(f) = c.field {
                    let (v, b) = parse_cell(t, f, row.get(c.col), ctx);
                    vals[f] = v;
                    bad[f] = b;
                }
            }
            (vals, bad)
        })
        .collect()
}

/// Each (column, field) of the group parsed once for every row.
fn group_cells(
    t: &TableSchema,
    columns: &[Column],
    cols: &[(usize, Vec<usize>)],
    rows: &[&GridRow],
    ctx: &Ctx,
) -> HashMap<(usize, usize), Vec<Cell>> {
    let mut parsed: HashMap<(usize, usize), Vec<Cell>> = HashMap::new();
    for (ci, fits) in cols {
        for &f in fits {
            let col = columns[*ci].col;
            let cells: Vec<Cell> = rows
                .iter()
                .map(|row| parse_cell(t, f, row.get(col), ctx))
                .collect();
            parsed.insert((*ci, f), cells);
        }
    }
    parsed
}

/// What the rules say of one way on every row: how often they hold and break, and how
/// many values the way puts on a field they break the checks of.
fn rule_tally(
    t: &TableSchema,
    cols: &[(usize, Vec<usize>)],
    way: &[Option<usize>],
    mapped: &[MappedRow],
    parsed: &HashMap<(usize, usize), Vec<Cell>>,
    rules: &[&RowRule],
) -> Tally {
    let mut tally = Tally::default();
    for (r, (vals0, bad0)) in mapped.iter().enumerate() {
        let (mut vals, mut bad) = (vals0.clone(), bad0.clone());
        for ((ci, _), f) in cols.iter().zip(way) {
            if let Some(f) = f {
                let (v, b) = &parsed[&(*ci, *f)][r];
                vals[*f] = v.clone();
                bad[*f] = *b;
                tally.bad += usize::from(*b);
            }
        }
        for rule in rules {
            match rule.broken(t, &(vals.as_slice(), bad.as_slice())) {
                Some(true) => tally.broken += 1,
                Some(false) => tally.holds += 1,
                None => {}
            }
        }
    }
    tally
}

/// How many of a way's columns repeat their values as their field does (`repeats`), and
/// how many do not.
fn repeats_tally(
    t: &TableSchema,
    columns: &[Column],
    cols: &[(usize, Vec<usize>)],
    way: &[Option<usize>],
    samples: &[Vec<&Raw>],
) -> (usize, usize) {
    let (mut agree, mut disagree) = (0, 0);
    for ((ci, _), f) in cols.iter().zip(way) {
        let Some(f) = f else { continue };
        let Some(want) = t.fields[*f].repeats else {
            continue;
        };
        let vals: &[&Raw] = samples
            .get(columns[*ci].col as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        match repeats_of(vals) {
            Some(got) if got == want => agree += 1,
            Some(_) => disagree += 1,
            None => {}
        }
    }
    (agree, disagree)
}

/// The best way, each column kept only where the ways as good as it (within the margin)
/// agree: a column they all put on the same field is settled by the evidence; a column
/// they disagree on stays asked (a deadline and a done date the rules cannot tell apart),
/// whatever the others do.
fn agreed_fields(
    scored: &[ScoredWay],
    best: f64,
    way: Vec<Option<usize>>,
    rows: usize,
) -> Vec<Option<usize>> {
    let margin = (rows as f64 / 20.0).max(2.0);
    let close: Vec<&Vec<Option<usize>>> = scored
        .iter()
        .filter(|(s, _, _)| best - s < margin)
        .map(|(_, _, w)| w)
        .collect();
    (0..way.len())
        .map(|k| way[k].filter(|_| close.iter().all(|w| w[k] == way[k])))
        .collect()
}

/// Map a column to field `f` as a weak guess, with the rules and statistics that chose it
/// in words.
fn map_settled(c: &mut Column, t: &TableSchema, f: usize, codes: &[&str], tally: &Tally) {
    c.field = Some(f);
    c.how = How::Guess;
    c.weak = true;
    c.score = SETTLED_SCORE;
    let mut why = format!(
        "内容：与本表其他列同为{}，按规则与统计区分",
        t.fields[f].ty.name_zh()
    );
    if !codes.is_empty() {
        why.push_str(&format!(
            "；规则 {} 在 {} 处成立、{} 处不成立",
            codes.join("、"),
            tally.holds,
            tally.broken
        ));
    }
    if tally.agree + tally.disagree > 0 {
        why.push_str(&format!(
            "；取值重复情况 {} 列相符、{} 列不符",
            tally.agree, tally.disagree
        ));
    }
    c.evidence = why;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_maps_as_many_columns_as_can_be() {
        // Three date columns over three date fields: the six orders.
        let cols = vec![(0, vec![1, 2, 3]), (1, vec![1, 2, 3]), (2, vec![1, 2, 3])];
        assert_eq!(ways(&cols).len(), 6);
        // Two columns over one field: either column, not both.
        let cols = vec![(0, vec![7]), (1, vec![7])];
        assert_eq!(ways(&cols), vec![vec![Some(7), None], vec![None, Some(7)]]);
    }

    #[test]
    fn repeats_are_read_from_the_sample() {
        let raw = |v: &[&str]| v.iter().map(|s| Raw::Text((*s).into())).collect::<Vec<_>>();
        let one = raw(&["平安村", "平安村", "平安村"]);
        let few = raw(&["黄英", "韦宝", "黄英", "黄英", "韦宝", "黄英"]);
        let many = raw(&["黄英", "韦宝", "李四", "张三"]);
        let r = |v: &Vec<Raw>| repeats_of(&v.iter().collect::<Vec<_>>());
        assert_eq!(r(&one), Some(Repeats::One));
        assert_eq!(r(&few), Some(Repeats::Few));
        assert_eq!(r(&many), Some(Repeats::Many));
    }
}
