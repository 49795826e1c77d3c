//! Schemas as data: a campaign's tables, their fields, aliases, enum synonyms, ranges and
//! declarative row rules (`<table>.toml`), the campaign itself (`campaign.toml`: tables in
//! order, references, cross-table checks, write-offs, tally) and the language's words
//! (`lexicon.toml`), loaded with serde and checked with `validator` and `campaign::resolve`
//! when loaded. The shipped copies are compiled in; `--schemas DIR` reads another folder of
//! the same shape, `--campaign NAME` chooses among its campaigns.

pub mod campaign;
pub mod forms;
pub mod stages;
pub mod verdict;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use validator::{Validate, ValidationError};

use crate::text::{label_key, norm_key};
pub use campaign::Campaign;

/// The shipped schema files, compiled into the binary: (path under `schemas/`, text).
/// `lexicon.toml` is shared; each campaign is a folder with `campaign.toml` and a file
/// per table.
pub const SHIPPED: &[(&str, &str)] = &[
    ("lexicon.toml", include_str!("../../schemas/lexicon.toml")),
    (
        "selfbuilt/campaign.toml",
        include_str!("../../schemas/selfbuilt/campaign.toml"),
    ),
    (
        "selfbuilt/buildings.toml",
        include_str!("../../schemas/selfbuilt/buildings.toml"),
    ),
    (
        "selfbuilt/hazards.toml",
        include_str!("../../schemas/selfbuilt/hazards.toml"),
    ),
    (
        "selfbuilt/reviews.toml",
        include_str!("../../schemas/selfbuilt/reviews.toml"),
    ),
    (
        "gongmao/campaign.toml",
        include_str!("../../schemas/gongmao/campaign.toml"),
    ),
    (
        "gongmao/enterprises.toml",
        include_str!("../../schemas/gongmao/enterprises.toml"),
    ),
    (
        "gongmao/inspections.toml",
        include_str!("../../schemas/gongmao/inspections.toml"),
    ),
    (
        "gongmao/hazards.toml",
        include_str!("../../schemas/gongmao/hazards.toml"),
    ),
];

/// The campaign run when none is named.
pub const DEFAULT_CAMPAIGN: &str = "selfbuilt";

/// A schema that cannot be used; the message names the file and the entry.
#[derive(Debug, thiserror::Error)]
#[error("schema {file}: {message}")]
pub struct SchemaError {
    /// The schema file at fault.
    pub file: String,
    /// What is wrong with it, naming the entry.
    pub message: String,
}

/// A table of the loaded campaign: its place in `Schemas::tables` (the order the
/// campaign lists them in; the first is the campaign's main table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct TableId(pub u8);

impl TableId {
    /// The table's place in the campaign's order, to index per-table lists.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Cell types: the built-in ones of SPEC §3, and those of `types::REGISTRY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text.
    Text,
    /// A whole number.
    Integer,
    /// A number, maybe with decimals and a unit.
    Number,
    /// A date.
    Date,
    /// Yes or no (是/否).
    Bool,
    /// One of the field's values (选项).
    Enum,
    /// Any number of the field's values (多选).
    EnumList,
    /// A resident ID number (身份证号), its check digit checked.
    IdCard,
    /// A mobile or landline phone number.
    Phone,
    /// A longitude, in degrees.
    Lon,
    /// A latitude, in degrees.
    Lat,
    /// A code, matched against the field's pattern (房屋编码).
    Code,
    /// A registered cell type (`types`).
    Plugin(Plugin),
}

/// A registered cell type, compared by its key.
#[derive(Clone, Copy)]
pub struct Plugin(pub &'static dyn crate::types::CellType);

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.key())
    }
}

impl PartialEq for Plugin {
    fn eq(&self, other: &Plugin) -> bool {
        self.0.key() == other.0.key()
    }
}

impl Eq for Plugin {}

const BUILT_IN_TYPES: [(&str, FieldType); 12] = [
    ("text", FieldType::Text),
    ("integer", FieldType::Integer),
    ("number", FieldType::Number),
    ("date", FieldType::Date),
    ("bool", FieldType::Bool),
    ("enum", FieldType::Enum),
    ("enum_list", FieldType::EnumList),
    ("id_card", FieldType::IdCard),
    ("phone", FieldType::Phone),
    ("lon", FieldType::Lon),
    ("lat", FieldType::Lat),
    ("code", FieldType::Code),
];

impl FieldType {
    /// The name schema files use.
    pub fn key(self) -> &'static str {
        match self {
            FieldType::Plugin(p) => p.0.key(),
            t => BUILT_IN_TYPES
                .iter()
                .find(|(_, x)| *x == t)
                .map(|(k, _)| *k)
                .unwrap_or(""),
        }
    }

    /// The type of a schema name.
    pub fn from_key(k: &str) -> Option<FieldType> {
        BUILT_IN_TYPES
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, t)| *t)
            .or_else(|| crate::types::find(k).map(|p| FieldType::Plugin(Plugin(p))))
    }

    /// Whether its column is kept as text (so a spreadsheet keeps every character).
    pub fn text_column(self) -> bool {
        match self {
            FieldType::Code | FieldType::IdCard | FieldType::Phone => true,
            FieldType::Plugin(p) => p.0.text_column(),
            _ => false,
        }
    }
}

impl<'de> Deserialize<'de> for FieldType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FieldType, D::Error> {
        let k = String::deserialize(d)?;
        FieldType::from_key(&k).ok_or_else(|| {
            let mut known: Vec<&str> = BUILT_IN_TYPES.iter().map(|(n, _)| *n).collect();
            known.extend(crate::types::REGISTRY.iter().map(|t| t.key()));
            serde::de::Error::custom(format!("unknown type {k:?} (types: {})", known.join(", ")))
        })
    }
}

impl serde::Serialize for FieldType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl FieldType {
    /// The type's Chinese name (文本, 身份证号 …), as a person reads it.
    pub fn name_zh(self) -> &'static str {
        match self {
            FieldType::Text => "文本",
            FieldType::Integer => "整数",
            FieldType::Number => "数字",
            FieldType::Date => "日期",
            FieldType::Bool => "是/否",
            FieldType::Enum => "选项",
            FieldType::EnumList => "多选",
            FieldType::IdCard => "身份证号",
            FieldType::Phone => "电话",
            FieldType::Lon => "经度",
            FieldType::Lat => "纬度",
            FieldType::Code => "编码",
            FieldType::Plugin(p) => p.0.name_zh(),
        }
    }
}

/// A table's own entry (`[table]`): its key, its names, and the fields that identify a row.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TableMeta {
    /// The table's key (buildings, hazards, reviews …).
    #[validate(length(min = 1))]
    pub key: String,
    /// What a clerk calls it (房屋信息).
    #[validate(length(min = 1))]
    pub label: String,
    /// The same in English.
    pub label_en: String,
    /// What a row of it is, in a sentence.
    #[serde(default)]
    pub description: String,
    /// The fields whose values identify a row (building_code), as write-offs and rounds
    /// name it.
    #[validate(length(min = 1))]
    pub identity: Vec<String>,
    /// A header naming any one of `identity` will do (a roster may list houses by code,
    /// by owner, or both); else it must name every one.
    #[serde(default)]
    pub identity_any: bool,
    /// The title `template` puts above the table; `{village}` is the village's name.
    #[serde(default)]
    pub title: String,
}

