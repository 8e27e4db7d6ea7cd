//! Writes a large, deterministic corpus of mini-program and server logs for
//! throughput benchmarks.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --size 1GiB [--seed N] [--files N] --out PATH
//! ```
//!
//! Without `--files` the corpus is one file at PATH. With `--files N` it is N
//! files `corpus-0000.log` ... in the directory PATH, which is created if
//! missing, and the size is split evenly between them. Each file stops before
//! the line that would take it past its share, so the total is at most
//! `--size` and short of it by less than one line per file. The same size,
//! seed and file count always produce the same bytes.
//!
//! The lines copy the shapes of the files in `fixtures/`:
//!
//! - WeChat DevTools console lines of SDK 2.6 (`agora-miniapp-sdk.js? [sm]:1 `,
//!   `Date.toString()` time, `[INFO]`/`[DEBUG]`), sometimes with the console's
//!   repeat count glued to the front, and app and runtime lines from DevTools;
//! - SDK 2.5 lines and `onLog` arrays behind the tutorial app's clock;
//! - server JSON lines, Spring Boot lines and nginx access lines.
//!
//! About 2 % of the lines are error lines. Most carry an Agora code
//! (401, 429, 430-434, 500-503, 901-905) with its reason, in the SDK, app,
//! server and realtime-log shapes. The rest are WeChat signals
//! (`live-pusher code: -1307`, `request:fail` and `connectSocket:fail`
//! errMsg objects) and the SDK's local errors that carry no code. About one
//! line in six contains a Chinese message. This is on top of the Chinese
//! time-zone label that every SDK 2.6 line has. About 0.3 % of the lines
//! contain numbers that look like codes but are not events: an HTTP status
//! 502, `latency_ms":431`, `took 901ms`, a query string `?code=905`, and a
//! server frame with a code but no reason. Line lengths are 60-300 bytes.
//! Times start at 2024-03-04 09:00 (UTC+8) and never go backwards.
//!
//! At the end the generator prints to standard error the number of lines and
//! bytes and one row per event key written: `source code lines events`,
//! with the sources and codes that the `miniapp-triage` JSON report uses
//! (`agora 904`, `wx request`, `finding invalid-channel`). `events` counts a
//! line with a DevTools repeat count N as N events, as the triage does.
//!
//! Other encodings and containers are made from the UTF-8 corpus:
//!
//! ```text
//! iconv -f UTF-8 -t GB18030 corpus.log > corpus-gb18030.log
//! { printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE corpus.log; } > corpus-utf16le.log
//! gzip -k corpus.log        # writes corpus.log.gz beside corpus.log
//! ```

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "\
usage: gen_corpus [--size SIZE] [--seed N] [--files N] --out PATH

  --size SIZE   total corpus size: bytes, or a number with KiB, MiB, GiB (powers
                of 1024) or KB, MB, GB (powers of 1000) [default: 1GiB]
  --seed N      PRNG seed, decimal or 0x hexadecimal [default: 0x5eed20240304]
  --files N     write N files into the directory PATH instead of one file at PATH
  --out PATH    output file, or output directory with --files";

const DEFAULT_SEED: u64 = 0x5eed_2024_0304;
const DEFAULT_SIZE: u64 = 1 << 30;
const MIN_LINE_BYTES: usize = 60;
const MAX_LINE_BYTES: usize = 300;

/// Shares of lines, in lines per million.
const ERROR_LINES_PER_MILLION: u64 = 20_000;
const DECOY_LINES_PER_MILLION: u64 = 3_000;
const CHINESE_LINES_PER_MILLION: u64 = 170_000;

/// 2024-03-04 09:00:00 in UTC+8, as Unix milliseconds.
const START_UNIX_MS: u64 = 1_709_514_000_000;
const UTC_OFFSET_SECONDS: u64 = 8 * 3600;

const APP_ID: &str = "5f0c8a1e3b7d4c29a6e1f08b2d9c7e43";
const SDK_SOURCE: &str = "agora-miniapp-sdk.js? [sm]:1 ";
const ZONE_CHINESE: &str = "GMT+0800 (中国标准时间)";
const ZONE_CST: &str = "GMT+0800 (CST)";
const USER_AGENT: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) \
AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) \
NetType/WIFI Language/zh_CN";

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("gen_corpus: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    size: u64,
    seed: u64,
    files: Option<u64>,
    out: PathBuf,
}

impl Options {
    /// Parses the arguments, or returns `None` for `--help`.
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
        let mut size = DEFAULT_SIZE;
        let mut seed = DEFAULT_SEED;
        let mut files = None;
        let mut out = None;
        while let Some(arg) = args.next() {
            if arg == "-h" || arg == "--help" {
                return Ok(None);
            }
            let (name, inline_value) = match arg.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (arg.clone(), None),
            };
            if !matches!(name.as_str(), "--size" | "--seed" | "--files" | "--out") {
                return Err(format!("unknown argument `{arg}`"));
            }
            let value = match inline_value.or_else(|| args.next()) {
                Some(value) => value,
                None => return Err(format!("missing value for {name}")),
            };
            match name.as_str() {
                "--size" => size = parse_size(&value)?,
                "--seed" => seed = parse_seed(&value)?,
                "--files" => match value.parse::<u64>() {
                    Ok(count) if count > 0 => files = Some(count),
                    _ => {
                        return Err(format!(
                            "invalid --files `{value}`: expected a count of 1 or more"
                        ))
                    }
                },
                _ => out = Some(PathBuf::from(value)),
            }
        }
        let out = out.ok_or("missing --out PATH")?;
        if size == 0 {
            return Err("invalid --size: the size must be more than 0 bytes".into());
        }
        Ok(Some(Options { size, seed, files, out }))
    }
}

/// Parses `1073741824`, `1GiB`, `256MiB`, `10GB` and the like into bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let digits_end = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let multiplier: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "TB" => 1_000_000_000_000,
        _ => {
            return Err(format!(
                "invalid size `{text}`: use bytes or a unit KiB, MiB, GiB, KB, MB, GB"
            ))
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("invalid size `{text}`: expected a whole number such as 1GiB"))
}

fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse::<u64>(),
    };
    parsed.map_err(|_| format!("invalid seed `{text}`: expected a decimal or 0x hexadecimal u64"))
}

fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let targets = match options.files {
        None => vec![(options.out.clone(), options.size)],
        Some(count) => {
            fs::create_dir_all(&options.out)
                .map_err(|e| format!("cannot create directory {}: {e}", options.out.display()))?;
            let width = count.saturating_sub(1).to_string().len().max(4);
            (0..count)
                .map(|i| {
                    let share = options.size / count + u64::from(i < options.size % count);
                    (options.out.join(format!("corpus-{i:0width$}.log")), share)
                })
                .collect()
        }
    };

    let mut generator = Generator::new(options.seed);
    let mut line = Vec::with_capacity(1024);
    for (path, budget) in &targets {
        write_file(&mut generator, &mut line, path, *budget)?;
    }

    let elapsed = started.elapsed().as_secs_f64();
    print_summary(&generator, targets.len(), options.seed, elapsed);
    if generator.tally.out_of_range_lines > 0 {
        return Err(format!(
            "{} lines are outside {MIN_LINE_BYTES}-{MAX_LINE_BYTES} bytes: fix the line templates",
            generator.tally.out_of_range_lines
        ));
    }
    Ok(())
}

/// Writes lines to `path` until the next one would exceed `budget` bytes.
/// Returns a corpus of at most `bytes` bytes of whole lines, from the
/// default seed: the same text as the first file the command writes.
pub fn corpus(bytes: u64) -> Vec<u8> {
    let mut generator = Generator::new(DEFAULT_SEED);
    let mut text = Vec::with_capacity(bytes as usize);
    let mut line = Vec::new();
    loop {
        line.clear();
        generator.next_line(&mut line);
        line.push(b'\n');
        if (text.len() + line.len()) as u64 > bytes {
            return text;
        }
        text.extend_from_slice(&line);
    }
}

fn write_file(
    generator: &mut Generator,
    line: &mut Vec<u8>,
    path: &Path,
    budget: u64,
) -> Result<(), String> {
    let file = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut written = 0u64;
    loop {
        line.clear();
        let info = generator.next_line(line);
        line.push(b'\n');
        if written + line.len() as u64 > budget {
            break;
        }
        writer.write_all(line).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written += line.len() as u64;
        generator.tally.record(&info, line.len());
    }
    writer.flush().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn print_summary(generator: &Generator, files: usize, seed: u64, elapsed: f64) {
    let tally = &generator.tally;
    let percent = |part: u64| 100.0 * part as f64 / tally.lines.max(1) as f64;
    let error_lines: u64 = tally.events.values().map(|counts| counts.lines).sum();
    let events: u64 = tally.events.values().map(|counts| counts.events).sum();
    let mut report = String::new();
    report.push_str(&format!(
        "gen_corpus: wrote {} lines, {} bytes in {files} file(s), seed {seed:#x}, in {elapsed:.2} s ({:.0} MB/s)\n",
        tally.lines,
        tally.bytes,
        tally.bytes as f64 / elapsed.max(1e-9) / 1e6,
    ));
    report.push_str(&format!(
        "lines with Chinese messages: {} ({:.1} %)\nlines with numbers that are not events: {} ({:.2} %)\n",
        tally.chinese_lines,
        percent(tally.chinese_lines),
        tally.decoy_lines,
        percent(tally.decoy_lines),
    ));
    report.push_str(&format!(
        "error lines: {error_lines} ({:.2} %), events: {events}\n",
        percent(error_lines)
    ));
    report.push_str("source code lines events\n");
    for ((source, code), counts) in &tally.events {
        report.push_str(&format!("{source} {code} {} {}\n", counts.lines, counts.events));
    }
    eprint!("{report}");
}

// ---------------------------------------------------------------------------
// Random numbers and time
// ---------------------------------------------------------------------------

/// SplitMix64 PRNG: small and fast, and good enough to pick templates and
/// values. It is not for cryptographic use.
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Returns a number in `0..bound`. `bound` must be below 2^32.
    fn below(&mut self, bound: u64) -> u64 {
        ((self.next_u64() >> 32) * bound) >> 32
    }

    /// Returns a number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    fn per_million(&mut self, rate: u64) -> bool {
        self.below(1_000_000) < rate
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// Picks an item from `(weight, item)` pairs.
    fn pick_weighted<T: Copy>(&mut self, items: &[(u64, T)]) -> T {
        let total: u64 = items.iter().map(|(weight, _)| weight).sum();
        let mut roll = self.below(total);
        for (weight, item) in items {
            if roll < *weight {
                return *item;
            }
            roll -= weight;
        }
        unreachable!("roll is below the total weight")
    }
}

/// Civil time in UTC+8, the zone of every log line in the corpus.
#[derive(Clone, Copy)]
struct LocalTime {
    unix_seconds: u64,
    millisecond: u64,
    year: u64,
    month: usize,
    day: u64,
    weekday: usize,
    hour: u64,
    minute: u64,
    second: u64,
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl LocalTime {
    fn from_unix_ms(unix_ms: u64) -> LocalTime {
        let unix_seconds = unix_ms / 1000;
        let local = unix_seconds + UTC_OFFSET_SECONDS;
        let days = local / 86_400;
        let seconds_of_day = local % 86_400;
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            unix_seconds,
            millisecond: unix_ms % 1000,
            year,
            month: month as usize,
            day,
            // 1970-01-01 was a Thursday.
            weekday: ((days + 4) % 7) as usize,
            hour: seconds_of_day / 3600,
            minute: seconds_of_day / 60 % 60,
            second: seconds_of_day % 60,
        }
    }
}

/// Converts days since 1970-01-01 to (year, month 1-12, day) in the proleptic
/// Gregorian calendar. The arithmetic counts years from March 1, so the leap
/// day is the last day of a year and 400-year eras repeat exactly.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

// ---------------------------------------------------------------------------
// Appending text to a line
// ---------------------------------------------------------------------------

fn push(line: &mut Vec<u8>, text: &str) {
    line.extend_from_slice(text.as_bytes());
}

fn push_int(line: &mut Vec<u8>, value: u64) {
    push_padded(line, value, 1);
}

/// Appends `value` in decimal, zero-padded to `width` digits.
fn push_padded(line: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in (digits.len() - start)..width {
        line.push(b'0');
    }
    line.extend_from_slice(&digits[start..]);
}

