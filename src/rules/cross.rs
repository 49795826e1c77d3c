//! Checks across tables and files (SPEC §4): hazards and reviews name existing
//! buildings; judgement vs hazard ledger; reviews not before the survey; codes unique in
//! the batch (the finding names both places); suspected double entry; county-part
//! outliers of building_code.

use std::collections::HashMap;

use crate::cells::Val;
use crate::finding::{Finding, Severity};
use crate::model::Record;
use crate::text::a1;

pub use crate::schema::roles::Idx;

/// All records of a run, per table.
pub struct Tables<'a> {
    pub buildings: &'a [Record],
    pub hazards: &'a [Record],
    pub reviews: &'a [Record],
    /// Relative path of each input file.
    pub files: &'a [String],
}

fn place(t: &Tables, r: &Record, col: Option<u32>) -> String {
    let cell = col
        .map(|c| a1(r.row, c))
        .unwrap_or_else(|| format!("第{}行", r.row + 1));
    if r.sheet.is_empty() {
        format!("{} {}", t.files[r.file], cell)
    } else {
        format!("{}「{}」{}", t.files[r.file], r.sheet, cell)
    }
}

fn at(
    t: &Tables,
    r: &Record,
    code: &str,
    sev: Severity,
    field: &str,
    col: Option<u32>,
    v: &Val,
) -> Finding {
    Finding::new(code, sev)
        .at_file(&t.files[r.file])
        .at_sheet(&r.sheet)
        .at_cell(r.row, col)
        .field(field)
        .value(&v.display())
}

/// Usable code of a record's field.
fn code_of(r: &Record, i: usize) -> Option<&str> {
    if r.bad[i] {
        return None;
    }
    r.vals[i].as_str().filter(|s| !s.is_empty())
}

/// A hazard or review whose building code is not in the buildings table.
fn unknown_building(t: &Tables, r: &Record, i: usize, code: &str, whose: (&str, &str)) -> Finding {
    let c = r.vals[i].display();
    at(
        t,
        r,
        code,
        Severity::Error,
        "building_code",
        r.cols[i],
        &r.vals[i],
    )
    .msg(
        format!("{}房屋编码 {c} 在房屋信息表中不存在", whose.0),
        format!(
            "{} building code {c} is not in the buildings table",
            whose.1
        ),
    )
    .fix(
        "核对房屋编码（常见为数字错位），或补报该房屋的排查信息",
        "check the code, or add the building's survey row",
    )
}

/// Run every cross-table and batch check; the independent ones side by side.
pub fn check(t: &Tables, ix: &Idx) -> Vec<Finding> {
    let batch = |f: &(dyn Fn(&mut Vec<Finding>) + Sync)| {
        let mut out = Vec::new();
        f(&mut out);
        out
    };
    let ((mut out, b1), (b2, (b3, b4))) = rayon::join(
        || {
            rayon::join(
                || references_and_ledger(t, ix),
                || {
                    batch(&|o| {
                        duplicates(
                            t,
                            t.buildings,
                            ix.b_code,
                            "B001",
                            "building_code",
                            "房屋编码",
                            o,
                        )
                    })
                },
            )
        },
        || {
            rayon::join(
                || {
                    batch(&|o| {
                        duplicates(
                            t,
                            t.hazards,
                            ix.h_code,
                            "B002",
                            "hazard_code",
                            "隐患编号",
                            o,
                        )
                    })
                },
                || {
                    rayon::join(
                        || batch(&|o| double_entries(t, ix, o)),
                        || batch(&|o| county_outliers(t, ix, o)),
                    )
                },
            )
        },
    );
    for more in [b1, b2, b3, b4] {
        out.extend(more);
    }
    out
}

