//! Cells read once per distinct text: a column of options (是/否, 砖混结构, a village's
//! name) holds a few texts many times over, and each is parsed once per chunk of rows;
//! the answer is reused for the same text in the same field. A field whose texts rarely
//! repeat (ID numbers, codes, addresses) stops being remembered after a few hundred cells.
//!
//! Parsing is a function of the field and the cell alone (the lexicon and the day are the
//! run's): reusing an answer gives what parsing again would, findings and audit lines
//! included, since those are made from the answer for each cell.
//!
//! ```
//! use selfbuilt::cells::memo::Memo;
//! use selfbuilt::value::{Parsed, Raw, Val};
//! let mut memo = Memo::new(1);
//! let mut parsed = 0;
//! for _ in 0..3 {
//!     let (_, p) = memo.parse(0, &Raw::Text("是".into()), || {
//!         parsed += 1;
//!         (None, Parsed::ok(Val::Text("是".into())))
//!     });
//!     assert_eq!(p.val, Val::Text("是".into()));
//! }
//! assert_eq!(parsed, 1);
//! ```

use crate::fast::Map;
use crate::value::{Parsed, Raw};

/// Cells a field remembers at most.
const MOST: usize = 1024;
/// Cells looked up before a field's rate of repeats is judged.
const TRIAL: u32 = 64;

/// A cell's answer: the text with the characters XML cannot carry dropped (when any
/// were), and what it parsed to.
pub type Answer = (Option<Raw>, Parsed);

/// The answers already given on a chunk of rows, per field of its table.
#[derive(Debug, Default)]
pub struct Memo {
    fields: Vec<FieldMemo>,
}

/// One field's answers, and how often its texts repeated.
#[derive(Debug, Default)]
struct FieldMemo {
    seen: Map<Box<str>, Answer>,
    tries: u32,
    hits: u32,
    /// Its texts repeat too rarely to be worth remembering.
    off: bool,
}

impl Memo {
    /// A memo for a table of `fields` fields.
    pub fn new(fields: usize) -> Memo {
        Memo {
            fields: (0..fields).map(|_| FieldMemo::default()).collect(),
        }
    }

    /// A memo for the next chunk of a sheet whose earlier chunks found the fields marked
    /// in `distinct` (see [`Memo::distinct`]) to repeat too rarely: those are not
    /// remembered from the start, where a new memo would store each one's first cells only
    /// to judge them again.
    ///
    /// ```
    /// use selfbuilt::cells::memo::Memo;
    /// use selfbuilt::value::{Parsed, Raw, Val};
    /// let mut first = Memo::new(1);
    /// for k in 0..100 {
    ///     first.parse(0, &Raw::Text(format!("450{k}").into()), || (None, Parsed::ok(Val::Int(k))));
    /// }
    /// assert_eq!(first.distinct(), [true]);
    /// let mut next = Memo::after(&first.distinct());
    /// let mut parsed = 0;
    /// for _ in 0..2 {
    ///     next.parse(0, &Raw::Text("4501".into()), || { parsed += 1; (None, Parsed::ok(Val::Int(1))) });
    /// }
    /// assert_eq!(parsed, 2);
    /// ```
    pub fn after(distinct: &[bool]) -> Memo {
        Memo {
            fields: distinct
                .iter()
                .map(|&off| FieldMemo {
                    off,
                    ..FieldMemo::default()
                })
                .collect(),
        }
    }

    /// For each field, whether its texts were judged to repeat too rarely to remember.
    pub fn distinct(&self) -> Vec<bool> {
        self.fields.iter().map(|m| m.off).collect()
    }

    /// The answer for `written` in field `i`: remembered, or made by `parse` (and
    /// remembered when the field's texts repeat). Only texts are remembered: numbers and
    /// dates are read as quickly as they are looked up.
    pub fn parse(&mut self, i: usize, written: &Raw, parse: impl FnOnce() -> Answer) -> Answer {
        let (Raw::Text(s), Some(m)) = (written, self.fields.get_mut(i)) else {
            return parse();
        };
        if m.off {
            return parse();
        }
        m.tries += 1;
        if let Some(answer) = m.seen.get(s.as_str()) {
            m.hits += 1;
            return answer.clone();
        }
        let answer = parse();
        if m.tries >= TRIAL && m.hits < m.tries / 4 {
            // Mostly distinct texts: remembering costs more than it saves.
            m.off = true;
            m.seen = Map::default();
        } else if m.seen.len() < MOST {
            m.seen.insert(s.as_str().into(), answer.clone());
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Val;

    fn text(s: &str) -> Raw {
        Raw::Text(s.into())
    }

    #[test]
    fn a_repeated_text_is_parsed_once_and_gets_the_same_answer() {
        let mut memo = Memo::new(2);
        let mut calls = 0;
        let mut answers = Vec::new();
        for s in ["砖混", "砖混", "框架", "砖混"] {
            answers.push(memo.parse(1, &text(s), || {
                calls += 1;
                (None, Parsed::ok(Val::Text(s.into())))
            }));
        }
        assert_eq!(calls, 2);
        let vals: Vec<_> = answers.iter().map(|a| a.1.val.display()).collect();
        assert_eq!(vals, ["砖混", "砖混", "框架", "砖混"]);
    }

    #[test]
    fn fields_do_not_share_answers_and_numbers_are_always_parsed() {
        let mut memo = Memo::new(2);
        let (_, a) = memo.parse(0, &text("1"), || (None, Parsed::ok(Val::Int(1))));
        let (_, b) = memo.parse(1, &text("1"), || (None, Parsed::ok(Val::Text("1".into()))));
        assert_eq!((a.val, b.val), (Val::Int(1), Val::Text("1".into())));
        let mut calls = 0;
        for _ in 0..3 {
            memo.parse(0, &Raw::Num(2.0), || {
                calls += 1;
                (None, Parsed::ok(Val::Int(2)))
            });
        }
        assert_eq!(calls, 3);
    }

    #[test]
    fn a_field_of_distinct_texts_stops_remembering() {
        let mut memo = Memo::new(1);
        for k in 0..TRIAL + 10 {
            let s = format!("4501{k:014}");
            memo.parse(0, &text(&s), || {
                (None, Parsed::ok(Val::Text(s.clone().into())))
            });
        }
        assert!(memo.fields[0].off);
        assert!(memo.fields[0].seen.is_empty());
        // Still answers right.
        let (_, p) = memo.parse(0, &text("x"), || (None, Parsed::ok(Val::Text("x".into()))));
        assert_eq!(p.val, Val::Text("x".into()));
    }
}
