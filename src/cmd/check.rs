//! `selfbuilt check INPUT...`: validate and print findings grouped by file and sheet
//! (text, coloured on a terminal), or exactly errors.csv (`--format csv`), or JSON;
//! then the write-off proposals (also to `--writeoffs PATH`).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Result;

use crate::cli::{CheckArgs, Format};
use crate::finding::{Finding, Lang, Severity};
use crate::model::Run;
use crate::pipeline;
use crate::rules::words::Words;
use crate::schema::Schemas;

/// Runs `check`: validates the inputs and prints the findings; returns the exit status.
pub fn exec(args: CheckArgs, schemas: Schemas, lang: Lang) -> Result<i32> {
    let words = Words::new(&schemas);
    let opts = crate::cmd::options(&args.common, schemas, false, false)?;
    let mut run = pipeline::run(&args.common.inputs, &opts);
    // Buffered: stdout is line-buffered, a write per line (a million proposals took seconds).
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match args.format {
        Format::Csv => out.write_all(&crate::output::csvs::errors_bytes(&run.findings, lang)?)?,
        Format::Json => print_json(&mut out, &run, lang)?,
        Format::Text => TextReport {
            words: &words,
            lang,
            color: wants_color(&args.color),
        }
        .print(&mut out, &run)?,
    }
    out.flush()?;
    if let Some(path) = &args.writeoffs {
        write_writeoffs(path, &run, &opts.schemas)?;
    }
    let code = if run.errors() + run.held() > 0 { 1 } else { 0 };
    // The process ends now: its rows and proposals are left to the operating system
    // rather than freed one by one (a tenth of a second at a million rows), as `run` does;
    // the scratch folder is removed.
    drop(run.scratch.take());
    drop(run.sheets_aside.take());
    std::mem::forget(run);
    Ok(code)
}

/// The findings (with cell, message and suggestion in `lang`), the write-off proposals
/// and the wordings to check, as one pretty-printed JSON document.
fn print_json(out: &mut impl Write, run: &Run, lang: Lang) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        findings: Vec<serde_json::Value>,
        writeoffs: Writeoffs<'a>,
        wordings: &'a [crate::model::Wording],
    }
    /// The proposals, each with its evidence sentence made as it is written.
    struct Writeoffs<'a>(&'a Run);
    impl serde::Serialize for Writeoffs<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            #[derive(serde::Serialize)]
            struct Shown<'p> {
                #[serde(flatten)]
                proposal: &'p crate::writeoff::Proposal,
                evidence: String,
            }
            let run = self.0;
            s.collect_seq(run.proposals.iter().map(|proposal| Shown {
                proposal,
                evidence: run.evidence(proposal),
            }))
        }
    }
    let findings = run
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "file": f.file, "sheet": f.sheet, "row": f.row.map(|r| r + 1), "cell": f.cell(),
                "field": f.field, "value": f.value, "severity": f.severity, "code": f.code,
                "message": f.message(lang), "suggestion": f.suggestion(lang),
            })
        })
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &Document {
            findings,
            writeoffs: Writeoffs(run),
            wordings: &run.wordings,
        },
    )?;
    writeln!(out)?;
    Ok(())
}

/// Whether the text is coloured: `--color always|never`, else on a terminal unless
/// `NO_COLOR` is set.
fn wants_color(setting: &str) -> bool {
    match setting {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Writes the write-off proposals to `path` (writeoffs.csv format), creating its folder.
fn write_writeoffs(path: &Path, run: &Run, schemas: &Schemas) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let path = if path.is_absolute() || path.parent().is_some_and(|d| !d.as_os_str().is_empty()) {
        path.to_path_buf()
    } else {
        Path::new(".").join(path)
    };
    crate::output::atomic::atomic_write(&path, &crate::output::csvs::writeoffs_bytes(run, schemas)?)
}

/// Items a block of `write_lines` holds: its text is made on every core, then written.
const LINES_BLOCK: usize = 1 << 15;

/// Writes each of `items` as `line(index, item, text)` appends it to a text, in order:
/// a block at a time, each block's text made on every core (a county's million proposals
/// took a second on one), so that no more than a block's text is held.
fn write_lines<T: Sync>(
    out: &mut impl Write,
    items: &[T],
    line: impl Fn(usize, &T, &mut String) + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    const PART: usize = 2048;
    for (b, block) in items.chunks(LINES_BLOCK).enumerate() {
        let texts: Vec<String> = block
            .par_chunks(PART)
            .enumerate()
            .map(|(c, part)| {
                let mut text = String::new();
                for (k, item) in part.iter().enumerate() {
                    line(b * LINES_BLOCK + c * PART + k, item, &mut text);
                }
                text
            })
            .collect();
        for text in texts {
            out.write_all(text.as_bytes())?;
        }
    }
    Ok(())
}

/// A finding's severity as the text says it, and its colour code: held back (a knock-on
/// error) and warnings yellow, errors red.
fn severity_label(finding: &Finding, lang: Lang) -> (&'static str, &'static str) {
    let en = lang == Lang::En;
    match finding.severity {
        Severity::Error if finding.knock_on => (if en { "held back" } else { "暂缓" }, "33"),
        Severity::Error => (if en { "error" } else { "错误" }, "31"),
        Severity::Warning => (if en { "warning" } else { "警告" }, "33"),
    }
}

/// The text report for a person: findings grouped by file and sheet, the wordings to
/// check, the write-off proposals and the totals.
struct TextReport<'a> {
    words: &'a Words,
    lang: Lang,
    color: bool,
}

