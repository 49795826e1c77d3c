//! Merged regions of xlsx sheets, found in the pass that already inflates every zip entry
//! to check its real size (see `parts`).
//!
//! calamine's `worksheet_merge_cells` parses the whole sheet XML a second time to reach
//! `<mergeCells>`, which sits after all the cell data: on a 1,000,000-row sheet that is a
//! second full parse of 1 GB of XML, a quarter of the reading time. Here the inflated bytes
//! of each worksheet stream past a [`MergeScan`], which only looks for the start tag of
//! `mergeCells` (a `<` cannot occur unescaped in text, so `<mergeCells` or
//! `<x:mergeCells` is always markup) and keeps the bytes from there on. quick-xml then
//! reads that short tail. Sheet names are tied to entry paths through `xl/workbook.xml`
//! and its relationships, also read with quick-xml. Whatever this cannot settle is left to
//! calamine (the caller falls back to `worksheet_merge_cells`).

use std::collections::HashMap;
use std::io::Write;

use quick_xml::events::Event;

use super::Merge;

/// Bytes kept from the `mergeCells` tag on; past this the tail is given up on (and
/// calamine reads the merges instead).
const MAX_TAIL: usize = 32 << 20;
/// Longest namespace prefix looked back over (`<x:mergeCells`).
const MAX_PREFIX: usize = 32;
const TAG: &[u8] = b"mergeCells";

/// A sink for one worksheet's inflated XML that keeps what follows `<mergeCells`.
#[derive(Default)]
pub struct MergeScan {
    /// The end of the previous chunk, so that a tag split between chunks is seen.
    window: Vec<u8>,
    tail: Option<Vec<u8>>,
    overflow: bool,
    /// A cell whose formula has no cached value went past (`bare_formulas`).
    bare: bool,
}

/// How a formula cell without a cached value ends: the formula, then the cell (a shared
/// formula's reference is an empty element).
const BARE: [&[u8]; 4] = [b"</f></c>", b"/></c>", b"</x:f></x:c>", b"/></x:c>"];

/// What the scan of one worksheet found.
#[derive(Debug, PartialEq)]
pub enum Scanned {
    /// The sheet has these merged regions (maybe none).
    Merges(Vec<Merge>),
    /// The scan could not tell; ask calamine.
    Unknown,
}

