//! The parts the engine's cross-table checks, write-offs and tallies need each table to
//! play, declared by the table's schema: which field plays each role (`[roles]`: the
//! judgement, the hazard level …) and which of its values mean what (`[role_values]`: a
//! hazard judgement that is severe, a status that is rectified …). The engine names the
//! roles; the schemas say which words fill them, so a copy that renames a field or a value
//! only has to say so here. The loader checks every role (`check`), and `Idx` resolves
//! them once per run.

use std::collections::BTreeMap;

use super::{Schemas, TableKind, TableSchema};

/// A write-off reason's words: what a clerk calls it, and the evidence sentence, whose
/// `{field}` (and, for a building, `{review.field}`) are filled from the rows.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteoffText {
    pub label: String,
    pub evidence: String,
}

/// The write-off reasons the engine proposes about each table's rows.
fn reasons(kind: TableKind) -> &'static [&'static str] {
    match kind {
        TableKind::Buildings => &["misentry", "suspected_misentry"],
        TableKind::Hazards => &["rectified"],
        TableKind::Reviews => &[],
    }
}

/// The `{…}` placeholders of a template.
pub fn placeholders(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(&rest[i + 1..i + j]);
        rest = &rest[i + j + 1..];
    }
    out
}

/// Check a table's write-off texts against its fields (and `review.` ones against the
/// reviews table's).
pub fn check_writeoffs(
    t: &TableSchema,
    kind: TableKind,
    reviews: &TableSchema,
) -> Result<(), String> {
    let want = reasons(kind);
    for r in want {
        if !t.writeoffs.contains_key(*r) {
            return Err(format!("[writeoffs.{r}] is missing (label and evidence)"));
        }
    }
    for (r, w) in &t.writeoffs {
        if !want.contains(&r.as_str()) {
            return Err(format!(
                "[writeoffs.{r}]: not a reason proposed about this table ({})",
                want.join(", ")
            ));
        }
        for p in placeholders(&w.evidence) {
            let ok = match p.strip_prefix("review.") {
                Some(f) => kind == TableKind::Buildings && reviews.field_index(f).is_some(),
                None => t.field_index(p).is_some(),
            };
            if !ok {
                return Err(format!("[writeoffs.{r}] evidence: {{{p}}} names no field"));
            }
        }
    }
    Ok(())
}

/// The field roles each table must fill, and its value roles with the field role whose
/// values they come from.
fn wanted(
    kind: TableKind,
) -> (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
) {
    match kind {
        TableKind::Buildings => (
            &[
                "code",
                "village",
                "address",
                "owner",
                "owner_id",
                "use",
                "survey_date",
                "judgement",
            ],
            &[
                ("no_hazard", "judgement"),
                ("some_hazard", "judgement"),
                ("severe_hazard", "judgement"),
                ("commercial", "use"),
            ],
        ),
        TableKind::Hazards => (
            &[
                "code",
                "building",
                "level",
                "measure",
                "status",
                "done_date",
                "writeoff",
            ],
            &[
                ("severe", "level"),
                ("unrectified", "status"),
                ("rectifying", "status"),
                ("rectified", "status"),
                ("written_off", "writeoff"),
            ],
        ),
        TableKind::Reviews => (
            &["building", "date", "reviewer", "judgement"],
            &[("no_hazard", "judgement")],
        ),
    }
}

/// Check a table's roles: every role filled by a field the table has, every value role
/// by values of that field. The error names the entry.
pub fn check(t: &TableSchema, kind: TableKind) -> Result<(), String> {
    let (fields, values) = wanted(kind);
    for role in fields {
        let Some(key) = t.roles.get(*role) else {
            return Err(format!("[roles] has no {role} (the field that plays it)"));
        };
        if t.field_index(key).is_none() {
            return Err(format!(
                "[roles] {role} = {key:?}: the table has no such field"
            ));
        }
    }
    for role in t.roles.keys() {
        if !fields.contains(&role.as_str()) {
            return Err(format!(
                "[roles] {role}: not a role of this table (roles: {})",
                fields.join(", ")
            ));
        }
    }
    for (role, of) in values {
        let Some(vals) = t.role_values.get(*role).filter(|v| !v.is_empty()) else {
            return Err(format!("[role_values] has no {role}"));
        };
        let field = &t.fields[t.field_index(&t.roles[*of]).unwrap_or(0)];
        for v in vals {
            if !field.values.is_empty() && !field.values.contains(v) {
                return Err(format!(
                    "[role_values] {role} = {v:?}: not a value of {} ({})",
                    field.key,
                    field.values.join("、")
                ));
            }
        }
    }
    for role in t.role_values.keys() {
        if !values.iter().any(|(r, _)| r == role) {
            return Err(format!(
                "[role_values] {role}: not a value role of this table"
            ));
        }
    }
    Ok(())
}

