//! The prefilter: one search over a whole buffer for the lines that can
//! hold an event or a finding, so that the many lines without one are
//! never decoded or parsed.
//!
//! A line is a candidate when it has a shape that every event needs (see
//! [`shapes`]) or matches a finding pattern. The extraction rules fire only
//! on such lines, and a property test checks that scanning candidates gives
//! the same hits as scanning every line.

use regex::bytes::Regex;

use super::shapes;
use super::triggers::{self, Tables, PLACES};

/// The searches: one vector scan for event shapes (see [`shapes`]) and
/// finding needles, and a regex for the finding patterns without a needle.
#[derive(Debug)]
pub struct Candidates {
    needles: Needles,
    /// The finding patterns that have no literal text long enough for a
    /// needle, as one regex.
    other_findings: Option<Regex>,
}

/// The needles of the finding patterns, in the buckets of the vector scan.
#[derive(Debug)]
struct Needles {
    tables: Tables,
    buckets: Vec<Vec<Needle>>,
}

/// A text that every match of some finding pattern contains.
#[derive(Debug)]
struct Needle {
    text: Vec<u8>,
    /// Offset in `text` of the bytes that the scan looks for.
    trigger: usize,
}

impl Needle {
    fn trigger_bytes(&self) -> &[u8] {
        &self.text[self.trigger..self.trigger + PLACES]
    }
}

/// Counts the four-byte texts that a bucket of `needles` fits: at each
/// place, the low nibbles times the high nibbles of the needles' bytes.
fn fitting_texts<'a>(needles: impl Iterator<Item = &'a Needle> + Clone) -> usize {
    (0..PLACES)
        .map(|place| {
            let bytes = || needles.clone().map(move |n| n.trigger_bytes()[place]);
            let lows: std::collections::BTreeSet<u8> = bytes().map(|b| b & 15).collect();
            let highs: std::collections::BTreeSet<u8> = bytes().map(|b| b >> 4).collect();
            lows.len() * highs.len()
        })
        .product()
}

/// Buckets of a [`Tables`].
const BUCKETS: usize = 8;

impl Needles {
    /// Builds the needles from their texts, rarest triggers first, each in
    /// the bucket whose byte sets its trigger widens least. A bucket fits
    /// every combination of the nibbles of its bytes at each place, so
    /// needles with unlike bytes in one bucket let many other texts through
    /// to the check.
    fn build(texts: &[Vec<u8>]) -> Needles {
        let mut needles: Vec<Needle> = texts
            .iter()
            .map(|text| {
                let text = text.clone();
                let trigger = rarest_start(&text, PLACES);
                Needle { text, trigger }
            })
            .collect();
        needles.sort_by_key(|n| n.trigger_bytes().iter().map(|&b| commonness(b)).sum::<usize>());
        let mut buckets: Vec<Vec<Needle>> = (0..BUCKETS).map(|_| Vec::new()).collect();
        for needle in needles {
            let widening = |bucket: &Vec<Needle>| {
                let before = if bucket.is_empty() { 0 } else { fitting_texts(bucket.iter()) };
                fitting_texts(bucket.iter().chain([&needle])) - before
            };
            let best = (0..BUCKETS).min_by_key(|&i| widening(&buckets[i])).unwrap_or(0);
            buckets[best].push(needle);
        }
        buckets.retain(|bucket| !bucket.is_empty());

        // The bytes each bucket allows at each place: those of its needles.
        let places: Vec<[Vec<u8>; PLACES]> = buckets
            .iter()
            .map(|needles| {
                std::array::from_fn(|place| {
                    needles.iter().map(|n| n.trigger_bytes()[place]).collect()
                })
            })
            .collect();
        let sets: Vec<[&[u8]; PLACES]> = places
            .iter()
            .map(|bytes| std::array::from_fn(|place| bytes[place].as_slice()))
            .collect();
        Needles { tables: Tables::new(&sets), buckets }
    }

