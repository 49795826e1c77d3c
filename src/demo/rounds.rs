//! A town's second round, as the villages send it again: which village puts its
//! spoiled cells right, re-sorts its rows, drops a main row and adds one, or sends the
//! same; and what the second round changed, as rounds.csv should say it.

use super::row::{identity, Row};
use super::scenarios::{children_rules, date_orders};
use super::spoil::Spoiled;
use super::values::Gen;

/// What a second round of the town changed, as rounds.csv should say it: per village
/// and row (village, main identity, own identity, "" for a main row).
#[derive(Debug, Default)]
pub struct RoundManifest {
    /// Spoiled cells the village put right.
    pub fixed: Vec<(String, String, String, Spoiled)>,
    /// Rows the village added in the next round.
    pub added: Vec<(String, String, String)>,
    /// Rows the village removed in the next round.
    pub removed: Vec<(String, String, String)>,
    /// Villages that only re-sorted their rows.
    pub resorted: Vec<String>,
    /// Villages that sent the same again.
    pub same: Vec<String>,
}

/// The second round of one village's rows (see `write_rounds`).
pub fn second_round(
    g: &mut Gen,
    rows: &[Vec<Row>],
    spoiled: &[Spoiled],
    vi: usize,
    village: &str,
    manifest: &mut RoundManifest,
) -> Vec<Vec<Row>> {
    let s = g.schemas;
    let mut rows = rows.to_vec();
    let main = s.campaign.main();
    if vi % 4 == 1 {
        for sp in spoiled {
            let Some(t) = s.id(&sp.table) else { continue };
            let Some(k) = s.table(t).field_index(&sp.field) else {
                continue;
            };
            rows[t.index()][sp.index][k] = sp.was.clone();
            let (m, item) = identity(s, t, &rows[t.index()][sp.index]);
            manifest
                .fixed
                .push((village.to_string(), m, item, sp.clone()));
        }
    } else if vi % 4 == 2 {
        for rs in rows.iter_mut() {
            rs.reverse();
        }
        manifest.resorted.push(village.to_string());
    } else if vi == 0 && rows[main.index()].len() > 3 {
        let gone = rows[main.index()].pop().unwrap_or_default();
        let (code, _) = identity(s, main, &gone);
        manifest
            .removed
            .push((village.to_string(), code.clone(), String::new()));
        for t in s.ids().filter(|t| *t != main) {
            let Some(rx) = s.campaign.to_main(t) else {
                continue;
            };
            let before = rows[t.index()].clone();
            rows[t.index()].retain(|k| k[rx.child_field] != code);
            for k in before.iter().filter(|k| k[rx.child_field] == code) {
                let (m, item) = identity(s, t, k);
                manifest.removed.push((village.to_string(), m, item));
            }
        }
        let p = g.main_row(village);
        let lens: Vec<usize> = rows.iter().map(Vec::len).collect();
        rows[main.index()].push(p);
        children_rules(g, &mut rows, village);
        date_orders(g, &mut rows);
        for t in s.ids() {
            for i in lens[t.index()]..rows[t.index()].len() {
                let mut row = rows[t.index()][i].clone();
                g.repair(t, &mut row, village);
                rows[t.index()][i] = row;
                let (m, item) = identity(s, t, &rows[t.index()][i]);
                manifest.added.push((village.to_string(), m, item));
            }
        }
    } else {
        manifest.same.push(village.to_string());
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::scenarios::settle;
    use crate::demo::spoil::spoil;
    use crate::schema::Schemas;

    fn village(g: &mut Gen) -> Vec<Vec<Row>> {
        let mut rows = g.village_rows("V", 12);
        settle(g, &mut rows, "V", false);
        rows
    }

    #[test]
    fn a_village_that_puts_its_cells_right_sends_its_rows_unspoiled() {
        let s = Schemas::shipped().unwrap();
        let mut g = Gen::new(&s, 3);
        let clean = village(&mut g);
        let mut rows = clean.clone();
        let mut spoiled = Vec::new();
        spoil(&mut g, &mut rows, &mut spoiled);
        assert_ne!(rows, clean);
        let mut manifest = RoundManifest::default();
        let again = second_round(&mut g, &rows, &spoiled, 1, "V", &mut manifest);
        assert_eq!(again, clean);
        assert_eq!(manifest.fixed.len(), spoiled.len());
    }

    #[test]
    fn a_village_resorts_or_sends_the_same() {
        let s = Schemas::shipped().unwrap();
        let mut g = Gen::new(&s, 4);
        let rows = village(&mut g);
        let mut manifest = RoundManifest::default();
        let again = second_round(&mut g, &rows, &[], 2, "V", &mut manifest);
        let reversed: Vec<Vec<Row>> = rows
            .iter()
            .map(|rs| rs.iter().rev().cloned().collect())
            .collect();
        assert_eq!(again, reversed);
        assert_eq!(manifest.resorted, vec!["V".to_string()]);
        let again = second_round(&mut g, &rows, &[], 3, "W", &mut manifest);
        assert_eq!(again, rows);
        assert_eq!(manifest.same, vec!["W".to_string()]);
    }

    #[test]
    fn the_first_village_drops_its_last_main_row_with_its_children_and_adds_one() {
        let s = Schemas::shipped().unwrap();
        let main = s.campaign.main();
        let mut g = Gen::new(&s, 5);
        let rows = village(&mut g);
        let mut manifest = RoundManifest::default();
        let again = second_round(&mut g, &rows, &[], 0, "V", &mut manifest);
        let gone = rows[main.index()].last().unwrap();
        let (code, _) = identity(&s, main, gone);
        assert!(!again[main.index()].contains(gone));
        assert_eq!(again[main.index()].len(), rows[main.index()].len());
        for t in s.ids().filter(|&t| t != main) {
            let rx = s.campaign.to_main(t).unwrap();
            assert!(again[t.index()].iter().all(|k| k[rx.child_field] != code));
        }
        assert!(manifest
            .removed
            .contains(&("V".into(), code, String::new())));
        let added_main = manifest.added.iter().filter(|a| a.2.is_empty()).count();
        assert_eq!(added_main, 1);
    }
}
