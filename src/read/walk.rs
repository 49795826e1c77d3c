//! Finding the input files: files as given, folders recursively. The walk never leaves
//! an input tree through a symlink, never loops (a folder is entered once, however it is
//! reached), reads a file once however many names lead to it (its device and inode), and
//! says in a finding what it passed over: a link out of the tree, a loop, a second name for
//! a file already read, something that is not a regular file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::sniff::Kind;
use super::{has_ext, is_skipped_name, InputFile};
use crate::finding::Finding;

/// A file's identity on disk: (device, inode) where the platform has them, else its
/// canonical path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

fn identity(p: &Path, meta: &std::fs::Metadata) -> Identity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = p;
        Identity::Inode(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Identity::Path(p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
    }
}

fn skipped(said: crate::finding::Said, rel: &str) -> Finding {
    Finding::new(said).at_file(rel)
}

/// How a path is shown: lossless even when the name is not UTF-8 (bytes escaped as \xNN).
pub fn show(p: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let b = p.as_os_str().as_bytes();
        match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => b
                .utf8_chunks()
                .map(|c| {
                    let mut s = c.valid().to_string();
                    for x in c.invalid() {
                        s.push_str(&format!("\\x{x:02X}"));
                    }
                    s
                })
                .collect(),
        }
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().into_owned()
    }
}

/// Walk the INPUT arguments (see the module doc): the files to read, sorted within each
/// folder, and findings for what was passed over.
pub fn collect_inputs(inputs: &[PathBuf]) -> (Vec<InputFile>, Vec<Finding>) {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    let mut seen: HashSet<Identity> = HashSet::new();
    for input in inputs {
        let shown = show(input);
        let Ok(meta) = std::fs::metadata(input) else {
            findings.push(skipped(crate::codes::no_such_file(&shown), &shown));
            continue;
        };
        if meta.is_dir() {
            walk_dir(input, &mut out, &mut findings, &mut seen);
            continue;
        }
        let name = input
            .file_name()
            .map(|n| show(Path::new(n)))
            .unwrap_or_default();
        if is_skipped_name(&name) {
            continue;
        }
        if !meta.is_file() {
            findings.push(not_a_file(&name));
            continue;
        }
        if !seen.insert(identity(input, &meta)) {
            findings.push(second_name(&name));
            continue;
        }
        out.push(InputFile {
            path: input.clone(),
            rel: name,
        });
    }
    (out, findings)
}

/// The first bytes of a file.
fn head_of(p: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut head = vec![0u8; 4096];
    let n = std::fs::File::open(p)
        .and_then(|mut h| h.read(&mut head))
        .unwrap_or(0);
    head.truncate(n);
    head
}

/// A file named like Excel's lock file (`~$村.xlsx`) that is a whole workbook: a lock file
/// is a few hundred bytes of owner name, never a zip or OLE container.
fn real_workbook(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() > 1024)
        && matches!(
            super::sniff::sniff(&head_of(p), ""),
            Kind::Zip | Kind::Ole | Kind::Xml2003
        )
}

