//! Line-aligned chunks of a byte stream, read into one reused buffer so
//! that memory stays flat however large the input, and so that the
//! extractor can search whole buffers instead of single lines.

use std::io::{self, Read};

/// Longest line kept, in bytes, and the size of the read buffer. The rest
/// of a longer line is skipped and the line is reported as cut.
pub const MAX_LINE_BYTES: usize = 8 << 20;

/// A run of whole lines: every line ends with `\n` except, at the end of
/// the input or for a cut line, the last.
pub struct Chunk<'a> {
    pub bytes: &'a [u8],
    /// Set when the chunk is one line cut at [`MAX_LINE_BYTES`].
    pub truncated: bool,
}

/// Chunks handed to the scanner are at most this long, so the hits found in
/// one chunk, which wait for it to end, stay few even in logs where every
/// line is an event.
const MAX_CHUNK_BYTES: usize = 1 << 20;

/// The smallest read buffer, for small inputs.
const MIN_BUFFER_BYTES: usize = 64 << 10;

/// Reads `reader` to the end and calls `each` with every chunk in order.
/// `size_hint` is the input's size when known: a small input gets a small
/// buffer, which grows to [`MAX_LINE_BYTES`] when a line needs it.
pub fn for_each_chunk(
    reader: &mut dyn Read,
    size_hint: Option<u64>,
    mut each: impl FnMut(Chunk<'_>),
) -> io::Result<()> {
    let initial = size_hint.map_or(MAX_LINE_BYTES, |size| {
        usize::try_from(size)
            .unwrap_or(MAX_LINE_BYTES)
            .saturating_add(1)
            .clamp(MIN_BUFFER_BYTES, MAX_LINE_BYTES)
    });
    read_chunks(reader, initial, MAX_LINE_BYTES, &mut each)
}

/// Calls `each` with the chunks of `lines`, whole lines in memory: pieces
/// of at most [`MAX_CHUNK_BYTES`] that end at line ends. A longer line is a
/// piece of its own, cut at [`MAX_LINE_BYTES`] as [`for_each_chunk`] cuts it
/// when reading.
pub fn for_each_chunk_in(lines: &[u8], each: &mut dyn FnMut(Chunk<'_>)) {
    let mut start = 0;
    while start < lines.len() {
        let limit = (start + MAX_CHUNK_BYTES).min(lines.len());
        let end = if limit == lines.len() {
            limit
        } else {
            match memchr::memrchr(b'\n', &lines[start..limit]) {
                Some(i) => start + i + 1,
                None => {
                    memchr::memchr(b'\n', &lines[limit..]).map_or(lines.len(), |i| limit + i + 1)
                }
            }
        };
        let piece = &lines[start..end];
        let content = piece.strip_suffix(b"\n").unwrap_or(piece);
        if content.len() >= MAX_LINE_BYTES {
            each(Chunk { bytes: &content[..MAX_LINE_BYTES], truncated: true });
        } else {
            each(Chunk { bytes: piece, truncated: false });
        }
        start = end;
    }
}

fn read_chunks(
    reader: &mut dyn Read,
    initial: usize,
    max: usize,
    each: &mut dyn FnMut(Chunk<'_>),
) -> io::Result<()> {
    let mut capacity = initial;
    let mut buf = vec![0u8; capacity];
    let mut filled = 0;
    let mut eof = false;
    loop {
        while filled < capacity && !eof {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => eof = true,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // The whole lines read before the error are still
                    // scanned; the line the error cut short is not.
                    if let Some(last) = memchr::memrchr(b'\n', &buf[..filled]) {
                        for_each_chunk_in(&buf[..=last], each);
                    }
                    return Err(e);
                }
            }
        }
        if filled == 0 {
            return Ok(());
        }
        match memchr::memrchr(b'\n', &buf[..filled]) {
            Some(last) => {
                for_each_chunk_in(&buf[..=last], each);
                buf.copy_within(last + 1..filled, 0);
                filled -= last + 1;
            }
            None if eof => {
                for_each_chunk_in(&buf[..filled], each);
                filled = 0;
            }
            None if capacity < max => {
                // A line longer than the buffer: grow it before cutting.
                capacity = (capacity * 2).min(max);
                buf.resize(capacity, 0);
            }
            None => {
                each(Chunk { bytes: &buf[..filled], truncated: true });
                match skip_rest_of_line(reader, &mut buf)? {
                    Some(rest) => filled = rest,
                    None => {
                        filled = 0;
                        eof = true;
                    }
                }
            }
        }
    }
}

/// Discards bytes up to and including the next `\n`, then moves what was
/// read after it to the front of `buf`. Returns how many bytes that is
/// (possibly none, when the line feed ended a read), or `None` when the
/// input ended first.
fn skip_rest_of_line(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        let n = match reader.read(buf) {
            Ok(0) => return Ok(None),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(newline) = memchr::memchr(b'\n', &buf[..n]) {
            buf.copy_within(newline + 1..n, 0);
            return Ok(Some(n - newline - 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: &[u8], capacity: usize) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        read_chunks(&mut &data[..], capacity, capacity, &mut |chunk: Chunk<'_>| {
            out.push((String::from_utf8_lossy(chunk.bytes).into_owned(), chunk.truncated));
        })
        .unwrap();
        out
    }

    #[test]
    fn chunks_end_at_line_ends() {
        let got = chunks(b"aa\nbb\ncc\ndd", 7);
        assert_eq!(got, [("aa\nbb\n".into(), false), ("cc\n".into(), false), ("dd".into(), false)]);
    }

    #[test]
    fn long_line_is_cut_and_rest_skipped() {
        let got = chunks(b"0123456789abc\nnext\n", 8);
        assert_eq!(got, [("01234567".into(), true), ("next\n".into(), false)]);
    }

    #[test]
    fn small_buffer_grows_for_a_long_line() {
        let mut out = Vec::new();
        read_chunks(&mut &b"0123456789abc\nnext\n"[..], 4, 32, &mut |chunk: Chunk<'_>| {
            out.push((String::from_utf8_lossy(chunk.bytes).into_owned(), chunk.truncated));
        })
        .unwrap();
        assert_eq!(out.concat_lines(), "0123456789abc\nnext\n");
        assert!(out.iter().all(|(_, truncated)| !truncated));
    }

    trait ConcatLines {
        fn concat_lines(&self) -> String;
    }

    impl ConcatLines for Vec<(String, bool)> {
        fn concat_lines(&self) -> String {
            self.iter().map(|(text, _)| text.as_str()).collect()
        }
    }

    /// Yields one piece per read, as a pipe does with its writer's writes.
    struct Pieces<'a>(Vec<&'a [u8]>);

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(piece) = self.0.first_mut() else { return Ok(0) };
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            *piece = &piece[n..];
            if piece.is_empty() {
                self.0.remove(0);
            }
            Ok(n)
        }
    }

    #[test]
    fn cut_line_ending_a_read_keeps_rest() {
        // The cut line's line feed is the last byte of a read. The lines
        // after it must still be read, not taken for the end of the input.
        let mut reader = Pieces(vec![b"0123456789", b"abc\n", b"next\n", b"last"]);
        let mut out = Vec::new();
        read_chunks(&mut reader, 8, 8, &mut |chunk: Chunk<'_>| {
            out.push((String::from_utf8_lossy(chunk.bytes).into_owned(), chunk.truncated));
        })
        .unwrap();
        let expected =
            [("01234567".into(), true), ("next\n".into(), false), ("last".into(), false)];
        assert_eq!(out, expected);
    }

    #[test]
    fn long_last_line_without_newline() {
        let got = chunks(b"0123456789abc", 8);
        assert_eq!(got, [("01234567".into(), true)]);
    }
}

#[cfg(test)]
mod error_tests {
    use super::*;

    /// Yields its bytes, then fails.
    struct Failing<'a>(&'a [u8]);

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn error_keeps_whole_lines_only() {
        let mut seen = Vec::new();
        let result =
            read_chunks(&mut Failing(b"one\ntwo\nthr"), 64, 64, &mut |chunk: Chunk<'_>| {
                seen.push(String::from_utf8_lossy(chunk.bytes).into_owned());
            });
        assert!(result.is_err());
        assert_eq!(seen, ["one\ntwo\n"]);
    }
}
