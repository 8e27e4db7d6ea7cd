//! Large regular files, memory-mapped and scanned in segments on all the
//! threads of the pool at once.
//!
//! Each segment starts with a fresh scanner that is given the lines before
//! it for time look-back. Segments are merged in order, by whichever thread
//! finds the next one ready. When the scanner of the text before a segment
//! ends with nothing open, the segment's hits are exactly those of a
//! sequential scan and are kept. Otherwise the segment is scanned again, in
//! order, from that scanner.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use memmap2::{Mmap, UncheckedAdvice};

use super::chunks::for_each_chunk_in;
use crate::catalog::Catalog;
use crate::extract::{Hit, LineEncoding, Scanner};
use crate::progress::Progress;
use crate::tally::Tally;

/// Files smaller than this are read instead. From about this size on, a
/// mapping costs less than copying the file into a buffer. Below it, the
/// calls that map and unmap a file cost more.
pub const MIN_MAP_BYTES: u64 = 256 << 10;

/// Bytes in a segment, the unit of work of one thread (extended to the end
/// of the line it cuts).
const SEGMENT_BYTES: usize = 1 << 20;

/// Segments per thread that may be scanned ahead of the merge: they hold
/// their hits until the segments before them are merged.
const SEGMENTS_PER_THREAD: usize = 8;

/// Bytes scanned at once by a single thread: pages are populated per window.
const WINDOW_BYTES: usize = 16 << 20;

/// Merged bytes whose pages are released together. A release interrupts
/// the other threads of the scan to flush their TLB entries, so it is not
/// done per segment. The file's resident pages stay below this plus the
/// segments in flight.
const RELEASE_BYTES: usize = 16 << 20;

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
    pages: &'a dyn Pages,
    scanner: Scanner<'c>,
    hits: Vec<Hit>,
    lines: u64,
    /// Start of the pages not yet released.
    release_start: usize,
    /// Segments scanned a second time because they started inside a record.
    rescanned: usize,
}

impl<'c> Merge<'c, '_> {
    /// Merges the part of `segment`, the next text of the input, into
    /// `tally`.
    fn part(&mut self, segment: Range<usize>, mut part: Part<'c>, tally: &mut Tally) {
        let text = &self.pages.bytes()[segment.clone()];
        let lines = self.lines;
        if self.scanner.take_over(part.scanner, text, &mut part.hits, lines, &mut self.hits) {
            self.lines += part.lines;
            tally.long_lines += part.long_lines;
            self.add_hits(tally);
        } else {
            self.rescanned += 1;
            self.in_order(text, tally);
        }
        self.done(segment);
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

    /// Counts merged text as done and releases the pages merged so far
    /// when they are many.
    fn done(&mut self, merged: Range<usize>) {
        self.progress.add_bytes(merged.len() as u64);
        if merged.end - self.release_start >= RELEASE_BYTES {
            self.pages.release(self.release_start..merged.end);
            self.release_start = merged.end;
        }
    }

    /// Ends the scan of the input.
    fn finish(mut self, tally: &mut Tally) -> usize {
        self.scanner.finish(&mut self.hits);
        self.add_hits(tally);
        tally.lines = self.lines;
        tally.bytes = self.pages.bytes().len() as u64;
        self.rescanned
    }
}

/// Returns the end of the segment that starts at `start`: the end of the
/// line that `bytes` later bytes fall in, or of `data`.
fn segment_end(data: &[u8], start: usize, bytes: usize) -> usize {
    let cut = start.saturating_add(bytes).min(data.len());
    memchr::memchr(b'\n', &data[cut..]).map_or(data.len(), |i| cut + i + 1)
}

/// Locks `mutex`, also after a thread panicked while holding it: the panic
/// ends the scan anyway, and the others must not wait for it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Segments cut and not yet merged.
struct Queue<'c> {
    /// Start of the next segment.
    next_start: usize,
    /// Number of segments cut so far.
    cut_count: usize,
    /// Number of segments taken for merging so far.
    taken_count: usize,
    /// The segments after those taken, with their parts once scanned.
    parts: VecDeque<(Range<usize>, Option<Part<'c>>)>,
}

