//! How villages write a generated town down, for any campaign, from its words alone: a
//! title and a fill-in line above the header, a one- or two-row header (parents from the
//! `[demo.groups]` words, merged), a 序号 column, labels or aliases, a blank row in the
//! middle, a total line and a footer (the lexicon's markers), and values typed every way
//! the engine cleans — synonyms, full-width digits, stray spaces, units the field's wordings
//! name, dates in every form, yes/no in each village's own signs. One village sends GBK
//! CSV files, a table each, as WPS on an old PC saves them.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};

use super::rng::Rng;
use crate::schema::{Field, FieldType, Lexicon, Schemas, TableSchema};

/// Where one table of a village went: its file, its sheet, and the 1-based sheet row of
/// each of its data rows.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The file, relative to the demo folder.
    pub file: String,
    /// The sheet's name ("" in a CSV file).
    pub sheet: String,
    /// The 1-based sheet row of each data row.
    pub rows: Vec<u32>,
}

/// How a village writes: fixed by its index, so that a town shows every way.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// The village's place in the town, which picks its way of writing.
    pub index: usize,
    /// A two-row header with merged parents (where the words group the fields).
    pub two_rows: bool,
    /// Aliases rather than labels in the header.
    pub aliases: bool,
    /// A 序号 column in front.
    pub seq: bool,
    /// GBK CSV files instead of a workbook.
    pub csv: bool,
    /// How messy the values are (0: canonical).
    pub mess: f64,
}

impl Style {
    /// The way village `vi` writes.
    pub fn of(vi: usize) -> Style {
        Style {
            index: vi,
            two_rows: vi.is_multiple_of(2),
            aliases: vi % 2 == 1,
            seq: vi % 3 != 1,
            csv: vi == 1,
            mess: 1.0,
        }
    }
}

/// A value as a village might type it (the engine cleans every one of these forms back).
fn messy(r: &mut Rng, f: &Field, v: &str, lex: &Lexicon, st: Style) -> String {
    if v.is_empty() || st.mess == 0.0 {
        return v.to_string();
    }
    let fullwidth = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c),
                c => c,
            })
            .collect()
    };
    match f.ty {
        FieldType::Enum => {
            let mut syn: Vec<&String> = f
                .synonyms
                .iter()
                .filter(|(_, c)| c.as_str() == v)
                .map(|(w, _)| w)
                .collect();
            syn.sort();
            if !syn.is_empty() && r.chance(0.3 * st.mess) {
                syn[r.below(syn.len())].clone()
            } else {
                v.to_string()
            }
        }
        FieldType::EnumList => {
            let sep = &lex.list_separators[st.index % lex.list_separators.len().min(4)];
            v.split('、').collect::<Vec<_>>().join(sep)
        }
        FieldType::Bool => {
            let k = st.index % lex.bool_true.len().min(lex.bool_false.len()).clamp(1, 3);
            if v == lex.yes() {
                lex.bool_true[k].clone()
            } else {
                lex.bool_false[k].clone()
            }
        }
        FieldType::Integer | FieldType::Number if v.parse::<f64>().is_ok() => {
            // A unit one of the field's own wordings names (层 for 层数(层)).
            let unit = lex.number_units.iter().find(|u| {
                std::iter::once(&f.label)
                    .chain(&f.aliases)
                    .any(|w| w.contains(u.as_str()))
            });
            match unit {
                Some(u) if r.chance(0.25 * st.mess) => format!("{v}{u}"),
                _ if r.chance(0.2 * st.mess) => fullwidth(v),
                _ => v.to_string(),
            }
        }
        FieldType::Date => match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => {
                let (y, m, dd) = (d.year(), d.month(), d.day());
                match (st.index + r.below(3)) % 5 {
                    0 => v.to_string(),
                    1 => format!("{y}/{m}/{dd}"),
                    2 => format!("{y}.{m}.{dd}"),
                    3 => format!("{y}年{m}月{dd}日"),
                    _ => format!("{y}{m:02}{dd:02}"),
                }
            }
            Err(_) => v.to_string(),
        },
        FieldType::Phone if r.chance(0.3 * st.mess) => fullwidth(v),
        FieldType::Text if r.chance(0.15 * st.mess) => {
            format!("{v}{}", ["\u{3000}", " ", "\u{a0}"][r.below(3)])
        }
        _ => v.to_string(),
    }
}

/// The header texts of a table as a village words it: (parent, label) per field.
fn header(s: &Schemas, t: &TableSchema, st: Style) -> Vec<(String, String)> {
    let groups = s.campaign.demo.groups.get(&t.table.key);
    t.fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let label = f
                .aliases
                .get((st.index + i) % f.aliases.len().max(1))
                .filter(|_| st.aliases)
                .unwrap_or(&f.label)
                .clone();
            let parent = groups
                .and_then(|g| g.iter().find(|(_, keys)| keys.contains(&f.key)))
                .map(|(p, _)| p.clone())
                .filter(|_| st.two_rows)
                .unwrap_or_default();
            (parent, label)
        })
        .collect()
}

