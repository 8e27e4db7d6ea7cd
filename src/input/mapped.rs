//! Large regular files, memory-mapped and scanned in segments on all the
//! threads of the pool at once.
//!
//! Each segment starts with a fresh scanner that is given the lines before
//! it for time look-back. Segments are merged in order: when the scanner of
//! the text before a segment ends idle (nothing open), the segment's hits
//! are exactly those of a sequential scan and are kept; otherwise the
//! segment is scanned again, in order, from that scanner.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use memmap2::{Mmap, UncheckedAdvice};
use rayon::prelude::*;

use super::chunks::for_each_chunk_in;
use crate::catalog::Catalog;
use crate::extract::{Hit, Scanner};
use crate::progress::Progress;
use crate::tally::Tally;

/// Files smaller than this are read instead: for them a mapping costs more
/// than a copy, and reading keeps memory flat in a directory of many files.
pub const MIN_MAP_BYTES: u64 = 16 << 20;

/// Bytes in a segment, the unit of work of one thread (extended to the end
/// of the line it cuts).
const SEGMENT_BYTES: usize = 4 << 20;

/// Segments per thread in one window: the segments scanned at once before
/// they are merged and their pages released.
const SEGMENTS_PER_THREAD: usize = 4;

/// Maps `file` for reading.
pub fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: the mapping is only read. NOTE: a file truncated by another
    // process while mapped (copytruncate log rotation) makes reads past
    // its new end raise SIGBUS, which ends the process; `--no-mmap` reads
    // such files instead.
    unsafe { Mmap::map(file) }
}

/// What one segment gave when scanned from a fresh scanner.
struct Part<'c> {
    scanner: Scanner<'c>,
    /// Hits, with line numbers counted from the segment's first line.
    hits: Vec<Hit>,
    lines: u64,
    long_lines: u64,
}

