//! The stages in order: read → recognise tables → normalise cells and check rows (files
//! in parallel) → check across tables and files → mark rejected rows → propose
//! write-offs. Outputs are written by `output::*` from the `Run` this returns.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::cells::Ctx;
use crate::finding::{Change, Finding, Severity};
use crate::model::Record;
use crate::read::{self, Grid, InputFile, Limits};
use crate::recognise::{self, Column, Outcome, Skipped};
use crate::rules::cross::{self, Idx, Tables};
use crate::rules::row::{check_row, Place};
use crate::schema::{Schemas, TableKind};
use crate::writeoff::{self, Proposal};

pub struct Options {
    pub schemas: Schemas,
    pub limits: Limits,
    pub today: NaiveDate,
    /// Keep sheet grids for annotated copies.
    pub keep_grids: bool,
    pub progress: bool,
}

/// What one sheet turned out to be.
#[derive(Debug, Clone)]
pub struct SheetInfo {
    pub name: String,
    pub table: Option<TableKind>,
    pub header: Option<(u32, u32)>,
    pub data_rows: usize,
    pub columns: Vec<Column>,
    pub skipped: Vec<Skipped>,
    pub grid: Option<Grid>,
}

/// One input file after the row stage.
#[derive(Debug)]
pub struct FileOut {
    pub input: InputFile,
    pub format: String,
    pub sheets: Vec<SheetInfo>,
    pub findings: Vec<Finding>,
    pub changes: Vec<Change>,
    pub records: [Vec<Record>; 3],
    /// Rows read per table.
    pub rows_read: [usize; 3],
}

/// A whole run.
pub struct Run {
    pub files: Vec<FileOut>,
    pub rel: Vec<String>,
    pub village_of_file: Vec<String>,
    pub tables: [Vec<Record>; 3],
    pub findings: Vec<Finding>,
    pub changes: Vec<Change>,
    pub proposals: Vec<Proposal>,
    pub idx: Option<Idx>,
    pub seconds: f64,
}

impl Run {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
    pub fn table(&self, t: TableKind) -> &[Record] {
        &self.tables[t.index()]
    }
}

fn process_file(file_idx: usize, input: &InputFile, opts: &Options) -> FileOut {
    let mut out = FileOut {
        input: input.clone(),
        format: String::new(),
        sheets: Vec::new(),
        findings: Vec::new(),
        changes: Vec::new(),
        records: [Vec::new(), Vec::new(), Vec::new()],
        rows_read: [0; 3],
    };
    let rel = input.rel.as_str();
    let book = match read::read_file(input, &opts.limits) {
        Ok(b) => b,
        Err(f) => {
            out.findings.push(f);
            return out;
        }
    };
    out.format = book.format.to_string();
    let ctx = Ctx {
        lexicon: &opts.schemas.lexicon,
        today: opts.today,
    };
    let mut any_table = false;
    let mut any_data = false;
    let mut no_table_sheets = Vec::new();
    for grid in book.sheets {
        out.findings.extend(grid.findings.iter().cloned());
        let mut info = SheetInfo {
            name: grid.name.clone(),
            table: None,
            header: None,
            data_rows: 0,
            columns: Vec::new(),
            skipped: Vec::new(),
            grid: None,
        };
        let ignored = opts
            .schemas
            .lexicon
            .ignored_sheets
            .iter()
            .any(|s| crate::text::norm_key(s) == crate::text::norm_key(&grid.name));
        let outcome = if ignored {
            Outcome::Empty
        } else {
            recognise::recognise(&grid, &opts.schemas, rel)
        };
        match outcome {
            Outcome::Table(r) => {
                any_table = true;
                let t = opts.schemas.table(r.table);
                out.findings.extend(r.findings.iter().cloned());
                let place = Place::new(file_idx, rel, &grid.name, t, &r.columns);
                // Rows of a big sheet are checked on every core, in chunks, in order.
                let checked: Vec<(Vec<Record>, Vec<Finding>, Vec<Change>)> = r
                    .data
                    .par_chunks(2048)
                    .map(|chunk| {
                        let (mut recs, mut f, mut c) =
                            (Vec::with_capacity(chunk.len()), Vec::new(), Vec::new());
                        for &pos in chunk {
                            recs.push(check_row(t, &grid.rows[pos], &place, &ctx, &mut f, &mut c));
                        }
                        (recs, f, c)
                    })
                    .collect();
                for (mut recs, mut f, mut c) in checked {
                    out.records[r.table.index()].append(&mut recs);
                    out.findings.append(&mut f);
                    out.changes.append(&mut c);
                }
                out.rows_read[r.table.index()] += r.data.len();
                any_data |= !r.data.is_empty();
                info.table = Some(r.table);
                info.header = Some(r.header);
                info.data_rows = r.data.len();
                info.columns = r.columns;
                info.skipped = r.skipped;
            }
            Outcome::Empty => {}
            Outcome::NoTable => no_table_sheets.push(grid.name.clone()),
        }
        if opts.keep_grids {
            info.grid = Some(grid);
        }
        out.sheets.push(info);
    }
    let sheet_list = out
        .sheets
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    if !any_table {
        out.findings.push(
            Finding::new("F005", Severity::Error)
                .at_file(rel)
                .msg(
                    format!("文件中找不到可识别的房屋信息、隐患台账或回头看表（工作表：{sheet_list}），前{}行内没有识别出表头", recognise::HEADER_SEARCH_ROWS),
                    format!("no buildings, hazards or reviews table found (sheets: {sheet_list}); no header in the first {} rows", recognise::HEADER_SEARCH_ROWS),
                )
                .fix("使用统一模板（selfbuilt template）填写，表头写“房屋编码”“户主”等标准列名", "use the template (selfbuilt template) with the standard column labels"),
        );
    } else {
        if !any_data {
            out.findings.push(
                Finding::new("F006", Severity::Error)
                    .at_file(rel)
                    .msg(
                        "文件只有表头，没有任何数据行",
                        "the file has headers but no data rows",
                    )
                    .fix(
                        "补填数据；若该村确无此类房屋，请书面说明",
                        "fill in the data, or confirm in writing that there is none",
                    ),
            );
        }
        for s in no_table_sheets {
            out.findings.push(
                Finding::new("S005", Severity::Warning)
                    .at_file(rel)
                    .at_sheet(&s)
                    .msg(
                        format!("工作表“{s}”有内容，但找不到可识别的表，未导入"),
                        format!("sheet “{s}” holds no recognisable table; not imported"),
                    )
                    .fix(
                        "确认该表不需要导入，或把表头改为标准列名",
                        "confirm it is not needed, or use standard column labels",
                    ),
            );
        }
    }
    out
}

