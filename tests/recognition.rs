//! Recognition of a village worded in ways no alias lists: headers reached by concept
//! words and content, enum forms by the policy, the rest in learned.toml, and a reviewed
//! learned.toml passed back with --aliases making the next run clean.

mod common;
use common::*;

/// Headers in none of the schemas' label or alias lists (made up for this test).
const ODD_HEAD: [&str; 21] = [
    "自建房识别码",
    "所在行政村名称",
    "所属村民组别",
    "房屋坐落位置",
    "屋主姓名",
    "屋主身份证件号",
    "屋主手机",
    "东经度数",
    "北纬度数",
    "房屋修建年份",
    "地上楼层",
    "房屋建筑总面积",
    "主体结构形式",
    "房屋现用途",
    "经营业务种类",
    "有无加建扩建",
    "有无做过鉴定",
    "鉴定评级",
    "摸排日期",
    "摸排人员",
    "初查判定情况",
];

fn odd_rows(structure: &str) -> Vec<Vec<String>> {
    let mut rows = vec![ODD_HEAD.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for (i, id) in IDS.iter().enumerate() {
        let mut b = building(&format!("YH45010300346610{i}"), id, "未发现安全隐患");
        b[12] = structure.to_string();
        rows.push(b);
    }
    rows
}

fn write(dir: &std::path::Path, rows: &[Vec<String>]) {
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    write_csv(&dir.join("平安村房屋信息.csv"), &refs);
}

#[test]
fn odd_headers_are_recognised_and_an_unknown_form_is_learned_then_taught() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // "砖瓦房屋" is no form of any structure value: an error, and an entry in learned.toml.
    write(&input, &odd_rows("砖瓦房屋"));
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let codes: Vec<&str> = errors[1..]
        .iter()
        .filter(|e| e[6] == "error")
        .map(|e| e[7].as_str())
        .collect();
    // Every column found: the only errors are the six unknown structure forms.
    assert_eq!(codes, vec!["C002"; 6], "{errors:?}");
    let learned = std::fs::read_to_string(out.join("learned.toml")).unwrap();
    assert!(
        learned.contains("[buildings.structure.synonyms]"),
        "{learned}"
    );
    assert!(learned.contains("\"砖瓦房屋\""), "{learned}");

    // The clerk reviews it: 砖瓦房屋 is 砌体结构.
    let reviewed = tmp.path().join("reviewed.toml");
    std::fs::write(
        &reviewed,
        "[buildings.structure.synonyms]\n\"砖瓦房屋\" = \"砌体结构\"\n",
    )
    .unwrap();
    let out2 = tmp.path().join("out2");
    let r = run(&[
        "run",
        p(&input),
        "--out",
        p(&out2),
        "--as-of",
        "2026-12-01",
        "--aliases",
        p(&reviewed),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cleaned = calamine_rows(&out2.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 7);
    assert!(cleaned[1..]
        .iter()
        .all(|r| r.iter().any(|c| c == "砌体结构")));
    let changes = std::fs::read_to_string(out2.join("changes.csv")).unwrap();
    assert!(changes.contains("砖瓦房屋,砌体结构"), "{changes}");
}

#[test]
fn inspect_shows_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), &odd_rows("砌体结构"));
    let r = run(&[
        "inspect",
        p(&tmp.path().join("平安村房屋信息.csv")),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let cols = v[0]["columns"].as_array().unwrap();
    let want = [
        "building_code",
        "village",
        "group",
        "address",
        "owner",
        "owner_id",
        "phone",
        "longitude",
        "latitude",
        "year_built",
        "floors",
        "area",
        "structure",
        "use",
        "business_type",
        "altered",
        "appraised",
        "appraisal_grade",
        "survey_date",
        "surveyor",
        "judgement",
    ];
    for (c, w) in cols.iter().zip(want) {
        assert_eq!(c["field"], w, "{c}");
        assert!(c["evidence"].as_str().unwrap().contains("表头"), "{c}");
    }
    let id = &cols[5]["evidence"];
    assert!(
        id.as_str().unwrap().contains("6/6 个值是有效身份证号"),
        "{id}"
    );
}

#[test]
fn a_broken_aliases_file_stops_with_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[buildings.structure.synonyms]\n\"砖瓦\" = \"砖瓦结构\"\n",
    )
    .unwrap();
    let r = run(&["--aliases", p(&bad), "rules"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad.toml") && r.stderr.contains("砖瓦结构"),
        "{}",
        r.stderr
    );
}

