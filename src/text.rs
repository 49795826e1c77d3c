//! Text normalisation shared by the recogniser and the cell parsers: NFKC, every kind of
//! space, header label keys.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// Is this one of the spaces villages' files carry (ASCII, U+3000, NBSP, zero-width …)?
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{a0}' | '\u{3000}'
        )
}

/// Trim every kind of space at both ends.
pub fn trim(s: &str) -> &str {
    // Most cells have nothing to trim: their ends say so without a search.
    match (s.chars().next(), s.chars().next_back()) {
        (Some(a), Some(b)) if !is_space(a) && !is_space(b) => s,
        _ => s.trim_matches(is_space),
    }
}

/// NFKC and trimmed (borrowed when the text is both already).
pub fn nfkc_trim(s: &str) -> Cow<'_, str> {
    if is_nfkc(s) {
        return Cow::Borrowed(trim(s));
    }
    let n: String = s.nfkc().collect();
    Cow::Owned(trim(&n).to_string())
}

/// Already NFKC? The quick check answers for almost every cell (ASCII, CJK) without
/// building a new string.
fn is_nfkc(s: &str) -> bool {
    s.is_ascii()
        || s.chars().all(plainly_nfkc)
        || unicode_normalization::is_nfkc_quick(s.chars())
            == unicode_normalization::IsNormalized::Yes
}

/// ASCII and the CJK Unified Ideographs (U+4E00–U+9FFF, the characters of nearly every
/// Chinese cell) are unchanged by NFKC, whatever surrounds them: the table lookup of
/// the general quick check is not needed for them.
fn plainly_nfkc(c: char) -> bool {
    c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// NFKC with every space removed (also inner ones).
/// Push `nfkc_nospace(s)` onto `out` (no string of its own made).
pub fn push_nfkc_nospace(out: &mut String, s: &str) {
    if is_nfkc(s) {
        if !s.chars().any(is_space) {
            out.push_str(s);
            return;
        }
        out.extend(s.chars().filter(|c| !is_space(*c)));
    } else {
        out.extend(s.nfkc().filter(|c| !is_space(*c)));
    }
}

/// Text in NFKC (full-width letters and digits made plain) with every space dropped, as
/// codes and numbers are compared.
pub fn nfkc_nospace(s: &str) -> String {
    if is_nfkc(s) {
        if !s.chars().any(is_space) {
            return s.to_string();
        }
        return s.chars().filter(|c| !is_space(*c)).collect();
    }
    s.nfkc().filter(|c| !is_space(*c)).collect()
}

/// A header label as a lookup key: NFKC, no spaces, no `*` marks, lower case,
/// ASCII brackets.
pub fn norm_key(s: &str) -> String {
    // Letters, digits, dots and dashes (codes, numbers) are their own NFKC, hold no
    // space, mark or bracket: only lower-cased (a data row's first cell, every row).
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return s.to_ascii_lowercase();
    }
    norm_key_in_full(s)
}

/// `norm_key` character by character.
fn norm_key_in_full(s: &str) -> String {
    nfkc_nospace(s)
        .chars()
        .filter(|c| !matches!(c, '*' | '※' | '★' | '△' | ':' | '：'))
        .flat_map(|c| c.to_lowercase())
        .map(|c| match c {
            '【' | '〔' | '[' | '{' => '(',
            '】' | '〕' | ']' | '}' => ')',
            c => c,
        })
        .collect()
}

/// A looser key: `norm_key` without a bracketed part and without a trailing unit (the
/// lexicon's `header_units`), so that "建筑面积（㎡）", "面积(平方米)" and "建筑面积m2" meet
/// "建筑面积"/"面积".
pub fn label_key(s: &str, units: &[String]) -> String {
    let k = norm_key(s);
    let mut out = String::new();
    let mut depth = 0;
    for c in k.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth - 1i32).max(0),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    for unit in units {
        if let Some(stripped) = out.strip_suffix(unit.as_str()) {
            out = stripped.to_string();
        }
    }
    out
}

/// At most `n` characters of `s`, with "…" when it was cut.
pub fn truncate_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// The text inside Excel's idiom for keeping digits as text in a CSV, `="450…"` (a
/// doubled `""` inside stands for one `"`); None for anything else.
///
/// ```
/// use selfbuilt::text::excel_text_formula;
/// assert_eq!(excel_text_formula("=\"450103196708158643\"").as_deref(), Some("450103196708158643"));
/// assert_eq!(excel_text_formula(" =\"a\"\"b\" ").as_deref(), Some("a\"b"));
/// assert_eq!(excel_text_formula("=A1&\"x\""), None);
/// assert_eq!(excel_text_formula("450103"), None);
/// ```
pub fn excel_text_formula(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix("=\"")?.strip_suffix('"')?;
    // Every quote inside is doubled: one string literal, nothing else.
    let single = inner.replace("\"\"", "");
    if single.contains('"') {
        return None;
    }
    Some(inner.replace("\"\"", "\""))
}

