//! Extraction: turns log lines into events (a source, a code and a reason)
//! and code-less findings.
//!
//! [`Scanner`] reads one input's lines in order. It keeps the little state
//! that spans lines: a structure that a line opened and later lines close
//! (pretty-printed JSON, Node's multi-line objects), and the property lines
//! DevTools prints when an object is expanded. Everything else is decided
//! per line by [`text::scan`].

pub mod candidates;
mod devtools;
mod keys;
pub mod relaxed;
mod shapes;
#[cfg(test)]
mod tests;
mod text;
pub mod time;
mod triggers;
mod walk;

use std::cell::RefCell;
use std::collections::VecDeque;

use serde::Serialize;

use crate::catalog::Catalog;
use time::Stamp;

/// The origin of a code.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// An Agora Miniapp SDK error (`code` with `reason`).
    Agora,
    /// A WeChat `live-pusher` state or error code.
    LivePusher,
    /// A WeChat `live-player` state code.
    LivePlayer,
    /// A failed `wx.*` API call; the code is the API name.
    Wx,
}

impl Source {
    pub const ALL: [Source; 4] =
        [Source::Agora, Source::LivePusher, Source::LivePlayer, Source::Wx];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Agora => "agora",
            Source::LivePusher => "live-pusher",
            Source::LivePlayer => "live-player",
            Source::Wx => "wx",
        }
    }

    pub fn parse(text: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The line, time, user and page of a record, as far as it states them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// Line number of the record (1-based).
    pub line: u64,
    pub time: Option<Stamp>,
    /// An OpenID or uid.
    pub user: Option<String>,
    /// The mini-program page, from realtime-log entries.
    pub page: Option<String>,
    /// For a time without an offset: the offset, in minutes, of the last
    /// time with one that this input showed before it (`Z` times aside,
    /// since those come from Unix timestamps). Used only for ordering.
    pub assumed_offset: Option<i64>,
}

/// One coded event. `count` is more than one when DevTools collapsed
/// repeated lines into one with a repeat count.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub source: Source,
    pub code: String,
    pub reason: String,
    pub count: u64,
    pub context: Context,
}

/// A code-less finding: the index of the catalog finding that matched and
/// the text it matched in.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub index: usize,
    pub text: String,
    pub count: u64,
    pub context: Context,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Hit {
    Event(Event),
    Finding(Finding),
}

impl Hit {
    fn context_mut(&mut self) -> &mut Context {
        match self {
            Hit::Event(e) => &mut e.context,
            Hit::Finding(f) => &mut f.context,
        }
    }
}

/// Upper bound on the bytes of one multi-line record kept in memory while
/// waiting for it to close. A longer record is read again line by line.
const MAX_RECORD_BYTES: usize = 8 << 20;

/// The encoding of the bytes a scanner reads. Both keep ASCII as single
/// bytes and never use a line feed inside a character, so the prefilter
/// searches the raw bytes and only the lines it picks are decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LineEncoding {
    #[default]
    Utf8,
    Gb18030,
}

impl LineEncoding {
    /// Decodes a line, replacing invalid bytes. Valid UTF-8, the usual
    /// case, is borrowed.
    fn decode(self, bytes: &[u8]) -> std::borrow::Cow<'_, str> {
        match self {
            // A vector check: candidate lines are often Chinese, on which
            // the standard check goes byte by byte.
            LineEncoding::Utf8 => match simdutf8::basic::from_utf8(bytes) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(bytes),
            },
            LineEncoding::Gb18030 => encoding_rs::GB18030.decode_without_bom_handling(bytes).0,
        }
    }
}

/// Walks `hits` in order: a zoned, non-UTC time sets `last_offset`, and a
/// local time takes it as its assumed offset.
fn assign_offsets(hits: &mut [Hit], last_offset: &mut Option<i64>) {
    for hit in hits {
        let context = hit.context_mut();
        match &context.time {
            Some(stamp @ Stamp::Zoned(text)) if !text.ends_with('Z') => {
                *last_offset = stamp.offset_minutes();
            }
            Some(Stamp::Local(_)) => context.assumed_offset = *last_offset,
            _ => {}
        }
    }
}

