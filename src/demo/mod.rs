//! The demo town generator: a township's village workbooks as they really arrive (title
//! and 填报单位 lines, two-row merged headers, 序号 columns, 合计 and footer lines, full-width
//! digits, stray spaces, units, dates in every form, enum synonyms, a GBK CSV, a workbook
//! holding all three tables, a township-wide review workbook), with the seed's three
//! misentries (judgement 存在一定安全隐患, no hazard rows, a 回头看 review saying
//! 未发现安全隐患). With `faults`, a handful of realistic errors are injected so that the
//! demo also shows the error report. Deterministic for a seed. `generic` makes a town
//! for any campaign from its schemas alone.

pub mod generic;
pub mod rng;
pub mod sheets;
pub mod town;

pub use rng::Rng;
use sheets::*;
pub use town::{building, town, village_name, village_of, Building, Hazard, Review};
use town::{STRUCTURES, USES};

use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::{Format, Workbook};

/// Write the town into `out`; returns the number of files written.
pub fn write_town(out: &Path, seed: u64, n: usize, villages: usize, faults: bool) -> Result<usize> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let villages = villages.clamp(1, n.max(1));
    let mut r = Rng::new(seed.wrapping_add(1));
    let mut files = 0;
    let mut township_reviews: Vec<Vec<String>> = Vec::new();
    let mut first = 0;
    for vi in 0..villages {
        let v = &village_name(vi);
        let mut last = first;
        while last < n && village_of(last, n, villages) == vi {
            last += 1;
        }
        let own: Vec<Building> = (first..last).map(|i| building(seed, i, v)).collect();
        first = last;
        let bs: Vec<&Building> = own.iter().collect();
        let mut m = Mess {
            r: &mut r,
            level: 1.0,
        };
        let style = vi;
        let mut brows: Vec<Vec<String>> = bs
            .iter()
            .map(|b| building_cells(b, &mut m, style))
            .collect();
        let sep = ["、", "，", ";", "/"][vi % 4];
        let hrows: Vec<Vec<String>> = bs
            .iter()
            .flat_map(|b| {
                b.hazards
                    .iter()
                    .map(|h| hazard_cells(h, &b.code, &mut m, sep))
                    .collect::<Vec<_>>()
            })
            .collect();
        let rrows: Vec<Vec<String>> = bs
            .iter()
            .flat_map(|b| {
                b.reviews
                    .iter()
                    .map(|x| review_cells(b, x, &mut m))
                    .collect::<Vec<_>>()
            })
            .collect();
        if faults && vi == 1 {
            inject(&mut brows, m.r);
        }
        if vi == 1 {
            // A GBK CSV pair, as WPS on an old PC saves it.
            let write_csv = |path: &Path, labels: &[&str], rows: &[Vec<String>]| -> Result<()> {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(
                    std::iter::once(format!("长塘镇{v}自建房排查表"))
                        .chain(std::iter::repeat_n(String::new(), labels.len() - 1)),
                )?;
                w.write_record(labels.iter().map(|l| l.replace('\n', "")))?;
                for row in rows {
                    w.write_record(row)?;
                }
                let text = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
                // GBK has no NBSP: a GBK file carries U+3000 instead.
                let text = text.replace('\u{a0}', "\u{3000}");
                let (bytes, _, _) = encoding_rs::GBK.encode(&text);
                crate::output::atomic_write(path, &bytes)
            };
            write_csv(&out.join(format!("{v}房屋信息.csv")), &B_LABELS, &brows)?;
            write_csv(&out.join(format!("{v}隐患台账.csv")), &H_LABELS, &hrows)?;
            township_reviews.extend(rrows);
            files += 2;
            continue;
        }
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("自建房排查")?;
        let two_rows = vi % 2 == 0;
        write_sheet(
            ws,
            &format!("长塘镇{v}经营性自建房安全隐患排查信息表"),
            v,
            &B_LABELS,
            two_rows.then_some(&B_PARENTS[..]),
            &brows,
        )?;
        let ws = wb.add_worksheet();
        ws.set_name("隐患清单")?;
        write_sheet(
            ws,
            &format!("长塘镇{v}自建房安全隐患整治台账"),
            v,
            &H_LABELS,
            None,
            &hrows,
        )?;
        if vi == 0 {
            // The first village keeps its reviews in its own workbook: all three tables.
            let ws = wb.add_worksheet();
            ws.set_name("回头看")?;
            write_sheet(
                ws,
                &format!("长塘镇{v}自建房“回头看”复核情况表"),
                v,
                &R_LABELS,
                None,
                &rrows,
            )?;
        } else {
            township_reviews.extend(rrows);
        }
        let buf = wb.save_to_buffer()?;
        crate::output::atomic_write(&out.join(format!("{v}-自建房安全隐患排查汇总.xlsx")), &buf)?;
        files += 1;
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("复核")?;
    write_sheet(
        ws,
        "长塘镇自建房“回头看”复核汇总表",
        "长塘镇",
        &R_LABELS,
        None,
        &township_reviews,
    )?;
    crate::output::atomic_write(
        &out.join("长塘镇“回头看”复核汇总表.xlsx"),
        &wb.save_to_buffer()?,
    )?;
    Ok(files + 1)
}

