//! CSV and other delimited text (a tab-separated `.txt`, text named `.xls`): UTF-8 with or
//! without BOM, UTF-16 with or without BOM, GBK/GB18030 or Big5 (decoded with
//! encoding_rs); the delimiter is sniffed among `,` `;` tab. A CSV is one sheet whose name
//! is empty.

use std::path::Path;

use super::{Book, GridBuilder, Limits, Piece, Raw};
use crate::finding::Finding;

/// The text of a CSV file's bytes and the encoding it was in (as `read_csv_pieces`
/// decodes a file, all at once).
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    use std::io::Read;
    let mut d = Decoding::new(bytes, Mode::of(&bytes[..bytes.len().min(HEAD_BYTES)]));
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
    // Decoding gives UTF-8 only: reading it cannot fail.
    let _ = d.read_to_string(&mut text);
    (text, d.encoding())
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

/// Read a CSV whole into a one-sheet book (`read_csv_pieces`, collected).
pub fn read_csv(path: &Path, rel: &str, limits: &Limits) -> Result<Book, Finding> {
    let mut g = super::Grid::default();
    read_csv_pieces(path, rel, limits, &mut |p| match p {
        Piece::Sheet(s) => g = s,
        Piece::Rows { mut rows, width } => {
            g.rows.append(&mut rows);
            g.width = g.width.max(width);
        }
        Piece::End {
            width, findings, ..
        } => {
            g.width = g.width.max(width);
            g.findings.extend(findings);
        }
    })?;
    Ok(Book {
        format: "csv",
        sheets: vec![g],
    })
}

/// Bytes of a file's head that decide its encoding and delimiter.
const HEAD_BYTES: usize = 1 << 20;

/// Read a CSV streaming: decoded as it is read (`Decoding`), parsed record by record, its
/// rows handed over in batches, so that the reader holds a batch and not the file. The
/// encoding is chosen from the file's first megabyte and checked line by line.
pub fn read_csv_pieces(
    path: &Path,
    rel: &str,
    limits: &Limits,
    emit: &mut dyn FnMut(Piece),
) -> Result<&'static str, Finding> {
    use std::io::Read;
    let io = |e: std::io::Error| super::io_finding(rel, &e);
    let mut head = Vec::with_capacity(HEAD_BYTES);
    std::fs::File::open(path)
        .map_err(io)?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    let mode = Mode::of(&head);
    // The delimiter from the decoded head.
    let mut sample = String::new();
    Decoding::new(&head[..head.len().min(64 << 10)], mode)
        .read_to_string(&mut sample)
        .map_err(io)?;
    let delim = sniff_delimiter(&sample);
    let file = std::fs::File::open(path).map_err(io)?;
    let mut dec = Decoding::new(std::io::BufReader::with_capacity(1 << 16, file), mode);
    emit(Piece::Sheet(super::Grid::default()));
    let g = parse_stream(&mut dec, delim, rel, limits, &mut |rows, width| {
        emit(Piece::Rows { rows, width })
    })?;
    emit(Piece::Rows {
        rows: g.rows,
        width: g.width,
    });
    let mut findings = g.findings;
    let enc = dec.encoding();
    if enc == MIXED {
        findings.push(Finding::new(crate::codes::mixed_encoding()).at_file(rel));
    } else if enc == BIG5 {
        findings.push(Finding::new(crate::codes::big5()).at_file(rel));
    } else if dec.bad > 0 {
        findings.push(Finding::new(crate::codes::undecodable(enc, dec.bad)).at_file(rel));
    }
    emit(Piece::End {
        width: g.width,
        merges: None,
        findings,
    });
    Ok("csv")
}

/// How a file's bytes become text.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Utf16(&'static encoding_rs::Encoding),
    /// Line by line: a line that is UTF-8 is taken as it is, any other in this encoding
    /// (GB18030, or Big5 when the head shows it); lines end at the byte given (`\r` in a
    /// file whose head breaks lines with it alone, as old Mac programs wrote them).
    Lines(&'static encoding_rs::Encoding, u8),
}

