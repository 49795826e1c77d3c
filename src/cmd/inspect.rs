//! `selfbuilt inspect INPUT...`: per file and sheet, the table recognised, the header rows,
//! the data rows, each column's header → field, unmapped columns and skipped rows.

use anyhow::Result;
use serde_json::json;

use crate::cli::InspectArgs;
use crate::pipeline::{self, Options};
use crate::recognise::How;
use crate::schema::Schemas;
use crate::text::col_letters;

pub fn exec(a: InspectArgs, schemas: Schemas) -> Result<i32> {
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
                "无法读取"
            } else {
                &f.format
            }
        ));
        for x in &file_findings {
            text.push_str(&format!(
                "  {} {} {}\n",
                x.severity.zh(),
                x.code,
                x.message_zh
            ));
        }
        if f.sheets.is_empty() {
            sheets.push(json!({
                "file": rel, "sheet": null, "table": null, "header_rows": null, "data_rows": 0,
                "columns": [], "skipped": [], "findings": file_findings,
            }));
        }
        for s in &f.sheets {
            let t = s.table.map(|t| opts.schemas.table(t));
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
                    text.push_str(&format!(
                        "  「{label}」 {} ({})  表头第{}–{}行  数据 {} 行\n",
                        opts.schemas.table(tk).table.label,
                        opts.schemas.table(tk).table.key,
                        h0 + 1,
                        h1 + 1,
                        s.data_rows
                    ));
                    for c in &s.columns {
                        let to = match (c.field, c.how) {
                            (Some(k), How::Guess) => format!(
                                "{}（{}{}）",
                                t.map(|t| t.fields[k].key.as_str()).unwrap_or(""),
                                if c.weak {
                                    "不确定，请核对；"
                                } else {
                                    ""
                                },
                                c.evidence
                            ),
                            (None, How::Unmapped) if !c.evidence.is_empty() => {
                                format!("（未识别；最接近的依据：{}）", c.evidence)
                            }
                            (Some(k), _) => t.map(|t| t.fields[k].key.clone()).unwrap_or_default(),
                            (None, How::Seq) => "#序号".into(),
                            (None, How::Note) => "#备注".into(),
                            (None, How::Duplicate) => "（重复列，未用）".into(),
                            (None, _) => "（未识别）".into(),
                        };
                        text.push_str(&format!(
                            "    {:>3}  {} → {}\n",
                            col_letters(c.col),
                            c.header,
                            to
                        ));
                    }
                    for k in &s.skipped {
                        text.push_str(&format!("    跳过第{}行：{}\n", k.row + 1, k.reason));
                    }
                }
                _ => text.push_str(&format!("  「{label}」 未识别出表\n")),
            }
            for x in &findings {
                text.push_str(&format!(
                    "    {} {} {}\n",
                    x.severity.zh(),
                    x.code,
                    x.message_zh
                ));
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
