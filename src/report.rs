//! The township report stage: the sentences a clerk pastes into the report, filled from
//! the run's tally with the campaign's `[report]` templates (`{column key}` is its total,
//! `{villages}` how many villages), a line with `if` written only when those totals are
//! not zero. After the tally, before any output; report.md and the 汇报 sheet of
//! tally.xlsx write what it composes.

use crate::model::{Coverage, Report, Rounds, Tally};
use crate::schema::campaign::EXTRA_WORDS;
use crate::schema::Schemas;

/// The report of a run's tally (and of its comparison with the previous round).
///
/// ```
/// use selfbuilt::model::{Tally, TallyRow};
/// let schemas = selfbuilt::schema::Schemas::shipped().unwrap();
/// let keys: Vec<String> = schemas.campaign.tally.columns.iter().map(|c| c.key.clone()).collect();
/// let mut counts = vec![0; keys.len()];
/// counts[0] = 850;
/// let total = TallyRow { village: "合计".into(), counts };
/// let tally = Tally { keys, rows: vec![], total };
/// let report = selfbuilt::report::compose(&schemas, &tally, None, None);
/// assert!(report.lines[0].contains("报送排查自建房850栋"));
/// // A line whose `if` totals are zero is left out.
/// assert!(!report.lines.iter().any(|l| l.contains("申请销号")));
/// ```
pub fn compose(
    schemas: &Schemas,
    tally: &Tally,
    rounds: Option<&Rounds>,
    coverage: Option<&Coverage>,
) -> Report {
    let spec = &schemas.campaign.report;
    let total = |key: &str| -> Option<i64> {
        tally
            .keys
            .iter()
            .position(|x| x == key)
            .and_then(|i| tally.total.counts.get(i).copied())
    };
    // Villages that sent rows, apart from those only the roster names (they sent none).
    let (active, silent) = crate::tally::villages(schemas, tally);
    let villages = active.len() as i64;
    let silent_names = silent
        .iter()
        .map(|r| r.village.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let round = |key: &str| -> i64 {
        let Some(rounds) = rounds else { return 0 };
        let counts = rounds.total;
        (match key {
            "round_fixed" => counts.fixed,
            "round_open" => counts.open,
            "round_new" => counts.new,
            "round_added" => counts.added,
            "round_removed" => counts.removed,
            "round_changed" => counts.changed,
            _ => 1,
        }) as i64
    };
    // The roster's share covered, in per cent (one decimal unless whole).
    let rate = coverage.and_then(|c| c.total.rate());
    let value = |key: &str| match key {
        "villages" => Some(villages),
        "villages_silent" | "villages_silent_names" => Some(silent.len() as i64),
        "roster_rate" => rate.map(|r| (r * 10.0).round() as i64),
        key if EXTRA_WORDS.contains(&key) => Some(round(key)),
        key => total(key),
    };
    let lines = spec
        .lines
        .iter()
        .filter(|l| l.if_.iter().all(|k| value(k).unwrap_or(0) != 0))
        .filter(|l| l.unless.iter().all(|k| value(k).unwrap_or(0) == 0))
        .map(|l| {
            crate::text::fill_braces(&l.text, |name, out| match (name, value(name)) {
                ("villages_silent_names", _) => {
                    out.push_str(&silent_names);
                    true
                }
                ("roster_rate", Some(tenths)) => {
                    out.push_str(&percent(tenths));
                    true
                }
                (_, Some(number)) => {
                    out.push_str(&number.to_string());
                    true
                }
                _ => false,
            })
        })
        .collect();
    let title = if spec.title.is_empty() {
        schemas.campaign.campaign.name.clone()
    } else {
        spec.title.clone()
    };
    Report { title, lines }
}

/// Tenths of a per cent as a clerk writes a share: 98.5%, 100%.
fn percent(tenths: i64) -> String {
    if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TallyRow;

    #[test]
    fn every_shipped_campaigns_report_fills_every_placeholder() {
        for key in ["selfbuilt", "gongmao"] {
            let s = Schemas::load(None, Some(key)).unwrap();
            let keys: Vec<String> = s
                .campaign
                .tally
                .columns
                .iter()
                .map(|c| c.key.clone())
                .collect();
            let counts: Vec<i64> = (1..=keys.len() as i64).collect();
            let row = |v: &str| TallyRow {
                village: v.into(),
                counts: counts.clone(),
            };
            let t = Tally {
                keys,
                rows: vec![row("a"), row("b")],
                total: row("合计"),
            };
            let coverage = crate::model::Coverage {
                total: crate::model::CoverCounts {
                    listed: 8,
                    covered: 7,
                    ..Default::default()
                },
                ..Default::default()
            };
            let r = compose(&s, &t, None, Some(&coverage));
            assert!(
                r.lines.iter().any(|l| l.contains("87.5%")),
                "{key}: the share covered"
            );
            // Without a roster the tally has no coverage columns, and no line says them.
            let plain = Tally {
                keys: crate::tally::keys(&s, false),
                ..t.clone()
            };
            let without = compose(&s, &plain, None, None);
            assert_eq!(without.lines.len(), r.lines.len() - 1, "{key}");
            assert!(!without.lines.iter().any(|l| l.contains('%')), "{key}");
            let unround = s
                .campaign
                .report
                .lines
                .iter()
                .filter(|l| {
                    !l.if_
                        .iter()
                        .any(|k| k == "previous" || k == "villages_silent")
                })
                .filter(|l| l.unless.is_empty())
                .count();
            assert_eq!(
                r.lines.len(),
                unround,
                "{key}: every line but a round's, a silent village's and those said instead"
            );
            for l in &r.lines {
                assert!(!l.contains('{'), "{key}: {l}");
            }
        }
    }

    /// Villages are those that sent rows; one only the roster names is said apart, by
    /// name; a line with `unless` stands in when its columns are zero.
    #[test]
    fn villages_that_sent_nothing_are_named_apart() {
        let s = Schemas::shipped().unwrap();
        let keys = crate::tally::keys(&s, true);
        let at = |k: &str| keys.iter().position(|x| x == k).unwrap();
        let mut sent = vec![0; keys.len()];
        sent[at("surveyed")] = 5;
        sent[at("buildings")] = 5;
        sent[at("roster_listed")] = 5;
        let mut silent = vec![0; keys.len()];
        silent[at("roster_listed")] = 4;
        silent[at("roster_missing")] = 4;
        let rows = vec![
            TallyRow {
                village: "甲村".into(),
                counts: sent.clone(),
            },
            TallyRow {
                village: "乙村".into(),
                counts: silent,
            },
        ];
        let t = Tally {
            keys: keys.clone(),
            rows,
            total: TallyRow {
                village: "合计".into(),
                counts: sent,
            },
        };
        let r = compose(&s, &t, None, None);
        assert!(
            r.lines[0].starts_with("全镇1个村（社区）报送排查自建房5栋，信息均完整"),
            "{:?}",
            r.lines
        );
        assert!(
            r.lines.iter().any(|l| l.contains("乙村尚未报送")),
            "{:?}",
            r.lines
        );
    }
}
