//! The lookup keys of the schemas' words, worked out once when they load: a written form
//! normalised (`norm_key`, then the lexicon's equivalents), with the near-synonyms put in,
//! without brackets; every form of a field's values and synonyms. The enum policy
//! (`cells::enum_policy`) compares written cells against these.

use super::{Field, Lexicon};
use crate::text::norm_key;

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
