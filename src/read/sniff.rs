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
    /// A single-file web page (MHT/MHTML): Excel's "save as web page", named .xls.
    Mht,
    /// Delimited text.
    Csv,
    /// An Excel 2.x–4.0 worksheet (BIFF2–4, before OLE containers): no reader reads it.
    OldExcel,
    /// A flat OpenDocument spreadsheet (.fods, one XML file).
    FlatOds,
    /// An Excel 2003 XML spreadsheet (SpreadsheetML), whatever its name says.
    Xml2003,
    /// None of these: the file is not read.
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
        if contains(head, &enc) {
            return Kind::Encrypted;
        }
        return Kind::Ole;
    }
    // A BIFF2–4 file begins with its BOF record: 0x0009, 0x0209 or 0x0409, then a short length.
    if head.len() >= 4
        && head[0] == 0x09
        && matches!(head[1], 0x00 | 0x02 | 0x04)
        && (4..=16).contains(&u16::from_le_bytes([head[2], head[3]]))
    {
        return Kind::OldExcel;
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
    if text.starts_with(b"mime-version:")
        || (text.starts_with(b"from:") || text.starts_with(b"content-"))
            && contains(&text, b"multipart/related")
    {
        return Kind::Mht;
    }
    // SpreadsheetML has a <Table> too: it is told apart by its namespace first.
    if text.starts_with(b"<")
        && contains(
            &head.to_ascii_lowercase(),
            b"urn:schemas-microsoft-com:office:spreadsheet",
        )
    {
        return Kind::Xml2003;
    }
    if text.starts_with(b"<")
        && (contains(&text, b"<html")
            || contains(&text, b"<table")
            || contains(&text, b"<!doctype html"))
    {
        return Kind::Html;
    }
    if text.starts_with(b"<?xml") && contains(&text, b"office:document") {
        return Kind::FlatOds;
    }
    if ext == "csv" || text_table(head) {
        return Kind::Csv;
    }
    Kind::Unknown
}

/// Which UTF-16 a text is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Utf16 {
    /// Little-endian.
    Le,
    /// Big-endian.
    Be,
}

/// Is `head` UTF-16 text: its BOM, or without one, the zero bytes of ASCII characters
/// (digits, tabs, line breaks a table always has) on one side of the pairs only?
pub fn utf16(head: &[u8]) -> Option<Utf16> {
    if head.starts_with(b"\xFF\xFE") {
        return Some(Utf16::Le);
    }
    if head.starts_with(b"\xFE\xFF") {
        return Some(Utf16::Be);
    }
    let pairs = head.len().min(1024) / 2;
    if pairs < 8 {
        return None;
    }
    let zero_at = |odd: usize| {
        head[..pairs * 2]
            .iter()
            .skip(odd)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 5 >= pairs && even == 0 {
        Some(Utf16::Le)
    } else if even * 5 >= pairs && odd == 0 {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// Does `head` look like delimited text whatever the file is named: UTF-16, or text with
/// no binary bytes whose first line holds tabs, commas or semicolons.
pub fn text_table(head: &[u8]) -> bool {
    if utf16(head).is_some() {
        return true;
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.is_empty()
        || head
            .iter()
            .any(|b| *b == 0 || (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')))
    {
        return false;
    }
    let first = head
        .split(|b| *b == b'\n' || *b == b'\r')
        .next()
        .unwrap_or_default();
    first
        .iter()
        .filter(|b| matches!(b, b'\t' | b',' | b';'))
        .count()
        >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(sniff(b"PK\x03\x04rest", "xlsx"), Kind::Zip);
        assert_eq!(sniff(&OLE, "xls"), Kind::Ole);
        // An .xls named .xlsx is an xls (its content decides), not an encrypted workbook.
        assert_eq!(sniff(&OLE, "xlsx"), Kind::Ole);
        assert_eq!(
            sniff(&[0x09, 0x04, 0x06, 0x00, 0x00, 0x00, 0x10, 0x00], "xls"),
            Kind::OldExcel
        );
        assert_eq!(
            sniff(&[0x09, 0x00, 0x04, 0x00, 0x02, 0x00, 0x10, 0x00], "xls"),
            Kind::OldExcel
        );
        assert_eq!(
            sniff(
                b"<?xml version=\"1.0\"?><office:document xmlns:office=\"x\">",
                "fods"
            ),
            Kind::FlatOds
        );
        assert_eq!(sniff(b"\xEF\xBB\xBF<html><table>", "xls"), Kind::Html);
        assert_eq!(
            sniff(b"MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; boundary=\"----=_NextPart\"", "xls"),
            Kind::Mht
        );
        let ml = b"<?xml version=\"1.0\"?>\n<?mso-application progid=\"Excel.Sheet\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">";
        assert_eq!(sniff(ml, "xls"), Kind::Xml2003);
        assert_eq!(sniff(ml, "xml"), Kind::Xml2003);
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><config/>", "xml"),
            Kind::Unknown
        );
        assert_eq!(sniff("房屋编码,户主".as_bytes(), "csv"), Kind::Csv);
        assert_eq!(sniff("这是一个文本文件".as_bytes(), "xlsx"), Kind::Unknown);
        // Tab-separated text, whatever its name: GBK named .xls, UTF-16 with and without
        // its BOM named .txt.
        let (gbk, _, _) = encoding_rs::GBK.encode("房屋编码\t户主\t村\nYH1\t韦宝\t平安村\n");
        assert_eq!(sniff(&gbk, "xls"), Kind::Csv);
        let le: Vec<u8> = "房屋编码\t户主\t村\r\nYH450103003466100\t韦宝\t平安村\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(utf16(&le), Some(Utf16::Le));
        assert_eq!(sniff(&le, "txt"), Kind::Csv);
        let bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le).collect();
        assert_eq!(sniff(&bom, ""), Kind::Csv);
        assert_eq!(sniff(b"just a note, nothing more", "txt"), Kind::Unknown);
    }
}
