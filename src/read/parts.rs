//! The pass over a zip workbook's parts that inflates each one to check its real size
//! (declared sizes can lie), finding on the way each worksheet's merged regions and
//! whether it may hold formulas without a cached value (`merges::MergeScan`).
//!
//! Before a package is read whole the pass runs first ([`inflate_parts`]). Beside
//! calamine's read of an xlsx it runs on a thread of its own ([`Scans::beside`]): on a
//! 1,000,000-row sheet the pass inflates a gigabyte of XML (about 1.5 s), which calamine
//! then inflates again to read it; side by side the two take one core each, and a sheet's
//! rows wait only for their own part's scan. Calamine reads no part past the size the
//! archive declares (the zip crate stops it there) and declared sizes are checked before
//! either starts, so reading beside the pass never inflates more than the limits allow.
//! Whatever the pass finds wrong with the file is the read's outcome however far the read
//! got, a read that panicked included ([`Scans::finish`]), so the outcome does not depend
//! on which thread was quicker; only a reader killed outright (over its memory or time)
//! can end before the pass has said.

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::sync::mpsc;

use super::findings::*;
use super::{inflate, merges, InputFile, Limits, Merge, RATIO_FLOOR};
use crate::finding::Finding;

/// What the pass found of one worksheet part.
#[derive(Debug)]
pub(crate) struct PartScan {
    /// The part's name in the archive.
    entry: String,
    scanned: merges::Scanned,
    /// A formula without a cached value may be in it.
    bare: bool,
}

/// The two small parts that tie sheet names to worksheet parts: `xl/workbook.xml` and the
/// workbook's relationships (`xl/_rels/workbook.xml.rels` or `.bin.rels`).
#[derive(Debug, Default)]
pub(crate) struct BookParts {
    pub(crate) book_xml: Vec<u8>,
    pub(crate) rels_xml: Vec<u8>,
}

/// Inflate every part into a sink (constant memory), stopping as soon as the real total
/// passes the limit or a part inflates more than the ratio allows; each worksheet part's
/// scan goes to `sheet` as it ends, and the two small parts are kept in `book`.
fn pass<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    (rel, limits, expected): (&str, &Limits, &str),
    book: &mut BookParts,
    sheet: &mut dyn FnMut(PartScan),
) -> Result<(), Finding> {
    let mut real: u64 = 0;
    for i in 0..zip.len() {
        let mut e = inflate::open(zip, i).map_err(|e| corrupt(rel, expected, &e.to_string()))?;
        let room = limits.max_unzipped_bytes - real;
        let name = e
            .name()
            .map_err(|e| corrupt(rel, expected, &e.to_string()))?
            .into_owned();
        let packed = e.compressed_size().max(1);
        let mut src = inflate::inflated(&mut e).take(room + 1);
        let n = if merges::is_worksheet_entry(&name) {
            let mut scan = merges::MergeScan::default();
            let n = std::io::copy(&mut src, &mut scan);
            if n.is_ok() {
                sheet(PartScan {
                    entry: name.clone(),
                    bare: scan.bare_formulas(),
                    scanned: scan.finish(),
                });
            }
            n
        } else if name == "xl/workbook.xml" {
            std::io::copy(&mut src, &mut book.book_xml)
        } else if name == "xl/_rels/workbook.xml.rels" || name == "xl/_rels/workbook.bin.rels" {
            std::io::copy(&mut src, &mut book.rels_xml)
        } else {
            std::io::copy(&mut src, &mut std::io::sink())
        }
        .map_err(|e| corrupt(rel, expected, &e.to_string()))?;
        real += n;
        if real > limits.max_unzipped_bytes {
            return Err(too_big_unzipped(rel, real, limits));
        }
        if n > RATIO_FLOOR && n / packed > limits.max_zip_ratio {
            return Err(file_finding(crate::codes::zip_bomb(name, n / packed), rel));
        }
    }
    Ok(())
}