/// One column of a table: its key and header words, its type, and the checks on its values.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "check_field"))]
pub struct Field {
    /// The field's key, as the CSVs and rules name it (owner_id).
    #[validate(length(min = 1, max = 64))]
    pub key: String,
    /// Its header as the template writes it (身份证号).
    #[validate(length(min = 1))]
    pub label: String,
    /// The same in English.
    #[serde(default)]
    pub label_en: String,
    /// Its cell type, which decides how a cell is read.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// A row must have a value here.
    #[serde(default)]
    pub required: bool,
    /// No two rows of the batch may share a value here.
    #[serde(default)]
    pub unique: bool,
    /// Other header wordings villages use for it.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The values an enum field may take, in the campaign's words.
    #[serde(default)]
    pub values: Vec<String>,
    /// Written forms of a value and the value they mean (written → value).
    #[serde(default)]
    pub synonyms: HashMap<String, String>,
    /// The value taken when the sheet has no column for the field.
    #[serde(default)]
    pub default: Option<String>,
    /// The least number allowed.
    pub min: Option<f64>,
    /// The greatest number allowed.
    pub max: Option<f64>,
    /// Decimal places a number keeps (a coordinate: 6, about 0.1 m); more are noise of a
    /// conversion, such as 度分秒 to degrees.
    #[serde(default)]
    pub decimals: Option<u32>,
    /// Whether `min` itself is not allowed (an area must be more than 0).
    #[serde(default)]
    pub min_exclusive: bool,
    /// The fewest characters a text may have.
    pub min_len: Option<usize>,
    /// The most characters a text may have.
    pub max_len: Option<usize>,
    /// The earliest date allowed (YYYY-MM-DD).
    pub min_date: Option<String>,
    /// The latest date allowed (YYYY-MM-DD, or `today`).
    pub max_date: Option<String>,
    /// The regular expression a code must match.
    pub pattern: Option<String>,
    /// The pattern in words, for the message and the template (YH + 15 位数字).
    #[serde(default)]
    pub pattern_hint: String,
    /// What the field holds, for the template's input prompt and its 填表说明 sheet.
    #[serde(default)]
    pub description: String,
    /// A valid value, for the template and messages.
    #[serde(default)]
    pub example: String,
    /// The short words that carry the field's meaning in any header wording: groups of
    /// interchangeable words, every group a part of the meaning
    /// (`[["鉴定", "评定"], ["等级", "级别"]]`). Used when no label or alias matches.
    #[serde(default)]
    pub concepts: Vec<Vec<String>>,
    /// What the values of a text field look like, for recognising a column by its
    /// content: `person_name`, `address`, `place` (a village, a group) or `free_text`.
    #[serde(default)]
    pub profile: Option<Profile>,
    /// Written forms that mean something the campaign has no value for (窑洞): form →
    /// why, said in the finding.
    #[serde(default)]
    pub no_equivalent: HashMap<String, String>,
    /// A pattern the field's values usually have, used only to recognise its column by
    /// content (never to check a value): a hazard code is mostly its building's code and a
    /// serial (`'^YH\d{15}-?\d{1,3}$'`).
    #[serde(default)]
    pub looks_like: Option<String>,
    /// Word groups from the standards villages write from (GB/T 4754 for kinds of
    /// business, the appraisal guidance for grades, the census for structures): a form
    /// holding a group's word means that group's value (`cells::enum_policy`, tier 5).
    #[serde(default)]
    pub thesaurus: Vec<Thesaurus>,
    /// How a column of this field repeats its values down the rows, as evidence between
    /// columns content alone cannot tell apart: `one` (the village of a village's file),
    /// `few` (a surveyor's name on many rows), `many` (owners, addresses).
    #[serde(default)]
    pub repeats: Option<Repeats>,
    /// Compiled `pattern`.
    #[serde(skip)]
    pub regex: Option<regex::Regex>,
    /// Compiled `looks_like`.
    #[serde(skip)]
    pub looks_like_regex: Option<regex::Regex>,
    /// Normalised written form (value or synonym) → canonical value, for enums.
    #[serde(skip)]
    pub enum_index: HashMap<String, String>,
    /// Keys worked out once when the schemas are loaded (see `Prepared`).
    #[serde(skip)]
    pub prepared: Prepared,
}

/// A field's wordings, concept words and enum forms as lookup keys, made once when the
/// schemas are loaded: the recogniser and the enum policy compare against them for every
/// header and every unusual cell.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// `label_key` of the label and every alias.
    pub wordings: Vec<String>,
    /// `norm_key` of every concept word, group by group.
    pub concepts: Vec<Vec<String>>,
    /// Every written form of an enum's values, with and without brackets, under the
    /// lexicon's equivalents: (form, canonical value).
    pub forms: Vec<(String, String)>,
    /// The same forms with the lexicon's near-synonyms put in as well (`Lexicon::near_synonyms`).
    pub near_forms: Vec<(String, String)>,
    /// The thesaurus' words as keys, longest first: (word, value, source).
    pub thesaurus: Vec<(String, String, String)>,
}

fn check_field(f: &Field) -> Result<(), ValidationError> {
    let err = |code: &'static str, msg: String| {
        let mut e = ValidationError::new(code);
        e.message = Some(msg.into());
        Err(e)
    };
    if let (Some(a), Some(b)) = (f.min, f.max) {
        if a > b {
            return err("range", format!("field {}: min {a} > max {b}", f.key));
        }
    }
    if let (Some(a), Some(b)) = (f.min_len, f.max_len) {
        if a > b {
            return err(
                "range",
                format!("field {}: min_len {a} > max_len {b}", f.key),
            );
        }
    }
    let is_enum = matches!(f.ty, FieldType::Enum | FieldType::EnumList);
    if is_enum && f.values.is_empty() {
        return err("values", format!("field {}: an enum needs `values`", f.key));
    }
    if !is_enum && (!f.values.is_empty() || !f.synonyms.is_empty()) {
        return err(
            "values",
            format!("field {}: `values`/`synonyms` only fit enum types", f.key),
        );
    }
    for (syn, canon) in &f.synonyms {
        if !f.values.contains(canon) {
            return err(
                "synonym",
                format!(
                    "field {}: synonym {syn:?} maps to {canon:?}, which is not one of its values",
                    f.key
                ),
            );
        }
    }
    for g in &f.thesaurus {
        if !f.values.contains(&g.value) {
            return err(
                "thesaurus",
                format!(
                    "field {}: thesaurus group ({}) names {:?}, which is not one of its values",
                    f.key, g.source, g.value
                ),
            );
        }
    }
    for d in [&f.min_date, &f.max_date].into_iter().flatten() {
        if d != "today" && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            return err(
                "date",
                format!(
                    "field {}: date bound {d:?} is not YYYY-MM-DD or \"today\"",
                    f.key
                ),
            );
        }
    }
    if let Some(p) = &f.looks_like {
        if regex::Regex::new(p).is_err() {
            return err(
                "looks_like",
                format!(
                    "field {}: looks_like {p:?} is not a valid regular expression",
                    f.key
                ),
            );
        }
    }
    if let Some(p) = &f.pattern {
        if regex::Regex::new(p).is_err() {
            return err(
                "pattern",
                format!(
                    "field {}: pattern {p:?} is not a valid regular expression",
                    f.key
                ),
            );
        }
    }
    Ok(())
}

/// What a text field's values look like (see `Field::profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// A person's name (户主).
    PersonName,
    /// An address.
    Address,
    /// A place name (a village, a township).
    Place,
    /// Anything else.
    FreeText,
}

