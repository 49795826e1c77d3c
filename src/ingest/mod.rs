//! The per-file stage, files side by side: read a file into sheets (`read`), recognise each
//! sheet's table as its first rows arrive (`recognise`), and normalise the cells and check
//! every row of it as the rest arrive (`cells`, `rules::row`). `file` drives one file,
//! `sheet` holds where one sheet stands (its checked rows packed in the aside format),
//! `fill` fills merged data cells down, `flood` sums up one rule's findings on many rows,
//! `split` splits off other tables on a sheet. What comes out is a `model::FileOut`.

pub mod batch;
pub mod file;
pub mod fill;
pub mod flood;
pub mod sheet;
mod split;
