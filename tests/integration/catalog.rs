//! `--catalog FILE`: entries that replace built-in ones, and files that are
//! rejected.

use std::path::Path;

use crate::util::{
    code_group, json_report, open_temp_dir, status, stderr_lines, stdout_text, triage, write_file,
};

const LOG: &str = "error: 904, reason: websocket disconnected\n\
                   error: 904, reason: websocket disconnected\n\
                   error: 905, reason: connect websocket failed\n";

/// Returns an agora 904 entry shaped like the built-in one, with fewer
/// causes and no reason rules, in `category`.
fn entry_904(category: &str) -> String {
    format!(
        r#"
[[code]]
source = "agora"
code = "904"
category = "{category}"
meaning = {{ en = "WebSocket disconnected", zh = "websocket 断开" }}
causes = {{ en = ["The network dropped"], zh = ["网络断开"] }}
remedy = {{ en = "Check the network, then rejoin.", zh = "检查网络后重新加入频道。" }}
"#
    )
}

fn catalog_file(dir: &Path, text: &str) -> String {
    let path = write_file(dir, "catalog.toml", text);
    path.to_str().expect("UTF-8 path").to_owned()
}

#[test]
fn catalog_moves_code_to_network() {
    let dir = open_temp_dir();
    let catalog = catalog_file(dir.path(), &format!("version = 1\n{}", entry_904("network")));
    let log = write_file(dir.path(), "app.log", LOG);

    let (code, report) =
        json_report(&["--lang", "en", "--catalog", &catalog, log.to_str().unwrap()]);

    let group = code_group(&report, "agora", "904");
    let network = report["categories"].as_array().unwrap().iter().find(|c| c["id"] == "network");
    let rejoin = report["categories"].as_array().unwrap().iter().find(|c| c["id"] == "rejoin");
    assert_eq!(code, 1);
    assert_eq!(group["category"], "network");
    assert_eq!(group["events"], 2);
    assert_eq!(group["remedy"], "Check the network, then rejoin.");
    assert_eq!(network.unwrap()["events"], 2);
    assert_eq!(rejoin.unwrap()["events"], 1);
    assert_eq!(code_group(&report, "agora", "905")["category"], "rejoin");
}

#[test]
fn catalog_override_in_explain() {
    let dir = open_temp_dir();
    let catalog = catalog_file(dir.path(), &format!("version = 1\n{}", entry_904("network")));

    let output = triage()
        .args(["--lang", "en", "--catalog", &catalog, "--explain", "904"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout.clone()).unwrap();

    assert_eq!(status(&output), 0);
    assert!(text.contains("\nCategory: Network or timeout (network)\n"), "output:\n{text}");
    assert!(text.contains("\nRemedy: Check the network, then rejoin.\n"), "output:\n{text}");
}

#[test]
fn catalog_malformed_toml_fails() {
    let dir = open_temp_dir();
    let catalog = catalog_file(dir.path(), "version = 1\n[[code]\nsource = \"agora\"\n");

    let output = triage().args(["--catalog", &catalog, "/dev/null"]).output().unwrap();

    assert_eq!(status(&output), 2);
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr_lines(&output),
        [format!(
            "miniapp-triage: invalid catalog {catalog}: line 2, column 7: invalid table header \
             expected `.`, `]]`; run --print-catalog for the expected format"
        )]
    );
}

#[test]
fn catalog_unknown_category_fails() {
    let dir = open_temp_dir();
    let catalog = catalog_file(dir.path(), &format!("version = 1\n{}", entry_904("elsewhere")));

    let output = triage().args(["--catalog", &catalog, "/dev/null"]).output().unwrap();

    assert_eq!(status(&output), 2);
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr_lines(&output),
        [format!(
            "miniapp-triage: invalid catalog {catalog}: line 6: key `category`: unknown category \
             `elsewhere`; use one of rejoin, service, usage, network, media, unknown, none"
        )]
    );
}

