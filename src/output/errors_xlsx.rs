//! errors.xlsx for people: a 汇总 sheet (per village: files, rows, errors, warnings, top
//! rules), one sheet per village listing its findings with Chinese headers and coloured
//! severities, and a 销号建议 sheet with the write-off proposals.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use rust_xlsxwriter::{Format, Worksheet};

use super::findings_table::write_findings;
use super::names::{sheet_name, Unique};
use super::styles::Styles;
use super::workbook::{
    end_rows, fit, new_workbook, print_setup, row_height, save_xlsx, RowHeights, MAX_ROWS,
};
use super::writer::Writer;
use crate::finding::{Finding, Lang};
use crate::model::Run;
use crate::rules::words::Words;

/// One village's line of the 汇总 sheet, and its findings.
#[derive(Default)]
pub struct VillageStats<'a> {
    /// Its files.
    pub files: usize,
    /// Rows read from its files.
    pub rows: usize,
    /// Errors to fix on the row itself.
    pub errors: usize,
    /// Rows held back because of another row (knock-ons).
    pub held: usize,
    /// Warnings.
    pub warnings: usize,
    /// Findings to fix per rule (knock-ons apart).
    pub rules: BTreeMap<String, usize>,
    /// Its findings, in the run's order.
    pub list: Vec<&'a Finding>,
}

/// A sheet's header row (row 1), its column widths and its print setup, the header
/// printed on every page.
fn head_row(ws: &mut Worksheet, heads: &[&str], widths: &[f64], st: &Styles) -> Result<()> {
    head_row_once(ws, heads, widths, st)?;
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// `head_row` for a sheet whose summary is followed by a list with headers of its own:
/// the summary's header is not printed again over the list.
fn head_row_once(ws: &mut Worksheet, heads: &[&str], widths: &[f64], st: &Styles) -> Result<()> {
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &st.head)?;
    }
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, *w)?;
    }
    print_setup(ws, 0)
}

/// Below the villages on 汇总, from row `r`: every distinct wording to check, once each
/// (`rules::wordings`), in the sheet's six columns — the wording, its kind, table and
/// field, how many, whether it was taken (yellow) or not (red), and what the run did, the
/// evidence and where it stands.
fn wordings_block(
    ws: &mut Worksheet,
    r: u32,
    run: &Run,
    words: &Words,
    lang: Lang,
    st: &Styles,
) -> Result<()> {
    let zh = lang == Lang::Zh;
    let title = if run.wordings.is_empty() {
        if zh {
            "需要核对的写法：没有（所有列名和选项都按标准写法或本镇写法读取）".to_string()
        } else {
            "Wordings to check: none (every header and option was read by a listed form)".into()
        }
    } else if zh {
        format!(
            "需要核对的写法（每种写法一行，共 {} 种；核对后可写入本镇写法 learned.toml，用 --aliases 再运行）",
            run.wordings.len()
        )
    } else {
        format!(
            "Wordings to check ({}, one line each; once reviewed, learned.toml passed with --aliases remembers them)",
            run.wordings.len()
        )
    };
    ws.write_string_with_format(r, 0, title, &Format::new().set_bold())?;
    if run.wordings.is_empty() {
        return Ok(());
    }
    let heads: [&str; 6] = if zh {
        [
            "写法",
            "类别",
            "表 · 字段",
            "处数",
            "状态",
            "本次处理 · 依据 · 位置",
        ]
    } else {
        [
            "wording",
            "kind",
            "table · field",
            "count",
            "state",
            "what the run did · evidence · where",
        ]
    };
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(r + 1, c as u16, *h, &st.head)?;
    }
    for (k, w) in run.wordings.iter().take(50_000).enumerate() {
        let row = r + 2 + k as u32;
        let [kind, table, field, form, done, how, count, places] = words.wording(w, lang);
        let where_ = format!(
            "{done}。{}{how}。{}{places}",
            if zh { "依据：" } else { "Evidence: " },
            if zh { "位置：" } else { "Where: " }
        );
        let tf = format!("{table} · {field}");
        ws.set_row_height(
            row,
            row_height(&[(&form, 18.0), (&tf, 16.0), (&where_, 70.0)]),
        )?;
        ws.write_string_with_format(row, 0, fit(&form), &st.wrap)?;
        ws.write_string_with_format(row, 1, kind, &st.top)?;
        ws.write_string_with_format(row, 2, tf, &st.wrap)?;
        ws.write_number_with_format(row, 3, count.parse::<f64>().unwrap_or(0.0), &st.top)?;
        let (state, fmt) = match (&w.taken, zh) {
            (Some(_), true) => ("待核对", &st.warning),
            (Some(_), false) => ("to confirm", &st.warning),
            (None, true) => ("未采用", &st.error),
            (None, false) => ("not read", &st.error),
        };
        ws.write_string_with_format(row, 4, state, fmt)?;
        ws.write_string_with_format(row, 5, fit(&where_), &st.wrap)?;
    }
    Ok(())
}

