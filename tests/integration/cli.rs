//! Command-line behaviour: standard input, --explain, --print-catalog,
//! language, colour, a closed stdout and deterministic output.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::{json, Value};

use crate::util::{
    code_group, json_report, open_temp_dir, parse_json, root, run_in_terminal, status,
    stderr_lines, stdout_text, triage, triage_process, write_file,
};

const LINE_904: &str = "error: 904, reason: websocket disconnected\n";
const LINE_905: &str = "error: 905, reason: connect websocket failed\n";

/// A fixture with 4 events and 1 finding, among them agora 904 twice
/// (tests/expected/encodings/utf8.log.counts).
const UTF8_LOG: &str = "fixtures/encodings/utf8.log";

// Standard input

#[test]
fn stdin_dash_reads_input() {
    let output = triage()
        .args(["--format", "json", "-"])
        .write_stdin(format!("{LINE_904}{LINE_905}"))
        .output()
        .unwrap();
    let report = parse_json(&output);

    let group = code_group(&report, "agora", "904");
    assert_eq!(status(&output), 1);
    assert_eq!(report["total_events"], 2);
    assert_eq!(report["scanned"]["files"], 1);
    assert_eq!(report["scanned"]["lines"], 2);
    assert_eq!(group["reasons"][0]["first"]["path"], "<stdin>");
    assert_eq!(group["reasons"][0]["first"]["line"], 1);
}

#[test]
fn stdin_without_paths_reads_input() {
    let output = triage()
        .args(["--format", "json"])
        .write_stdin(format!("{LINE_905}{LINE_904}"))
        .output()
        .unwrap();
    let report = parse_json(&output);

    let group = code_group(&report, "agora", "904");
    assert_eq!(status(&output), 1);
    assert_eq!(report["total_events"], 2);
    assert_eq!(group["reasons"][0]["first"]["path"], "<stdin>");
    assert_eq!(group["reasons"][0]["first"]["line"], 2);
    assert_eq!(stderr_lines(&output), Vec::<String>::new());
}

#[test]
fn stdin_empty_has_no_events() {
    let output = triage().args(["--format", "json"]).write_stdin("").output().unwrap();
    let report = parse_json(&output);

    assert_eq!(status(&output), 0);
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["total_events"], 0);
    assert_eq!(report["total_findings"], 0);
    assert_eq!(report["scanned"]["lines"], 0);
    assert_eq!(report["scanned"]["bytes"], 0);
}

#[test]
fn stdin_dash_beside_file() {
    let output =
        triage().args(["--format", "json", UTF8_LOG, "-"]).write_stdin(LINE_905).output().unwrap();
    let report = parse_json(&output);

    let group_905 = code_group(&report, "agora", "905");
    let group_904 = code_group(&report, "agora", "904");
    assert_eq!(status(&output), 1);
    assert_eq!(report["scanned"]["files"], 2);
    assert_eq!(report["total_events"], 5);
    assert_eq!(group_905["events"], 1);
    assert_eq!(group_905["reasons"][0]["first"]["path"], "<stdin>");
    assert_eq!(group_904["events"], 2);
    assert_eq!(group_904["reasons"][0]["first"]["path"], UTF8_LOG);
}

// --explain

#[test]
fn explain_agora_code() {
    let output = triage().args(["--lang", "en", "--explain", "904"]).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 0);
    assert!(text.starts_with("agora 904: WebSocket disconnected\n"), "output:\n{text}");
    assert!(
        text.contains("\nCategory: Recreate the client and rejoin (rejoin)\n"),
        "output:\n{text}"
    );
    assert!(
        text.contains("Remedy: Destroy the client and leave, create a new client and call rejoin."),
        "output:\n{text}"
    );
    assert!(output.stderr.is_empty());
}

#[test]
fn explain_source_and_code() {
    let output =
        triage().args(["--lang", "en", "--explain", "live-pusher:-1307"]).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 0);
    assert!(
        text.starts_with("live-pusher -1307: Disconnected and reconnecting gave up\n"),
        "output:\n{text}"
    );
    assert!(text.contains("(media)"), "output:\n{text}");
}

#[test]
fn explain_wx_api() {
    let output = triage().args(["--lang", "en", "--explain", "request"]).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 0);
    assert!(text.starts_with("wx request: wx.request failed\n"), "output:\n{text}");
    assert!(text.contains("(network)"), "output:\n{text}");
}

#[test]
fn explain_in_chinese() {
    let output = triage().args(["--lang", "zh", "--explain", "904"]).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 0);
    assert!(text.starts_with("agora 904: websocket 断开\n"), "output:\n{text}");
}

#[test]
fn explain_negative_code_alone() {
    // The help text gives -1307 as an example CODE for --explain.
    let output = triage().args(["--lang", "en", "--explain", "-1307"]).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 0);
    assert!(
        text.starts_with("live-pusher -1307: Disconnected and reconnecting gave up\n"),
        "output:\n{text}"
    );
}

