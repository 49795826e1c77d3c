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
    /// Text (held inline up to 24 bytes: most cells are short, and a million cells each
    /// with its own allocation cost the reader and the checks a tenth of their time).
    Text(CompactString),
    /// A number.
    Num(f64),
    /// A boolean (TRUE/FALSE).
    Bool(bool),
    /// An Excel date: its serial number and the calendar date it means (1900 or 1904 system).
    Date {
        /// Excel's serial day number.
        serial: f64,
        /// The calendar date it means (None when out of range).
        #[serde(with = "day_number")]
        date: Option<NaiveDate>,
        /// Whether the workbook counts days from 1904 (old Mac Excel).
        is_1904: bool,
    },
    /// An ISO date text given by the format (ods).
    DateIso(String),
    /// An error value such as #REF!.
    Error(String),
}

/// A date as its day number (days from 0001-01-01, day 1) where a cell or a value is
/// encoded (the reader child's frames, the rows written aside, the values spilled for the
/// writers): chrono writes a date as text, formatted once and parsed again by every
/// reader of it, for every date.
mod day_number {
    use chrono::{Datelike, NaiveDate};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A date that is always there (`Val::Date`).
    pub mod one {
        use super::*;

        pub fn serialize<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
            date.num_days_from_ce().serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
            let n = i32::deserialize(d)?;
            NaiveDate::from_num_days_from_ce_opt(n)
                .ok_or_else(|| serde::de::Error::custom("a day number past the calendar"))
        }
    }

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        date.map(|d| d.num_days_from_ce()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<i32>::deserialize(d)? {
            None => Ok(None),
            Some(n) => NaiveDate::from_num_days_from_ce_opt(n)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("a day number past the calendar")),
        }
    }
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
            Raw::Text(s) => s.to_string(),
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
    let mut out = String::with_capacity(10);
    write_iso_date(&mut out, d).expect("a String takes every write");
    out
}

/// Writes `iso_date(d)` to `out`.
fn write_iso_date(out: &mut impl std::fmt::Write, d: chrono::NaiveDate) -> std::fmt::Result {
    use chrono::Datelike;
    match d.year() {
        y @ 0..=9999 => write!(out, "{y:04}-{:02}-{:02}", d.month(), d.day()),
        _ => write!(out, "{}", d.format("%Y-%m-%d")),
    }
}

/// A number as Excel shows it in General format: integers without ".0".
pub fn fmt_num(f: f64) -> String {
    let mut out = String::new();
    write_num(&mut out, f).expect("a String takes every write");
    out
}

