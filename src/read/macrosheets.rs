//! Workbooks holding Excel 4.0 macro sheets (`xl/macrosheets/…`, old .xlsm and .xlsb files
//! still carry them). calamine refuses the whole workbook over their relationship type, so
//! the package is copied in memory (parts copied compressed, as they are) with those
//! relationships retyped as dialog sheets, which the reader lists and we pass over with a
//! note; the data sheets are read as usual.

use std::io::{Cursor, Read, Seek, Write};

use quick_xml::events::{BytesStart, Event};

/// Does a workbook's relationships part name a macro sheet?
pub fn present(rels_xml: &[u8]) -> bool {
    let lower = rels_xml.to_ascii_lowercase();
    lower.windows(10).any(|w| w == b"macrosheet")
}

/// A `<Relationship>` with a macro sheet's type retyped as a dialog sheet.
fn retyped(e: &BytesStart<'_>) -> BytesStart<'static> {
    let mut out = BytesStart::new(String::from_utf8_lossy(e.name().as_ref()).into_owned());
    for a in e.attributes().flatten() {
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let val = a
            .unescape_value()
            .map(|v| v.into_owned())
            .unwrap_or_default();
        let val = match key.as_str() {
            "Type" if val.to_ascii_lowercase().ends_with("macrosheet") => {
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet"
                    .to_string()
            }
            "Target" => val.replace("macrosheets/", "dialogsheets/"),
            _ => val,
        };
        out.push_attribute((key.as_str(), val.as_str()));
    }
    out
}

/// The relationships part with every macro sheet retyped.
pub fn retype_rels(rels_xml: &[u8]) -> Result<Vec<u8>, quick_xml::Error> {
    let mut r = quick_xml::Reader::from_reader(rels_xml);
    let mut w = quick_xml::Writer::new(Vec::with_capacity(rels_xml.len() + 64));
    let mut buf = Vec::new();
    loop {
        let ev = r.read_event_into(&mut buf)?;
        let is_macro = |e: &BytesStart<'_>| {
            e.local_name().as_ref() == b"Relationship"
                && e.attributes().flatten().any(|a| {
                    a.key.as_ref() == b"Type"
                        && a.value.to_ascii_lowercase().ends_with(b"macrosheet")
                })
        };
        match ev {
            Event::Eof => break,
            Event::Empty(e) if is_macro(&e) => w.write_event(Event::Empty(retyped(&e)))?,
            Event::Start(e) if is_macro(&e) => w.write_event(Event::Start(retyped(&e)))?,
            e => w.write_event(e)?,
        }
        buf.clear();
    }
    Ok(w.into_inner())
}

/// The package at `src` copied into memory, its part `rels_name` replaced by `rels`.
pub fn repack<R: Read + Seek>(
    src: R,
    rels_name: &str,
    rels: &[u8],
) -> zip::result::ZipResult<Cursor<Vec<u8>>> {
    let mut zip = zip::ZipArchive::new(src)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let e = zip.by_index_raw(i)?;
        let name = e.name()?.to_string();
        if name == rels_name {
            drop(e);
            out.start_file(
                name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )?;
            out.write_all(rels)?;
        } else {
            out.raw_copy_file(e)?;
        }
    }
    let mut c = out.finish()?;
    c.set_position(0);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

    #[test]
    fn only_macro_sheets_are_retyped() {
        assert!(present(RELS.as_bytes()));
        let out = String::from_utf8(retype_rels(RELS.as_bytes()).unwrap()).unwrap();
        assert!(!out.contains("xlMacrosheet"), "{out}");
        assert!(out.contains(r#"Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet" Target="dialogsheets/sheet1.xml""#), "{out}");
        assert!(
            out.contains(r#"relationships/worksheet" Target="worksheets/sheet1.xml""#),
            "{out}"
        );
        assert!(!present(out.as_bytes()));
    }
}
