//! Annotated copies of xlsx inputs made by patching the village's own package, so that the
//! copy looks like the village's file plus the marks: every part is copied as it is
//! (compressed bytes untouched) except those the marks need — `styles.xml` gains a red and
//! a yellow fill and, for each style a marked cell had, the same style with that fill; the
//! marked sheets have those styles on the marked cells (a cell written nowhere is added
//! empty); each marked sheet gets a comments part and its VML drawing (notes that Excel,
//! WPS and LibreOffice show); a 问题清单 sheet is added in front (the village's own sheet
//! stays the one shown). Widths, number formats
//! (text stays text), fonts, borders and merges stay the village's. A package this cannot
//! patch safely (a sheet that has notes already, a part missing) is an error, and the
//! caller writes the copy afresh instead.

mod notes;
mod sheet;
mod styles;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Read, Seek, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use quick_xml::events::{BytesEnd, BytesStart, Event};

use notes::{comments_xml, esc, list_sheet, vml_xml};
use sheet::patch_sheet;
use styles::{read_styles, write_styles, NewStyles};

/// How a marked cell is painted: an error to fix (red), a warning (yellow), or a row
/// held back only because of another row (grey: nothing to fix here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// An error to fix (red).
    Error,
    /// A warning to look at (yellow).
    Warning,
    /// Held back because of another row (grey): nothing to fix here.
    Held,
}

/// One marked cell: how it is painted, and the note's text.
#[derive(Debug, Clone)]
pub struct Mark {
    /// How the cell is painted.
    pub severity: Paint,
    /// The note's text: the findings' messages and fixes.
    pub note: String,
}

/// What the copy adds: marks per sheet name, by (row, col) 0-based; the 问题清单 rows
/// (header first; the widths of its columns).
pub struct Patch<'a> {
    /// Marked cells per sheet name, by (row, col) 0-based.
    pub marks: HashMap<&'a str, BTreeMap<(u32, u32), Mark>>,
    /// The name of the sheet listing the findings (问题清单).
    pub list_name: String,
    /// That sheet's rows, header first.
    pub list: Vec<Vec<String>>,
    /// The widths of its columns.
    pub list_widths: Vec<f64>,
}

pub(super) const NS_REL: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
pub(super) const REL_COMMENTS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments";
pub(super) const REL_VML: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing";
pub(super) const REL_SHEET: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
pub(super) const CT_COMMENTS: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
pub(super) const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";
pub(super) const CT_SHEET: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
pub(super) fn part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<Vec<u8>> {
    let mut e = zip
        .by_name(name)
        .with_context(|| format!("no part {name}"))?;
    let mut v = Vec::with_capacity(e.size() as usize);
    e.read_to_end(&mut v)?;
    Ok(v)
}

pub(super) fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.as_ref() == name)
            .then(|| a.unescape_value().ok().map(|v| v.into_owned()))
            .flatten()
    })
}

