//! The values a cell is, at the bottom of the flow: a raw cell as the file holds it
//! (`Raw`), its canonical value once a field's type has read it (`Val`), and the outcome of
//! reading (`Parsed`, with at most one `Issue`). Plain data that readers, cell types,
//! stages and writers share.

use chrono::NaiveDate;
pub use compact_str::CompactString;

use crate::finding::{Said, Severity};

/// A raw cell value as the file holds it.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum Raw {
    /// Nothing in the cell.
    #[default]
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Num(f64),
    /// A boolean (TRUE/FALSE).
    Bool(bool),
    /// An Excel date: its serial number and the calendar date it means (1900 or 1904 system).
    Date {
        /// Excel's serial day number.
        serial: f64,
        /// The calendar date it means (None when out of range).
        date: Option<NaiveDate>,
        /// Whether the workbook counts days from 1904 (old Mac Excel).
        is_1904: bool,
    },
    /// An ISO date text given by the format (ods).
    DateIso(String),
    /// An error value such as #REF!.
    Error(String),
}

impl Raw {
    /// Whether the cell holds nothing (blank text counts as nothing).
    pub fn is_empty(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(s) => crate::text::trim(s).is_empty(),
            _ => false,
        }
    }
    /// How the value reads to a person (for messages and the audit trail).
    pub fn display(&self) -> String {
        match self {
            Raw::Empty => String::new(),
            Raw::Text(s) => s.clone(),
            Raw::Num(f) => fmt_num(*f),
            Raw::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Raw::Date { date: Some(d), .. } => iso_date(*d),
            Raw::Date { serial, .. } => fmt_num(*serial),
            Raw::DateIso(s) => s.clone(),
            Raw::Error(e) => e.clone(),
        }
    }
}

/// A date as YYYY-MM-DD (chrono's `%Y-%m-%d`, written directly for the years 0–9999:
/// the format string was parsed anew for every date of a million rows).
///
/// ```
/// use chrono::NaiveDate;
/// let d = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
/// assert_eq!(selfbuilt::value::iso_date(d), "2024-03-09");
/// let far = NaiveDate::from_ymd_opt(12345, 1, 2).unwrap();
/// assert_eq!(selfbuilt::value::iso_date(far), far.format("%Y-%m-%d").to_string());
/// ```
pub fn iso_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    match d.year() {
        y @ 0..=9999 => format!("{y:04}-{:02}-{:02}", d.month(), d.day()),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// A number as Excel shows it in General format: integers without ".0".
pub fn fmt_num(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A canonical value.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum Val {
    /// Nothing usable: missing, a placeholder or an error.
    #[default]
    Empty,
    /// Text, an enum value, a code or an ID number (held inline up to 24 bytes).
    Text(CompactString),
    /// A whole number.
    Int(i64),
    /// A number with decimals.
    Num(f64),
    /// A date.
    Date(NaiveDate),
    /// Several enum values (an enum list), boxed so that a value stays 24 bytes.
    List(Box<[CompactString]>),
}

impl Val {
    /// Whether it holds no value.
    pub fn is_empty(&self) -> bool {
        matches!(self, Val::Empty)
    }
    /// The canonical text form (dates YYYY-MM-DD, lists joined by 、; a yes/no is the lexicon's word, kept as text).
    pub fn display(&self) -> String {
        match self {
            Val::Empty => String::new(),
            Val::Text(s) => s.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Num(f) => fmt_num(*f),
            Val::Date(d) => iso_date(*d),
            Val::List(v) => v.join("、"),
        }
    }
    /// Appends the canonical text form (`display`) to `out`, copying nothing else.
    pub fn display_into(&self, out: &mut String) {
        match self {
            Val::Empty => {}
            Val::Text(s) => out.push_str(s),
            other => out.push_str(&other.display()),
        }
    }
    /// The canonical text form as `display` gives it, borrowed when the value is text.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Val::Text(s) => std::borrow::Cow::Borrowed(s),
            other => std::borrow::Cow::Owned(other.display()),
        }
    }
    /// The text, when it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
    /// The date, when it is a date.
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Val::Date(d) => Some(*d),
            _ => None,
        }
    }
    /// The number, when it is a whole number or a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Val::Int(i) => Some(*i as f64),
            Val::Num(f) => Some(*f),
            _ => None,
        }
    }
    /// Does the value equal, or (for a list) contain, this canonical text?
    pub fn matches(&self, v: &str) -> bool {
        match self {
            Val::List(items) => items.iter().any(|x| x == v),
            other => other.display() == v,
        }
    }
}

