//! The machine-readable CSV files of SPEC §7: errors.csv (UTF-8 with BOM), changes.csv,
//! writeoffs.csv and tally.csv, with their exact headers.

use std::borrow::Cow;
use std::path::Path;

use anyhow::Result;

use super::atomic::{stream_atomically, FileOut};
use super::writer::Writer;
use crate::finding::{Finding, Lang};
use crate::model::{Run, Tally};
use crate::schema::Schemas;
use crate::text::push_a1;

/// The columns of errors.csv, in order: a fixed contract for whoever reads it by machine.
pub const ERRORS_HEADER: [&str; 10] = [
    "file",
    "sheet",
    "row",
    "cell",
    "field",
    "value",
    "severity",
    "code",
    "message",
    "suggestion",
];
/// The columns of changes.csv, the audit trail of every value cleaning changed.
pub const CHANGES_HEADER: [&str; 7] = ["file", "sheet", "row", "cell", "field", "old", "new"];
/// A cell as a CSV output holds it: one beginning with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'`, so that Excel and WPS, which clerks open these
/// files in, show it as text instead of running it as a formula (OWASP's advice on CSV
/// injection). Readers take the text after the `'`. The workbooks keep exact text.
///
/// ```
/// use selfbuilt::output::csvs::safe_cell;
/// assert_eq!(&*safe_cell(b"=HYPERLINK(\"x\")"), b"'=HYPERLINK(\"x\")");
/// assert_eq!(&*safe_cell("-3".as_bytes()), b"'-3");
/// assert_eq!(&*safe_cell("长塘村".as_bytes()), "长塘村".as_bytes());
/// ```
pub fn safe_cell(s: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    match s.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => {
            let mut v = Vec::with_capacity(s.len() + 1);
            v.push(b'\'');
            v.extend_from_slice(s);
            std::borrow::Cow::Owned(v)
        }
        _ => std::borrow::Cow::Borrowed(s),
    }
}

/// Write a CSV header and then whatever `body` writes, into any writer, BOM first when
/// asked.
fn csv_into<W: std::io::Write>(
    out: W,
    header: &[&str],
    bom: bool,
    body: impl FnOnce(&mut csv::Writer<W>) -> Result<()>,
) -> Result<W> {
    let mut out = out;
    if bom {
        out.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(header)?;
    body(&mut w)?;
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// Write ready-made rows, each cell made safe to open (`safe_cell`).
fn write_rows<W, I, R>(w: &mut csv::Writer<W>, rows: I) -> Result<()>
where
    W: std::io::Write,
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    for r in rows {
        for f in r {
            w.write_field(safe_cell(f.as_ref()))?;
        }
        w.write_record(None::<&[u8]>)?;
    }
    Ok(())
}

/// A CSV's bytes: the header, then each row's cells made safe to open (`safe_cell`), a BOM
/// first when asked.
pub fn csv_bytes<I, R>(header: &[&str], rows: I, bom: bool) -> Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    csv_into(Vec::new(), header, bom, |w| write_rows(w, rows))
}

/// The CSV writer of a file written as it is made.
type FileCsv<'a> = csv::Writer<&'a mut FileOut>;

/// Write a CSV into `path` as it is made, atomically (`stream_atomically`), BOM first:
/// the header, then whatever `body` writes. Memory never holds the file: the audit
/// trail of a province is millions of lines.
fn csv_file(
    path: &Path,
    header: &[&str],
    body: impl FnOnce(&mut FileCsv) -> Result<()>,
) -> Result<()> {
    stream_atomically(path, |out| csv_into(out, header, true, body).map(drop))
}

/// errors.csv's rows: a finding's cells, in `ERRORS_HEADER`'s order.
fn error_rows(findings: &[Finding], lang: Lang) -> impl Iterator<Item = [String; 10]> + '_ {
    findings.iter().map(move |f| {
        [
            f.file.clone(),
            f.sheet.clone(),
            f.row_1based(),
            f.cell(),
            f.field.clone(),
            f.value.clone(),
            f.severity.as_str().to_string(),
            f.code.clone(),
            f.message(lang).to_string(),
            f.suggestion(lang).to_string(),
        ]
    })
}

