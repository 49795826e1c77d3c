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

use std::collections::{BTreeMap, HashMap};
use std::io::{BufReader, Read, Seek, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use quick_xml::events::{BytesEnd, BytesStart, Event};

use crate::finding::Severity;
use crate::text::a1;

/// One marked cell: how bad, and the note's text.
#[derive(Debug, Clone)]
pub struct Mark {
    pub severity: Severity,
    pub note: String,
}

/// What the copy adds: marks per sheet name, by (row, col) 0-based; the 问题清单 rows
/// (header first; the widths of its columns).
pub struct Patch<'a> {
    pub marks: HashMap<&'a str, BTreeMap<(u32, u32), Mark>>,
    pub list_name: String,
    pub list: Vec<Vec<String>>,
    pub list_widths: Vec<f64>,
}

const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL_COMMENTS: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments";
const REL_VML: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/vmlDrawing";
const REL_SHEET: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet";
const CT_COMMENTS: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml";
const CT_VML: &str = "application/vnd.openxmlformats-officedocument.vmlDrawing";
const CT_SHEET: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
const ERROR_FILL: &str = "FFFFC7CE";
const WARNING_FILL: &str = "FFFFEB9C";

fn part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Result<Vec<u8>> {
    let mut e = zip
        .by_name(name)
        .with_context(|| format!("no part {name}"))?;
    let mut v = Vec::with_capacity(e.size() as usize);
    e.read_to_end(&mut v)?;
    Ok(v)
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.as_ref() == name)
            .then(|| a.unescape_value().ok().map(|v| v.into_owned()))
            .flatten()
    })
}

/// The element with attribute `key` set to `val` (added, or replacing the old value).
fn with_attr(e: &BytesStart<'_>, key: &str, val: &str) -> BytesStart<'static> {
    let mut out = BytesStart::new(String::from_utf8_lossy(e.name().as_ref()).into_owned());
    for a in e.attributes().flatten() {
        if a.key.as_ref() != key.as_bytes() {
            out.push_attribute(a);
        }
    }
    out.push_attribute((key, val));
    out.into_owned()
}

/// "B5" → (4, 1).
fn parse_ref(r: &str) -> Option<(u32, u32)> {
    let letters: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = &r[letters.len()..];
    if letters.is_empty() || digits.is_empty() {
        return None;
    }
    let mut col: u32 = 0;
    for ch in letters.chars() {
        col = col
            .checked_mul(26)?
            .checked_add(ch.to_ascii_uppercase() as u32 - 'A' as u32 + 1)?;
    }
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col.checked_sub(1)?))
}

/// The styles part: the counts of its fonts, fills and cell formats, and each cell format
/// as events (to clone with a fill).
struct Styles {
    xml: Vec<u8>,
    xfs: Vec<Vec<Event<'static>>>,
    fills: usize,
    fonts: usize,
}

fn read_styles(xml: Vec<u8>) -> Result<Styles> {
    let mut r = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let (mut in_xfs, mut in_fills, mut in_fonts) = (false, false, false);
    let (mut fills, mut fonts) = (0, 0);
    let mut xfs: Vec<Vec<Event<'static>>> = Vec::new();
    let mut open: Option<Vec<Event<'static>>> = None;
    let mut depth = 0usize;
    loop {
        let ev = r.read_event_into(&mut buf)?.into_owned();
        match &ev {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                match e.local_name().as_ref() {
                    b"cellXfs" => in_xfs = true,
                    b"fills" => in_fills = true,
                    b"fonts" => in_fonts = true,
                    b"fill" if in_fills && depth == 3 => fills += 1,
                    b"font" if in_fonts && depth == 3 => fonts += 1,
                    b"xf" if in_xfs && open.is_none() => open = Some(Vec::new()),
                    _ => {}
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                b"fill" if in_fills => fills += 1,
                b"font" if in_fonts => fonts += 1,
                b"xf" if in_xfs && open.is_none() => xfs.push(vec![ev.clone()]),
                _ => {}
            },
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match e.local_name().as_ref() {
                    b"cellXfs" => in_xfs = false,
                    b"fills" => in_fills = false,
                    b"fonts" => in_fonts = false,
                    _ => {}
                }
            }
            _ => {}
        }
        if let Some(o) = open.as_mut() {
            o.push(ev.clone());
            if matches!(&ev, Event::End(e) if e.local_name().as_ref() == b"xf") {
                xfs.push(open.take().unwrap_or_default());
            }
        }
        buf.clear();
    }
    if xfs.is_empty() {
        bail!("styles.xml has no cell formats");
    }
    Ok(Styles {
        xml,
        xfs,
        fills,
        fonts,
    })
}

