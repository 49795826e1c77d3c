//! report.html: one self-contained page (no network; inline CSS, JS and SVG) for people
//! who would rather look: the report's sentences, per village a bar for each of the tally's
//! chart columns, the roster's coverage per village (with `--roster`), the write-off
//! proposals, and the findings as a table filtered by village,
//! severity and rule (also from the address: `report.html#village=那洪村`), each village
//! linked to its return package.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::Path;

use anyhow::Result;

use super::atomic::stream_atomically;
use super::findings_table::severity_word;
use super::folders::{package_folder, package_list, RETURNS};
use super::styles::colour;
use super::writer::{Ctx, Writer};
use crate::finding::{Finding, Lang};
use crate::schema::campaign::TallySpec;

/// Text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path for an href, each part percent-encoded.
fn href(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| {
            p.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    b => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}
p.s{line-height:1.7;margin:6px 0}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#DDEBF7}tr.error td.sev{color:#b00020;font-weight:bold}tr.warning td.sev{color:#a06000}#wordings tr.error td:nth-child(5){color:#b00020;font-weight:bold}#wordings tr.warning td:nth-child(5){color:#a06000}
.bars text{font-size:12px}.legend span{display:inline-block;margin-right:14px;font-size:13px}
.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
select{margin-right:12px}#count{font-size:13px;color:#555}
td:first-child,#findings td:nth-child(4),#findings td:nth-child(5),#findings td:nth-child(6),#writeoffs td:nth-child(-n+4){white-space:nowrap}
tr.held td{color:#595959}#findings td:nth-child(2){min-width:7em}#findings td:nth-child(3){min-width:5em;white-space:nowrap}";

const SCRIPT: &str = "(function(){
var rows=[].slice.call(document.querySelectorAll('#findings tbody tr'));
var sel={village:document.getElementById('fv'),severity:document.getElementById('fs'),rule:document.getElementById('fr')};
function apply(){var n=0;rows.forEach(function(r){var ok=['village','severity','rule'].every(function(k){return !sel[k].value||r.dataset[k]===sel[k].value;});r.style.display=ok?'':'none';if(ok)n++;});
document.getElementById('count').textContent=n+' / '+rows.length;}
var h=decodeURIComponent(location.hash.slice(1));h.split('&').forEach(function(kv){var p=kv.split('=');if(sel[p[0]])sel[p[0]].value=p[1]||'';});
Object.keys(sel).forEach(function(k){sel[k].addEventListener('change',apply);});apply();})();";

/// The most rows one section of report.html lists (the write-off proposals, the
/// findings, the wordings to check); a longer list is cut there, with a line saying how
/// many more there are and which file has them all (`more_line`). A thousand rows of the
/// findings table are about half a megabyte of HTML: the page opens at once in any
/// browser and its filter answers at once, and a thousand lines are more than anyone
/// reads down a page; past that a clerk works in errors.xlsx (a sheet per village) or
/// the CSV. A county's 700,000 write-off proposals made a page of 269 MB; the demo town
/// lists a few hundred at most, so its page is not cut.
pub const SHOWN: usize = 1000;

/// The line under a list cut at `SHOWN`: how many more rows there are, and which file has
/// them all.
pub fn more_line(more: usize, all_in: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("……还有 {more} 条未列出，完整清单见 {all_in}"),
        Lang::En => format!("… and {more} more not listed here: {all_in} has them all"),
    }
}

/// The rows of a per-row table, at most `SHOWN` of `items`, then the table's end and,
/// when the list was cut, the line saying how many more there are and that `all_in` has
/// them all.
fn rows_then_more<W: Write, T>(
    h: &mut W,
    items: &[T],
    all_in: &str,
    lang: Lang,
    mut row: impl FnMut(&mut W, &T) -> io::Result<()>,
) -> io::Result<()> {
    for item in items.iter().take(SHOWN) {
        row(h, item)?;
    }
    h.write_all(b"</tbody></table>")?;
    if items.len() > SHOWN {
        let line = more_line(items.len() - SHOWN, all_in, lang);
        write!(h, "<p class=\"s\">{}</p>", esc(&line))?;
    }
    Ok(())
}

