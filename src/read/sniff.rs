//! What a file really is, from its first bytes (never from its name alone).

/// The container a file's bytes show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A zip archive: xlsx, xlsm, xlsb or ods.
    Zip,
    /// An OLE compound file: xls, or an encrypted OOXML workbook.
    Ole,
    /// An OLE file holding an `EncryptedPackage` stream: a password-protected workbook.
    Encrypted,
    /// An HTML page (web systems export these as .xls).
    Html,
    /// Delimited text.
    Csv,
    Unknown,
}

const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Classify by magic bytes; `ext` (lower case) only decides between text kinds.
pub fn sniff(head: &[u8], ext: &str) -> Kind {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if head.starts_with(&OLE) {
        // The directory entry names are UTF-16LE; an encrypted OOXML package has
        // "EncryptedPackage" (and "EncryptionInfo") streams.
        let enc: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        if contains(head, &enc) || ext == "xlsx" || ext == "xlsm" {
            return Kind::Encrypted;
        }
        return Kind::Ole;
    }
    let text = {
        let mut h = head;
        if h.starts_with(b"\xEF\xBB\xBF") {
            h = &h[3..];
        }
        let s: Vec<u8> = h
            .iter()
            .copied()
            .skip_while(|b| b.is_ascii_whitespace())
            .take(512)
            .collect();
        s.to_ascii_lowercase()
    };
    if text.starts_with(b"<")
        && (contains(&text, b"<html")
            || contains(&text, b"<table")
            || contains(&text, b"<!doctype html"))
    {
        return Kind::Html;
    }
    if ext == "csv" {
        return Kind::Csv;
    }
    Kind::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sniff(b"PK\x03\x04rest", "xlsx"), Kind::Zip);
        assert_eq!(sniff(&OLE, "xls"), Kind::Ole);
        assert_eq!(sniff(&OLE, "xlsx"), Kind::Encrypted);
        assert_eq!(sniff(b"\xEF\xBB\xBF<html><table>", "xls"), Kind::Html);
        assert_eq!(sniff("房屋编码,户主".as_bytes(), "csv"), Kind::Csv);
        assert_eq!(sniff("这是一个文本文件".as_bytes(), "xlsx"), Kind::Unknown);
    }
}
