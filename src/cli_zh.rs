//! The command line as a clerk meets it: Chinese by default, English under `--lang en`.
//!
//! This module owns every word of the command line a person reads that clap would
//! otherwise write in English: the Chinese help of each subcommand and argument (the
//! tables [`ABOUT`] and [`HELP`], keyed by subcommand name and argument id; the English
//! stays in `cli.rs`'s doc comments), the help headings and the usage line, the `-h`,
//! `-V` and `help` entries, and the usage errors (an unknown option with clap's
//! suggestion, a missing argument, a bad value …). [`parse`] is what `main.rs` calls:
//! it finds `--lang en` on the command line before clap parses it, so that even the help
//! and the errors of the parse itself speak the chosen language.

use std::collections::HashMap;
use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, FromArgMatches};

use crate::cli::Cli;
use crate::finding::Lang;

/// What a subcommand does, in Chinese (its English is the doc comment in `cli.rs`).
/// `help` is the subcommand that prints another one's help.
pub const ABOUT: &[(&str, &str)] = &[
    (
        "run",
        "校验各村报来的表，并把全部结果（清洗后的工作簿、问题清单、退回各村的批注表、销号建议、统计表）写入 --out 文件夹",
    ),
    (
        "rollup",
        "把多个乡镇的统计（run 或 rollup 的输出文件夹、run --parquet 的文件夹）按乡镇、按县汇总并合计，写出 tally.xlsx、tally.csv 和 tally.parquet",
    ),
    ("check", "只校验、不写文件：按文件和工作表列出发现的问题"),
    (
        "inspect",
        "查看每张工作表是怎样识别的：认成哪张表、表头在第几行、每列对应哪个字段、跳过了哪些行",
    ),
    ("rules", "列出全部校验规则，或解释其中一条：selfbuilt rules C009"),
    (
        "template",
        "按规则生成空白填报表（带下拉选项和填写校验），可发给各村填写",
    ),
    ("demo", "生成一个演示乡镇各村的报表（示例数据）"),
    (
        "serve",
        "打开本机网页：新建一轮、上传各村报表、查看结果、确认写法、下载各村材料",
    ),
    ("help", "显示本说明，或某个子命令的说明"),
];

