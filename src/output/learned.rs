//! learned.toml: every header the run could not map or mapped only weakly, and every enum
//! form it could not map, with the best guesses, in the format `--aliases FILE` reads
//! (table → field → `aliases` and `synonyms`). A clerk reviews it once (keeps what is
//! right, fixes or deletes the rest) and passes it to the next run, which then reads
//! those villages' files right.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;

use super::atomic::stream_atomically;
use super::writer::Writer;
use crate::model::{Run, Wording, WordingKind};

/// A wording seen in the input, to be reviewed.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// How many times (columns or cells).
    pub count: usize,
    /// Where first: file:sheet!A1.
    pub at: String,
    /// Other candidates, in words.
    pub others: String,
}

/// An unmapped form's guess (None when no evidence points to one value) and where it was
/// seen, with the evidence in words as `others`.
pub type Guess = (Option<String>, Seen);

/// What learned.toml will hold.
#[derive(Debug, Default)]
pub struct Learned {
    /// (table, field) → header wording → seen.
    pub aliases: BTreeMap<(String, String), BTreeMap<String, Seen>>,
    /// (table, field) → written form → (the guess its evidence gives, if any; seen, with
    /// the evidence in words as `others`).
    pub synonyms: BTreeMap<(String, String), BTreeMap<String, Guess>>,
    /// Headers with no guess at all: (table, wording) → seen.
    pub unknown: BTreeMap<(String, String), Seen>,
    /// Enum forms read by a weak tier — an abbreviation, a qualifier set aside, the
    /// thesaurus, a near-synonym — (taken, but worth a look, and kept once accepted):
    /// (table, field) → written form → (value taken, seen, with how it was read as
    /// `others`).
    pub near: BTreeMap<(String, String), BTreeMap<String, (String, Seen)>>,
}

/// What learned.toml holds, from the run's distinct wordings (`rules::wordings`):
/// headers with a field to propose as its aliases, headers with none as comments, unread
/// forms as synonyms (a comment line when no evidence proposes a value), and forms read by
/// a weak tier for confirmation (accepting one makes it exact next time).
pub fn collect(wordings: &[Wording]) -> Learned {
    let mut l = Learned::default();
    for w in wordings {
        // Comments hold one line each: a header's evidence may quote a header broken over
        // lines in its cell.
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        let seen = Seen {
            count: w.count,
            at: one_line(w.cells.first().map_or("", String::as_str)),
            others: one_line(&w.how_zh),
        };
        let key = (w.table.clone(), w.field.clone());
        match (w.kind, &w.guess, &w.taken) {
            (WordingKind::Header, Some(_), _) => {
                l.aliases
                    .entry(key)
                    .or_default()
                    .insert(w.form.clone(), seen);
            }
            (WordingKind::Header, None, _) => {
                l.unknown.insert((w.table.clone(), w.form.clone()), seen);
            }
            (WordingKind::Value, _, None) => {
                l.synonyms
                    .entry(key)
                    .or_default()
                    .insert(w.form.clone(), (w.guess.clone(), seen));
            }
            (WordingKind::Value, _, Some(v)) => {
                l.near
                    .entry(key)
                    .or_default()
                    .insert(w.form.clone(), (v.clone(), seen));
            }
        }
    }
    l
}

