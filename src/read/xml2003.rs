//! Excel 2003 XML spreadsheets (SpreadsheetML: one XML file, `<Workbook
//! xmlns="urn:schemas-microsoft-com:office:spreadsheet">`). Excel 2003 saves them as "XML
//! 表格", and many web systems export them under a `.xls` name. Read with quick-xml, streamed:
//! `Worksheet ss:Name` → `Table` → `Row ss:Index` → `Cell ss:Index ss:MergeAcross
//! ss:MergeDown` → `Data ss:Type` (text inside rich-text markup is joined; comments are not
//! cell text).

use std::io::BufRead;

use quick_xml::events::{BytesRef, BytesStart, Event};

use super::{corrupt, Book, Grid, GridBuilder, Limits, Merge, Raw};
use crate::finding::Finding;

/// What the reader names this format in messages.
pub const EXPECTED: &str = "Excel 2003 XML 表格";

/// An attribute's value by local name (`ss:Index` and `Index` alike).
fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == name)
            .then(|| a.unescape_value().ok().map(|v| v.into_owned()))
            .flatten()
    })
}

fn index(e: &BytesStart<'_>) -> Option<u32> {
    attr(e, b"Index")?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|i| *i >= 1)
        .map(|i| i - 1)
}

fn span(e: &BytesStart<'_>, name: &[u8]) -> u32 {
    attr(e, name)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(0)
        .min(1 << 20)
}

/// A cell's value from its `Data` type and text.
fn value(typ: &str, text: String) -> Raw {
    match typ {
        "Number" => match text.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Raw::Num(f),
            _ => Raw::Text(text.into()),
        },
        "Boolean" => Raw::Bool(matches!(text.trim(), "1" | "true" | "TRUE")),
        "DateTime" => Raw::DateIso(text.trim().to_string()),
        "Error" => Raw::Error(text.trim().to_string()),
        _ => Raw::Text(text.into()),
    }
}

