//! The roll-up's files: tally.csv and tally.xlsx (a row per township, a subtotal row per
//! county, 合计 last; the tally columns labelled as a run's tally labels them, the county
//! and township columns and the words 小计 and 合计 from the campaign's `[tally]`), and
//! tally.parquet (a row per township in a run's tally.parquet's schema, `village` null).
//! Each is written atomically into the folder given (the roll-up's staging folder).

use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::{Column, DataFrame};
use rust_xlsxwriter::{Format, Workbook};

use super::{say, sum, Rollup};
use crate::finding::Lang;
use crate::output::atomic::atomic_write;
use crate::output::csvs::csv_bytes;
use crate::output::workbook::{save_xlsx, text_width};
use crate::schema::campaign::TallySpec;

/// What a line of the roll-up's tables is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A township.
    Township,
    /// A county's townships added up.
    Subtotal,
    /// Every township added up.
    Total,
}

/// One line of tally.csv and tally.xlsx: its county and township cells, its counts (every
/// column of the roll-up), and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The county cell (合计 on the total line).
    pub county: String,
    /// The township cell (小计 on a county's line, empty on the total line).
    pub township: String,
    /// The counts, a column of the roll-up each.
    pub counts: Vec<Option<i64>>,
    /// Township, subtotal or total.
    pub kind: Kind,
}

/// The lines of the roll-up's tables: each county's townships then its subtotal, the
/// total last.
pub fn lines(rollup: &Rollup, words: &TallySpec) -> Vec<Line> {
    let width = rollup.keys.len();
    let mut out = Vec::with_capacity(rollup.townships.len() + 8);
    for (county, townships) in rollup.counties() {
        let county = county.unwrap_or("").to_string();
        for t in townships {
            out.push(Line {
                county: county.clone(),
                township: t.township.clone(),
                counts: t.counts.clone(),
                kind: Kind::Township,
            });
        }
        out.push(Line {
            county,
            township: words.subtotal.clone(),
            counts: sum(townships, width),
            kind: Kind::Subtotal,
        });
    }
    out.push(Line {
        county: words.total.clone(),
        township: String::new(),
        counts: sum(&rollup.townships, width),
        kind: Kind::Total,
    });
    out
}

/// Writes tally.csv, tally.xlsx and tally.parquet into `dir`.
pub fn write_all(rollup: &Rollup, words: &TallySpec, dir: &Path, lang: Lang) -> Result<()> {
    let lines = lines(rollup, words);
    let failed = |name: &str| {
        say(
            lang,
            format!("无法写入 {name}（磁盘已满或没有写权限），输出文件夹保持不变"),
            format!(
                "cannot write {name} (disk full or no permission); the output folder is untouched"
            ),
        )
    };
    atomic_write(&dir.join("tally.csv"), &csv(rollup, words, &lines)?)
        .with_context(|| failed("tally.csv"))?;
    xlsx(rollup, words, &lines, &dir.join("tally.xlsx")).with_context(|| failed("tally.xlsx"))?;
    parquet(rollup, &dir.join("tally.parquet")).with_context(|| failed("tally.parquet"))
}

/// tally.csv's bytes: `county,township`, then the keys of the columns counted that a run's
/// tally.csv has (`csv = true`); a line per township, county subtotal and the total. A
/// count no run could make is empty.
pub fn csv(rollup: &Rollup, words: &TallySpec, lines: &[Line]) -> Result<Vec<u8>> {
    let kept: Vec<usize> = rollup
        .counted()
        .into_iter()
        .filter(|&k| {
            !words
                .columns
                .iter()
                .any(|c| c.key == rollup.keys[k] && !c.csv)
        })
        .collect();
    let header: Vec<&str> = ["county", "township"]
        .into_iter()
        .chain(kept.iter().map(|&k| rollup.keys[k].as_str()))
        .collect();
    let rows = lines.iter().map(|l| {
        [l.county.clone(), l.township.clone()]
            .into_iter()
            .chain(
                kept.iter()
                    .map(|&k| l.counts[k].map(|n| n.to_string()).unwrap_or_default()),
            )
            .collect::<Vec<_>>()
    });
    csv_bytes(&header, rows, true)
}

/// tally.xlsx: one sheet (the campaign's `[tally] sheet`) of the county and township
/// columns and every column counted, by its label; subtotal and total lines in bold;
/// printed A4 landscape one page wide with the header on every page.
pub fn xlsx(rollup: &Rollup, words: &TallySpec, lines: &[Line], path: &Path) -> Result<()> {
    let mut wb = Workbook::new();
    let head = crate::output::styles::column_head();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(&words.sheet)?;
    let shown = rollup.counted();
    let labels: Vec<&str> = [words.county.as_str(), words.township.as_str()]
        .into_iter()
        .chain(shown.iter().map(|&k| words.label(&rollup.keys[k])))
        .collect();
    for (i, label) in labels.iter().enumerate() {
        // A label with a note in brackets breaks before it, as a run's tally.xlsx does.
        let cell = match label.find('（') {
            Some(at) if at > 0 && i >= 2 => format!("{}\n{}", &label[..at], &label[at..]),
            _ => label.to_string(),
        };
        ws.write_string_with_format(0, i as u16, &cell, &head)?;
        let width = (text_width(label) / 2.0 + 4.0).max(9.0);
        ws.set_column_width(i as u16, if i < 2 { 16.0 } else { width })?;
    }
    ws.set_row_height(0, 34)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    for (r, line) in lines.iter().enumerate() {
        let row = r as u32 + 1;
        let format = (line.kind != Kind::Township).then_some(&bold);
        for (c, text) in [&line.county, &line.township].into_iter().enumerate() {
            match format {
                Some(f) => ws.write_string_with_format(row, c as u16, text, f)?,
                None => ws.write_string(row, c as u16, text)?,
            };
        }
        for (c, &k) in shown.iter().enumerate() {
            let col = c as u16 + 2;
            match (line.counts[k], format) {
                (Some(n), Some(f)) => ws.write_number_with_format(row, col, n as f64, f)?,
                (Some(n), None) => ws.write_number(row, col, n as f64)?,
                (None, _) => ws,
            };
        }
    }
    ws.set_freeze_panes(1, 2)?;
    save_xlsx(&mut wb, path, chrono::Local::now().date_naive())
}

