//! `selfbuilt rules [CODE]`: the rule catalogue, or one rule explained. A person reads a
//! rule by its code and title (C008 身份证号校验码不符); its name (`id-check-digit`) is
//! what `rules NAME` and the JSON take, shown only after the title.

use anyhow::Result;

use crate::cli::RulesArgs;
use crate::finding::Lang;
use crate::rules::{catalogue, find, RuleEntry};
use crate::schema::Schemas;

/// One rule explained, in the language asked for.
fn explain(rule: &RuleEntry, schemas: &Schemas, lang: Lang) {
    let table = schemas.tables.iter().find(|t| t.table.key == rule.table);
    let roster = schemas
        .campaign
        .coverage
        .as_ref()
        .filter(|c| c.key == rule.table);
    match lang {
        Lang::Zh => {
            println!(
                "{} {}（{}；英文名 {}）",
                rule.code,
                rule.title,
                rule.severity.zh(),
                rule.name
            );
            if let Some(table) = table {
                println!("适用于：{}", table.table.label);
            }
            if let Some(roster) = roster {
                println!("适用于：{}（--roster）", roster.label);
            }
            println!(
                "\n检查什么：{}\n\n为什么重要：{}\n\n错误示例：{}\n改正后：  {}\n\n怎么改：{}",
                rule.what, rule.why, rule.bad, rule.good, rule.fix
            );
            if !rule.says.is_empty() {
                println!("\n它给出的消息（{{…}}处填入具体值）：");
                for message in &rule.says {
                    println!("  · {}\n    建议：{}", message.zh, message.fix_zh);
                }
            }
        }
        Lang::En => {
            println!(
                "{} {} ({}, {})",
                rule.code,
                rule.title_en,
                rule.name,
                rule.severity.as_str()
            );
            if let Some(table) = table {
                println!("Applies to: {}", table.table.label_en);
            }
            if let Some(roster) = roster {
                println!("Applies to: {} (--roster)", roster.label_en);
            }
            println!("\nWhat it checks: {}", rule.what_en);
            if !rule.fix_en.is_empty() {
                println!("\nHow to fix: {}", rule.fix_en);
            }
            println!(
                "\nExample (as a clerk sees it): {}\nFixed: {}\n\nIn Chinese: {}",
                rule.bad, rule.good, rule.title
            );
            if !rule.says.is_empty() {
                println!("\nMessages ({{…}} is filled with the case's values):");
                for message in &rule.says {
                    println!("  - {}\n    fix: {}", message.en, message.fix_en);
                }
            }
        }
    }
}

/// Runs `rules`: lists every built-in and schema rule, or explains the one named.
pub fn exec(args: RulesArgs, schemas: &Schemas, lang: Lang) -> Result<i32> {
    let rules = catalogue(schemas);
    match args.code {
        None => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&rules)?);
            } else {
                for rule in &rules {
                    match lang {
                        Lang::Zh => println!(
                            "{:<5} {}  {}：{}",
                            rule.code,
                            rule.severity.zh(),
                            rule.title,
                            rule.what
                        ),
                        Lang::En => println!(
                            "{:<5} {:<7}  {}: {}",
                            rule.code,
                            rule.severity.as_str(),
                            rule.title_en,
                            rule.what_en
                        ),
                    }
                }
            }
            Ok(0)
        }
        Some(asked) => match find(&rules, &asked) {
            Some(rule) => {
                if args.json {
                    println!("{}", serde_json::to_string_pretty(rule)?);
                } else {
                    explain(rule, schemas, lang);
                }
                Ok(0)
            }
            None => {
                // The near ones by code and title, as a person knows them.
                let near: Vec<String> = rules
                    .iter()
                    .filter(|r| {
                        strsim::jaro_winkler(&r.code.to_lowercase(), &asked.to_lowercase()) > 0.8
                            || strsim::jaro_winkler(&r.name, &asked) > 0.8
                    })
                    .map(|r| match lang {
                        Lang::Zh => format!("{} {}", r.code, r.title),
                        Lang::En => format!("{} {}", r.code, r.title_en),
                    })
                    .collect();
                match lang {
                    Lang::Zh => eprintln!(
                        "selfbuilt: 没有规则 {asked}{}",
                        if near.is_empty() {
                            "；运行 selfbuilt rules 可列出全部规则".to_string()
                        } else {
                            format!("；您是否想找：{}", near.join("、"))
                        }
                    ),
                    Lang::En => eprintln!(
                        "selfbuilt: no rule {asked}{}",
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
