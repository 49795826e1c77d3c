//! Integers and numbers: full-width digits, the lexicon's units (层, 年, 平方米, ㎡ …),
//! thousands separators, numbers stored as text; approximate values (the lexicon's 约, 左右
//! …) and ranges rejected.

use std::sync::LazyLock;

use regex::Regex;

use super::{Issue, Parsed, Val};
use crate::read::Raw;
use crate::schema::{Field, FieldType, Lexicon};
use crate::text::nfkc_nospace;

static THOUSANDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,3}(,\d{3})+(\.\d+)?$").expect("static regex"));
static RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+(\.\d+)?(-|~|至|到|—)\d+(\.\d+)?$").expect("static regex"));

fn not_number(field: &Field, s: &str) -> Parsed {
    Parsed::err(
        Issue::error(
            &crate::codes::C003,
            format!("{}“{s}”不是数字", field.label),
            format!("{} “{s}” is not a number", field.label_en),
        )
        .fix(
            format!("填写阿拉伯数字，如 {}", field.example),
            format!("write a number such as {}", field.example),
        ),
    )
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
            Issue::error(
                &crate::codes::C018,
                format!("{}“{s}”是约数，需要确定的数值", field.label),
                format!(
                    "{} “{s}” is approximate; an exact number is needed",
                    field.label_en
                ),
            )
            .fix(
                "去掉“约”“左右”等字样，填写确定的数值",
                "write one exact number",
            ),
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
            Issue::error(
                &crate::codes::C018,
                format!("{}“{s}”是一个范围，需要一个确定的数值", field.label),
                format!("{} “{s}” is a range; one number is needed", field.label_en),
            )
            .fix("填写一个确定的数值", "write one exact number"),
        ));
    }
    match t.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(not_number(field, s)),
    }
}

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
        return Parsed::err(
            Issue::error(
                &crate::codes::C020,
                format!("{}“{shown}”应为整数", field.label),
                format!("{} “{shown}” must be a whole number", field.label_en),
            )
            .fix("填写整数", "write a whole number"),
        );
    }
    let below = field
        .min
        .is_some_and(|m| if field.min_exclusive { f <= m } else { f < m });
    let above = field.max.is_some_and(|m| f > m);
    if below || above {
        let range_zh = match (field.min, field.max) {
            (Some(a), Some(b)) if field.min_exclusive => format!(
                "大于{}且不超过{}",
                crate::read::fmt_num(a),
                crate::read::fmt_num(b)
            ),
            (Some(a), Some(b)) => {
                format!("{}–{}", crate::read::fmt_num(a), crate::read::fmt_num(b))
            }
            (Some(a), None) => format!("不小于{}", crate::read::fmt_num(a)),
            (None, Some(b)) => format!("不超过{}", crate::read::fmt_num(b)),
            _ => String::new(),
        };
        return Parsed::err(
            Issue::error(
                &crate::codes::C004,
                format!("{} {shown} 超出允许范围（{range_zh}）", field.label),
                format!("{} {shown} is out of range ({range_zh})", field.label_en),
            )
            .fix(
                "核对数值（是否多打或少打一位、单位是否写错）",
                "check the value (an extra digit? a wrong unit?)",
            ),
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
