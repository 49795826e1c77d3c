//! Each file's village, after the cross-table checks: the village most of its main rows
//! name, else the one its other rows' main rows name, else one found in its file name
//! (a few Han characters ending in a lexicon village suffix), else the lexicon's word for
//! an unknown village.

use crate::fast::{Map, Set};
use std::path::PathBuf;
use std::sync::Arc;

use crate::byfield::MainCodes;
use crate::keyrow::KeyRow;
use crate::model::{FileOut, RowVillages, SheetVillages};

/// The most common village named by a file's rows, else one inferred from its hazards'
/// and reviews' buildings (found by code in `main_codes`, the run's main rows by code),
/// else from its name.
pub fn file_villages(
    files: &[FileOut],
    tables: &[Vec<KeyRow>],
    schemas: &crate::schema::Schemas,
    main_codes: Option<&MainCodes>,
) -> Vec<String> {
    let lex = &schemas.lexicon;
    let campaign = &schemas.campaign;
    // One pass over the records: villages named per file, then per file through the
    // main rows the other tables' rows refer to.
    let mut named: Vec<Map<&str, usize>> = vec![Map::default(); files.len()];
    let mut via: Vec<Map<&str, usize>> = vec![Map::default(); files.len()];
    let main = campaign.main();
    let main_schema = schemas.table(main);
    if let Some(village_field) = main_schema.field_index(&campaign.campaign.village) {
        // Each main code's village, only when other tables' rows are there to use it.
        let others = schemas
            .ids()
            .any(|t| t != main && !tables[t.index()].is_empty());
        let main_rows = &tables[main.index()];
        for row in main_rows {
            if let Some(village) = row.get(village_field).as_str() {
                *named[row.file()].entry(village).or_default() += 1;
            }
        }
        let codes = CodeVillages::new(main_codes.filter(|_| others), village_field);
        let code_village = |code: &str| codes.get(code);
        for table in schemas.ids().filter(|t| *t != main) {
            let Some(reference) = campaign.to_main(table) else {
                continue;
            };
            for row in &tables[table.index()] {
                if let Some(village) = row
                    .get(reference.child_field)
                    .as_str()
                    .and_then(code_village)
                {
                    *via[row.file()].entry(village).or_default() += 1;
                }
            }
        }
    }
    // A village's name in a file name: a few Han characters ending with a village suffix.
    let suffixes: Vec<String> = lex
        .village_suffixes
        .iter()
        .map(|s| regex::escape(s))
        .collect();
    let name_re = (!suffixes.is_empty())
        .then(|| {
            regex::Regex::new(&format!(r"([\p{{Han}}]{{1,6}}?(?:{}))", suffixes.join("|"))).ok()
        })
        .flatten();
    let most = |counts: &Map<&str, usize>| {
        counts
            .iter()
            .max_by_key(|(v, n)| (**n, std::cmp::Reverse(**v)))
            .map(|(v, _)| v.to_string())
    };
    files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            most(&named[i])
                .or_else(|| most(&via[i]))
                .unwrap_or_else(|| {
                    let stem = PathBuf::from(&f.input.rel)
                        .file_stem()
                        .map(|s| s.to_string_lossy().to_string())
                        .unwrap_or_default();
                    name_re
                        .as_ref()
                        .and_then(|re| re.captures(&stem))
                        .map(|c| c[1].to_string())
                        .unwrap_or_else(|| lex.unknown_village.clone())
                })
        })
        .collect()
}

/// The village of each row of a file that holds several villages (its main rows name more
/// than one, or its other rows stand on main rows of more than one): so that each finding
/// and each return package follows the row's village, not the file's. Files of one
/// village are left out (their file's village holds).
pub fn row_villages(
    n_files: usize,
    tables: &[Vec<KeyRow>],
    schemas: &crate::schema::Schemas,
    main_codes: Option<&MainCodes>,
) -> RowVillages {
    let campaign = &schemas.campaign;
    let main = campaign.main();
    let main_schema = schemas.table(main);
    let Some(village_field) = main_schema.field_index(&campaign.campaign.village) else {
        return RowVillages::default();
    };
    // Which files hold more than one village: by their main rows' village column first
    // (cheap); a file of other rows only, through the main rows its rows stand on.
    let mut first: Vec<Option<&str>> = vec![None; n_files];
    let mut several = vec![false; n_files];
    for row in &tables[main.index()] {
        if let Some(village) = row.get(village_field).as_str().filter(|v| !v.is_empty()) {
            match first.get(row.file()).copied().flatten() {
                None => first[row.file()] = Some(village),
                Some(seen) if seen != village => several[row.file()] = true,
                _ => {}
            }
        }
    }
    let others_only: Set<usize> = tables
        .iter()
        .flatten()
        .filter(|r| r.table != main && first.get(r.file()).is_some_and(Option::is_none))
        .map(|r| r.file())
        .collect();
    let needed = !others_only.is_empty() || several.contains(&true);
    let codes = CodeVillages::new(main_codes.filter(|_| needed), village_field);
    let code_village = |code: &str| codes.get(code);
    let village_of = |r| village_of_row(r, main, village_field, campaign, &code_village);
    let mut first_other: Map<usize, &str> = Map::default();
    for row in tables
        .iter()
        .flatten()
        .filter(|r| r.table != main && others_only.contains(&r.file()))
    {
        if let Some(village) = village_of(row) {
            match first_other.get(&row.file()) {
                None => {
                    first_other.insert(row.file(), village);
                }
                Some(seen) if *seen != village => several[row.file()] = true,
                _ => {}
            }
        }
    }
    let mut out = RowVillages::default();
    if !several.contains(&true) {
        return out;
    }
    // Each sheet's rows with a village, run by run: a sheet's rows come together in its
    // table (a sheet holding two tables has its second run added to its first).
    let mut run: Vec<(u32, &str)> = Vec::new();
    let mut sheet: Option<(usize, &Arc<str>)> = None;
    for row in tables.iter().flatten().filter(|r| several[r.file()]) {
        let Some(village) = village_of(row) else {
            continue;
        };
        let here = (row.file(), row.sheet());
        if sheet != Some(here) {
            if let Some((file, name)) = sheet {
                add_run(&mut out, file, name, &mut run);
            }
            sheet = Some(here);
        }
        run.push((row.row, village));
    }
    if let Some((file, name)) = sheet {
        add_run(&mut out, file, name, &mut run);
    }
    out
}

