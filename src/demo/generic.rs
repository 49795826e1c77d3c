//! A demo town for any campaign, from its schemas alone: per village one workbook with a
//! sheet per table (title line, header of labels or aliases, data), main rows with their
//! child rows through the campaign's references, every value made from its field (type,
//! range, enum values, example) and the campaign's `[demo]` words, every row repaired
//! until its row rules hold, and `children` checks kept. With `faults`, some cells are
//! spoiled the way villages spoil them; the returned manifest says which.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Datelike, Days, NaiveDate};

use super::write::Style;
use super::Rng;
use crate::rules::cross::children::Expect;
use crate::rules::cross::{CrossRules, Kind};
use crate::schema::{Cond, Field, FieldType, Schemas, TableId, TableSchema};

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

/// One cell the generator spoiled, where the village's writing put it.
#[derive(Debug, Clone)]
pub struct Spoiled {
    /// The file it is in, relative to the demo folder.
    pub file: String,
    /// The sheet's name ("" in a CSV file).
    pub sheet: String,
    /// The table's key.
    pub table: String,
    /// 1-based row in its sheet.
    pub row: u32,
    /// The key of the field spoiled.
    pub field: String,
    /// blank, synonym, date, check, float (an ID number stored as a float) or
    /// no_equivalent (a form meaning nothing in the campaign).
    pub what: &'static str,
    /// Its row's place among its table's rows of the village, and the value it had.
    pub index: usize,
    /// The value the cell had before it was spoiled.
    pub was: String,
}

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

/// What a town is written with besides itself: a second round, or a roster.
enum Also<'a, 'm> {
    Nothing,
    Second(&'a Path, &'a mut RoundManifest),
    Roster(&'a mut RosterPlan<'m>),
}

/// The roster being made while the town is written.
struct RosterPlan<'m> {
    rows: Vec<Row>,
    manifest: &'m mut RosterManifest,
}

/// One generated row: a text per field of its table.
type Row = Vec<String>;

struct Gen<'a> {
    s: &'a Schemas,
    r: Rng,
    /// The day the demo is "today".
    today: NaiveDate,
    /// Sequence numbers per table, for codes.
    seq: Vec<u64>,
    /// Codes made, so none repeats.
    used: std::collections::HashSet<String>,
    /// Children numbered so far per (code field, parent code).
    children: HashMap<String, u32>,
    /// Per `unique`/`same_values` rule, the values met so far in the town.
    seen: HashMap<usize, std::collections::HashSet<String>>,
}

