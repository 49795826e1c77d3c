//! The lookup keys of the schemas' words, worked out once when they load (`prepare`): a
//! written form normalised (`norm_key`, then the lexicon's equivalents), with the
//! near-synonyms put in, without brackets; every form of a field's values and synonyms; a
//! field's wordings and concept words; the lexicon's words (`LexKeys`). The recogniser and
//! the enum policy (`cells::enum_policy`) compare headers and written cells against these.

use super::lexicon::{LexKeys, Lexicon};
use super::stages::StageWords;
use super::table::{Field, Prepared, TableSchema};
use crate::text::{label_key, norm_key};

/// Work out the lookup keys of the lexicon and of every field (`LexKeys`, `Prepared`).
pub fn prepare(tables: &mut [TableSchema], lex: &mut Lexicon) {
    lex.keys = lexicon_keys(lex);
    lex.keys.near = near_synonym_keys(lex);
    for t in tables.iter_mut() {
        for f in t.fields.iter_mut() {
            f.prepared = field_keys(f, lex);
        }
    }
}

/// `norm_key` of each word, the empty ones left out.
fn norm_keys(words: &[String]) -> Vec<String> {
    words
        .iter()
        .map(|w| norm_key(w))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The lexicon's words as keys, but for the near-synonyms (`near_synonym_keys`), which
/// are keyed under these equivalents.
fn lexicon_keys(lex: &Lexicon) -> LexKeys {
    LexKeys {
        header_filler: norm_keys(&lex.header_filler),
        neutral_words: norm_keys(&lex.neutral_words),
        negations: norm_keys(&lex.negations),
        equivalents: lex
            .equivalents
            .iter()
            .filter_map(|g| g.split_first())
            .map(|(canon, variants)| (norm_key(canon), norm_keys(variants)))
            .collect(),
        near: Vec::new(),
        stages: StageWords::new(&lex.stages),
        yes_no: (yes_no_keys(&lex.bool_true), yes_no_keys(&lex.bool_false)),
    }
}

/// Yes/no words as a cell is compared with them (`cells::misc::parse_bool`).
pub fn yes_no_keys(words: &[String]) -> Vec<String> {
    words
        .iter()
        .map(|w| crate::text::nfkc_trim(w).to_lowercase())
        .collect()
}

/// (word, the word kept) of every near-synonym as keys, the kept words included, longest
/// first.
fn near_synonym_keys(lex: &Lexicon) -> Vec<(String, String)> {
    let mut near: Vec<(String, String)> = Vec::new();
    for g in &lex.near_synonyms {
        let Some(kept) = g.first().map(|w| key(lex, w)) else {
            continue;
        };
        for w in g {
            let w = key(lex, w);
            if !w.is_empty() && !near.iter().any(|(x, _)| *x == w) {
                near.push((w, kept.clone()));
            }
        }
    }
    near.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
    near
}

/// A field's wordings, concept words, enum forms and thesaurus as keys.
fn field_keys(f: &Field, lex: &Lexicon) -> Prepared {
    let forms = make_forms(f, lex);
    Prepared {
        wordings: TableSchema::wordings(f)
            .map(|w| label_key(w, &lex.header_units))
            .collect(),
        concepts: f.concepts.iter().map(|g| norm_keys(g)).collect(),
        near_forms: near_forms(&forms, lex),
        forms,
        thesaurus: thesaurus_keys(f, lex),
        no_equivalent: no_equivalent_keys(f),
    }
}

/// The forms with no equivalent by `norm_key` (of two forms alike, the first in order).
fn no_equivalent_keys(f: &Field) -> std::collections::HashMap<String, String> {
    let mut forms: Vec<&String> = f.no_equivalent.keys().collect();
    forms.sort();
    let mut keys = std::collections::HashMap::new();
    for form in forms {
        keys.entry(crate::text::norm_key(form))
            .or_insert_with(|| form.clone());
    }
    keys
}

/// The field's thesaurus words as keys, longest first: (word, value, source).
fn thesaurus_keys(f: &Field, lex: &Lexicon) -> Vec<(String, String, String)> {
    let mut thesaurus: Vec<(String, String, String)> = f
        .thesaurus
        .iter()
        .flat_map(|g| {
            g.words
                .iter()
                .map(|w| (key(lex, w), g.value.clone(), g.source.clone()))
        })
        .filter(|(w, _, _)| !w.is_empty())
        .collect();
    thesaurus.sort_by_key(|(w, _, _)| std::cmp::Reverse(w.chars().count()));
    thesaurus
}

/// Normalised key of a form: `norm_key`, then the lexicon's equivalents.
pub fn key(lex: &Lexicon, s: &str) -> String {
    let mut k = norm_key(s);
    for (canon, variants) in &lex.keys.equivalents {
        for v in variants {
            if k.contains(v.as_str()) {
                k = k.replace(v.as_str(), canon);
            }
        }
    }
    k
}

/// A key with the lexicon's near-synonyms put in, longest word first, left to right; a
/// kept word written twice in a row once ("饭馆餐饮" → 餐饮餐饮 → 餐饮).
pub fn near_key(lex: &Lexicon, k: &str) -> String {
    let near = &lex.keys.near;
    if near.is_empty() {
        return k.to_string();
    }
    let mut out = String::new();
    let mut last: Option<&str> = None;
    let mut rest = k;
    'scan: while let Some(c) = rest.chars().next() {
        for (w, kept) in near {
            if rest.starts_with(w.as_str()) {
                if last != Some(kept.as_str()) {
                    out.push_str(kept);
                }
                last = Some(kept.as_str());
                rest = &rest[w.len()..];
                continue 'scan;
            }
        }
        out.push(c);
        last = None;
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A field's forms (from `make_forms`) with the near-synonyms put in.
pub fn near_forms(forms: &[(String, String)], lex: &Lexicon) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (f, c) in forms {
        let n = near_key(lex, f);
        if !n.is_empty() && !out.iter().any(|(g, d)| *g == n && d == c) {
            out.push((n, c.clone()));
        }
    }
    out
}

/// The form without any bracketed part, anywhere.
pub fn strip_parens(k: &str) -> String {
    let mut out = String::new();
    let mut depth = 0i32;
    for c in k.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth - 1).max(0),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every written form of the field's values: (normalised form, canonical value), with
/// and without brackets, under the lexicon's equivalents.
pub fn make_forms(field: &Field, lex: &Lexicon) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let all = field
        .values
        .iter()
        .map(|v| (v, v))
        .chain(field.synonyms.iter());
    for (written, canon) in all {
        let k = key(lex, written);
        let bare = strip_parens(&k);
        for f in [k, bare] {
            if !f.is_empty() && !out.iter().any(|(g, c)| *g == f && c == canon) {
                out.push((f, canon.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    #[test]
    fn prepare_keys_the_lexicon_and_every_field_once_more_alike() {
        let mut s = Schemas::shipped().unwrap();
        let before: Vec<Prepared> = s.tables[0]
            .fields
            .iter()
            .map(|f| f.prepared.clone())
            .collect();
        let near_before = s.lexicon.keys.near.clone();
        prepare(&mut s.tables, &mut s.lexicon);
        let lex = &s.lexicon;
        assert_eq!(lex.keys.near, near_before);
        let lengths: Vec<usize> = lex
            .keys
            .near
            .iter()
            .map(|(w, _)| w.chars().count())
            .collect();
        assert!(lengths.windows(2).all(|w| w[0] >= w[1]), "longest first");
        for (f, was) in s.tables[0].fields.iter().zip(&before) {
            assert_eq!(f.prepared.wordings, was.wordings);
            assert_eq!(f.prepared.forms, was.forms);
            assert_eq!(f.prepared.wordings.len(), TableSchema::wordings(f).count());
            assert_eq!(f.prepared.forms, make_forms(f, lex));
        }
    }

    #[test]
    fn a_form_is_keyed_without_its_brackets_too() {
        assert_eq!(strip_parens("ab(cd)ef(g)"), "abef");
        assert_eq!(strip_parens("a)b(c"), "ab");
    }
}
