//! The demo town generator, for any campaign from its schemas alone: what the town holds
//! (`generic`: main rows and their child rows through the campaign's references, every
//! value made from its field and the `[demo]` words, every check of the campaign kept,
//! each write-off reason realised as often as the words say, with `faults` a manifest of
//! the cells spoiled) and how villages write it down (`write`: titles, fill-in lines,
//! two-row merged headers, 序号 columns, 合计 and footer lines, values typed every way, a
//! GBK CSV village). Deterministic for a seed.

pub mod generic;
pub mod rng;
pub mod write;

pub use rng::Rng;
