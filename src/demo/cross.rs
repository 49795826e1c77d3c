//! The demo town as the cross-table kinds' demo hooks see it (`rules::cross::DemoTown`):
//! one village's generator, and each kind's hook run in its settling step, in the
//! campaign's rule order. The hooks themselves live with their kinds
//! (`rules::cross::<kind>`).

use std::collections::HashSet;

use super::row::{holds, make_fail, Row};
use super::values::Gen;
use crate::rules::cross::{CrossRules, DemoStep, DemoTown};
use crate::schema::{Cond, Schemas, TableId};

/// One village of the demo town being settled.
pub struct Settling<'g, 'a> {
    /// The town's generator.
    pub gen: &'g mut Gen<'a>,
    /// The village's name.
    pub village: &'g str,
}

impl DemoTown for Settling<'_, '_> {
    fn schemas(&self) -> &Schemas {
        self.gen.schemas
    }

    fn holds(&self, table: TableId, cond: &Cond, row: &[String]) -> bool {
        holds(self.gen.schemas.table(table), cond, row)
    }

    fn make_hold(&mut self, table: TableId, row: &mut Row, cond: &Cond) {
        self.gen.make_hold(table, row, cond, self.village);
    }

    fn make_fail(&mut self, table: TableId, row: &mut Row, cond: &Cond) {
        make_fail(self.gen.schemas, table, row, cond);
    }

    fn child_row(
        &mut self,
        child: TableId,
        (table, parent, field): (TableId, &[String], usize),
    ) -> Row {
        let schemas = self.gen.schemas;
        let parent: Row = parent.to_vec();
        self.gen.row(
            child,
            self.village,
            Some((schemas.table(table), &parent, field)),
        )
    }

    fn value(&mut self, table: TableId, field: usize) -> String {
        let schemas = self.gen.schemas;
        let field = &schemas.table(table).fields[field];
        self.gen.value(table, field, self.village, None)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.gen.rng.below(n as usize) as u64
    }

    fn take_seen(&mut self, code: &str) -> HashSet<String> {
        self.gen.seen.remove(code).unwrap_or_default()
    }

    fn keep_seen(&mut self, code: &str, seen: HashSet<String>) {
        self.gen.seen.insert(code.to_string(), seen);
    }
}

/// Run every cross rule's demo hook for `step` over a village's rows.
pub fn keep(step: DemoStep, gen: &mut Gen, rows: &mut [Vec<Row>], village: &str) {
    let rules = CrossRules::of(gen.schemas);
    let mut town = Settling { gen, village };
    for rule in &rules.rules {
        rule.kind.get().demo(step, &rule.text, &mut town, rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::row::{day, kids_of};
    use crate::rules::cross::children::{Children, Expect};
    use crate::rules::cross::date_order::ordered;
    use crate::rules::cross::{Kind, Rule};

    fn campaigns() -> Vec<Schemas> {
        vec![
            Schemas::shipped().unwrap(),
            Schemas::load(None, Some("gongmao")).unwrap(),
        ]
    }

    /// Run one rule's hook over a village's rows.
    fn hook(rule: &Rule, step: DemoStep, gen: &mut Gen, rows: &mut [Vec<Row>]) {
        let mut town = Settling { gen, village: "V" };
        rule.kind.get().demo(step, &rule.text, &mut town, rows);
    }

    /// Whether a `children` rule holds of the rows: every parent its `when` picks that
    /// has child rows has them as the rule expects.
    fn children_kept(s: &Schemas, rows: &[Vec<Row>], rule: &Children) -> bool {
        let rx = s.campaign.references[rule.ix.2].ix;
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
                    Expect::None => matched == 0,
                    Expect::Some => kids.is_empty() || matched > 0,
                }
            })
    }

    #[test]
    fn children_makes_each_children_rule_hold() {
        for s in campaigns() {
            let rules = CrossRules::of(&s);
            let mut found = 0;
            for rule in &rules.rules {
                let Kind::Children(children) = &rule.kind else {
                    continue;
                };
                found += 1;
                let mut g = Gen::new(&s, 4);
                let mut rows = g.village_rows("V", 60);
                hook(rule, DemoStep::Children, &mut g, &mut rows);
                assert!(children_kept(&s, &rows, children), "{}", rule.text.code);
            }
            assert!(found > 0);
        }
    }

    #[test]
    fn date_order_puts_each_child_date_in_order_with_its_parents() {
        let s = Schemas::shipped().unwrap();
        let rules = CrossRules::of(&s);
        let mut found = 0;
        for rule in &rules.rules {
            let Kind::DateOrder(order) = &rule.kind else {
                continue;
            };
            found += 1;
            let mut g = Gen::new(&s, 9);
            let mut rows = g.village_rows("V", 60);
            hook(rule, DemoStep::Dates, &mut g, &mut rows);
            let rx = s.campaign.references[order.ix.0].ix;
            let (field, other) = (order.ix.1, order.ix.2);
            let mut checked = 0;
            for kid in &rows[rx.child.index()] {
                let parent = rows[rx.parent.index()]
                    .iter()
                    .find(|p| p[rx.parent_field] == kid[rx.child_field])
                    .unwrap();
                if let (Some(kd), Some(pd)) = (day(&kid[field]), day(&parent[other])) {
                    assert!(ordered(&order.op, kd, pd), "{kd} {} {pd}", order.op);
                    checked += 1;
                }
            }
            assert!(checked > 0);
        }
        assert!(found > 0);
    }

    /// The rows of `table` whose values of `fields` (none blank) repeat.
    fn repeats(rows: &[Vec<Row>], table: TableId, fields: &[usize]) -> usize {
        let mut seen = HashSet::new();
        rows[table.index()]
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
            for rule in &CrossRules::of(&s).rules {
                let (table, fields) = match &rule.kind {
                    Kind::Unique(unique) => (unique.ix.0, vec![unique.ix.1]),
                    Kind::SameValues(same) => (same.ix.0, same.ix.1.clone()),
                    _ => continue,
                };
                // A repeat made on purpose: the second village's first row has the
                // first village's values.
                let t = table.index();
                let first = villages[0][t][0].clone();
                for &i in &fields {
                    villages[1][t][0][i] = first[i].clone();
                }
                for rows in villages.iter_mut() {
                    hook(rule, DemoStep::Distinct, &mut g, rows);
                }
                let mut both = villages[0].clone();
                for (t, rs) in villages[1].iter().enumerate() {
                    both[t].extend(rs.iter().cloned());
                }
                assert_eq!(repeats(&both, table, &fields), 0, "{}", rule.text.code);
            }
        }
    }
}
