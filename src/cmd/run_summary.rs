//! What `run` says when it is done, in the chosen language: files read, each table's rows
//! (accepted, held back, knock-ons apart), findings, write-off proposals, the roster's
//! coverage, the comparison with the previous round, where the results are — and what to
//! do next.

use std::path::Path;

use crate::cli::RunArgs;
use crate::finding::Lang;
use crate::model::Run;
use crate::options::Options;

/// The summary's lines.
pub fn lines(run: &Run, opts: &Options, args: &RunArgs, lang: Lang) -> Vec<String> {
    let summary = Summary {
        run,
        opts,
        en: lang == Lang::En,
    };
    let mut lines = vec![summary.files()];
    lines.extend(summary.tables());
    lines.push(summary.findings());
    lines.push(summary.writeoffs());
    if let Some(roster) = &args.roster {
        lines.extend(summary.coverage(roster));
    }
    lines.extend(summary.rounds());
    lines.push(summary.say(
        format!(
            "结果在：{}（用时 {:.2} 秒）",
            args.out.display(),
            run.seconds
        ),
        format!("Results in {} ({:.2} s)", args.out.display(), run.seconds),
    ));
    lines.extend(next_steps(run, opts, summary.en));
    lines
}

/// One run summed up, line by line, in Chinese or English.
struct Summary<'a> {
    run: &'a Run,
    opts: &'a Options,
    en: bool,
}

impl Summary<'_> {
    /// The Chinese or the English line, as the command line asks.
    fn say(&self, zh: String, english: String) -> String {
        if self.en {
            english
        } else {
            zh
        }
    }

    /// How many files were read, and how many could not be.
    fn files(&self) -> String {
        let files = &self.run.files;
        let unreadable = files.iter().filter(|f| f.format.is_empty()).count();
        self.say(
            format!("读取文件 {} 个（无法读取 {unreadable} 个）", files.len()),
            format!("{} files read ({unreadable} unreadable)", files.len()),
        )
    }

    /// Each table's rows: accepted, held back, and knock-ons apart.
    fn tables(&self) -> Vec<String> {
        let schemas = &self.opts.schemas;
        schemas
            .ids()
            .map(|t| {
                let recs = self.run.table(t);
                let rejected = recs.iter().filter(|r| r.rejected).count();
                let held = recs.iter().filter(|r| r.held).count();
                let table = &schemas.table(t).table;
                self.say(
                    format!(
                        "  {}：{} 行，通过 {}，退回 {}{}",
                        table.label,
                        recs.len(),
                        recs.len() - rejected,
                        rejected,
                        if held > 0 {
                            format!("（其中 {held} 行因所依的行有错误随之暂缓）")
                        } else {
                            String::new()
                        }
                    ),
                    format!(
                        "  {}: {} rows, {} accepted, {} held back ({held} of them only with the row they depend on)",
                        table.key,
                        recs.len(),
                        recs.len() - rejected,
                        rejected
                    ),
                )
            })
            .collect()
    }

    /// Errors (and rows held back with them), warnings and values cleaned.
    fn findings(&self) -> String {
        let run = self.run;
        let held = match run.held() {
            0 => (String::new(), String::new()),
            count => (
                format!("（另有 {count} 处随之暂缓，改正所依的行后自动上报）"),
                format!(" (and {count} held back with them)"),
            ),
        };
        self.say(
            format!(
                "问题：错误 {}{}，警告 {}；清洗改动 {} 处（见 changes.csv）",
                run.errors(),
                held.0,
                run.warnings(),
                run.change_count()
            ),
            format!(
                "Findings: {} errors{}, {} warnings; {} values cleaned (changes.csv)",
                run.errors(),
                held.1,
                run.warnings(),
                run.change_count()
            ),
        )
    }

    /// The write-off proposals counted per reason.
    fn writeoffs(&self) -> String {
        let campaign = &self.opts.schemas.campaign;
        let counts: Vec<String> = campaign
            .writeoffs
            .iter()
            .enumerate()
            .map(|(k, w)| {
                let count = self.run.proposals.iter().filter(|p| p.rule == k).count();
                if self.en {
                    format!("{} {count}", w.reason)
                } else {
                    format!("{} {count}", w.label)
                }
            })
            .collect();
        let title = &campaign.campaign.writeoffs_title;
        self.say(
            format!("{title}：{}", counts.join("，")),
            format!("Write-off proposals: {}", counts.join(", ")),
        )
    }

    /// The roster's coverage, or that nothing could be read from `roster`; nothing when
    /// the campaign checks no coverage.
    fn coverage(&self, roster: &Path) -> Option<String> {
        let spec = self.opts.schemas.campaign.coverage.as_ref()?;
        Some(match &self.run.coverage {
            Some(coverage) => {
                let rate = coverage
                    .total
                    .rate()
                    .map(|x| format!("{x:.1}%"))
                    .unwrap_or_default();
                self.say(
                    format!(
                        "{}核对：{} 条，{} {}（{rate}），{} {}，不在{} {}；见 coverage.csv",
                        spec.label,
                        coverage.total.listed,
                        spec.found,
                        coverage.total.covered,
                        spec.missing,
                        coverage.total.missing,
                        spec.label,
                        coverage.total.unlisted
                    ),
                    format!(
                        "Roster: {} listed, {} covered ({rate}), {} missing, {} surveyed but not listed; see coverage.csv",
                        coverage.total.listed, coverage.total.covered, coverage.total.missing, coverage.total.unlisted
                    ),
                )
            }
            None => self.say(
                format!(
                    "{}：{} 中没有读出任何条目，未做核对（原因见 errors.xlsx）",
                    spec.label,
                    roster.display()
                ),
                format!(
                    "Roster: nothing could be read from {}; no coverage check (see errors.xlsx)",
                    roster.display()
                ),
            ),
        })
    }

    /// The comparison with the previous round, when there was one.
    fn rounds(&self) -> Option<String> {
        let counts = self.run.rounds.as_ref()?.total;
        Some(self.say(
            format!(
                "与上一轮相比：已改正 {} 处，仍未改正 {} 处，新发现 {} 处；新增 {} 行，删除 {} 行，改动数值 {} 处；见 rounds.csv",
                counts.fixed, counts.open, counts.new, counts.added, counts.removed, counts.changed
            ),
            format!(
                "Since the previous round: {} fixed, {} still open, {} new; {} rows added, {} removed, {} values changed; see rounds.csv",
                counts.fixed, counts.open, counts.new, counts.added, counts.removed, counts.changed
            ),
        ))
    }
}

