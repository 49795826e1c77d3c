//! `selfbuilt rollup OUT_DIR... --out DIR`: many townships' tallies added up into one (per
//! township, a subtotal per county, 合计) as tally.csv, tally.xlsx and tally.parquet.
//!
//! Each `OUT_DIR` is a run's output folder, a roll-up's, or a `run --parquet` folder:
//!
//! ```text
//! selfbuilt run 城关镇 --county 某县 --township 城关镇 --out 结果/城关镇
//! selfbuilt run 河西乡 --county 某县 --township 河西乡 --out 结果/河西乡
//! selfbuilt rollup 结果/城关镇 结果/河西乡 --out 全县汇总
//! selfbuilt rollup 全县汇总 另一县汇总 --out 全市汇总     # a roll-up of roll-ups
//! ```
//!
//! The work is `rollup::execute`; this prints its notes and a line saying what was
//! written. Exit status 0, or 2 when a folder cannot be rolled up (nothing is written then).

use anyhow::Result;

use crate::cli::RollupArgs;
use crate::finding::Lang;
use crate::rollup::say;
use crate::schema::Schemas;

/// Runs `rollup`: reads every folder's tally, writes the roll-up into `--out`.
pub fn exec(args: RollupArgs, schemas: &Schemas, lang: Lang) -> Result<i32> {
    let done = crate::rollup::execute(&args.inputs, &args.out, schemas, lang)?;
    for note in &done.notes {
        eprintln!("{note}");
    }
    let townships = done.rollup.townships.len();
    let counties = done.rollup.counties().len();
    eprintln!(
        "{}",
        say(
            lang,
            format!(
                "已汇总 {} 个文件夹（{} 个统计文件）：{counties} 个县、{townships} 个乡镇；结果在 {}（tally.xlsx、tally.csv、tally.parquet）",
                args.inputs.len(),
                done.files,
                args.out.display()
            ),
            format!(
                "rolled up {} folders ({} tally files): {counties} counties, {townships} townships; written to {} (tally.xlsx, tally.csv, tally.parquet)",
                args.inputs.len(),
                done.files,
                args.out.display()
            ),
        )
    );
    Ok(0)
}
