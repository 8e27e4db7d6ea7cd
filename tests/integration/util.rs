//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The repository root, where `fixtures/` and `tests/expected/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the repository root with a fixed environment so
/// that language and colour do not depend on the caller's.
pub fn triage() -> Command {
    let mut cmd = Command::cargo_bin("miniapp-triage").expect("the binary is built");
    cmd.current_dir(root())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("NO_COLOR")
        .env("LANG", "C.UTF-8");
    cmd
}

/// Runs the binary with `--format json` and returns the exit status and
/// the parsed report.
pub fn json_report(args: &[&str]) -> (i32, Value) {
    let output = triage().arg("--format").arg("json").args(args).output().expect("the binary runs");
    (status(&output), parse_json(&output))
}

pub fn parse_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    })
}

pub fn status(output: &Output) -> i32 {
    output.status.code().expect("the binary exits with a status")
}

/// `source code category events` lines for every code group, plus
/// `finding id category events` lines, sorted: the shape of the
/// `.counts` files.
pub fn count_lines(report: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for code in report["codes"].as_array().expect("codes") {
        lines.push(format!(
            "{} {} {} {}",
            code["source"].as_str().unwrap(),
            code["code"].as_str().unwrap(),
            code["category"].as_str().unwrap(),
            code["events"]
        ));
    }
    for finding in report["findings"].as_array().expect("findings") {
        lines.push(format!(
            "finding {} {} {}",
            finding["id"].as_str().unwrap(),
            finding["category"].as_str().unwrap(),
            finding["events"]
        ));
    }
    lines.sort();
    lines
}

/// Reads a `.counts` file: its non-comment lines, sorted.
pub fn read_counts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    lines.sort();
    lines
}

/// Every file under `dir`, relative to it, in sorted order.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    files.sort();
    files
}
