//! Checks across tables and files (SPEC §4), as the campaign declares them (`[[cross]]`
//! in campaign.toml). Each kind of check is one file here holding its keys, how they are
//! checked against the tables, its check and its demo hook: a child row naming no parent
//! (`unknown_parent`), a parent's value against its child rows (`children`), a child's
//! date against its parent's (`date_order`), identities unique in the batch (`unique`),
//! the same values under two identities (`same_values`), an identity's prefix unlike the
//! batch's (`prefix_outlier`); after rejection, what stands on rejected rows is held back
//! (`held_back`, `children_left`, run by `hold`); against a roster, who was missed
//! (`not_surveyed`, `not_on_roster`, `listed_twice`, run by `coverage`). The kinds are the
//! engine's; every table, field, value and word comes from the campaign.
//!
//! A new kind is a file here implementing [`CrossKind`], its `pub mod` line and its line
//! in `kinds!` below. The three kinds against a roster only give the coverage stage
//! (`coverage`) their words: what they find is found there.

pub mod batch;
pub mod cascade;
pub mod coverage;
pub mod hold;
pub mod kind;
pub mod message;

pub mod children;
pub mod children_left;
pub mod date_order;
pub mod held_back;
pub mod listed_twice;
pub mod not_on_roster;
pub mod not_surveyed;
pub mod prefix_outlier;
pub mod same_values;
pub mod unique;
pub mod unknown_parent;

use rayon::prelude::*;

use crate::finding::{Finding, RuleText};
use crate::schema::Schemas;

use crate::model::Tables;
pub use batch::Batch;

pub use kind::{CrossKind, DemoStep, DemoTown};

/// Declares the kinds: each `file::Type` is the module holding the kind and the type of
/// its keys; `kind = "…"` names it in snake case.
macro_rules! kinds {
    ($($module:ident :: $kind:ident),* $(,)?) => {
        /// A cross-table rule's kind with its keys, as `kind = "…"` names it.
        #[derive(Debug, Clone, serde::Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub enum Kind {
            $(
                #[doc = concat!("See [`", stringify!($module), "`].")]
                $kind($module::$kind),
            )*
        }

        impl Kind {
            /// The kind, as the stages use it.
            pub fn get(&self) -> &dyn CrossKind {
                match self {
                    $(Kind::$kind(kind) => kind,)*
                }
            }

            fn get_mut(&mut self) -> &mut dyn CrossKind {
                match self {
                    $(Kind::$kind(kind) => kind,)*
                }
            }
        }
    };
}

kinds! {
    unknown_parent::UnknownParent,
    date_order::DateOrder,
    children::Children,
    unique::Unique,
    same_values::SameValues,
    prefix_outlier::PrefixOutlier,
    held_back::HeldBack,
    children_left::ChildrenLeft,
    not_surveyed::NotSurveyed,
    not_on_roster::NotOnRoster,
    listed_twice::ListedTwice,
}

/// One of the campaign's cross-table rules, compiled: its words and its kind, the kind's
/// names resolved to indexes.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its code, names, docs and message templates.
    pub text: RuleText,
    /// Its kind with its keys.
    pub kind: Kind,
}

/// The campaign's cross-table rules, compiled, in the campaign's order.
///
/// ```
/// use selfbuilt::rules::cross::CrossRules;
/// let schemas = selfbuilt::schema::Schemas::load(None, Some("selfbuilt")).unwrap();
/// let rules = CrossRules::compile(&schemas).unwrap();
/// assert_eq!(rules.rules.len(), schemas.campaign.cross.len());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CrossRules {
    /// Each rule, in the campaign's order.
    pub rules: Vec<Rule>,
}

impl CrossRules {
    /// The fields every rule reads (`CrossKind::fields`), and every table's identity and
    /// references, which the messages and the batch's indexes read.
    pub fn fields(&self, schemas: &Schemas, need: &mut crate::keep::Need) {
        for t in schemas.ids() {
            for key in &schemas.table(t).table.identity {
                need.key(schemas, t, key);
            }
        }
        for r in &schemas.campaign.references {
            need.field(r.ix.child, r.ix.child_field);
            need.field(r.ix.parent, r.ix.parent_field);
        }
        for rule in &self.rules {
            rule.kind.get().fields(schemas, need);
        }
    }