#[test]
fn catalog_duplicate_code_fails() {
    let dir = open_temp_dir();
    let text = format!("version = 1\n{}{}", entry_904("network"), entry_904("media"));
    let catalog = catalog_file(dir.path(), &text);

    let output = triage().args(["--catalog", &catalog, "/dev/null"]).output().unwrap();

    let lines = stderr_lines(&output);
    assert_eq!(status(&output), 2);
    assert_eq!(lines.len(), 1, "stderr: {lines:?}");
    assert!(lines[0].contains(&catalog), "stderr: {lines:?}");
    assert!(lines[0].contains("code agora 904 is listed twice"), "stderr: {lines:?}");
}

#[test]
fn catalog_wrong_version_fails() {
    let dir = open_temp_dir();
    let catalog = catalog_file(dir.path(), &format!("version = 2\n{}", entry_904("network")));

    let output = triage().args(["--catalog", &catalog, "/dev/null"]).output().unwrap();

    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [format!(
            "miniapp-triage: invalid catalog {catalog}: version 2 is not supported; \
             use `version = 1`"
        )]
    );
}

#[test]
fn catalog_missing_file_fails() {
    let dir = open_temp_dir();
    let catalog = dir.path().join("absent.toml");

    let output = triage().arg("--catalog").arg(&catalog).arg("/dev/null").output().unwrap();

    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [format!(
            "miniapp-triage: cannot read catalog {}: No such file or directory (os error 2)",
            catalog.display()
        )]
    );
}

#[test]
fn catalog_finding_matching_empty_text_fails() {
    let dir = open_temp_dir();
    let text = "version = 1\n[[finding]]\nid = \"f\"\ncategory = \"usage\"\npattern = 'x?'\nmeaning = { en = \"m\", zh = \"m\" }\nfix = { en = \"f\", zh = \"f\" }\n";
    let catalog = catalog_file(dir.path(), text);

    let output = triage().args(["--catalog", &catalog, "fixtures/app-lines.log"]).output().unwrap();

    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [format!(
            "miniapp-triage: invalid catalog {catalog}: finding f: pattern `x?` matches empty text, so it would match every line; make it require some text"
        )]
    );
}

#[test]
fn catalog_text_is_escaped_for_the_terminal() {
    let dir = open_temp_dir();
    let text = "version = 1\n[[code]]\nsource = \"agora\"\ncode = \"904\"\ncategory = \"rejoin\"\nmeaning = { en = \"m\\u001b[2J\", zh = \"b\" }\nremedy = { en = \"a\", zh = \"b\" }\n";
    let catalog = catalog_file(dir.path(), text);
    let log = write_file(dir.path(), "app.log", LOG);

    let explain = triage()
        .args(["--lang", "en", "--catalog", &catalog, "--explain", "904"])
        .output()
        .unwrap();
    let report = triage().args(["--lang", "en", "--catalog", &catalog]).arg(&log).output().unwrap();

    assert_eq!(stdout_text(&explain).lines().next(), Some("agora 904: m\\e[2J"));
    assert!(!stdout_text(&report).contains('\u{1b}'), "raw escape in the report");
    assert!(stdout_text(&report).contains("m\\e[2J"));
}

#[test]
fn catalog_invalid_patterns_fail_at_start() {
    let dir = open_temp_dir();
    let rule =
        format!("version = 1\n{}[[code.rule]]\nreason = 'time (out'\ncause = {{ en = \"c\", zh = \"c\" }}\n", entry_904("network"));
    let finding = "version = 1\n[[finding]]\nid = \"f\"\ncategory = \"usage\"\npattern = 'a(b'\nmeaning = { en = \"m\", zh = \"m\" }\nfix = { en = \"f\", zh = \"f\" }\n";
    for (text, expected) in [
        (rule.as_str(), "code agora 904: invalid reason pattern `time (out`"),
        (finding, "finding f: invalid pattern `a(b`"),
    ] {
        let catalog = catalog_file(dir.path(), text);
        // The log has no 904: the pattern is still compiled at the start.
        let output =
            triage().args(["--catalog", &catalog, "fixtures/not-events.log"]).output().unwrap();

        assert_eq!(status(&output), 2, "{expected}");
        let stderr = stderr_lines(&output).join("\n");
        assert!(
            stderr.starts_with(&format!("miniapp-triage: invalid catalog {catalog}: {expected}")),
            "{stderr}"
        );
    }
}
