//! The styles part of a patched package: a red and a yellow fill, a bold font, and for
//! each style a marked cell had the same style with the fill.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{bail, Result};
use quick_xml::events::Event;

use super::with_attr;
use super::Paint;

pub(super) const ERROR_FILL: &str = "FFFFC7CE";
pub(super) const WARNING_FILL: &str = "FFFFEB9C";
/// A row held back only because of another row: grey, nothing to fix.
pub(super) const HELD_FILL: &str = "FFEDEDED";

/// The styles part: the counts of its fonts, fills and cell formats, and each cell format
/// as events (to clone with a fill).
pub(super) struct Styles {
    pub(super) xml: Vec<u8>,
    pub(super) xfs: Vec<Vec<Event<'static>>>,
    pub(super) fills: usize,
    pub(super) fonts: usize,
}

pub(super) fn read_styles(xml: Vec<u8>) -> Result<Styles> {
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
pub(super) struct NewStyles {
    pub(super) base: usize,
    /// (old style, severity) → new index; and (old style, fill id) in order of index.
    pub(super) map: HashMap<(usize, u8), usize>,
    pub(super) order: Vec<(usize, usize)>,
    pub(super) fill_error: usize,
    pub(super) fill_warning: usize,
    pub(super) fill_held: usize,
    /// The 问题清单's header (bold) and wrapped styles.
    pub(super) bold: usize,
    pub(super) wrap: usize,
}

impl NewStyles {
    /// No new style yet: new styles are numbered after the package's own cell formats,
    /// the three new fills after its own fills.
    pub(super) fn after(styles: &Styles) -> NewStyles {
        NewStyles {
            base: styles.xfs.len(),
            map: HashMap::new(),
            order: Vec::new(),
            fill_error: styles.fills,
            fill_warning: styles.fills + 1,
            fill_held: styles.fills + 2,
            bold: 0,
            wrap: 0,
        }
    }

    pub(super) fn marked(&mut self, old: usize, paint: Paint) -> usize {
        let (fill, k) = match paint {
            Paint::Error => (self.fill_error, 0),
            Paint::Warning => (self.fill_warning, 1),
            Paint::Held => (self.fill_held, 2),
        };
        let next = self.base + self.order.len();
        *self.map.entry((old, k)).or_insert_with(|| {
            self.order.push((old, fill));
            next
        })
    }
}

/// styles.xml with the fills, the bold font and the cell formats appended.
pub(super) fn write_styles(st: &Styles, new: &NewStyles) -> Result<Vec<u8>> {
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
                    &(st.fills + 3).to_string(),
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
                w.get_mut().write_all(fill(HELD_FILL).as_bytes())?;
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
