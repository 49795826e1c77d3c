//! Writing a demo town of any campaign: per village its rows made and settled, some
//! cells spoiled, the files written as that village writes them, with what was written
//! said in a manifest; and what is written alongside, a second round or a roster.

use std::path::Path;

use anyhow::{Context, Result};

use super::generate::village_names;
use super::rng::Rng;
use super::roster::{plan_roster, Listed, RosterManifest, RosterPlan};
use super::rounds::{second_round, RoundManifest};
use super::row::Row;
use super::scenarios::settle;
use super::spoil::{spoil, Spoiled};
use super::values::Gen;
use super::write::{write_village, Placed, Style};
use crate::schema::Schemas;

/// What was written: files, rows per table, and each spoiled cell.
#[derive(Debug, Default)]
pub struct Manifest {
    /// How many village files were written.
    pub files: usize,
    /// Rows written per table, in the campaign's order.
    pub rows: Vec<usize>,
    /// Every cell spoiled on purpose, for tests to find among the findings.
    pub spoiled: Vec<Spoiled>,
}

impl Manifest {
    /// Count a village's written rows and files, and put its cells spoiled since `from`
    /// where the village's writing (`placed`) put them.
    fn record_village(&mut self, s: &Schemas, from: usize, rows: &[Vec<Row>], placed: &[Placed]) {
        for sp in &mut self.spoiled[from..] {
            if let Some(t) = s.id(&sp.table) {
                let p = &placed[t.index()];
                sp.file = p.file.clone();
                sp.sheet = p.sheet.clone();
                sp.row = p.rows[sp.row as usize];
            }
        }
        for (t, rs) in rows.iter().enumerate() {
            self.rows[t] += rs.len();
        }
        let mut files: Vec<&str> = placed.iter().map(|p| p.file.as_str()).collect();
        files.dedup();
        self.files += files.len();
    }
}

/// What a town is written with besides itself: nothing, its second round into another
/// folder, or a roster of its houses.
enum Alongside<'a, 'm> {
    Nothing,
    NextRound(&'a Path, &'a mut RoundManifest),
    Roster(&'a mut RosterPlan<'m>),
}

/// Write a demo town of the campaign into `out`: `n` main rows over `villages` villages.
pub fn write_town(
    schemas: &Schemas,
    out: &Path,
    seed: u64,
    n: usize,
    villages: usize,
    faults: bool,
) -> Result<Manifest> {
    town(schemas, out, seed, n, villages, faults, Alongside::Nothing)
}

/// Two rounds of a town with faults: the first into `first`; the second into `second` as
/// the villages send it again — every fourth village (from the second) put its spoiled
/// cells right, the one after re-sorted its rows, the first village dropped its last
/// main row (with its child rows) and added a new one, the others sent the same. Says
/// what the second round changed.
pub fn write_rounds(
    schemas: &Schemas,
    first: &Path,
    second: &Path,
    seed: u64,
    n: usize,
    villages: usize,
) -> Result<(Manifest, RoundManifest)> {
    let mut rm = RoundManifest::default();
    let m = town(
        schemas,
        first,
        seed,
        n,
        villages,
        true,
        Alongside::NextRound(second, &mut rm),
    )?;
    Ok((m, rm))
}

/// A town into `survey` (the very town `write_town` writes) and a roster of its houses
/// into `roster_dir`, as a county keeps one: every village has a house on the roster
/// that its files leave out; every second village has a house the roster does not list;
/// the roster gives the first house of each village without its code (to be found by
/// the next level), the second without its code and ID number and with its address from
/// the village's name on (found by owner and address); every second village is named
/// without its suffix; and one more village, which sent no file, has its houses on the
/// roster only. Says what the coverage should find (with `faults`, spoiled survey cells
/// may make a house be found by a later level, or not at all).
pub fn write_roster(
    schemas: &Schemas,
    survey: &Path,
    roster_dir: &Path,
    seed: u64,
    n: usize,
    villages: usize,
    faults: bool,
) -> Result<(Manifest, RosterManifest)> {
    let rs = schemas
        .roster()
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .context("the campaign has no [coverage]")?;
    let mut manifest = RosterManifest::default();
    let mut plan = RosterPlan {
        rows: Vec::new(),
        manifest: &mut manifest,
    };
    let m = town(
        schemas,
        survey,
        seed,
        n,
        villages,
        faults,
        Alongside::Roster(&mut plan),
    )?;
    let rows = std::mem::take(&mut plan.rows);
    std::fs::create_dir_all(roster_dir)
        .with_context(|| format!("cannot create {}", roster_dir.display()))?;
    let label = rs.tables[0].table.label.clone();
    let mut rng = Rng::new(seed ^ 0x7057E7);
    let style = Style {
        two_rows: false,
        csv: false,
        ..Style::of(3)
    };
    let placed = write_village(&rs, roster_dir, &label, &[rows], style, &mut rng)?;
    manifest.file = roster_dir.join(&placed[0].file);
    Ok((m, manifest))
}

/// A town being written: its generator, where and how, what goes alongside, and what
/// was written so far.
struct Town<'s, 'a, 'm> {
    g: Gen<'s>,
    out: &'a Path,
    faults: bool,
    alongside: Alongside<'a, 'm>,
    manifest: Manifest,
    /// Each village's main rows before any fault, when a roster is to be made of them.
    listed: Vec<Listed>,
}

