//! The demo's hook for each kind of cross-table check, one function per kind, each
//! taking that kind's rule and what it needs: how generated rows are changed so the
//! check holds of them (`children`, `date_order`, `unique`, `same_values`).

use std::collections::{HashMap, HashSet};

use chrono::Days;

use super::row::{day, day_text, holds, kids_of, make_fail, Row};
use super::values::Gen;
use crate::schema::campaign::{CrossRule, Expect};
use crate::schema::TableId;

/// `children`: drop, add or change the child rows of each parent the rule's `when`
/// picks, so that those meeting `where` are as the rule expects (none, or some).
pub fn children(g: &mut Gen, rows: &mut [Vec<Row>], rule: &CrossRule, village: &str) {
    let s = g.schemas;
    let rx = s.campaign.references[rule.ix.reference].ix;
    let (ps, cs) = (s.table(rx.parent), s.table(rx.child));
    let parents: Vec<Row> = rows[rx.parent.index()]
        .iter()
        .filter(|p| rule.when.iter().all(|cd| holds(ps, cd, p)))
        .cloned()
        .collect();
    for p in parents {
        let code = &p[rx.parent_field];
        let of = kids_of(&rows[rx.child.index()], rx.child_field, code);
        let matched = |k: &Row| rule.where_.iter().all(|cd| holds(cs, cd, k));
        match rule.expect {
            // No child at all: drop them.
            Some(Expect::None) if rule.where_.is_empty() => {
                let kids = &mut rows[rx.child.index()];
                kids.retain(|k| k[rx.child_field] != *code);
            }
            // No matching child: make each matching one miss the first condition.
            Some(Expect::None) => {
                let kids = &mut rows[rx.child.index()];
                for &i in &of {
                    if matched(&kids[i]) {
                        make_fail(s, rx.child, &mut kids[i], &rule.where_[0]);
                    }
                }
            }
            Some(Expect::Some) if !of.iter().any(|&i| matched(&rows[rx.child.index()][i])) => {
                let mut kid = match of.first() {
                    Some(&i) => rows[rx.child.index()].remove(i),
                    None => g.row(rx.child, village, Some((ps, &p, rx.parent_field))),
                };
                for cd in &rule.where_ {
                    g.make_hold(rx.child, &mut kid, cd, village);
                }
                rows[rx.child.index()].push(kid);
            }
            _ => {}
        }
    }
}

/// `date_order`: move each child date that breaks the rule to one in order with its
/// parent's date (by up to three months).
pub fn date_order(g: &mut Gen, rows: &mut [Vec<Row>], rule: &CrossRule) {
    let rx = g.schemas.campaign.references[rule.ix.reference].ix;
    let (field, other) = (rule.ix.field, rule.ix.fields[0]);
    let op = rule.op.as_deref().unwrap_or(">=");
    let parents: HashMap<String, String> = rows[rx.parent.index()]
        .iter()
        .map(|p| (p[rx.parent_field].clone(), p[other].clone()))
        .collect();
    for kid in rows[rx.child.index()].iter_mut() {
        let Some(pd) = parents.get(&kid[rx.child_field]).and_then(|d| day(d)) else {
            continue;
        };
        let Some(kd) = day(&kid[field]) else {
            continue;
        };
        if !crate::schema::campaign::ordered(op, kd, pd) {
            let k = 1 + g.rng.below(90) as u64;
            let d = if op.starts_with('<') {
                pd - Days::new(k)
            } else {
                pd + Days::new(k)
            };
            kid[field] = day_text(d);
        }
    }
}

/// `unique`: a value of the rule's field met before (in `seen`, the town so far) is
/// made again.
pub fn unique(
    g: &mut Gen,
    rows: &mut [Vec<Row>],
    rule: &CrossRule,
    seen: &mut HashSet<String>,
    village: &str,
) {
    remake_repeats(g, rows, (rule.ix.table, &[rule.ix.field]), seen, village);
}

/// `same_values`: a set of the rule's fields' values met before (in `seen`, the town so
/// far) is made again, by its last field.
pub fn same_values(
    g: &mut Gen,
    rows: &mut [Vec<Row>],
    rule: &CrossRule,
    seen: &mut HashSet<String>,
    village: &str,
) {
    remake_repeats(g, rows, (rule.ix.table, &rule.ix.fields), seen, village);
}