/// The help of each argument in Chinese, by (subcommand, argument id): `""` is the
/// top level (its global options are shown under every subcommand), `"*"` an argument
/// every subcommand that has it shares (the inputs and reading limits of `run`, `check`
/// and `inspect`), unless the subcommand has an entry of its own. A default value and
/// the values to choose from are added after the text (`；默认 200`).
pub const HELP: &[(&str, &str, &str)] = &[
    ("", "help", "显示本帮助"),
    ("", "version", "显示版本号"),
    (
        "",
        "schemas",
        "改用这个文件夹里的规则文件（整治的表、字段和规则），不用程序自带的",
    ),
    (
        "",
        "campaign",
        "处理哪项整治的台账：selfbuilt（自建房，默认）、gongmao（工贸企业），或 --schemas 文件夹里的其他整治（写文件夹名、代号或名称都可以）",
    ),
    (
        "",
        "aliases",
        "补充到规则里的表头写法和选项写法：某次运行写出、经人工核对过的 learned.toml（可写多次，后面的文件在前面的基础上补充）",
    ),
    (
        "",
        "max_side_mb",
        "附带文件的大小上限（MB）：--aliases 文件、--previous 文件夹里的 round.parquet 或 round.jsonl（--roster 名册按输入文件对待，受 --max-file-mb 限制）",
    ),
    (
        "",
        "lang",
        "显示信息所用的语言：zh（中文）或 en（英文）",
    ),
    // The inputs and reading limits of run, check and inspect.
    (
        "*",
        "inputs",
        "要处理的文件或文件夹（文件夹会连同其中的子文件夹一起查找）",
    ),
    (
        "*",
        "as_of",
        "校验日期时把这一天当作“今天”（写成 2026-11-29 这样；不写就是今天）",
    ),
    ("*", "jobs", "同时处理的线程数（不写就按电脑的处理器核数）"),
    ("*", "max_file_mb", "超过这个大小（MB）的文件不读取"),
    (
        "*",
        "max_unzipped_mb",
        "工作簿解压后超过这个大小（MB）就不读取（不写就按 --max-cells 个单元格所需的大小算，至少 150）",
    ),
    (
        "*",
        "max_zip_ratio",
        "工作簿里某一部分解压后超过原大小的这么多倍，就不读取（防止“压缩炸弹”）",
    ),
    ("*", "max_cells", "工作表里有内容的单元格超过这么多个就不读取"),
    ("*", "max_columns", "每张工作表最多读取这么多列"),
    (
        "*",
        "max_read_mb",
        "读取一个文件最多可用的内存（MB）；每个文件都在单独的子进程里读取",
    ),
    (
        "*",
        "max_read_seconds",
        "读取一个文件最多可用的时间（秒，按处理器时间算；实际等待最多两倍）",
    ),
    // run
    (
        "run",
        "out",
        "输出文件夹（不存在时自动创建）；程序只在这里面写文件",
    ),
    ("run", "quiet", "不显示进度条和汇总，只显示出错信息"),
    (
        "run",
        "deadline",
        "各村报回改正结果的截止日期（写成 2026-12-15、2026/12/15 或 2026年12月15日都可以），印在每个退回包的封面上；用 --previous 开展下一轮而不写截止日期时，沿用上一轮的",
    ),
    (
        "run",
        "previous",
        "上一轮运行的输出文件夹：列出各村自上一轮以来改好了哪些问题、哪些还没改、哪些是新出现的，以及新增、删除、改动了哪些行（rounds.csv）",
    ),
    (
        "run",
        "roster",
        "应排查的房屋（或户）名册，任何工作簿都可以：列出哪些房屋没有排查记录、哪些排查记录不在名册上，以及各村的覆盖率（coverage.csv）",
    ),
    (
        "run",
        "county",
        "这些村所在的县（区），写进 Parquet 结果的 county 列；不写时取多数编码里的县级区划代码",
    ),
    (
        "run",
        "township",
        "这些村所在的乡镇（街道），写进 Parquet 结果的 township 列",
    ),
    (
        "run",
        "parquet",
        "把 Parquet 结果再复制一份到这个文件夹，按 表名/county=县/township=乡镇/ 分层存放（DuckDB、Spark、polars 可当作一个数据集读取）；多个乡镇可共用一个文件夹",
    ),
    // rollup
    (
        "rollup",
        "inputs",
        "要汇总的文件夹：run 的输出文件夹（读其中的 parquet/tally.parquet）、rollup 的输出文件夹（tally.parquet），或 run --parquet 的文件夹（tally/**/*.parquet）",
    ),
    (
        "rollup",
        "out",
        "输出文件夹（不存在时自动创建），写入 tally.xlsx、tally.csv 和 tally.parquet；程序只在这里面写文件",
    ),
    // check
    (
        "check",
        "format",
        "输出格式：text（按文件分组、带颜色）、csv（与 errors.csv 完全相同）、json",
    ),
    (
        "check",
        "writeoffs",
        "同时把销号建议写入这个文件（格式同 writeoffs.csv）",
    ),
    (
        "check",
        "color",
        "是否用颜色显示：auto（自动）、always（总是）、never（从不）",
    ),
    // inspect
    ("inspect", "inputs", "要查看的文件或文件夹"),
    ("inspect", "json", "以 JSON 格式输出：每张工作表一个对象"),
    // rules
    (
        "rules",
        "code",
        "要解释的规则：编号（如 C009）或英文名（如 id-float-mangled）",
    ),
    ("rules", "json", "以 JSON 格式输出"),
    // template
    ("template", "out", "要生成的 .xlsx 文件"),
    ("template", "village", "写在表格标题里的村名"),
    (
        "template",
        "tables",
        "包含哪些表，用英文逗号隔开（不写就包含本整治的全部表）",
    ),
    (
        "template",
        "roster",
        "改为生成空白的房屋名册（本整治的 [coverage] 表），供 run --roster 使用",
    ),
    // demo
    ("demo", "out", "演示数据写入的文件夹"),
    ("demo", "seed", "随机数种子（种子相同，生成的数据就相同）"),
    (
        "demo",
        "rows",
        "主表的行数（自建房：房屋栋数；工贸企业：企业数）：演示乡镇和 --plain 工作簿为全部行数（默认 850），--province 为每县的行数（默认 50000）",
    ),
    (
        "demo",
        "villages",
        "村的个数：演示乡镇默认 8 个；--province 为每县的村数（默认每 850 行主表一个村）",
    ),
    ("demo", "clean", "只生成正确的数据（不故意掺入错误）"),
    (
        "demo",
        "plain",
        "生成性能测试数据：一个普通工作簿，含 --rows 行合格的主表数据（单行表头、各列类型规范）",
    ),
    (
        "demo",
        "province",
        "生成性能测试数据：一个省的汇总，每县一个普通工作簿（每张表一个工作表，单行表头、各列类型规范），含 --rows 行合格的主表数据及其台账，编码中带本县的区划代码",
    ),
    ("demo", "counties", "--province 的县数（默认 200）"),
    (
        "demo",
        "roster",
        "同时在这个文件夹里生成全镇的房屋名册，供 run --roster 使用（名册上有些房屋各村漏报了，也有些已排查的房屋不在名册上）",
    ),
    // serve (the place every round carries)
    (
        "serve",
        "county",
        "每一轮的 Parquet 结果里写的县（区），同 run --county",
    ),
    (
        "serve",
        "township",
        "每一轮的 Parquet 结果里写的乡镇（街道），同 run --township",
    ),
    // serve
    (
        "serve",
        "workspace",
        "工作区文件夹：每轮一个文件夹、本镇确认过的写法、房屋名册（默认：主目录下的“自建房排查”）",
    ),
    ("serve", "port", "网页使用的端口（0：任选一个空闲端口）"),
    (
        "serve",
        "bind",
        "在哪个地址上提供网页；不是本机（127.0.0.1）时必须同时给出 --token",
    ),
    (
        "serve",
        "token",
        "口令（字母、数字、- 和 _）：网页第一次打开时要求输入；--bind 不是本机时必须给出",
    ),
    ("serve", "open", "用系统的浏览器打开网页"),
    ("serve", "demo", "工作区为空时，把演示乡镇作为第一轮放进去并检查"),
    // help
    ("help", "subcommand", "要查看说明的子命令"),
];