/// The errors.csv bytes of some findings (also used by `check --format csv`).
pub fn errors_bytes(findings: &[Finding], lang: Lang) -> Result<Vec<u8>> {
    csv_bytes(&ERRORS_HEADER, error_rows(findings, lang), true)
}

/// Writes errors.csv: every finding, one line each, messages in the language asked for.
pub fn write_errors(run: &Run, path: &Path, lang: Lang) -> Result<()> {
    csv_file(path, &ERRORS_HEADER, |w| {
        write_rows(w, error_rows(&run.findings, lang))
    })
}

/// Writes changes.csv: every value cleaning changed, with its old and new text.
pub fn write_changes(run: &Run, path: &Path) -> Result<()> {
    // Millions of lines: every field is borrowed, the row and cell names reuse buffers.
    csv_file(path, &CHANGES_HEADER, |w| {
        let (mut row, mut cell) = (String::new(), String::new());
        for c in run.changes() {
            row.clear();
            cell.clear();
            {
                use std::fmt::Write as _;
                let _ = write!(row, "{}", u64::from(c.row) + 1);
            }
            push_a1(&mut cell, c.row, c.col);
            w.write_record(
                [c.file, c.sheet, &row, &cell, c.field, c.old, c.new]
                    .map(|f| safe_cell(f.as_bytes())),
            )?;
        }
        Ok(())
    })
}

/// writeoffs.csv's rows: a proposal's reason, its row's identity and its evidence.
fn writeoff_rows(run: &Run) -> impl Iterator<Item = [Cow<'_, [u8]>; 8]> + '_ {
    fn text(t: &str) -> Cow<'_, [u8]> {
        Cow::Borrowed(t.as_bytes())
    }
    run.proposals.iter().map(move |p| {
        [
            text(&p.reason),
            text(&p.main_code),
            text(&p.item_code),
            text(&p.village),
            text(&run.rel[p.file]),
            text(&p.sheet),
            Cow::Owned((p.row + 1).to_string().into_bytes()),
            Cow::Owned(run.evidence(p).into_bytes()),
        ]
    })
}

/// The writeoffs.csv bytes.
pub fn writeoffs_bytes(run: &Run, schemas: &Schemas) -> Result<Vec<u8>> {
    let header = schemas.writeoffs_header();
    csv_bytes(&as_strs(&header), writeoff_rows(run), true)
}

/// Writes writeoffs.csv: the write-off proposals, with each row's identity and evidence.
pub fn write_writeoffs(run: &Run, schemas: &Schemas, path: &Path) -> Result<()> {
    let header = schemas.writeoffs_header();
    csv_file(path, &as_strs(&header), |w| {
        write_rows(w, writeoff_rows(run))
    })
}

