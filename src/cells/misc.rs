//! Text, yes/no, phone, coordinates (decimal and 度分秒) and codes.

use std::sync::LazyLock;

use regex::Regex;

use super::{Ctx, Parsed, Val};
use crate::read::Raw;
use crate::schema::Field;
use crate::text::{nfkc_nospace, nfkc_trim};

/// Reads a free text cell, trimmed and normalised, checked against the field's length
/// bounds.
pub fn parse_text(field: &Field, raw: &Raw) -> Parsed {
    let text = super::raw_text(raw);
    let s = nfkc_trim(&text);
    let n = s.chars().count();
    let short = field.min_len.is_some_and(|m| n < m);
    let long = field.max_len.is_some_and(|m| n > m);
    if short || long {
        let max = field
            .max_len
            .map(|m| m.to_string())
            .unwrap_or_else(|| "∞".into());
        let min = field.min_len.unwrap_or(0);
        return Parsed::err(
            crate::codes::text_length(&field.label, &field.label_en, &s, n, min, max).into(),
        );
    }
    Parsed::ok(Val::Text(s.into()))
}

/// Reads a yes/no cell from the lexicon's true and false words, canonical as the lexicon's
/// yes or no.
pub fn parse_bool(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    let lex = ctx.lexicon;
    let word = |b: bool| Parsed::ok(Val::Text(if b { lex.yes() } else { lex.no() }.into()));
    let text = match raw {
        Raw::Bool(b) => return word(*b),
        Raw::Num(f) if *f == 1.0 => return word(true),
        Raw::Num(f) if *f == 0.0 => return word(false),
        other => super::raw_text(other),
    };
    let s = nfkc_trim(&text);
    let k = s.to_lowercase();
    let (yes, no) = &ctx.lexicon.keys.yes_no;
    if yes.contains(&k) {
        return word(true);
    }
    if no.contains(&k) {
        return word(false);
    }
    if ctx.is_placeholder(&s) {
        return Parsed::ok(Val::Empty);
    }
    Parsed::err(
        crate::codes::not_yes_no(
            &field.label,
            &field.label_en,
            &s,
            ctx.lexicon.yes(),
            ctx.lexicon.no(),
        )
        .into(),
    )
}

static MOBILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^1[3-9]\d{9}$").expect("static regex"));
static LANDLINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^0\d{2,3}-?\d{7,8}$").expect("static regex"));

/// Reads a phone number: a mobile or a landline, spaces and separators dropped.
pub fn parse_phone(field: &Field, raw: &Raw) -> Parsed {
    let s = super::raw_text(raw);
    let mut t: String = nfkc_nospace(&s)
        .chars()
        .filter(|c| !matches!(c, '(' | ')' | '（' | '）'))
        .collect();
    if let Some(x) = t.strip_prefix("+86") {
        t = x.to_string();
    }
    let digits: String = t.replace('-', "");
    if MOBILE.is_match(&digits) {
        return Parsed::ok(Val::Text(digits.into()));
    }
    if LANDLINE.is_match(&t) || LANDLINE.is_match(&digits) {
        return Parsed::ok(Val::Text(t.into()));
    }
    Parsed::warn(
        Val::Text(nfkc_trim(&s).into()),
        crate::codes::bad_phone(&field.label, &field.label_en, nfkc_trim(&s)).into(),
    )
}

static DMS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^([EWNS东西南北])?(\d+(?:\.\d+)?)(?:°|度)(?:(\d+(?:\.\d+)?)(?:'|′|分))?(?:(\d+(?:\.\d+)?)(?:"|″|′′|''|秒))?([EWNS东西南北])?$"#)
        .expect("static regex")
});

/// Degrees from a decimal or 度分秒 text.
pub fn coord_of(s: &str) -> Option<f64> {
    let t: String = nfkc_nospace(&s.replace('″', "\"").replace('′', "'"));
    if let Ok(f) = t.parse::<f64>() {
        return Some(f);
    }
    let c = DMS.captures(&t)?;
    let deg: f64 = c.get(2)?.as_str().parse().ok()?;
    let min: f64 = c
        .get(3)
        .map(|m| m.as_str().parse().unwrap_or(0.0))
        .unwrap_or(0.0);
    let sec: f64 = c
        .get(4)
        .map(|m| m.as_str().parse().unwrap_or(0.0))
        .unwrap_or(0.0);
    if min >= 60.0 || sec >= 60.0 {
        return None;
    }
    Some(deg + min / 60.0 + sec / 3600.0)
}

/// `f` at `places` decimals (22.70572222222222 at 6: 22.705722).
pub fn round_to(f: f64, places: u32) -> f64 {
    let k = 10f64.powi(places.min(15) as i32);
    let r = (f * k).round() / k;
    if r.is_finite() {
        r
    } else {
        f
    }
}

