//! The inputs of a run, gathered: every file under the INPUT arguments, the spreadsheets
//! inside zip archives unpacked into scratch that lives as long as the run, and the
//! roster (`--roster`) set apart, read as a roster only even when it sits in an input
//! folder.

use std::path::{Path, PathBuf};

use super::{archive, collect_inputs, InputFile, Limits};
use crate::finding::Finding;

/// What a run reads.
pub struct Gathered {
    /// The village files, in order.
    pub files: Vec<InputFile>,
    /// What was found along the way (files skipped, archives that could not be opened).
    pub findings: Vec<Finding>,
    /// Where archives were unpacked (their annotated copies are made from there).
    pub scratch: Option<tempfile::TempDir>,
    /// The roster, named by its file name, when one was given and found.
    pub roster: Option<InputFile>,
}

/// Gather the inputs (see the module's doc).
pub fn gather(inputs: &[PathBuf], roster: Option<&Path>, limits: &Limits) -> Gathered {
    let (files, mut findings) = collect_inputs(inputs);
    let scratch = files
        .iter()
        .any(archive::is_archive)
        .then(|| tempfile::Builder::new().prefix("selfbuilt-").tempdir().ok())
        .flatten();
    let mut files = match &scratch {
        Some(dir) => {
            let (files, notes) = archive::expand(files, limits, dir.path());
            findings.extend(notes);
            files
        }
        None => files,
    };
    let roster = roster.and_then(|path| set_apart(&mut files, path));
    Gathered {
        files,
        findings,
        scratch,
        roster,
    }
}

/// Find the roster and take it out of the village files.
fn set_apart(files: &mut Vec<InputFile>, path: &Path) -> Option<InputFile> {
    let (mut found, _) = collect_inputs(&[path.to_path_buf()]);
    let roster = found.pop()?;
    let same = std::fs::canonicalize(&roster.path).ok();
    files.retain(|f| same.is_none() || std::fs::canonicalize(&f.path).ok() != same);
    Some(InputFile {
        rel: roster.path.file_name()?.to_string_lossy().to_string(),
        ..roster
    })
}
