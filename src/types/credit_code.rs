//! The 统一社会信用代码 (unified social credit code, GB 32100-2015) of an enterprise: 18
//! characters from the 31-character set (digits and capitals without I, O, Z, S, V), the
//! last a check character over the first 17 (weights 3^i mod 31). Full-width characters,
//! lower case, spaces and hyphens are cleaned; an all-digit code that Excel stored as a
//! number has lost digits for good.

use super::plugin::{CellType, FieldWords};
use crate::finding::RuleDoc;
use crate::finding::Severity::Error as E;
use crate::text::nfkc_nospace;
use crate::value::{Parsed, Raw, Val};

/// The characters of GB 32100, in value order.
const CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The check character of the first 17 characters (None if one is not in the set).
///
/// ```
/// use selfbuilt::types::credit_code::check_char;
/// assert_eq!(check_char("91350100M000100Y4"), Some('3'));
/// ```
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in first17.bytes().zip(WEIGHTS) {
        sum += CHARS.iter().position(|c| *c == b)? as u32 * w;
    }
    Some(CHARS[((31 - sum % 31) % 31) as usize] as char)
}

/// The type, registered in `types::REGISTRY`.
pub struct CreditCode;

impl CellType for CreditCode {
    fn key(&self) -> &'static str {
        "credit_code"
    }
    fn name_zh(&self) -> &'static str {
        "统一社会信用代码"
    }
    fn hint(&self) -> String {
        "18位统一社会信用代码（营业执照上的代码），末位为校验码".into()
    }
    fn rules(&self) -> &'static [&'static RuleDoc] {
        RULES
    }
    fn sample(&self, random: u64) -> String {
        // 9 (market regulation) 1 (company), a county code, a 9-character body.
        let mut x = random;
        let mut body = String::from("91450103");
        for _ in 0..9 {
            body.push(CHARS[(x % 31) as usize] as char);
            x /= 31;
        }
        let c = check_char(&body).unwrap_or('0');
        body.push(c);
        body
    }
    fn parse(&self, field: FieldWords, raw: &Raw) -> Parsed {
        let (label, label_en) = (field.label, field.label_en);
        let s = match raw {
            Raw::Num(f) => {
                let shown = crate::value::fmt_num(*f);
                return Parsed::err(stored_as_number(label, label_en, shown).into());
            }
            Raw::Text(s) => s.to_string(),
            other => other.display(),
        };
        let t: String = nfkc_nospace(&s)
            .to_uppercase()
            .chars()
            .filter(|c| !matches!(c, '-' | '—' | '\''))
            .collect();
        let ok_shape = t.len() == 18 && t.bytes().all(|b| CHARS.contains(&b));
        if !ok_shape {
            let n = t.chars().count();
            if n != 18 {
                return Parsed::err(wrong_length(label, label_en, &s, n).into());
            }
            let bad: String = t
                .chars()
                .filter(|c| !c.is_ascii() || !CHARS.contains(&(*c as u8)))
                .take(3)
                .collect();
            return Parsed::err(bad_characters(label, label_en, &s, bad).into());
        }
        let want = check_char(&t[..17]).unwrap_or('?');
        if t.as_bytes()[17] as char != want {
            return Parsed::err(check_character(label, label_en, &t, want).into());
        }
        Parsed::ok(Val::Text(t.into()))
    }
}

crate::codes::rules! {
    list RULES;
    C023 "credit-code-format" "统一社会信用代码格式不对" "Credit code format" E
        "统一社会信用代码不是18位，或含有代码里不能用的字符（I、O、Z、S、V 和汉字），或被 Excel 存成了数字。"
        "The unified social credit code is not 18 characters of its set (no I, O, Z, S, V), or Excel stored it as a number."
        "代码是企业在各部门系统中的唯一标识，格式不对就对不上企业。" "91350100M000100Y4（17位）" "91350100M000100Y43" "对照营业执照逐位核对后重新填写；该列设为“文本”格式";
        | stored_as_number(label, label_en, value) "{label}“{value}”被 Excel 当成数字保存，可能已丢失位数" "{label_en} “{value}” was stored by Excel as a number and may have lost digits" => "把该列设为“文本”格式后，对照营业执照重新录入完整的18位代码" "format the column as Text and re-enter the 18 characters from the licence";
        | wrong_length(label, label_en, value, n) "{label}“{value}”格式不对：应为18位，现为{n}位" "{label_en} “{value}” must have 18 characters (has {n})" => "对照营业执照逐位核对，填写18位统一社会信用代码（不含字母I、O、Z、S、V）" "check it against the business licence: 18 characters, no I, O, Z, S or V";
        | bad_characters(label, label_en, value, bad) "{label}“{value}”格式不对：含有不能用的字符“{bad}”" "{label_en} “{value}” holds characters outside the code's set ({bad})" => "对照营业执照逐位核对，填写18位统一社会信用代码（不含字母I、O、Z、S、V）" "check it against the business licence: 18 characters, no I, O, Z, S or V";
    C024 "credit-code-check" "统一社会信用代码校验码不符" "Credit code check character" E
        "统一社会信用代码的第18位校验码与前17位不符（GB 32100）。"
        "The 18th character of the unified social credit code is not the check character of the first 17 (GB 32100)."
        "校验码不符说明代码有一位写错，检查记录和隐患会挂到别的企业或挂不上。" "91350100M000100Y44" "91350100M000100Y43" "对照营业执照逐位核对";
        | check_character(label, label_en, value, expected) "{label}“{value}”校验码不符（按前17位应为 {expected}），代码有一位写错" "{label_en} “{value}” fails the check character (expected {expected})" => "对照营业执照逐位核对，填写18位统一社会信用代码（不含字母I、O、Z、S、V）" "check it against the business licence: 18 characters, no I, O, Z, S or V";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> (Option<&'static str>, String) {
        let words = FieldWords {
            label: "统一社会信用代码",
            label_en: "code",
        };
        let p = CreditCode.parse(words, &Raw::Text(s.into()));
        (p.issue.map(|i| i.code), p.val.display())
    }

    #[test]
    fn check_characters_of_real_codes() {
        // GB 32100's own example and codes of registered companies.
        for c in [
            "91350100M000100Y43",
            "91350200776049653A",
            "91440101MA5CJQ4N59",
            "913502000728319549",
            "91230184MA1BUFLT44",
        ] {
            assert_eq!(check_char(&c[..17]), c.chars().last(), "{c}");
            assert_eq!(code(c), (None, c.to_string()));
        }
    }

    #[test]
    fn cleaning_and_each_failure() {
        assert_eq!(
            code("９１３５０１００ｍ０００１００ｙ４３"),
            (None, "91350100M000100Y43".into())
        );
        assert_eq!(
            code("913501-00M000100Y43"),
            (None, "91350100M000100Y43".into())
        );
        assert_eq!(code("91350100M000100Y44").0, Some("C024"));
        assert_eq!(code("91350100M000100Y4").0, Some("C023"));
        // I, O, S, V and Z are not in the set.
        assert_eq!(code("91350100M000100O43").0, Some("C023"));
        assert_eq!(code("平安村木业").0, Some("C023"));
    }
}
