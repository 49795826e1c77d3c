//! Coverage (户不漏房), after the cross-table checks: every entry of a roster (`--roster`)
//! looks for its survey row by the campaign's `[coverage]` match levels in order — the
//! first level whose fields the entry has and an unmatched survey row shares (a building
//! code, then an owner's ID number, then the owner's name and address compared loosely)
//! — each survey row found once. What is left says who was missed: roster entries with
//! no survey row (`not_surveyed`), survey rows no entry lists (`not_on_roster`), entries
//! listed twice (`listed_twice`); each is a finding where the clerk or the village can
//! act on it, and every entry and unlisted row is a line of the coverage with its
//! village. A roster of some villages says nothing of the others' rows; a roster nothing
//! was read from gives no coverage (its own findings say why). The rules' words are the
//! campaign's `[[cross]]` entries of those kinds.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use crate::finding::{ChangeLog, Finding, RuleText};
use crate::keyrow::KeyRow;
use crate::model::{CoverCounts, CoverLine, Coverage, FileOut, Tables};
use crate::schema::campaign::{CoverageIx, CoverageSpec};
use crate::schema::{Schemas, TableSchema};
use crate::text::norm_key;

use super::message::{finding, Fill};
use super::{CrossRules, Kind};

/// What the coverage stage is given: the roster's rows, the file name findings on them
/// carry, the schemas they were read with, and the survey.
pub struct RosterRows<'a> {
    /// The roster's rows.
    pub rows: &'a [KeyRow],
    /// The roster file as findings name it.
    pub file: &'a str,
    /// The schemas the roster was read with.
    pub schemas: &'a Schemas,
}

/// The shortest address tail that may stand for a whole address.
const MIN_TAIL: usize = 4;

/// A row's usable value of a field, as the level compares it.
fn value(r: &KeyRow, i: usize, loose: bool) -> Option<String> {
    r.code(i)
        .map(|v| if loose { norm_key(v) } else { v.to_string() })
}

/// A row's key at a match level: the exact fields joined, and the tail fields' values;
/// None when it lacks one of them. `side` picks the roster (0) or survey (1) field.
fn key_of(
    r: &KeyRow,
    level: &[(usize, usize, bool)],
    loose: bool,
    roster_side: bool,
) -> Option<(String, Vec<String>)> {
    let mut key = String::new();
    let mut tails = Vec::new();
    for &(ri, si, tail) in level {
        let v = value(r, if roster_side { ri } else { si }, loose)?;
        if tail {
            tails.push(v);
        } else {
            key.push_str(&v);
            key.push('\u{1f}');
        }
    }
    Some((key, tails))
}

/// Whether two addresses are the same place: equal, or one the other's tail (long
/// enough to name the place).
pub(crate) fn tails_meet(a: &[String], b: &[String]) -> bool {
    a.iter().zip(b).all(|(x, y)| {
        let (short, long) = if x.chars().count() <= y.chars().count() {
            (x, y)
        } else {
            (y, x)
        };
        short == long || (short.chars().count() >= MIN_TAIL && long.ends_with(short.as_str()))
    })
}

/// A village's name without its suffix (那洪村 → 那洪), as a key.
fn village_stem(v: &str, suffixes: &[String]) -> String {
    let k = norm_key(v);
    suffixes
        .iter()
        .find_map(|s| k.strip_suffix(s.as_str()).filter(|x| !x.is_empty()))
        .map(str::to_string)
        .unwrap_or(k)
}

/// How the roster's entries met the survey's rows, level by level.
struct Matching {
    /// Per entry: the entry it repeats (the same key at the first level it has).
    twice: Vec<Option<usize>>,
    /// Per entry: its survey row and the level that found it.
    found: Vec<Option<(usize, usize)>>,
    /// Per survey row: whether an entry found it.
    taken: Vec<bool>,
    /// Every roster key per level, to tell an unlisted survey row from a second house
    /// of a listed household.
    roster_keys: Vec<HashMap<String, Vec<Vec<String>>>>,
}

