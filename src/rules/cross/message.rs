//! A cross-table finding's words: the rule's templates filled with the case's values
//! (one text, a list of codes, a list of places, the first places of a long list), on the
//! cell of the row it is about.

use crate::finding::{Finding, Message, RuleText};
use crate::keyrow::KeyRow;
use crate::schema::TableSchema;

/// A placeholder's value: one text, a list of codes or a list of places (each list joined
/// the way the language joins it).
pub enum Fill {
    /// One text.
    One(String),
    /// Codes, joined by 、 (or a comma).
    Codes(Vec<String>),
    /// Places, joined by ； (or a semicolon).
    Places(Vec<String>),
    /// The first places of a longer list, and how many there are in all: a code or an
    /// ID shared by thousands of rows names a few in each finding, not all of them.
    SomePlaces(Vec<String>, usize),
}

/// How many places a finding names before "等，共 N 处".
pub const PLACES_NAMED: usize = 10;

/// A message template with its placeholders filled (a name it does not know gives
/// nothing: the rules' compiler has checked every name).
fn fill(template: &str, vars: &[(&str, Fill)], zh: bool) -> String {
    crate::text::fill_braces(template, |name, out| {
        match vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v) {
            Some(Fill::One(s)) => out.push_str(s),
            Some(Fill::Codes(v)) => out.push_str(&v.join(if zh { "、" } else { ", " })),
            Some(Fill::Places(v)) => out.push_str(&v.join(if zh { "；" } else { "; " })),
            Some(Fill::SomePlaces(v, total)) => {
                out.push_str(&v.join(if zh { "；" } else { "; " }));
                if *total > v.len() {
                    if zh {
                        out.push_str(&format!("等，共 {total} 处"));
                    } else {
                        out.push_str(&format!(" and {} more", total - v.len()));
                    }
                }
            }
            None => {}
        }
        true
    })
}

/// The finding of `rule` on `field` of `row` (of the table `schema` describes), its
/// templates filled with `vars`.
pub fn finding(
    files: &[String],
    rule: &RuleText,
    schema: &TableSchema,
    row: &KeyRow,
    field: usize,
    vars: &[(&str, Fill)],
) -> Finding {
    Finding::rule(&rule.code, rule.severity)
        .at_file(&files[row.file()])
        .at_sheet(row.sheet())
        .at_cell(row.row, row.cols()[field])
        .field(&schema.fields[field].key)
        .value(&row.get(field).display())
        .says(Message {
            zh: fill(&rule.message_zh, vars, true),
            en: fill(&rule.message_en, vars, false),
            fix_zh: fill(&rule.suggestion_zh, vars, true),
            fix_en: fill(&rule.suggestion_en, vars, false),
        })
}

/// A row's identity (its table's first identity field), as shown.
pub fn identity(schema: &TableSchema, row: &KeyRow) -> String {
    schema
        .identity_field()
        .map(|i| row.get(i).display())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_join_as_the_language_does_and_long_ones_say_how_many() {
        let vars = [
            ("codes", Fill::Codes(vec!["a".into(), "b".into()])),
            (
                "others",
                Fill::SomePlaces(vec!["p1".into(), "p2".into()], 5),
            ),
        ];
        assert_eq!(
            fill("{codes}|{others}", &vars, true),
            "a、b|p1；p2等，共 5 处"
        );
        assert_eq!(
            fill("{codes}|{others}", &vars, false),
            "a, b|p1; p2 and 3 more"
        );
        assert_eq!(fill("{unknown}", &vars, true), "");
    }
}