impl<'a> Gen<'a> {
    /// A generator over these schemas, its randomness from `seed`.
    fn new(s: &'a Schemas, seed: u64) -> Gen<'a> {
        Gen {
            s,
            r: Rng::new(seed),
            today: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
            seq: vec![0; s.tables.len()],
            used: Default::default(),
            children: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    fn words(&self) -> &crate::schema::campaign::DemoWords {
        &self.s.campaign.demo
    }

    fn person(&mut self, f: &Field) -> String {
        let w = &self.s.campaign.demo;
        if w.surnames.is_empty() || w.given.is_empty() {
            return f.example.clone();
        }
        let (a, b) = (self.r.below(w.surnames.len()), self.r.below(w.given.len()));
        format!("{}{}", w.surnames[a], w.given[b])
    }

    fn sample(
        &mut self,
        t: &TableSchema,
        f: &Field,
        village: &str,
        parent: Option<(&TableSchema, &Row)>,
    ) -> Option<String> {
        let w = self.words();
        let list = w
            .samples
            .get(&format!("{}.{}", t.table.key, f.key))
            .or_else(|| w.samples.get(&f.key))?
            .clone();
        if list.is_empty() {
            return None;
        }
        let n = self.r.below(90) + 1;
        let mut text = list[self.r.below(list.len())]
            .replace("{village}", village)
            .replace("{n}", &n.to_string());
        if let Some((ps, prow)) = parent {
            for (i, pf) in ps.fields.iter().enumerate() {
                text = text.replace(&format!("{{parent.{}}}", pf.key), &prow[i]);
            }
        }
        // `{part}`: a word of that `[demo.parts]` list (names made of parts repeat less).
        let parts: Vec<(String, Vec<String>)> = self
            .words()
            .parts
            .iter()
            .filter(|(k, _)| text.contains(&format!("{{{k}}}")))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, words) in parts {
            if !words.is_empty() {
                let w = &words[self.r.below(words.len())];
                text = text.replace(&format!("{{{k}}}"), w);
            }
        }
        Some(text)
    }

    fn date(&mut self, f: &Field) -> NaiveDate {
        let lo = f
            .min_date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or(self.today - Days::new(700));
        let lo = lo.max(self.today - Days::new(900));
        let span = (self.today - lo).num_days().max(1) as usize;
        lo + Days::new(self.r.below(span.min(600)) as u64)
    }

    /// A fresh code shaped like the field's example: its last run of digits replaced by a
    /// sequence number (a registered type makes its own).
    fn code(&mut self, t: TableId, f: &Field) -> String {
        loop {
            self.seq[t.index()] += 1;
            let n = self.seq[t.index()] * 7 + self.r.below(7) as u64;
            let c = match f.ty {
                FieldType::Plugin(p) => p.0.sample(self.r.next_u64()),
                _ => {
                    let ex = if f.example.is_empty() {
                        "X0001"
                    } else {
                        &f.example
                    };
                    let end = ex
                        .rfind(|c: char| c.is_ascii_digit())
                        .map(|i| i + 1)
                        .unwrap_or(ex.len());
                    let start = ex[..end]
                        .rfind(|c: char| !c.is_ascii_digit())
                        .map(|i| i + 1)
                        .unwrap_or(0);
                    // The run's leading half stays (a county code), the rest counts.
                    let run = end - start;
                    let width = (run - run / 2).max(4).min(run.max(4));
                    let kept = &ex[..end.saturating_sub(width).max(start)];
                    format!(
                        "{kept}{:0width$}{}",
                        n % 10u64.pow(width.min(18) as u32),
                        &ex[end..]
                    )
                }
            };
            if self.used.insert(c.clone()) {
                return c;
            }
        }
    }

    fn value(
        &mut self,
        t: TableId,
        f: &Field,
        village: &str,
        parent: Option<(&TableSchema, &Row)>,
    ) -> String {
        let ts = self.s.table(t);
        if let Some(x) = self.sample(ts, f, village, parent) {
            return x;
        }
        let lex = &self.s.lexicon;
        match f.ty {
            FieldType::Enum => self.r.pick(&f.values).clone(),
            FieldType::EnumList => self.r.pick(&f.values).clone(),
            FieldType::Bool => {
                if self.r.chance(0.3) {
                    lex.bool_true[0].clone()
                } else {
                    lex.bool_false[0].clone()
                }
            }
            FieldType::Date => self.date(f).format("%Y-%m-%d").to_string(),
            FieldType::Integer | FieldType::Number => {
                let lo = f.min.unwrap_or(0.0).max(0.0) as i64 + i64::from(f.min_exclusive);
                let hi = f.max.unwrap_or(lo as f64 + 100.0).min(lo as f64 + 200.0) as i64;
                (lo + self.r.below((hi - lo).max(1) as usize) as i64).to_string()
            }
            FieldType::Phone => format!("13{:09}", self.r.next_u64() % 1_000_000_000),
            FieldType::IdCard => {
                let body = format!(
                    "450103{}{:02}{:02}{:03}",
                    1950 + self.r.below(50),
                    1 + self.r.below(12),
                    1 + self.r.below(28),
                    self.r.below(1000)
                );
                let c = crate::cells::idcard::check_char(&body).unwrap_or('0');
                format!("{body}{c}")
            }
            FieldType::Lon | FieldType::Lat => {
                let (lo, hi) = (f.min.unwrap_or(0.0), f.max.unwrap_or(1.0));
                crate::value::fmt_num(
                    ((lo + (hi - lo) * 0.5) * 1000.0).round() / 1000.0
                        + self.r.below(1000) as f64 / 10_000.0,
                )
            }
            FieldType::Code | FieldType::Plugin(_) => self.code(t, f),
            FieldType::Text => match f.profile {
                Some(crate::schema::Profile::PersonName) => self.person(f),
                Some(crate::schema::Profile::Place) => village.to_string(),
                Some(crate::schema::Profile::Address) => {
                    format!("{village}{}号", self.r.below(90) + 1)
                }
                _ if !f.example.is_empty() => f.example.clone(),
                _ => f.label.clone(),
            },
        }
    }

    /// A row of table `t`, every field filled (optional ones mostly), repaired until its
    /// row rules hold.
    fn row(
        &mut self,
        t: TableId,
        village: &str,
        parent: Option<(&TableSchema, &Row, usize)>,
    ) -> Row {
        let ts = self.s.table(t);
        let mut row: Row = Vec::with_capacity(ts.fields.len());
        for (i, f) in ts.fields.iter().enumerate() {
            let v = if let Some((_, prow, pf)) = parent.filter(|_| self.refers(t, i)) {
                prow[pf].clone()
            } else if let Some(code) =
                parent.and_then(|(_, prow, pf)| self.child_code(t, f, prow, pf))
            {
                code
            } else if !f.required && self.r.chance(0.25) {
                String::new()
            } else {
                self.value(t, f, village, parent.map(|(s, r, _)| (s, r)))
            };
            row.push(v);
        }
        self.repair(t, &mut row, village);
        row
    }

    /// A child's code shaped as its parent's code and a suffix (the field's example is the
    /// parent's example and a suffix, as YH…102-01 of YH…102): the parent's code, then
    /// the suffix counting the parent's children.
    fn child_code(&mut self, t: TableId, f: &Field, prow: &Row, pf: usize) -> Option<String> {
        let rx = self.s.campaign.to_main(t)?;
        let pex = &self.s.table(t).fields[rx.child_field].example;
        if f.ty != FieldType::Code || pex.is_empty() {
            return None;
        }
        let suffix = f.example.strip_prefix(pex.as_str())?;
        let digits = suffix
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        let head = &suffix[..suffix.len() - digits];
        let parent = &prow[pf];
        let n = self
            .children
            .entry(format!("{}\u{1}{parent}", f.key))
            .or_insert(0);
        *n += 1;
        let c = format!("{parent}{head}{:0digits$}", *n);
        self.used.insert(c.clone());
        Some(c)
    }

    /// Whether field `i` of table `t` is the one naming its main row.
    fn refers(&self, t: TableId, i: usize) -> bool {
        self.s
            .campaign
            .to_main(t)
            .is_some_and(|rx| rx.child_field == i)
    }

    fn repair(&mut self, t: TableId, row: &mut Row, village: &str) {
        let ts = self.s.table(t);
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
}

/// A condition on a generated row (values as written).
fn holds(t: &TableSchema, c: &Cond, row: &Row) -> bool {
    let Some(i) = t.field_index(&c.field) else {
        return false;
    };
    let v = &row[i];
    (c.is_in.is_empty() || c.is_in.contains(v))
        && (c.not_in.is_empty() || !c.not_in.contains(v))
        && c.present.is_none_or(|p| p != v.is_empty())
}

/// One plain workbook of `n` valid main-table rows under a one-row header of labels,
/// typed cells (numbers as numbers, dates as dates), written with a constant-memory
/// worksheet: the benchmark's large inputs. Rows are made one at a time, so any size fits.
pub fn write_plain(schemas: &Schemas, path: &Path, seed: u64, n: usize) -> Result<()> {
    let mut g = Gen::new(schemas, seed ^ 0x9_1A1);
    let main = schemas.campaign.main();
    let ms = schemas.table(main);
    let names = village_names(schemas, n.div_ceil(PLAIN_PER_VILLAGE).max(1));
    let vf = ms.field_index(&schemas.campaign.campaign.village);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(&ms.table.label)?;
    for (c, f) in ms.fields.iter().enumerate() {
        ws.write_string(0, c as u16, &f.label)?;
    }
    for i in 0..n {
        let village = &names[(i / PLAIN_PER_VILLAGE) % names.len()];
        let mut row = g.row(main, village, None);
        if let Some(vf) = vf {
            row[vf] = village.clone();
        }
        let r = i as u32 + 1;
        for (c, (v, f)) in row.iter().zip(&ms.fields).enumerate() {
            let c = c as u16;
            if v.is_empty() {
                continue;
            }
            match (f.ty, v.parse::<f64>(), day(v)) {
                (FieldType::Integer | FieldType::Number, Ok(x), _) => ws.write_number(r, c, x)?,
                (FieldType::Date, _, Some(d)) => {
                    ws.write_number_with_format(r, c, crate::cells::date::date_to_serial(d), &date)?
                }
                _ => ws.write_string(r, c, v)?,
            };
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    wb.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Main rows per village in a plain workbook.
const PLAIN_PER_VILLAGE: usize = 850;

/// `n` village names: the `[demo]` words, then the same numbered before their suffix
/// (那洪2村, 北湖2社区), so that a file's name still tells its village.
fn village_names(s: &Schemas, n: usize) -> Vec<String> {
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

/// Write a demo town of the campaign into `out`: `n` main rows over `villages` villages.
pub fn write_town(
    schemas: &Schemas,
    out: &Path,
    seed: u64,
    n: usize,
    villages: usize,
    faults: bool,
) -> Result<Manifest> {
    town(schemas, out, seed, n, villages, faults, Also::Nothing)
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
        Also::Second(second, &mut rm),
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
        Also::Roster(&mut plan),
    )?;
    let rows = std::mem::take(&mut plan.rows);
    std::fs::create_dir_all(roster_dir)
        .with_context(|| format!("cannot create {}", roster_dir.display()))?;
    let label = rs.tables[0].table.label.clone();
    let mut r = Rng::new(seed ^ 0x7057E7);
    let style = Style {
        two_rows: false,
        csv: false,
        ..Style::of(3)
    };
    let placed = super::write::write_village(&rs, roster_dir, &label, &[rows], style, &mut r)?;
    manifest.file = roster_dir.join(&placed[0].file);
    Ok((m, manifest))
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

/// A generated row's identity and its main row's, as a run keys it.
fn identity(s: &Schemas, t: TableId, row: &Row) -> (String, String) {
    let ts = s.table(t);
    let key: Vec<&str> = ts
        .table
        .identity
        .iter()
        .filter_map(|k| ts.field_index(k).map(|i| row[i].as_str()))
        .collect();
    let key = key.join("|");
    match s.campaign.to_main(t) {
        Some(rx) if t != s.campaign.main() => (row[rx.child_field].clone(), key),
        _ => (key, String::new()),
    }
}

/// The second round of one village's rows (see `write_rounds`).
fn second_round(
    g: &mut Gen,
    rows: &[Vec<Row>],
    spoiled: &[Spoiled],
    vi: usize,
    village: &str,
    rm: &mut RoundManifest,
) -> Vec<Vec<Row>> {
    let s = g.s;
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
            rm.fixed.push((village.to_string(), m, item, sp.clone()));
        }
    } else if vi % 4 == 2 {
        for rs in rows.iter_mut() {
            rs.reverse();
        }
        rm.resorted.push(village.to_string());
    } else if vi == 0 && rows[main.index()].len() > 3 {
        let gone = rows[main.index()].pop().unwrap_or_default();
        let (code, _) = identity(s, main, &gone);
        rm.removed
            .push((village.to_string(), code.clone(), String::new()));
        for t in s.ids().filter(|t| *t != main) {
            let Some(rx) = s.campaign.to_main(t) else {
                continue;
            };
            let before = rows[t.index()].clone();
            rows[t.index()].retain(|k| k[rx.child_field] != code);
            for k in before.iter().filter(|k| k[rx.child_field] == code) {
                let (m, item) = identity(s, t, k);
                rm.removed.push((village.to_string(), m, item));
            }
        }
        let ms = s.table(main);
        let mut p = g.row(main, village, None);
        if let Some(vf) = ms.field_index(&s.campaign.campaign.village) {
            p[vf] = village.to_string();
        }
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
                rm.added.push((village.to_string(), m, item));
            }
        }
    } else {
        rm.same.push(village.to_string());
    }
    rows
}

fn town(
    schemas: &Schemas,
    out: &Path,
    seed: u64,
    n: usize,
    villages: usize,
    faults: bool,
    mut also: Also,
) -> Result<Manifest> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    if let Also::Second(dir, _) = &also {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let c = &schemas.campaign;
    let main = c.main();
    let names = village_names(schemas, villages);
    let villages = villages.clamp(1, names.len()).min(n.max(1));
    let mut g = Gen::new(schemas, seed ^ 0x5EED);
    let mut m = Manifest {
        rows: vec![0; schemas.tables.len()],
        ..Default::default()
    };
    let ms = schemas.table(main);
    let mut listed: Vec<(usize, String, Vec<Row>)> = Vec::new();
    for (vi, village) in names.iter().take(villages).enumerate() {
        let count = n / villages + usize::from(vi < n % villages);
        let mut rows: Vec<Vec<Row>> = vec![Vec::new(); schemas.tables.len()];
        for _ in 0..count {
            let mut p = g.row(main, village, None);
            if let Some(vf) = ms.field_index(&c.campaign.village) {
                p[vf] = village.to_string();
            }
            for t in schemas.ids().filter(|t| *t != main) {
                let Some(rx) = c.to_main(t) else { continue };
                let (lo, hi) = c
                    .demo
                    .per_parent
                    .get(&schemas.table(t).table.key)
                    .copied()
                    .unwrap_or((0, 2));
                let k = lo + g.r.below(hi.saturating_sub(lo) + 1);
                for _ in 0..k {
                    let child = g.row(t, village, Some((ms, &p, rx.parent_field)));
                    rows[t.index()].push(child);
                }
            }
            rows[main.index()].push(p);
        }
        settle(&mut g, &mut rows, village, vi == 0);
        if matches!(also, Also::Roster(_)) {
            listed.push((vi, village.clone(), rows[main.index()].clone()));
        }
        let from = m.spoiled.len();
        // Every third village sends its files without a fault.
        if faults && vi % 3 != 2 {
            spoil(&mut g, &mut rows, &mut m);
        }
        let placed =
            super::write::write_village(schemas, out, village, &rows, Style::of(vi), &mut g.r)?;
        if let Also::Second(dir, rm) = &mut also {
            let again = second_round(&mut g, &rows, &m.spoiled[from..], vi, village, rm);
            super::write::write_village(schemas, dir, village, &again, Style::of(vi), &mut g.r)?;
        }
        // The spoiled cells where the village's writing put them.
        for sp in &mut m.spoiled[from..] {
            if let Some(t) = schemas.id(&sp.table) {
                let p = &placed[t.index()];
                sp.file = p.file.clone();
                sp.sheet = p.sheet.clone();
                sp.row = p.rows[sp.row as usize];
            }
        }
        for (t, rs) in rows.iter().enumerate() {
            m.rows[t] += rs.len();
        }
        let mut files: Vec<&str> = placed.iter().map(|p| p.file.as_str()).collect();
        files.dedup();
        m.files += files.len();
    }
    // The roster, once the survey is written (its extra houses do not change the town):
    // each village's houses and one more, then a village that sent nothing. The extra
    // houses, and the surveyed ones the roster leaves off, share no match level's values
    // with any other house, so that what the coverage should find is certain.
    if let (Also::Roster(plan), Some(cv)) = (also, &c.coverage) {
        let all: Vec<&Row> = listed.iter().flat_map(|(_, _, rows)| rows).collect();
        let collide = |a: &Row, b: &Row| {
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
        };
        let mut extras: Vec<Row> = Vec::new();
        let fresh = |g: &mut Gen, village: &str, extras: &mut Vec<Row>| {
            for _ in 0..200 {
                let mut p = g.row(main, village, None);
                if let Some(vf) = ms.field_index(&c.campaign.village) {
                    p[vf] = village.to_string();
                }
                g.repair(main, &mut p, village);
                if !all
                    .iter()
                    .copied()
                    .chain(extras.iter())
                    .any(|b| collide(&p, b))
                {
                    extras.push(p.clone());
                    return p;
                }
            }
            Row::new()
        };
        let mut parts = Vec::new();
        for (_, village, _) in &listed {
            let extra = vec![fresh(&mut g, village, &mut extras)];
            parts.push(extra);
        }
        let silent = names.get(villages).map(|village| {
            let extra: Vec<Row> = (0..SILENT_HOUSES)
                .map(|_| fresh(&mut g, village, &mut extras))
                .collect();
            (village, extra)
        });
        for ((vi, village, rows), extra) in listed.iter().zip(&parts) {
            let alone = |i: usize| {
                !all.iter()
                    .copied()
                    .chain(extras.iter())
                    .any(|b| !std::ptr::eq(b, &rows[i]) && collide(&rows[i], b))
            };
            let unlisted = (vi % 2 == 1)
                .then(|| (3..rows.len()).find(|&i| alone(i)))
                .flatten();
            let extra: Vec<Row> = extra.iter().filter(|r| !r.is_empty()).cloned().collect();
            roster_part(schemas, rows, &extra, (*vi, unlisted), village, plan);
        }
        if let Some((village, extra)) = silent {
            let extra: Vec<Row> = extra.into_iter().filter(|r| !r.is_empty()).collect();
            roster_part(schemas, &[], &extra, (villages, None), village, plan);
        }
    }
    Ok(m)
}

/// Settle a village's rows so the campaign's checks hold of them: `children` rules kept,
/// each write-off reason the `[demo]` words count realised on exactly that many main rows
/// (of the town's first village) and kept from every other, `date_order` rules kept, and
/// every row repaired again for its row rules.
fn settle(g: &mut Gen, rows: &mut [Vec<Row>], village: &str, first_village: bool) {
    children_rules(g, rows, village);
    writeoff_scenarios(g, rows, village, first_village);
    children_rules(g, rows, village);
    distinct(g, rows, village);
    for _ in 0..2 {
        date_orders(g, rows);
        for t in g.s.ids() {
            for row in rows[t.index()].iter_mut() {
                g.repair(t, row, village);
            }
        }
    }
}

/// Keep the `unique` and `same_values` checks from firing: a value (or set of values) met
/// before, in this village or an earlier one, is made again.
fn distinct(g: &mut Gen, rows: &mut [Vec<Row>], village: &str) {
    let s = g.s;
    for (ri, rule) in CrossRules::of(s).rules.iter().enumerate() {
        let (t, fields): (TableId, Vec<usize>) = match &rule.kind {
            Kind::Unique(unique) => (unique.ix.0, vec![unique.ix.1]),
            Kind::SameValues(same) => (same.ix.0, same.ix.1.clone()),
            _ => continue,
        };
        let Some(&last) = fields.last() else { continue };
        let f = &s.table(t).fields[last];
        for row in rows[t.index()].iter_mut() {
            for _ in 0..8 {
                let key: Vec<&str> = fields.iter().map(|&i| row[i].as_str()).collect();
                if key.iter().any(|k| k.is_empty()) {
                    break;
                }
                let key = key.join("\u{1f}");
                if g.seen.entry(ri).or_default().insert(key) {
                    break;
                }
                row[last] = g.value(t, f, village, None);
            }
        }
    }
}

/// The rows of `child` whose `child_field` names `code`.
fn kids_of(rows: &[Row], field: usize, code: &str) -> Vec<usize> {
    (0..rows.len())
        .filter(|&i| rows[i][field] == code)
        .collect()
}

/// Make a condition hold of a row: a value it allows.
fn make_hold(g: &mut Gen, t: TableId, row: &mut Row, c: &Cond, village: &str) {
    let ts = g.s.table(t);
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
        Some(true) if row[i].is_empty() => row[i] = g.value(t, f, village, None),
        Some(false) => row[i].clear(),
        _ => {}
    }
}

/// Make a condition fail of a row: a value it does not allow.
fn make_fail(s: &Schemas, t: TableId, row: &mut Row, c: &Cond) {
    let ts = s.table(t);
    let Some(i) = ts.field_index(&c.field) else {
        return;
    };
    let f = &ts.fields[i];
    if !c.is_in.is_empty() {
        if let Some(v) = f.values.iter().find(|v| !c.is_in.contains(v)) {
            row[i] = v.clone();
        }
    } else if let Some(v) = c.not_in.first() {
        row[i] = v.clone();
    } else if c.present == Some(true) {
        row[i].clear();
    }
}

/// Drop, add or change child rows so the campaign's `children` checks hold.
fn children_rules(g: &mut Gen, rows: &mut [Vec<Row>], village: &str) {
    let s = g.s;
    let c = &s.campaign;
    for rule in CrossRules::of(s).rules {
        let Kind::Children(rule) = rule.kind else {
            continue;
        };
        let rx = c.references[rule.ix.2].ix;
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
                Expect::None if rule.where_.is_empty() => {
                    let kids = &mut rows[rx.child.index()];
                    kids.retain(|k| k[rx.child_field] != *code);
                }
                // No matching child: make each matching one miss the first condition.
                Expect::None => {
                    let kids = &mut rows[rx.child.index()];
                    for &i in &of {
                        if matched(&kids[i]) {
                            make_fail(s, rx.child, &mut kids[i], &rule.where_[0]);
                        }
                    }
                }
                Expect::Some if !of.iter().any(|&i| matched(&rows[rx.child.index()][i])) => {
                    let mut kid = match of.first() {
                        Some(&i) => rows[rx.child.index()].remove(i),
                        None => g.row(rx.child, village, Some((ps, &p, rx.parent_field))),
                    };
                    for cd in &rule.where_ {
                        make_hold(g, rx.child, &mut kid, cd, village);
                    }
                    rows[rx.child.index()].push(kid);
                }
                _ => {}
            }
        }
    }
}

