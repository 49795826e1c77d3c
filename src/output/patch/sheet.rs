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
    let mut buf = Vec::new();
    let mut todo: BTreeMap<u32, Vec<(u32, Paint)>> = BTreeMap::new();
    for (&(row, col), m) in marks {
        todo.entry(row).or_default().push((col, m.severity));
    }
    let mut sheet = SheetPatch {
        w: quick_xml::Writer::new(dst),
        styles,
        vml_rel,
        todo,
        in_data: false,
        row: None,
        next_row: 0,
        next_col: 0,
        row_style: 0,
        drawing_done: false,
        declared: false,
        depth: 0,
    };
    loop {
        match r.read_event_into(&mut buf)? {
            Event::Eof => break,
            Event::Start(e) => sheet.start(e)?,
            Event::Empty(e) => sheet.empty(e)?,
            Event::End(e) => sheet.end(e)?,
            e => sheet.w.write_event(e)?,
        }
        buf.clear();
    }
    sheet.w.into_inner().flush()?;
    Ok(())
}

/// A worksheet part being patched as it streams through: where the reading is in it, and
/// the marked cells still to place.
struct SheetPatch<'a, W: Write> {
    /// The patched part.
    w: quick_xml::Writer<W>,
    /// The package's styles, with those of marked cells added as they come.
    styles: &'a mut NewStyles,
    /// The relationship id of the notes' VML drawing.
    vml_rel: &'a str,
    /// Marked cells still to place, by row.
    todo: BTreeMap<u32, Vec<(u32, Paint)>>,
    /// Inside `<sheetData>`.
    in_data: bool,
    /// The row being written.
    row: Option<u32>,
    /// The index of a row written without one.
    next_row: u32,
    /// The index of a cell of the current row written without a reference.
    next_col: u32,
    /// The style the current row's cells take when they have none.
    row_style: usize,
    /// The `<legacyDrawing>` is written.
    drawing_done: bool,
    /// The root element declares the `r:` namespace.
    declared: bool,
    /// How deep the reading is in the part's elements.
    depth: usize,
}

