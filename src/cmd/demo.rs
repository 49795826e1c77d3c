//! `selfbuilt demo --out DIR [--campaign NAME]`: write a demo town of the campaign, made
//! from its schemas alone (`demo::town`, written down as villages do by
//! `demo::write`), or with `--plain` one large plain workbook for the benchmarks, or with
//! `--province` a province's county workbooks (`demo::province`).

use anyhow::Result;

use crate::cli::DemoArgs;
use crate::schema::Schemas;

/// Runs `demo`: writes the made-up town (and its next round) into the folder asked for.
pub fn exec(a: DemoArgs, schemas: Schemas) -> Result<i32> {
    let main = schemas.table(schemas.campaign.main());
    if a.province {
        return province(&a, &schemas);
    }
    let n = a.rows.unwrap_or(DemoArgs::TOWN_ROWS);
    let villages = a.villages.unwrap_or(DemoArgs::TOWN_VILLAGES);
    if a.plain {
        let path = a.out.join(format!("{}-{}.xlsx", main.table.label, n));
        crate::demo::write_plain(&schemas, &path, a.seed, n)?;
        eprintln!("已生成 {} 行{}：{}", n, main.table.label, path.display());
        return Ok(0);
    }
    let m = match &a.roster {
        None => crate::demo::write_town(&schemas, &a.out, a.seed, n, villages, !a.clean)?,
        Some(dir) => {
            let (m, r) =
                crate::demo::write_roster(&schemas, &a.out, dir, a.seed, n, villages, !a.clean)?;
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
    eprintln!(
        "已生成{}的 {} 个文件于 {}：{}",
        schemas.campaign.campaign.name,
        m.files,
        a.out.display(),
        rows_said(&schemas, &m.rows)
    );
    Ok(0)
}

/// `demo --province`: the county workbooks, and what was written.
fn province(a: &DemoArgs, schemas: &Schemas) -> Result<i32> {
    let spec = crate::demo::ProvinceSpec {
        counties: a.counties.unwrap_or(DemoArgs::COUNTIES),
        rows: a.rows.unwrap_or(DemoArgs::COUNTY_ROWS),
        villages: a.villages,
        seed: a.seed,
    };
    let m = crate::demo::write_province(schemas, &a.out, spec)?;
    eprintln!(
        "已生成{}的 {} 个县级汇总文件（每县一个）于 {}：{}",
        schemas.campaign.campaign.name,
        m.files.len(),
        a.out.display(),
        rows_said(schemas, &m.rows)
    );
    Ok(0)
}

/// Rows per table, as said to the clerk: 房屋信息 850 行，隐患台账 … 行.
fn rows_said(schemas: &Schemas, rows: &[usize]) -> String {
    let said: Vec<String> = schemas
        .ids()
        .map(|t| format!("{} {} 行", schemas.table(t).table.label, rows[t.index()]))
        .collect();
    said.join("，")
}
