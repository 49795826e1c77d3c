//! The demo town generator, for any campaign from its schemas alone. A value for any
//! field (`values`) and rows of every table (`generate`, on `row`) are made from the
//! schemas and the campaign's `[demo]` words; a village's rows are made to keep the
//! campaign's checks and realise its write-off reasons (`scenarios`, with one hook per
//! kind of cross-table check in `cross`), spoiled the way villages spoil them (`spoil`),
//! and written down as villages write them (`write`: titles, fill-in lines, two-row
//! merged headers, 序号 columns, 合计 and footer lines, values typed every way, a GBK CSV
//! village) by `town`, with a second round (`rounds`) or a roster (`roster`) alongside;
//! `plain` writes one large plain workbook for the benchmarks, `province` a province's
//! county workbooks (houses with their ledgers, plain and typed). Deterministic for a
//! seed (`rng`).

mod cross;
mod generate;
mod plain;
mod province;
pub mod rng;
mod roster;
mod rounds;
mod row;
mod scenarios;
mod spoil;
mod town;
mod values;
pub mod write;

pub use plain::write_plain;
pub use province::{county_parts, write_province, ProvinceManifest, ProvinceSpec, MAX_SHEET_ROWS};
pub use rng::Rng;
pub use roster::RosterManifest;
pub use rounds::RoundManifest;
pub use spoil::Spoiled;
pub use town::{write_roster, write_rounds, write_town, Manifest};