#[test]
fn near_synonym_forms_are_taken_and_listed_for_a_look() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // Made-up village wordings: 住房兼营业 (住房 ≈ 住, 营业 ≈ 经营) and 库房 (≈ 仓储).
    let mut rows = odd_rows("砌体结构");
    for r in rows[1..].iter_mut() {
        r[13] = "住房兼营业".into();
        r[14] = "库房".into();
    }
    write(&input, &rows);
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(cleaned.len(), 7);
    for row in &cleaned[1..] {
        assert!(row.iter().any(|c| c == "自住兼经营"), "{row:?}");
        assert!(row.iter().any(|c| c == "仓储物流"), "{row:?}");
    }
    let changes = std::fs::read_to_string(out.join("changes.csv")).unwrap();
    assert!(changes.contains("住房兼营业,自住兼经营"), "{changes}");
    assert!(changes.contains("库房,仓储物流"), "{changes}");
    let learned = std::fs::read_to_string(out.join("learned.toml")).unwrap();
    assert!(
        learned.contains("\"库房\" = \"仓储物流\"  # 已按近义词采用，请确认；6 处"),
        "{learned}"
    );
    assert!(
        learned.contains("\"住房兼营业\" = \"自住兼经营\""),
        "{learned}"
    );
    // The file is an overlay the next run takes as it is.
    let out2 = tmp.path().join("out2");
    let lp = out.join("learned.toml");
    let r = run(&[
        "run",
        p(&input),
        "--out",
        p(&out2),
        "--as-of",
        "2026-12-01",
        "--aliases",
        p(&lp),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let learned2 = std::fs::read_to_string(out2.join("learned.toml")).unwrap();
    assert!(!learned2.contains("库房"), "{learned2}");
}

/// A form read by a weaker tier than a listed one (here a thesaurus word of GB/T 4754) is
/// taken, and said once for the whole batch with its count and cells — not once per row;
/// a write-off status that says a request was made never becomes 已销号.
#[test]
fn a_weakly_read_form_is_said_once_and_a_request_is_never_a_write_off() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let mut rows = vec![B_HEAD.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    for (i, id) in IDS.iter().enumerate() {
        let mut b = building(&format!("YH45010300346610{i}"), id, "未发现安全隐患");
        b[13] = "经营性".into();
        b[14] = if i < 4 {
            "沙县小吃店"
        } else {
            "便利店"
        }
        .into();
        rows.push(b);
    }
    write(&input, &rows);
    let out = tmp.path().join("out");
    let r = run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let errors = read_csv(&out.join("errors.csv"));
    let weak: Vec<&Vec<String>> = errors[1..].iter().filter(|e| e[7] == "C025").collect();
    assert_eq!(weak.len(), 2, "{errors:?}");
    let snack = weak
        .iter()
        .find(|e| e[5] == "沙县小吃店")
        .expect("one warning for the form");
    assert_eq!(snack[6], "warning");
    assert!(
        snack[8].contains("共 4 处") && snack[8].contains("餐饮饭店"),
        "{}",
        snack[8]
    );
    let cleaned = calamine_rows(&out.join("cleaned.xlsx"), "房屋信息");
    assert_eq!(
        cleaned
            .iter()
            .filter(|r| r.iter().any(|c| c == "餐饮饭店"))
            .count(),
        4
    );

    // A hazard ledger whose write-off status says a request was made (a form no list
    // holds): never cleaned to 已销号; an error that suggests 申请销号.
    let input2 = tmp.path().join("in2");
    std::fs::create_dir(&input2).unwrap();
    write(&input2, &rows);
    let mut h = vec![H_HEAD.iter().map(|s| s.to_string()).collect::<Vec<_>>()];
    let mut row = hazard(
        "YH450103003466100-01",
        "YH450103003466100",
        "一般隐患",
        "已整治",
        "韦宝",
    );
    let wo = H_HEAD.iter().position(|x| *x == "销号状态").unwrap();
    row[wo] = "销号已上报".into();
    h.push(row);
    let refs: Vec<Vec<&str>> = h
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    write_csv(&input2.join("平安村隐患台账.csv"), &refs);
    let out2 = tmp.path().join("out2");
    run(&[
        "run",
        p(&input2),
        "--out",
        p(&out2),
        "--as-of",
        "2026-12-01",
    ]);
    let errors = read_csv(&out2.join("errors.csv"));
    let refused = errors[1..]
        .iter()
        .find(|e| e[4] == "writeoff")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(
        (refused[6].as_str(), refused[7].as_str()),
        ("error", "C002")
    );
    assert!(refused[9].contains("申请销号"), "{refused:?}");
    let hz = calamine_rows(&out2.join("cleaned.xlsx"), "隐患台账");
    assert!(!hz.iter().flatten().any(|c| c == "已销号"), "{hz:?}");
}

/// Every header read only weakly or not at all and every option form read weakly or not
/// at all is listed once for the whole run — in `check`, errors.xlsx's 汇总, report.html
/// and summary.json — with how many columns or cells hold it, where, and what it was read
/// as or may be, however many files and rows repeat it.
#[test]
fn every_distinct_wording_is_listed_once_where_people_read() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let mut rows = odd_rows("砖瓦房屋");
    let head = rows[0].clone();
    // A header nothing explains: not imported.
    rows[0].push("栏目甲".into());
    for r in rows[1..].iter_mut() {
        r[13] = "经营性".into();
        r[14] = "沙县小吃店".into();
        r.push("x".into());
    }
    assert_eq!(head.len() + 1, rows[0].len());
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let refs: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
    // Two villages worded alike.
    write_csv(&input.join("平安村房屋信息.csv"), &refs);
    write_csv(&input.join("和睦村房屋信息.csv"), &refs);
    let out = tmp.path().join("out");
    run(&["run", p(&input), "--out", p(&out), "--as-of", "2026-12-01"]);
    let errors = read_csv(&out.join("errors.csv"));
    // What the findings say, per distinct wording: (kind, form) → columns or cells.
    let mut expected: std::collections::BTreeMap<(&str, String), usize> = Default::default();
    for e in &errors[1..] {
        match e[7].as_str() {
            "S002" | "S003" => *expected.entry(("列名", e[5].clone())).or_default() += 1,
            "C002" => *expected.entry(("选项", e[5].clone())).or_default() += 1,
            "C025" => {
                let n: usize = e[8]
                    .split("共 ")
                    .nth(1)
                    .and_then(|x| x.split(' ').next())
                    .and_then(|x| x.parse().ok())
                    .expect("C025 says its count");
                *expected.entry(("选项", e[5].clone())).or_default() += n;
            }
            _ => {}
        }
    }
    assert_eq!(expected.get(&("选项", "砖瓦房屋".into())), Some(&12));
    assert_eq!(expected.get(&("选项", "沙县小吃店".into())), Some(&12));
    assert_eq!(expected.get(&("列名", "栏目甲".into())), Some(&2));
    assert!(expected.len() >= 4, "{expected:?}");

    // errors.xlsx's 汇总: below the villages, one line per wording.
    let summary = calamine_rows(&out.join("errors.xlsx"), "汇总");
    let start = summary
        .iter()
        .position(|r| r[0].starts_with("需要核对的写法"))
        .unwrap_or_else(|| panic!("{summary:?}"));
    assert_eq!(summary[start + 1][0], "写法");
    let mut listed: std::collections::BTreeMap<(&str, String), usize> = Default::default();
    for r in &summary[start + 2..] {
        let kind = if r[1] == "列名" { "列名" } else { "选项" };
        let n: usize = r[3].parse().unwrap_or_else(|_| panic!("{r:?}"));
        assert!(
            listed.insert((kind, r[0].clone()), n).is_none(),
            "listed twice: {r:?}"
        );
        assert!(r[5].contains("位置："), "{r:?}");
    }
    assert_eq!(listed, expected);
    let brick = summary[start + 2..]
        .iter()
        .find(|r| r[0] == "砖瓦房屋")
        .unwrap();
    assert_eq!(brick[4], "未采用");
    let snack = summary[start + 2..]
        .iter()
        .find(|r| r[0] == "沙县小吃店")
        .unwrap();
    assert_eq!(snack[4], "待核对");
    assert!(snack[5].contains("读作“餐饮饭店”"), "{snack:?}");
    assert!(
        snack[5].contains("平安村房屋信息.csv!O2") && snack[5].contains("和睦村房屋信息.csv!O2"),
        "{snack:?}"
    );

    // report.html: the same lines in a table.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let table = html
        .split("<table id=\"wordings\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .unwrap_or_else(|| panic!("no wordings table"));
    assert_eq!(table.matches("<tr class=").count(), expected.len());
    assert_eq!(table.matches("<td>砖瓦房屋</td>").count(), 1);

    // summary.json: the counts by kind.
    let sj: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let total: u64 = sj["wordings"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, expected.len(), "{}", sj["wordings"]);
    assert_eq!(sj["wordings"]["options_not_read"], 1);
    assert_eq!(sj["wordings"]["headers_not_read"], 1);

    // check: once each, after the findings; and in its JSON.
    let r = run(&["check", p(&input), "--as-of", "2026-12-01"]);
    let listing = r
        .stdout
        .split("需要核对的写法")
        .nth(1)
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert_eq!(listing.matches("“砖瓦房屋”").count(), 1, "{listing}");
    assert!(listing.contains("12处"), "{listing}");
    let r = run(&[
        "check",
        p(&input),
        "--as-of",
        "2026-12-01",
        "--format",
        "json",
    ]);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["wordings"].as_array().unwrap().len(), expected.len());
}

