//! 退回各村/: the package the township sends each village that has something to fix —
//! its annotated workbooks (copied from annotated/, so it runs after that writer) and one
//! `<村>-问题清单.xlsx`: a cover sheet (how many errors and warnings, in which files, which
//! problems to fix first, by when if `--deadline` was given) and the village's findings in
//! the errors.xlsx layout. A village with no finding gets no folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use rust_xlsxwriter::Workbook;

use super::atomic::write_atomically;
use super::findings_table::write_findings;
use super::folders::{copy_names, package_folder, package_list, ANNOTATED, RETURNS};
use super::styles::Styles;
use super::workbook::{print_setup, row_height, save_xlsx};
use super::writer::{Ctx, Writer};
use crate::finding::Finding;

/// 退回各村/, as the registry writes it (after annotated/, which it copies from).
pub const WRITER: Writer = Writer {
    name: RETURNS,
    is_folder: true,
    write,
};

/// How many kinds of problem the cover lists as the ones to fix first.
const FIRST: usize = 5;

/// One village's part of the run: its files (indexes) and findings.
#[derive(Default)]
struct Village<'a> {
    files: Vec<usize>,
    findings: Vec<&'a Finding>,
}

/// Writes 退回各村/: for each village with something to fix, its annotated workbooks and a 问题清单
/// workbook with a cover sheet.
pub fn write(c: &Ctx, dir: &Path) -> Result<()> {
    let run = c.run;
    let copies = copy_names(run);
    let mut villages: BTreeMap<&str, Village> = BTreeMap::new();
    for (i, v) in run.village_of_file.iter().enumerate() {
        villages.entry(v.as_str()).or_default().files.push(i);
    }
    // A file holding several villages goes to each of them.
    for (&i, sheets) in &run.village_of_row {
        let named: std::collections::BTreeSet<&str> =
            sheets.values().flat_map(|rows| rows.names()).collect();
        for v in named {
            let files = &mut villages.entry(v).or_default().files;
            if !files.contains(&i) {
                files.push(i);
            }
        }
    }
    // A village that sent nothing still gets the roster's houses it left out.
    let village_in = run.finding_villages();
    for f in &run.findings {
        if let Some(v) = village_in(f) {
            villages.entry(v).or_default().findings.push(f);
        }
    }
    for (name, v) in villages.iter().filter(|(_, v)| !v.findings.is_empty()) {
        let vdir = dir.join(package_folder(name));
        std::fs::create_dir_all(&vdir)
            .with_context(|| format!("cannot create {}", vdir.display()))?;
        for &i in &v.files {
            let from = c.out.join(ANNOTATED).join(&copies[i]);
            let to = vdir.join(&copies[i]);
            write_atomically(&to, |tmp| {
                std::fs::copy(&from, tmp)
                    .map(|_| ())
                    .with_context(|| format!("cannot copy {}", from.display()))
            })?;
        }
        let list = vdir.join(package_list(name));
        write_list(c, name, v, &list)?;
    }
    Ok(())
}

/// `<村>-问题清单.xlsx`: the cover, then the findings.
fn write_list(c: &Ctx, village: &str, v: &Village, path: &Path) -> Result<()> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("说明")?;
    ws.set_column_width(0, 18.0)?;
    ws.set_column_width(1, 80.0)?;
    print_setup(ws, 0)?;
    ws.write_string_with_format(0, 0, format!("{village} 问题清单"), &st.head)?;
    for (r, (k, val)) in cover_rows(c, village, v).iter().enumerate() {
        let r = r as u32 + 2;
        ws.write_string_with_format(r, 0, k, &st.label)?;
        ws.write_string_with_format(r, 1, val, &st.wrap)?;
        ws.set_row_height(r, row_height(&[(val, 80.0)]))?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("问题清单")?;
    let list = crate::finding::knock_ons_under_causes(&v.findings);
    write_findings(ws, &list, c.lang, &st, &c.words)?;
    save_xlsx(&mut wb, path, c.run.day)
}

/// A line of the cover: its label, and what it says.
type CoverRow = (String, String);

/// The cover's lines, in order: the village, its errors, knock-ons and warnings, its
/// figures, what changed since the last round, its files, the roster's findings, the
/// deadline, what to fix first and how.
fn cover_rows(c: &Ctx, village: &str, v: &Village) -> Vec<CoverRow> {
    let files: Vec<&str> = v.files.iter().map(|&i| c.run.rel[i].as_str()).collect();
    let mut rows: Vec<CoverRow> = vec![(c.words.village().to_string(), village.to_string())];
    rows.extend(count_rows(v));
    rows.extend(tally_row(c, village).filter(|_| !files.is_empty()));
    rows.extend(rounds_row(c, village));
    rows.push(files_row(v, &files));
    rows.extend(roster_row(c, v));
    rows.extend(deadline_row(c, files.is_empty()));
    rows.extend(first_to_fix(c, v));
    rows.push(how_to_fix(files.is_empty()));
    rows
}

/// How many errors, knock-ons (when any) and warnings the village has.
fn count_rows(v: &Village) -> Vec<CoverRow> {
    let errors = v.findings.iter().filter(|f| f.must_fix()).count();
    let held = v.findings.iter().filter(|f| f.knock_on).count();
    let warnings = v.findings.iter().filter(|f| !f.is_error()).count();
    let mut rows: Vec<CoverRow> = vec![(
        "错误".into(),
        if errors > 0 {
            format!("{errors} 处（改正后才能上报）")
        } else {
            "0 处".into()
        },
    )];
    if held > 0 {
        rows.push((
            "随之暂缓".into(),
            format!(
                "{held} 处（所依的行有错误，随之暂缓上报；改正那些行后自动上报，这些行无需改动）"
            ),
        ));
    }
    rows.push(("警告".into(), format!("{warnings} 处（请核实）")));
    rows
}

