//! A line reader with a length limit, so one enormous line cannot exhaust
//! memory.

use std::io::{self, BufRead};

/// Longest line kept, in bytes. The rest of a longer line is skipped and the
/// line is reported as cut.
pub const MAX_LINE_BYTES: usize = 8 << 20;

pub struct Line<'a> {
    /// The line without its `\n`.
    pub bytes: &'a [u8],
    /// Set when the line was longer than [`MAX_LINE_BYTES`].
    pub truncated: bool,
}

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        LineReader { inner, buf: Vec::new() }
    }

    /// Returns the next line, or `None` at the end of the input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut truncated = false;
        let mut any = false;
        loop {
            let chunk = match self.inner.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, i + 1),
                None => (chunk.len(), chunk.len()),
            };
            let room = MAX_LINE_BYTES.saturating_sub(self.buf.len());
            if take > room {
                truncated = true;
            }
            self.buf.extend_from_slice(&chunk[..take.min(room)]);
            let found_newline = done > take;
            self.inner.consume(done);
            if found_newline {
                break;
            }
        }
        Ok(Some(Line { bytes: &self.buf, truncated }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_keeps_last_without_newline() {
        let mut reader = LineReader::new(&b"a\r\nbb\n\nlast"[..]);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push(String::from_utf8(line.bytes.to_vec()).unwrap());
        }
        assert_eq!(lines, ["a\r", "bb", "", "last"]);
    }

    #[test]
    fn long_line_is_cut() {
        let mut data = vec![b'x'; MAX_LINE_BYTES + 10];
        data.extend_from_slice(b"\nnext\n");
        let mut reader = LineReader::new(io::BufReader::new(&data[..]));
        let line = reader.next_line().unwrap().unwrap();
        assert_eq!(line.bytes.len(), MAX_LINE_BYTES);
        assert!(line.truncated);
        let line = reader.next_line().unwrap().unwrap();
        assert_eq!(line.bytes, b"next");
        assert!(!line.truncated);
    }
}
