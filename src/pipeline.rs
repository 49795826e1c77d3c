//! The stages in order, and nothing else: gather the inputs (`read::gather`) → the
//! per-file stage, files side by side (`ingest`: read → recognise tables → normalise
//! cells and check rows) → pool the records → check across tables and files
//! (`rules::cross`) → reject rows with errors and hold back what stands on them → each
//! file's village (`villages`) → the roster's coverage → propose write-offs (`writeoff`)
//! and tally (`tally`) → order the findings (`order`) → wordings, rounds, report. Outputs
//! are written by `output::*` from the `Run` this returns.

use std::path::PathBuf;
use std::time::Instant;

use crate::ingest::batch::Pooled;
use crate::model::{Proposal, Tables, Tally};
use crate::read::InputFile;
use crate::rules::cross::{self, CrossRules};
use crate::timing::timed;

pub use crate::model::{FileOut, Run, SheetInfo};
pub use crate::options::{Options, Roster};

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
    let (run, missed) = run_keeping(inputs, opts, &process, false);
    if !missed {
        return run;
    }
    // A stage read a field it did not declare: the rows lacked it, so the run is made
    // again with every field kept (a programming error; builds with debug assertions stop
    // on it instead: see `keyrow`).
    drop(run);
    run_keeping(inputs, opts, &process, true).0
}

/// The stages, the rows keeping only the fields the stages declare (or all of them, with
/// `keep_all`); and whether some stage read a field it had not declared.
fn run_keeping<P>(inputs: &[PathBuf], opts: &Options, process: &P, keep_all: bool) -> (Run, bool)
where
    P: Fn(usize, &InputFile, &Options) -> FileOut + Sync,
{
    let started = Instant::now();
    timed("(start)", || ());
    let roster_path = opts.roster.as_ref().map(|r| r.path.as_path());
    let gathered = crate::read::gather::gather(inputs, roster_path, &opts.limits);
    opts.progress
        .stage("读取文件", Some(gathered.files.len() as u64));
    let mut early = Vec::new();
    let rules = cross_rules(&mut early, opts);
    let keep = std::sync::Arc::new(match keep_all {
        true => crate::keep::everything(&opts.schemas),
        false => keep_for_run(&rules, opts),
    });
    // Each file's rows pool their kept values as they are checked.
    let pooling;
    let opts = match crate::ingest::batch::keeps_only(opts, &keep) {
        true => {
            pooling = Options {
                keep: Some(keep.clone()),
                ..opts.clone()
            };
            &pooling
        }
        false => opts,
    };
    let (mut outs, mut roster) = crate::ingest::batch::read_all(
        &gathered.files,
        gathered.roster.as_ref(),
        opts,
        &keep,
        process,
    );
    opts.progress.stage("跨表核对与汇总", None);
    // The sheets' cells are written aside or dropped: their pages go back before the
    // stages across tables and the writers take theirs.
    timed("(reading done)", crate::memory::give_back);
    let files: Vec<String> = outs.iter().map(|f| f.input.rel.clone()).collect();
    let tables = opts.schemas.tables.len();
    let mut pooled = crate::ingest::batch::pool(&mut outs, gathered.findings, tables);
    let (table_of, weak) = weak_forms(&outs, &files, &mut pooled, opts);
    pooled.findings.append(&mut early);
    let ((village_of_file, village_of_row), main_codes) =
        check_across(&rules, &mut pooled, &outs, &files, opts);
    timed("villages", || {
        let (findings, schemas) = (&mut pooled.findings, &opts.schemas);
        crate::villages::own_examples(findings, &files, &village_of_file, schemas)
    });
    let roster_read = match (roster.as_mut(), &gathered.roster, &opts.roster) {
        (Some(out), Some(input), Some(r)) => Some((out, input.rel.as_str(), &r.schemas)),
        _ => None,
    };
    let (coverage, roster_findings) = timed("coverage", || {
        check_coverage(
            roster_read,
            &rules,
            &mut pooled,
            &files,
            &village_of_file,
            opts,
        )
    });
    let ((proposals, tally), ()) = rayon::join(
        || {
            propose_and_tally(
                &pooled.tables,
                &files,
                &village_of_file,
                main_codes,
                coverage.as_ref(),
                opts,
            )
        },
        || crate::order::order_findings(&mut pooled.findings, &outs, &files),
    );
    if let (Some(out), Some(input)) = (&roster, &gathered.roster) {
        let findings = &mut pooled.findings;
        crate::order::append_roster_findings(findings, roster_findings, out, &input.rel);
    }
    let mut run = Run {
        files: outs,
        rel: files,
        village_of_file,
        village_of_row,
        tables: pooled.tables,
        spills: pooled.spills,
        findings: pooled.findings,
        changes: pooled.changes,
        proposals,
        evidence: crate::writeoff::evidence(&opts.schemas),
        tally,
        report: Default::default(),
        rounds: None,
        coverage,
        wordings: Vec::new(),
        scratch: gathered.scratch.map(std::sync::Arc::new),
        seconds: 0.0,
        day: opts.today,
        place: Default::default(),
        sheets_aside: opts.aside.clone(),
    };
    run.place = crate::place::settle(&opts.place, &opts.schemas, &run.tables);
    say_what_changed(&mut run, &table_of, &weak, opts);
    run.seconds = started.elapsed().as_secs_f64();
    (run, keep.missed())
}