/// Each row of `table` whose values of `fields` (none blank) were met before: its last
/// field made again (up to eight times) until they are new; every set kept in `seen`.
fn remake_repeats(
    g: &mut Gen,
    rows: &mut [Vec<Row>],
    (table, fields): (TableId, &[usize]),
    seen: &mut HashSet<String>,
    village: &str,
) {
    let Some(&last) = fields.last() else { return };
    let s = g.schemas;
    let f = &s.table(table).fields[last];
    for row in rows[table.index()].iter_mut() {
        for _ in 0..8 {
            let key: Vec<&str> = fields.iter().map(|&i| row[i].as_str()).collect();
            if key.iter().any(|k| k.is_empty()) {
                break;
            }
            let key = key.join("\u{1f}");
            if seen.insert(key) {
                break;
            }
            row[last] = g.value(table, f, village, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::campaign::CrossKind;
    use crate::schema::Schemas;

    fn campaigns() -> Vec<Schemas> {
        vec![
            Schemas::shipped().unwrap(),
            Schemas::load(None, Some("gongmao")).unwrap(),
        ]
    }

    fn rules(s: &Schemas, kind: CrossKind) -> Vec<&CrossRule> {
        let v: Vec<&CrossRule> = s.campaign.cross.iter().filter(|r| r.kind == kind).collect();
        v
    }

    /// Whether a `children` rule holds of the rows: every parent its `when` picks that
    /// has child rows has them as the rule expects.
    fn children_kept(s: &Schemas, rows: &[Vec<Row>], rule: &CrossRule) -> bool {
        let rx = s.campaign.references[rule.ix.reference].ix;
        let (ps, cs) = (s.table(rx.parent), s.table(rx.child));
        rows[rx.parent.index()]
            .iter()
            .filter(|p| rule.when.iter().all(|cd| holds(ps, cd, p)))
            .all(|p| {
                let kids = kids_of(&rows[rx.child.index()], rx.child_field, &p[rx.parent_field]);
                let matched = kids
                    .iter()
                    .filter(|&&i| {
                        let kid = &rows[rx.child.index()][i];
                        rule.where_.iter().all(|cd| holds(cs, cd, kid))
                    })
                    .count();
                match rule.expect {
                    Some(Expect::None) => matched == 0,
                    Some(Expect::Some) => kids.is_empty() || matched > 0,
                    None => true,
                }
            })
    }

    #[test]
    fn children_makes_each_children_rule_hold() {
        for s in campaigns() {
            let found = rules(&s, CrossKind::Children);
            assert!(!found.is_empty());
            for rule in found {
                let mut g = Gen::new(&s, 4);
                let mut rows = g.village_rows("V", 60);
                children(&mut g, &mut rows, rule, "V");
                assert!(children_kept(&s, &rows, rule), "{}", rule.code);
            }
        }
    }

    #[test]
    fn date_order_puts_each_child_date_in_order_with_its_parents() {
        let s = Schemas::shipped().unwrap();
        let found = rules(&s, CrossKind::DateOrder);
        assert!(!found.is_empty());
        for rule in found {
            let mut g = Gen::new(&s, 9);
            let mut rows = g.village_rows("V", 60);
            date_order(&mut g, &mut rows, rule);
            let rx = s.campaign.references[rule.ix.reference].ix;
            let op = rule.op.as_deref().unwrap_or(">=");
            let (field, other) = (rule.ix.field, rule.ix.fields[0]);
            let mut checked = 0;
            for kid in &rows[rx.child.index()] {
                let parent = rows[rx.parent.index()]
                    .iter()
                    .find(|p| p[rx.parent_field] == kid[rx.child_field])
                    .unwrap();
                if let (Some(kd), Some(pd)) = (day(&kid[field]), day(&parent[other])) {
                    assert!(
                        crate::schema::campaign::ordered(op, kd, pd),
                        "{kd} {op} {pd}"
                    );
                    checked += 1;
                }
            }
            assert!(checked > 0);
        }
    }

    /// The rows of the rule's table whose values of `fields` (none blank) repeat.
    fn repeats(rows: &[Vec<Row>], rule: &CrossRule, fields: &[usize]) -> usize {
        let mut seen = HashSet::new();
        rows[rule.ix.table.index()]
            .iter()
            .map(|r| fields.iter().map(|&i| r[i].clone()).collect::<Vec<_>>())
            .filter(|key| key.iter().all(|k| !k.is_empty()))
            .filter(|key| !seen.insert(key.clone()))
            .count()
    }

    #[test]
    fn unique_and_same_values_leave_no_repeats_over_two_villages() {
        for s in campaigns() {
            let mut g = Gen::new(&s, 6);
            let mut villages = [g.village_rows("V", 80), g.village_rows("W", 80)];
            for (ri, rule) in s.campaign.cross.iter().enumerate() {
                let fields = match rule.kind {
                    CrossKind::Unique => vec![rule.ix.field],
                    CrossKind::SameValues => rule.ix.fields.clone(),
                    _ => continue,
                };
                // A repeat made on purpose: the second village's first row has the
                // first village's values.
                let t = rule.ix.table.index();
                let first = villages[0][t][0].clone();
                for &i in &fields {
                    villages[1][t][0][i] = first[i].clone();
                }
                let mut seen = HashSet::new();
                for rows in villages.iter_mut() {
                    if rule.kind == CrossKind::Unique {
                        unique(&mut g, rows, rule, &mut seen, "V");
                    } else {
                        same_values(&mut g, rows, rule, &mut seen, "V");
                    }
                }
                let mut both = villages[0].clone();
                for (t, rs) in villages[1].iter().enumerate() {
                    both[t].extend(rs.iter().cloned());
                }
                assert_eq!(repeats(&both, rule, &fields), 0, "rule {ri} {}", rule.code);
            }
        }
    }
}
