//! Enum forms read by anything weaker than a value or a listed synonym (an abbreviation, a
//! qualifier, a thesaurus word, a near-synonym): each distinct form is taken, and said
//! once — one warning per table, field and form across the whole run, with how many cells
//! hold it and where — so a clerk confirms it once instead of reading it on every row.
//! The forms are found again from the audit trail (every one was a change), each resolved
//! once however many cells hold it.

use std::collections::BTreeMap;

use crate::cells::enum_policy::{self, Resolved, Rule};
use crate::cells::enums;
use crate::finding::{Change, ChangeLog, Finding};
use crate::model::SheetInfo;
use crate::schema::{FieldType, Schemas};
use crate::text::{a1, trim};

/// How many cells a warning names before "…".
const CELLS_NAMED: usize = 5;

/// Where one distinct weakly read form was seen, and what it was read as.
pub struct WeakForm {
    /// The form as written.
    pub value: String,
    /// What it was read as, and by which rule.
    pub rule: Rule,
    /// (file, sheet, row, col) of every cell holding it.
    pub cells: Vec<(String, String, u32, u32)>,
}

/// Every distinct enum form the audit trail shows was read by a weak tier: (table index,
/// field key, form) → how it was read and where. `table_of` gives each (file, sheet)'s
/// tables (a sheet may hold several, one under another).
pub fn collect<'a>(
    changes: impl Iterator<Item = Change<'a>>,
    table_of: &BTreeMap<(&str, &str), Vec<usize>>,
    schemas: &Schemas,
) -> BTreeMap<(usize, String, String), WeakForm> {
    let lex = &schemas.lexicon;
    let mut resolved: BTreeMap<(usize, String, String), Option<(String, Rule)>> = BTreeMap::new();
    let mut seen: BTreeMap<(usize, String, String), WeakForm> = BTreeMap::new();
    for ch in changes {
        let Some((ti, f)) = table_of
            .get(&(ch.file, ch.sheet))
            .and_then(|tis| enum_field(schemas, tis, ch.field))
        else {
            continue;
        };
        let items: Vec<String> = match f.ty {
            FieldType::Enum => vec![trim(ch.old).to_string()],
            FieldType::EnumList => enum_policy::split_list(f, lex, ch.old),
            _ => continue,
        };
        for item in items {
            let key = (ti, f.key.clone(), item.clone());
            let weak = resolved
                .entry(key.clone())
                .or_insert_with(|| match enums::resolve(f, lex, &item) {
                    Resolved::Value(v, rule) if rule != Rule::Exact => Some((v, rule)),
                    _ => None,
                })
                .clone();
            if let Some((value, rule)) = weak {
                seen.entry(key)
                    .or_insert_with(|| WeakForm {
                        value,
                        rule,
                        cells: Vec::new(),
                    })
                    .cells
                    .push((ch.file.to_string(), ch.sheet.to_string(), ch.row, ch.col));
            }
        }
    }
    seen
}

/// The words of a tier, for the message.
pub fn tier_words(rule: Rule) -> (&'static str, &'static str) {
    match rule {
        Rule::Abbreviation => ("按简写或语序", "as an abbreviation or reordering"),
        Rule::Qualifier => ("去掉修饰语后", "once its qualifier is set aside"),
        Rule::Thesaurus => ("按标准用词（词表）", "by the standards' words (thesaurus)"),
        Rule::NearSynonym => ("按近义词", "by a near-synonym"),
        Rule::YesNo => ("按“是/否”", "as a yes or no"),
        Rule::Exact => ("按选项", "as a listed form"),
    }
}

/// Each (file, sheet)'s tables, by index.
pub type TableOf = BTreeMap<(String, String), Vec<usize>>;

/// Each (file, sheet)'s tables, from the sheets as recognised (a sheet holding several
/// tables one under another has several): `sheets[i]` is file i's, `rel[i]` its name.
pub fn tables_of(sheets: &[&[SheetInfo]], rel: &[String]) -> TableOf {
    let mut table_of = TableOf::new();
    for (i, ss) in sheets.iter().enumerate() {
        for s in ss.iter() {
            if let (Some(t), Some(r)) = (s.table, rel.get(i)) {
                let tables = table_of.entry((r.clone(), s.name.clone())).or_default();
                if !tables.contains(&t.index()) {
                    tables.push(t.index());
                }
            }
        }
    }
    table_of
}

/// The first of `tables` whose field `key` holds options, with that field.
pub fn enum_field<'s>(
    schemas: &'s Schemas,
    tables: &[usize],
    key: &str,
) -> Option<(usize, &'s crate::schema::Field)> {
    tables.iter().find_map(|&ti| {
        let f = schemas.tables.get(ti)?.field(key)?;
        matches!(f.ty, FieldType::Enum | FieldType::EnumList).then_some((ti, f))
    })
}

/// Every weakly read form: (table index, field key, form) → how it was read and where.
pub type WeakForms = BTreeMap<(usize, String, String), WeakForm>;

/// The weakly read forms of a run's audit trail (`changes[i]` is file i's).
pub fn weak_forms(
    changes: &[ChangeLog],
    table_of: &BTreeMap<(String, String), Vec<usize>>,
    schemas: &Schemas,
) -> WeakForms {
    let table_of: BTreeMap<(&str, &str), Vec<usize>> = table_of
        .iter()
        .map(|((f, s), t)| ((f.as_str(), s.as_str()), t.clone()))
        .collect();
    collect(changes.iter().flat_map(|c| c.iter()), &table_of, schemas)
}

/// Up to `CELLS_NAMED` places of a wording's cells, `file:sheet!A1`, "…" when there are
/// more: the first in each file before a second in any, so that the villages it stands in
/// show.
pub fn named_cells(cells: &[(String, String, u32, u32)]) -> Vec<String> {
    let mut files: Vec<&str> = Vec::new();
    let (mut first, mut rest): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    for (i, c) in cells.iter().enumerate() {
        if files.contains(&c.0.as_str()) {
            rest.push(i);
        } else {
            files.push(&c.0);
            first.push(i);
        }
    }
    let mut picked: Vec<usize> = first.into_iter().chain(rest).take(CELLS_NAMED).collect();
    picked.sort_unstable();
    let mut named: Vec<String> = picked
        .into_iter()
        .map(|i| {
            let (fl, sh, r, c) = &cells[i];
            crate::text::place(fl, sh, a1(*r, *c))
        })
        .collect();
    if cells.len() > CELLS_NAMED {
        named.push("…".into());
    }
    named
}

/// One warning per distinct weakly read form.
pub fn warnings(seen: &WeakForms, schemas: &Schemas) -> Vec<Finding> {
    seen.iter()
        .filter_map(|((ti, key, form), s)| {
            let f = schemas.tables.get(*ti)?.field(key)?;
            let (file, sheet, row, col) = s.cells.first()?.clone();
            let named = named_cells(&s.cells);
            let (how, how_en) = tier_words(s.rule);
            Some(
                Finding::new(crate::codes::enum_weak_form(
                    &f.label,
                    &f.label_en,
                    form,
                    &s.value,
                    how,
                    how_en,
                    s.cells.len(),
                    named.join("、"),
                ))
                .at_file(&file)
                .at_sheet(&sheet)
                .at_cell(row, Some(col))
                .field(key)
                .value(form),
            )
        })
        .collect()
}
