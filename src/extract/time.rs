//! Timestamps found in log lines, normalised for the report.
//!
//! A time with a known UTC offset becomes RFC 3339. A time written without an
//! offset (the tutorial app's clock, Java's default layout) cannot be placed
//! on the UTC timeline, so it is kept as a local ISO 8601 time instead of
//! being given an invented offset.

#[cfg(test)]
use std::sync::LazyLock;

#[cfg(test)]
use regex::Regex;
use serde::Serialize;

/// A point in time as the log states it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Stamp {
    /// RFC 3339 with an offset, such as `2024-03-04T09:12:44+08:00`.
    Zoned(String),
    /// ISO 8601 without an offset, such as `2019-06-12T20:01:07.008`.
    Local(String),
}

impl Stamp {
    pub fn text(&self) -> &str {
        match self {
            Stamp::Zoned(s) | Stamp::Local(s) => s,
        }
    }

    /// Milliseconds since the Unix epoch. A local time is read as if it
    /// were UTC; use [`Stamp::wall_clock`] to compare it with others.
    pub fn instant(&self) -> Option<i64> {
        Some(self.wall_clock()? - self.offset_minutes()? * 60_000)
    }

    /// The time as written, in milliseconds since 1970-01-01 on the same
    /// clock, ignoring any offset.
    pub fn wall_clock(&self) -> Option<i64> {
        let text = self.text();
        let field = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
        let (year, month, day) = (field(0..4)?, field(5..7)?, field(8..10)?);
        let (hour, minute, second) = (field(11..13)?, field(14..16)?, field(17..19)?);
        let mut millis = 0;
        if let Some(frac) = text.get(19..).and_then(|rest| rest.strip_prefix('.')) {
            // Milliseconds from the first three fraction digits: ".5" is 500.
            for (i, digit) in frac.bytes().take_while(u8::is_ascii_digit).take(3).enumerate() {
                millis += i64::from(digit - b'0') * [100, 10, 1][i];
            }
        }
        let days = days_from_civil(year, month as u32, day as u32);
        Some((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis)
    }

    /// The UTC offset in minutes: 0 for `Z` and for a local time.
    pub fn offset_minutes(&self) -> Option<i64> {
        let text = self.text();
        let rest = text.get(19..)?;
        let rest = rest.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        match rest.as_bytes().first() {
            Some(sign @ (b'+' | b'-')) => {
                let hours: i64 = rest.get(1..3)?.parse().ok()?;
                let minutes: i64 = rest.get(4..6)?.parse().ok()?;
                let total = hours * 60 + minutes;
                Some(if *sign == b'+' { total } else { -total })
            }
            _ => Some(0),
        }
    }
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Returns the first timestamp in `line`, if any: the one that starts
/// first, in one of these forms.
/// - JavaScript `Date.toString()`: `Mon Mar 04 2024 09:12:40 GMT+0800`
/// - ISO 8601 with or without an offset: `2024-03-04 09:20:02.512`,
///   `2024-03-04T09:20:00+08:00`, `2024-03-04T01:20:02Z`
/// - the tutorial app's clock, fields not padded: `2019/06/12 20:01:07:8`
/// - common log format: `[04/Mar/2024:09:30:00 +0800]`
///
/// A match whose month name is unknown gives `None`. The parser is written
/// by hand because it runs for every event, and a test checks it against
/// the equivalent regex.
pub fn find(line: &str) -> Option<Stamp> {
    let bytes = line.as_bytes();
    if !has_clock(bytes) {
        return None;
    }
    let text = Text(bytes);
    (0..bytes.len()).find_map(|at| match bytes[at] {
        b'M' | b'T' | b'W' | b'F' | b'S' => text.javascript(line, at),
        b'0'..=b'9' => text.iso(line, at).or_else(|| text.slashes(line, at)),
        b'[' => text.common_log(line, at),
        _ => None,
    })?
}

/// Returns true when `bytes` has a colon between two digits, as every
/// timestamp form does. Most lines without a time are turned away here.
fn has_clock(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b':', bytes).any(|i| {
        i > 0 && bytes[i - 1].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
    })
}

/// Byte tests for the timestamp parser. Every position it checks is an
/// ASCII byte, so the offsets it returns are character boundaries.
struct Text<'a>(&'a [u8]);

