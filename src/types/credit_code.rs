//! The 统一社会信用代码 (unified social credit code, GB 32100-2015) of an enterprise: 18
//! characters from the 31-character set (digits and capitals without I, O, Z, S, V), the
//! last a check character over the first 17 (weights 3^i mod 31). Full-width characters,
//! lower case, spaces and hyphens are cleaned; an all-digit code that Excel stored as a
//! number has lost digits for good.

use super::plugin::{CellType, FieldWords};
use crate::finding::{RuleDoc, Severity};
use crate::text::nfkc_nospace;
use crate::value::{Issue, Parsed, Raw, Val};

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

const FIX_ZH: &str = "对照营业执照逐位核对，填写18位统一社会信用代码（不含字母I、O、Z、S、V）";
const FIX_EN: &str = "check it against the business licence: 18 characters, no I, O, Z, S or V";

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
        &RULES
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
        let s =
            match raw {
                Raw::Num(f) => return Parsed::err(
                    Issue::error(
                        &C023,
                        format!(
                            "{}“{}”被 Excel 当成数字保存，可能已丢失位数",
                            field.label,
                            crate::value::fmt_num(*f)
                        ),
                        format!(
                            "{} “{}” was stored by Excel as a number and may have lost digits",
                            field.label_en,
                            crate::value::fmt_num(*f)
                        ),
                    )
                    .fix(
                        "把该列设为“文本”格式后，对照营业执照重新录入完整的18位代码",
                        "format the column as Text and re-enter the 18 characters from the licence",
                    ),
                ),
                Raw::Text(s) => s.clone(),
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
            let bad: String = t
                .chars()
                .filter(|c| !c.is_ascii() || !CHARS.contains(&(*c as u8)))
                .take(3)
                .collect();
            let why_zh = if n != 18 {
                format!("应为18位，现为{n}位")
            } else {
                format!("含有不能用的字符“{bad}”")
            };
            return Parsed::err(
                Issue::error(
                    &C023,
                    format!("{}“{s}”格式不对：{why_zh}", field.label),
                    format!(
                        "{} “{s}” is not 18 characters of the code's set",
                        field.label_en
                    ),
                )
                .fix(FIX_ZH, FIX_EN),
            );
        }
        let want = check_char(&t[..17]);
        if want != Some(t.as_bytes()[17] as char) {
            return Parsed::err(
                Issue::error(
                    &C024,
                    format!(
                        "{}“{t}”校验码不符（按前17位应为 {}），代码有一位写错",
                        field.label,
                        want.unwrap_or('?')
                    ),
                    format!(
                        "{} “{t}” fails the check character (expected {})",
                        field.label_en,
                        want.unwrap_or('?')
                    ),
                )
                .fix(FIX_ZH, FIX_EN),
            );
        }
        Parsed::ok(Val::Text(t))
    }
}

/// The rules this type emits.
static RULES: [&RuleDoc; 2] = [&C023, &C024];

/// The code is not 18 characters of its set, or Excel stored it as a number.
pub static C023: RuleDoc = RuleDoc {
        code: "C023",
        name: "credit-code-format",
        title: "统一社会信用代码格式不对",
        title_en: "Credit code format",
        severity: Severity::Error,
        what: "统一社会信用代码不是18位，或含有代码里不能用的字符（I、O、Z、S、V 和汉字），或被 Excel 存成了数字。",
        what_en: "The unified social credit code is not 18 characters of its set (no I, O, Z, S, V), or Excel stored it as a number.",
        why: "代码是企业在各部门系统中的唯一标识，格式不对就对不上企业。",
        bad: "91350100M000100Y4（17位）",
        good: "91350100M000100Y43",
        fix: "对照营业执照逐位核对后重新填写；该列设为“文本”格式",
};

/// The 18th character is not the check character of the first 17.
pub static C024: RuleDoc = RuleDoc {
        code: "C024",
        name: "credit-code-check",
        title: "统一社会信用代码校验码不符",
        title_en: "Credit code check character",
        severity: Severity::Error,
        what: "统一社会信用代码的第18位校验码与前17位不符（GB 32100）。",
        what_en: "The 18th character of the unified social credit code is not the check character of the first 17 (GB 32100).",
        why: "校验码不符说明代码有一位写错，检查记录和隐患会挂到别的企业或挂不上。",
        bad: "91350100M000100Y44",
        good: "91350100M000100Y43",
        fix: "对照营业执照逐位核对",
};

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