/// errors.xlsx, as the registry writes it.
pub const WRITER: Writer = Writer {
    name: "errors.xlsx",
    is_folder: false,
    write: |c, path| write(c.run, &c.words, path, c.lang, &c.tmp),
};

/// Writes errors.xlsx: the 汇总 sheet, a sheet of findings per village and the write-off
/// proposals.
pub fn write(run: &Run, words: &Words, path: &Path, lang: Lang, tmp: &Path) -> Result<()> {
    let st = Styles::new();
    let mut wb = new_workbook(tmp, run.findings.len() as u64 * 10)?;
    let mut used = Unique::default();
    let by_village = village_stats(run, words);
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet_name("汇总", &mut used))?;
    summary_sheet(ws, &by_village, run, words, lang, &st)?;
    for (v, e) in &by_village {
        if e.list.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet_name(v, &mut used))?;
        let list = crate::finding::knock_ons_under_causes(&e.list);
        write_findings(ws, &list, lang, &st, words)?;
    }
    // The write-off proposals (销号建议).
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet_name(words.writeoffs_title(), &mut used))?;
    writeoffs_sheet(ws, run, words, &st)?;
    if let Some(rounds) = &run.rounds {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet_name("整改对比", &mut used))?;
        write_rounds(ws, rounds, words, &st)?;
    }
    if let Some(cv) = &run.coverage {
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet_name(&cv.sheet, &mut used))?;
        write_coverage(ws, cv, words, &st)?;
    }
    save_xlsx(&mut wb, path, run.day)
}

/// Per village: its files, rows, errors, knock-ons, warnings, rule counts and findings.
pub fn village_stats<'a>(run: &'a Run, words: &Words) -> BTreeMap<String, VillageStats<'a>> {
    let village_in = run.finding_villages();
    let village_of = |f: &Finding| -> String {
        village_in(f)
            .map(|v| v.to_string())
            .unwrap_or_else(|| words.unknown_village().to_string())
    };
    let mut by_v: BTreeMap<String, VillageStats> = BTreeMap::new();
    for (i, v) in run.village_of_file.iter().enumerate() {
        let e = by_v.entry(v.clone()).or_default();
        e.files += 1;
        e.rows += run.files[i].rows_read.iter().sum::<usize>();
    }
    for f in &run.findings {
        let e = by_v.entry(village_of(f)).or_default();
        if f.knock_on {
            e.held += 1;
        } else {
            if f.is_error() {
                e.errors += 1;
            } else {
                e.warnings += 1;
            }
            *e.rules.entry(f.code.clone()).or_default() += 1;
        }
        e.list.push(f);
    }
    by_v
}