impl Text<'_> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.0.get(at).copied()
    }

    fn is(&self, at: usize, expected: &[u8]) -> bool {
        self.0.get(at..at + expected.len()) == Some(expected)
    }

    fn digits(&self, at: usize, count: usize) -> bool {
        self.0.get(at..at + count).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    }

    fn one_of(&self, at: usize, set: &[u8]) -> bool {
        self.byte(at).is_some_and(|b| set.contains(&b))
    }

    /// Returns true when a month name's shape, `[A-Z][a-z]{2}`, is at `at`.
    fn month_name(&self, at: usize) -> bool {
        self.byte(at).is_some_and(|b| b.is_ascii_uppercase())
            && self.0.get(at + 1..at + 3).is_some_and(|l| l.iter().all(u8::is_ascii_lowercase))
    }

    /// Returns true when `HH:MM:SS` is at `at`.
    fn clock(&self, at: usize) -> bool {
        self.digits(at, 2)
            && self.is(at + 2, b":")
            && self.digits(at + 3, 2)
            && self.is(at + 5, b":")
            && self.digits(at + 6, 2)
    }

    /// Reads one or two digits at `at` (two when there are two) followed by
    /// `next` when given. Returns the value and the end.
    fn field(&self, at: usize, next: Option<u8>) -> Option<(u32, usize)> {
        let ends = |end: usize| next.is_none_or(|n| self.byte(end) == Some(n));
        let len = [2, 1].into_iter().find(|&len| self.digits(at, len) && ends(at + len))?;
        let value = self.0[at..at + len].iter().fold(0, |v, d| v * 10 + u32::from(d - b'0'));
        Some((value, at + len))
    }

    /// Reads a JavaScript date at `at`: `Mon Mar 04 2024 09:12:40 GMT+0800`.
    fn javascript(&self, line: &str, at: usize) -> Option<Option<Stamp>> {
        const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
        let matches = DAYS.iter().any(|day| self.is(at, day))
            && self.is(at + 3, b" ")
            && self.month_name(at + 4)
            && self.is(at + 7, b" ")
            && self.digits(at + 8, 2)
            && self.is(at + 10, b" ")
            && self.digits(at + 11, 4)
            && self.is(at + 15, b" ")
            && self.clock(at + 16)
            && self.is(at + 24, b" GMT")
            && self.one_of(at + 28, b"+-")
            && self.digits(at + 29, 4);
        if !matches {
            return None;
        }
        Some(zoned_from_parts(
            &line[at + 11..at + 15],
            &line[at + 4..at + 7],
            &line[at + 8..at + 10],
            &line[at + 16..at + 24],
            &line[at + 28..at + 33],
        ))
    }

    /// Reads a common log format time at `at`: `[04/Mar/2024:09:30:00 +0800]`.
    fn common_log(&self, line: &str, at: usize) -> Option<Option<Stamp>> {
        let matches = self.is(at, b"[")
            && self.digits(at + 1, 2)
            && self.is(at + 3, b"/")
            && self.month_name(at + 4)
            && self.is(at + 7, b"/")
            && self.digits(at + 8, 4)
            && self.is(at + 12, b":")
            && self.clock(at + 13)
            && self.is(at + 21, b" ")
            && self.one_of(at + 22, b"+-")
            && self.digits(at + 23, 4)
            && self.is(at + 27, b"]");
        if !matches {
            return None;
        }
        Some(zoned_from_parts(
            &line[at + 8..at + 12],
            &line[at + 4..at + 7],
            &line[at + 1..at + 3],
            &line[at + 13..at + 21],
            &line[at + 22..at + 27],
        ))
    }

    /// Reads an ISO 8601 time at `at`: `2024-03-04T09:20:02.512+08:00`,
    /// the fraction and the offset optional.
    fn iso(&self, line: &str, at: usize) -> Option<Option<Stamp>> {
        let matches = self.digits(at, 4)
            && self.is(at + 4, b"-")
            && self.digits(at + 5, 2)
            && self.is(at + 7, b"-")
            && self.digits(at + 8, 2)
            && self.one_of(at + 10, b"T ")
            && self.clock(at + 11);
        if !matches {
            return None;
        }
        let mut text = String::with_capacity(32);
        text.push_str(&line[at..at + 10]);
        text.push('T');
        text.push_str(&line[at + 11..at + 19]);
        let mut end = at + 19;
        if self.one_of(end, b".,") && self.digits(end + 1, 1) {
            let digits =
                self.0[end + 1..].iter().take(9).take_while(|b| b.is_ascii_digit()).count();
            text.push('.');
            text.push_str(&line[end + 1..end + 1 + digits]);
            end += 1 + digits;
        }
        if self.is(end, b"Z") {
            text.push('Z');
            return Some(Some(Stamp::Zoned(text)));
        }
        if self.one_of(end, b"+-") && self.digits(end + 1, 2) {
            let minutes = if self.is(end + 3, b":") { end + 4 } else { end + 3 };
            if self.digits(minutes, 2) {
                text.push_str(&line[end..end + 3]);
                text.push(':');
                text.push_str(&line[minutes..minutes + 2]);
                return Some(Some(Stamp::Zoned(text)));
            }
        }
        Some(Some(Stamp::Local(text)))
    }

    /// Reads the tutorial app's clock at `at`: `2019/06/12 20:01:07:8`,
    /// fields of one or two digits and milliseconds of one to three.
    fn slashes(&self, line: &str, at: usize) -> Option<Option<Stamp>> {
        if !(self.digits(at, 4) && self.is(at + 4, b"/")) {
            return None;
        }
        let (month, end) = self.field(at + 5, Some(b'/'))?;
        let (day, end) = self.field(end + 1, Some(b' '))?;
        let (hour, end) = self.field(end + 1, Some(b':'))?;
        let (minute, end) = self.field(end + 1, Some(b':'))?;
        let (second, end) = self.field(end + 1, None)?;
        let mut text =
            format!("{}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}", &line[at..at + 4]);
        if self.is(end, b":") && self.digits(end + 1, 1) {
            let digits = self.0[end + 1..].iter().take(3).take_while(|b| b.is_ascii_digit());
            let millis = digits.fold(0, |v, d| v * 10 + u32::from(d - b'0'));
            text.push_str(&format!(".{millis:03}"));
        }
        Some(Some(Stamp::Local(text)))
    }
}

