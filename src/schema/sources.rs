//! Finding and loading a campaign's schema files: the shipped copies compiled into the
//! binary (`SHIPPED`), or a `--schemas DIR` folder (a campaign folder, or a folder of
//! them, the lexicon taken from the nearest that has one); the campaign chosen by
//! `--campaign`; its texts (`Texts`) parsed and checked (`validate`) into `Schemas`.

use std::path::{Path, PathBuf};

use super::campaign::Campaign;
use super::forms::prepare;
use super::lexicon::Lexicon;
use super::schemas::{SchemaError, Schemas};
use super::validate::{campaign_table, checked, parse, unique_rule_codes};

/// The shipped schema files, compiled into the binary: (path under `schemas/`, text).
/// `lexicon.toml` is shared; each campaign is a folder with `campaign.toml` and a file
/// per table.
pub const SHIPPED: &[(&str, &str)] = &[
    ("lexicon.toml", include_str!("../../schemas/lexicon.toml")),
    (
        "selfbuilt/campaign.toml",
        include_str!("../../schemas/selfbuilt/campaign.toml"),
    ),
    (
        "selfbuilt/buildings.toml",
        include_str!("../../schemas/selfbuilt/buildings.toml"),
    ),
    (
        "selfbuilt/hazards.toml",
        include_str!("../../schemas/selfbuilt/hazards.toml"),
    ),
    (
        "selfbuilt/reviews.toml",
        include_str!("../../schemas/selfbuilt/reviews.toml"),
    ),
    (
        "gongmao/campaign.toml",
        include_str!("../../schemas/gongmao/campaign.toml"),
    ),
    (
        "gongmao/enterprises.toml",
        include_str!("../../schemas/gongmao/enterprises.toml"),
    ),
    (
        "gongmao/inspections.toml",
        include_str!("../../schemas/gongmao/inspections.toml"),
    ),
    (
        "gongmao/hazards.toml",
        include_str!("../../schemas/gongmao/hazards.toml"),
    ),
];

/// The campaign run when none is named.
pub const DEFAULT_CAMPAIGN: &str = "selfbuilt";

/// The texts of one campaign's schema files: (file name for messages, TOML).
#[derive(Debug, Clone)]
pub struct Texts {
    /// The lexicon's file.
    pub lexicon: (String, String),
    /// The campaign's file.
    pub campaign: (String, String),
    /// Every table's file, in the campaign's order.
    pub tables: Vec<(String, String)>,
}

/// Where schema files come from: the shipped copies or a folder.
trait Store {
    /// The text of a file under the root (`selfbuilt/campaign.toml`), if there is one.
    fn get(&self, rel: &str) -> Option<Result<String, SchemaError>>;
    /// The campaign folders under the root.
    fn campaigns(&self) -> Vec<String>;
    /// The name a file is shown by.
    fn show(&self, rel: &str) -> String;
}

/// The shipped copies (`SHIPPED`).
struct Shipped;

impl Store for Shipped {
    fn get(&self, rel: &str) -> Option<Result<String, SchemaError>> {
        SHIPPED
            .iter()
            .find(|(n, _)| *n == rel)
            .map(|(_, t)| Ok(t.to_string()))
    }
    fn campaigns(&self) -> Vec<String> {
        SHIPPED
            .iter()
            .filter_map(|(n, _)| n.strip_suffix("/campaign.toml"))
            .map(str::to_string)
            .collect()
    }
    fn show(&self, rel: &str) -> String {
        format!("(shipped) {rel}")
    }
}

/// A folder on disk (`--schemas DIR`).
struct Folder(PathBuf);

