//! Findings are data: a typed record with its location, rule code, severity and the
//! message in both languages. Writers (terminal, CSV, xlsx, annotated copies) render them.

use serde::{Deserialize, Serialize};

use crate::text::a1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
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
    #[default]
    Zh,
    En,
}

/// One problem found in the input, at a file, sheet, row and cell.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Path relative to the INPUT it came from, with `/`.
    pub file: String,
    pub sheet: String,
    /// 0-based row in the original sheet (None for file- and sheet-level findings).
    pub row: Option<u32>,
    /// 0-based column in the original sheet.
    pub col: Option<u32>,
    pub field: String,
    pub value: String,
    pub severity: Severity,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
    pub suggestion_zh: String,
    pub suggestion_en: String,
}

impl Finding {
    pub fn new(code: &str, severity: Severity) -> Finding {
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
        }
    }
    pub fn at_file(mut self, file: &str) -> Self {
        self.file = file.to_string();
        self
    }
    pub fn at_sheet(mut self, sheet: &str) -> Self {
        self.sheet = sheet.to_string();
        self
    }
    pub fn at_cell(mut self, row: u32, col: Option<u32>) -> Self {
        self.row = Some(row);
        self.col = col;
        self
    }
    pub fn field(mut self, f: &str) -> Self {
        self.field = f.to_string();
        self
    }
    pub fn value(mut self, v: &str) -> Self {
        self.value = v.to_string();
        self
    }
    pub fn msg(mut self, zh: impl Into<String>, en: impl Into<String>) -> Self {
        self.message_zh = zh.into();
        self.message_en = en.into();
        self
    }
    pub fn fix(mut self, zh: impl Into<String>, en: impl Into<String>) -> Self {
        self.suggestion_zh = zh.into();
        self.suggestion_en = en.into();
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
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message_en,
        }
    }
    pub fn suggestion(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.suggestion_zh,
            Lang::En => &self.suggestion_en,
        }
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// One value that cleaning changed: the audit trail of SPEC §6.
#[derive(Debug, Clone)]
/// A run may hold millions of these: names are shared, values boxed.
pub struct Change {
    pub file: std::sync::Arc<str>,
    pub sheet: std::sync::Arc<str>,
    pub row: u32,
    pub col: u32,
    pub field: std::sync::Arc<str>,
    pub old: Box<str>,
    pub new: Box<str>,
}
