//! A province's consolidation, for the benchmarks: one workbook per county, holding the
//! county's main rows and their ledgers (the rows of every table referring to them, as
//! the town's villages have them), valid as the town's settled rows are (no spoiled
//! cells), written plain and typed as `plain` writes (a sheet per table, a one-row header
//! of labels). Each county's division code is in every code of the campaign's `[place]
//! county` field, distinct per county. Counties are made side by side, each from its own
//! seed, so a province is the same for a seed whatever the number of threads.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::generate::village_names;
use super::plain::{save, Typed, PLAIN_PER_VILLAGE};
use super::rng::Rng;
use super::scenarios::settle;
use super::values::Gen;
use crate::schema::{FieldType, Schemas};

/// What a province is made of.
#[derive(Debug, Clone, Copy)]
pub struct ProvinceSpec {
    /// How many counties (one file each).
    pub counties: usize,
    /// Main-table rows per county.
    pub rows: usize,
    /// Villages per county (None: one per 850 main rows, as the plain workbook has).
    pub villages: Option<usize>,
    /// The seed: the same seed makes the same province.
    pub seed: u64,
}

/// What was written: a file per county, its county part, and the rows per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvinceManifest {
    /// The county files, in county order.
    pub files: Vec<PathBuf>,
    /// Each county's part of the `[place] county` codes (None when the campaign's county
    /// field is not a plain code, whose parts a generator can set).
    pub counties: Vec<Option<String>>,
    /// Rows written per table, over the province, in the campaign's order.
    pub rows: Vec<usize>,
}

/// The most data rows a sheet holds (an xlsx sheet's 1,048,576 rows, less the header).
pub const MAX_SHEET_ROWS: usize = 1_048_575;

/// Write a province into `out`: `spec.counties` county workbooks of `spec.rows` main rows
/// each, with their ledgers. Fails before writing anything when a county's main rows
/// would pass an xlsx sheet's rows or the counties' parts cannot be told apart in the
/// code's digits, and at a county whose ledger's sheet would pass an xlsx sheet's rows.
pub fn write_province(
    schemas: &Schemas,
    out: &Path,
    spec: ProvinceSpec,
) -> Result<ProvinceManifest> {
    if spec.rows > MAX_SHEET_ROWS {
        bail!("at most {MAX_SHEET_ROWS} main rows per county (an xlsx sheet's rows)");
    }
    let parts = county_parts(schemas, spec.counties)?;
    let per = spec
        .villages
        .unwrap_or_else(|| spec.rows.div_ceil(PLAIN_PER_VILLAGE))
        .clamp(1, spec.rows.max(1));
    let names = village_names(schemas, spec.counties * per);
    let width = spec.counties.to_string().len().max(3);
    let files: Vec<PathBuf> = (0..spec.counties)
        .map(|i| {
            let name = match &parts[i] {
                Some(p) => p.clone(),
                None => format!("{:0width$}", i + 1),
            };
            out.join(format!("{name}.xlsx"))
        })
        .collect();
    std::fs::create_dir_all(out)?;
    let rows: Vec<Vec<usize>> = (0..spec.counties)
        .into_par_iter()
        .map(|i| {
            let county = County {
                seed: county_seed(spec.seed, i),
                part: parts[i].clone(),
                villages: &names[i * per..(i + 1) * per],
                rows: spec.rows,
            };
            county.write(schemas, &files[i])
        })
        .collect::<Result<_>>()?;
    let mut total = vec![0; schemas.tables.len()];
    for county in &rows {
        for (t, n) in county.iter().enumerate() {
            total[t] += n;
        }
    }
    Ok(ProvinceManifest {
        files,
        counties: parts,
        rows: total,
    })
}