/// The 汇总 sheet: a line per village (its counts, the errors, knock-ons and warnings
/// coloured, its three most frequent problems), the total, then the wordings to check.
fn summary_sheet(
    ws: &mut Worksheet,
    by_village: &BTreeMap<String, VillageStats>,
    run: &Run,
    words: &Words,
    lang: Lang,
    st: &Styles,
) -> Result<()> {
    let heads = [
        words.village(),
        "文件数",
        "数据行数",
        "错误（需改正）",
        "随之暂缓（无需改动）",
        "警告（请核实）",
        "最常见的问题",
    ];
    head_row(ws, &heads, &[18.0, 8.0, 10.0, 10.0, 12.0, 10.0, 64.0], st)?;
    ws.set_row_height(0, 32)?;
    let mut sums = [0usize; 5];
    for (k, (v, e)) in by_village.iter().enumerate() {
        let r = k as u32 + 1;
        let counts = [e.files, e.rows, e.errors, e.held, e.warnings];
        for (s, x) in sums.iter_mut().zip(counts) {
            *s += x;
        }
        let text = top_rules(&e.rules, words);
        ws.set_row_height(r, row_height(&[(&text, 64.0)]))?;
        ws.write_string_with_format(r, 0, v, &st.top)?;
        for (c, n) in counts.iter().enumerate() {
            let fmt = match c {
                2 if *n > 0 => &st.error,
                3 if *n > 0 => &st.held,
                4 if *n > 0 => &st.warning,
                _ => &st.top,
            };
            ws.write_number_with_format(r, c as u16 + 1, *n as f64, fmt)?;
        }
        ws.write_string_with_format(r, 6, text, &st.wrap)?;
    }
    let r = by_village.len() as u32 + 1;
    ws.write_string_with_format(r, 0, words.total(), &st.total)?;
    for (c, n) in sums.iter().enumerate() {
        ws.write_number_with_format(r, c as u16 + 1, *n as f64, &st.total)?;
    }
    ws.write_string_with_format(r, 6, "", &st.total)?;
    wordings_block(ws, r + 2, run, words, lang, st)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A village's three most frequent problems, with their counts, in words.
fn top_rules(rules: &BTreeMap<String, usize>, words: &Words) -> String {
    let mut top: Vec<(&String, &usize)> = rules.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let text: Vec<String> = top
        .iter()
        .take(3)
        .map(|(c, n)| format!("{} ×{n}", words.code_and_title(c)))
        .collect();
    text.join("；")
}

/// The write-off proposals' sheet: a line per proposal, its identity and evidence.
fn writeoffs_sheet(ws: &mut Worksheet, run: &Run, words: &Words, st: &Styles) -> Result<()> {
    let [main, item, village] = words.writeoff_columns();
    let heads = [
        "建议类型",
        main,
        item,
        village,
        "文件",
        "工作表",
        "行",
        "依据（可直接粘贴到平台）",
    ];
    head_row(
        ws,
        &heads,
        &[12.0, 20.0, 22.0, 10.0, 24.0, 12.0, 6.0, 80.0],
        st,
    )?;
    // Each column's format set once on the column and its cells written without one: they
    // take the column's, the same as given per cell, which rust_xlsxwriter hashes whole
    // each time (40 % of this sheet's time at 717k proposals).
    let format_of = |c: u16| if c == 4 || c == 7 { &st.wrap } else { &st.top };
    for c in 0..heads.len() as u16 {
        ws.set_column_format(c, format_of(c))?;
    }
    // An empty text is a blank cell in its column's format, as before (rust_xlsxwriter
    // writes no cell for an empty text without a format).
    let text = |ws: &mut Worksheet, r: u32, c: u16, s: &str| -> Result<()> {
        match s.is_empty() {
            true => ws.write_string_with_format(r, c, s, format_of(c))?,
            false => ws.write_string(r, c, s)?,
        };
        Ok(())
    };
    let shown = run.proposals.len().min((MAX_ROWS - 1) as usize);
    let height = |p: &crate::model::Proposal, evidence: &str| {
        row_height(&[(&run.rel[p.file], 24.0), (evidence, 80.0)])
    };
    let heights = RowHeights::new(ws, shown, |i| {
        let p = &run.proposals[i];
        height(p, &run.evidence(p))
    });
    heights.plain(ws, 0)?;
    for (k, p) in run.proposals.iter().take(shown).enumerate() {
        let r = k as u32 + 1;
        let evidence = run.evidence(p);
        heights.set(ws, r, height(p, &evidence))?;
        text(ws, r, 0, words.reason(&p.reason))?;
        text(ws, r, 1, p.main_code.as_str())?;
        text(ws, r, 2, p.item_code.as_str())?;
        text(ws, r, 3, p.village.as_str())?;
        text(ws, r, 4, &run.rel[p.file])?;
        text(ws, r, 5, p.sheet.as_str())?;
        ws.write_number(r, 6, (p.row + 1) as f64)?;
        text(ws, r, 7, &fit(&evidence))?;
    }
    end_rows(ws, shown as u32 + 1, &st.top)?;
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// What a coverage line came to, on its sheet (in the campaign's words); and the order
/// the sheet lists them in (what needs doing first).
fn cover_word(cv: &crate::model::Coverage, status: &str) -> (String, u8) {
    match status {
        "missing" => (format!("{}有、{}", cv.label, cv.missing), 0),
        "unlisted" => (format!("{}、不在{}", cv.found, cv.label), 1),
        "twice" => (format!("{}重复", cv.label), 2),
        _ => (cv.found.clone(), 3),
    }
}

/// The coverage sheet: per village the roster's houses, how many were surveyed, how many
/// not, the share, the survey rows it does not list; how entries were found; then every
/// house left out or unlisted, and after them those found.
fn write_coverage(
    ws: &mut Worksheet,
    cv: &crate::model::Coverage,
    words: &Words,
    st: &Styles,
) -> Result<()> {
    let (listed, unlisted, twice) = (
        format!("{}条目", cv.label),
        format!("不在{}", cv.label),
        format!("{}重复", cv.label),
    );
    let heads = [
        words.village(),
        &listed,
        &cv.found,
        &cv.missing,
        "覆盖率",
        &unlisted,
        &twice,
    ];
    head_row_once(
        ws,
        &heads,
        &[16.0, 16.0, 12.0, 22.0, 30.0, 30.0, 16.0, 16.0, 24.0, 24.0],
        st,
    )?;
    let rows = cv.villages.iter().map(|(v, c)| (v.as_str(), c));
    let mut row = count_rows(ws, rows, (words.total(), &cv.total), st, |c| {
        let rate = c.rate().map(|r| format!("{r:.1}%")).unwrap_or_default();
        vec![
            Count::N(c.listed),
            Count::N(c.covered),
            Count::N(c.missing),
            Count::T(rate),
            Count::N(c.unlisted),
            Count::N(c.twice),
        ]
    })?;
    let found: Vec<String> = cv
        .by_level
        .iter()
        .map(|(label, n)| format!("按{label}找到 {n} 条"))
        .collect();
    ws.write_string(row + 1, 0, format!("找到的方式：{}", found.join("；")))?;
    row += 3;
    let at_list = format!("{}中位置", cv.label);
    let heads: Vec<&str> = [words.village(), "核对结果", "找到方式"]
        .into_iter()
        .chain(
            cv.fields
                .iter()
                .map(|k| words.field(k, crate::finding::Lang::Zh)),
        )
        .chain([at_list.as_str(), "报表中位置"])
        .collect();
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &st.head)?;
    }
    let mut lines: Vec<&crate::model::CoverLine> = cv.lines.iter().collect();
    lines.sort_by_key(|l| cover_word(cv, l.status).1);
    for l in lines.iter().take((MAX_ROWS - row - 1) as usize) {
        row += 1;
        let at = |file: &str, sheet: &str, r: u32| match sheet {
            "" => format!("{file} 第{}行", r + 1),
            _ => format!("{file}「{sheet}」第{}行", r + 1),
        };
        let at_roster = l
            .roster
            .as_ref()
            .map(|(sheet, r)| at(&cv.file, sheet, *r))
            .unwrap_or_default();
        let at_survey = l
            .survey
            .as_ref()
            .map(|(file, sheet, r)| at(file, sheet, *r))
            .unwrap_or_default();
        let status = cover_word(cv, l.status).0;
        let cells = [l.village.as_str(), &status, &l.by]
            .into_iter()
            .chain(l.vals.iter().map(String::as_str))
            .chain([at_roster.as_str(), at_survey.as_str()]);
        for (i, v) in cells.enumerate() {
            ws.write_string(row, i as u16, fit(v))?;
        }
    }
    Ok(())
}

