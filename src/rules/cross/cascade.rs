//! The protocol of a holding rule (`held_back`, `children_left`): indexed once over the
//! batch, then asked in each pass of the cascade (`hold`) which rows it holds back, given
//! which are rejected so far.

use crate::finding::Finding;
use crate::keyrow::KeyRow;

/// What is wrong with a rejected row, in a few words, for the rows held back with it.
pub type Problems<'a> = dyn Fn(&KeyRow) -> String + 'a;

/// What a pass of the cascade reads: every row, which are rejected so far, and why the
/// rows held back in earlier passes were.
pub struct View<'a, 'b> {
    /// Every row, per table.
    pub rows: &'a [Vec<KeyRow>],
    /// Which rows are rejected or held back so far, per table.
    pub rejected: &'b [Vec<bool>],
    /// Why a row held back in an earlier pass was (its rule's code and title).
    pub(super) held_why: &'b crate::fast::Map<(usize, usize), String>,
    /// What is wrong with a row rejected for its own errors.
    pub(super) problems: &'b Problems<'b>,
    /// The input files, as findings name them.
    pub files: &'a [String],
}

impl View<'_, '_> {
    /// Why row `i` of table `t` is rejected: its rule's code and title if it was held
    /// back, else its own first problem.
    pub fn why(&self, t: usize, i: usize) -> String {
        self.held_why
            .get(&(t, i))
            .cloned()
            .unwrap_or_else(|| (self.problems)(&self.rows[t][i]))
    }
}

/// What a pass holds back: rows per table, why (for the rows they hold back in turn),
/// and the findings.
#[derive(Default)]
pub struct Held {
    /// Rows held back in this pass, per table.
    pub rows: Vec<Vec<usize>>,
    /// Why each was: its rule's code and title.
    pub why: Vec<((usize, usize), String)>,
    /// The findings saying so.
    pub findings: Vec<Finding>,
}

/// One holding rule over the batch, indexed once (the rows' codes and the rule's
/// conditions do not change from pass to pass): each pass reads only which rows are
/// rejected.
pub trait Cascade<'a> {
    /// The rows this rule holds back now, added to `held` (rows held earlier in the same
    /// pass by rules before it are in `held` too).
    fn pass(&self, view: &View<'a, '_>, held: &mut Held);
}
