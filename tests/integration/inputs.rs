//! Reading inputs: missing, unreadable, damaged, binary and empty files, and
//! the order of the directory walk.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::json;

use crate::util::{
    code_group, json_report, open_temp_dir, parse_json, root, status, stderr_lines, stdout_text,
    triage, triage_as_nobody, write_file,
};

const LINE_904: &str = "error: 904, reason: websocket disconnected\n";
const LINE_905: &str = "error: 905, reason: connect websocket failed\n";

const NOT_FOUND: &str = "no such file or directory; check the path";
const PERMISSION_DENIED: &str = "permission denied; check the file's read permission";

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Decompresses as much of `gz` as flate2 can before it reports the damage
/// and counts the whole lines in that output.
fn lines_before_damage(gz: &[u8]) -> u64 {
    let mut decoder = GzDecoder::new(gz);
    let mut output = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match decoder.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => output.extend_from_slice(&buffer[..n]),
        }
    }
    output.iter().filter(|&&b| b == b'\n').count() as u64
}

/// `count` lines with agora 904, each with a different socket id so that
/// the text does not compress to almost nothing.
fn numbered_904_log(count: u32) -> String {
    let mut log = String::new();
    for i in 0..count {
        let id = i.wrapping_mul(2_654_435_761);
        log.push_str(&format!("error: 904, reason: websocket disconnected on socket {id:08x}\n"));
    }
    log
}

#[test]
fn missing_path_beside_good_file() {
    let output = triage()
        .args(["--format", "json", "fixtures/app-lines.log", "fixtures/no-such.log"])
        .output()
        .unwrap();
    let report = parse_json(&output);

    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [format!("miniapp-triage: fixtures/no-such.log: {NOT_FOUND}")]
    );
    assert_eq!(report["errors"], json!([{ "path": "fixtures/no-such.log", "error": NOT_FOUND }]));
    // tests/expected/app-lines.log.counts: 9 events in 7 codes, 5 findings.
    assert_eq!(report["scanned"]["files"], 1);
    assert_eq!(report["total_events"], 9);
    assert_eq!(report["total_findings"], 5);
    assert_eq!(code_group(&report, "agora", "904")["events"], 2);
}

#[test]
fn unreadable_file_as_nobody() {
    let dir = open_temp_dir();
    let good = write_file(dir.path(), "good.log", format!("{LINE_904}{LINE_905}"));
    let locked = write_file(dir.path(), "locked.log", LINE_904);
    set_mode(&locked, 0o000);

    let output = triage_as_nobody()
        .args(["--format", "json", path_str(&good), path_str(&locked)])
        .output()
        .expect("setpriv runs");
    let report = parse_json(&output);

    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [format!("miniapp-triage: {}: {PERMISSION_DENIED}", locked.display())]
    );
    assert_eq!(
        report["errors"],
        json!([{ "path": path_str(&locked), "error": PERMISSION_DENIED }])
    );
    assert_eq!(report["scanned"]["files"], 1);
    assert_eq!(report["total_events"], 2);
}

#[test]
fn unreadable_dir_in_tree_as_nobody() {
    let dir = open_temp_dir();
    let tree = dir.path().join("tree");
    write_file(&tree, "a.log", LINE_904);
    write_file(&tree, "locked/inner.log", LINE_905);
    write_file(&tree, "z.log", LINE_904);
    let locked = tree.join("locked");
    set_mode(&locked, 0o000);

    let output = triage_as_nobody()
        .args(["--format", "json", path_str(&tree)])
        .output()
        .expect("setpriv runs");
    // Restore the mode first, so the directory can be removed even when the
    // tests do not run as root.
    set_mode(&locked, 0o755);
    let report = parse_json(&output);

    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [format!("miniapp-triage: {}: {PERMISSION_DENIED}", locked.display())]
    );
    assert_eq!(
        report["errors"],
        json!([{ "path": path_str(&locked), "error": PERMISSION_DENIED }])
    );
    assert_eq!(report["scanned"]["files"], 2);
    assert_eq!(report["total_events"], 2);
    assert_eq!(code_group(&report, "agora", "904")["events"], 2);
}

