//! Safe names for files and sheets derived from input paths and village names: no `..`,
//! no separators, no control characters, no reserved device names (CON, NUL …), bounded
//! length, never colliding.

use std::collections::HashSet;

const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A file name stem safe on every system.
pub fn safe_stem(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    while out.contains("..") {
        out = out.replace("..", "_");
    }
    let out = out
        .trim_matches(|c: char| c == '.' || c == ' ' || c == '_')
        .to_string();
    let mut out = if out.is_empty() {
        "file".to_string()
    } else {
        out
    };
    let base = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    if RESERVED.contains(&base.as_str()) {
        out = format!("_{out}");
    }
    // At most 100 characters and 150 bytes: with a suffix and an extension the name stays
    // well inside the 255 bytes file systems allow (a Chinese character takes 3).
    let mut bytes = 0;
    out.chars()
        .take(100)
        .take_while(|c| {
            bytes += c.len_utf8();
            bytes <= STEM_BYTES
        })
        .collect()
}

/// The most bytes of a stem `safe_stem` gives.
pub const STEM_BYTES: usize = 150;

/// Hands out names that never collide (case-insensitively).
#[derive(Default)]
pub struct Unique {
    seen: HashSet<String>,
}

impl Unique {
    /// Takes a file name `stem` + `ext` not yet taken (compared without case), adding `_2`,
    /// `_3` … until one is free.
    pub fn take(&mut self, stem: &str, ext: &str) -> String {
        let mut n = 1;
        loop {
            let name = if n == 1 {
                format!("{stem}{ext}")
            } else {
                format!("{stem}_{n}{ext}")
            };
            if self.seen.insert(name.to_lowercase()) {
                return name;
            }
            n += 1;
        }
    }
}

/// An Excel sheet name: ≤ 31 characters, none of []:*?/\ , unique in the workbook.
pub fn sheet_name(s: &str, used: &mut Unique) -> String {
    let clean: String = s
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') && !c.is_control())
        .collect();
    let clean = clean.trim_matches('\'').trim().to_string();
    let clean = if clean.is_empty() {
        "Sheet".to_string()
    } else {
        clean
    };
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("({n})")
        };
        let room = 31 - suffix.chars().count();
        let name: String = clean.chars().take(room).collect::<String>() + &suffix;
        if used.seen.insert(name.to_lowercase()) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe() {
        assert_eq!(safe_stem("../../evil"), "evil");
        assert!(!safe_stem("a/../../b").contains('/'));
        assert_eq!(safe_stem("CON"), "_CON");
        assert_eq!(safe_stem("con.xlsx"), "_con.xlsx");
        assert_eq!(safe_stem("a\u{0}b"), "a_b");
        assert_eq!(safe_stem(""), "file");
    }

    #[test]
    fn no_collisions() {
        let mut u = Unique::default();
        assert_eq!(u.take("a", ".xlsx"), "a.xlsx");
        assert_eq!(u.take("A", ".xlsx"), "A_2.xlsx");
        let mut s = Unique::default();
        let long = "很".repeat(40);
        let a = sheet_name(&long, &mut s);
        let b = sheet_name(&long, &mut s);
        assert!(a.chars().count() <= 31 && b.chars().count() <= 31 && a != b);
        assert_eq!(sheet_name("a/b[c]", &mut s), "abc");
    }
}