/// The Chinese help of argument `id` of subcommand `sub` (`""` the top level).
pub fn help_zh(sub: &str, id: &str) -> Option<&'static str> {
    let find = |s: &str| {
        HELP.iter()
            .find(|(hs, hid, _)| *hs == s && *hid == id)
            .map(|h| h.2)
    };
    find(sub).or_else(|| if sub.is_empty() { None } else { find("*") })
}

/// What subcommand `name` does, in Chinese.
pub fn about_zh(name: &str) -> Option<&'static str> {
    ABOUT.iter().find(|(n, _)| *n == name).map(|a| a.1)
}

/// The language the command line asks for: `--lang en` or `--lang=en` anywhere before a
/// `--` makes it English; anything else (or nothing) is Chinese.
pub fn lang_of(args: &[OsString]) -> Lang {
    let mut lang = Lang::Zh;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.to_str() {
            Some("--") => break,
            Some("--lang") => {
                if let Some(v) = it.next() {
                    lang = if v == "en" { Lang::En } else { Lang::Zh };
                }
            }
            Some(s) if s.starts_with("--lang=") => {
                lang = if s == "--lang=en" { Lang::En } else { Lang::Zh };
            }
            _ => {}
        }
    }
    lang
}

/// The command line of [`Cli`] in `lang`: for Chinese, every visible help, heading and
/// the usage line in Chinese; for English, clap's own (the about line in English only).
pub fn command(lang: Lang) -> Command {
    let cmd = Cli::command();
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    let (zh, en) = about.split_once('\n').unwrap_or((&about, &about));
    let (zh, en) = (zh.to_string(), en.to_string());
    if lang == Lang::En {
        return cmd.about(en);
    }
    let mut cmd = localise(cmd.about(zh), "")
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(help_zh("", "version")),
        )
        .subcommand_value_name("子命令")
        .disable_help_subcommand(true)
        .subcommand(
            Command::new("help").about(about_zh("help")).arg(
                Arg::new("subcommand")
                    .value_name("子命令")
                    .num_args(0..)
                    .action(ArgAction::Append)
                    .help(help_zh("help", "subcommand")),
            ),
        )
        .mut_subcommands(|sc| {
            let name = sc.get_name().to_string();
            let sc = localise(sc, &name);
            match about_zh(&name) {
                Some(a) => sc.about(a).long_about(None::<&str>),
                None => sc,
            }
        });
    // The usage line is clap's with `[OPTIONS]` in Chinese: rendered from a built copy,
    // then set on each command.
    let mut built = cmd.clone();
    built.build();
    let mut usages: HashMap<String, String> = HashMap::new();
    usages.insert(String::new(), plain_usage(&mut built));
    for sc in built.get_subcommands_mut() {
        usages.insert(sc.get_name().to_string(), plain_usage(sc));
    }
    cmd = cmd.override_usage(usages[""].clone());
    cmd.mut_subcommands(|sc| {
        let u = usages.get(sc.get_name()).cloned().unwrap_or_default();
        sc.override_usage(u)
    })
}

