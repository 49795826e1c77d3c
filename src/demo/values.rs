//! Making a value for a field of any table from the schemas alone: from its type, range,
//! enum values and example and the campaign's `[demo]` words (samples, names, parts);
//! fresh codes shaped as the field's example, a child's code from its parent's. Holds
//! the town's generator, its randomness and what it must not make twice.

use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate};

use super::rng::Rng;
use super::row::{day_text, Row};
use crate::schema::{Field, FieldType, Schemas, TableId, TableSchema};

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
    pub seen: HashMap<String, HashSet<String>>,
    /// The part every fresh code of the campaign's `[place] county` field carries there
    /// (a county's division code), when set (`in_place`).
    place: Option<String>,
}

impl<'a> Gen<'a> {
    /// A generator over these schemas, its randomness from `seed`.
    pub fn new(schemas: &'a Schemas, seed: u64) -> Gen<'a> {
        Gen {
            schemas,
            rng: Rng::new(seed),
            today: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
            seq: vec![0; schemas.tables.len()],
            used: Default::default(),
            children: HashMap::new(),
            seen: HashMap::new(),
            place: None,
        }
    }

    /// The same generator, its fresh codes of the campaign's `[place] county` field
    /// carrying `part` where that field's county part sits (a plain code field only: a
    /// registered type makes its own codes, check characters and all).
    pub fn in_place(mut self, part: Option<String>) -> Gen<'a> {
        self.place = part;
        self
    }

    /// `code` with the place part put where the `[place] county` part of field `f` of
    /// table `t` sits, when the generator has a place and `f` is that field.
    fn placed(&self, t: TableId, f: &Field, code: String) -> String {
        let Some(place) = &self.place else {
            return code;
        };
        let Some(part) = self.schemas.campaign.place.county.as_ref() else {
            return code;
        };
        let here = part
            .ix
            .is_some_and(|(pt, pf)| pt == t && self.schemas.table(t).fields[pf].key == f.key);
        if !here || part.of(&code).is_none() {
            return code;
        }
        let chars: Vec<char> = code.chars().collect();
        chars[..part.start]
            .iter()
            .chain(place.chars().collect::<Vec<_>>().iter())
            .chain(&chars[part.start + part.len..])
            .collect()
    }

    /// The campaign's `[demo]` words.
    fn words(&self) -> &crate::schema::campaign::DemoWords {
        &self.schemas.campaign.demo
    }

    /// A person's name from the `[demo]` surnames and given names (else the example).
    fn person(&mut self, f: &Field) -> String {
        let w = &self.schemas.campaign.demo;
        if w.surnames.is_empty() || w.given.is_empty() {
            return f.example.clone();
        }
        let (surname, given) = (
            self.rng.below(w.surnames.len()),
            self.rng.below(w.given.len()),
        );
        format!("{}{}", w.surnames[surname], w.given[given])
    }

    /// One of the `[demo]` samples for the field, its `{village}`, `{n}`, `{parent.KEY}`
    /// and `{part}` places filled; none if the words have no samples for it.
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

    /// A day in the two years or so before "today" (not before the field's `min_date`).
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
                    let c = format!(
                        "{kept}{:0width$}{}",
                        n % 10u64.pow(width.min(18) as u32),
                        &ex[end..]
                    );
                    self.placed(t, f, c)
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

    /// A child's code shaped as its parent's code and a suffix (the field's example is the
    /// parent's example and a suffix, as YH…102-01 of YH…102): the parent's code, then
    /// the suffix counting the parent's children.
    pub fn child_code(
        &mut self,
        t: TableId,
        f: &Field,
        parent_row: &Row,
        parent_field: usize,
    ) -> Option<String> {
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
        let parent = &parent_row[parent_field];
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gongmao() -> Schemas {
        Schemas::load(None, Some("gongmao")).unwrap()
    }

    /// Every field's value of every table, for `rows` rows in turn.
    fn values(s: &Schemas, seed: u64, rows: usize) -> Vec<String> {
        let mut g = Gen::new(s, seed);
        let mut out = Vec::new();
        for _ in 0..rows {
            for t in s.ids() {
                for f in &s.table(t).fields {
                    out.push(g.value(t, f, "V", None));
                }
            }
        }
        out
    }

    #[test]
    fn the_same_seed_makes_the_same_values_another_seed_others() {
        for s in [Schemas::shipped().unwrap(), gongmao()] {
            assert_eq!(values(&s, 7, 20), values(&s, 7, 20));
            assert_ne!(values(&s, 7, 20), values(&s, 8, 20));
        }
    }

    #[test]
    fn values_keep_their_fields_types_and_enum_values() {
        for s in [Schemas::shipped().unwrap(), gongmao()] {
            let mut g = Gen::new(&s, 3);
            for t in s.ids() {
                let ts = s.table(t);
                for f in &ts.fields {
                    for _ in 0..20 {
                        let v = g.value(t, f, "V", None);
                        let sampled = s.campaign.demo.samples.contains_key(&f.key)
                            || s.campaign
                                .demo
                                .samples
                                .contains_key(&format!("{}.{}", ts.table.key, f.key));
                        if sampled {
                            continue;
                        }
                        match f.ty {
                            FieldType::Enum => assert!(f.values.contains(&v), "{} {v}", f.key),
                            FieldType::Date => assert!(
                                NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_ok(),
                                "{} {v}",
                                f.key
                            ),
                            FieldType::Integer => assert!(v.parse::<i64>().is_ok(), "{v}"),
                            FieldType::IdCard => {
                                let body = &v[..17];
                                let check = crate::cells::idcard::check_char(body);
                                assert_eq!(check, v.chars().last(), "{v}");
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn codes_never_repeat_and_keep_their_examples_shape() {
        let s = Schemas::shipped().unwrap();
        let main = s.campaign.main();
        let ms = s.table(main);
        let k = ms.field_index(&ms.table.identity[0]).unwrap();
        let f = &ms.fields[k];
        let mut g = Gen::new(&s, 1);
        let codes: Vec<String> = (0..2000).map(|_| g.value(main, f, "V", None)).collect();
        let distinct: HashSet<&String> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
        if f.ty == FieldType::Code && !f.example.is_empty() {
            for c in &codes {
                assert_eq!(c.chars().count(), f.example.chars().count(), "{c}");
            }
        }
    }

    #[test]
    fn a_childs_code_is_its_parents_and_a_counted_suffix() {
        let s = Schemas::shipped().unwrap();
        let mut g = Gen::new(&s, 1);
        let main = s.campaign.main();
        let found = s.ids().filter(|&t| t != main).find_map(|t| {
            let rx = *s.campaign.to_main(t)?;
            let parent: Row = (0..s.table(main).fields.len())
                .map(|i| {
                    if i == rx.parent_field {
                        "P77".into()
                    } else {
                        String::new()
                    }
                })
                .collect();
            let f = s
                .table(t)
                .fields
                .iter()
                .find(|f| g.child_code(t, f, &parent, rx.parent_field).is_some())?;
            let next = g.child_code(t, f, &parent, rx.parent_field)?;
            Some(next)
        });
        let code = found.expect("a child table whose code is shaped from its parent's");
        assert!(code.starts_with("P77"), "{code}");
        assert!(code.ends_with('2'), "the second child of P77: {code}");
    }
}