/// Hazards and reviews name existing buildings; reviews follow the survey; the judgement
/// agrees with the hazard ledger.
fn references_and_ledger(t: &Tables, ix: &Idx) -> Vec<Finding> {
    let mut out = Vec::new();
    // Buildings by code (every building row read, accepted or not: a hazard of a building
    // whose row has another error is not "unknown").
    let mut by_code: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, b) in t.buildings.iter().enumerate() {
        if let Some(c) = code_of(b, ix.b_code) {
            by_code.entry(c).or_default().push(i);
        }
    }
    let mut hazards_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, h) in t.hazards.iter().enumerate() {
        let Some(c) = code_of(h, ix.h_building) else {
            continue;
        };
        hazards_of.entry(c).or_default().push(i);
        if !by_code.contains_key(c) {
            out.push(unknown_building(
                t,
                h,
                ix.h_building,
                "X001",
                ("隐患所属", "this hazard's"),
            ));
        }
    }
    for r in t.reviews {
        let Some(c) = code_of(r, ix.r_building) else {
            continue;
        };
        match by_code.get(c) {
            None => out.push(unknown_building(
                t,
                r,
                ix.r_building,
                "X002",
                ("复核的", "the reviewed"),
            )),
            Some(bs) => {
                let b = &t.buildings[bs[0]];
                if let (Some(rd), Some(sd)) =
                    (r.vals[ix.r_date].as_date(), b.vals[ix.b_survey].as_date())
                {
                    if rd < sd && !r.bad[ix.r_date] {
                        out.push(
                            at(
                                t,
                                r,
                                "X006",
                                Severity::Error,
                                "review_date",
                                r.cols[ix.r_date],
                                &r.vals[ix.r_date],
                            )
                            .msg(
                                format!(
                                    "复核日期 {rd} 早于该房屋的排查日期 {sd}（{}）",
                                    place(t, b, b.cols[ix.b_survey])
                                ),
                                format!(
                                    "review date {rd} is before the building's survey date {sd}"
                                ),
                            )
                            .fix(
                                "核对复核日期：“回头看”应在排查之后",
                                "check the review date: a look-back follows the survey",
                            ),
                        );
                    }
                }
            }
        }
    }
    // Judgement vs ledger.
    for b in t.buildings {
        let Some(c) = code_of(b, ix.b_code) else {
            continue;
        };
        if b.bad[ix.b_judgement] {
            continue;
        }
        let j = b.vals[ix.b_judgement].display();
        let hs: Vec<&Record> = hazards_of
            .get(c)
            .map(|v| v.iter().map(|&i| &t.hazards[i]).collect())
            .unwrap_or_default();
        if hs.is_empty() {
            continue;
        }
        let severe: Vec<&&Record> = hs
            .iter()
            .filter(|h| h.vals[ix.h_level].matches(&ix.severe_level))
            .collect();
        let codes: Vec<String> = hs.iter().map(|h| h.vals[ix.h_code].display()).collect();
        let col = b.cols[ix.b_judgement];
        let jv = &b.vals[ix.b_judgement];
        if j == ix.no_hazard {
            out.push(
                at(t, b, "X003", Severity::Error, "judgement", col, jv)
                    .msg(
                        format!(
                            "初步判定为“{}”，但隐患台账中有该房屋的 {} 条隐患（{}）",
                            ix.no_hazard,
                            hs.len(),
                            codes.join("、")
                        ),
                        format!(
                            "judged {} but the ledger has {} hazards of it ({})",
                            ix.no_hazard,
                            hs.len(),
                            codes.join(", ")
                        ),
                    )
                    .fix(
                        "核实后修改初步判定，或删除误录的隐患",
                        "check and fix the judgement, or remove the hazards entered by mistake",
                    ),
            );
        } else if j == ix.severe_hazard && severe.is_empty() {
            out.push(
                at(t, b, "X004", Severity::Error, "judgement", col, jv)
                    .msg(
                        format!(
                            "初步判定为“{}”，但该房屋的 {} 条隐患中没有{}（{}）",
                            ix.severe_hazard,
                            hs.len(),
                            ix.severe_level,
                            codes.join("、")
                        ),
                        format!(
                            "judged {} but none of its {} hazards is {}",
                            ix.severe_hazard,
                            hs.len(),
                            ix.severe_level
                        ),
                    )
                    .fix(
                        "核实隐患等级或初步判定",
                        "check the hazard levels or the judgement",
                    ),
            );
        } else if j == ix.some_hazard && !severe.is_empty() {
            let sc: Vec<String> = severe.iter().map(|h| h.vals[ix.h_code].display()).collect();
            out.push(
                at(t, b, "X005", Severity::Error, "judgement", col, jv)
                    .msg(
                        format!(
                            "初步判定为“{}”，但台账中有{}（{}）：判定偏轻",
                            ix.some_hazard,
                            ix.severe_level,
                            sc.join("、")
                        ),
                        format!(
                            "judged {} but the ledger has serious hazards ({}): understated",
                            ix.some_hazard,
                            sc.join(", ")
                        ),
                    )
                    .fix(
                        format!("把初步判定改为“{}”并落实停用等管控措施", ix.severe_hazard),
                        format!(
                            "set the judgement to {} and take the building out of use",
                            ix.severe_hazard
                        ),
                    ),
            );
        }
    }
    out
}

