//! The stages in order, and nothing else: the per-file stage (read → recognise tables →
//! normalise cells and check rows; files in parallel, `ingest`) → check across tables and
//! files (`rules::cross`) → mark rejected rows and hold back what stands on them → propose
//! write-offs (`writeoff`) and tell each file's village (`villages`) → tally (`tally`).
//! Outputs are written by `output::*` from the `Run` this returns.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use crate::finding::{ChangeLog, Finding};
use crate::model::Record;
use crate::read::{self, InputFile};
use crate::rules::cross::{self, Tables};
use crate::writeoff;

pub use crate::model::{FileOut, Options, Run, SheetInfo};

/// Run the stages over the inputs.
pub fn run(inputs: &[PathBuf], opts: &Options) -> Run {
    run_with(inputs, opts, crate::ingest::file::process_file)
}

/// `run` with the per-file stage given: a panic in it becomes an F009 finding for that
/// file and the batch goes on.
pub fn run_with<P>(inputs: &[PathBuf], opts: &Options, process: P) -> Run
where
    P: Fn(usize, &InputFile, &Options) -> FileOut + Sync,
{
    let t0 = Instant::now();
    crate::timing::timed("(start)", || ());
    let (files, mut pre_findings) = read::collect_inputs(inputs);
    // Zip archives give the spreadsheets inside them, unpacked into scratch that lives as
    // long as the run (its annotated copies are made from them).
    let scratch = files
        .iter()
        .any(read::archive::is_archive)
        .then(|| tempfile::Builder::new().prefix("selfbuilt-").tempdir().ok())
        .flatten();
    let mut files = match &scratch {
        Some(dir) => {
            let (files, notes) = read::archive::expand(files, &opts.limits, dir.path());
            pre_findings.extend(notes);
            files
        }
        None => files,
    };
    // A roster is read as a roster only, also when it sits in an input folder.
    let roster_input = opts.roster.as_ref().and_then(|r| {
        let (mut found, _) = read::collect_inputs(std::slice::from_ref(&r.path));
        let f = found.pop()?;
        let same = std::fs::canonicalize(&f.path).ok();
        files.retain(|x| same.is_none() || std::fs::canonicalize(&x.path).ok() != same);
        Some(InputFile {
            rel: f.path.file_name()?.to_string_lossy().to_string(),
            ..f
        })
    });
    opts.progress.stage("读取文件", Some(files.len() as u64));
    let read_roster = || {
        let (r, input) = (opts.roster.as_ref()?, roster_input.as_ref()?);
        let ro = Options {
            schemas: r.schemas.clone(),
            limits: opts.limits,
            today: opts.today,
            keep_grids: false,
            progress: std::sync::Arc::new(crate::progress::Silent),
            isolate: opts.isolate.clone(),
            previous: None,
            roster: None,
        };
        std::panic::catch_unwind(AssertUnwindSafe(|| process(0, input, &ro))).ok()
    };
    let read_files = || -> Vec<FileOut> {
        files
            .par_iter()
            .enumerate()
            .map(|(i, f)| {
                let r = std::panic::catch_unwind(AssertUnwindSafe(|| process(i, f, opts)));
                opts.progress.step(&f.rel);
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
                        findings: vec![
                            Finding::new(crate::codes::internal_error(what)).at_file(&f.rel)
                        ],
                        changes: ChangeLog::default(),
                        records: vec![Vec::new(); opts.schemas.tables.len()],
                        rows_read: vec![0; opts.schemas.tables.len()],
                        rows_unrecognised: 0,
                    }
                })
            })
            .collect()
    };
    let (mut outs, mut roster) = rayon::join(read_files, read_roster);
    opts.progress.stage("跨表核对与汇总", None);
    crate::timing::timed("(reading done)", || ());
    let rel: Vec<String> = outs.iter().map(|f| f.input.rel.clone()).collect();
    // One table of each kind across files, sized once (no copying as they grow). The
    // audit trail stays in per-file pieces: it can be millions of entries.
    let mut tables: Vec<Vec<Record>> = (0..opts.schemas.tables.len())
        .map(|t| Vec::with_capacity(outs.iter().map(|f| f.records[t].len()).sum()))
        .collect();
    let mut findings = std::mem::take(&mut pre_findings);
    findings.reserve(outs.iter().map(|f| f.findings.len()).sum());
    let mut changes = Vec::with_capacity(outs.len() + 1);
    for f in outs.iter_mut() {
        for (t, recs) in tables.iter_mut().zip(f.records.iter_mut()) {
            t.append(recs);
        }
        findings.append(&mut f.findings);
        changes.push(std::mem::take(&mut f.changes));
    }
    // Enum forms read by a weak tier: said once each for the whole batch.
    let table_of = {
        let sheets: Vec<&[crate::model::SheetInfo]> =
            outs.iter().map(|f| f.sheets.as_slice()).collect();
        crate::rules::forms::tables_of(&sheets, &rel)
    };
    let weak = crate::timing::timed("weakly read forms", || {
        crate::rules::forms::weak_forms(&changes, &table_of, &opts.schemas)
    });
    findings.extend(crate::rules::forms::warnings(&weak, &opts.schemas));
    // A sheet whose rows other sheets of its file already hold (a 汇总 of the 组 sheets)
    // is read once, from those sheets.
    crate::rules::copies::drop_repeated(&mut tables, &mut findings, &rel);
    findings.extend(crate::timing::timed("cross-table checks", || {
        cross::check(&Tables {
            tables: &tables,
            files: &rel,
            schemas: &opts.schemas,
        })
    }));
    // Reject every row with an error finding; hold back what stands on a rejected row.
    crate::timing::timed("reject and hold back", || {
        cross::reject_and_hold_back(&mut tables, &mut findings, &rel, &opts.schemas)
    });
    // Each file's village; then the roster against the survey (its findings on survey
    // rows sorted in with the others, its own after them).
    let village_of_file = crate::villages::file_villages(&outs, &tables, &opts.schemas);
    let village_of_row = crate::villages::row_villages(outs.len(), &tables, &opts.schemas);
    crate::timing::timed("villages", || {
        crate::villages::own_examples(&mut findings, &rel, &village_of_file, &opts.schemas)
    });
    let (coverage, mut roster_findings) = match (&mut roster, &roster_input, &opts.roster) {
        (Some(out), Some(input), Some(r)) => {
            let mut own = std::mem::take(&mut out.findings);
            // What cleaning changed in the roster is in the audit trail too.
            changes.push(std::mem::take(&mut out.changes));
            let checked = crate::timing::timed("coverage", || {
                crate::rules::coverage::check(
                    &crate::rules::coverage::RosterRows {
                        rows: out.records.first().map(Vec::as_slice).unwrap_or(&[]),
                        file: &input.rel,
                        schemas: &r.schemas,
                    },
                    &Tables {
                        tables: &tables,
                        files: &rel,
                        schemas: &opts.schemas,
                    },
                    &village_of_file,
                )
            });
            match checked {
                Some((c, fs)) => {
                    let (on_roster, on_survey): (Vec<Finding>, Vec<Finding>) =
                        fs.into_iter().partition(|f| f.file == input.rel);
                    findings.extend(on_survey);
                    own.extend(on_roster);
                    (Some(c), own)
                }
                None => (None, own),
            }
        }
        _ => (None, Vec::new()),
    };
    // Write-off proposals, then the tally (a stage of its own, before any output),
    // beside the findings' order, which is independent of them.
    let ((proposals, tally), ()) = rayon::join(
        || {
            let proposals = crate::timing::timed("write-off proposals", || {
                writeoff::propose(&Tables {
                    tables: &tables,
                    files: &rel,
                    schemas: &opts.schemas,
                })
            });
            let tally = crate::timing::timed("tally", || {
                crate::tally::compute(
                    &opts.schemas,
                    &tables,
                    &proposals,
                    &village_of_file,
                    coverage.as_ref(),
                )
            })
            .unwrap_or_else(|_| crate::model::Tally {
                keys: crate::tally::keys(&opts.schemas, coverage.is_some()),
                ..Default::default()
            });
            (proposals, tally)
        },
        || order_findings(&mut findings, &outs, &rel),
    );
    // The roster's own findings after the survey's, in its sheets' and rows' order.
    if let (Some(out), Some(input)) = (&roster, &roster_input) {
        let file = input.rel.as_str();
        let order: HashMap<(&str, &str), usize> = std::iter::once(((file, ""), 0))
            .chain(
                out.sheets
                    .iter()
                    .enumerate()
                    .map(|(k, sh)| ((file, sh.name.as_str()), k + 1)),
            )
            .collect();
        sort_findings(&mut roster_findings, &order);
        findings.append(&mut roster_findings);
    }
    let mut run = Run {
        files: outs,
        rel,
        village_of_file,
        village_of_row,
        tables,
        findings,
        changes,
        proposals,
        tally,
        report: Default::default(),
        rounds: None,
        coverage,
        wordings: Vec::new(),
        scratch: scratch.map(std::sync::Arc::new),
        seconds: 0.0,
    };
    // Every distinct wording not read, or read weakly, once each.
    run.wordings = crate::timing::timed("wordings", || {
        crate::rules::wordings::collect(&run, &table_of, &weak, &opts.schemas)
    });
    // Then what changed since the previous round, and the report's sentences.
    run.rounds = opts
        .previous
        .as_ref()
        .map(|p| crate::timing::timed("rounds", || crate::rounds::compare(p, &run, &opts.schemas)));
    run.report = crate::report::compose(
        &opts.schemas,
        &run.tally,
        run.rounds.as_ref(),
        run.coverage.as_ref(),
    );
    run.seconds = t0.elapsed().as_secs_f64();
    run
}