/// A spreadsheet cell holds at most this many characters (Excel, LibreOffice, WPS),
/// counted as they count them: in UTF-16 units, so a character outside the Basic
/// Multilingual Plane (a rare 𠮷, an emoji) counts twice.
pub const CELL_CHARS: usize = 32_767;

/// Characters XML 1.0 cannot carry (control characters other than tab, LF and CR;
/// U+FFFE, U+FFFF): a workbook holding one cannot be opened by strict readers.
pub fn xml_illegal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// Could `s` hold a character XML cannot carry? A byte scan: a control byte, or the
/// lead byte of U+FFFE/U+FFFF (0xEF, rare in Chinese text's three-byte range E4–E9).
fn maybe_xml_illegal(s: &str) -> bool {
    s.bytes()
        .any(|b| (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0xEF)
}

/// `s` without the characters XML cannot carry, when it holds any.
pub fn without_xml_illegal(s: &str) -> Option<String> {
    if !maybe_xml_illegal(s) || !s.chars().any(xml_illegal) {
        return None;
    }
    Some(s.chars().filter(|c| !xml_illegal(*c)).collect())
}

/// `s` cut to what one cell holds (`CELL_CHARS` UTF-16 units), with a mark, when it is
/// longer; None when it fits.
///
/// ```
/// use selfbuilt::text::{cut_to_cell, CELL_CHARS};
/// assert!(cut_to_cell(&"字".repeat(CELL_CHARS)).is_none());
/// let cut = cut_to_cell(&"𠮷".repeat(CELL_CHARS / 2 + 1)).unwrap();
/// assert!(cut.encode_utf16().count() <= CELL_CHARS && cut.ends_with("…（已截断）"));
/// ```
pub fn cut_to_cell(s: &str) -> Option<String> {
    const MARK: &str = "…（已截断）";
    // UTF-8 never takes fewer bytes than UTF-16 takes units.
    if s.len() <= CELL_CHARS || s.encode_utf16().count() <= CELL_CHARS {
        return None;
    }
    let room = CELL_CHARS - MARK.encode_utf16().count();
    let mut units = 0;
    let end = s
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > room
        })
        .map_or(s.len(), |(i, _)| i);
    Some(format!("{}{MARK}", &s[..end]))
}

/// Column letters of a 0-based column index: 0 → A, 26 → AA.
pub fn col_letters(col: u32) -> String {
    let mut s = String::new();
    push_col_letters(&mut s, col);
    s
}

