//! `--parquet DIR`: a run's Parquet files copied into the layout engines read as one
//! dataset, `DIR/<name>/county=<county>/township=<township>/part-0.parquet` (Hive's).
//! Many townships' runs write into the same DIR, each replacing only its own part; each
//! file arrives whole (a temp file beside it, renamed).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::model::Place;

/// The folder name Hive and Spark give a partition whose value is null.
pub const NULL_PART: &str = "__HIVE_DEFAULT_PARTITION__";

/// A value as a partition folder's: characters no file system or engine takes in a folder
/// name (`/ \ : * ? " < > |`, `=`, `%`, control characters) as `_`, a leading dot as `_`;
/// none or blank as `NULL_PART`.
///
/// ```
/// use selfbuilt::output::parquet::hive::part_value;
/// assert_eq!(part_value(Some("某县")), "某县");
/// assert_eq!(part_value(Some("a/b=c")), "a_b_c");
/// assert_eq!(part_value(None), "__HIVE_DEFAULT_PARTITION__");
/// ```
pub fn part_value(value: Option<&str>) -> String {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return NULL_PART.to_string();
    };
    let mut out: String = v
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '=' | '%' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    out
}

/// The folder of one file's part: `DIR/<name>/county=…/township=…`.
pub fn part_dir(root: &Path, name: &str, place: &Place) -> PathBuf {
    root.join(name)
        .join(format!("county={}", part_value(place.county.as_deref())))
        .join(format!(
            "township={}",
            part_value(place.township.as_deref())
        ))
}

/// Copies each of `names` from the run's Parquet folder `from` into `root`'s layout.
pub fn copy(from: &Path, root: &Path, names: &[String], place: &Place) -> Result<()> {
    for name in names {
        let dir = part_dir(root, name, place);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let source = from.join(format!("{name}.parquet"));
        crate::output::atomic::write_atomically(&dir.join("part-0.parquet"), |tmp| {
            std::fs::copy(&source, tmp).with_context(|| {
                format!("cannot copy {} to {}", source.display(), tmp.display())
            })?;
            Ok(())
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_a_safe_folder_name() {
        assert_eq!(part_value(Some("..")), "_.");
        assert_eq!(part_value(Some("  ")), NULL_PART);
        assert_eq!(part_value(Some("a\u{7}b%")), "a_b_");
        let place = Place {
            county: Some("500230".into()),
            township: None,
        };
        assert_eq!(
            part_dir(Path::new("/d"), "tally", &place),
            Path::new("/d/tally/county=500230").join(format!("township={NULL_PART}"))
        );
    }
}
