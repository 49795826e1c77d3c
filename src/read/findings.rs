//! The file-level findings of reading, each built in one place: not a spreadsheet,
//! encrypted, corrupt, too big, unreadable, a row given twice.

use super::Limits;
use crate::finding::{Finding, Severity};

pub(crate) fn file_finding(
    code: &'static crate::finding::RuleDoc,
    file: &str,
    zh: String,
    en: String,
    fix_zh: &str,
    fix_en: &str,
) -> Finding {
    Finding::new(code, Severity::Error)
        .at_file(file)
        .msg(zh, en)
        .fix(fix_zh, fix_en)
}

/// F002: the workbook is encrypted (an open password, or XOR obfuscation in an xls).
pub(crate) fn encrypted(rel: &str) -> Finding {
    file_finding(
        &crate::codes::F002,
        rel,
        "工作簿设置了打开密码（已加密），无法读取".into(),
        "the workbook is password-protected (encrypted) and cannot be read".into(),
        "在 Excel/WPS 中打开，清除打开密码（文件→信息→保护工作簿→用密码进行加密，清空）后另存再报送",
        "open it, remove the password (File → Info → Protect Workbook → Encrypt with Password, clear it), save and resend",
    )
}

/// The file exists but cannot be read (permissions, a device, a vanished file).
pub(crate) fn io_finding(rel: &str, e: &std::io::Error) -> Finding {
    file_finding(
        &crate::codes::F001,
        rel,
        format!("无法读取文件：{e}"),
        format!("cannot read file: {e}"),
        "检查文件是否存在、有无读取权限",
        "check that the file exists and is readable",
    )
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
    let detail = &reader_words(detail);
    file_finding(
        &crate::codes::F003,
        rel,
        format!("文件已损坏或不完整，无法按{expected}读取（{detail}）"),
        format!("the file is damaged or incomplete and cannot be read ({detail})"),
        "请村里重新导出或重新发送原文件；或在 Excel/WPS 中打开修复后另存",
        "ask the village to export or send the file again, or repair it in Excel/WPS and save again",
    )
}

pub(crate) fn too_big_unzipped(rel: &str, bytes: u64, limits: &Limits) -> Finding {
    file_finding(
        &crate::codes::F007,
        rel,
        format!(
            "文件解压后超过 {} MB 的上限（至少 {} MB），为防止内存耗尽未读取",
            limits.max_unzipped_bytes >> 20,
            bytes >> 20
        ),
        format!(
            "the file inflates past the {} MB limit (at least {} MB); not read",
            limits.max_unzipped_bytes >> 20,
            bytes >> 20
        ),
        "删除多余的空行、空列和重复内容后另存；确属大文件可用 --max-unzipped-mb 提高上限",
        "remove unused rows/columns and save again, or raise the limit with --max-unzipped-mb",
    )
}

/// F014: the file gives row `r` twice; `lost` names the cells the later copy replaced.
pub fn row_given_twice(rel: &str, sheet: &str, r: u32, differ: bool, lost: &[String]) -> Finding {
    let f = Finding::new(
        &crate::codes::F014,
        if differ {
            Severity::Error
        } else {
            Severity::Warning
        },
    )
    .at_file(rel)
    .at_sheet(sheet)
    .at_cell(r, None);
    let f = if differ {
        f.msg(
            format!("文件里第 {} 行出现了两次（文件结构异常），两份内容不同；按后出现的一份读取，被覆盖的是：{}", r + 1, lost.join("、")),
            format!("the file holds row {} twice (a structural fault) with different contents; the later one was read, overwriting {}", r + 1, lost.join(", ")),
        )
    } else {
        f.msg(
            format!("文件里第 {} 行出现了两次（文件结构异常），两份内容不冲突，按一行读取", r + 1),
            format!("the file holds row {} twice (a structural fault); the two do not conflict and were read as one row", r + 1),
        )
    };
    f.fix(
        "在 Excel/WPS 中打开核对这一行，另存为 .xlsx 后重新报送",
        "open the file, check this row, Save As .xlsx and resend",
    )
}