/// The fields the stages across tables read (each stage declares its own): what the rows
/// keep once their file is checked. Every value stays in the file's spill for the writers.
fn keep_for_run(rules: &CrossRules, opts: &Options) -> crate::keyrow::Keep {
    let schemas = &opts.schemas;
    let mut need = crate::keep::Need::none(schemas);
    rules.fields(schemas, &mut need);
    crate::villages::fields(schemas, &mut need);
    crate::place::fields(schemas, &mut need);
    crate::writeoff::fields(schemas, &mut need);
    crate::tally::fields(schemas, &mut need);
    if let (Some(_), Some(spec)) = (&opts.roster, &schemas.campaign.coverage) {
        crate::rules::cross::coverage::fields(spec, &mut need);
    }
    need.keep()
}

/// Enum forms read by a weak tier: said once each for the whole batch. The table of
/// each sheet and the weak forms are kept for the wordings.
fn weak_forms(
    outs: &[FileOut],
    files: &[String],
    pooled: &mut Pooled,
    opts: &Options,
) -> (crate::rules::forms::TableOf, crate::rules::forms::WeakForms) {
    let sheets: Vec<&[SheetInfo]> = outs.iter().map(|f| f.sheets.as_slice()).collect();
    let table_of = crate::rules::forms::tables_of(&sheets, files);
    let weak = timed("weakly read forms", || {
        crate::rules::forms::weak_forms(&pooled.changes, &table_of, &opts.schemas)
    });
    pooled
        .findings
        .extend(crate::rules::forms::warnings(&weak, &opts.schemas));
    (table_of, weak)
}

/// The campaign's cross-table rules, compiled once for the run. The command line refuses
/// schemas whose rules do not compile when it loads them; a library caller that loaded
/// them otherwise gets no cross-table check, said in one finding.
fn cross_rules(findings: &mut Vec<crate::finding::Finding>, opts: &Options) -> CrossRules {
    CrossRules::compile(&opts.schemas).unwrap_or_else(|error| {
        let file = &opts.schemas.campaign_file;
        let said = crate::codes::internal_error(format!("{file}: {error}"));
        findings.push(crate::finding::Finding::new(said));
        CrossRules::default()
    })
}

