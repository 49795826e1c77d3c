//! OpenDocument spreadsheets: their merged regions, which the reader does not give
//! (`merges`), and pretty-printed packages (Gnumeric writes its `.ods` indented): the
//! reader refuses the whitespace between a row's cells, so a copy of the package is made
//! in memory whose `content.xml` has the whitespace-only text between elements removed —
//! outside paragraphs (`text:p`, `text:h`), where text is the cell's and is kept as it is.
//! Every other part is copied compressed, as it is.

use std::collections::HashMap;
use std::io::{Cursor, Read, Seek, Write};

use quick_xml::events::Event;

/// `content.xml` without the indentation between elements.
pub fn compact<R: std::io::BufRead, W: Write>(src: R, dst: W) -> Result<(), quick_xml::Error> {
    let mut r = quick_xml::Reader::from_reader(src);
    let mut w = quick_xml::Writer::new(dst);
    let mut buf = Vec::new();
    // Depth inside paragraphs, where text is content.
    let mut para = 0usize;
    loop {
        let ev = r.read_event_into(&mut buf)?;
        match ev {
            Event::Eof => break,
            Event::Start(e) => {
                if matches!(e.local_name().as_ref(), b"p" | b"h") || para > 0 {
                    para += 1;
                }
                w.write_event(Event::Start(e))?;
            }
            Event::End(e) => {
                para = para.saturating_sub(1);
                w.write_event(Event::End(e))?;
            }
            Event::Text(t) if para == 0 && t.iter().all(u8::is_ascii_whitespace) => {}
            e => w.write_event(e)?,
        }
        buf.clear();
    }
    Ok(())
}

/// The most merged regions kept per sheet (a flood of merges is no table's).
const MAX_MERGES: usize = 100_000;

/// Each sheet's merged regions, from a `content.xml` streamed past (constant memory):
/// a cell's `table:number-rows-spanned` and `table:number-columns-spanned`, at the row and
/// column it stands on once repeated rows and columns (`number-rows-repeated`,
/// `number-columns-repeated`) and covered cells are counted.
pub fn merges<R: std::io::BufRead>(src: R) -> HashMap<String, Vec<super::Merge>> {
    let mut out: HashMap<String, Vec<super::Merge>> = HashMap::new();
    let mut r = quick_xml::Reader::from_reader(src);
    let mut buf = Vec::new();
    let (mut sheet, mut row, mut col, mut repeat) = (String::new(), 0u64, 0u64, 1u64);
    let num = |e: &quick_xml::events::BytesStart, key: &[u8]| -> Option<u64> {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == key)
            .and_then(|a| std::str::from_utf8(&a.value).ok()?.trim().parse().ok())
    };
    loop {
        let (e, empty) = match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => (e.into_owned(), false),
            Ok(Event::Empty(e)) => (e.into_owned(), true),
            Ok(Event::End(e)) => {
                if e.local_name().as_ref() == b"table-row" {
                    row = row.saturating_add(repeat);
                }
                buf.clear();
                continue;
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {
                buf.clear();
                continue;
            }
        };
        buf.clear();
        match e.local_name().as_ref() {
            b"table" => {
                sheet = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"name")
                    .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                    .unwrap_or_default();
                row = 0;
            }
            b"table-row" => {
                repeat = num(&e, b"number-rows-repeated").unwrap_or(1).max(1);
                col = 0;
                if empty {
                    row = row.saturating_add(repeat);
                }
            }
            b"table-cell" | b"covered-table-cell" => {
                let rows = num(&e, b"number-rows-spanned").unwrap_or(1);
                let cols = num(&e, b"number-columns-spanned").unwrap_or(1);
                let list = out.entry(sheet.clone()).or_default();
                if (rows > 1 || cols > 1) && list.len() < MAX_MERGES && row < u32::MAX as u64 {
                    let at = |x: u64| x.min(u32::MAX as u64) as u32;
                    list.push(super::Merge {
                        r0: at(row),
                        c0: at(col),
                        r1: at(row + rows - 1),
                        c1: at(col + cols - 1),
                    });
                }
                col = col.saturating_add(num(&e, b"number-columns-repeated").unwrap_or(1).max(1));
            }
            _ => {}
        }
    }
    out.retain(|_, v| !v.is_empty());
    out
}

/// The package at `src`, copied into memory with its `content.xml` compacted.
pub fn compacted<R: Read + Seek>(src: R) -> zip::result::ZipResult<Cursor<Vec<u8>>> {
    let mut zip = zip::ZipArchive::new(src)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let name = zip.by_index_raw(i)?.name()?.to_string();
        if name == "content.xml" {
            let mut e = super::inflate::open(&mut zip, i)?;
            out.start_file(
                name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .compression_level(Some(1)),
            )?;
            compact(
                std::io::BufReader::new(super::inflate::inflated(&mut e)),
                &mut out,
            )
            .map_err(|e| zip::result::ZipError::Io(std::io::Error::other(e.to_string())))?;
        } else {
            out.raw_copy_file(zip.by_index_raw(i)?)?;
        }
    }
    let mut c = out.finish()?;
    c.set_position(0);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_are_found_past_repeated_rows_and_columns() {
        let xml = r#"<office:document-content xmlns:office="o" xmlns:table="t"><office:body><office:spreadsheet>
<table:table table:name="房屋信息">
<table:table-row><table:table-cell/><table:table-cell/></table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="3"/></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:table-cell table:number-rows-spanned="3"><text:p>平安村</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="2"/><table:covered-table-cell/></table:table-row>
</table:table>
<table:table table:name="二"><table:table-row><table:table-cell table:number-columns-spanned="4"/></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>"#;
        let m = merges(xml.as_bytes());
        assert_eq!(
            m["房屋信息"],
            vec![super::super::Merge {
                r0: 3,
                c0: 2,
                r1: 5,
                c1: 2
            }]
        );
        assert_eq!(
            m["二"],
            vec![super::super::Merge {
                r0: 0,
                c0: 0,
                r1: 0,
                c1: 3
            }]
        );
    }

    #[test]
    fn indentation_goes_and_cell_text_stays() {
        let xml = "<t:table>\n  <t:table-row>\n    <t:table-cell><text:p>  两个空格 </text:p></t:table-cell>\n  </t:table-row>\n</t:table>";
        let mut out = Vec::new();
        compact(xml.as_bytes(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<t:table><t:table-row><t:table-cell><text:p>  两个空格 </text:p></t:table-cell></t:table-row></t:table>"
        );
    }
}