/// One word group of a field's thesaurus: the words that mean one value, and where they
/// come from.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Thesaurus {
    /// The standard or guidance the words are taken from (said in the evidence).
    pub source: String,
    /// The field's value the words mean.
    pub value: String,
    /// The words, any of which means the value.
    pub words: Vec<String>,
}

/// How a field's column repeats its values (`Field::repeats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeats {
    /// Nearly one value for the whole column.
    One,
    /// A few values, each on many rows.
    Few,
    /// Mostly a different value on every row.
    Many,
}

/// A condition of a row rule: the field's canonical value is (not) one of `in`, or (not) present.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cond {
    /// The key of the field tested.
    pub field: String,
    /// Holds when the value is one of these.
    #[serde(default, rename = "in")]
    pub is_in: Vec<String>,
    /// Holds when the value is none of these.
    #[serde(default)]
    pub not_in: Vec<String>,
    /// Holds when the field has a value (true) or has none (false).
    pub present: Option<bool>,
    /// The field's index in its table, worked out when the schemas are loaded.
    #[serde(skip)]
    pub ix: Option<usize>,
}

impl Cond {
    /// Resolve the field's index in table `t` (done once, when the schemas are loaded).
    pub fn index(&mut self, t: &TableSchema) {
        self.ix = t.field_index(&self.field);
    }
}

/// What a row rule asserts when all its conditions hold.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Then {
    /// The key of the field asserted on.
    pub field: String,
    /// It must have a value.
    #[serde(default)]
    pub required: bool,
    /// It must be empty.
    #[serde(default)]
    pub empty: bool,
    /// Its value must be one of these.
    #[serde(default, rename = "in")]
    pub is_in: Vec<String>,
    /// Its value must be none of these.
    #[serde(default)]
    pub not_in: Vec<String>,
    /// For an enum list: at least one of these values.
    #[serde(default)]
    pub any_of: Vec<String>,
    /// Compare with another field: `<`, `<=`, `>`, `>=`, `==`.
    pub op: Option<String>,
    /// The key of the field `op` compares with.
    pub other: Option<String>,
    /// Compare with a part of the other field (`year` of a date).
    pub other_part: Option<String>,
}

/// A declarative check on one row (`[[rules]]` of a table's file): when its conditions
/// hold, `then` must too, else a finding.
#[derive(Debug, Clone, Deserialize, Validate, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RowRule {
    /// The rule's code (R101 …), as its findings carry it.
    #[validate(length(min = 2, max = 8))]
    pub code: String,
    /// A stable English slug.
    #[validate(length(min = 1))]
    pub name: String,
    /// What a person calls it, in a few Chinese words.
    #[validate(length(min = 1))]
    pub title: String,
    /// What it checks, in a sentence (the message has the row's values in it).
    #[validate(length(min = 1))]
    pub what: String,
    /// Whether a row breaking it is rejected or only warned about.
    pub severity: crate::finding::Severity,
    /// Conditions under which it applies, all of them (always when none).
    #[serde(default)]
    pub when: Vec<Cond>,
    /// What must then hold.
    pub then: Then,
    /// The message template in Chinese (`{field}` is the row's value).
    pub message_zh: String,
    /// The message template in English.
    pub message_en: String,
    /// How to fix it, in Chinese.
    #[serde(default)]
    pub suggestion_zh: String,
    /// How to fix it, in English.
    #[serde(default)]
    pub suggestion_en: String,
    /// Why it matters, for `selfbuilt rules`.
    #[serde(default)]
    pub why: String,
    /// An example breaking it.
    #[serde(default)]
    pub bad_example: String,
    /// An example keeping it.
    #[serde(default)]
    pub good_example: String,
    /// Evidence only: the rule tells look-alike columns apart when a sheet is recognised
    /// (`recognise::evidence`), but a row breaking it gets no finding.
    #[serde(default)]
    pub evidence_only: bool,
}

/// One table's schema (`<table>.toml`): the table, its fields and its row rules.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TableSchema {
    /// The table's key, names and identity.
    #[validate(nested)]
    pub table: TableMeta,
    /// Its fields, in the template's column order.
    #[validate(nested)]
    pub fields: Vec<Field>,
    /// Its row rules.
    #[serde(default)]
    #[validate(nested)]
    pub rules: Vec<RowRule>,
    /// normalised label → field index (labels and aliases)
    #[serde(skip)]
    pub label_index: HashMap<String, usize>,
    /// Its place in the campaign.
    #[serde(skip)]
    pub id: TableId,
}

impl TableSchema {
    /// The index of the field with this key.
    pub fn field_index(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
    /// Every wording a header may use for this field, normalised.
    pub fn wordings(f: &Field) -> impl Iterator<Item = &String> {
        std::iter::once(&f.label).chain(f.aliases.iter())
    }
}

/// Words that are not fields: placeholders, boolean forms, total and footer markers.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Cells that mean "nothing written" (无, /, 暂无 …).
    #[validate(length(min = 1))]
    pub placeholders: Vec<String>,
    /// Words for yes (是, 有, √ …).
    #[validate(length(min = 1))]
    pub bool_true: Vec<String>,
    /// Words for no (否, 无, × …).
    #[validate(length(min = 1))]
    pub bool_false: Vec<String>,
    /// Words that mark a total row (合计, 小计): left out, not read as data.
    pub total_markers: Vec<String>,
    /// Words that mark the notes below a table (填表说明, 填表人): the data ends there.
    pub footer_markers: Vec<String>,
    /// Headers of a sequence-number column (序号): not a field.
    pub seq_labels: Vec<String>,
    /// Headers of a notes column (备注): not a field.
    pub note_labels: Vec<String>,
    /// Units a number may be written with (平方米, 层 …): dropped from its end, the longest
    /// first.
    #[serde(default)]
    pub number_units: Vec<String>,
    /// Units a header may end with ("建筑面积m2", "层数(层)"): dropped for the looser of
    /// its lookup keys.
    #[serde(default)]
    pub header_units: Vec<String>,
    /// Words that make a number approximate (约, 左右 …): such a number is rejected.
    #[serde(default)]
    pub approximate: Vec<String>,
    /// The provenance columns cleaned.xlsx writes after the fields (file, sheet, row).
    #[validate(length(equal = 3))]
    pub provenance_labels: Vec<String>,
    /// What a village's name ends with (to find it in a file name).
    pub village_suffixes: Vec<String>,
    /// What a file whose village cannot be told is listed under.
    #[validate(length(min = 1))]
    pub unknown_village: String,
    /// What separates the values of an enum list in a cell (、, ，, ; …).
    #[validate(length(min = 1))]
    pub list_separators: Vec<String>,
    /// Sheets that never hold data (the template's 填表说明 and 选项, an annotated copy's
    /// 问题清单): skipped without a finding.
    #[serde(default)]
    pub ignored_sheets: Vec<String>,
    /// Interchangeable spellings, the first of each group the one kept (它/他, 整改/整治):
    /// applied to both sides when enum forms are compared.
    #[serde(default)]
    pub equivalents: Vec<Vec<String>>,
    /// Words of nearly the same meaning, the first of each group the one kept ("完毕" is
    /// 完成, "库房" is 仓储): tried only when a form maps to nothing without them.
    #[serde(default)]
    pub near_synonyms: Vec<Vec<String>>,
    /// Characters naming the kind of place ("室", "部", "点"): dropped from the end of a
    /// written form in the near-synonym tier.
    #[serde(default)]
    pub kind_suffixes: Vec<String>,
    /// Words that turn a value into its opposite (不, 未, 非 …): a qualifier holding one
    /// never maps a form to the value it negates.
    #[serde(default)]
    pub negations: Vec<String>,
    /// Words that add nothing to an enum value ("燃气隐患" is 燃气安全): dropped before
    /// an abbreviation is looked for.
    #[serde(default)]
    pub neutral_words: Vec<String>,
    /// A line above the header holding one of these ("填报单位：", "填报日期：") is not
    /// part of the header.
    #[serde(default)]
    pub fill_line_markers: Vec<String>,
    /// Header words that say nothing about the field ("情况", "名称"): not counted when
    /// measuring how much of a header its concept words explain.
    #[serde(default)]
    pub header_filler: Vec<String>,
    /// Words an address holds (号, 组, 路 …), for recognising an address column.
    #[serde(default)]
    pub address_markers: Vec<String>,
    /// How place names end (村, 社区, 组, 屯 …), for recognising a village or group column.
    #[serde(default)]
    pub place_suffixes: Vec<String>,
    /// Words that join two parts of a compound value (兼, 及 …): a form naming one part
    /// alone is not the compound ("自住" is not 自住兼经营).
    #[serde(default)]
    pub conjunctions: Vec<String>,
    /// Chinese surnames, compound ones first: a person's name begins with one (for
    /// recognising a person-name column; empty: any name-like text counts).
    #[serde(default)]
    pub surnames: Vec<String>,
    /// The language's aspect words by stage (`stages`): a weak mapping never moves a
    /// state further than its words say.
    #[serde(default)]
    pub stages: StageLists,
    /// `norm_key` of the header filler, neutral words and negations, made once.
    #[serde(skip)]
    pub keys: LexKeys,
}

