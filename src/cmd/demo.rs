//! `selfbuilt demo --out DIR [--campaign NAME]`: write a demo town of the campaign, made
//! from its schemas alone (`demo::town`, written down as villages do by
//! `demo::write`), or with `--plain` one large plain workbook for the benchmarks.

use anyhow::Result;

use crate::cli::DemoArgs;
use crate::schema::Schemas;

/// Runs `demo`: writes the made-up town (and its next round) into the folder asked for.
pub fn exec(a: DemoArgs, schemas: Schemas) -> Result<i32> {
    let main = schemas.table(schemas.campaign.main());
    if a.plain {
        let path = a.out.join(format!("{}-{}.xlsx", main.table.label, a.rows));
        crate::demo::write_plain(&schemas, &path, a.seed, a.rows)?;
        eprintln!(
            "已生成 {} 行{}：{}",
            a.rows,
            main.table.label,
            path.display()
        );
        return Ok(0);
    }
    let m = match &a.roster {
        None => crate::demo::write_town(&schemas, &a.out, a.seed, a.rows, a.villages, !a.clean)?,
        Some(dir) => {
            let (m, r) = crate::demo::write_roster(
                &schemas, &a.out, dir, a.seed, a.rows, a.villages, !a.clean,
            )?;
            let label = schemas
                .campaign
                .coverage
                .as_ref()
                .map(|c| c.label.as_str())
                .unwrap_or_default();
            eprintln!(
                "已生成{label} {}：其中 {} 条各村没有报，{} 条已报的不在{label}上",
                r.file.display(),
                r.missing.len(),
                r.unlisted.len()
            );
            m
        }
    };
    let rows: Vec<String> = schemas
        .ids()
        .map(|t| format!("{} {} 行", schemas.table(t).table.label, m.rows[t.index()]))
        .collect();
    eprintln!(
        "已生成{}的 {} 个文件于 {}：{}",
        schemas.campaign.campaign.name,
        m.files,
        a.out.display(),
        rows.join("，")
    );
    Ok(0)
}
