//! What a kind of cross-table check is to the engine: the protocol each kind's file
//! implements (its keys' checking, its placeholders, its check, its part in holding
//! back, its demo hook), with defaults for what most kinds do not do; and what a demo
//! hook is given (`DemoTown`).

use std::collections::HashSet;

use crate::finding::{Finding, RuleText};
use crate::keep::Need;
use crate::keyrow::KeyRow;
use crate::schema::campaign::Names;
use crate::schema::{Cond, Schemas, TableId};

use super::batch::Batch;
use super::cascade::Cascade;

/// A kind of cross-table check, with its keys (one type per kind, one file each).
/// `resolve`, `placeholders` and `shown_table` are required; a kind does its work through
/// `check` (the cross-table stage), `cascade` (holding back, after rejection) or the
/// coverage stage (`is_coverage`), and keeps the demo town to itself through `demo`.
pub trait CrossKind: std::fmt::Debug + Send + Sync {
    /// Check the keys against the campaign's tables and turn names into indexes, once,
    /// when the rules are compiled. The error says which key is wrong and why.
    fn resolve(&mut self, names: &Names) -> Result<(), String>;

    /// The placeholders its messages may use (`{value}` …).
    fn placeholders(&self) -> &'static [&'static str];

    /// The table its findings are on, as `selfbuilt rules` shows it.
    fn shown_table(&self, schemas: &Schemas) -> String;

    /// The fields its check and cascade read of the rows, beside every table's identity
    /// and references (which every kind may read): the rows keep only the fields some
    /// stage declares (`keep::Need`), so one left out would read as empty.
    fn fields(&self, schemas: &Schemas, need: &mut Need);

    /// Whether it is a rule against a roster, run by the coverage stage.
    fn is_coverage(&self) -> bool {
        false
    }

    /// Its findings over the batch (none by default: a kind that holds back or speaks
    /// for the coverage does its work there).
    fn check(&self, _rule: &RuleText, _batch: &Batch) -> Vec<Finding> {
        Vec::new()
    }

    /// Its part in holding back rows that stand on rejected ones, indexed once over the
    /// batch (none by default).
    fn cascade<'a>(
        &'a self,
        _rule: &'a RuleText,
        _rows: &'a [Vec<KeyRow>],
        _schemas: &'a Schemas,
    ) -> Option<Box<dyn Cascade<'a> + 'a>> {
        None
    }

    /// Its demo hook: change a demo village's rows (texts, per table) so the check holds
    /// of them, in its settling step (nothing by default).
    fn demo(
        &self,
        _step: DemoStep,
        _rule: &RuleText,
        _town: &mut dyn DemoTown,
        _rows: &mut [Vec<Vec<String>>],
    ) {
    }
}

/// Which of a demo village's settling steps is under way: a kind's demo hook acts in its
/// own step (`children` rules first, then distinct values, then dates), in the
/// campaign's rule order within each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoStep {
    /// Child rows made to fit their parents (`children`).
    Children,
    /// Values met before made again (`unique`, `same_values`).
    Distinct,
    /// Dates put in order (`date_order`).
    Dates,
}

/// A demo town being made, as the kinds' demo hooks change it (`demo` implements it): the
/// generator's means over rows of texts, one per field, passed beside it.
pub trait DemoTown {
    /// The schemas the town is made of.
    fn schemas(&self) -> &Schemas;
    /// Whether a condition holds of a row of `table` written as texts.
    fn holds(&self, table: TableId, cond: &Cond, row: &[String]) -> bool;
    /// Make a condition hold of a row: a value it allows.
    fn make_hold(&mut self, table: TableId, row: &mut Vec<String>, cond: &Cond);
    /// Make a condition fail of a row: a value it does not allow.
    fn make_fail(&mut self, table: TableId, row: &mut Vec<String>, cond: &Cond);
    /// A new row of `child` for a parent row: (its table, its texts, its code's field).
    fn child_row(&mut self, child: TableId, parent: (TableId, &[String], usize)) -> Vec<String>;
    /// A fresh value of a field.
    fn value(&mut self, table: TableId, field: usize) -> String;
    /// A number below `n`, from the town's seed.
    fn below(&mut self, n: u64) -> u64;
    /// The values a rule has met so far in the town (taken out; given back with
    /// `keep_seen`).
    fn take_seen(&mut self, code: &str) -> HashSet<String>;
    /// Give back what `take_seen` took, with what was met since.
    fn keep_seen(&mut self, code: &str, seen: HashSet<String>);

    /// Each row of `table` whose values of `fields` (none blank) were met before by the
    /// rule `code`: its last field made again (up to eight times) until they are new.
    fn remake_repeats(
        &mut self,
        rows: &mut [Vec<Vec<String>>],
        (table, fields): (TableId, &[usize]),
        code: &str,
    ) {
        let Some(&last) = fields.last() else { return };
        let mut seen = self.take_seen(code);
        for row in rows[table.index()].iter_mut() {
            for _ in 0..8 {
                let key: Vec<&str> = fields.iter().map(|&i| row[i].as_str()).collect();
                if key.iter().any(|k| k.is_empty()) {
                    break;
                }
                if seen.insert(key.join("\u{1f}")) {
                    break;
                }
                row[last] = self.value(table, last);
            }
        }
        self.keep_seen(code, seen);
    }
}
