//! The rule registry, modelled on ruff's: every finding the checks can emit has a stable
//! code, a name, a default severity and a doc (what it checks, why it matters to the
//! campaign, a bad and a fixed example). Built-in rules (files F, sheets S, cells C) live
//! here; the campaign's cross-table rules (X, B) and the tables' row rules (R) come from
//! the schemas. `selfbuilt rules [CODE]` prints them.

pub mod copies;
pub mod cross;
pub mod forms;
pub mod row;
pub mod wordings;
pub mod words;

use crate::finding::Severity;
use crate::schema::Schemas;

pub use crate::finding::RuleDoc;

/// The doc of a built-in rule (the engine's, or a registered cell type's).
pub fn builtin(code: &str) -> Option<&'static RuleDoc> {
    all_builtin().find(|r| r.code == code)
}

/// Every built-in rule: the engine's, then each registered cell type's.
pub fn all_builtin() -> impl Iterator<Item = &'static RuleDoc> {
    crate::codes::BUILTIN.iter().copied().chain(
        crate::types::REGISTRY
            .iter()
            .flat_map(|t| t.rules().iter().copied()),
    )
}

/// A rule of either kind, for listing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleEntry {
    /// The rule's code (C008, X001 …).
    pub code: String,
    /// A stable English slug.
    pub name: String,
    /// What a person calls it, in a few Chinese words.
    pub title: String,
    /// Whether a row breaking it is rejected.
    pub severity: Severity,
    /// The table it applies to ("" for a built-in rule of any table).
    pub table: String,
    /// What it checks.
    pub what: String,
    /// Why it matters.
    pub why: String,
    /// An example breaking it.
    pub bad: String,
    /// An example keeping it.
    pub good: String,
    /// How to fix a row breaking it.
    pub fix: String,
    /// In English: what a person calls it, what it checks, how to fix it (the message and
    /// suggestion templates for a schema's rule; empty where the registry has none).
    pub title_en: String,
    /// What it checks, in English.
    pub what_en: String,
    /// How to fix it, in English.
    pub fix_en: String,
    /// The messages it gives, as templates (`{name}` is a value of the case): a built-in
    /// rule's forms from the registry, a schema rule's message and suggestion.
    pub says: Vec<crate::finding::Say>,
}

impl RuleEntry {
    /// The entry of a rule the schemas declare (a cross-table or a row rule: the same
    /// words), on `table`.
    fn declared(text: &crate::finding::RuleText, table: String) -> RuleEntry {
        RuleEntry {
            code: text.code.clone(),
            name: text.name.clone(),
            title: text.title.clone(),
            severity: text.severity,
            table,
            what: text.what.clone(),
            why: text.why.clone(),
            bad: text.bad_example.clone(),
            good: text.good_example.clone(),
            fix: text.suggestion_zh.clone(),
            title_en: text.name.replace('-', " "),
            what_en: text.message_en.clone(),
            fix_en: text.suggestion_en.clone(),
            says: Vec::new(),
        }
    }

    /// The entry of a built-in rule.
    fn builtin(doc: &RuleDoc) -> RuleEntry {
        RuleEntry {
            code: doc.code.into(),
            name: doc.name.into(),
            title: doc.title.into(),
            severity: doc.severity,
            table: String::new(),
            what: doc.what.into(),
            why: doc.why.into(),
            bad: doc.bad.into(),
            good: doc.good.into(),
            fix: doc.fix.into(),
            title_en: doc.title_en.into(),
            what_en: doc.what_en.into(),
            fix_en: String::new(),
            says: doc.says.to_vec(),
        }
    }
}

/// Every rule: built-in ones, then the campaign's cross-table rules, then the tables' row
/// rules.
pub fn catalogue(schemas: &Schemas) -> Vec<RuleEntry> {
    let mut out: Vec<RuleEntry> = all_builtin().map(RuleEntry::builtin).collect();
    for rule in cross::CrossRules::of(schemas).rules {
        let table = rule.kind.get().shown_table(schemas);
        out.push(RuleEntry::declared(&rule.text, table));
    }
    for t in &schemas.tables {
        for r in &t.rules {
            out.push(RuleEntry::declared(&r.text, t.table.key.clone()));
        }
    }
    out
}

/// What a person calls a rule (its Chinese title; `code` itself when unknown).
pub fn title_of<'a>(cat: &'a [RuleEntry], code: &'a str) -> &'a str {
    cat.iter()
        .find(|r| r.code == code)
        .map(|r| r.title.as_str())
        .unwrap_or(code)
}

/// Look a rule up by code (case-insensitive) or name.
pub fn find<'a>(cat: &'a [RuleEntry], q: &str) -> Option<&'a RuleEntry> {
    cat.iter()
        .find(|r| r.code.eq_ignore_ascii_case(q) || r.name == q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for r in all_builtin() {
            assert!(
                !r.title_en.is_empty() && !r.what_en.is_empty(),
                "{}",
                r.code
            );
            assert!(seen.insert(r.code), "duplicate {}", r.code);
            assert!(
                !r.what.is_empty()
                    && !r.why.is_empty()
                    && !r.bad.is_empty()
                    && !r.good.is_empty()
                    && !r.fix.is_empty()
                    && !r.title.is_empty(),
                "{}",
                r.code
            );
            // A corrected example is an example, not the advice again.
            assert_ne!(r.good, r.fix, "{}", r.code);
        }
    }

    /// Every built-in rule says something, in both languages, and no two of its message
    /// forms share a name.
    #[test]
    fn every_builtin_rule_has_its_messages() {
        for r in all_builtin() {
            assert!(!r.says.is_empty(), "{} has no message", r.code);
            for s in r.says {
                for t in [s.zh, s.en, s.fix_zh, s.fix_en] {
                    assert!(!t.trim().is_empty(), "{} {}: an empty text", r.code, s.name);
                }
            }
        }
        let mut names: Vec<&str> = all_builtin()
            .flat_map(|r| r.says.iter().map(|s| s.name))
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "message names are unique");
    }

    /// Built-in codes are named through their `codes` statics only: no code is spelled
    /// as a string outside the registry and the tests, so none can drift from its doc.
    #[test]
    fn no_code_is_spelled_outside_the_registry() {
        let re = regex::Regex::new(r#""([FSCXB]\d{3})""#).unwrap();
        let cut = regex::Regex::new(r"#\[cfg\([^\]]*test").unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    let code = cut.split(&text).next().unwrap_or("");
                    let registry = p.ends_with("codes.rs") || p.ends_with("credit_code.rs");
                    for (n, line) in code.lines().enumerate() {
                        if re.is_match(line) && !registry && !line.trim_start().starts_with("//") {
                            panic!("{}:{}: {line}", p.display(), n + 1);
                        }
                    }
                }
            }
        }
    }
}
