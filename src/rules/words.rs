//! The words a person reads where the machine keeps keys: a field's label for its key
//! (`owner_id` → 身份证号), a rule's title for its code (C009 → 身份证号被存成数字). The
//! terminal, errors.xlsx, tally.xlsx and the annotated notes use them; the CSVs keep keys.

use std::collections::HashMap;

use crate::finding::Lang;
use crate::schema::Schemas;

/// Labels and titles, looked up by key and code.
pub struct Words {
    fields: HashMap<String, (String, String)>,
    rules: HashMap<String, String>,
    reasons: HashMap<String, String>,
    total: String,
    unknown_village: String,
    writeoff_columns: [String; 3],
}

impl Words {
    /// What the village column is headed (the tally's `village` words).
    pub fn village(&self) -> &str {
        &self.writeoff_columns[2]
    }

    /// The words of these schemas and of every rule.
    ///
    /// ```
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let w = selfbuilt::rules::words::Words::new(&s);
    /// assert_eq!(w.field("owner_id", selfbuilt::finding::Lang::Zh), "身份证号");
    /// assert_eq!(w.rule("C008"), "身份证号校验码不符");
    /// ```
    pub fn new(schemas: &Schemas) -> Words {
        let mut fields = HashMap::new();
        for t in &schemas.tables {
            for f in &t.fields {
                // A key shared by tables (building_code) has one label; the first is kept.
                fields
                    .entry(f.key.clone())
                    .or_insert_with(|| (f.label.clone(), f.label_en.clone()));
            }
        }
        let rules = super::catalogue(schemas)
            .into_iter()
            .map(|r| (r.code, r.title))
            .collect();
        let reasons = schemas
            .campaign
            .writeoffs
            .iter()
            .map(|w| (w.reason.clone(), w.label.clone()))
            .collect();
        let header = schemas.writeoffs_header();
        let label = |k: &str| -> String {
            fields
                .get(k)
                .map(|(zh, _): &(String, String)| zh.clone())
                .unwrap_or_else(|| k.to_string())
        };
        let writeoff_columns = [
            label(&header[1]),
            label(&header[2]),
            schemas.campaign.tally.village.clone(),
        ];
        Words {
            writeoff_columns,
            fields,
            rules,
            reasons,
            total: schemas.campaign.tally.total.clone(),
            unknown_village: schemas.lexicon.unknown_village.clone(),
        }
    }

    /// A field's label (its key when no table has it).
    pub fn field<'a>(&'a self, key: &'a str, lang: Lang) -> &'a str {
        match (self.fields.get(key), lang) {
            (Some((zh, _)), Lang::Zh) => zh,
            (Some((_, en)), Lang::En) if !en.is_empty() => en,
            _ => key,
        }
    }

    /// A rule's title (its code when unknown).
    pub fn rule<'a>(&'a self, code: &'a str) -> &'a str {
        self.rules.get(code).map(String::as_str).unwrap_or(code)
    }

    /// A write-off reason's name, as the schema gives it (its key when none does).
    ///
    /// ```
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let w = selfbuilt::rules::words::Words::new(&s);
    /// assert_eq!(w.reason("rectified"), "整治完成销号");
    /// ```
    pub fn reason<'a>(&'a self, r: &'a str) -> &'a str {
        self.reasons.get(r).map(String::as_str).unwrap_or(r)
    }

    /// The labels of the write-off list's identity and village columns (errors.xlsx).
    pub fn writeoff_columns(&self) -> [&str; 3] {
        let [a, b, c] = &self.writeoff_columns;
        [a, b, c]
    }

    /// What a file whose village cannot be told is listed under.
    pub fn unknown_village(&self) -> &str {
        &self.unknown_village
    }

    /// The name of a total row (合计).
    pub fn total(&self) -> &str {
        &self.total
    }

    /// "C009 身份证号被存成数字".
    pub fn code_and_title(&self, code: &str) -> String {
        match self.rules.get(code) {
            Some(t) => format!("{code} {t}"),
            None => code.to_string(),
        }
    }
}