/// Append the letters of a 0-based column (A, …, Z, AA, …) to `out`.
fn push_col_letters(out: &mut String, mut col: u32) {
    let mut letters = [0u8; 8];
    let mut n = 0;
    loop {
        letters[n] = b'A' + (col % 26) as u8;
        n += 1;
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.extend(letters[..n].iter().rev().map(|&b| char::from(b)));
}

/// Append the A1 name of a 0-based cell to `out`, without allocating anything else.
pub fn push_a1(out: &mut String, row: u32, col: u32) {
    use std::fmt::Write as _;
    push_col_letters(out, col);
    let _ = write!(out, "{}", u64::from(row) + 1);
}

/// The A1 name of a 0-based cell (row 0, col 0 → A1), as Excel shows it.
pub fn a1(row: u32, col: u32) -> String {
    let mut s = String::new();
    push_a1(&mut s, row, col);
    s
}

/// Fill a `{name}` template: `put(name, out)` writes each placeholder's value and says
/// whether it knew the name (an unknown one stays as written); an unclosed `{` and what
/// follows it stay as written. Messages, evidence sentences and row-rule texts use it.
///
/// ```
/// let s = selfbuilt::text::fill_braces("房屋{code}（{x}", |n, out| {
///     if n == "code" {
///         out.push_str("YH1");
///         true
///     } else {
///         false
///     }
/// });
/// assert_eq!(s, "房屋YH1（{x}");
/// ```
pub fn fill_braces(template: &str, mut put: impl FnMut(&str, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let name = &rest[i + 1..i + j];
        if !put(name, &mut out) {
            out.push_str(&rest[i..i + j + 1]);
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// The names of a template's `{…}` placeholders.
pub fn brace_names(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}

/// Where a cell is, as people read it: `file:sheet!A1`, or `file!A1` for a CSV (no sheet).
///
/// ```
/// assert_eq!(selfbuilt::text::place("a.xlsx", "房屋", "B3".into()), "a.xlsx:房屋!B3");
/// assert_eq!(selfbuilt::text::place("a.csv", "", "B3".into()), "a.csv!B3");
/// ```
pub fn place(file: &str, sheet: &str, cell: String) -> String {
    if sheet.is_empty() {
        format!("{file}!{cell}")
    } else {
        format!("{file}:{sheet}!{cell}")
    }
}

/// Where a row (or its cell in column `col`) is, for a message: `file「sheet」B3`, or
/// `file 第3行` for the row, the sheet left out for a CSV.
///
/// ```
/// assert_eq!(selfbuilt::text::row_place("a.xlsx", "房屋", 2, Some(1)), "a.xlsx「房屋」B3");
/// assert_eq!(selfbuilt::text::row_place("a.csv", "", 2, None), "a.csv 第3行");
/// ```
pub fn row_place(file: &str, sheet: &str, row: u32, col: Option<u32>) -> String {
    let cell = col
        .map(|c| a1(row, c))
        .unwrap_or_else(|| format!("第{}行", row + 1));
    if sheet.is_empty() {
        format!("{file} {cell}")
    } else {
        format!("{file}「{sheet}」{cell}")
    }
}

/// 1-based rows as ranges ("5-9、12、20-25"), at most `max` ranges, then "…".
pub fn compact_rows(rows: &[u32], max: usize) -> String {
    let mut v: Vec<u32> = rows.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        if parts.len() == max {
            parts.push("…".into());
            break;
        }
        parts.push(if i == j {
            format!("{}", v[i] + 1)
        } else {
            format!("{}-{}", v[i] + 1, v[j] + 1)
        });
        i = j + 1;
    }
    parts.join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cjk_fast_path_agrees_with_the_quick_check() {
        use unicode_normalization::{is_nfkc_quick, IsNormalized};
        for c in ('\u{4E00}'..='\u{9FFF}').chain((0u8..0x80).map(char::from)) {
            assert!(plainly_nfkc(c));
            let s = format!("a{c}\u{4E2D}{c}");
            assert_eq!(is_nfkc_quick(s.chars()), IsNormalized::Yes, "{c:?}");
            assert_eq!(s.nfkc().collect::<String>(), s);
        }
        assert!(!plainly_nfkc('１') && !is_nfkc("房屋１"));
        assert_eq!(nfkc_trim(" 房屋１ "), "房屋1");
    }

    #[test]
    fn the_plain_ascii_fast_path_of_norm_key_gives_what_the_full_one_gives() {
        let full = norm_key_in_full;
        for s in [
            "450123198001011234",
            "45012319800101123X",
            "GX-NN-0001",
            "3.5",
            "-12",
            "ABCdef",
            "",
            "a b",
            "A*",
            "Ⅻ",
        ] {
            assert_eq!(norm_key(s), full(s), "{s:?}");
        }
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for c in every_ascii.chars() {
            let s = format!("Ab{c}9");
            assert_eq!(norm_key(&s), full(&s), "{s:?}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(norm_key("序 号"), "序号");
        assert_eq!(norm_key("*建 成 年 份"), "建成年份");
        assert_eq!(norm_key("建筑面积\n（㎡）"), "建筑面积(m2)");
        let lex = crate::schema::Schemas::shipped().unwrap().lexicon;
        let label_key = |s: &str| label_key(s, &lex.header_units);
        assert_eq!(label_key("建筑面积\n（㎡）"), "建筑面积");
        assert_eq!(label_key("面积(平方米)"), "面积");
        assert_eq!(label_key("建筑面积m2"), "建筑面积");
        assert_eq!(label_key("村(社区)"), "村");
        assert_eq!(norm_key("户主(产权人)"), norm_key("户主（产权人）"));
    }

    #[test]
    fn letters() {
        assert_eq!(col_letters(0), "A");
        assert_eq!(col_letters(25), "Z");
        assert_eq!(col_letters(26), "AA");
        assert_eq!(col_letters(16383), "XFD");
        assert_eq!(a1(0, 2), "C1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
        // The last column a u32 can name, and the last row: no overflow.
        assert_eq!(col_letters(u32::MAX), "MWLQKWV");
        assert_eq!(a1(u32::MAX, u32::MAX), "MWLQKWV4294967296");
        let mut s = String::from("x");
        push_a1(&mut s, 9, 27);
        assert_eq!(s, "xAB10");
    }

    #[test]
    fn spaces() {
        assert_eq!(trim("\u{3000} 12\u{a0}"), "12");
        assert_eq!(nfkc_trim("１２０"), "120");
        for s in [
            "",
            " ",
            "甲",
            " 甲",
            "甲\u{200b}",
            "a b",
            "\u{feff}",
            "户 主",
            "x\t",
        ] {
            assert_eq!(trim(s), s.trim_matches(is_space), "{s:?}");
        }
    }
}
