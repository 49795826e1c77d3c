//! Overlays: aliases and synonyms added to the loaded schemas from `--aliases` files (a
//! reviewed `learned.toml`), checked as the schemas themselves are.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::forms::prepare;
use super::schemas::{SchemaError, Schemas};
use super::table::FieldType;
use super::validate::finish_table;

/// One field's additions in an overlay file (a reviewed learned.toml).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldOverlay {
    /// Header wordings to add to the field's aliases.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Written forms to add to the field's synonyms (written → value).
    #[serde(default)]
    pub synonyms: HashMap<String, String>,
    /// Header wordings that are not this field (“都不是” on the page).
    #[serde(default)]
    pub not_aliases: Vec<String>,
    /// Written forms that are none of the field's values (“都不是” on the page).
    #[serde(default)]
    pub not_synonyms: Vec<String>,
}

/// An overlay file: table key → field key → additions.
pub type Overlay = HashMap<String, HashMap<String, FieldOverlay>>;

impl Schemas {
    /// These schemas with the aliases and synonyms of each overlay file added (as
    /// `--aliases FILE` gives them), checked as the schemas themselves are: an unknown
    /// table or field, a synonym for a value the field lacks or an alias another field
    /// claims stops with the file and entry named.
    pub fn with_overlays(mut self, files: &[PathBuf], max_mb: u64) -> Result<Schemas, SchemaError> {
        use std::io::Read;
        for p in files {
            let file = p.display().to_string();
            let err = |message: String| SchemaError {
                file: file.clone(),
                message,
            };
            // A regular file under the side-file limit (a pipe would never end).
            let mut text = String::new();
            crate::read::side_file(p, "--aliases", max_mb)
                .map_err(&err)?
                .take(max_mb << 20)
                .read_to_string(&mut text)
                .map_err(|e| err(format!("无法读取 / cannot read: {e}")))?;
            let overlay: Overlay = toml::from_str(&text).map_err(|e| err(e.to_string()))?;
            self.apply(&overlay).map_err(err)?;
        }
        Ok(self)
    }

    /// Add one overlay's aliases and synonyms, then check and index again.
    pub fn apply(&mut self, overlay: &Overlay) -> Result<(), String> {
        for (tk, fields) in overlay {
            let t = self
                .tables
                .iter_mut()
                .find(|t| &t.table.key == tk)
                .ok_or_else(|| format!("[{tk}]: no such table"))?;
            for (fk, add) in fields {
                let f = t
                    .fields
                    .iter_mut()
                    .find(|f| &f.key == fk)
                    .ok_or_else(|| format!("[{tk}.{fk}]: table {tk} has no field {fk}"))?;
                for a in &add.aliases {
                    if !f.aliases.contains(a) && *a != f.label {
                        f.aliases.push(a.clone());
                    }
                }
                if !add.synonyms.is_empty()
                    && !matches!(f.ty, FieldType::Enum | FieldType::EnumList)
                {
                    return Err(format!("[{tk}.{fk}.synonyms]: {fk} is not an enum"));
                }
                for a in &add.not_aliases {
                    if !f.not_aliases.contains(a) {
                        f.not_aliases.push(a.clone());
                    }
                }
                if !add.not_synonyms.is_empty()
                    && !matches!(f.ty, FieldType::Enum | FieldType::EnumList)
                {
                    return Err(format!("[{tk}.{fk}.not_synonyms]: {fk} is not an enum"));
                }
                for w in &add.not_synonyms {
                    if !f.not_synonyms.contains(w) {
                        f.not_synonyms.push(w.clone());
                    }
                }
                for (w, c) in &add.synonyms {
                    if !f.values.contains(c) {
                        return Err(format!(
                            "[{tk}.{fk}.synonyms]: {w:?} maps to {c:?}, which is not a value of {fk} ({})",
                            f.values.join("、")
                        ));
                    }
                    f.synonyms.insert(w.clone(), c.clone());
                }
            }
            finish_table(t, &self.lexicon).map_err(|m| format!("[{tk}]: {m}"))?;
        }
        prepare(&mut self.tables, &mut self.lexicon);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlay(text: &str) -> Overlay {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn an_alias_is_added_once_and_looked_up() {
        let mut s = Schemas::shipped().unwrap();
        let (tk, fk) = {
            let t = &s.tables[0];
            (t.table.key.clone(), t.fields[0].key.clone())
        };
        let add = overlay(&format!("[{tk}.{fk}]\naliases = [\"overlay wording\"]"));
        s.apply(&add).unwrap();
        s.apply(&add).unwrap();
        let t = &s.tables[0];
        let f = &t.fields[0];
        assert_eq!(
            f.aliases.iter().filter(|a| *a == "overlay wording").count(),
            1
        );
        assert_eq!(t.label_index.get("overlaywording"), Some(&0));
        assert!(f.prepared.wordings.contains(&"overlaywording".to_string()));
    }

    #[test]
    fn an_unknown_table_or_field_is_refused_naming_it() {
        let mut s = Schemas::shipped().unwrap();
        let e = s
            .apply(&overlay("[nowhere.x]\naliases = [\"a\"]"))
            .unwrap_err();
        assert_eq!(e, "[nowhere]: no such table");
        let tk = s.tables[0].table.key.clone();
        let e = s
            .apply(&overlay(&format!("[{tk}.nothing]\naliases = [\"a\"]")))
            .unwrap_err();
        assert_eq!(
            e,
            format!("[{tk}.nothing]: table {tk} has no field nothing")
        );
    }

    #[test]
    fn a_synonym_needs_an_enum_and_one_of_its_values() {
        let mut s = Schemas::shipped().unwrap();
        let t = &s.tables[0];
        let tk = t.table.key.clone();
        let text = t.fields.iter().find(|f| f.ty == FieldType::Text).unwrap();
        let e = s
            .apply(&overlay(&format!(
                "[{tk}.{0}.synonyms]\n\"w\" = \"v\"",
                text.key
            )))
            .unwrap_err();
        assert!(e.ends_with("is not an enum"), "{e}");
        let t = &s.tables[0];
        let enumerated = t.fields.iter().find(|f| f.ty == FieldType::Enum).unwrap();
        let e = s
            .apply(&overlay(&format!(
                "[{tk}.{0}.synonyms]\n\"w\" = \"no such value\"",
                enumerated.key
            )))
            .unwrap_err();
        assert!(e.contains("which is not a value of"), "{e}");
    }
}