/// New cell formats handed out while the sheets are patched.
struct NewStyles {
    base: usize,
    /// (old style, severity) → new index; and (old style, fill id) in order of index.
    map: HashMap<(usize, bool), usize>,
    order: Vec<(usize, usize)>,
    fill_error: usize,
    fill_warning: usize,
    /// The 问题清单's header (bold) and wrapped styles.
    bold: usize,
    wrap: usize,
}

impl NewStyles {
    fn marked(&mut self, old: usize, sev: Severity) -> usize {
        let err = sev == Severity::Error;
        let fill = if err {
            self.fill_error
        } else {
            self.fill_warning
        };
        let next = self.base + self.order.len();
        *self.map.entry((old, err)).or_insert_with(|| {
            self.order.push((old, fill));
            next
        })
    }
}

/// styles.xml with the fills, the bold font and the cell formats appended.
fn write_styles(st: &Styles, new: &NewStyles) -> Result<Vec<u8>> {
    let mut r = quick_xml::Reader::from_reader(st.xml.as_slice());
    let mut w = quick_xml::Writer::new(Vec::with_capacity(st.xml.len() + 4096));
    let mut buf = Vec::new();
    let fill = |rgb: &str| -> String {
        format!(
            r#"<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/><bgColor indexed="64"/></patternFill></fill>"#
        )
    };
    loop {
        let ev = r.read_event_into(&mut buf)?;
        match ev {
            Event::Eof => break,
            Event::Start(e) if e.local_name().as_ref() == b"fills" => {
                w.write_event(Event::Start(with_attr(
                    &e,
                    "count",
                    &(st.fills + 2).to_string(),
                )))?;
            }
            Event::Start(e) if e.local_name().as_ref() == b"fonts" => {
                w.write_event(Event::Start(with_attr(
                    &e,
                    "count",
                    &(st.fonts + 1).to_string(),
                )))?;
            }
            Event::Start(e) if e.local_name().as_ref() == b"cellXfs" => {
                let n = new.base + new.order.len() + 2;
                w.write_event(Event::Start(with_attr(&e, "count", &n.to_string())))?;
            }
            Event::End(e) if e.local_name().as_ref() == b"fills" => {
                w.get_mut().write_all(fill(ERROR_FILL).as_bytes())?;
                w.get_mut().write_all(fill(WARNING_FILL).as_bytes())?;
                w.write_event(Event::End(e))?;
            }
            Event::End(e) if e.local_name().as_ref() == b"fonts" => {
                w.get_mut()
                    .write_all(br#"<font><b/><sz val="11"/></font>"#)?;
                w.write_event(Event::End(e))?;
            }
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => {
                for &(old, fill) in &new.order {
                    let src = st.xfs.get(old).unwrap_or(&st.xfs[0]);
                    for (k, ev) in src.iter().enumerate() {
                        let ev = match (k, ev) {
                            (0, Event::Start(x)) => Event::Start(with_attr(
                                &with_attr(x, "fillId", &fill.to_string()),
                                "applyFill",
                                "1",
                            )),
                            (0, Event::Empty(x)) => Event::Empty(with_attr(
                                &with_attr(x, "fillId", &fill.to_string()),
                                "applyFill",
                                "1",
                            )),
                            (_, e) => e.clone(),
                        };
                        w.write_event(ev)?;
                    }
                }
                let font = st.fonts;
                w.get_mut().write_all(format!(r#"<xf numFmtId="0" fontId="{font}" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>"#).as_bytes())?;
                w.write_event(Event::End(e))?;
            }
            e => w.write_event(e)?,
        }
        buf.clear();
    }
    Ok(w.into_inner())
}

/// Patch one worksheet part: marked cells get their new style; those the part does not
/// hold are added; a `<legacyDrawing>` for the notes goes in its place.
fn patch_sheet<R: Read, W: Write>(
    src: R,
    dst: W,
    marks: &BTreeMap<(u32, u32), Mark>,
    styles: &mut NewStyles,
    vml_rel: &str,
) -> Result<()> {
    let mut r = quick_xml::Reader::from_reader(BufReader::new(src));
    let mut w = quick_xml::Writer::new(dst);
    let mut buf = Vec::new();
    // Marked cells still to place, by row; the row being written, its next implicit column.
    let mut todo: BTreeMap<u32, Vec<(u32, Severity)>> = BTreeMap::new();
    for (&(row, col), m) in marks {
        todo.entry(row).or_default().push((col, m.severity));
    }
    let mut in_data = false;
    let mut row: Option<u32> = None;
    let mut next_row = 0u32;
    let mut next_col = 0u32;
    let mut row_style = 0usize;
    let mut drawing_done = false;
    let mut declared = false;
    let mut depth = 0usize;
    let cell = empty_cell;
    // Emit whole rows of marks before row `before` (exclusive).
    let flush_rows = |w: &mut quick_xml::Writer<W>,
                      todo: &mut BTreeMap<u32, Vec<(u32, Severity)>>,
                      styles: &mut NewStyles,
                      before: Option<u32>|
     -> Result<()> {
        let rows: Vec<u32> = todo
            .range(..before.unwrap_or(u32::MAX))
            .map(|(k, _)| *k)
            .collect();
        for rr in rows {
            let cells = todo.remove(&rr).unwrap_or_default();
            let mut e = BytesStart::new("row");
            e.push_attribute(("r", (rr + 1).to_string().as_str()));
            w.write_event(Event::Start(e))?;
            for (c, sev) in cells {
                let s = styles.marked(0, sev);
                cell(w, rr, c, s)?;
            }
            w.write_event(Event::End(BytesEnd::new("row")))?;
        }
        Ok(())
    };
    loop {
        let ev = r.read_event_into(&mut buf)?;
        match ev {
            Event::Eof => break,
            Event::Start(e) => {
                depth += 1;
                if depth == 1 {
                    declared = attr(&e, b"xmlns:r").as_deref() == Some(NS_REL);
                }
                match e.local_name().as_ref() {
                    b"sheetData" if depth == 2 => {
                        in_data = true;
                        w.write_event(Event::Start(e))?;
                    }
                    b"row" if in_data => {
                        let n = attr(&e, b"r")
                            .and_then(|v| v.trim().parse::<u32>().ok())
                            .and_then(|v| v.checked_sub(1))
                            .unwrap_or(next_row);
                        flush_rows(&mut w, &mut todo, styles, Some(n))?;
                        row = Some(n);
                        next_row = n + 1;
                        next_col = 0;
                        row_style = match attr(&e, b"customFormat").as_deref() {
                            Some("1") | Some("true") => {
                                attr(&e, b"s").and_then(|v| v.parse().ok()).unwrap_or(0)
                            }
                            _ => 0,
                        };
                        w.write_event(Event::Start(e))?;
                    }
                    b"c" if in_data && row.is_some() => {
                        let e = mark_cell(
                            &e,
                            &mut w,
                            row,
                            &mut next_col,
                            &mut todo,
                            styles,
                            row_style,
                        )?;
                        w.write_event(Event::Start(e))?;
                    }
                    n if depth == 2 && !drawing_done && late(n) => {
                        legacy(&mut w, vml_rel, declared)?;
                        drawing_done = true;
                        w.write_event(Event::Start(e))?;
                    }
                    _ => w.write_event(Event::Start(e))?,
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                b"sheetData" if depth == 1 => {
                    w.write_event(Event::Start(BytesStart::new("sheetData")))?;
                    flush_rows(&mut w, &mut todo, styles, None)?;
                    w.write_event(Event::End(BytesEnd::new("sheetData")))?;
                }
                b"row" if in_data => {
                    let n = attr(&e, b"r")
                        .and_then(|v| v.trim().parse::<u32>().ok())
                        .and_then(|v| v.checked_sub(1))
                        .unwrap_or(next_row);
                    flush_rows(&mut w, &mut todo, styles, Some(n))?;
                    next_row = n + 1;
                    match todo.remove(&n) {
                        Some(cells) => {
                            w.write_event(Event::Start(e.to_owned()))?;
                            for (c, sev) in cells {
                                let s = styles.marked(0, sev);
                                cell(&mut w, n, c, s)?;
                            }
                            w.write_event(Event::End(BytesEnd::new("row")))?;
                        }
                        None => w.write_event(Event::Empty(e))?,
                    }
                }
                b"c" if in_data && row.is_some() => {
                    let before = attr(&e, b"s");
                    let e2 =
                        mark_cell(&e, &mut w, row, &mut next_col, &mut todo, styles, row_style)?;
                    match attr(&e2, b"s") {
                        // A marked cell without a value: the empty text keeps it looking empty.
                        Some(s) if Some(&s) != before.as_ref() && attr(&e2, b"t").is_none() => {
                            let col = attr(&e2, b"r").and_then(|v| parse_ref(&v));
                            match (col, s.parse::<usize>()) {
                                (Some((rr, cc)), Ok(st)) => empty_cell(&mut w, rr, cc, st)?,
                                _ => w.write_event(Event::Empty(e2))?,
                            }
                        }
                        _ => w.write_event(Event::Empty(e2))?,
                    }
                }
                b"legacyDrawing" if depth == 1 => bail!("the sheet has notes already"),
                n if depth == 1 && !drawing_done && late(n) => {
                    legacy(&mut w, vml_rel, declared)?;
                    drawing_done = true;
                    w.write_event(Event::Empty(e))?;
                }
                _ => w.write_event(Event::Empty(e))?,
            },
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match e.local_name().as_ref() {
                    b"row" if in_data => {
                        if let Some(rr) = row.take() {
                            for (c, sev) in todo.remove(&rr).unwrap_or_default() {
                                let s = styles.marked(row_style, sev);
                                cell(&mut w, rr, c, s)?;
                            }
                        }
                        w.write_event(Event::End(e))?;
                    }
                    b"sheetData" if in_data => {
                        flush_rows(&mut w, &mut todo, styles, None)?;
                        in_data = false;
                        w.write_event(Event::End(e))?;
                    }
                    b"worksheet" if depth == 0 => {
                        if !drawing_done {
                            legacy(&mut w, vml_rel, declared)?;
                            drawing_done = true;
                        }
                        w.write_event(Event::End(e))?;
                    }
                    _ => w.write_event(Event::End(e))?,
                }
            }
            e => w.write_event(e)?,
        }
        buf.clear();
    }
    w.into_inner().flush()?;
    Ok(())
}

/// A marked cell the village left empty: its style, and an empty text so that a
/// neighbour's long text does not spill over it (the mark must show an empty cell).
fn empty_cell<W: Write>(w: &mut quick_xml::Writer<W>, row: u32, col: u32, s: usize) -> Result<()> {
    let mut c = BytesStart::new("c");
    c.push_attribute(("r", a1(row, col).as_str()));
    c.push_attribute(("s", s.to_string().as_str()));
    c.push_attribute(("t", "inlineStr"));
    w.write_event(Event::Start(c))?;
    w.get_mut().write_all(b"<is><t></t></is></c>")?;
    Ok(())
}

/// Worksheet children that come after `legacyDrawing` in the schema's order.
fn late(name: &[u8]) -> bool {
    matches!(
        name,
        b"legacyDrawingHF"
            | b"drawingHF"
            | b"picture"
            | b"oleObjects"
            | b"controls"
            | b"webPublishItems"
            | b"tableParts"
            | b"extLst"
    )
}

/// `declared`: the root element declares the `r:` namespace already.
fn legacy<W: Write>(w: &mut quick_xml::Writer<W>, rel: &str, declared: bool) -> Result<()> {
    let mut e = BytesStart::new("legacyDrawing");
    if !declared {
        e.push_attribute(("xmlns:r", NS_REL));
    }
    e.push_attribute(("r:id", rel));
    w.write_event(Event::Empty(e))?;
    Ok(())
}

/// A `<c>` of the current row: marked cells before it that the part lacks are written
/// first; if it is marked itself, it comes back with its new style.
fn mark_cell<W: Write>(
    e: &BytesStart<'_>,
    w: &mut quick_xml::Writer<W>,
    row: Option<u32>,
    next_col: &mut u32,
    todo: &mut BTreeMap<u32, Vec<(u32, Severity)>>,
    styles: &mut NewStyles,
    row_style: usize,
) -> Result<BytesStart<'static>> {
    let Some(rr) = row else {
        return Ok(e.to_owned());
    };
    let col = attr(e, b"r")
        .and_then(|v| parse_ref(&v))
        .map(|(_, c)| c)
        .unwrap_or(*next_col);
    *next_col = col + 1;
    let Some(cells) = todo.get_mut(&rr) else {
        return Ok(e.to_owned());
    };
    let mut mine = None;
    let mut rest = Vec::new();
    for (c, sev) in cells.drain(..) {
        if c < col {
            let s = styles.marked(row_style, sev);
            empty_cell(w, rr, c, s)?;
        } else if c == col {
            mine = Some(sev);
        } else {
            rest.push((c, sev));
        }
    }
    *cells = rest;
    if cells.is_empty() {
        todo.remove(&rr);
    }
    Ok(match mine {
        Some(sev) => {
            let old = attr(e, b"s").and_then(|v| v.parse().ok()).unwrap_or(0);
            let s = styles.marked(old, sev);
            with_attr(e, "s", &s.to_string())
        }
        None => e.to_owned(),
    })
}

fn esc(s: &str) -> String {
    quick_xml::escape::escape(crate::text::without_xml_illegal(s).as_deref().unwrap_or(s))
        .into_owned()
}

/// The comments part of one sheet.
fn comments_xml(marks: &BTreeMap<(u32, u32), Mark>) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author>selfbuilt</author></authors><commentList>"#,
    );
    for (&(r, c), m) in marks {
        x += &format!(
            r#"<comment ref="{}" authorId="0"><text><t xml:space="preserve">{}</t></text></comment>"#,
            a1(r, c),
            esc(&m.note)
        );
    }
    x += "</commentList></comments>";
    x
}