/// “都不是” on a guessed header: a column whose header the confirmed wordings say is not
/// the field (`not_aliases`) is not read as it, by any way of guessing; without that
/// line the same column is read as the field.
#[test]
fn a_header_a_person_refused_is_not_read_as_the_field() {
    let t = tempfile::tempdir().unwrap();
    let town = t.path().join("town");
    std::fs::create_dir_all(&town).unwrap();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
    let bytes = std::fs::read(demo.join("白沙村房屋信息.csv")).unwrap();
    let (text, _, _) = encoding_rs::GBK.decode(&bytes);
    let text = text.replacen("业主,", "房子归谁,", 1);
    std::fs::write(
        town.join("白沙村房屋信息.csv"),
        encoding_rs::GBK.encode(&text).0,
    )
    .unwrap();
    let refused = t.path().join("本镇写法.toml");
    std::fs::write(
        &refused,
        "[buildings.owner]\nnot_aliases = [\"房子归谁\"]\n",
    )
    .unwrap();
    let not_imported = |aliases: Option<&std::path::Path>| -> bool {
        let out = t.path().join(format!("out{}", aliases.is_some()));
        let mut args = vec![];
        if let Some(a) = aliases {
            args.extend(["--aliases", common::p(a)]);
        }
        args.extend(["run", common::p(&town), "--out", common::p(&out), "--quiet"]);
        let o = common::run(&args);
        assert_ne!(o.code, 2, "{}", o.stderr);
        common::read_csv(&out.join("errors.csv"))
            .iter()
            .any(|r| r[5] == "房子归谁" && r[7] == "S002")
    };
    assert!(!not_imported(None), "guessed as the owner by its content");
    assert!(not_imported(Some(&refused)), "refused: not imported");
}
