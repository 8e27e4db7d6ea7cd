//! CI job mode: the failure policy, baselines and the report files.

use std::path::Path;

use serde_json::Value;

use crate::util::{
    json_report, open_temp_dir, parse_json, status, stderr_lines, stdout_text, triage, write_file,
};

/// One rejoin event per line.
fn rejoin_log(events: usize) -> String {
    (0..events)
        .map(|i| format!("{{\"code\":904,\"reason\":\"websocket disconnected\",\"n\":{i}}}\n"))
        .collect()
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Copies every fixture into `dir`, keeping the tree.
fn copy_fixtures(dir: &Path) {
    let root = crate::util::root().join("fixtures");
    for relative in crate::util::files_under(&root) {
        let target = dir.join(&relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(root.join(&relative), target).unwrap();
    }
}

#[test]
fn fail_on_allows_exactly_n() {
    let dir = open_temp_dir();
    let five = write_file(dir.path(), "five.log", rejoin_log(5));
    let six = write_file(dir.path(), "six.log", rejoin_log(6));

    let (code, report) = json_report(&["--fail-on", "rejoin:5", path_str(&five)]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"]["failed"], false);
    assert_eq!(report["verdict"]["summary"], "passed: 5 rejoin events within the allowed 5");

    let (code, report) = json_report(&["--fail-on", "rejoin:5", path_str(&six)]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"]["failed"], true);
    assert_eq!(report["verdict"]["summary"], "failed: 6 rejoin events above the allowed 5");
    assert_eq!(
        report["verdict"]["reasons"],
        serde_json::json!(["6 rejoin events above the allowed 5"])
    );
}

#[test]
fn verdict_is_last_text_line() {
    let dir = open_temp_dir();
    let six = write_file(dir.path(), "six.log", rejoin_log(6));
    let output = triage().args(["--fail-on", "rejoin:5,service"]).arg(&six).output().unwrap();

    assert_eq!(status(&output), 1);
    let text = stdout_text(&output);
    assert_eq!(text.lines().last(), Some("failed: 6 rejoin events above the allowed 5"));
}

#[test]
fn fail_on_never_and_any() {
    let dir = open_temp_dir();
    let log = write_file(dir.path(), "a.log", rejoin_log(2));
    let informational =
        write_file(dir.path(), "b.log", "index.js? [sm]:24 live-pusher code: 1002\n");

    assert_eq!(json_report(&["--fail-on", "never", path_str(&log)]).0, 0);
    let (code, report) = json_report(&[path_str(&log)]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"]["fail_on"], "any");
    assert_eq!(report["verdict"]["summary"], "failed: 2 events outside none (rejoin 2)");
    let (code, report) = json_report(&[path_str(&informational)]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"]["summary"], "passed: no events or findings outside none");
}

#[test]
fn verdict_tells_events_from_findings() {
    let dir = open_temp_dir();
    let finding = "agora-miniapp-sdk.js? [sm]:1 [ERROR]: client init failed: Invalid appId\n";
    let findings = write_file(dir.path(), "findings.log", finding.repeat(2));
    let both = write_file(dir.path(), "both.log", format!("{}{finding}", rejoin_log(3)));

    let (_, report) = json_report(&[path_str(&findings)]);
    assert_eq!(report["verdict"]["summary"], "failed: 2 findings outside none (usage 2)");
    let (_, report) = json_report(&["--fail-on", "usage", path_str(&findings)]);
    assert_eq!(report["verdict"]["summary"], "failed: 2 usage findings above the allowed 0");
    let (_, report) = json_report(&[path_str(&both)]);
    assert_eq!(
        report["verdict"]["summary"],
        "failed: 3 events and 1 finding outside none (rejoin 3, usage 1)"
    );
    let (_, report) = json_report(&["--fail-on", "rejoin:3", path_str(&both)]);
    assert_eq!(report["verdict"]["summary"], "passed: 3 rejoin events within the allowed 3");
}

#[test]
fn fail_on_invalid_spec() {
    let output =
        triage().args(["--fail-on", "rejion:5", "fixtures/app-lines.log"]).output().unwrap();
    assert_eq!(status(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown category `rejion`"), "stderr: {stderr}");

    let output = triage().args(["--fail-on", "new", "fixtures/app-lines.log"]).output().unwrap();
    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        ["miniapp-triage: --fail-on new compares against a baseline; pass --baseline FILE"]
    );
}

#[test]
fn input_error_wins_over_failure() {
    let dir = open_temp_dir();
    let log = write_file(dir.path(), "a.log", rejoin_log(3));
    let missing = dir.path().join("missing.log");
    let (code, report) = json_report(&[path_str(&log), path_str(&missing)]);
    assert_eq!(code, 2);
    assert_eq!(report["verdict"]["failed"], true);
}

#[test]
fn baseline_passes_then_fails_on_new_code() {
    let dir = open_temp_dir();
    let logs = dir.path().join("logs");
    copy_fixtures(&logs);
    let baseline = dir.path().join("baseline.json");

    let first = triage()
        .args(["--fail-on", "never", "--write-baseline"])
        .arg(&baseline)
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(status(&first), 0);

    let (code, report) =
        json_report(&["--baseline", path_str(&baseline), "--fail-on", "new", path_str(&logs)]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"]["summary"], "passed: no new groups against the baseline");
    assert_eq!(report["baseline"]["new"], 0);
    assert_eq!(report["baseline"]["grown"], 0);

    let mut log = std::fs::read_to_string(logs.join("server.jsonl")).unwrap();
    log.push_str("{\"code\":432,\"reason\":\"not a broadcaster\"}\n");
    std::fs::write(logs.join("server.jsonl"), log).unwrap();

    let (code, report) =
        json_report(&["--baseline", path_str(&baseline), "--fail-on", "new", path_str(&logs)]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"]["summary"], "failed: 1 new group: agora 432 (not a broadcaster)");
    assert_eq!(report["baseline"]["new"], 1);
    let code_432 = crate::util::code_group(&report, "agora", "432");
    assert_eq!(code_432["status"], "new");
    assert_eq!(code_432["reasons"][0]["status"], "new");
    assert_eq!(code_432["reasons"][0]["key"], "agora/432/not a broadcaster");
    assert_eq!(crate::util::code_group(&report, "agora", "904")["status"], "known");
}

#[test]
fn baseline_marks_grown_groups() {
    let dir = open_temp_dir();
    let before = write_file(dir.path(), "before.log", rejoin_log(2));
    let after = write_file(dir.path(), "after.log", rejoin_log(4));
    let same = write_file(dir.path(), "same.log", rejoin_log(3));
    let baseline = dir.path().join("base.json");
    let write = triage().args(["--write-baseline"]).arg(&baseline).arg(&before).output().unwrap();
    assert_eq!(status(&write), 1);

    let (_, report) = json_report(&["--baseline", path_str(&baseline), path_str(&after)]);
    assert_eq!(report["codes"][0]["reasons"][0]["status"], "grown");
    assert_eq!(report["baseline"]["grown"], 1);
    assert_eq!(report["baseline"]["growth_ratio"], 1.5);
    let (_, report) = json_report(&["--baseline", path_str(&baseline), path_str(&same)]);
    assert_eq!(report["codes"][0]["reasons"][0]["status"], "known");

    let text = triage().args(["--baseline"]).arg(&baseline).arg(&after).output().unwrap();
    assert!(stdout_text(&text).contains("websocket disconnected  [grown]"));
}

#[test]
fn baseline_invalid_file() {
    let dir = open_temp_dir();
    let bad = write_file(dir.path(), "bad.json", "{\"not\": \"a report\"}");
    let output =
        triage().args(["--baseline"]).arg(&bad).arg("fixtures/app-lines.log").output().unwrap();
    assert_eq!(status(&output), 2);
    assert_eq!(
        stderr_lines(&output),
        [format!(
            "miniapp-triage: invalid baseline {}: not a miniapp-triage JSON report: missing field `schema_version` at line 1 column 19",
            bad.display()
        )]
    );
}

#[test]
fn write_baseline_equals_json_output() {
    let dir = open_temp_dir();
    let baseline = dir.path().join("base.json");
    let output = triage()
        .args(["--format", "json", "--lang", "en", "--write-baseline"])
        .arg(&baseline)
        .arg("fixtures")
        .output()
        .unwrap();
    assert_eq!(std::fs::read(&baseline).unwrap(), output.stdout);
}

/// Runs the fixtures with every report format and returns the directory.
fn all_reports() -> (tempfile::TempDir, Value) {
    let dir = open_temp_dir();
    let report = |name: &str| format!("{name}={}", dir.path().join(name).display());
    let output = triage()
        .args(["--format", "json", "--lang", "en", "fixtures"])
        .args(["--report", &report("markdown"), "--report", &report("sarif")])
        .args(["--report", &report("github"), "--report", &report("junit")])
        .args(["--report", &report("json")])
        .output()
        .unwrap();
    assert_eq!(status(&output), 1);
    (dir, parse_json(&output))
}

/// Groups in a JSON report: every code's reasons plus every finding.
fn group_count(report: &Value) -> usize {
    let reasons: usize = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reasons"].as_array().unwrap().len())
        .sum();
    reasons + report["findings"].as_array().unwrap().len()
}

#[test]
fn json_report_file_matches_stdout() {
    let (dir, report) = all_reports();
    let file: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("json")).unwrap()).unwrap();
    assert_eq!(file, report);
}

#[test]
fn sarif_has_rule_and_result_per_group() {
    let (dir, report) = all_reports();
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), group_count(&report));
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let codes = report["codes"].as_array().unwrap();
    let mut rule_ids: Vec<String> = codes
        .iter()
        .map(|c| format!("{}/{}", c["source"].as_str().unwrap(), c["code"].as_str().unwrap()))
        .chain(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| format!("finding/{}", f["id"].as_str().unwrap())),
        )
        .collect();
    rule_ids.sort();
    rule_ids.dedup();
    assert_eq!(rules.len(), rule_ids.len());
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(
            result["partialFingerprints"]["miniappTriageGroup/v1"].as_str().unwrap().len(),
            16
        );
        let line = &result["locations"][0]["physicalLocation"]["region"]["startLine"];
        assert!(line.as_u64().unwrap() >= 1);
    }
    let first = &results[0];
    assert_eq!(first["ruleId"], "agora/904");
    assert_eq!(first["level"], "error");
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/sdk-2.5-onlog.log"
    );
}

#[test]
fn sarif_fingerprints_are_stable() {
    let (first, _) = all_reports();
    let (second, _) = all_reports();
    assert_eq!(
        std::fs::read(first.path().join("sarif")).unwrap(),
        std::fs::read(second.path().join("sarif")).unwrap()
    );
}

#[test]
fn junit_parses_with_group_counts() {
    let (dir, report) = all_reports();
    let text = std::fs::read_to_string(dir.path().join("junit")).unwrap();
    let xml = roxmltree::Document::parse(&text).expect("JUnit output is well-formed XML");
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let groups = group_count(&report);
    assert_eq!(root.attribute("tests"), Some(groups.to_string().as_str()));

    let none_groups: usize = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["category"] == "none")
        .map(|c| c["reasons"].as_array().unwrap().len())
        .sum();
    assert_eq!(root.attribute("failures"), Some((groups - none_groups).to_string().as_str()));

    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    let names: Vec<&str> = suites.iter().map(|s| s.attribute("name").unwrap()).collect();
    assert_eq!(names, ["rejoin", "service", "usage", "network", "media", "unknown", "none"]);
    let failures: usize =
        suites.iter().flat_map(|s| s.descendants()).filter(|n| n.has_tag_name("failure")).count();
    assert_eq!(failures, groups - none_groups);
}

#[test]
fn markdown_is_a_table() {
    let (dir, report) = all_reports();
    let text = std::fs::read_to_string(dir.path().join("markdown")).unwrap();
    let first = text.lines().next().unwrap();
    assert!(first.starts_with("## miniapp-triage ❌ failed: "), "heading: {first}");
    assert!(text.contains("\n| category | events | action |\n|---|---:|---|\n| rejoin | 49 | "));
    assert!(text.contains("\n| | code | meaning | reason | events | category | first seen |\n|---|---|---|---|---:|---|---|\n"));
    let rows =
        text.lines().filter(|l| l.starts_with("| ") && l.matches(" | ").count() == 6).count();
    // The group table's header plus one row per group.
    assert_eq!(rows, 1 + group_count(&report));
}

#[test]
fn github_annotations_are_capped() {
    let dir = open_temp_dir();
    let log: String = (0..60)
        .map(|i| format!("{{\"code\":431,\"reason\":\"invalid uid kind{}\"}}\n", "x".repeat(i)))
        .collect();
    let path = write_file(dir.path(), "many.log", log);
    let out = dir.path().join("gh.txt");
    let output = triage()
        .arg("--report")
        .arg(format!("github={}", out.display()))
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(status(&output), 1);

    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 52);
    assert!(lines[..50]
        .iter()
        .all(|l| l.starts_with(&format!("::warning file={},line=", path.display()))));
    assert_eq!(
        lines[50],
        "::notice title=miniapp-triage::10 more groups not annotated; see the full report"
    );
    assert_eq!(
        lines[51],
        "::notice title=miniapp-triage verdict::failed: 60 events outside none (usage 60)"
    );
    assert!(lines[0].contains(",title=agora 431%3A "), "first: {}", lines[0]);
}