/// "；…" with the evidence, when there is some.
fn others_note(s: &Seen) -> String {
    if s.others.is_empty() {
        String::new()
    } else {
        format!("；{}", s.others)
    }
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The file's text, written into `out` as it is made: how to use it, then per field its
/// aliases and synonyms, then the headers no field was guessed for.
pub fn render(out: &mut impl Write, l: &Learned) -> std::io::Result<()> {
    out.write_all(
        "# learned.toml：本次运行没能识别、或只勉强识别的列名和选项写法，附最可能的对应。\n\
         # 请逐条核对：对的留下，错的改成正确的字段或选项，拿不准的删掉；\n\
         # 然后再运行：selfbuilt run 输入… --out 输出 --aliases learned.toml\n\
         # Headers and enum forms this run could not map, or mapped only weakly, with the best\n\
         # guesses. Review each line, then run again with --aliases learned.toml.\n"
            .as_bytes(),
    )?;
    if l.aliases.is_empty() && l.synonyms.is_empty() && l.unknown.is_empty() && l.near.is_empty() {
        return out.write_all("\n# 本次没有需要核对的写法。Nothing to review.\n".as_bytes());
    }
    let mut keys: Vec<&(String, String)> = l
        .aliases
        .keys()
        .chain(l.synonyms.keys())
        .chain(l.near.keys())
        .collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        out.write_all(b"\n")?;
        if let Some(a) = l.aliases.get(k) {
            aliases_section(out, k, a)?;
        }
        synonyms_section(out, k, l.synonyms.get(k), l.near.get(k))?;
    }
    unknown_section(out, &l.unknown)
}

/// A field's `aliases`: the headers proposed for it.
fn aliases_section(
    out: &mut impl Write,
    (table, field): &(String, String),
    aliases: &BTreeMap<String, Seen>,
) -> std::io::Result<()> {
    writeln!(out, "[{table}.{field}]")?;
    out.write_all(b"aliases = [\n")?;
    for (w, s) in aliases {
        let others = others_note(s);
        writeln!(
            out,
            "  {},  # 表头，{} 处，如 {}{others}",
            q(w),
            s.count,
            s.at
        )?;
    }
    out.write_all(b"]\n")
}

/// A field's `synonyms`: the forms not read (a comment line when there is no guess), then
/// those read by a weak tier, to confirm.
fn synonyms_section(
    out: &mut impl Write,
    (table, field): &(String, String),
    unread: Option<&BTreeMap<String, Guess>>,
    near: Option<&BTreeMap<String, (String, Seen)>>,
) -> std::io::Result<()> {
    if unread.is_some() || near.is_some() {
        writeln!(out, "[{table}.{field}.synonyms]")?;
    }
    for (w, (c, s)) in unread.into_iter().flatten() {
        match c {
            Some(c) => writeln!(
                out,
                "{} = {}  # 依据：{}；{} 处，如 {}",
                q(w),
                q(c),
                s.others,
                s.count,
                s.at
            )?,
            // No evidence, no guess: a commented line for the clerk to fill in.
            None => writeln!(
                out,
                "# {} = \"\"  # 无法判断（{}），请填写正确的选项后去掉行首的 #；{} 处，如 {}",
                q(w),
                s.others,
                s.count,
                s.at
            )?,
        }
    }
    for (w, (c, s)) in near.into_iter().flatten() {
        writeln!(
            out,
            "{} = {}  # 已{}采用，请确认；{} 处，如 {}",
            q(w),
            q(c),
            s.others,
            s.count,
            s.at
        )?;
    }
    Ok(())
}

/// The headers no field was guessed for, as comments.
fn unknown_section(
    out: &mut impl Write,
    unknown: &BTreeMap<(String, String), Seen>,
) -> std::io::Result<()> {
    if unknown.is_empty() {
        return Ok(());
    }
    out.write_all(
        "\n# 无法判断对应哪个字段的列（需要的话，写到对应字段的 aliases 里）：\n".as_bytes(),
    )?;
    for ((t, w), s) in unknown {
        writeln!(out, "# {t}: {}  — {} 处，如 {}", q(w), s.count, s.at)?;
    }
    Ok(())
}

/// Write learned.toml.
pub fn write(run: &Run, path: &Path) -> Result<()> {
    let learned = collect(&run.wordings);
    stream_atomically(path, |out| Ok(render(out, &learned)?))
}

