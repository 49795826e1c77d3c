//! The words a person reads where the machine keeps keys: a field's label for its key
//! (`owner_id` → 身份证号), a rule's title for its code (C009 → 身份证号被存成数字). The
//! terminal, errors.xlsx, tally.xlsx and the annotated notes use them; the CSVs keep keys.

use std::collections::HashMap;

use crate::finding::Lang;
use crate::model::{Wording, WordingKind};
use crate::schema::Schemas;

/// The columns of the distinct wordings' list (`Words::wording`), Chinese and English.
pub const WORDING_HEADS: [[&str; 8]; 2] = [
    [
        "类别",
        "表",
        "字段",
        "写法",
        "本次处理",
        "依据",
        "处数",
        "位置",
    ],
    [
        "kind",
        "table",
        "field",
        "wording",
        "what the run did",
        "evidence",
        "count",
        "where",
    ],
];

/// Labels and titles, looked up by key and code.
pub struct Words {
    fields: HashMap<String, (String, String)>,
    tables: HashMap<String, (String, String)>,
    rules: HashMap<String, String>,
    reasons: HashMap<String, String>,
    total: String,
    unknown_village: String,
    writeoff_columns: [String; 3],
    writeoffs_title: String,
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
        let tables = schemas
            .tables
            .iter()
            .map(|t| {
                (
                    t.table.key.clone(),
                    (t.table.label.clone(), t.table.label_en.clone()),
                )
            })
            .collect();
        let writeoffs_title = match schemas.campaign.campaign.writeoffs_title.as_str() {
            "" => "建议".to_string(),
            t => t.to_string(),
        };
        Words {
            writeoff_columns,
            writeoffs_title,
            fields,
            tables,
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

    /// A table's label (its key when the schemas have no such table).
    pub fn table<'a>(&'a self, key: &'a str, lang: Lang) -> &'a str {
        match (self.tables.get(key), lang) {
            (Some((zh, _)), Lang::Zh) => zh,
            (Some((_, en)), Lang::En) if !en.is_empty() => en,
            _ => key,
        }
    }

    /// A distinct wording as people read it, one cell per `WORDING_HEADS` column: kind,
    /// table, field, the wording, what the run did with it, the evidence, how many and
    /// where.
    ///
    /// ```
    /// use selfbuilt::model::{Wording, WordingKind};
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let w = selfbuilt::rules::words::Words::new(&s);
    /// let form = Wording {
    ///     kind: WordingKind::Header, table: "buildings".into(), field: "owner".into(),
    ///     form: "屋主".into(), taken: Some("owner".into()), guess: Some("owner".into()),
    ///     how_zh: "内容：30/30 个值像人名".into(), how_en: String::new(), near: false,
    ///     count: 2, cells: vec!["a.xlsx:Sheet1!C3".into(), "b.xlsx:Sheet1!C2".into()],
    ///     rivals: Vec::new(),
    /// };
    /// let row = w.wording(&form, selfbuilt::finding::Lang::Zh);
    /// assert_eq!(row[0], "列名");
    /// assert!(row[4].starts_with("按“户主（产权人）”读取"), "{}", row[4]);
    /// assert_eq!(row[6], "2");
    /// ```
    pub fn wording(&self, w: &Wording, lang: Lang) -> [String; 8] {
        let zh = lang == Lang::Zh;
        let field = |k: &str| -> String {
            if k.is_empty() {
                "—".into()
            } else {
                self.field(k, lang).to_string()
            }
        };
        let maybe = |g: &Option<String>, as_field: bool| -> String {
            match g {
                Some(g) if as_field => {
                    let g = field(g);
                    if zh {
                        format!("，可能是“{g}”")
                    } else {
                        format!("; maybe {g}")
                    }
                }
                Some(g) if zh => format!("，可能是“{g}”"),
                Some(g) => format!("; maybe {g}"),
                None => String::new(),
            }
        };
        let done = match (w.kind, &w.taken, zh) {
            (WordingKind::Header, Some(f), true) => format!("按“{}”读取，请核对一次", field(f)),
            (WordingKind::Header, Some(f), false) => {
                format!("read as {}; please confirm once", field(f))
            }
            (WordingKind::Header, None, true) => format!("未导入{}", maybe(&w.guess, true)),
            (WordingKind::Header, None, false) => {
                format!("not imported{}", maybe(&w.guess, true))
            }
            (WordingKind::Value, Some(v), true) => format!("读作“{v}”，请核对一次"),
            (WordingKind::Value, Some(v), false) => format!("read as {v}; please confirm once"),
            (WordingKind::Value, None, true) => {
                format!("未采用，这些格为错误{}", maybe(&w.guess, false))
            }
            (WordingKind::Value, None, false) => {
                format!("not read, the cells are errors{}", maybe(&w.guess, false))
            }
        };
        let kind = match (w.kind, zh) {
            (WordingKind::Header, true) => "列名",
            (WordingKind::Header, false) => "header",
            (WordingKind::Value, true) => "选项",
            (WordingKind::Value, false) => "option",
        };
        [
            kind.to_string(),
            self.table(&w.table, lang).to_string(),
            field(&w.field),
            w.form.clone(),
            done,
            if zh {
                w.how_zh.clone()
            } else {
                w.how_en.clone()
            },
            w.count.to_string(),
            w.cells.join(if zh { "、" } else { ", " }),
        ]
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

    /// What the write-off proposals are called (the campaign's `writeoffs_title`).
    ///
    /// ```
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let w = selfbuilt::rules::words::Words::new(&s);
    /// assert_eq!(w.writeoffs_title(), "销号建议");
    /// ```
    pub fn writeoffs_title(&self) -> &str {
        &self.writeoffs_title
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
