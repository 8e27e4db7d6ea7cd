//! Containers and encodings, detected from the bytes: gzip, UTF-8 with or
//! without BOM, UTF-16 with BOM (or without, from the NUL pattern),
//! GB18030/GBK. Everything is turned into a UTF-8 byte stream; invalid bytes
//! are left for the line reader to replace.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};
use encoding_rs_io::DecodeReaderBytesBuilder;
use flate2::read::MultiGzDecoder;

use crate::extract::LineEncoding;

/// Bytes looked at to decide the encoding.
pub const SAMPLE_BYTES: usize = 64 << 10;

/// Read buffer size for the decoded stream.
const BUFFER_BYTES: usize = 256 << 10;

/// The encoding or kind of content detected from the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Utf8,
    Utf16Le,
    Utf16Be,
    Gb18030,
    /// NUL bytes that are not UTF-16: an image, a database, an archive.
    Binary,
}

/// A decoded stream and what it was decoded from.
pub struct Decoded {
    pub reader: Box<dyn BufRead + Send>,
    pub detected: Detected,
    pub gzip: bool,
    /// The encoding of the bytes `reader` yields.
    pub encoding: LineEncoding,
}

/// Wraps `raw` in whatever decoding its first bytes call for. GB18030 text
/// is passed through undecoded when `keep_gb18030` is set, for a scanner
/// that decodes the lines it needs.
pub fn decode(raw: Box<dyn Read + Send>, keep_gb18030: bool) -> io::Result<Decoded> {
    let (mut sample, mut rest) = take_sample(raw)?;
    let mut gzip = false;
    // A rotated log is sometimes compressed twice; deeper nesting is not
    // a log.
    for _ in 0..MAX_GZIP_LAYERS {
        if !sample.starts_with(&[0x1f, 0x8b]) {
            break;
        }
        let unzipped: Box<dyn Read + Send> =
            Box::new(MultiGzDecoder::new(Cursor::new(sample).chain(rest)));
        (sample, rest) = take_sample(unzipped)?;
        gzip = true;
    }
    if let Some(format) = other_compression(&sample) {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{format}-compressed file; decompress it first"),
        ));
    }
    let mut decoded = decode_text(sample, rest, keep_gb18030);
    decoded.gzip = gzip;
    Ok(decoded)
}

/// Returns the encoding of a stream that starts with `sample` when the
/// scanner can read its bytes as they are: UTF-8 text, or GB18030 text when
/// `keep_gb18030` is set. Returns `None` for compressed, UTF-16 and binary
/// content.
pub fn plain_encoding(sample: &[u8], keep_gb18030: bool) -> Option<LineEncoding> {
    if sample.starts_with(&[0x1f, 0x8b]) || other_compression(sample).is_some() {
        return None;
    }
    match detect(sample) {
        Detected::Utf8 => Some(LineEncoding::Utf8),
        Detected::Gb18030 if keep_gb18030 => Some(LineEncoding::Gb18030),
        _ => None,
    }
}

/// Gzip layers opened before the text is expected.
const MAX_GZIP_LAYERS: usize = 3;

/// Names a compression format this tool does not read, from its magic bytes.
fn other_compression(sample: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 4] = [
        (b"BZh", "bzip2"),
        (b"\xFD7zXZ\x00", "xz"),
        (b"\x28\xB5\x2F\xFD", "zstd"),
        (b"PK\x03\x04", "zip"),
    ];
    MAGIC.iter().find(|(magic, _)| sample.starts_with(magic)).map(|&(_, name)| name)
}

/// Reads the first bytes for detection. A read error inside the sample
/// (a gzip file damaged near its start) does not lose the bytes before
/// it: the returned stream yields the error after them.
fn take_sample(mut raw: Box<dyn Read + Send>) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    match (&mut raw).take(SAMPLE_BYTES as u64).read_to_end(&mut sample) {
        // A short sample met the end of the input, which is not read
        // again: on a terminal, that would wait for a second Ctrl-D.
        Ok(_) if sample.len() < SAMPLE_BYTES => Ok((sample, Box::new(io::empty()))),
        Ok(_) => Ok((sample, raw)),
        Err(e) => Ok((sample, Box::new(FailOnce(Some(e))))),
    }
}

/// A stream that fails once with a stored error, then ends.
struct FailOnce(Option<io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(error) => Err(error),
            None => Ok(0),
        }
    }
}

fn decode_text(sample: Vec<u8>, rest: Box<dyn Read + Send>, keep_gb18030: bool) -> Decoded {
    let detected = detect(&sample);
    let stream = Cursor::new(sample).chain(rest);
    let mut encoding = LineEncoding::Utf8;
    let reader: Box<dyn BufRead + Send> = match detected {
        Detected::Utf8 | Detected::Binary => {
            Box::new(BufReader::with_capacity(BUFFER_BYTES, stream))
        }
        Detected::Gb18030 if keep_gb18030 => {
            encoding = LineEncoding::Gb18030;
            Box::new(BufReader::with_capacity(BUFFER_BYTES, stream))
        }
        Detected::Utf16Le => transcode(stream, UTF_16LE),
        Detected::Utf16Be => transcode(stream, UTF_16BE),
        Detected::Gb18030 => transcode(stream, GB18030),
    };
    Decoded { reader, detected, gzip: false, encoding }
}

