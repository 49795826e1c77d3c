//! Making a village's rows realise the campaign's checks and write-off reasons ("rule
//! repair"): the cross-table checks kept (each kind by its hook in `cross`), each
//! write-off reason the `[demo]` words count realised on exactly that many main rows and
//! kept from every other, and every row repaired again for its row rules.

use chrono::Days;

use super::cross;
use super::row::{day, day_text, holds, kids_of, make_fail, Row};
use super::values::Gen;
use crate::rules::cross::DemoStep;
use crate::schema::campaign::WriteoffRule;

/// Settle a village's rows so the campaign's checks hold of them: `children` rules kept,
/// each write-off reason the `[demo]` words count realised on exactly that many main rows
/// (of the town's first village) and kept from every other, `date_order` rules kept, and
/// every row repaired again for its row rules.
pub fn settle(g: &mut Gen, rows: &mut [Vec<Row>], village: &str, first_village: bool) {
    children_rules(g, rows, village);
    writeoff_scenarios(g, rows, village, first_village);
    children_rules(g, rows, village);
    distinct(g, rows, village);
    for _ in 0..2 {
        date_orders(g, rows);
        for t in g.schemas.ids() {
            for row in rows[t.index()].iter_mut() {
                g.repair(t, row, village);
            }
        }
    }
}

/// Drop, add or change child rows so the campaign's `children` checks hold.
pub fn children_rules(g: &mut Gen, rows: &mut [Vec<Row>], village: &str) {
    cross::keep(DemoStep::Children, g, rows, village);
}

/// Move child dates so the campaign's `date_order` rules hold (a child's date after its
/// parent's by up to three months).
pub fn date_orders(g: &mut Gen, rows: &mut [Vec<Row>]) {
    cross::keep(DemoStep::Dates, g, rows, "");
}

/// Keep the `unique` and `same_values` checks from firing: a value (or set of values) met
/// before, in this village or an earlier one, is made again.
fn distinct(g: &mut Gen, rows: &mut [Vec<Row>], village: &str) {
    cross::keep(DemoStep::Distinct, g, rows, village);
}

/// Each main-table write-off reason the `[demo]` words count: realised on that many main
/// rows of the first village, kept from every other row.
fn writeoff_scenarios(g: &mut Gen, rows: &mut [Vec<Row>], village: &str, first_village: bool) {
    let s = g.schemas;
    let c = &s.campaign;
    let main = c.main();
    let ms = s.table(main);
    for w in &c.writeoffs {
        let Some(&count) = c.demo.writeoffs.get(&w.reason) else {
            continue;
        };
        if w.ix.table != main {
            continue;
        }
        let n = if first_village { count } else { 0 };
        for pi in 0..rows[main.index()].len() {
            let realised = pi < n;
            let mut p = rows[main.index()][pi].clone();
            if realised {
                for cd in &w.when {
                    g.make_hold(main, &mut p, cd, village);
                }
                rows[main.index()][pi] = p.clone();
            } else if !w.when.iter().all(|cd| holds(ms, cd, &p)) {
                continue;
            }
            latest_child(g, rows, w, (&p, realised), village);
            no_children(g, rows, w, (&p, realised), village);
        }
    }
}

/// A write-off reason's condition on a main row's latest child (`latest`): for a row
/// that realises the reason, a new child meeting it, dated after the others; for a row
/// kept from it, its latest child made to miss it.
fn latest_child(
    g: &mut Gen,
    rows: &mut [Vec<Row>],
    w: &WriteoffRule,
    (p, realised): (&Row, bool),
    village: &str,
) {
    let (Some((r, by)), Some(latest)) = (w.ix.latest, &w.latest) else {
        return;
    };
    let s = g.schemas;
    let rx = s.campaign.references[r].ix;
    let ms = s.table(s.campaign.main());
    let cs = s.table(rx.child);
    let code = p[rx.parent_field].clone();
    let of = kids_of(&rows[rx.child.index()], rx.child_field, &code);
    let last = of.iter().copied().max_by(|&a, &b| {
        let kids = &rows[rx.child.index()];
        kids[a][by].cmp(&kids[b][by])
    });
    if realised {
        let mut kid = g.row(rx.child, village, Some((ms, p, rx.parent_field)));
        for cd in &latest.when {
            g.make_hold(rx.child, &mut kid, cd, village);
        }
        // The latest of the row's children.
        let after = last
            .and_then(|i| day(&rows[rx.child.index()][i][by]))
            .map(|d| d + Days::new(7 + g.rng.below(60) as u64));
        if let Some(d) = after {
            kid[by] = day_text(d);
        }
        rows[rx.child.index()].push(kid);
    } else if let Some(i) = last {
        let kid = &mut rows[rx.child.index()][i];
        if latest.when.iter().all(|cd| holds(cs, cd, kid)) {
            if let Some(cd) = latest.when.first() {
                make_fail(s, rx.child, kid, cd);
            }
        }
    }
}