impl<'c> Part<'c> {
    fn scan(catalog: &'c Catalog, data: &[u8], segment: Range<usize>) -> Part<'c> {
        let mut part = Part {
            scanner: Scanner::after(catalog, &data[..segment.start]),
            hits: Vec::new(),
            lines: 0,
            long_lines: 0,
        };
        scan_in_order(
            &mut part.scanner,
            &data[segment],
            &mut part.lines,
            &mut part.long_lines,
            &mut part.hits,
        );
        part
    }
}

/// Scans `text` with `scanner`, counting its lines on from `lines`.
fn scan_in_order(
    scanner: &mut Scanner<'_>,
    text: &[u8],
    lines: &mut u64,
    long_lines: &mut u64,
    hits: &mut Vec<Hit>,
) {
    for_each_chunk_in(text, &mut |chunk| {
        if chunk.truncated {
            *long_lines += 1;
        }
        *lines += scanner.chunk(chunk.bytes, *lines + 1, hits);
    });
}

/// Scans a mapped file into `tally`, on all threads of the current pool.
pub fn scan(
    map: &Mmap,
    catalog: &Catalog,
    name: &Arc<str>,
    progress: &Progress,
    tally: &mut Tally,
) {
    let release = |window: Range<usize>| release(map, window);
    scan_segments(map, SEGMENT_BYTES, catalog, name, progress, tally, &release);
}

/// Scans `data` in segments of about `segment_bytes` into `tally`, calling
/// `release` with each window of segments once it is merged. Returns how
/// many segments were scanned a second time, in order.
fn scan_segments(
    data: &[u8],
    segment_bytes: usize,
    catalog: &Catalog,
    name: &Arc<str>,
    progress: &Progress,
    tally: &mut Tally,
    release: &dyn Fn(Range<usize>),
) -> usize {
    let threads = rayon::current_num_threads();
    let mut scanner = Scanner::new(catalog);
    let mut hits = Vec::new();
    let mut lines = 0;
    let mut rescanned = 0;
    let mut start = 0;
    while start < data.len() {
        let mut segments = Vec::new();
        let mut end = start;
        while end < data.len() && segments.len() < threads * SEGMENTS_PER_THREAD {
            let cut = (end + segment_bytes).min(data.len());
            let next = memchr::memchr(b'\n', &data[cut..]).map_or(data.len(), |i| cut + i + 1);
            segments.push(end..next);
            end = next;
        }

        if threads == 1 {
            let window = &data[start..end];
            scan_in_order(&mut scanner, window, &mut lines, &mut tally.long_lines, &mut hits);
            add_hits(tally, catalog, name, &mut hits);
        } else {
            let parts: Vec<Part<'_>> = segments
                .par_iter()
                .map(|segment| Part::scan(catalog, data, segment.clone()))
                .collect();
            for (segment, mut part) in segments.into_iter().zip(parts) {
                if scanner.take_over(part.scanner, &mut part.hits, lines, &mut hits) {
                    lines += part.lines;
                    tally.long_lines += part.long_lines;
                } else {
                    rescanned += 1;
                    let text = &data[segment];
                    scan_in_order(&mut scanner, text, &mut lines, &mut tally.long_lines, &mut hits);
                }
                add_hits(tally, catalog, name, &mut hits);
            }
        }
        progress.add_bytes((end - start) as u64);
        release(start..end);
        start = end;
    }
    scanner.finish(&mut hits);
    add_hits(tally, catalog, name, &mut hits);
    tally.lines = lines;
    tally.bytes = data.len() as u64;
    rescanned
}

fn add_hits(tally: &mut Tally, catalog: &Catalog, name: &Arc<str>, hits: &mut Vec<Hit>) {
    for hit in hits.drain(..) {
        tally.add(catalog, name, hit);
    }
}

/// Drops the pages of a scanned window from the process, so that resident
/// memory stays flat however large the file. They stay in the page cache.
fn release(map: &Mmap, window: Range<usize>) {
    // SAFETY: the mapping is a read-only shared file mapping, so dropped
    // pages are read again from the file if touched (the look-back of the
    // next window may touch the last page). Failure only keeps them.
    let _ = unsafe {
        map.unchecked_advise_range(UncheckedAdvice::DontNeed, window.start, window.len())
    };
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::catalog::Lang;
    use crate::report::Report;

    /// Lines of the UTF-8 fixtures, DevTools expanded objects and
    /// pretty-printed JSON records among them.
    fn fixture_lines() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut lines = Vec::new();
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.unwrap();
            if let Ok(text) = std::fs::read_to_string(entry.path()) {
                lines.extend(text.lines().map(str::to_owned));
            }
        }
        lines
    }

    /// Asserts that two reports are equal, showing the first line that
    /// differs instead of two whole reports.
    #[track_caller]
    fn assert_same(expected: &str, actual: &str, what: &str) {
        let first_difference = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        if let Some(line) = first_difference {
            let around = |text: &str| {
                text.lines().skip(line.saturating_sub(8)).take(12).collect::<Vec<_>>().join("\n")
            };
            panic!(
                "{what}: line {} differs\nexpected:\n{}\nactual:\n{}",
                line + 1,
                around(expected),
                around(actual)
            );
        }
        assert_eq!(expected.lines().count(), actual.lines().count(), "{what}: line count");
    }

    fn json(tally: &Tally) -> String {
        let mut json = Vec::new();
        Report::build(tally, &Catalog::builtin(), Lang::En).write_json(&mut json).unwrap();
        String::from_utf8(json).unwrap()
    }

    /// The report of a sequential read, and of a segmented scan on two
    /// threads with the number of segments scanned again.
    fn both(data: &[u8], segment_bytes: usize) -> (String, String, usize) {
        let catalog = Catalog::builtin();
        let name: Arc<str> = Arc::from("input");
        let progress = Progress::hidden();
        let reader = Box::new(Cursor::new(data.to_vec()));
        let read = super::super::scan_reader(reader, &name, &catalog, &progress, false, None);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let mut mapped = Tally::default();
        mapped.files = 1;
        let rescanned = pool.install(|| {
            scan_segments(data, segment_bytes, &catalog, &name, &progress, &mut mapped, &|_| {})
        });
        (json(&read), json(&mapped), rescanned)
    }

    #[test]
    fn segments_give_sequential_report() {
        let lines = fixture_lines();
        let mut text = String::new();
        // Every fixture line, in order and then shifted, so that segment
        // ends fall inside multi-line records too.
        for shift in [0, 3, 7] {
            for line in lines.iter().skip(shift) {
                text.push_str(line);
                text.push('\n');
            }
        }
        let mut rescanned_any = false;
        for segment_bytes in [1, 700, 4096, 65_536] {
            let (read, mapped, rescanned) = both(text.as_bytes(), segment_bytes);
            assert_same(&read, &mapped, &format!("segments of {segment_bytes} bytes"));
            rescanned_any |= rescanned > 0;
        }
        assert!(rescanned_any, "no segment started inside an open record");
    }

    #[test]
    fn long_line_is_cut_as_when_read() {
        let mut text = b"code: -1307 live-pusher\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', crate::input::MAX_LINE_BYTES + 10));
        text.extend(b" code: -2301\nclient join failed: {\"code\":903,\"reason\":\"time out\"}\n");
        let (read, mapped, _) = both(&text, 1 << 20);
        assert_same(&read, &mapped, "a long line");
        assert!(read.contains("\"long_lines\": 1"), "{read}");
    }
}
