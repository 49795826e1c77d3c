//! report.html at a county's size: a per-row list longer than `report_html::SHOWN` is cut
//! there, under it one line saying how many more there are and which file has them all,
//! in Chinese and in English; the file still has every row.

mod common;

use common::{p, read_csv, run};
use selfbuilt::output::report_html::SHOWN;

/// A plain workbook of valid houses with no hazard: about seven in ten of them get a
/// write-off proposal (suspected misentry), more than report.html lists.
const HOUSES: &str = "2000";

#[test]
fn the_write_off_proposals_are_cut_with_how_many_more_and_where() {
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    let demo = run(&["demo", "--plain", "--rows", HOUSES, "--out", p(&input)]);
    assert_eq!(demo.code, 0, "{}", demo.stderr);
    for lang in ["zh", "en"] {
        let out = t.path().join(lang);
        let done = run(&[
            "--lang",
            lang,
            "run",
            p(&input),
            "--out",
            p(&out),
            "--quiet",
        ]);
        assert!(done.code <= 1, "{}", done.stderr);
        let proposals = read_csv(&out.join("writeoffs.csv")).len() - 1;
        assert!(proposals > SHOWN, "{proposals} proposals");
        let page = std::fs::read_to_string(out.join("report.html")).unwrap();
        let (_, table) = page.split_once("<table id=\"writeoffs\">").unwrap();
        let (table, after) = table.split_once("</table>").unwrap();
        // The header's row, then SHOWN proposals.
        assert_eq!(table.matches("<tr>").count(), SHOWN + 1, "{lang}");
        let more = proposals - SHOWN;
        let line = match lang {
            "zh" => format!("<p class=\"s\">……还有 {more} 条未列出，完整清单见 writeoffs.csv</p>"),
            _ => format!(
                "<p class=\"s\">… and {more} more not listed here: writeoffs.csv has them all</p>"
            ),
        };
        assert!(
            after.starts_with(&line),
            "{lang}: {}",
            &after[..300.min(after.len())]
        );
    }
}
