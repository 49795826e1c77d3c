//! Findings are data: a typed record with its location, rule code, severity and the
//! message in both languages. Writers (terminal, CSV, xlsx, annotated copies) render them.

use serde::{Deserialize, Serialize};

use crate::text::a1;

/// How bad a finding is: an error rejects the row (it cannot go upstream), a warning only
/// asks for a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The row cannot be reported as it is.
    Error,
    /// Worth a look; the row is still reported.
    Warning,
}

impl Severity {
    /// The English word, as the CSVs and JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
    /// The Chinese word (错误, 警告).
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// Output language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// Chinese (中文), the default.
    #[default]
    Zh,
    /// English.
    En,
}

/// One problem found in the input, at a file, sheet, row and cell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Finding {
    /// Path relative to the INPUT it came from, with `/`.
    pub file: String,
    /// The sheet's name ("" for a file-level finding or a CSV file).
    pub sheet: String,
    /// 0-based row in the original sheet (None for file- and sheet-level findings).
    pub row: Option<u32>,
    /// 0-based column in the original sheet.
    pub col: Option<u32>,
    /// The key of the field the cell is read for ("" when the finding is not about a
    /// field).
    pub field: String,
    /// The cell's value as written.
    pub value: String,
    /// Whether the row is rejected or only warned about.
    pub severity: Severity,
    /// The rule's code (C008, S007, X001 …), to look it up with `selfbuilt rules`.
    pub code: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
    /// What is wrong, in English.
    pub message_en: String,
    /// How to fix it, in Chinese.
    pub suggestion_zh: String,
    /// How to fix it, in English.
    pub suggestion_en: String,
    /// Held back because of another row (a hazard whose building was rejected): an error
    /// for what goes upstream, but nothing to fix on this row. Counted, shown and painted
    /// apart from the errors a village must fix.
    // No `skip_serializing_if`: findings cross the reader's pipe in a format that counts
    // fields rather than naming them.
    #[serde(default)]
    pub knock_on: bool,
    /// For a knock-on, the row it depends on: (file, sheet, 0-based row).
    #[serde(default)]
    pub depends_on: Option<Box<(String, String, u32)>>,
}

impl Finding {
    /// A finding of a built-in rule, its message rendered by the registry, at the rule's
    /// severity.
    pub fn new(said: Said) -> Finding {
        Finding::rule(said.rule.code, said.rule.severity).says(said.message)
    }

    /// The same finding at another severity (a rule whose weight depends on the case).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// A finding of a rule the schemas declare (cross-table, row), by its code.
    pub fn rule(code: &str, severity: Severity) -> Finding {
        Finding {
            file: String::new(),
            sheet: String::new(),
            row: None,
            col: None,
            field: String::new(),
            value: String::new(),
            severity,
            code: code.to_string(),
            message_zh: String::new(),
            message_en: String::new(),
            suggestion_zh: String::new(),
            suggestion_en: String::new(),
            knock_on: false,
            depends_on: None,
        }
    }