#[test]
fn explain_unknown_code_fails() {
    let output = triage().args(["--explain", "12345"]).output().unwrap();

    assert_eq!(status(&output), 2);
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr_lines(&output),
        ["miniapp-triage: code `12345` is not in the catalog; \
             run --print-catalog to list the known codes"]
    );
}

// --print-catalog

#[test]
fn print_catalog_equals_source() {
    let output = triage().arg("--print-catalog").output().unwrap();
    let source = std::fs::read(root().join("src/catalog.toml")).unwrap();

    assert_eq!(status(&output), 0);
    assert!(output.stdout == source, "--print-catalog differs from src/catalog.toml");
}

#[test]
fn print_catalog_round_trips() {
    let dir = open_temp_dir();
    let printed = triage().arg("--print-catalog").output().unwrap();
    let catalog = write_file(dir.path(), "catalog.toml", &printed.stdout);

    let builtin = triage().args(["--format", "json", "--lang", "en", "fixtures"]).output().unwrap();
    let loaded = triage()
        .args(["--format", "json", "--lang", "en", "--catalog"])
        .arg(&catalog)
        .arg("fixtures")
        .output()
        .unwrap();

    assert_eq!(status(&printed), 0);
    assert_eq!(status(&builtin), 1);
    assert_eq!(status(&loaded), 1);
    assert_eq!(stdout_text(&loaded), stdout_text(&builtin));
}

// Language

#[test]
fn lang_flag_zh() {
    let output =
        triage().args(["--lang", "zh", "--color", "never"]).arg(UTF8_LOG).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 1);
    assert_eq!(text.lines().next(), Some("分诊报告: 4次, 1项发现"));
    assert!(text.contains("\n已扫描 1个文件, 8行, "), "output:\n{text}");
}

#[test]
fn lang_flag_zh_json() {
    let (code, report) = json_report(&["--lang", "zh", UTF8_LOG]);

    assert_eq!(code, 1);
    assert_eq!(report["lang"], "zh");
    assert_eq!(code_group(&report, "agora", "904")["meaning"], "websocket 断开");
}

#[test]
fn lang_from_lang_variable() {
    let output =
        triage().env("LANG", "zh_CN.UTF-8").args(["--color", "never", UTF8_LOG]).output().unwrap();

    assert_eq!(status(&output), 1);
    assert_eq!(stdout_text(&output).lines().next(), Some("分诊报告: 4次, 1项发现"));
}

#[test]
fn lang_lc_all_overrides_lang() {
    let output = triage()
        .env("LANG", "zh_CN.UTF-8")
        .env("LC_ALL", "en_US.UTF-8")
        .args(["--color", "never", UTF8_LOG])
        .output()
        .unwrap();

    assert_eq!(status(&output), 1);
    assert_eq!(stdout_text(&output).lines().next(), Some("Triage report: 4 events, 1 finding"));
}

#[test]
fn lang_flag_overrides_environment() {
    let output = triage()
        .env("LC_ALL", "zh_CN.UTF-8")
        .args(["--lang", "en", "--color", "never", UTF8_LOG])
        .output()
        .unwrap();

    assert_eq!(status(&output), 1);
    assert_eq!(stdout_text(&output).lines().next(), Some("Triage report: 4 events, 1 finding"));
}

// Colour

#[test]
fn color_always_has_escapes() {
    let output = triage().args(["--color", "always", UTF8_LOG]).output().unwrap();

    assert_eq!(status(&output), 1);
    assert!(stdout_text(&output).contains("\x1b["));
}

#[test]
fn color_always_beats_no_color() {
    let output =
        triage().env("NO_COLOR", "1").args(["--color", "always", UTF8_LOG]).output().unwrap();

    assert_eq!(status(&output), 1);
    assert!(stdout_text(&output).contains("\x1b["));
}

#[test]
fn color_never_has_none() {
    let output = triage().args(["--color", "never", UTF8_LOG]).output().unwrap();

    assert_eq!(status(&output), 1);
    assert!(!stdout_text(&output).contains('\x1b'));
}

#[test]
fn color_default_on_pipe_has_none() {
    let output = triage().arg(UTF8_LOG).output().unwrap();

    assert_eq!(status(&output), 1);
    assert!(!stdout_text(&output).contains('\x1b'));
}

#[test]
fn color_auto_on_terminal_has_escapes() {
    // Without this case the NO_COLOR and TERM=dumb cases below would pass
    // for any tool that never colours.
    let (code, shown) = run_in_terminal(&["--color", "auto", UTF8_LOG], &[]);

    assert_eq!(code, 1);
    assert!(shown.contains("Triage report"), "terminal showed:\n{shown}");
    assert!(shown.contains("\x1b[1m"), "terminal showed:\n{shown}");
}

#[test]
fn color_auto_no_color_on_terminal() {
    let (code, shown) = run_in_terminal(&["--color", "auto", UTF8_LOG], &[("NO_COLOR", "1")]);

    assert_eq!(code, 1);
    assert!(shown.contains("Triage report"), "terminal showed:\n{shown}");
    assert!(!shown.contains('\x1b'), "terminal showed:\n{shown}");
}

