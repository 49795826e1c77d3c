//! Tallies for the township report (SPEC §7): one indicator row per accepted building,
//! accepted hazard, proposal and rejected building, summed per village with a polars
//! group-by; tally.csv and tally.xlsx (with a column chart of buildings by judgement).

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;
use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};

use crate::model::Run;
use crate::writeoff::Reason;

pub const TALLY_HEADER: [&str; 15] = [
    "village",
    "buildings",
    "commercial",
    "no_hazard",
    "some_hazard",
    "severe_hazard",
    "hazards",
    "unrectified",
    "rectifying",
    "rectified",
    "written_off",
    "writeoff_misentry",
    "writeoff_suspected",
    "writeoff_rectified",
    "rejected",
];

/// Number of count columns (TALLY_HEADER without `village`).
pub const N: usize = 14;

#[derive(Debug, Clone, serde::Serialize)]
pub struct TallyRow {
    pub village: String,
    pub counts: [i64; N],
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Tally {
    pub rows: Vec<TallyRow>,
    pub total: TallyRow,
}

/// Column positions in `counts`.
mod c {
    pub const BUILDINGS: usize = 0;
    pub const COMMERCIAL: usize = 1;
    pub const NO: usize = 2;
    pub const SOME: usize = 3;
    pub const SEVERE: usize = 4;
    pub const HAZARDS: usize = 5;
    pub const UNRECT: usize = 6;
    pub const RECTING: usize = 7;
    pub const RECT: usize = 8;
    pub const WRITTEN: usize = 9;
    pub const W_MIS: usize = 10;
    pub const W_SUS: usize = 11;
    pub const W_RECT: usize = 12;
    pub const REJECTED: usize = 13;
}

pub fn compute(run: &Run, words: &crate::schema::TallyWords) -> Result<Tally> {
    // Villages by number: grouping on an integer key is what polars does fastest.
    let mut names: Vec<String> = Vec::new();
    let mut number: HashMap<String, u32> = HashMap::new();
    let mut villages: Vec<u32> = Vec::new();
    let mut cols: Vec<Vec<i64>> = vec![Vec::new(); N];
    let mut push = |v: &str, set: &[usize]| {
        let id = match number.get(v) {
            Some(&id) => id,
            None => {
                let id = names.len() as u32;
                names.push(v.to_string());
                number.insert(v.to_string(), id);
                id
            }
        };
        villages.push(id);
        for (i, col) in cols.iter_mut().enumerate() {
            col.push(i64::from(set.contains(&i)));
        }
    };
    if let Some(ix) = &run.idx {
        let mut village_of: HashMap<&str, &str> = HashMap::new();
        for b in run.table(crate::schema::TableKind::Buildings) {
            let v = if b.text(ix.b_village).is_empty() {
                run.village_of_file[b.file].as_str()
            } else {
                b.text(ix.b_village)
            };
            if let Some(code) = b.vals[ix.b_code].as_str() {
                if !b.rejected || !village_of.contains_key(code) {
                    village_of.insert(code, v);
                }
            }
            if b.rejected {
                push(v, &[c::REJECTED]);
                continue;
            }
            let mut set = vec![c::BUILDINGS];
            if ix.commercial.iter().any(|u| b.vals[ix.b_use].matches(u)) {
                set.push(c::COMMERCIAL);
            }
            let j = b.vals[ix.b_judgement].display();
            if j == ix.no_hazard {
                set.push(c::NO);
            } else if j == ix.some_hazard {
                set.push(c::SOME);
            } else if j == ix.severe_hazard {
                set.push(c::SEVERE);
            }
            push(v, &set);
        }
        for h in run
            .table(crate::schema::TableKind::Hazards)
            .iter()
            .filter(|h| !h.rejected)
        {
            let v = h.vals[ix.h_building]
                .as_str()
                .and_then(|c| village_of.get(c).copied())
                .unwrap_or(run.village_of_file[h.file].as_str());
            let mut set = vec![c::HAZARDS];
            let st = h.vals[ix.h_status].display();
            match st.as_str() {
                s if s == ix.unrectified => set.push(c::UNRECT),
                s if s == ix.rectifying => set.push(c::RECTING),
                s if s == ix.rectified => set.push(c::RECT),
                _ => {}
            }
            if h.vals[ix.h_writeoff].matches(&ix.written_off) {
                set.push(c::WRITTEN);
            }
            push(v, &set);
        }
        for p in &run.proposals {
            let v = village_of
                .get(p.building_code.as_str())
                .copied()
                .unwrap_or(p.village.as_str());
            let k = match p.reason {
                Reason::Misentry => c::W_MIS,
                Reason::SuspectedMisentry => c::W_SUS,
                Reason::Rectified => c::W_RECT,
            };
            push(v, &[k]);
        }
    }
    let mut columns = vec![Column::new("village".into(), villages)];
    for (i, col) in cols.into_iter().enumerate() {
        columns.push(Column::new(TALLY_HEADER[i + 1].into(), col));
    }
    let df = DataFrame::new(columns).context("tally frame")?;
    let aggs: Vec<Expr> = TALLY_HEADER[1..].iter().map(|n| col(*n).sum()).collect();
    let out = df
        .lazy()
        .group_by([col("village")])
        .agg(aggs)
        .collect()
        .context("tally group-by")?;
    let vs = out.column("village")?.u32()?.clone();
    let mut rows: Vec<TallyRow> = Vec::new();
    for i in 0..out.height() {
        let mut counts = [0i64; N];
        for (k, name) in TALLY_HEADER[1..].iter().enumerate() {
            counts[k] = out.column(name)?.i64()?.get(i).unwrap_or(0);
        }
        let name = vs.get(i).and_then(|id| names.get(id as usize));
        rows.push(TallyRow {
            village: name.cloned().unwrap_or_default(),
            counts,
        });
    }
    rows.sort_by(|a, b| a.village.cmp(&b.village));
    let mut total = TallyRow {
        village: words.total.clone(),
        counts: [0; N],
    };
    for r in &rows {
        for k in 0..N {
            total.counts[k] += r.counts[k];
        }
    }
    Ok(Tally { rows, total })
}

pub fn write_xlsx(t: &Tally, words: &crate::schema::TallyWords, path: &Path) -> Result<()> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    let sheet = words.sheet.as_str();
    ws.set_name(sheet)?;
    let head = head
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Center);
    // Each column's label from the schema (its key when the schema has none).
    let labels: Vec<&str> = TALLY_HEADER
        .iter()
        .map(|k| words.labels.get(*k).map(String::as_str).unwrap_or(k))
        .collect();
    for (i, l) in labels.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *l, &head)?;
        // Wide enough for the label on two lines (CJK characters count double).
        let w = (super::text_width(l) / 2.0 + 4.0).max(9.0);
        ws.set_column_width(i as u16, if i == 0 { 16.0 } else { w })?;
    }
    ws.set_row_height(0, 34)?;
    // A4 landscape, one page wide; the chart below the table starts a page of its own.
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    let all: Vec<&TallyRow> = t.rows.iter().chain(std::iter::once(&t.total)).collect();
    for (r, row) in all.iter().enumerate() {
        let rr = r as u32 + 1;
        let last = r + 1 == all.len();
        if last {
            ws.write_string_with_format(rr, 0, &row.village, &bold)?;
        } else {
            ws.write_string(rr, 0, &row.village)?;
        }
        for (k, n) in row.counts.iter().enumerate() {
            ws.write_number(rr, k as u16 + 1, *n as f64)?;
        }
    }
    ws.set_freeze_panes(1, 1)?;
    if !t.rows.is_empty() {
        let n = t.rows.len() as u32;
        let mut chart = Chart::new(ChartType::Column);
        for k in [c::NO, c::SOME, c::SEVERE] {
            let colk = k as u16 + 1;
            chart
                .add_series()
                .set_categories((sheet, 1, 0, n, 0))
                .set_values((sheet, 1, colk, n, colk))
                .set_name((sheet, 0, colk));
        }
        chart.title().set_name(&words.chart_title);
        chart.x_axis().set_name(&words.chart_x);
        chart.y_axis().set_name(&words.chart_y);
        chart.set_width(900).set_height(420);
        let at = n + 3;
        ws.set_page_breaks(&[at])?;
        ws.insert_chart(at, 0, &chart)?;
    }
    super::save_xlsx(&mut wb, path)
}