fn duplicates(
    t: &Tables,
    recs: &[Record],
    i: usize,
    code: &str,
    field: &str,
    label: &str,
    out: &mut Vec<Finding>,
) {
    let mut groups: HashMap<&str, Vec<&Record>> = HashMap::new();
    for r in recs {
        if let Some(c) = code_of(r, i) {
            groups.entry(c).or_default().push(r);
        }
    }
    let mut dup: Vec<(&str, Vec<&Record>)> =
        groups.into_iter().filter(|(_, v)| v.len() > 1).collect();
    dup.sort_by_key(|(c, _)| *c);
    for (c, rs) in dup {
        for r in &rs {
            let others: Vec<String> = rs
                .iter()
                .filter(|o| !std::ptr::eq(**o, *r))
                .map(|o| place(t, o, o.cols[i]))
                .collect();
            out.push(
                at(t, r, code, Severity::Error, field, r.cols[i], &r.vals[i])
                    .msg(
                        format!("{label} {c} 重复：另见 {}", others.join("；")),
                        format!(
                            "{field} {c} is used more than once: also at {}",
                            others.join("; ")
                        ),
                    )
                    .fix(
                        "核对这几处记录，保留正确的一条，其余改正编码或删除",
                        "check these rows, keep the right one and correct or remove the others",
                    ),
            );
        }
    }
}

fn double_entries(t: &Tables, ix: &Idx, out: &mut Vec<Finding>) {
    let mut groups: HashMap<(String, String), Vec<&Record>> = HashMap::new();
    for b in t.buildings {
        let (Some(id), Some(addr), Some(_)) = (
            code_of(b, ix.b_owner_id),
            code_of(b, ix.b_address),
            code_of(b, ix.b_code),
        ) else {
            continue;
        };
        groups
            .entry((id.to_string(), crate::text::nfkc_nospace(addr)))
            .or_default()
            .push(b);
    }
    for rs in groups.values() {
        let mut codes: Vec<&str> = rs.iter().filter_map(|r| code_of(r, ix.b_code)).collect();
        codes.sort();
        codes.dedup();
        if codes.len() < 2 {
            continue;
        }
        for r in rs {
            let others: Vec<String> = rs
                .iter()
                .filter(|o| code_of(o, ix.b_code) != code_of(r, ix.b_code))
                .map(|o| {
                    format!(
                        "{}（{}）",
                        o.vals[ix.b_code].display(),
                        place(t, o, o.cols[ix.b_code])
                    )
                })
                .collect();
            out.push(
                at(
                    t,
                    r,
                    "B003",
                    Severity::Warning,
                    "owner_id",
                    r.cols[ix.b_owner_id],
                    &r.vals[ix.b_owner_id],
                )
                .msg(
                    format!(
                        "同一户主身份证号和地址还登记在另一个房屋编码下：{}，疑似重复录入",
                        others.join("；")
                    ),
                    format!(
                        "the same owner ID and address are also under {}: suspected double entry",
                        others.join("; ")
                    ),
                )
                .fix(
                    "核实是否为同一栋房屋；若是，删除重复的一条",
                    "check whether it is the same building; if so remove one",
                ),
            );
        }
    }
}

fn county_outliers(t: &Tables, ix: &Idx, out: &mut Vec<Finding>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut n = 0;
    for b in t.buildings {
        if let Some(c) = code_of(b, ix.b_code) {
            if c.len() >= 8 {
                *counts.entry(&c[..8]).or_default() += 1;
                n += 1;
            }
        }
    }
    let Some((&major, &mc)) = counts
        .iter()
        .max_by_key(|(k, v)| (**v, std::cmp::Reverse(**k)))
    else {
        return;
    };
    // Only when one county clearly dominates: the few others are likely typos.
    if n < 10 || (mc as f64) < 0.9 * n as f64 {
        return;
    }
    for b in t.buildings {
        let Some(c) = code_of(b, ix.b_code) else {
            continue;
        };
        if c.len() >= 8 && &c[..8] != major && counts[&c[..8]] * 20 <= n {
            out.push(
                at(t, b, "B004", Severity::Warning, "building_code", b.cols[ix.b_code], &b.vals[ix.b_code])
                    .msg(
                        format!("房屋编码 {c} 的县级区划部分 {} 与本批其他 {mc} 栋房屋的 {major} 不同，疑似录错", &c[..8]),
                        format!("building code {c}: county part {} differs from {major} of {mc} other buildings", &c[..8]),
                    )
                    .fix("对照平台核对房屋编码", "check the code on the platform"),
            );
        }
    }
}

/// What is wrong with a rejected row, in a few words, for the rows held back with it.
pub type Problems<'a> = dyn Fn(&Record) -> String + 'a;

