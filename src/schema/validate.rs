//! Checking a schema as it loads, beyond what serde reads: each entry's own checks
//! (`validator`, their faults flattened into one message), a table's key against the
//! campaign's list, the cross-entry checks of a table (`finish_table`: fields, aliases,
//! identity, row rules) that also compile its patterns and index its labels, and rule codes
//! unique over the campaign. A fault is a `SchemaError` naming the file and the entry.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use validator::Validate;

use super::campaign::Campaign;
use super::lexicon::Lexicon;
use super::schemas::SchemaError;
use super::table::{Field, FieldType, RowRule, TableId, TableSchema};
use crate::text::{label_key, norm_key};

/// A schema file's TOML read as `T`; a fault names the file.
pub fn parse<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, SchemaError> {
    toml::from_str(text).map_err(|e| SchemaError {
        file: file.to_string(),
        message: e.to_string(),
    })
}

/// A schema file read as `T` (`parse`), then its entries' own checks run (`validator`).
pub fn checked<T: DeserializeOwned + Validate>(file: &str, text: &str) -> Result<T, SchemaError> {
    let entry: T = parse(file, text)?;
    entry.validate().map_err(|e| SchemaError {
        file: file.to_string(),
        message: flatten_validation(&e),
    })?;
    Ok(entry)
}

/// The campaign's table at `place` in its order, read from its file and checked: its key
/// must be the one the campaign lists there; then `finish_table`.
pub fn campaign_table(
    place: usize,
    (file, text): &(String, String),
    campaign: &Campaign,
    lex: &Lexicon,
) -> Result<TableSchema, SchemaError> {
    let mut t: TableSchema = checked(file, text)?;
    let want = campaign
        .campaign
        .tables
        .get(place)
        .map(String::as_str)
        .unwrap_or("");
    if t.table.key != want {
        return Err(SchemaError {
            file: file.clone(),
            message: format!("table key is {:?}, expected {want:?}", t.table.key),
        });
    }
    t.id = TableId(place as u8);
    finish_table(&mut t, lex).map_err(|message| SchemaError {
        file: file.clone(),
        message,
    })?;
    Ok(t)
}

