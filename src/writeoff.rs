//! Write-off (销号) proposals, SPEC §5. The tool never changes a recorded judgement; it
//! proposes `misentry` (latest 回头看 review says 未发现安全隐患), `suspected_misentry` (a
//! hazard judgement with no hazard row and no review) and `rectified` (a hazard 已整治
//! with a done date, not yet 已销号), each with evidence a clerk can paste.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::model::Record;
use crate::rules::cross::{Idx, Tables};
use crate::schema::{Schemas, TableKind, TableSchema};

pub use crate::model::{Proposal, Reason};

/// The latest accepted review of each building code: latest date, then the later row read.
pub fn latest_reviews<'a>(reviews: &'a [Record], ix: &Idx) -> HashMap<&'a str, &'a Record> {
    let mut m: HashMap<&str, &Record> = HashMap::new();
    for r in reviews.iter().filter(|r| !r.rejected) {
        let (Some(c), Some(d)) = (r.vals[ix.r_building].as_str(), r.vals[ix.r_date].as_date())
        else {
            continue;
        };
        match m.get(c) {
            Some(prev) if prev.vals[ix.r_date].as_date().is_some_and(|p| p > d) => {}
            _ => {
                m.insert(c, r);
            }
        }
    }
    m
}

/// A schema's evidence template filled from a row: `{field}` from `rec`, `{review.field}`
/// from the review (see `schema::roles::WriteoffText`).
pub fn render(
    template: &str,
    rec: &Record,
    schema: &TableSchema,
    review: Option<(&Record, &TableSchema)>,
) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let name = &rest[i + 1..i + j];
        let (r, s, key) = match (name.strip_prefix("review."), review) {
            (Some(k), Some((r, s))) => (r, s, k),
            _ => (rec, schema, name),
        };
        if let Some(f) = s.field_index(key) {
            out.push_str(&r.vals[f].display());
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

pub fn propose(t: &Tables, ix: &Idx, schemas: &Schemas) -> Vec<Proposal> {
    let (bs, hs, rs) = (
        schemas.table(TableKind::Buildings),
        schemas.table(TableKind::Hazards),
        schemas.table(TableKind::Reviews),
    );
    let text = |s: &'_ TableSchema, reason: Reason| -> String {
        s.writeoffs
            .get(reason.as_str())
            .map(|w| w.evidence.clone())
            .unwrap_or_default()
    };
    let (t_mis, t_sus, t_rect) = (
        text(bs, Reason::Misentry),
        text(bs, Reason::SuspectedMisentry),
        text(hs, Reason::Rectified),
    );
    let latest = latest_reviews(t.reviews, ix);
    let mut has_hazard: HashMap<&str, usize> = HashMap::new();
    for h in t.hazards {
        if let Some(c) = h.vals[ix.h_building].as_str() {
            *has_hazard.entry(c).or_default() += 1;
        }
    }
    let mut has_review: HashMap<&str, usize> = HashMap::new();
    for r in t.reviews {
        if let Some(c) = r.vals[ix.r_building].as_str() {
            *has_review.entry(c).or_default() += 1;
        }
    }
    let mut village_of: HashMap<&str, &str> = HashMap::new();
    for b in t.buildings.iter().filter(|b| !b.rejected) {
        village_of.insert(b.text(ix.b_code), b.text(ix.b_village));
    }
    // Each building and each hazard is judged on its own: on every core.
    let for_building = |b: &Record| -> Option<Proposal> {
        let code = b.text(ix.b_code);
        let j = b.vals[ix.b_judgement].display();
        if j.is_empty() || j == ix.no_hazard {
            return None;
        }
        // A proposal about this building row.
        let proposal = |reason, evidence| Proposal {
            reason,
            building_code: code.to_string(),
            hazard_code: String::new(),
            village: b.text(ix.b_village).to_string(),
            file: b.file,
            sheet: b.sheet.to_string(),
            row: b.row,
            evidence,
        };
        if let Some(r) = latest.get(code) {
            if r.vals[ix.r_judgement].display() == ix.review_no_hazard {
                return Some(proposal(
                    Reason::Misentry,
                    render(&t_mis, b, bs, Some((r, rs))),
                ));
            }
        }
        if has_hazard.contains_key(code) || has_review.contains_key(code) {
            return None;
        }
        Some(proposal(
            Reason::SuspectedMisentry,
            render(&t_sus, b, bs, None),
        ))
    };
    let for_hazard = |h: &Record| -> Option<Proposal> {
        let done = h.vals[ix.h_done].as_date();
        if !h.vals[ix.h_status].matches(&ix.rectified)
            || done.is_none()
            || h.vals[ix.h_writeoff].matches(&ix.written_off)
        {
            return None;
        }
        let bcode = h.text(ix.h_building);
        Some(Proposal {
            reason: Reason::Rectified,
            building_code: bcode.to_string(),
            hazard_code: h.text(ix.h_code).to_string(),
            village: village_of
                .get(bcode)
                .map(|s| s.to_string())
                .unwrap_or_default(),
            file: h.file,
            sheet: h.sheet.to_string(),
            row: h.row,
            evidence: render(&t_rect, h, hs, None),
        })
    };
    let mut out: Vec<Proposal> = t
        .buildings
        .par_iter()
        .filter(|b| !b.rejected)
        .filter_map(for_building)
        .collect();
    out.par_extend(
        t.hazards
            .par_iter()
            .filter(|h| !h.rejected)
            .filter_map(for_hazard),
    );
    out.par_sort_by(|a, b| {
        (a.reason, &a.building_code, &a.hazard_code).cmp(&(
            b.reason,
            &b.building_code,
            &b.hazard_code,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::Val;

    #[test]
    fn a_template_is_filled_from_the_row_and_its_review() {
        let s = Schemas::shipped().unwrap();
        let (b, r) = (s.table(TableKind::Buildings), s.table(TableKind::Reviews));
        let rec = |t: &TableSchema, vals: &[(&str, &str)]| -> Record {
            let mut v = vec![Val::Empty; t.fields.len()];
            for (k, x) in vals {
                v[t.field_index(k).unwrap()] = Val::Text((*x).into());
            }
            Record {
                table: t.kind(),
                file: 0,
                sheet: "".into(),
                row: 0,
                bad: vec![false; v.len()],
                cols: vec![None; v.len()].into(),
                vals: v,
                rejected: false,
            }
        };
        let house = rec(b, &[("building_code", "YH1"), ("owner", "张三")]);
        let review = rec(r, &[("reviewer", "赵六")]);
        assert_eq!(
            render(
                "房屋{building_code}户主{owner}，复核人{review.reviewer}{missing}。",
                &house,
                b,
                Some((&review, r))
            ),
            "房屋YH1户主张三，复核人赵六。"
        );
        assert_eq!(render("{unclosed", &house, b, None), "{unclosed");
    }
}