    /// Returns the last byte of the earliest-ending needle, starting at or
    /// after `from`, whose trigger in one of `buckets` is at `at`.
    fn end_at(&self, hay: &[u8], from: usize, at: usize, buckets: u8) -> Option<usize> {
        let mut end: Option<usize> = None;
        for (index, needles) in self.buckets.iter().enumerate() {
            if buckets & (1 << index) == 0 {
                continue;
            }
            for needle in needles {
                let Some(start) = at.checked_sub(needle.trigger).filter(|&s| s >= from) else {
                    continue;
                };
                if hay[start..].starts_with(&needle.text) {
                    let last = start + needle.text.len() - 1;
                    end = Some(end.map_or(last, |e| e.min(last)));
                }
            }
        }
        end
    }
}

/// The candidate each search found last, kept so that a search is not
/// repeated for every line before that candidate.
#[derive(Default)]
pub struct Cursor {
    next: [Option<Option<usize>>; 2],
}

impl Candidates {
    /// Builds the searches from the catalog's finding patterns.
    pub fn build(finding_patterns: &[&str]) -> Result<Candidates, regex::Error> {
        let mut texts: Vec<Vec<u8>> = Vec::new();
        let mut others: Vec<String> = Vec::new();
        for pattern in finding_patterns {
            match needles(pattern) {
                Some(needles) => {
                    for needle in needles {
                        // GB18030 files are searched undecoded.
                        if !needle.is_ascii() {
                            texts.push(encoding_rs::GB18030.encode(&needle).0.into_owned());
                        }
                        texts.push(needle.into_bytes());
                    }
                }
                None => others.push(format!("(?:{pattern})")),
            }
        }
        texts.sort();
        texts.dedup();
        let other_findings = if others.is_empty() {
            None
        } else {
            Some(Regex::new(&format!("(?m){}", others.join("|")))?)
        };
        Ok(Candidates { needles: Needles::build(&texts), other_findings })
    }

    /// Tells whether GB18030 text can be searched undecoded: every finding
    /// pattern has needles, which are searched in both encodings. A
    /// pattern without them is a regex over decoded text.
    pub fn reads_gb18030(&self) -> bool {
        self.other_findings.is_none()
    }

    /// Returns the start of the first candidate line at or after `pos`,
    /// which must be a line start.
    pub fn next_line(&self, chunk: &[u8], pos: usize, cursor: &mut Cursor) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (index, slot) in cursor.next.iter_mut().enumerate() {
            let stale = match slot {
                None => true,
                Some(Some(start)) => *start < pos,
                Some(None) => false,
            };
            if stale {
                // A position inside the candidate line: the last byte of
                // the earliest-ending shape, needle or match.
                let inside = match (index, &self.other_findings) {
                    (0, _) => self.scan(chunk, pos),
                    (_, Some(regex)) => {
                        regex.shortest_match_at(chunk, pos).map(|end| end.saturating_sub(1))
                    }
                    (_, None) => None,
                };
                *slot = Some(inside.map(|at| line_start(chunk, at.max(pos), pos)));
            }
            if let Some(Some(start)) = slot {
                best = Some(best.map_or(*start, |b| b.min(*start)));
            }
        }
        best
    }

    /// Returns the last byte of the earliest-ending event shape or finding
    /// needle that starts at or after `from`.
    fn scan(&self, hay: &[u8], from: usize) -> Option<usize> {
        let mut best: Option<usize> = None;
        triggers::for_each(hay, from, &shapes::TABLES, &self.needles.tables, &mut |trigger| {
            // Shapes and needles end at or after their trigger, so no
            // trigger past the best end so far can end earlier.
            if best.is_some_and(|b| trigger.at > b) {
                return false;
            }
            let shape = (trigger.events != 0).then(|| shapes::shape_at(hay, from, trigger.at));
            let needle = (trigger.findings != 0)
                .then(|| self.needles.end_at(hay, from, trigger.at, trigger.findings));
            for end in [shape, needle].into_iter().flatten().flatten() {
                best = Some(best.map_or(end, |b| b.min(end)));
            }
            true
        });
        best
    }
}

