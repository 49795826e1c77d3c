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
/// let s = selfbuilt::schema::Schemas::shipped().unwrap();
/// let keys: Vec<String> = s.campaign.tally.columns.iter().map(|c| c.key.clone()).collect();
/// let mut counts = vec![0; keys.len()];
/// counts[0] = 850;
/// let total = TallyRow { village: "合计".into(), counts };
/// let t = Tally { keys, rows: vec![], total };
/// let r = selfbuilt::report::compose(&s, &t, None, None);
/// assert!(r.lines[0].contains("共排查自建房850栋"));
/// // A line whose `if` totals are zero is left out.
/// assert!(!r.lines.iter().any(|l| l.contains("申请销号")));
/// ```
pub fn compose(
    schemas: &Schemas,
    tally: &Tally,
    rounds: Option<&Rounds>,
    coverage: Option<&Coverage>,
) -> Report {
    let spec = &schemas.campaign.report;
    let total = |k: &str| -> Option<i64> {
        tally
            .keys
            .iter()
            .position(|x| x == k)
            .and_then(|i| tally.total.counts.get(i).copied())
    };
    let villages = tally.rows.len() as i64;
    let round = |k: &str| -> i64 {
        let Some(r) = rounds else { return 0 };
        let c = r.total;
        (match k {
            "round_fixed" => c.fixed,
            "round_open" => c.open,
            "round_new" => c.new,
            "round_added" => c.added,
            "round_removed" => c.removed,
            "round_changed" => c.changed,
            _ => 1,
        }) as i64
    };
    // The roster's share covered, in per cent (one decimal unless whole).
    let rate = coverage.and_then(|c| c.total.rate());
    let value = |k: &str| match k {
        "villages" => Some(villages),
        "roster_rate" => rate.map(|r| (r * 10.0).round() as i64),
        k if EXTRA_WORDS.contains(&k) => Some(round(k)),
        k => total(k),
    };
    let lines = spec
        .lines
        .iter()
        .filter(|l| l.if_.iter().all(|k| value(k).unwrap_or(0) != 0))
        .map(|l| {
            crate::text::fill_braces(&l.text, |name, out| match (name, value(name)) {
                ("roster_rate", Some(n)) => {
                    out.push_str(&percent(n));
                    true
                }
                (_, Some(n)) => {
                    out.push_str(&n.to_string());
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
                .filter(|l| !l.if_.iter().any(|k| k == "previous"))
                .count();
            assert_eq!(r.lines.len(), unround, "{key}: every line but a round's");
            for l in &r.lines {
                assert!(!l.contains('{'), "{key}: {l}");
            }
        }
    }
}