/// A line kept for time look-back, with its time once it was looked for.
#[derive(Default)]
struct RecentLine {
    bytes: Vec<u8>,
    encoding: LineEncoding,
    time: std::cell::OnceCell<Option<Stamp>>,
}

impl RecentLine {
    fn text(&self) -> std::borrow::Cow<'_, str> {
        self.encoding.decode(&self.bytes)
    }

    fn time(&self) -> &Option<Stamp> {
        self.time.get_or_init(|| time::find(&self.text()))
    }
}

/// The lines before the line being scanned, for time look-back: those of
/// the current chunk up to that line, then those kept from earlier text.
struct Recent<'a> {
    before: &'a [u8],
    encoding: LineEncoding,
    earlier: &'a VecDeque<RecentLine>,
    /// Times found in lines of the current chunk, by line start.
    times: &'a RefCell<Vec<(usize, Option<Stamp>)>>,
}

impl Recent<'_> {
    /// Returns the time of the newest of the last [`RECENT_LINES`] lines
    /// that has one.
    fn time(&self) -> Option<Stamp> {
        let mut seen = 0;
        for (start, end) in lines_backward(self.before).take(RECENT_LINES) {
            seen += 1;
            let stamp = self.chunk_line_time(start, end);
            if stamp.is_some() {
                return stamp;
            }
        }
        self.earlier.iter().rev().take(RECENT_LINES - seen).find_map(|line| line.time().clone())
    }

    /// Returns the time in `before[start..end]`, looked for once per line:
    /// in logs without times, every event looks through the same lines.
    fn chunk_line_time(&self, start: usize, end: usize) -> Option<Stamp> {
        if let Some((_, stamp)) = self.times.borrow().iter().find(|(at, _)| *at == start) {
            return stamp.clone();
        }
        let stamp = time::find(&self.encoding.decode(&self.before[start..end]));
        let mut times = self.times.borrow_mut();
        if times.len() == 2 * RECENT_LINES {
            times.remove(0);
        }
        times.push((start, stamp.clone()));
        stamp
    }

    /// Returns the text of the newest line, or an empty string before the
    /// first line.
    fn newest_text(&self) -> String {
        match lines_backward(self.before).next() {
            Some((start, end)) => self.encoding.decode(&self.before[start..end]).into_owned(),
            None => self.earlier.back().map_or_else(String::new, |line| line.text().into_owned()),
        }
    }
}

/// Returns the lines of `text`, newest first, as byte ranges without their
/// line terminators.
fn lines_backward(text: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut end = text.len();
    std::iter::from_fn(move || {
        if end == 0 {
            return None;
        }
        let content_end = if text[end - 1] == b'\n' { end - 1 } else { end };
        let start = memchr::memrchr(b'\n', &text[..content_end]).map_or(0, |i| i + 1);
        end = start;
        let line = &text[start..content_end];
        Some((start, start + line.strip_suffix(b"\r").unwrap_or(line).len()))
    })
}

/// Chunks at least this large are scanned in two halves at once.
const PARALLEL_CHUNK_BYTES: usize = 256 << 10;

/// Lines looked back through for the time of a line that has none.
const RECENT_LINES: usize = 8;

/// Upper bound on the lines of one multi-line record.
const MAX_RECORD_LINES: usize = 200_000;

/// A structure opened by one line and not yet closed.
struct OpenRecord {
    /// The lines so far, with their numbers, for replay if it never closes.
    lines: Vec<(u64, String)>,
    /// Hits from the part of the first line before the structure.
    hits_before: Vec<Hit>,
    /// The structure's text from its opening bracket on.
    text: String,
    /// Byte offset in `text` where each line starts.
    line_starts: Vec<usize>,
    count: u64,
    depth: devtools::Depth,
    /// The text that gives the record its time and user: the first line, or
    /// the line before it when the record starts a line of its own (Node
    /// prints `message` and then the object on the next lines).
    context_text: String,
}

