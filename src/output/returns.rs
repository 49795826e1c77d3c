//! 退回各村/: the package the township sends each village that has something to fix —
//! its annotated workbooks (copied from annotated/, so it runs after that writer) and one
//! `<村>-问题清单.xlsx`: a cover sheet (how many errors and warnings, in which files, which
//! problems to fix first, by when if `--deadline` was given) and the village's findings in
//! the errors.xlsx layout. A village with no finding gets no folder.

use std::collections::BTreeMap;
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
        let named: std::collections::BTreeSet<&str> = sheets
            .values()
            .flat_map(|rows| rows.values().map(String::as_str))
            .collect();
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
    let words = &c.words;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("说明")?;
    ws.set_column_width(0, 18.0)?;
    ws.set_column_width(1, 80.0)?;
    print_setup(ws, 0)?;
    let errors = v.findings.iter().filter(|f| f.must_fix()).count();
    let held = v.findings.iter().filter(|f| f.knock_on).count();
    let warnings = v.findings.iter().filter(|f| !f.is_error()).count();
    let files: Vec<&str> = v.files.iter().map(|&i| c.run.rel[i].as_str()).collect();
    let with: std::collections::BTreeSet<&str> = v
        .findings
        .iter()
        .map(|f| f.file.as_str())
        .filter(|f| files.contains(f))
        .collect();
    // Findings on the roster: houses it lists that the village's files do not have.
    let roster = c.run.coverage.as_ref().map(|cv| {
        let n = v.findings.iter().filter(|f| f.file == cv.file).count();
        (cv.file.as_str(), n)
    });
    let mut rows: Vec<(String, String)> = vec![
        (words.village().to_string(), village.to_string()),
        (
            "错误".into(),
            if errors > 0 {
                format!("{errors} 处（改正后才能上报）")
            } else {
                "0 处".into()
            },
        ),
    ];
    if held > 0 {
        rows.push((
            "随之暂缓".into(),
            format!(
                "{held} 处（所依的行有错误，随之暂缓上报；改正那些行后自动上报，这些行无需改动）"
            ),
        ));
    }
    rows.push(("警告".into(), format!("{warnings} 处（请核实）")));
    // Its houses as the tally counts them: the same figures as the township's report.
    let tally_row = c.run.tally.rows.iter().find(|r| r.village == village);
    if let Some(t) = tally_row.filter(|_| !files.is_empty()) {
        let spec = &c.schemas.campaign.tally;
        let said: Vec<String> = spec
            .columns
            .iter()
            .filter(|col| {
                col.table.as_deref()
                    == Some(
                        c.schemas
                            .table(c.schemas.campaign.main())
                            .table
                            .key
                            .as_str(),
                    )
                    && col.when.is_empty()
            })
            .filter_map(|col| {
                let k = c.run.tally.keys.iter().position(|x| *x == col.key)?;
                Some(format!("{} {}", col.label, t.counts.get(k)?))
            })
            .collect();
        if !said.is_empty() {
            rows.push(("本村数据".into(), said.join("，")));
        }
    }
    // Since the last round: what the village fixed and what is still open.
    if let Some(rc) = c.run.rounds.as_ref().and_then(|r| {
        r.villages
            .iter()
            .find(|(v, _)| v == village)
            .map(|(_, rc)| *rc)
    }) {
        rows.push((
            "与上一轮相比".into(),
            format!(
                "已改正 {} 处，仍未改正 {} 处，新发现 {} 处",
                rc.fixed, rc.open, rc.new
            ),
        ));
    }
    if files.is_empty() {
        rows.push(("涉及文件".into(), "本村尚未报送排查表".into()));
    } else {
        rows.push((
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
        ));
    }
    if let (Some((file, n)), Some(cv)) = (roster, &c.schemas.campaign.coverage) {
        if n > 0 {
            rows.push((
                cv.label.clone(),
                format!(
                    "对照{}（{file}）核对，有 {n} 处问题，见“问题清单”",
                    cv.label
                ),
            ));
        }
    }
    if let Some(d) = c.deadline {
        rows.push((
            "修改期限".into(),
            if files.is_empty() {
                format!("请于 {} 前报送", d.format("%Y年%-m月%-d日"))
            } else {
                format!("请于 {} 前改正后重新报送", d.format("%Y年%-m月%-d日"))
            },
        ));
    }
    // What to fix first: errors before warnings, the most frequent first.
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
    for (k, ((warn, code), n)) in top.iter().take(FIRST).enumerate() {
        let label = if k == 0 { "先改这些" } else { "" };
        let kind = if *warn { "警告" } else { "错误" };
        rows.push((
            label.into(),
            format!("{}. {}（{kind} {n} 处）", k + 1, words.code_and_title(code)),
        ));
    }
    rows.push((
        "怎么改".into(),
        if files.is_empty() {
            "“问题清单”工作表逐条列出名册上本村尚未排查的房屋；请逐户排查，填好排查表后报送。".into()
        } else {
            "“问题清单”工作表逐条列出每个问题所在的文件、工作表、行和单元格，以及建议的改法；批注版的工作簿里，这些单元格已标出颜色并附有批注（灰色的是随之暂缓的行，无需改动）。改好后请重新报送整个文件。".into()
        },
    ));
    ws.write_string_with_format(0, 0, format!("{village} 问题清单"), &st.head)?;
    for (r, (k, val)) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        ws.write_string_with_format(r, 0, k, &st.label)?;
        ws.write_string_with_format(r, 1, val, &st.wrap)?;
        ws.set_row_height(r, row_height(&[(val, 80.0)]))?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("问题清单")?;
    let list = crate::finding::knock_ons_under_causes(&v.findings);
    write_findings(ws, &list, c.lang, &st, words)?;
    save_xlsx(&mut wb, path)
}