/// Write a village's rows (one list per table, canonical texts) into `out`.
pub fn write_village(
    s: &Schemas,
    out: &Path,
    village: &str,
    rows: &[Vec<Vec<String>>],
    st: Style,
    r: &mut Rng,
) -> Result<Vec<Placed>> {
    let lex = &s.lexicon;
    let mut placed = Vec::new();
    if st.csv {
        for t in s.ids() {
            let ts = s.table(t);
            let file = format!("{village}{}.csv", ts.table.label);
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(
                std::iter::once(crate::template::title(ts, village))
                    .chain(std::iter::repeat_n(String::new(), ts.fields.len() - 1)),
            )?;
            w.write_record(header(s, ts, st).into_iter().map(|(_, l)| l))?;
            let mut at = Vec::new();
            for (i, row) in rows[t.index()].iter().enumerate() {
                let cells: Vec<String> = row
                    .iter()
                    .zip(&ts.fields)
                    .map(|(v, f)| messy(r, f, v, lex, st))
                    .collect();
                w.write_record(&cells)?;
                at.push(3 + i as u32);
            }
            let text = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
            // GBK has no NBSP: a GBK file carries U+3000 instead.
            let text = text.replace('\u{a0}', "\u{3000}");
            let (bytes, _, _) = encoding_rs::GBK.encode(&text);
            crate::output::atomic::atomic_write(&out.join(&file), &bytes)?;
            placed.push(Placed {
                file,
                sheet: String::new(),
                rows: at,
            });
        }
        return Ok(placed);
    }
    let file = format!("{village}.xlsx");
    let mut wb = Workbook::new();
    // A fixed date in the document's properties: the same town from the same seed, byte
    // for byte.
    let when = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 6, 30)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&when));
    for t in s.ids() {
        let ts = s.table(t);
        let ws = wb.add_worksheet();
        ws.set_name(&ts.table.label)?;
        let at = write_sheet(ws, s, ts, village, &rows[t.index()], st, r)?;
        placed.push(Placed {
            file: file.clone(),
            sheet: ts.table.label.clone(),
            rows: at,
        });
    }
    let path = out.join(&file);
    let buf = wb.save_to_buffer()?;
    crate::output::atomic::atomic_write(&path, &buf)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(placed)
}

/// One table on a sheet, laid out as the style says; returns each data row's sheet row.
fn write_sheet(
    ws: &mut Worksheet,
    s: &Schemas,
    ts: &TableSchema,
    village: &str,
    rows: &[Vec<String>],
    st: Style,
    r: &mut Rng,
) -> Result<Vec<u32>> {
    let lex = &s.lexicon;
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let off = u16::from(st.seq);
    let width = ts.fields.len() as u16 + off;
    ws.merge_range(
        0,
        0,
        0,
        width - 1,
        &crate::template::title(ts, village),
        &bold,
    )?;
    let mut row = 1u32;
    if let Some(m) = lex.fill_line_markers.first().filter(|_| st.index % 3 != 2) {
        ws.write_string(row, 0, format!("{m}：{village}"))?;
        row += 1;
    }
    let head = header(s, ts, st);
    let two = head.iter().any(|(p, _)| !p.is_empty());
    let seq = lex.seq_labels.first().map(String::as_str).unwrap_or("#");
    if two {
        if st.seq {
            ws.merge_range(row, 0, row + 1, 0, seq, &bold)?;
        }
        let mut c = 0;
        while c < head.len() {
            let p = &head[c].0;
            let mut end = c;
            while end + 1 < head.len() && !p.is_empty() && head[end + 1].0 == *p {
                end += 1;
            }
            let col = c as u16 + off;
            if p.is_empty() {
                ws.merge_range(row, col, row + 1, col, &head[c].1, &bold)?;
            } else {
                if end > c {
                    ws.merge_range(row, col, row, end as u16 + off, p, &bold)?;
                } else {
                    ws.write_string_with_format(row, col, p, &bold)?;
                }
                for (k, (_, l)) in head.iter().enumerate().take(end + 1).skip(c) {
                    ws.write_string_with_format(row + 1, k as u16 + off, l, &bold)?;
                }
            }
            c = end + 1;
        }
        row += 2;
    } else {
        if st.seq {
            ws.write_string_with_format(row, 0, seq, &bold)?;
        }
        for (c, (_, l)) in head.iter().enumerate() {
            ws.write_string_with_format(row, c as u16 + off, l, &bold)?;
        }
        row += 1;
    }
    let mut at = Vec::with_capacity(rows.len());
    for (i, data) in rows.iter().enumerate() {
        if i == rows.len() / 2 && rows.len() > 4 {
            row += 1; // a blank row in the middle of the data
        }
        if st.seq {
            ws.write_number(row, 0, (i + 1) as f64)?;
        }
        for (c, (v, f)) in data.iter().zip(&ts.fields).enumerate() {
            let v = messy(r, f, v, lex, st);
            if !v.is_empty() {
                ws.write_string(row, c as u16 + off, &v)?;
            }
        }
        at.push(row + 1);
        row += 1;
    }
    if let Some(total) = lex.total_markers.first() {
        ws.write_string(row, 0, total)?;
    }
    if let Some(footer) = lex
        .footer_markers
        .iter()
        .find(|m| !m.ends_with(['：', ':']))
    {
        ws.write_string(
            row + 2,
            0,
            format!(
                "{footer}：{}",
                s.campaign
                    .demo
                    .surnames
                    .first()
                    .cloned()
                    .unwrap_or_default()
            ),
        )?;
    }
    for c in 0..width {
        ws.set_column_width(c, 14.0)?;
    }
    Ok(at)
}
