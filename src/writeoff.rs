//! Write-off (销号) proposals, SPEC §5. The tool never changes a recorded judgement; it
//! proposes `misentry` (latest 回头看 review says 未发现安全隐患), `suspected_misentry` (a
//! hazard judgement with no hazard row and no review) and `rectified` (a hazard 已整治
//! with a done date, not yet 已销号), each with evidence a clerk can paste.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::model::Record;
use crate::rules::cross::{Idx, Tables};

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

pub fn propose(t: &Tables, ix: &Idx) -> Vec<Proposal> {
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
        let who = format!(
            "{}（{}，户主{}）",
            code,
            b.text(ix.b_address),
            b.text(ix.b_owner)
        );
        if let Some(r) = latest.get(code) {
            if r.vals[ix.r_judgement].display() == ix.review_no_hazard {
                let date = r.vals[ix.r_date].display();
                let reviewer = r.text(ix.r_reviewer);
                return Some(proposal(
                    Reason::Misentry,
                    format!(
                        "房屋{who}初步判定录为“{j}”，{date}“回头看”复核（复核人：{reviewer}）结果为“未发现安全隐患”，房屋实际无安全隐患，系村干操作失误录入错误，申请销号"
                    ),
                ));
            }
        }
        if has_hazard.contains_key(code) || has_review.contains_key(code) {
            return None;
        }
        Some(proposal(
            Reason::SuspectedMisentry,
            format!(
                "房屋{who}初步判定为“{j}”，但隐患台账中没有该房屋的隐患，也没有“回头看”复核记录，疑似录入错误；请组织复核后再决定是否申请销号"
            ),
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
        let done = done.map(|d| d.to_string()).unwrap_or_default();
        Some(Proposal {
            reason: Reason::Rectified,
            building_code: bcode.to_string(),
            hazard_code: h.text(ix.h_code).to_string(),
            village: village_of.get(bcode).map(|s| s.to_string()).unwrap_or_default(),
            file: h.file,
            sheet: h.sheet.to_string(),
            row: h.row,
            evidence: format!(
                "隐患{}（房屋{}）已整治，整治措施：{}，完成日期：{}，当前销号状态：{}，符合整治完成销号条件",
                h.text(ix.h_code),
                bcode,
                h.vals[ix.h_measure].display(),
                done,
                h.vals[ix.h_writeoff].display()
            ),
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