/// DevTools property lines (`code: 905`, `reason: "..."`) gathered until a
/// line that is not one.
#[derive(Default)]
struct PropertyBlock {
    first_line: u64,
    count: u64,
    code: Option<String>,
    err_code: Option<String>,
    reason: Option<String>,
    message: Option<String>,
    /// Agora codes the line before the block reported: the block repeats
    /// them when it is the expansion of that line's object.
    expands: Vec<String>,
    active: bool,
}

/// Per-input extraction state. Feed lines with [`Scanner::line`] and call
/// [`Scanner::finish`] at the end of the input.
pub struct Scanner<'c> {
    catalog: &'c Catalog,
    open: Option<OpenRecord>,
    block: PropertyBlock,
    /// Events of the previous line: `None` when it had none, else the Agora
    /// codes among them.
    previous: Option<Vec<String>>,
    /// The last lines read, newest last, with reused buffers. A record
    /// without a time of its own (a stack frame, an expanded object, an
    /// exception line) takes the time of the nearest line before it that
    /// has one.
    recent: VecDeque<RecentLine>,
    /// Times found in lines of the chunk being scanned, for time look-back
    /// (see [`Recent`]); emptied when the chunk ends.
    chunk_times: RefCell<Vec<(usize, Option<Stamp>)>>,
    /// The offset of the last zoned, non-UTC time seen, in minutes.
    last_offset: Option<i64>,
    /// The encoding of the bytes given to [`Scanner::chunk`].
    encoding: LineEncoding,
}

impl<'c> Scanner<'c> {
    pub fn new(catalog: &'c Catalog) -> Self {
        Scanner {
            catalog,
            open: None,
            block: PropertyBlock::default(),
            previous: None,
            recent: VecDeque::with_capacity(RECENT_LINES),
            chunk_times: RefCell::new(Vec::new()),
            last_offset: None,
            encoding: LineEncoding::Utf8,
        }
    }

    /// Sets the encoding of the bytes given to [`Scanner::chunk`] (UTF-8 by
    /// default).
    pub fn with_encoding(mut self, encoding: LineEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Scans one line (without its line terminator) and appends what it
    /// finds to `out`. Hits of a multi-line record arrive when it closes.
    pub fn line(&mut self, number: u64, line: &str, out: &mut Vec<Hit>) {
        self.decoded_line(number, line, &[], out);
        let raw = line.as_bytes();
        self.remember(raw.strip_suffix(b"\r").unwrap_or(raw), LineEncoding::Utf8);
    }

    /// Scans a decoded line. `before` is the text of the current chunk up to
    /// the line, newer than the lines kept for time look-back.
    fn decoded_line(&mut self, number: u64, line: &str, before: &[u8], out: &mut Vec<Hit>) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if self.open.is_some() {
            self.continue_record(number, line, before, out);
        } else {
            self.process(number, line, true, before, out);
        }
    }