/// Inflate every part first (see `pass`): the small parts, and every worksheet's scan.
pub(crate) fn inflate_parts<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    rel: &str,
    limits: &Limits,
    expected: &str,
) -> Result<(BookParts, Scans), Finding> {
    let mut book = BookParts::default();
    let mut got = HashMap::new();
    pass(zip, (rel, limits, expected), &mut book, &mut |p| {
        got.insert(p.entry.clone(), p);
    })?;
    let paths = merges::sheet_paths(&book.book_xml, &book.rels_xml);
    let scans = Scans {
        paths,
        got,
        rx: None,
        failed: None,
        hold: HOLD_CELLS,
    };
    Ok((book, scans))
}

/// Largest `xl/workbook.xml` or relationships part read ahead of the pass (see
/// [`book_parts`]); past it the pass runs first, as for any package.
const BOOK_PART_MAX: u64 = 16 << 20;

/// The small parts of an xlsx read ahead of the pass, so that calamine can start beside
/// it: none when either is missing, unreadable or over `BOOK_PART_MAX`, when the workbook
/// also has a `.bin.rels` part, or when any part declares more than the zip-bomb ratio
/// (the pass, run first, then says what is wrong).
pub(crate) fn book_parts<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    limits: &Limits,
) -> Option<BookParts> {
    for i in 0..zip.len() {
        let e = zip.by_index_raw(i).ok()?;
        if e.size() > RATIO_FLOOR && e.size() / e.compressed_size().max(1) > limits.max_zip_ratio {
            return None;
        }
    }
    if zip.index_for_name("xl/_rels/workbook.bin.rels").is_some() {
        return None;
    }
    let mut part = |name: &str| -> Option<Vec<u8>> {
        let i = zip.index_for_name(name)?;
        let mut e = inflate::open(zip, i).ok()?;
        let mut out = Vec::new();
        inflate::inflated(&mut e)
            .take(BOOK_PART_MAX + 1)
            .read_to_end(&mut out)
            .ok()?;
        (out.len() as u64 <= BOOK_PART_MAX).then_some(out)
    };
    Some(BookParts {
        book_xml: part("xl/workbook.xml")?,
        rels_xml: part("xl/_rels/workbook.xml.rels")?,
    })
}

/// One sheet's scan as the reader uses it: its merged regions when the pass could tell
/// (calamine reads them otherwise), and whether it may hold formulas without a value.
#[derive(Debug, Default)]
pub(crate) struct SheetScan {
    pub(crate) merges: Option<Vec<Merge>>,
    pub(crate) bare: bool,
}

impl From<&PartScan> for SheetScan {
    fn from(p: &PartScan) -> Self {
        SheetScan {
            merges: match &p.scanned {
                merges::Scanned::Merges(m) => Some(m.clone()),
                merges::Scanned::Unknown => None,
            },
            bare: p.bare,
        }
    }
}

/// Cells a sheet holds back while its part's scan is not in (about 60 MB of cells and
/// their text in the reader); then it waits for the scan.
pub(crate) const HOLD_CELLS: usize = 2 << 20;

/// What the pass sends from its thread.
enum Msg {
    Part(PartScan),
    Failed(Finding),
}

/// The pass's scans, by sheet name: all in already, or arriving from the pass's thread.
pub(crate) struct Scans {
    /// Sheet name → its worksheet part.
    paths: HashMap<String, String>,
    /// The scans in so far, by part.
    got: HashMap<String, PartScan>,
    /// From the pass's thread while it runs.
    rx: Option<mpsc::Receiver<Msg>>,
    /// What the pass found wrong with the file.
    failed: Option<Finding>,
    /// Cells a sheet holds back while its scan is not in (`HOLD_CELLS`).
    pub(crate) hold: usize,
}

impl Scans {
    /// No scan: every sheet's merged regions are read by calamine.
    pub(crate) fn none() -> Scans {
        Scans {
            paths: HashMap::new(),
            got: HashMap::new(),
            rx: None,
            failed: None,
            hold: HOLD_CELLS,
        }
    }