/// A built command's usage line without its `Usage:` title, `[OPTIONS]` in Chinese.
fn plain_usage(c: &mut Command) -> String {
    let u = c.render_usage().to_string();
    u.strip_prefix("Usage: ")
        .unwrap_or(&u)
        .replace("[OPTIONS]", "[选项]")
}

/// One command with its arguments' help in Chinese, its own `-h/--help` and a help
/// template with Chinese headings.
fn localise(cmd: Command, sub: &str) -> Command {
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    let mut cmd = cmd;
    for id in ids {
        let Some(text) = help_zh(sub, &id) else {
            continue;
        };
        cmd = cmd.mut_arg(&id, |a| {
            let mut text = text.to_string();
            if a.get_action().takes_values() && !a.get_default_values().is_empty() {
                let d: Vec<String> = a
                    .get_default_values()
                    .iter()
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect();
                text.push_str(&format!("；默认 {}", d.join(" ")));
            }
            let values: Vec<String> = a
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect();
            if a.get_action().takes_values()
                && !values.is_empty()
                && !values.iter().all(|v| text.contains(v.as_str()))
            {
                text.push_str(&format!("；可选 {}", values.join("、")));
            }
            let takes_values = a.get_action().takes_values();
            a.help(text)
                .long_help(None::<&str>)
                .hide_default_value(takes_values)
                .hide_possible_values(takes_values)
        });
    }
    let h = cmd.get_styles().get_header();
    let has_positionals = cmd.get_positionals().any(|a| !a.is_hide_set());
    let has_subcommands = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let mut template = format!("{{before-help}}{{about-with-newline}}\n{h}用法：{h:#}{{usage}}\n");
    if has_subcommands {
        template.push_str(&format!("\n{h}子命令：{h:#}\n{{subcommands}}\n"));
    }
    if has_positionals {
        template.push_str(&format!("\n{h}参数：{h:#}\n{{positionals}}\n"));
    }
    template.push_str(&format!("\n{h}选项：{h:#}\n{{options}}{{after-help}}"));
    cmd.help_template(template).disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help(help_zh("", "help")),
    )
}

