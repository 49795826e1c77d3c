//! What a run is given besides its inputs (`Options`): the schemas, the read limits, the
//! day it takes as today, how to read, the previous round and the roster. The command
//! line builds it; the per-file stage and the pipeline read it.

/// A roster to check against: its file and the schemas it is read with.
#[derive(Debug, Clone)]
pub struct Roster {
    /// The roster file (`--roster`).
    pub path: std::path::PathBuf,
    /// The schemas its rows are read with (the campaign's roster table).
    pub schemas: crate::schema::Schemas,
}

/// What a run is given besides its inputs: the schemas, the read limits, the day it
/// takes as today, and how to read.
#[derive(Clone)]
pub struct Options {
    /// The campaign's tables, rules and words.
    pub schemas: crate::schema::Schemas,
    /// How much of a file may be read.
    pub limits: crate::read::Limits,
    /// The day taken as today (`--as-of`), for dates that must not lie ahead.
    pub today: chrono::NaiveDate,
    /// Keep sheet grids for annotated copies.
    pub keep_grids: bool,
    /// Where the run's progress goes (a bar, plain lines, nothing).
    pub progress: std::sync::Arc<dyn crate::progress::Progress>,
    /// Read each file in a contained child process (the CLI always does; see
    /// `read::isolate`). None reads in this process.
    pub isolate: Option<crate::read::isolate::Isolation>,
    /// The previous round to compare with (`--previous`).
    pub previous: Option<std::sync::Arc<crate::model::Snapshot>>,
    /// The roster to check coverage against (`--roster`).
    pub roster: Option<Roster>,
    /// The county and township given (`--county`, `--township`).
    pub place: crate::model::Place,
    /// Where the sheets kept (`keep_grids`) are written aside (`aside`); None keeps them
    /// in memory.
    pub aside: Option<std::sync::Arc<tempfile::TempDir>>,
    /// Whether something after the run reads every value of its rows (the writers, a
    /// library caller): they are then written to `aside` (`spill`) or kept in memory.
    /// `check` reads none: its rows keep only the fields the stages read.
    pub values_after: bool,
    /// The fields the run's rows keep, when only those (set by the pipeline): each file's
    /// rows pool their kept values as they are checked, while the file is still being
    /// read, instead of all at once at its end (`keep::pool_record`).
    pub keep: Option<std::sync::Arc<crate::keyrow::Keep>>,
}

impl Options {
    /// Options for a library caller: today's date, the default read limits, grids kept
    /// for annotated copies, files read in this process, no progress shown, no previous
    /// round and no roster.
    ///
    /// ```
    /// let opts = selfbuilt::options::Options::new(selfbuilt::schema::Schemas::shipped().unwrap());
    /// assert!(opts.keep_grids && opts.isolate.is_none());
    /// ```
    pub fn new(schemas: crate::schema::Schemas) -> Self {
        Self {
            schemas,
            limits: crate::read::Limits::default(),
            today: chrono::Local::now().date_naive(),
            keep_grids: true,
            progress: std::sync::Arc::new(crate::progress::Silent),
            isolate: None,
            previous: None,
            roster: None,
            place: Default::default(),
            aside: None,
            values_after: true,
            keep: None,
        }
    }
}