/// A cell of a per-village counts table: a count, or a text (a share).
enum Count {
    N(usize),
    T(String),
}

/// Per-village counts under a sheet's header row, then the total in bold: a row per
/// village of `cells` of its counts. Returns the row after the total.
fn count_rows<'a, C: 'a>(
    ws: &mut Worksheet,
    villages: impl Iterator<Item = (&'a str, &'a C)>,
    total: (&'a str, &'a C),
    st: &Styles,
    cells: impl Fn(&C) -> Vec<Count>,
) -> Result<u32> {
    let mut row = 1u32;
    let all = villages
        .map(|(v, c)| (v, c, false))
        .chain(std::iter::once((total.0, total.1, true)));
    for (v, c, is_total) in all {
        let f = if is_total { &st.total } else { &st.wrap };
        ws.write_string_with_format(row, 0, v, f)?;
        for (k, cell) in cells(c).into_iter().enumerate() {
            let col = k as u16 + 1;
            match cell {
                Count::N(n) => ws.write_number_with_format(row, col, n as f64, f)?,
                Count::T(t) => ws.write_string_with_format(row, col, &t, f)?,
            };
        }
        row += 1;
    }
    Ok(row)
}

/// What a change is called on the 整改对比 sheet.
fn change_word(change: &str) -> &'static str {
    match change {
        "fixed" => "已改正",
        "open" => "仍未改正",
        "new" => "新发现",
        "added" => "新增行",
        "removed" => "删除行",
        _ => "值有改动",
    }
}

