//! The one-to-one assignment of a header block's columns to a table's fields, and the
//! table decided by it: a block scored from its headers alone (`block_score`, which the
//! header search uses), then every competing table's full assignment — labels and aliases
//! first (leftmost wins, a repeat is a duplicate), then the best totals of header and
//! content scores above `ASSIGN_FLOOR`, then the schema's rules (`evidence`) — and the table
//! that explains the block's columns best (`choose_table`).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::cells::Ctx;
use crate::model::{Column, How};
use crate::read::{GridRow, Raw};
use crate::schema::{Field, FieldType, Lexicon, Schemas, TableSchema};
use crate::text::norm_key;

use super::score::{self, ContentFit, HeaderFit, HeaderHow};
use super::{content, evidence};

/// The least header score that counts when a block is measured.
const HEADER_FLOOR: f64 = 0.5;
/// The least total score (header + content) that maps a column.
pub const ASSIGN_FLOOR: f64 = 0.5;
/// Below this total, or this close to a rival, a mapping is a warning.
const SURE: f64 = 0.85;
/// What a column's values add when they fit one field of the table more tellingly than
/// any other (`content::specific`).
const SPECIFIC: f64 = 0.35;
/// What the table a header block's wording names first is worth when tables compete for
/// the block by how well they explain its columns: one whole column.
const HEADER_CHOICE: f64 = 1.0;
/// What a parent header naming a field is worth to each column under it: context.
const PARENT_CONTEXT: f64 = 0.45;
/// How close to a mapping's total a rival comes before the mapping is a warning.
const MARGIN: f64 = 0.1;

/// Header fits already worked out on this sheet, per table and column label parts. The
/// header search scores every candidate block (50 start rows × 3 heights × every table)
/// and meets the same cell texts again and again.
#[derive(Default)]
pub(super) struct FitMemo(RefCell<HashMap<(usize, String), Vec<HeaderFit>>>);

impl FitMemo {
    fn fits(&self, ti: usize, t: &TableSchema, parts: &[String], lex: &Lexicon) -> Vec<HeaderFit> {
        let key = (ti, parts.join("\u{1}"));
        if let Some(v) = self.0.borrow().get(&key) {
            return v.clone();
        }
        let text = score::HeaderText::new(parts, lex);
        let places = score::concept_places(t, &text);
        let v: Vec<HeaderFit> = (0..t.fields.len())
            .map(|fi| score::score_text_in(t, fi, &text, lex, &places))
            .collect();
        self.0.borrow_mut().insert(key, v.clone());
        v
    }
}

