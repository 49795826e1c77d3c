//! CSV input: UTF-8 with or without BOM, or GBK/GB18030 (decoded with encoding_rs); the
//! delimiter is sniffed among `,` `;` tab. A CSV is one sheet whose name is empty.

use std::path::Path;

use super::{Book, GridBuilder, Limits, Raw};
use crate::finding::Finding;

/// The text of a CSV file's bytes and the encoding it was in.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), "UTF-8 (BOM)");
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (s.to_string(), "UTF-8");
    }
    let (text, _, _) = encoding_rs::GB18030.decode(bytes);
    (text.into_owned(), "GB18030/GBK")
}

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
    let (text, _enc) = decode(&bytes);
    Ok(Book {
        format: "csv",
        sheets: vec![parse_text(&text, rel, limits)?],
    })
}

/// Parse CSV text into a one-sheet grid.
pub fn parse_text(text: &str, rel: &str, limits: &Limits) -> Result<super::Grid, Finding> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let mut b = GridBuilder::new("");
    let mut rec = csv::StringRecord::new();
    // The csv crate skips blank lines without counting them in `line()`; the record's
    // byte offset is exact, so rows are counted from the newlines before it.
    let bytes = text.as_bytes();
    let (mut seen_byte, mut seen_line) = (0usize, 0u32);
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                let mut start = rec
                    .position()
                    .map(|p| p.byte() as usize)
                    .unwrap_or(seen_byte)
                    .min(bytes.len());
                // The offset points just after the previous record's last byte: move to
                // the record's first character, past the terminator and blank lines.
                while start < bytes.len() && (bytes[start] == b'\r' || bytes[start] == b'\n') {
                    start += 1;
                }
                if start >= seen_byte {
                    seen_line += bytes[seen_byte..start]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count() as u32;
                    seen_byte = start;
                }
                let row = seen_line;
                for (c, v) in rec.iter().enumerate() {
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
    b.finish(rel, limits)
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
}
