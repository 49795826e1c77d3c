//! `selfbuilt demo --out DIR`: write the demo town's village workbooks.

use anyhow::Result;

use crate::cli::DemoArgs;

pub fn exec(a: DemoArgs) -> Result<i32> {
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