/// Grouped bars: per village a bar for each of `keys` (tally columns), with a legend.
fn bars(
    h: &mut impl Write,
    tally: &crate::model::Tally,
    spec: &TallySpec,
    title: &str,
    keys: &[String],
    colours: &[String],
) -> io::Result<()> {
    let chart: Vec<(usize, &str)> = keys
        .iter()
        .filter_map(|k| {
            let i = tally.keys.iter().position(|x| x == k)?;
            let label = spec.columns.iter().find(|c| &c.key == k)?.label.as_str();
            Some((i, label))
        })
        .collect();
    if chart.is_empty() || tally.rows.is_empty() {
        return Ok(());
    }
    write!(h, "<h2>{}</h2><div class=\"legend\">", esc(title))?;
    for (k, (_, label)) in chart.iter().enumerate() {
        write!(
            h,
            "<span><i style=\"background:{}\"></i>{}</span>",
            esc(colour(colours, k)),
            esc(label)
        )?;
    }
    h.write_all(b"</div>")?;
    let max = tally
        .rows
        .iter()
        .flat_map(|r| chart.iter().map(|(i, _)| r.counts[*i]))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let (bar, gap, left, width) = (12.0, 10.0, 110.0, 700.0);
    let group = bar * chart.len() as f64 + gap;
    let height = group * tally.rows.len() as f64 + 10.0;
    write!(
        h,
        "<svg class=\"bars\" width=\"{}\" height=\"{height}\" role=\"img\">",
        left + width + 60.0
    )?;
    for (vi, r) in tally.rows.iter().enumerate() {
        let y0 = vi as f64 * group + 5.0;
        write!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y0 + bar * chart.len() as f64 / 2.0 + 4.0,
            esc(&r.village)
        )?;
        for (k, (i, label)) in chart.iter().enumerate() {
            let n = r.counts[*i];
            let w = (n as f64 / max * width).max(if n > 0 { 1.0 } else { 0.0 });
            let y = y0 + k as f64 * bar;
            write!(
                h,
                "<rect x=\"{left}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\" data-village=\"{}\"><title>{} {}：{n}</title></rect><text x=\"{:.1}\" y=\"{}\">{n}</text>",
                bar - 2.0,
                esc(colour(colours, k)),
                esc(&r.village),
                esc(&r.village),
                esc(label),
                left + w + 4.0,
                y + bar - 3.0
            )?;
        }
    }
    h.write_all(b"</svg>")
}

/// report.html, as the registry writes it.
pub const WRITER: Writer = Writer {
    name: "report.html",
    is_folder: false,
    write,
};

/// Writes report.html: the report, the tally's chart, coverage, write-offs and the
/// findings, in one self-contained page, into the file as it is made.
pub fn write(c: &Ctx, path: &Path) -> Result<()> {
    stream_atomically(path, |out| Ok(page(out, c)?))
}

/// The page: the report's sentences, the charts, the links to the return packages, then
/// the tables.
fn page(h: &mut impl Write, c: &Ctx) -> io::Result<()> {
    let run = c.run;
    report_head(h, &run.report)?;
    // Per village, a bar for each column of the tally's chart, then of the report's.
    let spec = &c.schemas.campaign.tally;
    bars(
        h,
        &run.tally,
        spec,
        &spec.chart_title,
        &spec.chart,
        &spec.chart_colours,
    )?;
    let rs = &c.schemas.campaign.report;
    bars(
        h,
        &run.tally,
        spec,
        &rs.chart_title,
        &rs.chart,
        &rs.chart_colours,
    )?;
    package_links(h, c)?;
    coverage_table(h, c)?;
    wordings_table(h, c)?;
    findings_list(h, c)?;
    // The write-off proposals, after the findings (the clerk's work comes first).
    writeoffs_table(h, c)?;
    write!(h, "<script>{SCRIPT}</script></body></html>")
}

/// The page's head and title, then the report's sentences.
fn report_head(h: &mut impl Write, report: &crate::model::Report) -> io::Result<()> {
    let title = esc(&report.title);
    write!(
        h,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body><h1>{title}</h1>"
    )?;
    for l in &report.lines {
        write!(h, "<p class=\"s\">{}</p>", esc(l))?;
    }
    Ok(())
}

/// A link to each village's return package (those with a finding).
fn package_links(h: &mut impl Write, c: &Ctx) -> io::Result<()> {
    let village_in = c.run.finding_villages();
    let packaged: BTreeSet<&str> = c.run.findings.iter().filter_map(&village_in).collect();
    if packaged.is_empty() {
        return Ok(());
    }
    h.write_all("<h2>退回各村</h2><p class=\"s\">".as_bytes())?;
    for v in &packaged {
        let link = href(&[RETURNS, &package_folder(v), &package_list(v)]);
        write!(h, "<a class=\"pkg\" href=\"{link}\">{}</a>　", esc(v))?;
    }
    h.write_all(b"</p>")
}

