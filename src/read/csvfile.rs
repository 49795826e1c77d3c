//! CSV and other delimited text (a tab-separated `.txt`, text named `.xls`): UTF-8 with or
//! without BOM, UTF-16 with or without BOM, GBK/GB18030 or Big5 (decoded with
//! encoding_rs); the delimiter is sniffed among `,` `;` tab. A CSV is one sheet whose name
//! is empty.

use std::path::Path;

use super::{Book, GridBuilder, Limits, Raw};
use crate::finding::Finding;

/// The text of a CSV file's bytes and the encoding it was in.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    // Excel's "Unicode 文本" and some exports: UTF-16, with or without its BOM.
    match super::sniff::utf16(bytes) {
        Some(super::sniff::Utf16::Le) => {
            let (t, _, _) = encoding_rs::UTF_16LE.decode(bytes);
            return (t.into_owned(), "UTF-16LE");
        }
        Some(super::sniff::Utf16::Be) => {
            let (t, _, _) = encoding_rs::UTF_16BE.decode(bytes);
            return (t.into_owned(), "UTF-16BE");
        }
        None => {}
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8 (BOM)");
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (s.to_string(), "UTF-8");
    }
    // Lines glued from files of two encodings: each line in the one it is valid in.
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let utf8_cjk = lines
        .iter()
        .filter(|l| !l.is_ascii() && std::str::from_utf8(l).is_ok())
        .count();
    if utf8_cjk > 0 {
        let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
        for l in &lines {
            match std::str::from_utf8(l) {
                Ok(s) => text.push_str(s),
                Err(_) => text.push_str(&encoding_rs::GB18030.decode(l).0),
            }
        }
        return (text, MIXED);
    }
    if looks_big5(bytes) {
        let (text, _, bad) = encoding_rs::BIG5.decode(bytes);
        if !bad {
            return (text.into_owned(), BIG5);
        }
    }
    let (text, _, _) = encoding_rs::GB18030.decode(bytes);
    (text.into_owned(), "GB18030/GBK")
}

/// What `decode` says of a file in traditional Chinese Big5.
pub const BIG5: &str = "繁体中文 Big5";

