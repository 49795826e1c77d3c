//! `tally.parquet`: the run's tally, one row per village, no total row (an engine sums),
//! every tally column of the campaign by key, in its order; a column the run could not
//! count (the roster's, without `--roster`) is null. `rollup` reads these.

use std::path::Path;

use anyhow::Result;
use polars::prelude::{Column, DataFrame};

use super::columns::{same, text};
use super::sink::write_frames;
use crate::model::{Place, Tally};
use crate::schema::Schemas;

/// The tally as a frame: county, township, village, then each campaign column.
pub fn frame(tally: &Tally, schemas: &Schemas, place: &Place) -> Result<DataFrame> {
    let n = tally.rows.len();
    let mut columns = vec![
        same("county", place.county.as_deref(), n),
        same("township", place.township.as_deref(), n),
        text(
            "village",
            tally.rows.iter().map(|r| Some(r.village.as_str())),
        ),
    ];
    for column in &schemas.campaign.tally.columns {
        let at = tally.keys.iter().position(|k| *k == column.key);
        let counts: Vec<Option<i64>> = tally
            .rows
            .iter()
            .map(|r| at.and_then(|i| r.counts.get(i).copied()))
            .collect();
        columns.push(Column::new(column.key.as_str().into(), counts));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Writes tally.parquet at `path`.
pub fn write(tally: &Tally, schemas: &Schemas, place: &Place, path: &Path) -> Result<()> {
    write_frames(path, [frame(tally, schemas, place)], None)
}