/// County `i`'s seed, made from the province's.
fn county_seed(seed: u64, i: usize) -> u64 {
    let mut r = Rng::new(seed ^ 0x9B0F_C0DE ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    r.next_u64()
}

/// `n` distinct county parts for the campaign's `[place] county` codes, made from the part
/// its field's example carries: the part's first third kept (a province), the rest
/// numbered two digits over two (a city, then a county in it: 500101, 500102, …,
/// 500130, 500201, …), or counted where the rest is shorter. None each when the campaign
/// has no county part, its field is not a plain code, or its example has no digits there.
pub fn county_parts(schemas: &Schemas, n: usize) -> Result<Vec<Option<String>>> {
    let none = || Ok(vec![None; n]);
    let Some(part) = schemas.campaign.place.county.as_ref() else {
        return none();
    };
    let Some((t, fi)) = part.ix else {
        return none();
    };
    let f = &schemas.table(t).fields[fi];
    let Some(example) = part
        .of(&f.example)
        .filter(|p| f.ty == FieldType::Code && p.bytes().all(|b| b.is_ascii_digit()))
    else {
        return none();
    };
    let keep = part.len / 3;
    let width = part.len - keep;
    let room = 10u64.saturating_pow(width as u32);
    let half = 10u64.pow((width / 2) as u32);
    let per = (half - 1).clamp(1, 30);
    (0..n as u64)
        .map(|i| {
            let v = if width >= 2 {
                (i / per + 1) * half + i % per + 1
            } else {
                i + 1
            };
            if v >= room {
                bail!(
                    "{n} counties do not fit in the {} digits of the code's county part",
                    part.len
                );
            }
            Ok(Some(format!("{}{v:0width$}", &example[..keep])))
        })
        .collect()
}

/// One county being written.
struct County<'a> {
    /// Its seed.
    seed: u64,
    /// Its part of the county codes, if the campaign's codes have one.
    part: Option<String>,
    /// Its villages' names.
    villages: &'a [String],
    /// Its main rows.
    rows: usize,
}

