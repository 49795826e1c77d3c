//! Cell parsers: one per field type of SPEC §3. Each turns a raw cell into a canonical
//! value, or into an issue (rule code, severity, message and suggestion in both
//! languages). Placeholders (无, /, — …) mean empty, except that 无 in a yes/no column is 否.

pub mod date;
pub mod enum_policy;
pub mod enums;
pub mod idcard;
pub mod memo;
pub mod misc;
pub mod number;

use chrono::NaiveDate;

use crate::read::Raw;
use crate::schema::{Field, FieldType, Lexicon};
use crate::text::nfkc_trim;

pub use crate::value::{Issue, Parsed, Val};

/// What the parsers need besides the cell.
pub struct Ctx<'a> {
    /// The words of placeholders, yes/no forms and the like that cells are read with.
    pub lexicon: &'a Lexicon,
    /// The day taken as today (`--as-of`), for dates that must not lie in the future.
    pub today: NaiveDate,
}

impl Ctx<'_> {
    /// Whether a cell's text is one of the lexicon's placeholders (无, /, 暂无 …) that mean
    /// "nothing written".
    pub fn is_placeholder(&self, s: &str) -> bool {
        self.lexicon.placeholders.iter().any(|p| p == s)
    }
}

/// The cell as text for the text-based parsers (numbers as Excel shows them); a text cell
/// is borrowed.
pub fn raw_text(raw: &Raw) -> std::borrow::Cow<'_, str> {
    match raw {
        Raw::Text(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.display()),
    }
}

/// Parse one cell for one field.
pub fn parse(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    if let Raw::Error(e) = raw {
        return Parsed::err(crate::codes::excel_error(&field.label, &field.label_en, e).into());
    }
    if raw.is_empty() {
        return Parsed::ok(Val::Empty);
    }
    // `="450…"`: Excel's way of keeping digits as text in a CSV; the text is the value
    // (an audit line shows the unwrapping).
    if let Raw::Text(s) = raw {
        if let Some(inner) = crate::text::excel_text_formula(s) {
            return parse(field, &Raw::Text(inner.into()), ctx);
        }
    }
    if let Some(issue) = no_equivalent(field, raw) {
        return Parsed::err(issue);
    }
    if field.ty == FieldType::Bool {
        return misc::parse_bool(field, raw, ctx);
    }
    if let Raw::Text(s) = raw {
        if ctx.is_placeholder(&nfkc_trim(s)) {
            return Parsed::ok(Val::Empty);
        }
    }
    match field.ty {
        FieldType::Text => misc::parse_text(field, raw),
        FieldType::Integer | FieldType::Number => number::parse_number(field, raw, ctx),
        FieldType::Date => date::parse_date(field, raw, ctx),
        FieldType::Bool => misc::parse_bool(field, raw, ctx),
        FieldType::Enum => enums::parse_enum(field, raw, ctx),
        FieldType::EnumList => enums::parse_enum_list(field, raw, ctx),
        FieldType::IdCard => idcard::parse_id(field, raw, ctx),
        FieldType::Phone => misc::parse_phone(field, raw),
        FieldType::Lon | FieldType::Lat => misc::parse_coord(field, raw),
        FieldType::Code => misc::parse_code(field, raw),
        FieldType::Plugin(p) => p.0.parse(
            crate::types::FieldWords {
                label: &field.label,
                label_en: &field.label_en,
            },
            raw,
        ),
    }
}

/// A form the schema marks as meaning something the campaign has no value for (窑洞, a
/// census 建造年代 bucket code where a year belongs): an error that says so.
fn no_equivalent(field: &Field, raw: &Raw) -> Option<Issue> {
    if field.no_equivalent.is_empty() {
        return None;
    }
    let form = field
        .prepared
        .no_equivalent
        .get(&crate::text::norm_key(&raw_text(raw)))?;
    let why = field.no_equivalent.get(form)?;
    let is_enum = matches!(field.ty, FieldType::Enum | FieldType::EnumList);
    let (label, label_en) = (&field.label, &field.label_en);
    let said = if is_enum {
        crate::codes::no_equivalent_option(
            label,
            label_en,
            form,
            why,
            field.values.join("、"),
            field.values.join(", "),
        )
    } else {
        crate::codes::no_equivalent_value(label, label_en, form, why, &field.example)
    };
    Some(said.into())
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use crate::schema::{test_tables::TableKind, Schemas};

    pub fn schemas() -> &'static Schemas {
        static S: std::sync::OnceLock<Schemas> = std::sync::OnceLock::new();
        S.get_or_init(|| Schemas::shipped().expect("shipped schemas"))
    }
    pub fn field(t: TableKind, key: &str) -> &'static Field {
        schemas().table(t).field(key).expect("field")
    }
    pub fn ctx() -> Ctx<'static> {
        Ctx {
            lexicon: &schemas().lexicon,
            today: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
        }
    }
    pub fn p(t: TableKind, key: &str, s: &str) -> Parsed {
        parse(field(t, key), &Raw::Text(s.into()), &ctx())
    }
    pub fn code(p: &Parsed) -> Option<&'static str> {
        p.issue.as_ref().map(|i| i.code)
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::schema::test_tables::*;

    #[test]
    fn placeholders_are_empty_but_not_inside_text() {
        for s in ["无", "/", "—", "-", "空", " 无 "] {
            assert_eq!(p(Buildings, "group", s).val, Val::Empty, "{s}");
        }
        assert_eq!(
            p(Buildings, "address", "长塘镇/路(街、巷)/11号")
                .val
                .display(),
            "长塘镇/路(街、巷)/11号"
        );
    }

    #[test]
    fn forms_without_a_campaign_equivalent_say_so() {
        let r = p(Buildings, "structure", "窑洞");
        assert_eq!(code(&r), Some("C021"));
        assert!(r.issue.unwrap().zh.contains("普查"));
        let r = parse(field(Buildings, "year_built"), &Raw::Num(3.0), &ctx());
        assert_eq!(code(&r), Some("C021"));
        assert!(r.issue.unwrap().zh.contains("1991-2000年"));
        assert_eq!(p(Buildings, "year_built", "1998").val, Val::Int(1998));
    }

    #[test]
    fn error_cells_are_c017() {
        let r = parse(
            field(Buildings, "area"),
            &Raw::Error("#REF!".into()),
            &ctx(),
        );
        assert_eq!(code(&r), Some("C017"));
    }
}
