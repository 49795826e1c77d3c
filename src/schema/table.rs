//! One table's schema as the rest of the crate reads it (`<table>.toml`): the table's place
//! in the campaign (`TableId`), its own entry (`TableMeta`), its fields with their cell
//! types and the checks a field declares on itself (`check_field`, run by `validator`), and
//! its declarative row rules (`RowRule`, evaluated by `verdict`).

use std::collections::HashMap;

use serde::Deserialize;
use validator::{Validate, ValidationError};

pub use crate::model::TableId;

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

impl Field {
    /// Whether a person said a column with this header is not this field
    /// (`not_aliases`): `header` is the column's header, its lowest row last after `›`.
    ///
    /// ```
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let mut f = s.tables[0].fields[0].clone();
    /// f.not_aliases.push("某 列".into());
    /// assert!(f.refuses_header("表头›某列"));
    /// assert!(!f.refuses_header("别的列"));
    /// ```
    pub fn refuses_header(&self, header: &str) -> bool {
        !self.not_aliases.is_empty() && {
            let leaf = crate::text::norm_key(header.rsplit('›').next().unwrap_or(header));
            self.not_aliases
                .iter()
                .any(|n| crate::text::norm_key(n) == leaf)
        }
    }
}

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
    /// Header wordings a person said are not this field (a column only guessed to be
    /// it): such a column is never read as it.
    #[serde(default)]
    pub not_aliases: Vec<String>,
    /// Written forms a person said are none of its values (a form only guessed to be
    /// one): such a cell is never read as a value, it is an error to fix.
    #[serde(default)]
    pub not_synonyms: Vec<String>,
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
    /// `norm_key` of each form with no equivalent → the form as the schema writes it (of
    /// two forms alike, the first in order), so a cell is looked up once.
    pub no_equivalent: HashMap<String, String>,
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
#[derive(Debug, Clone, Validate, serde::Serialize)]
pub struct RowRule {
    /// Its code, names, docs and message templates (`{field}` in a message is the row's
    /// value of that field).
    #[serde(flatten)]
    #[validate(nested)]
    pub text: crate::finding::RuleText,
    /// Conditions under which it applies, all of them (always when none).
    pub when: Vec<Cond>,
    /// What must then hold.
    pub then: Then,
    /// Evidence only: the rule tells look-alike columns apart when a sheet is recognised
    /// (`recognise::evidence`), but a row breaking it gets no finding.
    pub evidence_only: bool,
}

/// A row rule's keys beside its words, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowChecks {
    #[serde(default)]
    when: Vec<Cond>,
    then: Then,
    #[serde(default)]
    evidence_only: bool,
}

impl<'de> Deserialize<'de> for RowRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let entry = toml::Table::deserialize(deserializer)?;
        let (text, keys) = crate::finding::RuleText::split_from(entry).map_err(D::Error::custom)?;
        let checks: RowChecks = keys.try_into().map_err(D::Error::custom)?;
        Ok(RowRule {
            text,
            when: checks.when,
            then: checks.then,
            evidence_only: checks.evidence_only,
        })
    }
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
    /// The index of its identity field (the first of `identity`): the code a row is
    /// known by.
    pub fn identity_field(&self) -> Option<usize> {
        self.table
            .identity
            .first()
            .and_then(|k| self.field_index(k))
    }

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

#[cfg(test)]
mod tests {

    /// A row rule's words and checks are read strictly: a key it does not have is
    /// refused, whichever part it looks like.
    #[test]
    fn a_row_rule_is_read_strictly() {
        let entry = |extra: &str| {
            format!(
                "code = \"R101\"\nname = \"n\"\ntitle = \"t\"\nseverity = \"error\"\n\
                 what = \"w\"\nmessage_zh = \"m\"\nmessage_en = \"m\"\n\
                 then = {{ field = \"a\", required = true }}\n{extra}"
            )
        };
        let rule: RowRule = toml::from_str(&entry("")).unwrap();
        assert_eq!((rule.text.code.as_str(), rule.when.len()), ("R101", 0));
        let error = toml::from_str::<RowRule>(&entry("mesage_zh = \"typo\"")).unwrap_err();
        assert!(error.to_string().contains("mesage_zh"), "{error}");
    }

    use super::*;

    #[test]
    fn a_field_type_is_read_and_written_by_its_key() {
        for (key, ty) in BUILT_IN_TYPES {
            assert_eq!(ty.key(), key);
            assert_eq!(FieldType::from_key(key), Some(ty));
        }
        assert_eq!(FieldType::from_key("barcode"), None);
        assert!(FieldType::Code.text_column());
        assert!(!FieldType::Number.text_column());
    }

    #[test]
    fn an_unknown_type_names_the_known_ones() {
        #[derive(Deserialize)]
        struct Typed {
            #[allow(dead_code)]
            ty: FieldType,
        }
        let e = toml::from_str::<Typed>("ty = \"barcode\"").err().unwrap();
        let message = e.to_string();
        assert!(message.contains("\"barcode\""), "{message}");
        assert!(message.contains("integer, number"), "{message}");
    }

    #[test]
    fn a_field_is_found_by_its_key() {
        let field = |key: &str| Field {
            key: key.to_string(),
            label: key.to_uppercase(),
            label_en: String::new(),
            ty: FieldType::Text,
            required: false,
            unique: false,
            aliases: vec![format!("{key} alias")],
            not_aliases: Vec::new(),
            not_synonyms: Vec::new(),
            values: Vec::new(),
            synonyms: HashMap::new(),
            default: None,
            min: None,
            max: None,
            decimals: None,
            min_exclusive: false,
            min_len: None,
            max_len: None,
            min_date: None,
            max_date: None,
            pattern: None,
            pattern_hint: String::new(),
            description: String::new(),
            example: String::new(),
            concepts: Vec::new(),
            profile: None,
            no_equivalent: HashMap::new(),
            looks_like: None,
            thesaurus: Vec::new(),
            repeats: None,
            regex: None,
            looks_like_regex: None,
            enum_index: HashMap::new(),
            prepared: Prepared::default(),
        };
        let t = TableSchema {
            table: TableMeta {
                key: "things".into(),
                label: "Things".into(),
                label_en: "Things".into(),
                description: String::new(),
                identity: vec!["code".into()],
                identity_any: false,
                title: String::new(),
            },
            fields: vec![field("code"), field("name")],
            rules: Vec::new(),
            label_index: HashMap::new(),
            id: TableId(1),
        };
        assert_eq!(t.field_index("name"), Some(1));
        assert_eq!(t.field("code").map(|f| f.label.as_str()), Some("CODE"));
        assert_eq!(t.field("size").map(|f| f.key.as_str()), None);
        let wordings: Vec<&String> = TableSchema::wordings(&t.fields[1]).collect();
        assert_eq!(wordings, ["NAME", "name alias"]);
        assert_eq!(t.id.index(), 1);
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
