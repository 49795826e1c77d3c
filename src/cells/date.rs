//! Dates: Excel serials (1900 and 1904 systems), ISO text from ods, and the text forms of
//! SPEC §2 (2022-03-15, 2022/3/15, 2022.3.15, 2022年3月15日, 20220315). Impossible dates
//! are rejected; two-digit years are read as 20xx and flagged.

use std::sync::LazyLock;

use chrono::format::{Item, Parsed as ChronoParsed, StrftimeItems};
use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::{Ctx, Parsed, Val};
use crate::read::Raw;
use crate::schema::Field;
use crate::text::nfkc_trim;

pub use crate::serial::{date_to_serial, serial_to_date};

static DMY_SEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{2}|\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
        .expect("static regex")
});

/// Text forms chrono parses directly (the first is also the schemas' `min_date`/`max_date`).
const FORMATS: [&str; 5] = [
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y年%m月%d号",
];

/// `FORMATS`, each parsed once into chrono's items (`NaiveDate::parse_from_str` parses
/// its format string anew at every call: a million date cells parsed it five million
/// times).
static FORMAT_ITEMS: LazyLock<Vec<Vec<Item<'static>>>> = LazyLock::new(|| {
    FORMATS
        .iter()
        .map(|f| StrftimeItems::new(f).parse().unwrap_or_default())
        .collect()
});

/// `NaiveDate::parse_from_str(s, format)` for a format parsed once into `items`: the same
/// parse by chrono, without parsing the format again.
pub(crate) fn parse_date_with(s: &str, items: &[Item<'_>]) -> Option<NaiveDate> {
    let mut parsed = ChronoParsed::new();
    chrono::format::parse(&mut parsed, s, items.iter()).ok()?;
    parsed.to_naive_date().ok()
}

/// Why a cell is not a date.
#[derive(Clone, Copy)]
enum Bad {
    NotADate,
    Impossible,
    Unreadable,
}

fn bad(field: &Field, s: &str, why: Bad) -> Parsed {
    let (l, le) = (&field.label, &field.label_en);
    Parsed::err(
        match why {
            Bad::NotADate => crate::codes::not_a_date(l, le, s),
            Bad::Impossible => crate::codes::impossible_date(l, le, s),
            Bad::Unreadable => crate::codes::unreadable_date(l, le, s),
        }
        .into(),
    )
}

/// A date from text; Ok((date, two_digit_year)).
pub fn date_from_text(s: &str) -> Result<(NaiveDate, bool), &'static str> {
    let t = nfkc_trim(s);
    // Drop a time part: "2022-03-15 00:00:00", "2022-03-15T00:00:00".
    let t = t.split([' ', 'T']).next().unwrap_or("").trim().to_string();
    for items in FORMAT_ITEMS.iter() {
        if let Some(d) = parse_date_with(&t, items) {
            if d.year() >= 1000 {
                return Ok((d, false));
            }
        }
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(
            &format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..]),
            "%Y-%m-%d",
        )
        .map(|d| (d, false))
        .map_err(|_| "impossible");
    }
    if let Some(c) = DMY_SEP.captures(&t) {
        let y: i32 = c[1].parse().map_err(|_| "unreadable")?;
        let two = c[1].len() == 2;
        let y = if two { 2000 + y } else { y };
        let m: u32 = c[2].parse().map_err(|_| "unreadable")?;
        let d: u32 = c[3].parse().map_err(|_| "unreadable")?;
        return NaiveDate::from_ymd_opt(y, m, d)
            .map(|x| (x, two))
            .ok_or("impossible");
    }
    // A serial number stored as text.
    if (4..=6).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = t.parse::<f64>() {
            if let Some(d) = serial_to_date(n, false) {
                return Ok((d, false));
            }
        }
    }
    Err("unreadable")
}

