//! The two folders other outputs point into: annotated/ (which the return packages copy
//! from) and the return packages' folder (which report.html and the run's summary link
//! to); their names, and the names of the files inside them.

use super::names::{safe_stem, Unique};
use crate::model::Run;

/// The folder of annotated copies, inside the out folder.
pub const ANNOTATED: &str = "annotated";

/// The folder of return packages (one folder per village), inside the out folder.
pub const RETURNS: &str = "退回各村";

/// The name of each input file's annotated copy, in input order (unique in the folder).
pub fn copy_names(run: &Run) -> Vec<String> {
    let mut names = Unique::default();
    run.rel
        .iter()
        .map(|rel| {
            let stem = safe_stem(
                &rel.trim_end_matches(|c| c != '.')
                    .trim_end_matches('.')
                    .replace('/', "_"),
            );
            names.take(&format!("{stem}.批注"), ".xlsx")
        })
        .collect()
}

/// A village's folder among the return packages.
pub fn package_folder(village: &str) -> String {
    safe_stem(village)
}

/// The problem list in a village's return package.
pub fn package_list(village: &str) -> String {
    format!("{}-问题清单.xlsx", safe_stem(village))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_is_named_by_its_village_made_safe() {
        assert_eq!(package_folder("a/b"), "a_b");
        assert_eq!(package_list("a/b"), "a_b-问题清单.xlsx");
    }
}