/// Why a cell could not be taken as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The rule's code (C008 …).
    pub code: &'static str,
    /// Whether the cell's row is rejected.
    pub severity: Severity,
    /// What is wrong, in Chinese.
    pub zh: String,
    /// What is wrong, in English.
    pub en: String,
    /// How to fix it, in Chinese.
    pub fix_zh: String,
    /// How to fix it, in English.
    pub fix_en: String,
}

impl From<Said> for Issue {
    /// A built-in rule's message for a cell, at the rule's severity.
    fn from(said: Said) -> Issue {
        Issue {
            code: said.rule.code,
            severity: said.rule.severity,
            zh: said.message.zh,
            en: said.message.en,
            fix_zh: said.message.fix_zh,
            fix_en: said.message.fix_en,
        }
    }
}

/// The outcome of parsing one cell: a value (possibly kept despite a warning) and at
/// most one issue. An error issue means the value is not usable.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// The canonical value (Empty after an error).
    pub val: Val,
    /// What is wrong with the cell, if anything.
    pub issue: Option<Issue>,
}

impl Parsed {
    /// A value with no issue.
    pub fn ok(val: Val) -> Parsed {
        Parsed { val, issue: None }
    }
    /// An error: no usable value.
    pub fn err(issue: Issue) -> Parsed {
        Parsed {
            val: Val::Empty,
            issue: Some(issue),
        }
    }
    /// A value kept despite a warning.
    pub fn warn(val: Val, issue: Issue) -> Parsed {
        Parsed {
            val,
            issue: Some(issue),
        }
    }
}

/// A row's values as conditions and rules read them, by field index: None past the
/// table's fields.
pub trait Fields {
    /// The canonical value of field `i`.
    fn val(&self, i: usize) -> Option<&Val>;
    /// Whether field `i`'s cell had an error.
    fn bad(&self, i: usize) -> Option<bool>;
}

impl<T: Fields + ?Sized> Fields for &T {
    fn val(&self, i: usize) -> Option<&Val> {
        (**self).val(i)
    }
    fn bad(&self, i: usize) -> Option<bool> {
        (**self).bad(i)
    }
}

/// Values and error flags side by side.
impl Fields for (&[Val], &[bool]) {
    fn val(&self, i: usize) -> Option<&Val> {
        self.0.get(i)
    }
    fn bad(&self, i: usize) -> Option<bool> {
        self.1.get(i).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_writes_them() {
        use chrono::NaiveDate;
        let some = [
            (-1, 12, 31),
            (0, 1, 1),
            (9, 2, 3),
            (999, 10, 10),
            (1900, 2, 28),
            (2024, 2, 29),
            (9999, 12, 31),
            (10000, 1, 1),
        ];
        for (y, m, d) in some {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_date(day), day.format("%Y-%m-%d").to_string());
            let mut text = String::from(">");
            Val::Date(day).display_into(&mut text);
            assert_eq!(text, format!(">{}", Val::Date(day).display()));
        }
    }

    #[test]
    fn a_value_is_24_bytes_and_short_text_needs_no_allocation() {
        // A county's rows hold a value per field: its size is the run's memory.
        assert_eq!(std::mem::size_of::<Val>(), 24);
        let code = Val::Text("YH500230000000025".into());
        assert!(code.as_str().is_some());
        if let Val::Text(t) = &code {
            assert!(!t.is_heap_allocated());
        }
        assert_eq!(code.text(), "YH500230000000025");
        let list = Val::List(Box::new(["甲".into(), "乙".into()]));
        assert_eq!(list.display(), "甲、乙");
    }
}
