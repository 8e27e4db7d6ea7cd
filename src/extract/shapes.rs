//! The event shapes of the prefilter, matched by hand: the vector scan of
//! [`triggers`](super::triggers) finds three-byte triggers with [`TABLES`],
//! then [`shape_at`] checks the bytes around each.
//!
//! A line contains an event shape when it has
//! - a `code` or `error` key (`code`, `Code`, `CODE`, `error`, `Error`,
//!   `ERROR`, also inside `err_code`, `errCode`, `ERROR:`), followed by up
//!   to two quotes or backslashes, blanks, a separator (`:`, `=`, or `：`
//!   in UTF-8 or GB18030),
//!   blanks, up to two quotes or backslashes, blanks (a parsed string value
//!   is trimmed), an optional `-` and a number
//!   other than 0 and 200 (success values: Agora codes need a reason as
//!   well, component codes need the key);
//! - `:fail` (a `wx.*` failure) or `exception on` (`exception onOpen fail`);
//! - `failed`, an optional `:`, blanks, an optional `[object Object]` with
//!   blanks, three digits and a blank (`client join channel failed: 903 `);
//! - a `{` or `[` that ends the line, which may open a multi-line record.
//!
//! Blanks are ASCII whitespace, line feeds included, so a key and its value
//! may sit on two lines. The line with the value is then the candidate.
//!
//! Busy logs are full of `code` and `error` with a success value, about one
//! line in eight. A general literal search stops on each of them with a
//! high fixed cost, while the vector scan marks every trigger of a 32-byte
//! block in a few instructions and each check takes a few more.

use super::triggers::{Tables, ANY};

/// Checks the shape that the trigger at `t` may belong to and returns the
/// position of its last byte, which lies in the candidate line (a final
/// line feed belongs to the line it ends). The shape must start at or after
/// `from`.
pub fn shape_at(hay: &[u8], from: usize, t: usize) -> Option<usize> {
    let byte = |i: usize| hay.get(i).copied();
    let before = if t > from { byte(t - 1) } else { None };
    let word = |text: &[u8]| hay[t..].starts_with(text);
    match hay[t] {
        b'o' if word(b"ode") && matches!(before, Some(b'c' | b'C')) => value(hay, t + 3),
        b'O' if word(b"ODE") && before == Some(b'C') => value(hay, t + 3),
        b'r' if word(b"rror") && matches!(before, Some(b'e' | b'E')) => value(hay, t + 4),
        b'R' if word(b"RROR") && before == Some(b'E') => value(hay, t + 4),
        b'f' if word(b"fail") && before == Some(b':') => Some(t + 3),
        b'f' if word(b"failed") => failed_number(hay, t + 6),
        b'x' if word(b"xception on") && before == Some(b'e') => Some(t + 10),
        b'{' | b'[' if matches!(hay.get(t + 1..), Some([b'\n', ..] | [b'\r', b'\n', ..])) => {
            Some(t)
        }
        _ => None,
    }
}

/// ASCII whitespace as the regex class `(?-u:\s)` has it: with the vertical
/// tab, which `u8::is_ascii_whitespace` leaves out.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn skip_blanks(hay: &[u8], mut i: usize) -> usize {
    while hay.get(i).is_some_and(|&b| is_blank(b)) {
        i += 1;
    }
    i
}

fn skip_quotes(hay: &[u8], mut i: usize) -> usize {
    for _ in 0..2 {
        if matches!(hay.get(i), Some(b'\\' | b'"' | b'\'')) {
            i += 1;
        }
    }
    i
}

/// Matches the separator and value that follow a key ending at `i`, as the
/// module documentation describes, and returns the last byte of the value.
fn value(hay: &[u8], i: usize) -> Option<usize> {
    let mut i = skip_blanks(hay, skip_quotes(hay, i));
    match hay.get(i..)? {
        [b':' | b'=', ..] => i += 1,
        // `：` in UTF-8, and in GB18030 for files scanned undecoded.
        [0xef, 0xbc, 0x9a, ..] => i += 3,
        [0xa3, 0xba, ..] => i += 2,
        _ => return None,
    }
    // Blanks inside the quotes too: a parsed string value is trimmed.
    i = skip_blanks(hay, skip_quotes(hay, skip_blanks(hay, i)));
    if hay.get(i) == Some(&b'-') {
        i += 1;
    }
    number(hay, i)
}

