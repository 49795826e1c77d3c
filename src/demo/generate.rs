//! Making rows of every table from the schemas alone: a row of any table (values from
//! `values`, a child naming its parent), then repaired until its table's row rules hold;
//! a village's main rows with their child rows; a condition made to hold of a row; the
//! town's village names.

use super::row::{holds, Row};
use super::values::Gen;
use crate::schema::{Cond, Schemas, TableId, TableSchema};

impl Gen<'_> {
    /// A row of table `t`, every field filled (optional ones mostly), repaired until its
    /// row rules hold.
    pub fn row(
        &mut self,
        t: TableId,
        village: &str,
        parent: Option<(&TableSchema, &Row, usize)>,
    ) -> Row {
        let ts = self.schemas.table(t);
        let mut row: Row = Vec::with_capacity(ts.fields.len());
        for (i, f) in ts.fields.iter().enumerate() {
            let v = if let Some((_, prow, pf)) = parent.filter(|_| self.refers(t, i)) {
                prow[pf].clone()
            } else if let Some(code) =
                parent.and_then(|(_, prow, pf)| self.child_code(t, f, prow, pf))
            {
                code
            } else if !f.required && self.rng.chance(0.25) {
                String::new()
            } else {
                self.value(t, f, village, parent.map(|(s, r, _)| (s, r)))
            };
            row.push(v);
        }
        self.repair(t, &mut row, village);
        row
    }

    /// A main row of `village`, its village field naming it.
    pub fn main_row(&mut self, village: &str) -> Row {
        let s = self.schemas;
        let main = s.campaign.main();
        let mut p = self.row(main, village, None);
        if let Some(vf) = s.table(main).field_index(&s.campaign.campaign.village) {
            p[vf] = village.to_string();
        }
        p
    }

    /// A village's rows, per table: `count` main rows, each with its child rows through
    /// the campaign's references (as many per parent as the `[demo]` words allow, else
    /// none to two).
    pub fn village_rows(&mut self, village: &str, count: usize) -> Vec<Vec<Row>> {
        let s = self.schemas;
        let c = &s.campaign;
        let main = c.main();
        let ms = s.table(main);
        let mut rows: Vec<Vec<Row>> = vec![Vec::new(); s.tables.len()];
        for _ in 0..count {
            let p = self.main_row(village);
            for t in s.ids().filter(|t| *t != main) {
                let Some(rx) = c.to_main(t) else { continue };
                let (lo, hi) = c
                    .demo
                    .per_parent
                    .get(&s.table(t).table.key)
                    .copied()
                    .unwrap_or((0, 2));
                let k = lo + self.rng.below(hi.saturating_sub(lo) + 1);
                for _ in 0..k {
                    let child = self.row(t, village, Some((ms, &p, rx.parent_field)));
                    rows[t.index()].push(child);
                }
            }
            rows[main.index()].push(p);
        }
        rows
    }

    /// Change the row until its table's row rules hold of it (a few passes, as one
    /// change may break another rule).
    pub fn repair(&mut self, t: TableId, row: &mut Row, village: &str) {
        let ts = self.schemas.table(t);
        for _ in 0..4 {
            let mut changed = false;
            for rule in &ts.rules {
                if !rule.when.iter().all(|c| holds(ts, c, row)) {
                    continue;
                }
                let Some(i) = ts.field_index(&rule.then.field) else {
                    continue;
                };
                let th = &rule.then;
                let v = row[i].clone();
                let f = &ts.fields[i];
                let new = if th.required && v.is_empty() {
                    Some(self.value(t, f, village, None))
                } else if th.empty && !v.is_empty() {
                    Some(String::new())
                } else if !th.is_in.is_empty() && !v.is_empty() && !th.is_in.contains(&v) {
                    Some(th.is_in[0].clone())
                } else if !th.not_in.is_empty() && th.not_in.contains(&v) {
                    f.values.iter().find(|x| !th.not_in.contains(x)).cloned()
                } else if !th.any_of.is_empty()
                    && !th.any_of.iter().any(|a| v.split('、').any(|x| x == a))
                {
                    Some(th.any_of[0].clone())
                } else if let (Some(op), Some(o)) = (&th.op, &th.other) {
                    let Some(j) = ts.field_index(o) else { continue };
                    let other = if th.other_part.as_deref() == Some("year") {
                        row[j].get(..4).unwrap_or("").to_string()
                    } else {
                        row[j].clone()
                    };
                    let bad = !v.is_empty()
                        && !other.is_empty()
                        && match op.as_str() {
                            "<=" | "<" => v > other,
                            ">=" | ">" => v < other,
                            _ => v != other,
                        };
                    bad.then_some(other)
                } else {
                    None
                };
                if let Some(n) = new {
                    row[i] = n;
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// Make a condition hold of a row: a value it allows.
    pub fn make_hold(&mut self, t: TableId, row: &mut Row, c: &Cond, village: &str) {
        let ts = self.schemas.table(t);
        let Some(i) = ts.field_index(&c.field) else {
            return;
        };
        let f = &ts.fields[i];
        if let Some(v) = c.is_in.first() {
            if !c.is_in.contains(&row[i]) {
                row[i] = v.clone();
            }
        } else if !c.not_in.is_empty() && (c.not_in.contains(&row[i]) || row[i].is_empty()) {
            if let Some(v) = f.values.iter().find(|v| !c.not_in.contains(v)) {
                row[i] = v.clone();
            }
        }
        match c.present {
            Some(true) if row[i].is_empty() => row[i] = self.value(t, f, village, None),
            Some(false) => row[i].clear(),
            _ => {}
        }
    }
}

/// `n` village names: the `[demo]` words, then the same numbered before their suffix
/// (那洪2村, 北湖2社区), so that a file's name still tells its village.
pub fn village_names(s: &Schemas, n: usize) -> Vec<String> {
    let words = &s.campaign.demo.villages;
    if words.is_empty() {
        return (1..=n.max(1))
            .map(|i| format!("{}{i}", s.lexicon.unknown_village))
            .collect();
    }
    (0..n.max(words.len()))
        .map(|i| {
            let w = &words[i % words.len()];
            let k = i / words.len();
            if k == 0 {
                return w.clone();
            }
            let suffix = s
                .lexicon
                .village_suffixes
                .iter()
                .find(|x| w.ends_with(x.as_str()))
                .map(String::as_str)
                .unwrap_or("");
            format!("{}{}{suffix}", &w[..w.len() - suffix.len()], k + 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::cross::children::Expect;
    use crate::rules::cross::{CrossRules, Kind};

    fn campaigns() -> Vec<Schemas> {
        vec![
            Schemas::shipped().unwrap(),
            Schemas::load(None, Some("gongmao")).unwrap(),
        ]
    }

    /// Whether a row rule's `then` holds of a row (the parts a repair sets directly).
    fn then_holds(ts: &TableSchema, rule: &crate::schema::RowRule, row: &Row) -> bool {
        let th = &rule.then;
        let Some(i) = ts.field_index(&th.field) else {
            return true;
        };
        let v = &row[i];
        (!th.required || !v.is_empty())
            && (!th.empty || v.is_empty())
            && (th.is_in.is_empty() || v.is_empty() || th.is_in.contains(v))
            && (th.not_in.is_empty() || !th.not_in.contains(v))
    }

    #[test]
    fn generated_rows_keep_their_tables_row_rules() {
        for s in campaigns() {
            let mut g = Gen::new(&s, 11);
            for t in s.ids() {
                let ts = s.table(t);
                for _ in 0..200 {
                    let row = g.row(t, "V", None);
                    assert_eq!(row.len(), ts.fields.len());
                    for rule in &ts.rules {
                        if rule.when.iter().all(|c| holds(ts, c, &row)) {
                            assert!(then_holds(ts, rule, &row), "{} {row:?}", rule.text.code);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn make_hold_makes_each_condition_of_the_campaign_hold() {
        for s in campaigns() {
            let mut g = Gen::new(&s, 5);
            for rule in CrossRules::of(&s).rules {
                let Kind::Children(children) = rule.kind else {
                    continue;
                };
                if children.expect != Expect::Some {
                    continue;
                }
                let rx = s.campaign.references[children.ix.2].ix;
                let cs = s.table(rx.child);
                for c in &children.where_ {
                    let mut row = g.row(rx.child, "V", None);
                    g.make_hold(rx.child, &mut row, c, "V");
                    assert!(holds(cs, c, &row), "{} {c:?} {row:?}", rule.text.code);
                }
            }
        }
    }

    #[test]
    fn a_villages_rows_name_it_and_their_children_name_their_main_rows() {
        for s in campaigns() {
            let mut g = Gen::new(&s, 2);
            let main = s.campaign.main();
            let ms = s.table(main);
            let rows = g.village_rows("V", 30);
            assert_eq!(rows[main.index()].len(), 30);
            if let Some(vf) = ms.field_index(&s.campaign.campaign.village) {
                assert!(rows[main.index()].iter().all(|r| r[vf] == "V"));
            }
            for t in s.ids().filter(|&t| t != main) {
                let Some(rx) = s.campaign.to_main(t) else {
                    continue;
                };
                for kid in &rows[t.index()] {
                    let code = &kid[rx.child_field];
                    let parents = &rows[main.index()];
                    assert!(
                        parents.iter().any(|p| &p[rx.parent_field] == code),
                        "{code}"
                    );
                }
            }
        }
    }

    #[test]
    fn village_names_are_the_words_then_numbered_and_all_distinct() {
        let s = Schemas::shipped().unwrap();
        let words = &s.campaign.demo.villages;
        let names = village_names(&s, words.len() * 2 + 1);
        assert_eq!(&names[..words.len()], &words[..]);
        assert_eq!(names.len(), words.len() * 2 + 1);
        assert_eq!(
            village_names(&s, 1).len(),
            words.len(),
            "never fewer than the words"
        );
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
    }
}
