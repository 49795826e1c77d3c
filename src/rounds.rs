//! Rounds of a campaign: a run keeps its rows in round.parquet (`round_file`: identity,
//! main row, village, whether rejected, the findings on it, its values); the next run given `--previous OLD_OUT`
//! reads that back and says, row by row, what the village fixed, what is still open, what
//! is new, which rows were added or removed and which values changed (old → new). Rows are
//! matched by their identity (building_code, hazard_code, …), never by where they sat, so
//! a village that re-sorts its sheet changes nothing. A stage after the tally.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::Result;

use crate::model::{
    Record, RoundCounts, RoundLine, Rounds, Run, SnapHead, SnapRow, Snapshot, Tally,
};
use crate::schema::{Schemas, TableId};

/// A record's identity (its identity fields' values, joined), "" when one is missing.
fn key_of(schemas: &Schemas, table: TableId, record: &Record) -> String {
    let schema = schemas.table(table);
    let mut parts = Vec::with_capacity(schema.table.identity.len());
    for k in &schema.table.identity {
        let value = schema
            .field_index(k)
            .map(|i| record.vals[i].display())
            .unwrap_or_default();
        if value.is_empty() {
            return String::new();
        }
        parts.push(value);
    }
    parts.join("|")
}

/// The main row a record belongs to: its own identity, or the code it refers to.
fn main_of(schemas: &Schemas, table: TableId, record: &Record, key: &str) -> String {
    match schemas.campaign.to_main(table) {
        Some(reference) if table != schemas.campaign.main() => {
            record.vals[reference.child_field].display()
        }
        // A main row known by its content has no code to show.
        _ if key.starts_with('~') => String::new(),
        _ => key.to_string(),
    }
}

/// Each row's findings (code, field), by (file, sheet, row).
type RowFindings<'a> = HashMap<(&'a str, &'a str, u32), BTreeSet<(String, String)>>;

/// The codes of the rules against a roster (left out of the rounds: see
/// `findings_by_row`).
fn coverage_codes(schemas: &Schemas) -> BTreeSet<&str> {
    schemas
        .campaign
        .cross
        .iter()
        .filter(|r| r.is_coverage())
        .map(|r| r.text.code.as_str())
        .collect()
}

/// Each row's findings, but those against a roster: a round given a roster and the next
/// given none (or another) would show them fixed or new; the coverage is its own account.
fn findings_by_row<'a>(run: &'a Run, schemas: &Schemas) -> RowFindings<'a> {
    let coverage = coverage_codes(schemas);
    let mut out = RowFindings::new();
    for f in run
        .findings
        .iter()
        .filter(|f| !coverage.contains(f.code.as_str()))
    {
        if let Some(row) = f.row {
            out.entry((f.file.as_str(), f.sheet.as_str(), row))
                .or_default()
                .insert((f.code.clone(), f.field.clone()));
        }
    }
    out
}

/// The table name of the rows that hold a village's findings on no row (a file or a
/// sheet it could not read, a column missing), one such row per village.
pub const FILE_LEVEL: &str = "_file";

/// FNV-1a of some texts: a row's content as a key that stays the same from one build and
/// one round to the next (std's hasher promises neither).
fn stable_hash<'a>(parts: impl Iterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// One row of this run as round.parquet keeps it, borrowed from the run (`SnapRow` is
/// its owned form, as a round is read back).
pub struct RoundRow<'a> {
    /// The table's key (`FILE_LEVEL` for a village's findings on no row).
    pub table: &'a str,
    /// The row's identity (the village for a line of file-level findings).
    pub key: String,
    /// The identity of the main row it belongs to.
    pub main: String,
    /// The village of the row.
    pub village: &'a str,
    /// Whether it is rejected.
    pub rejected: bool,
    /// The findings on it as (rule code, field key).
    pub findings: Option<&'a BTreeSet<(String, String)>>,
    /// Its canonical values, in the table's field order.
    pub vals: Vec<crate::cells::Val>,
}

impl RoundRow<'_> {
    /// The row as a round read back holds it.
    pub fn to_snap(&self) -> SnapRow {
        SnapRow {
            table: self.table.to_string(),
            key: self.key.clone(),
            main: self.main.clone(),
            village: self.village.to_string(),
            rejected: self.rejected,
            findings: self.findings.into_iter().flatten().cloned().collect(),
            vals: self.vals.iter().map(|v| v.display()).collect(),
        }
    }
}

