//! A zip part's bytes as the size checks need them: inflated however far they really go.
//! The zip crate stops a part at the size the archive declares, with an error; the limits
//! here (`max_unzipped_bytes`, an archive member's `max_file_bytes`) are checked on the real
//! bytes, so that a part lying about its size is refused as too big, and a small lie is
//! left to the reader. Stored and deflated parts are read (the methods the zip crate is
//! built with), their checksum checked at the end.

use std::io::{BufReader, Read, Seek};

use zip::read::ZipFile;
use zip::result::{ZipError, ZipResult};
use zip::{CompressionMethod, ZipArchive};

/// Part `i` of `zip`, opened for `inflated`; the error opening it to read gives for a part
/// that is encrypted or compressed in a way not read.
pub(crate) fn open<R: Read + Seek>(zip: &mut ZipArchive<R>, i: usize) -> ZipResult<ZipFile<'_, R>> {
    if zip.by_index_data(i)?.encrypted() {
        return Err(ZipError::UnsupportedArchive(ZipError::PASSWORD_REQUIRED));
    }
    let raw = zip.by_index_raw(i)?;
    if !matches!(
        raw.compression(),
        CompressionMethod::Stored | CompressionMethod::Deflated
    ) {
        return Err(ZipError::UnsupportedArchive(
            "Compression method not supported",
        ));
    }
    Ok(raw)
}

/// The inflated bytes of a part `open` gave (its compressed bytes); the part still tells
/// its name and sizes.
pub(crate) fn inflated<'a, R: Read>(raw: &'a mut ZipFile<'_, R>) -> Checked<Box<dyn Read + 'a>> {
    let crc32 = raw.crc32();
    let data: Box<dyn Read + 'a> = if raw.compression() == CompressionMethod::Deflated {
        Box::new(flate2::bufread::DeflateDecoder::new(BufReader::new(raw)))
    } else {
        Box::new(BufReader::new(raw))
    };
    Checked {
        inner: data,
        hasher: crc32fast::Hasher::new(),
        crc32,
    }
}

/// A part's bytes whose CRC-32 is checked when they end: an error then if it differs.
pub(crate) struct Checked<R> {
    inner: R,
    hasher: crc32fast::Hasher,
    /// The checksum the archive gives.
    crc32: u32,
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let count = self.inner.read(buf)?;
        if count == 0 && !buf.is_empty() && self.hasher.clone().finalize() != self.crc32 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "Invalid checksum",
            ));
        }
        self.hasher.update(&buf[..count]);
        Ok(count)
    }
}
