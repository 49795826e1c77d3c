//! Checks across tables and files (SPEC §4), as the campaign declares them
//! (`[[cross]]` in campaign.toml): a child row naming no parent, a parent's value against
//! its child rows, a child's date against its parent's, identities unique in the batch (the
//! finding names every place), the same values under two identities, an identity's prefix
//! unlike the batch's. `hold_back` then holds back the rows that stand on rejected ones.
//! The kinds are the engine's; every table, field, value and word comes from the campaign.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::finding::{Finding, Message};
use crate::model::Record;
use crate::schema::campaign::{CrossKind, CrossRule, Expect, RefIx};
use crate::schema::{Schemas, TableSchema};
use crate::text::a1;

/// All records of a run, per table in the campaign's order.
pub struct Tables<'a> {
    /// Records per table, in the campaign's order.
    pub tables: &'a [Vec<Record>],
    /// Relative path of each input file.
    pub files: &'a [String],
    /// The schemas of the run.
    pub schemas: &'a Schemas,
}

impl Tables<'_> {
    fn rows(&self, t: crate::schema::TableId) -> &[Record] {
        &self.tables[t.index()]
    }
    fn schema(&self, t: crate::schema::TableId) -> &TableSchema {
        self.schemas.table(t)
    }
}

/// Where a row (or one of its cells) is, for a message.
pub(crate) fn place(files: &[String], r: &Record, col: Option<u32>) -> String {
    let cell = col
        .map(|c| a1(r.row, c))
        .unwrap_or_else(|| format!("第{}行", r.row + 1));
    if r.sheet.is_empty() {
        format!("{} {}", files[r.file], cell)
    } else {
        format!("{}「{}」{}", files[r.file], r.sheet, cell)
    }
}

/// Usable code of a record's field.
pub(crate) fn code_of(r: &Record, i: usize) -> Option<&str> {
    if r.bad[i] {
        return None;
    }
    r.vals[i].as_str().filter(|s| !s.is_empty())
}

/// A row's identity (its table's first identity field), as shown.
fn identity(s: &TableSchema, r: &Record) -> String {
    s.table
        .identity
        .first()
        .and_then(|k| s.field_index(k))
        .map(|i| r.vals[i].display())
        .unwrap_or_default()
}

/// A placeholder's value: one text, a list of codes or a list of places (each list joined
/// the way the language joins it).
pub(crate) enum V {
    One(String),
    Codes(Vec<String>),
    Places(Vec<String>),
    /// The first places of a longer list, and how many there are in all: a code or an
    /// ID shared by thousands of rows names a few in each finding, not all of them.
    SomePlaces(Vec<String>, usize),
}

/// How many places a finding names before "等 N 处".
const PLACES_NAMED: usize = 10;

/// A message template with its placeholders filled (a name it does not know gives
/// nothing: the loader has checked every name).
fn fill(template: &str, vars: &[(&str, V)], zh: bool) -> String {
    crate::text::fill_braces(template, |name, out| {
        match vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v) {
            Some(V::One(s)) => out.push_str(s),
            Some(V::Codes(v)) => out.push_str(&v.join(if zh { "、" } else { ", " })),
            Some(V::Places(v)) => out.push_str(&v.join(if zh { "；" } else { "; " })),
            Some(V::SomePlaces(v, total)) => {
                out.push_str(&v.join(if zh { "；" } else { "; " }));
                if *total > v.len() {
                    if zh {
                        out.push_str(&format!("等，共 {total} 处"));
                    } else {
                        out.push_str(&format!(" and {} more", total - v.len()));
                    }
                }
            }
            None => {}
        }
        true
    })
}

/// The finding of `rule` on `field` of row `r` of table `s`.
pub(crate) fn finding(
    files: &[String],
    rule: &CrossRule,
    s: &TableSchema,
    r: &Record,
    field: usize,
    vars: &[(&str, V)],
) -> Finding {
    Finding::rule(&rule.code, rule.severity)
        .at_file(&files[r.file])
        .at_sheet(&r.sheet)
        .at_cell(r.row, r.cols[field])
        .field(&s.fields[field].key)
        .value(&r.vals[field].display())
        .says(Message {
            zh: fill(&rule.message_zh, vars, true),
            en: fill(&rule.message_en, vars, false),
            fix_zh: fill(&rule.suggestion_zh, vars, true),
            fix_en: fill(&rule.suggestion_en, vars, false),
        })
}