/// The roles resolved: field indexes, and the values that mean something to the engine.
#[derive(Debug, Clone)]
pub struct Idx {
    pub b_code: usize,
    pub b_village: usize,
    pub b_address: usize,
    pub b_owner: usize,
    pub b_owner_id: usize,
    pub b_use: usize,
    pub b_survey: usize,
    pub b_judgement: usize,
    pub h_code: usize,
    pub h_building: usize,
    pub h_level: usize,
    pub h_measure: usize,
    pub h_status: usize,
    pub h_done: usize,
    pub h_writeoff: usize,
    pub r_building: usize,
    pub r_date: usize,
    pub r_reviewer: usize,
    pub r_judgement: usize,
    /// A building's judgements: no hazard, some, severe.
    pub no_hazard: String,
    pub some_hazard: String,
    pub severe_hazard: String,
    /// Uses that make a building commercial (经营性 …).
    pub commercial: Vec<String>,
    /// The hazard level that is severe.
    pub severe_level: String,
    /// Hazard statuses.
    pub unrectified: String,
    pub rectifying: String,
    pub rectified: String,
    /// The write-off status of a hazard written off.
    pub written_off: String,
    /// A review's judgement that finds no hazard.
    pub review_no_hazard: String,
}

impl Idx {
    /// The roles of loaded schemas (checked by the loader, so None only for schemas built
    /// by hand without them).
    pub fn new(s: &Schemas) -> Option<Idx> {
        let b = s.table(TableKind::Buildings);
        let h = s.table(TableKind::Hazards);
        let r = s.table(TableKind::Reviews);
        let f = |t: &TableSchema, role: &str| t.field_index(t.roles.get(role)?);
        let v = |t: &TableSchema, role: &str| t.role_values.get(role)?.first().cloned();
        Some(Idx {
            b_code: f(b, "code")?,
            b_village: f(b, "village")?,
            b_address: f(b, "address")?,
            b_owner: f(b, "owner")?,
            b_owner_id: f(b, "owner_id")?,
            b_use: f(b, "use")?,
            b_survey: f(b, "survey_date")?,
            b_judgement: f(b, "judgement")?,
            h_code: f(h, "code")?,
            h_building: f(h, "building")?,
            h_level: f(h, "level")?,
            h_measure: f(h, "measure")?,
            h_status: f(h, "status")?,
            h_done: f(h, "done_date")?,
            h_writeoff: f(h, "writeoff")?,
            r_building: f(r, "building")?,
            r_date: f(r, "date")?,
            r_reviewer: f(r, "reviewer")?,
            r_judgement: f(r, "judgement")?,
            no_hazard: v(b, "no_hazard")?,
            some_hazard: v(b, "some_hazard")?,
            severe_hazard: v(b, "severe_hazard")?,
            commercial: b.role_values.get("commercial")?.clone(),
            severe_level: v(h, "severe")?,
            unrectified: v(h, "unrectified")?,
            rectifying: v(h, "rectifying")?,
            rectified: v(h, "rectified")?,
            written_off: v(h, "written_off")?,
            review_no_hazard: v(r, "no_hazard")?,
        })
    }
}

/// The declared roles of a table, as the schema file holds them.
pub type RoleMap = BTreeMap<String, String>;
/// The declared value roles of a table.
pub type RoleValues = BTreeMap<String, Vec<String>>;
