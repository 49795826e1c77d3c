//! Write-off (销号) proposals, SPEC §5, as the campaign declares them (`[[writeoffs]]`).
//! The tool never changes a recorded value; it proposes, for each accepted row, the first
//! reason of its table that fits — its conditions hold, the latest row referring to it
//! meets `latest`, no row of `none_of` names it — with the evidence sentence a clerk
//! pastes, filled from the row (and that latest row).

use rayon::prelude::*;

use crate::byfield::{ByField, MainCodes, Picks};

use crate::keyrow::KeyRow;
use crate::model::Tables;
use crate::schema::campaign::WriteoffRule;
use crate::schema::{Cond, Schemas, TableId, TableSchema};

pub use crate::model::{Evidence, Proposal};

/// The latest accepted child row of each parent code (its `code` field) through a
/// reference: latest `date_field` date, then the later row read.
fn latest_rows(rows: &[KeyRow], code: usize, date_field: usize) -> ByField<'_> {
    let mut latest = ByField::new(rows, code);
    for (at, row) in rows.iter().enumerate().filter(|(_, r)| !r.rejected) {
        let (Some(_), Some(date)) = (row.get(code).as_str(), row.get(date_field).as_date()) else {
            continue;
        };
        latest.put(at as u32, |prev| {
            rows[prev as usize]
                .get(date_field)
                .as_date()
                .is_none_or(|p| p <= date)
        });
    }
    latest
}

/// How each write-off rule's evidence sentence is filled (`model::Evidence`): `{field}`
/// from the proposal's row, `{table.field}` from the latest row of that table the rule
/// looks at; a name that is neither is left empty.
pub fn evidence(schemas: &Schemas) -> Vec<Evidence> {
    let refs = &schemas.campaign.references;
    schemas
        .campaign
        .writeoffs
        .iter()
        .map(|rule| {
            let schema = schemas.table(rule.ix.table);
            let other = rule
                .ix
                .latest
                .and_then(|(r, _)| refs.get(r))
                .map(|r| r.ix.child);
            let names = crate::text::brace_names(&rule.evidence)
                .into_iter()
                .map(|name| {
                    let on_other = match (name.split_once('.'), other) {
                        (Some((table, key)), Some(o)) if schemas.table(o).table.key == table => {
                            Some(schemas.table(o).field_index(key))
                        }
                        _ => None,
                    };
                    match on_other {
                        Some(field) => (name.to_string(), true, field),
                        None => (name.to_string(), false, schema.field_index(name)),
                    }
                })
                .collect();
            Evidence {
                template: rule.evidence.clone(),
                other_table: other,
                names,
            }
        })
        .collect()
}

/// What one write-off rule needs at hand: its latest rows and the codes `none_of` names.
struct Ready<'a> {
    rule: &'a WriteoffRule,
    /// The latest rows (their positions, by the code they name), their table and schema.
    latest: Option<(ByField<'a>, &'a TableSchema)>,
    /// Per `none_of` reference: its child rows by the code they name.
    named: Vec<ByField<'a>>,
}