/// A write-off reason's references no row may name the main row by (`none_of`): for a
/// row that realises the reason, their rows naming it dropped; for a row kept from it
/// that none names, a child row of the first added.
fn no_children(
    g: &mut Gen,
    rows: &mut [Vec<Row>],
    w: &WriteoffRule,
    (p, realised): (&Row, bool),
    village: &str,
) {
    if w.ix.none_of.is_empty() {
        return;
    }
    let s = g.schemas;
    let c = &s.campaign;
    let ms = s.table(c.main());
    let code = p[ms.field_index(&ms.table.identity[0]).unwrap_or(0)].clone();
    let refs: Vec<_> = w.ix.none_of.iter().map(|&r| c.references[r].ix).collect();
    if realised {
        for rx in &refs {
            rows[rx.child.index()].retain(|k| k[rx.child_field] != code);
        }
    } else if refs
        .iter()
        .all(|rx| kids_of(&rows[rx.child.index()], rx.child_field, &code).is_empty())
    {
        if let Some(rx) = refs.first() {
            let kid = g.row(rx.child, village, Some((ms, p, rx.parent_field)));
            rows[rx.child.index()].push(kid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    fn campaigns() -> Vec<Schemas> {
        vec![
            Schemas::shipped().unwrap(),
            Schemas::load(None, Some("gongmao")).unwrap(),
        ]
    }

    #[test]
    fn the_first_village_realises_each_counted_writeoff_reason_on_its_first_rows() {
        for s in campaigns() {
            let c = &s.campaign;
            let main = c.main();
            let ms = s.table(main);
            let mut g = Gen::new(&s, 21);
            let mut rows = g.village_rows("V", 60);
            settle(&mut g, &mut rows, "V", true);
            let mut counted = 0;
            for w in c.writeoffs.iter().filter(|w| w.ix.table == main) {
                let Some(&count) = c.demo.writeoffs.get(&w.reason) else {
                    continue;
                };
                counted += 1;
                for p in &rows[main.index()][..count] {
                    assert!(
                        w.when.iter().all(|cd| holds(ms, cd, p)),
                        "{} {p:?}",
                        w.reason
                    );
                    let code = &p[ms.field_index(&ms.table.identity[0]).unwrap()];
                    for &r in &w.ix.none_of {
                        let rx = c.references[r].ix;
                        let of = kids_of(&rows[rx.child.index()], rx.child_field, code);
                        assert!(of.is_empty(), "{} keeps no child of {code}", w.reason);
                    }
                }
            }
            assert!(counted > 0 || c.demo.writeoffs.is_empty());
        }
    }

    #[test]
    fn settled_rows_keep_date_orders_and_row_rules_repaired() {
        let s = Schemas::shipped().unwrap();
        let mut g = Gen::new(&s, 22);
        let mut rows = g.village_rows("V", 60);
        settle(&mut g, &mut rows, "V", false);
        let mut again = rows.clone();
        // Settled rows are a fixed point of the date orders and of the row repair.
        date_orders(&mut g, &mut again);
        for t in s.ids() {
            for row in again[t.index()].iter_mut() {
                g.repair(t, row, "V");
            }
        }
        assert_eq!(rows, again);
    }

    #[test]
    fn the_same_seed_settles_the_same_rows() {
        let s = Schemas::shipped().unwrap();
        let settled = |seed| {
            let mut g = Gen::new(&s, seed);
            let mut rows = g.village_rows("V", 40);
            settle(&mut g, &mut rows, "V", true);
            rows
        };
        assert_eq!(settled(5), settled(5));
        assert_ne!(settled(5), settled(6));
    }
}
