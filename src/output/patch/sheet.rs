//! One worksheet part patched as it streams through: marked cells get their new style,
//! the ones the part does not hold are added in their place, and the `<legacyDrawing>`
//! for the notes goes where the schema orders it.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};

use anyhow::{bail, Result};
use quick_xml::events::{BytesEnd, BytesStart, Event};

use super::styles::NewStyles;
use super::Paint;
use super::{attr, with_attr, Mark, NS_REL};
use crate::text::a1;

/// "B5" → (4, 1).
pub(super) fn parse_ref(r: &str) -> Option<(u32, u32)> {
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

/// Patch one worksheet part: marked cells get their new style; those the part does not
/// hold are added; a `<legacyDrawing>` for the notes goes in its place.
pub(super) fn patch_sheet<R: Read, W: Write>(
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
    let mut todo: BTreeMap<u32, Vec<(u32, Paint)>> = BTreeMap::new();
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
    // Emit whole rows of marks before row `before` (exclusive).
    let flush_rows = |w: &mut quick_xml::Writer<W>,
                      todo: &mut BTreeMap<u32, Vec<(u32, Paint)>>,
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
                empty_cell(w, rr, c, s)?;
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
                        let (n, st) = row_of(&e, next_row);
                        flush_rows(&mut w, &mut todo, styles, Some(n))?;
                        row = Some(n);
                        next_row = n + 1;
                        next_col = 0;
                        row_style = st;
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
                    let (n, st) = row_of(&e, next_row);
                    flush_rows(&mut w, &mut todo, styles, Some(n))?;
                    next_row = n + 1;
                    match todo.remove(&n) {
                        Some(cells) => {
                            w.write_event(Event::Start(e.to_owned()))?;
                            for (c, sev) in cells {
                                let s = styles.marked(st, sev);
                                empty_cell(&mut w, n, c, s)?;
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
                                empty_cell(&mut w, rr, c, s)?;
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

/// A `<row>`'s 0-based index (its `r`, or the one after the last) and the style its own
/// cells take when they have none (the row's, when it sets one).
fn row_of(e: &BytesStart<'_>, next_row: u32) -> (u32, usize) {
    let n = attr(e, b"r")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .and_then(|v| v.checked_sub(1))
        .unwrap_or(next_row);
    let style = match attr(e, b"customFormat").as_deref() {
        Some("1") | Some("true") => attr(e, b"s").and_then(|v| v.parse().ok()).unwrap_or(0),
        _ => 0,
    };
    (n, style)
}

/// A marked cell the village left empty: its style, and an empty text so that a
/// neighbour's long text does not spill over it (the mark must show an empty cell).
pub(super) fn empty_cell<W: Write>(
    w: &mut quick_xml::Writer<W>,
    row: u32,
    col: u32,
    s: usize,
) -> Result<()> {
    let mut c = BytesStart::new("c");
    c.push_attribute(("r", a1(row, col).as_str()));
    c.push_attribute(("s", s.to_string().as_str()));
    c.push_attribute(("t", "inlineStr"));
    w.write_event(Event::Start(c))?;
    w.get_mut().write_all(b"<is><t></t></is></c>")?;
    Ok(())
}

/// Worksheet children that come after `legacyDrawing` in the schema's order.
pub(super) fn late(name: &[u8]) -> bool {
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
pub(super) fn legacy<W: Write>(
    w: &mut quick_xml::Writer<W>,
    rel: &str,
    declared: bool,
) -> Result<()> {
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
pub(super) fn mark_cell<W: Write>(
    e: &BytesStart<'_>,
    w: &mut quick_xml::Writer<W>,
    row: Option<u32>,
    next_col: &mut u32,
    todo: &mut BTreeMap<u32, Vec<(u32, Paint)>>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

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
            (0, 0, Paint::Error),
            (0, 1, Paint::Warning),
            (1, 3, Paint::Error),
            (4, 0, Paint::Error),
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
            fill_held: 4,
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
