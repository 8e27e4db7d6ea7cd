//! Code keys (`code: 905`, `"err_code":"903"`, `error=904`) and component
//! mentions (`live-pusher`, `statechange`) in a line, found with literal
//! search and a few byte checks instead of regular expressions: the text
//! rules look for both on every candidate line.
//!
//! [`code_keys`] finds exactly what this pattern finds with `captures_iter`,
//! which the tests use as the reference:
//!
//! ```text
//! (?:^|[^\w?&./=$-])["']?(?P<key>code|Code|CODE|err_code|ERR_CODE|error|Error|ERROR|errCode)
//! ["']?\s*[:：=]\s*["']?(?P<num>-?\d{1,12})(?-u:\b)["']?
//! ```
//!
//! A preceding `?`, `&`, `.` or word character rules out query strings
//! (`?code=905`), property paths (`e.code`) and longer keys (`errcode`,
//! `status_code`).

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::text::Component;
use super::Source;

/// The key names, in the pattern's order.
const KEYS: [&str; 9] =
    ["code", "Code", "CODE", "err_code", "ERR_CODE", "error", "Error", "ERROR", "errCode"];

/// Maximum number of digits in a code.
const MAX_DIGITS: usize = 12;

/// A code key found in a text, with its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMatch {
    /// The whole match, from the character before the key (or the start of
    /// the text) to the end of the number and its closing quote.
    pub whole: Range<usize>,
    pub key: Range<usize>,
    pub num: Range<usize>,
}

static KEY_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .build(KEYS)
        .expect("the key names build a searcher")
});

/// The ranges of Unicode decimal digits (`\d`), from the regular expression
/// parser so that they match the pattern's.
static DECIMAL: LazyLock<Vec<(char, char)>> = LazyLock::new(|| {
    let hir = regex_syntax::Parser::new().parse(r"\d").expect(r"\d parses");
    match hir.kind() {
        regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) => {
            class.ranges().iter().map(|r| (r.start(), r.end())).collect()
        }
        other => unreachable!(r"\d parsed as {other:?}"),
    }
});

/// Returns the code keys of `text`, in order and without overlaps.
pub fn code_keys(text: &str) -> Vec<KeyMatch> {
    let mut keys = Vec::new();
    // Where the next match may start: matches do not overlap.
    let mut from = 0;
    for found in KEY_FINDER.find_iter(text) {
        // Key names are word characters, so a name that starts inside an
        // earlier one (`code` in `err_code`) follows a word character and
        // never matches: the searcher may skip it.
        let key = found.range();
        if key.start < from {
            continue;
        }
        let Some(start) = match_start(text, key.start, from) else { continue };
        let Some((num, end)) = number_after(text, key.end) else { continue };
        keys.push(KeyMatch { whole: start..end, key, num });
        from = end;
    }
    keys
}

/// Returns the first offset at or after `from` where a match of the key at
/// `key` can start. A match starts at the start of the text, or at the
/// character before the key or before its opening quote when that character
/// may precede a key.
fn match_start(text: &str, key: usize, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut starts = [None; 2];
    if key > 0 && is_quote(bytes[key - 1]) {
        let quote = key - 1;
        starts[0] = if quote == 0 { Some(0) } else { preceding_start(text, quote) };
    }
    starts[1] = if key == 0 { Some(0) } else { preceding_start(text, key) };
    starts.into_iter().flatten().filter(|&start| start >= from).min()
}

/// Returns the offset of the character before `at` when it may precede a
/// key: not a word character nor one of `?&./=$-`.
fn preceding_start(text: &str, at: usize) -> Option<usize> {
    let c = text[..at].chars().next_back()?;
    let allowed = !regex_syntax::is_word_character(c) && !"?&./=$-".contains(c);
    allowed.then(|| at - c.len_utf8())
}

/// Reads what follows a key name at `at`: an optional quote, a separator
/// (`:`, `：` or `=`) between optional spaces, an optional quote and the
/// number. Returns the number's range and the end of the match.
fn number_after(text: &str, at: usize) -> Option<(Range<usize>, usize)> {
    let bytes = text.as_bytes();
    let mut i = at;
    if bytes.get(i).copied().is_some_and(is_quote) {
        i += 1;
    }

    i = skip_spaces(text, i);
    let separator = text[i..].chars().next()?;
    if !matches!(separator, ':' | '：' | '=') {
        return None;
    }
    i = skip_spaces(text, i + separator.len_utf8());
    if bytes.get(i).copied().is_some_and(is_quote) {
        i += 1;
    }

    let start = i;
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    // The pattern's `\d{1,12}` is greedy and gives digits back until an
    // ASCII word boundary follows.
    let mut ends = [0; MAX_DIGITS];
    let mut count = 0;
    for c in text[i..].chars().take(MAX_DIGITS) {
        if !is_decimal(c) {
            break;
        }
        i += c.len_utf8();
        ends[count] = i;
        count += 1;
    }

    let end = ends[..count].iter().rev().copied().find(|&end| ascii_boundary(bytes, end))?;
    let close = if bytes.get(end).copied().is_some_and(is_quote) { end + 1 } else { end };
    Some((start..end, close))
}

