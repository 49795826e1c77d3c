//! Spoiling a village's rows the way villages do, and saying which cells: a required
//! cell left blank, an enum value written as a synonym, a date in Chinese, an ID number
//! stored as a float, a form that means nothing in the campaign, a code one character off.

use chrono::Datelike;

use super::row::{day, Row};
use super::values::Gen;
use crate::schema::{Field, FieldType, TableId, TableSchema};

/// One cell the generator spoiled, where the village's writing put it.
#[derive(Debug, Clone)]
pub struct Spoiled {
    /// The file it is in, relative to the demo folder.
    pub file: String,
    /// The sheet's name ("" in a CSV file).
    pub sheet: String,
    /// The table's key.
    pub table: String,
    /// 1-based row in its sheet.
    pub row: u32,
    /// The key of the field spoiled.
    pub field: String,
    /// blank, synonym, date, check, float (an ID number stored as a float) or
    /// no_equivalent (a form meaning nothing in the campaign).
    pub what: &'static str,
    /// Its row's place among its table's rows of the village, and the value it had.
    pub index: usize,
    /// The value the cell had before it was spoiled.
    pub was: String,
}

/// A cell of a table's rows to spoil: the rows, the row's place, the field's.
struct Cell<'t, 'r> {
    table: &'t TableSchema,
    rows: &'r mut [Row],
    row: usize,
    field: usize,
}

impl Cell<'_, '_> {
    /// Write `spoiled` into the cell, and say so (`what`) with the value it had: its row
    /// is still its place among the rows until the village's writing places it.
    fn spoil(self, spoiled: String, what: &'static str, manifest: &mut Vec<Spoiled>) {
        let was = std::mem::replace(&mut self.rows[self.row][self.field], spoiled);
        manifest.push(Spoiled {
            file: String::new(),
            sheet: String::new(),
            table: self.table.table.key.clone(),
            row: self.row as u32,
            field: self.table.fields[self.field].key.clone(),
            what,
            index: self.row as u32 as usize,
            was,
        });
    }
}

/// Spoil a few cells the way villages do: a required cell left blank, a code one
/// character off, an enum written as one of its synonyms (cleaned, not an error), a date
/// in Chinese (cleaned). Each spoiled cell is added to `manifest`.
pub fn spoil(g: &mut Gen, rows: &mut [Vec<Row>], manifest: &mut Vec<Spoiled>) {
    for t in g.schemas.ids() {
        spoil_table(g, t, &mut rows[t.index()], manifest);
    }
    let main = g.schemas.campaign.main();
    spoil_main(g, &mut rows[main.index()], manifest);
}

/// Per table of three rows or more, from a row picked at random: a blank required text
/// cell (not the one naming the main row), a synonym in the next row, a date in Chinese
/// in the one after.
fn spoil_table(g: &mut Gen, t: TableId, rs: &mut [Row], manifest: &mut Vec<Spoiled>) {
    let ts = g.schemas.table(t);
    if rs.len() < 3 {
        return;
    }
    let i = 1 + g.rng.below(rs.len() - 1);
    let blank = ts
        .fields
        .iter()
        .enumerate()
        .find(|(k, f)| f.required && !g.refers(t, *k) && f.ty == FieldType::Text)
        .map(|(k, _)| k);
    if let Some(k) = blank {
        let cell = Cell {
            table: ts,
            rows: rs,
            row: i,
            field: k,
        };
        cell.spoil(String::new(), "blank", manifest);
    }
    let synonym = ts
        .fields
        .iter()
        .position(|f| f.ty == FieldType::Enum && !f.synonyms.is_empty());
    if let Some(k) = synonym {
        let j = (i + 1) % rs.len();
        if let Some(syn) = first_synonym(&ts.fields[k], &rs[j][k]) {
            let cell = Cell {
                table: ts,
                rows: rs,
                row: j,
                field: k,
            };
            cell.spoil(syn, "synonym", manifest);
        }
    }
    let j = (i + 2) % rs.len();
    let date = ts
        .fields
        .iter()
        .enumerate()
        .find(|(k, f)| f.ty == FieldType::Date && !rs[j][*k].is_empty())
        .map(|(k, _)| k);
    if let Some(k) = date {
        if let Some(d) = day(&rs[j][k]) {
            let chinese = format!("{}年{}月{}日", d.year(), d.month(), d.day());
            let cell = Cell {
                table: ts,
                rows: rs,
                row: j,
                field: k,
            };
            cell.spoil(chinese, "date", manifest);
        }
    }
}

/// The first of the field's synonyms (in order: the same town from the same seed) that
/// stands for `value`.
fn first_synonym(f: &Field, value: &str) -> Option<String> {
    f.synonyms
        .iter()
        .filter(|(_, v)| **v == value)
        .map(|(w, _)| w)
        .min()
        .cloned()
}

