//! `held_back`: a child row whose parent rows are all rejected (or held back) is held
//! back with them (a hazard of a building with an error), so that what goes upstream
//! holds together.
//!
//! ```toml
//! [[cross]]
//! kind = "held_back"
//! reference = "hazards.building_code"
//! ```
//! Placeholders: `{value}` the parent code, `{place}` where the parent is, `{why}` what
//! is wrong with it.

use serde::Deserialize;

use crate::finding::RuleText;
use crate::keep::Need;
use crate::keyrow::KeyRow;
use crate::schema::campaign::{Names, RefIx};
use crate::schema::Schemas;

use super::batch::{rows_by_code, RowsByCode};
use super::cascade::{Cascade, Held, View};
use super::kind::CrossKind;
use super::message::{finding, Fill};

/// The keys of a `held_back` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeldBack {
    /// The reference, as `child_table.field`.
    pub reference: String,
    /// Its index among the campaign's references, once resolved.
    #[serde(skip)]
    pub ix: usize,
}

impl CrossKind for HeldBack {
    fn fields(&self, schemas: &Schemas, need: &mut Need) {
        if let Some(r) = schemas.campaign.references.get(self.ix) {
            need.field(r.ix.child, r.ix.child_field);
            need.field(r.ix.parent, r.ix.parent_field);
        }
    }

    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        self.ix = names.reference(&self.reference)?.0;
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value", "place", "why"]
    }

    fn shown_table(&self, schemas: &Schemas) -> String {
        let child = schemas.campaign.references[self.ix].ix.child;
        schemas.table(child).table.key.clone()
    }

    fn cascade<'a>(
        &'a self,
        rule: &'a RuleText,
        rows: &'a [Vec<KeyRow>],
        schemas: &'a Schemas,
    ) -> Option<Box<dyn Cascade<'a> + 'a>> {
        let ends = schemas.campaign.references[self.ix].ix;
        Some(Box::new(HeldBackCascade {
            rule,
            ends,
            schemas,
            parents: std::cell::OnceCell::new(),
            rows,
        }))
    }
}

/// A `held_back` rule indexed: each parent code's rows, made the first time a parent is
/// rejected (a clean batch makes none).
struct HeldBackCascade<'a> {
    rule: &'a RuleText,
    ends: RefIx,
    schemas: &'a Schemas,
    parents: std::cell::OnceCell<RowsByCode<'a>>,
    rows: &'a [Vec<KeyRow>],
}

impl<'a> Cascade<'a> for HeldBackCascade<'a> {
    fn pass(&self, view: &View<'a, '_>, held: &mut Held) {
        let (pt, ct) = (self.ends.parent.index(), self.ends.child.index());
        // No parent rejected: nothing to hold (a clean batch pays one scan).
        if !view.rejected[pt].iter().any(|x| *x) {
            return;
        }
        let parents = self
            .parents
            .get_or_init(|| rows_by_code(&self.rows[pt], self.ends.parent_field));
        let schema = self.schemas.table(self.ends.child);
        for (i, child) in view.rows[ct].iter().enumerate() {
            let Some(code) = child.code(self.ends.child_field) else {
                continue;
            };
            if view.rejected[ct][i] {
                continue;
            }
            // Held when its code's rows are all rejected (the first names why).
            let Some(parents) = parents.get(code) else {
                continue;
            };
            if parents.iter().any(|p| !view.rejected[pt][p]) {
                continue;
            }
            let parent = &view.rows[pt][parents.first()];
            let vars = [
                (
                    "value",
                    Fill::One(child.get(self.ends.child_field).display()),
                ),
                ("place", Fill::One(parent.place(view.files, None))),
                ("why", Fill::One(view.why(pt, parents.first()))),
            ];
            let rule = self.rule;
            held.why
                .push(((ct, i), format!("{} {}", rule.code, rule.title)));
            held.findings.push(
                finding(
                    view.files,
                    rule,
                    schema,
                    child,
                    self.ends.child_field,
                    &vars,
                )
                .held_by(&view.files[parent.file()], parent.sheet(), parent.row),
            );
            held.rows[ct].push(i);
        }
    }
}
