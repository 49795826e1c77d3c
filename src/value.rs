//! The values a cell is, at the bottom of the flow: a raw cell as the file holds it
//! (`Raw`), its canonical value once a field's type has read it (`Val`), and the outcome of
//! reading (`Parsed`, with at most one `Issue`). Plain data that readers, cell types,
//! stages and writers share.

use chrono::NaiveDate;

use crate::finding::{Said, Severity};

/// A raw cell value as the file holds it.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum Raw {
    #[default]
    Empty,
    Text(String),
    Num(f64),
    Bool(bool),
    /// An Excel date: its serial number and the calendar date it means (1900 or 1904 system).
    Date {
        serial: f64,
        date: Option<NaiveDate>,
        is_1904: bool,
    },
    /// An ISO date text given by the format (ods).
    DateIso(String),
    /// An error value such as #REF!.
    Error(String),
}

impl Raw {
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
            Raw::Date { date: Some(d), .. } => d.format("%Y-%m-%d").to_string(),
            Raw::Date { serial, .. } => fmt_num(*serial),
            Raw::DateIso(s) => s.clone(),
            Raw::Error(e) => e.clone(),
        }
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
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Val {
    #[default]
    Empty,
    Text(String),
    Int(i64),
    Num(f64),
    Date(NaiveDate),
    List(Vec<String>),
}

impl Val {
    pub fn is_empty(&self) -> bool {
        matches!(self, Val::Empty)
    }
    /// The canonical text form (dates YYYY-MM-DD, lists joined by 、; a yes/no is the lexicon's word, kept as text).
    pub fn display(&self) -> String {
        match self {
            Val::Empty => String::new(),
            Val::Text(s) => s.clone(),
            Val::Int(i) => i.to_string(),
            Val::Num(f) => fmt_num(*f),
            Val::Date(d) => d.format("%Y-%m-%d").to_string(),
            Val::List(v) => v.join("、"),
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Val::Date(d) => Some(*d),
            _ => None,
        }
    }
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
    pub code: &'static str,
    pub severity: Severity,
    pub zh: String,
    pub en: String,
    pub fix_zh: String,
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
    pub val: Val,
    pub issue: Option<Issue>,
}

impl Parsed {
    pub fn ok(val: Val) -> Parsed {
        Parsed { val, issue: None }
    }
    pub fn err(issue: Issue) -> Parsed {
        Parsed {
            val: Val::Empty,
            issue: Some(issue),
        }
    }
    pub fn warn(val: Val, issue: Issue) -> Parsed {
        Parsed {
            val,
            issue: Some(issue),
        }
    }
}