/// The parsed command line, or the process's exit status when there is nothing to run:
/// help or the version was printed (0), or the command line is wrong (2, said in the
/// language it asks for).
pub fn parse(args: Vec<OsString>) -> Result<Cli, i32> {
    let lang = lang_of(&args);
    let cmd = command(lang);
    let matches = match cmd.clone().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return Err(report(&e, &cmd, &args, lang)),
    };
    // `selfbuilt help [子命令]`: that subcommand's --help.
    if let Some(("help", m)) = matches.subcommand() {
        let mut again: Vec<OsString> = args.iter().take(1).cloned().collect();
        again.extend(
            m.get_many::<String>("subcommand")
                .into_iter()
                .flatten()
                .map(OsString::from),
        );
        again.push("--help".into());
        return match cmd.clone().try_get_matches_from(&again) {
            Ok(_) => Err(0),
            Err(e) => Err(report(&e, &cmd, &again, lang)),
        };
    }
    Cli::from_arg_matches(&matches).map_err(|e| report(&e, &cmd, &args, lang))
}

/// Print what clap stopped for and return the exit status: help and the version as they
/// are (0), a usage error in Chinese (or clap's English under `--lang en`) with the
/// usage line and where to read more (2).
fn report(e: &clap::Error, cmd: &Command, args: &[OsString], lang: Lang) -> i32 {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return e.exit_code();
        }
        _ if lang == Lang::En => {
            let _ = e.print();
            return e.exit_code();
        }
        _ => {}
    }
    let sub = subcommand_of(args, cmd);
    // Built, so that each argument can be shown as clap shows it (`--out <DIR>`).
    let mut built = cmd.clone();
    built.build();
    let mut target = sub
        .as_deref()
        .and_then(|s| built.find_subcommand(s))
        .cloned()
        .unwrap_or_else(|| built.clone());
    let usage = plain_usage(&mut target);
    let more = match &sub {
        Some(s) => format!("selfbuilt {s} --help"),
        None => "selfbuilt --help，或 selfbuilt <子命令> --help".to_string(),
    };
    eprintln!(
        "selfbuilt: {}\n\n用法：{usage}\n\n要查看全部用法，请运行 {more}",
        usage_error_zh(e, &target)
    );
    crate::cmd::EXIT_TOOL
}

/// The subcommand the command line names (its first word that is one, global options
/// and their values skipped).
fn subcommand_of(args: &[OsString], cmd: &Command) -> Option<String> {
    let takes_value: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let a = a.to_str()?;
        if a == "--" {
            return None;
        }
        if a.starts_with('-') {
            if takes_value.iter().any(|t| t == a) {
                it.next();
            }
            continue;
        }
        return cmd
            .get_subcommands()
            .find(|s| s.get_name() == a && s.get_name() != "help")
            .map(|s| s.get_name().to_string());
    }
    None
}

