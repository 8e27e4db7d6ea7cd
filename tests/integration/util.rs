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
    Command::from_std(triage_process())
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

/// Builds a command that runs the binary as user and group nobody (65534)
/// with no supplementary groups, through `setpriv` from util-linux, so that
/// file permissions apply even when the tests run as root. It uses the same
/// directory and environment as [`triage`].
pub fn triage_as_nobody() -> Command {
    let binary = assert_cmd::cargo::cargo_bin("miniapp-triage");
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(binary)
        .current_dir(root())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("NO_COLOR")
        .env("LANG", "C.UTF-8");
    cmd
}

/// Runs the binary with `args` on a pseudo-terminal through `script` from
/// util-linux, so that stdout is a terminal. `envs` are set on top of the
/// environment of [`triage`], with `TERM=xterm` unless `envs` sets it.
/// Returns the exit status and everything the terminal showed.
pub fn run_in_terminal(args: &[&str], envs: &[(&str, &str)]) -> (i32, String) {
    let binary = assert_cmd::cargo::cargo_bin("miniapp-triage");
    let mut words = vec![shell_quote(binary.to_str().expect("UTF-8 binary path"))];
    words.extend(args.iter().map(|a| shell_quote(a)));
    let mut cmd = std::process::Command::new("script");
    cmd.args(["--quiet", "--return", "--command"])
        .arg(words.join(" "))
        .arg("/dev/null")
        .current_dir(root())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("NO_COLOR")
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null());
    for (key, value) in envs {
        cmd.env(key, value);
    }
    let output = cmd.output().expect("`script` from util-linux runs");
    (status(&output), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Quotes `word` for `sh`.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Returns stdout as UTF-8 text.
pub fn stdout_text(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Splits stderr into lines.
pub fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr).lines().map(str::to_owned).collect()
}

/// Creates a temporary directory that every user can list and enter
/// (mode 0755). It is removed when the value is dropped.
pub fn open_temp_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod 0755 on the temporary directory");
    dir
}

/// Writes `contents` to `dir/name`, creating parent directories, and
/// returns the path.
pub fn write_file(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("file has a parent")).unwrap();
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// Finds the code group with `source` and `code` in a JSON report, and
/// panics when there is none.
pub fn code_group<'a>(report: &'a Value, source: &str, code: &str) -> &'a Value {
    report["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .find(|c| c["source"] == source && c["code"] == code)
        .unwrap_or_else(|| panic!("no {source} {code} in the report: {report:#}"))
}

/// Builds the binary's command as a plain [`std::process::Command`], for
/// tests that spawn it and handle its pipes themselves. It uses the same
/// directory and environment as [`triage`].
pub fn triage_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("miniapp-triage"));
    cmd.current_dir(root())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("NO_COLOR")
        .env("LANG", "C.UTF-8");
    cmd
}