impl<'a> Ready<'a> {
    /// Gathers a rule's latest rows (`latest`) and the codes its `none_of` tables name.
    fn new(rule: &'a WriteoffRule, tables: &Tables<'a>, schemas: &'a Schemas) -> Ready<'a> {
        let refs = &schemas.campaign.references;
        Ready {
            rule,
            latest: rule.ix.latest.map(|(reference, date_field)| {
                let link = refs[reference].ix;
                let rows = &tables.tables[link.child.index()];
                (
                    latest_rows(rows, link.child_field, date_field),
                    schemas.table(link.child),
                )
            }),
            named: rule
                .ix
                .none_of
                .iter()
                .map(|&reference| {
                    let link = refs[reference].ix;
                    let rows = &tables.tables[link.child.index()];
                    let mut named = ByField::new(rows, link.child_field);
                    for (at, row) in rows.iter().enumerate() {
                        if row.get(link.child_field).as_str().is_some() {
                            named.put(at as u32, |_| false);
                        }
                    }
                    named
                })
                .collect(),
        }
    }

    /// Whether the rule fits a row (of `schema`, identified by `code`): its conditions
    /// hold, its latest row meets `latest`, no `none_of` row names it. When it fits, the
    /// position of the latest row it looked at, if any, for the evidence.
    fn fits(&self, row: &KeyRow, schema: &TableSchema, code: &str) -> Option<Option<u32>> {
        if !Cond::all_hold(&self.rule.when, schema, row) {
            return None;
        }
        let other = match &self.latest {
            Some((latest, latest_schema)) => {
                let at = latest.get(code)?;
                let when = &self.rule.latest.as_ref()?.when;
                if !Cond::all_hold(when, latest_schema, &latest.rows()[at as usize]) {
                    return None;
                }
                Some(at)
            }
            None => None,
        };
        if self.named.iter().any(|n| n.contains(code)) {
            return None;
        }
        Some(other)
    }
}

/// Proposes write-offs (销号): each accepted row gets the first of its table's reasons whose
/// conditions hold, with the rows its evidence sentence is filled from (`evidence`); a row
/// of another table in the village of its main code's last accepted row (`main_codes`, the
/// run's main rows by code; None: no village).
pub fn propose<'a>(
    tables: &Tables<'a>,
    schemas: &'a Schemas,
    main_codes: Option<&'a MainCodes<'a>>,
) -> Vec<Proposal> {
    let campaign = &schemas.campaign;
    let main = campaign.main();
    let village_field = schemas.table(main).field_index(&campaign.campaign.village);
    // Rows of other tables take their village from their main row's code.
    let others = campaign.writeoffs.iter().any(|w| w.ix.table != main);
    let village_of = main_codes.filter(|_| others);
    let picks = village_of.map(|codes| codes.picks(|of| last_accepted(codes, of)));
    let village_of = village_of.zip(picks.as_ref());
    let ready: Vec<Ready> = campaign
        .writeoffs
        .iter()
        .map(|rule| Ready::new(rule, tables, schemas))
        .collect();
    let proposers: Vec<TableProposer> = schemas
        .ids()
        .map(|table| {
            let schema = schemas.table(table);
            TableProposer {
                table,
                schema,
                is_main: table == main,
                rules: ready
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.rule.ix.table == table)
                    .collect(),
                own_id: schema.identity_field(),
                parent_field: campaign.to_main(table).map(|link| link.child_field),
                village_field,
                village_of,
                rows: &tables.tables[table.index()],
            }
        })
        .collect();
    // Each row is judged on its own, on every core; the few bytes of each judgement are
    // put in order, then each becomes its proposal in its place (no list of proposals is
    // ever copied: a province makes millions).
    let mut judged: Vec<Judged> = Vec::new();
    for proposer in proposers.iter().filter(|p| !p.rules.is_empty()) {
        judged.par_extend(
            proposer
                .rows
                .par_iter()
                .enumerate()
                .filter(|(_, r)| !r.rejected)
                .filter_map(|(at, r)| proposer.judge(r, at as u32)),
        );
    }
    judged.par_sort_unstable_by(|a, b| {
        let (pa, pb) = (&proposers[a.table.index()], &proposers[b.table.index()]);
        (a.rule, pa.codes(a.at), a.table, a.at).cmp(&(b.rule, pb.codes(b.at), b.table, b.at))
    });
    let mut out: Vec<Proposal> = Vec::with_capacity(judged.len());
    out.par_extend(
        judged
            .par_iter()
            .map(|j| proposers[j.table.index()].proposal(j)),
    );
    out
}

/// A row a write-off rule fits: the rule (its place among the campaign's), the row's
/// table and position, and the latest row the rule looked at.
#[derive(Debug, Clone, Copy)]
struct Judged {
    rule: u32,
    table: TableId,
    at: u32,
    other: Option<u32>,
}

/// The last accepted of a code's main rows `of`.
fn last_accepted(codes: &MainCodes, of: crate::byfield::Rows<'_>) -> Option<usize> {
    let rows = codes.rows();
    of.iter().rev().find(|&at| !rows[at].rejected)
}

/// One table's rows judged against its write-off rules.
struct TableProposer<'a> {
    table: TableId,
    schema: &'a TableSchema,
    /// The table is the campaign's main one.
    is_main: bool,
    /// The table's rules, with their place among the campaign's write-offs.
    rules: Vec<(usize, &'a Ready<'a>)>,
    /// The table's own code field.
    own_id: Option<usize>,
    /// The code of this row's parent, for a row of a table referring to the main one.
    parent_field: Option<usize>,
    /// The main table's village field.
    village_field: Option<usize>,
    /// The main rows by code, with the last accepted row of each code of several rows
    /// chosen once: that row's village field is read.
    village_of: Option<(&'a MainCodes<'a>, &'a Picks)>,
    /// The table's rows.
    rows: &'a [KeyRow],
}