/// tally.parquet: a row per township, as a run's tally.parquet (docs/parquet.md):
/// `county, township, village` (village null), then every tally column of the campaign,
/// Int64, null where no run counted it; written as a run writes its Parquet (zstd).
pub fn parquet(rollup: &Rollup, path: &Path) -> Result<()> {
    crate::output::parquet::sink::write_frames(path, [frame(rollup)], None)
}

/// The roll-up's townships as a frame of a run's tally.parquet's schema.
pub fn frame(rollup: &Rollup) -> Result<DataFrame> {
    let t = &rollup.townships;
    let mut columns = vec![
        Column::new(
            "county".into(),
            t.iter().map(|t| t.county.as_deref()).collect::<Vec<_>>(),
        ),
        Column::new(
            "township".into(),
            t.iter()
                .map(|t| Some(t.township.as_str()))
                .collect::<Vec<_>>(),
        ),
        Column::new("village".into(), vec![None::<&str>; t.len()]),
    ];
    for (k, key) in rollup.keys.iter().enumerate() {
        columns.push(Column::new(
            key.as_str().into(),
            t.iter().map(|t| t.counts[k]).collect::<Vec<Option<i64>>>(),
        ));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::Township;

    fn words() -> TallySpec {
        toml::from_str(
            r#"
            total = "合计"
            sheet = "统计"
            village = "村（社区）"
            county = "县（市、区）"
            township = "乡镇（街道）"
            subtotal = "小计"
            [[columns]]
            key = "a"
            label = "甲（栋）"
            table = "buildings"
            [[columns]]
            key = "people"
            label = "只给人看"
            table = "buildings"
            csv = false
            [[columns]]
            key = "roster"
            label = "名册"
            coverage = "listed"
            "#,
        )
        .expect("a [tally]")
    }

    fn rollup() -> Rollup {
        let town = |c: Option<&str>, t: &str, n: i64| Township {
            county: c.map(str::to_string),
            township: t.into(),
            counts: vec![Some(n), Some(10 * n), None],
        };
        Rollup {
            keys: vec!["a".into(), "people".into(), "roster".into()],
            townships: vec![
                town(Some("X县"), "A镇", 1),
                town(Some("X县"), "B乡", 2),
                town(Some("Y县"), "=C", 4),
            ],
        }
    }

    #[test]
    fn a_tally_without_the_rollups_words_loads_with_the_keys_in_their_place() {
        // A [tally] written before the roll-up had its words: the columns' keys stand in.
        let w: TallySpec = toml::from_str(
            r#"
            total = "合计"
            sheet = "统计"
            village = "村（社区）"
            [[columns]]
            key = "a"
            label = "甲"
            table = "buildings"
            "#,
        )
        .unwrap();
        assert_eq!(
            (w.county.as_str(), w.township.as_str(), w.subtotal.as_str()),
            ("county", "township", "subtotal")
        );
        let shipped = crate::schema::Schemas::shipped().unwrap();
        assert_eq!(shipped.campaign.tally.county, "县（市、区）");
    }

    #[test]
    fn the_csv_has_townships_subtotals_and_the_total_of_the_counted_csv_columns() {
        let (r, w) = (rollup(), words());
        let bytes = csv(&r, &w, &lines(&r, &w)).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "county,township,a",
                "X县,A镇,1",
                "X县,B乡,2",
                "X县,小计,3",
                "Y县,'=C,4",
                "Y县,小计,4",
                "合计,,7",
            ]
        );
    }

    #[test]
    fn the_parquet_has_a_runs_tally_schema_and_the_xlsx_opens() {
        let t = tempfile::tempdir().unwrap();
        let (r, w) = (rollup(), words());
        write_all(&r, &w, t.path(), Lang::Zh).unwrap();
        let f = std::fs::File::open(t.path().join("tally.parquet")).unwrap();
        use polars::prelude::SerReader;
        let back = polars::prelude::ParquetReader::new(f).finish().unwrap();
        let names: Vec<&str> = back.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(
            names,
            ["county", "township", "village", "a", "people", "roster"]
        );
        assert_eq!(back.column("village").unwrap().null_count(), 3);
        assert_eq!(back.column("roster").unwrap().null_count(), 3);
        assert_eq!(
            back.column("people")
                .unwrap()
                .i64()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            [Some(10), Some(20), Some(40)]
        );
        use calamine::Reader;
        let mut wb = calamine::open_workbook_auto(t.path().join("tally.xlsx")).unwrap();
        let sheet = wb.worksheet_range("统计").unwrap();
        let cell = |r: u32, c: u32| sheet.get_value((r, c)).map(|v| v.to_string());
        assert_eq!(cell(0, 0).as_deref(), Some("县（市、区）"));
        assert_eq!(cell(0, 3).as_deref(), Some("只给人看"));
        assert_eq!(cell(3, 1).as_deref(), Some("小计"));
        assert_eq!(cell(6, 0).as_deref(), Some("合计"));
        assert_eq!(cell(6, 3).as_deref(), Some("70"));
        // The roster's column, which no run counted, is left out.
        assert_eq!(sheet.width(), 4);
    }
}