#[test]
fn report_option_rejects_a_dash_path() {
    let output = triage().args(["--report", "json=-", "fixtures/app-lines.log"]).output().unwrap();
    assert_eq!(status(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`json=-`: report files need a path"), "stderr: {stderr}");
    assert!(!Path::new("-").exists());
}

#[test]
fn report_option_rejects_unknown_format() {
    let output =
        triage().args(["--report", "pdf=x.pdf", "fixtures/app-lines.log"]).output().unwrap();
    assert_eq!(status(&output), 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown report format `pdf`"), "stderr: {stderr}");
}

#[test]
fn empty_directory_is_an_input_error() {
    let dir = open_temp_dir();
    let empty = dir.path().join("logs");
    std::fs::create_dir(&empty).unwrap();
    let (code, report) = json_report(&[
        "--fail-on",
        "new",
        "--baseline",
        "tests/expected/app-lines.log.json",
        path_str(&empty),
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        report["errors"],
        serde_json::json!([{ "path": path_str(&empty), "error": "no files in this directory; check the path" }])
    );
}

#[test]
fn report_paths_must_differ() {
    let clash = |second: &str| {
        let output = triage()
            .args(["--report", "json=out.x", "--report", second, "fixtures/app-lines.log"])
            .output()
            .unwrap();
        assert_eq!(status(&output), 2);
        stderr_lines(&output)
    };
    let message = |path: &str| {
        format!(
            "miniapp-triage: two reports would be written to {path}; give each --report and \
             --write-baseline its own path"
        )
    };
    assert_eq!(clash("sarif=out.x"), [message("out.x")]);
    // Two spellings of one file clash too.
    assert_eq!(clash("sarif=./out.x"), [message("./out.x")]);
}

/// A log whose reason carries markup, a newline and a pipe.
fn awkward_log(dir: &Path) -> std::path::PathBuf {
    write_file(dir, "awkward.log", "{\"code\":433,\"reason\":\"<b>x</b> *y* a|b\\nsecond line\"}\n")
}

#[test]
fn text_verdict_stays_one_line() {
    let dir = open_temp_dir();
    let log = awkward_log(dir.path());
    let base = write_file(dir.path(), "base.json", "{\"schema_version\":1,\"codes\":[]}");
    let output =
        triage().args(["--fail-on", "new", "--baseline"]).arg(&base).arg(&log).output().unwrap();
    assert_eq!(status(&output), 1);
    let text = stdout_text(&output);
    assert_eq!(
        text.lines().last(),
        Some("failed: 1 new group: agora 433 (<b>x</b> *y* a|b\\nsecond line)")
    );
}

#[test]
fn markdown_escapes_markup() {
    let dir = open_temp_dir();
    let log = awkward_log(dir.path());
    let md = dir.path().join("summary.md");
    triage().arg("--report").arg(format!("markdown={}", md.display())).arg(&log).output().unwrap();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(
        text.contains("| &lt;b&gt;x&lt;/b&gt; \\*y\\* a\\|b\\\\nsecond line | 1 | usage |"),
        "markdown:\n{text}"
    );
}

#[test]
fn junit_failure_text_keeps_line_breaks() {
    let (dir, _) = all_reports();
    let text = std::fs::read_to_string(dir.path().join("junit")).unwrap();
    let xml = roxmltree::Document::parse(&text).unwrap();
    let failure = xml.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    let body = failure.text().unwrap();
    assert!(body.starts_with("WebSocket disconnected\nDestroy the client"), "body: {body:?}");
    assert_eq!(failure.attribute("message"), Some("27 events: WebSocket disconnected"));
}

#[test]
fn sarif_uses_baseline_state() {
    let dir = open_temp_dir();
    let before = write_file(dir.path(), "before.log", rejoin_log(2));
    let after = write_file(
        dir.path(),
        "after.log",
        format!("{}{{\"code\":433,\"reason\":\"audience can not publish\"}}\n", rejoin_log(4)),
    );
    let base = dir.path().join("base.json");
    triage().arg("--write-baseline").arg(&base).arg(&before).output().unwrap();
    let sarif = dir.path().join("out.sarif");
    triage()
        .arg("--baseline")
        .arg(&base)
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .arg(&after)
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let states: Vec<(&str, &str)> = value["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap(), r["baselineState"].as_str().unwrap()))
        .collect();
    assert_eq!(states, [("agora/904", "updated"), ("agora/433", "new")]);
}

#[test]
fn sarif_lists_unreadable_inputs() {
    let dir = open_temp_dir();
    let missing = dir.path().join("missing.log");
    let sarif = dir.path().join("out.sarif");
    let output = triage()
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .arg("fixtures/app-lines.log")
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(status(&output), 2);
    let value: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let invocation = &value["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["message"]["text"],
        format!("could not read {}: no such file or directory; check the path", missing.display())
    );
}

#[test]
fn unwritable_report_keeps_the_others() {
    // A report path that is a directory cannot be written; standard output
    // and the other report files still are.
    let dir = open_temp_dir();
    let sarif_dir = dir.path().join("sarif dir");
    let baseline_dir = dir.path().join("baseline dir");
    std::fs::create_dir(&sarif_dir).unwrap();
    std::fs::create_dir(&baseline_dir).unwrap();
    let json = dir.path().join("report.json");
    let output = triage()
        .arg("--report")
        .arg(format!("sarif={}", sarif_dir.display()))
        .arg("--report")
        .arg(format!("json={}", json.display()))
        .arg("--write-baseline")
        .arg(&baseline_dir)
        .args(["--format", "json", "fixtures/app-lines.log"])
        .output()
        .unwrap();
    assert_eq!(status(&output), 2);
    let stderr = stderr_lines(&output);
    assert_eq!(stderr.len(), 2, "{stderr:?}");
    let prefix = |what: &str, path: &Path| {
        format!("miniapp-triage: cannot write the {what} to {}: ", path.display())
    };
    assert!(stderr[0].starts_with(&prefix("sarif report", &sarif_dir)), "{stderr:?}");
    assert!(stderr[1].starts_with(&prefix("baseline", &baseline_dir)), "{stderr:?}");
    let printed = parse_json(&output);
    let written: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(written, printed);
}

#[test]
fn verdict_counts_have_thousands_separators() {
    let dir = open_temp_dir();
    let many = write_file(dir.path(), "many.log", rejoin_log(1500));

    let (_, report) = json_report(&["--fail-on", "rejoin:1200", path_str(&many)]);
    assert_eq!(report["verdict"]["summary"], "failed: 1,500 rejoin events above the allowed 1,200");
    let (_, report) = json_report(&[path_str(&many)]);
    assert_eq!(report["verdict"]["summary"], "failed: 1,500 events outside none (rejoin 1,500)");
}

#[test]
fn failed_standard_output_keeps_report_files() {
    let dir = open_temp_dir();
    let markdown = dir.path().join("report.md");
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = crate::util::triage_process()
        .arg("--report")
        .arg(format!("markdown={}", markdown.display()))
        .arg("fixtures/app-lines.log")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(status(&output), 2);
    let stderr = stderr_lines(&output);
    assert!(stderr[0].starts_with("miniapp-triage: cannot write the report to standard output"));
    assert!(std::fs::read_to_string(&markdown).unwrap().contains("agora"));
}

#[test]
fn report_directory_checked_before_scan() {
    let dir = open_temp_dir();
    let file = write_file(dir.path(), "notes.txt", "x");
    let missing = dir.path().join("missing");
    let cases = [
        (
            missing.join("x.sarif"),
            format!("directory {} not found; create it or choose another path", missing.display()),
        ),
        (
            file.join("x.sarif"),
            format!("{} is a file, not a directory; choose another path", file.display()),
        ),
    ];
    for (path, reason) in cases {
        let output = triage()
            .arg("--report")
            .arg(format!("sarif={}", path.display()))
            .arg("fixtures/app-lines.log")
            .output()
            .unwrap();
        assert_eq!(status(&output), 2, "{}", path.display());
        let expected = format!("miniapp-triage: --report {}: {reason}", path.display());
        assert_eq!(stderr_lines(&output), [expected]);
        assert_eq!(output.stdout, b"", "{}", path.display());
    }
}