/// The roster's coverage, per village, then the total (`--roster`).
fn coverage_table(h: &mut impl Write, c: &Ctx) -> io::Result<()> {
    let (Some(cv), Some(spec)) = (&c.run.coverage, &c.schemas.campaign.coverage) else {
        return Ok(());
    };
    write!(
        h,
        "<h2>{}核对</h2><table id=\"coverage\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>覆盖率</th><th>不在{}</th></tr></thead><tbody>",
        esc(&spec.label),
        esc(c.words.village()),
        esc(&spec.label),
        esc(&cv.found),
        esc(&cv.missing),
        esc(&spec.label)
    )?;
    let total = (c.words.total().to_string(), cv.total);
    for (v, n) in cv.villages.iter().chain(std::iter::once(&total)) {
        let rate = n.rate().map(|r| format!("{r:.1}%")).unwrap_or_default();
        write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{rate}</td><td>{}</td></tr>",
            esc(v),
            n.listed,
            n.covered,
            n.missing,
            n.unlisted
        )?;
    }
    h.write_all(b"</tbody></table>")
}

/// Every distinct wording to check, once each (at most `SHOWN`: learned.toml has them
/// all).
fn wordings_table(h: &mut impl Write, c: &Ctx) -> io::Result<()> {
    let wordings = &c.run.wordings;
    if wordings.is_empty() {
        return Ok(());
    }
    let li = if c.lang == Lang::Zh { 0 } else { 1 };
    let n = wordings.len();
    if li == 0 {
        write!(
            h,
            "<h2>需要核对的写法（{n} 种）</h2><p class=\"s\">列名和选项中不在标准写法、也不在本镇写法里的，每种只列一次。核对后可把 learned.toml 改好，用 --aliases 再运行。</p>"
        )?;
    } else {
        write!(
            h,
            "<h2>Wordings to check ({n})</h2><p class=\"s\">Headers and options written in no listed form, once each. Review learned.toml and run again with --aliases.</p>"
        )?;
    }
    h.write_all(b"<table id=\"wordings\"><thead><tr>")?;
    for head in crate::rules::words::WORDING_HEADS[li] {
        write!(h, "<th>{}</th>", esc(head))?;
    }
    h.write_all(b"</tr></thead><tbody>")?;
    rows_then_more(h, wordings, "learned.toml", c.lang, |h, w| {
        let class = if w.taken.is_some() {
            "warning"
        } else {
            "error"
        };
        write!(h, "<tr class=\"{class}\">")?;
        for cell in c.words.wording(w, c.lang) {
            write!(h, "<td>{}</td>", esc(&cell))?;
        }
        h.write_all(b"</tr>")
    })
}

/// The findings as a table (at most `SHOWN`: errors.xlsx has them all), with the village,
/// severity and rule filters over the rows it shows.
fn findings_list(h: &mut impl Write, c: &Ctx) -> io::Result<()> {
    let run = c.run;
    let village_in = run.finding_villages();
    let village_of = |f: &Finding| -> String {
        village_in(f)
            .map(|v| v.to_string())
            .unwrap_or_else(|| c.words.unknown_village().to_string())
    };
    let shown = &run.findings[..run.findings.len().min(SHOWN)];
    write!(h, "<h2>问题清单（{}）</h2><p>", run.findings.len())?;
    findings_filters(h, c, shown, &village_of)?;
    h.write_all("<span id=\"count\"></span></p><table id=\"findings\"><thead><tr><th>村</th><th>文件</th><th>工作表</th><th>单元格</th><th>严重程度</th><th>规则</th><th>问题</th><th>建议</th></tr></thead><tbody>".as_bytes())?;
    rows_then_more(h, &run.findings, "errors.xlsx", c.lang, |h, f| {
        let sev = if f.knock_on {
            "held"
        } else {
            f.severity.as_str()
        };
        let v = village_of(f);
        write!(
            h,
            "<tr class=\"{sev}\" data-village=\"{}\" data-severity=\"{sev}\" data-rule=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"sev\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&v),
            esc(&f.code),
            esc(&v),
            esc(&f.file),
            esc(&f.sheet),
            esc(&f.cell()),
            severity_word(f, c.lang),
            esc(&c.words.code_and_title(&f.code)),
            esc(f.message(c.lang)),
            esc(f.suggestion(c.lang))
        )
    })
}