/// The element with attribute `key` set to `val` (added, or replacing the old value).
pub(super) fn with_attr(e: &BytesStart<'_>, key: &str, val: &str) -> BytesStart<'static> {
    let mut out = BytesStart::new(String::from_utf8_lossy(e.name().as_ref()).into_owned());
    for a in e.attributes().flatten() {
        if a.key.as_ref() != key.as_bytes() {
            out.push_attribute(a);
        }
    }
    out.push_attribute((key, val));
    out.into_owned()
}

/// A part's relationships file name ("xl/worksheets/sheet1.xml" →
/// "xl/worksheets/_rels/sheet1.xml.rels").
pub(super) fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// Add relationships to a relationships part (or make one).
pub(super) fn add_rels(xml: Option<&[u8]>, add: &[(&str, &str, &str)]) -> Result<Vec<u8>> {
    let mut more = String::new();
    for (id, typ, target) in add {
        more += &format!(r#"<Relationship Id="{id}" Type="{typ}" Target="{target}"/>"#);
    }
    match xml {
        None => Ok(format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{more}</Relationships>"#).into_bytes()),
        Some(x) => insert_before_end(x, b"Relationships", &more),
    }
}

/// `text` inserted just before the closing tag of the root element `root`.
pub(super) fn insert_before_end(xml: &[u8], root: &[u8], text: &str) -> Result<Vec<u8>> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut w = quick_xml::Writer::new(Vec::with_capacity(xml.len() + text.len()));
    let mut buf = Vec::new();
    let mut done = false;
    loop {
        match r.read_event_into(&mut buf)? {
            Event::Eof => break,
            Event::End(e) if e.local_name().as_ref() == root && !done => {
                w.get_mut().write_all(text.as_bytes())?;
                done = true;
                w.write_event(Event::End(e))?;
            }
            Event::Empty(e) if e.local_name().as_ref() == root && !done => {
                w.write_event(Event::Start(e.to_owned()))?;
                w.get_mut().write_all(text.as_bytes())?;
                done = true;
                w.write_event(Event::End(BytesEnd::new(
                    String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                )))?;
            }
            e => w.write_event(e)?,
        }
        buf.clear();
    }
    if !done {
        bail!("no <{}> element", String::from_utf8_lossy(root));
    }
    Ok(w.into_inner())
}

/// Does the root element declare the `r:` prefix as the relationships namespace (some
/// writers declare it on each element that uses it instead)?
pub(super) fn root_declares_r(xml: &[u8]) -> Result<bool> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf)? {
            Event::Start(e) | Event::Empty(e) => {
                return Ok(attr(&e, b"xmlns:r").as_deref() == Some(NS_REL));
            }
            Event::Eof => return Ok(false),
            _ => {}
        }
        buf.clear();
    }
}

/// workbook.xml with the 问题清单 as its first sheet: the indexes that name sheets by
/// position (a defined name's `localSheetId`, the active tab) move up by one, so that print
/// areas and filters stay on their sheets and the village's own sheet stays the one shown.
pub(super) fn book_with_list(xml: &[u8], sheet_el: &str) -> Result<Vec<u8>> {
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut w = quick_xml::Writer::new(Vec::with_capacity(xml.len() + sheet_el.len()));
    let mut buf = Vec::new();
    let bump = |e: &BytesStart<'_>, key: &str| -> Option<BytesStart<'static>> {
        let v: u32 = attr(e, key.as_bytes())?.trim().parse().ok()?;
        Some(with_attr(e, key, &(v + 1).to_string()))
    };
    let view = |e: &BytesStart<'_>| {
        let e2 = bump(e, "activeTab").unwrap_or_else(|| with_attr(e, "activeTab", "1"));
        with_attr(&e2, "firstSheet", "0")
    };
    let mut done = false;
    loop {
        let ev = r.read_event_into(&mut buf)?;
        match ev {
            Event::Eof => break,
            Event::Start(e) if e.local_name().as_ref() == b"sheets" => {
                w.write_event(Event::Start(e))?;
                w.get_mut().write_all(sheet_el.as_bytes())?;
                done = true;
            }
            Event::Start(e) if e.local_name().as_ref() == b"definedName" => {
                let e2 = bump(&e, "localSheetId").unwrap_or_else(|| e.to_owned());
                w.write_event(Event::Start(e2))?;
            }
            Event::Start(e) if e.local_name().as_ref() == b"workbookView" => {
                w.write_event(Event::Start(view(&e)))?;
            }
            Event::Empty(e) if e.local_name().as_ref() == b"workbookView" => {
                w.write_event(Event::Empty(view(&e)))?;
            }
            e => w.write_event(e)?,
        }
        buf.clear();
    }
    if !done {
        bail!("workbook.xml has no <sheets>");
    }
    Ok(w.into_inner())
}

/// The parts a package must have to be patched.
const REQUIRED_PARTS: [&str; 4] = [
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "[Content_Types].xml",
    "xl/styles.xml",
];

/// The part of the added 问题清单 sheet.
const LIST_PART: &str = "xl/worksheets/selfbuilt_list.xml";

