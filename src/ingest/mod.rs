//! The per-file stage, files side by side: read a file into sheets (`read`), recognise each
//! sheet's table as its first rows arrive (`recognise`), and normalise the cells and check
//! every row of it as the rest arrive (`cells`, `rules::row`). `file` drives one file,
//! `sheet` holds where one sheet stands, `fill` fills merged data cells down. What comes out is a `model::FileOut`.

pub mod batch;
pub mod file;
pub mod fill;
pub mod sheet;