#[test]
fn gzip_truncated_counts_lines_before_cut() {
    let dir = open_temp_dir();
    let gz = gzip(numbered_904_log(4000).as_bytes());
    let cut = &gz[..gz.len() / 2];
    let path = write_file(dir.path(), "app.log.gz", cut);

    let (code, report) = json_report(&[path_str(&path)]);

    // The 4,000 lines (248,000 bytes) compress to about 24 KB. Cut in half,
    // the data still decodes to 1,983 whole lines, as flate2 decoding the
    // same bytes confirms. The cut lies past the first 64 KiB of text, which
    // the tool reads in one piece to detect the encoding.
    // gzip_truncated_small_file covers a cut inside that piece.
    let expected = lines_before_damage(cut);
    assert_eq!(expected, 1983);
    assert_eq!(code, 2);
    assert_eq!(report["errors"][0]["path"], path_str(&path));
    assert_eq!(
        report["errors"][0]["error"],
        "corrupt or truncated data (incomplete deflate stream); events read before the error was detected are counted"
    );
    assert_eq!(report["errors"].as_array().unwrap().len(), 1);
    assert_eq!(report["scanned"]["files"], 1);
    assert_eq!(report["scanned"]["bytes"], cut.len() as u64);
    assert_eq!(report["scanned"]["lines"], expected);
    assert_eq!(report["total_events"], expected);
}

#[test]
fn gzip_truncated_small_file() {
    let dir = open_temp_dir();
    let gz = gzip(format!("{LINE_904}{LINE_905}").as_bytes());
    // Drop the 8-byte trailer and the last 4 bytes of deflate data: the
    // first line still decodes.
    let cut = &gz[..gz.len() - 12];
    let path = write_file(dir.path(), "app.log.gz", cut);
    let expected = lines_before_damage(cut);
    assert!(expected >= 1, "the cut must leave a whole line to count");

    let (code, report) = json_report(&[path_str(&path)]);

    assert_eq!(code, 2);
    assert_eq!(report["errors"][0]["path"], path_str(&path));
    assert_eq!(report["scanned"]["files"], 1);
    assert_eq!(report["scanned"]["lines"], expected);
    assert_eq!(report["total_events"], expected);
}

#[test]
fn gzip_corrupt_listed_in_errors() {
    let dir = open_temp_dir();
    let mut gz = gzip(numbered_904_log(4000).as_bytes());
    let middle = gz.len() / 2;
    for byte in &mut gz[middle..middle + 16] {
        *byte ^= 0xff;
    }
    let path = write_file(dir.path(), "app.log.gz", &gz);

    let (code, report) = json_report(&[path_str(&path)]);

    // The flipped bytes do not stop the deflate decoder: it garbles the
    // text from line 1,985 on, merges some lines (3,961 remain), and only
    // the CRC-32 check at the end of the stream fails. The tool counts the
    // same lines as flate2 and an event for each that still reads
    // `error: 904, reason:`, which 3,959 do.
    let expected = lines_before_damage(&gz);
    assert_eq!(expected, 3961);
    assert_eq!(code, 2);
    assert_eq!(report["errors"].as_array().unwrap().len(), 1);
    assert_eq!(report["errors"][0]["path"], path_str(&path));
    let error = report["errors"][0]["error"].as_str().unwrap();
    assert!(error.starts_with("corrupt or truncated data ("), "error: {error}");
    assert_eq!(report["scanned"]["lines"], expected);
    assert_eq!(report["total_events"], 3959);
}