    /// A knock-on of the row at (file, sheet, 0-based row): see `knock_on`.
    pub fn held_by(mut self, file: &str, sheet: &str, row: u32) -> Self {
        self.knock_on = true;
        self.depends_on = Some(Box::new((file.to_string(), sheet.to_string(), row)));
        self
    }
    /// The same finding in this file.
    pub fn at_file(mut self, file: &str) -> Self {
        self.file = file.to_string();
        self
    }
    /// The same finding on this sheet.
    pub fn at_sheet(mut self, sheet: &str) -> Self {
        self.sheet = sheet.to_string();
        self
    }
    /// The same finding at this 0-based row and column.
    pub fn at_cell(mut self, row: u32, col: Option<u32>) -> Self {
        self.row = Some(row);
        self.col = col;
        self
    }
    /// The same finding about this field.
    pub fn field(mut self, f: &str) -> Self {
        self.field = f.to_string();
        self
    }
    /// The same finding with this cell value.
    pub fn value(mut self, v: &str) -> Self {
        self.value = v.to_string();
        self
    }
    /// Its message and fix: a schema rule's texts, or the registry's.
    pub fn says(mut self, w: Message) -> Self {
        self.message_zh = w.zh;
        self.message_en = w.en;
        self.suggestion_zh = w.fix_zh;
        self.suggestion_en = w.fix_en;
        self
    }
    /// 1-based row number as written in errors.csv ("" for file/sheet level).
    pub fn row_1based(&self) -> String {
        self.row.map(|r| (r + 1).to_string()).unwrap_or_default()
    }
    /// A1 address ("" when there is no cell).
    pub fn cell(&self) -> String {
        match (self.row, self.col) {
            (Some(r), Some(c)) => a1(r, c),
            _ => String::new(),
        }
    }
    /// The message in the language asked for.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
    /// The suggested fix in the language asked for.
    pub fn suggestion(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.suggestion_zh,
            Lang::En => &self.suggestion_en,
        }
    }
    /// Whether it rejects its row.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    /// An error the village must fix on this very row: an error, not a knock-on.
    pub fn must_fix(&self) -> bool {
        self.is_error() && !self.knock_on
    }
}

/// Findings in reading order with each knock-on moved just below the last finding of the
/// row it depends on (when that row's findings are in the list), so that a village reads
/// the cause, then what it holds back.
pub fn knock_ons_under_causes<'a>(list: &[&'a Finding]) -> Vec<&'a Finding> {
    use std::collections::HashMap;
    let mut last: HashMap<(&str, &str, u32), usize> = HashMap::new();
    for (i, f) in list.iter().enumerate() {
        if let (false, Some(r)) = (f.knock_on, f.row) {
            last.insert((f.file.as_str(), f.sheet.as_str(), r), i);
        }
    }
    let mut under: HashMap<usize, Vec<&'a Finding>> = HashMap::new();
    let mut out = Vec::with_capacity(list.len());
    let mut placed = vec![false; list.len()];
    for (i, f) in list.iter().enumerate() {
        let cause = f
            .depends_on
            .as_deref()
            .filter(|_| f.knock_on)
            .and_then(|(file, sheet, row)| last.get(&(file.as_str(), sheet.as_str(), *row)));
        if let Some(&at) = cause {
            under.entry(at).or_default().push(f);
            placed[i] = true;
        }
    }
    for (i, f) in list.iter().enumerate() {
        if placed[i] {
            continue;
        }
        out.push(*f);
        if let Some(fs) = under.remove(&i) {
            out.extend(fs);
        }
    }
    out
}

/// One value that cleaning changed: the audit trail of SPEC §6, as read from a
/// [`ChangeLog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change<'a> {
    /// The file, relative to its INPUT.
    pub file: &'a str,
    /// The sheet's name.
    pub sheet: &'a str,
    /// 0-based row in the original sheet.
    pub row: u32,
    /// 0-based column in the original sheet.
    pub col: u32,
    /// The key of the field.
    pub field: &'a str,
    /// The value as the village wrote it.
    pub old: &'a str,
    /// The canonical value the cleaned workbook holds instead.
    pub new: &'a str,
}

/// A packed audit trail. A province makes tens of millions of changes, so a change is
/// one fixed 28-byte entry; its old and new texts sit end to end in one buffer, a pair
/// of texts the log already holds (a blank filled with the same default, the same
/// full-width comma in the same phrase) held once, and its file, sheet and field names
/// are kept once in a small table.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    names: Vec<std::sync::Arc<str>>,
    text: String,
    entries: Vec<Entry>,
    /// The entries whose pair of texts later ones may share, by the pair's hash (up to
    /// `PAIRS_SEEN`; dropped by `ChangeLog::seal`).
    pairs: hashbrown::HashTable<u32>,
}

/// How many distinct pairs of texts a log looks for again.
const PAIRS_SEEN: usize = 4096;

