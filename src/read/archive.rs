//! Zip archives of village files, as they arrive from WeChat and e-mail: each `.zip` among
//! the inputs is opened and the spreadsheets inside it are unpacked into a scratch folder
//! and read like any other input, named `村.zip/房屋表.xlsx`. The same limits hold for
//! each member as for a file (its unpacked size is checked while it is written, whatever
//! the archive claims); an archive inside the archive, a document or a picture gets a note
//! (F018) instead of being read. Member names written by Chinese Windows (GBK, without
//! the zip's UTF-8 flag) are decoded as such.

use std::io::Read;
use std::path::Path;

use super::{InputFile, Limits};
use crate::finding::Finding;

/// The most spreadsheets one archive gives.
const MAX_MEMBERS: usize = 2000;

/// Extensions of archives inside an archive, never opened.
const ARCHIVES: [&str; 9] = ["zip", "rar", "7z", "tar", "gz", "bz2", "xz", "tgz", "cab"];

/// Is this input a zip archive to open (and not a workbook, which is a zip too)?
pub fn is_archive(f: &InputFile) -> bool {
    f.path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Replace every zip archive among `files` by the spreadsheets inside it, unpacked into
/// `scratch`; notes for what is not read. Files that are not archives pass as they are.
pub fn expand(
    files: Vec<InputFile>,
    limits: &Limits,
    scratch: &Path,
) -> (Vec<InputFile>, Vec<Finding>) {
    let mut out = Vec::with_capacity(files.len());
    let mut notes = Vec::new();
    for (k, f) in files.into_iter().enumerate() {
        if !is_archive(&f) {
            out.push(f);
            continue;
        }
        let dir = scratch.join(k.to_string());
        match unpack(&f, limits, &dir, &mut out, &mut notes) {
            Ok(()) => {}
            Err(e) => notes
                .push(Finding::new(crate::codes::archive_unreadable(&f.rel, e)).at_file(&f.rel)),
        }
    }
    (out, notes)
}

/// A member's name: UTF-8 when the archive says so or the bytes are, else GBK.
fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
    }
}

fn unpack(
    f: &InputFile,
    limits: &Limits,
    dir: &Path,
    out: &mut Vec<InputFile>,
    notes: &mut Vec<Finding>,
) -> Result<(), String> {
    let file = std::fs::File::open(&f.path).map_err(|e| e.to_string())?;
    let mut z = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut taken = 0usize;
    for i in 0..z.len() {
        let mut m = match super::inflate::open(&mut z, i) {
            Ok(m) => m,
            Err(e) => {
                notes.push(
                    Finding::new(crate::codes::archive_unreadable(&f.rel, e.to_string()))
                        .at_file(&f.rel),
                );
                continue;
            }
        };
        if m.is_dir() {
            continue;
        }
        let inner = member_name(m.name_raw()).replace('\\', "/");
        let base = inner.rsplit('/').next().unwrap_or(&inner).to_string();
        // Folders of the Mac's resource forks and hidden or lock files are not files.
        if inner.starts_with("__MACOSX/") || base.is_empty() || super::is_skipped_name(&base) {
            continue;
        }
        let rel = format!("{}/{inner}", f.rel);
        let ext = Path::new(&base)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if ARCHIVES.contains(&ext.as_str()) {
            notes.push(Finding::new(crate::codes::nested_archive(&rel)).at_file(&rel));
            continue;
        }
        if !(super::EXTENSIONS.contains(&ext.as_str()) || ext == "txt") {
            notes.push(Finding::new(crate::codes::other_not_read(&rel)).at_file(&rel));
            continue;
        }
        if taken == MAX_MEMBERS {
            notes.push(
                Finding::new(crate::codes::archive_too_many(&f.rel, MAX_MEMBERS)).at_file(&f.rel),
            );
            break;
        }
        let max = limits.max_file_bytes;
        if m.size() > max {
            notes.push(
                Finding::new(crate::codes::archive_member_too_big(
                    &rel,
                    m.size() >> 20,
                    max >> 20,
                ))
                .at_file(&rel),
            );
            continue;
        }
        // A short name of its own: the member's may be long, or hold what a file system
        // refuses.
        let path = dir.join(format!("{taken}.{ext}"));
        let written = std::fs::File::create(&path)
            .map_err(|e| e.to_string())
            .and_then(|mut w| {
                let mut data = super::inflate::inflated(&mut m).take(max + 1);
                std::io::copy(&mut data, &mut w).map_err(|e| e.to_string())
            });
        match written {
            Ok(n) if n > max => {
                let _ = std::fs::remove_file(&path);
                notes.push(
                    Finding::new(crate::codes::archive_member_too_big(
                        &rel,
                        n >> 20,
                        max >> 20,
                    ))
                    .at_file(&rel),
                );
            }
            Ok(_) => {
                taken += 1;
                out.push(InputFile { path, rel });
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                notes.push(Finding::new(crate::codes::archive_unreadable(&rel, e)).at_file(&rel));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn spreadsheets_are_unpacked_and_the_rest_noted() {
        let tmp = tempfile::tempdir().unwrap();
        let zpath = tmp.path().join("平安村.zip");
        {
            let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("房屋表.csv", o).unwrap();
            z.write_all("房屋编码,户主\nYH1,韦宝\n".as_bytes()).unwrap();
            z.start_file("说明.docx", o).unwrap();
            z.write_all(b"x").unwrap();
            z.start_file("第二批.rar", o).unwrap();
            z.write_all(b"x").unwrap();
            z.start_file("__MACOSX/._房屋表.csv", o).unwrap();
            z.write_all(b"x").unwrap();
            z.finish().unwrap();
        }
        let files = vec![InputFile {
            path: zpath,
            rel: "平安村.zip".into(),
        }];
        let scratch = tmp.path().join("s");
        let (out, notes) = expand(files, &Limits::default(), &scratch);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rel, "平安村.zip/房屋表.csv");
        assert!(std::fs::read_to_string(&out[0].path)
            .unwrap()
            .contains("韦宝"));
        let codes: Vec<(&str, &str)> = notes
            .iter()
            .map(|f| (f.file.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("平安村.zip/说明.docx", "F018"),
                ("平安村.zip/第二批.rar", "F018")
            ]
        );
    }

    /// Chinese Windows writes member names in GBK without the UTF-8 flag.
    #[test]
    fn gbk_member_names_are_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("平安村房屋信息.xlsx");
        assert_eq!(member_name(&gbk), "平安村房屋信息.xlsx");
        assert_eq!(member_name("房屋.xlsx".as_bytes()), "房屋.xlsx");
    }

    #[test]
    fn a_member_past_the_limit_is_not_unpacked() {
        let tmp = tempfile::tempdir().unwrap();
        let zpath = tmp.path().join("a.zip");
        {
            let mut z = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("big.csv", o).unwrap();
            z.write_all(&vec![b'a'; 3 << 20]).unwrap();
            z.finish().unwrap();
        }
        let limits = Limits {
            max_file_bytes: 1 << 20,
            ..Limits::default()
        };
        let (out, notes) = expand(
            vec![InputFile {
                path: zpath,
                rel: "a.zip".into(),
            }],
            &limits,
            &tmp.path().join("s"),
        );
        assert!(out.is_empty());
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].message_zh.contains("超过 1 MB"),
            "{}",
            notes[0].message_zh
        );
    }
}
