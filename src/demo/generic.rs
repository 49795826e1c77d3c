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
use rust_xlsxwriter::{Format, Workbook};

use super::Rng;
use crate::schema::campaign::{CrossKind, Expect};
use crate::schema::{Cond, Field, FieldType, Schemas, TableId, TableSchema};

/// What was written: files, rows per table, and each spoiled cell (file, table, row
/// number in its sheet, field key, what was done).
#[derive(Debug, Default)]
pub struct Manifest {
    pub files: usize,
    pub rows: Vec<usize>,
    pub spoiled: Vec<(String, String, u32, String, &'static str)>,
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
}

impl Gen<'_> {
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
                    let width = (end - start).max(4);
                    format!(
                        "{}{:0width$}{}",
                        &ex[..start],
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
                format!(
                    "{:.4}",
                    lo + (hi - lo) * 0.5 + self.r.below(100) as f64 / 1000.0
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

/// Write a demo town of the campaign into `out`: `n` main rows over `villages` villages.
pub fn write_town(
    schemas: &Schemas,
    out: &Path,
    seed: u64,
    n: usize,
    villages: usize,
    faults: bool,
) -> Result<Manifest> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let c = &schemas.campaign;
    let main = c.main();
    let names: Vec<String> = if c.demo.villages.is_empty() {
        (1..=villages)
            .map(|i| format!("{}{i}", schemas.lexicon.unknown_village))
            .collect()
    } else {
        c.demo.villages.clone()
    };
    let villages = villages.clamp(1, names.len()).min(n.max(1));
    let mut g = Gen {
        s: schemas,
        r: Rng::new(seed ^ 0x5EED),
        today: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
        seq: vec![0; schemas.tables.len()],
        used: Default::default(),
    };
    let mut m = Manifest {
        rows: vec![0; schemas.tables.len()],
        ..Default::default()
    };
    let ms = schemas.table(main);
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
        keep_children_rules(schemas, &mut rows);
        let file = format!("{village}.xlsx");
        if faults {
            spoil(&mut g, &file, &mut rows, &mut m);
        }
        write_book(schemas, &out.join(&file), village, &rows, vi)?;
        for (t, rs) in rows.iter().enumerate() {
            m.rows[t] += rs.len();
        }
        m.files += 1;
    }
    Ok(m)
}

/// Drop or change child rows so the campaign's `children` checks hold.
fn keep_children_rules(s: &Schemas, rows: &mut [Vec<Row>]) {
    let c = &s.campaign;
    for rule in c.cross.iter().filter(|r| r.kind == CrossKind::Children) {
        let rx = c.references[rule.ix.reference].ix;
        let (ps, cs) = (s.table(rx.parent), s.table(rx.child));
        let parents: Vec<String> = rows[rx.parent.index()]
            .iter()
            .filter(|p| rule.when.iter().all(|cd| holds(ps, cd, p)))
            .map(|p| p[rx.parent_field].clone())
            .collect();
        let kids = &mut rows[rx.child.index()];
        for code in parents {
            let of: Vec<usize> = (0..kids.len())
                .filter(|&i| kids[i][rx.child_field] == code)
                .collect();
            if of.is_empty() {
                continue;
            }
            let matched = |k: &Row| rule.where_.iter().all(|cd| holds(cs, cd, k));
            match rule.expect {
                Some(Expect::None) => {
                    // Make each matching child miss the first condition.
                    let Some(cd) = rule.where_.first() else {
                        continue;
                    };
                    let Some(f) = cs.field_index(&cd.field) else {
                        continue;
                    };
                    let other = match cd.not_in.first() {
                        Some(v) => Some(v.clone()),
                        None => cs.fields[f]
                            .values
                            .iter()
                            .find(|v| !cd.is_in.contains(v))
                            .cloned(),
                    };
                    for &i in &of {
                        if let (true, Some(v)) = (matched(&kids[i]), &other) {
                            kids[i][f] = v.clone();
                        }
                    }
                }
                Some(Expect::Some) if !of.iter().any(|&i| matched(&kids[i])) => {
                    for cd in &rule.where_ {
                        if let (Some(f), Some(v)) = (cs.field_index(&cd.field), cd.is_in.first()) {
                            kids[of[0]][f] = v.clone();
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Spoil a few cells the way villages do: a required cell left blank, a code one
/// character off, an enum written as one of its synonyms (cleaned, not an error), a date
/// in Chinese (cleaned).
fn spoil(g: &mut Gen, file: &str, rows: &mut [Vec<Row>], m: &mut Manifest) {
    let s = g.s;
    for t in s.ids() {
        let ts = s.table(t);
        let rs = &mut rows[t.index()];
        if rs.len() < 3 {
            continue;
        }
        let i = 1 + g.r.below(rs.len() - 1);
        let sheet_row = (HEADER_ROW + 1 + i as u32) + 1;
        // A blank required cell (not the one naming the main row).
        if let Some((k, f)) = ts
            .fields
            .iter()
            .enumerate()
            .find(|(k, f)| f.required && !g.refers(t, *k) && f.ty == FieldType::Text)
        {
            rs[i][k] = String::new();
            m.spoiled.push((
                file.into(),
                ts.table.key.clone(),
                sheet_row,
                f.key.clone(),
                "blank",
            ));
        }
        // A synonym for an enum value.
        if let Some((k, f)) = ts
            .fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.ty == FieldType::Enum && !f.synonyms.is_empty())
        {
            let j = (i + 1) % rs.len();
            if let Some((syn, _)) = f.synonyms.iter().find(|(_, v)| **v == rs[j][k]) {
                rs[j][k] = syn.clone();
                let r = (HEADER_ROW + 1 + j as u32) + 1;
                m.spoiled.push((
                    file.into(),
                    ts.table.key.clone(),
                    r,
                    f.key.clone(),
                    "synonym",
                ));
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
                rs[j][k] = format!("{}年{}月{}日", d.year(), d.month(), d.day());
                let r = (HEADER_ROW + 1 + j as u32) + 1;
                m.spoiled
                    .push((file.into(), ts.table.key.clone(), r, f.key.clone(), "date"));
            }
        }
    }
    // One main row's code a character off (its check character, for a type that has one).
    let main = s.campaign.main();
    let ms = s.table(main);
    let rs = &mut rows[main.index()];
    if rs.len() >= 3 {
        if let Some(k) = ms.table.identity.first().and_then(|id| ms.field_index(id)) {
            if matches!(ms.fields[k].ty, FieldType::Plugin(_)) {
                let i = rs.len() - 1;
                let mut v: Vec<char> = rs[i][k].chars().collect();
                if let Some(last) = v.last_mut() {
                    *last = if *last == '0' { '1' } else { '0' };
                }
                rs[i][k] = v.into_iter().collect();
                let r = (HEADER_ROW + 1 + i as u32) + 1;
                m.spoiled.push((
                    file.into(),
                    ms.table.key.clone(),
                    r,
                    ms.fields[k].key.clone(),
                    "check",
                ));
            }
        }
    }
}

/// The 0-based row of the header in each sheet (a title line above it).
const HEADER_ROW: u32 = 1;

fn write_book(s: &Schemas, path: &Path, village: &str, rows: &[Vec<Row>], vi: usize) -> Result<()> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for t in s.ids() {
        let ts = s.table(t);
        let ws = wb.add_worksheet();
        ws.set_name(&ts.table.label)?;
        ws.write_string_with_format(0, 0, crate::template::title(ts, village), &bold)?;
        // Villages word their headers their own way: every other one uses aliases.
        let labels: HashMap<usize, &str> = ts
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let alias = f
                    .aliases
                    .get((vi + i) % f.aliases.len().max(1))
                    .filter(|_| vi % 2 == 1);
                (i, alias.map(String::as_str).unwrap_or(&f.label))
            })
            .collect();
        for (i, _) in ts.fields.iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, i as u16, labels[&i], &bold)?;
            ws.set_column_width(i as u16, 16.0)?;
        }
        for (r, row) in rows[t.index()].iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(HEADER_ROW + 1 + r as u32, c as u16, v)?;
                }
            }
        }
    }
    wb.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