impl crate::round_file::KeptRow for RoundRow<'_> {
    fn table(&self) -> &str {
        self.table
    }
    fn key(&self) -> &str {
        &self.key
    }
    fn main(&self) -> &str {
        &self.main
    }
    fn village(&self) -> &str {
        self.village
    }
    fn rejected(&self) -> bool {
        self.rejected
    }
    fn findings(&self) -> impl Iterator<Item = (&str, &str)> {
        self.findings
            .into_iter()
            .flatten()
            .map(|(c, f)| (c.as_str(), f.as_str()))
    }
    fn vals(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        self.vals.iter().map(crate::cells::Val::text)
    }
}

/// This run's rows as round.parquet keeps them: every row, so that every finding is
/// followed, then one row per village holding its findings that sit on no row.
pub struct RoundRows<'a> {
    run: &'a Run,
    schemas: &'a Schemas,
    by_row: RowFindings<'a>,
    file_level: BTreeMap<String, BTreeSet<(String, String)>>,
}

impl<'a> RoundRows<'a> {
    /// Gathers each row's findings, and each village's on no row.
    pub fn new(run: &'a Run, schemas: &'a Schemas) -> RoundRows<'a> {
        RoundRows {
            run,
            schemas,
            by_row: findings_by_row(run, schemas),
            file_level: file_level(run, schemas),
        }
    }

    /// The rows, one at a time. A row is known by its identity; one whose identity cannot
    /// be read by its village and content (`~` and a hash); rows sharing a key are told
    /// apart when compared (`compare`).
    pub fn iter(&self) -> impl Iterator<Item = Result<RoundRow<'_>>> {
        let (run, schemas) = (self.run, self.schemas);
        let records = schemas.ids().flat_map(move |t| {
            let table = schemas.table(t).table.key.as_str();
            crate::spill::full_rows(run, t).map(move |full| {
                let (k, r) = full?;
                let village = run
                    .row_village(k.file(), k.sheet(), k.row)
                    .unwrap_or(&run.village_of_file[k.file()]);
                let mut key = key_of(schemas, t, &r);
                if key.is_empty() {
                    let vals: Vec<_> = r.vals.iter().map(crate::cells::Val::text).collect();
                    let hash = stable_hash(
                        std::iter::once(village).chain(vals.iter().map(|v| v.as_ref())),
                    );
                    key = format!("~{hash:016x}");
                }
                let main = main_of(schemas, t, &r, &key);
                let rel = run.rel[k.file()].as_str();
                Ok(RoundRow {
                    table,
                    main,
                    key,
                    village,
                    rejected: k.rejected,
                    findings: self.by_row.get(&(rel, &**k.sheet(), k.row)),
                    vals: r.vals,
                })
            })
        });
        let file_level = self.file_level.iter().map(|(village, findings)| {
            Ok(RoundRow {
                table: FILE_LEVEL,
                key: village.clone(),
                main: String::new(),
                village,
                rejected: false,
                findings: Some(findings),
                vals: Vec::new(),
            })
        });
        records.chain(file_level)
    }
}

/// Per village, the findings that sit on no row of a table, as (code, field or sheet).
fn file_level(run: &Run, schemas: &Schemas) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let coverage = coverage_codes(schemas);
    // The places of the findings on a row that are a record's: the findings' places
    // looked for among the records (a set of every record's place was 1.3 GB at 24M rows).
    let places: crate::fast::Set<(&str, &str, u32)> = run
        .findings
        .iter()
        .filter_map(|f| Some((f.file.as_str(), f.sheet.as_str(), f.row?)))
        .collect();
    let mut records: crate::fast::Set<(&str, &str, u32)> = crate::fast::set(0);
    if !places.is_empty() {
        for r in schemas.ids().flat_map(|t| run.table(t).iter()) {
            let place = (run.rel[r.file()].as_str(), &**r.sheet(), r.row);
            if places.contains(&place) {
                records.insert(place);
            }
        }
    }
    let village_in = run.finding_villages();
    let mut by_village: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for f in run
        .findings
        .iter()
        .filter(|f| !coverage.contains(f.code.as_str()))
    {
        let on_record = f
            .row
            .is_some_and(|row| records.contains(&(f.file.as_str(), f.sheet.as_str(), row)));
        if on_record {
            continue;
        }
        let village = village_in(f).unwrap_or("").to_string();
        let what = if f.field.is_empty() {
            f.sheet.clone()
        } else {
            f.field.clone()
        };
        by_village
            .entry(village)
            .or_default()
            .insert((f.code.clone(), what));
    }
    by_village
}