impl County<'_> {
    /// Write the county's workbook at `path`: a sheet per table, village by village, each
    /// village's rows made and settled as the town's are (its first village realising
    /// the counted write-off reasons); returns the rows written per table.
    fn write(&self, schemas: &Schemas, path: &Path) -> Result<Vec<usize>> {
        let mut g = Gen::new(schemas, self.seed).in_place(self.part.clone());
        let mut wb = rust_xlsxwriter::Workbook::new();
        // A fixed date in the document's properties: the same file from the same seed.
        let when = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 6, 30)?;
        wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&when));
        let typed = Typed::new();
        for t in schemas.ids() {
            let ws = wb.add_worksheet_with_constant_memory()?;
            typed.header(ws, schemas.table(t))?;
        }
        let mut written = vec![0usize; schemas.tables.len()];
        let n = self.villages.len();
        for (vi, village) in self.villages.iter().enumerate() {
            let count = self.rows / n + usize::from(vi < self.rows % n);
            if count == 0 {
                continue;
            }
            let mut rows = g.village_rows(village, count);
            settle(&mut g, &mut rows, village, vi == 0);
            for t in schemas.ids() {
                let ts = schemas.table(t);
                let ws = wb.worksheet_from_index(t.index())?;
                for row in &rows[t.index()] {
                    let w = &mut written[t.index()];
                    if *w >= MAX_SHEET_ROWS {
                        bail!(
                            "{}: more than {MAX_SHEET_ROWS} rows of {}; use fewer rows per county",
                            path.display(),
                            ts.table.label
                        );
                    }
                    *w += 1;
                    typed.row(ws, *w as u32, ts, row)?;
                }
            }
        }
        save(&mut wb, path)?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{open_workbook, Reader, Xlsx};
    use std::collections::HashSet;

    /// Every sheet of a county file: its name and its rows as texts (header first).
    fn sheets(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        wb.sheet_names()
            .into_iter()
            .map(|name| {
                let range = wb.worksheet_range(&name).unwrap();
                let rows = range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect())
                    .collect();
                (name, rows)
            })
            .collect()
    }

    fn spec(counties: usize, rows: usize, seed: u64) -> ProvinceSpec {
        ProvinceSpec {
            counties,
            rows,
            villages: Some(2),
            seed,
        }
    }

    #[test]
    fn county_parts_are_distinct_and_keep_the_examples_province() {
        let s = Schemas::shipped().unwrap();
        let part = s.campaign.place.county.as_ref().unwrap();
        let (t, fi) = part.ix.unwrap();
        let example = part.of(&s.table(t).fields[fi].example).unwrap();
        let parts = county_parts(&s, 200).unwrap();
        let distinct: HashSet<&String> = parts.iter().flatten().collect();
        assert_eq!(distinct.len(), 200);
        for p in &distinct {
            assert_eq!(p.len(), part.len, "{p}");
            assert!(p.starts_with(&example[..part.len / 3]), "{p}");
        }
        assert!(
            county_parts(&s, 1_000_000).is_err(),
            "too many to tell apart"
        );
        // A registered code type makes its own codes: no part is set in them.
        let g = Schemas::load(None, Some("gongmao")).unwrap();
        assert_eq!(county_parts(&g, 3).unwrap(), vec![None, None, None]);
    }

    #[test]
    fn each_county_file_holds_its_houses_and_their_ledgers_under_its_county_code() {
        let s = Schemas::shipped().unwrap();
        let t = tempfile::tempdir().unwrap();
        let m = write_province(&s, t.path(), spec(3, 40, 7)).unwrap();
        let main = s.campaign.main();
        assert_eq!(m.files.len(), 3);
        assert_eq!(m.rows[main.index()], 120);
        assert!(s.ids().all(|t| m.rows[t.index()] > 0), "{:?}", m.rows);
        let part = s.campaign.place.county.as_ref().unwrap();
        let mut codes = HashSet::new();
        let mut rows = vec![0; s.tables.len()];
        for (file, county) in m.files.iter().zip(&m.counties) {
            let county = county.as_deref().unwrap();
            assert!(file.ends_with(format!("{county}.xlsx")));
            let sheets = sheets(file);
            assert_eq!(sheets.len(), s.tables.len());
            let houses: HashSet<String> = {
                let ms = s.table(main);
                let k = ms.field_index(&ms.table.identity[0]).unwrap();
                sheets[main.index()].1[1..]
                    .iter()
                    .map(|r| r[k].clone())
                    .collect()
            };
            for tid in s.ids() {
                let ts = s.table(tid);
                let (name, table) = &sheets[tid.index()];
                assert_eq!(name, &ts.table.label);
                let labels: Vec<&String> = ts.fields.iter().map(|f| &f.label).collect();
                assert_eq!(table[0].iter().collect::<Vec<_>>(), labels);
                rows[tid.index()] += table.len() - 1;
                for row in &table[1..] {
                    if tid == main {
                        let code = &row[part.ix.unwrap().1];
                        assert_eq!(part.of(code), Some(county), "{code}");
                        assert!(codes.insert(code.clone()), "{code} twice");
                    } else if let Some(rx) = s.campaign.to_main(tid) {
                        assert!(houses.contains(&row[rx.child_field]), "{row:?}");
                    }
                }
            }
        }
        assert_eq!(rows, m.rows);
    }

    #[test]
    fn the_same_seed_writes_the_same_province_another_seed_another() {
        let s = Schemas::shipped().unwrap();
        let t = tempfile::tempdir().unwrap();
        let bytes = |dir: &str, seed| {
            let m = write_province(&s, &t.path().join(dir), spec(2, 30, seed)).unwrap();
            m.files
                .iter()
                .map(|f| std::fs::read(f).unwrap())
                .collect::<Vec<_>>()
        };
        let (a, b, c) = (bytes("a", 3), bytes("b", 3), bytes("c", 4));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn more_main_rows_than_a_sheet_holds_are_refused_before_writing() {
        let s = Schemas::shipped().unwrap();
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("p");
        let e = write_province(&s, &out, spec(1, MAX_SHEET_ROWS + 1, 1)).unwrap_err();
        assert!(e.to_string().contains("rows"), "{e}");
        assert!(!out.exists());
    }
}
