//! The villages' return packages (`结果/退回各村/<村>/`) as zip files to download: one
//! village's, or all of them in one. Entries in name order, dated 1980-01-01 (the zip
//! default), so the same results make the same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use zip::write::SimpleFileOptions;

/// A folder's files as a zip: each under `prefix/` and its path inside the folder.
pub fn zip_folders(folders: &[(String, PathBuf)]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (prefix, folder) in folders {
        let mut files = Vec::new();
        walk(folder, folder, &mut files);
        files.sort();
        for (rel, path) in files {
            let name = if prefix.is_empty() {
                rel
            } else {
                format!("{prefix}/{rel}")
            };
            zip.start_file(name, options)?;
            let bytes =
                std::fs::read(&path).with_context(|| format!("无法读取 {}", path.display()))?;
            zip.write_all(&bytes)?;
        }
    }
    Ok(zip.finish()?.into_inner())
}

/// Every regular file under `dir` (links not followed), with its path relative to `base`.
fn walk(base: &Path, dir: &Path, found: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(base, &path, found);
        } else if meta.is_file() {
            if let Ok(rel) = path.strip_prefix(base) {
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((rel, path));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_zip_holds_the_folders_files_in_order_and_is_the_same_twice() {
        let dir = tempfile::tempdir().unwrap();
        let v = dir.path().join("上林村");
        std::fs::create_dir_all(v.join("批注")).unwrap();
        std::fs::write(v.join("b.txt"), "b").unwrap();
        std::fs::write(v.join("批注/a.xlsx"), "a").unwrap();
        let one = zip_folders(&[("上林村".into(), v.clone())]).unwrap();
        let two = zip_folders(&[("上林村".into(), v)]).unwrap();
        assert_eq!(one, two);
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(one)).unwrap();
        let names: Vec<String> = (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert_eq!(names, ["上林村/b.txt", "上林村/批注/a.xlsx"]);
    }
}
