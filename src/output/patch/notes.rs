//! What a patched package gains: each marked sheet's comments part and the VML drawing
//! that shows its notes, and the 问题清单 worksheet.

use std::collections::BTreeMap;

use super::Mark;
use crate::text::a1;

pub(super) fn esc(s: &str) -> String {
    quick_xml::escape::escape(crate::text::without_xml_illegal(s).as_deref().unwrap_or(s))
        .into_owned()
}

/// The comments part of one sheet.
pub(super) fn comments_xml(marks: &BTreeMap<(u32, u32), Mark>) -> String {
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
pub(super) fn vml_xml(marks: &BTreeMap<(u32, u32), Mark>, n: usize) -> String {
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

/// The 问题清单 worksheet: inline strings, a bold header, wrapped long columns.
pub(super) fn list_sheet(rows: &[Vec<String>], widths: &[f64], bold: usize, wrap: usize) -> String {
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
        let ht = crate::output::workbook::row_height(&cells);
        x += &format!(r#"<row r="{}" ht="{ht}" customHeight="1">"#, r + 1);
        for (c, v) in row.iter().enumerate() {
            let s = if r == 0 { bold } else { wrap };
            x += &format!(
                r#"<c r="{}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                a1(r as u32, c as u32),
                esc(&crate::output::workbook::fit(v))
            );
        }
        x += "</row>";
    }
    x += r#"</sheetData><pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>"#;
    x
}
