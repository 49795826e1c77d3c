//! What a sheet's column mapping tells the user: a column repeating a field another column
//! already holds, a column mapped by a guess worth checking, a column no field takes, and a
//! required field no column holds — each a finding at its header cell, with the
//! candidates in words.

use crate::codes;
use crate::finding::{Finding, Said};
use crate::model::{Column, How};
use crate::schema::TableSchema;
use crate::text::col_letters;

/// Where a sheet's findings are: its file and its name.
#[derive(Debug, Clone, Copy)]
pub(super) struct SheetPlace<'a> {
    /// The file, as the run names it.
    pub file: &'a str,
    /// The sheet's name.
    pub sheet: &'a str,
}

impl SheetPlace<'_> {
    fn finding(&self, said: Said) -> Finding {
        Finding::new(said).at_file(self.file).at_sheet(self.sheet)
    }
}

/// The findings on a table's assigned columns under a header block rows first..=last, in
/// column order, then one for each required field no column holds.
pub(super) fn column_findings(
    t: &TableSchema,
    columns: &[Column],
    (first, last): (u32, u32),
    place: SheetPlace,
) -> Vec<Finding> {
    let mut taken: Vec<Option<u32>> = vec![None; t.fields.len()];
    for c in columns {
        if let Some(f) = c.field {
            taken[f] = Some(c.col);
        }
    }
    let mut findings = Vec::new();
    for c in columns {
        match (c.how, c.field) {
            (How::Duplicate, _) => findings.push(duplicate(t, c, &taken, first, place)),
            (How::Guess, Some(f)) if c.weak => findings.push(guessed(t, c, f, last, place)),
            (How::Unmapped, None) => findings.push(unmapped(t, c, last, place)),
            _ => {}
        }
    }
    for (i, f) in t.fields.iter().enumerate() {
        if f.required && taken[i].is_none() {
            findings.push(
                place
                    .finding(codes::missing_column(
                        &t.table.label,
                        &t.table.key,
                        &f.label,
                        &f.key,
                    ))
                    .field(&f.key),
            );
        }
    }
    findings
}

/// A column repeating the field the column `taken` names already holds, at the block's
/// first row.
fn duplicate(
    t: &TableSchema,
    c: &Column,
    taken: &[Option<u32>],
    first: u32,
    place: SheetPlace,
) -> Finding {
    let f = c.candidates.first().map(|x| x.0).unwrap_or(0);
    place
        .finding(codes::duplicate_column(
            &c.header,
            col_letters(taken[f].unwrap_or(0)),
            &t.fields[f].label,
            &t.fields[f].key,
        ))
        .at_cell(first, Some(c.col))
        .field(&t.fields[f].key)
        .value(&c.header)
}

/// A column mapped to field `f` by a weak guess, with its evidence and up to two other
/// candidates, at the block's last row.
fn guessed(t: &TableSchema, c: &Column, f: usize, last: u32, place: SheetPlace) -> Finding {
    let others = c.candidates.iter().filter(|x| x.0 != f).take(2);
    let others_zh: Vec<String> = others
        .clone()
        .map(|x| format!("{}（{:.2}）", t.fields[x.0].label, x.1))
        .collect();
    let others_en: Vec<String> = others
        .map(|x| format!("{} ({:.2})", t.fields[x.0].key, x.1))
        .collect();
    let (zh, en) = if others_zh.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("；其他可能：{}", others_zh.join("、")),
            format!("; other candidates: {}", others_en.join(", ")),
        )
    };
    place
        .finding(codes::guessed_column(
            &c.header,
            &t.fields[f].label,
            &t.fields[f].label_en,
            &t.fields[f].key,
            &c.evidence,
            zh,
            en,
        ))
        .at_cell(last, Some(c.col))
        .field(&t.fields[f].key)
        .value(&c.header)
}

/// A column no field takes, with the two closest fields, at the block's last row.
fn unmapped(t: &TableSchema, c: &Column, last: u32, place: SheetPlace) -> Finding {
    let closest: Vec<String> = c
        .candidates
        .iter()
        .take(2)
        .map(|x| t.fields[x.0].label.clone())
        .collect();
    let (zh, en) = if closest.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("（最接近：{}）", closest.join("、")),
            format!(" (closest: {})", closest.join(", ")),
        )
    };
    place
        .finding(codes::unmapped_column(
            &c.header,
            &t.table.label,
            &t.table.key,
            zh,
            en,
        ))
        .at_cell(last, Some(c.col))
        .value(&c.header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{test_tables, Schemas};

    #[test]
    fn every_required_field_no_column_holds_is_a_finding() {
        let s = Schemas::shipped().unwrap();
        let t = s.table(test_tables::Buildings);
        let place = SheetPlace {
            file: "f.xlsx",
            sheet: "S",
        };
        let required = t.fields.iter().filter(|f| f.required).count();
        let findings = column_findings(t, &[], (0, 0), place);
        assert_eq!(findings.len(), required);
        // A column holding a required field leaves one finding fewer.
        let fi = t.fields.iter().position(|f| f.required).unwrap();
        let held = Column {
            col: 0,
            field: Some(fi),
            how: How::Label,
            ..Column::default()
        };
        let findings = column_findings(t, &[held], (0, 0), place);
        assert_eq!(findings.len(), required - 1);
    }

    #[test]
    fn an_unmapped_column_names_the_closest_fields() {
        let s = Schemas::shipped().unwrap();
        let t = s.table(test_tables::Buildings);
        let col = Column {
            col: 3,
            header: "某列".into(),
            how: How::Unmapped,
            candidates: vec![(0, 0.4), (1, 0.35)],
            ..Column::default()
        };
        let place = SheetPlace {
            file: "f.xlsx",
            sheet: "S",
        };
        let f = unmapped(t, &col, 2, place);
        assert!(
            f.message_zh.contains(&t.fields[0].label),
            "{}",
            f.message_zh
        );
    }
}
