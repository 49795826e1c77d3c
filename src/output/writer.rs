//! What an output writer is (the file or folder it writes, and how) and what every writer
//! is given; each writer module declares its own, the registry (`output`) lists them.

use std::path::Path;

use anyhow::Result;

use crate::finding::Lang;
use crate::model::Run;
use crate::schema::Schemas;

/// What every writer is given.
pub struct Ctx<'a> {
    /// The run whose results are written.
    pub run: &'a Run,
    /// The schemas the run was checked with.
    pub schemas: &'a Schemas,
    /// Labels and rule titles, as people read them.
    pub words: crate::rules::words::Words,
    /// The output folder.
    pub out: &'a Path,
    /// Scratch for constant-memory sheets, inside the output folder.
    pub tmp: std::path::PathBuf,
    /// The language of messages and labels.
    pub lang: Lang,
    /// When villages are to send their corrections by (`--deadline`).
    pub deadline: Option<chrono::NaiveDate>,
}

/// One output: the file (or folder) it writes and how.
pub struct Writer {
    /// The name of the file or folder it writes at the top of the output folder.
    pub name: &'static str,
    /// Does it write a folder (which progress lines name with a trailing `/`)?
    pub is_folder: bool,
    /// The function writing it, given the path `name` takes in the output folder.
    pub write: fn(&Ctx, &Path) -> Result<()>,
}

impl Writer {
    /// The output as progress lines and timings name it: a folder with a trailing `/`.
    pub fn shown(&self) -> String {
        if self.is_folder {
            format!("{}/", self.name)
        } else {
            self.name.to_string()
        }
    }

    /// Write the output into the output folder of `ctx`.
    pub fn run(&self, ctx: &Ctx) -> Result<()> {
        (self.write)(ctx, &ctx.out.join(self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_shown_with_a_slash() {
        let file = Writer {
            name: "a.csv",
            is_folder: false,
            write: |_, _| Ok(()),
        };
        let folder = Writer {
            name: "a",
            is_folder: true,
            write: |_, _| Ok(()),
        };
        assert_eq!(file.shown(), "a.csv");
        assert_eq!(folder.shown(), "a/");
    }
}