/// What the clerk does next: send the packages, submit cleaned.xlsx (or why not yet),
/// apply for the write-offs, confirm the wordings read weakly.
fn next_steps(run: &Run, opts: &Options, en: bool) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    let village_in = run.finding_villages();
    let villages: std::collections::BTreeSet<&str> =
        run.findings.iter().filter_map(&village_in).collect();
    if !villages.is_empty() {
        steps.push(if en {
            format!(
                "send each of the {} villages its folder in {}/ (its problem list, and its annotated workbooks when it sent any)",
                villages.len(),
                crate::output::folders::RETURNS
            )
        } else {
            format!(
                "把 {}/ 里的文件夹分别发给 {} 个村（社区）：每个文件夹里有问题清单，报送了表的村还有批注版的表",
                crate::output::folders::RETURNS,
                villages.len()
            )
        });
    }
    // Rows held back, table by table.
    let held: Vec<String> = opts
        .schemas
        .ids()
        .filter_map(|t| {
            let rejected = run.table(t).iter().filter(|r| r.rejected).count();
            let table = &opts.schemas.table(t).table;
            (rejected > 0).then(|| {
                if en {
                    format!("{} {rejected}", table.key)
                } else {
                    format!("{}暂缓 {rejected} 行", table.label)
                }
            })
        })
        .collect();
    steps.push(match (held.is_empty(), en) {
        (true, false) => "cleaned.xlsx 的数据都已通过校验，可以上报".to_string(),
        (true, true) => "cleaned.xlsx has passed every check and can be submitted".to_string(),
        (false, false) => format!(
            "cleaned.xlsx 里只有通过校验的数据（{}，见 errors.xlsx）；可以先上报这部分，各村改正后重新运行再补报",
            held.join("，")
        ),
        (false, true) => format!(
            "cleaned.xlsx holds only rows that passed (held back: {}; see errors.xlsx); submit it now and the rest once the villages have corrected them",
            held.join(", ")
        ),
    });
    if !run.proposals.is_empty() {
        steps.push(if en {
            format!(
                "{} write-offs are proposed (writeoffs.csv, errors.xlsx {}): apply for them in the platform one by one",
                run.proposals.len(),
                opts.schemas.campaign.campaign.writeoffs_title
            )
        } else {
            format!(
                "{title} {} 条（见 writeoffs.csv 或 errors.xlsx 的“{title}”表）：逐条核实后在系统中申请",
                run.proposals.len(),
                title = opts.schemas.campaign.campaign.writeoffs_title
            )
        });
    }
    let to_confirm = run.wordings.len();
    if to_confirm > 0 {
        steps.push(if en {
            format!("{to_confirm} wordings were read weakly or not at all: check them in errors.xlsx, then run with --aliases learned.toml")
        } else {
            format!("有 {to_confirm} 种写法需要核对（见 errors.xlsx 汇总表下方）：核对 learned.toml 后，下次运行加上 --aliases learned.toml")
        });
    }
    let mut out = vec![if en {
        "Next:".to_string()
    } else {
        "下一步：".to_string()
    }];
    out.extend(
        steps
            .into_iter()
            .enumerate()
            .map(|(i, s)| format!("  {}. {s}", i + 1)),
    );
    out
}
