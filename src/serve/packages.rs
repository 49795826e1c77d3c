//! The villages' return packages (`结果/退回各村/<村>/`) as zip files to download: one
//! village's, or all of them in one. Entries in name order, dated 1980-01-01 (the zip
//! default), so the same results make the same bytes.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use zip::write::SimpleFileOptions;

/// A folder's files as a zip: each under `prefix/` and its path inside the folder.
pub fn zip_folders(folders: &[(String, PathBuf)]) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (prefix, folder) in folders {
        let mut files = Vec::new();
        super::workspace::walk(folder, folder, false, &mut files);
        files.sort();
        for (rel, path, _) in files {
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