/// Read a SpreadsheetML workbook from `src`.
pub fn read<R: BufRead>(src: R, rel: &str, limits: &Limits) -> Result<Book, Finding> {
    let mut xml = quick_xml::Reader::from_reader(src);
    let mut buf = Vec::new();
    let mut at = Place::default();
    let bad = |e: &dyn std::fmt::Display| corrupt(rel, EXPECTED, &e.to_string());
    loop {
        match xml.read_event_into(&mut buf).map_err(|e| bad(&e))? {
            Event::Start(e) => at.open(&e),
            Event::Empty(e) => at.empty(&e),
            Event::Text(t) => {
                if let Some(s) = at.cell_text() {
                    s.push_str(&t.xml_content().map_err(|e| bad(&e))?);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(s) = at.cell_text() {
                    push_reference(s, &r).map_err(|e| bad(&e))?;
                }
            }
            Event::CData(t) => {
                if let Some(s) = at.cell_text() {
                    s.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(e) => at.close(e.local_name().as_ref(), rel, limits)?,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(Book {
        format: "xml2003",
        sheets: at.sheets,
    })
}

/// Where the reading stands: the sheets read, the sheet, row and cell being read.
#[derive(Default)]
struct Place {
    sheets: Vec<Grid>,
    sheet: Option<GridBuilder>,
    /// The row being read.
    row: u32,
    /// The column the next cell takes.
    col: u32,
    /// The column of the open cell.
    cell_col: u32,
    in_row: bool,
    /// Inside `<Data>`: its type and the text so far.
    data: Option<(String, String)>,
    /// The depth of the `<Comment>` being skipped (0: none).
    comment: u32,
}

impl Place {
    /// An element opens.
    fn open(&mut self, e: &BytesStart<'_>) {
        if self.comment > 0 {
            if e.local_name().as_ref() == b"Comment" {
                self.comment += 1;
            }
            return;
        }
        match e.local_name().as_ref() {
            b"Worksheet" => {
                let name =
                    attr(e, b"Name").unwrap_or_else(|| format!("Sheet{}", self.sheets.len() + 1));
                self.sheet = Some(GridBuilder::new(&name));
                self.row = 0;
            }
            b"Row" => {
                if let Some(i) = index(e) {
                    self.row = i;
                }
                self.col = 0;
                self.in_row = true;
            }
            b"Cell" if self.in_row => {
                self.cell_col = open_cell(e, self.row, &mut self.col, self.sheet.as_mut());
            }
            b"Data" if self.in_row => {
                self.data = Some((attr(e, b"Type").unwrap_or_default(), String::new()));
            }
            b"Comment" => self.comment = 1,
            _ => {}
        }
    }

    /// An empty element (`<Row/>`, `<Cell/>`): a row passed, a cell's column taken.
    fn empty(&mut self, e: &BytesStart<'_>) {
        if self.comment > 0 {
            return;
        }
        match e.local_name().as_ref() {
            b"Row" => {
                if let Some(i) = index(e) {
                    self.row = i;
                }
                self.row = self.row.saturating_add(1);
            }
            b"Cell" if self.in_row => {
                open_cell(e, self.row, &mut self.col, self.sheet.as_mut());
            }
            _ => {}
        }
    }

    /// The text of the open `<Data>`, when its text counts (not inside a comment).
    fn cell_text(&mut self) -> Option<&mut String> {
        if self.comment > 0 {
            return None;
        }
        self.data.as_mut().map(|(_, s)| s)
    }

    /// The element `name` closes: a cell's value is stored, a row or a sheet is done.
    fn close(&mut self, name: &[u8], rel: &str, limits: &Limits) -> Result<(), Finding> {
        if self.comment > 0 {
            if name == b"Comment" {
                self.comment -= 1;
            }
            return Ok(());
        }
        match name {
            b"Data" => {
                if let (Some((typ, text)), Some(b)) = (self.data.take(), self.sheet.as_mut()) {
                    if !b.push(self.row, self.cell_col, value(&typ, text), limits) {
                        return Err(b.over_limit(rel, limits));
                    }
                }
            }
            b"Row" => {
                self.in_row = false;
                self.row = self.row.saturating_add(1);
            }
            b"Worksheet" => {
                if let Some(b) = self.sheet.take() {
                    let mut g = b.finish(rel, limits)?;
                    g.merges_known = true;
                    self.sheets.push(g);
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Append an entity or character reference (`&amp;`, `&#x5F20;`) to a cell's text; an
/// unknown entity adds nothing.
fn push_reference(s: &mut String, r: &BytesRef<'_>) -> Result<(), quick_xml::Error> {
    let name = r.decode()?;
    if let Some(t) = quick_xml::escape::resolve_predefined_entity(&name) {
        s.push_str(t);
    } else if let Ok(Some(c)) = r.resolve_char_ref() {
        s.push(c);
    }
    Ok(())
}

/// A `<Cell>` opens: its column (its `ss:Index`, or the next one), its merged region noted;
/// `col` moves past it and the columns its merge covers to its right.
fn open_cell(e: &BytesStart<'_>, row: u32, col: &mut u32, sheet: Option<&mut GridBuilder>) -> u32 {
    if let Some(i) = index(e) {
        *col = i;
    }
    let at = *col;
    let (across, down) = (span(e, b"MergeAcross"), span(e, b"MergeDown"));
    if let Some(b) = sheet.filter(|_| across + down > 0) {
        b.grid.merges.push(Merge {
            r0: row,
            c0: at,
            r1: row.saturating_add(down),
            c1: at.saturating_add(across),
        });
    }
    *col = at.saturating_add(1).saturating_add(across);
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r#"<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" xmlns:html="http://www.w3.org/TR/REC-html40">
 <Worksheet ss:Name="房屋">
  <Table>
   <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">某村自建房排查表</Data></Cell></Row>
   <Row ss:Index="3"><Cell><Data ss:Type="String">房屋编码</Data></Cell><Cell ss:Index="3"><Data ss:Type="String">户主&amp;姓名</Data><Comment><Data>批注不是值</Data></Comment></Cell></Row>
   <Row><Cell><Data ss:Type="Number">4501</Data></Cell><Cell><ss:Data ss:Type="String"><B>张</B><Font>三</Font></ss:Data></Cell><Cell><Data ss:Type="DateTime">2024-03-05T00:00:00.000</Data></Cell></Row>
  </Table>
 </Worksheet>
 <Worksheet ss:Name="空表"><Table/></Worksheet>
</Workbook>"#;

    #[test]
    fn reads_rows_cells_indexes_merges_and_rich_text() {
        let book = read(BOOK.as_bytes(), "a.xml", &Limits::default()).unwrap();
        assert_eq!(book.sheets.len(), 2);
        let g = &book.sheets[0];
        assert_eq!(g.name, "房屋");
        assert_eq!(
            g.merges,
            vec![Merge {
                r0: 0,
                c0: 0,
                r1: 0,
                c1: 2
            }]
        );
        let at = |r: u32, c: u32| {
            g.rows
                .iter()
                .find(|x| x.idx == r)
                .map(|x| x.get(c).clone())
                .unwrap_or_default()
        };
        assert_eq!(at(0, 0), Raw::Text("某村自建房排查表".into()));
        assert_eq!(at(2, 0), Raw::Text("房屋编码".into()));
        assert_eq!(at(2, 2), Raw::Text("户主&姓名".into()));
        assert_eq!(at(3, 0), Raw::Num(4501.0));
        assert_eq!(at(3, 1), Raw::Text("张三".into()));
        assert_eq!(at(3, 2), Raw::DateIso("2024-03-05T00:00:00.000".into()));
        assert!(book.sheets[1].rows.is_empty());
    }

    #[test]
    fn broken_xml_is_a_finding_and_cells_obey_the_limit() {
        let e = read(&BOOK.as_bytes()[..400], "a.xml", &Limits::default());
        assert!(e.is_ok() || e.unwrap_err().code == "F003");
        let bad = read(
            "<Workbook><Worksheet><Table><Row></Cell>".as_bytes(),
            "b.xml",
            &Limits::default(),
        );
        assert_eq!(bad.unwrap_err().code, "F003");
        let tight = Limits {
            max_cells: 2,
            ..Limits::default()
        };
        assert_eq!(
            read(BOOK.as_bytes(), "a.xml", &tight).unwrap_err().code,
            "F007"
        );
    }
}
