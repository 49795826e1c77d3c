//! ID numbers (GB 11643): 18 characters, check digit, real birth date; the 15-digit legacy
//! form is a warning; a number that Excel stored as a float has lost its last digits for good.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{Ctx, Parsed, Val};
use crate::codes;
use crate::read::Raw;
use crate::schema::Field;
use crate::text::nfkc_nospace;

/// The birth date's format in an ID number (`%Y%m%d`), parsed once into chrono's items.
static BIRTH: LazyLock<Vec<chrono::format::Item<'static>>> = LazyLock::new(|| {
    chrono::format::StrftimeItems::new("%Y%m%d")
        .parse()
        .unwrap_or_default()
});

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

static SCI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d(\.\d+)?[eE]\+?\d+$").expect("static regex"));

/// The check character of the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    Some(CHECK[(sum % 11) as usize] as char)
}

fn mangled(field: &Field, shown: &str) -> Parsed {
    Parsed::err(codes::id_stored_as_number(&field.label, &field.label_en, shown).into())
}

/// Reads a resident ID number: 18 characters with a valid check digit, or an error when
/// Excel has stored it as a number and lost digits.
pub fn parse_id(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    let s = match raw {
        Raw::Num(f) => return mangled(field, &format!("{f:e}").replace('e', "E+")),
        Raw::Text(s) => s.to_string(),
        other => other.display(),
    };
    let mut t = nfkc_nospace(&s).to_uppercase();
    if let Some(x) = t.strip_prefix('\'') {
        t = x.to_string();
    }
    if SCI.is_match(&t) {
        return mangled(field, &s);
    }
    let (label, label_en) = (&field.label, &field.label_en);
    if t.len() == 15 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Parsed::warn(
            Val::Text(t.clone().into()),
            codes::id_legacy(label, label_en, &t).into(),
        );
    }
    // Bytes, not characters: 18 bytes of other scripts must not be sliced (found by fuzzing).
    let b = t.as_bytes();
    let ok_shape = b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    if !ok_shape {
        let n = t.chars().count();
        return Parsed::err(codes::id_length(label, label_en, &s, n).into());
    }
    let birth = super::date::parse_date_with(&t[6..14], &BIRTH);
    if birth.is_none_or(|b| b > ctx.today || b < NaiveDate::from_ymd_opt(1890, 1, 1).unwrap_or(b)) {
        return Parsed::err(codes::id_birth_date(label, label_en, &t, &t[6..14]).into());
    }
    let want = check_char(&t[..17]);
    if want != Some(t.as_bytes()[17] as char) {
        let want = want.unwrap_or('?');
        return Parsed::err(codes::id_check_digit(label, label_en, &t, want).into());
    }
    Parsed::ok(Val::Text(t.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::parse;
    use crate::cells::testutil::*;
    use crate::schema::test_tables::*;
    use proptest::prelude::*;

    #[test]
    fn good_and_bad_ids() {
        assert_eq!(p(Buildings, "owner_id", "450103196708158643").issue, None);
        assert_eq!(
            p(Buildings, "owner_id", " 431121197310061520 ")
                .val
                .display(),
            "431121197310061520"
        );
        assert_eq!(
            code(&p(Buildings, "owner_id", "450103196708158644")),
            Some("C008")
        );
        assert_eq!(
            code(&p(Buildings, "owner_id", "45010319670815864")),
            Some("C011")
        );
        assert_eq!(
            code(&p(Buildings, "owner_id", "450103199913325811")),
            Some("C012")
        );
        assert_eq!(
            code(&p(Buildings, "owner_id", "4.50103198001011E+17")),
            Some("C009")
        );
        assert_eq!(
            code(&p(Buildings, "owner_id", "450103670815864")),
            Some("C010")
        );
        let r = parse(
            field(Buildings, "owner_id"),
            &Raw::Num(4.50103198001011e17),
            &ctx(),
        );
        assert_eq!(code(&r), Some("C009"));
    }

    /// Found by fuzzing: 18 bytes that are not 18 characters used to panic.
    #[test]
    fn non_ascii_of_eighteen_bytes_is_a_format_finding() {
        assert_eq!(
            code(&p(Buildings, "owner_id", "\0Aa⓫\0\0a𐀀\0𐀀")),
            Some("C011")
        );
        assert_eq!(
            code(&p(Buildings, "owner_id", "4501031967081586é")),
            Some("C011")
        );
    }

    proptest! {
        /// A number with its computed check character always passes; any other check character fails.
        #[test]
        fn check_digit(region in 110000u32..660000, days in 0u64..36000, seq in 0u32..1000, wrong in 0usize..11) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Days::new(days);
            let first = format!("{region:06}{}{seq:03}", birth.format("%Y%m%d"));
            let c = check_char(&first).unwrap();
            let good = format!("{first}{c}");
            prop_assert_eq!(p(Buildings, "owner_id", &good).issue, None);
            let w = CHECK[wrong] as char;
            if w != c {
                prop_assert_eq!(code(&p(Buildings, "owner_id", &format!("{first}{w}"))), Some("C008"));
            }
        }
    }
}