/// The lexicon's `[stages]`: words by how far along they say a thing has gone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageLists {
    /// Not begun: negation and waiting (未, 待, 尚未 …).
    #[serde(default)]
    pub not_begun: Vec<String>,
    /// Under way: in progress, or a request made (…中, 正在, 申请, 提交 …).
    #[serde(default)]
    pub under_way: Vec<String>,
    /// Done (已, 完成, 完毕 …).
    #[serde(default)]
    pub done: Vec<String>,
    /// Words that complete a request (通过, 批准 …).
    #[serde(default)]
    pub granted: Vec<String>,
}

impl Lexicon {
    /// How a yes is written in the outputs: the first of `bool_true`.
    pub fn yes(&self) -> &str {
        self.bool_true
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }
    /// How a no is written in the outputs: the first of `bool_false`.
    pub fn no(&self) -> &str {
        self.bool_false
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Lexicon words as lookup keys (see `Lexicon::keys`).
#[derive(Debug, Clone, Default)]
pub struct LexKeys {
    /// Header words that carry no meaning (情况, 名称 …), as keys.
    pub header_filler: Vec<String>,
    /// Words too common to tell fields apart (隐患, 问题 …), as keys.
    pub neutral_words: Vec<String>,
    /// Words that turn a meaning round (不, 未, 无 …), as keys.
    pub negations: Vec<String>,
    /// (canonical, variants) of each equivalence group.
    pub equivalents: Vec<(String, Vec<String>)>,
    /// (word, the word kept) of every near-synonym, the kept words included, longest first.
    pub near: Vec<(String, String)>,
    /// The stage words as keys.
    pub stages: stages::StageWords,
}

/// All schemas of a run: one campaign's tables, the campaign, the lexicon.
#[derive(Debug, Clone)]
pub struct Schemas {
    /// In the campaign's order (`TableId` is the place here).
    pub tables: Vec<TableSchema>,
    /// The campaign: tables in order, references, cross-table checks, write-offs, tally.
    pub campaign: Campaign,
    /// The language's words that are not fields.
    pub lexicon: Lexicon,
    /// Where they came from (for messages).
    pub source: String,
}

/// The texts of one campaign's schema files: (file name for messages, TOML).
#[derive(Debug, Clone)]
pub struct Texts {
    /// The lexicon's file.
    pub lexicon: (String, String),
    /// The campaign's file.
    pub campaign: (String, String),
    /// Every table's file, in the campaign's order.
    pub tables: Vec<(String, String)>,
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, SchemaError> {
    toml::from_str(text).map_err(|e| SchemaError {
        file: file.to_string(),
        message: e.to_string(),
    })
}

/// Where schema files come from: the shipped copies or a folder.
trait Store {
    /// The text of a file under the root (`selfbuilt/campaign.toml`), if there is one.
    fn get(&self, rel: &str) -> Option<Result<String, SchemaError>>;
    /// The campaign folders under the root.
    fn campaigns(&self) -> Vec<String>;
    /// The name a file is shown by.
    fn show(&self, rel: &str) -> String;
}

struct Shipped;

impl Store for Shipped {
    fn get(&self, rel: &str) -> Option<Result<String, SchemaError>> {
        SHIPPED
            .iter()
            .find(|(n, _)| *n == rel)
            .map(|(_, t)| Ok(t.to_string()))
    }
    fn campaigns(&self) -> Vec<String> {
        SHIPPED
            .iter()
            .filter_map(|(n, _)| n.strip_suffix("/campaign.toml"))
            .map(str::to_string)
            .collect()
    }
    fn show(&self, rel: &str) -> String {
        format!("(shipped) {rel}")
    }
}

struct Folder(PathBuf);

impl Store for Folder {
    fn get(&self, rel: &str) -> Option<Result<String, SchemaError>> {
        let p = self.0.join(rel);
        p.is_file().then(|| {
            std::fs::read_to_string(&p).map_err(|e| SchemaError {
                file: p.display().to_string(),
                message: format!("cannot read: {e}"),
            })
        })
    }
    fn campaigns(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&self.0)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("campaign.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        out.sort();
        out
    }
    fn show(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Schemas {
    /// The schema of table `t`.
    pub fn table(&self, t: TableId) -> &TableSchema {
        &self.tables[t.index()]
    }

    /// The table of a key.
    pub fn id(&self, key: &str) -> Option<TableId> {
        self.tables
            .iter()
            .position(|t| t.table.key == key)
            .map(|i| TableId(i as u8))
    }

    /// writeoffs.csv's header: the reason, the main row's identity, the identity of a row of
    /// another table (named by its field when one table has reasons), the village and place,
    /// the evidence.
    pub fn writeoffs_header(&self) -> Vec<String> {
        let schemas = self;
        let c = &schemas.campaign;
        let key = |t: TableId| {
            schemas
                .table(t)
                .table
                .identity
                .first()
                .cloned()
                .unwrap_or_default()
        };
        let mut others: Vec<TableId> = c
            .writeoffs
            .iter()
            .map(|w| w.ix.table)
            .filter(|t| *t != c.main())
            .collect();
        others.sort();
        others.dedup();
        let item = match others.as_slice() {
            [one] => key(*one),
            _ => "item_code".to_string(),
        };
        [
            "reason".to_string(),
            key(c.main()),
            item,
            "village".into(),
            "file".into(),
            "sheet".into(),
            "row".into(),
            "evidence".into(),
        ]
        .to_vec()
    }

    /// The schemas a roster file (`--roster`) is read with, when the campaign has a
    /// `[coverage]`: one table of the coverage's fields, each as the survey table defines
    /// it (wordings, type, checks) with the roster's own aliases added, none required and
    /// none unique (the coverage stage says what is missing or listed twice).
    ///
    /// ```
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let r = s.roster().unwrap().expect("自建房 has a roster");
    /// assert_eq!(r.tables.len(), 1);
    /// assert!(r.tables[0].fields.iter().all(|f| !f.required));
    /// ```
    pub fn roster(&self) -> Result<Option<Schemas>, SchemaError> {
        let Some(cv) = &self.campaign.coverage else {
            return Ok(None);
        };
        let err = |message: String| SchemaError {
            file: format!("{} campaign.toml [coverage]", self.source),
            message,
        };
        let survey = self.table(cv.ix.table);
        let mut fields: Vec<Field> = cv
            .ix
            .fields
            .iter()
            .map(|&i| survey.fields[i].clone())
            .collect();
        for f in fields.iter_mut() {
            f.required = false;
            f.unique = false;
            f.default = None;
            if let Some(more) = cv.aliases.get(&f.key) {
                f.aliases.extend(more.iter().cloned());
            }
        }
        let mut t = TableSchema {
            table: TableMeta {
                key: cv.key.clone(),
                label: cv.label.clone(),
                label_en: cv.label_en.clone(),
                description: String::new(),
                identity: cv.identity.clone(),
                identity_any: true,
                title: cv.label.clone(),
            },
            fields,
            rules: Vec::new(),
            label_index: HashMap::new(),
            id: TableId(0),
        };
        let mut lexicon = self.lexicon.clone();
        finish_table(&mut t, &lexicon).map_err(err)?;
        let mut tables = vec![t];
        prepare(&mut tables, &mut lexicon);
        let c = &self.campaign;
        let mut campaign = Campaign {
            campaign: campaign::Meta {
                key: cv.key.clone(),
                name: cv.label.clone(),
                names: Vec::new(),
                tables: vec![cv.key.clone()],
                village: c.campaign.village.clone(),
                writeoffs_title: c.campaign.writeoffs_title.clone(),
            },
            references: Vec::new(),
            cross: Vec::new(),
            writeoffs: Vec::new(),
            tally: campaign::TallySpec {
                columns: Vec::new(),
                chart: Vec::new(),
                ..c.tally.clone()
            },
            report: Default::default(),
            demo: Default::default(),
            coverage: None,
        };
        campaign.resolve(&tables).map_err(err)?;
        Ok(Some(Schemas {
            tables,
            campaign,
            lexicon,
            source: self.source.clone(),
        }))
    }

    /// Every table's id, in the campaign's order.
    pub fn ids(&self) -> impl Iterator<Item = TableId> {
        (0..self.tables.len()).map(|i| TableId(i as u8))
    }

    /// The shipped schemas of the default campaign.
    pub fn shipped() -> Result<Schemas, SchemaError> {
        Schemas::load(None, None)
    }

    /// The texts of the shipped campaign `name` (for tests that change one file).
    pub fn shipped_texts(name: &str) -> Result<Texts, SchemaError> {
        texts_of(&Shipped, name, shipped_lexicon_text())
    }

    /// Load a campaign: from `dir` (a campaign folder holding campaign.toml, or a folder of
    /// campaign folders) or the shipped copies; `campaign` names one by its folder, key or
    /// any of its names (the default: selfbuilt, else the only one). The lexicon is the
    /// campaign folder's, else its parent's, else the shipped one.
    pub fn load(dir: Option<&Path>, campaign: Option<&str>) -> Result<Schemas, SchemaError> {
        let texts = match dir {
            None => {
                let name = pick(&Shipped, campaign, "(shipped)")?;
                texts_of(&Shipped, &name, shipped_lexicon_text())?
            }
            Some(d) if d.join("campaign.toml").is_file() => {
                let parent = d.parent().map(|p| Folder(p.to_path_buf()));
                let here = Folder(d.to_path_buf());
                let lexicon = match here.get("lexicon.toml") {
                    Some(t) => (here.show("lexicon.toml"), t?),
                    None => match parent.as_ref().and_then(|p| p.get("lexicon.toml")) {
                        Some(t) => (
                            parent
                                .as_ref()
                                .map(|p| p.show("lexicon.toml"))
                                .unwrap_or_default(),
                            t?,
                        ),
                        None => (Shipped.show("lexicon.toml"), shipped_lexicon()),
                    },
                };
                let t = texts_of(&here, "", lexicon)?;
                if let Some(want) = campaign {
                    let c: Campaign = parse(&t.campaign.0, &t.campaign.1)?;
                    if !c.is_named(want) {
                        return Err(SchemaError {
                            file: t.campaign.0.clone(),
                            message: format!(
                                "--campaign {want:?}: this folder holds the campaign {} ({})",
                                c.campaign.key, c.campaign.name
                            ),
                        });
                    }
                }
                t
            }
            Some(d) => {
                let root = Folder(d.to_path_buf());
                let name = pick(&root, campaign, &d.display().to_string())?;
                let lexicon = match root.get("lexicon.toml") {
                    Some(t) => (root.show("lexicon.toml"), t?),
                    None => (Shipped.show("lexicon.toml"), shipped_lexicon()),
                };
                texts_of(&root, &name, lexicon)?
            }
        };
        let source = dir
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "(shipped)".into());
        Schemas::from_texts(&texts, &source)
    }

    /// Every campaign a folder (or the shipped copies) holds: (folder, key, name).
    pub fn campaigns(dir: Option<&Path>) -> Vec<(String, String, String)> {
        let store: Box<dyn Store> = match dir {
            Some(d) => Box::new(Folder(d.to_path_buf())),
            None => Box::new(Shipped),
        };
        parsed_campaigns(store.as_ref())
            .into_iter()
            .filter_map(|(f, c)| {
                let c = c.ok()?.campaign;
                Some((f, c.key, c.name))
            })
            .collect()
    }

    /// Parse and check one campaign's texts.
    pub fn from_texts(texts: &Texts, source: &str) -> Result<Schemas, SchemaError> {
        let (cfile, ctext) = &texts.campaign;
        let mut campaign: Campaign = parse(cfile, ctext)?;
        campaign.validate().map_err(|e| SchemaError {
            file: cfile.clone(),
            message: flatten_validation(&e),
        })?;
        let (file, text) = &texts.lexicon;
        let mut lexicon: Lexicon = parse(file, text)?;
        lexicon.validate().map_err(|e| SchemaError {
            file: file.clone(),
            message: flatten_validation(&e),
        })?;
        let mut tables = Vec::new();
        for (i, (file, text)) in texts.tables.iter().enumerate() {
            let mut t: TableSchema = parse(file, text)?;
            t.validate().map_err(|e| SchemaError {
                file: file.clone(),
                message: flatten_validation(&e),
            })?;
            let want = campaign
                .campaign
                .tables
                .get(i)
                .map(String::as_str)
                .unwrap_or("");
            if t.table.key != want {
                return Err(SchemaError {
                    file: file.clone(),
                    message: format!("table key is {:?}, expected {want:?}", t.table.key),
                });
            }
            t.id = TableId(i as u8);
            finish_table(&mut t, &lexicon).map_err(|message| SchemaError {
                file: file.clone(),
                message,
            })?;
            tables.push(t);
        }
        prepare(&mut tables, &mut lexicon);
        campaign.resolve(&tables).map_err(|message| SchemaError {
            file: cfile.clone(),
            message,
        })?;
        // Rule codes are unique over all tables and the campaign.
        let mut codes: HashMap<&str, &str> = HashMap::new();
        for c in &campaign.cross {
            codes.insert(&c.text.code, "campaign.toml");
        }
        for (i, t) in tables.iter().enumerate() {
            for r in &t.rules {
                if let Some(prev) = codes.insert(&r.code, &t.table.key) {
                    return Err(SchemaError {
                        file: texts.tables[i].0.clone(),
                        message: format!("rule code {} is used twice (also in {prev})", r.code),
                    });
                }
                // F, S, C, X and B are the built-in and cross rules' letters: a row rule is R….
                let digits = r.code.strip_prefix('R').unwrap_or("");
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(SchemaError {
                        file: texts.tables[i].0.clone(),
                        message: format!(
                            "rule code {} must be R and digits (F, S, C are the built-in rules', X and B the campaign's)",
                            r.code
                        ),
                    });
                }
            }
        }
        let schemas = Schemas {
            tables,
            campaign,
            lexicon,
            source: source.to_string(),
        };
        // The roster's table is made from the survey table's fields: made once here so
        // that a fault in it is a schema error when loading.
        schemas.roster()?;
        Ok(schemas)
    }
}

fn shipped_lexicon() -> String {
    SHIPPED[0].1.to_string()
}

fn shipped_lexicon_text() -> (String, String) {
    (Shipped.show("lexicon.toml"), shipped_lexicon())
}

/// The campaign folder `want` names (by folder, key or name), else the default.
/// Each campaign folder of a store, with its campaign.toml parsed.
fn parsed_campaigns(store: &dyn Store) -> Vec<(String, Result<Campaign, SchemaError>)> {
    store
        .campaigns()
        .into_iter()
        .filter_map(|f| {
            let rel = format!("{f}/campaign.toml");
            let parsed = store
                .get(&rel)?
                .and_then(|text| parse::<Campaign>(&store.show(&rel), &text));
            Some((f, parsed))
        })
        .collect()
}

/// The campaign folder `want` names (by folder, key or name), else the default.
fn pick(store: &dyn Store, want: Option<&str>, root: &str) -> Result<String, SchemaError> {
    let found = parsed_campaigns(store);
    let err = |message: String| SchemaError {
        file: root.to_string(),
        message,
    };
    let listed = || -> String {
        found
            .iter()
            .filter_map(|(f, c)| Some(format!("{f}（{}）", c.as_ref().ok()?.campaign.name)))
            .collect::<Vec<_>>()
            .join("、")
    };
    match want {
        None => {
            if found.iter().any(|(f, _)| f == DEFAULT_CAMPAIGN) {
                Ok(DEFAULT_CAMPAIGN.to_string())
            } else if found.len() == 1 {
                Ok(found[0].0.clone())
            } else if found.is_empty() {
                Err(err(
                    "no campaign.toml here, nor any folder holding one (a campaign folder holds \
                     campaign.toml beside its tables' files; a copy of the shipped \
                     schemas/selfbuilt folder is one)"
                        .into(),
                ))
            } else {
                Err(err(format!(
                    "several campaigns: choose one with --campaign ({})",
                    listed()
                )))
            }
        }
        Some(w) => {
            for (f, c) in &found {
                if f == w.trim() {
                    return Ok(f.clone());
                }
                match c {
                    Ok(c) if c.is_named(w) => return Ok(f.clone()),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(SchemaError {
                            file: e.file.clone(),
                            message: e.message.clone(),
                        })
                    }
                }
            }
            Err(err(format!("no campaign {w:?} (campaigns: {})", listed())))
        }
    }
}

/// The texts of the campaign in folder `name` (`""`: the root is the campaign folder).
fn texts_of(
    store: &dyn Store,
    name: &str,
    lexicon: (String, String),
) -> Result<Texts, SchemaError> {
    let rel = |f: &str| {
        if name.is_empty() {
            f.to_string()
        } else {
            format!("{name}/{f}")
        }
    };
    let read = |f: &str| -> Result<(String, String), SchemaError> {
        let r = rel(f);
        match store.get(&r) {
            Some(t) => Ok((store.show(&r), t?)),
            None => Err(SchemaError {
                file: store.show(&r),
                message: "missing".into(),
            }),
        }
    };
    let campaign = read("campaign.toml")?;
    let c: Campaign = parse(&campaign.0, &campaign.1)?;
    if c.campaign.tables.is_empty() {
        return Err(SchemaError {
            file: campaign.0,
            message: "[campaign] tables is empty".into(),
        });
    }
    if c.campaign.tables.len() > 200 {
        return Err(SchemaError {
            file: campaign.0,
            message: "[campaign] tables: more than 200".into(),
        });
    }
    let mut tables = Vec::new();
    for (i, t) in c.campaign.tables.iter().enumerate() {
        if c.campaign.tables[..i].contains(t) {
            return Err(SchemaError {
                file: campaign.0,
                message: format!("[campaign] tables: {t:?} is listed twice"),
            });
        }
        if t.is_empty() || t.contains(['/', '\\', '.']) {
            return Err(SchemaError {
                file: campaign.0,
                message: format!("[campaign] tables: {t:?} is not a table key"),
            });
        }
        tables.push(read(&format!("{t}.toml"))?);
    }
    Ok(Texts {
        lexicon,
        campaign,
        tables,
    })
}

/// Work out the lookup keys of every field and of the lexicon (`Prepared`, `LexKeys`).
fn prepare(tables: &mut [TableSchema], lex: &mut Lexicon) {
    let keys = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|w| norm_key(w))
            .filter(|w| !w.is_empty())
            .collect()
    };
    lex.keys = LexKeys {
        header_filler: keys(&lex.header_filler),
        neutral_words: keys(&lex.neutral_words),
        negations: keys(&lex.negations),
        equivalents: lex
            .equivalents
            .iter()
            .filter_map(|g| g.split_first())
            .map(|(c, v)| (norm_key(c), keys(v)))
            .collect(),
        near: Vec::new(),
        stages: stages::StageWords::default(),
    };
    lex.keys.stages = stages::StageWords::new(lex);
    let mut near: Vec<(String, String)> = Vec::new();
    for g in &lex.near_synonyms {
        let Some(kept) = g.first().map(|w| forms::key(lex, w)) else {
            continue;
        };
        for w in g {
            let w = forms::key(lex, w);
            if !w.is_empty() && !near.iter().any(|(x, _)| *x == w) {
                near.push((w, kept.clone()));
            }
        }
    }
    near.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
    lex.keys.near = near;
    for t in tables.iter_mut() {
        for f in t.fields.iter_mut() {
            let wordings = TableSchema::wordings(f)
                .map(|w| label_key(w, &lex.header_units))
                .collect();
            let concepts = f.concepts.iter().map(|g| keys(g)).collect();
            let forms = forms::make_forms(f, lex);
            let near_forms = forms::near_forms(&forms, lex);
            let mut thesaurus: Vec<(String, String, String)> = f
                .thesaurus
                .iter()
                .flat_map(|g| {
                    g.words
                        .iter()
                        .map(|w| (forms::key(lex, w), g.value.clone(), g.source.clone()))
                })
                .filter(|(w, _, _)| !w.is_empty())
                .collect();
            thesaurus.sort_by_key(|(w, _, _)| std::cmp::Reverse(w.chars().count()));
            f.prepared = Prepared {
                wordings,
                concepts,
                forms,
                near_forms,
                thesaurus,
            };
        }
    }
}