impl Mode {
    fn of(head: &[u8]) -> Mode {
        match super::sniff::utf16(head) {
            Some(super::sniff::Utf16::Le) => return Mode::Utf16(encoding_rs::UTF_16LE),
            Some(super::sniff::Utf16::Be) => return Mode::Utf16(encoding_rs::UTF_16BE),
            None => {}
        }
        // The head may end inside a character: only whole lines are judged.
        let whole = match head.iter().rposition(|b| *b == b'\n') {
            Some(i) if head.len() == HEAD_BYTES => &head[..=i],
            _ => head,
        };
        let big5 = looks_big5(whole) && !encoding_rs::BIG5.decode(whole).2;
        // No GBK or Big5 byte of a character is a CR or an LF.
        let eol = if !head.contains(&b'\n') && head.contains(&b'\r') {
            b'\r'
        } else {
            b'\n'
        };
        let enc = if big5 {
            encoding_rs::BIG5
        } else {
            encoding_rs::GB18030
        };
        Mode::Lines(enc, eol)
    }
}

/// A reader of a file's text: its bytes decoded as they are read (see `Mode`), a UTF-8
/// BOM dropped; what it met is counted for the findings.
struct Decoding<R> {
    src: R,
    mode: Mode,
    decoder: Option<encoding_rs::Decoder>,
    /// Decoded text not yet read.
    out: Vec<u8>,
    at: usize,
    line: Vec<u8>,
    first: bool,
    bom: bool,
    eof: bool,
    /// Lines in UTF-8 holding more than ASCII, and lines in the other encoding.
    utf8: bool,
    legacy: bool,
    /// Characters that could not be decoded (shown as U+FFFD).
    bad: usize,
}

impl<R: std::io::BufRead> Decoding<R> {
    fn new(src: R, mode: Mode) -> Self {
        Decoding {
            src,
            mode,
            decoder: match mode {
                Mode::Utf16(e) => Some(e.new_decoder_with_bom_removal()),
                Mode::Lines(..) => None,
            },
            out: Vec::new(),
            at: 0,
            line: Vec::new(),
            first: true,
            bom: false,
            eof: false,
            utf8: false,
            legacy: false,
            bad: 0,
        }
    }

    /// The encoding read, in words (`decode`'s names).
    fn encoding(&self) -> &'static str {
        match self.mode {
            Mode::Utf16(e) if e == encoding_rs::UTF_16BE => "UTF-16BE",
            Mode::Utf16(_) => "UTF-16LE",
            Mode::Lines(..) if self.utf8 && self.legacy => MIXED,
            Mode::Lines(e, _) if self.legacy && e == encoding_rs::BIG5 => BIG5,
            Mode::Lines(..) if self.legacy => "GB18030/GBK",
            Mode::Lines(..) if self.bom => "UTF-8 (BOM)",
            Mode::Lines(..) => "UTF-8",
        }
    }

    /// Decode more of the source into `out`; false at its end.
    fn fill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.at = 0;
        if self.eof {
            return Ok(false);
        }
        match self.mode {
            Mode::Utf16(_) => {
                let chunk = self.src.fill_buf()?.to_vec();
                self.src.consume(chunk.len());
                let last = chunk.is_empty();
                self.eof = last;
                let dec = self.decoder.as_mut().expect("a UTF-16 decoder");
                let mut text =
                    String::with_capacity(dec.max_utf8_buffer_length(chunk.len()).unwrap_or(0));
                let (_, _, bad) = dec.decode_to_string(&chunk, &mut text, last);
                if bad {
                    self.bad += text.matches('\u{fffd}').count();
                }
                self.out = text.into_bytes();
            }
            Mode::Lines(legacy, eol) => {
                self.line.clear();
                if self.src.read_until(eol, &mut self.line)? == 0 {
                    self.eof = true;
                    return Ok(false);
                }
                let mut l = &self.line[..];
                if self.first {
                    self.first = false;
                    if let Some(rest) = l.strip_prefix(b"\xEF\xBB\xBF") {
                        self.bom = true;
                        l = rest;
                    }
                }
                match std::str::from_utf8(l) {
                    Ok(s) => {
                        self.utf8 |= !s.is_ascii();
                        self.out.extend_from_slice(l);
                    }
                    Err(_) => {
                        self.legacy = true;
                        let (t, bad) = legacy.decode_without_bom_handling(l);
                        if bad {
                            self.bad += t.matches('\u{fffd}').count();
                        }
                        self.out.extend_from_slice(t.as_bytes());
                    }
                }
            }
        }
        Ok(true)
    }
}