/// The head of round.parquet for a run: its campaign, tables' fields and tally.
pub fn head(run: &Run, schemas: &Schemas, deadline: Option<chrono::NaiveDate>) -> SnapHead {
    SnapHead {
        deadline,
        campaign: schemas.campaign.campaign.key.clone(),
        fields: schemas
            .tables
            .iter()
            .map(|t| {
                (
                    t.table.key.clone(),
                    t.fields.iter().map(|f| f.key.clone()).collect(),
                )
            })
            .collect(),
        tally: run.tally.clone(),
    }
}

/// Read an earlier run's round from its out folder: its round.parquet, else the
/// round.jsonl an older version wrote.
pub fn load(out: &Path, schemas: &Schemas, max_mb: u64) -> Result<Snapshot> {
    let Some(path) = crate::round_file::find(out) else {
        anyhow::bail!(
            "--previous {}：找不到 {}/{}（上一轮须用 selfbuilt run 生成）/ no round kept there",
            out.display(),
            crate::round_file::PARQUET_DIR,
            crate::round_file::PARQUET
        );
    };
    let snapshot = if path.extension().is_some_and(|e| e == "parquet") {
        crate::round_file::read_parquet(&path, max_mb)?
    } else {
        crate::round_file::read_jsonl(&path, max_mb)?
    };
    if snapshot.head.campaign != schemas.campaign.campaign.key {
        anyhow::bail!(
            "--previous {}：上一轮是另一项整治（{}）的结果 / the previous round is of campaign {}",
            out.display(),
            snapshot.head.campaign,
            snapshot.head.campaign
        );
    }
    Ok(snapshot)
}

fn count(counts: &mut RoundCounts, change: &str) {
    match change {
        "fixed" => counts.fixed += 1,
        "open" => counts.open += 1,
        "new" => counts.new += 1,
        "added" => counts.added += 1,
        "removed" => counts.removed += 1,
        _ => counts.changed += 1,
    }
}

/// What changed between the previous round and this run.
pub fn compare(prev: &Snapshot, run: &Run, schemas: &Schemas) -> Result<Rounds> {
    let mut matcher = Matcher::new(prev);
    let round_lines = RoundLines {
        main_table: &schemas.table(schemas.campaign.main()).table.key,
    };
    let mut lines = Vec::new();
    let rows = RoundRows::new(run, schemas);
    for now in rows.iter() {
        let now = now?.to_snap();
        let Some(old) = matcher.take(&now) else {
            if now.table != FILE_LEVEL {
                lines.push(round_lines.line(&now, "added", "", "", "", ""));
            }
            for (code, field) in &now.findings {
                lines.push(round_lines.line(&now, "new", code, field, "", ""));
            }
            continue;
        };
        let schema = schemas.tables.iter().find(|t| t.table.key == now.table);
        if let (Some(fields), Some(schema)) = (prev.head.fields.get(&now.table), schema) {
            round_lines.changed_values(&mut lines, fields, schema, old, &now);
        }
        round_lines.finding_changes(&mut lines, old, &now);
    }
    for old in matcher.left_over() {
        // A row taken out (or rewritten past recognition) takes its findings with
        // it: each is fixed, so that every finding of the last round is accounted for.
        if old.table != FILE_LEVEL {
            lines.push(round_lines.line(old, "removed", "", "", "", ""));
        }
        for (code, field) in &old.findings {
            lines.push(round_lines.line(old, "fixed", code, field, "", ""));
        }
    }
    lines.sort();
    let (villages, total) = counts(&lines);
    Ok(Rounds {
        lines,
        villages,
        total,
        previous: prev.head.tally.clone(),
    })
}

/// Matches this run's rows to the previous round's by key; rows sharing a key (a code
/// used twice) are matched one to one, a row with the same values first.
struct Matcher<'a> {
    prev: &'a Snapshot,
    /// The previous rows by (table, key).
    before: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// Which previous rows are matched already.
    used: Vec<bool>,
}

