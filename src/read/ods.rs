//! Pretty-printed OpenDocument spreadsheets (Gnumeric writes its `.ods` indented): the
//! reader refuses the whitespace between a row's cells, so a copy of the package is made
//! in memory whose `content.xml` has the whitespace-only text between elements removed —
//! outside paragraphs (`text:p`, `text:h`), where text is the cell's and is kept as it is.
//! Every other part is copied compressed, as it is.

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

/// The package at `src`, copied into memory with its `content.xml` compacted.
pub fn compacted<R: Read + Seek>(src: R) -> zip::result::ZipResult<Cursor<Vec<u8>>> {
    let mut zip = zip::ZipArchive::new(src)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let name = zip.by_index_raw(i)?.name().to_string();
        if name == "content.xml" {
            let e = zip.by_index(i)?;
            out.start_file(
                name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .compression_level(Some(1)),
            )?;
            compact(std::io::BufReader::new(e), &mut out)
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