/// The extension of a path, lower case ("" when none).
fn ext_of(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Extensions of archives that are not opened.
const OTHER_ARCHIVES: [&str; 8] = ["rar", "7z", "tar", "gz", "bz2", "xz", "tgz", "cab"];

/// Extensions of documents and pictures, never read as tables whatever they hold.
const DOCUMENTS: [&str; 14] = [
    "doc", "docx", "wps", "pdf", "ppt", "pptx", "jpg", "jpeg", "png", "gif", "bmp", "mp4", "amr",
    "mht",
];

/// A file whose name is no spreadsheet's that is read all the same: a `.zip` archive (its
/// spreadsheets are read, see `archive`), a workbook or delimited text by its content (a
/// tab-separated `.txt`, a file with no extension).
fn read_by_content(p: &Path) -> bool {
    let ext = ext_of(p);
    if ext == "zip" {
        return true;
    }
    if OTHER_ARCHIVES.contains(&ext.as_str()) || DOCUMENTS.contains(&ext.as_str()) {
        return false;
    }
    match super::sniff::sniff(&head_of(p), "") {
        Kind::Ole | Kind::Xml2003 | Kind::Csv => true,
        Kind::Zip => zip_holds_workbook(p),
        _ => false,
    }
}

/// A zip package that is a workbook (xlsx, ods), not a document or an archive of files.
fn zip_holds_workbook(p: &Path) -> bool {
    let Ok(f) = std::fs::File::open(p) else {
        return false;
    };
    let Ok(z) = zip::ZipArchive::new(std::io::BufReader::new(f)) else {
        return false;
    };
    let names: Vec<String> = z.file_names().flatten().map(String::from).collect();
    names
        .iter()
        .any(|n| n.ends_with("workbook.xml") || *n == "content.xml")
        && !names
            .iter()
            .any(|n| n.starts_with("word/") || n.starts_with("ppt/"))
}

/// The note for a file in an input folder that is not read, saying why.
fn not_read(p: &Path, rel: &str) -> crate::finding::Said {
    let ext = ext_of(p);
    if OTHER_ARCHIVES.contains(&ext.as_str()) {
        crate::codes::archive_not_read(rel, ext)
    } else {
        crate::codes::other_not_read(rel)
    }
}

fn not_a_file(rel: &str) -> Finding {
    skipped(crate::codes::not_a_file(rel), rel)
}

fn second_name(rel: &str) -> Finding {
    skipped(crate::codes::second_name(rel), rel)
}

fn walk_dir(
    root: &Path,
    out: &mut Vec<InputFile>,
    findings: &mut Vec<Finding>,
    seen: &mut HashSet<Identity>,
) {
    let Ok(root_real) = root.canonicalize() else {
        return;
    };
    let mut entered: HashSet<PathBuf> = HashSet::new();
    entered.insert(root_real.clone());
    let mut stack = vec![root.to_path_buf()];
    let mut files: Vec<(PathBuf, std::fs::Metadata)> = Vec::new();
    let rel_of = |p: &Path| show(p.strip_prefix(root).unwrap_or(p)).replace('\\', "/");
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            let shown = show(&d);
            findings.push(skipped(crate::codes::unreadable_folder(&shown), &shown));
            continue;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let name = show(Path::new(&e.file_name()));
            if is_skipped_name(&name) && !(name.starts_with("~$") && real_workbook(&p)) {
                continue;
            }
            let Ok(lmeta) = std::fs::symlink_metadata(&p) else {
                continue;
            };
            let rel = rel_of(&p);
            if lmeta.file_type().is_symlink() {
                // A link is followed only where it stays inside the input tree.
                let inside = p
                    .canonicalize()
                    .ok()
                    .filter(|real| real.starts_with(&root_real));
                let Some(real) = inside else {
                    let relevant = std::fs::metadata(&p)
                        .map(|m| m.is_dir() || has_ext(&p))
                        .unwrap_or(true);
                    if relevant {
                        findings.push(skipped(crate::codes::link_outside(&rel), &rel));
                    }
                    continue;
                };
                let Ok(meta) = std::fs::metadata(&real) else {
                    continue;
                };
                if meta.is_dir() {
                    if entered.insert(real) {
                        stack.push(p);
                    } else {
                        findings.push(skipped(crate::codes::link_loop(&rel), &rel));
                    }
                } else if has_ext(&p) {
                    files.push((p, meta));
                }
                continue;
            }
            if lmeta.is_dir() {
                if let Ok(real) = p.canonicalize() {
                    if entered.insert(real) {
                        stack.push(p);
                    }
                }
            } else if has_ext(&p) || (lmeta.is_file() && read_by_content(&p)) {
                if lmeta.is_file() {
                    files.push((p, lmeta));
                } else {
                    findings.push(not_a_file(&rel));
                }
            } else if lmeta.is_file() {
                findings.push(skipped(not_read(&p, &rel), &rel));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (p, meta) in files {
        let rel = rel_of(&p);
        if !seen.insert(identity(&p, &meta)) {
            findings.push(second_name(&rel));
            continue;
        }
        out.push(InputFile { path: p, rel });
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn names(v: &[InputFile]) -> Vec<&str> {
        v.iter().map(|f| f.rel.as_str()).collect()
    }

    #[test]
    fn links_loops_and_second_names() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("in");
        std::fs::create_dir_all(d.join("a")).unwrap();
        std::fs::write(d.join("a/平安村.csv"), "房屋编码\n").unwrap();
        let outside = t.path().join("secret.csv");
        std::fs::write(&outside, "x\n").unwrap();
        std::os::unix::fs::symlink(".", d.join("loop")).unwrap();
        std::os::unix::fs::symlink(d.join("self1"), d.join("self2")).unwrap();
        std::os::unix::fs::symlink(d.join("self2"), d.join("self1")).unwrap();
        std::os::unix::fs::symlink(&outside, d.join("passwd.csv")).unwrap();
        std::os::unix::fs::symlink(d.join("a/平安村.csv"), d.join("again.csv")).unwrap();
        std::fs::hard_link(d.join("a/平安村.csv"), d.join("hard.csv")).unwrap();
        let (files, findings) = collect_inputs(&[d.clone(), d.join("a/平安村.csv")]);
        assert_eq!(names(&files), vec!["a/平安村.csv"], "{findings:?}");
        let said: Vec<&str> = findings.iter().map(|f| f.file.as_str()).collect();
        for x in ["loop", "passwd.csv", "again.csv", "hard.csv", "平安村.csv"] {
            assert!(said.contains(&x), "{x}: {said:?}");
        }
        assert!(findings.iter().all(|f| f.code == "F013"), "{findings:?}");
    }

    #[test]
    fn names_that_are_not_utf8_are_shown_escaped() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"\xc4\xe3\xba\xc3.xlsx"));
        assert_eq!(show(p), "\\xC4\\xE3\\xBA\\xC3.xlsx");
        let q = Path::new(std::ffi::OsStr::from_bytes(b"\xc4\xe3.xlsx"));
        assert_ne!(show(p), show(q));
    }
}