/// One field's additions in an overlay file (a reviewed learned.toml).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldOverlay {
    /// Header wordings to add to the field's aliases.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Written forms to add to the field's synonyms (written → value).
    #[serde(default)]
    pub synonyms: HashMap<String, String>,
}

/// An overlay file: table key → field key → additions.
pub type Overlay = HashMap<String, HashMap<String, FieldOverlay>>;

impl Schemas {
    /// These schemas with the aliases and synonyms of each overlay file added (as
    /// `--aliases FILE` gives them), checked as the schemas themselves are: an unknown
    /// table or field, a synonym for a value the field lacks or an alias another field
    /// claims stops with the file and entry named.
    pub fn with_overlays(mut self, files: &[PathBuf], max_mb: u64) -> Result<Schemas, SchemaError> {
        use std::io::Read;
        for p in files {
            let file = p.display().to_string();
            let err = |message: String| SchemaError {
                file: file.clone(),
                message,
            };
            // A regular file under the side-file limit (a pipe would never end).
            let mut text = String::new();
            crate::read::side_file(p, "--aliases", max_mb)
                .map_err(&err)?
                .take(max_mb << 20)
                .read_to_string(&mut text)
                .map_err(|e| err(format!("无法读取 / cannot read: {e}")))?;
            let overlay: Overlay = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
            self.apply(&overlay).map_err(err)?;
        }
        Ok(self)
    }

