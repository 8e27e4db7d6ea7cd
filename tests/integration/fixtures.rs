//! Every fixture against its hand-counted `.counts` file and its expected
//! JSON report.
//!
//! `.counts` files were counted by hand from the counting rules and are
//! never generated. The `.json` reports pin everything else (reasons,
//! causes, locations, times); after a deliberate change to the report,
//! regenerate them with `BLESS=1 cargo test --test integration fixtures`
//! and review the diff.

use std::path::Path;

use crate::util::{count_lines, files_under, json_report, read_counts, root, triage};

#[test]
fn fixture_counts_match_hand_counts() {
    let fixtures = root().join("fixtures");
    let mut failures = Vec::new();
    for relative in files_under(&fixtures) {
        let path = Path::new("fixtures").join(&relative);
        let (code, report) = json_report(&["--lang", "en", path.to_str().unwrap()]);
        let counts_path =
            root().join("tests/expected").join(format!("{}.counts", relative.display()));
        let expected = read_counts(&counts_path);
        // The default policy fails on any event or finding outside `none`.
        let fails = expected.iter().any(|line| line.split(' ').nth(2) != Some("none"));
        assert_eq!(code, i32::from(fails), "exit status for {}", path.display());
        let actual = count_lines(&report);
        if expected != actual {
            failures.push(format!(
                "{}\n  expected: {expected:?}\n  actual:   {actual:?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "fixtures whose counts differ:\n{}", failures.join("\n"));
}

#[test]
fn fixture_reports_match_expected_json() {
    let fixtures = root().join("fixtures");
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for relative in files_under(&fixtures) {
        let path = Path::new("fixtures").join(&relative);
        let output =
            triage().args(["--format", "json", "--lang", "en"]).arg(&path).output().unwrap();
        let expected_path =
            root().join("tests/expected").join(format!("{}.json", relative.display()));
        let actual = String::from_utf8(output.stdout).expect("JSON output is UTF-8");
        if bless {
            std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {}
            Ok(_) => failures.push(format!(
                "{} differs from {}",
                path.display(),
                expected_path.display()
            )),
            Err(e) => failures.push(format!("{}: {e}", expected_path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "reports that differ (BLESS=1 regenerates them):\n{}",
        failures.join("\n")
    );
}

#[test]
fn whole_fixture_tree_adds_up() {
    let (code, report) = json_report(&["--lang", "en", "fixtures"]);
    assert_eq!(code, 1);
    let mut expected_events = 0;
    for relative in files_under(&root().join("fixtures")) {
        let counts = read_counts(
            &root().join("tests/expected").join(format!("{}.counts", relative.display())),
        );
        expected_events += counts
            .iter()
            .filter(|l| !l.starts_with("finding "))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum::<u64>();
    }
    assert_eq!(report["total_events"], expected_events);
    assert_eq!(report["scanned"]["files"], files_under(&root().join("fixtures")).len() as u64);
    assert_eq!(report["errors"], serde_json::json!([]));
}