/// Builds an RFC 3339 time from a year, a month name, a day, a clock and a
/// `+0800` offset. Returns `None` when the month name is unknown.
fn zoned_from_parts(year: &str, month: &str, day: &str, clock: &str, zone: &str) -> Option<Stamp> {
    let month = month_number(month)?;
    let mut text = String::with_capacity(25);
    text.push_str(year);
    text.push('-');
    text.push(char::from(b'0' + (month / 10) as u8));
    text.push(char::from(b'0' + (month % 10) as u8));
    text.push('-');
    text.push_str(day);
    text.push('T');
    text.push_str(clock);
    text.push_str(&colon_offset(zone));
    Some(Stamp::Zoned(text))
}

#[cfg(test)]
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        // ASCII classes keep the search on the fast lazy DFA.
        "(?-u)",
        // JavaScript Date.toString(): Mon Mar 04 2024 09:12:40 GMT+0800
        r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<jmon>[A-Z][a-z]{2}) (?P<jday>[0-9]{2}) (?P<jyear>[0-9]{4}) ",
        r"(?P<jtime>[0-9]{2}:[0-9]{2}:[0-9]{2}) GMT(?P<jzone>[+-][0-9]{4})",
        // ISO 8601, with or without an offset.
        r"|(?P<idate>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<itime>[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<ifrac>[.,][0-9]{1,9})?",
        r"(?P<izone>Z|[+-][0-9]{2}:?[0-9]{2})?",
        // The tutorial app's clock: 2019/06/12 20:01:07:8 (fields not padded).
        r"|(?P<sy>[0-9]{4})/(?P<smo>[0-9]{1,2})/(?P<sd>[0-9]{1,2}) (?P<sh>[0-9]{1,2}):(?P<smi>[0-9]{1,2}):(?P<ss>[0-9]{1,2})(?::(?P<sms>[0-9]{1,3}))?",
        // Common log format: [04/Mar/2024:09:30:00 +0800]
        r"|\[(?P<cday>[0-9]{2})/(?P<cmon>[A-Z][a-z]{2})/(?P<cyear>[0-9]{4}):(?P<ctime>[0-9]{2}:[0-9]{2}:[0-9]{2}) (?P<czone>[+-][0-9]{4})\]",
    ))
    .expect("timestamp pattern is valid")
});

