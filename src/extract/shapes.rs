//! The event shapes of the prefilter, matched by hand: a vector scan for
//! three-byte triggers, then a check of the bytes around each trigger.
//!
//! A line contains an event shape when it has
//! - a `code` or `error` key (`code`, `Code`, `CODE`, `error`, `Error`,
//!   `ERROR`, also inside `err_code`, `errCode`, `ERROR:`), followed by up
//!   to two quotes or backslashes, blanks, a separator (`:`, `：`, `=`),
//!   blanks, up to two quotes or backslashes, an optional `-` and a number
//!   other than 0 and 200 (success values: Agora codes need a reason as
//!   well, component codes need the key);
//! - `:fail` (a `wx.*` failure) or `exception on` (`exception onOpen fail`);
//! - `failed`, an optional `:`, blanks, an optional `[object Object]` with
//!   blanks, three digits and a blank (`client join channel failed: 903 `);
//! - a `{` or `[` that ends the line, which may open a multi-line record.
//!
//! Blanks are ASCII whitespace, line feeds included, so a key and its value
//! may sit on two lines; the line with the value is then the candidate.
//!
//! Busy logs are full of `code` and `error` with a success value, about one
//! line in eight. A general literal search stops on each of them with a
//! high fixed cost; the scan here marks every trigger of a 32-byte block in
//! a few vector instructions and checks each in a few scalar ones.

/// Returns the position of the first byte, at or after `from`, of a line of
/// `hay[from..]` that contains an event shape, or of a byte inside that line.
/// Shapes must start at or after `from`.
pub fn next(hay: &[u8], from: usize) -> Option<usize> {
    let mut best: Option<usize> = None;
    for_each_trigger(hay, from, &mut |t| {
        // A shape ends at or after its trigger, so no trigger past the best
        // end so far can give an earlier line.
        if best.is_some_and(|b| t > b) {
            return false;
        }
        if let Some(end) = shape_at(hay, from, t) {
            best = Some(best.map_or(end, |b| b.min(end)));
        }
        true
    });
    best
}

/// Checks the shape that the trigger at `t` may belong to and returns the
/// position of its last byte, which lies in the candidate line (a final
/// line feed belongs to the line it ends). The shape must start at or after
/// `from`.
fn shape_at(hay: &[u8], from: usize, t: usize) -> Option<usize> {
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
        [0xef, 0xbc, 0x9a, ..] => i += 3,
        _ => return None,
    }
    i = skip_quotes(hay, skip_blanks(hay, i));
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

/// The trigger buckets: for each, the bytes allowed at each of three
/// places. A trigger is three bytes that fit one bucket. Each set is all
/// combinations of some low and some high nibbles (`oO` is 0x6F and 0x4F),
/// so that the nibble tables below describe it exactly.
const BUCKETS: [[&[u8]; 3]; 6] = [
    [b"oO", b"dD", b"eE"],
    [b"rR", b"rR", b"oO"],
    [b"f", b"a", b"i"],
    [b"x", b"c", b"e"],
    [b"{[", b"\n", ANY],
    [b"{[", b"\r", b"\n"],
];

/// Stands for every byte in [`BUCKETS`].
const ANY: &[u8] = b"";

/// Nibble tables, one pair per place: the buckets a byte's low nibble allows
/// and the buckets its high nibble allows, one bit per bucket. A byte fits
/// the buckets in both. Each table is written twice, once per 128-bit lane.
const TABLES: [[[u8; 32]; 2]; 3] = tables();

const fn tables() -> [[[u8; 32]; 2]; 3] {
    let mut tables = [[[0u8; 32]; 2]; 3];
    let mut bucket = 0;
    while bucket < BUCKETS.len() {
        let mut place = 0;
        while place < 3 {
            let bytes = BUCKETS[bucket][place];
            let mut nibble = 0;
            while nibble < 16 {
                let mut lo = bytes.is_empty();
                let mut hi = bytes.is_empty();
                let mut i = 0;
                while i < bytes.len() {
                    lo |= bytes[i] & 15 == nibble as u8;
                    hi |= bytes[i] >> 4 == nibble as u8;
                    i += 1;
                }
                let bit = 1 << bucket;
                if lo {
                    tables[place][0][nibble] |= bit;
                    tables[place][0][nibble + 16] |= bit;
                }
                if hi {
                    tables[place][1][nibble] |= bit;
                    tables[place][1][nibble + 16] |= bit;
                }
                nibble += 1;
            }
            place += 1;
        }
        bucket += 1;
    }
    tables
}

/// Tells whether a trigger starts at `t`. Bytes past the end count as zero.
fn is_trigger(hay: &[u8], t: usize) -> bool {
    let mut buckets = u8::MAX;
    for (place, [lo, hi]) in TABLES.iter().enumerate() {
        let b = hay.get(t + place).copied().unwrap_or(0);
        buckets &= lo[usize::from(b & 15)] & hi[usize::from(b >> 4)];
    }
    buckets != 0
}

/// Calls `visit` with each trigger position at or after `from`, in order,
/// until it returns false.
fn for_each_trigger(hay: &[u8], from: usize, visit: &mut dyn FnMut(usize) -> bool) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        unsafe { avx2::for_each_trigger(hay, from, visit) };
        return;
    }
    scalar_triggers(hay, from, visit);
}