/// Whether every condition holds on a row (a condition on an unusable cell does not).
fn all_hold(s: &TableSchema, conds: &[crate::schema::Cond], r: &Record) -> bool {
    conds.iter().all(|c| r.holds(s, c) == Some(true))
}

/// Rows of the child table of a reference, by the parent code they name.
fn children_by_code<'a>(t: &'a Tables, rx: &RefIx) -> HashMap<&'a str, Vec<usize>> {
    let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in t.rows(rx.child).iter().enumerate() {
        if let Some(c) = code_of(r, rx.child_field) {
            m.entry(c).or_default().push(i);
        }
    }
    m
}

/// Rows of the parent table of a reference by their code (every row read, accepted or
/// not: a child of a row with another error is not "unknown").
fn parents_by_code<'a>(t: &'a Tables, rx: &RefIx) -> HashMap<&'a str, usize> {
    let mut m: HashMap<&str, usize> = HashMap::new();
    for (i, r) in t.rows(rx.parent).iter().enumerate() {
        if let Some(c) = code_of(r, rx.parent_field) {
            m.entry(c).or_insert(i);
        }
    }
    m
}

/// Run every cross-table and batch check of the campaign, side by side; the findings in
/// the campaign's rule order.
pub fn check(t: &Tables) -> Vec<Finding> {
    let c = &t.schemas.campaign;
    // Each reference's rows by code, made once for all the rules that use it (a parent
    // table's once for all the references to it).
    let mut keys: Vec<(crate::schema::TableId, usize)> = c
        .references
        .iter()
        .map(|r| (r.ix.parent, r.ix.parent_field))
        .collect();
    keys.sort();
    keys.dedup();
    type ByCode<'a> = Vec<HashMap<&'a str, usize>>;
    type ChildrenByCode<'a> = Vec<HashMap<&'a str, Vec<usize>>>;
    let (parents, children): (ByCode, ChildrenByCode) = rayon::join(
        || {
            keys.par_iter()
                .map(|&(parent, parent_field)| {
                    parents_by_code(
                        t,
                        &RefIx {
                            parent,
                            parent_field,
                            ..Default::default()
                        },
                    )
                })
                .collect()
        },
        || {
            c.references
                .par_iter()
                .map(|r| children_by_code(t, &r.ix))
                .collect()
        },
    );
    let maps: Vec<Maps> = c
        .references
        .iter()
        .zip(children)
        .map(|(r, children)| {
            let k = keys
                .iter()
                .position(|x| *x == (r.ix.parent, r.ix.parent_field))
                .unwrap_or(0);
            Maps {
                parents: &parents[k],
                children,
            }
        })
        .collect();
    let per_rule: Vec<Vec<Finding>> = c.cross.par_iter().map(|r| check_one(t, r, &maps)).collect();
    per_rule.into_iter().flatten().collect()
}

/// A reference's rows by code: the parent row of each code, the child rows naming it.
struct Maps<'a, 'b> {
    parents: &'b HashMap<&'a str, usize>,
    children: HashMap<&'a str, Vec<usize>>,
}