/// The findings in reading order: file-level findings (no sheet) first, then each file's
/// sheets as its workbook orders them (`sort_findings`).
fn order_findings(findings: &mut [Finding], outs: &[FileOut], rel: &[String]) {
    let mut order: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, f) in outs.iter().enumerate() {
        order.insert((rel[i].as_str(), ""), 0);
        for (k, sh) in f.sheets.iter().enumerate() {
            order
                .entry((rel[i].as_str(), sh.name.as_str()))
                .or_insert(k + 1);
        }
    }
    sort_findings(findings, &order)
}

/// File, sheet, row, column order: how a clerk reads a report.
/// File, sheet (in workbook order), row, column order: how a clerk reads a report.
/// `sheet_order` gives each file's sheets in the order the workbook holds them.
pub fn sort_findings(f: &mut [Finding], sheet_order: &HashMap<(&str, &str), usize>) {
    let key = |x: &Finding| {
        (
            sheet_order
                .get(&(x.file.as_str(), x.sheet.as_str()))
                .copied()
                .unwrap_or(usize::MAX),
            x.row.map(|r| r as i64).unwrap_or(-1),
            x.col.map(|c| c as i64).unwrap_or(-1),
        )
    };
    f.sort_by(|a, b| {
        a.file
            .cmp(&b.file)
            .then_with(|| key(a).cmp(&key(b)))
            .then_with(|| a.sheet.cmp(&b.sheet))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::ingest::file::{process_file, process_file_with, process_pieces};
    use crate::read::{Grid, GridRow, Limits, Raw};
    use crate::schema::test_tables as T;
    use crate::schema::Schemas;
    use chrono::NaiveDate;

    fn opts() -> Options {
        Options {
            schemas: Schemas::shipped().unwrap(),
            limits: Limits::default(),
            today: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            keep_grids: true,
            progress: std::sync::Arc::new(crate::progress::Silent),
            isolate: None,
            previous: None,
            roster: None,
        }
    }

    /// Everything a file's processing gives, as comparable text.
    fn summary(f: &FileOut) -> Vec<String> {
        let mut v = vec![format!("{} {:?}", f.format, f.rows_read)];
        v.extend(f.findings.iter().map(|x| format!("{x:?}")));
        v.extend(f.changes.iter().map(|x| format!("{x:?}")));
        for t in &f.records {
            v.extend(t.iter().map(|r| format!("{} {:?}", r.row, r.vals)));
        }
        for s in &f.sheets {
            let rows = s.grid.as_ref().map(|g| g.rows.len());
            v.push(format!(
                "{} {:?} {:?} {} {:?} {rows:?}",
                s.name, s.table, s.header, s.data_rows, s.skipped
            ));
        }
        v
    }

    /// Rows checked while a sheet streams in, batch by batch, give exactly what reading
    /// the whole file first gives: on the demo generator's messy village files (titles,
    /// merged two-row headers, 合计 rows, injected faults), several batches long.
    #[test]
    fn streaming_and_whole_reads_agree() {
        let dir = tempfile::tempdir().unwrap();
        let s = Schemas::shipped().unwrap();
        crate::demo::write_town(&s, dir.path(), 7, 2 * (read::BATCH_ROWS + 1500), 2, true).unwrap();
        let (inputs, _) = read::collect_inputs(&[dir.path().to_path_buf()]);
        let o = opts();
        let mut batched = 0;
        for (i, input) in inputs.iter().enumerate() {
            let a = process_file_with(i, input, &o, true);
            let b = process_file_with(i, input, &o, false);
            assert_eq!(summary(&a), summary(&b), "{}", input.rel);
            let rows = a.rows_read.iter().sum::<usize>();
            if a.format == "xlsx" && rows > read::BATCH_ROWS {
                batched += 1;
            }
            assert!(rows > 0, "{}", input.rel);
        }
        assert!(batched >= 1, "no xlsx file long enough to come in batches");
    }

    /// Rows that arrive out of order (a hand-edited xlsx can list them so) are put in
    /// order and the sheet is read as a whole.
    #[test]
    fn rows_out_of_order_are_sorted_and_merged() {
        let head = [
            "房屋编码",
            "村（社区）",
            "详细地址",
            "户主",
            "身份证号",
            "建成年份",
            "层数",
            "建筑面积",
            "结构类型",
            "房屋用途",
            "是否改扩建",
            "是否鉴定",
            "排查日期",
            "排查人",
            "初步判定",
        ];
        let cells = |i: u32| -> Vec<Raw> {
            [
                format!("YH4501030000{i:05}"),
                "平安村".into(),
                format!("平安村{i}号"),
                "韦宝".into(),
                "450103196708158643".into(),
                "1995".into(),
                "3".into(),
                "120".into(),
                "砌体结构".into(),
                "其他".into(),
                "否".into(),
                "否".into(),
                "2022-06-01".into(),
                "黄英".into(),
                "未发现安全隐患".into(),
            ]
            .into_iter()
            .map(Raw::Text)
            .collect()
        };
        let mut rows = vec![GridRow {
            idx: 0,
            cells: head.iter().map(|h| Raw::Text(h.to_string())).collect(),
        }];
        rows.extend((1..60).map(|i| GridRow {
            idx: i,
            cells: cells(i),
        }));
        let grid = |rows: Vec<GridRow>| Grid {
            name: "房屋".into(),
            rows,
            merges_known: true,
            width: 15,
            ..Default::default()
        };
        let end = || read::Piece::End {
            width: 15,
            merges: None,
            findings: vec![],
        };
        let input = InputFile {
            path: "x.xlsx".into(),
            rel: "x.xlsx".into(),
        };
        let o = opts();
        let whole = process_pieces(
            0,
            &input,
            &o,
            vec![read::Piece::Sheet(grid(rows.clone())), end()],
            || Ok("xlsx"),
        );
        // The same rows in three batches, the middle one late, and row 5 split in two.
        let mut r5a = rows[5].clone();
        r5a.cells.truncate(7);
        let mut r5b = rows[5].clone();
        for c in r5b.cells.iter_mut().take(7) {
            *c = Raw::Empty;
        }
        let mut first: Vec<GridRow> = rows[..5].to_vec();
        first.push(r5a);
        let pieces = vec![
            read::Piece::Sheet(grid(vec![])),
            read::Piece::Rows {
                rows: first,
                width: 15,
            },
            read::Piece::Rows {
                rows: rows[40..].to_vec(),
                width: 15,
            },
            read::Piece::Rows {
                rows: std::iter::once(r5b)
                    .chain(rows[6..40].iter().cloned())
                    .collect(),
                width: 15,
            },
            end(),
        ];
        let mut shuffled = process_pieces(0, &input, &o, pieces, || Ok("xlsx"));
        // Row 5 given twice (its halves do not conflict): one warning, then the same run.
        let twice: Vec<Finding> = shuffled
            .findings
            .iter()
            .filter(|f| f.code == "F014")
            .cloned()
            .collect();
        assert_eq!(twice.len(), 1, "{twice:?}");
        assert_eq!(
            (twice[0].row, twice[0].severity),
            (Some(rows[5].idx), Severity::Warning)
        );
        shuffled.findings.retain(|f| f.code != "F014");
        assert_eq!(summary(&shuffled), summary(&whole));
        assert_eq!(whole.rows_read[0], 59);
        assert!(whole.findings.is_empty(), "{:?}", whole.findings);
    }

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
            progress: std::sync::Arc::new(crate::progress::Silent),
            isolate: None,
            previous: None,
            roster: None,
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
            run.table(T::Buildings).len(),
            1,
            "the other file's row is still read"
        );
    }
}