/// Each main-table write-off reason the `[demo]` words count: realised on that many main
/// rows of the first village, kept from every other row.
fn writeoff_scenarios(g: &mut Gen, rows: &mut [Vec<Row>], village: &str, first_village: bool) {
    let s = g.s;
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
            let chosen = pi < n;
            let mut p = rows[main.index()][pi].clone();
            if chosen {
                for cd in &w.when {
                    make_hold(g, main, &mut p, cd, village);
                }
                rows[main.index()][pi] = p.clone();
            } else if !w.when.iter().all(|cd| holds(ms, cd, &p)) {
                continue;
            }
            if let (Some((r, by)), Some(latest)) = (w.ix.latest, &w.latest) {
                let rx = c.references[r].ix;
                let cs = s.table(rx.child);
                let code = p[rx.parent_field].clone();
                let of = kids_of(&rows[rx.child.index()], rx.child_field, &code);
                let last = of.iter().copied().max_by(|&a, &b| {
                    let kids = &rows[rx.child.index()];
                    kids[a][by].cmp(&kids[b][by])
                });
                if chosen {
                    let mut kid = g.row(rx.child, village, Some((ms, &p, rx.parent_field)));
                    for cd in &latest.when {
                        make_hold(g, rx.child, &mut kid, cd, village);
                    }
                    // The latest of the row's children.
                    let after = last
                        .and_then(|i| day(&rows[rx.child.index()][i][by]))
                        .map(|d| d + Days::new(7 + g.r.below(60) as u64));
                    if let Some(d) = after {
                        kid[by] = d.format("%Y-%m-%d").to_string();
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
            if !w.ix.none_of.is_empty() {
                let code = p[ms.field_index(&ms.table.identity[0]).unwrap_or(0)].clone();
                let refs: Vec<_> = w.ix.none_of.iter().map(|&r| c.references[r].ix).collect();
                if chosen {
                    for rx in &refs {
                        rows[rx.child.index()].retain(|k| k[rx.child_field] != code);
                    }
                } else if refs
                    .iter()
                    .all(|rx| kids_of(&rows[rx.child.index()], rx.child_field, &code).is_empty())
                {
                    if let Some(rx) = refs.first() {
                        let kid = g.row(rx.child, village, Some((ms, &p, rx.parent_field)));
                        rows[rx.child.index()].push(kid);
                    }
                }
            }
        }
    }
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Move child dates so the campaign's `date_order` rules hold (a child's date after its
/// parent's by up to three months).
fn date_orders(g: &mut Gen, rows: &mut [Vec<Row>]) {
    let s = g.s;
    let c = &s.campaign;
    for rule in CrossRules::of(s).rules {
        let Kind::DateOrder(rule) = rule.kind else {
            continue;
        };
        let rx = c.references[rule.ix.0].ix;
        let (field, other) = (rule.ix.1, rule.ix.2);
        let op = rule.op.as_str();
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
            if !crate::rules::cross::date_order::ordered(op, kd, pd) {
                let k = 1 + g.r.below(90) as u64;
                let d = if op.starts_with('<') {
                    pd - Days::new(k)
                } else {
                    pd + Days::new(k)
                };
                kid[field] = d.format("%Y-%m-%d").to_string();
            }
        }
    }
}

/// Spoil a few cells the way villages do: a required cell left blank, a code one
/// character off, an enum written as one of its synonyms (cleaned, not an error), a date
/// in Chinese (cleaned).
fn spoil(g: &mut Gen, rows: &mut [Vec<Row>], m: &mut Manifest) {
    let s = g.s;
    for t in s.ids() {
        let ts = s.table(t);
        let rs = &mut rows[t.index()];
        if rs.len() < 3 {
            continue;
        }
        let i = 1 + g.r.below(rs.len() - 1);
        let sheet_row = i as u32;
        // A blank required cell (not the one naming the main row).
        if let Some((k, f)) = ts
            .fields
            .iter()
            .enumerate()
            .find(|(k, f)| f.required && !g.refers(t, *k) && f.ty == FieldType::Text)
        {
            let was = rs[i][k].clone();
            rs[i][k] = String::new();
            m.spoiled.push(Spoiled {
                file: String::new(),
                sheet: String::new(),
                table: ts.table.key.clone(),
                row: sheet_row,
                field: f.key.clone(),
                what: "blank",
                index: sheet_row as usize,
                was: was.clone(),
            });
        }
        // A synonym for an enum value.
        if let Some((k, f)) = ts
            .fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.ty == FieldType::Enum && !f.synonyms.is_empty())
        {
            let j = (i + 1) % rs.len();
            // The first synonym in order: the same town from the same seed.
            let syn = f
                .synonyms
                .iter()
                .filter(|(_, v)| **v == rs[j][k])
                .map(|(w, _)| w)
                .min();
            if let Some(syn) = syn {
                let was = rs[j][k].clone();
                rs[j][k] = syn.clone();
                m.spoiled.push(Spoiled {
                    file: String::new(),
                    sheet: String::new(),
                    table: ts.table.key.clone(),
                    row: j as u32,
                    field: f.key.clone(),
                    what: "synonym",
                    index: j as u32 as usize,
                    was: was.clone(),
                });
            }
        }
        // A date in Chinese.
        if let Some((k, f)) = ts
            .fields
            .iter()
            .enumerate()
            .find(|(k, f)| f.ty == FieldType::Date && !rs[(i + 2) % rs.len()][*k].is_empty())
        {
            let j = (i + 2) % rs.len();
            if let Ok(d) = NaiveDate::parse_from_str(&rs[j][k], "%Y-%m-%d") {
                let was = rs[j][k].clone();
                rs[j][k] = format!("{}年{}月{}日", d.year(), d.month(), d.day());
                m.spoiled.push(Spoiled {
                    file: String::new(),
                    sheet: String::new(),
                    table: ts.table.key.clone(),
                    row: j as u32,
                    field: f.key.clone(),
                    what: "date",
                    index: j as u32 as usize,
                    was: was.clone(),
                });
            }
        }
    }
    // Once per town or so: an ID number Excel stored as a float (its last digits lost),
    // and a form the schema says means nothing in this campaign (窑洞 for 结构类型).
    let main = s.campaign.main();
    let ms = s.table(main);
    let rs = &mut rows[main.index()];
    if rs.len() >= 6 && g.r.chance(0.5) {
        let i = 2 + g.r.below(rs.len() - 3);
        if let Some((k, f)) = ms
            .fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.ty == FieldType::IdCard)
        {
            if let Ok(x) = rs[i][k].parse::<f64>() {
                let was = rs[i][k].clone();
                rs[i][k] = format!("{x:.11e}").replace('e', "E+");
                m.spoiled.push(Spoiled {
                    file: String::new(),
                    sheet: String::new(),
                    table: ms.table.key.clone(),
                    row: i as u32,
                    field: f.key.clone(),
                    what: "float",
                    index: i as u32 as usize,
                    was: was.clone(),
                });
            }
        }
    }
    if rs.len() >= 6 && g.r.chance(0.5) {
        let i = 1 + g.r.below(rs.len() - 2);
        let hit = ms
            .fields
            .iter()
            .enumerate()
            .find(|(_, f)| !f.no_equivalent.is_empty());
        if let Some((k, f)) = hit {
            let mut forms: Vec<&String> = f.no_equivalent.keys().collect();
            forms.sort();
            let was = rs[i][k].clone();
            rs[i][k] = forms[g.r.below(forms.len())].clone();
            m.spoiled.push(Spoiled {
                file: String::new(),
                sheet: String::new(),
                table: ms.table.key.clone(),
                row: i as u32,
                field: f.key.clone(),
                what: "no_equivalent",
                index: i as u32 as usize,
                was: was.clone(),
            });
        }
    }
    // One main row's code a character off (its check character, for a type that has one).
    if rs.len() >= 3 {
        if let Some(k) = ms.table.identity.first().and_then(|id| ms.field_index(id)) {
            if matches!(ms.fields[k].ty, FieldType::Plugin(_)) {
                let i = rs.len() - 1;
                let mut v: Vec<char> = rs[i][k].chars().collect();
                if let Some(last) = v.last_mut() {
                    *last = if *last == '0' { '1' } else { '0' };
                }
                let was = rs[i][k].clone();
                rs[i][k] = v.into_iter().collect();
                m.spoiled.push(Spoiled {
                    file: String::new(),
                    sheet: String::new(),
                    table: ms.table.key.clone(),
                    row: i as u32,
                    field: ms.fields[k].key.clone(),
                    what: "check",
                    index: i as u32 as usize,
                    was: was.clone(),
                });
            }
        }
    }
}
