//! A generated row (a text per field of its table) and what is read off it or done to it
//! without making new values: whether a condition holds of it, making a condition fail,
//! its date cells, its identity as a run keys it, and its child rows.

use chrono::NaiveDate;

use crate::schema::{Cond, Schemas, TableId, TableSchema};

/// One generated row: a text per field of its table.
pub type Row = Vec<String>;

/// A condition on a generated row (values as written).
pub fn holds(t: &TableSchema, c: &Cond, row: &[String]) -> bool {
    let Some(i) = t.field_index(&c.field) else {
        return false;
    };
    let v = &row[i];
    (c.is_in.is_empty() || c.is_in.contains(v))
        && (c.not_in.is_empty() || !c.not_in.contains(v))
        && c.present.is_none_or(|p| p != v.is_empty())
}

/// Make a condition fail of a row: a value it does not allow.
pub fn make_fail(s: &Schemas, t: TableId, row: &mut Row, c: &Cond) {
    let ts = s.table(t);
    let Some(i) = ts.field_index(&c.field) else {
        return;
    };
    let f = &ts.fields[i];
    if !c.is_in.is_empty() {
        if let Some(v) = f.values.iter().find(|v| !c.is_in.contains(v)) {
            row[i] = v.clone();
        }
    } else if let Some(v) = c.not_in.first() {
        row[i] = v.clone();
    } else if c.present == Some(true) {
        row[i].clear();
    }
}

/// A generated date cell's day (generated dates are written `%Y-%m-%d`).
pub fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A day as a generated date cell holds it.
pub fn day_text(d: NaiveDate) -> String {
    crate::value::iso_date(d)
}

/// The rows of `child` whose `child_field` names `code`.
pub fn kids_of(rows: &[Row], field: usize, code: &str) -> Vec<usize> {
    (0..rows.len())
        .filter(|&i| rows[i][field] == code)
        .collect()
}

/// A generated row's identity and its main row's, as a run keys it.
pub fn identity(s: &Schemas, t: TableId, row: &Row) -> (String, String) {
    let ts = s.table(t);
    let key: Vec<&str> = ts
        .table
        .identity
        .iter()
        .filter_map(|k| ts.field_index(k).map(|i| row[i].as_str()))
        .collect();
    let key = key.join("|");
    match s.campaign.to_main(t) {
        Some(rx) if t != s.campaign.main() => (row[rx.child_field].clone(), key),
        _ => (key, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A condition on the main table's first enum field: its value is the first allowed.
    fn first_enum_cond(s: &Schemas) -> (usize, Cond) {
        let ms = s.table(s.campaign.main());
        let (i, f) = ms
            .fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.values.len() > 1)
            .expect("the main table has an enum field");
        let c = Cond {
            field: f.key.clone(),
            is_in: vec![f.values[0].clone()],
            not_in: Vec::new(),
            present: None,
            ix: Some(i),
        };
        (i, c)
    }

    #[test]
    fn a_condition_holds_of_the_values_it_names_and_make_fail_breaks_it() {
        let s = Schemas::shipped().unwrap();
        let main = s.campaign.main();
        let ms = s.table(main);
        let (i, c) = first_enum_cond(&s);
        let mut row: Row = vec![String::new(); ms.fields.len()];
        row[i] = c.is_in[0].clone();
        assert!(holds(ms, &c, &row));
        make_fail(&s, main, &mut row, &c);
        assert!(!holds(ms, &c, &row), "{row:?}");
        assert!(!row[i].is_empty(), "a value the field allows, not a blank");

        let not = Cond {
            is_in: Vec::new(),
            not_in: c.is_in.clone(),
            ..c.clone()
        };
        assert!(holds(ms, &not, &row));
        make_fail(&s, main, &mut row, &not);
        assert!(!holds(ms, &not, &row));

        let present = Cond {
            is_in: Vec::new(),
            present: Some(true),
            ..c
        };
        assert!(holds(ms, &present, &row));
        make_fail(&s, main, &mut row, &present);
        assert!(row[i].is_empty() && !holds(ms, &present, &row));
    }

    #[test]
    fn a_condition_on_no_field_of_the_table_never_holds() {
        let s = Schemas::shipped().unwrap();
        let ms = s.table(s.campaign.main());
        let (_, mut c) = first_enum_cond(&s);
        c.field = "no such field".into();
        c.is_in.clear();
        assert!(!holds(ms, &c, &vec![String::new(); ms.fields.len()]));
    }

    #[test]
    fn dates_read_back_what_they_write_and_children_are_found_by_code() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 9).unwrap();
        assert_eq!(day(&day_text(d)), Some(d));
        assert_eq!(day("2025年3月9日"), None);
        let rows: Vec<Row> = ["A", "B", "A"]
            .iter()
            .map(|c| vec![c.to_string()])
            .collect();
        assert_eq!(kids_of(&rows, 0, "A"), vec![0, 2]);
        assert!(kids_of(&rows, 0, "C").is_empty());
    }

    #[test]
    fn a_child_rows_identity_names_its_main_row() {
        let s = Schemas::shipped().unwrap();
        let main = s.campaign.main();
        let child = s
            .ids()
            .find(|&t| t != main && s.campaign.to_main(t).is_some());
        let child = child.expect("a table refers to the main table");
        let rx = s.campaign.to_main(child).unwrap();
        let cs = s.table(child);
        let mut row: Row = (0..cs.fields.len()).map(|i| format!("v{i}")).collect();
        row[rx.child_field] = "MAIN".into();
        let (of_main, own) = identity(&s, child, &row);
        assert_eq!(of_main, "MAIN");
        assert!(!own.is_empty());

        let ms = s.table(main);
        let row: Row = (0..ms.fields.len()).map(|i| format!("v{i}")).collect();
        let (key, own) = identity(&s, main, &row);
        assert_eq!(own, "");
        let first = ms.field_index(&ms.table.identity[0]).unwrap();
        assert!(key.starts_with(&row[first]), "{key}");
    }
}
