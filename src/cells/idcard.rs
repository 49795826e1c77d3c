//! ID numbers (GB 11643): 18 characters, check digit, real birth date; the 15-digit legacy
//! form is a warning; a number that Excel stored as a float has lost its last digits for good.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::{Ctx, Issue, Parsed, Val};
use crate::read::Raw;
use crate::schema::Field;
use crate::text::nfkc_nospace;

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
    Parsed::err(
        Issue::error(
            &crate::codes::C009,
            format!("{}“{shown}”被 Excel 当成数字保存，后几位已经丢失，无法恢复", field.label),
            format!("{} “{shown}” was stored by Excel as a number; its last digits are lost for good", field.label_en),
        )
        .fix(
            "把该列设为“文本”格式（Excel：选中列→设置单元格格式→文本；WPS：右键→设置单元格格式→文本），再对照身份证重新录入完整的18位号码；或在号码前加英文单引号 '",
            "format the column as Text (Format Cells → Text in Excel or WPS) and re-enter the full 18-digit number from the ID card, or type a leading apostrophe",
        ),
    )
}

pub fn parse_id(field: &Field, raw: &Raw, ctx: &Ctx) -> Parsed {
    let s = match raw {
        Raw::Num(f) => return mangled(field, &format!("{f:e}").replace('e', "E+")),
        Raw::Text(s) => s.clone(),
        other => other.display(),
    };
    let mut t = nfkc_nospace(&s).to_uppercase();
    if let Some(x) = t.strip_prefix('\'') {
        t = x.to_string();
    }
    if SCI.is_match(&t) {
        return mangled(field, &s);
    }
    let fix_zh = "对照身份证逐位核对，填写18位号码（最后一位可以是X）";
    let fix_en = "check it against the ID card: 18 characters, the last may be X";
    if t.len() == 15 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Parsed::warn(
            Val::Text(t.clone()),
            Issue::warning(
                &crate::codes::C010,
                format!("{}“{t}”是15位旧号码", field.label),
                format!("{} “{t}” is a legacy 15-digit number", field.label_en),
            )
            .fix("换成18位新号码", "use the 18-digit number"),
        );
    }
    // Bytes, not characters: 18 bytes of other scripts must not be sliced (found by fuzzing).
    let b = t.as_bytes();
    let ok_shape = b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X');
    if !ok_shape {
        let n = t.chars().count();
        return Parsed::err(
            Issue::error(
                &crate::codes::C011,
                format!("{}“{s}”格式不对：应为18位，现为{n}位", field.label),
                format!("{} “{s}” must have 18 characters (has {n})", field.label_en),
            )
            .fix(fix_zh, fix_en),
        );
    }
    let birth = NaiveDate::parse_from_str(&t[6..14], "%Y%m%d").ok();
    if birth.is_none_or(|b| b > ctx.today || b < NaiveDate::from_ymd_opt(1890, 1, 1).unwrap_or(b)) {
        return Parsed::err(
            Issue::error(
                &crate::codes::C012,
                format!("{}“{t}”中的出生日期 {} 不存在", field.label, &t[6..14]),
                format!(
                    "{} “{t}” holds an impossible birth date {}",
                    field.label_en,
                    &t[6..14]
                ),
            )
            .fix(fix_zh, fix_en),
        );
    }
    let want = check_char(&t[..17]);
    if want != Some(t.as_bytes()[17] as char) {
        return Parsed::err(
            Issue::error(
                &crate::codes::C008,
                format!(
                    "{}“{t}”校验码不符（按前17位应为 {}），号码有一位写错",
                    field.label,
                    want.unwrap_or('?')
                ),
                format!(
                    "{} “{t}” fails the check digit (expected {})",
                    field.label_en,
                    want.unwrap_or('?')
                ),
            )
            .fix(fix_zh, fix_en),
        );
    }
    Parsed::ok(Val::Text(t))
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