    /// Compile every `[[cross]]` entry: its kind reads and checks its keys against the
    /// tables, and its messages' placeholders. The error names the entry. `selfbuilt`
    /// compiles them as soon as the schemas are loaded, so a bad entry stops it there.
    pub fn compile(schemas: &Schemas) -> Result<CrossRules, String> {
        let names = schemas.campaign.names(&schemas.tables);
        let mut rules = Vec::with_capacity(schemas.campaign.cross.len());
        for declared in &schemas.campaign.cross {
            let at = |e: String| format!("[[cross]] {}: {e}", declared.text.code);
            let mut kind: Kind = toml::Value::Table(declared.keys.clone())
                .try_into()
                .map_err(|e: toml::de::Error| at(e.message().to_string()))?;
            let coverage = kind.get().is_coverage();
            if coverage != declared.is_coverage() {
                return Err(at(
                    "a cross-table rule's code is X or B and digits; a coverage rule's V and digits"
                        .into(),
                ));
            }
            if coverage && !names.has_coverage {
                return Err(at(format!(
                    "kind {:?} needs a [coverage] section",
                    declared.kind
                )));
            }
            kind.get_mut().resolve(&names).map_err(at)?;
            check_placeholders(&declared.text, kind.get().placeholders()).map_err(at)?;
            rules.push(Rule {
                text: declared.text.clone(),
                kind,
            });
        }
        Ok(CrossRules { rules })
    }

    /// The rules of schemas the command line has already compiled once, when it loaded
    /// them (`selfbuilt rules`, `demo`): schemas whose rules do not compile never get
    /// this far there, and give no rules here. A run compiles them itself and says so
    /// when they do not (`pipeline`).
    pub fn of(schemas: &Schemas) -> CrossRules {
        Self::compile(schemas).unwrap_or_default()
    }
}

/// Every placeholder of the rule's templates is one its kind fills.
fn check_placeholders(text: &RuleText, known: &[&str]) -> Result<(), String> {
    for template in text.templates() {
        for name in crate::text::brace_names(template) {
            if !known.contains(&name) {
                return Err(format!(
                    "{{{name}}} is not a placeholder of this kind ({})",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Run every cross-table and batch check of the campaign, side by side; the findings in
/// the campaign's rule order.
pub fn check(
    rules: &CrossRules,
    tables: &Tables,
    schemas: &Schemas,
    main: Option<&crate::byfield::MainCodes>,
) -> Vec<Finding> {
    let batch = Batch::index(tables, schemas, main);
    let per_rule: Vec<Vec<Finding>> = rules
        .rules
        .par_iter()
        .map(|rule| rule.kind.get().check(&rule.text, &batch))
        .collect();
    per_rule.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled_with(change: &dyn Fn(&str) -> String) -> Result<CrossRules, String> {
        let mut texts = Schemas::shipped_texts("selfbuilt").unwrap();
        texts.campaign.1 = change(&texts.campaign.1);
        let schemas = Schemas::from_texts(&texts, "t").map_err(|e| e.to_string())?;
        CrossRules::compile(&schemas)
    }

    #[test]
    fn the_shipped_rules_compile() {
        for key in ["selfbuilt", "gongmao"] {
            let schemas = Schemas::load(None, Some(key)).unwrap();
            let rules = CrossRules::compile(&schemas).unwrap();
            assert_eq!(rules.rules.len(), schemas.campaign.cross.len(), "{key}");
        }
    }

    #[test]
    fn a_kinds_bad_key_is_refused_naming_the_rule_and_the_key() {
        let e = compiled_with(&|c| c.replacen("in = [\"严重隐患\"]", "in = [\"特大隐患\"]", 1))
            .unwrap_err();
        assert!(e.contains("特大隐患") && e.contains("X004"), "{e}");
        let e = compiled_with(&|c| c.replacen("op = \">=\"", "op = \"=>\"", 1)).unwrap_err();
        assert!(e.contains("=>") && e.contains("op"), "{e}");
        // A key another kind has is not this kind's.
        let e = compiled_with(&|c| {
            c.replacen(
                "kind = \"unknown_parent\"",
                "kind = \"unknown_parent\"\nprefix = 3",
                1,
            )
        })
        .unwrap_err();
        assert!(e.contains("prefix") && e.contains("X001"), "{e}");
        let e =
            compiled_with(&|c| c.replacen("kind = \"unique\"", "kind = \"uniq\"", 1)).unwrap_err();
        assert!(e.contains("uniq"), "{e}");
    }

    #[test]
    fn a_placeholder_the_kind_does_not_fill_is_refused() {
        let e = compiled_with(&|c| c.replacen("房屋编码 {value} 在", "房屋编码 {major} 在", 1))
            .unwrap_err();
        assert!(e.contains("{major}") && e.contains("X001"), "{e}");
    }

    #[test]
    fn a_roster_kind_needs_a_v_code_and_a_v_code_a_roster_kind() {
        let e =
            compiled_with(&|c| c.replacen("code = \"X001\"", "code = \"V901\"", 1)).unwrap_err();
        assert!(e.contains("V901") && e.contains("coverage rule"), "{e}");
    }
}