/// What the coverage reads: the `[coverage]` section, the roster's entries and the
/// survey's rows with their schemas, and each survey row's village.
struct Sides<'a> {
    spec: &'a CoverageSpec,
    ix: &'a CoverageIx,
    entries: &'a [KeyRow],
    roster_schema: &'a TableSchema,
    survey: &'a [KeyRow],
    survey_schema: &'a TableSchema,
    village_of_file: &'a [String],
    suffixes: &'a [String],
    lexicon: &'a crate::schema::Lexicon,
}

impl Sides<'_> {
    /// A survey row's village: its own field, else its file's.
    fn survey_village(&self, row: &KeyRow) -> String {
        match row.code(self.ix.village.1) {
            Some(v) => v.to_string(),
            None => self
                .village_of_file
                .get(row.file())
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// What an entry (or a survey row) is, in a few words: its fields' labels and values.
    fn describe(&self, row: &KeyRow, roster_side: bool) -> String {
        let mut parts = Vec::new();
        for (ri, &si) in self.ix.fields.iter().enumerate() {
            if ri == self.ix.village.0 {
                continue;
            }
            let i = if roster_side { ri } else { si };
            if let Some(v) = row.code(i) {
                parts.push(format!("{} {v}", self.roster_schema.fields[ri].label));
            }
        }
        parts.join("，")
    }

    /// A line's values: the entry's, else its survey row's, field by field.
    fn values(&self, entry: Option<&KeyRow>, row: Option<&KeyRow>) -> Vec<String> {
        self.ix
            .fields
            .iter()
            .enumerate()
            .filter(|(ri, _)| *ri != self.ix.village.0)
            .map(|(ri, &si)| {
                entry
                    .and_then(|r| r.code(ri))
                    .or_else(|| row.and_then(|r| r.code(si)))
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    }

    /// The survey's villages by their stem (for a roster naming 那洪 for 那洪村).
    fn known_villages(&self) -> HashMap<String, String> {
        let mut names: BTreeSet<&str> = BTreeSet::new();
        for row in self.survey {
            names.insert(match row.code(self.ix.village.1) {
                Some(v) => v,
                None => self
                    .village_of_file
                    .get(row.file())
                    .map(String::as_str)
                    .unwrap_or(""),
            });
        }
        names
            .into_iter()
            .rev()
            .map(|v| (village_stem(v, self.suffixes), v.to_string()))
            .collect()
    }

    /// Level by level: the entries' keys (on every core), then those listed twice (the
    /// same key at the first level they have), then each entry not yet placed finds its
    /// row among the survey rows not yet found (among several, the one agreeing on most
    /// of the other fields).
    fn match_entries(&self) -> Matching {
        let entries = self.entries;
        let mut matching = Matching {
            twice: vec![None; entries.len()],
            found: vec![None; entries.len()],
            taken: vec![false; self.survey.len()],
            roster_keys: Vec::new(),
        };
        let mut keyed = vec![false; entries.len()];
        for (l, level) in self.ix.levels.iter().enumerate() {
            let loose = self.spec.matches[l].loose;
            let keys: Vec<Option<(String, Vec<String>)>> = entries
                .par_iter()
                .map(|r| key_of(r, level, loose, true))
                .collect();
            mark_listed_twice(&keys, &mut keyed, &mut matching.twice);
            self.find_rows(l, &keys, &mut matching);
            let mut all: HashMap<String, Vec<Vec<String>>> = HashMap::new();
            for (k, tails) in keys.into_iter().flatten() {
                all.entry(k).or_default().push(tails);
            }
            matching.roster_keys.push(all);
        }
        matching
    }

    /// At level `l`: each entry not yet placed finds its survey row among those not yet
    /// found (among several, the one agreeing on most of the other fields).
    fn find_rows(&self, l: usize, keys: &[Option<(String, Vec<String>)>], matching: &mut Matching) {
        let (level, loose) = (&self.ix.levels[l], self.spec.matches[l].loose);
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let survey_keys: Vec<(usize, String)> = self
            .survey
            .par_iter()
            .enumerate()
            .filter(|(i, _)| !matching.taken[*i])
            .filter_map(|(i, r)| Some((i, key_of(r, level, loose, false)?.0)))
            .collect();
        for (i, k) in survey_keys {
            by_key.entry(k).or_default().push(i);
        }
        for (e, k) in keys.iter().enumerate() {
            let Some((k, tails)) = k else { continue };
            if matching.found[e].is_some() || matching.twice[e].is_some() {
                continue;
            }
            let Some(candidates) = by_key.get(k) else {
                continue;
            };
            let taken = &matching.taken;
            let fits = |&i: &usize| {
                !taken[i]
                    && (tails.is_empty()
                        || key_of(&self.survey[i], level, loose, false)
                            .is_some_and(|(_, st)| tails_meet(tails, &st)))
            };
            let best =
                match candidates.as_slice() {
                    [one] => Some(*one).filter(fits),
                    many => many.iter().copied().filter(fits).max_by_key(|&i| {
                        (self.agreeing(&self.entries[e], i), std::cmp::Reverse(i))
                    }),
                };
            if let Some(i) = best {
                matching.taken[i] = true;
                matching.found[e] = Some((i, l));
            }
        }
    }

    /// How many fields an entry and survey row `i` agree on.
    fn agreeing(&self, entry: &KeyRow, i: usize) -> usize {
        self.ix
            .fields
            .iter()
            .enumerate()
            .filter(|&(ri, &si)| {
                matches!(
                    (value(entry, ri, true), value(&self.survey[i], si, true)),
                    (Some(a), Some(b)) if a == b
                )
            })
            .count()
    }

    /// Whether some roster entry names this survey row at some level (a second house of
    /// a listed household is not unlisted).
    fn listed_somehow(&self, row: &KeyRow, matching: &Matching) -> bool {
        self.ix.levels.iter().enumerate().any(|(l, level)| {
            key_of(row, level, self.spec.matches[l].loose, false).is_some_and(|(k, st)| {
                matching.roster_keys[l]
                    .get(&k)
                    .is_some_and(|all| all.iter().any(|tails| tails_meet(tails, &st)))
            })
        })
    }
}

/// At one level, entries whose key an earlier entry had at the first level both have are
/// listed twice.
fn mark_listed_twice(
    keys: &[Option<(String, Vec<String>)>],
    keyed: &mut [bool],
    twice: &mut [Option<usize>],
) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (e, k) in keys.iter().enumerate() {
        let Some((k, tails)) = k.as_ref().filter(|_| !keyed[e]) else {
            continue;
        };
        keyed[e] = true;
        let mut full = k.clone();
        for t in tails {
            full.push_str(t);
            full.push('\u{1f}');
        }
        match seen.get(&full) {
            Some(&first) => twice[e] = Some(first),
            None => {
                seen.insert(full, e);
            }
        }
    }
}

/// The words of the three rules against a roster, where the campaign has them.
struct RosterRules<'a> {
    not_surveyed: Option<&'a RuleText>,
    not_on_roster: Option<&'a RuleText>,
    listed_twice: Option<&'a RuleText>,
}

impl<'a> RosterRules<'a> {
    fn of(rules: &'a CrossRules) -> Self {
        let find = |wanted: fn(&Kind) -> bool| {
            rules
                .rules
                .iter()
                .find(|rule| wanted(&rule.kind))
                .map(|rule| &rule.text)
        };
        RosterRules {
            not_surveyed: find(|k| matches!(k, Kind::NotSurveyed(_))),
            not_on_roster: find(|k| matches!(k, Kind::NotOnRoster(_))),
            listed_twice: find(|k| matches!(k, Kind::ListedTwice(_))),
        }
    }
}

/// The coverage stage, when the run has a roster and it was read: its rows against the
/// survey (`schemas` are those it was read with). The findings on survey rows join
/// `findings`; the roster's own (its reading's
/// and its entries') are returned, to be listed after the survey's; its audit trail joins
/// `changes`.
pub fn against_roster(
    roster: Option<(&mut FileOut, &str, &Schemas)>,
    rules: &CrossRules,
    tables: &Tables,
    survey_schemas: &Schemas,
    village_of_file: &[String],
    findings: &mut Vec<Finding>,
    changes: &mut Vec<ChangeLog>,
) -> (Option<Coverage>, Vec<Finding>) {
    let Some((out, file, schemas)) = roster else {
        return (None, Vec::new());
    };
    let mut own = std::mem::take(&mut out.findings);
    // What cleaning changed in the roster is in the audit trail too.
    changes.push(std::mem::take(&mut out.changes));
    let rows = RosterRows {
        rows: out.rows.first().map(Vec::as_slice).unwrap_or(&[]),
        file,
        schemas,
    };
    match check(&rows, rules, tables, survey_schemas, village_of_file) {
        Some((coverage, found)) => {
            let (on_roster, on_survey): (Vec<Finding>, Vec<Finding>) =
                found.into_iter().partition(|f| f.file == file);
            findings.extend(on_survey);
            own.extend(on_roster);
            (Some(coverage), own)
        }
        None => (None, own),
    }
}

/// Check the roster against the survey: the coverage, and its findings (the roster's,
/// in its row order, then the survey rows', in theirs).
pub fn check(
    roster: &RosterRows,
    rules: &CrossRules,
    tables: &Tables,
    schemas: &Schemas,
    village_of_file: &[String],
) -> Option<(Coverage, Vec<Finding>)> {
    let spec: &CoverageSpec = schemas.campaign.coverage.as_ref()?;
    if roster.rows.is_empty() {
        // Nothing read from it: its own findings say why.
        return None;
    }
    let sides = Sides {
        spec,
        ix: &spec.ix,
        entries: roster.rows,
        roster_schema: roster.schemas.tables.first()?,
        survey: tables.rows(spec.ix.table),
        survey_schema: schemas.table(spec.ix.table),
        village_of_file,
        suffixes: &schemas.lexicon.village_suffixes,
        lexicon: &schemas.lexicon,
    };
    let matching = sides.match_entries();
    let words = RosterRules::of(rules);
    let mut findings = Vec::new();
    let (mut lines, by_level) = entry_lines(
        &sides,
        &matching,
        &words,
        roster.file,
        tables,
        &mut findings,
    );
    lines.extend(unlisted_lines(
        &sides,
        &matching,
        &words,
        &lines,
        tables.files,
        &mut findings,
    ));
    // Village by village; in a village the roster's order, its unlisted rows after.
    lines.sort_by(|a, b| {
        a.village
            .cmp(&b.village)
            .then_with(|| a.roster.is_none().cmp(&b.roster.is_none()))
    });
    Some((coverage(spec, roster.file, lines, by_level), findings))
}

/// Each roster entry's line (listed twice, covered, or missing) and its finding; how
/// many entries each level found.
fn entry_lines(
    sides: &Sides,
    matching: &Matching,
    words: &RosterRules,
    roster_file: &str,
    tables: &Tables,
    findings: &mut Vec<Finding>,
) -> (Vec<CoverLine>, Vec<usize>) {
    let roster_files = [roster_file.to_string()];
    let known = sides.known_villages();
    let lex = &sides.lexicon;
    let place_of = |r: &KeyRow| (tables.files[r.file()].clone(), r.sheet().to_string(), r.row);
    let mut lines = Vec::with_capacity(sides.entries.len());
    let mut by_level = vec![0usize; sides.ix.levels.len()];
    for (e, entry) in sides.entries.iter().enumerate() {
        let lead = lead_field(entry, sides.ix);
        let (village, status, by, survey_row) = if let Some(first) = matching.twice[e] {
            if let Some(rule) = words.listed_twice {
                let vars = [
                    ("value", Fill::One(sides.describe(entry, true))),
                    (
                        "place",
                        Fill::One(sides.entries[first].place(&roster_files, None)),
                    ),
                ];
                findings.push(finding(
                    &roster_files,
                    rule,
                    sides.roster_schema,
                    entry,
                    lead,
                    &vars,
                ));
            }
            // Counted in the village of the entry it repeats.
            let village = matching.found[first]
                .map(|(i, _)| sides.survey_village(&sides.survey[i]))
                .unwrap_or_default();
            (village, "twice", String::new(), None)
        } else if let Some((i, l)) = matching.found[e] {
            by_level[l] += 1;
            let row = &sides.survey[i];
            let by = sides.spec.matches[l].label.clone();
            (sides.survey_village(row), "covered", by, Some(row))
        } else {
            if let Some(rule) = words.not_surveyed {
                let vars = [("value", Fill::One(sides.describe(entry, true)))];
                findings.push(finding(
                    &roster_files,
                    rule,
                    sides.roster_schema,
                    entry,
                    lead,
                    &vars,
                ));
            }
            (String::new(), "missing", String::new(), None)
        };
        let village = if !village.is_empty() {
            village
        } else {
            match entry.code(sides.ix.village.0) {
                Some(v) => known
                    .get(&village_stem(v, &lex.village_suffixes))
                    .cloned()
                    .unwrap_or_else(|| v.to_string()),
                None => lex.unknown_village.clone(),
            }
        };
        lines.push(CoverLine {
            village,
            status,
            by,
            vals: sides.values(Some(entry), survey_row),
            roster: Some((entry.sheet().to_string(), entry.row)),
            survey: survey_row.map(place_of),
        });
    }
    (lines, by_level)
}

/// The survey rows of the roster's villages that no entry found or names, each a line
/// and a finding (a roster of some villages only says nothing of the others' houses).
fn unlisted_lines(
    sides: &Sides,
    matching: &Matching,
    words: &RosterRules,
    entry_lines: &[CoverLine],
    files: &[String],
    findings: &mut Vec<Finding>,
) -> Vec<CoverLine> {
    let roster_villages: HashSet<String> = entry_lines
        .iter()
        .map(|l| village_stem(&l.village, sides.suffixes))
        .collect();
    let schema = sides.survey_schema;
    let id = schema.identity_field();
    let mut lines = Vec::new();
    for (i, row) in sides.survey.iter().enumerate() {
        let village = sides.survey_village(row);
        if matching.taken[i]
            || sides.listed_somehow(row, matching)
            || !roster_villages.contains(&village_stem(&village, sides.suffixes))
        {
            continue;
        }
        if let (Some(rule), Some(field)) = (words.not_on_roster, id) {
            let vars = [("value", Fill::One(sides.describe(row, false)))];
            findings.push(finding(files, rule, schema, row, field, &vars));
        }
        lines.push(CoverLine {
            village,
            status: "unlisted",
            by: String::new(),
            vals: sides.values(None, Some(row)),
            roster: None,
            survey: Some((files[row.file()].clone(), row.sheet().to_string(), row.row)),
        });
    }
    lines
}

/// The coverage of the lines (in village order), with each village's counts and how
/// many entries each match level found.
fn coverage(
    spec: &CoverageSpec,
    file: &str,
    lines: Vec<CoverLine>,
    by_level: Vec<usize>,
) -> Coverage {
    let (villages, total) = counts(&lines);
    Coverage {
        file: file.to_string(),
        sheet: spec.sheet.clone(),
        label: spec.label.clone(),
        found: spec.found.clone(),
        missing: spec.missing.clone(),
        fields: spec
            .fields
            .iter()
            .enumerate()
            .filter(|(ri, _)| *ri != spec.ix.village.0)
            .map(|(_, k)| k.clone())
            .collect(),
        lines,
        villages,
        total,
        by_level: spec
            .matches
            .iter()
            .map(|m| m.label.clone())
            .zip(by_level)
            .collect(),
    }
}

/// The counts of each village's lines (lines in village order) and of the town's.
fn counts(lines: &[CoverLine]) -> (Vec<(String, CoverCounts)>, CoverCounts) {
    let mut villages: Vec<(String, CoverCounts)> = Vec::new();
    let mut total = CoverCounts::default();
    for l in lines {
        if villages.last().is_none_or(|(v, _)| *v != l.village) {
            villages.push((l.village.clone(), CoverCounts::default()));
        }
        let Some((_, c)) = villages.last_mut() else {
            continue;
        };
        for c in [c, &mut total] {
            match l.status {
                "covered" => {
                    c.listed += 1;
                    c.covered += 1;
                }
                "missing" => {
                    c.listed += 1;
                    c.missing += 1;
                }
                "unlisted" => c.unlisted += 1,
                _ => c.twice += 1,
            }
        }
    }
    (villages, total)
}

/// The field a roster entry's finding is put on: the first of the first match level it
/// has a value for, else its first identity field.
fn lead_field(r: &KeyRow, ix: &CoverageIx) -> usize {
    ix.levels
        .iter()
        .flatten()
        .map(|&(ri, _, _)| ri)
        .find(|&ri| r.code(ri).is_some())
        .unwrap_or(0)
}

/// The survey fields the coverage stage reads, when a roster is given (the roster's own
/// rows keep all their fields).
pub fn fields(spec: &crate::schema::campaign::CoverageSpec, need: &mut crate::keep::Need) {
    let ix = &spec.ix;
    for &f in &ix.fields {
        need.field(ix.table, f);
    }
    for level in &ix.levels {
        for &(_, f, _) in level {
            need.field(ix.table, f);
        }
    }
    need.field(ix.table, ix.village.1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Run;
    use crate::options::{Options, Roster};

    const HEAD: &str = "房屋编码,村（社区）,详细地址,户主,身份证号,建成年份,层数,建筑面积,结构类型,房屋用途,是否改扩建,是否鉴定,排查日期,排查人,初步判定\n";

    /// A survey row of village `v`.
    fn house(code: &str, v: &str, address: &str, owner: &str, id: &str) -> String {
        format!("{code},{v},{address},{owner},{id},1995,3,120,砌体结构,其他,否,否,2022-06-01,黄英,未发现安全隐患\n")
    }

    /// Run the survey and roster CSVs through the whole pipeline.
    fn run(survey: &str, roster: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let town = dir.path().join("town");
        std::fs::create_dir_all(&town).unwrap();
        std::fs::write(town.join("村.csv"), format!("{HEAD}{survey}")).unwrap();
        let path = dir.path().join("名册.csv");
        std::fs::write(&path, roster).unwrap();
        let schemas = Schemas::shipped().unwrap();
        let opts = Options {
            roster: Some(Roster {
                path,
                schemas: schemas.roster().unwrap().unwrap(),
            }),
            schemas,
            limits: crate::read::Limits::default(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            keep_grids: false,
            progress: std::sync::Arc::new(crate::progress::Silent),
            isolate: None,
            previous: None,
            place: Default::default(),
            aside: None,
            values_after: true,
            keep: None,
        };
        crate::pipeline::run(&[town], &opts)
    }

    /// (status, matched by, code) of each line.
    fn lines(run: &Run) -> Vec<(&str, &str, &str)> {
        run.coverage
            .as_ref()
            .unwrap()
            .lines
            .iter()
            .map(|l| (l.status, l.by.as_str(), l.vals[0].as_str()))
            .collect()
    }

    const A: &str = "YH450103000000001";
    const B: &str = "YH450103000000002";
    const C: &str = "YH450103000000003";
    const ID: &str = "450103196708158643";

    /// An owner with two houses: the entry naming her ID finds the house whose address
    /// also agrees; an address written with the township finds the one without; a village
    /// the roster does not cover has no unlisted rows.
    #[test]
    fn an_entry_finds_the_house_agreeing_on_most_and_only_listed_villages_count() {
        let survey = [
            house(A, "那洪村", "那洪村坡头屯1号", "韦宝", ID),
            house(B, "那洪村", "那洪村坡头屯2号", "黄英", "450103198906208057"),
            house(C, "那洪村", "那洪村坡头屯3号", "韦宝", ID),
            house(
                "YH450103000000004",
                "白沙村",
                "白沙村9号",
                "李四",
                "450103195001281643",
            ),
        ]
        .concat();
        let roster = format!(
            "房屋编码,村,户主姓名,身份证号码,房屋坐落\n,那洪,韦宝,{ID},那洪村坡头屯3号\n{A},那洪,韦宝,,\n,那洪,黄英,,长塘镇那洪村坡头屯2号\n"
        );
        let r = run(&survey, &roster);
        assert_eq!(
            lines(&r),
            [
                ("covered", "户主身份证号", C),
                ("covered", "房屋编码", A),
                ("covered", "户主姓名和地址", B)
            ]
        );
        let cv = r.coverage.as_ref().unwrap();
        assert_eq!(cv.villages.len(), 1);
        assert_eq!(
            cv.villages[0].0, "那洪村",
            "the roster's 那洪 is the survey's 那洪村"
        );
        assert!(
            r.findings.iter().all(|f| !f.code.starts_with('V')),
            "{:?}",
            r.findings
        );
    }

    /// A roster that lists houses by code alone (no owner column) is a roster too.
    #[test]
    fn a_roster_of_codes_without_owners() {
        let survey = [
            house(A, "那洪村", "那洪村坡头屯1号", "韦宝", ID),
            house(B, "那洪村", "那洪村坡头屯2号", "黄英", "450103198906208057"),
        ]
        .concat();
        // The first code typed with full-width digits: cleaned, found, and in the audit trail.
        let wide: String = A
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0xFF10 + d).unwrap(),
                None => c,
            })
            .collect();
        let roster =
            format!("房屋编码,村,门牌地址\n{wide},那洪村,坡头屯1号\n{C},那洪村,坡头屯3号\n");
        let r = run(&survey, &roster);
        assert_eq!(
            lines(&r),
            [
                ("covered", "房屋编码", A),
                ("missing", "", C),
                ("unlisted", "", B)
            ]
        );
        assert!(
            r.changes()
                .any(|c| c.file == "名册.csv" && c.old == wide && c.new == A),
            "the roster's cleaning is in the audit trail"
        );
    }

    /// The second house of a household the roster lists (by its ID) is not called
    /// unlisted; a house sharing nothing with the roster is; an entry listed again is
    /// V003, and one nobody surveyed V001 on its roster row.
    #[test]
    fn unlisted_twice_and_missing() {
        let survey = [
            house(A, "那洪村", "那洪村坡头屯1号", "韦宝", ID),
            house(C, "那洪村", "那洪村坡头屯3号", "韦宝", ID),
            house(B, "那洪村", "那洪村坡头屯2号", "黄英", "450103198906208057"),
        ]
        .concat();
        let roster = format!(
            "房屋编码,村,户主姓名,身份证号码\n,那洪村,韦宝,{ID}\n,那洪村,韦宝,{ID}\nYH450103000000009,那洪村,莫敏,\n"
        );
        let r = run(&survey, &roster);
        let l = lines(&r);
        assert_eq!(l.iter().filter(|x| x.0 == "covered").count(), 1);
        assert!(l.contains(&("twice", "", "")), "{l:?}");
        assert!(l.contains(&("missing", "", "YH450103000000009")), "{l:?}");
        assert!(l.contains(&("unlisted", "", B)), "{l:?}");
        assert!(!l
            .iter()
            .any(|x| x.0 == "unlisted" && (x.2 == A || x.2 == C)));
        let codes: Vec<(&str, Option<u32>, &str)> = r
            .findings
            .iter()
            .filter(|f| f.code.starts_with('V'))
            .map(|f| (f.code.as_str(), f.row, f.file.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("V002", Some(3), "村.csv"),
                ("V003", Some(2), "名册.csv"),
                ("V001", Some(3), "名册.csv")
            ]
        );
    }

    #[test]
    fn an_address_tail_meets_the_whole_address() {
        let s = |v: &[&str]| v.iter().map(|x| norm_key(x)).collect::<Vec<_>>();
        assert!(tails_meet(
            &s(&["那洪村坡头屯12号"]),
            &s(&["长塘镇那洪村坡头屯12号"])
        ));
        assert!(tails_meet(
            &s(&["那洪村 坡头屯１２号"]),
            &s(&["那洪村坡头屯12号"])
        ));
        // Too short a tail names no place.
        assert!(!tails_meet(&s(&["12号"]), &s(&["长塘镇那洪村坡头屯12号"])));
        assert!(!tails_meet(
            &s(&["那洪村坡头屯13号"]),
            &s(&["那洪村坡头屯12号"])
        ));
    }

    #[test]
    fn a_villages_stem_leaves_its_suffix() {
        let suf = vec!["村".to_string(), "社区".to_string()];
        assert_eq!(village_stem("那洪村", &suf), village_stem("那洪", &suf));
        assert_eq!(village_stem("北湖社区", &suf), "北湖");
        assert_eq!(village_stem("村", &suf), "村");
    }
}