/// One plain workbook of `n` valid building rows (21 typed columns under a one-row
/// canonical header), written with a constant-memory worksheet: the benchmark's large
/// inputs. Rows are made one at a time, so any size fits in memory.
pub fn write_plain(path: &Path, seed: u64, n: usize) -> Result<()> {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("房屋信息")?;
    let schemas = crate::schema::Schemas::shipped()?;
    let labels: Vec<&str> = schemas
        .table(schemas.campaign.main())
        .fields
        .iter()
        .map(|f| f.label.as_str())
        .collect();
    for (c, l) in labels.iter().enumerate() {
        ws.write_string(0, c as u16, *l)?;
    }
    let per_village = 850;
    for i in 0..n {
        let mut b = building(seed, i, &village_name(i / per_village));
        b.code = format!("YH450103{:09}", i);
        b.reviews.clear();
        if b.judgement == "未发现安全隐患" || i < 3 {
            b.judgement = "未发现安全隐患";
        }
        let r = i as u32 + 1;
        let yesno = |x: bool| if x { "是" } else { "否" };
        ws.write_string(r, 0, &b.code)?;
        ws.write_string(r, 1, &b.village)?;
        ws.write_string(r, 2, &b.group)?;
        ws.write_string(r, 3, &b.address)?;
        ws.write_string(r, 4, &b.owner)?;
        ws.write_string(r, 5, &b.owner_id)?;
        ws.write_string(r, 6, &b.phone)?;
        ws.write_number(r, 7, b.lon)?;
        ws.write_number(r, 8, b.lat)?;
        ws.write_number(r, 9, b.year as f64)?;
        ws.write_number(r, 10, b.floors as f64)?;
        ws.write_number(r, 11, b.area)?;
        ws.write_string(r, 12, STRUCTURES[b.structure].0)?;
        ws.write_string(r, 13, USES[b.use_].0)?;
        if let Some(x) = b.business {
            ws.write_string(r, 14, x)?;
        }
        ws.write_string(r, 15, yesno(b.altered))?;
        ws.write_string(r, 16, yesno(b.appraised))?;
        if let Some(g) = b.grade {
            ws.write_string(r, 17, g)?;
        }
        ws.write_number_with_format(r, 18, crate::cells::date::date_to_serial(b.survey), &date)?;
        ws.write_string(r, 19, &b.surveyor)?;
        ws.write_string(r, 20, b.judgement)?;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    wb.save(path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn town_is_deterministic_and_has_three_misentries() {
        let a = town(7, 100, 4);
        let b = town(7, 100, 4);
        assert_eq!(a.len(), 100);
        assert_eq!(
            a.iter().map(|x| x.owner_id.clone()).collect::<Vec<_>>(),
            b.iter().map(|x| x.owner_id.clone()).collect::<Vec<_>>()
        );
        let mis = a
            .iter()
            .filter(|b| {
                b.judgement != "未发现安全隐患"
                    && b.hazards.is_empty()
                    && b.reviews.iter().any(|r| r.judgement == "未发现安全隐患")
            })
            .count();
        assert_eq!(mis, 3);
    }
}