/// One change: indices into the names, its cell, and where its texts are in the text
/// buffer (the old one, then the new one).
#[derive(Debug, Clone, Copy)]
struct Entry {
    file: u16,
    sheet: u16,
    field: u16,
    row: u32,
    col: u32,
    at: u32,
    old_len: u32,
    new_len: u32,
}

/// A pair of texts' hash, for finding it again.
fn pair_hash(old: &str, new: &str) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    old.hash(&mut h);
    new.hash(&mut h);
    h.finish()
}

/// `s` cut to at most 4 GB, at a character boundary.
fn cut(s: &str) -> &str {
    let mut end = s.len().min(u32::MAX as usize);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl ChangeLog {
    /// Record that `field` at (`row`, `col`) of `sheet` in `file` went from `old` to `new`.
    /// (A text longer than 4 GB, a buffer past 4 GB of text, or a log with more than
    /// 65,535 distinct names, is cut: none comes out of one spreadsheet.)
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        file: &std::sync::Arc<str>,
        sheet: &std::sync::Arc<str>,
        row: u32,
        col: u32,
        field: &std::sync::Arc<str>,
        old: &str,
        new: &str,
    ) {
        let (file, sheet, field) = (self.name(file), self.name(sheet), self.name(field));
        let (old, new) = (cut(old), cut(new));
        // Past 4 GB of text in one log the change is kept without its texts.
        let (at, old_len, new_len) = match self.texts(old, new) {
            Some(at) => (at, old.len() as u32, new.len() as u32),
            None => (0, 0, 0),
        };
        self.entries.push(Entry {
            file,
            sheet,
            field,
            row,
            col,
            at,
            old_len,
            new_len,
        });
    }

    /// The old and new texts of entry `e`.
    fn pair(&self, e: &Entry) -> (&str, &str) {
        let at = e.at as usize;
        let mid = at + e.old_len as usize;
        let end = mid + e.new_len as usize;
        let text = |a: usize, b: usize| self.text.get(a..b).unwrap_or("");
        (text(at, mid), text(mid, end))
    }

    /// Where the texts `old` then `new` are in the buffer: where the log holds them
    /// already, else at its end.
    /// None when the buffer would pass 4 GB.
    fn texts(&mut self, old: &str, new: &str) -> Option<u32> {
        let hash = pair_hash(old, new);
        let same = |&i: &u32| self.pair(&self.entries[i as usize]) == (old, new);
        if let Some(&i) = self.pairs.find(hash, same) {
            return Some(self.entries[i as usize].at);
        }
        if self.text.len() + old.len() + new.len() > u32::MAX as usize {
            return None;
        }
        let at = self.text.len() as u32;
        self.text.push_str(old);
        self.text.push_str(new);
        if self.pairs.len() < PAIRS_SEEN {
            let i = self.entries.len() as u32;
            let (entries, text) = (&self.entries, &self.text);
            let rehash = |&j: &u32| {
                let e = &entries[j as usize];
                let (a, m) = (e.at as usize, e.at as usize + e.old_len as usize);
                let b = m + e.new_len as usize;
                pair_hash(text.get(a..m).unwrap_or(""), text.get(m..b).unwrap_or(""))
            };
            self.pairs.insert_unique(hash, i, rehash);
        }
        Some(at)
    }

    /// The log is complete: its memory is cut to what it holds and it stops looking for
    /// pairs it holds already (pushing more still works, without that).
    pub fn seal(&mut self) {
        self.pairs = hashbrown::HashTable::new();
        self.text.shrink_to_fit();
        self.entries.shrink_to_fit();
    }

    /// The index of a name, added when new. Logs hold a handful of names, and the same
    /// shared ones over and over, so pointers are compared before texts.
    fn name(&mut self, n: &std::sync::Arc<str>) -> u16 {
        let found = (self
            .names
            .iter()
            .rposition(|x| std::sync::Arc::ptr_eq(x, n)))
        .or_else(|| self.names.iter().rposition(|x| **x == **n));
        match found {
            Some(i) => i as u16,
            None if self.names.len() < u16::MAX as usize => {
                self.names.push(n.clone());
                (self.names.len() - 1) as u16
            }
            None => u16::MAX - 1,
        }
    }

    /// Move every change of `other` to the end of this log.
    pub fn append(&mut self, other: &mut ChangeLog) {
        let map: Vec<u16> = std::mem::take(&mut other.names)
            .iter()
            .map(|n| self.name(n))
            .collect();
        let remap = |i: u16| map.get(i as usize).copied().unwrap_or(i);
        self.entries.reserve(other.entries.len());
        for e in std::mem::take(&mut other.entries) {
            let (old, new) = other.pair(&e);
            let (at, old_len, new_len) = match self.texts(old, new) {
                Some(at) => (at, e.old_len, e.new_len),
                None => (0, 0, 0),
            };
            self.entries.push(Entry {
                file: remap(e.file),
                sheet: remap(e.sheet),
                field: remap(e.field),
                at,
                old_len,
                new_len,
                ..e
            });
        }
        other.clear();
    }

    /// How many changes it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no change.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets every change, keeping the memory for reuse.
    pub fn clear(&mut self) {
        self.names.clear();
        self.text.clear();
        self.entries.clear();
        self.pairs.clear();
    }

    /// Keep only the changes on rows before `row` (a sheet's rows from `row` on turned out
    /// to be another table's).
    pub fn keep_rows_before(&mut self, row: u32) {
        let mut kept = ChangeLog {
            names: std::mem::take(&mut self.names),
            ..ChangeLog::default()
        };
        for e in self.entries.iter().filter(|e| e.row < row) {
            let (old, new) = self.pair(e);
            let (at, old_len, new_len) = match kept.texts(old, new) {
                Some(at) => (at, e.old_len, e.new_len),
                None => (0, 0, 0),
            };
            kept.entries.push(Entry {
                at,
                old_len,
                new_len,
                ..*e
            });
        }
        *self = kept;
    }

    /// The changes in the order they were recorded.
    pub fn iter(&self) -> impl Iterator<Item = Change<'_>> {
        let name = |i: u16| self.names.get(i as usize).map_or("", |n| &**n);
        self.entries.iter().map(move |e| {
            let (old, new) = self.pair(e);
            Change {
                file: name(e.file),
                sheet: name(e.sheet),
                row: e.row,
                col: e.col,
                field: name(e.field),
                old,
                new,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn names(v: &[&str]) -> Vec<Arc<str>> {
        v.iter().map(|s| Arc::from(*s)).collect()
    }

    #[test]
    fn a_change_log_gives_back_what_was_pushed_in_order() {
        let n = names(&["村.xlsx", "房屋信息", "floors", "id_number"]);
        let mut log = ChangeLog::default();
        log.push(&n[0], &n[1], 3, 10, &n[2], "３层", "3");
        log.push(&n[0], &n[1], 4, 5, &n[3], "4.5010219900101e17", "");
        log.push(&n[0], &n[1], 5, 10, &n[2], "", "2");
        let got: Vec<Change> = log.iter().collect();
        assert_eq!(log.len(), 3);
        assert_eq!(
            got[0],
            Change {
                file: "村.xlsx",
                sheet: "房屋信息",
                row: 3,
                col: 10,
                field: "floors",
                old: "３层",
                new: "3"
            }
        );
        assert_eq!(
            (got[1].field, got[1].old, got[1].new),
            ("id_number", "4.5010219900101e17", "")
        );
        assert_eq!((got[2].row, got[2].old, got[2].new), (5, "", "2"));
        // Equal names in other allocations are kept once.
        log.push(
            &Arc::from("村.xlsx"),
            &Arc::from("房屋信息"),
            6,
            10,
            &Arc::from("floors"),
            "a",
            "b",
        );
        assert_eq!(log.names.len(), 4);
    }

    #[test]
    fn a_pair_of_texts_met_again_is_held_once_and_read_back_right() {
        let n = names(&["村.xlsx", "隐患台账", "writeoff", "note"]);
        let mut log = ChangeLog::default();
        for row in 0..100 {
            log.push(&n[0], &n[1], row, 11, &n[2], "", "未销号");
            log.push(&n[0], &n[1], row, 12, &n[3], "有，无", "有,无");
        }
        log.push(&n[0], &n[1], 100, 12, &n[3], "有，无", "有,无，");
        assert_eq!(log.len(), 201);
        assert_eq!(log.text.len(), "未销号有，无有,无有，无有,无，".len());
        let got: Vec<(u32, &str, &str, &str)> =
            log.iter().map(|c| (c.row, c.field, c.old, c.new)).collect();
        assert_eq!(got[0], (0, "writeoff", "", "未销号"));
        assert_eq!(got[199], (99, "note", "有，无", "有,无"));
        assert_eq!(got[200], (100, "note", "有，无", "有,无，"));
        // Appended to another log, cut to its first rows, sealed: the same texts.
        let mut all = ChangeLog::default();
        all.push(&n[0], &n[1], 0, 1, &n[2], "x", "y");
        all.append(&mut log);
        assert!(log.is_empty());
        all.keep_rows_before(50);
        all.seal();
        all.push(&n[0], &n[1], 300, 12, &n[3], "有，无", "有,无");
        let got: Vec<(u32, &str, &str)> = all.iter().map(|c| (c.row, c.old, c.new)).collect();
        assert_eq!(got.len(), 1 + 100 + 1);
        assert_eq!(got[0], (0, "x", "y"));
        assert_eq!(got[2], (0, "有，无", "有,无"));
        assert_eq!(got[101], (300, "有，无", "有,无"));
    }

    #[test]
    fn appended_logs_keep_their_own_names() {
        let a = names(&["a.xlsx", "表1", "floors"]);
        let b = names(&["b.xlsx", "表2", "area", "floors"]);
        let mut one = ChangeLog::default();
        one.push(&a[0], &a[1], 1, 1, &a[2], "x", "y");
        let mut two = ChangeLog::default();
        two.push(&b[0], &b[1], 2, 2, &b[2], "１", "1");
        two.push(&b[0], &b[1], 3, 3, &b[3], "二层", "2");
        one.append(&mut two);
        assert!(two.is_empty() && two.iter().next().is_none());
        let got: Vec<_> = one
            .iter()
            .map(|c| (c.file, c.sheet, c.row, c.field, c.old, c.new))
            .collect();
        assert_eq!(
            got,
            [
                ("a.xlsx", "表1", 1, "floors", "x", "y"),
                ("b.xlsx", "表2", 2, "area", "１", "1"),
                ("b.xlsx", "表2", 3, "floors", "二层", "2"),
            ]
        );
        assert_eq!(one.names.len(), 6, "floors is kept once");
        one.clear();
        assert_eq!(one.len(), 0);
    }
}

/// A built-in rule's documentation.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct RuleDoc {
    /// The rule's code (C008), as findings carry it.
    pub code: &'static str,
    /// A stable English slug (`id-check-digit`).
    pub name: &'static str,
    /// What a person calls it, in a few Chinese words (身份证号校验码不符).
    pub title: &'static str,
    /// The same in English.
    pub title_en: &'static str,
    /// Its severity: whether a row breaking it is rejected.
    pub severity: Severity,
    /// What it checks.
    pub what: &'static str,
    /// The same in English.
    pub what_en: &'static str,
    /// Why it matters to the campaign.
    pub why: &'static str,
    /// A value or situation it flags.
    pub bad: &'static str,
    /// The same, corrected.
    pub good: &'static str,
    /// How to get from the one to the other.
    pub fix: &'static str,
    /// Every message the rule can give, as templates (`rules CODE` lists them).
    pub says: &'static [Say],
}

/// One message form of a built-in rule, as declared in the registry: its name and the
/// templates of its message and fix in both languages (`{name}` is a value of the case).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Say {
    /// The form's name, unique within its rule.
    pub name: &'static str,
    /// The message template in Chinese.
    pub zh: &'static str,
    /// The message template in English.
    pub en: &'static str,
    /// The fix template in Chinese.
    pub fix_zh: &'static str,
    /// The fix template in English.
    pub fix_en: &'static str,
}

/// A built-in rule's message for one case, rendered by the registry from its templates:
/// what a stage hands on as a [`Finding`] or a cell [`crate::value::Issue`]. Only the
/// registry's functions make one (`codes::id_check_digit(…)`), so a message cannot drift
/// from its rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Said {
    /// The rule it reports.
    pub rule: &'static RuleDoc,
    /// Its message and fix, rendered for this case.
    pub message: Message,
}

