//! `selfbuilt inspect INPUT...`: per file and sheet, the table recognised, the header rows,
//! the data rows, each column's header → field, unmapped columns and skipped rows. The text
//! is for a person: fields and tables by their labels in the chosen language; `--json`
//! is for a machine and keeps their keys.

use anyhow::Result;
use serde_json::json;

use crate::cli::InspectArgs;
use crate::finding::{Finding, Lang};
use crate::model::{Column, FileOut, SheetInfo};
use crate::pipeline::{self, Options};
use crate::recognise::How;
use crate::schema::{Schemas, TableSchema};
use crate::text::col_letters;

/// A finding on one line: severity, code and message in `lang`.
fn finding_line(finding: &Finding, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{} {} {}",
            finding.severity.zh(),
            finding.code,
            finding.message_zh
        ),
        Lang::En => format!(
            "{} {} {}",
            finding.severity.as_str(),
            finding.code,
            finding.message_en
        ),
    }
}

/// Runs `inspect`: prints each sheet's table, header rows and column mapping with its
/// evidence.
pub fn exec(args: InspectArgs, schemas: Schemas, lang: Lang) -> Result<i32> {
    let opts = inspect_options(&args, schemas);
    let run = pipeline::run(&args.inputs, &opts);
    let view = View {
        schemas: &opts.schemas,
        lang,
    };
    let mut sheets = Vec::new();
    let mut text = String::new();
    for (i, file) in run.files.iter().enumerate() {
        let rel = &run.rel[i];
        let file_findings: Vec<_> = run
            .findings
            .iter()
            .filter(|x| &x.file == rel && x.sheet.is_empty() && x.row.is_none())
            .collect();
        text.push_str(&view.file_text(file, rel, &file_findings));
        if file.sheets.is_empty() {
            sheets.push(json!({
                "file": rel, "sheet": null, "table": null, "header_rows": null, "data_rows": 0,
                "columns": [], "skipped": [], "findings": file_findings,
            }));
        }
        for sheet in &file.sheets {
            let findings: Vec<_> = run
                .findings
                .iter()
                .filter(|x| &x.file == rel && x.sheet == sheet.name && x.row.is_none())
                .collect();
            sheets.push(view.sheet_json(rel, sheet, &findings));
            text.push_str(&view.sheet_text(sheet, &findings));
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&sheets)?);
    } else {
        print!("{text}");
    }
    Ok(0)
}

/// Pipeline options for looking only: no progress, no grids kept, no previous round or
/// roster.
fn inspect_options(args: &InspectArgs, schemas: Schemas) -> Options {
    Options {
        schemas,
        limits: args.limits.limits(),
        today: chrono::Local::now().date_naive(),
        keep_grids: false,
        progress: std::sync::Arc::new(crate::progress::Silent),
        isolate: super::isolation(&args.limits),
        previous: None,
        roster: None,
        place: Default::default(),
        aside: None,
        values_after: true,
        keep: None,
    }
}

/// Two decimals, as the JSON gives scores.
fn rounded(score: f64) -> f64 {
    (score * 100.0).round() / 100.0
}

/// How `inspect` shows files and sheets, in the chosen language.
struct View<'a> {
    schemas: &'a Schemas,
    lang: Lang,
}

