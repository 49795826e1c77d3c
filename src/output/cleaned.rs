//! cleaned.xlsx for upstream: sheets 房屋信息, 隐患台账, 回头看复核 with canonical labels,
//! canonical typed values of accepted rows only (numbers as numbers, dates as dates, codes,
//! IDs and phones as text), frozen header, autofilter, fitted widths, dropdowns on enum
//! columns, and the source of each row in trailing columns. Sheets are written in
//! constant memory; a table longer than one sheet continues on 房屋信息2, ….

use std::path::Path;

use anyhow::Result;
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Worksheet};

use super::workbook::{fit, new_workbook, save_xlsx, text_width, MAX_ROWS};
use super::writer::Writer;
use crate::cells::date::date_to_serial;
use crate::cells::Val;
use crate::model::Run;
use crate::schema::{FieldType, Schemas, TableId, TableSchema};

/// Write one canonical value; text is always a string cell (never a formula). A date takes
/// `date_fmt`, or with none the format of its column (which `head` gives every date field:
/// rust_xlsxwriter hashes a format given per cell whole, each time).
pub fn write_val(
    ws: &mut Worksheet,
    r: u32,
    c: u16,
    v: &Val,
    date_fmt: Option<&Format>,
) -> Result<()> {
    match v {
        Val::Empty => {}
        Val::Text(s) => {
            ws.write_string(r, c, fit(s))?;
        }
        Val::Int(i) => {
            ws.write_number(r, c, *i as f64)?;
        }
        Val::Num(f) => {
            ws.write_number(r, c, *f)?;
        }
        Val::Date(d) => match date_fmt {
            Some(f) => {
                ws.write_number_with_format(r, c, date_to_serial(*d), f)?;
            }
            None => {
                ws.write_number(r, c, date_to_serial(*d))?;
            }
        },
        Val::List(_) => {
            ws.write_string(r, c, fit(&v.display()))?;
        }
    }
    Ok(())
}

/// Column widths from the labels and the first rows.
fn widths(
    s: &TableSchema,
    lex: &crate::schema::Lexicon,
    run: &Run,
    t: TableId,
    recs: &[u32],
) -> Result<Vec<f64>> {
    let mut w: Vec<f64> = s
        .fields
        .iter()
        .map(|f| text_width(&f.label) + 2.0)
        .chain(lex.provenance_labels.iter().map(|l| text_width(l) + 2.0))
        .collect();
    let nf = s.fields.len();
    for rec in crate::spill::full_rows_at(run, t, &recs[..recs.len().min(2000)]) {
        let (_, rec) = rec?;
        for (c, v) in rec.vals.iter().enumerate() {
            let x = match v {
                Val::Date(_) => 12.0,
                other => text_width(&other.display()) + 2.0,
            };
            w[c] = w[c].max(x);
        }
        w[nf] = w[nf].max(text_width(&run.rel[rec.file]) + 2.0);
        w[nf + 1] = w[nf + 1].max(text_width(&rec.sheet) + 2.0);
    }
    Ok(w.into_iter().map(|x| x.min(50.0)).collect())
}

/// One sheet to fill: a table, or its continuation past Excel's last row.
struct Sheet<'r> {
    ws: Worksheet,
    t: TableId,
    /// The positions of its rows in the table.
    recs: &'r [u32],
    widths: &'r [f64],
}

/// The formats every sheet shares.
struct Formats {
    date: Format,
    head: Format,
    src_head: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            date: Format::new().set_num_format("yyyy-mm-dd"),
            head: Format::new()
                .set_bold()
                .set_background_color("#DDEBF7")
                .set_border(FormatBorder::Thin)
                .set_text_wrap(),
            src_head: Format::new()
                .set_bold()
                .set_background_color("#EDEDED")
                .set_border(FormatBorder::Thin),
        }
    }
}

