//! The report: the JSON contract and escaping of log text in the text report.

use serde_json::Value;

use crate::util::{
    code_group, json_report, open_temp_dir, parse_json, root, status, stderr_lines, stdout_text,
    triage, write_file,
};

const CATEGORIES: [&str; 7] = ["rejoin", "service", "usage", "network", "media", "unknown", "none"];

// JSON contract

#[test]
fn json_schema_version_is_1() {
    let (code, report) = json_report(&["fixtures/encodings/utf8.log"]);

    assert_eq!(code, 1);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "miniapp-triage");
}

#[test]
fn json_scanned_counts_exact() {
    let path = "fixtures/sdk-2.6-devtools.log";
    let contents = std::fs::read(root().join(path)).unwrap();
    let newlines = contents.iter().filter(|&&b| b == b'\n').count() as u64;

    let (code, report) = json_report(&[path]);

    let scanned = &report["scanned"];
    assert_eq!(code, 1);
    assert_eq!(contents.last(), Some(&b'\n'), "{path} ends with a newline");
    assert_eq!(scanned["files"], 1);
    assert_eq!(scanned["lines"], newlines);
    assert_eq!(scanned["lines"], 38);
    assert_eq!(scanned["bytes"], contents.len() as u64);
    assert_eq!(scanned["long_lines"], 0);
    assert_eq!(scanned["skipped"], serde_json::json!([]));
}

/// Asserts the shape of one `first` or `last` location.
fn assert_location(location: &Value, label: &str) {
    assert!(location["path"].is_string(), "{label}.path: {location}");
    assert!(location["line"].as_u64().is_some_and(|l| l >= 1), "{label}.line: {location}");
    let time = location.get("time").unwrap_or_else(|| panic!("{label} has no time key"));
    assert!(time.is_string() || time.is_null(), "{label}.time: {location}");
}

#[test]
fn json_code_entries_complete() {
    let (code, report) = json_report(&["--lang", "en", "fixtures"]);
    let codes = report["codes"].as_array().expect("codes is an array");

    assert_eq!(code, 1);
    assert!(!codes.is_empty());
    let mut zoned_times = 0;
    for group in codes {
        let label = format!("{} {}", group["source"], group["code"]);
        assert!(group["source"].is_string(), "{label}: source");
        assert!(group["code"].is_string(), "{label}: code is a string");
        let category = group["category"].as_str().unwrap_or_default();
        assert!(CATEGORIES.contains(&category), "{label}: category {category:?}");
        assert!(group["meaning"].as_str().is_some_and(|m| !m.is_empty()), "{label}: meaning");
        let events = group["events"].as_u64().unwrap_or(0);
        assert!(events >= 1, "{label}: events");
        let reasons = group["reasons"].as_array().expect("reasons is an array");
        assert!(!reasons.is_empty(), "{label}: reasons");
        let reason_events: u64 = reasons.iter().map(|r| r["events"].as_u64().unwrap()).sum();
        assert_eq!(reason_events, events, "{label}: reason events add up to the code's");
        for reason in reasons {
            assert!(reason["reason"].is_string(), "{label}: reason.reason");
            let cause = &reason["cause"];
            assert!(cause.is_string() || cause.is_null(), "{label}: reason.cause");
            assert!(reason["events"].as_u64().is_some_and(|n| n >= 1), "{label}: reason.events");
            assert_location(&reason["first"], &format!("{label} first"));
            assert_location(&reason["last"], &format!("{label} last"));
            if reason["first"]["time"].is_string() {
                zoned_times += 1;
            }
        }
    }
    // Many lines of the made-up fixtures carry a UTC offset, so some
    // `first.time` values must be set.
    assert!(zoned_times > 0, "no reason has a first time with an offset");
}

#[test]
fn json_location_has_time() {
    let (code, report) = json_report(&["fixtures/encodings/utf8.log"]);

    // Line 3: "Mon Mar 04 2024 09:12:44 GMT+0800 (中国标准时间)[ERROR]: client
    // join channel failed: {"code":903,"reason":"time out"}"
    let first = &code_group(&report, "agora", "903")["reasons"][0]["first"];
    assert_eq!(code, 1);
    assert_eq!(first["path"], "fixtures/encodings/utf8.log");
    assert_eq!(first["line"], 3);
    assert_eq!(first["time"], "2024-03-04T09:12:44+08:00");
}

// Terminal safety

/// A reason with an SGR colour sequence, OSC 8 hyperlinks ended by ST and
/// by BEL, a carriage return, a C1 CSI, a bidi override and an isolate.
const HOSTILE_REASON: &str = "socket \x1b[31mred\x1b[0m \
    \x1b]8;;https://example.com/\x1b\\link\x1b]8;;\x1b\\ \
    \x1b]8;;https://example.org/\x07bell\x1b]8;;\x07 \
    over\rwrite \u{9b}2J \u{202E}txt.exe \u{2066}iso";

fn assert_no_raw_controls(text: &str, label: &str) {
    assert!(!text.contains('\x1b'), "{label} has a raw ESC:\n{text:?}");
    assert!(!text.contains('\x07'), "{label} has a raw BEL:\n{text:?}");
    assert!(!text.contains('\r'), "{label} has a raw carriage return:\n{text:?}");
    assert!(!text.contains('\u{9b}'), "{label} has a raw C1 CSI:\n{text:?}");
    assert!(!text.contains('\u{202E}'), "{label} has a raw bidi override:\n{text:?}");
    assert!(!text.contains('\u{2066}'), "{label} has a raw bidi isolate:\n{text:?}");
}

#[test]
fn text_escapes_hostile_reason() {
    let dir = open_temp_dir();
    let log = write_file(dir.path(), "app.log", format!("error: 904, reason: {HOSTILE_REASON}\n"));

    let output = triage().args(["--color", "never", "--lang", "en"]).arg(&log).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 1);
    assert_no_raw_controls(&text, "text report");
    assert!(text.contains("socket \\e[<n>mred\\e[<n>m"), "text report:\n{text}");
    assert!(text.contains("over\\rwrite"), "text report:\n{text}");
    assert!(text.contains("\\u{202e}txt.exe"), "text report:\n{text}");
}

#[test]
fn json_keeps_hostile_reason() {
    let dir = open_temp_dir();
    let log = write_file(dir.path(), "app.log", format!("error: 904, reason: {HOSTILE_REASON}\n"));

    let output = triage().args(["--format", "json"]).arg(&log).output().unwrap();
    let report = parse_json(&output);

    // JSON escapes control characters itself and keeps the text exact.
    assert_eq!(status(&output), 1);
    assert_eq!(code_group(&report, "agora", "904")["reasons"][0]["example"], HOSTILE_REASON);
}

#[test]
fn text_escapes_hostile_path() {
    let dir = open_temp_dir();
    let log = write_file(dir.path(), "a\x1b[2Jb\u{202E}.log", "error: 904, reason: ok\n");
    let missing = dir.path().join("gone\x1b]0;title\x07.log");

    let output = triage()
        .args(["--color", "never", "--lang", "en"])
        .arg(&log)
        .arg(&missing)
        .output()
        .unwrap();
    let text = stdout_text(&output);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();

    assert_eq!(status(&output), 2);
    assert_no_raw_controls(&text, "text report");
    assert_no_raw_controls(&stderr, "stderr");
    assert!(text.contains("a\\e[2Jb\\u{202e}.log:1"), "text report:\n{text}");
    assert_eq!(stderr_lines(&output).len(), 1, "stderr:\n{stderr}");
    assert!(stderr.contains("gone\\e]0;title\\u{7}.log: no such file"), "stderr:\n{stderr}");
}