/// Appends `count` random characters from `alphabet`.
fn push_random_chars(line: &mut Vec<u8>, rng: &mut SplitMix64, alphabet: &[u8], count: usize) {
    for _ in 0..count {
        line.push(rng.pick(alphabet));
    }
}

fn push_hms(line: &mut Vec<u8>, time: &LocalTime) {
    push_padded(line, time.hour, 2);
    line.push(b':');
    push_padded(line, time.minute, 2);
    line.push(b':');
    push_padded(line, time.second, 2);
}

/// Appends the time as `Date.toString()` prints it:
/// `Mon Mar 04 2024 09:12:40 GMT+0800 (中国标准时间)`.
fn push_date_string(line: &mut Vec<u8>, time: &LocalTime, zone: &str) {
    push(line, WEEKDAYS[time.weekday]);
    line.push(b' ');
    push(line, MONTHS[time.month - 1]);
    line.push(b' ');
    push_padded(line, time.day, 2);
    line.push(b' ');
    push_int(line, time.year);
    line.push(b' ');
    push_hms(line, time);
    line.push(b' ');
    push(line, zone);
}

/// Appends `2024-03-04`, then `separator`, then `09:20:02`.
fn push_date_time(line: &mut Vec<u8>, time: &LocalTime, separator: u8) {
    push_int(line, time.year);
    line.push(b'-');
    push_padded(line, time.month as u64, 2);
    line.push(b'-');
    push_padded(line, time.day, 2);
    line.push(separator);
    push_hms(line, time);
}

/// Appends the time in RFC 3339 with the +08:00 offset, with or without
/// milliseconds.
fn push_rfc3339(line: &mut Vec<u8>, time: &LocalTime, milliseconds: bool) {
    push_date_time(line, time, b'T');
    if milliseconds {
        line.push(b'.');
        push_padded(line, time.millisecond, 3);
    }
    push(line, "+08:00");
}

/// Appends the time in Spring Boot's default layout: `2024-03-04 09:20:02.512`.
fn push_java_time(line: &mut Vec<u8>, time: &LocalTime) {
    push_date_time(line, time, b' ');
    line.push(b'.');
    push_padded(line, time.millisecond, 3);
}

/// Appends the tutorial app's clock, `2024/03/04 09:20:11:140: `, with
/// milliseconds not zero-padded.
fn push_app_clock(line: &mut Vec<u8>, time: &LocalTime) {
    push_int(line, time.year);
    line.push(b'/');
    push_padded(line, time.month as u64, 2);
    line.push(b'/');
    push_padded(line, time.day, 2);
    line.push(b' ');
    push_hms(line, time);
    line.push(b':');
    push_int(line, time.millisecond);
    push(line, ": ");
}

/// Appends the time as nginx's `$time_local`: `04/Mar/2024:09:30:00 +0800`.
fn push_nginx_time(line: &mut Vec<u8>, time: &LocalTime) {
    push_padded(line, time.day, 2);
    line.push(b'/');
    push(line, MONTHS[time.month - 1]);
    line.push(b'/');
    push_int(line, time.year);
    line.push(b':');
    push_hms(line, time);
    push(line, " +0800");
}

// ---------------------------------------------------------------------------
// Error catalog of the generated events
// ---------------------------------------------------------------------------

/// An Agora code with the reasons the generator writes for it and its share
/// of the Agora error lines.
struct AgoraError {
    code: &'static str,
    weight: u64,
    reasons: &'static [&'static str],
}

/// The weights give 904, 905, 903 and 901 the largest shares. They are an
/// estimate of a typical mix, not measured from real logs.
const AGORA_ERRORS: &[AgoraError] = &[
    AgoraError { code: "401", weight: 6, reasons: &["invalid vendor key", "invalid token"] },
    AgoraError { code: "429", weight: 3, reasons: &["too many requests"] },
    AgoraError { code: "430", weight: 2, reasons: &["mute before subscribe"] },
    AgoraError {
        code: "431",
        weight: 6,
        reasons: &["invalid uid", "invalid role", "login failed"],
    },
    AgoraError { code: "432", weight: 2, reasons: &["uid is not a broadcaster"] },
    AgoraError { code: "433", weight: 4, reasons: &["audience can not publish"] },
    AgoraError {
        code: "434",
        weight: 4,
        reasons: &["publish uid mismatch", "leave before login", "set role before join"],
    },
    AgoraError {
        code: "500",
        weight: 2,
        reasons: &["internal server error", "choose server fail"],
    },
    AgoraError { code: "501", weight: 8, reasons: &["service process lost connection"] },
    AgoraError { code: "502", weight: 4, reasons: &["server overload"] },
    AgoraError { code: "503", weight: 2, reasons: &["service exit"] },
    AgoraError {
        code: "901",
        weight: 10,
        reasons: &["request:fail url not in domain list", "request:fail timeout"],
    },
    AgoraError { code: "902", weight: 1, reasons: &["no requestid"] },
    AgoraError { code: "903", weight: 10, reasons: &["time out"] },
    AgoraError { code: "904", weight: 16, reasons: &["websocket disconnected"] },
    AgoraError { code: "905", weight: 12, reasons: &["connect websocket failed"] },
];

/// SDK call descriptions that precede a logged Agora error object.
const SDK_FAILED_CALLS: &[&str] = &[
    "client join channel failed: ",
    "client rejoin channel failed: ",
    "client publish failed: ",
    "client subscribe failed: ",
    "client setRole failed: ",
    "client mute failed: ",
    "client init failed: ",
];

/// SDK local errors without a code: (finding id, message after `[ERROR]: `).
const LOCAL_ERRORS: &[(&str, &str)] = &[
    ("invalid-channel", "client join channel failed: Invalid channel"),
    ("invalid-app-id", "client init failed: Invalid appId"),
    ("invalid-channel-key", "client join channel failed: Invalid channelKey"),
    ("disconnected", "client Disconnected from server"),
    ("invalid-role", "client set role: host failed: Invalid role"),
    ("invalid-uid-type", "client Invalid uid type"),
    ("service-not-enabled", "miniapp service is not enabled for this AppID"),
];

const CHANNELS: &[&str] = &["room-42", "room-7", "class-2024-03", "live-1001", "meeting-88"];
const PAGES: &[&str] = &["pages/meeting/meeting", "pages/call/call", "pages/live/live"];

// ---------------------------------------------------------------------------
// Line generator
// ---------------------------------------------------------------------------