impl TableProposer<'_> {
    /// The first of its table's rules that fits an accepted row (at position `at` in its
    /// table), with the latest row the rule looked at.
    fn judge(&self, row: &KeyRow, at: u32) -> Option<Judged> {
        let code = self.own_id.map(|i| row.text(i)).unwrap_or("");
        self.rules.iter().find_map(|(k, ready)| {
            let other = ready.fits(row, self.schema, code)?;
            Some(Judged {
                rule: *k as u32,
                table: self.table,
                at,
                other,
            })
        })
    }

    /// The main code and the row's own code (empty for a main row) of row `at`.
    fn codes(&self, at: u32) -> (&str, &str) {
        let row = &self.rows[at as usize];
        let code = self.own_id.map(|i| row.text(i)).unwrap_or("");
        match self.is_main {
            true => (code, ""),
            false => (self.parent_field.map(|i| row.text(i)).unwrap_or(""), code),
        }
    }

    /// A judged row's proposal: the reason, the codes, the village and where it is.
    fn proposal(&self, judged: &Judged) -> Proposal {
        let row = &self.rows[judged.at as usize];
        let rule = judged.rule as usize;
        let ready = self.rules.iter().find(|(k, _)| *k == rule).map(|(_, r)| r);
        let (main_code, item_code) = self.codes(judged.at);
        let village = if self.is_main {
            self.village_field.map(|i| row.text(i)).unwrap_or("")
        } else {
            let main_row = self.village_of.and_then(|(codes, picks)| {
                let at = codes.pick(main_code, picks, |of| last_accepted(codes, of))?;
                codes.rows().get(at)
            });
            match (main_row, self.village_field) {
                (Some(row), Some(field)) => row.text(field),
                _ => "",
            }
        };
        Proposal {
            reason: ready.map_or("", |r| r.rule.reason.as_str()).into(),
            rule,
            table: self.table,
            main_code: main_code.into(),
            item_code: item_code.into(),
            village: village.into(),
            file: row.file(),
            sheet: (**row.sheet()).into(),
            row: row.row,
            at: judged.at,
            other: judged.other,
        }
    }
}

/// The fields the write-off rules read: their conditions, the latest row's reference,
/// date and conditions, the references `none_of` names, and every field their evidence
/// sentence names (`{field}`, `{table.field}`).
pub fn fields(schemas: &Schemas, need: &mut crate::keep::Need) {
    let refs = &schemas.campaign.references;
    for rule in &schemas.campaign.writeoffs {
        let t = rule.ix.table;
        need.conds(schemas, t, &rule.when);
        let mut other = None;
        if let (Some((r, by)), Some(latest)) = (rule.ix.latest, &rule.latest) {
            if let Some(r) = refs.get(r) {
                need.field(r.ix.child, r.ix.child_field);
                need.field(r.ix.parent, r.ix.parent_field);
                need.field(r.ix.child, by);
                need.conds(schemas, r.ix.child, &latest.when);
                other = Some(r.ix.child);
            }
        }
        for r in rule.ix.none_of.iter().filter_map(|&r| refs.get(r)) {
            need.field(r.ix.child, r.ix.child_field);
            need.field(r.ix.parent, r.ix.parent_field);
        }
        crate::text::fill_braces(&rule.evidence, |name, _| {
            match (name.split_once('.'), other) {
                (Some((table, key)), Some(o)) if schemas.table(o).table.key == table => {
                    need.key(schemas, o, key)
                }
                _ => need.key(schemas, t, name),
            }
            true
        });
    }
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
        let rec = |t: &TableSchema, vals: &[(&str, &str)]| -> KeyRow {
            let mut v = vec![Val::Empty; t.fields.len()];
            for (k, x) in vals {
                v[t.field_index(k).unwrap()] = Val::Text((*x).into());
            }
            let r = crate::model::Record {
                table: t.id,
                file: 0,
                sheet: "".into(),
                row: 0,
                bad: vec![false; v.len()],
                cols: vec![None; v.len()].into(),
                vals: v,
                rejected: false,
                held: false,
                kept: None,
            };
            let keep = std::sync::Arc::new(crate::keep::everything(&s));
            crate::keep::keep_rows(vec![r], &keep).remove(0)
        };
        let house = rec(b, &[("building_code", "YH1"), ("owner", "张三")]);
        let review = rec(r, &[("reviewer", "赵六")]);
        let (b, r) = (b.id, r.id);
        let mut tables = vec![Vec::new(); s.tables.len()];
        tables[b.index()].push(house);
        tables[r.index()].push(review);
        // A rule on the buildings that looks at their latest review.
        let k = s
            .campaign
            .writeoffs
            .iter()
            .position(|w| w.ix.table == b && w.ix.latest.is_some())
            .expect("a shipped rule reads the latest review");
        let mut s = s.clone();
        let with = |s: &mut crate::schema::Schemas, template: &str, other: Option<u32>| {
            s.campaign.writeoffs[k].evidence = template.to_string();
            let p = Proposal {
                reason: "".into(),
                rule: k,
                table: b,
                main_code: "YH1".into(),
                item_code: "".into(),
                village: "".into(),
                file: 0,
                sheet: "".into(),
                row: 0,
                at: 0,
                other,
            };
            evidence(s)[k].render(&p, &tables)
        };
        assert_eq!(
            with(
                &mut s,
                "房屋{building_code}户主{owner}，复核人{reviews.reviewer}{missing}。",
                Some(0)
            ),
            "房屋YH1户主张三，复核人赵六。"
        );
        assert_eq!(with(&mut s, "{unclosed", None), "{unclosed");
    }
}