fn is_quote(b: u8) -> bool {
    b == b'"' || b == b'\''
}

/// Skips Unicode white space (`\s`) from `at`.
fn skip_spaces(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    at + rest.len() - rest.trim_start_matches(char::is_whitespace).len()
}

fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let ranges = &*DECIMAL;
    let after = ranges.partition_point(|&(start, _)| start <= c);
    after > 0 && c <= ranges[after - 1].1
}

/// Returns true when an ASCII word boundary (`(?-u:\b)`) is at `at`.
fn ascii_boundary(bytes: &[u8], at: usize) -> bool {
    let word = |i: usize| bytes.get(i).is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
    (at > 0 && word(at - 1)) != word(at)
}

/// Words that mention a component, in ASCII letters of either case.
const MENTIONS: [&str; 5] = ["pusher", "player", "statechange", "netstatus", "binderror"];

static MENTION_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostFirst)
        .build(MENTIONS)
        .expect("the mention words build a searcher")
});

/// Returns the mentions in `text`, in order, each with the offset where it
/// ends.
pub fn mentions(text: &str) -> Vec<(usize, Component)> {
    // Searching a lower-case copy is faster than searching without regard
    // to case, which rules out the searcher's vector prefilter. Most texts
    // are short enough for a copy on the stack.
    let mut short = [0u8; 512];
    let mut long = Vec::new();
    let lower: &mut [u8] = match short.get_mut(..text.len()) {
        Some(short) => short,
        None => {
            long.resize(text.len(), 0);
            &mut long
        }
    };
    lower.copy_from_slice(text.as_bytes());
    lower.make_ascii_lowercase();
    MENTION_FINDER
        .find_iter(&*lower)
        .map(|found| {
            let component = match found.pattern().as_usize() {
                0 => Component::Named(Source::LivePusher),
                1 => Component::Named(Source::LivePlayer),
                // An event name that both components share.
                _ => Component::Either,
            };
            (found.end(), component)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

    /// Returns the matches of the pattern that [`code_keys`] replaces.
    fn reference(text: &str) -> Vec<KeyMatch> {
        static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r#"(?:^|[^\w?&./=$-])["']?(?P<key>code|Code|CODE|err_code|ERR_CODE|error|Error|ERROR|errCode)["']?\s*[:：=]\s*["']?(?P<num>-?\d{1,12})(?-u:\b)["']?"#).unwrap()
        });
        PATTERN
            .captures_iter(text)
            .map(|caps| KeyMatch {
                whole: caps.get(0).unwrap().range(),
                key: caps.name("key").unwrap().range(),
                num: caps.name("num").unwrap().range(),
            })
            .collect()
    }

    #[test]
    fn keys_in_common_shapes() {
        let text = r#"client.on error {code: 905, reason: "x"} "err_code":"903" e.code=1 ?code=2 错误code: 3 ERROR=-904"#;
        let found: Vec<_> = code_keys(text).iter().map(|k| &text[k.num.clone()]).collect();
        assert_eq!(found, ["905", "903", "-904"]);
        assert_eq!(code_keys(text), reference(text));
    }

    #[test]
    fn digits_are_given_back_to_a_boundary() {
        for text in ["code: 1234567890123", "code: 12٣", "code:５", "code: 12a", "code: 7_"] {
            assert_eq!(code_keys(text), reference(text), "{text}");
        }
        assert_eq!(code_keys("code: 12٣")[0].num, 6..8);
    }

    #[test]
    fn mentions_name_components() {
        let found = mentions("live-Pusher statechange, LIVE-PLAYER");
        let expected = [
            (11, Component::Named(Source::LivePusher)),
            (23, Component::Either),
            (36, Component::Named(Source::LivePlayer)),
        ];
        assert_eq!(found, expected);
    }

    /// Pieces that meet every branch of the pattern.
    fn piece() -> impl Strategy<Value = String> {
        let pieces = [
            "code",
            "Code",
            "CODE",
            "err_code",
            "ERR_CODE",
            "error",
            "Error",
            "ERROR",
            "errCode",
            "errcode",
            "\"",
            "'",
            ":",
            "：",
            "=",
            " ",
            "\t",
            "\u{3000}",
            "-",
            "?",
            "&",
            ".",
            "/",
            "$",
            "_",
            "a",
            "Z",
            "错",
            "，",
            "{",
            "}",
            ",",
            "0",
            "7",
            "905",
            "٣",
            "５",
            "²",
            "1234567890123",
        ];
        proptest::sample::select(pieces.to_vec()).prop_map(str::to_owned)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn same_as_the_pattern(pieces in proptest::collection::vec(piece(), 0..16)) {
            let text = pieces.concat();
            prop_assert_eq!(code_keys(&text), reference(&text));
        }
    }
}