/// The comments part of the `number`th marked sheet (from 1).
fn comments_part(number: usize) -> String {
    format!("xl/selfbuilt_comments{number}.xml")
}

/// Write the patched copy of the xlsx at `src` to `dst`.
pub fn annotate(src: &Path, dst: &Path, patch: &Patch<'_>) -> Result<()> {
    let file =
        std::fs::File::open(src).with_context(|| format!("cannot open {}", src.display()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(String::from))
        .collect::<Result<_, _>>()?;
    for must in REQUIRED_PARTS {
        if !names.iter().any(|n| n == must) {
            bail!("no part {must}");
        }
    }
    let book = part(&mut zip, "xl/workbook.xml")?;
    let book_rels = part(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let types = part(&mut zip, "[Content_Types].xml")?;
    let styles = read_styles(part(&mut zip, "xl/styles.xml")?)?;
    let sheets = marked_sheets(patch, &book, &book_rels)?;
    let mut sheet_rels = rels_without_notes(&mut zip, &names, &sheets)?;
    let mut new = NewStyles::after(&styles);
    let out =
        std::fs::File::create(dst).with_context(|| format!("cannot create {}", dst.display()))?;
    let mut package = NewPackage {
        zip: zip::ZipWriter::new(std::io::BufWriter::new(out)),
        opts: zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(3)),
    };
    let mut replaced: HashMap<String, Vec<u8>> = HashMap::new();
    let mut types_more = String::new();
    if !String::from_utf8_lossy(&types).contains("Extension=\"vml\"") {
        types_more += &format!(r#"<Default Extension="vml" ContentType="{CT_VML}"/>"#);
    }
    // The marked sheets, patched straight into the new package.
    for (k, (name, p)) in sheets.iter().enumerate() {
        let n = k + 1;
        write_marked_sheet(&mut zip, &mut package, n, p, &patch.marks[name], &mut new)?;
        let rels = notes_rels(sheet_rels.remove(p.as_str()).as_deref(), p, n)?;
        replaced.insert(rels_of(p), rels);
        types_more += &format!(
            r#"<Override PartName="/{}" ContentType="{CT_COMMENTS}"/>"#,
            comments_part(n)
        );
    }
    // The 问题清单 sheet, first in the workbook.
    new.bold = new.base + new.order.len();
    new.wrap = new.bold + 1;
    let list = list_sheet(&patch.list, &patch.list_widths, new.bold, new.wrap);
    package.add(LIST_PART, list.as_bytes())?;
    types_more += &format!(r#"<Override PartName="/{LIST_PART}" ContentType="{CT_SHEET}"/>"#);
    let sheet_el = list_sheet_element(&book, &patch.list_name)?;
    replaced.insert("xl/workbook.xml".into(), book_with_list(&book, &sheet_el)?);
    replaced.insert(
        "xl/_rels/workbook.xml.rels".into(),
        add_rels(
            Some(&book_rels),
            &[(
                "rIdSelfbuiltList",
                REL_SHEET,
                "worksheets/selfbuilt_list.xml",
            )],
        )?,
    );
    replaced.insert(
        "[Content_Types].xml".into(),
        insert_before_end(&types, b"Types", &types_more)?,
    );
    replaced.insert("xl/styles.xml".into(), write_styles(&styles, &new)?);
    let written = parts_written(&replaced, &sheets);
    copy_other_parts(&mut zip, &mut package, &sheets, replaced)?;
    package.zip.finish()?.flush()?;
    verify(dst, &written)
}

/// The package being written: its new parts deflated at level 3.
struct NewPackage<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    opts: zip::write::SimpleFileOptions,
}

impl<W: Write + Seek> NewPackage<W> {
    /// Add a part with these bytes.
    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.zip.start_file(name, self.opts)?;
        self.zip.write_all(bytes)?;
        Ok(())
    }
}

/// The marked sheets (name, part) of the package, in a stable order (by part).
fn marked_sheets<'a>(
    patch: &Patch<'a>,
    book: &[u8],
    book_rels: &[u8],
) -> Result<Vec<(&'a str, String)>> {
    let paths = crate::read::merges::sheet_paths(book, book_rels);
    let mut sheets: Vec<(&str, String)> = patch
        .marks
        .iter()
        .filter(|(_, m)| !m.is_empty())
        .map(|(name, _)| {
            paths
                .get(*name)
                .map(|p| (*name, p.clone()))
                .with_context(|| format!("no part for sheet {name}"))
        })
        .collect::<Result<_>>()?;
    sheets.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(sheets)
}