/// One-to-one by best score first: (score, column, field) → the pairs kept.
fn greedy(
    pairs: &mut [(f64, usize, usize)],
    cols: usize,
    fields: usize,
) -> Vec<(f64, usize, usize)> {
    // Best first; on equal scores the leftmost column, then the first field.
    pairs.sort_by(|a, b| {
        b.0.partial_cmp(&a.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    let mut col_used = vec![false; cols];
    let mut field_used = vec![false; fields];
    let mut out = Vec::new();
    for &(s, c, f) in pairs.iter() {
        if !col_used[c] && !field_used[f] {
            col_used[c] = true;
            field_used[f] = true;
            out.push((s, c, f));
        }
    }
    out
}

/// Score of a header block for a table from the headers alone: the best one-to-one
/// assignment's total, its identity fields covered and enough fields found.
pub(super) fn block_score(
    ti: usize,
    t: &TableSchema,
    labels: &[Vec<String>],
    memo: &FitMemo,
    lex: &Lexicon,
) -> f64 {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (c, parts) in labels.iter().enumerate() {
        if parts.is_empty() {
            continue;
        }
        for (fi, h) in memo.fits(ti, t, parts, lex).iter().enumerate() {
            if h.score >= HEADER_FLOOR {
                pairs.push((h.score, c, fi));
            }
        }
    }
    let picked = greedy(&mut pairs, labels.len(), t.fields.len());
    let mut seen = vec![false; t.fields.len()];
    let mut total = 0.0;
    for &(s, _, fi) in &picked {
        seen[fi] = true;
        total += s;
        if t.fields[fi].required {
            total += 0.01;
        }
    }
    let n = picked.len();
    let named = |k: &String| t.field_index(k).is_some_and(|i| seen[i]);
    let id_ok = if t.table.identity_any {
        t.table.identity.iter().any(named)
    } else {
        t.table.identity.iter().all(named)
    };
    let enough = n >= 3.min(t.fields.len());
    if !id_ok || !enough {
        return 0.0;
    }
    total
}

/// The tables a header block's wording names (positions in `schemas.tables`), and the one
/// it names first (none for a block found from the data).
pub(super) struct NamedTables {
    /// Every table the block's labels score for.
    pub tables: Vec<usize>,
    /// The table the block was found for: it keeps its place unless another explains at
    /// least one column more.
    pub first_choice: Option<usize>,
}

/// Decide a block's table: every table its wording names and every table whose anchor (a
/// building code, a hazard code) its data holds compete, each with its full assignment;
/// the one that explains the columns best (`table_fit`, the named table ahead by
/// `HEADER_CHOICE`) wins. Its position in `schemas.tables` and its columns; None when no
/// table's identity is held.
pub(super) fn choose_table(
    schemas: &Schemas,
    named: &NamedTables,
    labels: &[Vec<String>],
    rows: &[&GridRow],
    samples: &[Vec<&Raw>],
    memo: &FitMemo,
    ctx: &Ctx,
) -> Option<(usize, Vec<Column>)> {
    let header_choice = named.first_choice;
    let mut pick: Option<(f64, usize, Vec<Column>)> = None;
    for tj in contenders(schemas, named, samples, ctx) {
        if let Some((_, ti, cols)) = &pick {
            if Some(*ti) == header_choice && explains_every_column(cols, samples) {
                break;
            }
        }
        let t = &schemas.tables[tj];
        let mut columns = assign(t, tj, labels, samples, memo, ctx);
        evidence::settle(t, &mut columns, rows, samples, ctx);
        let Some(mut s) = table_fit(t, &columns) else {
            continue;
        };
        if header_choice == Some(tj) {
            s += HEADER_CHOICE;
        }
        if pick.as_ref().is_none_or(|(b, _, _)| s > *b + 1e-9) {
            pick = Some((s, tj, columns));
        }
    }
    pick.map(|(_, ti, columns)| (ti, columns))
}

/// The tables that compete for a block, the named table first: those its wording names,
/// then those whose anchor its data holds (a sheet is the table whose identity its content
/// holds).
fn contenders(
    schemas: &Schemas,
    named: &NamedTables,
    samples: &[Vec<&Raw>],
    ctx: &Ctx,
) -> Vec<usize> {
    let mut candidates = named.tables.clone();
    for (tj, t) in schemas.tables.iter().enumerate() {
        if !candidates.contains(&tj) && content::anchored(t, samples, ctx) {
            candidates.push(tj);
        }
    }
    candidates.sort_by_key(|&tj| Some(tj) != named.first_choice);
    candidates
}

/// Does an assignment leave no column with values unexplained? Then, for the named
/// table, no other table can explain one more, and the others need not be tried.
fn explains_every_column(columns: &[Column], samples: &[Vec<&Raw>]) -> bool {
    columns
        .iter()
        .all(|c| c.how != How::Unmapped || samples.get(c.col as usize).is_none_or(|v| v.is_empty()))
}

/// How well a table explains a block's columns once they are assigned: the mapped
/// columns' scores (1 for a label), less a little for each required field no column holds
/// (between two tables that explain the columns alike, the one they complete);
/// None when the table's identity is not held (by its header, or by content for its
/// anchors) or fewer than three fields are.
fn table_fit(t: &TableSchema, columns: &[Column]) -> Option<f64> {
    let mut held = vec![false; t.fields.len()];
    let mut total = 0.0;
    for c in columns {
        if let Some(f) = c.field {
            held[f] = true;
            total += if c.how == How::Label {
                1.0
            } else {
                c.score.min(1.0)
            };
        }
    }
    let has = |k: &String| t.field_index(k).is_some_and(|i| held[i]);
    let identity = if t.table.identity_any {
        t.table.identity.iter().any(has)
    } else {
        t.table.identity.iter().all(has)
    };
    let anchors = content::anchors(t);
    let anchored = !anchors.is_empty() && anchors.iter().all(|&i| held[i]);
    let n = held.iter().filter(|h| **h).count();
    if !(identity || anchored) || n < 3.min(t.fields.len()) {
        return None;
    }
    let missing = t
        .fields
        .iter()
        .zip(&held)
        .filter(|(f, h)| f.required && !**h)
        .count();
    Some(total - 0.05 * missing as f64)
}

/// A column its header did not settle, left for scoring by header and content.
struct OpenColumn {
    /// Its position in the block's `columns`.
    at: usize,
    /// Its header's fit for each field.
    fits: Vec<HeaderFit>,
}

/// Map the columns of a header block to fields, one to one: labels and aliases first
/// (leftmost wins, a repeat is a duplicate), then by best total of header and content
/// scores above `ASSIGN_FLOOR`.
fn assign(
    t: &TableSchema,
    ti: usize,
    labels: &[Vec<String>],
    samples: &[Vec<&Raw>],
    memo: &FitMemo,
    ctx: &Ctx,
) -> Vec<Column> {
    let (mut columns, labelled, mut open) = columns_by_label(t, ti, labels, memo, ctx.lexicon);
    open.retain(|o| !take_counting_column(&mut columns[o.at], &o.fits, samples));
    let rounds = score_in_rounds(t, &columns, &open, labels, samples, &labelled, ctx);
    for (k, o) in open.iter().enumerate() {
        let col = &mut columns[o.at];
        place_open_column(col, k, &open, &rounds, &labelled);
    }
    columns
}

/// Each labelled column of a block with what its header alone says: a field's label or
/// alias, a duplicate of one taken further left, a 序号, note or provenance column; the
/// fields so taken; and the columns left open, with their header fits.
fn columns_by_label(
    t: &TableSchema,
    ti: usize,
    labels: &[Vec<String>],
    memo: &FitMemo,
    lex: &Lexicon,
) -> (Vec<Column>, Vec<bool>, Vec<OpenColumn>) {
    let mut columns: Vec<Column> = Vec::new();
    let mut taken = vec![false; t.fields.len()];
    let mut open: Vec<OpenColumn> = Vec::new();
    for (c, parts) in labels.iter().enumerate() {
        if parts.is_empty() {
            continue;
        }
        let leaf = parts.last().cloned().unwrap_or_default();
        let mut fits = memo.fits(ti, t, parts, lex);
        let exact = label_field(&mut fits, labels, parts);
        let mut col = Column {
            col: c as u32,
            header: parts.join("›"),
            ..Column::default()
        };
        match exact {
            Some(f) if taken[f] => {
                col.how = How::Duplicate;
                col.candidates = vec![(f, 1.0)];
            }
            Some(f) => {
                taken[f] = true;
                col.field = Some(f);
                col.how = How::Label;
                col.evidence = score::header_words(&fits[f], &leaf, &t.fields[f].label);
            }
            None if is_marker(&lex.seq_labels, &leaf) => col.how = How::Seq,
            None if is_marker(&lex.note_labels, &leaf) => col.how = How::Note,
            // cleaned.xlsx's own 来源 columns: where the row came from, not a field.
            None if lex.provenance_labels.contains(&leaf) => col.how = How::Seq,
            None => open.push(OpenColumn {
                at: columns.len(),
                fits,
            }),
        }
        columns.push(col);
    }
    (columns, taken, open)
}

/// The field whose label the column's lowest header part is, if any. A label found only
/// in a parent (用途 over a column naming the kind of business) is context, never stronger
/// than the column's own words and values: when the parent spans several columns, or the
/// column's own header says something else, its fit is lowered in `fits` and the column is
/// scored like the rest.
fn label_field(fits: &mut [HeaderFit], labels: &[Vec<String>], parts: &[String]) -> Option<usize> {
    let exact = fits
        .iter()
        .enumerate()
        .filter(|(_, h)| h.how == HeaderHow::Label)
        .max_by(|a, b| {
            a.1.score
                .partial_cmp(&b.1.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.0.cmp(&a.0))
        })
        .map(|(f, _)| f)?;
    let own = fits
        .iter()
        .enumerate()
        .any(|(g, h)| g != exact && h.how != HeaderHow::Label && h.score >= 0.6);
    let from_parent = fits[exact].score < 1.0;
    if from_parent && (own || spans_columns(labels, parts)) {
        fits[exact].score = if own { 0.6 } else { PARENT_CONTEXT };
        fits[exact].how = HeaderHow::Similar(parts[0].clone());
        return None;
    }
    Some(exact)
}

/// Is `s` one of the lexicon's markers `list` (compared as keys)?
fn is_marker(list: &[String], s: &str) -> bool {
    let k = norm_key(s);
    list.iter().any(|m| norm_key(m) == k)
}

/// A column whose header says nothing and whose values count 1, 2, 3 … is a 序号: marks
/// it so and says whether it did.
fn take_counting_column(col: &mut Column, fits: &[HeaderFit], samples: &[Vec<&Raw>]) -> bool {
    let vals: &[&Raw] = samples
        .get(col.col as usize)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mute = fits.iter().all(|h| h.score < 0.3);
    if mute && content::counts_up(vals) {
        col.how = How::Seq;
        return true;
    }
    false
}

/// What the scoring rounds leave for each open column.
struct Rounds {
    /// Its total and evidence in words against each field (as last scored).
    totals: Vec<Vec<(f64, String)>>,
    /// The total and field it was given, if any.
    picks: Vec<Option<(f64, usize)>>,
}

/// Totals for the open columns against the fields still free, in rounds: a column left
/// over once others have taken their fields is scored again against those still free (its
/// values may now fit one of them alone). Each round gives fields one to one, best total
/// first (`greedy`).
fn score_in_rounds(
    t: &TableSchema,
    columns: &[Column],
    open: &[OpenColumn],
    labels: &[Vec<String>],
    samples: &[Vec<&Raw>],
    labelled: &[bool],
    ctx: &Ctx,
) -> Rounds {
    let nf = t.fields.len();
    let mut totals: Vec<Vec<(f64, String)>> = vec![vec![(0.0, String::new()); nf]; open.len()];
    // Each open column's content fit per field, worked out once across the rounds.
    let mut fit_cache: Vec<Vec<Option<ContentFit>>> = vec![vec![None; nf]; open.len()];
    let mut picks: Vec<Option<(f64, usize)>> = vec![None; open.len()];
    let mut free: Vec<bool> = labelled.iter().map(|&taken| !taken).collect();
    loop {
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for (k, o) in open.iter().enumerate() {
            if picks[k].is_some() {
                continue;
            }
            let c = columns[o.at].col as usize;
            let vals: &[&Raw] = samples.get(c).map(Vec::as_slice).unwrap_or(&[]);
            let leaf = labels[c].last().cloned().unwrap_or_default();
            totals[k] = column_totals(t, &o.fits, vals, &leaf, &free, &mut fit_cache[k], ctx);
            // A field a person said this header is not: never guessed for it.
            for (fi, f) in t.fields.iter().enumerate() {
                if f.refuses_header(&columns[o.at].header) {
                    totals[k][fi] = (0.0, String::new());
                }
            }
            for (fi, (total, _)) in totals[k].iter().enumerate() {
                if free[fi] && *total >= ASSIGN_FLOOR {
                    pairs.push((*total, k, fi));
                }
            }
        }
        let picked = greedy(&mut pairs, open.len(), nf);
        if picked.is_empty() {
            break;
        }
        for &(s, k, fi) in &picked {
            picks[k] = Some((s, fi));
            free[fi] = false;
        }
    }
    Rounds { totals, picks }
}

/// Give the `k`th open column what the rounds gave it: a guessed field (weak when its
/// total is low, a rival comes close or its header says nothing of the field) or none, and
/// its best candidates among the fields no label took.
fn place_open_column(
    col: &mut Column,
    k: usize,
    open: &[OpenColumn],
    rounds: &Rounds,
    labelled: &[bool],
) {
    let totals = &rounds.totals[k];
    let mut cands: Vec<(usize, f64)> = totals
        .iter()
        .enumerate()
        .filter(|(fi, (s, _))| !labelled[*fi] && *s >= 0.3)
        .map(|(fi, (s, _))| (fi, *s))
        .collect();
    cands.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal));
    match rounds.picks[k] {
        Some((s, fi)) => {
            // Weak, or a close rival: another field for this column, or another column
            // left over for this field.
            let rival_field = cands.iter().any(|&(g, x)| g != fi && x >= s - MARGIN);
            let rival_col = (0..open.len()).any(|j| {
                j != k && rounds.picks[j].is_none() && rounds.totals[j][fi].0 >= s - MARGIN
            });
            col.field = Some(fi);
            col.how = How::Guess;
            // Content alone (a header that says nothing of the field) always asks.
            let mute = open[k].fits[fi].score < 0.3;
            col.weak = s < SURE || rival_field || rival_col || mute;
            col.evidence = totals[fi].1.clone();
            col.score = s;
        }
        None => {
            col.how = How::Unmapped;
            col.evidence = cands
                .first()
                .map(|&(fi, _)| totals[fi].1.clone())
                .unwrap_or_default();
        }
    }
    col.candidates = cands.into_iter().take(3).collect();
}

/// One open column's total (header + content) and its evidence in words against every
/// field still free (zero for the others); content fits kept in `cache` for the next round.
fn column_totals(
    t: &TableSchema,
    fits: &[HeaderFit],
    vals: &[&Raw],
    leaf: &str,
    free: &[bool],
    cache: &mut [Option<ContentFit>],
    ctx: &Ctx,
) -> Vec<(f64, String)> {
    let nf = t.fields.len();
    let fit_of: Vec<Option<ContentFit>> = (0..nf)
        .map(|fi| {
            free[fi].then(|| {
                *cache[fi].get_or_insert_with(|| score::content_score(&t.fields[fi], vals, ctx))
            })
        })
        .collect();
    // Content decides where it can: the one field the values fit more tellingly than any
    // other, unless the header clearly names another field.
    let specific = content::specific(&fit_of).filter(|&sf| {
        !fits
            .iter()
            .enumerate()
            .any(|(g, h)| g != sf && free[g] && h.score >= SURE)
    });
    let mut out = vec![(0.0, String::new()); nf];
    for fi in 0..nf {
        let Some(cf) = fit_of[fi] else {
            continue;
        };
        let f = &t.fields[fi];
        let h = &fits[fi];
        let mut total = h.score;
        let mut why = score::header_words(h, leaf, &f.label);
        // Content is worth looking at where the header says something, where the type alone
        // is telling, or where the values fit this field alone.
        if h.score >= 0.3 || strong(f) || specific == Some(fi) {
            total +=
                0.6 * if specific == Some(fi) {
                    cf.support_specific()
                } else {
                    cf.support()
                } + if matches!(f.ty, FieldType::Enum | FieldType::EnumList) {
                    cf.listed_bonus()
                } else {
                    0.0
                };
            // Values that say "not this field" weigh as much as their type is telling.
            if cf.contradicts() {
                total -= cf.against(f);
            }
            why = format!("{why}；{}", score::content_words(&cf, f));
        }
        if specific == Some(fi) {
            total += SPECIFIC;
            why = format!("{why}（在本表各字段中只符合{}）", f.label);
        }
        out[fi] = (total, why);
    }
    out
}

/// Does the upper part of a column's header span several columns (a group header)?
fn spans_columns(labels: &[Vec<String>], parts: &[String]) -> bool {
    let Some((_, uppers)) = parts.split_last() else {
        return false;
    };
    uppers.iter().any(|u| {
        labels
            .iter()
            .filter(|p| p.split_last().is_some_and(|(_, up)| up.contains(u)))
            .count()
            >= 2
    })
}

/// A type whose values alone can name the column (a valid ID number, a code pattern).
fn strong(f: &Field) -> bool {
    matches!(
        f.ty,
        FieldType::IdCard | FieldType::Phone | FieldType::Lon | FieldType::Lat
    ) || (f.ty == FieldType::Code && (f.regex.is_some() || f.looks_like_regex.is_some()))
        || matches!(f.ty, FieldType::Plugin(p) if p.0.weight() >= 0.8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_keeps_the_best_pairs_one_to_one() {
        // Column 0 fits field 0 best; column 1 then gets field 1, column 2 nothing.
        let mut pairs = vec![
            (0.7, 1, 0),
            (0.9, 0, 0),
            (0.6, 1, 1),
            (0.5, 2, 1),
            (0.8, 0, 1),
        ];
        assert_eq!(greedy(&mut pairs, 3, 2), vec![(0.9, 0, 0), (0.6, 1, 1)]);
        // On equal scores, the leftmost column wins.
        let mut pairs = vec![(0.8, 2, 0), (0.8, 1, 0)];
        assert_eq!(greedy(&mut pairs, 3, 1), vec![(0.8, 1, 0)]);
    }

    #[test]
    fn a_parent_spanning_columns_is_a_group_header() {
        let parts = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let labels = vec![
            parts(&["房屋编码"]),
            parts(&["户主信息", "姓名"]),
            parts(&["户主信息", "电话"]),
            parts(&["用途", "类别"]),
        ];
        assert!(spans_columns(&labels, &labels[1]));
        assert!(!spans_columns(&labels, &labels[3]));
        assert!(!spans_columns(&labels, &labels[0]));
    }

    #[test]
    fn markers_are_compared_as_keys() {
        let list = vec!["序号".to_string(), "备注".to_string()];
        assert!(is_marker(&list, " 序 号 "));
        assert!(!is_marker(&list, "编号"));
    }
}