/// A header of owned names as `csv_into` takes it.
fn as_strs(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

/// Writes tally.csv: the tally's columns that have `csv = true`, a line per village and the
/// total.
pub fn write_tally(
    t: &Tally,
    spec: &crate::schema::campaign::TallySpec,
    path: &Path,
) -> Result<()> {
    // The columns for machines: all but those the campaign keeps for people (`csv = false`).
    let kept: Vec<usize> = (0..t.keys.len())
        .filter(|&k| !spec.columns.iter().any(|c| c.key == t.keys[k] && !c.csv))
        .collect();
    let rows = t.rows.iter().chain(std::iter::once(&t.total)).map(|r| {
        std::iter::once(r.village.clone())
            .chain(
                kept.iter()
                    .map(|&k| r.counts.get(k).copied().unwrap_or(0).to_string()),
            )
            .collect::<Vec<_>>()
    });
    let header: Vec<&str> = std::iter::once("village")
        .chain(kept.iter().map(|&k| t.keys[k].as_str()))
        .collect();
    csv_file(path, &header, |w| write_rows(w, rows))
}

/// rounds.csv: what changed since the previous round, a line per row and change (written
/// only with `--previous`). Its row columns are named by the campaign's identity keys, as
/// writeoffs.csv's are (building_code and hazard_code for 自建房, credit_code … for 工贸).
pub fn write_rounds(r: &crate::model::Rounds, schemas: &Schemas, path: &Path) -> Result<()> {
    let keys = schemas.writeoffs_header();
    let key = |i: usize| keys.get(i).map(String::as_str).unwrap_or("");
    let header = [
        "village",
        key(1),
        key(2),
        "change",
        "code",
        "field",
        "old",
        "new",
    ];
    let rows = r.lines.iter().map(|l| {
        vec![
            l.village.clone(),
            l.main.clone(),
            l.item.clone(),
            l.change.to_string(),
            l.code.clone(),
            l.field.clone(),
            l.old.clone(),
            l.new.clone(),
        ]
    });
    csv_file(path, &header, |w| write_rows(w, rows))
}

/// coverage.csv: every roster entry and every survey row the roster does not list, a
/// line each (written only with `--roster`): its village, what it came to (covered,
/// missing, unlisted, twice), the match it was found by, the coverage's fields, and where
/// it is on the roster and in the survey (1-based rows).
pub fn write_coverage(c: &crate::model::Coverage, path: &Path) -> Result<()> {
    let header: Vec<&str> = ["village", "status", "matched_by"]
        .into_iter()
        .chain(c.fields.iter().map(String::as_str))
        .chain([
            "roster_sheet",
            "roster_row",
            "survey_file",
            "survey_sheet",
            "survey_row",
        ])
        .collect();
    let rows = c.lines.iter().map(|l| {
        let mut v = vec![l.village.clone(), l.status.to_string(), l.by.clone()];
        v.extend(l.vals.iter().cloned());
        match &l.roster {
            Some((sheet, row)) => v.extend([sheet.clone(), (row + 1).to_string()]),
            None => v.extend([String::new(), String::new()]),
        }
        match &l.survey {
            Some((file, sheet, row)) => {
                v.extend([file.clone(), sheet.clone(), (row + 1).to_string()])
            }
            None => v.extend([String::new(), String::new(), String::new()]),
        }
        v
    });
    csv_file(path, &header, |w| write_rows(w, rows))
}

/// changes.csv, as the registry writes it.
pub const CHANGES: Writer = Writer {
    name: "changes.csv",
    is_folder: false,
    write: |c, path| write_changes(c.run, path),
};

/// errors.csv, as the registry writes it.
pub const ERRORS: Writer = Writer {
    name: "errors.csv",
    is_folder: false,
    write: |c, path| write_errors(c.run, path, c.lang),
};

/// writeoffs.csv, as the registry writes it.
pub const WRITEOFFS: Writer = Writer {
    name: "writeoffs.csv",
    is_folder: false,
    write: |c, path| write_writeoffs(c.run, c.schemas, path),
};

/// tally.csv, as the registry writes it.
pub const TALLY: Writer = Writer {
    name: "tally.csv",
    is_folder: false,
    write: |c, path| write_tally(&c.run.tally, &c.schemas.campaign.tally, path),
};

/// rounds.csv, as the registry writes it: only with `--previous`.
pub const ROUNDS: Writer = Writer {
    name: "rounds.csv",
    is_folder: false,
    write: |c, path| match &c.run.rounds {
        Some(rounds) => write_rounds(rounds, c.schemas, path),
        None => Ok(()),
    },
};

/// coverage.csv, as the registry writes it: only with `--roster`.
pub const COVERAGE: Writer = Writer {
    name: "coverage.csv",
    is_folder: false,
    write: |c, path| match &c.run.coverage {
        Some(coverage) => write_coverage(coverage, path),
        None => Ok(()),
    },
};