/// Event key in the terms of the triage JSON report: (source, code), with
/// source `finding` and the finding id for code-less errors.
type EventKey = (&'static str, &'static str);

/// Event and traits of one generated line, recorded once the line is written.
#[derive(Default)]
struct LineInfo {
    event: Option<(EventKey, u64)>,
    chinese: bool,
    decoy: bool,
}

#[derive(Default)]
struct EventCounts {
    lines: u64,
    events: u64,
}

#[derive(Default)]
struct Tally {
    lines: u64,
    bytes: u64,
    chinese_lines: u64,
    decoy_lines: u64,
    out_of_range_lines: u64,
    events: BTreeMap<EventKey, EventCounts>,
}

impl Tally {
    /// Records a written line. `length` includes the newline.
    fn record(&mut self, info: &LineInfo, length: usize) {
        self.lines += 1;
        self.bytes += length as u64;
        self.chinese_lines += u64::from(info.chinese);
        self.decoy_lines += u64::from(info.decoy);
        let content = length - 1;
        if !(MIN_LINE_BYTES..=MAX_LINE_BYTES).contains(&content) {
            self.out_of_range_lines += 1;
        }
        if let Some((key, events)) = info.event {
            let counts = self.events.entry(key).or_default();
            counts.lines += 1;
            counts.events += events;
        }
    }
}