impl Store for Folder {
    fn get(&self, rel: &str) -> Option<Result<String, SchemaError>> {
        let p = self.0.join(rel);
        p.is_file().then(|| {
            std::fs::read_to_string(&p).map_err(|e| SchemaError {
                file: p.display().to_string(),
                message: format!("cannot read: {e}"),
            })
        })
    }
    fn campaigns(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&self.0)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("campaign.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        out.sort();
        out
    }
    fn show(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Schemas {
    /// The shipped schemas of the default campaign.
    pub fn shipped() -> Result<Schemas, SchemaError> {
        Schemas::load(None, None)
    }

    /// The texts of the shipped campaign `name` (for tests that change one file).
    pub fn shipped_texts(name: &str) -> Result<Texts, SchemaError> {
        texts_of(&Shipped, name, shipped_lexicon_text())
    }

    /// Load a campaign: from `dir` (a campaign folder holding campaign.toml, or a folder of
    /// campaign folders) or the shipped copies; `campaign` names one by its folder, key or
    /// any of its names (the default: selfbuilt, else the only one). The lexicon is the
    /// campaign folder's, else its parent's, else the shipped one.
    pub fn load(dir: Option<&Path>, campaign: Option<&str>) -> Result<Schemas, SchemaError> {
        let texts = match dir {
            None => {
                let name = pick(&Shipped, campaign, "(shipped)")?;
                texts_of(&Shipped, &name, shipped_lexicon_text())?
            }
            Some(d) if d.join("campaign.toml").is_file() => {
                let parent = d.parent().map(|p| Folder(p.to_path_buf()));
                let here = Folder(d.to_path_buf());
                let lexicon = match here.get("lexicon.toml") {
                    Some(t) => (here.show("lexicon.toml"), t?),
                    None => match parent.as_ref().and_then(|p| p.get("lexicon.toml")) {
                        Some(t) => (
                            parent
                                .as_ref()
                                .map(|p| p.show("lexicon.toml"))
                                .unwrap_or_default(),
                            t?,
                        ),
                        None => (Shipped.show("lexicon.toml"), shipped_lexicon()),
                    },
                };
                let t = texts_of(&here, "", lexicon)?;
                if let Some(want) = campaign {
                    let c: Campaign = parse(&t.campaign.0, &t.campaign.1)?;
                    if !c.is_named(want) {
                        return Err(SchemaError {
                            file: t.campaign.0.clone(),
                            message: format!(
                                "--campaign {want:?}: this folder holds the campaign {} ({})",
                                c.campaign.key, c.campaign.name
                            ),
                        });
                    }
                }
                t
            }
            Some(d) => {
                let root = Folder(d.to_path_buf());
                let name = pick(&root, campaign, &d.display().to_string())?;
                let lexicon = match root.get("lexicon.toml") {
                    Some(t) => (root.show("lexicon.toml"), t?),
                    None => (Shipped.show("lexicon.toml"), shipped_lexicon()),
                };
                texts_of(&root, &name, lexicon)?
            }
        };
        let source = dir
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "(shipped)".into());
        Schemas::from_texts(&texts, &source)
    }

    /// Every campaign a folder (or the shipped copies) holds: (folder, key, name).
    pub fn campaigns(dir: Option<&Path>) -> Vec<(String, String, String)> {
        let store: Box<dyn Store> = match dir {
            Some(d) => Box::new(Folder(d.to_path_buf())),
            None => Box::new(Shipped),
        };
        parsed_campaigns(store.as_ref())
            .into_iter()
            .filter_map(|(f, c)| {
                let c = c.ok()?.campaign;
                Some((f, c.key, c.name))
            })
            .collect()
    }

    /// Parse and check one campaign's texts.
    pub fn from_texts(texts: &Texts, source: &str) -> Result<Schemas, SchemaError> {
        let (cfile, ctext) = &texts.campaign;
        let mut campaign: Campaign = checked(cfile, ctext)?;
        let (file, text) = &texts.lexicon;
        let mut lexicon: Lexicon = checked(file, text)?;
        let mut tables = texts
            .tables
            .iter()
            .enumerate()
            .map(|(place, table_text)| campaign_table(place, table_text, &campaign, &lexicon))
            .collect::<Result<Vec<_>, _>>()?;
        prepare(&mut tables, &mut lexicon);
        campaign.resolve(&tables).map_err(|message| SchemaError {
            file: cfile.clone(),
            message,
        })?;
        unique_rule_codes(&campaign, &tables, &texts.tables)?;
        let schemas = Schemas {
            tables,
            campaign,
            lexicon,
            source: source.to_string(),
            campaign_file: cfile.clone(),
        };
        // The roster's table is made from the survey table's fields: made once here so
        // that a fault in it is a schema error when loading.
        schemas.roster()?;
        Ok(schemas)
    }
}

/// The shipped lexicon's text.
fn shipped_lexicon() -> String {
    SHIPPED[0].1.to_string()
}

/// The shipped lexicon as `Texts` holds it: (file name for messages, text).
fn shipped_lexicon_text() -> (String, String) {
    (Shipped.show("lexicon.toml"), shipped_lexicon())
}

/// Each campaign folder of a store, with its campaign.toml parsed.
fn parsed_campaigns(store: &dyn Store) -> Vec<(String, Result<Campaign, SchemaError>)> {
    store
        .campaigns()
        .into_iter()
        .filter_map(|f| {
            let rel = format!("{f}/campaign.toml");
            let parsed = store
                .get(&rel)?
                .and_then(|text| parse::<Campaign>(&store.show(&rel), &text));
            Some((f, parsed))
        })
        .collect()
}

/// The campaign folder `want` names (by folder, key or name), else the default.
fn pick(store: &dyn Store, want: Option<&str>, root: &str) -> Result<String, SchemaError> {
    let found = parsed_campaigns(store);
    let err = |message: String| SchemaError {
        file: root.to_string(),
        message,
    };
    let listed = || -> String {
        found
            .iter()
            .filter_map(|(f, c)| Some(format!("{f}（{}）", c.as_ref().ok()?.campaign.name)))
            .collect::<Vec<_>>()
            .join("、")
    };
    match want {
        None => {
            if found.iter().any(|(f, _)| f == DEFAULT_CAMPAIGN) {
                Ok(DEFAULT_CAMPAIGN.to_string())
            } else if found.len() == 1 {
                Ok(found[0].0.clone())
            } else if found.is_empty() {
                Err(err(
                    "no campaign.toml here, nor any folder holding one (a campaign folder holds \
                     campaign.toml beside its tables' files; a copy of the shipped \
                     schemas/selfbuilt folder is one)"
                        .into(),
                ))
            } else {
                Err(err(format!(
                    "several campaigns: choose one with --campaign ({})",
                    listed()
                )))
            }
        }
        Some(w) => {
            for (f, c) in &found {
                if f == w.trim() {
                    return Ok(f.clone());
                }
                match c {
                    Ok(c) if c.is_named(w) => return Ok(f.clone()),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(SchemaError {
                            file: e.file.clone(),
                            message: e.message.clone(),
                        })
                    }
                }
            }
            Err(err(format!("no campaign {w:?} (campaigns: {})", listed())))
        }
    }
}

