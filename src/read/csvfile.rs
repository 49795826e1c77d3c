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
    let bytes = std::fs::read(path).map_err(|e| {
        super::file_finding("F001", rel, format!("无法读取文件：{e}"), format!("cannot read file: {e}"), "检查文件权限", "check permissions")
    })?;
    let (text, _enc) = decode(&bytes);
    Ok(Book { format: "csv", sheets: vec![parse_text(&text, rel, limits)?] })
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
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                // The csv crate skips blank lines: the record's own line keeps row numbers true.
                let row = rec.position().map(|p| p.line().saturating_sub(1) as u32).unwrap_or(0);
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
