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

/// The two searches: event shapes (see [`shapes`]), and the catalog's
/// finding patterns. They are kept apart so that case-insensitive or
/// unusual finding patterns cannot slow down the search for events.
#[derive(Debug)]
pub struct Candidates {
    findings: Option<Regex>,
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
        let mut alternatives: Vec<String> = Vec::new();
        for pattern in finding_patterns {
            match needles(pattern) {
                Some(needles) => alternatives.extend(needles.iter().map(|n| regex::escape(n))),
                None => alternatives.push(format!("(?:{pattern})")),
            }
        }
        alternatives.sort();
        alternatives.dedup();
        let findings = if alternatives.is_empty() {
            None
        } else {
            Some(Regex::new(&format!("(?m){}", alternatives.join("|")))?)
        };
        Ok(Candidates { findings })
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
                // A position inside the candidate line: for findings, the
                // end of the earliest-ending match (cheaper than its start).
                let inside = match (index, &self.findings) {
                    (0, _) => shapes::next(chunk, pos),
                    (_, Some(findings)) => {
                        findings.shortest_match_at(chunk, pos).map(|end| end.saturating_sub(1))
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
    let commonness = |b: u8| match b {
        b'e' | b't' | b'a' | b'o' | b'i' | b'n' | b's' | b'r' | b'h' | b'l' | b' ' => 3,
        b'a'..=b'z' => 2,
        b'A'..=b'Z' | b'0'..=b'9' => 1,
        _ => 0,
    };
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
