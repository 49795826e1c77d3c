//! `selfbuilt demo --province`: a small province's county files are read, recognised and
//! accepted by `check` and `run` (no errors, no warnings), one county per file.

mod common;

use common::*;
use selfbuilt::schema::Schemas;

#[test]
fn a_small_provinces_county_files_are_accepted_whole() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("province");
    let o = run(&[
        "demo",
        "--province",
        "--counties",
        "2",
        "--rows",
        "400",
        "--out",
        p(&d),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut files: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let schemas = Schemas::shipped().unwrap();
    let parts: Vec<String> = selfbuilt::demo::county_parts(&schemas, 2)
        .unwrap()
        .into_iter()
        .map(|c| format!("{}.xlsx", c.unwrap()))
        .collect();
    assert_eq!(files, parts);

    let o = run(&["check", "--format", "json", p(&d)]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings.is_empty(), "{findings:?}");

    // A county file alone is run whole: every main row goes up (the tally's count of the
    // main table's accepted rows, in its total line).
    let out = t.path().join("out");
    let one = d.join(&parts[1]);
    let o = run(&["run", p(&one), "--out", p(&out), "--quiet"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let tally = read_csv(&out.join("tally.csv"));
    let total = tally.last().unwrap();
    let main = schemas.table(schemas.campaign.main());
    let accepted = schemas
        .campaign
        .tally
        .columns
        .iter()
        .find(|c| {
            c.table.as_deref() == Some(main.table.key.as_str())
                && c.when.is_empty()
                && !c.rejected
                && !c.read
                && c.csv
        })
        .expect("a tally column counting the main table's accepted rows");
    let at = tally[0].iter().position(|h| *h == accepted.key).unwrap();
    assert_eq!(total[at], "400", "{tally:?}");
}