/// The findings table's filters: the villages and rules of the rows it shows, and the
/// severities.
fn findings_filters(
    h: &mut impl Write,
    c: &Ctx,
    shown: &[Finding],
    village_of: &dyn Fn(&Finding) -> String,
) -> io::Result<()> {
    let villages: BTreeSet<String> = shown.iter().map(village_of).collect();
    let rules: BTreeSet<&str> = shown.iter().map(|f| f.code.as_str()).collect();
    h.write_all("<select id=\"fv\"><option value=\"\">全部村</option>".as_bytes())?;
    for v in &villages {
        write!(h, "<option>{}</option>", esc(v))?;
    }
    h.write_all("</select><select id=\"fs\"><option value=\"\">全部</option><option value=\"error\">错误</option><option value=\"warning\">警告</option><option value=\"held\">随之暂缓</option></select><select id=\"fr\"><option value=\"\">全部规则</option>".as_bytes())?;
    for r in &rules {
        write!(
            h,
            "<option value=\"{}\">{}</option>",
            esc(r),
            esc(&c.words.code_and_title(r))
        )?;
    }
    h.write_all(b"</select>")
}

/// The write-off proposals, when there are any (at most `SHOWN`: writeoffs.csv has them
/// all).
fn writeoffs_table(h: &mut impl Write, c: &Ctx) -> io::Result<()> {
    let proposals = &c.run.proposals;
    if proposals.is_empty() {
        return Ok(());
    }
    let [main, item, village] = c.words.writeoff_columns();
    write!(
        h,
        "<h2>{}（{}）</h2><table id=\"writeoffs\"><thead><tr><th>建议类型</th><th>{}</th><th>{}</th><th>{}</th><th>依据</th></tr></thead><tbody>",
        esc(c.words.writeoffs_title()),
        proposals.len(),
        esc(main),
        esc(item),
        esc(village)
    )?;
    rows_then_more(h, proposals, "writeoffs.csv", c.lang, |h, p| {
        write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(c.words.reason(&p.reason)),
            esc(&p.main_code),
            esc(&p.item_code),
            esc(&p.village),
            esc(&c.run.evidence(p))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_links_are_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            href(&[RETURNS, "a b"]),
            "%E9%80%80%E5%9B%9E%E5%90%84%E6%9D%91/a%20b"
        );
    }

    /// A table of `n` numbered rows as `rows_then_more` writes it.
    fn numbered(n: usize, lang: Lang) -> String {
        let items: Vec<usize> = (0..n).collect();
        let mut page = Vec::new();
        rows_then_more(&mut page, &items, "errors.xlsx", lang, |h, i| {
            write!(h, "<tr><td>{i}</td></tr>")
        })
        .unwrap();
        String::from_utf8(page).unwrap()
    }

    #[test]
    fn a_list_over_the_bound_is_cut_with_how_many_more_and_where() {
        let zh = numbered(SHOWN + 234, Lang::Zh);
        assert_eq!(zh.matches("<tr>").count(), SHOWN);
        assert!(zh.contains(&format!("<td>{}</td>", SHOWN - 1)));
        assert!(!zh.contains(&format!("<td>{SHOWN}</td>")));
        assert!(
            zh.ends_with(
                "</tbody></table><p class=\"s\">……还有 234 条未列出，完整清单见 errors.xlsx</p>"
            ),
            "{}",
            &zh[zh.len() - 200..]
        );
        let en = numbered(SHOWN + 1, Lang::En);
        assert_eq!(en.matches("<tr>").count(), SHOWN);
        assert!(en.ends_with(
            "</tbody></table><p class=\"s\">… and 1 more not listed here: errors.xlsx has them all</p>"
        ));
    }

    #[test]
    fn a_list_at_the_bound_is_not_cut() {
        for lang in [Lang::Zh, Lang::En] {
            let page = numbered(SHOWN, lang);
            assert_eq!(page.matches("<tr>").count(), SHOWN);
            assert!(page.ends_with("</tbody></table>"));
        }
        assert_eq!(numbered(0, Lang::Zh), "</tbody></table>");
    }
}