/// A number that is not a success value starts at `i`: returns the end of
/// the shortest text that shows it, as a position of its last byte.
fn number(hay: &[u8], i: usize) -> Option<usize> {
    // After a leading 2, `200` followed by no further digit is a success
    // value; `2`, `20`, `21..29`, `201..209` and `2000` are not.
    let ends_here = |j: usize| matches!(hay.get(j), None | Some(b'\n'));
    let digit = |j: usize| hay.get(j).is_some_and(u8::is_ascii_digit);
    match hay.get(i)? {
        b'1' | b'3'..=b'9' => Some(i),
        b'2' if ends_here(i + 1) => Some(i),
        b'2' if hay[i + 1] != b'0' => Some(i + 1),
        b'2' if ends_here(i + 2) => Some(i + 1),
        b'2' if hay[i + 2] != b'0' => Some(i + 2),
        b'2' if digit(i + 3) => Some(i + 3),
        _ => None,
    }
}

/// After `failed`: `:`? blanks, `[object Object]` and blanks optionally,
/// then three digits and a blank.
fn failed_number(hay: &[u8], mut i: usize) -> Option<usize> {
    if hay.get(i) == Some(&b':') {
        i += 1;
    }
    let blanks = |i: usize| {
        let end = skip_blanks(hay, i);
        (end > i).then_some(end)
    };
    i = blanks(i)?;
    if hay[i..].starts_with(b"[object Object]") {
        i = blanks(i + 15)?;
    }
    let digits = hay.get(i..i + 3)?;
    (digits.iter().all(u8::is_ascii_digit) && hay.get(i + 3).is_some_and(|&b| is_blank(b)))
        .then_some(i + 3)
}

/// The trigger buckets: for each, the bytes allowed at each place. Each set
/// is all combinations of some low and some high nibbles (`oO` is 0x6F and
/// 0x4F), so that the tables fit exactly these triggers. The fourth byte is
/// free, as the vector scan requires of event tables.
const BUCKETS: [[&[u8]; 4]; 6] = [
    [b"oO", b"dD", b"eE", ANY],
    [b"rR", b"rR", b"oO", ANY],
    [b"f", b"a", b"i", ANY],
    [b"x", b"c", b"e", ANY],
    [b"{[", b"\n", ANY, ANY],
    [b"{[", b"\r", b"\n", ANY],
];

/// The nibble tables of [`BUCKETS`].
pub const TABLES: Tables = Tables::new(&BUCKETS);

#[cfg(test)]
mod tests {
    use super::*;

    /// The regex this module replaces, kept as the oracle of its tests.
    pub const PATTERN: &str = concat!(
        r#"(?m)(?:(?:code|Code|CODE|error|Error|ERROR)[\\"']{0,2}(?-u:\s)*(?::|：|(?-u:\xA3\xBA)|=)(?-u:\s)*[\\"']{0,2}(?-u:\s)*-?"#,
        r"(?:[13-9]|2(?:$|(?-u:[^0-9])|[1-9]|0(?:$|(?-u:[^0-9])|[1-9]|0[0-9]))))",
        r"|:fail|exception on",
        r"|failed:?(?-u:\s)+(?:\[object Object\](?-u:\s)+)?[0-9]{3}(?-u:\s)",
        r"|\{\r?\n|\[\r?\n",
    );

    /// Returns a position in the first line at or after `from` that
    /// contains an event shape, as the prefilter finds it.
    fn next(hay: &[u8], from: usize) -> Option<usize> {
        let none = Tables::new(&[]);
        let mut best: Option<usize> = None;
        super::super::triggers::for_each(hay, from, &TABLES, &none, &mut |trigger| {
            if best.is_some_and(|b| trigger.at > b) {
                return false;
            }
            if let Some(end) = shape_at(hay, from, trigger.at) {
                best = Some(best.map_or(end, |b| b.min(end)));
            }
            true
        });
        best
    }

    fn line_of(hay: &[u8], at: usize, from: usize) -> usize {
        memchr::memrchr(b'\n', &hay[from..at]).map_or(from, |i| from + i + 1)
    }

    /// Candidate line starts by the hand scan, from each line start.
    fn by_hand(hay: &[u8]) -> Vec<usize> {
        let mut lines = Vec::new();
        let mut from = 0;
        while let Some(at) = next(hay, from) {
            let start = line_of(hay, at, from);
            lines.push(start);
            from = memchr::memchr(b'\n', &hay[start..]).map_or(hay.len(), |i| start + i + 1);
        }
        lines
    }

    /// Finds the candidate lines with the regex: the line of the earliest
    /// match end.
    fn by_regex(hay: &[u8]) -> Vec<usize> {
        let regex = regex::bytes::Regex::new(PATTERN).unwrap();
        let mut lines = Vec::new();
        let mut from = 0;
        while let Some(end) = regex.shortest_match_at(hay, from) {
            let start = line_of(hay, (end - 1).max(from), from);
            lines.push(start);
            from = memchr::memchr(b'\n', &hay[start..]).map_or(hay.len(), |i| start + i + 1);
        }
        lines
    }

