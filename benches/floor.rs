//! The floor: the least any implementation of `selfbuilt run` must spend on a workbook —
//! calamine reading every cell of every sheet, and rust_xlsxwriter writing the same cells
//! (constant-memory sheets) to a new workbook. `bench/run.sh` times it beside `run`.
//!
//! Usage: floor INPUT.xlsx OUTPUT.xlsx   (prints the cells copied)

use calamine::{open_workbook_auto, Data, Reader};
use rust_xlsxwriter::{Format, Workbook};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1).filter(|a| !a.starts_with('-')), args.get(2))
    else {
        eprintln!("usage: floor INPUT.xlsx OUTPUT.xlsx");
        return;
    };
    let mut src = match open_workbook_auto(input) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("floor: cannot open {input}: {e}");
            std::process::exit(2);
        }
    };
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut cells: u64 = 0;
    let (mut read_s, t_all) = (0.0, std::time::Instant::now());
    for name in src.sheet_names() {
        let t0 = std::time::Instant::now();
        let Ok(range) = src.worksheet_range(&name) else {
            continue;
        };
        read_s += t0.elapsed().as_secs_f64();
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
                    cells += 1;
                }
            }
        }
    }
    if let Err(e) = wb.save(output) {
        eprintln!("floor: cannot write {output}: {e}");
        std::process::exit(2);
    }
    let all = t_all.elapsed().as_secs_f64();
    println!(
        "floor: {cells} cells copied; reading {read_s:.2} s, writing {:.2} s",
        all - read_s
    );
}
