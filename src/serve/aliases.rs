//! The township's confirmed wordings: `本镇写法.toml` in the `--aliases` format (table →
//! field → `aliases` for headers, `synonyms` for options), and the wordings answered
//! “都不是” in `工作区.toml`. A choice is checked against the schemas before the file is
//! written (an alias another field claims, an option the field lacks is refused with the
//! schema's own words); every choice is listed and can be undone.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::workspace::{write_file, Workspace, ALIASES, DESK};

/// One field's confirmed wordings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FieldWords {
    /// Header wordings read as this field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Written forms read as this option (written → option).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub synonyms: BTreeMap<String, String>,
    /// Header wordings that are not this field (a guess refused: “都不是”).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_aliases: Vec<String>,
    /// Written forms that are none of its options (a guess refused: “都不是”).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_synonyms: Vec<String>,
}

/// `本镇写法.toml`: table → field → its wordings.
pub type Book = BTreeMap<String, BTreeMap<String, FieldWords>>;

/// A wording answered “都不是”.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dismissed {
    /// header or value.
    pub kind: String,
    /// The table's key.
    pub table: String,
    /// The field's key.
    pub field: String,
    /// The wording.
    pub form: String,
}

/// `工作区.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Desk {
    /// The wordings answered “都不是”.
    #[serde(default)]
    pub dismissed: Vec<Dismissed>,
}

/// One confirmed choice, as the page lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Choice {
    /// Its number in the list.
    pub n: usize,
    /// Its id: the same choice has the same id whatever else is added or undone (undo
    /// names it by this).
    pub id: String,
    /// header or value.
    pub kind: String,
    /// The table's key.
    pub table: String,
    /// The field's key.
    pub field: String,
    /// The wording.
    pub form: String,
    /// What it was confirmed as: for a header its field, for a value its option; None
    /// for “都不是”.
    pub to: Option<String>,
    /// Where it is kept.
    #[serde(skip)]
    origin: Origin,
}

/// Where a choice is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Origin {
    /// A field's `aliases`.
    #[default]
    Alias,
    /// A field's `synonyms`.
    Synonym,
    /// A field's `not_aliases`.
    NotAlias,
    /// A field's `not_synonyms`.
    NotSynonym,
    /// The desk's `dismissed`.
    Desk,
}

/// What a clerk decided about a wording.
#[derive(Debug, Clone)]
pub enum Decision {
    /// A header is this field.
    Header {
        /// The table.
        table: String,
        /// The field it is.
        field: String,
        /// The wording.
        form: String,
    },
    /// An option form is this option of the field.
    Value {
        /// The table.
        table: String,
        /// The field.
        field: String,
        /// The wording.
        form: String,
        /// The option it is.
        to: String,
    },
    /// None of them. A guess the run read it by (`taken`) is refused for good (the
    /// field's `not_aliases` or `not_synonyms`); a wording the run did not read is only
    /// not asked about again.
    None {
        /// The wording.
        wording: Dismissed,
        /// What the run took it as (a field for a header, an option for a value).
        taken: Option<String>,
    },
}

/// Reads the confirmed wordings (none when the file is missing).
pub fn read_book(ws: &Workspace) -> Result<Book> {
    read_toml(&ws.root.join(ALIASES))
}

/// Reads the desk file (empty when missing).
pub fn read_desk(ws: &Workspace) -> Result<Desk> {
    read_toml(&ws.root.join(DESK))
}

fn read_toml<T: Default + for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("{} 格式有误", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(e).with_context(|| format!("无法读取 {}", path.display())),
    }
}

