//! Every distinct wording the run could not read, or read only by something weaker than a
//! label, alias or listed synonym — headers taken as their nearest field or left out, and
//! option forms read by a weak tier or not read at all — gathered once each with how many
//! columns or cells hold it, where, and what it was read as or what the evidence proposes.
//! A clerk checks each wording once instead of reading about it on every sheet and row;
//! `check`, errors.xlsx's 汇总, report.html, summary.json and learned.toml show this list.

use std::collections::BTreeMap;

use crate::cells::enum_policy::{self, Resolved, Rule};
use crate::cells::enums;
use crate::model::{Run, Wording, WordingKind};
use crate::recognise::How;
use crate::schema::{Field, FieldType, Lexicon, Schemas};
use crate::text::{norm_key, trim};

use super::forms::{named_cells, tier_words, WeakForms};

/// The run's distinct wordings, in the campaign's table order, headers before options,
/// then by field and wording. `table_of` gives each (file, sheet)'s tables, `weak` the
/// option forms read by a weak tier (`forms::weak_forms`).
pub fn collect(
    run: &Run,
    table_of: &BTreeMap<(String, String), Vec<usize>>,
    weak: &WeakForms,
    schemas: &Schemas,
) -> Vec<Wording> {
    let mut all = Wordings::new();
    headers(run, schemas, &mut all);
    for ((ti, key, form), w) in weak {
        let Some(t) = schemas.tables.get(*ti) else {
            continue;
        };
        let (how, how_en) = tier_words(w.rule);
        let e = all
            .entry((*ti, WordingKind::Value, key.clone(), form.clone()))
            .or_insert_with(|| {
                (
                    Wording {
                        kind: WordingKind::Value,
                        table: t.table.key.clone(),
                        field: key.clone(),
                        form: form.clone(),
                        taken: Some(w.value.clone()),
                        guess: Some(w.value.clone()),
                        how_zh: how.to_string(),
                        how_en: how_en.to_string(),
                        near: w.rule == Rule::NearSynonym,
                        count: 0,
                        cells: Vec::new(),
                        rivals: Vec::new(),
                    },
                    Vec::new(),
                )
            });
        e.1.extend(w.cells.iter().cloned());
    }
    // Forms no tier could read: C002's cells.
    let lex = &schemas.lexicon;
    for x in run
        .findings
        .iter()
        .filter(|x| x.code == crate::codes::C002.code && x.row.is_some())
    {
        let Some((ti, f)) = table_of
            .get(&(x.file.clone(), x.sheet.clone()))
            .and_then(|tis| super::forms::enum_field(schemas, tis, &x.field))
        else {
            continue;
        };
        let t = &schemas.tables[ti];
        let items: Vec<String> = if f.ty == FieldType::EnumList {
            enum_policy::split_list(f, lex, &x.value)
                .into_iter()
                .filter(|p| !matches!(enums::resolve(f, lex, p), Resolved::Value(..)))
                .collect()
        } else {
            vec![trim(&x.value).to_string()]
        };
        for item in items {
            if norm_key(&item).is_empty() {
                continue;
            }
            let key = (ti, WordingKind::Value, f.key.clone(), item.clone());
            let e = all.entry(key).or_insert_with(|| {
                let (guess, zh, en) = evidence_guess(f, lex, &item);
                (
                    Wording {
                        kind: WordingKind::Value,
                        table: t.table.key.clone(),
                        field: f.key.clone(),
                        form: item.clone(),
                        taken: None,
                        guess,
                        how_zh: zh,
                        how_en: en,
                        near: false,
                        count: 0,
                        cells: Vec::new(),
                        rivals: Vec::new(),
                    },
                    Vec::new(),
                )
            });
            if let Some(row) = x.row {
                e.1.push((x.file.clone(), x.sheet.clone(), row, x.col.unwrap_or(0)));
            }
        }
    }
    all.into_values()
        .map(|(mut w, spots)| {
            w.count = spots.len();
            w.cells = named_cells(&spots);
            w
        })
        .collect()
}

/// A header's lowest row, as one line (a header broken over lines in its cell is one
/// wording), without the marks of a required column.
fn header_leaf(header: &str) -> String {
    trim(header.rsplit('›').next().unwrap_or(header))
        .trim_start_matches(['*', '※'])
        .lines()
        .map(str::trim)
        .collect()
}

/// The other fields the evidence ranks for a column, best first, for a person to pick:
/// (field key, how close in words).
fn rivals(
    t: &crate::schema::TableSchema,
    c: &crate::model::Column,
    guess: Option<&str>,
) -> Vec<(String, String)> {
    c.candidates
        .iter()
        .filter(|x| guess != Some(t.fields[x.0].key.as_str()))
        .take(3)
        .map(|x| (t.fields[x.0].key.clone(), format!("相近程度 {:.2}", x.1)))
        .collect()
}

/// A wording and every (file, sheet, row, column) holding it.
type Spotted = (Wording, Vec<(String, String, u32, u32)>);

/// (table, kind, field, form) → the wording and its places.
type Wordings = BTreeMap<(usize, WordingKind, String, String), Spotted>;