/// Rows held back because a row they stand on was rejected, so that what goes upstream
/// holds together (cleaned.xlsx checked again gives no finding): hazards (X007) and
/// reviews (X008) of a rejected building; a building judged to have hazards whose every
/// hazard row (judged 存在严重安全隐患: every 严重隐患 row) was rejected or held back
/// (X009); repeated until nothing changes. Marks
/// the rows rejected and returns the findings.
pub fn hold_back(
    tables: &mut [Vec<Record>; 3],
    ix: &Idx,
    files: &[String],
    problems: &Problems<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // Buildings rejected for their own errors: those whose rows are held back with them.
    // (A building held back here does not pass it on: the sample township's key wants a
    // building's clean hazards kept when the building is held back for its judgement.)
    let own: Vec<bool> = tables[0].iter().map(|b| b.rejected).collect();
    loop {
        let [buildings, hazards, reviews] = &*tables;
        let t = Tables {
            buildings,
            hazards,
            reviews,
            files,
        };
        let (mut ok, mut rejected): (HashMap<&str, usize>, HashMap<&str, usize>) =
            (HashMap::new(), HashMap::new());
        for (i, b) in buildings.iter().enumerate() {
            if let Some(c) = code_of(b, ix.b_code) {
                if own[i] {
                    rejected.entry(c).or_insert(i);
                } else if !b.rejected {
                    ok.insert(c, i);
                }
            }
        }
        let mut hold: [Vec<usize>; 3] = Default::default();
        let parent_gone = |r: &Record, i: usize| -> Option<usize> {
            let c = code_of(r, i)?;
            (!r.rejected && !ok.contains_key(c))
                .then(|| rejected.get(c).copied())
                .flatten()
        };
        for (k, (recs, field, code, whose)) in [
            (hazards, ix.h_building, "X007", ("隐患", "hazard")),
            (reviews, ix.r_building, "X008", ("复核记录", "review")),
        ]
        .into_iter()
        .enumerate()
        {
            for (i, r) in recs.iter().enumerate() {
                let Some(p) = parent_gone(r, field) else {
                    continue;
                };
                let b = &buildings[p];
                let c = r.vals[field].display();
                let why = problems(b);
                out.push(
                    at(
                        &t,
                        r,
                        code,
                        Severity::Error,
                        "building_code",
                        r.cols[field],
                        &r.vals[field],
                    )
                    .msg(
                        format!(
                            "所属房屋 {c} 的房屋信息未通过校验（{}：{why}），本{}随之暂不上报",
                            place(&t, b, None),
                            whose.0
                        ),
                        format!(
                            "building {c} was rejected ({why}); this {} is held back with it",
                            whose.1
                        ),
                    )
                    .fix(
                        "先改正该房屋信息行的问题；改正后本行随之上报，无需改动本行",
                        "fix the building's row first; this row then goes up with it unchanged",
                    ),
                );
                hold[k + 1].push(i);
            }
        }
        // Judged severe, and no 严重隐患 row of it is left. (A building judged to have
        // hazards whose every hazard row was rejected goes up: the sample key wants it.)
        let held: std::collections::HashSet<usize> = hold[1].iter().copied().collect();
        // Per building: its severe rows, and whether any is left.
        let mut of: HashMap<&str, (Vec<usize>, bool)> = HashMap::new();
        for (i, h) in hazards.iter().enumerate() {
            if !h.vals[ix.h_level].matches(&ix.severe_level) {
                continue;
            }
            if let Some(c) = code_of(h, ix.h_building) {
                let e = of.entry(c).or_default();
                e.0.push(i);
                e.1 |= !h.rejected && !held.contains(&i);
            }
        }
        for (i, b) in buildings.iter().enumerate() {
            let Some(c) = code_of(b, ix.b_code) else {
                continue;
            };
            let jv = &b.vals[ix.b_judgement];
            if b.rejected || b.bad[ix.b_judgement] {
                continue;
            }
            let Some((severe, severe_left)) = of.get(c) else {
                continue;
            };
            if !jv.matches(&ix.severe_hazard) || *severe_left {
                continue;
            }
            let why: Vec<String> = severe
                .iter()
                .map(|&h| {
                    let h = &hazards[h];
                    format!("{}（{}）", h.vals[ix.h_code].display(), problems(h))
                })
                .collect();
            let j = jv.display();
            out.push(
                at(&t, b, "X009", Severity::Error, "judgement", b.cols[ix.b_judgement], jv)
                    .msg(
                        format!("初步判定为“{j}”，但该房屋的严重隐患记录都未通过校验：{}；判定失去依据，本房屋暂不上报", why.join("；")),
                        format!("judged {j} but every serious hazard row of it was rejected: {}; the building is held back", why.join("; ")),
                    )
                    .fix(
                        "先改正隐患台账中这些隐患行的问题；改正后本房屋随之上报",
                        "fix those hazard rows first; the building then goes up with them",
                    ),
            );
            hold[0].push(i);
        }
        if hold.iter().all(Vec::is_empty) {
            return out;
        }
        for (recs, idx) in tables.iter_mut().zip(&hold) {
            for &i in idx {
                recs[i].rejected = true;
            }
        }
    }
}
