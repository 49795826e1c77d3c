//! `children`: a parent row meeting `when` has child rows of which those meeting `where`
//! must be none, or some (a building judged free of hazards with hazard rows; one judged
//! seriously unsafe with no serious hazard). Parents with no child rows are not checked.
//!
//! ```toml
//! [[cross]]
//! kind = "children"
//! table = "buildings"
//! field = "judgement"                  # the parent's field the finding is on
//! when = [{ field = "judgement", in = ["存在严重安全隐患"] }]
//! children = "hazards.building_code"   # the reference whose child rows are counted
//! where = [{ field = "level", in = ["严重隐患"] }]
//! expect = "some"                      # or "none"
//! ```
//! Placeholders: `{value}` the parent's value, `{n}` its child rows, `{codes}` their
//! identities, `{matched}` those meeting `where`.

use serde::Deserialize;

use crate::finding::{Finding, RuleText};
use crate::keep::Need;
use crate::keyrow::KeyRow;
use crate::schema::campaign::Names;
use crate::schema::{Cond, Schemas, TableId};

use super::batch::Batch;
use super::kind::{CrossKind, DemoStep, DemoTown};
use super::message::{finding, identity, Fill};

/// What `children` expects of the matching child rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// No matching child row may be there.
    None,
    /// At least one matching child row must be there.
    Some,
}

/// Resolve the parent and child sides of a rule over a parent's child rows (`children`,
/// `children_left`): the parent table and field, the reference whose child rows are
/// counted; the conditions on both indexed.
pub fn resolve_sides(
    names: &Names,
    (table, field, children): (&str, &str, &str),
    when: &mut [Cond],
    where_: &mut [Cond],
) -> Result<(TableId, usize, usize), String> {
    let table_id = names.table(table)?;
    let field = names.field(table_id, field)?;
    let (reference, ends) = names.reference(children)?;
    if ends.parent != table_id {
        return Err(format!("children {children:?} does not refer to {table}"));
    }
    names.conds(table_id, when, "when")?;
    names.conds(ends.child, where_, "where")?;
    Ok((table_id, field, reference))
}

/// The fields a rule on a parent and its children reads (`resolve_sides`' indexes): the
/// parent's field and its `when`, the reference's two ends and the children's `where`.
pub fn sides_fields(
    schemas: &Schemas,
    need: &mut Need,
    (parent, field, reference): (TableId, usize, usize),
    (when, where_): (&[Cond], &[Cond]),
) {
    need.field(parent, field);
    need.conds(schemas, parent, when);
    if let Some(r) = schemas.campaign.references.get(reference) {
        need.field(r.ix.child, r.ix.child_field);
        need.field(r.ix.parent, r.ix.parent_field);
        need.conds(schemas, r.ix.child, where_);
    }
}

/// The keys of a `children` rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Children {
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
    /// Whether the matching child rows must be none or some.
    pub expect: Expect,
    /// Resolved: (parent table, its field, the reference).
    #[serde(skip)]
    pub ix: (TableId, usize, usize),
}

impl CrossKind for Children {
    fn fields(&self, schemas: &Schemas, need: &mut Need) {
        sides_fields(schemas, need, self.ix, (&self.when, &self.where_));
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
        &["value", "n", "codes", "matched"]
    }

    fn shown_table(&self, schemas: &Schemas) -> String {
        schemas.table(self.ix.0).table.key.clone()
    }

    /// Drop, add or change the child rows of each parent `when` picks, so that those
    /// meeting `where` are as the rule expects (none, or some).
    fn demo(
        &self,
        step: DemoStep,
        _rule: &RuleText,
        town: &mut dyn DemoTown,
        rows: &mut [Vec<Vec<String>>],
    ) {
        if step != DemoStep::Children {
            return;
        }
        let ends = town.schemas().campaign.references[self.ix.2].ix;
        let (pt, ct) = (ends.parent.index(), ends.child.index());
        let parents: Vec<Vec<String>> = rows[pt]
            .iter()
            .filter(|p| self.when.iter().all(|c| town.holds(ends.parent, c, p)))
            .cloned()
            .collect();
        for parent in parents {
            let code = &parent[ends.parent_field];
            let children: Vec<usize> = (0..rows[ct].len())
                .filter(|&i| rows[ct][i][ends.child_field] == *code)
                .collect();
            let matched = |town: &dyn DemoTown, child: &[String]| {
                self.where_.iter().all(|c| town.holds(ends.child, c, child))
            };
            match self.expect {
                // No child at all: drop them.
                Expect::None if self.where_.is_empty() => {
                    rows[ct].retain(|child| child[ends.child_field] != *code);
                }
                // No matching child: make each matching one miss the first condition.
                Expect::None => {
                    for &i in &children {
                        if matched(town, &rows[ct][i]) {
                            town.make_fail(ends.child, &mut rows[ct][i], &self.where_[0]);
                        }
                    }
                }
                Expect::Some if !children.iter().any(|&i| matched(town, &rows[ct][i])) => {
                    let mut child = match children.first() {
                        Some(&i) => rows[ct].remove(i),
                        None => {
                            town.child_row(ends.child, (ends.parent, &parent, ends.parent_field))
                        }
                    };
                    for cond in &self.where_ {
                        town.make_hold(ends.child, &mut child, cond);
                    }
                    rows[ct].push(child);
                }
                Expect::Some => {}
            }
        }
    }

    fn check(&self, rule: &RuleText, batch: &Batch) -> Vec<Finding> {
        let (table, field, reference) = self.ix;
        let ends = batch.reference(reference);
        let children_of = batch.children(reference);
        let (parent_schema, child_schema) = (batch.schema(table), batch.schema(ends.child));
        let child_rows = batch.rows(ends.child);
        let mut out = Vec::new();
        for parent in batch.rows(table) {
            let Some(children) = parent
                .code(ends.parent_field)
                .and_then(|c| children_of.get(c))
            else {
                continue;
            };
            if parent.is_bad(field) || !Cond::all_hold(&self.when, parent_schema, parent) {
                continue;
            }
            let matched: Vec<&KeyRow> = children
                .iter()
                .map(|i| &child_rows[i])
                .filter(|child| Cond::all_hold(&self.where_, child_schema, child))
                .collect();
            let flagged = match self.expect {
                Expect::None => !matched.is_empty(),
                Expect::Some => matched.is_empty(),
            };
            if flagged {
                let codes = children
                    .iter()
                    .map(|i| identity(child_schema, &child_rows[i]));
                let vars = [
                    ("value", Fill::One(parent.get(field).display())),
                    ("n", Fill::One(children.len().to_string())),
                    ("codes", Fill::Codes(codes.collect())),
                    (
                        "matched",
                        Fill::Codes(matched.iter().map(|c| identity(child_schema, c)).collect()),
                    ),
                ];
                out.push(finding(
                    batch.files(),
                    rule,
                    parent_schema,
                    parent,
                    field,
                    &vars,
                ));
            }
        }
        out
    }
}