/// Headers taken as their nearest field with little certainty, or left out.
fn headers(run: &Run, schemas: &Schemas, all: &mut Wordings) {
    for (i, f) in run.files.iter().enumerate() {
        let rel = &run.rel[i];
        for s in &f.sheets {
            let (Some(tk), Some((_, last))) = (s.table, s.header) else {
                continue;
            };
            let t = schemas.table(tk);
            for c in &s.columns {
                let leaf = header_leaf(&c.header);
                if leaf.is_empty() {
                    continue;
                }
                let others = |skip: Option<usize>| -> Vec<(String, String)> {
                    c.candidates
                        .iter()
                        .filter(|x| Some(x.0) != skip)
                        .take(2)
                        .map(|x| {
                            let f = &t.fields[x.0];
                            (
                                format!("{}（{:.2}）", f.label, x.1),
                                format!("{} ({:.2})", f.key, x.1),
                            )
                        })
                        .collect()
                };
                let list = |v: &[(String, String)], zh: bool| -> String {
                    v.iter()
                        .map(|x| if zh { x.0.as_str() } else { x.1.as_str() })
                        .collect::<Vec<_>>()
                        .join(if zh { "、" } else { ", " })
                };
                let mut w = match (c.how, c.field) {
                    (How::Guess, Some(fi)) if c.weak => {
                        let o = others(Some(fi));
                        let field = &t.fields[fi];
                        Wording {
                            kind: WordingKind::Header,
                            table: t.table.key.clone(),
                            field: field.key.clone(),
                            form: leaf.clone(),
                            taken: Some(field.key.clone()),
                            guess: Some(field.key.clone()),
                            how_zh: if o.is_empty() {
                                c.evidence.clone()
                            } else {
                                format!("{}；其他可能：{}", c.evidence, list(&o, true))
                            },
                            how_en: if o.is_empty() {
                                "nearest field".to_string()
                            } else {
                                format!("other candidates: {}", list(&o, false))
                            },
                            near: false,
                            count: 0,
                            cells: Vec::new(),
                            rivals: Vec::new(),
                        }
                    }
                    (How::Unmapped, None) => {
                        let o = others(None);
                        let closest = c.candidates.first().map(|x| t.fields[x.0].key.clone());
                        Wording {
                            kind: WordingKind::Header,
                            table: t.table.key.clone(),
                            field: closest.clone().unwrap_or_default(),
                            form: leaf.clone(),
                            taken: None,
                            guess: closest,
                            how_zh: if o.is_empty() {
                                "没有接近的字段".to_string()
                            } else {
                                format!("最接近：{}", list(&o, true))
                            },
                            how_en: if o.is_empty() {
                                "no field is close".to_string()
                            } else {
                                format!("closest: {}", list(&o, false))
                            },
                            near: false,
                            count: 0,
                            cells: Vec::new(),
                            rivals: Vec::new(),
                        }
                    }
                    _ => continue,
                };
                w.rivals = rivals(t, c, w.guess.as_deref());
                let key = (tk.index(), WordingKind::Header, w.field.clone(), leaf);
                all.entry(key).or_insert_with(|| (w, Vec::new())).1.push((
                    rel.clone(),
                    s.name.clone(),
                    last,
                    c.col,
                ));
            }
        }
    }
}

/// The value an unread form's evidence points to, if it points to one, and that evidence
/// in words (Chinese, English). Only evidence proposes: one character off a value, a
/// stage word naming one value. Several readings, or mere likeness of characters, propose
/// nothing (a clerk who accepts a guess must get a right value); the candidates are named.
pub fn evidence_guess(f: &Field, lex: &Lexicon, item: &str) -> (Option<String>, String, String) {
    match enums::resolve(f, lex, item) {
        Resolved::Typo(v) => (
            Some(v.clone()),
            format!("与“{v}”只差一个字"),
            format!("one character off {v}"),
        ),
        Resolved::Beyond { reached, instead } if instead.len() == 1 => (
            Some(instead[0].clone()),
            format!("按进度词，应是“{}”而不是“{reached}”", instead[0]),
            format!("by its stage words, {} rather than {reached}", instead[0]),
        ),
        Resolved::Beyond { reached, instead } => {
            let (z, e) = if instead.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    format!("，可能是：{}", instead.join("、")),
                    format!("; maybe {}", instead.join(", ")),
                )
            };
            (
                None,
                format!("进度与“{reached}”不符{z}"),
                format!("its stage does not match {reached}{e}"),
            )
        }
        Resolved::Ambiguous(v) => (
            None,
            format!("可能是：{}", v.join("、")),
            format!("could be {}", v.join(", ")),
        ),
        Resolved::Value(v, _) => (
            Some(v),
            "按选项规则".to_string(),
            "by the option rules".to_string(),
        ),
        Resolved::Unknown => match enums::closest(f, item) {
            Some(c) => (
                None,
                format!("字面最接近“{c}”，但没有依据说明是它"),
                format!("nearest in spelling to {c}, with no evidence that it is"),
            ),
            None => (
                None,
                "没有任何依据".to_string(),
                "no evidence points to any value".to_string(),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A form with no evidence gets no guess (never the first value); a form one
    /// character off a value gets that value.
    #[test]
    fn no_evidence_no_guess() {
        let s = Schemas::shipped().unwrap();
        let t = s.table(crate::schema::test_tables::Buildings);
        let f = t.field("appraisal_grade").unwrap();
        let (guess, why, _) = evidence_guess(f, &s.lexicon, "危险房屋整栋");
        assert_eq!(guess, None, "{why}");
        let f = t.field("structure").unwrap();
        assert_eq!(
            evidence_guess(f, &s.lexicon, "砌体结沟").0.as_deref(),
            Some("砌体结构")
        );
    }
}
