//! `selfbuilt demo --out DIR [--campaign NAME]`: write the demo town's village
//! workbooks — the 自建房 town as it really arrives, or for any other campaign a town made
//! from its schemas (`demo::generic`).

use anyhow::Result;

use crate::cli::DemoArgs;
use crate::schema::{Schemas, DEFAULT_CAMPAIGN};

pub fn exec(a: DemoArgs, schemas: Schemas) -> Result<i32> {
    if schemas.campaign.campaign.key != DEFAULT_CAMPAIGN || a.generic {
        let m = crate::demo::generic::write_town(
            &schemas,
            &a.out,
            a.seed,
            a.buildings,
            a.villages,
            !a.clean,
        )?;
        let rows: Vec<String> = schemas
            .ids()
            .map(|t| format!("{} {} 行", schemas.table(t).table.label, m.rows[t.index()]))
            .collect();
        eprintln!(
            "已生成{}的 {} 个村的文件于 {}：{}",
            schemas.campaign.campaign.name,
            m.files,
            a.out.display(),
            rows.join("，")
        );
        return Ok(0);
    }
    if a.plain {
        let path = a.out.join(format!("房屋信息-{}.xlsx", a.buildings));
        crate::demo::write_plain(&path, a.seed, a.buildings)?;
        eprintln!("已生成 {} 行房屋信息：{}", a.buildings, path.display());
        return Ok(0);
    }
    let n = crate::demo::write_town(&a.out, a.seed, a.buildings, a.villages, !a.clean)?;
    eprintln!(
        "已生成 {} 个村的 {} 个文件于 {}",
        a.villages,
        n,
        a.out.display()
    );
    Ok(0)
}