/// One run of a sheet's rows (row, village) added to the sheet's villages (emptied).
fn add_run(out: &mut RowVillages, file: usize, sheet: &Arc<str>, run: &mut Vec<(u32, &str)>) {
    let sheets = out.entry(file).or_default();
    let villages = match sheets.remove(sheet) {
        Some(before) => SheetVillages::from_rows(before.rows().chain(run.drain(..))),
        None => SheetVillages::from_rows(run.drain(..)),
    };
    sheets.insert(sheet.clone(), villages);
}

/// The village of each main code: the last main row of the code that names a village
/// (nothing without the main rows by code).
struct CodeVillages<'a> {
    codes: Option<&'a MainCodes<'a>>,
    village_field: usize,
    /// The row naming the village of each code of several rows, chosen once.
    picks: crate::byfield::Picks,
}

impl<'a> CodeVillages<'a> {
    /// The villages of main rows by code `codes` (None: none found).
    fn new(codes: Option<&'a MainCodes<'a>>, village_field: usize) -> Self {
        let mut villages = CodeVillages {
            codes,
            village_field,
            picks: Default::default(),
        };
        if let Some(codes) = codes {
            villages.picks = codes.picks(|of| villages.naming(of));
        }
        villages
    }

    /// The last of a code's rows that names a village.
    fn naming(&self, of: crate::byfield::Rows<'_>) -> Option<usize> {
        let rows = self.codes?.rows();
        of.iter()
            .rev()
            .find(|&at| rows[at].get(self.village_field).as_str().is_some())
    }

    /// The village of main code `code`.
    fn get(&self, code: &str) -> Option<&'a str> {
        let codes = self.codes?;
        let at = codes.pick(code, &self.picks, |of| self.naming(of))?;
        codes.rows()[at].get(self.village_field).as_str()
    }
}

/// The village a row names (a main row, its `village_field`) or stands on (another
/// table's row, through its main row's code).
fn village_of_row<'a>(
    row: &'a KeyRow,
    main: crate::schema::TableId,
    village_field: usize,
    campaign: &crate::schema::Campaign,
    code_village: &impl Fn(&str) -> Option<&'a str>,
) -> Option<&'a str> {
    if row.table == main {
        return row.get(village_field).as_str().filter(|v| !v.is_empty());
    }
    let reference = campaign.to_main(row.table)?;
    row.get(reference.child_field)
        .as_str()
        .and_then(code_village)
}

/// A village left blank is to be filled with the file's own village: the fix of each
/// finding on the campaign's village field gives that village as its example, not the
/// schema's (例：平安村 on 上林村's sheet would mislead).
pub fn own_examples(
    findings: &mut [crate::finding::Finding],
    rel: &[String],
    village_of_file: &[String],
    schemas: &crate::schema::Schemas,
) {
    let campaign = &schemas.campaign;
    let main = schemas.table(campaign.main());
    let Some(field) = main
        .field_index(&campaign.campaign.village)
        .map(|i| &main.fields[i])
    else {
        return;
    };
    if field.example.is_empty() {
        return;
    }
    let unknown = &schemas.lexicon.unknown_village;
    let village_of: Map<&str, &str> = rel
        .iter()
        .zip(village_of_file)
        .filter(|(_, v)| !v.is_empty() && *v != unknown)
        .map(|(r, v)| (r.as_str(), v.as_str()))
        .collect();
    for finding in findings.iter_mut().filter(|f| f.field == field.key) {
        if let Some(village) = village_of.get(finding.file.as_str()) {
            finding.suggestion_zh = finding.suggestion_zh.replace(&field.example, village);
            finding.suggestion_en = finding.suggestion_en.replace(&field.example, village);
        }
    }
}

/// The fields the village stage reads: the main table's village and identity, and each
/// reference to it.
pub fn fields(schemas: &crate::schema::Schemas, need: &mut crate::keep::Need) {
    let main = schemas.campaign.main();
    need.key(schemas, main, &schemas.campaign.campaign.village);
    if let Some(i) = schemas.table(main).identity_field() {
        need.field(main, i);
    }
    for t in schemas.ids() {
        if let Some(link) = schemas.campaign.to_main(t) {
            need.field(link.child, link.child_field);
            need.field(link.parent, link.parent_field);
        }
    }
}