/// A message and its fix in both languages, as shown to a person.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// The message in Chinese.
    pub zh: String,
    /// The message in English.
    pub en: String,
    /// How to fix it, in Chinese.
    pub fix_zh: String,
    /// How to fix it, in English.
    pub fix_en: String,
}

impl PartialEq for RuleDoc {
    fn eq(&self, other: &RuleDoc) -> bool {
        self.code == other.code
    }
}

/// The words of a rule the schemas declare (a table's row rule, a campaign's cross-table
/// rule): its code and names, its severity, what `selfbuilt rules` says of it, and the
/// templates of its message and fix in both languages (`{name}` is a value of the case).
///
/// ```
/// let text: selfbuilt::finding::RuleText = toml::from_str(r#"
///     code = "X001"
///     name = "unknown-parent"
///     title = "隐患对应的房屋不存在"
///     severity = "error"
///     what = "A hazard names a building no file has."
///     message_zh = "房屋编码 {value} 不在房屋表中"
///     message_en = "building code {value} is in no building table"
/// "#).unwrap();
/// assert_eq!(text.code, "X001");
/// assert!(text.why.is_empty());
/// ```
#[derive(Debug, Clone, Deserialize, Serialize, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct RuleText {
    /// The rule's code (R101, X001 …), as its findings carry it.
    #[validate(length(min = 2, max = 8))]
    pub code: String,
    /// A stable English slug.
    #[validate(length(min = 1))]
    pub name: String,
    /// What a person calls it, in a few Chinese words.
    #[validate(length(min = 1))]
    pub title: String,
    /// Whether a row breaking it is rejected or only warned about.
    pub severity: Severity,
    /// What it checks, in a sentence.
    #[validate(length(min = 1))]
    pub what: String,
    /// Why it matters, for `selfbuilt rules`.
    #[serde(default)]
    pub why: String,
    /// An example breaking it.
    #[serde(default)]
    pub bad_example: String,
    /// An example keeping it.
    #[serde(default)]
    pub good_example: String,
    /// The message template in Chinese.
    #[validate(length(min = 1))]
    pub message_zh: String,
    /// The message template in English.
    #[validate(length(min = 1))]
    pub message_en: String,
    /// How to fix it, in Chinese.
    #[serde(default)]
    pub suggestion_zh: String,
    /// How to fix it, in English.
    #[serde(default)]
    pub suggestion_en: String,
}

impl RuleText {
    /// The keys a rule's words are written with (beside the keys of what it checks).
    pub const KEYS: [&'static str; 12] = [
        "code",
        "name",
        "title",
        "severity",
        "what",
        "why",
        "bad_example",
        "good_example",
        "message_zh",
        "message_en",
        "suggestion_zh",
        "suggestion_en",
    ];

    /// Split a rule's entry as written into its words and its other keys (what it
    /// checks, which the rule's own type reads).
    pub fn split_from(mut keys: toml::Table) -> Result<(RuleText, toml::Table), toml::de::Error> {
        let mut words = toml::Table::new();
        for key in RuleText::KEYS {
            if let Some(value) = keys.remove(key) {
                words.insert(key.to_string(), value);
            }
        }
        Ok((words.try_into()?, keys))
    }

    /// Its four templates: message and fix, in Chinese and English.
    pub fn templates(&self) -> [&str; 4] {
        [
            &self.message_zh,
            &self.message_en,
            &self.suggestion_zh,
            &self.suggestion_en,
        ]
    }
}