/// learned.toml: the wordings to check, as the registry writes them.
pub const WRITER: Writer = Writer {
    name: "learned.toml",
    is_folder: false,
    write: |c, path| write(c.run, path),
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::enums;
    use crate::schema::{Overlay, Schemas};
    use crate::text::norm_key;

    /// The file's text, as `render` writes it.
    fn text(l: &Learned) -> String {
        let mut out = Vec::new();
        render(&mut out, l).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_as_an_overlay_the_schemas_take() {
        let mut l = Learned::default();
        l.aliases
            .entry(("buildings".into(), "owner".into()))
            .or_default()
            .insert(
                "屋主名字".into(),
                Seen {
                    count: 2,
                    at: "a.xlsx:S!E3".into(),
                    others: "surveyor（0.41）".into(),
                },
            );
        l.synonyms
            .entry(("buildings".into(), "structure".into()))
            .or_default()
            .insert(
                "砌体结沟".into(),
                (
                    Some("砌体结构".into()),
                    Seen {
                        count: 1,
                        at: "a.xlsx:S!M5".into(),
                        others: String::new(),
                    },
                ),
            );
        l.unknown
            .insert(("buildings".into(), "某列".into()), Seen::default());
        let text = text(&l);
        let overlay: Overlay = toml::from_str(&text).expect(&text);
        let mut s = Schemas::shipped().unwrap();
        s.apply(&overlay).unwrap();
        let t = s.table(crate::schema::test_tables::Buildings);
        assert_eq!(
            t.label_index.get(&norm_key("屋主名字")),
            t.field_index("owner").as_ref()
        );
        assert_eq!(
            enums::lookup(t.field("structure").unwrap(), "砌体结沟").as_deref(),
            Some("砌体结构")
        );
        assert!(text.contains("# buildings: \"某列\""));
    }

    /// A form with no evidence gets no guess (never the first value): its line is a
    /// comment the clerk fills in, so accepting learned.toml as it is maps nothing wrong.
    #[test]
    fn no_guess_is_a_comment() {
        let mut l = Learned::default();
        l.synonyms
            .entry(("buildings".into(), "appraisal_grade".into()))
            .or_default()
            .insert("危险房屋整栋".into(), (None, Seen::default()));
        let text = text(&l);
        let overlay: Overlay = toml::from_str(&text).expect(&text);
        let mut s = Schemas::shipped().unwrap();
        s.apply(&overlay).unwrap();
        let f = s
            .table(crate::schema::test_tables::Buildings)
            .field("appraisal_grade")
            .unwrap();
        assert_eq!(enums::lookup(f, "危险房屋整栋"), None, "{text}");
        assert!(text.contains("# \"危险房屋整栋\" = \"\""), "{text}");
    }

    /// Evidence quoting a header broken over lines stays inside its comment: the file is
    /// still an overlay the schemas take.
    #[test]
    fn a_header_broken_over_lines_keeps_the_file_valid() {
        let w = Wording {
            kind: WordingKind::Header,
            table: "buildings".into(),
            field: "appraised".into(),
            form: "是否做过安全鉴定".into(),
            taken: Some("appraised".into()),
            guess: Some("appraised".into()),
            how_zh: "表头：“*是否做过\n安全鉴定”与“安全鉴定”相近".into(),
            how_en: String::new(),
            near: false,
            count: 1,
            cells: vec!["a.xlsx:S!R4".into()],
            rivals: Vec::new(),
        };
        let text = text(&collect(&[w]));
        let overlay: Overlay = toml::from_str(&text).expect(&text);
        let mut s = Schemas::shipped().unwrap();
        s.apply(&overlay).unwrap();
    }

    #[test]
    fn an_overlay_naming_a_missing_value_is_refused() {
        let overlay: Overlay =
            toml::from_str("[buildings.structure.synonyms]\n\"砖瓦房\" = \"砖瓦\"\n").unwrap();
        let e = Schemas::shipped().unwrap().apply(&overlay).unwrap_err();
        assert!(e.contains("砖瓦") && e.contains("structure"), "{e}");
        let overlay: Overlay = toml::from_str("[buildings.nope]\naliases = [\"x\"]\n").unwrap();
        assert!(Schemas::shipped().unwrap().apply(&overlay).is_err());
    }
}
