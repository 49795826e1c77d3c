//! `selfbuilt rules [CODE]`: the rule catalogue, or one rule explained. A person reads a
//! rule by its code and title (C008 身份证号校验码不符); its name (`id-check-digit`) is
//! what `rules NAME` and the JSON take, shown only after the title.

use anyhow::Result;

use crate::cli::RulesArgs;
use crate::finding::Lang;
use crate::rules::{catalogue, find, RuleEntry};
use crate::schema::Schemas;

/// One rule explained, in the language asked for.
fn explain(r: &RuleEntry, schemas: &Schemas, lang: Lang) {
    let table = schemas.tables.iter().find(|t| t.table.key == r.table);
    let roster = schemas
        .campaign
        .coverage
        .as_ref()
        .filter(|c| c.key == r.table);
    match lang {
        Lang::Zh => {
            println!(
                "{} {}（{}；英文名 {}）",
                r.code,
                r.title,
                r.severity.zh(),
                r.name
            );
            if let Some(t) = table {
                println!("适用于：{}", t.table.label);
            }
            if let Some(c) = roster {
                println!("适用于：{}（--roster）", c.label);
            }
            println!(
                "\n检查什么：{}\n\n为什么重要：{}\n\n错误示例：{}\n改正后：  {}\n\n怎么改：{}",
                r.what, r.why, r.bad, r.good, r.fix
            );
            if !r.says.is_empty() {
                println!("\n它给出的消息（{{…}}处填入具体值）：");
                for s in &r.says {
                    println!("  · {}\n    建议：{}", s.zh, s.fix_zh);
                }
            }
        }
        Lang::En => {
            println!(
                "{} {} ({}, {})",
                r.code,
                r.title_en,
                r.name,
                r.severity.as_str()
            );
            if let Some(t) = table {
                println!("Applies to: {}", t.table.label_en);
            }
            if let Some(c) = roster {
                println!("Applies to: {} (--roster)", c.label_en);
            }
            println!("\nWhat it checks: {}", r.what_en);
            if !r.fix_en.is_empty() {
                println!("\nHow to fix: {}", r.fix_en);
            }
            println!(
                "\nExample (as a clerk sees it): {}\nFixed: {}\n\nIn Chinese: {}",
                r.bad, r.good, r.title
            );
            if !r.says.is_empty() {
                println!("\nMessages ({{…}} is filled with the case's values):");
                for s in &r.says {
                    println!("  - {}\n    fix: {}", s.en, s.fix_en);
                }
            }
        }
    }
}

/// Runs `rules`: lists every built-in and schema rule, or explains the one named.
pub fn exec(a: RulesArgs, schemas: &Schemas, lang: Lang) -> Result<i32> {
    let cat = catalogue(schemas);
    match a.code {
        None => {
            if a.json {
                println!("{}", serde_json::to_string_pretty(&cat)?);
            } else {
                for r in &cat {
                    match lang {
                        Lang::Zh => {
                            println!("{:<5} {}  {}：{}", r.code, r.severity.zh(), r.title, r.what)
                        }
                        Lang::En => println!(
                            "{:<5} {:<7}  {}: {}",
                            r.code,
                            r.severity.as_str(),
                            r.title_en,
                            r.what_en
                        ),
                    }
                }
            }
            Ok(0)
        }
        Some(q) => match find(&cat, &q) {
            Some(r) => {
                if a.json {
                    println!("{}", serde_json::to_string_pretty(r)?);
                } else {
                    explain(r, schemas, lang);
                }
                Ok(0)
            }
            None => {
                // The near ones by code and title, as a person knows them.
                let near: Vec<String> = cat
                    .iter()
                    .filter(|r| {
                        strsim::jaro_winkler(&r.code.to_lowercase(), &q.to_lowercase()) > 0.8
                            || strsim::jaro_winkler(&r.name, &q) > 0.8
                    })
                    .map(|r| match lang {
                        Lang::Zh => format!("{} {}", r.code, r.title),
                        Lang::En => format!("{} {}", r.code, r.title_en),
                    })
                    .collect();
                match lang {
                    Lang::Zh => eprintln!(
                        "selfbuilt: 没有规则 {q}{}",
                        if near.is_empty() {
                            "；运行 selfbuilt rules 可列出全部规则".to_string()
                        } else {
                            format!("；您是否想找：{}", near.join("、"))
                        }
                    ),
                    Lang::En => eprintln!(
                        "selfbuilt: no rule {q}{}",
                        if near.is_empty() {
                            "; selfbuilt rules lists them all".to_string()
                        } else {
                            format!("; did you mean: {}", near.join(", "))
                        }
                    ),
                }
                Ok(crate::cmd::EXIT_TOOL)
            }
        },
    }
}