#[test]
fn binary_file_in_dir_skipped() {
    let dir = open_temp_dir();
    write_file(dir.path(), "app.log", format!("{LINE_904}{LINE_905}"));
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa";
    write_file(dir.path(), "icon.png", png);
    let sqlite = b"SQLite format 3\0\x10\0\x01\x01\0\x40\x20\x20\0\0\0\x02\0\0\0\x01";
    write_file(dir.path(), "state.db", sqlite);

    let (code, report) = json_report(&[path_str(dir.path())]);

    let binary = "binary file (NUL bytes, not UTF-16); pass --binary to scan it as text";
    let icon = dir.path().join("icon.png");
    let state = dir.path().join("state.db");
    assert_eq!(code, 1);
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["total_events"], 2);
    // Skipped files still count as scanned files.
    assert_eq!(report["scanned"]["files"], 3);
    assert_eq!(report["scanned"]["lines"], 2);
    assert_eq!(
        report["scanned"]["skipped"],
        json!([
            { "path": path_str(&icon), "reason": binary },
            { "path": path_str(&state), "reason": binary },
        ])
    );
}

#[test]
fn empty_file_and_dev_null() {
    let dir = open_temp_dir();
    let empty = write_file(dir.path(), "empty.log", "");

    let (code, report) = json_report(&[path_str(&empty), "/dev/null"]);

    assert_eq!(code, 0);
    assert_eq!(report["errors"], json!([]));
    assert_eq!(report["scanned"]["files"], 2);
    assert_eq!(report["scanned"]["lines"], 0);
    assert_eq!(report["scanned"]["bytes"], 0);
    assert_eq!(report["total_events"], 0);
    assert_eq!(report["total_findings"], 0);
    assert_eq!(report["codes"], json!([]));
}

#[test]
fn empty_file_text_says_nothing_found() {
    let output = triage().args(["--color", "never", "/dev/null"]).output().unwrap();
    let text = stdout_text(&output);

    assert_eq!(status(&output), 0);
    assert!(text.contains("\nNo error codes or findings in the input.\n"), "text:\n{text}");
}

#[test]
fn walk_order_sets_first_location() {
    let dir = open_temp_dir();
    // Written in reverse name order, so that creation order and name order
    // differ. The lines carry no times, so first and last follow input order.
    let late = write_file(dir.path(), "b.log", format!("{LINE_905}{LINE_904}"));
    let early = write_file(dir.path(), "a.log", LINE_904);

    let (code, report) = json_report(&["-j", "2", path_str(dir.path())]);

    let reason = &code_group(&report, "agora", "904")["reasons"][0];
    assert_eq!(code, 1);
    assert_eq!(reason["events"], 2);
    assert_eq!(reason["first"], json!({ "path": path_str(&early), "line": 1, "time": null }));
    assert_eq!(reason["last"], json!({ "path": path_str(&late), "line": 2, "time": null }));
}

#[test]
fn binary_flag_scans_nul_files() {
    let dir = open_temp_dir();
    let mut bytes = b"\0\0\x01header\0".to_vec();
    bytes.extend_from_slice(LINE_904.as_bytes());
    bytes.extend_from_slice(b"\0trailer\n");
    let path = write_file(dir.path(), "dump.bin", bytes);

    let (_, skipped) = json_report(&[path_str(&path)]);
    assert_eq!(skipped["total_events"], 0);
    assert_eq!(skipped["scanned"]["skipped"].as_array().unwrap().len(), 1);

    let (code, scanned) = json_report(&["--binary", path_str(&path)]);
    assert_eq!(code, 1);
    assert_eq!(scanned["total_events"], 1);
    assert_eq!(scanned["scanned"]["skipped"], json!([]));
    assert_eq!(code_group(&scanned, "agora", "904")["events"], 1);
}

/// Peak resident memory of a running process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM line");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn gigabyte_line_keeps_memory_bounded() {
    use std::io::Write;
    use std::process::Stdio;

    let mut child = crate::util::triage_process()
        .args(["--format", "json", "--fail-on", "never", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"error: 904, reason: websocket disconnected ").unwrap();
    let block = vec![b'x'; 1 << 20];
    for _ in 0..1024 {
        stdin.write_all(&block).unwrap();
    }
    stdin.write_all(b"\nerror: 905, reason: connect websocket failed\n").unwrap();
    stdin.flush().unwrap();
    // The binary is still waiting for the end of its input here.
    let peak = peak_rss_kib(child.id());
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let report = parse_json(&output);

    assert_eq!(status(&output), 0);
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
    assert_eq!(report["scanned"]["lines"], 2);
    assert_eq!(report["scanned"]["long_lines"], 1);
    assert_eq!(report["total_events"], 2);
    assert_eq!(code_group(&report, "agora", "904")["events"], 1);
    assert_eq!(code_group(&report, "agora", "905")["events"], 1);
}

