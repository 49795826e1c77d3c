//! `selfbuilt check INPUT...`: validate and print findings grouped by file and sheet
//! (text, coloured on a terminal), or exactly errors.csv (`--format csv`), or JSON;
//! then the write-off proposals (also to `--writeoffs PATH`).

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::cli::{CheckArgs, Format};
use crate::finding::{Lang, Severity};
use crate::pipeline;
use crate::schema::Schemas;

/// Runs `check`: validates the inputs and prints the findings; returns the exit status.
pub fn exec(a: CheckArgs, schemas: Schemas, lang: Lang) -> Result<i32> {
    let words = crate::rules::words::Words::new(&schemas);
    let opts = crate::cmd::options(&a.common, schemas, false, false)?;
    let run = pipeline::run(&a.common.inputs, &opts);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match a.format {
        Format::Csv => out.write_all(&crate::output::csvs::errors_bytes(&run.findings, lang)?)?,
        Format::Json => {
            #[derive(serde::Serialize)]
            struct J<'a> {
                findings: Vec<serde_json::Value>,
                writeoffs: &'a [crate::writeoff::Proposal],
                wordings: &'a [crate::model::Wording],
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
                &mut out,
                &J {
                    findings,
                    writeoffs: &run.proposals,
                    wordings: &run.wordings,
                },
            )?;
            writeln!(out)?;
        }
        Format::Text => {
            let color = match a.color.as_str() {
                "always" => true,
                "never" => false,
                _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let paint = |s: &str, code: &str| {
                if color {
                    format!("\x1b[{code}m{s}\x1b[0m")
                } else {
                    s.to_string()
                }
            };
            let mut last: Option<(&str, &str)> = None;
            for f in &run.findings {
                if last != Some((f.file.as_str(), f.sheet.as_str())) {
                    let title = if f.sheet.is_empty() {
                        f.file.clone()
                    } else {
                        format!("{} 「{}」", f.file, f.sheet)
                    };
                    writeln!(out, "\n{}", paint(&title, "1"))?;
                    last = Some((f.file.as_str(), f.sheet.as_str()));
                }
                let (sev, code) = match f.severity {
                    Severity::Error if f.knock_on => (
                        if lang == Lang::En {
                            "held back"
                        } else {
                            "暂缓"
                        },
                        "33",
                    ),
                    Severity::Error => (if lang == Lang::En { "error" } else { "错误" }, "31"),
                    Severity::Warning => (
                        if lang == Lang::En {
                            "warning"
                        } else {
                            "警告"
                        },
                        "33",
                    ),
                };
                let cell = if f.cell().is_empty() {
                    f.row_1based()
                } else {
                    f.cell()
                };
                let field = if f.field.is_empty() {
                    String::new()
                } else {
                    format!(" {}", words.field(&f.field, lang))
                };
                writeln!(
                    out,
                    "  {:<7} {} {}{}  {}\n          → {}",
                    cell,
                    paint(sev, code),
                    f.code,
                    field,
                    f.message(lang),
                    f.suggestion(lang)
                )?;
            }
            if !run.wordings.is_empty() {
                let head = if lang == Lang::En {
                    format!("Wordings to check ({}, once each)", run.wordings.len())
                } else {
                    format!("需要核对的写法（{} 种，每种一次）", run.wordings.len())
                };
                writeln!(out, "\n{}", paint(&head, "1"))?;
                for w in &run.wordings {
                    let [kind, table, field, form, done, how, count, places] =
                        words.wording(w, lang);
                    let state = if w.taken.is_some() { "33" } else { "31" };
                    let (times, at, because) = if lang == Lang::En {
                        ("×", "at", "evidence")
                    } else {
                        ("处", "位置", "依据")
                    };
                    writeln!(
                        out,
                        "  {kind} “{form}”  {table}·{field}  {}  {count}{times}\n          {because}：{how}\n          {at}：{places}",
                        paint(&done, state)
                    )?;
                }
            }
            if !run.proposals.is_empty() {
                writeln!(
                    out,
                    "\n{}",
                    paint(
                        if lang == Lang::En {
                            "Write-off proposals"
                        } else {
                            "销号建议"
                        },
                        "1"
                    )
                )?;
                for p in &run.proposals {
                    let what = if p.item_code.is_empty() {
                        p.main_code.clone()
                    } else {
                        p.item_code.clone()
                    };
                    let reason = if lang == Lang::En {
                        p.reason.as_str()
                    } else {
                        words.reason(&p.reason)
                    };
                    writeln!(out, "  {reason}  {what}  {}", p.evidence)?;
                }
            }
            writeln!(
                out,
                "\n{}",
                if lang == Lang::En {
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
                            n => format!("（另有 {n} 行随之暂缓）"),
                        },
                        run.warnings(),
                        run.proposals.len()
                    )
                }
            )?;
        }
    }
    if let Some(p) = &a.writeoffs {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let path = if p.is_absolute() || p.parent().is_some_and(|d| !d.as_os_str().is_empty()) {
            p.clone()
        } else {
            std::path::Path::new(".").join(p)
        };
        crate::output::atomic::atomic_write(
            &path,
            &crate::output::csvs::writeoffs_bytes(&run, &opts.schemas)?,
        )?;
    }
    Ok(if run.errors() + run.held() > 0 { 1 } else { 0 })
}