/// Rule codes are unique over all tables and the campaign, and a row rule's is R and
/// digits; a fault names the table's file (`table_texts`, in the campaign's order).
pub fn unique_rule_codes(
    campaign: &Campaign,
    tables: &[TableSchema],
    table_texts: &[(String, String)],
) -> Result<(), SchemaError> {
    let mut codes: HashMap<&str, &str> = HashMap::new();
    for c in &campaign.cross {
        codes.insert(&c.text.code, "campaign.toml");
    }
    for (i, t) in tables.iter().enumerate() {
        for r in &t.rules {
            if let Some(prev) = codes.insert(&r.text.code, &t.table.key) {
                return Err(SchemaError {
                    file: table_texts[i].0.clone(),
                    message: format!("rule code {} is used twice (also in {prev})", r.text.code),
                });
            }
            // F, S, C, X and B are the built-in and cross rules' letters: a row rule is R….
            let digits = r.text.code.strip_prefix('R').unwrap_or("");
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SchemaError {
                    file: table_texts[i].0.clone(),
                    message: format!(
                        "rule code {} must be R and digits (F, S, C are the built-in rules', X and B the campaign's)",
                        r.text.code
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Every fault the entries' own checks found, in one message: a check's own message, else
/// the entry's path and the check's code.
fn flatten_validation(e: &validator::ValidationErrors) -> String {
    let mut out = Vec::new();
    collect_validation("", e, &mut out);
    out.join("; ")
}

/// The faults under `prefix`, nested entries and list items by their path.
fn collect_validation(prefix: &str, e: &validator::ValidationErrors, out: &mut Vec<String>) {
    use validator::ValidationErrorsKind as K;
    for (field, kind) in e.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            K::Field(errs) => {
                for er in errs {
                    match &er.message {
                        Some(m) => out.push(m.to_string()),
                        None => out.push(format!("{path}: {}", er.code)),
                    }
                }
            }
            K::Struct(inner) => collect_validation(&path, inner, out),
            K::List(items) => {
                for (i, inner) in items {
                    collect_validation(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

/// Cross-entry checks that serde and validator cannot express, and the label index: the
/// fields' patterns compiled and enum forms indexed, field keys and aliases each claimed
/// once, the identity and the row rules naming fields and values that exist; then the
/// label index and the rules' conditions resolved.
pub fn finish_table(t: &mut TableSchema, lex: &Lexicon) -> Result<(), String> {
    if t.fields.is_empty() {
        return Err("a table needs at least one field".into());
    }
    for f in t.fields.iter_mut() {
        compile_field(f)?;
    }
    let keys = field_places(&t.fields)?;
    let index = label_index(&t.fields, lex)?;
    for k in &t.table.identity {
        if !keys.contains_key(k.as_str()) {
            return Err(format!("identity names a missing field {k:?}"));
        }
    }
    for r in &t.rules {
        check_rule(r, &t.fields, &keys, lex)?;
    }
    t.label_index = index;
    let mut rules = std::mem::take(&mut t.rules);
    for r in rules.iter_mut() {
        for c in r.when.iter_mut() {
            c.index(t);
        }
    }
    t.rules = rules;
    Ok(())
}

/// Compile the field's `looks_like` and `pattern`, and index its enum forms: normalised
/// written form (value or synonym) → value; a form meaning two values is refused.
fn compile_field(f: &mut Field) -> Result<(), String> {
    if let Some(p) = &f.looks_like {
        f.looks_like_regex = regex::Regex::new(p).ok();
    }
    if let Some(p) = &f.pattern {
        f.regex = regex::Regex::new(p).ok();
    }
    let forms = f.values.iter().map(|v| (v, v)).chain(f.synonyms.iter());
    let mut index: HashMap<String, String> = HashMap::new();
    for (written, canon) in forms {
        if let Some(prev) = index.insert(norm_key(written), canon.clone()) {
            if &prev != canon {
                return Err(format!(
                    "field {}: {written:?} means both {prev:?} and {canon:?} (after normalisation)",
                    f.key
                ));
            }
        }
    }
    f.enum_index = index;
    Ok(())
}

/// Field key → its place in the table; a key defined twice is refused.
fn field_places(fields: &[Field]) -> Result<HashMap<&str, usize>, String> {
    let mut keys: HashMap<&str, usize> = HashMap::new();
    for (i, f) in fields.iter().enumerate() {
        if keys.insert(&f.key, i).is_some() {
            return Err(format!("field key {:?} is defined twice", f.key));
        }
    }
    Ok(keys)
}

/// Normalised label or alias (`norm_key` and `label_key`) → the field's place; a wording
/// two fields claim is refused.
fn label_index(fields: &[Field], lex: &Lexicon) -> Result<HashMap<String, usize>, String> {
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, f) in fields.iter().enumerate() {
        for w in TableSchema::wordings(f) {
            for k in [norm_key(w), label_key(w, &lex.header_units)] {
                if k.is_empty() {
                    continue;
                }
                if let Some(&j) = index.get(&k) {
                    if j != i {
                        return Err(format!(
                            "alias {w:?} is claimed by two fields: {} and {}",
                            fields[j].key, f.key
                        ));
                    }
                }
                index.insert(k, i);
            }
        }
    }
    Ok(index)
}

/// A row rule names fields of the table (`keys`), compares as it can, and names only
/// values its fields have.
fn check_rule(
    r: &RowRule,
    fields: &[Field],
    keys: &HashMap<&str, usize>,
    lex: &Lexicon,
) -> Result<(), String> {
    for n in r.fields() {
        if !keys.contains_key(n) {
            return Err(format!("rule {} names a missing field {n:?}", r.text.code));
        }
    }
    if let Some(op) = &r.then.op {
        if !["<", "<=", ">", ">=", "=="].contains(&op.as_str()) || r.then.other.is_none() {
            return Err(format!(
                "rule {}: op {op:?} needs one of < <= > >= == and `other`",
                r.text.code
            ));
        }
    }
    if let Some(p) = &r.then.other_part {
        if p != "year" {
            return Err(format!(
                "rule {}: other_part {p:?} is not supported (year)",
                r.text.code
            ));
        }
    }
    for (fk, vals) in values_named(r) {
        let Some(f) = fields.get(keys[fk]) else {
            continue;
        };
        for v in vals {
            let ok = match f.ty {
                FieldType::Enum | FieldType::EnumList => f.values.contains(v),
                FieldType::Bool => v == lex.yes() || v == lex.no(),
                _ => true,
            };
            if !ok {
                return Err(format!(
                    "rule {}: {v:?} is not a value of field {fk}",
                    r.text.code
                ));
            }
        }
    }
    Ok(())
}

/// The values a rule names, by the field it names them for: its conditions' `in` and
/// `not_in`, then its assertion's `in`, `not_in` and `any_of`.
fn values_named(r: &RowRule) -> Vec<(&str, &Vec<String>)> {
    let mut named: Vec<(&str, &Vec<String>)> = Vec::new();
    for c in &r.when {
        named.push((&c.field, &c.is_in));
        named.push((&c.field, &c.not_in));
    }
    named.push((&r.then.field, &r.then.is_in));
    named.push((&r.then.field, &r.then.not_in));
    named.push((&r.then.field, &r.then.any_of));
    named
}

#[cfg(test)]
mod tests {
    use super::super::schemas::Schemas;
    use super::super::sources::Texts;

    /// The shipped selfbuilt texts with the buildings table's replaced.
    fn texts_with(table0: String) -> Texts {
        let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
        t.tables[0].1 = table0;
        t
    }

    fn buildings() -> String {
        Schemas::shipped_texts("selfbuilt").unwrap().tables[0]
            .1
            .clone()
    }

    #[test]
    fn alias_claimed_twice_is_refused_with_its_name() {
        let text = buildings().replace("aliases = [\"组\"", "aliases = [\"户主\", \"组\"");
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(e.message.contains("户主"), "{e}");
        assert!(e.message.contains("claimed by two fields"), "{e}");
        assert!(e.file.contains("buildings"), "{e}");
    }

    #[test]
    fn min_above_max_is_refused() {
        let text = buildings().replace("min = 1.0\nmax = 30.0", "min = 31.0\nmax = 30.0");
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(
            e.message.contains("floors") && e.message.contains("min"),
            "{e}"
        );
    }

    #[test]
    fn unknown_type_is_refused() {
        let text = buildings().replacen("type = \"code\"", "type = \"barcode\"", 1);
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(e.message.contains("barcode"), "{e}");
    }

    #[test]
    fn rule_naming_a_missing_field_is_refused() {
        let text = buildings().replace(
            "field = \"business_type\", required",
            "field = \"bizness\", required",
        );
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(
            e.message.contains("R101") && e.message.contains("bizness"),
            "{e}"
        );
    }

    #[test]
    fn a_row_rule_with_a_built_in_letter_is_refused() {
        let text = buildings().replace("code = \"R101\"", "code = \"C001\"");
        let e = Schemas::from_texts(&texts_with(text), "t").unwrap_err();
        assert!(
            e.message.contains("C001") && e.message.contains("R and digits"),
            "{e}"
        );
        assert!(e.file.contains("buildings"), "{e}");
    }

    #[test]
    fn a_writeoff_template_naming_no_field_is_refused() {
        let with_campaign = |f: &dyn Fn(&str) -> String| {
            let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
            t.campaign.1 = f(&t.campaign.1);
            Schemas::from_texts(&t, "t")
        };
        let e = with_campaign(&|c| c.replacen("户主{owner}", "户主{owners}", 1)).unwrap_err();
        assert!(
            e.message.contains("{owners}") && e.message.contains("writeoffs"),
            "{e}"
        );
        assert!(e.file.contains("campaign.toml"), "{e}");
        let e = with_campaign(&|c| c.replacen("{reviews.reviewer}", "{reviews.inspector}", 1))
            .unwrap_err();
        assert!(e.message.contains("reviews.inspector"), "{e}");
        let e = with_campaign(&|c| {
            c.replace(
                "writeoff = \"suspected_misentry\"",
                "writeoff = \"suspected\"",
            )
        })
        .unwrap_err();
        assert!(
            e.message.contains("suspected") && e.message.contains("tally"),
            "{e}"
        );
    }

    /// A write-off reason given twice is refused: a tally column names one by its key.
    #[test]
    fn a_writeoff_reason_given_twice_is_refused() {
        let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
        let campaign = &t.campaign.1;
        let start = campaign.find("[[writeoffs]]").unwrap();
        let end = campaign[start + 1..].find("[[writeoffs]]").unwrap() + start + 1;
        let first = campaign[start..end].to_string();
        t.campaign.1 = format!("{campaign}\n{first}");
        let e = Schemas::from_texts(&t, "t").unwrap_err();
        assert!(e.message.contains("given twice"), "{e}");
    }

    #[test]
    fn an_empty_campaign_entry_is_refused_by_validator() {
        let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
        t.campaign.1 = t
            .campaign
            .1
            .replacen("label = \"录入错误销号\"", "label = \"\"", 1);
        let e = Schemas::from_texts(&t, "t").unwrap_err();
        assert!(e.message.contains("writeoffs[0].label"), "{e}");
    }

    #[test]
    fn a_broken_reference_or_role_is_refused_naming_it() {
        let with_campaign = |f: &dyn Fn(&str) -> String| {
            let mut t = Schemas::shipped_texts("selfbuilt").unwrap();
            t.campaign.1 = f(&t.campaign.1);
            Schemas::from_texts(&t, "t").unwrap_err()
        };
        let e = with_campaign(&|c| {
            c.replacen(
                "to = \"buildings.building_code\"",
                "to = \"buildings.house_code\"",
                1,
            )
        });
        assert!(
            e.message.contains("house_code") && e.message.contains("references"),
            "{e}"
        );
        // A cross rule's own keys are its kind's to check: `rules::cross` tests them.
        let e = with_campaign(&|c| c.replacen("village = \"village\"", "village = \"hamlet\"", 1));
        assert!(
            e.message.contains("hamlet") && e.message.contains("[campaign]"),
            "{e}"
        );
    }
}