/// Writes `fmt_num(f)` to `out`.
fn write_num(out: &mut impl std::fmt::Write, f: f64) -> std::fmt::Result {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        write!(out, "{}", f as i64)
    } else {
        write!(out, "{f}")
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
    /// A date (encoded as its day number: `day_number`).
    Date(#[serde(with = "day_number::one")] NaiveDate),
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
        let mut out = String::new();
        self.display_into(&mut out);
        out
    }
    /// Writes the canonical text form to `out`: the one place it is defined, for
    /// `display`, `display_into` and `shows`.
    fn write_canonical(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        match self {
            Val::Empty => Ok(()),
            Val::Text(s) => out.write_str(s),
            Val::Int(i) => write!(out, "{i}"),
            Val::Num(f) => write_num(out, *f),
            Val::Date(d) => write_iso_date(out, *d),
            Val::List(v) => v.iter().enumerate().try_for_each(|(k, item)| {
                if k > 0 {
                    out.write_str("、")?;
                }
                out.write_str(item)
            }),
        }
    }
    /// Whether the canonical text form (`display`) is `text`, found without making it (a
    /// row's every number and date was formatted only to be found unchanged).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use selfbuilt::value::Val;
    /// assert!(Val::Int(3).shows("3") && !Val::Int(3).shows("03"));
    /// assert!(Val::Num(2.5).shows("2.5") && Val::Num(4.0).shows("4"));
    /// let d = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
    /// assert!(Val::Date(d).shows("2024-03-09") && !Val::Date(d).shows("2024-3-9"));
    /// assert!(Val::List(vec!["甲".into(), "乙".into()].into()).shows("甲、乙"));
    /// ```
    pub fn shows(&self, text: &str) -> bool {
        /// A writer that compares what is written with the rest of a text.
        struct Same<'a>(&'a str);
        impl std::fmt::Write for Same<'_> {
            fn write_str(&mut self, piece: &str) -> std::fmt::Result {
                match self.0.strip_prefix(piece) {
                    Some(rest) => {
                        self.0 = rest;
                        Ok(())
                    }
                    None => Err(std::fmt::Error),
                }
            }
        }
        let mut same = Same(text);
        self.write_canonical(&mut same).is_ok() && same.0.is_empty()
    }
    /// Appends the canonical text form (`display`) to `out`, copying nothing else.
    pub fn display_into(&self, out: &mut String) {
        self.write_canonical(out)
            .expect("a String takes every write");
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
    fn a_date_cell_encodes_as_its_day_number_and_comes_back_the_same() {
        use chrono::Datelike;
        let days = [
            (1, 1, 1),
            (1899, 12, 30),
            (2024, 2, 29),
            (9999, 12, 31),
            (-44, 3, 15),
        ];
        for (y, m, d) in days {
            let date = NaiveDate::from_ymd_opt(y, m, d);
            let raw = Raw::Date {
                serial: 45351.0,
                date,
                is_1904: y == 2024,
            };
            let bytes = postcard::to_stdvec(&raw).unwrap();
            assert_eq!(postcard::from_bytes::<Raw>(&bytes).unwrap(), raw);
        }
        let none = Raw::Date {
            serial: -5.0,
            date: None,
            is_1904: false,
        };
        let bytes = postcard::to_stdvec(&none).unwrap();
        assert_eq!(postcard::from_bytes::<Raw>(&bytes).unwrap(), none);
        // The encoding spelled out (the variant's number, the serial, the day number, the
        // flag); a day number no calendar date has is a broken encoding, not a panic.
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let spelled = postcard::to_stdvec(&(4u32, 1.0f64, Some(day.num_days_from_ce()), false));
        let want = Raw::Date {
            serial: 1.0,
            date: Some(day),
            is_1904: false,
        };
        assert_eq!(
            postcard::from_bytes::<Raw>(&spelled.unwrap()).unwrap(),
            want
        );
        let bad = postcard::to_stdvec(&(4u32, 1.0f64, Some(i32::MAX), false)).unwrap();
        assert!(postcard::from_bytes::<Raw>(&bad).is_err());
    }

    #[test]
    fn a_date_value_encodes_as_its_day_number_and_comes_back_the_same() {
        use chrono::Datelike;
        for (y, m, d) in [(1, 1, 1), (2024, 2, 29), (-44, 3, 15), (9999, 12, 31)] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            let bytes = postcard::to_stdvec(&Val::Date(day)).unwrap();
            assert_eq!(
                bytes,
                postcard::to_stdvec(&(4u32, day.num_days_from_ce())).unwrap()
            );
            assert_eq!(postcard::from_bytes::<Val>(&bytes).unwrap(), Val::Date(day));
        }
        let bad = postcard::to_stdvec(&(4u32, i32::MIN)).unwrap();
        assert!(postcard::from_bytes::<Val>(&bad).is_err());
    }

    #[test]
    fn shows_answers_as_display_would() {
        let day = |y, m, d| Val::Date(NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let vals = [
            Val::Empty,
            Val::Text("砖混结构".into()),
            Val::Text("".into()),
            Val::Int(0),
            Val::Int(-12),
            Val::Int(i64::MAX),
            Val::Num(2.5),
            Val::Num(4.0),
            Val::Num(-0.0),
            Val::Num(1e15),
            Val::Num(22.705722),
            Val::Num(f64::NAN),
            day(2024, 3, 9),
            day(-1, 12, 31),
            day(10000, 1, 1),
            Val::List(vec!["甲".into(), "乙".into()].into()),
            Val::List(Vec::new().into()),
        ];
        let mut texts: Vec<String> = vals.iter().map(Val::display).collect();
        texts.extend(
            [
                "03",
                "4.0",
                "2024-3-9",
                "2024-03-09 ",
                "甲、",
                "、乙",
                "-0",
                "x",
            ]
            .map(String::from),
        );
        for v in &vals {
            for t in &texts {
                assert_eq!(v.shows(t), v.display() == *t, "{v:?} against {t:?}");
                let longer = format!("{t}0");
                assert_eq!(
                    v.shows(&longer),
                    v.display() == longer,
                    "{v:?} against {longer:?}"
                );
            }
        }
    }

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