/// Every choice, numbered: headers, then options, then “都不是”, each in file order.
pub fn list(book: &Book, desk: &Desk) -> Vec<Choice> {
    let mut all: Vec<Choice> = Vec::new();
    let mut add =
        |origin, kind: &str, table: &str, field: &str, form: &str, to: Option<&String>| {
            let key = format!("{origin:?}\u{1}{kind}\u{1}{table}\u{1}{field}\u{1}{form}");
            all.push(Choice {
                n: all.len(),
                id: super::view::fnv(&key),
                kind: kind.into(),
                table: table.into(),
                field: field.into(),
                form: form.into(),
                to: to.cloned(),
                origin,
            });
        };
    for (origin, kind) in [
        (Origin::Alias, "header"),
        (Origin::Synonym, "value"),
        (Origin::NotAlias, "header"),
        (Origin::NotSynonym, "value"),
    ] {
        for (table, fields) in book {
            for (field, words) in fields {
                match origin {
                    Origin::Alias => {
                        for form in &words.aliases {
                            add(origin, kind, table, field, form, Some(field));
                        }
                    }
                    Origin::Synonym => {
                        for (form, to) in &words.synonyms {
                            add(origin, kind, table, field, form, Some(to));
                        }
                    }
                    Origin::NotAlias => {
                        for form in &words.not_aliases {
                            add(origin, kind, table, field, form, None);
                        }
                    }
                    Origin::NotSynonym | Origin::Desk => {
                        for form in &words.not_synonyms {
                            add(origin, kind, table, field, form, None);
                        }
                    }
                }
            }
        }
    }
    for d in &desk.dismissed {
        add(Origin::Desk, &d.kind, &d.table, &d.field, &d.form, None);
    }
    all
}

/// The book and desk with a decision added (a header confirmed again for another field
/// moves there; an option form confirmed again takes the new option).
pub fn decide(mut book: Book, mut desk: Desk, decision: Decision) -> (Book, Desk) {
    match decision {
        Decision::Header { table, field, form } => {
            if let Some(fields) = book.get_mut(&table) {
                for words in fields.values_mut() {
                    words.aliases.retain(|a| *a != form);
                }
            }
            desk.dismissed
                .retain(|d| !(d.kind == "header" && d.table == table && d.form == form));
            let words = book.entry(table).or_default().entry(field).or_default();
            words.aliases.push(form);
        }
        Decision::Value {
            table,
            field,
            form,
            to,
        } => {
            desk.dismissed.retain(|d| {
                !(d.kind == "value" && d.table == table && d.field == field && d.form == form)
            });
            let words = book.entry(table).or_default().entry(field).or_default();
            words.synonyms.insert(form, to);
        }
        Decision::None { wording, taken } => match (wording.kind.as_str(), taken) {
            ("header", Some(field)) => {
                let words = book
                    .entry(wording.table)
                    .or_default()
                    .entry(field)
                    .or_default();
                words.aliases.retain(|a| *a != wording.form);
                if !words.not_aliases.contains(&wording.form) {
                    words.not_aliases.push(wording.form);
                }
            }
            ("value", Some(_)) => {
                let words = book
                    .entry(wording.table)
                    .or_default()
                    .entry(wording.field)
                    .or_default();
                words.synonyms.remove(&wording.form);
                if !words.not_synonyms.contains(&wording.form) {
                    words.not_synonyms.push(wording.form);
                }
            }
            _ => {
                if !desk.dismissed.contains(&wording) {
                    desk.dismissed.push(wording);
                }
            }
        },
    }
    (tidy(book), desk)
}

/// The book and desk without the choice of this id (`Choice::id`).
pub fn undo(mut book: Book, mut desk: Desk, id: &str) -> Result<(Book, Desk)> {
    let Some(c) = list(&book, &desk).into_iter().find(|c| c.id == id) else {
        bail!("这条确认过的写法已经不在了（可能已在别处撤销），请刷新后再看");
    };
    let words = book.get_mut(&c.table).and_then(|f| f.get_mut(&c.field));
    match (c.origin, words) {
        (Origin::Desk, _) => desk.dismissed.retain(|d| {
            !(d.kind == c.kind && d.table == c.table && d.field == c.field && d.form == c.form)
        }),
        (Origin::Alias, Some(w)) => w.aliases.retain(|a| *a != c.form),
        (Origin::Synonym, Some(w)) => {
            w.synonyms.remove(&c.form);
        }
        (Origin::NotAlias, Some(w)) => w.not_aliases.retain(|a| *a != c.form),
        (Origin::NotSynonym, Some(w)) => w.not_synonyms.retain(|a| *a != c.form),
        (_, None) => {}
    }
    Ok((tidy(book), desk))
}