/// Set up one sheet: widths, date columns, the header row. This registers every format
/// the sheet uses in the workbook's shared format table, so it runs on one thread for
/// all sheets before they are filled side by side (rust_xlsxwriter gives a format first
/// seen by two sheets at once two indices, and one sheet's cells then lose it).
fn head(sheet: &mut Sheet, schemas: &Schemas, fmt: &Formats) -> Result<()> {
    let ws = &mut sheet.ws;
    let s = schemas.table(sheet.t);
    let nf = s.fields.len() as u16;
    for (c, w) in sheet.widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    for (c, f) in s.fields.iter().enumerate() {
        if f.ty == FieldType::Date {
            // Dates typed in upstream later are dates too.
            ws.set_column_format(c as u16, &fmt.date)?;
        }
        ws.write_string_with_format(0, c as u16, &f.label, &fmt.head)?;
    }
    for (i, l) in schemas.lexicon.provenance_labels.iter().enumerate() {
        ws.write_string_with_format(0, nf + i as u16, l, &fmt.src_head)?;
    }
    Ok(())
}

/// Write the rows, the filter and the dropdowns of one sheet (into its own scratch file:
/// the sheets are constant-memory). Only formats that `head` registered are used here.
fn fill(sheet: &mut Sheet, run: &Run, schemas: &Schemas, fmt: &Formats) -> Result<()> {
    let ws = &mut sheet.ws;
    let s = schemas.table(sheet.t);
    let nf = s.fields.len() as u16;
    // A date column has the date format (`head`): its dates take the column's.
    let date_fmt: Vec<Option<&Format>> = s
        .fields
        .iter()
        .map(|f| (f.ty != FieldType::Date).then_some(&fmt.date))
        .collect();
    for (i, rec) in crate::spill::full_rows_at(run, sheet.t, sheet.recs).enumerate() {
        let (_, rec) = rec?;
        let r = i as u32 + 1;
        for (c, v) in rec.vals.iter().enumerate() {
            write_val(ws, r, c as u16, v, date_fmt[c])?;
        }
        ws.write_string(r, nf, fit(&run.rel[rec.file]))?;
        ws.write_string(r, nf + 1, &*rec.sheet)?;
        ws.write_number(r, nf + 2, (rec.row + 1) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last = sheet.recs.len().max(1) as u32;
    ws.autofilter(0, 0, last, nf + 2)?;
    // Dropdowns on enum columns, so that upstream edits stay canonical.
    for (c, f) in s.fields.iter().enumerate() {
        if f.ty == FieldType::Enum
            && f.values
                .iter()
                .map(|v| v.chars().count() + 1)
                .sum::<usize>()
                < 250
        {
            let dv = DataValidation::new().allow_list_strings(&f.values)?;
            ws.add_data_validation(1, c as u16, last.max(1000), c as u16, &dv)?;
        }
    }
    Ok(())
}

/// cleaned.xlsx's file name.
pub const FILE: &str = "cleaned.xlsx";

/// cleaned.xlsx as the registry writes it, with nothing beside it.
pub const WRITER: Writer = Writer {
    name: FILE,
    is_folder: false,
    write: |c, path| write_beside(c.run, c.schemas, path, &c.tmp, || ()).0,
};

/// Write cleaned.xlsx while `beside` runs on the other core, and return both results.
///
/// The long chain of this file is filling its biggest sheet and then compressing the
/// whole workbook, which rust_xlsxwriter does on one core. So the biggest sheet is filled
/// here while the other side first fills the smaller sheets and hands them over, then
/// runs `beside`; this side waits for them (they are the shorter job), then saves.
/// On one thread the same code runs the other side first, then saves.
pub fn write_beside<B: Send>(
    run: &Run,
    schemas: &Schemas,
    path: &Path,
    tmp: &Path,
    beside: impl FnOnce() -> B + Send,
) -> (Result<()>, B) {
    let per_sheet = (MAX_ROWS - 1) as usize;
    let accepted: Vec<(TableId, Vec<u32>)> = schemas.ids().map(|t| (t, run.accepted(t))).collect();
    let widths: Result<Vec<Vec<f64>>> = accepted
        .iter()
        .map(|(t, recs)| widths(schemas.table(*t), &schemas.lexicon, run, *t, recs))
        .collect();
    let widths = match widths {
        Ok(w) => w,
        Err(e) => return (Err(e), beside()),
    };
    let sheets = || -> Result<(rust_xlsxwriter::Workbook, Vec<Sheet>)> {
        let cells = accepted
            .iter()
            .zip(&widths)
            .map(|((_, recs), w)| recs.len().min(per_sheet) as u64 * (w.len() as u64 + 3))
            .max()
            .unwrap_or(0);
        let mut wb = new_workbook(tmp, cells)?;
        let mut sheets = Vec::new();
        for ((t, recs), w) in accepted.iter().zip(&widths) {
            let chunks: Vec<&[u32]> = if recs.is_empty() {
                vec![&[]]
            } else {
                recs.chunks(per_sheet).collect()
            };
            for (k, chunk) in chunks.into_iter().enumerate() {
                let label = &schemas.table(*t).table.label;
                let mut ws = wb.new_worksheet_with_constant_memory()?;
                ws.set_name(if k == 0 {
                    label.clone()
                } else {
                    format!("{label}{}", k + 1)
                })?;
                sheets.push(Sheet {
                    ws,
                    t: *t,
                    recs: chunk,
                    widths: w,
                });
            }
        }
        Ok((wb, sheets))
    };
    let (mut wb, mut sheets) = match sheets() {
        Ok(x) => x,
        Err(e) => return (Err(e), beside()),
    };
    let fmt = Formats::new();
    if let Err(e) = sheets.iter_mut().try_for_each(|s| head(s, schemas, &fmt)) {
        return (Err(e), beside());
    }
    let big = (0..sheets.len())
        .max_by_key(|&i| sheets[i].recs.len())
        .unwrap_or(0);
    let mut others = sheets.split_off(big);
    let mut mine = others.remove(0);
    let before = sheets; // the sheets ahead of the biggest, in workbook order
    let (tx, rx) = std::sync::mpsc::channel::<Result<(Vec<Sheet>, Vec<Sheet>)>>();
    rayon::join(
        || -> Result<()> {
            let rx = rx; // moved here: a receiver stays on one thread
            crate::timing::timed(FILE, || {
                fill(&mut mine, run, schemas, &fmt)?;
                let (before, after) = wait_for(&rx)??;
                for s in before.into_iter().chain(std::iter::once(mine)).chain(after) {
                    wb.push_worksheet(s.ws);
                }
                crate::timing::timed(&format!("{FILE} save"), || {
                    save_xlsx(&mut wb, path, run.day)
                })
            })
        },
        || {
            let fill_all =
                |v: &mut Vec<Sheet>| v.iter_mut().try_for_each(|s| fill(s, run, schemas, &fmt));
            let (mut before, mut others) = (before, others);
            send_filled(tx, || {
                fill_all(&mut before)
                    .and_then(|()| fill_all(&mut others))
                    .map(|()| (before, others))
            });
            beside()
        },
    )
}

/// Sends what `fill` gives on `tx`, a panic as an error with its text (rust_xlsxwriter
/// panics on a full disk). `tx` is taken: however this ends, the other side hears of it
/// (a sender held elsewhere while `fill` panicked left the other side waiting for ever:
/// a 10M run on a nearly full disk hung so).
fn send_filled<T>(tx: std::sync::mpsc::Sender<Result<T>>, fill: impl FnOnce() -> Result<T>) {
    let filled =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(fill)).unwrap_or_else(|panic| {
            let what = crate::errors::panic_text(&panic);
            Err(anyhow::anyhow!("filling the smaller sheets failed: {what}"))
        });
    // The receiver is gone only when this file has already failed.
    let _ = tx.send(filled);
}

/// Wait for what the other side of a `rayon::join` sends, helping with the pool's
/// pending work meanwhile (on one thread that work is the other side itself).
fn wait_for<T>(rx: &std::sync::mpsc::Receiver<T>) -> Result<T> {
    use std::sync::mpsc::TryRecvError;
    loop {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(TryRecvError::Disconnected) => anyhow::bail!("the other side stopped"),
            Err(TryRecvError::Empty) => match rayon::yield_now() {
                Some(rayon::Yield::Executed) => {}
                _ => std::thread::sleep(std::time::Duration::from_millis(2)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_filling_beside_is_an_error_and_nobody_waits_for_ever() {
        let (tx, rx) = std::sync::mpsc::channel::<Result<u32>>();
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        send_filled(tx, || panic!("No space left on device"));
        std::panic::set_hook(quiet);
        let said = wait_for(&rx).unwrap().unwrap_err().to_string();
        assert!(said.contains("No space left on device"), "{said}");
        // Nothing more will come: the sender went with the call, waiting ends.
        assert!(wait_for(&rx).is_err());
        let (tx, rx) = std::sync::mpsc::channel::<Result<u32>>();
        send_filled(tx, || Ok(7));
        assert_eq!(wait_for(&rx).unwrap().unwrap(), 7);
    }
    use crate::pipeline::{run, Options};
    use calamine::{open_workbook_auto, Data, Reader};

    /// Every sheet of a workbook, as its name and its cells in text; a cell that reads
    /// as a date is shown as `date:…`, so that a lost date format shows.
    fn contents(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
        let mut wb = open_workbook_auto(path).expect("cleaned.xlsx opens");
        wb.sheet_names()
            .into_iter()
            .map(|name| {
                let range = wb.worksheet_range(&name).expect("sheet reads");
                let rows = range
                    .rows()
                    .map(|r| {
                        r.iter()
                            .map(|c: &Data| match c {
                                Data::DateTime(d) => format!("date:{}", d.as_f64()),
                                other => other.to_string(),
                            })
                            .collect()
                    })
                    .collect();
                (name, rows)
            })
            .collect()
    }

    /// The same workbook on one thread and on two (several times: sheets filled side by
    /// side once raced for their shared formats), with the sheets in table order, all
    /// accepted rows in them, every date a date, and the work beside it done.
    #[test]
    fn cleaned_is_the_same_on_one_thread_and_two() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-town");
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .expect("the demo town is shipped")
            .map(|e| e.expect("entry").path())
            .collect();
        inputs.sort();
        let opts = Options {
            schemas: Schemas::shipped().expect("shipped schemas"),
            limits: Default::default(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 29).expect("date"),
            keep_grids: false,
            progress: std::sync::Arc::new(crate::progress::Silent),
            isolate: None,
            previous: None,
            roster: None,
            place: Default::default(),
            aside: None,
            values_after: true,
            keep: None,
        };
        let r = run(&inputs, &opts);
        let out = tempfile::tempdir().expect("tempdir");
        let mut seen = Vec::new();
        for threads in [1, 2, 2, 2, 2, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let path = out.path().join(format!("cleaned-{}.xlsx", seen.len()));
            let tmp = out.path().join(format!("tmp-{}", seen.len()));
            let (written, beside) =
                pool.install(|| write_beside(&r, &opts.schemas, &path, &tmp, || threads * 10));
            written.expect("cleaned.xlsx is written");
            assert_eq!(beside, threads * 10);
            seen.push(contents(&path));
        }
        for (k, other) in seen.iter().enumerate().skip(1) {
            // The first cell that differs, not two whole workbooks.
            for ((name, a), (_, b)) in seen[0].iter().zip(other) {
                for (r, (x, y)) in a.iter().zip(b).enumerate() {
                    assert_eq!(x, y, "run {k}, sheet {name}, row {}", r + 1);
                }
                assert_eq!(a.len(), b.len(), "run {k}, sheet {name}");
            }
            assert_eq!(seen[0].len(), other.len());
        }
        let names: Vec<&str> = seen[0].iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["房屋信息", "隐患台账", "回头看复核"]);
        for ((_, rows), t) in seen[0].iter().zip(opts.schemas.ids()) {
            let accepted = r.table(t).iter().filter(|x| !x.rejected).count();
            assert!(accepted > 0);
            assert_eq!(rows.len(), accepted + 1, "{t:?}: header and accepted rows");
            for (c, f) in opts.schemas.table(t).fields.iter().enumerate() {
                if f.ty == FieldType::Date {
                    let dates = rows[1..].iter().filter(|r| r[c].starts_with("date:"));
                    let filled = rows[1..].iter().filter(|r| !r[c].is_empty());
                    assert_eq!(dates.count(), filled.count(), "{t:?} {}", f.key);
                }
            }
        }
    }
}
