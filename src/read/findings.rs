//! The file-level findings of reading, each built in one place: not a spreadsheet,
//! encrypted, corrupt, too big, unreadable, a row given twice.

use super::Limits;
use crate::codes;
use crate::finding::{Finding, Said, Severity};

/// A file-level finding of reading: the registry's message, at the file.
pub(crate) fn file_finding(said: Said, file: &str) -> Finding {
    Finding::new(said).at_file(file)
}

/// F002: the workbook is encrypted (an open password, or XOR obfuscation in an xls).
pub(crate) fn encrypted(rel: &str) -> Finding {
    file_finding(codes::encrypted(), rel)
}

/// The file exists but cannot be read (permissions, a device, a vanished file).
pub(crate) fn io_finding(rel: &str, e: &std::io::Error) -> Finding {
    file_finding(codes::unreadable_file(e), rel)
}

/// A reader's error in words a person can read: its own text when short and plain, never a
/// dump of its internal values.
pub(crate) fn reader_words(detail: &str) -> String {
    let dump = [
        "{",
        "}",
        "Borrowed(",
        "Owned(",
        "BytesText",
        "Some(",
        "Err(",
    ];
    if dump.iter().any(|d| detail.contains(d)) {
        "内部结构不符合该格式的规范".to_string()
    } else {
        crate::text::truncate_chars(detail, 120)
    }
}

pub(crate) fn corrupt(rel: &str, expected: &str, detail: &str) -> Finding {
    file_finding(codes::corrupt(expected, reader_words(detail)), rel)
}

pub(crate) fn too_big_unzipped(rel: &str, bytes: u64, limits: &Limits) -> Finding {
    let (limit, mb) = (limits.max_unzipped_bytes >> 20, bytes >> 20);
    file_finding(codes::unzipped_too_big(limit, mb), rel)
}

/// F014: the file gives row `r` twice; `lost` names the cells the later copy replaced.
pub fn row_given_twice(rel: &str, sheet: &str, r: u32, differ: bool, lost: &[String]) -> Finding {
    let f = if differ {
        Finding::new(codes::row_twice_conflict(
            r + 1,
            lost.join("、"),
            lost.join(", "),
        ))
    } else {
        Finding::new(codes::row_twice_same(r + 1)).severity(Severity::Warning)
    };
    f.at_file(rel).at_sheet(sheet).at_cell(r, None)
}