fn check_one(t: &Tables, rule: &CrossRule, maps: &[Maps]) -> Vec<Finding> {
    let mut out = Vec::new();
    let refs = &t.schemas.campaign.references;
    match rule.kind {
        CrossKind::UnknownParent => {
            let rx = refs[rule.ix.reference].ix;
            let parents = maps[rule.ix.reference].parents;
            let s = t.schema(rx.child);
            for r in t.rows(rx.child) {
                let Some(c) = code_of(r, rx.child_field) else {
                    continue;
                };
                if !parents.contains_key(c) {
                    let vars = [("value", V::One(r.vals[rx.child_field].display()))];
                    out.push(finding(t.files, rule, s, r, rx.child_field, &vars));
                }
            }
        }
        CrossKind::DateOrder => {
            let rx = refs[rule.ix.reference].ix;
            let parents = maps[rule.ix.reference].parents;
            let (s, other) = (t.schema(rx.child), rule.ix.fields[0]);
            let op = rule.op.as_deref().unwrap_or(">=");
            for r in t.rows(rx.child) {
                let Some(p) = code_of(r, rx.child_field).and_then(|c| parents.get(c)) else {
                    continue;
                };
                let b = &t.rows(rx.parent)[*p];
                let (Some(rd), Some(sd)) =
                    (r.vals[rule.ix.field].as_date(), b.vals[other].as_date())
                else {
                    continue;
                };
                if r.bad[rule.ix.field] {
                    continue;
                }
                if !crate::schema::campaign::ordered(op, rd, sd) {
                    let vars = [
                        ("value", V::One(rd.to_string())),
                        ("other", V::One(sd.to_string())),
                        ("place", V::One(place(t.files, b, b.cols[other]))),
                    ];
                    out.push(finding(t.files, rule, s, r, rule.ix.field, &vars));
                }
            }
        }
        CrossKind::Children => {
            let rx = refs[rule.ix.reference].ix;
            let of = &maps[rule.ix.reference].children;
            let (ps, cs) = (t.schema(rx.parent), t.schema(rx.child));
            let kids = t.rows(rx.child);
            for b in t.rows(rx.parent) {
                let Some(c) = code_of(b, rx.parent_field) else {
                    continue;
                };
                let Some(hs) = of.get(c) else { continue };
                if b.bad[rule.ix.field] || !all_hold(ps, &rule.when, b) {
                    continue;
                }
                let matched: Vec<&Record> = hs
                    .iter()
                    .map(|&i| &kids[i])
                    .filter(|h| all_hold(cs, &rule.where_, h))
                    .collect();
                let flag = match rule.expect {
                    Some(Expect::None) => !matched.is_empty(),
                    Some(Expect::Some) => matched.is_empty(),
                    None => false,
                };
                if flag {
                    let vars = [
                        ("value", V::One(b.vals[rule.ix.field].display())),
                        ("n", V::One(hs.len().to_string())),
                        (
                            "codes",
                            V::Codes(hs.iter().map(|&i| identity(cs, &kids[i])).collect()),
                        ),
                        (
                            "matched",
                            V::Codes(matched.iter().map(|h| identity(cs, h)).collect()),
                        ),
                    ];
                    out.push(finding(t.files, rule, ps, b, rule.ix.field, &vars));
                }
            }
        }
        CrossKind::Unique => {
            let (tb, i) = (rule.ix.table, rule.ix.field);
            let s = t.schema(tb);
            let mut groups: HashMap<&str, Vec<&Record>> = HashMap::new();
            for r in t.rows(tb) {
                if let Some(c) = code_of(r, i) {
                    groups.entry(c).or_default().push(r);
                }
            }
            let mut dup: Vec<(&str, Vec<&Record>)> =
                groups.into_iter().filter(|(_, v)| v.len() > 1).collect();
            dup.sort_by_key(|(c, _)| *c);
            for (c, rs) in dup {
                for r in &rs {
                    let others: Vec<String> = rs
                        .iter()
                        .filter(|o| !std::ptr::eq(**o, *r))
                        .take(PLACES_NAMED)
                        .map(|o| place(t.files, o, o.cols[i]))
                        .collect();
                    let vars = [
                        ("value", V::One(c.to_string())),
                        ("others", V::SomePlaces(others, rs.len() - 1)),
                    ];
                    out.push(finding(t.files, rule, s, r, i, &vars));
                }
            }
        }
        CrossKind::SameValues => {
            let tb = rule.ix.table;
            let s = t.schema(tb);
            let Some(id) = s.table.identity.first().and_then(|k| s.field_index(k)) else {
                return out;
            };
            // One key per row: the fields' values, normalised, joined by a unit separator.
            let mut groups: HashMap<String, Vec<&Record>> = HashMap::new();
            'rows: for b in t.rows(tb) {
                if code_of(b, id).is_none() {
                    continue;
                }
                let mut key = String::new();
                for &f in &rule.ix.fields {
                    let Some(v) = code_of(b, f) else {
                        continue 'rows;
                    };
                    crate::text::push_nfkc_nospace(&mut key, v);
                    key.push('\u{1f}');
                }
                groups.entry(key).or_default().push(b);
            }
            // Only groups of two rows or more can hold two identities.
            let mut groups: Vec<Vec<&Record>> =
                groups.into_values().filter(|g| g.len() > 1).collect();
            groups.sort_by_key(|g| (g[0].file, g[0].row));
            for rs in groups {
                let mut codes: Vec<&str> = rs.iter().filter_map(|r| code_of(r, id)).collect();
                codes.sort();
                codes.dedup();
                if codes.len() < 2 {
                    continue;
                }
                for r in &rs {
                    let mine = code_of(r, id);
                    let total = rs.iter().filter(|o| code_of(o, id) != mine).count();
                    let others: Vec<String> = rs
                        .iter()
                        .filter(|o| code_of(o, id) != mine)
                        .take(PLACES_NAMED)
                        .map(|o| {
                            format!(
                                "{}（{}）",
                                o.vals[id].display(),
                                place(t.files, o, o.cols[id])
                            )
                        })
                        .collect();
                    let vars = [("others", V::SomePlaces(others, total))];
                    out.push(finding(t.files, rule, s, r, rule.ix.field, &vars));
                }
            }
        }
        CrossKind::PrefixOutlier => {
            let (tb, i) = (rule.ix.table, rule.ix.field);
            let s = t.schema(tb);
            let len = rule.prefix.unwrap_or(0);
            // The first `len` characters, as a slice of the code.
            fn prefix(c: &str, len: usize) -> Option<&str> {
                match c.char_indices().nth(len) {
                    Some((i, _)) => Some(&c[..i]),
                    None => (c.chars().count() == len).then_some(c),
                }
            }
            let mut counts: HashMap<&str, usize> = HashMap::new();
            let mut n = 0;
            for b in t.rows(tb) {
                if let Some(p) = code_of(b, i).and_then(|c| prefix(c, len)) {
                    *counts.entry(p).or_default() += 1;
                    n += 1;
                }
            }
            let Some((major, mc)) = counts
                .iter()
                .max_by_key(|(k, v)| (**v, std::cmp::Reverse(**k)))
                .map(|(k, v)| (*k, *v))
            else {
                return out;
            };
            // Only when one prefix clearly dominates: the few others are likely typos.
            if n < 10 || (mc as f64) < 0.9 * n as f64 {
                return out;
            }
            for b in t.rows(tb) {
                let Some(c) = code_of(b, i) else { continue };
                let Some(p) = prefix(c, len) else { continue };
                if p != major && counts[p] * 20 <= n {
                    let vars = [
                        ("value", V::One(c.to_string())),
                        ("part", V::One(p.to_string())),
                        ("major", V::One(major.to_string())),
                        ("n", V::One(mc.to_string())),
                    ];
                    out.push(finding(t.files, rule, s, b, i, &vars));
                }
            }
        }
        // Hold-back rules run after rejection (`hold_back`).
        // Held back after the rejections; the coverage ones against a roster.
        CrossKind::HeldBack
        | CrossKind::ChildrenLeft
        | CrossKind::NotSurveyed
        | CrossKind::NotOnRoster
        | CrossKind::ListedTwice => {}
    }
    out
}