/// Reads a longitude or latitude, in decimal degrees or 度分秒, checked against the field's
/// range.
pub fn parse_coord(field: &Field, raw: &Raw) -> Parsed {
    let s = super::raw_text(raw);
    let v = match raw {
        Raw::Num(f) => Some(*f),
        _ => coord_of(&s),
    };
    let (lo, hi) = (field.min.unwrap_or(-180.0), field.max.unwrap_or(180.0));
    let v = v.map(|f| round_to(f, field.decimals.unwrap_or(6)));
    match v {
        Some(f) if f >= lo && f <= hi => Parsed::ok(Val::Num(f)),
        Some(f) => Parsed::warn(
            Val::Empty,
            crate::codes::coordinate_outside(
                &field.label,
                &field.label_en,
                crate::read::fmt_num(f),
                lo,
                hi,
            )
            .into(),
        ),
        None => Parsed::warn(
            Val::Empty,
            crate::codes::not_a_coordinate(&field.label, &field.label_en, nfkc_trim(&s)).into(),
        ),
    }
}

/// Reads a code (a building or hazard code): spaces dropped, upper-cased, matched against
/// the field's pattern.
pub fn parse_code(field: &Field, raw: &Raw) -> Parsed {
    let t = nfkc_nospace(&super::raw_text(raw)).to_uppercase();
    if let Some(re) = &field.regex {
        if !re.is_match(&t) {
            let hint = if field.pattern_hint.is_empty() {
                String::new()
            } else {
                format!("（{}）", field.pattern_hint)
            };
            return Parsed::err(
                crate::codes::bad_code(&field.label, &field.label_en, &t, hint, &field.example)
                    .into(),
            );
        }
    }
    Parsed::ok(Val::Text(t.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::testutil::*;
    use crate::schema::test_tables::*;

    #[test]
    fn bools() {
        for (s, b) in [
            ("是", true),
            ("√", true),
            ("Y", true),
            ("yes", true),
            ("1", true),
            ("TRUE", true),
            ("有", true),
            ("否", false),
            ("×", false),
            ("N", false),
            ("no", false),
            ("0", false),
            ("FALSE", false),
            ("无", false),
        ] {
            let want = if b { "是" } else { "否" };
            assert_eq!(
                p(Buildings, "altered", s).val,
                Val::Text(want.into()),
                "{s}"
            );
        }
        assert_eq!(code(&p(Buildings, "altered", "待定")), Some("C016"));
    }

    #[test]
    fn phones() {
        assert_eq!(
            p(Buildings, "phone", "１３８４８３５１９７４")
                .val
                .display(),
            "13848351974"
        );
        assert_eq!(p(Buildings, "phone", "0771-3785057").issue, None);
        assert_eq!(code(&p(Buildings, "phone", "1384835197")), Some("C013"));
        assert_eq!(code(&p(Buildings, "phone", "12345678901")), Some("C013"));
    }

    #[test]
    fn coordinates() {
        let v = p(Buildings, "longitude", "108°22′38.7″")
            .val
            .as_f64()
            .unwrap();
        // At 6 decimals: 108.37741666… is 108.377417.
        assert_eq!(v, 108.377417);
        assert!((v - (108.0 + 22.0 / 60.0 + 38.7 / 3600.0)).abs() < 5e-7);
        let v = p(Buildings, "latitude", "22度43分21.3秒")
            .val
            .as_f64()
            .unwrap();
        assert!((v - (22.0 + 43.0 / 60.0 + 21.3 / 3600.0)).abs() < 5e-7);
        assert_eq!(
            p(Buildings, "longitude", "108.367250").val,
            Val::Num(108.36725)
        );
        assert_eq!(code(&p(Buildings, "longitude", "18.37")), Some("C014"));
        assert_eq!(code(&p(Buildings, "latitude", "北方")), Some("C014"));
    }

    #[test]
    fn codes() {
        assert_eq!(
            p(Buildings, "building_code", "YH4501 03003466102")
                .val
                .display(),
            "YH450103003466102"
        );
        assert_eq!(
            p(
                Buildings,
                "building_code",
                "\u{3000}YH４５０１０３００３４６６４３８"
            )
            .val
            .display(),
            "YH450103003466438"
        );
        assert_eq!(
            code(&p(Buildings, "building_code", "YH45010300346612")),
            Some("C015")
        );
    }

    #[test]
    fn text_lengths() {
        assert_eq!(code(&p(Buildings, "owner", "张")), Some("C019"));
        assert_eq!(p(Buildings, "owner", "曹宝菊 ").val.display(), "曹宝菊");
        assert_eq!(p(Buildings, "address", "=1+1").val.display(), "=1+1");
    }
}