impl View<'_> {
    /// Chinese or English, as the command line asks.
    fn say(&self, zh: &'static str, en: &'static str) -> &'static str {
        if self.lang == Lang::Zh {
            zh
        } else {
            en
        }
    }

    /// A field as a person calls it (身份证号, not owner_id).
    fn field_label(&self, table: Option<&TableSchema>, field: usize) -> String {
        table
            .map(|t| {
                let field = &t.fields[field];
                if self.lang == Lang::Zh || field.label_en.is_empty() {
                    field.label.clone()
                } else {
                    field.label_en.clone()
                }
            })
            .unwrap_or_default()
    }

    /// A file's title line (its format, or that it could not be read) and its findings.
    fn file_text(&self, file: &FileOut, rel: &str, findings: &[&Finding]) -> String {
        let mut text = format!(
            "\n{rel}  [{}]\n",
            if file.format.is_empty() {
                self.say("无法读取", "unreadable")
            } else {
                &file.format
            }
        );
        for x in findings {
            text.push_str(&format!("  {}\n", finding_line(x, self.lang)));
        }
        text
    }

    /// A sheet for a machine: table and fields by their keys, rows 1-based.
    fn sheet_json(&self, rel: &str, sheet: &SheetInfo, findings: &[&Finding]) -> serde_json::Value {
        let table = sheet.table.map(|t| self.schemas.table(t));
        let columns: Vec<_> = sheet
            .columns
            .iter()
            .map(|c| column_json(table, c))
            .collect();
        let skipped: Vec<_> = sheet
            .skipped
            .iter()
            .map(|k| json!({"row": k.row + 1, "reason": k.reason}))
            .collect();
        json!({
            "file": rel,
            "sheet": sheet.name,
            "table": table.map(|t| t.table.key.clone()),
            "header_rows": sheet.header.map(|(first, last)| [first + 1, last + 1]),
            "data_rows": sheet.data_rows,
            "columns": columns,
            "skipped": skipped,
            "findings": findings,
        })
    }

    /// A sheet for a person: its table, header rows and data rows, each column → field,
    /// the rows skipped, and its findings.
    fn sheet_text(&self, sheet: &SheetInfo, findings: &[&Finding]) -> String {
        let zh = self.lang == Lang::Zh;
        let label = if sheet.name.is_empty() {
            "(csv)".to_string()
        } else {
            sheet.name.clone()
        };
        let mut text = String::new();
        match (sheet.table, sheet.header) {
            (Some(table_id), Some((first, last))) => {
                let schema = self.schemas.table(table_id);
                let table = &schema.table;
                text.push_str(&if zh {
                    format!(
                        "  「{label}」 {}  表头第{}–{}行  数据 {} 行\n",
                        table.label,
                        first + 1,
                        last + 1,
                        sheet.data_rows
                    )
                } else {
                    format!(
                        "  [{label}] {}  header rows {}–{}  {} data rows\n",
                        if table.label_en.is_empty() {
                            &table.label
                        } else {
                            &table.label_en
                        },
                        first + 1,
                        last + 1,
                        sheet.data_rows
                    )
                });
                for c in &sheet.columns {
                    text.push_str(&format!(
                        "    {:>3}  {} → {}\n",
                        col_letters(c.col),
                        c.header,
                        self.column_target(Some(schema), c)
                    ));
                }
                for k in &sheet.skipped {
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
        for x in findings {
            text.push_str(&format!("    {}\n", finding_line(x, self.lang)));
        }
        text
    }

    /// What a column was read as: its field (and the evidence when guessed), or why none.
    fn column_target(&self, table: Option<&TableSchema>, column: &Column) -> String {
        let say = |zh, en| self.say(zh, en);
        match (column.field, column.how) {
            (Some(field), How::Guess) => format!(
                "{}{}{}{}{}",
                self.field_label(table, field),
                say("（", " ("),
                if column.weak {
                    say("不确定，请核对；", "not sure, please check; ")
                } else {
                    ""
                },
                column.evidence,
                say("）", ")")
            ),
            (None, How::Unmapped) if !column.evidence.is_empty() => format!(
                "{}{}{}",
                say(
                    "（未识别；最接近的依据：",
                    "(not recognised; the closest evidence: "
                ),
                column.evidence,
                say("）", ")")
            ),
            (Some(field), _) => self.field_label(table, field),
            (None, How::Seq) => say("#序号", "#serial number").into(),
            (None, How::Note) => say("#备注", "#notes").into(),
            (None, How::Duplicate) => {
                say("（重复列，未用）", "(duplicate column, not used)").into()
            }
            (None, _) => say("（未识别）", "(not recognised)").into(),
        }
    }
}

/// A column for a machine: header, field key, how and why, and the candidates weighed.
fn column_json(table: Option<&TableSchema>, column: &Column) -> serde_json::Value {
    json!({
        "column": col_letters(column.col),
        "header": column.header,
        "field": column.field.and_then(|k| table.map(|t| t.fields[k].key.clone())),
        "how": column.how,
        "evidence": column.evidence,
        "score": rounded(column.score),
        "weak": column.weak,
        "candidates": column.candidates.iter().filter_map(|(k, score)| table.map(|t| json!({
            "field": t.fields[*k].key, "score": rounded(*score)
        }))).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_keep_two_decimals() {
        assert_eq!(rounded(0.8765), 0.88);
        assert_eq!(rounded(1.0), 1.0);
    }
}
