//! selfbuilt — village survey workbooks of the self-built housing safety campaign
//! (自建房安全专项整治): import, validate against declarative schemas, propose write-offs,
//! and write the cleaned workbook, error reports, annotated copies and tallies.
//!
//! Data flows one way: `read` → `recognise` → `cells` (via `rules::row`) →
//! `rules::cross` → `writeoff` → `output`; `pipeline` runs the stages in order.

#![warn(missing_docs)]
// No function over 100 lines (clippy.toml) outside tests: a long one is steps not yet named.
#![cfg_attr(not(test), warn(clippy::too_many_lines))]
// A file-level problem is returned as the `Finding` that reports it; that happens once per
// bad file, so its size on the error path does not matter.
#![allow(clippy::result_large_err)]

pub mod aside;
pub mod byfield;
pub mod cells;
pub mod cli;
pub mod cli_zh;
pub mod cmd;
pub mod codes;
pub mod demo;
pub mod errors;
pub mod fast;
pub mod finding;
pub mod ingest;
pub mod job;
pub mod keep;
pub mod keyrow;
pub mod memory;
pub mod model;
pub mod options;
pub mod order;
pub mod outdir;
pub mod output;
pub mod pipeline;
pub mod place;
pub mod progress;
pub mod read;
pub mod recognise;
pub mod report;
pub mod rollup;
pub mod round_file;
pub mod rounds;
pub mod rules;
pub mod sched;
pub mod schema;
pub mod serial;
pub mod serve;
pub mod spill;
pub mod tally;
pub mod template;
pub mod text;
pub mod timing;
pub mod types;
pub mod value;
pub mod villages;
pub mod writeoff;
