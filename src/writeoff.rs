//! Write-off (销号) proposals, SPEC §5, as the campaign declares them (`[[writeoffs]]`).
//! The tool never changes a recorded value; it proposes, for each accepted row, the first
//! reason of its table that fits — its conditions hold, the latest row referring to it
//! meets `latest`, no row of `none_of` names it — with the evidence sentence a clerk
//! pastes, filled from the row (and that latest row).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::model::Record;
use crate::rules::cross::Tables;
use crate::schema::campaign::WriteoffRule;
use crate::schema::TableSchema;

pub use crate::model::Proposal;

/// The latest accepted child row of each parent code through a reference: latest `by`
/// date, then the later row read.
fn latest_rows(rows: &[Record], code: usize, by: usize) -> HashMap<&str, &Record> {
    let mut m: HashMap<&str, &Record> = HashMap::new();
    for r in rows.iter().filter(|r| !r.rejected) {
        let (Some(c), Some(d)) = (r.vals[code].as_str(), r.vals[by].as_date()) else {
            continue;
        };
        match m.get(c) {
            Some(prev) if prev.vals[by].as_date().is_some_and(|p| p > d) => {}
            _ => {
                m.insert(c, r);
            }
        }
    }
    m
}

/// A schema's evidence template filled from a row: `{field}` from `rec`, `{table.field}`
/// from `other`, a row of that table.
pub fn render(
    template: &str,
    rec: &Record,
    schema: &TableSchema,
    other: Option<(&Record, &TableSchema)>,
) -> String {
    crate::text::fill_braces(template, |name, out| {
        let (r, s, key) = match (name.split_once('.'), other) {
            (Some((t, k)), Some((r, s))) if s.table.key == t => (r, s, k),
            _ => (rec, schema, name),
        };
        if let Some(f) = s.field_index(key) {
            out.push_str(&r.vals[f].display());
        }
        true
    })
}

/// What one write-off rule needs at hand: its latest rows and the codes `none_of` names.
struct Ready<'a> {
    rule: &'a WriteoffRule,
    latest: Option<(HashMap<&'a str, &'a Record>, &'a TableSchema)>,
    named: Vec<std::collections::HashSet<&'a str>>,
}

/// Proposes write-offs (销号): each accepted row gets the first of its table's reasons whose
/// conditions hold, with its evidence sentence.
pub fn propose(t: &Tables) -> Vec<Proposal> {
    let s = t.schemas;
    let c = &s.campaign;
    let refs = &c.references;
    let main = c.main();
    let ms = s.table(main);
    let main_id = ms.table.identity.first().and_then(|k| ms.field_index(k));
    let village = ms.field_index(&c.campaign.village);
    let mut village_of: HashMap<&str, &str> = HashMap::new();
    if let (Some(id), Some(v)) = (main_id, village) {
        for b in t.tables[main.index()].iter().filter(|b| !b.rejected) {
            village_of.insert(b.text(id), b.text(v));
        }
    }
    let ready: Vec<Ready> = c
        .writeoffs
        .iter()
        .map(|w| Ready {
            rule: w,
            latest: w.ix.latest.map(|(r, by)| {
                let rx = refs[r].ix;
                (
                    latest_rows(&t.tables[rx.child.index()], rx.child_field, by),
                    s.table(rx.child),
                )
            }),
            named: w
                .ix
                .none_of
                .iter()
                .map(|&r| {
                    let rx = refs[r].ix;
                    t.tables[rx.child.index()]
                        .iter()
                        .filter_map(|h| h.vals[rx.child_field].as_str())
                        .collect()
                })
                .collect(),
        })
        .collect();
    let mut out: Vec<Proposal> = Vec::new();
    for tid in s.ids() {
        let ts = s.table(tid);
        let rules: Vec<(usize, &Ready)> = ready
            .iter()
            .enumerate()
            .filter(|(_, r)| r.rule.ix.table == tid)
            .collect();
        if rules.is_empty() {
            continue;
        }
        let own_id = ts.table.identity.first().and_then(|k| ts.field_index(k));
        // The code of this row's parent, for a row of a table referring to the main one.
        let up = c.to_main(tid).map(|rx| rx.child_field);
        // Each row is judged on its own: on every core.
        let for_row = |r: &Record| -> Option<Proposal> {
            let code = own_id.map(|i| r.text(i)).unwrap_or("");
            let (rule, ready, other) = rules.iter().find_map(|(k, rd)| {
                if !rd.rule.when.iter().all(|cd| r.holds(ts, cd) == Some(true)) {
                    return None;
                }
                let other = match &rd.latest {
                    Some((latest, ls)) => {
                        let l = latest.get(code)?;
                        let ok = rd
                            .rule
                            .latest
                            .as_ref()?
                            .when
                            .iter()
                            .all(|cd| l.holds(ls, cd) == Some(true));
                        if !ok {
                            return None;
                        }
                        Some((*l, *ls))
                    }
                    None => None,
                };
                if rd.named.iter().any(|n| n.contains(code)) {
                    return None;
                }
                Some((*k, *rd, other))
            })?;
            let (main_code, item_code) = if tid == main {
                (code.to_string(), String::new())
            } else {
                (
                    up.map(|i| r.text(i)).unwrap_or("").to_string(),
                    code.to_string(),
                )
            };
            let v = if tid == main {
                village.map(|i| r.text(i)).unwrap_or("").to_string()
            } else {
                village_of
                    .get(main_code.as_str())
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            };
            Some(Proposal {
                reason: ready.rule.reason.clone(),
                rule,
                table: tid,
                main_code,
                item_code,
                village: v,
                file: r.file,
                sheet: r.sheet.to_string(),
                row: r.row,
                evidence: render(&ready.rule.evidence, r, ts, other),
            })
        };
        out.par_extend(
            t.tables[tid.index()]
                .par_iter()
                .filter(|r| !r.rejected)
                .filter_map(for_row),
        );
    }
    out.par_sort_by(|a, b| {
        (a.rule, &a.main_code, &a.item_code).cmp(&(b.rule, &b.main_code, &b.item_code))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::Val;

    #[test]
    fn a_template_is_filled_from_the_row_and_its_review() {
        let s = crate::schema::Schemas::shipped().unwrap();
        let (b, r) = (
            s.table(s.id("buildings").unwrap()),
            s.table(s.id("reviews").unwrap()),
        );
        let rec = |t: &TableSchema, vals: &[(&str, &str)]| -> Record {
            let mut v = vec![Val::Empty; t.fields.len()];
            for (k, x) in vals {
                v[t.field_index(k).unwrap()] = Val::Text((*x).into());
            }
            Record {
                table: t.id,
                file: 0,
                sheet: "".into(),
                row: 0,
                bad: vec![false; v.len()],
                cols: vec![None; v.len()].into(),
                vals: v,
                rejected: false,
                held: false,
            }
        };
        let house = rec(b, &[("building_code", "YH1"), ("owner", "张三")]);
        let review = rec(r, &[("reviewer", "赵六")]);
        assert_eq!(
            render(
                "房屋{building_code}户主{owner}，复核人{reviews.reviewer}{missing}。",
                &house,
                b,
                Some((&review, r))
            ),
            "房屋YH1户主张三，复核人赵六。"
        );
        assert_eq!(render("{unclosed", &house, b, None), "{unclosed");
    }
}