/// Each marked sheet's relationships, read once (to be extended): a sheet whose part is
/// missing, or that has notes already, cannot be patched.
fn rels_without_notes<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    names: &[String],
    sheets: &[(&str, String)],
) -> Result<HashMap<String, Vec<u8>>> {
    let mut sheet_rels: HashMap<String, Vec<u8>> = HashMap::new();
    for (_, p) in sheets {
        if !names.contains(p) {
            bail!("no part {p}");
        }
        if let Ok(rels) = part(zip, &rels_of(p)) {
            let text = String::from_utf8_lossy(&rels);
            if text.contains("/comments\"") || text.contains("/vmlDrawing\"") {
                bail!("the sheet {p} has notes already");
            }
            sheet_rels.insert(p.clone(), rels);
        }
    }
    Ok(sheet_rels)
}

/// The `number`th marked sheet (from 1) into the new package: its part patched as it
/// streams through, then its comments part and VML drawing.
fn write_marked_sheet<R: Read + Seek, W: Write + Seek>(
    zip: &mut zip::ZipArchive<R>,
    package: &mut NewPackage<W>,
    number: usize,
    sheet_part: &str,
    marks: &BTreeMap<(u32, u32), Mark>,
    styles: &mut NewStyles,
) -> Result<()> {
    package.zip.start_file(sheet_part, package.opts)?;
    {
        let e = zip.by_name(sheet_part)?;
        patch_sheet(e, &mut package.zip, marks, styles, "rIdSelfbuiltVml")?;
    }
    package.add(&comments_part(number), comments_xml(marks).as_bytes())?;
    package.add(
        &format!("xl/drawings/selfbuilt_vml{number}.vml"),
        vml_xml(marks, number).as_bytes(),
    )?;
    Ok(())
}

/// A marked sheet's relationships (its old ones, if it had any) with its comments part
/// and VML drawing added, their targets relative to the sheet's folder.
fn notes_rels(old: Option<&[u8]>, sheet_part: &str, number: usize) -> Result<Vec<u8>> {
    let depth = sheet_part.matches('/').count();
    let up = "../".repeat(depth.saturating_sub(1));
    add_rels(
        old,
        &[
            (
                "rIdSelfbuiltNotes",
                REL_COMMENTS,
                &format!("{up}selfbuilt_comments{number}.xml"),
            ),
            (
                "rIdSelfbuiltVml",
                REL_VML,
                &format!("{up}drawings/selfbuilt_vml{number}.vml"),
            ),
        ],
    )
}