#[test]
fn fifo_in_tree_is_skipped_not_read() {
    let dir = open_temp_dir();
    write_file(dir.path(), "app.log", LINE_904);
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());

    // Without a writer, opening the FIFO would block for ever.
    let output = triage()
        .args(["--format", "json"])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let report = parse_json(&output);

    assert_eq!(status(&output), 1);
    assert_eq!(report["total_events"], 1);
    assert_eq!(
        report["scanned"]["skipped"],
        json!([{
            "path": path_str(&fifo),
            "reason": "not a regular file (FIFO, socket or device); name it as a PATH to read it"
        }])
    );
}

#[test]
fn invalid_utf8_in_reason_is_replaced() {
    let dir = open_temp_dir();
    let path = write_file(
        dir.path(),
        "mixed.log",
        b"{\"code\":431,\"reason\":\"invalid \xff\xfe uid\"}\n",
    );

    let (code, report) = json_report(&[path_str(&path)]);

    assert_eq!(code, 1);
    let reason = &code_group(&report, "agora", "431")["reasons"][0];
    assert_eq!(reason["example"], "invalid \u{FFFD}\u{FFFD} uid");
}

#[test]
fn utf16_without_bom_is_detected() {
    let dir = open_temp_dir();
    let text = "客户端 error: 904, reason: websocket disconnected\r\n{\"code\":905,\"reason\":\"connect websocket failed\"}\r\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let le_path = write_file(dir.path(), "le.log", le);
    let be_path = write_file(dir.path(), "be.log", be);

    for path in [le_path, be_path] {
        let (code, report) = json_report(&[path_str(&path)]);
        assert_eq!(code, 1, "exit status for {}", path.display());
        assert_eq!(report["total_events"], 2, "events in {}", path.display());
        assert_eq!(report["scanned"]["skipped"], json!([]));
    }
}

#[test]
fn links_that_lead_nowhere_are_skipped_in_a_tree() {
    let dir = open_temp_dir();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write_file(&logs, "app.log", LINE_904);
    std::os::unix::fs::symlink(".", logs.join("back")).unwrap();
    std::os::unix::fs::symlink("missing", logs.join("broken")).unwrap();
    std::os::unix::fs::symlink("itself", logs.join("itself")).unwrap();

    let output = triage()
        .args(["--format", "json"])
        .arg(&logs)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let report = parse_json(&output);

    assert_eq!(status(&output), 1);
    assert_eq!(report["total_events"], 1);
    assert_eq!(report["errors"], json!([]));
    let broken = "broken symbolic link: its target does not exist; fix or remove the link";
    let itself = "symbolic link loop: following the link leads back to it; fix or remove the link";
    let back = format!(
        "symbolic link back to {}, a directory already being walked; not followed",
        logs.display()
    );
    assert_eq!(
        report["scanned"]["skipped"],
        json!([
            { "path": path_str(&logs.join("back")), "reason": back },
            { "path": path_str(&logs.join("broken")), "reason": broken },
            { "path": path_str(&logs.join("itself")), "reason": itself },
        ])
    );
}

#[test]
fn named_links_that_lead_nowhere_are_errors() {
    let dir = open_temp_dir();
    std::os::unix::fs::symlink("missing", dir.path().join("broken")).unwrap();
    std::os::unix::fs::symlink("itself", dir.path().join("itself")).unwrap();
    let broken = dir.path().join("broken");
    let itself = dir.path().join("itself");

    let output = triage().args(["--format", "json"]).arg(&broken).arg(&itself).output().unwrap();

    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [
            format!(
                "miniapp-triage: {}: broken symbolic link: its target does not exist; fix or \
                 remove the link",
                broken.display()
            ),
            format!(
                "miniapp-triage: {}: symbolic link loop: following the link leads back to it; \
                 fix or remove the link",
                itself.display()
            ),
        ]
    );
}