    /// Add one overlay's aliases and synonyms, then check and index again.
    pub fn apply(&mut self, overlay: &Overlay) -> Result<(), String> {
        for (tk, fields) in overlay {
            let t = self
                .tables
                .iter_mut()
                .find(|t| &t.table.key == tk)
                .ok_or_else(|| format!("[{tk}]: no such table"))?;
            for (fk, add) in fields {
                let f = t
                    .fields
                    .iter_mut()
                    .find(|f| &f.key == fk)
                    .ok_or_else(|| format!("[{tk}.{fk}]: table {tk} has no field {fk}"))?;
                for a in &add.aliases {
                    if !f.aliases.contains(a) && *a != f.label {
                        f.aliases.push(a.clone());
                    }
                }
                if !add.synonyms.is_empty()
                    && !matches!(f.ty, FieldType::Enum | FieldType::EnumList)
                {
                    return Err(format!("[{tk}.{fk}.synonyms]: {fk} is not an enum"));
                }
                for (w, c) in &add.synonyms {
                    if !f.values.contains(c) {
                        return Err(format!(
                            "[{tk}.{fk}.synonyms]: {w:?} maps to {c:?}, which is not a value of {fk} ({})",
                            f.values.join("、")
                        ));
                    }
                    f.synonyms.insert(w.clone(), c.clone());
                }
            }
            finish_table(t, &self.lexicon).map_err(|m| format!("[{tk}]: {m}"))?;
        }
        prepare(&mut self.tables, &mut self.lexicon);
        Ok(())
    }
}