/// The highest `sheetId` of workbook.xml's sheets (0 when none has one).
fn max_sheet_id(book: &[u8]) -> Result<u32> {
    let mut r = quick_xml::Reader::from_reader(book);
    let mut buf = Vec::new();
    let mut m = 0u32;
    loop {
        match r.read_event_into(&mut buf)? {
            Event::Eof => break,
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"sheet" => {
                m = m.max(
                    attr(&e, b"sheetId")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0),
                );
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(m)
}

/// workbook.xml's `<sheet>` element of the 问题清单: the next sheet id, the `r:`
/// namespace declared on it when the root does not declare it.
fn list_sheet_element(book: &[u8], list_name: &str) -> Result<String> {
    let max_id = max_sheet_id(book)?;
    let ns = if root_declares_r(book)? {
        String::new()
    } else {
        format!(r#"xmlns:r="{NS_REL}" "#)
    };
    Ok(format!(
        r#"<sheet {ns}name="{}" sheetId="{}" r:id="rIdSelfbuiltList"/>"#,
        esc(list_name),
        max_id + 1
    ))
}

/// Every part the copy writes or changes, to read back at the end.
fn parts_written(replaced: &HashMap<String, Vec<u8>>, sheets: &[(&str, String)]) -> Vec<String> {
    let mut written: Vec<String> = replaced.keys().cloned().collect();
    written.push(LIST_PART.to_string());
    for (k, (_, p)) in sheets.iter().enumerate() {
        written.push(p.clone());
        written.push(comments_part(k + 1));
    }
    written
}

/// Every other part as it was (its compressed bytes untouched); the replaced ones with
/// their new text; replaced parts the package lacked (new sheet relationships) added.
fn copy_other_parts<R: Read + Seek, W: Write + Seek>(
    zip: &mut zip::ZipArchive<R>,
    package: &mut NewPackage<W>,
    sheets: &[(&str, String)],
    mut replaced: HashMap<String, Vec<u8>>,
) -> Result<()> {
    let patched: Vec<&str> = sheets.iter().map(|(_, p)| p.as_str()).collect();
    for i in 0..zip.len() {
        let e = zip.by_index_raw(i)?;
        let name = e.name()?.to_string();
        if patched.contains(&name.as_str()) {
            continue;
        }
        match replaced.remove(&name) {
            Some(bytes) => {
                drop(e);
                package.add(&name, &bytes)?;
            }
            None => package.zip.raw_copy_file(e)?,
        }
    }
    // In name order, so that the same input gives the same copy, byte for byte.
    let mut added: Vec<(String, Vec<u8>)> = replaced.into_iter().collect();
    added.sort();
    for (name, bytes) in added {
        package.add(&name, &bytes)?;
    }
    Ok(())
}

/// Read back every part this wrote or changed, namespace-aware: a part that is not
/// well-formed, or uses a prefix it does not declare, fails the copy (which is then
/// written afresh), never a village.
fn verify(path: &Path, parts: &[String]) -> Result<()> {
    let mut zip = zip::ZipArchive::new(BufReader::new(std::fs::File::open(path)?))?;
    for name in parts {
        let e = zip
            .by_name(name)
            .with_context(|| format!("{name} missing"))?;
        let mut r = quick_xml::NsReader::from_reader(BufReader::new(e));
        let mut buf = Vec::new();
        loop {
            let (ns, ev) = r
                .read_resolved_event_into(&mut buf)
                .with_context(|| format!("{name} is not well-formed"))?;
            let unknown = |p: &[u8]| -> anyhow::Error {
                anyhow::anyhow!(
                    "{name} uses an undeclared prefix {}",
                    String::from_utf8_lossy(p)
                )
            };
            if let quick_xml::name::ResolveResult::Unknown(p) = ns {
                return Err(unknown(&p));
            }
            match ev {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    for a in e.attributes() {
                        let a = a.with_context(|| format!("{name}: a broken attribute"))?;
                        if let (quick_xml::name::ResolveResult::Unknown(p), _) =
                            r.resolve_attribute(a.key)
                        {
                            return Err(unknown(&p));
                        }
                    }
                }
                _ => {}
            }
            buf.clear();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_with_an_undeclared_prefix_fails_the_copy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.xlsx");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("good.xml", o).unwrap();
        z.write_all(br#"<a xmlns:r="urn:x"><b r:id="1"/></a>"#)
            .unwrap();
        z.start_file("bad.xml", o).unwrap();
        z.write_all(br#"<a><b r:id="1"/></a>"#).unwrap();
        z.finish().unwrap();
        assert!(verify(&path, &["good.xml".into()]).is_ok());
        assert!(verify(&path, &["bad.xml".into()]).is_err());
        // Declared on the root, or only on some other element.
        assert!(root_declares_r(format!(r#"<w xmlns:r="{NS_REL}"><s/></w>"#).as_bytes()).unwrap());
        assert!(!root_declares_r(format!(r#"<w><s xmlns:r="{NS_REL}"/></w>"#).as_bytes()).unwrap());
    }
}