/// A context value as text: one string, or several joined by 、.
fn text(v: Option<&ContextValue>) -> Option<String> {
    match v? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) if !v.is_empty() => Some(v.join("、")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What is wrong with the command line, in Chinese (`cmd`: the subcommand it is about,
/// built).
pub fn usage_error_zh(e: &clap::Error, cmd: &Command) -> String {
    let arg = text(e.get(ContextKind::InvalidArg)).unwrap_or_default();
    let value = text(e.get(ContextKind::InvalidValue)).unwrap_or_default();
    let mut out = match e.kind() {
        ErrorKind::UnknownArgument if arg.starts_with('-') => format!("无法识别的选项 {arg}"),
        ErrorKind::UnknownArgument => format!("多出来的参数“{arg}”（这里不需要它）"),
        ErrorKind::InvalidSubcommand => {
            let sub = text(e.get(ContextKind::InvalidSubcommand)).unwrap_or_default();
            format!("没有“{sub}”这个子命令")
        }
        ErrorKind::MissingSubcommand => format!(
            "缺少子命令：请在 selfbuilt 后面写要做的事（{}）",
            names(cmd).join("、")
        ),
        ErrorKind::MissingRequiredArgument => {
            let missing: Vec<String> = match e.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(v)) => v.iter().map(|m| described(m, cmd)).collect(),
                _ => vec![arg.clone()],
            };
            format!("缺少必填的参数：{}", missing.join("、"))
        }
        ErrorKind::InvalidValue if value.is_empty() => format!("{arg} 后面要写一个值"),
        ErrorKind::InvalidValue => {
            let mut s = format!("{arg} 的值“{value}”不对");
            if let Some(valid) = text(e.get(ContextKind::ValidValue)) {
                s.push_str(&format!("，只能写 {valid}"));
            }
            s
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| source_zh(s, &value))
                .unwrap_or_else(|| format!("“{value}”不对"));
            format!("{arg}：{why}")
        }
        ErrorKind::TooManyValues => format!("{arg} 后面不用写值，多出了“{value}”"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            let want = text(
                e.get(ContextKind::MinValues)
                    .or(e.get(ContextKind::ExpectedNumValues)),
            )
            .unwrap_or_default();
            let got = text(e.get(ContextKind::ActualNumValues)).unwrap_or_default();
            format!("{arg} 后面要写 {want} 个值，只写了 {got} 个")
        }
        ErrorKind::ArgumentConflict => match e.get(ContextKind::PriorArg) {
            Some(ContextValue::String(p)) if *p == arg => format!("{arg} 只能写一次"),
            Some(p @ (ContextValue::String(_) | ContextValue::Strings(_))) => {
                format!(
                    "{arg} 不能和 {} 同时使用",
                    text(Some(p)).unwrap_or_default()
                )
            }
            _ => format!("{arg} 不能和已经写的其他选项同时使用"),
        },
        ErrorKind::NoEquals => format!("{arg} 的值要用等号连着写：{arg}=值"),
        ErrorKind::InvalidUtf8 => {
            "命令行里有无法识别的字符（不是 UTF-8 编码），请检查文件名和各个参数".to_string()
        }
        _ => format!("命令行有误：{}", e.kind()),
    };
    let suggested = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .find_map(|k| match e.get(k) {
        Some(ContextValue::String(s)) => Some(vec![s.clone()]),
        Some(ContextValue::Strings(v)) if !v.is_empty() => Some(v.clone()),
        _ => None,
    });
    if let Some(s) = suggested {
        out.push_str(&format!("，您是不是要写 {}？", s.join(" 或 ")));
    } else if e.kind() == ErrorKind::InvalidSubcommand {
        out.push_str(&format!("；可用的子命令：{}", names(cmd).join("、")));
    }
    if let Some(ContextValue::StyledStrs(tips)) = e.get(ContextKind::Suggested) {
        for tip in tips {
            out.push_str(&format!("\n  提示：{}", tip_zh(&tip.to_string())));
        }
    }
    out
}

/// The visible subcommands of `cmd`, by name.
fn names(cmd: &Command) -> Vec<String> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect()
}

/// A missing argument as clap shows it (`--out <DIR>`), with what it is for (the start of
/// its Chinese help): `--out <DIR>（输出文件夹）`.
fn described(shown: &str, cmd: &Command) -> String {
    let what = cmd
        .get_arguments()
        .find(|a| a.to_string() == shown)
        .and_then(|a| a.get_help())
        .map(|h| h.to_string())
        .and_then(|h| h.split(['（', '；', '，', '：']).next().map(str::to_string))
        .filter(|w| !w.is_empty() && !w.is_ascii());
    match what {
        Some(w) => format!("{shown}（{w}）"),
        None => shown.to_string(),
    }
}