/// Finds the first timestamp with the regex that [`find`] implements by
/// hand. The tests use it as the oracle for [`find`].
#[cfg(test)]
fn find_by_pattern(line: &str) -> Option<Stamp> {
    if !has_clock(line.as_bytes()) {
        return None;
    }
    // Locating the match first keeps the capture search, which is slower,
    // to the few bytes of the timestamp itself.
    let found = TIME.find(line)?;
    let caps = TIME.captures(found.as_str())?;
    if let Some(mon) = caps.name("jmon") {
        let month = month_number(mon.as_str())?;
        return Some(Stamp::Zoned(format!(
            "{}-{month:02}-{}T{}{}",
            &caps["jyear"],
            &caps["jday"],
            &caps["jtime"],
            colon_offset(&caps["jzone"])
        )));
    }
    if let Some(date) = caps.name("idate") {
        let frac = caps.name("ifrac").map_or(String::new(), |f| f.as_str().replace(',', "."));
        let base = format!("{}T{}{frac}", date.as_str(), &caps["itime"]);
        return Some(match caps.name("izone") {
            Some(zone) if zone.as_str() == "Z" => Stamp::Zoned(base + "Z"),
            Some(zone) => Stamp::Zoned(base + &colon_offset(zone.as_str())),
            None => Stamp::Local(base),
        });
    }
    if let Some(year) = caps.name("sy") {
        let field = |name: &str| caps[name].parse::<u32>().unwrap_or(0);
        let millis = caps
            .name("sms")
            .map_or(String::new(), |m| format!(".{:03}", m.as_str().parse::<u32>().unwrap_or(0)));
        return Some(Stamp::Local(format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}{millis}",
            year.as_str(),
            field("smo"),
            field("sd"),
            field("sh"),
            field("smi"),
            field("ss"),
        )));
    }
    let month = month_number(&caps["cmon"])?;
    Some(Stamp::Zoned(format!(
        "{}-{month:02}-{}T{}{}",
        &caps["cyear"],
        &caps["cday"],
        &caps["ctime"],
        colon_offset(&caps["czone"])
    )))
}

/// Converts a Unix time in seconds or milliseconds to RFC 3339 in UTC.
/// Values that are neither (too small or too large) give `None`.
pub fn from_unix(value: &str) -> Option<Stamp> {
    let number: i64 = value.split('.').next()?.parse().ok()?;
    // 2001-09-09 .. 2286-11-20 in seconds; the same range in milliseconds.
    let (secs, millis) = match number {
        1_000_000_000..=9_999_999_999 => (number, None),
        1_000_000_000_000..=9_999_999_999_999 => (number / 1000, Some(number % 1000)),
        _ => return None,
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let frac = millis.map_or(String::new(), |m| format!(".{m:03}"));
    Some(Stamp::Zoned(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{frac}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )))
}

/// Converts days since 1970-01-01 to a (year, month, day) civil date, using
/// Howard Hinnant's `civil_from_days` algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Converts a civil date to days since 1970-01-01 (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn month_number(name: &str) -> Option<usize> {
    MONTHS.iter().position(|m| *m == name).map(|i| i + 1)
}

