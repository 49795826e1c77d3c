//! Files the page sends (multipart): each part's file name is the path relative to the
//! folder it goes to (a folder dropped whole sends `村/表.xlsx`). A name that could leave
//! that folder is refused (`workspace::inside`); a file over the size limit, or past the
//! count limit, is refused; each is streamed into a temporary file beside its place and
//! renamed there when whole, so a broken upload leaves nothing behind.

use std::io::Write;
use std::path::Path;

use axum::extract::multipart::{Field, Multipart, MultipartError};
use serde::Serialize;

use super::workspace::inside;

/// How much one upload may hold.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// The largest file, in bytes.
    pub file_bytes: u64,
    /// The most files in one request, and in a round's folder.
    pub files: usize,
}

/// A file saved.
#[derive(Debug, Clone, Serialize)]
pub struct Saved {
    /// Its path in the folder, `/`-separated.
    pub name: String,
    /// Its size.
    pub bytes: u64,
}

/// A file refused, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// Its name as sent.
    pub name: String,
    /// Why, in Chinese.
    pub why: String,
}

/// What an upload did.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    /// The files saved.
    pub saved: Vec<Saved>,
    /// The files refused.
    pub refused: Vec<Refused>,
}

/// Saves the parts named `part` into `dir`; `already` files are in it before. The
/// request's own error (a body over its limit: 413) ends it.
pub async fn save_parts(
    mut form: Multipart,
    part: &str,
    dir: &Path,
    already: usize,
    limits: UploadLimits,
) -> Result<Outcome, MultipartError> {
    let mut out = Outcome::default();
    while let Some(field) = form.next_field().await? {
        if field.name() != Some(part) {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        if already + out.saved.len() >= limits.files {
            out.refused.push(Refused {
                name,
                why: format!("文件太多：一轮最多 {} 个文件", limits.files),
            });
            drain(field).await?;
            continue;
        }
        let target = match inside(dir, &name) {
            Ok(t) => t,
            Err(e) => {
                out.refused.push(Refused {
                    name,
                    why: format!("文件名不能使用：{e}"),
                });
                drain(field).await?;
                continue;
            }
        };
        match save_one(field, &target, limits.file_bytes).await? {
            Ok(bytes) => out.saved.push(Saved {
                name: name.replace('\\', "/"),
                bytes,
            }),
            Err(why) => out.refused.push(Refused { name, why }),
        }
    }
    Ok(out)
}

/// Reads the rest of a part without keeping it.
async fn drain(mut field: Field<'_>) -> Result<(), MultipartError> {
    while field.chunk().await?.is_some() {}
    Ok(())
}

/// Streams one part into a temporary file beside `target`, then renames it there; the
/// inner error says why the file was refused.
async fn save_one(
    mut field: Field<'_>,
    target: &Path,
    most: u64,
) -> Result<Result<u64, String>, MultipartError> {
    let Some(dir) = target.parent() else {
        return Ok(Err("没有上级文件夹".into()));
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        drain(field).await?;
        return Ok(Err(format!("无法创建文件夹：{e}")));
    }
    if target.is_dir() {
        drain(field).await?;
        return Ok(Err("同名的文件夹已经存在".into()));
    }
    let mut tmp = match tempfile::Builder::new().prefix(".upload-").tempfile_in(dir) {
        Ok(t) => t,
        Err(e) => {
            drain(field).await?;
            return Ok(Err(format!("无法写入：{e}")));
        }
    };
    let mut bytes = 0u64;
    while let Some(chunk) = field.chunk().await? {
        bytes += chunk.len() as u64;
        if bytes > most {
            drain(field).await?;
            return Ok(Err(format!("文件太大：每个文件最大 {} MB", most >> 20)));
        }
        if let Err(e) = tmp.write_all(&chunk) {
            drain(field).await?;
            return Ok(Err(format!("无法写入：{e}")));
        }
    }
    Ok(match tmp.persist(target) {
        Ok(_) => Ok(bytes),
        Err(e) => Err(format!("无法写入：{}", e.error)),
    })
}
