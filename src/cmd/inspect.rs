//! `selfbuilt inspect INPUT...`: per file and sheet, the table recognised, the header rows,
//! the data rows, each column's header → field, unmapped columns and skipped rows. The text
//! is for a person: fields and tables by their labels in the chosen language; `--json`
//! is for a machine and keeps their keys.

use anyhow::Result;
use serde_json::json;

use crate::cli::InspectArgs;
use crate::finding::{Finding, Lang};
use crate::pipeline::{self, Options};
use crate::recognise::How;
use crate::schema::Schemas;
use crate::text::col_letters;

/// A finding on one line: severity, code and message in `lang`.
fn finding_line(x: &Finding, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{} {} {}", x.severity.zh(), x.code, x.message_zh),
        Lang::En => format!("{} {} {}", x.severity.as_str(), x.code, x.message_en),
    }
}

/// Runs `inspect`: prints each sheet's table, header rows and column mapping with its
/// evidence.
pub fn exec(a: InspectArgs, schemas: Schemas, lang: Lang) -> Result<i32> {
    let zh = lang == Lang::Zh;
    // Chinese or English, as the command line asks.
    let say = |z: &'static str, e: &'static str| if zh { z } else { e };
    let opts = Options {
        schemas,
        limits: a.limits.limits(),
        today: chrono::Local::now().date_naive(),
        keep_grids: false,
        progress: std::sync::Arc::new(crate::progress::Silent),
        isolate: super::isolation(&a.limits),
        previous: None,
        roster: None,
    };
    let run = pipeline::run(&a.inputs, &opts);
    let mut sheets = Vec::new();
    let mut text = String::new();
    for (i, f) in run.files.iter().enumerate() {
        let rel = &run.rel[i];
        let file_findings: Vec<_> = run
            .findings
            .iter()
            .filter(|x| &x.file == rel && x.sheet.is_empty() && x.row.is_none())
            .collect();
        text.push_str(&format!(
            "\n{rel}  [{}]\n",
            if f.format.is_empty() {
                say("无法读取", "unreadable")
            } else {
                &f.format
            }
        ));
        for x in &file_findings {
            text.push_str(&format!("  {}\n", finding_line(x, lang)));
        }
        if f.sheets.is_empty() {
            sheets.push(json!({
                "file": rel, "sheet": null, "table": null, "header_rows": null, "data_rows": 0,
                "columns": [], "skipped": [], "findings": file_findings,
            }));
        }
        for s in &f.sheets {
            let t = s.table.map(|t| opts.schemas.table(t));
            // A field as a person calls it (身份证号, not owner_id).
            let field_label = |k: usize| -> String {
                t.map(|t| {
                    let f = &t.fields[k];
                    if zh || f.label_en.is_empty() {
                        f.label.clone()
                    } else {
                        f.label_en.clone()
                    }
                })
                .unwrap_or_default()
            };
            let columns: Vec<_> = s
                .columns
                .iter()
                .map(|c| {
                    json!({
                        "column": col_letters(c.col),
                        "header": c.header,
                        "field": c.field.and_then(|k| t.map(|t| t.fields[k].key.clone())),
                        "how": c.how,
                        "evidence": c.evidence,
                        "score": (c.score * 100.0).round() / 100.0,
                        "weak": c.weak,
                        "candidates": c.candidates.iter().filter_map(|(k, sc)| t.map(|t| json!({
                            "field": t.fields[*k].key, "score": (sc * 100.0).round() / 100.0
                        }))).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let skipped: Vec<_> = s
                .skipped
                .iter()
                .map(|k| json!({"row": k.row + 1, "reason": k.reason}))
                .collect();
            let findings: Vec<_> = run
                .findings
                .iter()
                .filter(|x| &x.file == rel && x.sheet == s.name && x.row.is_none())
                .collect();
            sheets.push(json!({
                "file": rel,
                "sheet": s.name,
                "table": s.table.map(|t| opts.schemas.table(t).table.key.clone()),
                "header_rows": s.header.map(|(a, b)| [a + 1, b + 1]),
                "data_rows": s.data_rows,
                "columns": columns,
                "skipped": skipped,
                "findings": findings,
            }));
            let label = if s.name.is_empty() {
                "(csv)".to_string()
            } else {
                s.name.clone()
            };
            match (s.table, s.header) {
                (Some(tk), Some((h0, h1))) => {
                    let table = &opts.schemas.table(tk).table;
                    text.push_str(&if zh {
                        format!(
                            "  「{label}」 {}  表头第{}–{}行  数据 {} 行\n",
                            table.label,
                            h0 + 1,
                            h1 + 1,
                            s.data_rows
                        )
                    } else {
                        format!(
                            "  [{label}] {}  header rows {}–{}  {} data rows\n",
                            if table.label_en.is_empty() {
                                &table.label
                            } else {
                                &table.label_en
                            },
                            h0 + 1,
                            h1 + 1,
                            s.data_rows
                        )
                    });
                    for c in &s.columns {
                        let to = match (c.field, c.how) {
                            (Some(k), How::Guess) => format!(
                                "{}{}{}{}{}",
                                field_label(k),
                                say("（", " ("),
                                if c.weak {
                                    say("不确定，请核对；", "not sure, please check; ")
                                } else {
                                    ""
                                },
                                c.evidence,
                                say("）", ")")
                            ),
                            (None, How::Unmapped) if !c.evidence.is_empty() => format!(
                                "{}{}{}",
                                say(
                                    "（未识别；最接近的依据：",
                                    "(not recognised; the closest evidence: "
                                ),
                                c.evidence,
                                say("）", ")")
                            ),
                            (Some(k), _) => field_label(k),
                            (None, How::Seq) => say("#序号", "#serial number").into(),
                            (None, How::Note) => say("#备注", "#notes").into(),
                            (None, How::Duplicate) => {
                                say("（重复列，未用）", "(duplicate column, not used)").into()
                            }
                            (None, _) => say("（未识别）", "(not recognised)").into(),
                        };
                        text.push_str(&format!(
                            "    {:>3}  {} → {}\n",
                            col_letters(c.col),
                            c.header,
                            to
                        ));
                    }
                    for k in &s.skipped {
                        text.push_str(&if zh {
                            format!("    跳过第{}行：{}\n", k.row + 1, k.reason)
                        } else {
                            format!("    skipped row {}: {}\n", k.row + 1, k.reason)
                        });
                    }
                }
                _ => text.push_str(&if zh {
                    format!("  「{label}」 未识别出表\n")
                } else {
                    format!("  [{label}] no table recognised\n")
                }),
            }
            for x in &findings {
                text.push_str(&format!("    {}\n", finding_line(x, lang)));
            }
        }
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&sheets)?);
    } else {
        print!("{text}");
    }
    Ok(0)
}
