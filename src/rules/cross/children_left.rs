//! `children_left`: a parent row meeting `when` whose every child row meeting `where` was
//! rejected or held back is held back itself (a building judged seriously unsafe whose
//! serious hazard rows were all rejected would otherwise go upstream with none).
//!
//! ```toml
//! [[cross]]
//! kind = "children_left"
//! table = "buildings"
//! field = "judgement"
//! when = [{ field = "judgement", in = ["存在严重安全隐患"] }]
//! children = "hazards.building_code"
//! where = [{ field = "level", in = ["严重隐患"] }]
//! ```
//! Placeholders: `{value}` the parent's value, `{why}` each child and what is wrong
//! with it.

use std::collections::HashSet;

use serde::Deserialize;

use crate::finding::RuleText;
use crate::keep::Need;
use crate::keyrow::KeyRow;
use crate::schema::campaign::Names;
use crate::schema::{Cond, Schemas, TableId};

use super::cascade::{Cascade, Held, View};
use super::children::resolve_sides;
use super::kind::CrossKind;
use super::message::{finding, identity, Fill};
use crate::byfield::CodeRows;

/// The keys of a `children_left` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildrenLeft {
    /// The parent table.
    pub table: String,
    /// The parent's field the finding is on.
    pub field: String,
    /// Conditions on the parent row.
    #[serde(default)]
    pub when: Vec<Cond>,
    /// The reference whose child rows are counted, as `child_table.field`.
    pub children: String,
    /// Conditions on the child rows counted.
    #[serde(default, rename = "where")]
    pub where_: Vec<Cond>,
    /// Resolved: (parent table, its field, the reference).
    #[serde(skip)]
    pub ix: (TableId, usize, usize),
}

impl CrossKind for ChildrenLeft {
    fn fields(&self, schemas: &Schemas, need: &mut Need) {
        super::children::sides_fields(schemas, need, self.ix, (&self.when, &self.where_));
    }

    fn resolve(&mut self, names: &Names) -> Result<(), String> {
        let keys = (
            self.table.as_str(),
            self.field.as_str(),
            self.children.as_str(),
        );
        self.ix = resolve_sides(names, keys, &mut self.when, &mut self.where_)?;
        Ok(())
    }

    fn placeholders(&self) -> &'static [&'static str] {
        &["value", "why"]
    }

    fn shown_table(&self, schemas: &Schemas) -> String {
        schemas.table(self.ix.0).table.key.clone()
    }

    fn cascade<'a>(
        &'a self,
        rule: &'a RuleText,
        rows: &'a [Vec<KeyRow>],
        schemas: &'a Schemas,
    ) -> Option<Box<dyn Cascade<'a> + 'a>> {
        let (table, field, reference) = self.ix;
        let ends = schemas.campaign.references[reference].ix;
        Some(Box::new(ChildrenLeftCascade {
            rule,
            parent: table.index(),
            child: ends.child.index(),
            field,
            parent_code: ends.parent_field,
            schemas: (schemas.table(table), schemas.table(ends.child)),
            spec: self,
            child_field: ends.child_field,
            rows,
            index: std::cell::OnceCell::new(),
        }))
    }
}

/// A `children_left` rule indexed, the first time a child row is rejected (a clean batch
/// makes nothing): each parent code's matching children, and the parents it may hold back.
struct ChildrenLeftCascade<'a> {
    rule: &'a RuleText,
    parent: usize,
    child: usize,
    field: usize,
    /// The parent table's code field (the reference's parent end).
    parent_code: usize,
    schemas: (
        &'a crate::schema::TableSchema,
        &'a crate::schema::TableSchema,
    ),
    spec: &'a ChildrenLeft,
    /// The child table's field naming its parent.
    child_field: usize,
    rows: &'a [Vec<KeyRow>],
    index: std::cell::OnceCell<Matching<'a>>,
}

/// Each parent code's matching child rows, and the parent rows that may be held back
/// (they meet `when` and have matching children).
struct Matching<'a> {
    children: CodeRows<'a>,
    candidates: Vec<u32>,
}

impl<'a> ChildrenLeftCascade<'a> {
    /// The matching children by parent code, and the candidate parents.
    fn matching(&self) -> Matching<'a> {
        let (parent_schema, child_schema) = self.schemas;
        let children = &self.rows[self.child];
        let mut matching = CodeRows::with_capacity(children, self.child_field, 0);
        for (i, child) in children.iter().enumerate() {
            if Cond::all_hold(&self.spec.where_, child_schema, child)
                && child.code(self.child_field).is_some()
            {
                matching.push(i);
            }
        }
        let candidates = self.rows[self.parent]
            .iter()
            .enumerate()
            .filter(|(_, parent)| {
                !parent.is_bad(self.field) && Cond::all_hold(&self.spec.when, parent_schema, parent)
            })
            .filter(|(_, parent)| {
                parent
                    .code(self.parent_code)
                    .is_some_and(|code| matching.contains_key(code))
            })
            .map(|(i, _)| i as u32)
            .collect();
        Matching {
            children: matching,
            candidates,
        }
    }
}

impl<'a> Cascade<'a> for ChildrenLeftCascade<'a> {
    fn pass(&self, view: &View<'a, '_>, held: &mut Held) {
        let (pt, ct) = (self.parent, self.child);
        let (parent_schema, child_schema) = self.schemas;
        // No child rejected, none held in this pass: every parent keeps a child.
        if held.rows[ct].is_empty() && !view.rejected[ct].iter().any(|x| *x) {
            return;
        }
        let Matching {
            children: matching,
            candidates,
        } = self.index.get_or_init(|| self.matching());
        let children = &view.rows[ct];
        let held_now: HashSet<usize> = held.rows[ct].iter().copied().collect();
        for &i in candidates {
            let i = i as usize;
            if view.rejected[pt][i] {
                continue;
            }
            let code = view.rows[pt][i].code(self.parent_code).unwrap_or("");
            let Some(matched) = matching.get(code) else {
                continue;
            };
            if matched
                .iter()
                .any(|c| !view.rejected[ct][c] && !held_now.contains(&c))
            {
                continue;
            }
            let parent = &view.rows[pt][i];
            let why: Vec<String> = matched
                .iter()
                .map(|c| {
                    format!(
                        "{}（{}）",
                        identity(child_schema, &children[c]),
                        view.why(ct, c)
                    )
                })
                .collect();
            let rule = self.rule;
            held.why
                .push(((pt, i), format!("{} {}", rule.code, rule.title)));
            let vars = [
                ("value", Fill::One(parent.get(self.field).display())),
                ("why", Fill::Places(why)),
            ];
            // Below the first child row it stands on.
            let first = &children[matched.first()];
            held.findings.push(
                finding(view.files, rule, parent_schema, parent, self.field, &vars).held_by(
                    &view.files[first.file()],
                    first.sheet(),
                    first.row,
                ),
            );
            held.rows[pt].push(i);
        }
    }
}