/// A value parser's complaint in Chinese: a number that is not one, or our own message
/// (`zh / en`: its Chinese half).
fn source_zh(source: &(dyn std::error::Error + 'static), value: &str) -> String {
    use std::num::IntErrorKind as K;
    if let Some(p) = source.downcast_ref::<std::num::ParseIntError>() {
        return match p.kind() {
            K::Empty => "要写一个数".to_string(),
            K::PosOverflow | K::NegOverflow => format!("“{value}”太大了"),
            _ => format!("“{value}”不是整数，只能写数字（例如 8）"),
        };
    }
    let s = source.to_string();
    if !s.is_ascii() {
        return s
            .split_once(" / ")
            .map(|(zh, _)| zh.to_string())
            .unwrap_or(s);
    }
    format!("“{value}”不对（{s}）")
}

/// One of clap's tips in Chinese (the three it gives; any other as it is).
fn tip_zh(tip: &str) -> String {
    let quoted: Vec<&str> = tip.split('\'').skip(1).step_by(2).collect();
    if tip.starts_with("to pass ") && quoted.len() == 2 {
        format!(
            "如果“{}”是要处理的文件名或值，请在它前面写 --：{}",
            quoted[0], quoted[1]
        )
    } else if tip.starts_with("subcommand ") && !quoted.is_empty() {
        format!("有 {} 这个子命令；要用它，请去掉它前面的 --", quoted[0])
    } else if tip.ends_with("' exists") && quoted.len() == 1 {
        let (sub, flag) = quoted[0].split_once(' ').unwrap_or((quoted[0], ""));
        format!("{flag} 是子命令 {sub} 的选项，要写在 {sub} 后面：selfbuilt {sub} … {flag}")
    } else {
        tip.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every visible argument of the top level and of every visible subcommand has a
    /// Chinese help, and every visible subcommand a Chinese about: a new flag without a
    /// translation fails here.
    #[test]
    fn every_visible_argument_has_its_chinese_help() {
        let cmd = Cli::command();
        let mut missing = Vec::new();
        for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if help_zh("", a.get_id().as_str()).is_none() {
                missing.push(format!("--{}", a.get_id()));
            }
        }
        for sc in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if about_zh(sc.get_name()).is_none() {
                missing.push(format!("{} (about)", sc.get_name()));
            }
            for a in sc.get_arguments().filter(|a| !a.is_hide_set()) {
                if help_zh(sc.get_name(), a.get_id().as_str()).is_none() {
                    missing.push(format!("{} {}", sc.get_name(), a.get_id()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no Chinese help in cli_zh::HELP for {missing:?}"
        );
    }

    /// Every entry of the tables names an argument (or subcommand) that exists: a renamed
    /// flag leaves no stale translation behind.
    #[test]
    fn every_translation_names_an_argument() {
        let cmd = Cli::command();
        let has = |sc: &Command, id: &str| sc.get_arguments().any(|a| a.get_id() == id);
        for (sub, id, _) in HELP {
            let found = match *sub {
                "" => has(&cmd, id) || ["help", "version"].contains(id),
                "*" => cmd.get_subcommands().any(|s| has(s, id)),
                "help" => *id == "subcommand",
                s => cmd.find_subcommand(s).is_some_and(|sc| has(sc, id)),
            };
            assert!(found, "cli_zh::HELP ({sub:?}, {id:?}) names no argument");
        }
        for (name, _) in ABOUT {
            assert!(
                *name == "help" || cmd.find_subcommand(name).is_some(),
                "{name}"
            );
        }
    }

    /// The Chinese help of every command holds no English heading, clap word or help.
    #[test]
    fn chinese_help_has_no_english_left() {
        let mut zh = command(Lang::Zh);
        zh.build();
        let english: Vec<String> = {
            let cmd = Cli::command();
            let mut v: Vec<String> = cmd
                .get_arguments()
                .filter_map(|a| a.get_help().map(|h| h.to_string()))
                .collect();
            for sc in cmd.get_subcommands() {
                v.extend(sc.get_about().map(|h| h.to_string()));
                v.extend(
                    sc.get_arguments()
                        .filter_map(|a| a.get_help().map(|h| h.to_string())),
                );
            }
            v
        };
        let mut helps = vec![zh.render_help().to_string()];
        for sc in zh.get_subcommands_mut().filter(|s| !s.is_hide_set()) {
            helps.push(sc.render_help().to_string());
            helps.push(sc.render_long_help().to_string());
        }
        for h in &helps {
            for w in [
                "Usage",
                "Options",
                "Arguments",
                "Commands",
                "[default",
                "[possible",
                "[alias",
                "Print",
                "[OPTIONS]",
                "<COMMAND>",
            ] {
                assert!(!h.contains(w), "{w} in\n{h}");
            }
            for e in &english {
                assert!(!h.contains(e.as_str()), "{e} in\n{h}");
            }
            assert!(h.contains("用法：") && h.contains("选项："), "{h}");
        }
        assert!(helps[0].contains("子命令：") && helps[0].contains("显示版本号"));
    }

    #[test]
    fn the_chinese_command_is_well_formed() {
        command(Lang::Zh).debug_assert();
        command(Lang::En).debug_assert();
    }

    #[test]
    fn lang_is_found_before_parsing() {
        let l = |a: &[&str]| lang_of(&a.iter().map(OsString::from).collect::<Vec<_>>());
        assert_eq!(l(&["selfbuilt", "--help"]), Lang::Zh);
        assert_eq!(l(&["selfbuilt", "run", "--lang", "en", "--help"]), Lang::En);
        assert_eq!(l(&["selfbuilt", "--lang=en", "rules"]), Lang::En);
        assert_eq!(l(&["selfbuilt", "--lang", "zh"]), Lang::Zh);
        assert_eq!(l(&["selfbuilt", "run", "--", "--lang", "en"]), Lang::Zh);
    }

    #[test]
    fn usage_errors_are_chinese() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        let mut cmd = command(Lang::Zh);
        cmd.build();
        let err = |a: &[&str]| {
            let e = cmd.clone().try_get_matches_from(args(a)).unwrap_err();
            let sub = subcommand_of(&args(a), &cmd);
            let target = sub.and_then(|s| cmd.find_subcommand(s)).unwrap_or(&cmd);
            usage_error_zh(&e, target)
        };
        assert_eq!(
            err(&[
                "selfbuilt",
                "run",
                "x",
                "--out",
                "o",
                "--deadlin",
                "2026-12-15"
            ]),
            "无法识别的选项 --deadlin，您是不是要写 --deadline？"
        );
        let e = err(&["selfbuilt", "run", "x"]);
        assert!(
            e.contains("缺少必填的参数") && e.contains("--out <DIR>（输出文件夹）"),
            "{e}"
        );
        let e = err(&[
            "selfbuilt",
            "run",
            "x",
            "-o",
            "o",
            "--deadline",
            "2026-13-45",
        ]);
        assert!(
            e.contains("--deadline") && e.contains("不是日期") && !e.contains("not a date"),
            "{e}"
        );
        let e = err(&["selfbuilt", "check", "x", "--jobs", "abc"]);
        assert!(e.contains("不是整数"), "{e}");
        let e = err(&["selfbuilt", "rnu"]);
        assert!(
            e.contains("没有“rnu”这个子命令") && e.contains("run"),
            "{e}"
        );
        let e = err(&["selfbuilt", "--lang", "fr", "rules"]);
        assert!(e.contains("只能写 zh、en"), "{e}");
        let e = err(&[
            "selfbuilt",
            "template",
            "-o",
            "a.xlsx",
            "--roster",
            "--tables",
            "x",
        ]);
        assert!(e.contains("不能和") && e.contains("同时使用"), "{e}");
    }
}