/// Reject every row with an error finding (its own cell errors are already on the record,
/// also those only counted in a flood summary; errors across rows and tables are in the
/// findings), then hold back what stands on a rejected row (`hold_back`), each knock-on
/// naming its cause's first problem.
pub fn reject_and_hold_back(
    tables: &mut [Vec<Record>],
    findings: &mut Vec<Finding>,
    rel: &[String],
    schemas: &Schemas,
) {
    let rel_idx: HashMap<&str, usize> = rel
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let held = {
        // The first error of each row, for the rows held back with it.
        let mut first: HashMap<(usize, &str, u32), &Finding> = HashMap::new();
        for f in findings.iter().filter(|f| f.is_error()) {
            if let (Some(&file), Some(row)) = (rel_idx.get(f.file.as_str()), f.row) {
                first.entry((file, f.sheet.as_str(), row)).or_insert(f);
            }
        }
        for t in tables.iter_mut() {
            for r in t.iter_mut() {
                r.rejected |= first.contains_key(&(r.file, &*r.sheet, r.row));
            }
        }
        let problems = |r: &Record| match first.get(&(r.file, &*r.sheet, r.row)) {
            Some(f) => format!(
                "{} {}",
                f.code,
                crate::text::truncate_chars(&f.message_zh, 40)
            ),
            // Its errors were only counted in a flood summary.
            None => crate::codes::row_has_errors().zh,
        };
        hold_back(tables, schemas, rel, &problems)
    };
    findings.extend(held);
}