impl Town<'_, '_, '_> {
    /// Village `vi`: its `count` main rows and their children made and settled, some
    /// cells spoiled (but every third village's), written as the village writes, and its
    /// second round after it.
    fn village(&mut self, vi: usize, village: &str, count: usize) -> Result<()> {
        let s = self.g.schemas;
        let mut rows = self.g.village_rows(village, count);
        settle(&mut self.g, &mut rows, village, vi == 0);
        if matches!(self.alongside, Alongside::Roster(_)) {
            self.listed.push(Listed {
                index: vi,
                village: village.to_string(),
                rows: rows[s.campaign.main().index()].clone(),
            });
        }
        let from = self.manifest.spoiled.len();
        if self.faults && vi % 3 != 2 {
            spoil(&mut self.g, &mut rows, &mut self.manifest.spoiled);
        }
        let style = Style::of(vi);
        let placed = write_village(s, self.out, village, &rows, style, &mut self.g.rng)?;
        if let Alongside::NextRound(dir, changes) = &mut self.alongside {
            let spoiled = &self.manifest.spoiled[from..];
            let again = second_round(&mut self.g, &rows, spoiled, vi, village, changes);
            write_village(s, dir, village, &again, style, &mut self.g.rng)?;
        }
        self.manifest.record_village(s, from, &rows, &placed);
        Ok(())
    }
}

/// Write a town of `n` main rows over `villages` villages into `out` (spoiled if
/// `faults`), and what goes alongside it.
fn town(
    schemas: &Schemas,
    out: &Path,
    seed: u64,
    n: usize,
    villages: usize,
    faults: bool,
    alongside: Alongside,
) -> Result<Manifest> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    if let Alongside::NextRound(dir, _) = &alongside {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let names = village_names(schemas, villages);
    let villages = villages.clamp(1, names.len()).min(n.max(1));
    let mut town = Town {
        g: Gen::new(schemas, seed ^ 0x5EED),
        out,
        faults,
        alongside,
        manifest: Manifest {
            rows: vec![0; schemas.tables.len()],
            ..Default::default()
        },
        listed: Vec::new(),
    };
    for (vi, village) in names.iter().take(villages).enumerate() {
        let count = n / villages + usize::from(vi < n % villages);
        town.village(vi, village, count)?;
    }
    if let Alongside::Roster(plan) = town.alongside {
        let silent = names.get(villages).map(String::as_str);
        plan_roster(&mut town.g, &town.listed, silent, plan);
    }
    Ok(town.manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `dir`, by name, with its bytes (CSV villages) or its size.
    fn csv_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_same_seed_writes_the_same_town() {
        let s = Schemas::shipped().unwrap();
        let t = tempfile::tempdir().unwrap();
        let (one, two, other) = (t.path().join("1"), t.path().join("2"), t.path().join("3"));
        let a = write_town(&s, &one, 4, 60, 3, true).unwrap();
        let b = write_town(&s, &two, 4, 60, 3, true).unwrap();
        let c = write_town(&s, &other, 5, 60, 3, true).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_ne!(format!("{a:?}"), format!("{c:?}"));
        let csv = csv_files(&one);
        assert!(!csv.is_empty(), "the second village sends CSV files");
        assert_eq!(csv, csv_files(&two));
    }

    #[test]
    fn the_manifest_counts_the_rows_and_files_and_places_the_spoiled_cells() {
        let s = Schemas::shipped().unwrap();
        let t = tempfile::tempdir().unwrap();
        let m = write_town(&s, t.path(), 2, 50, 4, true).unwrap();
        assert_eq!(m.rows[s.campaign.main().index()], 50);
        let files = std::fs::read_dir(t.path()).unwrap().count();
        assert_eq!(m.files, files);
        assert!(!m.spoiled.is_empty());
        for sp in &m.spoiled {
            assert!(t.path().join(&sp.file).is_file(), "{}", sp.file);
            assert!(sp.row as usize > sp.index, "a sheet row under a header");
        }
        let clean = write_town(&s, &t.path().join("clean"), 2, 50, 4, false).unwrap();
        assert!(clean.spoiled.is_empty());
    }

    #[test]
    fn two_rounds_and_a_roster_are_written_beside_the_town() {
        let s = Schemas::shipped().unwrap();
        let t = tempfile::tempdir().unwrap();
        let (first, second) = (t.path().join("1"), t.path().join("2"));
        let (m, rounds) = write_rounds(&s, &first, &second, 6, 40, 5).unwrap();
        assert_eq!(
            std::fs::read_dir(&second).unwrap().count(),
            std::fs::read_dir(&first).unwrap().count()
        );
        assert!(!rounds.fixed.is_empty() && !rounds.resorted.is_empty());
        assert_eq!(m.rows[s.campaign.main().index()], 40);
        let plain = write_town(&s, &t.path().join("3"), 6, 40, 5, true).unwrap();

        let (survey, roster) = (t.path().join("4"), t.path().join("roster"));
        let (m, r) = write_roster(&s, &survey, &roster, 6, 40, 5, true).unwrap();
        assert!(r.file.is_file());
        assert_eq!(r.silent.len(), 1);
        // The survey is the very town `write_town` writes.
        assert_eq!(format!("{m:?}"), format!("{plain:?}"));
    }
}