/// The most common village named by a file's rows, else one inferred from its hazards'
/// and reviews' buildings, else from its name.
fn file_villages(files: &[FileOut], tables: &[Vec<Record>; 3], ix: Option<&Idx>) -> Vec<String> {
    // One pass over the records: villages named per file, then per file through the
    // buildings its hazards and reviews name.
    let mut named: Vec<HashMap<&str, usize>> = vec![HashMap::new(); files.len()];
    let mut via: Vec<HashMap<&str, usize>> = vec![HashMap::new(); files.len()];
    if let Some(ix) = ix {
        let mut code_village: HashMap<&str, &str> = HashMap::new();
        for b in &tables[0] {
            if let Some(v) = b.vals[ix.b_village].as_str() {
                *named[b.file].entry(v).or_default() += 1;
                if let Some(c) = b.vals[ix.b_code].as_str() {
                    code_village.insert(c, v);
                }
            }
        }
        for (t, k) in [(1, ix.h_building), (2, ix.r_building)] {
            for r in &tables[t] {
                if let Some(v) = r.vals[k].as_str().and_then(|c| code_village.get(c)) {
                    *via[r.file].entry(v).or_default() += 1;
                }
            }
        }
    }
    let name_re = regex::Regex::new(r"([\p{Han}]{1,6}?(?:村|社区))").expect("static regex");
    let most = |m: &HashMap<&str, usize>| {
        m.iter()
            .max_by_key(|(v, n)| (**n, std::cmp::Reverse(**v)))
            .map(|(v, _)| v.to_string())
    };
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            most(&named[i])
                .or_else(|| most(&via[i]))
                .unwrap_or_else(|| {
                    let stem = PathBuf::from(&f.input.rel)
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_default();
                    name_re
                        .captures(&stem)
                        .map(|c| c[1].to_string())
                        .unwrap_or_else(|| "未识别村".to_string())
                })
        })
        .collect()
}

/// Run the stages over the inputs.
pub fn run(inputs: &[PathBuf], opts: &Options) -> Run {
    run_with(inputs, opts, process_file)
}

