//! Integers and numbers: full-width digits, the lexicon's units (层, 年, 平方米, ㎡ …),
//! thousands separators, numbers stored as text; approximate values (the lexicon's 约, 左右
//! …) and ranges rejected.

use std::sync::LazyLock;

use regex::Regex;

use super::{Parsed, Val};
use crate::read::Raw;
use crate::schema::{Field, FieldType, Lexicon};
use crate::text::nfkc_nospace;

static THOUSANDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,3}(,\d{3})+(\.\d+)?$").expect("static regex"));
static RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+(\.\d+)?(-|~|至|到|—)\d+(\.\d+)?$").expect("static regex"));

fn not_number(field: &Field, s: &str) -> Parsed {
    Parsed::err(crate::codes::not_a_number(&field.label, &field.label_en, s, &field.example).into())
}

/// The number a text holds, or why not.
fn number_of(field: &Field, s: &str, lex: &Lexicon) -> Result<f64, Parsed> {
    let mut t = nfkc_nospace(s);
    if lex
        .approximate
        .iter()
        .any(|a| t.starts_with(a.as_str()) || t.ends_with(a.as_str()))
    {
        return Err(Parsed::err(
            crate::codes::approximate(&field.label, &field.label_en, s).into(),
        ));
    }
    for u in &lex.number_units {
        if let Some(x) = t.strip_suffix(u) {
            t = x.to_string();
            break;
        }
    }
    // Thousands separators: 1,234.5
    if THOUSANDS.is_match(&t) {
        t = t.replace(',', "");
    }
    if RANGE.is_match(&t) {
        return Err(Parsed::err(
            crate::codes::a_range(&field.label, &field.label_en, s).into(),
        ));
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(not_number(field, s)),
    }
}

/// Reads a number cell (units such as 平方米 dropped), checked against the field's range and
/// kept to its decimals.
pub fn parse_number(field: &Field, raw: &Raw, ctx: &super::Ctx) -> Parsed {
    let f = match raw {
        Raw::Num(f) => *f,
        Raw::Text(s) => match number_of(field, s, ctx.lexicon) {
            Ok(f) => f,
            Err(p) => return p,
        },
        other => return not_number(field, &other.display()),
    };
    let shown = crate::read::fmt_num(f);
    if field.ty == FieldType::Integer && f.fract() != 0.0 {
        return Parsed::err(crate::codes::not_whole(&field.label, &field.label_en, &shown).into());
    }
    let below = field
        .min
        .is_some_and(|m| if field.min_exclusive { f <= m } else { f < m });
    let above = field.max.is_some_and(|m| f > m);
    if below || above {
        let (range_zh, range_en) =
            crate::codes::number_range(field.min, field.max, field.min_exclusive);
        return Parsed::err(
            crate::codes::out_of_range(&field.label, &field.label_en, &shown, &range_zh, &range_en)
                .into(),
        );
    }
    if field.ty == FieldType::Integer {
        Parsed::ok(Val::Int(f as i64))
    } else {
        Parsed::ok(Val::Num(f))
    }
}

#[cfg(test)]
mod tests {
    use crate::cells::testutil::*;
    use crate::cells::Val;
    use crate::schema::test_tables::*;

    #[test]
    fn accepts_messy_numbers() {
        assert_eq!(p(Buildings, "floors", "３").val, Val::Int(3));
        assert_eq!(p(Buildings, "floors", "4层").val, Val::Int(4));
        assert_eq!(p(Buildings, "floors", "\u{3000}2").val, Val::Int(2));
        assert_eq!(p(Buildings, "year_built", "1969年").val, Val::Int(1969));
        assert_eq!(p(Buildings, "area", "617.5平方米").val, Val::Num(617.5));
        assert_eq!(p(Buildings, "area", "120㎡").val, Val::Num(120.0));
        assert_eq!(p(Buildings, "area", "120m²").val, Val::Num(120.0));
        assert_eq!(p(Buildings, "area", "1,234.5").val, Val::Num(1234.5));
        assert_eq!(
            p(Buildings, "area", "５０８.５\u{3000}").val,
            Val::Num(508.5)
        );
    }

    #[test]
    fn rejects_bad_numbers() {
        assert_eq!(code(&p(Buildings, "area", "约120")), Some("C018"));
        assert_eq!(code(&p(Buildings, "area", "100-120")), Some("C018"));
        assert_eq!(code(&p(Buildings, "area", "三百")), Some("C003"));
        assert_eq!(code(&p(Buildings, "area", "0")), Some("C004"));
        assert_eq!(code(&p(Buildings, "area", "-5")), Some("C004"));
        assert_eq!(code(&p(Buildings, "floors", "45")), Some("C004"));
        assert_eq!(code(&p(Buildings, "floors", "0")), Some("C004"));
        assert_eq!(code(&p(Buildings, "floors", "3.5")), Some("C020"));
        assert_eq!(code(&p(Buildings, "year_built", "1850")), Some("C004"));
    }
}
