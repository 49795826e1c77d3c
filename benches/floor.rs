//! The floor: the least any implementation of `selfbuilt run` must spend on a workbook —
//! calamine reading every cell of every sheet, and rust_xlsxwriter writing the same cells
//! (constant-memory sheets) to a new workbook. `bench/run.sh` times it beside `run`; without
//! an output it only reads (the floor of `check`). Given a folder, it does so for every
//! workbook in it, the files side by side on every core (as `selfbuilt` reads files), each
//! copy written into the output folder under its own name.
//!
//! Usage: floor INPUT [OUTPUT [--discard]]   (INPUT a workbook or a folder of them; prints
//!                                            the cells copied or read)
//!
//! `--discard` removes each copy once it is written (the writing is timed all the same): a
//! province's copies need not fit on the disk beside it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use calamine::{open_workbook_auto, Data, Reader};
use rayon::prelude::*;
use rust_xlsxwriter::{Format, Workbook};

/// Cells and seconds of one workbook's read and write.
#[derive(Default, Clone, Copy)]
struct Spent {
    cells: u64,
    read_s: f64,
    write_s: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(input) = args.get(1).filter(|a| !a.starts_with('-')) else {
        eprintln!(
            "usage: floor INPUT [OUTPUT [--discard]]   (INPUT a workbook or a folder of them)"
        );
        return;
    };
    let input = Path::new(input);
    let output = args
        .get(2)
        .filter(|a| !a.starts_with('-'))
        .map(PathBuf::from);
    let discard = args.iter().skip(2).any(|a| a == "--discard");
    let t_all = std::time::Instant::now();
    let spent = if input.is_dir() {
        folder(input, output.as_deref(), discard)
    } else {
        one(input, output.as_deref(), discard)
    };
    let spent = spent.unwrap_or_else(|e| {
        eprintln!("floor: {e}");
        std::process::exit(2);
    });
    let all = t_all.elapsed().as_secs_f64();
    let what = if output.is_some() { "copied" } else { "read" };
    println!(
        "floor: {} cells {what} in {all:.2} s; reading {:.2} s, writing {:.2} s (summed over files)",
        spent.cells, spent.read_s, spent.write_s
    );
}

/// Every workbook in `dir` (by name), side by side; copies into `out` under their names.
fn folder(dir: &Path, out: Option<&Path>, discard: bool) -> Result<Spent, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| ["xlsx", "xls", "ods"].contains(&x.to_string_lossy().as_ref()))
        })
        .collect();
    files.sort();
    if let Some(o) = out {
        std::fs::create_dir_all(o).map_err(|e| format!("cannot create {}: {e}", o.display()))?;
    }
    let total = Mutex::new(Spent::default());
    files.par_iter().try_for_each(|f| {
        let copy = out.map(|o| o.join(f.file_name().unwrap_or_default()));
        let s = one(f, copy.as_deref(), discard)?;
        let mut t = total.lock().map_err(|e| e.to_string())?;
        t.cells += s.cells;
        t.read_s += s.read_s;
        t.write_s += s.write_s;
        Ok::<(), String>(())
    })?;
    total.into_inner().map_err(|e| e.to_string())
}

/// One workbook: every sheet read whole, then (with `out`) its cells written to `out`,
/// removed again when `discard`.
fn one(input: &Path, out: Option<&Path>, discard: bool) -> Result<Spent, String> {
    let mut src =
        open_workbook_auto(input).map_err(|e| format!("cannot open {}: {e}", input.display()))?;
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut spent = Spent::default();
    let t_all = std::time::Instant::now();
    for name in src.sheet_names() {
        let t0 = std::time::Instant::now();
        let Ok(range) = src.worksheet_range(&name) else {
            continue;
        };
        spent.read_s += t0.elapsed().as_secs_f64();
        if out.is_none() {
            spent.cells += range.used_cells().count() as u64;
            continue;
        }
        let ws = wb.add_worksheet_with_constant_memory().expect("worksheet");
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, row) in range.rows().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r0 + r as u32, (c0 as usize + c) as u16);
                let done = match v {
                    Data::String(s) => ws.write_string(r, c, s).map(|_| ()),
                    Data::Float(f) => ws.write_number(r, c, *f).map(|_| ()),
                    Data::Int(i) => ws.write_number(r, c, *i as f64).map(|_| ()),
                    Data::Bool(b) => ws.write_boolean(r, c, *b).map(|_| ()),
                    Data::DateTime(d) => ws
                        .write_number_with_format(r, c, d.as_f64(), &date)
                        .map(|_| ()),
                    Data::DateTimeIso(s) | Data::DurationIso(s) => {
                        ws.write_string(r, c, s).map(|_| ())
                    }
                    Data::Error(_) | Data::Empty => continue,
                };
                if done.is_ok() {
                    spent.cells += 1;
                }
            }
        }
    }
    if let Some(out) = out {
        wb.save(out)
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        spent.write_s = t_all.elapsed().as_secs_f64() - spent.read_s;
        if discard {
            std::fs::remove_file(out)
                .map_err(|e| format!("cannot remove {}: {e}", out.display()))?;
        }
    }
    Ok(spent)
}