impl<'a> Matcher<'a> {
    fn new(prev: &'a Snapshot) -> Matcher<'a> {
        let mut before: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, row) in prev.rows.iter().enumerate() {
            before
                .entry((row.table.as_str(), row.key.as_str()))
                .or_default()
                .push(i);
        }
        Matcher {
            prev,
            before,
            used: vec![false; prev.rows.len()],
        }
    }

    /// The previous row matching `now`, taken so that no other row matches it.
    fn take(&mut self, now: &SnapRow) -> Option<&'a SnapRow> {
        let used = &self.used;
        let rows = &self.prev.rows;
        let matched = self
            .before
            .get(&(now.table.as_str(), now.key.as_str()))
            .and_then(|candidates| {
                let free = || candidates.iter().copied().filter(|&i| !used[i]);
                free()
                    .find(|&i| rows[i].vals == now.vals)
                    .or_else(|| free().next())
            })?;
        self.used[matched] = true;
        Some(&rows[matched])
    }

    /// The previous rows no row of this run matched.
    fn left_over(&self) -> impl Iterator<Item = &'a SnapRow> + '_ {
        self.prev
            .rows
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(row, _)| row)
    }
}

/// Writes the lines of rounds.csv.
struct RoundLines<'a> {
    /// The main table's key: its rows name no item.
    main_table: &'a str,
}

impl RoundLines<'_> {
    /// One line about a row: what changed (`change`), with the finding's code and field
    /// or the value's field, old and new value.
    fn line(
        &self,
        row: &SnapRow,
        change: &'static str,
        code: &str,
        field: &str,
        old: &str,
        new: &str,
    ) -> RoundLine {
        RoundLine {
            village: row.village.clone(),
            main: row.main.clone(),
            item: self.item(row),
            change,
            code: code.into(),
            field: field.into(),
            old: old.into(),
            new: new.into(),
        }
    }

    /// The row's own code when it is an item of a main row, else nothing.
    fn item(&self, row: &SnapRow) -> String {
        if row.table == self.main_table || row.table == FILE_LEVEL || row.key.starts_with('~') {
            String::new()
        } else {
            row.key.clone()
        }
    }

    /// A "changed" line for each value of the row's fields (`fields` as the previous
    /// round kept them) that differs.
    fn changed_values(
        &self,
        lines: &mut Vec<RoundLine>,
        fields: &[String],
        schema: &crate::schema::TableSchema,
        old: &SnapRow,
        now: &SnapRow,
    ) {
        for (i, f) in schema.fields.iter().enumerate() {
            let Some(previous_column) = fields.iter().position(|k| *k == f.key) else {
                continue;
            };
            let (old_value, new_value) = (
                old.vals
                    .get(previous_column)
                    .map(String::as_str)
                    .unwrap_or(""),
                now.vals[i].as_str(),
            );
            if old_value != new_value {
                lines.push(self.line(now, "changed", "", &f.key, old_value, new_value));
            }
        }
    }

    /// The row's findings compared: fixed, still open, new.
    fn finding_changes(&self, lines: &mut Vec<RoundLine>, old: &SnapRow, now: &SnapRow) {
        let (before, after): (BTreeSet<_>, BTreeSet<_>) =
            (old.findings.iter().collect(), now.findings.iter().collect());
        for (code, field) in before.difference(&after) {
            lines.push(self.line(now, "fixed", code, field, "", ""));
        }
        for (code, field) in before.intersection(&after) {
            lines.push(self.line(now, "open", code, field, "", ""));
        }
        for (code, field) in after.difference(&before) {
            lines.push(self.line(now, "new", code, field, "", ""));
        }
    }
}

/// The lines counted per village and in all.
fn counts(lines: &[RoundLine]) -> (Vec<(String, RoundCounts)>, RoundCounts) {
    let mut villages: BTreeMap<String, RoundCounts> = BTreeMap::new();
    let mut total = RoundCounts::default();
    for line in lines {
        count(
            villages.entry(line.village.clone()).or_default(),
            line.change,
        );
        count(&mut total, line.change);
    }
    (villages.into_iter().collect(), total)
}

/// The previous round's tally row of a village (zeros when it had none).
pub fn previous_row<'a>(tally: &'a Tally, village: &str) -> Option<&'a crate::model::TallyRow> {
    if village == tally.total.village {
        return Some(&tally.total);
    }
    tally.rows.iter().find(|r| r.village == village)
}