/// The VML drawing that shows the notes of one sheet (the `n`th marked sheet).
fn vml_xml(marks: &BTreeMap<(u32, u32), Mark>, n: usize) -> String {
    let mut x = format!(
        r##"<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{n}"/></o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>"##
    );
    for (k, (&(r, c), _)) in marks.iter().enumerate() {
        let id = n * 1024 + 1 + k;
        x += &format!(
            r##"<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:80pt;margin-top:2pt;width:270pt;height:120pt;z-index:{z};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{c1}, 15, {r0}, 2, {c2}, 15, {r1}, 16</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{r}</x:Row><x:Column>{c}</x:Column></x:ClientData></v:shape>"##,
            z = k + 1,
            c1 = c + 1,
            c2 = c + 5,
            r0 = r.saturating_sub(1),
            r1 = r + 7,
        );
    }
    x += "</xml>";
    x
}

/// A part's relationships file name ("xl/worksheets/sheet1.xml" →
/// "xl/worksheets/_rels/sheet1.xml.rels").
fn rels_of(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// Add relationships to a relationships part (or make one).
fn add_rels(xml: Option<&[u8]>, add: &[(&str, &str, &str)]) -> Result<Vec<u8>> {
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
fn insert_before_end(xml: &[u8], root: &[u8], text: &str) -> Result<Vec<u8>> {
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
fn root_declares_r(xml: &[u8]) -> Result<bool> {
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
fn book_with_list(xml: &[u8], sheet_el: &str) -> Result<Vec<u8>> {
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

/// The 问题清单 worksheet: inline strings, a bold header, wrapped long columns.
fn list_sheet(rows: &[Vec<String>], widths: &[f64], bold: usize, wrap: usize) -> String {
    let mut x = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>"#,
    );
    for (i, w) in widths.iter().enumerate() {
        x += &format!(
            r#"<col min="{n}" max="{n}" width="{w}" customWidth="1"/>"#,
            n = i + 1
        );
    }
    x += "</cols><sheetData>";
    for (r, row) in rows.iter().enumerate() {
        let cells: Vec<(&str, f64)> = row
            .iter()
            .zip(widths)
            .map(|(v, w)| (v.as_str(), *w))
            .collect();
        let ht = crate::output::errors_xlsx::row_height(&cells);
        x += &format!(r#"<row r="{}" ht="{ht}" customHeight="1">"#, r + 1);
        for (c, v) in row.iter().enumerate() {
            let s = if r == 0 { bold } else { wrap };
            x += &format!(
                r#"<c r="{}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                a1(r as u32, c as u32),
                esc(&crate::output::fit(v))
            );
        }
        x += "</row>";
    }
    x += r#"</sheetData><pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>"#;
    x
}

/// Write the patched copy of the xlsx at `src` to `dst`.
pub fn annotate(src: &Path, dst: &Path, patch: &Patch<'_>) -> Result<()> {
    let file =
        std::fs::File::open(src).with_context(|| format!("cannot open {}", src.display()))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    for must in [
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
    ] {
        if !names.iter().any(|n| n == must) {
            bail!("no part {must}");
        }
    }
    let book = part(&mut zip, "xl/workbook.xml")?;
    let book_rels = part(&mut zip, "xl/_rels/workbook.xml.rels")?;
    let types = part(&mut zip, "[Content_Types].xml")?;
    let styles = read_styles(part(&mut zip, "xl/styles.xml")?)?;
    let paths = crate::read::merges::sheet_paths(&book, &book_rels);
    // The marked sheets' parts, in a stable order.
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
    for (_, p) in &sheets {
        if !names.contains(p) {
            bail!("no part {p}");
        }
        if let Ok(rels) = part(&mut zip, &rels_of(p)) {
            let text = String::from_utf8_lossy(&rels);
            if text.contains("/comments\"") || text.contains("/vmlDrawing\"") {
                bail!("the sheet {p} has notes already");
            }
        }
    }
    let mut new = NewStyles {
        base: styles.xfs.len(),
        map: HashMap::new(),
        order: Vec::new(),
        fill_error: styles.fills,
        fill_warning: styles.fills + 1,
        bold: 0,
        wrap: 0,
    };
    let out =
        std::fs::File::create(dst).with_context(|| format!("cannot create {}", dst.display()))?;
    let mut z = zip::ZipWriter::new(std::io::BufWriter::new(out));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(3));
    let mut replaced: HashMap<String, Vec<u8>> = HashMap::new();
    let mut types_more = String::new();
    if !String::from_utf8_lossy(&types).contains("Extension=\"vml\"") {
        types_more += &format!(r#"<Default Extension="vml" ContentType="{CT_VML}"/>"#);
    }
    // The marked sheets, patched straight into the new package.
    for (k, (name, p)) in sheets.iter().enumerate() {
        let n = k + 1;
        let marks = &patch.marks[name];
        z.start_file(p.as_str(), opts)?;
        {
            let e = zip.by_name(p)?;
            patch_sheet(e, &mut z, marks, &mut new, "rIdSelfbuiltVml")?;
        }
        let comments = format!("xl/selfbuilt_comments{n}.xml");
        let vml = format!("xl/drawings/selfbuilt_vml{n}.vml");
        z.start_file(comments.as_str(), opts)?;
        z.write_all(comments_xml(marks).as_bytes())?;
        z.start_file(vml.as_str(), opts)?;
        z.write_all(vml_xml(marks, n).as_bytes())?;
        let rels_name = rels_of(p);
        let old = part(&mut zip, &rels_name).ok();
        let depth = p.matches('/').count();
        let up = "../".repeat(depth.saturating_sub(1));
        let rels = add_rels(
            old.as_deref(),
            &[
                (
                    "rIdSelfbuiltNotes",
                    REL_COMMENTS,
                    &format!("{up}selfbuilt_comments{n}.xml"),
                ),
                (
                    "rIdSelfbuiltVml",
                    REL_VML,
                    &format!("{up}drawings/selfbuilt_vml{n}.vml"),
                ),
            ],
        )?;
        replaced.insert(rels_name, rels);
        types_more += &format!(r#"<Override PartName="/{comments}" ContentType="{CT_COMMENTS}"/>"#);
    }
    // The 问题清单 sheet, first in the workbook.
    new.bold = new.base + new.order.len();
    new.wrap = new.bold + 1;
    let list_part = "xl/worksheets/selfbuilt_list.xml";
    z.start_file(list_part, opts)?;
    z.write_all(list_sheet(&patch.list, &patch.list_widths, new.bold, new.wrap).as_bytes())?;
    types_more += &format!(r#"<Override PartName="/{list_part}" ContentType="{CT_SHEET}"/>"#);
    let max_id = {
        let mut r = quick_xml::Reader::from_reader(book.as_slice());
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
        m
    };
    let ns = if root_declares_r(&book)? {
        String::new()
    } else {
        format!(r#"xmlns:r="{NS_REL}" "#)
    };
    let sheet_el = format!(
        r#"<sheet {ns}name="{}" sheetId="{}" r:id="rIdSelfbuiltList"/>"#,
        esc(&patch.list_name),
        max_id + 1
    );
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
    // Every part this writes or changes, to read back at the end.
    let mut names_written: Vec<String> = replaced.keys().cloned().collect();
    names_written.push(list_part.to_string());
    for (k, (_, p)) in sheets.iter().enumerate() {
        names_written.push(p.clone());
        names_written.push(format!("xl/selfbuilt_comments{}.xml", k + 1));
    }
    // Every other part as it was; the replaced ones with their new text; sheet rels that
    // did not exist are added.
    let patched: Vec<&str> = sheets.iter().map(|(_, p)| p.as_str()).collect();
    for i in 0..zip.len() {
        let e = zip.by_index_raw(i)?;
        let name = e.name().to_string();
        if patched.contains(&name.as_str()) {
            continue;
        }
        match replaced.remove(&name) {
            Some(bytes) => {
                drop(e);
                z.start_file(name.as_str(), opts)?;
                z.write_all(&bytes)?;
            }
            None => z.raw_copy_file(e)?,
        }
    }
    for (name, bytes) in replaced {
        z.start_file(name.as_str(), opts)?;
        z.write_all(&bytes)?;
    }
    z.finish()?.flush()?;
    verify(dst, &names_written)
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

    #[test]
    fn refs_parse() {
        assert_eq!(parse_ref("A1"), Some((0, 0)));
        assert_eq!(parse_ref("AB12"), Some((11, 27)));
        assert_eq!(parse_ref("1A"), None);
    }

    #[test]
    fn marked_cells_are_restyled_and_missing_ones_added_in_order() {
        let sheet = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" s="2" t="s"><v>0</v></c><c r="C1"><v>1</v></c></row><row r="3"><c r="B3"><v>2</v></c></row></sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>"#;
        let mut marks = BTreeMap::new();
        for (r, c, sev) in [
            (0, 0, Severity::Error),
            (0, 1, Severity::Warning),
            (1, 3, Severity::Error),
            (4, 0, Severity::Error),
        ] {
            marks.insert(
                (r, c),
                Mark {
                    severity: sev,
                    note: "x".into(),
                },
            );
        }
        let mut st = NewStyles {
            base: 5,
            map: HashMap::new(),
            order: Vec::new(),
            fill_error: 2,
            fill_warning: 3,
            bold: 0,
            wrap: 0,
        };
        let mut out = Vec::new();
        patch_sheet(sheet.as_bytes(), &mut out, &marks, &mut st, "rId9").unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains(r#"<c r="A1" t="s" s="5"><v>0</v></c><c r="B1" s="6" t="inlineStr"><is><t></t></is></c><c r="C1"><v>1</v></c></row><row r="2"><c r="D2" s="7" t="inlineStr"><is><t></t></is></c></row><row r="3">"#), "{out}");
        assert!(
            out.contains(r#"<row r="5"><c r="A5" s="7" t="inlineStr"><is><t></t></is></c></row></sheetData><pageMargins"#),
            "{out}"
        );
        assert!(out.ends_with(r#"<legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId9"/></worksheet>"#), "{out}");
        assert_eq!(st.order, vec![(2, 2), (0, 3), (0, 2)]);
    }
}