/// `run` with the per-file stage given: a panic in it becomes an F009 finding for that
/// file and the batch goes on.
pub fn run_with<P>(inputs: &[PathBuf], opts: &Options, process: P) -> Run
where
    P: Fn(usize, &InputFile, &Options) -> FileOut + Sync,
{
    let t0 = Instant::now();
    let (files, mut pre_findings) = read::collect_inputs(inputs);
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} 个文件 {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let mut outs: Vec<FileOut> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| process(i, f, opts)));
            if let Some(b) = &bar {
                b.inc(1);
            }
            r.unwrap_or_else(|e| {
                let what = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                FileOut {
                    input: f.clone(),
                    format: String::new(),
                    sheets: Vec::new(),
                    findings: vec![Finding::new("F009", Severity::Error)
                        .at_file(&f.rel)
                        .msg(
                            format!("处理该文件时程序内部出错，已跳过（{what}）"),
                            format!("internal error while processing this file; skipped ({what})"),
                        )
                        .fix(
                            "请把该文件发给维护人员；其他文件的结果不受影响",
                            "send this file to the maintainers; other files are unaffected",
                        )],
                    changes: Vec::new(),
                    records: [Vec::new(), Vec::new(), Vec::new()],
                    rows_read: [0; 3],
                }
            })
        })
        .collect();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let rel: Vec<String> = outs.iter().map(|f| f.input.rel.clone()).collect();
    let mut tables: [Vec<Record>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut findings = std::mem::take(&mut pre_findings);
    let mut changes = Vec::new();
    for f in outs.iter_mut() {
        for (t, recs) in tables.iter_mut().zip(f.records.iter_mut()) {
            t.append(recs);
        }
        findings.append(&mut f.findings);
        changes.append(&mut f.changes);
    }
    let idx = Idx::new(&opts.schemas);
    if let Some(ix) = &idx {
        let t = Tables {
            buildings: &tables[0],
            hazards: &tables[1],
            reviews: &tables[2],
            files: &rel,
        };
        findings.extend(crate::output::timed("cross-table checks", || {
            cross::check(&t, ix)
        }));
    }
    // Reject every row with an error finding.
    let rel_idx: HashMap<&str, usize> = rel
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), i))
        .collect();
    let bad: HashSet<(usize, &str, u32)> = findings
        .iter()
        .filter(|f| f.is_error())
        .filter_map(|f| Some((*rel_idx.get(f.file.as_str())?, f.sheet.as_str(), f.row?)))
        .collect();
    for t in tables.iter_mut() {
        for r in t.iter_mut() {
            r.rejected = bad.contains(&(r.file, &*r.sheet, r.row));
        }
    }
    let proposals = match &idx {
        Some(ix) => writeoff::propose(
            &Tables {
                buildings: &tables[0],
                hazards: &tables[1],
                reviews: &tables[2],
                files: &rel,
            },
            ix,
        ),
        None => Vec::new(),
    };
    let village_of_file = file_villages(&outs, &tables, idx.as_ref());
    sort_findings(&mut findings);
    Run {
        files: outs,
        rel,
        village_of_file,
        tables,
        findings,
        changes,
        proposals,
        idx,
        seconds: t0.elapsed().as_secs_f64(),
    }
}

/// File, sheet, row, column order: how a clerk reads a report.
pub fn sort_findings(f: &mut [Finding]) {
    f.sort_by(|a, b| {
        (
            &a.file,
            &a.sheet,
            a.row.map(|r| r as i64).unwrap_or(-1),
            a.col.map(|c| c as i64).unwrap_or(-1),
        )
            .cmp(&(
                &b.file,
                &b.sheet,
                b.row.map(|r| r as i64).unwrap_or(-1),
                b.col.map(|c| c as i64).unwrap_or(-1),
            ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_in_one_file_is_a_finding_and_the_batch_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let head = "房屋编码,村（社区）,详细地址,户主,身份证号,建成年份,层数,建筑面积,结构类型,房屋用途,是否改扩建,是否鉴定,排查日期,排查人,初步判定\n";
        let row = "YH450103000000001,平安村,平安村1号,韦宝,450103196708158643,1995,3,120,砌体结构,其他,否,否,2022-06-01,黄英,未发现安全隐患\n";
        std::fs::write(dir.path().join("good.csv"), format!("{head}{row}")).unwrap();
        std::fs::write(dir.path().join("boom.csv"), format!("{head}{row}")).unwrap();
        let opts = Options {
            schemas: Schemas::shipped().unwrap(),
            limits: Limits::default(),
            today: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            keep_grids: false,
            progress: false,
        };
        let run = run_with(&[dir.path().to_path_buf()], &opts, |i, f, o| {
            if f.rel == "boom.csv" {
                panic!("simulated defect");
            }
            process_file(i, f, o)
        });
        let f9: Vec<&Finding> = run.findings.iter().filter(|f| f.code == "F009").collect();
        assert_eq!(f9.len(), 1);
        assert_eq!(f9[0].file, "boom.csv");
        assert!(f9[0].message_zh.contains("simulated defect"));
        assert_eq!(
            run.table(TableKind::Buildings).len(),
            1,
            "the other file's row is still read"
        );
    }
}