/// Do the double-byte characters look like Big5 rather than GBK? Simplified Chinese text
/// in GBK is almost all GB2312 characters, whose second byte is 0xA1 or above; in Big5 about
/// two characters in five have a second byte of 0x40–0x7E.
fn looks_big5(bytes: &[u8]) -> bool {
    let (mut pairs, mut low) = (0usize, 0usize);
    let mut i = 0;
    while i + 1 < bytes.len() {
        let (lead, trail) = (bytes[i], bytes[i + 1]);
        if (0x81..=0xFE).contains(&lead) {
            pairs += 1;
            if (0x40..=0x7E).contains(&trail) {
                low += 1;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    pairs >= 8 && low * 5 >= pairs
}

/// What `decode` says of a file whose lines are partly UTF-8, partly GBK.
pub const MIXED: &str = "UTF-8 与 GB18030/GBK 混用";

fn sniff_delimiter(text: &str) -> u8 {
    let sample: Vec<&str> = text.lines().take(20).collect();
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t'] {
        let n: usize = sample.iter().map(|l| l.matches(d as char).count()).sum();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

pub fn read_csv(path: &Path, rel: &str, limits: &Limits) -> Result<Book, Finding> {
    let bytes = std::fs::read(path).map_err(|e| super::io_finding(rel, &e))?;
    let (text, enc) = decode(&bytes);
    let mut g = parse_text(&text, rel, limits)?;
    let bad = text.chars().filter(|c| *c == '\u{fffd}').count();
    if enc == MIXED {
        g.findings
            .push(Finding::new(crate::codes::mixed_encoding()).at_file(rel));
    } else if enc == BIG5 {
        g.findings
            .push(Finding::new(crate::codes::big5()).at_file(rel));
    } else if bad > 0 {
        g.findings
            .push(Finding::new(crate::codes::undecodable(enc, bad)).at_file(rel));
    }
    Ok(Book {
        format: "csv",
        sheets: vec![g],
    })
}

/// Line breaks in `b`: "\r\n", a lone "\n" and a lone "\r" (old Mac files) count one each.
fn line_breaks(b: &[u8]) -> u32 {
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\r' => {
                n += 1;
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}

/// A cell that swallowed lines of its own file: an opening quote never closed takes the
/// following lines, delimiters and all, into one cell. Legitimate multi-line cells hold a
/// line break or two, not lines with the file's delimiters in them.
fn swallowed_lines(cell: &str, delim: u8) -> Option<usize> {
    let lines: Vec<&str> = cell.split(['\n', '\r']).filter(|l| !l.is_empty()).collect();
    let with_delims = lines[1.min(lines.len())..]
        .iter()
        .filter(|l| l.bytes().filter(|&b| b == delim).count() >= 2)
        .count();
    (with_delims >= 1).then_some(lines.len().saturating_sub(1))
}

/// Parse CSV text into a one-sheet grid.
pub fn parse_text(text: &str, rel: &str, limits: &Limits) -> Result<super::Grid, Finding> {
    let delim = sniff_delimiter(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(text.as_bytes());
    let mut swallowed: Vec<(u32, u32, usize)> = Vec::new();
    let mut b = GridBuilder::new("");
    let mut rec = csv::StringRecord::new();
    // Rows are numbered by record, as spreadsheet programs show a CSV: a line break inside
    // a quoted cell does not start a row, a blank line does. The csv crate skips blank
    // lines; a record's byte offset is exact, so a row is the previous row plus the line
    // breaks from the previous record's start to this one's, less those inside the
    // previous record's cells.
    let bytes = text.as_bytes();
    let (mut seen_byte, mut row, mut inside) = (0usize, 0u32, 0u32);
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                let mut start = rec
                    .position()
                    .map(|p| p.byte() as usize)
                    .unwrap_or(seen_byte)
                    .min(bytes.len());
                // Move to the record's first character, past a terminator and blank lines.
                while start < bytes.len() && (bytes[start] == b'\r' || bytes[start] == b'\n') {
                    start += 1;
                }
                if start >= seen_byte {
                    row = (row + line_breaks(&bytes[seen_byte..start])).saturating_sub(inside);
                    seen_byte = start;
                }
                inside = rec.iter().map(|v| line_breaks(v.as_bytes())).sum();
                for (c, v) in rec.iter().enumerate() {
                    if let Some(n) = swallowed_lines(v, delim) {
                        swallowed.push((row, c as u32, n));
                    }
                    if !b.push(row, c as u32, Raw::Text(v.to_string()), limits) {
                        return b.finish(rel, limits);
                    }
                }
            }
            Ok(false) => break,
            // A malformed line (stray quote): keep going from the next record.
            Err(_) => {}
        }
    }
    b.merges_known_false();
    let mut g = b.finish(rel, limits)?;
    for (row, col, n) in swallowed {
        g.findings.push(
            Finding::new(crate::codes::unclosed_quote(n))
                .at_file(rel)
                .at_cell(row, Some(col)),
        );
    }
    Ok(g)
}

impl GridBuilder {
    fn merges_known_false(&mut self) {
        self.grid.merges_known = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_and_bom() {
        let (gbk, _, _) = encoding_rs::GBK.encode("房屋编码,户主\nYH450103003466101,张三\n");
        let (t, enc) = decode(&gbk);
        assert!(t.starts_with("房屋编码"), "{t}");
        assert_eq!(enc, "GB18030/GBK");
        let (t, enc) = decode("\u{feff}房屋编码".as_bytes());
        assert_eq!(t, "房屋编码");
        assert_eq!(enc, "UTF-8 (BOM)");
    }

    #[test]
    fn big5_is_told_from_gbk() {
        let text = "房屋編碼,戶主姓名,詳細地址,結構類型,經營類型\nYH450103000000001,陳大文,廣西壯族自治區南寧市興寧區,磚混結構,經營性自建房\n";
        let (big5, _, bad) = encoding_rs::BIG5.encode(text);
        assert!(!bad);
        let (t, enc) = decode(&big5);
        assert_eq!((t.as_str(), enc), (text, BIG5));
        // A real GBK village file (simplified, with names and addresses) stays GBK.
        let demo = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/demo-town/白沙村房屋信息.csv"
        ))
        .unwrap();
        assert_eq!(decode(&demo).1, "GB18030/GBK");
        let (gbk, _, _) =
            encoding_rs::GBK.encode("户主姓名,详细地址\n黄堃,南宁市青秀区喆园路\n韦昇,兴宁区\n");
        assert_eq!(decode(&gbk).1, "GB18030/GBK");
    }

    #[test]
    fn parses_rows_with_row_numbers() {
        let g = parse_text("a,b\n\n1,\"x,y\"\n", "t.csv", &Limits::default()).unwrap();
        assert_eq!(g.rows.len(), 2);
        assert_eq!(g.rows[1].idx, 2);
        assert_eq!(g.rows[1].get(1), &Raw::Text("x,y".into()));
    }
}

#[cfg(test)]
mod crlf_tests {
    use super::*;

    #[test]
    fn crlf_rows_keep_their_numbers() {
        let g = parse_text(
            "t,,\r\nh1,h2\r\n1,a\r\n\r\n2,b\r\n",
            "t.csv",
            &Limits::default(),
        )
        .unwrap();
        let idx: Vec<u32> = g.rows.iter().map(|r| r.idx).collect();
        assert_eq!(idx, [0, 1, 2, 4]);
    }

    /// A quoted cell holding line breaks is one row, as Excel and WPS show the file.
    #[test]
    fn rows_are_numbered_by_record_not_by_line() {
        let g = parse_text(
            "h1,h2\n\"平安村\n3组\",a\n\n\"x\r\ny\r\nz\",b\nlast,c\n",
            "t.csv",
            &Limits::default(),
        )
        .unwrap();
        let idx: Vec<u32> = g.rows.iter().map(|r| r.idx).collect();
        assert_eq!(idx, [0, 1, 3, 4]);
    }

    #[test]
    fn cr_only_rows_keep_their_numbers() {
        let g = parse_text("h1,h2\r1,a\r\r2,b\r", "t.csv", &Limits::default()).unwrap();
        let idx: Vec<u32> = g.rows.iter().map(|r| r.idx).collect();
        assert_eq!(idx, [0, 1, 3]);
    }

    #[test]
    fn an_unclosed_quote_that_swallows_lines_is_a_finding() {
        let text = "房屋编码,户主,地址\nYH1,\"韦宝,平安村\nYH2,黄英,平安村\nYH3,李四,平安村\n";
        let g = parse_text(text, "t.csv", &Limits::default()).unwrap();
        let f: Vec<_> = g.findings.iter().filter(|f| f.code == "F015").collect();
        assert_eq!(f.len(), 1, "{:?}", g.findings);
        assert_eq!((f[0].row, f[0].col), (Some(1), Some(1)));
        assert!(f[0].message_zh.contains("2 行"), "{}", f[0].message_zh);
        // A real two-line address is not that.
        let g = parse_text("a,b\n1,\"平安村\n3组\"\n", "t.csv", &Limits::default()).unwrap();
        assert!(g.findings.is_empty());
    }
}