#[test]
fn other_compression_is_an_input_error() {
    let dir = open_temp_dir();
    let path = write_file(dir.path(), "app.log.bz2", b"BZh91AY&SY\x12\x34\x56\x78");

    let (code, report) = json_report(&[path_str(&path)]);

    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        json!([{ "path": path_str(&path), "error": "bzip2-compressed file; decompress it first" }])
    );
}

#[test]
fn gzip_of_gzip_is_read() {
    let dir = open_temp_dir();
    let twice = gzip(&gzip(format!("{LINE_904}{LINE_905}").as_bytes()));
    let path = write_file(dir.path(), "app.log.gz.gz", twice);

    let (code, report) = json_report(&[path_str(&path)]);

    assert_eq!(code, 1);
    assert_eq!(report["total_events"], 2);
}

#[test]
fn nul_block_before_log_is_still_read() {
    let dir = open_temp_dir();
    let mut bytes = vec![0u8; 4096];
    bytes.extend_from_slice(LINE_905.repeat(10).as_bytes());
    let path = write_file(dir.path(), "truncated-copy.log", bytes);

    let (code, report) = json_report(&[path_str(&path)]);

    assert_eq!(code, 1);
    assert_eq!(report["total_events"], 10);
    assert_eq!(report["scanned"]["skipped"], json!([]));
}

#[test]
fn gb18030_undecoded_matches_transcoded() {
    // GB18030 text is searched undecoded, in memory-mapped segments for a
    // file of 256 KiB or more. A catalog with a finding pattern that has no
    // literal text to search for makes the scan transcode the file first.
    let dir = open_temp_dir();
    let mut text = String::new();
    while text.len() < 17 << 20 {
        for name in ["sdk-2.6-devtools.log", "devtools-expanded.log", "realtime-log-pretty.json"] {
            text.push_str(&std::fs::read_to_string(root().join("fixtures").join(name)).unwrap());
            text.push('\n');
        }
        text.push_str("2024-03-04 10:00:01 加入频道失败 code：905 reason：连接失败\n");
    }
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    let utf8 = write_file(dir.path(), "utf8.log", &text);
    let path = write_file(dir.path(), "gb18030.log", &gb18030);
    let catalog = write_file(
        dir.path(),
        "catalog.toml",
        "version = 1\n[[finding]]\nid = \"never\"\ncategory = \"usage\"\npattern = 'q{9}z'\n\
         meaning = { en = \"m\", zh = \"m\" }\nfix = { en = \"f\", zh = \"f\" }\n",
    );

    let (_, mapped) = json_report(&["-j", "2", path_str(&path)]);
    let (_, read) = json_report(&["-j", "1", "--no-mmap", path_str(&path)]);
    let (_, transcoded) = json_report(&["--catalog", path_str(&catalog), path_str(&path)]);
    let (_, original) = json_report(&[path_str(&utf8)]);

    assert!(mapped == read, "mapped and read reports differ");
    assert!(mapped == transcoded, "undecoded and transcoded reports differ");
    assert_eq!(mapped["total_events"], original["total_events"]);
    let same_path =
        |report: &serde_json::Value| report["codes"].to_string().replace("utf8.log", "gb18030.log");
    assert!(same_path(&mapped) == same_path(&original), "GB18030 and UTF-8 groups differ");
    let reasons = &code_group(&mapped, "agora", "905")["reasons"];
    assert_eq!(reasons[1]["example"], "连接失败");
}

/// A log truncated during a scan, as copytruncate rotation does it.
struct Truncated {
    output: std::process::Output,
    path: std::path::PathBuf,
    size: u64,
    _dir: tempfile::TempDir,
}