impl TextReport<'_> {
    /// `text` in the ANSI colour `code` when colouring, else as it is.
    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Chinese or English, as the command line asks.
    fn say<T>(&self, zh: T, en: T) -> T {
        if self.lang == Lang::En {
            en
        } else {
            zh
        }
    }

    /// The whole report, section by section.
    fn print(&self, out: &mut impl Write, run: &Run) -> Result<()> {
        self.findings(out, run)?;
        if !run.wordings.is_empty() {
            self.wordings(out, run)?;
        }
        if !run.proposals.is_empty() {
            self.proposals(out, run)?;
        }
        self.totals(out, run)
    }

    /// Each finding on two lines, under a title for each file and sheet.
    fn findings(&self, out: &mut impl Write, run: &Run) -> Result<()> {
        let lang = self.lang;
        let all = &run.findings;
        write_lines(out, all, |i, f, text| {
            let before = i.checked_sub(1).map(|b| &all[b]);
            if before.is_none_or(|b| (b.file.as_str(), b.sheet.as_str()) != (&f.file, &f.sheet)) {
                let title = if f.sheet.is_empty() {
                    f.file.clone()
                } else {
                    format!("{} 「{}」", f.file, f.sheet)
                };
                let _ = writeln!(text, "\n{}", self.paint(&title, "1"));
            }
            let (severity, code) = severity_label(f, lang);
            let cell = if f.cell().is_empty() {
                f.row_1based()
            } else {
                f.cell()
            };
            let field = if f.field.is_empty() {
                String::new()
            } else {
                format!(" {}", self.words.field(&f.field, lang))
            };
            let _ = writeln!(
                text,
                "  {:<7} {} {}{}  {}\n          → {}",
                cell,
                self.paint(severity, code),
                f.code,
                field,
                f.message(lang),
                f.suggestion(lang)
            );
        })?;
        Ok(())
    }

    /// The wordings read weakly or not at all, once each, with their evidence and places.
    fn wordings(&self, out: &mut impl Write, run: &Run) -> Result<()> {
        let count = run.wordings.len();
        let head = self.say(
            format!("需要核对的写法（{count} 种，每种一次）"),
            format!("Wordings to check ({count}, once each)"),
        );
        writeln!(out, "\n{}", self.paint(&head, "1"))?;
        for w in &run.wordings {
            let [kind, table, field, form, done, how, count, places] =
                self.words.wording(w, self.lang);
            let state = if w.taken.is_some() { "33" } else { "31" };
            let (times, places_word, because) =
                self.say(("处", "位置", "依据"), ("×", "at", "evidence"));
            writeln!(
                out,
                "  {kind} “{form}”  {table}·{field}  {}  {count}{times}\n          {because}：{how}\n          {places_word}：{places}",
                self.paint(&done, state)
            )?;
        }
        Ok(())
    }

    /// The write-off proposals: reason, code and evidence.
    fn proposals(&self, out: &mut impl Write, run: &Run) -> Result<()> {
        writeln!(
            out,
            "\n{}",
            self.paint(self.say("销号建议", "Write-off proposals"), "1")
        )?;
        write_lines(out, &run.proposals, |_, p, text| {
            let what = if p.item_code.is_empty() {
                &p.main_code
            } else {
                &p.item_code
            };
            let reason = self.say(self.words.reason(&p.reason), p.reason.as_str());
            let _ = writeln!(text, "  {reason}  {what}  {}", run.evidence(p));
        })?;
        Ok(())
    }

    /// The closing line: errors, rows held back, warnings and proposals counted.
    fn totals(&self, out: &mut impl Write, run: &Run) -> Result<()> {
        let line = if self.lang == Lang::En {
            format!(
                "{} errors (and {} rows held back with them), {} warnings, {} write-off proposals",
                run.errors(),
                run.held(),
                run.warnings(),
                run.proposals.len()
            )
        } else {
            format!(
                "错误 {} 个{}，警告 {} 个，销号建议 {} 条",
                run.errors(),
                match run.held() {
                    0 => String::new(),
                    count => format!("（另有 {count} 行随之暂缓）"),
                },
                run.warnings(),
                run.proposals.len()
            )
        };
        writeln!(out, "\n{line}")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_made_on_every_core_come_out_in_order() {
        let items: Vec<u32> = (0..(2 * LINES_BLOCK as u32 + 777)).collect();
        let mut out = Vec::new();
        write_lines(&mut out, &items, |i, x, text| {
            let _ = writeln!(text, "{i} {x}");
        })
        .unwrap();
        let want: String = items.iter().map(|x| format!("{x} {x}\n")).collect();
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    #[test]
    fn colour_follows_the_setting_when_one_is_given() {
        assert!(wants_color("always"));
        assert!(!wants_color("never"));
    }

    #[test]
    fn a_knock_on_error_is_held_back_in_yellow() {
        let mut finding = Finding::rule("R101", Severity::Error);
        assert_eq!(severity_label(&finding, Lang::Zh), ("错误", "31"));
        finding.knock_on = true;
        assert_eq!(severity_label(&finding, Lang::En), ("held back", "33"));
        let warning = Finding::rule("W001", Severity::Warning);
        assert_eq!(severity_label(&warning, Lang::En), ("warning", "33"));
    }

    #[test]
    fn text_is_painted_only_when_colouring() {
        let schemas = Schemas::shipped().unwrap();
        let words = Words::new(&schemas);
        let report = |color| TextReport {
            words: &words,
            lang: Lang::En,
            color,
        };
        assert_eq!(report(false).paint("title", "1"), "title");
        assert_eq!(report(true).paint("title", "1"), "\x1b[1mtitle\x1b[0m");
    }
}