    /// Scans a chunk of whole lines whose first line is number `first_line`
    /// and returns the number of lines in it. Lines that cannot hold an
    /// event are skipped without decoding while no record or expanded
    /// object is open, which gives the same hits as [`Scanner::line`] on
    /// every line.
    pub fn chunk(&mut self, chunk: &[u8], first_line: u64, out: &mut Vec<Hit>) -> u64 {
        let candidates = self.catalog.candidates();
        let mut number = first_line;
        let mut pos = 0;
        let mut cursor = candidates::Cursor::default();
        while pos < chunk.len() {
            if self.is_idle() {
                let start = candidates.next_line(chunk, pos, &mut cursor).unwrap_or(chunk.len());
                if start > pos {
                    number += bytecount::count(&chunk[pos..start], b'\n') as u64;
                    pos = start;
                    if pos == chunk.len() {
                        // A last line without a line feed (the end of the
                        // input, or a line cut at the length limit) counts
                        // too.
                        if chunk.last() != Some(&b'\n') {
                            number += 1;
                        }
                        break;
                    }
                }
            }
            let end = memchr::memchr(b'\n', &chunk[pos..]).map_or(chunk.len(), |i| pos + i);
            let raw = &chunk[pos..end];
            let text = self.encoding.decode(raw);
            let follows_events_only = self.open.is_none() && !self.block.active;
            if follows_events_only && candidates.next_line(chunk, pos, &mut cursor) != Some(pos) {
                // The line after an event matters only as a property line of
                // that event's expanded object. Any other line that is not a
                // candidate only ends the wait for such a line.
                if !may_be_property(&text) {
                    self.previous = None;
                    number += 1;
                    pos = end + 1;
                    continue;
                }
            }
            self.decoded_line(number, &text, &chunk[..pos], out);
            number += 1;
            pos = end + 1;
        }
        // The lines of the chunk are kept only now: until here, look-back
        // reads them in place.
        self.remember_last_lines(chunk);
        self.chunk_times.get_mut().clear();
        number - first_line
    }

    /// Scans a chunk like [`Scanner::chunk`], splitting a large one in two
    /// halves scanned at once on the rayon pool. The second half starts
    /// from a fresh scanner given the lines before it; its hits are
    /// kept when the first half ends with nothing open, which makes the
    /// result identical to a sequential scan, and scanned again otherwise.
    pub fn chunk_parallel(&mut self, chunk: &[u8], first_line: u64, out: &mut Vec<Hit>) -> u64 {
        let split = (chunk.len() >= PARALLEL_CHUNK_BYTES && rayon::current_num_threads() > 1)
            .then(|| memchr::memchr(b'\n', &chunk[chunk.len() / 2..]))
            .flatten()
            .map(|i| chunk.len() / 2 + i + 1)
            .filter(|&split| split < chunk.len());
        let Some(split) = split else {
            return self.chunk(chunk, first_line, out);
        };
        let (first, second) = chunk.split_at(split);
        let first_lines = bytecount::count(first, b'\n') as u64;
        if first_lines < RECENT_LINES as u64 {
            return self.chunk(chunk, first_line, out);
        }

        let mut other = Scanner::after(self.catalog, self.encoding, first);
        let mut other_hits = Vec::new();
        let (lines, other_lines) = rayon::join(
            || self.chunk(first, first_line, out),
            || other.chunk(second, first_line + first_lines, &mut other_hits),
        );
        if self.take_over(other, second, &mut other_hits, 0, out) {
            lines + other_lines
        } else {
            lines + self.chunk(second, first_line + lines, out)
        }
    }

