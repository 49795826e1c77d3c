//! `selfbuilt template --out FILE.xlsx [--village NAME] [--tables …|--roster]`: the blank
//! input workbook generated from the schemas (or a blank roster, from `[coverage]`).

use anyhow::{bail, Result};

use crate::cli::TemplateArgs;
use crate::schema::Schemas;

/// Runs `template`: writes the campaign's (or the roster's) blank workbook.
pub fn exec(args: TemplateArgs, schemas: Schemas) -> Result<i32> {
    let schemas = if args.roster {
        match schemas.roster()? {
            Some(roster) => roster,
            None => bail!(
                "--roster：活动“{}”的规则没有 [coverage] / the campaign has no [coverage]",
                schemas.campaign.campaign.name
            ),
        }
    } else {
        schemas
    };
    let mut tables = Vec::new();
    let all = schemas.campaign.campaign.tables.join(",");
    for name in args
        .tables
        .as_deref()
        .unwrap_or(&all)
        .split([',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match schemas.id(name) {
            Some(table) if !tables.contains(&table) => tables.push(table),
            Some(_) => {}
            None => bail!(
                "--tables: unknown table {name:?} ({})",
                schemas.campaign.campaign.tables.join(", ")
            ),
        }
    }
    if tables.is_empty() {
        bail!("--tables names no table");
    }
    if args
        .out
        .extension()
        .is_none_or(|e| !e.eq_ignore_ascii_case("xlsx"))
    {
        bail!("--out must name an .xlsx file");
    }
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let village = args.village.unwrap_or_default();
    crate::template::write(
        &schemas,
        &tables,
        &village,
        chrono::Local::now().date_naive(),
        &args.out,
    )?;
    eprintln!("已生成模板：{}", args.out.display());
    Ok(0)
}