/// The texts of the campaign in folder `name` (`""`: the root is the campaign folder).
fn texts_of(
    store: &dyn Store,
    name: &str,
    lexicon: (String, String),
) -> Result<Texts, SchemaError> {
    let rel = |f: &str| {
        if name.is_empty() {
            f.to_string()
        } else {
            format!("{name}/{f}")
        }
    };
    let read = |f: &str| -> Result<(String, String), SchemaError> {
        let r = rel(f);
        match store.get(&r) {
            Some(t) => Ok((store.show(&r), t?)),
            None => Err(SchemaError {
                file: store.show(&r),
                message: "missing".into(),
            }),
        }
    };
    let campaign = read("campaign.toml")?;
    let c: Campaign = parse(&campaign.0, &campaign.1)?;
    if c.campaign.tables.is_empty() {
        return Err(SchemaError {
            file: campaign.0,
            message: "[campaign] tables is empty".into(),
        });
    }
    if c.campaign.tables.len() > 200 {
        return Err(SchemaError {
            file: campaign.0,
            message: "[campaign] tables: more than 200".into(),
        });
    }
    let mut tables = Vec::new();
    for (i, t) in c.campaign.tables.iter().enumerate() {
        if c.campaign.tables[..i].contains(t) {
            return Err(SchemaError {
                file: campaign.0,
                message: format!("[campaign] tables: {t:?} is listed twice"),
            });
        }
        if t.is_empty() || t.contains(['/', '\\', '.']) {
            return Err(SchemaError {
                file: campaign.0,
                message: format!("[campaign] tables: {t:?} is not a table key"),
            });
        }
        tables.push(read(&format!("{t}.toml"))?);
    }
    Ok(Texts {
        lexicon,
        campaign,
        tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_schemas_load() {
        let s = Schemas::shipped().unwrap();
        assert_eq!(s.tables.len(), 3);
        let n = |k: &str| s.table(s.id(k).unwrap()).fields.len();
        assert_eq!(n("buildings"), 21);
        assert_eq!(n("hazards"), 13);
        assert_eq!(n("reviews"), 5);
        assert_eq!(s.campaign.campaign.key, "selfbuilt");
    }

    #[test]
    fn every_schema_file_is_shipped_and_every_campaign_loads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let mut on_disk = Vec::new();
        for e in walk(&root) {
            let rel = e
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.ends_with(".toml") {
                on_disk.push(rel);
            }
        }
        on_disk.sort();
        let mut shipped: Vec<String> = SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
        shipped.sort();
        assert_eq!(on_disk, shipped, "SHIPPED lists every file under schemas/");
        for (folder, key, _) in Schemas::campaigns(None) {
            let s = Schemas::load(None, Some(&folder)).unwrap();
            assert_eq!(s.campaign.campaign.key, key);
            // A shipped folder also loads as a `--schemas` folder, by itself and from above.
            Schemas::load(Some(&root.join(&folder)), None).unwrap();
            Schemas::load(Some(&root), Some(&key)).unwrap();
        }
        let g = Schemas::load(None, Some("工贸企业")).unwrap();
        assert_eq!(
            g.campaign.campaign.tables,
            ["enterprises", "inspections", "hazards"]
        );
        assert!(Schemas::load(None, Some("消防"))
            .unwrap_err()
            .message
            .contains("gongmao"));
    }

    fn walk(d: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn a_table_listed_twice_is_refused() {
        let e = Schemas::load(None, None).and_then(|_| {
            let mut t = Schemas::shipped_texts("selfbuilt")?;
            t.campaign.1 = t.campaign.1.replacen(
                "tables = [\"buildings\", \"hazards\", \"reviews\"]",
                "tables = [\"buildings\", \"hazards\", \"hazards\"]",
                1,
            );
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path().join("c");
            std::fs::create_dir(&d).unwrap();
            std::fs::write(d.join("campaign.toml"), &t.campaign.1).unwrap();
            for (name, (_, text)) in ["buildings", "hazards", "reviews"].iter().zip(&t.tables) {
                std::fs::write(d.join(format!("{name}.toml")), text).unwrap();
            }
            Schemas::load(Some(&d), None)
        });
        let e = e.unwrap_err();
        assert!(e.message.contains("listed twice"), "{e}");
    }
}