struct Generator {
    rng: SplitMix64,
    unix_ms: u64,
    time: LocalTime,
    openids: Vec<String>,
    tally: Tally,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let mut rng = SplitMix64 { state: seed };
        // A fixed pool of users, so the same OpenIDs recur as in real logs.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let openids = (0..512)
            .map(|_| {
                let mut id = b"oXyZ".to_vec();
                push_random_chars(&mut id, &mut rng, alphabet, 24);
                String::from_utf8(id).expect("ASCII alphabet")
            })
            .collect();
        Generator {
            rng,
            unix_ms: START_UNIX_MS,
            time: LocalTime::from_unix_ms(START_UNIX_MS),
            openids,
            tally: Tally::default(),
        }
    }

    /// Advances the clock and appends one line, without its newline.
    fn next_line(&mut self, line: &mut Vec<u8>) -> LineInfo {
        self.advance_clock();
        if self.rng.per_million(ERROR_LINES_PER_MILLION) {
            self.push_error_line(line)
        } else if self.rng.per_million(DECOY_LINES_PER_MILLION) {
            self.push_decoy_line(line);
            LineInfo { decoy: true, ..LineInfo::default() }
        } else if self.rng.per_million(CHINESE_LINES_PER_MILLION) {
            self.push_chinese_line(line);
            LineInfo { chinese: true, ..LineInfo::default() }
        } else {
            self.push_background_line(line);
            LineInfo::default()
        }
    }

    /// Moves time forward by 0-249 ms per line, so 1 GiB of corpus spans
    /// about 11 days.
    fn advance_clock(&mut self) {
        let previous_second = self.unix_ms / 1000;
        self.unix_ms += self.rng.below(250);
        if self.unix_ms / 1000 != previous_second {
            self.time = LocalTime::from_unix_ms(self.unix_ms);
        } else {
            self.time.millisecond = self.unix_ms % 1000;
        }
    }

    fn push_openid(&mut self, line: &mut Vec<u8>) {
        let index = self.rng.below(self.openids.len() as u64) as usize;
        push(line, &self.openids[index]);
    }

    fn uid(&mut self) -> u64 {
        self.rng.between(10_000, 99_999)
    }

    // -- Prefixes ----------------------------------------------------------

    /// Appends `[N]agora-miniapp-sdk.js? [sm]:1 <Date.toString()>[LEVEL]: `,
    /// with the DevTools repeat count N when `repeat` is above 1.
    fn push_sdk_prefix(&mut self, line: &mut Vec<u8>, level: &str, repeat: u64) {
        if repeat > 1 {
            push_int(line, repeat);
        }
        push(line, SDK_SOURCE);
        push_date_string(line, &self.time, ZONE_CHINESE);
        line.push(b'[');
        push(line, level);
        push(line, "]: ");
    }

    /// Appends the SDK 2.5 prefix `<Date.toString()> [LEVEL]: `, which has a
    /// space before the level.
    fn push_sdk25_prefix(&mut self, line: &mut Vec<u8>, level: &str) {
        push_date_string(line, &self.time, ZONE_CST);
        push(line, " [");
        push(line, level);
        push(line, "]: ");
    }

    /// Appends the DevTools location of app code: `pages/meeting/meeting.js? [sm]:120 `.
    fn push_page_source(&mut self, line: &mut Vec<u8>, file: &str, line_number: u64) {
        push(line, file);
        push(line, ".js? [sm]:");
        push_int(line, line_number);
        line.push(b' ');
    }

    /// Appends `{"time":"2024-03-04T09:20:00.118+08:00","level":"info","msg":"`.
    fn push_json_prefix(&mut self, line: &mut Vec<u8>, level: &str) {
        push(line, "{\"time\":\"");
        push_rfc3339(line, &self.time, true);
        push(line, "\",\"level\":\"");
        push(line, level);
        push(line, "\",\"msg\":\"");
    }

    /// Appends `2024-03-04 09:20:02.512  INFO 811 --- [nio-8080-exec-7] c.e.rtc.Logger : `.
    fn push_java_prefix(&mut self, line: &mut Vec<u8>, level: &str, logger: &str) {
        push_java_time(line, &self.time);
        line.push(b' ');
        for _ in level.len()..5 {
            line.push(b' ');
        }
        push(line, level);
        push(line, " 811 --- [nio-8080-exec-");
        push_int(line, self.rng.between(1, 9));
        push(line, "] ");
        push(line, logger);
        for _ in logger.len()..40 {
            line.push(b' ');
        }
        push(line, " : ");
    }

    fn push_wsurl(&mut self, line: &mut Vec<u8>) {
        push(line, "wss://miniapp.agoraio.cn/");
        self.push_dashed_ip(line);
        push(line, "/api");
    }

    /// Appends a documentation-range address written with dashes, as the SDK
    /// puts it in websocket host names: `203-0-113-9`.
    fn push_dashed_ip(&mut self, line: &mut Vec<u8>) {
        push(line, self.rng.pick(&["203-0-113-", "198-51-100-"]));
        push_int(line, self.rng.between(1, 254));
    }

    fn push_ip(&mut self, line: &mut Vec<u8>) {
        push(line, self.rng.pick(&["203.0.113.", "198.51.100."]));
        push_int(line, self.rng.between(1, 254));
    }

    // -- Background lines (no events) ---------------------------------------

    fn push_background_line(&mut self, line: &mut Vec<u8>) {
        #[derive(Clone, Copy)]
        enum Family {
            SdkInfo,
            DevtoolsApp,
            ServerJson,
            Java,
            Sdk25,
            Nginx,
        }
        const FAMILIES: &[(u64, Family)] = &[
            (430, Family::SdkInfo),
            (90, Family::DevtoolsApp),
            (180, Family::ServerJson),
            (180, Family::Java),
            (70, Family::Sdk25),
            (50, Family::Nginx),
        ];
        match self.rng.pick_weighted(FAMILIES) {
            Family::SdkInfo => self.push_sdk_info(line),
            Family::DevtoolsApp => self.push_devtools_app(line),
            Family::ServerJson => self.push_server_json(line),
            Family::Java => self.push_java_info(line),
            Family::Sdk25 => self.push_sdk25_info(line),
            Family::Nginx => self.push_nginx(line, 200, false),
        }
    }

    fn push_sdk_info(&mut self, line: &mut Vec<u8>) {
        // DevTools collapses identical consecutive lines into one with a count.
        let repeat = if self.rng.per_million(15_000) { self.rng.between(2, 9) } else { 1 };
        let level = if self.rng.below(4) == 0 { "DEBUG" } else { "INFO" };
        self.push_sdk_prefix(line, level, repeat);
        match self.rng.below(14) {
            0 => push(line, "client init success"),
            1 => push(line, "websocket onopen"),
            2 => {
                push(line, "client sid: ");
                push_random_chars(line, &mut self.rng, b"0123456789ABCDEF", 32);
            }
            3 => {
                push(line, "websocket connect server: ");
                self.push_wsurl(line);
            }
            4 | 5 => {
                push(line, "worker send message: {\"command\":\"ping\",\"requestId\":");
                push_int(line, self.rng.between(1, 9_999));
                push(line, ",\"ts\":");
                push_int(line, self.unix_ms);
                line.push(b'}');
            }
            6 => {
                push(line, "worker onmessage: {\"command\":\"pong\",\"requestId\":");
                push_int(line, self.rng.between(1, 9_999));
                push(line, ",\"serverTs\":");
                push_int(line, self.unix_ms + self.rng.below(80));
                line.push(b'}');
            }
            7 | 8 => {
                push(line, "client update pusher netStatus, ");
                self.push_net_status(line);
            }
            9 => {
                push(line, "client update player netStatus, uid:");
                let uid = self.uid();
                push_int(line, uid);
                line.push(b' ');
                self.push_net_status(line);
            }
            10 => {
                push(line, "client join channel success,time:");
                push_int(line, self.rng.between(120, 1_800));
                push(line, "ms,elapse:");
                push(line, self.rng.pick(&["0-300", "300-500", "500-1000", "1000-3000"]));
            }
            11 => {
                push(line, "client publish url: rtmp://miniapp.agoraio.cn/");
                self.push_dashed_ip(line);
                push(line, "/live/");
                push(line, self.rng.pick(CHANNELS));
                line.push(b'_');
                let uid = self.uid();
                push_int(line, uid);
                push(line, " success");
            }
            12 => {
                push(line, "client stream ");
                let uid = self.uid();
                push_int(line, uid);
                push(line, " subscribed successful");
            }
            _ => push(
                line,
                self.rng.pick(&["client leave success", "client rejoin channel success"]),
            ),
        }
    }

    /// Appends the live-pusher and live-player `netStatus` detail as compact JSON.
    fn push_net_status(&mut self, line: &mut Vec<u8>) {
        let (width, height) = self.rng.pick(&[(360, 640), (540, 960), (720, 1280)]);
        push(line, "{\"videoBitrate\":");
        push_int(line, self.rng.between(200, 1_500));
        push(line, ",\"audioBitrate\":");
        push_int(line, self.rng.between(24, 64));
        push(line, ",\"videoFPS\":");
        push_int(line, self.rng.between(10, 30));
        push(line, ",\"netSpeed\":");
        push_int(line, self.rng.between(200, 2_000));
        push(line, ",\"netJitter\":");
        push_int(line, self.rng.below(20));
        push(line, ",\"videoWidth\":");
        push_int(line, width);
        push(line, ",\"videoHeight\":");
        push_int(line, height);
        line.push(b'}');
    }

    fn push_devtools_app(&mut self, line: &mut Vec<u8>) {
        match self.rng.below(4) {
            0 => {
                push(line, "runtime.js?devtools_ignore=true:1 [Violation] '");
                push(line, self.rng.pick(&["message", "setTimeout", "requestAnimationFrame"]));
                push(line, "' handler took ");
                push_int(line, self.rng.between(50, 400));
                push(line, "ms");
            }
            1 => {
                self.push_page_source(line, "pages/meeting/meeting", 120);
                push(line, self.rng.pick(&["mute-audio", "mute-video", "unmute-audio"]));
                push(line, " {uid: ");
                let uid = self.uid();
                push_int(line, uid);
                push(line, ", channel: \"");
                push(line, self.rng.pick(CHANNELS));
                push(line, "\"}");
            }
            2 => {
                self.push_page_source(line, "pages/meeting/request", 22);
                push(line, "{data: \"\", header: {…}, statusCode: 200, cookies: Array(0), ");
                push(line, "errMsg: \"request:ok\"}");
            }
            _ => {
                self.push_page_source(line, "pages/meeting/socket", 9);
                push(line, "connectSocket success {errMsg: \"connectSocket:ok\", socketTaskId: ");
                push_int(line, self.rng.between(1, 5));
                line.push(b'}');
            }
        }
    }

    fn push_server_json(&mut self, line: &mut Vec<u8>) {
        match self.rng.below(5) {
            0 => {
                self.push_json_prefix(line, "info");
                push(line, "token issued\",\"uid\":");
                let uid = self.uid();
                push_int(line, uid);
                push(line, ",\"status\":200,\"latency_ms\":");
                push_int(line, self.rng.between(2, 40));
                line.push(b'}');
            }
            1 => {
                self.push_json_prefix(line, "info");
                push(line, "join channel\",\"channel\":\"");
                push(line, self.rng.pick(CHANNELS));
                push(line, "\",\"uid\":");
                let uid = self.uid();
                push_int(line, uid);
                push(line, ",\"openid\":\"");
                self.push_openid(line);
                push(line, "\"}");
            }
            2 => {
                self.push_json_prefix(line, "debug");
                push(line, "heartbeat\",\"conns\":");
                push_int(line, self.rng.between(10, 400));
                push(line, ",\"latency_ms\":");
                push_int(line, self.rng.between(1, 30));
                line.push(b'}');
            }
            3 => {
                // The SDK's join telemetry for a success: err_code "0".
                push(line, "{\"ts\":\"");
                push_rfc3339(line, &self.time, false);
                push(line, "\",\"src\":\"miniapp_sdk\",\"event\":\"join\",\"result\":\"0\",");
                push(line, "\"err_code\":\"0\",\"message\":\"\",\"app_id\":\"");
                push(line, APP_ID);
                push(line, "\",\"version\":\"2.6.4\"}");
            }
            _ => {
                self.push_json_prefix(line, "info");
                push(line, "wx login\",\"errcode\":0,\"errmsg\":\"ok\",\"openid\":\"");
                self.push_openid(line);
                push(line, "\"}");
            }
        }
    }

    fn push_java_info(&mut self, line: &mut Vec<u8>) {
        match self.rng.below(4) {
            0 => {
                self.push_java_prefix(line, "INFO", "c.e.rtc.TokenController");
                push(line, "token issued uid=");
                let uid = self.uid();
                push_int(line, uid);
                push(line, " expire=3600 status=200");
            }
            1 => {
                self.push_java_prefix(line, "INFO", "c.e.rtc.RtcCallbackController");
                push(line, "agora result code=0 reason=ok uid=");
                let uid = self.uid();
                push_int(line, uid);
            }
            2 => {
                self.push_java_prefix(line, "INFO", "c.e.rtc.ChannelService");
                push(line, "channel ");
                push(line, self.rng.pick(CHANNELS));
                push(line, " members=");
                push_int(line, self.rng.between(1, 60));
                push(line, " broadcasters=");
                push_int(line, self.rng.between(1, 4));
            }
            _ => {
                self.push_java_prefix(line, "DEBUG", "o.s.web.servlet.DispatcherServlet");
                push(line, "Completed 200 OK in ");
                push_int(line, self.rng.between(1, 60));
                push(line, "ms");
            }
        }
    }

    fn push_sdk25_info(&mut self, line: &mut Vec<u8>) {
        let message =
            self.rng.pick(&["client init success", "websocket onopen", "client leave success"]);
        if self.rng.below(2) == 0 {
            self.push_sdk25_prefix(line, "INFO");
            push(line, message);
        } else {
            // The same record received through onLog, behind the app's clock.
            push_app_clock(line, &self.time);
            push(line, "[\"");
            self.push_sdk25_prefix(line, "INFO");
            push(line, message);
            push(line, "\"]");
        }
    }

    /// Appends an nginx access line. With `decoy`, the query string contains
    /// `code=905`.
    fn push_nginx(&mut self, line: &mut Vec<u8>, status: u64, decoy: bool) {
        self.push_ip(line);
        push(line, " - - [");
        push_nginx_time(line, &self.time);
        push(line, "] \"GET /rtc/token?");
        if decoy {
            push(line, "code=905&");
        }
        push(line, "channel=");
        push(line, self.rng.pick(CHANNELS));
        push(line, "&uid=");
        let uid = self.uid();
        push_int(line, uid);
        push(line, " HTTP/1.1\" ");
        push_int(line, status);
        line.push(b' ');
        push_int(line, self.rng.between(150, 600));
        push(line, " \"-\" \"");
        push(line, USER_AGENT);
        line.push(b'"');
    }

    // -- Chinese messages (no events) ---------------------------------------

    fn push_chinese_line(&mut self, line: &mut Vec<u8>) {
        match self.rng.below(8) {
            0 => {
                self.push_page_source(line, "pages/meeting/meeting", 141);
                push(line, "重新创建 client 并加入频道 ");
                push(line, self.rng.pick(CHANNELS));
            }
            1 => {
                self.push_page_source(line, "pages/live/live", 66);
                let (from, to) = self.rng.pick(&[("360x640", "540x960"), ("540x960", "360x640")]);
                push(line, "推流动态调整分辨率 ");
                push(line, from);
                push(line, " -> ");
                push(line, to);
            }
            2 => {
                self.push_page_source(line, "pages/meeting/meeting", 88);
                push(line, "进入会议页面 ");
                push(line, self.rng.pick(CHANNELS));
                push(line, " uid ");
                let uid = self.uid();
                push_int(line, uid);
            }
            3 => {
                self.push_json_prefix(line, "info");
                push(line, self.rng.pick(&["小程序上报加入频道成功", "令牌签发成功"]));
                push(line, "\",\"openid\":\"");
                self.push_openid(line);
                push(line, "\"}");
            }
            4 => {
                self.push_java_prefix(line, "INFO", "c.e.rtc.TokenController");
                push(line, "令牌签发成功 uid=");
                let uid = self.uid();
                push_int(line, uid);
                push(line, " expire=3600");
            }
            5 => {
                self.push_java_prefix(line, "INFO", "c.e.rtc.ChannelService");
                push(line, "heartbeat ok, 心跳正常");
            }
            6 => {
                push_app_clock(line, &self.time);
                push(line, "正在重新加入频道 ");
                push(line, self.rng.pick(CHANNELS));
                push(line, "，第 ");
                push_int(line, self.rng.between(1, 5));
                push(line, " 次");
            }
            _ => {
                self.push_page_source(line, "pages/live/live", 72);
                push(line, "拉流开始播放 ");
                push(line, self.rng.pick(CHANNELS));
                push(line, " 主播 uid ");
                let uid = self.uid();
                push_int(line, uid);
            }
        }
    }

    // -- Numbers that look like codes but are not events ---------------------

    fn push_decoy_line(&mut self, line: &mut Vec<u8>) {
        match self.rng.below(7) {
            0 => self.push_nginx(line, 502, true),
            1 => {
                push(line, "{\"ts\":\"");
                push_rfc3339(line, &self.time, false);
                push(line, "\",\"status\":503,\"latency_ms\":431}");
            }
            2 => push(
                line,
                "runtime.js?devtools_ignore=true:1 [Violation] 'setTimeout' handler took 901ms",
            ),
            3 => {
                self.push_sdk_prefix(line, "INFO", 1);
                push(line, "client stream 905 subscribed successful");
            }
            4 => {
                self.push_java_prefix(line, "ERROR", "c.e.rtc.TokenController");
                push(
                    line,
                    "upstream call failed uri=/rtc/token?code=905&uid=77 status=502 took=431ms",
                );
            }
            5 => {
                // A raw server frame: a code with `msg` and no reason.
                self.push_sdk_prefix(line, "INFO", 1);
                push(line, "worker onmessage: {\"requestId\":");
                push_int(line, self.rng.between(1, 9_999));
                push(line, ",\"code\":431,\"msg\":\"invalid uid\"}");
            }
            _ => {
                self.push_page_source(line, "pages/meeting/request", 22);
                push(line, "{\"data\":\"<html>502 Bad Gateway</html>\",\"statusCode\":502,");
                push(line, "\"header\":{},\"errMsg\":\"request:ok\"}");
            }
        }
    }

    // -- Error lines ---------------------------------------------------------

    fn push_error_line(&mut self, line: &mut Vec<u8>) -> LineInfo {
        let roll = self.rng.below(100);
        if roll < 80 {
            self.push_agora_error(line)
        } else if roll < 88 {
            self.push_local_error(line)
        } else {
            self.push_wechat_signal(line)
        }
    }

    fn push_agora_error(&mut self, line: &mut Vec<u8>) -> LineInfo {
        let total: u64 = AGORA_ERRORS.iter().map(|error| error.weight).sum();
        let mut roll = self.rng.below(total);
        let mut chosen = &AGORA_ERRORS[0];
        for error in AGORA_ERRORS {
            if roll < error.weight {
                chosen = error;
                break;
            }
            roll -= error.weight;
        }
        let code = chosen.code;
        let reason = self.rng.pick(chosen.reasons);
        let mut info = LineInfo::default();
        let mut events = 1;
        match self.rng.below(12) {
            0..=2 => events = self.push_sdk_error_json(line, code, reason),
            3 => self.push_sdk_worker_error(line, code, reason),
            4 => {
                self.push_sdk25_prefix(line, "ERROR");
                push(line, "client publish failed {\"code\":");
                push(line, code);
                push(line, ",\"reason\":\"");
                push(line, reason);
                push(line, "\"}");
            }
            5 => {
                push_app_clock(line, &self.time);
                push(line, "[\"");
                self.push_sdk25_prefix(line, "DEBUG");
                push(line, "\",\"worker message: \",{\"command\":\"serverStatus\",\"code\":");
                push(line, code);
                push(line, ",\"reason\":\"");
                push(line, reason);
                push(line, "\"}]");
            }
            6 => events = self.push_app_error(line, code, reason),
            7 => info.chinese = self.push_server_json_error(line, code, reason),
            8 => self.push_telemetry_error(line, code, reason),
            9 => info.chinese = self.push_java_error(line, code, reason),
            10 => self.push_realtime_log(line, code, reason),
            _ => {
                self.push_page_source(line, "pages/meeting/meeting", 52);
                push(line, "client.on error {code: ");
                push(line, code);
                push(line, ", reason: \"");
                push(line, reason);
                push(line, "\"}");
            }
        }
        info.event = Some((("agora", code), events));
        info
    }

    /// Appends an SDK 2.6 ERROR line with the error object as compact JSON.
    /// Returns the number of events, which is the DevTools repeat count.
    fn push_sdk_error_json(&mut self, line: &mut Vec<u8>, code: &str, reason: &str) -> u64 {
        let repeat = if self.rng.per_million(60_000) { self.rng.between(2, 5) } else { 1 };
        self.push_sdk_prefix(line, "ERROR", repeat);
        if code == "901" && self.rng.below(2) == 0 {
            push(line, "get server list failed, counter:");
            let counter = self.rng.between(1, 4);
            push_int(line, counter);
            push(line, " url:https://uap-ap-web-");
            push_int(line, counter);
            push(line, ".agoraio.cn/api/v1 ");
        } else {
            push(line, self.rng.pick(SDK_FAILED_CALLS));
        }
        push(line, "{\"code\":");
        push(line, code);
        push(line, ",\"reason\":\"");
        push(line, reason);
        line.push(b'"');
        if self.rng.below(3) == 0 {
            push(line, ",\"wsurl\":\"");
            self.push_wsurl(line);
            line.push(b'"');
        }
        line.push(b'}');
        repeat
    }

    fn push_sdk_worker_error(&mut self, line: &mut Vec<u8>, code: &str, reason: &str) {
        self.push_sdk_prefix(line, "ERROR", 1);
        push(line, "worker onmessage error: {\"command\":\"serverStatus\",\"code\":");
        push(line, code);
        push(line, ",\"reason\":\"");
        push(line, reason);
        push(line, "\"}");
    }

    /// Appends the sample apps' `error: ${code}, reason: ${reason}` line,
    /// behind the tutorial clock or a DevTools location. Returns the number of
    /// events.
    fn push_app_error(&mut self, line: &mut Vec<u8>, code: &str, reason: &str) -> u64 {
        let mut repeat = 1;
        // The clock prefix is shorter than a DevTools location, so short
        // reasons take the DevTools form to keep the line at 60 bytes or more.
        if reason.len() >= 16 && self.rng.below(2) == 0 {
            push_app_clock(line, &self.time);
        } else {
            if self.rng.per_million(60_000) {
                repeat = self.rng.between(2, 5);
                push_int(line, repeat);
            }
            self.push_page_source(line, "pages/meeting/meeting", 140);
        }
        push(line, "error: ");
        push(line, code);
        push(line, ", reason: ");
        push(line, reason);
        repeat
    }

    /// Appends a server JSON error line. Returns whether the message is Chinese.
    fn push_server_json_error(&mut self, line: &mut Vec<u8>, code: &str, reason: &str) -> bool {
        let level = self.rng.pick(&["error", "warn"]);
        let variant = self.rng.below(4);
        let chinese = variant == 3;
        self.push_json_prefix(line, level);
        push(line, if chinese { "加入频道失败" } else { "rtc error" });
        push(line, "\",\"openid\":\"");
        self.push_openid(line);
        match variant {
            // The code as a digit string.
            0 => {
                push(line, "\",\"code\":\"");
                push(line, code);
                push(line, "\",\"reason\":\"");
                push(line, reason);
                push(line, "\"}");
            }
            // The error object nested one level down.
            1 => {
                push(line, "\",\"err\":{\"code\":");
                push(line, code);
                push(line, ",\"reason\":\"");
                push(line, reason);
                push(line, "\",\"wsurl\":\"");
                self.push_wsurl(line);
                push(line, "\"}}");
            }
            _ => {
                push(line, "\",\"code\":");
                push(line, code);
                push(line, ",\"reason\":\"");
                push(line, reason);
                push(line, "\"}");
            }
        }
        chinese
    }

    /// Appends the SDK's join telemetry: `err_code` as a string with `message`.
    fn push_telemetry_error(&mut self, line: &mut Vec<u8>, code: &str, reason: &str) {
        push(line, "{\"ts\":\"");
        push_rfc3339(line, &self.time, false);
        push(
            line,
            "\",\"src\":\"miniapp_sdk\",\"event\":\"join\",\"result\":\"1\",\"err_code\":\"",
        );
        push(line, code);
        push(line, "\",\"message\":\"");
        push(line, reason);
        push(line, "\",\"app_id\":\"");
        push(line, APP_ID);
        push(line, "\",\"version\":\"2.6.4\"}");
    }

    /// Appends a Spring Boot line with `code=N reason=...` pairs. Returns
    /// whether the message is Chinese.
    fn push_java_error(&mut self, line: &mut Vec<u8>, code: &str, reason: &str) -> bool {
        let variant = self.rng.below(4);
        let chinese = variant == 3;
        let level = if variant == 2 || chinese { "WARN" } else { "ERROR" };
        self.push_java_prefix(line, level, "c.e.rtc.RtcCallbackController");
        // Unquoted reasons run to the next key, so a reason with a colon is quoted.
        let quote = reason.contains(':') || variant != 0;
        let push_pair = |line: &mut Vec<u8>| {
            push(line, "code=");
            push(line, code);
            push(line, if quote { " reason=\"" } else { " reason=" });
            push(line, reason);
            if quote {
                line.push(b'"');
            }
        };
        match variant {
            0 => {
                push(line, "agora error ");
                push_pair(line);
                push(line, " uid=");
                let uid = self.uid();
                push_int(line, uid);
            }
            1 => {
                push(line, "callback rejected [");
                push_pair(line);
                line.push(b']');
            }
            2 => {
                push(line, "client asked to rejoin (");
                push_pair(line);
                line.push(b')');
            }
            _ => {
                push(line, "小程序上报错误 ");
                push_pair(line);
                push(line, " openid=");
                self.push_openid(line);
            }
        }
        chinese
    }

    /// Appends a compact realtime-log (`userlog_search`) response with one
    /// entry, as a server that stores the responses writes it, one per line.
    fn push_realtime_log(&mut self, line: &mut Vec<u8>, code: &str, reason: &str) {
        let seconds = self.time.unix_seconds;
        push(line, "{\"errcode\":0,\"errmsg\":\"ok\",\"data\":{\"list\":[{\"level\":8,\"id\":\"");
        self.push_openid(line);
        push(line, "\",\"timestamp\":");
        push_int(line, seconds);
        push(line, ",\"url\":\"");
        push(line, self.rng.pick(PAGES));
        push(line, "\",\"msg\":[{\"time\":");
        push_int(line, seconds);
        push(line, ",\"level\":8,\"msg\":[\"join failed\",{\"code\":");
        push(line, code);
        push(line, ",\"reason\":\"");
        push(line, reason);
        push(line, "\"}]}]}],\"total\":1}}");
    }

    fn push_local_error(&mut self, line: &mut Vec<u8>) -> LineInfo {
        let repeat = if self.rng.per_million(100_000) { self.rng.between(2, 4) } else { 1 };
        if self.rng.below(5) == 0 {
            // An app template string that turned the error object into text.
            if repeat > 1 {
                push_int(line, repeat);
            }
            self.push_page_source(line, "pages/meeting/meeting", 77);
            push(line, self.rng.pick(&SDK_FAILED_CALLS[..3]));
            push(line, "[object Object]");
            return LineInfo {
                event: Some((("finding", "lost-code"), repeat)),
                ..LineInfo::default()
            };
        }
        let (finding, message) = self.rng.pick(LOCAL_ERRORS);
        self.push_sdk_prefix(line, "ERROR", repeat);
        push(line, message);
        LineInfo { event: Some((("finding", finding), repeat)), ..LineInfo::default() }
    }

    fn push_wechat_signal(&mut self, line: &mut Vec<u8>) -> LineInfo {
        let mut info = LineInfo::default();
        let key = match self.rng.below(6) {
            0 => {
                info.chinese = true;
                self.push_page_source(line, "pages/live/live", 31);
                push(line, "推流重连失败 live-pusher code: -1307");
                ("live-pusher", "-1307")
            }
            1 => {
                info.chinese = true;
                self.push_page_source(line, "pages/live/live", 44);
                push(line, "拉流重连失败 live-player code: -2301");
                ("live-player", "-2301")
            }
            2 => {
                self.push_page_source(line, "pages/meeting/request", 18);
                push(line, "{errno: 600002, errMsg: \"request:fail url not in domain list:");
                self.push_ip(line);
                push(line, "\"}");
                ("wx", "request")
            }
            3 => {
                self.push_page_source(line, "pages/meeting/request", 18);
                push(line, "{\"errMsg\":\"request:fail timeout\"}");
                ("wx", "request")
            }
            4 => {
                self.push_sdk_prefix(line, "ERROR", 1);
                push(line, "websocket connect worker failed url:");
                self.push_wsurl(line);
                push(line, " {\"errMsg\":\"connectSocket:fail timeout\"}");
                ("wx", "connectSocket")
            }
            _ => {
                self.push_page_source(line, "pages/meeting/socket", 9);
                push(line, "{\"errMsg\":\"connectSocket:fail url not in domain list\"}");
                ("wx", "connectSocket")
            }
        };
        info.event = Some((key, 1));
        info
    }
}