fn transcode(
    stream: impl Read + Send + 'static,
    encoding: &'static Encoding,
) -> Box<dyn BufRead + Send> {
    // A BOM, when present, wins over the detected encoding and is removed.
    let decoder =
        DecodeReaderBytesBuilder::new().encoding(Some(encoding)).bom_override(true).build(stream);
    Box::new(BufReader::with_capacity(BUFFER_BYTES, decoder))
}

/// Decides the encoding from the first bytes of the input.
pub fn detect(sample: &[u8]) -> Detected {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Detected::Utf8;
    }
    if sample.starts_with(&[0xFF, 0xFE]) {
        return Detected::Utf16Le;
    }
    if sample.starts_with(&[0xFE, 0xFF]) {
        return Detected::Utf16Be;
    }
    if memchr::memchr(0, sample).is_some() {
        if let Some(utf16) = utf16_without_bom(sample) {
            return utf16;
        }
        if looks_binary(sample) {
            return Detected::Binary;
        }
    }
    match std::str::from_utf8(sample) {
        Ok(_) => Detected::Utf8,
        // A multi-byte character cut by the end of the sample is fine.
        Err(e) if e.error_len().is_none() => Detected::Utf8,
        Err(_) if is_gb18030(sample) => Detected::Gb18030,
        Err(_) => Detected::Utf8,
    }
}

/// UTF-16 text without a BOM has a NUL in nearly every other byte when it is
/// mostly ASCII, as logs are.
fn utf16_without_bom(sample: &[u8]) -> Option<Detected> {
    let pairs = sample.len() / 2;
    if pairs < 8 {
        return None;
    }
    let even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    // Chinese text has few NUL bytes, but all on one side of each pair.
    if odd * 10 >= pairs * 3 && even * 10 <= pairs {
        Some(Detected::Utf16Le)
    } else if even * 10 >= pairs * 3 && odd * 10 <= pairs {
        Some(Detected::Utf16Be)
    } else {
        None
    }
}

/// Returns true for bytes that are not text apart from NULs: more than one
/// in a hundred of the other bytes are control characters other than tab,
/// line feed, carriage return and escape. A log with a block of NULs (left
/// by `copytruncate` or a crash) is still text.
fn looks_binary(sample: &[u8]) -> bool {
    let others = sample.iter().filter(|&&b| b != 0).count();
    let controls = sample
        .iter()
        .filter(|&&b| matches!(b, 0x01..=0x08 | 0x0B | 0x0C | 0x0E..=0x1A | 0x1C..=0x1F | 0x7F))
        .count();
    controls * 100 > others
}

/// Returns true when the sample decodes as GB18030 without errors, not
/// counting a character cut by the end of the sample.
fn is_gb18030(sample: &[u8]) -> bool {
    let end = sample.iter().rposition(|&b| b == b'\n').map_or(sample.len(), |i| i + 1);
    let (_, had_errors) = GB18030.decode_without_bom_handling(&sample[..end]);
    !had_errors
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text that ends once: a read after the end fails, as a terminal would
    /// wait for a second end of input.
    struct EndsOnce(Cursor<Vec<u8>>, bool);

    impl Read for EndsOnce {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            assert!(!self.1, "read again after the end of the input");
            let n = self.0.read(buf)?;
            self.1 = n == 0;
            Ok(n)
        }
    }

    #[test]
    fn end_of_short_input_is_read_once() {
        let input = EndsOnce(Cursor::new(b"error: 904, reason: x\n".to_vec()), false);
        let mut decoded = decode(Box::new(input), false).unwrap();
        let mut text = String::new();
        decoded.reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "error: 904, reason: x\n");
    }

    #[test]
    fn detects_boms() {
        assert_eq!(detect(b"\xEF\xBB\xBFabc"), Detected::Utf8);
        assert_eq!(detect(b"\xFF\xFEa\0b\0"), Detected::Utf16Le);
        assert_eq!(detect(b"\xFE\xFF\0a\0b"), Detected::Utf16Be);
    }

    #[test]
    fn detects_gb18030_chinese() {
        let (bytes, _, _) = GB18030.encode("错误码 904 连接断开\n");
        assert_eq!(detect(&bytes), Detected::Gb18030);
        assert_eq!(detect("错误码 904 连接断开\n".as_bytes()), Detected::Utf8);
    }

    #[test]
    fn detects_utf16_without_bom() {
        let le: Vec<u8> = "code=904 reason=x\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = "code=904 reason=x\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(detect(&le), Detected::Utf16Le);
        assert_eq!(detect(&be), Detected::Utf16Be);
    }

    #[test]
    fn nul_block_before_text_is_text() {
        let mut sample = vec![0u8; 4096];
        sample.extend_from_slice("error: 905, reason: b\n".repeat(10).as_bytes());
        assert_eq!(detect(&sample), Detected::Utf8);
    }

    #[test]
    fn chinese_utf16_without_bom() {
        let text = "2024-03-04 10:00:01 客户端加入频道失败，网络连接已断开，请检查网络设置后重试\n"
            .repeat(20);
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(detect(&le), Detected::Utf16Le);
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0"),
            Detected::Binary
        );
    }
}
