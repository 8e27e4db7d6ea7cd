//! Large regular files, memory-mapped and scanned in segments on all the
//! threads of the pool at once.
//!
//! Each segment starts with a fresh scanner that is given the lines before
//! it for time look-back. Segments are merged in order. When the scanner of
//! the text before a segment ends idle (nothing open), the segment's hits
//! are exactly those of a sequential scan and are kept. Otherwise the
//! segment is scanned again, in order, from that scanner.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use memmap2::{Mmap, UncheckedAdvice};
use rayon::prelude::*;

use super::chunks::for_each_chunk_in;
use crate::catalog::Catalog;
use crate::extract::{Hit, LineEncoding, Scanner};
use crate::progress::Progress;
use crate::tally::Tally;

/// Files smaller than this are read instead: for them a mapping costs more
/// than a copy, and reading keeps memory flat in a directory of many files.
pub const MIN_MAP_BYTES: u64 = 16 << 20;

/// Bytes in a segment, the unit of work of one thread (extended to the end
/// of the line it cuts).
const SEGMENT_BYTES: usize = 1 << 20;

/// Segments per thread in one window: the segments scanned at once before
/// they are merged and their pages released. Two windows are mapped at a
/// time, so with two threads the file's resident pages stay near 32 MiB.
const SEGMENTS_PER_THREAD: usize = 8;

/// Maps `file` for reading.
pub fn map(file: &File) -> io::Result<Mmap> {
    // SAFETY: the mapping is only read.
    // NOTE: a file truncated by another process while mapped (copytruncate
    // log rotation) makes reads past its new end raise SIGBUS, which ends
    // the process with the message of `sigbus`. `--no-mmap` reads such
    // files instead.
    unsafe { Mmap::map(file) }
}

/// The text of a scan and what is done with its pages.
trait Pages: Sync {
    fn bytes(&self) -> &[u8];

    /// Makes the pages of `range` resident before it is scanned.
    fn populate(&self, _range: Range<usize>) {}

    /// Drops the pages of `range`, scanned and merged, from the process.
    fn release(&self, _range: Range<usize>) {}
}

impl Pages for Mmap {
    fn bytes(&self) -> &[u8] {
        self
    }

    /// Maps the pages in one call: a page fault per page costs more, and
    /// the vector scan's prefetches are dropped for pages not yet mapped.
    fn populate(&self, range: Range<usize>) {
        // Failure (a kernel older than 5.14) only leaves the faults.
        let _ = self.advise_range(memmap2::Advice::PopulateRead, range.start, range.len());
    }

    /// Keeps resident memory flat however large the file. The pages stay
    /// in the page cache.
    fn release(&self, range: Range<usize>) {
        // SAFETY: the mapping is a read-only shared file mapping, so dropped
        // pages are read again from the file if touched (the look-back of
        // the next window touches the last lines). Failure only keeps them.
        let _ = unsafe {
            self.unchecked_advise_range(UncheckedAdvice::DontNeed, range.start, range.len())
        };
    }
}

/// The result of scanning one segment from a fresh scanner.
struct Part<'c> {
    scanner: Scanner<'c>,
    /// Hits, with line numbers counted from the segment's first line.
    hits: Vec<Hit>,
    lines: u64,
    long_lines: u64,
}

