//! The place a run is of — its county and township — as the Parquet outputs carry them
//! (`output::parquet`) and `rollup` groups by. Given on the command line (`--county`,
//! `--township`); else the county is the code part the campaign's `[place] county` names,
//! taken from the main table's rows: the part most of them carry. The township is never
//! guessed (no code in the campaign's tables names it).
//!
//! A stage after the cross checks; it reads the records and changes nothing.

use std::collections::HashMap;

use crate::keyrow::KeyRow;
use crate::model::Place;
use crate::schema::Schemas;

/// The place of a run: what was given, the county read off the codes when it was not.
///
/// A code counts only when its cell was read without error; the part most codes carry
/// wins, the smaller of two equally common parts (so that a run is the same every time).
pub fn settle(given: &Place, schemas: &Schemas, tables: &[Vec<KeyRow>]) -> Place {
    let nonblank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let county = nonblank(&given.county).or_else(|| county_from_codes(schemas, tables));
    Place {
        county,
        township: nonblank(&given.township),
    }
}

/// The county part most of the main table's codes carry, when the campaign names one.
fn county_from_codes(schemas: &Schemas, tables: &[Vec<KeyRow>]) -> Option<String> {
    let part = schemas.campaign.place.county.as_ref()?;
    let (table, field) = part.ix?;
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for record in tables.get(table.index())? {
        if let Some(p) = record.code(field).and_then(|code| part.of(code)) {
            *counts.entry(p).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(p, _)| p.to_string())
}

/// The field the county is read from (`[place] county`).
pub fn fields(schemas: &Schemas, need: &mut crate::keep::Need) {
    if let Some((t, f)) = schemas.campaign.place.county.as_ref().and_then(|c| c.ix) {
        need.field(t, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::Val;
    use crate::model::Record;
    use std::sync::Arc;

    fn building(schemas: &Schemas, code: &str, bad: bool) -> Record {
        let t = schemas.campaign.main();
        let s = schemas.table(t);
        let i = s.field_index("building_code").unwrap();
        let mut vals = vec![Val::Empty; s.fields.len()];
        vals[i] = Val::Text(code.into());
        let mut marks = vec![false; s.fields.len()];
        marks[i] = bad;
        Record {
            table: t,
            file: 0,
            sheet: Arc::from("s"),
            row: 1,
            vals,
            cols: Arc::from(vec![None; s.fields.len()]),
            bad: marks,
            rejected: false,
            held: false,
            kept: None,
        }
    }

    fn tables(schemas: &Schemas, codes: &[(&str, bool)]) -> Vec<Vec<KeyRow>> {
        let mut t = vec![Vec::new(); schemas.tables.len()];
        t[schemas.campaign.main().index()] = codes
            .iter()
            .map(|(c, bad)| building(schemas, c, *bad))
            .collect();
        crate::keep::keep_all(schemas, t)
    }

    #[test]
    fn the_county_is_the_code_part_most_rows_carry() {
        let s = Schemas::shipped().unwrap();
        let t = tables(
            &s,
            &[
                ("YH500230000064653", false),
                ("YH500230000064654", false),
                ("YH450103000000001", false),
                // A code whose cell was in error does not count.
                ("YH999999000000001", true),
                ("YH999999000000002", true),
                ("YH999999000000003", true),
            ],
        );
        let place = settle(&Place::default(), &s, &t);
        assert_eq!(place.county.as_deref(), Some("500230"));
        assert_eq!(place.township, None);
    }

    #[test]
    fn a_tie_is_the_smaller_part_and_nothing_read_is_none() {
        let s = Schemas::shipped().unwrap();
        let t = tables(
            &s,
            &[("YH500230000064653", false), ("YH450103000000001", false)],
        );
        assert_eq!(
            settle(&Place::default(), &s, &t).county.as_deref(),
            Some("450103")
        );
        let none = tables(&s, &[]);
        assert_eq!(settle(&Place::default(), &s, &none), Place::default());
    }

    #[test]
    fn what_is_given_wins_and_blank_is_not_given() {
        let s = Schemas::shipped().unwrap();
        let t = tables(&s, &[("YH500230000064653", false)]);
        let given = Place {
            county: Some(" 某县 ".into()),
            township: Some("  ".into()),
        };
        let place = settle(&given, &s, &t);
        assert_eq!(place.county.as_deref(), Some("某县"));
        assert_eq!(place.township, None);
    }
}