/// The checks across rows, tables and files, then rejection: the main rows by code
/// made once for every stage after reading; the cross-table checks (beside them, each
/// file's and each row's village); every row with an error rejected and what stands on
/// it held back. Gives the villages and the main rows by code, unbound from the rows
/// while they were rejected.
fn check_across(
    rules: &CrossRules,
    pooled: &mut Pooled,
    outs: &[FileOut],
    files: &[String],
    opts: &Options,
) -> (
    (Vec<String>, crate::model::RowVillages),
    Option<crate::byfield::UnboundCodes>,
) {
    let schemas = &opts.schemas;
    let main_codes = timed("main rows by code", || {
        crate::byfield::MainCodes::of(&pooled.tables, schemas)
    });
    let tables = Tables {
        tables: &pooled.tables,
        files,
    };
    let (found, villages) = rayon::join(
        || {
            timed("cross-table checks", || {
                cross::check(rules, &tables, schemas, main_codes.as_ref())
            })
        },
        || {
            timed("villages of files and rows", || {
                let (tables, codes) = (&pooled.tables, main_codes.as_ref());
                let of_file = crate::villages::file_villages(outs, tables, schemas, codes);
                let n = outs.len();
                (
                    of_file,
                    crate::villages::row_villages(n, tables, schemas, codes),
                )
            })
        },
    );
    let main_codes = main_codes.map(crate::byfield::MainCodes::unbind);
    pooled.findings.extend(found);
    timed("reject and hold back", || {
        let (tables, findings) = (&mut pooled.tables, &mut pooled.findings);
        cross::hold::reject_and_hold_back(rules, tables, findings, files, schemas)
    });
    (villages, main_codes)
}

/// The main table's rows of `tables`.
fn main_rows<'a>(
    tables: &'a [Vec<crate::keyrow::KeyRow>],
    opts: &Options,
) -> &'a [crate::keyrow::KeyRow] {
    let main = opts.schemas.campaign.main();
    tables.get(main.index()).map_or(&[], Vec::as_slice)
}

/// The roster against the survey (`--roster`), when it was read: the coverage, and the
/// roster's own findings (the survey rows' join the pool's).
fn check_coverage(
    roster: Option<(&mut FileOut, &str, &crate::schema::Schemas)>,
    rules: &CrossRules,
    pooled: &mut Pooled,
    files: &[String],
    village_of_file: &[String],
    opts: &Options,
) -> (Option<crate::model::Coverage>, Vec<crate::finding::Finding>) {
    let survey = Tables {
        tables: &pooled.tables,
        files,
    };
    let (findings, changes) = (&mut pooled.findings, &mut pooled.changes);
    let schemas = &opts.schemas;
    let villages = village_of_file;
    cross::coverage::against_roster(roster, rules, &survey, schemas, villages, findings, changes)
}

/// Write-off proposals, then the tally (a stage of its own, before any output); both
/// read the main rows by code (`main_codes`, bound to the rows again here).
fn propose_and_tally(
    records: &[Vec<crate::keyrow::KeyRow>],
    files: &[String],
    village_of_file: &[String],
    main_codes: Option<crate::byfield::UnboundCodes>,
    coverage: Option<&crate::model::Coverage>,
    opts: &Options,
) -> (Vec<Proposal>, Tally) {
    let main_codes = main_codes.map(|codes| codes.bind(main_rows(records, opts)));
    let main_codes = main_codes.as_ref();
    let tables = Tables {
        tables: records,
        files,
    };
    // The rows are counted while the proposals are made; then the proposals.
    let (proposals, rows) = rayon::join(
        || {
            timed("write-off proposals", || {
                crate::writeoff::propose(&tables, &opts.schemas, main_codes)
            })
        },
        || {
            timed("tally: rows", || {
                let with_coverage = coverage.is_some();
                let (schemas, villages) = (&opts.schemas, village_of_file);
                crate::tally::Rows::count(schemas, records, villages, with_coverage, main_codes)
            })
        },
    );
    let tally =
        timed("tally", || rows.with_proposals(&proposals, coverage)).unwrap_or_else(|_| Tally {
            keys: crate::tally::keys(&opts.schemas, coverage.is_some()),
            ..Default::default()
        });
    (proposals, tally)
}