/// Without empty fields and tables.
fn tidy(mut book: Book) -> Book {
    for fields in book.values_mut() {
        fields.retain(|_, w| *w != FieldWords::default());
    }
    book.retain(|_, f| !f.is_empty());
    book
}

/// The book as `本镇写法.toml` holds it.
pub fn render(book: &Book) -> Result<String> {
    Ok(format!(
        "# 本镇确认过的写法：列名（aliases）和选项的写法（synonyms）。\n# 由 selfbuilt serve 的“确认写法”写入；命令行用 --aliases {ALIASES} 读取。\n\n{}",
        toml::to_string(book)?
    ))
}

/// Checks the book against the schemas, then writes it and the desk.
pub fn save(
    ws: &Workspace,
    schemas: &crate::schema::Schemas,
    book: &Book,
    desk: &Desk,
) -> Result<()> {
    let text = render(book)?;
    let overlay: crate::schema::Overlay = toml::from_str(&text).context("写法文件无法读回")?;
    let mut check = schemas.clone();
    if let Err(e) = check.apply(&overlay) {
        bail!("这个选择与规则冲突：{e}");
    }
    if book.is_empty() {
        let _ = std::fs::remove_file(ws.aliases());
    } else {
        write_file(&ws.aliases(), text.as_bytes())?;
    }
    write_file(&ws.root.join(DESK), toml::to_string(desk)?.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(field: &str, form: &str) -> Decision {
        Decision::Header {
            table: "buildings".into(),
            field: field.into(),
            form: form.into(),
        }
    }

    #[test]
    fn a_header_confirmed_again_moves_and_undo_removes_it() {
        let (book, desk) = decide(Book::new(), Desk::default(), header("owner", "屋主"));
        let (book, desk) = decide(book, desk, header("address", "屋主"));
        let listed = list(&book, &desk);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].to.as_deref(), Some("address"));
        let first = list(&book, &desk)[0].id.clone();
        let (book, desk) = undo(book, desk, &first).unwrap();
        assert!(book.is_empty() && list(&book, &desk).is_empty());
        assert!(undo(book, desk, &first).is_err());
    }

    #[test]
    fn the_book_is_an_overlay_the_schemas_take_and_a_clash_is_refused() {
        let schemas = crate::schema::Schemas::shipped().unwrap();
        let (book, _) = decide(Book::new(), Desk::default(), header("owner", "屋主姓名甲"));
        let overlay: crate::schema::Overlay = toml::from_str(&render(&book).unwrap()).unwrap();
        assert!(schemas.clone().apply(&overlay).is_ok());
        let bad = Decision::Value {
            table: "buildings".into(),
            field: "structure".into(),
            form: "土坯".into(),
            to: "没有这个选项".into(),
        };
        let (book, _) = decide(Book::new(), Desk::default(), bad);
        let overlay: crate::schema::Overlay = toml::from_str(&render(&book).unwrap()).unwrap();
        assert!(schemas.clone().apply(&overlay).is_err());
    }

    #[test]
    fn none_of_them_is_listed_without_a_target() {
        let d = Dismissed {
            kind: "header".into(),
            table: "buildings".into(),
            field: String::new(),
            form: "自拟的列名".into(),
        };
        let none = |taken: Option<&str>| Decision::None {
            wording: d.clone(),
            taken: taken.map(str::to_string),
        };
        // Not read by the run: only not asked again.
        let (book, desk) = decide(Book::new(), Desk::default(), none(None));
        let (book, desk) = decide(book, desk, none(None));
        let listed = list(&book, &desk);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].to, None);
        assert!(book.is_empty());
        // Read by a guess: refused for good, in the book the command line reads too.
        let (book, desk) = decide(book, desk, none(Some("owner")));
        assert_eq!(book["buildings"]["owner"].not_aliases, ["自拟的列名"]);
        assert!(render(&book).unwrap().contains("not_aliases"));
        assert_eq!(list(&book, &desk).len(), 2);
        let first = list(&book, &desk)[0].id.clone();
        let (book, desk) = undo(book, desk, &first).unwrap();
        assert!(book.is_empty());
        assert_eq!(list(&book, &desk).len(), 1);
    }
}
