//! How recognition generalises, tested by mechanism on the sample townships in
//! ../shared/samples (skipped, saying so, when they are absent):
//!
//! - **Header ablation**: every header cell of every sample sheet is replaced with
//!   meaningless text (a new random draw each run, its seed printed); every table must still
//!   be found, every data row kept, every column of a field that content identifies land on
//!   its field, and no column land on a wrong one.
//! - **Leave one out**: each alias and each listed synonym of the shipped schemas is
//!   removed alone; the other evidence (concept words, content, the enum policy) must map
//!   what it named right or leave it unmapped, never wrong: aliases where the samples use
//!   them, synonyms as written. Recall is printed, and what each alias's words alone
//!   would guess with no values under them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use selfbuilt::read::{read_pieces, Grid, InputFile, Limits, Piece, Raw};
use selfbuilt::recognise::{recognise, Outcome, Recognised};
use selfbuilt::schema::{FieldType, Schemas};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// The clean profiles of both sample townships, when ../shared is there.
fn sample_sets() -> Option<Vec<PathBuf>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    let sets = vec![root.join("clean"), root.join("unseen/clean")];
    if sets.iter().all(|s| s.join("key/layout.csv").exists()) {
        Some(sets)
    } else {
        eprintln!("skipped: ../shared/samples is absent");
        None
    }
}

/// A whole file's sheets, assembled from the reader's pieces as the pipeline sees them.
fn read_grids(path: &Path, rel: &str) -> Vec<Grid> {
    let f = InputFile {
        path: path.to_path_buf(),
        rel: rel.to_string(),
    };
    let mut sheets: Vec<Grid> = Vec::new();
    let r = read_pieces(&f, &Limits::default(), &mut |p| match p {
        Piece::Sheet(g) => sheets.push(g),
        Piece::Rows { rows, width } => {
            if let Some(g) = sheets.last_mut() {
                g.rows.extend(rows);
                g.width = g.width.max(width);
            }
        }
        Piece::End { width, merges, .. } => {
            if let Some(g) = sheets.last_mut() {
                g.width = g.width.max(width);
                if let Some(m) = merges {
                    g.merges = m;
                    g.merges_known = true;
                }
            }
        }
    });
    assert!(r.is_ok(), "{rel}: {r:?}");
    sheets
}

/// One sample sheet: its grid and what the key says its columns are.
struct Sheet {
    label: String,
    grid: Grid,
    table: String,
    /// Field key of each column left to right (`#seq`, `#note` for the others).
    columns: Vec<String>,
}

fn sample_sheets(set: &Path) -> Vec<Sheet> {
    let text = std::fs::read_to_string(set.join("key/layout.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut by_file: BTreeMap<String, Vec<(String, String, Vec<String>)>> = BTreeMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        by_file.entry(r[0].to_string()).or_default().push((
            r[1].to_string(),
            r[2].to_string(),
            r[3].split(';').map(str::to_string).collect(),
        ));
    }
    let mut out = Vec::new();
    for (file, sheets) in by_file {
        let grids = read_grids(&set.join("input").join(&file), &file);
        for (sheet, table, columns) in sheets {
            let grid = grids
                .iter()
                .find(|g| g.name == sheet)
                .unwrap_or_else(|| panic!("{file}: no sheet {sheet}"))
                .clone();
            out.push(Sheet {
                label: format!("{}:{file}:{sheet}", set.display()),
                grid,
                table,
                columns,
            });
        }
    }
    out
}

fn table_of(o: Outcome, what: &str) -> Recognised {
    match o {
        Outcome::Table(r) => r,
        other => panic!("{what}: no table ({other:?})"),
    }
}

/// A small random generator (xorshift), seeded per run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Meaningless header text: no field's label, alias or concept word in it.
fn nonsense(rng: &mut Rng, k: usize) -> String {
    const STEMS: [&str; 6] = ["栏目", "ABC", "列", "项", "Q", "字段"];
    let stem = STEMS[(rng.next() % STEMS.len() as u64) as usize];
    format!("{stem}{}", k + 1 + (rng.next() % 50) as usize)
}