impl<W: Write> SheetPatch<'_, W> {
    /// An opening tag: a row starts (the whole rows of marks before it first), a cell is
    /// marked, the drawing goes before the first element that must follow it.
    fn start(&mut self, e: BytesStart<'_>) -> Result<()> {
        self.depth += 1;
        if self.depth == 1 {
            self.declared = attr(&e, b"xmlns:r").as_deref() == Some(NS_REL);
        }
        match e.local_name().as_ref() {
            b"sheetData" if self.depth == 2 => {
                self.in_data = true;
                self.w.write_event(Event::Start(e))?;
            }
            b"row" if self.in_data => {
                let (n, st) = row_of(&e, self.next_row);
                self.flush_rows(Some(n))?;
                self.row = Some(n);
                self.next_row = n + 1;
                self.next_col = 0;
                self.row_style = st;
                self.w.write_event(Event::Start(e))?;
            }
            b"c" if self.in_data && self.row.is_some() => {
                let e = self.mark(&e)?;
                self.w.write_event(Event::Start(e))?;
            }
            n if self.depth == 2 && !self.drawing_done && late(n) => {
                self.drawing()?;
                self.w.write_event(Event::Start(e))?;
            }
            _ => self.w.write_event(Event::Start(e))?,
        }
        Ok(())
    }

    /// An empty element: an empty `<sheetData>` gets every mark, an empty row its own, an
    /// empty cell is marked; the drawing goes before the first element that must follow it.
    fn empty(&mut self, e: BytesStart<'_>) -> Result<()> {
        match e.local_name().as_ref() {
            b"sheetData" if self.depth == 1 => {
                self.w
                    .write_event(Event::Start(BytesStart::new("sheetData")))?;
                self.flush_rows(None)?;
                self.w.write_event(Event::End(BytesEnd::new("sheetData")))?;
            }
            b"row" if self.in_data => self.empty_row(e)?,
            b"c" if self.in_data && self.row.is_some() => self.empty_cell_marked(e)?,
            b"legacyDrawing" if self.depth == 1 => bail!("the sheet has notes already"),
            n if self.depth == 1 && !self.drawing_done && late(n) => {
                self.drawing()?;
                self.w.write_event(Event::Empty(e))?;
            }
            _ => self.w.write_event(Event::Empty(e))?,
        }
        Ok(())
    }

    /// A closing tag: a row ends with its marks still to place, `<sheetData>` with the
    /// rows of marks after the last, the worksheet with the drawing if not written yet.
    fn end(&mut self, e: BytesEnd<'_>) -> Result<()> {
        self.depth = self.depth.saturating_sub(1);
        match e.local_name().as_ref() {
            b"row" if self.in_data => {
                if let Some(rr) = self.row.take() {
                    for (c, sev) in self.todo.remove(&rr).unwrap_or_default() {
                        let s = self.styles.marked(self.row_style, sev);
                        empty_cell(&mut self.w, rr, c, s)?;
                    }
                }
                self.w.write_event(Event::End(e))?;
            }
            b"sheetData" if self.in_data => {
                self.flush_rows(None)?;
                self.in_data = false;
                self.w.write_event(Event::End(e))?;
            }
            b"worksheet" if self.depth == 0 => {
                if !self.drawing_done {
                    self.drawing()?;
                }
                self.w.write_event(Event::End(e))?;
            }
            _ => self.w.write_event(Event::End(e))?,
        }
        Ok(())
    }

    /// An empty `<row/>`: opened and closed around its marks when it has any.
    fn empty_row(&mut self, e: BytesStart<'_>) -> Result<()> {
        let (n, st) = row_of(&e, self.next_row);
        self.flush_rows(Some(n))?;
        self.next_row = n + 1;
        match self.todo.remove(&n) {
            Some(cells) => {
                self.w.write_event(Event::Start(e.to_owned()))?;
                for (c, sev) in cells {
                    let s = self.styles.marked(st, sev);
                    empty_cell(&mut self.w, n, c, s)?;
                }
                self.w.write_event(Event::End(BytesEnd::new("row")))?;
            }
            None => self.w.write_event(Event::Empty(e))?,
        }
        Ok(())
    }

    /// An empty `<c/>`: marked, it is written with an empty text so that it keeps looking
    /// empty.
    fn empty_cell_marked(&mut self, e: BytesStart<'_>) -> Result<()> {
        let before = attr(&e, b"s");
        let e2 = self.mark(&e)?;
        match attr(&e2, b"s") {
            Some(s) if Some(&s) != before.as_ref() && attr(&e2, b"t").is_none() => {
                let col = attr(&e2, b"r").and_then(|v| parse_ref(&v));
                match (col, s.parse::<usize>()) {
                    (Some((rr, cc)), Ok(st)) => empty_cell(&mut self.w, rr, cc, st)?,
                    _ => self.w.write_event(Event::Empty(e2))?,
                }
            }
            _ => self.w.write_event(Event::Empty(e2))?,
        }
        Ok(())
    }

    /// A cell of the current row, marked (see `mark_cell`).
    fn mark(&mut self, e: &BytesStart<'_>) -> Result<BytesStart<'static>> {
        mark_cell(
            e,
            &mut self.w,
            self.row,
            &mut self.next_col,
            &mut self.todo,
            self.styles,
            self.row_style,
        )
    }

    /// The `<legacyDrawing>` of the notes, here.
    fn drawing(&mut self) -> Result<()> {
        legacy(&mut self.w, self.vml_rel, self.declared)?;
        self.drawing_done = true;
        Ok(())
    }

    /// Whole rows of marks before row `before` (exclusive; all of them for `None`).
    fn flush_rows(&mut self, before: Option<u32>) -> Result<()> {
        let rows: Vec<u32> = self
            .todo
            .range(..before.unwrap_or(u32::MAX))
            .map(|(k, _)| *k)
            .collect();
        for rr in rows {
            let cells = self.todo.remove(&rr).unwrap_or_default();
            let mut e = BytesStart::new("row");
            e.push_attribute(("r", (rr + 1).to_string().as_str()));
            self.w.write_event(Event::Start(e))?;
            for (c, sev) in cells {
                let s = self.styles.marked(0, sev);
                empty_cell(&mut self.w, rr, c, s)?;
            }
            self.w.write_event(Event::End(BytesEnd::new("row")))?;
        }
        Ok(())
    }
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