impl<'c> Part<'c> {
    fn scan(
        catalog: &'c Catalog,
        encoding: LineEncoding,
        pages: &dyn Pages,
        segment: Range<usize>,
    ) -> Part<'c> {
        pages.populate(segment.clone());
        let data = pages.bytes();
        let mut part = Part {
            scanner: Scanner::after(catalog, encoding, &data[..segment.start]),
            hits: Vec::new(),
            lines: 0,
            long_lines: 0,
        };
        let text = &data[segment];
        scan_in_order(
            &mut part.scanner,
            text,
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

/// Scans a mapped file of text in `encoding` into `tally`, on all threads
/// of the current pool.
pub fn scan(
    map: &Mmap,
    encoding: LineEncoding,
    catalog: &Catalog,
    name: &Arc<str>,
    progress: &Progress,
    tally: &mut Tally,
) {
    scan_segments(map, encoding, SEGMENT_BYTES, catalog, name, progress, tally);
}

/// The state of the scan in input order, into which segments are merged.
struct Merge<'c, 'a> {
    catalog: &'c Catalog,
    name: &'a Arc<str>,
    progress: &'a Progress,
    scanner: Scanner<'c>,
    hits: Vec<Hit>,
    lines: u64,
    /// Segments scanned a second time because they started inside a record.
    rescanned: usize,
}

impl<'c> Merge<'c, '_> {
    /// Merges the parts of a window of segments, in order, into `tally`.
    fn window(
        &mut self,
        pages: &dyn Pages,
        segments: &[Range<usize>],
        parts: Vec<Part<'c>>,
        tally: &mut Tally,
    ) {
        for (segment, mut part) in segments.iter().zip(parts) {
            if self.scanner.take_over(part.scanner, &mut part.hits, self.lines, &mut self.hits) {
                self.lines += part.lines;
                tally.long_lines += part.long_lines;
                self.add_hits(tally);
            } else {
                self.rescanned += 1;
                self.in_order(&pages.bytes()[segment.clone()], tally);
            }
        }
        self.done(pages, segments);
    }

    /// Scans `text` in order, as the next text of the input.
    fn in_order(&mut self, text: &[u8], tally: &mut Tally) {
        scan_in_order(
            &mut self.scanner,
            text,
            &mut self.lines,
            &mut tally.long_lines,
            &mut self.hits,
        );
        self.add_hits(tally);
    }

    fn add_hits(&mut self, tally: &mut Tally) {
        for hit in self.hits.drain(..) {
            tally.add(self.catalog, self.name, hit);
        }
    }

    /// Counts a merged window as done and releases its pages.
    fn done(&self, pages: &dyn Pages, segments: &[Range<usize>]) {
        if let (Some(first), Some(last)) = (segments.first(), segments.last()) {
            let window = first.start..last.end;
            self.progress.add_bytes(window.len() as u64);
            pages.release(window);
        }
    }
}

/// Cuts the segments of the next window, from `start` on: at most `count`
/// of about `segment_bytes`, each extended to the end of the line it cuts.
fn cut_window(data: &[u8], start: usize, segment_bytes: usize, count: usize) -> Vec<Range<usize>> {
    let mut segments = Vec::new();
    let mut end = start;
    while end < data.len() && segments.len() < count {
        let cut = (end + segment_bytes).min(data.len());
        let next = memchr::memchr(b'\n', &data[cut..]).map_or(data.len(), |i| cut + i + 1);
        segments.push(end..next);
        end = next;
    }
    segments
}

/// Scans the text of `pages` in segments of about `segment_bytes` into
/// `tally`. Returns how many segments were scanned a second time, in order.
///
/// With more than one thread, the segments of each window are scanned on
/// the pool while the previous window is merged, so the merge, which runs
/// on one thread, does not leave the others idle.
fn scan_segments(
    pages: &dyn Pages,
    encoding: LineEncoding,
    segment_bytes: usize,
    catalog: &Catalog,
    name: &Arc<str>,
    progress: &Progress,
    tally: &mut Tally,
) -> usize {
    let data = pages.bytes();
    let threads = rayon::current_num_threads();
    let count = threads * SEGMENTS_PER_THREAD;
    let mut merge = Merge {
        catalog,
        name,
        progress,
        scanner: Scanner::new(catalog).with_encoding(encoding),
        hits: Vec::new(),
        lines: 0,
        rescanned: 0,
    };
    let mut start = 0;
    if threads == 1 {
        while start < data.len() {
            let segments = cut_window(data, start, segment_bytes, count);
            let window = start..segments.last().map_or(start, |s| s.end);
            pages.populate(window.clone());
            merge.in_order(&data[window.clone()], tally);
            merge.done(pages, &segments);
            start = window.end;
        }
    } else {
        let mut pending: Option<(Vec<Range<usize>>, Vec<Part<'_>>)> = None;
        loop {
            let segments = cut_window(data, start, segment_bytes, count);
            if segments.is_empty() && pending.is_none() {
                break;
            }
            let ((), parts) = rayon::join(
                || {
                    if let Some((done, parts)) = pending.take() {
                        merge.window(pages, &done, parts, tally);
                    }
                },
                || {
                    let scan = |s: &Range<usize>| Part::scan(catalog, encoding, pages, s.clone());
                    segments.par_iter().map(scan).collect()
                },
            );
            start = segments.last().map_or(start, |s| s.end);
            pending = (!segments.is_empty()).then_some((segments, parts));
        }
    }
    merge.scanner.finish(&mut merge.hits);
    merge.add_hits(tally);
    tally.lines = merge.lines;
    tally.bytes = data.len() as u64;
    merge.rescanned
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::catalog::Lang;
    use crate::report::Report;

    /// Text in memory, whose pages need no care.
    struct InMemory<'a>(&'a [u8]);

    impl Pages for InMemory<'_> {
        fn bytes(&self) -> &[u8] {
            self.0
        }
    }

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
    fn assert_same(expected: &str, actual: &str, case: &str) {
        let first_difference = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        if let Some(line) = first_difference {
            let around = |text: &str| {
                text.lines().skip(line.saturating_sub(8)).take(12).collect::<Vec<_>>().join("\n")
            };
            panic!(
                "{case}: line {} differs\nexpected:\n{}\nactual:\n{}",
                line + 1,
                around(expected),
                around(actual)
            );
        }
        assert_eq!(expected.lines().count(), actual.lines().count(), "{case}: line count");
    }

    fn json(tally: &Tally) -> String {
        let mut json = Vec::new();
        Report::build(tally, &Catalog::builtin(), Lang::En).write_json(&mut json).unwrap();
        String::from_utf8(json).unwrap()
    }

    /// Returns the report of a sequential read, and of a segmented scan on
    /// two threads with the number of segments scanned again.
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
            let pages = InMemory(data);
            let encoding = LineEncoding::Utf8;
            scan_segments(&pages, encoding, segment_bytes, &catalog, &name, &progress, &mut mapped)
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