/// Its houses as the tally counts them: the same figures as the township's report (the
/// main table's columns counted without a condition).
fn tally_row(c: &Ctx, village: &str) -> Option<CoverRow> {
    let t = c.run.tally.rows.iter().find(|r| r.village == village)?;
    let main = c
        .schemas
        .table(c.schemas.campaign.main())
        .table
        .key
        .as_str();
    let said: Vec<String> = c
        .schemas
        .campaign
        .tally
        .columns
        .iter()
        .filter(|col| col.table.as_deref() == Some(main) && col.when.is_empty())
        .filter_map(|col| {
            let k = c.run.tally.keys.iter().position(|x| *x == col.key)?;
            Some(format!("{} {}", col.label, t.counts.get(k)?))
        })
        .collect();
    (!said.is_empty()).then(|| ("本村数据".into(), said.join("，")))
}

/// Since the last round: what the village fixed and what is still open.
fn rounds_row(c: &Ctx, village: &str) -> Option<CoverRow> {
    let rc = c
        .run
        .rounds
        .as_ref()?
        .villages
        .iter()
        .find(|(v, _)| v == village)
        .map(|(_, rc)| *rc)?;
    Some((
        "与上一轮相比".into(),
        format!(
            "已改正 {} 处，仍未改正 {} 处，新发现 {} 处",
            rc.fixed, rc.open, rc.new
        ),
    ))
}

/// The files the village sent, and those of them with findings.
fn files_row(v: &Village, files: &[&str]) -> CoverRow {
    if files.is_empty() {
        return ("涉及文件".into(), "本村尚未报送排查表".into());
    }
    let with: BTreeSet<&str> = v
        .findings
        .iter()
        .map(|f| f.file.as_str())
        .filter(|f| files.contains(f))
        .collect();
    (
        "涉及文件".into(),
        if with.is_empty() {
            format!("报送 {} 个文件，表里没有发现问题", files.len())
        } else {
            format!(
                "报送 {} 个文件，其中 {} 个有问题：{}",
                files.len(),
                with.len(),
                with.iter().copied().collect::<Vec<_>>().join("、")
            )
        },
    )
}

/// Findings on the roster (with `--roster`): houses it lists that the village's files do
/// not have.
fn roster_row(c: &Ctx, v: &Village) -> Option<CoverRow> {
    let (roster, spec) = (
        c.run.coverage.as_ref()?,
        c.schemas.campaign.coverage.as_ref()?,
    );
    let file = roster.file.as_str();
    let n = v.findings.iter().filter(|f| f.file == file).count();
    (n > 0).then(|| {
        (
            spec.label.clone(),
            format!(
                "对照{}（{file}）核对，有 {n} 处问题，见“问题清单”",
                spec.label
            ),
        )
    })
}

/// By when the village is to send (`--deadline`): its corrections, or its first survey.
fn deadline_row(c: &Ctx, sent_nothing: bool) -> Option<CoverRow> {
    let d = c.deadline?;
    Some((
        "修改期限".into(),
        if sent_nothing {
            format!("请于 {} 前报送", d.format("%Y年%-m月%-d日"))
        } else {
            format!("请于 {} 前改正后重新报送", d.format("%Y年%-m月%-d日"))
        },
    ))
}

/// What to fix first: errors before warnings, the most frequent first, `FIRST` kinds.
fn first_to_fix(c: &Ctx, v: &Village) -> Vec<CoverRow> {
    let mut by_rule: BTreeMap<(bool, &str), usize> = BTreeMap::new();
    for f in v.findings.iter().filter(|f| !f.knock_on) {
        *by_rule.entry((!f.is_error(), f.code.as_str())).or_default() += 1;
    }
    let mut top: Vec<((bool, &str), usize)> = by_rule.into_iter().collect();
    top.sort_by(|a, b| {
        a.0 .0
            .cmp(&b.0 .0)
            .then(b.1.cmp(&a.1))
            .then(a.0 .1.cmp(b.0 .1))
    });
    top.iter()
        .take(FIRST)
        .enumerate()
        .map(|(k, ((warn, code), n))| {
            let label = if k == 0 { "先改这些" } else { "" };
            let kind = if *warn { "警告" } else { "错误" };
            (
                label.into(),
                format!(
                    "{}. {}（{kind} {n} 处）",
                    k + 1,
                    c.words.code_and_title(code)
                ),
            )
        })
        .collect()
}

/// How to fix: the rows of the problem list, and (for files sent) the marked copies.
fn how_to_fix(sent_nothing: bool) -> CoverRow {
    (
        "怎么改".into(),
        if sent_nothing {
            "“问题清单”工作表逐条列出名册上本村尚未排查的房屋；请逐户排查，填好排查表后报送。"
                .into()
        } else {
            "“问题清单”工作表逐条列出每个问题所在的文件、工作表、行和单元格，以及建议的改法；批注版的工作簿里，这些单元格已标出颜色并附有批注（灰色的是随之暂缓的行，无需改动）。改好后请重新报送整个文件。".into()
        },
    )
}
