//! A roster of the town's houses, as a county keeps one, made while the town is written:
//! per village its surveyed houses shaped for the coverage's match levels, a house the
//! villages left out, a surveyed house left off; one more village that sent nothing; and
//! what the coverage check should find.

use super::row::{identity, Row};
use super::values::Gen;
use crate::schema::campaign::CoverageSpec;
use crate::schema::Schemas;

/// What a roster of the town says against its survey (see `write_roster`): per village
/// and main identity.
#[derive(Debug, Default)]
pub struct RosterManifest {
    /// The roster file written.
    pub file: std::path::PathBuf,
    /// Houses on the roster the survey left out.
    pub missing: Vec<(String, String)>,
    /// Survey rows the roster does not list.
    pub unlisted: Vec<(String, String)>,
    /// Roster entries and the match level (its place in `[[coverage.match]]`) that
    /// should find them.
    pub found_by: Vec<(String, String, usize)>,
    /// Villages that sent no file at all (every house of theirs on the roster missing).
    pub silent: Vec<String>,
}

/// The roster being made while the town is written.
pub struct RosterPlan<'m> {
    /// The roster's entries so far.
    pub rows: Vec<Row>,
    /// What the roster says against the survey, so far.
    pub manifest: &'m mut RosterManifest,
}

/// How many houses the village that sent nothing has on the roster.
const SILENT_HOUSES: usize = 4;

/// A village's entries on the roster (see `write_roster`): its main rows as the survey
/// has them before any fault, shaped for the match levels, and `extra` houses the survey
/// does not have.
fn roster_part(
    s: &Schemas,
    main_rows: &[Row],
    extra: &[Row],
    (vi, unlisted): (usize, Option<usize>),
    village: &str,
    plan: &mut RosterPlan,
) {
    let Some(cv) = &s.campaign.coverage else {
        return;
    };
    let main = s.campaign.main();
    let code_of = |row: &Row| identity(s, main, row).0;
    let levels = &cv.ix.levels;
    let stem = s
        .lexicon
        .village_suffixes
        .iter()
        .find_map(|x| village.strip_suffix(x.as_str()))
        .filter(|x| !x.is_empty() && vi % 2 == 0 && !main_rows.is_empty());
    let lists_all = main_rows.is_empty();
    for (i, row) in main_rows.iter().chain(extra).enumerate() {
        let code = code_of(row);
        let surveyed = i < main_rows.len();
        if surveyed && unlisted == Some(i) {
            plan.manifest.unlisted.push((village.to_string(), code));
            continue;
        }
        // The entry: the row's values of the roster's fields.
        let mut entry: Row = cv.ix.fields.iter().map(|&f| row[f].clone()).collect();
        let level = if surveyed && i < 2 {
            (i + 1).min(levels.len() - 1)
        } else {
            0
        };
        // The fields of the levels before the one it is to be found by left blank.
        for l in &levels[..level] {
            for &(ri, _, _) in l {
                if !levels[level].iter().any(|x| x.0 == ri) {
                    entry[ri].clear();
                }
            }
        }
        // An address from the village's name on (a roster leaves the township off).
        for &(ri, _, tail) in &levels[level] {
            if let Some(at) = entry[ri].find(village).filter(|&at| tail && at > 0) {
                entry[ri] = entry[ri][at..].to_string();
            }
        }
        if let Some(stem) = stem {
            entry[cv.ix.village.0] = stem.to_string();
        }
        plan.rows.push(entry);
        if surveyed {
            plan.manifest
                .found_by
                .push((village.to_string(), code, level));
        } else {
            plan.manifest.missing.push((village.to_string(), code));
        }
    }
    if lists_all {
        plan.manifest.silent.push(village.to_string());
    }
}

/// A village's main rows as the survey has them before any fault, kept for the roster.
pub struct Listed {
    /// The village's place in the town.
    pub index: usize,
    /// The village's name.
    pub village: String,
    /// Its main rows.
    pub rows: Vec<Row>,
}