/// A scan of one text by several threads. Each thread cuts the next
/// segment, scans it, and then merges whatever segments are ready in order,
/// unless another thread is merging. So no thread waits for the others
/// unless it runs too far ahead of the merge.
struct Pipeline<'c, 'a> {
    pages: &'a dyn Pages,
    encoding: LineEncoding,
    catalog: &'c Catalog,
    segment_bytes: usize,
    /// Maximum number of segments cut and not yet taken for merging.
    ahead: usize,
    queue: Mutex<Queue<'c>>,
    /// Signal sent when segments are taken for merging.
    merge_advanced: Condvar,
    merge: Mutex<(Merge<'c, 'a>, &'a mut Tally)>,
}

impl<'c> Pipeline<'c, '_> {
    fn work(&self) {
        // A panic stops the cutting, so that no thread waits for a segment
        // that will never be merged.
        struct Stop<'p, 'c, 'a>(&'p Pipeline<'c, 'a>);
        impl Drop for Stop<'_, '_, '_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    lock(&self.0.queue).next_start = self.0.pages.bytes().len();
                    self.0.merge_advanced.notify_all();
                }
            }
        }
        let _stop = Stop(self);
        while let Some((index, segment)) = self.cut() {
            let part = Part::scan(self.catalog, self.encoding, self.pages, segment);
            {
                let mut queue = lock(&self.queue);
                let slot = index - queue.taken_count;
                queue.parts[slot].1 = Some(part);
            }
            self.merge_ready();
        }
    }

    /// Cuts the next segment and returns its index, or `None` at the end.
    fn cut(&self) -> Option<(usize, Range<usize>)> {
        let data = self.pages.bytes();
        let mut queue = lock(&self.queue);
        while queue.cut_count >= queue.taken_count + self.ahead && queue.next_start < data.len() {
            queue = self.merge_advanced.wait(queue).unwrap_or_else(PoisonError::into_inner);
        }
        if queue.next_start >= data.len() {
            return None;
        }
        let segment = queue.next_start..segment_end(data, queue.next_start, self.segment_bytes);
        queue.next_start = segment.end;
        queue.parts.push_back((segment.clone(), None));
        queue.cut_count += 1;
        Some((queue.cut_count - 1, segment))
    }

    /// Merges the segments ready in order, unless another thread does.
    fn merge_ready(&self) {
        // A thread that finds the merge busy leaves its part to the merging
        // thread, which looks again once it has let go of the merge.
        while let Ok(mut guard) = self.merge.try_lock() {
            let (merge, tally) = &mut *guard;
            while let Some((segment, part)) = self.take_ready() {
                merge.part(segment, part, tally);
            }
            drop(guard);
            if !self.is_ready() {
                return;
            }
        }
    }

    fn is_ready(&self) -> bool {
        lock(&self.queue).parts.front().is_some_and(|(_, part)| part.is_some())
    }

    fn take_ready(&self) -> Option<(Range<usize>, Part<'c>)> {
        let mut queue = lock(&self.queue);
        let (segment, part) = match queue.parts.pop_front() {
            Some((segment, Some(part))) => (segment, part),
            Some(waiting) => {
                queue.parts.push_front(waiting);
                return None;
            }
            None => return None,
        };
        queue.taken_count += 1;
        drop(queue);
        self.merge_advanced.notify_all();
        Some((segment, part))
    }
}

/// Scans the text of `pages` in segments of about `segment_bytes` into
/// `tally`. Returns how many segments were scanned a second time, in order.
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
    let merge = Merge {
        catalog,
        name,
        progress,
        pages,
        scanner: Scanner::new(catalog).with_encoding(encoding),
        hits: Vec::new(),
        lines: 0,
        release_start: 0,
        rescanned: 0,
    };
    if threads == 1 {
        let mut merge = merge;
        let mut start = 0;
        while start < data.len() {
            let window = start..segment_end(data, start, WINDOW_BYTES);
            pages.populate(window.clone());
            merge.in_order(&data[window.clone()], tally);
            merge.done(window.clone());
            start = window.end;
        }
        return merge.finish(tally);
    }
    let pipeline = Pipeline {
        pages,
        encoding,
        catalog,
        segment_bytes,
        ahead: threads * SEGMENTS_PER_THREAD,
        queue: Mutex::new(Queue {
            next_start: 0,
            cut_count: 0,
            taken_count: 0,
            parts: VecDeque::new(),
        }),
        merge_advanced: Condvar::new(),
        merge: Mutex::new((merge, tally)),
    };
    rayon::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|_| pipeline.work());
        }
        pipeline.work();
    });
    let queue = pipeline.queue.into_inner().unwrap_or_else(PoisonError::into_inner);
    debug_assert!(queue.parts.is_empty(), "segments left unmerged");
    let (merge, tally) = pipeline.merge.into_inner().unwrap_or_else(PoisonError::into_inner);
    merge.finish(tally)
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
        on_threads(data, segment_bytes, 2)
    }

    /// Returns the report of a sequential read, and of a segmented scan on
    /// `threads` threads with the number of segments scanned again.
    fn on_threads(data: &[u8], segment_bytes: usize, threads: usize) -> (String, String, usize) {
        let catalog = Catalog::builtin();
        let name: Arc<str> = Arc::from("input");
        let progress = Progress::hidden();
        let reader = Box::new(Cursor::new(data.to_vec()));
        let read = super::super::scan_reader(reader, &name, &catalog, &progress, false, None);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
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
        for threads in [1, 2, 3] {
            for segment_bytes in [1, 700, 4096, 65_536] {
                let (read, mapped, rescanned) = on_threads(text.as_bytes(), segment_bytes, threads);
                let case = format!("{threads} threads, segments of {segment_bytes} bytes");
                assert_same(&read, &mapped, &case);
                rescanned_any |= rescanned > 0;
            }
        }
        assert!(rescanned_any, "no segment started inside an open record");
    }

    #[test]
    fn segment_after_event_kept_unless_property() {
        // One-byte segments end at every line end.
        let text =
            "meeting.js? [sm]:52 client.on error {code: 905, reason: \"connect websocket failed\"}
meeting.js? [sm]:141 重新创建 client 并加入频道 room-42
meeting.js? [sm]:52 client.on error {code: 904, reason: \"websocket disconnected\"}
    code: 904
    reason: \"websocket disconnected\"
    __proto__: Object
";
        let (read, mapped, rescanned) = both(text.as_bytes(), 1);
        assert_same(&read, &mapped, "an expanded event");
        assert!(read.contains("\"total_events\": 2"), "{read}");
        // The plain line after the first event ends the wait for its
        // properties; the three property lines after the second are
        // scanned again in order.
        assert_eq!(rescanned, 3);
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