/// 整改对比: per village how many were fixed, are still open, are new, rows added,
/// removed and values changed; then each change.
fn write_rounds(
    ws: &mut Worksheet,
    r: &crate::model::Rounds,
    words: &Words,
    st: &Styles,
) -> Result<()> {
    let heads = [
        words.village(),
        "已改正",
        "仍未改正",
        "新发现",
        "新增行",
        "删除行",
        "值有改动",
    ];
    head_row_once(
        ws,
        &heads,
        &[16.0, 20.0, 22.0, 10.0, 30.0, 12.0, 16.0, 16.0],
        st,
    )?;
    let rows = r.villages.iter().map(|(v, c)| (v.as_str(), c));
    let mut row = count_rows(ws, rows, (words.total(), &r.total), st, |c| {
        [c.fixed, c.open, c.new, c.added, c.removed, c.changed]
            .into_iter()
            .map(Count::N)
            .collect()
    })?;
    row += 1;
    let [main, item, village] = words.writeoff_columns();
    let heads = [village, main, item, "变化", "问题", "字段", "原值", "新值"];
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(row, i as u16, *h, &st.head)?;
    }
    for l in r.lines.iter().take((MAX_ROWS - row - 1) as usize) {
        row += 1;
        let problem = if l.code.is_empty() {
            String::new()
        } else {
            words.code_and_title(&l.code)
        };
        let field = if l.field.is_empty() {
            ""
        } else {
            words.field(&l.field, crate::finding::Lang::Zh)
        };
        // A key of several fields (a review: its building and date) read as words.
        let item = l.item.replace('|', " ");
        for (i, v) in [
            l.village.as_str(),
            &l.main,
            &item,
            change_word(l.change),
            &problem,
            field,
            &l.old,
            &l.new,
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(row, i as u16, fit(v))?;
        }
    }
    Ok(())
}