/// Reads a date cell (an Excel date, an ISO or Chinese date text, a two-digit year),
/// checked against the field's earliest and latest dates.
pub fn parse_date(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    let (date, two_digit, shown) = match raw {
        Raw::Date { date: Some(d), .. } => (*d, false, d.to_string()),
        Raw::Date { serial, .. } => {
            return bad(field, &crate::read::fmt_num(*serial), Bad::NotADate)
        }
        Raw::Num(f) => {
            let f = *f;
            if (19000101.0..=21001231.0).contains(&f) && f.fract() == 0.0 {
                match date_from_text(&crate::read::fmt_num(f)) {
                    Ok((d, t)) => (d, t, crate::read::fmt_num(f)),
                    Err(_) => return bad(field, &crate::read::fmt_num(f), Bad::Impossible),
                }
            } else {
                match serial_to_date(f, false) {
                    Some(d) if f >= 1.0 => (d, false, crate::read::fmt_num(f)),
                    _ => return bad(field, &crate::read::fmt_num(f), Bad::NotADate),
                }
            }
        }
        Raw::DateIso(s) => match date_from_text(s) {
            Ok((d, t)) => (d, t, s.clone()),
            Err(_) => return bad(field, s, Bad::NotADate),
        },
        Raw::Text(s) => match date_from_text(s) {
            Ok((d, t)) => (d, t, s.to_string()),
            Err("impossible") => return bad(field, s, Bad::Impossible),
            Err(_) => return bad(field, s, Bad::Unreadable),
        },
        other => return bad(field, &other.display(), Bad::NotADate),
    };
    let bound = |b: &Option<String>| -> Option<NaiveDate> {
        match b.as_deref() {
            Some("today") => Some(ctx.today),
            Some(x) => parse_date_with(x, &FORMAT_ITEMS[0]),
            None => None,
        }
    };
    let (lo, hi) = (bound(&field.min_date), bound(&field.max_date));
    if lo.is_some_and(|lo| date < lo) || hi.is_some_and(|hi| date > hi) {
        let end = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "…".into());
        return Parsed::err(
            crate::codes::date_out_of_range(&field.label, &field.label_en, date, end(lo), end(hi))
                .into(),
        );
    }
    if two_digit {
        return Parsed::warn(
            Val::Date(date),
            crate::codes::two_digit_year(&field.label, &field.label_en, &shown, date.year()).into(),
        );
    }
    Parsed::ok(Val::Date(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parsed_once_read_as_parse_from_str_reads() {
        let texts = [
            "2022-03-15",
            "2022/3/5",
            "2022.03.15",
            "2022年3月15日",
            "2022年03月15号",
            "2022-02-30",
            "22-3-15",
            "2022-3-15x",
            "",
            "2022年3月15",
            "0999-01-01",
            "2022-13-01",
        ];
        for t in texts {
            for (f, items) in FORMATS.iter().zip(FORMAT_ITEMS.iter()) {
                assert_eq!(
                    parse_date_with(t, items),
                    NaiveDate::parse_from_str(t, f).ok(),
                    "{t} {f}"
                );
            }
        }
    }
    use crate::cells::parse;
    use crate::cells::testutil::*;
    use crate::schema::test_tables::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, dd: u32) -> Val {
        Val::Date(NaiveDate::from_ymd_opt(y, m, dd).unwrap())
    }

    #[test]
    fn text_forms() {
        for s in [
            "2022-03-15",
            "2022/3/15",
            "2022.3.15",
            "2022年3月15日",
            "20220315",
            "2022-03-15 00:00:00",
            "２０２２年３月１５日",
            " 2022/03/15 ",
        ] {
            assert_eq!(p(Buildings, "survey_date", s).val, d(2022, 3, 15), "{s}");
        }
    }

    #[test]
    fn serials_1900_and_1904() {
        assert_eq!(
            serial_to_date(44635.0, false),
            NaiveDate::from_ymd_opt(2022, 3, 15)
        );
        assert_eq!(
            serial_to_date(43173.0, true),
            NaiveDate::from_ymd_opt(2022, 3, 15)
        );
        assert_eq!(
            serial_to_date(1.0, false),
            NaiveDate::from_ymd_opt(1900, 1, 1)
        );
        assert_eq!(
            serial_to_date(61.0, false),
            NaiveDate::from_ymd_opt(1900, 3, 1)
        );
        let r = parse(field(Buildings, "survey_date"), &Raw::Num(44635.0), &ctx());
        assert_eq!(r.val, d(2022, 3, 15));
    }

    #[test]
    fn bad_dates() {
        assert_eq!(
            code(&p(Buildings, "survey_date", "2022-02-30")),
            Some("C005")
        );
        assert_eq!(
            code(&p(Buildings, "survey_date", "2022.13.5")),
            Some("C005")
        );
        assert_eq!(code(&p(Buildings, "survey_date", "去年五月")), Some("C005"));
        assert_eq!(
            code(&p(Buildings, "survey_date", "2021-05-01")),
            Some("C006")
        );
        assert_eq!(
            code(&p(Buildings, "survey_date", "2030-05-01")),
            Some("C006")
        );
        let two = p(Buildings, "survey_date", "22.5.19");
        assert_eq!(code(&two), Some("C007"));
        assert_eq!(two.val, d(2022, 5, 19));
    }

    proptest! {
        /// Every valid date round-trips through every accepted written form and its serial.
        #[test]
        fn round_trip(days in 0i64..(365 * 200)) {
            let date = NaiveDate::from_ymd_opt(1901, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let (y, m, dd) = (date.year(), date.month(), date.day());
            let forms = [
                format!("{y}-{m:02}-{dd:02}"), format!("{y}/{m}/{dd}"), format!("{y}.{m}.{dd}"),
                format!("{y}年{m}月{dd}日"), format!("{y}{m:02}{dd:02}"), format!("{y}-{m}-{dd}"),
            ];
            for f in &forms {
                prop_assert_eq!(date_from_text(f), Ok((date, false)), "{}", f);
            }
            prop_assert_eq!(serial_to_date(date_to_serial(date), false), Some(date));
        }
    }
}