    #[track_caller]
    fn same(text: &str) {
        assert_eq!(by_hand(text.as_bytes()), by_regex(text.as_bytes()), "in {text:?}");
    }

    #[test]
    fn values() {
        for value in [
            "0",
            "1",
            "2",
            "20",
            "200",
            "2000",
            "201",
            "21",
            "2x",
            "20x",
            "200x",
            "-1307",
            "-0",
            "02",
            "x",
            "",
            "\"905\"",
            "\\\"905\\\"",
            "'9'",
            "\"\"\"9",
        ] {
            for key in ["code", "Code", "CODE", "error", "Error", "ERROR", "errcode", "cOde"] {
                for sep in [":", "=", "：", " : ", "\":", "\t=\n", "\u{b}:\u{c}", ";"] {
                    same(&format!("{key}{sep}{value}\n"));
                    same(&format!("x {key}{sep}{value}"));
                    same(&format!("{key}{sep}{value} tail\nnext code: 5\n"));
                }
            }
        }
    }

    #[test]
    fn gb18030_fullwidth_colon() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("错误 code：905\n");
        assert!(bytes.windows(2).any(|w| w == [0xa3, 0xba]));
        assert_eq!(by_hand(&bytes), [0]);
        assert_eq!(by_regex(&bytes), [0]);
    }

    #[test]
    fn other_shapes() {
        for text in [
            "request:fail timeout",
            ":fai",
            "exception onOpen fail",
            "exception\non",
            "failed: 903 time out",
            "failed 903\n",
            "failed:\n903 x",
            "failed: [object Object] 903 x",
            "failed: [object Object]903 x",
            "failed: 9034",
            "failed: 90",
            "{\n",
            "[\r\n",
            "{\r",
            "{",
            "x {} [\n",
        ] {
            same(text);
            same(&format!("line one\n{text}\nline three code=5\n"));
        }
    }

    #[test]
    fn triggers_across_vector_blocks() {
        // Every offset of a shape against the 32- and 64-byte blocks, with and
        // without a line feed right before it.
        for pad in 0..140 {
            for shape in ["code: 905", "ERROR=1", ":fail", "exception on", "failed: 903 ", "{\n"] {
                same(&format!("{}{shape}\nrest\n", "a".repeat(pad)));
                same(&format!("{}\n{shape}", "b".repeat(pad)));
            }
        }
    }

    #[test]
    fn nibble_tables_are_exact() {
        // Every byte triple is a trigger exactly when it fits a bucket.
        let fits = |triple: [u8; 3]| {
            BUCKETS.iter().any(|bucket| {
                bucket.iter().zip(triple).all(|(bytes, b)| *bytes == ANY || bytes.contains(&b))
            })
        };
        // The fourth byte is free.
        for fourth in 0..=u8::MAX {
            assert_eq!(TABLES.fits(&[b'o', b'd', b'e', fourth], 0), 1, "ode and {fourth}");
            assert_eq!(TABLES.fits(&[b'x', b'd', b'e', fourth], 0), 0, "xde and {fourth}");
        }
        let interesting: Vec<u8> = BUCKETS
            .iter()
            .flatten()
            .flat_map(|bytes| bytes.iter().copied())
            .chain([0, b'a', b'o' ^ 0x10, b'{' ^ 0x20, b'\n' ^ 0x40, 0xff])
            .collect();
        for &a in &interesting {
            for &b in &interesting {
                for &c in &interesting {
                    assert_eq!(TABLES.fits(&[a, b, c], 0) != 0, fits([a, b, c]), "{a} {b} {c}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Random texts from the pieces of the shapes give the same lines
        /// as the regex.
        #[test]
        fn matches_regex(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "code", "Code", "CODE", "error", "ERROR", "Error", "rror", "ode", "c", "e",
            ":", "=", "：", "\"", "\\", "'", " ", "\t", "\u{b}", "\u{c}", "\n", "\r\n", "-",
            "0", "2", "20", "200", "1", "5", "9", "x", "{", "[", "fail", "failed",
            "[object Object]", "exception on", "xception", "é", "中",
        ]), 0..40)) {
            same(&pieces.concat());
        }

        /// The same for GB18030 bytes, whose `：` is `A3 BA` and whose
        /// characters may contain ASCII letters and digits.
        #[test]
        fn matches_regex_in_gb18030(text in proptest::collection::vec(proptest::sample::select(vec![
            "code", "error", "ERROR", ":", "：", " ", "\n", "-", "0", "2", "200", "9",
            "x", "{", "failed", "中", "错误码", "断开", "\u{20AC}", "\u{E5E5}",
        ]), 0..40)) {
            let text = text.concat();
            let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
            proptest::prop_assert_eq!(by_hand(&bytes), by_regex(&bytes));
        }
    }
}