    /// The pass over `f`'s parts on a thread of `scope`, the sheets' paths from `book`;
    /// none when the file cannot be opened again for it or the thread cannot start (the
    /// pass then runs first).
    pub(crate) fn beside<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        f: &'scope InputFile,
        (rel, limits, expected): (&'scope str, &'scope Limits, &'scope str),
        book: &BookParts,
    ) -> Option<Scans> {
        let (tx, rx) = mpsc::channel();
        let file = std::fs::File::open(&f.path).ok()?;
        let run = move || {
            let zip =
                zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string());
            let outcome = match zip {
                Ok(mut zip) => pass(
                    &mut zip,
                    (rel, limits, expected),
                    &mut BookParts::default(),
                    &mut |p| {
                        let _ = tx.send(Msg::Part(p));
                    },
                ),
                Err(e) => Err(corrupt(rel, expected, &e)),
            };
            if let Err(finding) = outcome {
                let _ = tx.send(Msg::Failed(finding));
            }
        };
        std::thread::Builder::new()
            .name("parts".into())
            .spawn_scoped(scope, run)
            .ok()?;
        Some(Scans {
            paths: merges::sheet_paths(&book.book_xml, &book.rels_xml),
            got: HashMap::new(),
            rx: Some(rx),
            failed: None,
            hold: HOLD_CELLS,
        })
    }

    fn take(&mut self, m: Msg) {
        match m {
            Msg::Part(p) => {
                self.got.insert(p.entry.clone(), p);
            }
            Msg::Failed(f) => self.failed = Some(f),
        }
    }

    /// Takes in whatever the pass has sent, without waiting.
    fn drain(&mut self) {
        while let Some(rx) = &self.rx {
            match rx.try_recv() {
                Ok(m) => self.take(m),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => self.rx = None,
            }
        }
    }

    /// What the pass found wrong with the file so far, if anything (without waiting).
    pub(crate) fn failed(&mut self) -> Result<(), Finding> {
        self.drain();
        match &self.failed {
            Some(f) => Err(f.clone()),
            None => Ok(()),
        }
    }

    /// `sheet`'s scan when it is in (or will never come: the sheet has no part the pass
    /// knows), without waiting; what the pass found wrong with the file as an error.
    pub(crate) fn poll(&mut self, sheet: &str) -> Result<Option<SheetScan>, Finding> {
        self.failed()?;
        let Some(entry) = self.paths.get(sheet) else {
            return Ok(Some(SheetScan::default()));
        };
        if let Some(p) = self.got.get(entry) {
            return Ok(Some(p.into()));
        }
        Ok(self.rx.is_none().then(SheetScan::default))
    }

    /// `sheet`'s scan, waiting for it.
    pub(crate) fn wait(&mut self, sheet: &str) -> Result<SheetScan, Finding> {
        loop {
            if let Some(s) = self.poll(sheet)? {
                return Ok(s);
            }
            if let Some(rx) = &self.rx {
                match rx.recv() {
                    Ok(m) => self.take(m),
                    Err(_) => self.rx = None,
                }
            }
        }
    }

    /// The read's outcome once the pass is over: what the pass found wrong with the file,
    /// or else what the read gave.
    pub(crate) fn finish<T>(mut self, read: Result<T, Finding>) -> Result<T, Finding> {
        while let Some(rx) = &self.rx {
            match rx.recv() {
                Ok(m) => self.take(m),
                Err(_) => self.rx = None,
            }
        }
        match self.failed {
            Some(f) => Err(f),
            None => read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::workbook::read_xlsx;
    use crate::read::{Piece, BATCH_ROWS};
    use std::time::Duration;

    /// A workbook of two sheets with merged titles: `甲` of three and a half batches of
    /// rows, `乙` of a few.
    fn workbook(path: &std::path::Path) {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let fmt = rust_xlsxwriter::Format::new();
        for (name, rows) in [("甲", BATCH_ROWS * 7 / 2), ("乙", 20)] {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            ws.merge_range(0, 0, 0, 3, "某某村自建房排查表", &fmt)
                .unwrap();
            for r in 1..rows as u32 {
                ws.write_string(r, 0, format!("房屋{r}")).unwrap();
                ws.write_number(r, 2, r as f64).unwrap();
            }
        }
        wb.save(path).unwrap();
    }

    fn zip_of(path: &std::path::Path) -> zip::ZipArchive<std::fs::File> {
        zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap()
    }

    /// What `read_xlsx` hands over with `scans`, each piece as its debug text.
    fn pieces(path: &std::path::Path, scans: &mut Scans) -> (Result<(), Finding>, Vec<String>) {
        let wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
        let mut out = Vec::new();
        let read = read_xlsx(
            wb,
            "t.xlsx",
            "xlsx",
            false,
            &Limits::default(),
            scans,
            &mut |p: Piece| out.push(format!("{p:?}")),
        );
        (read.map(|_| ()), out)
    }

    /// Scans arriving from a thread that runs the pass only after `delay`, then sends
    /// `fail` if given, once told to go.
    fn late(
        path: &std::path::Path,
        delay: Duration,
        fail: Option<(Finding, mpsc::Receiver<()>)>,
    ) -> Scans {
        let (book, _) =
            inflate_parts(&mut zip_of(path), "t.xlsx", &Limits::default(), "xlsx").unwrap();
        let (tx, rx) = mpsc::channel();
        let path = path.to_owned();
        std::thread::spawn(move || {
            std::thread::sleep(delay);
            let limits = Limits::default();
            let mut send = |p| {
                let _ = tx.send(Msg::Part(p));
            };
            let mut zip = zip_of(&path);
            pass(
                &mut zip,
                ("t.xlsx", &limits, "xlsx"),
                &mut BookParts::default(),
                &mut send,
            )
            .unwrap();
            if let Some((f, go)) = fail {
                let _ = go.recv();
                let _ = tx.send(Msg::Failed(f));
            }
        });
        Scans {
            paths: merges::sheet_paths(&book.book_xml, &book.rels_xml),
            got: HashMap::new(),
            rx: Some(rx),
            failed: None,
            hold: HOLD_CELLS,
        }
    }

    #[test]
    fn sheets_waiting_for_a_late_scan_are_handed_over_as_if_it_came_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        workbook(&path);
        let (_, mut first) =
            inflate_parts(&mut zip_of(&path), "t.xlsx", &Limits::default(), "xlsx").unwrap();
        let (read, want) = pieces(&path, &mut first);
        assert!(read.is_ok());
        // Head, three batches, the rest and the end; then the second sheet's three.
        assert_eq!(want.len(), 9, "{:?}", &want[..2]);
        assert!(want[0].starts_with("Sheet") && want[0].contains("merges_known: true"));
        // Held to the sheet's end, then handed over.
        let mut scans = late(&path, Duration::from_millis(300), None);
        let (read, got) = pieces(&path, &mut scans);
        assert!(read.is_ok());
        assert!(got == want, "the same pieces in the same order");
        assert!(scans.finish(Ok(())).is_ok());
        // Held for one batch, then waited for in the middle of the sheet.
        let mut scans = late(&path, Duration::from_millis(300), None);
        scans.hold = 1;
        let (read, got) = pieces(&path, &mut scans);
        assert!(read.is_ok());
        assert!(got == want, "the same pieces in the same order");
    }

    #[test]
    fn what_the_pass_finds_wrong_is_the_outcome_however_far_the_read_got() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        workbook(&path);
        let bomb = file_finding(crate::codes::zip_bomb("xl/styles.xml", 500), "t.xlsx");
        // The pass fails only after the read is over: the read's outcome is still its.
        let (go, wait) = mpsc::channel();
        let mut scans = late(&path, Duration::ZERO, Some((bomb.clone(), wait)));
        let (read, _) = pieces(&path, &mut scans);
        assert!(read.is_ok());
        go.send(()).unwrap();
        let outcome = scans.finish(read);
        assert_eq!(
            format!("{outcome:?}"),
            format!("{:?}", Err::<(), _>(bomb.clone()))
        );
        // The pass failed first: the read stops at the first sheet.
        let (go, wait) = mpsc::channel();
        let mut scans = late(&path, Duration::ZERO, Some((bomb.clone(), wait)));
        go.send(()).unwrap();
        let mut waited = 0;
        while scans.failed().is_ok() {
            assert!(waited < 1000, "the pass never said");
            std::thread::sleep(Duration::from_millis(10));
            waited += 1;
        }
        let (read, handed) = pieces(&path, &mut scans);
        assert!(read.is_err() && handed.is_empty(), "{handed:?}");
        assert_eq!(format!("{read:?}"), format!("{:?}", Err::<(), _>(bomb)));
    }
}
