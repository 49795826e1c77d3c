//! A generated row (a text per field of its table) and what is read off it or done to it
//! without making new values: whether a condition holds of it, making a condition fail,
//! its date cells, its identity as a run keys it, and its child rows.

use chrono::NaiveDate;

use crate::schema::{Cond, Schemas, TableId, TableSchema};

/// One generated row: a text per field of its table.
pub type Row = Vec<String>;

/// A condition on a generated row (values as written).
pub fn holds(t: &TableSchema, c: &Cond, row: &Row) -> bool {
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
    d.format("%Y-%m-%d").to_string()
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