    /// Starts a scanner for the text that follows `before`, both in
    /// `encoding`, keeping the last lines of `before` for time look-back.
    /// What it finds is exact when the scanner that read `before` ends idle:
    /// see [`Scanner::take_over`].
    pub fn after(catalog: &'c Catalog, encoding: LineEncoding, before: &[u8]) -> Scanner<'c> {
        let mut scanner = Scanner::new(catalog).with_encoding(encoding);
        scanner.remember_last_lines(before);
        scanner
    }

    /// Continues with `next`, a scanner from [`Scanner::after`] that has
    /// scanned `next_text`, the text after this one's, and moves its `hits`
    /// to `out`, adding `lines_before` to their line numbers. Returns false
    /// and changes nothing when this scanner is not idle, because a record
    /// or object it has open could change what `next` found: the caller
    /// scans that text again with this scanner. Waiting only for a property
    /// line after an event is no obstacle when the first line of
    /// `next_text` cannot be one.
    pub fn take_over(
        &mut self,
        mut next: Scanner<'c>,
        next_text: &[u8],
        hits: &mut Vec<Hit>,
        lines_before: u64,
        out: &mut Vec<Hit>,
    ) -> bool {
        if !self.is_idle() && !self.ends_wait(next_text) {
            return false;
        }
        for hit in hits.iter_mut() {
            hit.context_mut().line += lines_before;
        }
        next.shift_lines(lines_before);
        // `next` did not know the offsets this scanner saw.
        let mut last_offset = self.last_offset;
        assign_offsets(hits, &mut last_offset);
        out.append(hits);
        next.last_offset = last_offset;
        *self = next;
        true
    }

    /// Adds `by` to the line numbers of what is open, for a scanner that
    /// numbered its text from 1 and turns out to follow `by` lines.
    fn shift_lines(&mut self, by: u64) {
        if let Some(record) = &mut self.open {
            for (number, _) in &mut record.lines {
                *number += by;
            }
            for hit in &mut record.hits_before {
                hit.context_mut().line += by;
            }
        }
        self.block.first_line += by;
    }

    /// Returns true when this scanner only waits for a property line after
    /// an event and the first line of `text` ends that wait without being
    /// scanned, as [`Scanner::chunk`] reads it. The scanner is then idle
    /// after that line, like a fresh scanner that skipped it.
    fn ends_wait(&self, text: &[u8]) -> bool {
        let end = memchr::memchr(b'\n', text).unwrap_or(text.len());
        // A longer line is cut before it is scanned, which can change
        // whether it is a candidate.
        let whole = !text.is_empty() && end <= crate::input::MAX_LINE_BYTES;
        whole
            && self.open.is_none()
            && !self.block.active
            && self.catalog.candidates().next_line(text, 0, &mut candidates::Cursor::default())
                != Some(0)
            && !may_be_property(&self.encoding.decode(&text[..end]))
    }

    /// Returns true when a line without a candidate key cannot change what
    /// the scanner reports, so it may be skipped.
    fn is_idle(&self) -> bool {
        self.open.is_none() && !self.block.active && self.previous.is_none()
    }

    /// Keeps the last lines of `text` for time look-back.
    fn remember_last_lines(&mut self, text: &[u8]) {
        let mut lines = [(0, 0); RECENT_LINES];
        let mut count = 0;
        for line in lines_backward(text).take(RECENT_LINES) {
            lines[count] = line;
            count += 1;
        }
        for &(start, end) in lines[..count].iter().rev() {
            self.remember(&text[start..end], self.encoding);
        }
    }

    /// Returns the lines for time look-back of a line after `before`, text
    /// of the chunk being scanned.
    fn recent<'a>(&'a self, before: &'a [u8]) -> Recent<'a> {
        Recent { before, encoding: self.encoding, earlier: &self.recent, times: &self.chunk_times }
    }

    /// Records the offsets of zoned times and gives local times the last
    /// one seen, so that a Java log's local time orders correctly against
    /// `+08:00` times from the same input.
    fn assume_offsets(&mut self, hits: &mut [Hit]) {
        assign_offsets(hits, &mut self.last_offset);
    }

    /// Keeps the raw bytes of a line for time look-back; they are decoded
    /// only when a hit needs a time from them.
    fn remember(&mut self, line: &[u8], encoding: LineEncoding) {
        let mut slot = if self.recent.len() == RECENT_LINES {
            self.recent.pop_front().unwrap_or_default()
        } else {
            RecentLine::default()
        };
        slot.bytes.clear();
        slot.bytes.extend_from_slice(line);
        slot.encoding = encoding;
        slot.time = std::cell::OnceCell::new();
        self.recent.push_back(slot);
    }

    /// Flushes state held at the end of the input.
    pub fn finish(&mut self, out: &mut Vec<Hit>) {
        if let Some(record) = self.open.take() {
            self.replay(record.lines, &[], out);
        }
        self.flush_block(&[], out);
    }

    fn process(
        &mut self,
        number: u64,
        line: &str,
        allow_open: bool,
        before: &[u8],
        out: &mut Vec<Hit>,
    ) {
        if devtools::is_noise(line) {
            self.flush_block(before, out);
            self.previous = None;
            return;
        }
        let (count, body) = devtools::split_repeat(line);
        let property = devtools::property(body);
        // The value lines of an expanded object repeat what its summary line
        // already reported (`reason: "request:fail ..."` would otherwise
        // count again as a wx failure), so they are not scanned as text.
        if let Some((key @ ("reason" | "message" | "errMsg"), value)) = &property {
            if self.block.active || self.previous.is_some() {
                self.add_property(number, count, key, value.clone(), before, out);
                return;
            }
        }
        let context = Context { line: number, ..Context::default() };
        let start = out.len();
        let scan = text::Scan { catalog: self.catalog, count, allow_open };
        let open_at = scan.top(body, &context, out);

        if let Some(at) = open_at {
            let hits_before = out.split_off(start);
            let text = body[at..].to_owned();
            let mut depth = devtools::Depth::default();
            depth.feed(&text);
            let context_text = if body[..at].trim().is_empty() {
                self.recent(before).newest_text()
            } else {
                body.to_owned()
            };
            self.open = Some(OpenRecord {
                lines: vec![(number, line.to_owned())],
                hits_before,
                text,
                line_starts: vec![0],
                count,
                depth,
                context_text,
            });
            return;
        }

        stamp_missing_times(&mut out[start..], body, &self.recent(before));
        self.assume_offsets(&mut out[start..]);
        let events = out[start..].iter().any(|hit| matches!(hit, Hit::Event(_)));
        if !events {
            // A block starts at a code line (DevTools lists properties in
            // name order, so `code` comes before `reason`); other property
            // lines only continue one.
            let starts = |key: &str, value: &str| {
                matches!(key, "code" | "err_code")
                    && relaxed::is_integer(value)
                    && !text::is_success(value)
            };
            let continues = |key: &str, value: &str| self.block.active || starts(key, value);
            if let Some((key, value)) = property.filter(|(key, value)| continues(key, value)) {
                self.add_property(number, count, key, value, before, out);
                return;
            }
        }
        self.flush_block(before, out);
        self.previous = events.then(|| {
            out[start..]
                .iter()
                .filter_map(|hit| match hit {
                    Hit::Event(e) if e.source == Source::Agora => Some(e.code.clone()),
                    _ => None,
                })
                .collect()
        });
    }

    fn add_property(
        &mut self,
        number: u64,
        count: u64,
        key: &str,
        value: String,
        before: &[u8],
        out: &mut Vec<Hit>,
    ) {
        let starts_new = key == "code" && self.block.code.is_some();
        if starts_new {
            self.flush_block(before, out);
        }
        if !self.block.active {
            self.block = PropertyBlock {
                first_line: number,
                count,
                expands: self.previous.take().unwrap_or_default(),
                active: true,
                ..PropertyBlock::default()
            };
        }
        let slot = match key {
            "code" => &mut self.block.code,
            "err_code" => &mut self.block.err_code,
            "reason" => &mut self.block.reason,
            "message" => &mut self.block.message,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }

    fn flush_block(&mut self, before: &[u8], out: &mut Vec<Hit>) {
        let block = std::mem::take(&mut self.block);
        if !block.active {
            return;
        }
        let pair = match (&block.code, &block.reason, &block.err_code, &block.message) {
            (Some(code), Some(reason), _, _) => Some((code, reason)),
            (_, _, Some(code), Some(message)) => Some((code, message)),
            _ => None,
        };
        let Some((code, reason)) = pair else { return };
        if !relaxed::is_integer(code) || text::is_success(code) || block.expands.contains(code) {
            return;
        }
        out.push(Hit::Event(Event {
            source: Source::Agora,
            code: text::normalise_code(code),
            reason: reason.clone(),
            count: block.count,
            context: Context { line: block.first_line, ..Context::default() },
        }));
        let last = out.len() - 1;
        stamp_missing_times(&mut out[last..], "", &self.recent(before));
        self.assume_offsets(&mut out[last..]);
    }

    fn continue_record(&mut self, number: u64, line: &str, before: &[u8], out: &mut Vec<Hit>) {
        let record = self.open.as_mut().expect("an open record");
        if !devtools::continues_structure(line) {
            let record = self.open.take().expect("an open record");
            self.replay(record.lines, before, out);
            self.process(number, line, true, before, out);
            return;
        }
        record.line_starts.push(record.text.len() + 1);
        record.text.push('\n');
        record.text.push_str(line);
        record.lines.push((number, line.to_owned()));
        record.depth.feed(line);

        let too_big = record.text.len() > MAX_RECORD_BYTES || record.lines.len() > MAX_RECORD_LINES;
        if too_big {
            let record = self.open.take().expect("an open record");
            self.replay(record.lines, before, out);
        } else if record.depth.closed() {
            let record = self.open.take().expect("an open record");
            self.close_record(record, before, out);
        }
    }

    fn close_record(&mut self, record: OpenRecord, before: &[u8], out: &mut Vec<Hit>) {
        let Ok((node, end)) = relaxed::parse_at(&record.text, 0) else {
            self.replay(record.lines, before, out);
            return;
        };
        let first_line = record.lines[0].0;
        let start = out.len();
        out.extend(record.hits_before);
        let scan = text::Scan { catalog: self.catalog, count: record.count, allow_open: false };
        let context = Context { line: first_line, ..Context::default() };
        let lines = walk::LineMap { first_line, starts: &record.line_starts };
        scan.structure(&node, &context, Some(&lines), out);
        let trailing = &record.text[end..];
        if !trailing.trim().is_empty() {
            let last_line = record.lines.last().map_or(first_line, |l| l.0);
            let context = Context { line: last_line, ..Context::default() };
            scan.top(trailing, &context, out);
        }
        stamp_missing_times(&mut out[start..], &record.context_text, &self.recent(before));
        self.assume_offsets(&mut out[start..]);
        text::fill_user(&record.context_text, &mut out[start..]);
        self.previous = None;
    }

    /// Scans lines of a record that never closed as separate lines. None of
    /// them may open a new record, so replay always makes progress.
    fn replay(&mut self, lines: Vec<(u64, String)>, before: &[u8], out: &mut Vec<Hit>) {
        for (number, line) in lines {
            self.process(number, &line, false, before, out);
        }
    }
}

/// Returns true when `line` (with its `\r`, if any) may be a property line
/// of an expanded object.
fn may_be_property(line: &str) -> bool {
    let line = line.strip_suffix('\r').unwrap_or(line);
    devtools::may_be_property(devtools::split_repeat(line).1)
}

/// Gives hits without a time of their own the first timestamp in `text`,
/// or else the time of the newest of the `recent` lines that has one.
fn stamp_missing_times(hits: &mut [Hit], text: &str, recent: &Recent<'_>) {
    let mut found: Option<Option<Stamp>> = None;
    for hit in hits {
        let context = hit.context_mut();
        if context.time.is_none() {
            context.time =
                found.get_or_insert_with(|| time::find(text).or_else(|| recent.time())).clone();
        }
    }
}

/// Scans a whole text through the prefilter and returns its hits: a
/// convenience for tests and benchmarks.
pub fn scan_str(catalog: &Catalog, input: &str) -> Vec<Hit> {
    let mut scanner = Scanner::new(catalog);
    let mut out = Vec::new();
    scanner.chunk(input.as_bytes(), 1, &mut out);
    scanner.finish(&mut out);
    out
}

/// Scans a whole text line by line without the prefilter, for checking
/// that the prefilter changes nothing.
pub fn scan_str_every_line(catalog: &Catalog, input: &str) -> Vec<Hit> {
    let mut scanner = Scanner::new(catalog);
    let mut out = Vec::new();
    // Split on line feeds only, as the chunk reader does: `str::lines`
    // would also drop a carriage return that `Scanner::line` drops again.
    let body = input.strip_suffix('\n').unwrap_or(input);
    if !input.is_empty() {
        for (i, line) in body.split('\n').enumerate() {
            scanner.line(i as u64 + 1, line, &mut out);
        }
    }
    scanner.finish(&mut out);
    out
}
