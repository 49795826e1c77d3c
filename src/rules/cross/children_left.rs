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

use super::batch::CodeRows;
use super::cascade::{Cascade, Held, View};
use super::children::resolve_sides;
use super::kind::CrossKind;
use super::message::{finding, identity, Fill};

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
        let (parent_schema, child_schema) = (schemas.table(table), schemas.table(ends.child));
        let children = &rows[ends.child.index()];
        let mut matching = CodeRows::with_capacity(children, ends.child_field, 0);
        for (i, child) in children.iter().enumerate() {
            if Cond::all_hold(&self.where_, child_schema, child)
                && child.code(ends.child_field).is_some()
            {
                matching.push(i);
            }
        }
        let candidates = rows[table.index()]
            .iter()
            .enumerate()
            .filter(|(_, parent)| {
                !parent.is_bad(field) && Cond::all_hold(&self.when, parent_schema, parent)
            })
            .filter_map(|(i, parent)| Some((i, parent.code(ends.parent_field)?)))
            .filter(|(_, code)| matching.contains_key(code))
            .collect();
        Some(Box::new(ChildrenLeftCascade {
            rule,
            parent: table.index(),
            child: ends.child.index(),
            field,
            schemas: (parent_schema, child_schema),
            matching,
            candidates,
        }))
    }
}

/// A `children_left` rule indexed: each parent code's matching children, and the parents
/// it may hold back.
struct ChildrenLeftCascade<'a> {
    rule: &'a RuleText,
    parent: usize,
    child: usize,
    field: usize,
    schemas: (
        &'a crate::schema::TableSchema,
        &'a crate::schema::TableSchema,
    ),
    matching: CodeRows<'a>,
    candidates: Vec<(usize, &'a str)>,
}

impl<'a> Cascade<'a> for ChildrenLeftCascade<'a> {
    fn pass(&self, view: &View<'a, '_>, held: &mut Held) {
        let (pt, ct) = (self.parent, self.child);
        let (parent_schema, child_schema) = self.schemas;
        let children = &view.rows[ct];
        let held_now: HashSet<usize> = held.rows[ct].iter().copied().collect();
        for &(i, code) in &self.candidates {
            if view.rejected[pt][i] {
                continue;
            }
            let Some(matched) = self.matching.get(code) else {
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