impl<R: std::io::BufRead> std::io::Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.out.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
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
    let mut rows = Vec::new();
    let mut g = parse_stream(
        text.as_bytes(),
        sniff_delimiter(text),
        rel,
        limits,
        &mut |mut r, _| rows.append(&mut r),
    )?;
    rows.append(&mut g.rows);
    g.rows = rows;
    Ok(g)
}

/// The bytes of a text stream as they pass to the CSV parser, kept from the start of the
/// record being numbered on (see `parse_stream`).
#[derive(Default)]
struct Window {
    /// The stream offset of `buf[0]`.
    base: usize,
    buf: Vec<u8>,
}

/// A reader that keeps what it passes on in a shared `Window`.
struct Tap<R> {
    src: R,
    window: std::rc::Rc<std::cell::RefCell<Window>>,
}

impl<R: std::io::Read> std::io::Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.src.read(buf)?;
        self.window.borrow_mut().buf.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// Parse delimited text record by record into a one-sheet grid, handing the rows over in
/// batches to `batch` (rows, width so far); the grid returned holds the last rows, the
/// width and the findings.
fn parse_stream<R: std::io::Read>(
    src: R,
    delim: u8,
    rel: &str,
    limits: &Limits,
    batch: &mut dyn FnMut(Vec<super::GridRow>, u32),
) -> Result<super::Grid, Finding> {
    let window = std::rc::Rc::new(std::cell::RefCell::new(Window::default()));
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(Tap {
            src,
            window: window.clone(),
        });
    let mut swallowed: Vec<(u32, u32, usize)> = Vec::new();
    let mut b = GridBuilder::new("");
    let mut rec = csv::StringRecord::new();
    // Rows are numbered by record, as spreadsheet programs show a CSV: a line break inside
    // a quoted cell does not start a row, a blank line does. The csv crate skips blank
    // lines; a record's byte offset is exact, so a row is the previous row plus the line
    // breaks from the previous record's start to this one's, less those inside the
    // previous record's cells. The window keeps the stream from the previous record's
    // start on.
    let (mut seen_byte, mut row, mut inside) = (0usize, 0u32, 0u32);
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {
                let mut w = window.borrow_mut();
                let end = w.base + w.buf.len();
                let mut start = rec
                    .position()
                    .map(|p| p.byte() as usize)
                    .unwrap_or(seen_byte)
                    .clamp(w.base, end);
                // Move to the record's first character, past a terminator and blank lines.
                while start < end && matches!(w.buf[start - w.base], b'\r' | b'\n') {
                    start += 1;
                }
                if start >= seen_byte {
                    let from = seen_byte.max(w.base) - w.base;
                    row = (row + line_breaks(&w.buf[from..start - w.base])).saturating_sub(inside);
                    seen_byte = start;
                }
                // Nothing before this record is needed again.
                let cut = start - w.base;
                w.buf.drain(..cut);
                w.base = start;
                drop(w);
                inside = rec.iter().map(|v| line_breaks(v.as_bytes())).sum();
                for (c, v) in rec.iter().enumerate() {
                    if let Some(n) = swallowed_lines(v, delim) {
                        swallowed.push((row, c as u32, n));
                    }
                    if !b.push(row, c as u32, Raw::Text(v.into()), limits) {
                        return b.finish(rel, limits);
                    }
                }
                if b.grid.rows.len() >= super::BATCH_ROWS {
                    batch(std::mem::take(&mut b.grid.rows), b.grid.width);
                }
            }
            Ok(false) => break,
            // A malformed line (stray quote): keep going from the next record.
            Err(e) if e.is_io_error() => {
                return Err(super::io_finding(
                    rel,
                    &std::io::Error::other(e.to_string()),
                ))
            }
            Err(_) => {}
        }
    }
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