/// The roster, once the survey is written (its extra houses do not change the town):
/// each village's houses and one more, then a village that sent nothing (`silent`, if
/// the town has a name left for one). The extra houses, and the surveyed ones the roster
/// leaves off, share no match level's values with any other house, so that what the
/// coverage should find is certain.
pub fn plan_roster(g: &mut Gen, listed: &[Listed], silent: Option<&str>, plan: &mut RosterPlan) {
    let s = g.schemas;
    let Some(cv) = &s.campaign.coverage else {
        return;
    };
    let all: Vec<&Row> = listed.iter().flat_map(|l| &l.rows).collect();
    let mut extras: Vec<Row> = Vec::new();
    let parts: Vec<Vec<Row>> = listed
        .iter()
        .map(|l| vec![fresh_house(g, cv, &l.village, &all, &mut extras)])
        .collect();
    let silent = silent.map(|village| {
        let extra: Vec<Row> = (0..SILENT_HOUSES)
            .map(|_| fresh_house(g, cv, village, &all, &mut extras))
            .collect();
        (village, extra)
    });
    for (l, extra) in listed.iter().zip(&parts) {
        let alone = |i: usize| {
            !all.iter()
                .copied()
                .chain(extras.iter())
                .any(|b| !std::ptr::eq(b, &l.rows[i]) && collide(cv, &l.rows[i], b))
        };
        let unlisted = (l.index % 2 == 1)
            .then(|| (3..l.rows.len()).find(|&i| alone(i)))
            .flatten();
        let extra: Vec<Row> = extra.iter().filter(|r| !r.is_empty()).cloned().collect();
        roster_part(s, &l.rows, &extra, (l.index, unlisted), &l.village, plan);
    }
    if let Some((village, extra)) = silent {
        let extra: Vec<Row> = extra.into_iter().filter(|r| !r.is_empty()).collect();
        roster_part(s, &[], &extra, (listed.len(), None), village, plan);
    }
}

/// Whether two houses share the values of some match level (both non-blank; keys
/// normalised for a loose level; a tail level's addresses meeting at their ends).
fn collide(cv: &CoverageSpec, a: &Row, b: &Row) -> bool {
    cv.ix.levels.iter().enumerate().any(|(l, level)| {
        let loose = cv.matches[l].loose;
        let key = |v: &str| {
            if loose {
                crate::text::norm_key(v)
            } else {
                v.to_string()
            }
        };
        level.iter().all(|&(_, si, tail)| {
            let (x, y) = (key(&a[si]), key(&b[si]));
            !x.is_empty()
                && !y.is_empty()
                && if tail {
                    crate::rules::cross::coverage::tails_meet(&[x], &[y])
                } else {
                    x == y
                }
        })
    })
}

/// A main row of `village` (repaired) that collides with no house of the survey (`all`)
/// nor any made before (`extras`, which it joins); an empty row if 200 tries find none.
fn fresh_house(
    g: &mut Gen,
    cv: &CoverageSpec,
    village: &str,
    all: &[&Row],
    extras: &mut Vec<Row>,
) -> Row {
    let main = g.schemas.campaign.main();
    for _ in 0..200 {
        let mut p = g.main_row(village);
        g.repair(main, &mut p, village);
        if !all
            .iter()
            .copied()
            .chain(extras.iter())
            .any(|b| collide(cv, &p, b))
        {
            extras.push(p.clone());
            return p;
        }
    }
    Row::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roster_lists_each_villages_houses_one_more_and_a_silent_village() {
        let s = Schemas::shipped().unwrap();
        let main = s.campaign.main();
        let mut g = Gen::new(&s, 8);
        let listed: Vec<Listed> = ["A", "B", "C"]
            .iter()
            .enumerate()
            .map(|(index, v)| Listed {
                index,
                village: v.to_string(),
                rows: g.village_rows(v, 10).swap_remove(main.index()),
            })
            .collect();
        let mut manifest = RosterManifest::default();
        let mut plan = RosterPlan {
            rows: Vec::new(),
            manifest: &mut manifest,
        };
        plan_roster(&mut g, &listed, Some("D"), &mut plan);
        let entries = plan.rows.len();
        assert_eq!(manifest.silent, vec!["D".to_string()]);
        let missing = |v: &str| manifest.missing.iter().filter(|m| m.0 == v).count();
        assert_eq!(
            (missing("A"), missing("B"), missing("D")),
            (1, 1, SILENT_HOUSES)
        );
        // Every second village has one surveyed house the roster leaves off.
        assert!(manifest.unlisted.iter().all(|u| u.0 == "B"));
        assert!(manifest.unlisted.len() <= 1);
        let found = manifest.found_by.len();
        assert_eq!(found + manifest.unlisted.len(), 30);
        assert_eq!(entries, found + manifest.missing.len());
        // The first two houses of a village are to be found by the later levels.
        let levels: Vec<usize> = manifest.found_by.iter().take(3).map(|f| f.2).collect();
        assert_eq!(levels[0], 1);
        assert_eq!(levels[2], 0);
    }

    #[test]
    fn a_house_collides_with_itself_and_not_with_a_blank_one() {
        let s = Schemas::shipped().unwrap();
        let cv = s.campaign.coverage.as_ref().unwrap();
        let mut g = Gen::new(&s, 8);
        let house = g.main_row("A");
        assert!(collide(cv, &house, &house));
        assert!(!collide(cv, &house, &vec![String::new(); house.len()]));
    }
}
