//! Making rows of every table from the schemas alone: a value per field from its type,
//! range, enum values and example and the campaign's `[demo]` words; fresh codes (a
//! child's code from its parent's); a row of any table, then repaired until its table's
//! row rules hold; a condition made to hold of a row; the town's village names.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};

use super::rng::Rng;
use super::row::{day_text, holds, Row};
use crate::schema::{Cond, Field, FieldType, Schemas, TableId, TableSchema};

/// The town's maker of values and rows: its randomness, and what it must not make twice.
pub struct Gen<'a> {
    /// The campaign's schemas, which say what a row holds.
    pub schemas: &'a Schemas,
    /// The randomness: the same seed makes the same town.
    pub rng: Rng,
    /// The day the demo is "today".
    today: NaiveDate,
    /// Sequence numbers per table, for codes.
    seq: Vec<u64>,
    /// Codes made, so none repeats.
    used: HashSet<String>,
    /// Children numbered so far per (code field, parent code).
    children: HashMap<String, u32>,
    /// Per `unique`/`same_values` rule, the values met so far in the town.
    pub seen: HashMap<usize, HashSet<String>>,
}

impl<'a> Gen<'a> {
    /// A generator over these schemas, its randomness from `seed`.
    pub fn new(s: &'a Schemas, seed: u64) -> Gen<'a> {
        Gen {
            schemas: s,
            rng: Rng::new(seed),
            today: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
            seq: vec![0; s.tables.len()],
            used: Default::default(),
            children: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    fn words(&self) -> &crate::schema::campaign::DemoWords {
        &self.schemas.campaign.demo
    }

    fn person(&mut self, f: &Field) -> String {
        let w = &self.schemas.campaign.demo;
        if w.surnames.is_empty() || w.given.is_empty() {
            return f.example.clone();
        }
        let (a, b) = (
            self.rng.below(w.surnames.len()),
            self.rng.below(w.given.len()),
        );
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
        let n = self.rng.below(90) + 1;
        let mut text = list[self.rng.below(list.len())]
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
                let w = &words[self.rng.below(words.len())];
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
        lo + Days::new(self.rng.below(span.min(600)) as u64)
    }

    /// A fresh code shaped like the field's example: its last run of digits replaced by a
    /// sequence number (a registered type makes its own).
    fn code(&mut self, t: TableId, f: &Field) -> String {
        loop {
            self.seq[t.index()] += 1;
            let n = self.seq[t.index()] * 7 + self.rng.below(7) as u64;
            let c = match f.ty {
                FieldType::Plugin(p) => p.0.sample(self.rng.next_u64()),
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

    /// A value for field `f` of table `t`: a `[demo]` sample, else one made from the
    /// field's type, range and example.
    pub fn value(
        &mut self,
        t: TableId,
        f: &Field,
        village: &str,
        parent: Option<(&TableSchema, &Row)>,
    ) -> String {
        let ts = self.schemas.table(t);
        if let Some(x) = self.sample(ts, f, village, parent) {
            return x;
        }
        let lex = &self.schemas.lexicon;
        match f.ty {
            FieldType::Enum => self.rng.pick(&f.values).clone(),
            FieldType::EnumList => self.rng.pick(&f.values).clone(),
            FieldType::Bool => {
                if self.rng.chance(0.3) {
                    lex.bool_true[0].clone()
                } else {
                    lex.bool_false[0].clone()
                }
            }
            FieldType::Date => day_text(self.date(f)),
            FieldType::Integer | FieldType::Number => {
                let lo = f.min.unwrap_or(0.0).max(0.0) as i64 + i64::from(f.min_exclusive);
                let hi = f.max.unwrap_or(lo as f64 + 100.0).min(lo as f64 + 200.0) as i64;
                (lo + self.rng.below((hi - lo).max(1) as usize) as i64).to_string()
            }
            FieldType::Phone => format!("13{:09}", self.rng.next_u64() % 1_000_000_000),
            FieldType::IdCard => {
                let body = format!(
                    "450103{}{:02}{:02}{:03}",
                    1950 + self.rng.below(50),
                    1 + self.rng.below(12),
                    1 + self.rng.below(28),
                    self.rng.below(1000)
                );
                let c = crate::cells::idcard::check_char(&body).unwrap_or('0');
                format!("{body}{c}")
            }
            FieldType::Lon | FieldType::Lat => {
                let (lo, hi) = (f.min.unwrap_or(0.0), f.max.unwrap_or(1.0));
                crate::value::fmt_num(
                    ((lo + (hi - lo) * 0.5) * 1000.0).round() / 1000.0
                        + self.rng.below(1000) as f64 / 10_000.0,
                )
            }
            FieldType::Code | FieldType::Plugin(_) => self.code(t, f),
            FieldType::Text => match f.profile {
                Some(crate::schema::Profile::PersonName) => self.person(f),
                Some(crate::schema::Profile::Place) => village.to_string(),
                Some(crate::schema::Profile::Address) => {
                    format!("{village}{}号", self.rng.below(90) + 1)
                }
                _ if !f.example.is_empty() => f.example.clone(),
                _ => f.label.clone(),
            },
        }
    }

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

    /// A child's code shaped as its parent's code and a suffix (the field's example is the
    /// parent's example and a suffix, as YH…102-01 of YH…102): the parent's code, then
    /// the suffix counting the parent's children.
    fn child_code(&mut self, t: TableId, f: &Field, prow: &Row, pf: usize) -> Option<String> {
        let rx = self.schemas.campaign.to_main(t)?;
        let pex = &self.schemas.table(t).fields[rx.child_field].example;
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
    pub fn refers(&self, t: TableId, i: usize) -> bool {
        self.schemas
            .campaign
            .to_main(t)
            .is_some_and(|rx| rx.child_field == i)
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
