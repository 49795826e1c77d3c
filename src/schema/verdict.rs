//! The one evaluator of a table's declarative row rules on a row's canonical values: does a
//! condition hold, does a rule's assertion break. The row checks (`rules::row`) turn a
//! broken rule into a finding; recognition (`recognise::evidence`) counts the rows on which
//! a candidate column assignment keeps the rules.

use std::cmp::Ordering;

use super::table::{Cond, RowRule, TableSchema};
use crate::value::Fields;
use crate::value::Val;

impl Cond {
    /// Whether the condition holds on a row of table `t`: the field's canonical value is
    /// (not) one of `in`, or (not) present. None when the field is missing or its cell
    /// had an error (`bad`).
    pub fn holds(&self, t: &TableSchema, row: &(impl Fields + ?Sized)) -> Option<bool> {
        let i = match self.ix {
            Some(i) => i,
            None => t.field_index(&self.field)?,
        };
        if row.bad(i)? {
            return None;
        }
        let v = row.val(i)?;
        let mut ok = true;
        if !self.is_in.is_empty() {
            ok &= self.is_in.iter().any(|x| v.matches(x));
        }
        if !self.not_in.is_empty() {
            ok &= !self.not_in.iter().any(|x| v.matches(x));
        }
        if let Some(p) = self.present {
            ok &= p != v.is_empty();
        }
        Some(ok)
    }

    /// Whether every condition holds on a record of table `t` (a condition on an unusable
    /// cell does not): the one test of a rule's `when`, `where` and the like.
    pub fn all_hold(conds: &[Cond], t: &TableSchema, row: &(impl Fields + ?Sized)) -> bool {
        conds.iter().all(|c| c.holds(t, row) == Some(true))
    }
}

impl RowRule {
    /// Whether the rule breaks on a row: None when it does not apply (a condition does not
    /// hold, or a value it needs is missing or bad), else whether its assertion fails.
    pub fn broken(&self, t: &TableSchema, row: &(impl Fields + ?Sized)) -> Option<bool> {
        for c in &self.when {
            if !c.holds(t, row)? {
                return None;
            }
        }
        let th = &self.then;
        let i = t.field_index(&th.field)?;
        if row.bad(i)? {
            return None;
        }
        let v = row.val(i)?;
        let mut broken = (th.required && v.is_empty()) || (th.empty && !v.is_empty());
        if !v.is_empty() {
            if !th.is_in.is_empty() && !th.is_in.iter().any(|x| v.matches(x)) {
                broken = true;
            }
            if th.not_in.iter().any(|x| v.matches(x)) {
                broken = true;
            }
            if !th.any_of.is_empty() && !th.any_of.iter().any(|x| v.matches(x)) {
                broken = true;
            }
            if let (Some(op), Some(other)) = (&th.op, &th.other) {
                let j = t.field_index(other)?;
                if row.bad(j)? || row.val(j)?.is_empty() {
                    return None;
                }
                let ord = compare(v, row.val(j)?, th.other_part.as_deref() == Some("year"))?;
                let ok = match op.as_str() {
                    "<" => ord == Ordering::Less,
                    "<=" => ord != Ordering::Greater,
                    ">" => ord == Ordering::Greater,
                    ">=" => ord != Ordering::Less,
                    _ => ord == Ordering::Equal,
                };
                broken |= !ok;
            }
        }
        Some(broken)
    }

    /// The fields the rule reads.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.when
            .iter()
            .map(|c| c.field.as_str())
            .chain(std::iter::once(self.then.field.as_str()))
            .chain(self.then.other.as_deref())
    }
}

/// Order two values (dates by date, else as numbers); `part_year` compares `a` with the
/// year of date `b`.
fn compare(a: &Val, b: &Val, part_year: bool) -> Option<Ordering> {
    let b = if part_year {
        use chrono::Datelike;
        Val::Int(b.as_date()?.year() as i64)
    } else {
        b.clone()
    };
    match (a, &b) {
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}
