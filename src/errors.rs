//! An error and its causes as a clerk reads them, in the chosen language: what the
//! command line prints and the page shows.

/// An error and its causes as a clerk reads them: each cause after the one before, and
/// an operating-system error in words of the chosen language first, the system's own
/// words after (`Operation not permitted (os error 1)` is 没有权限（系统：…）).
pub fn error_text(error: &anyhow::Error, lang: crate::finding::Lang) -> String {
    error
        .chain()
        .map(|cause| match cause.downcast_ref::<std::io::Error>() {
            Some(io_error) => os_error(io_error, lang),
            None => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(if lang == crate::finding::Lang::En {
            ": "
        } else {
            "："
        })
}

/// An operating-system error in words of `lang`, the system's words after.
pub fn os_error(error: &std::io::Error, lang: crate::finding::Lang) -> String {
    use std::io::ErrorKind as K;
    let (zh, en) = match error.kind() {
        K::NotFound => ("找不到该文件或文件夹", "not found"),
        K::PermissionDenied => (
            "没有权限（文件或文件夹被锁定、只读，或被其他程序占用）",
            "permission denied",
        ),
        K::AlreadyExists => ("已经存在", "already exists"),
        K::StorageFull => ("磁盘已满", "the disk is full"),
        K::ReadOnlyFilesystem => ("磁盘或文件夹是只读的", "read-only file system"),
        K::IsADirectory => ("这是一个文件夹，不是文件", "is a folder"),
        K::NotADirectory => ("这不是文件夹", "not a folder"),
        K::DirectoryNotEmpty => ("文件夹不是空的", "folder not empty"),
        K::InvalidFilename => ("文件名不合规（过长或含不允许的字符）", "invalid file name"),
        K::Interrupted => ("操作被中断", "interrupted"),
        K::UnexpectedEof => ("文件不完整（提前结束）", "the file ends too early"),
        K::OutOfMemory => ("内存不足", "out of memory"),
        _ if error.raw_os_error() == Some(1) => (
            "不允许该操作（文件或文件夹被锁定）",
            "operation not permitted",
        ),
        _ => ("系统出错", "system error"),
    };
    match lang {
        crate::finding::Lang::En => format!("{en} (system: {error})"),
        crate::finding::Lang::Zh => format!("{zh}（系统：{error}）"),
    }
}

/// What a caught panic said (its message, or nothing when it carried none).
///
/// ```
/// let caught = std::panic::catch_unwind(|| panic!("disk full")).unwrap_err();
/// assert_eq!(selfbuilt::errors::panic_text(&caught), "disk full");
/// ```
pub fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}