fn flatten_validation(e: &validator::ValidationErrors) -> String {
    let mut out = Vec::new();
    collect_validation("", e, &mut out);
    out.join("; ")
}

fn collect_validation(prefix: &str, e: &validator::ValidationErrors, out: &mut Vec<String>) {
    use validator::ValidationErrorsKind as K;
    for (field, kind) in e.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(errs) => {
                for er in errs {
                    match &er.message {
                        Some(m) => out.push(m.to_string()),
                        None => out.push(format!("{path}: {}", er.code)),
                    }
                }
            }
            K::Struct(inner) => collect_validation(&path, inner, out),
            K::List(items) => {
                for (i, inner) in items {
                    collect_validation(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

/// Cross-entry checks that serde and validator cannot express, and the label index.
fn finish_table(t: &mut TableSchema, lex: &Lexicon) -> Result<(), String> {
    if t.fields.is_empty() {
        return Err("a table needs at least one field".into());
    }
    for f in t.fields.iter_mut() {
        if let Some(p) = &f.looks_like {
            f.looks_like_regex = regex::Regex::new(p).ok();
        }
        if let Some(p) = &f.pattern {
            f.regex = regex::Regex::new(p).ok();
        }
        let forms = f.values.iter().map(|v| (v, v)).chain(f.synonyms.iter());
        let mut index: HashMap<String, String> = HashMap::new();
        for (written, canon) in forms {
            if let Some(prev) = index.insert(norm_key(written), canon.clone()) {
                if &prev != canon {
                    return Err(format!(
                        "field {}: {written:?} means both {prev:?} and {canon:?} (after normalisation)",
                        f.key
                    ));
                }
            }
        }
        f.enum_index = index;
    }
    let mut keys: HashMap<&str, usize> = HashMap::new();
    for (i, f) in t.fields.iter().enumerate() {
        if keys.insert(&f.key, i).is_some() {
            return Err(format!("field key {:?} is defined twice", f.key));
        }
    }
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, f) in t.fields.iter().enumerate() {
        for w in TableSchema::wordings(f) {
            for k in [norm_key(w), label_key(w, &lex.header_units)] {
                if k.is_empty() {
                    continue;
                }
                if let Some(&j) = index.get(&k) {
                    if j != i {
                        return Err(format!(
                            "alias {w:?} is claimed by two fields: {} and {}",
                            t.fields[j].key, f.key
                        ));
                    }
                }
                index.insert(k, i);
            }
        }
    }
    let fields_len = t.fields.len();
    for k in &t.table.identity {
        if !keys.contains_key(k.as_str()) {
            return Err(format!("identity names a missing field {k:?}"));
        }
    }
    for r in &t.rules {
        let mut named: Vec<&str> = r.when.iter().map(|c| c.field.as_str()).collect();
        named.push(&r.then.field);
        if let Some(o) = &r.then.other {
            named.push(o);
        }
        for n in named {
            if !keys.contains_key(n) {
                return Err(format!("rule {} names a missing field {n:?}", r.code));
            }
        }
        if let Some(op) = &r.then.op {
            if !["<", "<=", ">", ">=", "=="].contains(&op.as_str()) || r.then.other.is_none() {
                return Err(format!(
                    "rule {}: op {op:?} needs one of < <= > >= == and `other`",
                    r.code
                ));
            }
        }
        if let Some(p) = &r.then.other_part {
            if p != "year" {
                return Err(format!(
                    "rule {}: other_part {p:?} is not supported (year)",
                    r.code
                ));
            }
        }
        // Enum values named by the rule must exist.
        let mut checks: Vec<(&str, &Vec<String>)> = Vec::new();
        for c in &r.when {
            checks.push((&c.field, &c.is_in));
            checks.push((&c.field, &c.not_in));
        }
        checks.push((&r.then.field, &r.then.is_in));
        checks.push((&r.then.field, &r.then.not_in));
        checks.push((&r.then.field, &r.then.any_of));
        for (fk, vals) in checks {
            let Some(f) = t.fields.get(keys[fk]) else {
                continue;
            };
            for v in vals {
                let ok = match f.ty {
                    FieldType::Enum | FieldType::EnumList => f.values.contains(v),
                    FieldType::Bool => v == lex.yes() || v == lex.no(),
                    _ => true,
                };
                if !ok {
                    return Err(format!(
                        "rule {}: {v:?} is not a value of field {fk}",
                        r.code
                    ));
                }
            }
        }
    }
    debug_assert!(fields_len == t.fields.len());
    t.label_index = index;
    let mut rules = std::mem::take(&mut t.rules);
    for r in rules.iter_mut() {
        for c in r.when.iter_mut() {
            c.index(t);
        }
    }
    t.rules = rules;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped selfbuilt texts with the buildings table's replaced.
    fn texts_with(table0: String) -> Texts {
        let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
        t.tables[0].1 = table0;
        t
    }

    fn buildings() -> String {
        Schemas::shipped_texts("selfbuilt").unwrap().tables[0]
            .1
            .clone()
    }

    #[test]
    fn shipped_schemas_load() {
        let s = Schemas::shipped().unwrap();
        assert_eq!(s.tables.len(), 3);
        let n = |k: &str| s.table(s.id(k).unwrap()).fields.len();
        assert_eq!(n("buildings"), 21);
        assert_eq!(n("hazards"), 13);
        assert_eq!(n("reviews"), 5);
        assert_eq!(s.campaign.campaign.key, "selfbuilt");
    }

    #[test]
    fn every_schema_file_is_shipped_and_every_campaign_loads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let mut on_disk = Vec::new();
        for e in walk(&root) {
            let rel = e
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.ends_with(".toml") {
                on_disk.push(rel);
            }
        }
        on_disk.sort();
        let mut shipped: Vec<String> = SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
        shipped.sort();
        assert_eq!(on_disk, shipped, "SHIPPED lists every file under schemas/");
        for (folder, key, _) in Schemas::campaigns(None) {
            let s = Schemas::load(None, Some(&folder)).unwrap();
            assert_eq!(s.campaign.campaign.key, key);
            // A shipped folder also loads as a `--schemas` folder, by itself and from above.
            Schemas::load(Some(&root.join(&folder)), None).unwrap();
            Schemas::load(Some(&root), Some(&key)).unwrap();
        }
        let g = Schemas::load(None, Some("工贸企业")).unwrap();
        assert_eq!(
            g.campaign.campaign.tables,
            ["enterprises", "inspections", "hazards"]
        );
        assert!(Schemas::load(None, Some("消防"))
            .unwrap_err()
            .message
            .contains("gongmao"));
    }

    fn walk(d: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn alias_claimed_twice_is_refused_with_its_name() {
        let text = buildings().replace("aliases = [\"组\"", "aliases = [\"户主\", \"组\"");
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(e.message.contains("户主"), "{e}");
        assert!(e.message.contains("claimed by two fields"), "{e}");
        assert!(e.file.contains("buildings"), "{e}");
    }

    #[test]
    fn min_above_max_is_refused() {
        let text = buildings().replace("min = 1.0\nmax = 30.0", "min = 31.0\nmax = 30.0");
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(
            e.message.contains("floors") && e.message.contains("min"),
            "{e}"
        );
    }

    #[test]
    fn unknown_type_is_refused() {
        let text = buildings().replacen("type = \"code\"", "type = \"barcode\"", 1);
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(e.message.contains("barcode"), "{e}");
    }

    #[test]
    fn rule_naming_a_missing_field_is_refused() {
        let text = buildings().replace(
            "field = \"business_type\", required",
            "field = \"bizness\", required",
        );
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(
            e.message.contains("R101") && e.message.contains("bizness"),
            "{e}"
        );
    }

    #[test]
    fn a_row_rule_with_a_built_in_letter_is_refused() {
        let text = buildings().replace("code = \"R101\"", "code = \"C001\"");
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(
            e.message.contains("C001") && e.message.contains("R and digits"),
            "{e}"
        );
        assert!(e.file.contains("buildings"), "{e}");
    }

    #[test]
    fn a_writeoff_template_naming_no_field_is_refused() {
        let with_campaign = |f: &dyn Fn(&str) -> String| {
            let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
            t.campaign.1 = f(&t.campaign.1);
            Schemas::from_texts(&t, "t")
        };
        let e = with_campaign(&|c| c.replacen("户主{owner}", "户主{owners}", 1)).unwrap_err();
        assert!(
            e.message.contains("{owners}") && e.message.contains("writeoffs"),
            "{e}"
        );
        assert!(e.file.contains("campaign.toml"), "{e}");
        let e = with_campaign(&|c| c.replacen("{reviews.reviewer}", "{reviews.inspector}", 1))
            .unwrap_err();
        assert!(e.message.contains("reviews.inspector"), "{e}");
        let e = with_campaign(&|c| {
            c.replace(
                "writeoff = \"suspected_misentry\"",
                "writeoff = \"suspected\"",
            )
        })
        .unwrap_err();
        assert!(
            e.message.contains("suspected") && e.message.contains("tally"),
            "{e}"
        );
    }

    #[test]
    fn a_table_listed_twice_is_refused() {
        let e = Schemas::load(None, None).and_then(|_| {
            let mut t = Schemas::shipped_texts("selfbuilt")?;
            t.campaign.1 = t.campaign.1.replacen(
                "tables = [\"buildings\", \"hazards\", \"reviews\"]",
                "tables = [\"buildings\", \"hazards\", \"hazards\"]",
                1,
            );
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path().join("c");
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("campaign.toml"), &t.campaign.1).unwrap();
            for (name, (_, text)) in ["buildings", "hazards", "reviews"].iter().zip(&t.tables) {
                std::fs::write(d.join(format!("{name}.toml")), text).unwrap();
            }
            Schemas::load(Some(&d), None)
        });
        let e = e.unwrap_err();
        assert!(e.message.contains("listed twice"), "{e}");
    }

    #[test]
    fn an_empty_campaign_entry_is_refused_by_validator() {
        let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
        t.campaign.1 = t
            .campaign
            .1
            .replacen("label = \"录入错误销号\"", "label = \"\"", 1);
        let e = Schemas::from_texts(&t, "t").unwrap_err();
        assert!(e.message.contains("writeoffs[0].label"), "{e}");
    }

    #[test]
    fn a_broken_reference_or_role_is_refused_naming_it() {
        let with_campaign = |f: &dyn Fn(&str) -> String| {
            let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
            t.campaign.1 = f(&t.campaign.1);
            Schemas::from_texts(&t, "t").unwrap_err()
        };
        let e = with_campaign(&|c| {
            c.replacen(
                "to = \"buildings.building_code\"",
                "to = \"buildings.house_code\"",
                1,
            )
        });
        assert!(
            e.message.contains("house_code") && e.message.contains("references"),
            "{e}"
        );
        // A cross rule's own keys are its kind's to check: `rules::cross` tests them.
        let e = with_campaign(&|c| c.replacen("village = \"village\"", "village = \"hamlet\"", 1));
        assert!(
            e.message.contains("hamlet") && e.message.contains("[campaign]"),
            "{e}"
        );
    }
}

/// The shipped selfbuilt campaign's tables by name, for unit tests.
#[cfg(test)]
#[allow(non_upper_case_globals)]
pub mod test_tables {
    use super::TableId;
    /// What the tests call a table's id.
    pub type TableKind = TableId;
    /// The buildings table (房屋信息), the campaign's main table.
    pub const Buildings: TableId = TableId(0);
    /// The hazards table (隐患台账), each row naming its building.
    pub const Hazards: TableId = TableId(1);
    /// The reviews table (回头看复核), each row naming its building.
    pub const Reviews: TableId = TableId(2);
}
