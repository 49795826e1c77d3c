//! The schemas a roster file (`--roster`) is read with: made from the campaign's
//! `[coverage]`, one table of the survey table's coverage fields with the roster's own
//! aliases, checked and keyed as a loaded table is.

use std::collections::HashMap;

use super::campaign::{self, Campaign};
use super::forms::prepare;
use super::schemas::{SchemaError, Schemas};
use super::table::{Field, TableId, TableMeta, TableSchema};
use super::validate::finish_table;

impl Schemas {
    /// The schemas a roster file (`--roster`) is read with, when the campaign has a
    /// `[coverage]`: one table of the coverage's fields, each as the survey table defines
    /// it (wordings, type, checks) with the roster's own aliases added, none required and
    /// none unique (the coverage stage says what is missing or listed twice).
    ///
    /// ```
    /// let s = selfbuilt::schema::Schemas::shipped().unwrap();
    /// let r = s.roster().unwrap().expect("自建房 has a roster");
    /// assert_eq!(r.tables.len(), 1);
    /// assert!(r.tables[0].fields.iter().all(|f| !f.required));
    /// ```
    pub fn roster(&self) -> Result<Option<Schemas>, SchemaError> {
        let Some(cv) = &self.campaign.coverage else {
            return Ok(None);
        };
        let err = |message: String| SchemaError {
            file: format!("{} campaign.toml [coverage]", self.source),
            message,
        };
        let survey = self.table(cv.ix.table);
        let mut fields: Vec<Field> = cv
            .ix
            .fields
            .iter()
            .map(|&i| survey.fields[i].clone())
            .collect();
        for f in fields.iter_mut() {
            f.required = false;
            f.unique = false;
            f.default = None;
            if let Some(more) = cv.aliases.get(&f.key) {
                f.aliases.extend(more.iter().cloned());
            }
        }
        let mut t = TableSchema {
            table: TableMeta {
                key: cv.key.clone(),
                label: cv.label.clone(),
                label_en: cv.label_en.clone(),
                description: String::new(),
                identity: cv.identity.clone(),
                identity_any: true,
                title: cv.label.clone(),
            },
            fields,
            rules: Vec::new(),
            label_index: HashMap::new(),
            id: TableId(0),
        };
        let mut lexicon = self.lexicon.clone();
        finish_table(&mut t, &lexicon).map_err(err)?;
        let mut tables = vec![t];
        prepare(&mut tables, &mut lexicon);
        let c = &self.campaign;
        let mut campaign = Campaign {
            campaign: campaign::Meta {
                key: cv.key.clone(),
                name: cv.label.clone(),
                names: Vec::new(),
                tables: vec![cv.key.clone()],
                village: c.campaign.village.clone(),
                writeoffs_title: c.campaign.writeoffs_title.clone(),
            },
            references: Vec::new(),
            cross: Vec::new(),
            writeoffs: Vec::new(),
            place: Default::default(),
            tally: campaign::TallySpec {
                columns: Vec::new(),
                chart: Vec::new(),
                ..c.tally.clone()
            },
            report: Default::default(),
            demo: Default::default(),
            coverage: None,
        };
        campaign.resolve(&tables).map_err(err)?;
        Ok(Some(Schemas {
            tables,
            campaign,
            lexicon,
            source: self.source.clone(),
            campaign_file: self.campaign_file.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roster_reads_the_coverage_fields_none_required_with_their_aliases() {
        let s = Schemas::shipped().unwrap();
        let cv = s
            .campaign
            .coverage
            .as_ref()
            .expect("the default campaign has a roster");
        let r = s.roster().unwrap().unwrap();
        let t = &r.tables[0];
        assert_eq!(t.table.key, cv.key);
        assert!(t.table.identity_any);
        let survey = s.table(cv.ix.table);
        for (f, &i) in t.fields.iter().zip(&cv.ix.fields) {
            let from = &survey.fields[i];
            assert_eq!((&f.key, f.ty), (&from.key, from.ty));
            assert!(!f.required && !f.unique && f.default.is_none());
            assert!(f.aliases.starts_with(&from.aliases));
            for more in cv.aliases.get(&f.key).into_iter().flatten() {
                assert!(f.aliases.contains(more), "{more}");
            }
        }
        assert_eq!(r.campaign.main(), TableId(0));
        assert!(r.roster().unwrap().is_none(), "a roster has no roster");
    }
}
