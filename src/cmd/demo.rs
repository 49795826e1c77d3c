//! `selfbuilt demo --out DIR`: write the demo town's village workbooks.

use anyhow::Result;

use crate::cli::DemoArgs;

pub fn exec(a: DemoArgs) -> Result<i32> {
    let n = crate::demo::write_town(&a.out, a.seed, a.buildings, a.villages, !a.clean)?;
    eprintln!(
        "已生成 {} 个村的 {} 个文件于 {}",
        a.villages,
        n,
        a.out.display()
    );
    Ok(0)
}