/// Every distinct wording not read, or read weakly, once each; what changed since the
/// previous round; the report's sentences.
fn say_what_changed(
    run: &mut Run,
    table_of: &crate::rules::forms::TableOf,
    weak: &crate::rules::forms::WeakForms,
    opts: &Options,
) {
    let schemas = &opts.schemas;
    run.wordings = timed("wordings", || {
        crate::rules::wordings::collect(run, table_of, weak, schemas)
    });
    run.rounds = opts.previous.as_ref().and_then(|p| {
        match timed("rounds", || crate::rounds::compare(p, run, schemas)) {
            Ok(rounds) => Some(rounds),
            Err(error) => {
                let said = crate::codes::internal_error(format!("{error:#}"));
                run.findings.push(crate::finding::Finding::new(said));
                None
            }
        }
    });
    run.report = crate::report::compose(
        schemas,
        &run.tally,
        run.rounds.as_ref(),
        run.coverage.as_ref(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::finding::Severity;
    use crate::ingest::file::{process_file, process_file_with, process_pieces};
    use crate::read;
    use crate::read::{Grid, GridRow, Limits, Raw};
    use crate::schema::test_tables as T;
    use crate::schema::Schemas;
    use chrono::NaiveDate;

    fn opts() -> Options {
        Options {
            today: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
            ..Options::new(Schemas::shipped().unwrap())
        }
    }

    /// Everything the stages across tables made, and every value of every row, as text.
    fn made(run: &Run, schemas: &Schemas) -> Vec<String> {
        let mut all = vec![
            format!("{:?}", run.findings),
            format!("{:?}", run.proposals),
            format!("{:?}", run.tally),
            format!("{:?}", run.report),
            format!("{:?}", run.coverage),
            format!(
                "{:?} {:?} {:?}",
                run.village_of_file, run.village_of_row, run.place
            ),
        ];
        for t in schemas.ids() {
            for row in crate::spill::full_rows(run, t) {
                let (k, r) = row.unwrap();
                all.push(format!(
                    "{} {} {:?} {:?} {} {}",
                    k.file(),
                    k.row,
                    r.vals,
                    r.bad,
                    k.rejected,
                    k.held
                ));
            }
        }
        all
    }

    /// The safety net of keeping only the fields the stages declare: on the demo town with
    /// its roster and on the second campaign's demo, every finding, proposal, tally,
    /// sentence, village and value is the same as when every field is kept.
    #[test]
    fn rows_keeping_only_declared_fields_give_what_rows_keeping_all_give() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let gongmao = tempfile::tempdir().unwrap();
        let gm = Schemas::load(None, Some("gongmao")).unwrap();
        crate::demo::write_town(&gm, gongmao.path(), 3, 300, 3, true).unwrap();
        let town = Schemas::shipped().unwrap();
        let roster = Roster {
            path: root.join("fixtures/demo-roster/房屋名册.xlsx"),
            schemas: town.roster().unwrap().unwrap(),
        };
        let cases = [
            (town, root.join("fixtures/demo-town"), Some(roster)),
            (gm, gongmao.path().to_path_buf(), None),
        ];
        for (schemas, dir, roster) in cases {
            let scratch = tempfile::tempdir().unwrap();
            let opts = Options {
                aside: Some(std::sync::Arc::new(
                    tempfile::tempdir_in(scratch.path()).unwrap(),
                )),
                roster,
                ..Options {
                    schemas: schemas.clone(),
                    ..opts()
                }
            };
            let (kept, missed) =
                run_keeping(std::slice::from_ref(&dir), &opts, &process_file, false);
            assert!(!missed);
            assert!(
                kept.spills.iter().any(Option::is_some),
                "the rows were written aside"
            );
            let (all, _) = run_keeping(&[dir], &opts, &process_file, true);
            assert!(all.spills.iter().all(Option::is_none));
            let (a, b) = (made(&kept, &schemas), made(&all, &schemas));
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(&b) {
                assert_eq!(x, y);
            }
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
            let rows = s.grid.as_ref().map(|g| g.rows());
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
            .map(|s| Raw::Text(s.into()))
            .collect()
        };
        let mut rows = vec![GridRow {
            idx: 0,
            cells: head.iter().map(|h| Raw::Text((*h).into())).collect(),
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
            (vec![read::Piece::Sheet(grid(rows.clone())), end()], false),
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
        let mut shuffled = process_pieces(0, &input, &o, (pieces, false), || Ok("xlsx"));
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
            place: Default::default(),
            aside: None,
            values_after: true,
            keep: None,
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