/// Scans without vector instructions, as [`for_each_trigger`] does. The
/// vector scan uses it for its last bytes.
fn scalar_triggers(hay: &[u8], from: usize, visit: &mut dyn FnMut(usize) -> bool) -> bool {
    for t in from..hay.len() {
        if is_trigger(hay, t) && !visit(t) {
            return false;
        }
    }
    true
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::TABLES;

    /// Bytes a block needs past its start: 32 and the two after them.
    const READ: usize = 34;

    /// Scans as [`super::for_each_trigger`] does, 32 bytes at a time. Each
    /// place's bucket bits come from two table lookups (`vpshufb`) by the
    /// bytes' low and high nibbles.
    ///
    /// # Safety
    ///
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub unsafe fn for_each_trigger(hay: &[u8], from: usize, visit: &mut dyn FnMut(usize) -> bool) {
        // SAFETY (all loads of this function): each reads 32 bytes from an
        // array of 32 bytes, or from `hay` at `at + place` where
        // `at + 34 <= hay.len()` and `place <= 2`.
        let table = |t: &[u8; 32]| unsafe { _mm256_loadu_si256(t.as_ptr().cast()) };
        let tables = TABLES.map(|[lo, hi]| [table(&lo), table(&hi)]);
        let low_nibbles = _mm256_set1_epi8(15);
        let mut at = from;
        while at + READ <= hay.len() {
            let mut buckets = _mm256_set1_epi8(-1);
            for (place, [lo, hi]) in tables.iter().enumerate() {
                let v = unsafe { _mm256_loadu_si256(hay.as_ptr().add(at + place).cast()) };
                let low = _mm256_and_si256(v, low_nibbles);
                let high = _mm256_and_si256(_mm256_srli_epi16(v, 4), low_nibbles);
                let fits =
                    _mm256_and_si256(_mm256_shuffle_epi8(*lo, low), _mm256_shuffle_epi8(*hi, high));
                buckets = _mm256_and_si256(buckets, fits);
            }
            let none = _mm256_cmpeq_epi8(buckets, _mm256_setzero_si256());
            let mut mask = !(_mm256_movemask_epi8(none) as u32);
            while mask != 0 {
                if !visit(at + mask.trailing_zeros() as usize) {
                    return;
                }
                mask &= mask - 1;
            }
            at += 32;
        }
        super::scalar_triggers(hay, at, visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The regex this module replaces, kept as the oracle of its tests.
    pub const PATTERN: &str = concat!(
        r#"(?m)(?:(?:code|Code|CODE|error|Error|ERROR)[\\"']{0,2}(?-u:\s)*(?::|：|=)(?-u:\s)*[\\"']{0,2}-?"#,
        r"(?:[13-9]|2(?:$|[^0-9]|[1-9]|0(?:$|[^0-9]|[1-9]|0[0-9]))))",
        r"|:fail|exception on",
        r"|failed:?(?-u:\s)+(?:\[object Object\](?-u:\s)+)?[0-9]{3}(?-u:\s)",
        r"|\{\r?\n|\[\r?\n",
    );

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
        // Every offset of a shape against the 32-byte blocks, with and
        // without a line feed right before it.
        for pad in 0..70 {
            for shape in ["code: 905", "ERROR=1", ":fail", "exception on", "failed: 903 ", "{\n"] {
                same(&format!("{}{shape}\nrest\n", "a".repeat(pad)));
                same(&format!("{}\n{shape}", "b".repeat(pad)));
            }
        }
    }

    fn triggers(hay: &[u8], scan: fn(&[u8], usize, &mut dyn FnMut(usize) -> bool)) -> Vec<usize> {
        let mut found = Vec::new();
        scan(hay, 0, &mut |t| {
            found.push(t);
            true
        });
        found
    }

    fn scalar(hay: &[u8], from: usize, visit: &mut dyn FnMut(usize) -> bool) {
        scalar_triggers(hay, from, visit);
    }

    #[test]
    fn nibble_tables_are_exact() {
        // Every byte triple is a trigger exactly when it fits a bucket.
        let fits = |triple: [u8; 3]| {
            BUCKETS.iter().any(|bucket| {
                bucket.iter().zip(triple).all(|(bytes, b)| bytes.is_empty() || bytes.contains(&b))
            })
        };
        let interesting: Vec<u8> = BUCKETS
            .iter()
            .flatten()
            .flat_map(|bytes| bytes.iter().copied())
            .chain([0, b'a', b'o' ^ 0x10, b'{' ^ 0x20, b'\n' ^ 0x40, 0xff])
            .collect();
        for &a in &interesting {
            for &b in &interesting {
                for &c in &interesting {
                    assert_eq!(is_trigger(&[a, b, c], 0), fits([a, b, c]), "{a} {b} {c}");
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The vector scan and the portable one find the same triggers.
        #[test]
        fn vector_scan_matches_portable(
            bytes in proptest::collection::vec(proptest::sample::select(
                b"oOdDeErRfaixc{[\n\r- 0".to_vec()), 0..200),
        ) {
            proptest::prop_assert_eq!(triggers(&bytes, for_each_trigger), triggers(&bytes, scalar));
        }

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
    }
}