/// On the main table, about once per town each: an ID number Excel stored as a float
/// (its last digits lost), and a form the schema says means nothing in this campaign;
/// then one main row's code a character off (its check character, for a type that has
/// one).
fn spoil_main(g: &mut Gen, rs: &mut [Row], manifest: &mut Vec<Spoiled>) {
    let ms = g.schemas.table(g.schemas.campaign.main());
    if rs.len() >= 6 && g.rng.chance(0.5) {
        let i = 2 + g.rng.below(rs.len() - 3);
        if let Some(k) = ms.fields.iter().position(|f| f.ty == FieldType::IdCard) {
            if let Ok(x) = rs[i][k].parse::<f64>() {
                let float = format!("{x:.11e}").replace('e', "E+");
                let cell = Cell {
                    table: ms,
                    rows: rs,
                    row: i,
                    field: k,
                };
                cell.spoil(float, "float", manifest);
            }
        }
    }
    if rs.len() >= 6 && g.rng.chance(0.5) {
        let i = 1 + g.rng.below(rs.len() - 2);
        if let Some(k) = ms.fields.iter().position(|f| !f.no_equivalent.is_empty()) {
            let mut forms: Vec<&String> = ms.fields[k].no_equivalent.keys().collect();
            forms.sort();
            let form = forms[g.rng.below(forms.len())].clone();
            let cell = Cell {
                table: ms,
                rows: rs,
                row: i,
                field: k,
            };
            cell.spoil(form, "no_equivalent", manifest);
        }
    }
    if rs.len() >= 3 {
        let code = ms.identity_field();
        if let Some(k) = code.filter(|&k| matches!(ms.fields[k].ty, FieldType::Plugin(_))) {
            let i = rs.len() - 1;
            let mut v: Vec<char> = rs[i][k].chars().collect();
            if let Some(last) = v.last_mut() {
                *last = if *last == '0' { '1' } else { '0' };
            }
            let cell = Cell {
                table: ms,
                rows: rs,
                row: i,
                field: k,
            };
            cell.spoil(v.into_iter().collect(), "check", manifest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    /// A village's rows, spoiled: the rows before, after, and what was said.
    fn spoiled(s: &Schemas, seed: u64) -> (Vec<Vec<Row>>, Vec<Vec<Row>>, Vec<Spoiled>) {
        let mut g = Gen::new(s, seed);
        let mut rows = g.village_rows("V", 40);
        let before = rows.clone();
        let mut manifest = Vec::new();
        spoil(&mut g, &mut rows, &mut manifest);
        (before, rows, manifest)
    }

    #[test]
    fn spoiling_changes_exactly_the_cells_it_names_as_it_says() {
        for s in [
            Schemas::shipped().unwrap(),
            Schemas::load(None, Some("gongmao")).unwrap(),
        ] {
            for seed in 0..6 {
                let (before, after, manifest) = spoiled(&s, seed);
                assert!(!manifest.is_empty());
                let mut named = std::collections::HashSet::new();
                for sp in &manifest {
                    let t = s.id(&sp.table).unwrap();
                    let k = s.table(t).field_index(&sp.field).unwrap();
                    assert_eq!(sp.index, sp.row as usize);
                    let (was, now) = (
                        &before[t.index()][sp.index][k],
                        &after[t.index()][sp.index][k],
                    );
                    named.insert((t.index(), sp.index, k));
                    assert_eq!(&sp.was, was);
                    match sp.what {
                        "blank" => assert!(now.is_empty() && !was.is_empty(), "{was:?}"),
                        "date" => assert_eq!(
                            day(was).map(|d| d.year()),
                            now.split('年').next().and_then(|y| y.parse().ok())
                        ),
                        "synonym" => assert!(s.table(t).fields[k].synonyms.get(now) == Some(was)),
                        "float" => assert!(now.contains("E+"), "{now}"),
                        "no_equivalent" => {
                            assert!(s.table(t).fields[k].no_equivalent.contains_key(now))
                        }
                        "check" => assert_eq!(now.chars().count(), was.chars().count()),
                        other => panic!("unknown spoiling {other}"),
                    }
                    if sp.what != "no_equivalent" {
                        assert_ne!(was, now, "{}", sp.what);
                    }
                }
                for (t, rs) in before.iter().enumerate() {
                    for (i, row) in rs.iter().enumerate() {
                        for (k, v) in row.iter().enumerate() {
                            if !named.contains(&(t, i, k)) {
                                assert_eq!(v, &after[t][i][k], "an unnamed cell changed");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn tables_of_fewer_than_three_rows_are_left_alone() {
        let s = Schemas::shipped().unwrap();
        let mut g = Gen::new(&s, 1);
        let mut rows = g.village_rows("V", 2);
        for rs in rows.iter_mut() {
            rs.truncate(2);
        }
        let before = rows.clone();
        let mut manifest = Vec::new();
        spoil(&mut g, &mut rows, &mut manifest);
        assert!(manifest.is_empty());
        assert_eq!(before, rows);
    }
}