impl Write for MergeScan {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.overflow {
            return Ok(buf.len());
        }
        if let Some(t) = &mut self.tail {
            if t.len() + buf.len() > MAX_TAIL {
                self.overflow = true;
                self.tail = None;
            } else {
                t.extend_from_slice(buf);
            }
            return Ok(buf.len());
        }
        let carried = self.window.len();
        self.window.extend_from_slice(buf);
        let w = &self.window;
        if !self.bare {
            self.bare = BARE.iter().any(|p| memchr::memmem::find(w, p).is_some());
        }
        for at in memchr::memmem::find_iter(w, TAG) {
            // A match wholly inside the carried bytes was judged with the last chunk.
            if at + TAG.len() <= carried {
                continue;
            }
            if let Some(start) = tag_start(w, at) {
                self.tail = Some(w[start..].to_vec());
                self.window.clear();
                return Ok(buf.len());
            }
        }
        let keep = TAG.len() + MAX_PREFIX + 2;
        if self.window.len() > keep {
            let cut = self.window.len() - keep;
            self.window.drain(..cut);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the start tag holding the match at `at` begins: `<` right before it, or `<p:`
/// with a short namespace prefix.
fn tag_start(w: &[u8], at: usize) -> Option<usize> {
    let before = at.checked_sub(1)?;
    match w[before] {
        b'<' => Some(before),
        b':' => {
            let mut i = before;
            while i > 0 && before - i < MAX_PREFIX {
                i -= 1;
                match w[i] {
                    b'<' if i + 1 < before => return Some(i),
                    c if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.') => {}
                    _ => return None,
                }
            }
            None
        }
        _ => None,
    }
}

impl MergeScan {
    /// Whether a formula cell without a cached value may be in the sheet (a file written by
    /// a program that does not calculate): then its formulas are read to say which cells.
    pub fn bare_formulas(&self) -> bool {
        self.bare
    }

    /// The merged regions seen, once the whole entry went through.
    pub fn finish(self) -> Scanned {
        if self.overflow {
            return Scanned::Unknown;
        }
        match self.tail {
            None => Scanned::Merges(Vec::new()),
            Some(t) => parse_tail(&t).map_or(Scanned::Unknown, Scanned::Merges),
        }
    }
}

/// The `<mergeCell ref="A1:C2"/>` elements of a `<mergeCells>` element and what follows it.
fn parse_tail(xml: &[u8]) -> Option<Vec<Merge>> {
    let mut r = quick_xml::Reader::from_reader(xml);
    r.config_mut().check_end_names = false;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"mergeCell" => {
                let a = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"ref")?;
                let v = std::str::from_utf8(&a.value).ok()?;
                out.push(parse_range(v)?);
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == TAG => return Some(out),
            Ok(Event::Eof) => return Some(out),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

/// "B2:D3" (or a single cell "B2") as a 0-based region.
fn parse_range(s: &str) -> Option<Merge> {
    let (a, b) = s.split_once(':').unwrap_or((s, s));
    let (r0, c0) = parse_cell(a)?;
    let (r1, c1) = parse_cell(b)?;
    Some(Merge {
        r0: r0.min(r1),
        c0: c0.min(c1),
        r1: r0.max(r1),
        c1: c0.max(c1),
    })
}

/// "AB12" (with or without `$`) as 0-based (row, column).
fn parse_cell(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let col = letters.bytes().fold(0u32, |n, b| {
        n * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32
    });
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// Is this zip entry a worksheet part worth scanning?
pub fn is_worksheet_entry(name: &str) -> bool {
    name.starts_with("xl/worksheets/") && name.ends_with(".xml") && !name.contains("/_rels/")
}

/// The attributes (qualified key, unescaped value) of every element named `local` in `xml`.
fn elements(xml: &[u8], local: &[u8]) -> Vec<Vec<(Vec<u8>, String)>> {
    let mut out = Vec::new();
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == local => {
                let attrs = e
                    .attributes()
                    .flatten()
                    .filter_map(|a| {
                        let v = a.decode_and_unescape_value(r.decoder()).ok()?;
                        Some((a.key.as_ref().to_vec(), v.to_string()))
                    })
                    .collect();
                out.push(attrs);
            }
            Ok(Event::Eof) | Err(_) => return out,
            _ => {}
        }
    }
}

/// Sheet name → zip entry path, from `xl/workbook.xml` and `xl/_rels/workbook.xml.rels`.
pub fn sheet_paths(workbook_xml: &[u8], rels_xml: &[u8]) -> HashMap<String, String> {
    let get = |attrs: &[(Vec<u8>, String)], want: &dyn Fn(&[u8]) -> bool| {
        attrs.iter().find(|(k, _)| want(k)).map(|(_, v)| v.clone())
    };
    // The relationship id is `r:id` (any prefix), never a plain `id`.
    let rel_id = |k: &[u8]| k.len() > 3 && k.ends_with(b":id");
    let targets: HashMap<String, String> = elements(rels_xml, b"Relationship")
        .into_iter()
        .filter_map(|a| {
            let id = get(&a, &|k| k == b"Id")?;
            let t = get(&a, &|k| k == b"Target")?;
            let path = match t.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{t}"),
            };
            Some((id, path))
        })
        .collect();
    elements(workbook_xml, b"sheet")
        .into_iter()
        .filter_map(|a| {
            let name = get(&a, &|k| k == b"name")?;
            let path = targets.get(&get(&a, &rel_id)?)?.clone();
            Some((name, path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(chunks: &[&[u8]]) -> Scanned {
        let mut s = MergeScan::default();
        for c in chunks {
            s.write_all(c).unwrap();
        }
        s.finish()
    }

    const SHEET: &str = r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>mergeCells &lt;mergeCells</t></is></c></row></sheetData><mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="$B$2:B3"/></mergeCells><pageMargins/></worksheet>"#;

    #[test]
    fn finds_merges_in_whole_and_split_input() {
        let want = Scanned::Merges(vec![
            Merge {
                r0: 0,
                c0: 0,
                r1: 0,
                c1: 2,
            },
            Merge {
                r0: 1,
                c0: 1,
                r1: 2,
                c1: 1,
            },
        ]);
        assert_eq!(scan(&[SHEET.as_bytes()]), want);
        // Every split point, and one byte at a time.
        let b = SHEET.as_bytes();
        for cut in 0..b.len() {
            assert_eq!(scan(&[&b[..cut], &b[cut..]]), want, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = b.chunks(1).collect();
        assert_eq!(scan(&bytes), want);
    }

    #[test]
    fn prefixed_tags_and_sheets_without_merges() {
        let x = r#"<x:worksheet><x:sheetData/><x:mergeCells><x:mergeCell ref="D4"/></x:mergeCells></x:worksheet>"#;
        assert_eq!(
            scan(&[x.as_bytes()]),
            Scanned::Merges(vec![Merge {
                r0: 3,
                c0: 3,
                r1: 3,
                c1: 3
            }])
        );
        assert_eq!(
            scan(&[b"<worksheet><sheetData/></worksheet>"]),
            Scanned::Merges(vec![])
        );
        let bad = r#"<worksheet><mergeCells><mergeCell ref="??"/></mergeCells></worksheet>"#;
        assert_eq!(scan(&[bad.as_bytes()]), Scanned::Unknown);
    }

    #[test]
    fn cells_and_ranges() {
        assert_eq!(parse_cell("A1"), Some((0, 0)));
        assert_eq!(parse_cell("AB12"), Some((11, 27)));
        assert_eq!(parse_cell("A0"), None);
        assert_eq!(parse_cell("12"), None);
        assert_eq!(
            parse_range("C3:A1"),
            Some(Merge {
                r0: 0,
                c0: 0,
                r1: 2,
                c1: 2
            })
        );
    }

    #[test]
    fn sheet_names_to_paths() {
        let wb = r#"<workbook xmlns:r="x"><sheets><sheet name="房屋&amp;信息" sheetId="1" r:id="rId2"/><sheet name="b" sheetId="2" r:id="rId9"/></sheets></workbook>"#;
        let rels = r#"<Relationships><Relationship Id="rId2" Type="t" Target="worksheets/sheet1.xml"/><Relationship Id="rId9" Type="t" Target="/xl/worksheets/s2.xml"/></Relationships>"#;
        let m = sheet_paths(wb.as_bytes(), rels.as_bytes());
        assert_eq!(m["房屋&信息"], "xl/worksheets/sheet1.xml");
        assert_eq!(m["b"], "xl/worksheets/s2.xml");
        assert!(is_worksheet_entry("xl/worksheets/sheet1.xml"));
        assert!(!is_worksheet_entry("xl/worksheets/_rels/sheet1.xml.rels"));
    }
}