#[test]
fn color_auto_dumb_terminal() {
    let (code, shown) = run_in_terminal(&["--color", "auto", UTF8_LOG], &[("TERM", "dumb")]);

    assert_eq!(code, 1);
    assert!(shown.contains("Triage report"), "terminal showed:\n{shown}");
    assert!(!shown.contains('\x1b'), "terminal showed:\n{shown}");
}

// Closed stdout

#[test]
fn closed_stdout_exits_quietly() {
    // 3,000 codes the catalog does not list make a text report of about
    // 290 KB, far more than a 64 KiB pipe buffer, so the binary is still
    // writing when the reader goes away.
    let dir = open_temp_dir();
    let log: String =
        (1000..4000).map(|code| format!("error: {code}, reason: unlisted failure\n")).collect();
    let many = write_file(dir.path(), "many.log", log);

    let mut child = triage_process()
        .args(["--color", "never", "--lang", "en", "fixtures"])
        .arg(&many)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    reader.read_line(&mut first_line).unwrap();
    drop(reader);
    let output = child.wait_with_output().unwrap();

    // fixtures/ contains 150 events and 33 findings. The exit status is
    // still the policy's verdict (the events fail `any`), not an error.
    assert_eq!(first_line, "Triage report: 3,150 events, 33 findings\n");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

// Determinism

#[test]
fn threads_give_identical_json() {
    let run = |threads: &str| {
        let output = triage()
            .args(["--format", "json", "--lang", "en", "-j", threads, "fixtures"])
            .output()
            .unwrap();
        assert_eq!(status(&output), 1, "exit status with -j {threads}");
        output.stdout
    };
    let single_thread = run("1");
    let two_threads = run("2");
    let two_threads_again = run("2");

    assert!(single_thread == two_threads, "-j 1 and -j 2 give different JSON");
    assert!(two_threads == two_threads_again, "two runs with -j 2 give different JSON");
}

/// Returns the JSON report on `path` with `args`, as written, from a run
/// that found events.
fn json_bytes(path: &std::path::Path, args: &[&str]) -> Vec<u8> {
    let output =
        triage().args(["--format", "json", "--lang", "en"]).args(args).arg(path).output().unwrap();
    assert_eq!(status(&output), 1, "exit status with {args:?}");
    output.stdout
}

#[test]
fn mapped_file_gives_read_json() {
    // Larger than the window of segments scanned at once (16 MiB):
    // the fixture logs repeated, so that segment ends fall inside
    // multi-line records and DevTools expanded objects.
    let dir = open_temp_dir();
    let mut text = Vec::new();
    let mut copies = 0;
    while text.len() < 17 << 20 {
        for name in [
            "devtools-expanded.log",
            "realtime-log-pretty.json",
            "sdk-2.5-onlog.log",
            "sdk-2.6-devtools.log",
            "server-java.log",
            "server-node.log",
            "wechat-signals.log",
        ] {
            text.extend(std::fs::read(root().join("fixtures").join(name)).unwrap());
            text.push(b'\n');
        }
        copies += 1;
    }
    let path = write_file(dir.path(), "large.log", &text);
    let read = json_bytes(&path, &["--no-mmap", "-j", "1"]);
    let mapped_one_thread = json_bytes(&path, &["-j", "1"]);
    let mapped_two_threads = json_bytes(&path, &["-j", "2"]);

    assert!(read == mapped_one_thread, "-j 1 gives other JSON mapped than read");
    assert!(read == mapped_two_threads, "-j 2 gives other JSON mapped than read");
    let report: Value = serde_json::from_slice(&read).unwrap();
    let lines = text.iter().filter(|&&b| b == b'\n').count() as u64;
    assert_eq!(report["scanned"]["lines"], lines);
    assert_eq!(report["scanned"]["bytes"], text.len() as u64);
    assert!(copies > 1);
}

#[test]
fn mixed_directory_gives_read_json() {
    // Files below and above the size from which files are memory-mapped
    // (256 KiB), scanned at once on two threads.
    let dir = open_temp_dir();
    let fixture = std::fs::read(root().join("fixtures").join("sdk-2.6-devtools.log")).unwrap();
    for (name, size) in [("a.log", 100 << 10), ("b.log", 300 << 10), ("c.log", 5 << 20)] {
        let mut text = Vec::new();
        while text.len() < size {
            text.extend(&fixture);
        }
        write_file(dir.path(), name, &text);
    }
    let read = json_bytes(dir.path(), &["--no-mmap", "-j", "1"]);
    let mapped = json_bytes(dir.path(), &["-j", "2"]);

    assert!(read == mapped, "-j 2 gives other JSON with mapped files than read");
    let report: Value = serde_json::from_slice(&read).unwrap();
    assert_eq!(report["scanned"]["files"], 3);
}