fn colon_offset(zone: &str) -> String {
    if zone.len() == 5 && !zone.contains(':') {
        format!("{}:{}", &zone[..3], &zone[3..])
    } else {
        zone.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zoned(s: &str) -> Option<Stamp> {
        Some(Stamp::Zoned(s.into()))
    }

    #[test]
    fn javascript_date_string() {
        let line = "Mon Mar 04 2024 09:12:44 GMT+0800 (中国标准时间)[ERROR]: x";
        assert_eq!(find(line), zoned("2024-03-04T09:12:44+08:00"));
    }

    #[test]
    fn iso_with_and_without_offset() {
        assert_eq!(
            find(r#"{"time":"2024-03-04T09:20:00+08:00"}"#),
            zoned("2024-03-04T09:20:00+08:00")
        );
        assert_eq!(
            find("2024-03-04 09:20:02.512 ERROR"),
            Some(Stamp::Local("2024-03-04T09:20:02.512".into()))
        );
        assert_eq!(find("at 2024-03-04T01:20:02Z"), zoned("2024-03-04T01:20:02Z"));
    }

    #[test]
    fn tutorial_clock_is_padded() {
        let stamp = find("2019/06/12 20:01:07:8: error: 501");
        assert_eq!(stamp, Some(Stamp::Local("2019-06-12T20:01:07.008".into())));
    }

    #[test]
    fn common_log_format() {
        let line = r#"1.2.3.4 - - [04/Mar/2024:09:30:00 +0800] "GET / HTTP/1.1""#;
        assert_eq!(find(line), zoned("2024-03-04T09:30:00+08:00"));
    }

    #[test]
    fn instants_order_across_offsets() {
        let tokyo = Stamp::Zoned("2024-03-04T10:00:00+09:00".into());
        let beijing = Stamp::Zoned("2024-03-04T09:30:00+08:00".into());
        assert_eq!(tokyo.instant(), Some(1_709_514_000_000));
        assert!(tokyo.instant() < beijing.instant());
        assert_eq!(
            Stamp::Zoned("2024-03-04T01:12:40.123Z".into()).instant(),
            Some(1_709_514_760_123)
        );
        assert_eq!(
            Stamp::Local("2019-06-12T20:01:07.008".into()).instant(),
            Some(1_560_369_667_008)
        );
    }

    #[test]
    fn parser_edges() {
        // Year digits inside a longer number, fields of one digit, a
        // fraction longer than nine digits, an offset without its minutes.
        let lines = [
            "12019/6/2 3:4:5:12345 x",
            "id 992024-03-04 09:20:02,5+08 y",
            "2024-03-04T09:20:02.1234567891+08:00",
            "Mon Xyz 04 2024 09:12:44 GMT+0800",
            "[04/Mar/2024:09:30:00 +0800 [04/Mar/2024:09:30:00 +0800]",
        ];
        let expected = [
            Some(Stamp::Local("2019-06-02T03:04:05.123".into())),
            Some(Stamp::Local("2024-03-04T09:20:02.5".into())),
            Some(Stamp::Local("2024-03-04T09:20:02.123456789".into())),
            None,
            zoned("2024-03-04T09:30:00+08:00"),
        ];
        for (line, expected) in lines.iter().zip(expected) {
            assert_eq!(find(line), expected, "{line}");
            assert_eq!(find_by_pattern(line), find(line), "{line}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The hand-written parser agrees with the regex it replaces on
        /// texts built from the pieces of every form.
        #[test]
        fn parser_matches_pattern(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "Mon ", "Sun", " ", "Mar ", "Xyz ", "Mar", "04 ", "4", "2024 ", "2024", "09:12:44",
            "9:1:4", ":", "::", " GMT", "+0800", "-0130", "+08:00", "+08", "Z", "T", "-", "/",
            "[", "]", "04/Mar/2024", "2019/06/12 ", "20:01:07", ":8", ":123", ".512", ",5",
            "1234567890", ".123456789012", "中", "é", "x", "0", "12", "2024-03-04", "2024-03-04 ", "T09:20:00",
        ]), 0..14)) {
            let line: String = pieces.concat();
            proptest::prop_assert_eq!(find(&line), find_by_pattern(&line), "{:?}", line);
        }
    }

    #[test]
    fn unix_seconds_and_millis() {
        assert_eq!(from_unix("1709514760"), zoned("2024-03-04T01:12:40Z"));
        assert_eq!(from_unix("1709514760123"), zoned("2024-03-04T01:12:40.123Z"));
        assert_eq!(from_unix("77"), None);
    }
}