/// Fields whose values tell them: codes with a pattern, ID numbers, phones, coordinates,
/// dates, numbers and enum values (text and yes/no columns need their headers or rules).
fn content_identified(ty: FieldType) -> bool {
    !matches!(ty, FieldType::Text | FieldType::Bool)
}

#[test]
fn header_ablation_content_finds_the_columns() {
    let Some(sets) = sample_sets() else { return };
    let schemas = Schemas::shipped().unwrap();
    // ABLATION_SEED=… draws a failing run's headers again.
    let seed = std::env::var("ABLATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
        | 1;
    eprintln!("header ablation seed {seed}");
    let mut rng = Rng(seed);
    let (mut right, mut wrong, mut other_right, mut other_unmapped) = (0, 0, 0, 0);
    // (sheet, column, type, field) of content-identified columns left unmapped.
    let mut missed: Vec<(String, usize, FieldType, String)> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    for set in &sets {
        for s in sample_sheets(set) {
            let before = table_of(recognise(&s.grid, &schemas, &s.label, today()), &s.label);
            let mut g = s.grid.clone();
            let (first, last) = before.header;
            let mut k = 0;
            for row in g
                .rows
                .iter_mut()
                .filter(|r| r.idx >= first && r.idx <= last)
            {
                for cell in row.cells.iter_mut() {
                    if !cell.is_empty() {
                        *cell = Raw::Text(nonsense(&mut rng, k).into());
                        k += 1;
                    }
                }
            }
            let after = match recognise(&g, &schemas, &s.label, today()) {
                Outcome::Table(r) => r,
                other => {
                    if std::env::var("DEBUG_ABLATION").is_ok() {
                        for r in g.rows.iter().take(6) {
                            eprintln!("{} row {}: {:?}", s.label, r.idx, r.cells);
                        }
                    }
                    failures.push(format!("{}: no table after ablation ({other:?})", s.label));
                    continue;
                }
            };
            let t = schemas.table(after.table);
            if t.table.key != s.table {
                failures.push(format!(
                    "{}: read as {} not {}",
                    s.label, t.table.key, s.table
                ));
                continue;
            }
            let rows =
                |r: &Recognised| -> Vec<u32> { r.data.iter().map(|&p| g.rows[p].idx).collect() };
            if rows(&after) != rows(&before) {
                failures.push(format!(
                    "{}: {} data rows before, {} after",
                    s.label,
                    before.data.len(),
                    after.data.len()
                ));
            }
            for (col, key) in s.columns.iter().enumerate() {
                let got = after
                    .columns
                    .iter()
                    .find(|c| c.col as usize == col)
                    .and_then(|c| c.field)
                    .map(|f| t.fields[f].key.as_str());
                let Some(field) = t.field(key) else {
                    if let Some(g) = got {
                        wrong += 1;
                        failures.push(format!("{}: column {col} ({key}) taken as {g}", s.label));
                    }
                    continue;
                };
                // A column of nothing but blanks and placeholders has no content to go by.
                let identified = content_identified(field.ty)
                    && after.data.iter().any(|&p| {
                        let v = g.rows[p].get(col as u32);
                        !v.is_empty()
                            && !schemas
                                .lexicon
                                .placeholders
                                .contains(&v.display().trim().to_string())
                    });
                match got {
                    Some(g) if g == key => {
                        if identified {
                            right += 1
                        } else {
                            other_right += 1
                        }
                    }
                    Some(g) => {
                        wrong += 1;
                        if std::env::var("DEBUG_ABLATION").is_ok_and(|d| s.label.contains(&d)) {
                            for c in &after.columns {
                                eprintln!(
                                    "  {:?} {:?} {}",
                                    c.field.map(|f| &t.fields[f].key),
                                    c.how,
                                    c.evidence
                                );
                            }
                        }
                        failures.push(format!("{}: column {col} ({key}) taken as {g}", s.label));
                    }
                    None if identified => {
                        missed.push((s.label.clone(), col, field.ty, key.clone()))
                    }
                    None => other_unmapped += 1,
                }
            }
        }
    }
    // A column left unmapped is a failure, unless it is one of two or more columns of one
    // type on its sheet left unmapped together: a group neither content nor the rules
    // could tell apart, which the run asks about (three dates on a five-row ledger).
    let mut asked = 0;
    for (sheet, col, ty, key) in &missed {
        let together = missed
            .iter()
            .filter(|(s2, c2, t2, _)| s2 == sheet && c2 != col && t2 == ty)
            .count();
        if together == 0 {
            failures.push(format!("{sheet}: column {col} ({key}) not found"));
        } else {
            asked += 1;
        }
    }
    eprintln!(
        "header ablation: content-identified columns {right} right, {asked} asked (look-alike \
         columns nothing tells apart), {} missed; text and yes/no columns {other_right} right, \
         {other_unmapped} unmapped; {wrong} wrong",
        missed.len() - asked
    );
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}

/// A table's TOML with one alias, or one synonym, of one field taken out.
fn without(text: &str, field: &str, alias: Option<&str>, synonym: Option<&str>) -> String {
    let mut doc: toml::Table = toml::from_str(text).unwrap();
    let fields = doc
        .get_mut("fields")
        .and_then(|f| f.as_array_mut())
        .unwrap();
    for f in fields.iter_mut() {
        let f = f.as_table_mut().unwrap();
        if f.get("key").and_then(|k| k.as_str()) != Some(field) {
            continue;
        }
        if let Some(a) = alias {
            if let Some(list) = f.get_mut("aliases").and_then(|v| v.as_array_mut()) {
                list.retain(|x| x.as_str() != Some(a));
            }
        }
        if let Some(s) = synonym {
            if let Some(map) = f.get_mut("synonyms").and_then(|v| v.as_table_mut()) {
                map.remove(s);
            }
        }
    }
    toml::to_string(&doc).unwrap()
}

/// Right, unmapped (asked) and wrong, for one kind of evidence removed.
#[derive(Default, Debug)]
struct Counts {
    right: usize,
    asked: usize,
    wrong: Vec<String>,
}

impl Counts {
    fn line(&self, what: &str) -> String {
        let n = self.right + self.asked + self.wrong.len();
        format!(
            "{what}: {n} left out one at a time; {} still mapped right (recall {:.0}%), {} asked, {} wrong",
            self.right,
            100.0 * self.right as f64 / n.max(1) as f64,
            self.asked,
            self.wrong.len()
        )
    }
}

#[test]
fn leave_one_out_never_maps_wrong() {
    let sheets: Vec<Sheet> = sample_sets()
        .map(|sets| sets.iter().flat_map(|s| sample_sheets(s)).collect())
        .unwrap_or_default();
    let (mut in_samples, mut alone, mut synonyms) =
        (Counts::default(), Counts::default(), Counts::default());
    // Each sample sheet recognised once with every alias in place.
    let shipped = Schemas::shipped().unwrap();
    let before: Vec<Option<Recognised>> = sheets
        .iter()
        .map(
            |sh| match recognise(&sh.grid, &shipped, &sh.label, today()) {
                Outcome::Table(r) => Some(r),
                _ => None,
            },
        )
        .collect();
    for campaign in ["selfbuilt", "gongmao"] {
        let texts = Schemas::shipped_texts(campaign).unwrap();
        let base = Schemas::from_texts(&texts, "shipped").unwrap();
        let lex = &base.lexicon;
        for (ti, t) in base.tables.iter().enumerate() {
            for f in &t.fields {
                let reduced = |alias: Option<&str>, syn: Option<&str>| {
                    let mut tx = texts.clone();
                    tx.tables[ti].1 = without(&tx.tables[ti].1, &f.key, alias, syn);
                    Schemas::from_texts(&tx, "reduced").unwrap()
                };
                for alias in &f.aliases {
                    let s = reduced(Some(alias), None);
                    let rt = &s.tables[ti];
                    let key = selfbuilt::text::label_key(alias, &lex.header_units);
                    // The alias as a header on its own: the best field by its words alone.
                    let best = (0..rt.fields.len())
                        .map(|fi| {
                            let h = selfbuilt::recognise::score::header_score(
                                rt,
                                fi,
                                std::slice::from_ref(alias),
                                &s.lexicon,
                            );
                            (h.score, fi)
                        })
                        .max_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
                    match best {
                        Some((sc, fi)) if sc >= selfbuilt::recognise::ASSIGN_FLOOR => {
                            if rt.fields[fi].key == f.key {
                                alone.right += 1
                            } else {
                                alone.wrong.push(format!(
                                    "{campaign} {}.{}: alias “{alias}” alone → {}",
                                    t.table.key, f.key, rt.fields[fi].key
                                ))
                            }
                        }
                        _ => alone.asked += 1,
                    }
                    // The alias where the samples use it: recognised again without it.
                    if campaign != "selfbuilt" {
                        continue;
                    }
                    for (sh, before) in sheets.iter().zip(&before) {
                        let Some(before) = before.as_ref().filter(|_| sh.table == t.table.key)
                        else {
                            continue;
                        };
                        let uses: Vec<usize> = before
                            .columns
                            .iter()
                            .filter(|c| {
                                c.header.split('›').any(|p| {
                                    selfbuilt::text::label_key(p, &lex.header_units) == key
                                })
                            })
                            .map(|c| c.col as usize)
                            .collect();
                        if uses.is_empty() {
                            continue;
                        }
                        let after = recognise(&sh.grid, &s, &sh.label, today());
                        let after = match after {
                            Outcome::Table(r) if r.table == before.table => r,
                            other => {
                                in_samples.wrong.push(format!(
                                    "{}: without “{alias}” the sheet is {other:?}",
                                    sh.label
                                ));
                                continue;
                            }
                        };
                        let at = &s.tables[after.table.index()];
                        for col in uses {
                            let want = &sh.columns[col];
                            let got = after
                                .columns
                                .iter()
                                .find(|c| c.col as usize == col)
                                .and_then(|c| c.field)
                                .map(|fi| at.fields[fi].key.clone());
                            match got {
                                Some(g) if &g == want => in_samples.right += 1,
                                None => in_samples.asked += 1,
                                Some(g) => in_samples.wrong.push(format!(
                                    "{}: without alias “{alias}” column {col} ({want}) → {g}",
                                    sh.label
                                )),
                            }
                        }
                    }
                }
                for (form, canon) in &f.synonyms {
                    let s = reduced(None, Some(form));
                    let rf = s.tables[ti].field(&f.key).unwrap();
                    match selfbuilt::cells::enums::resolve(rf, &s.lexicon, form) {
                        selfbuilt::cells::enum_policy::Resolved::Value(v, _) => {
                            if &v == canon {
                                synonyms.right += 1
                            } else {
                                synonyms.wrong.push(format!(
                                    "{campaign} {}.{}: “{form}” → {v}, not {canon}",
                                    t.table.key, f.key
                                ))
                            }
                        }
                        _ => synonyms.asked += 1,
                    }
                }
            }
        }
    }
    eprintln!("{}", in_samples.line("aliases in the sample headers"));
    eprintln!("{}", synonyms.line("enum synonyms"));
    // An alias as a header with no values under it at all: what the words alone would
    // guess. Printed as a risk to look at (values and rules decide in a real sheet, and the
    // guess is a warning), not asserted.
    eprintln!("{}", alone.line("aliases as a header alone, no values"));
    for w in &alone.wrong {
        eprintln!("  header words alone: {w}");
    }
    let wrong: Vec<&String> = in_samples.wrong.iter().chain(&synonyms.wrong).collect();
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