/// What is wrong with a rejected row, in a few words, for the rows held back with it.
pub type Problems<'a> = dyn Fn(&Record) -> String + 'a;

/// Rows held back because a row they stand on was rejected, so that what goes upstream
/// holds together (cleaned.xlsx checked again gives no finding): the campaign's
/// `held_back` rules (a child row of a rejected parent) and `children_left` rules (a
/// parent whose every matching child was rejected or held back); repeated until nothing
/// changes. Marks the rows rejected and returns the findings.
pub fn hold_back(
    tables: &mut [Vec<Record>],
    schemas: &Schemas,
    files: &[String],
    problems: &Problems<'_>,
) -> Vec<Finding> {
    let refs = &schemas.campaign.references;
    // Every row rejected, for its own errors or held back itself, holds back its
    // children: what goes upstream holds together (cleaned.xlsx checked again gives no
    // X001), the whole cascade said row by row. The rows' codes and the rules' conditions
    // do not change from round to round: they are indexed once; a round reads only which
    // rows are rejected (`rej`), and the rows are marked when the cascade is over.
    let view: &[Vec<Record>] = tables;
    let mut rej: Vec<Vec<bool>> = view
        .iter()
        .map(|t| t.iter().map(|r| r.rejected).collect())
        .collect();
    let mut was_held: Vec<(usize, usize)> = Vec::new();
    // Why a row held back here was: its finding's code and title, for the rows it holds
    // back in turn.
    let mut held_why: HashMap<(usize, usize), String> = HashMap::new();
    let why_of = |held_why: &HashMap<(usize, usize), String>, t: usize, i: usize, b: &Record| {
        held_why
            .get(&(t, i))
            .cloned()
            .unwrap_or_else(|| problems(b))
    };
    // Per held_back rule: each parent code's rows, each child's code. Per children_left
    // rule: each parent code's matching children, and the parents it may hold.
    let mut by_code: HashMap<(crate::schema::TableId, usize), HashMap<&str, Vec<usize>>> =
        HashMap::new();
    let mut child_codes: Vec<Vec<(usize, &str)>> = Vec::new();
    let mut kids_of: Vec<HashMap<&str, Vec<usize>>> = Vec::new();
    let mut candidates: Vec<Vec<(usize, &str)>> = Vec::new();
    for rule in &schemas.campaign.cross {
        let (mut cc, mut ko, mut ca) = (Vec::new(), HashMap::new(), Vec::new());
        match rule.kind {
            CrossKind::HeldBack => {
                let rx = refs[rule.ix.reference].ix;
                by_code
                    .entry((rx.parent, rx.parent_field))
                    .or_insert_with(|| {
                        let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
                        for (i, b) in view[rx.parent.index()].iter().enumerate() {
                            if let Some(c) = code_of(b, rx.parent_field) {
                                m.entry(c).or_default().push(i);
                            }
                        }
                        m
                    });
                cc = view[rx.child.index()]
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| Some((i, code_of(r, rx.child_field)?)))
                    .collect();
            }
            CrossKind::ChildrenLeft => {
                let rx = refs[rule.ix.reference].ix;
                let (ps, cs) = (schemas.table(rx.parent), schemas.table(rx.child));
                for (i, h) in view[rx.child.index()].iter().enumerate() {
                    if let (true, Some(c)) =
                        (all_hold(cs, &rule.where_, h), code_of(h, rx.child_field))
                    {
                        ko.entry(c).or_insert_with(Vec::new).push(i);
                    }
                }
                ca = view[rx.parent.index()]
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| !b.bad[rule.ix.field] && all_hold(ps, &rule.when, b))
                    .filter_map(|(i, b)| Some((i, code_of(b, rx.parent_field)?)))
                    .filter(|(_, c)| ko.contains_key(c))
                    .collect();
            }
            _ => {}
        }
        child_codes.push(cc);
        kids_of.push(ko);
        candidates.push(ca);
    }
    let mut out = Vec::new();
    loop {
        let mut hold: Vec<Vec<usize>> = vec![Vec::new(); view.len()];
        let mut why_now: Vec<((usize, usize), String)> = Vec::new();
        for (k, rule) in schemas.campaign.cross.iter().enumerate() {
            match rule.kind {
                CrossKind::HeldBack => {
                    let rx = refs[rule.ix.reference].ix;
                    let (pt, ct) = (rx.parent.index(), rx.child.index());
                    // No parent rejected: nothing to hold (a clean batch pays one scan).
                    if !rej[pt].iter().any(|x| *x) {
                        continue;
                    }
                    let parents = &view[pt];
                    let codes = &by_code[&(rx.parent, rx.parent_field)];
                    let s = schemas.table(rx.child);
                    for &(i, c) in &child_codes[k] {
                        if rej[ct][i] {
                            continue;
                        }
                        // Held when its code's rows are all rejected (the first names why).
                        let Some(rows) = codes.get(c) else { continue };
                        if rows.iter().any(|&p| !rej[pt][p]) {
                            continue;
                        }
                        let p = rows[0];
                        let (b, r) = (&parents[p], &view[ct][i]);
                        let vars = [
                            ("value", V::One(r.vals[rx.child_field].display())),
                            ("place", V::One(place(files, b, None))),
                            ("why", V::One(why_of(&held_why, pt, p, b))),
                        ];
                        why_now.push(((ct, i), format!("{} {}", rule.code, rule.title)));
                        out.push(finding(files, rule, s, r, rx.child_field, &vars).held_by(
                            &files[b.file],
                            &b.sheet,
                            b.row,
                        ));
                        hold[ct].push(i);
                    }
                }
                CrossKind::ChildrenLeft => {
                    let rx = refs[rule.ix.reference].ix;
                    let (pt, ct) = (rx.parent.index(), rx.child.index());
                    let (ps, cs) = (schemas.table(rx.parent), schemas.table(rx.child));
                    let kids = &view[ct];
                    let held: HashSet<usize> = hold[ct].iter().copied().collect();
                    for &(i, c) in &candidates[k] {
                        if rej[pt][i] {
                            continue;
                        }
                        let matched = &kids_of[k][c];
                        if matched.iter().any(|&h| !rej[ct][h] && !held.contains(&h)) {
                            continue;
                        }
                        let b = &view[pt][i];
                        let why: Vec<String> = matched
                            .iter()
                            .map(|&h| {
                                let w = why_of(&held_why, ct, h, &kids[h]);
                                format!("{}（{w}）", identity(cs, &kids[h]))
                            })
                            .collect();
                        why_now.push(((pt, i), format!("{} {}", rule.code, rule.title)));
                        let vars = [
                            ("value", V::One(b.vals[rule.ix.field].display())),
                            ("why", V::Places(why)),
                        ];
                        // Below the first child row it stands on.
                        let h = &kids[matched[0]];
                        out.push(finding(files, rule, ps, b, rule.ix.field, &vars).held_by(
                            &files[h.file],
                            &h.sheet,
                            h.row,
                        ));
                        hold[pt].push(i);
                    }
                }
                _ => {}
            }
        }
        if hold.iter().all(Vec::is_empty) {
            break;
        }
        held_why.extend(why_now);
        for (t, idx) in hold.iter().enumerate() {
            for &i in idx {
                rej[t][i] = true;
                was_held.push((t, i));
            }
        }
    }
    for (t, i) in was_held {
        tables[t][i].rejected = true;
        tables[t][i].held = true;
    }
    out
}