/// Runs the binary with `args` and a large log as the last argument, and
/// truncates the log once `holds` returns true for the run's process id
/// and the log's path, which it checks in `/proc`.
fn truncate_during_scan(args: &[&str], holds: impl Fn(u32, &Path) -> bool) -> Truncated {
    use std::process::Stdio;

    // Large enough to take a while to scan.
    let dir = open_temp_dir();
    let line =
        "2024-03-04 09:00:00.000  INFO 811 --- [exec-1] c.e.rtc.ChannelService : heartbeat ok\n";
    let path = write_file(dir.path(), "server.log", line.repeat((256 << 20) / line.len()));
    let size = std::fs::metadata(&path).unwrap().len();
    let child = crate::util::triage_process()
        .args(["--format", "json", "-j", "1"])
        .args(args)
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !holds(child.id(), &path) {
        assert!(std::time::Instant::now() < deadline, "the run never opened the file");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    let output = child.wait_with_output().unwrap();
    Truncated { output, path, size, _dir: dir }
}

#[test]
fn mapped_file_truncated_during_scan() {
    let mapped = |pid: u32, path: &Path| {
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
        maps.contains(path_str(path))
    };
    let Truncated { output, path, .. } = truncate_during_scan(&[], mapped);

    assert_eq!(status(&output), 2);
    let expected = format!(
        "miniapp-triage: {}: the file shrank while it was read (log rotation with copytruncate?); \
         run again with --no-mmap to read it",
        path_str(&path)
    );
    assert_eq!(stderr_lines(&output), [expected]);
    assert_eq!(output.stdout, b"");
}

#[test]
fn lines_after_a_cut_line_keep_their_numbers() {
    // A line past the length limit without an event, then an event on
    // line 4, and a last line without a line feed.
    let mut text = b"first\n".to_vec();
    text.extend(std::iter::repeat_n(b'x', 9_000_000));
    text.extend(b"\nsecond\n{\"code\":904,\"reason\":\"websocket disconnected\"}\nlast");
    let dir = open_temp_dir();
    let path = write_file(dir.path(), "cut.log", &text);
    let path = path.to_str().unwrap();
    let runs = [vec![path], vec!["--no-mmap", path], vec!["-j", "1", path]];
    for args in runs {
        let (code, report) = json_report(&args);
        assert_eq!(code, 1, "{args:?}");
        assert_eq!(report["scanned"]["lines"], 5, "{args:?}");
        assert_eq!(report["scanned"]["long_lines"], 1, "{args:?}");
        let group = code_group(&report, "agora", "904");
        assert_eq!(group["reasons"][0]["first"]["line"], 4, "{args:?}");
    }

    let mut child = crate::util::triage_process()
        .args(["--format", "json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let output = child.wait_with_output().unwrap();
    let report = parse_json(&output);
    assert_eq!(report["scanned"]["lines"], 5);
    assert_eq!(code_group(&report, "agora", "904")["reasons"][0]["first"]["line"], 4);
}

#[test]
fn read_file_truncated_during_scan() {
    let open = |pid: u32, path: &Path| {
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).into_iter().flatten().flatten();
        fds.into_iter().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
    };
    let Truncated { output, path, size, .. } = truncate_during_scan(&["--no-mmap"], open);
    let report = parse_json(&output);

    assert_eq!(status(&output), 2);
    let read = report["scanned"]["bytes"].as_u64().unwrap();
    assert!(read < size, "read {read} of {size} bytes");
    let digits = |n: u64| {
        let text = n.to_string();
        let mut out = String::new();
        for (i, c) in text.chars().enumerate() {
            if i > 0 && (text.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let expected = format!(
        "the file shrank from {} to 0 bytes while it was read (log rotation with \
         copytruncate?); the report covers the {} bytes read, so scan a copy to see it all",
        digits(size),
        digits(read)
    );
    assert_eq!(
        report["errors"],
        serde_json::json!([{ "path": path_str(&path), "error": expected }])
    );
}