/// Bytes in a finding needle.
const NEEDLE_BYTES: usize = 6;

/// Short texts that every match of `pattern` contains, chosen to start
/// with uncommon bytes: the literal search fingerprints the first bytes of
/// each needle, and a common start such as `clie` (from `client-banned`)
/// would stop it on every `client` of every SDK line. Returns `None` when
/// the pattern has no literal prefix long enough, so the caller searches
/// for the pattern itself.
fn needles(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};

    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut extractor = Extractor::new();
    extractor.kind(ExtractKind::Prefix);
    let seq = extractor.extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() {
        return None;
    }
    let mut needles = Vec::new();
    for literal in literals {
        // Every match starts with one of these prefixes, so it contains
        // every substring of one of them.
        let text = std::str::from_utf8(literal.as_bytes()).ok()?;
        if text.len() < NEEDLE_BYTES {
            return None;
        }
        needles.push(rarest_window(text).to_owned());
    }
    Some(needles)
}

/// The window of `NEEDLE_BYTES` bytes of `text` whose first four bytes are
/// the least common in English log text; on a tie, the later window.
fn rarest_window(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut best = (usize::MAX, 0);
    for start in 0..=bytes.len() - NEEDLE_BYTES {
        let end = start + NEEDLE_BYTES;
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        let score: usize = bytes[start..start + 4].iter().map(|&b| commonness(b)).sum();
        if score <= best.0 {
            best = (score, start);
        }
    }
    &text[best.1..best.1 + NEEDLE_BYTES]
}

/// Returns where the `len` bytes of `text` that are the least common in
/// English log text start; on a tie, the later ones.
fn rarest_start(text: &[u8], len: usize) -> usize {
    (0..=text.len() - len)
        .rev()
        .min_by_key(|&start| text[start..start + len].iter().map(|&b| commonness(b)).sum::<usize>())
        .unwrap_or(0)
}

/// Returns how common a byte is in English log text, from 0 (rare) to 3.
fn commonness(b: u8) -> usize {
    match b {
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'h' | b'l' | b' ' => 3,
        b'a'..=b'z' => 2,
        b'A'..=b'Z' | b'0'..=b'9' => 1,
        _ => 0,
    }
}

/// Returns the start of the line that contains byte `at`, not before `floor`.
fn line_start(chunk: &[u8], at: usize, floor: usize) -> usize {
    memchr::memrchr(b'\n', &chunk[floor..at]).map_or(floor, |i| floor + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_avoid_common_starts() {
        assert_eq!(needles("client-banned"), Some(vec!["-banne".to_owned()]));
        assert_eq!(needles("Inva(?:li|il)d level").map(|n| n.len()), Some(2));
        assert_eq!(needles("(?:abc|x)"), None);
        assert_eq!(needles(r"\d+ errors"), None);
    }

    #[test]
    fn needles_are_inside_every_match() {
        let patterns = [
            "miniapp service is not enabled",
            "Invalid channel(?:\\W|$)",
            r"\[object Object\]|failed:? undefined undefined",
            "token-privilege-did-[eE]xpire",
        ];
        let texts = [
            "miniapp service is not enabled for this AppID",
            "client join channel failed: Invalid channel",
            "failed: [object Object]",
            "join failed undefined undefined",
            "token-privilege-did-Expire",
        ];
        for pattern in patterns {
            let full = Regex::new(pattern).unwrap();
            let needles = needles(pattern).expect("a literal prefix");
            for text in texts.iter().filter(|t| full.is_match(t.as_bytes())) {
                assert!(needles.iter().any(|n| text.contains(n.as_str())), "{pattern} in {text}");
            }
        }
    }
}
