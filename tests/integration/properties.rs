//! Properties over generated input: no panic on any bytes, valid JSON,
//! counts that add up over concatenation, and thread counts that do not
//! change the report.

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use miniapp_triage::catalog::{Catalog, Lang};
use miniapp_triage::input::scan_reader;
use miniapp_triage::progress::Progress;
use miniapp_triage::report::Report;
use miniapp_triage::tally::Tally;
use proptest::prelude::*;

use crate::util::{files_under, root};

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

/// The fixtures' bytes, one entry per file.
fn fixtures() -> &'static [Vec<u8>] {
    static FIXTURES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let dir = root().join("fixtures");
        files_under(&dir).iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect()
    })
}

fn tally_of(bytes: Vec<u8>) -> Tally {
    let name: Arc<str> = Arc::from("input");
    scan_reader(Box::new(Cursor::new(bytes)), &name, catalog(), &Progress::hidden(), true, None)
}

/// Events per (source, code, category) and findings per id, sorted.
fn counts(tally: &Tally) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = tally
        .codes
        .iter()
        .map(|(key, group)| {
            (format!("{:?} {} {}", key.source, key.code, key.category), group.events)
        })
        .chain(tally.findings.iter().map(|(index, f)| (format!("finding {index}"), f.events)))
        .collect();
    out.sort();
    out
}

fn add(a: &[(String, u64)], b: &[(String, u64)]) -> Vec<(String, u64)> {
    let mut sum: std::collections::BTreeMap<String, u64> = a.iter().cloned().collect();
    for (key, n) in b {
        *sum.entry(key.clone()).or_default() += n;
    }
    sum.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_bytes_give_valid_json(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let tally = tally_of(bytes);
        let report = Report::build(&tally, catalog(), Lang::En);
        let mut json = Vec::new();
        report.write_json(&mut json).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(&parsed["schema_version"], 1);
    }

    #[test]
    fn counts_add_over_concatenated_fixtures(picks in proptest::collection::vec(0usize..1000, 1..6)) {
        let files = fixtures();
        let chosen: Vec<&Vec<u8>> = picks.iter().map(|p| &files[p % files.len()]).collect();
        let mut whole = Vec::new();
        let mut expected = Vec::new();
        for file in &chosen {
            whole.extend_from_slice(file);
            if !file.ends_with(b"\n") {
                whole.push(b'\n');
            }
            // Concatenation only adds up for files in one encoding.
            prop_assume!(std::str::from_utf8(file).is_ok() && !file.starts_with(b"\xEF\xBB\xBF"));
            expected = add(&expected, &counts(&tally_of(file.to_vec())));
        }
        prop_assert_eq!(counts(&tally_of(whole)), expected);
    }
}

/// Every line of the UTF-8 fixtures.
fn fixture_lines() -> &'static [String] {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        fixtures()
            .iter()
            .filter_map(|f| std::str::from_utf8(f).ok())
            .flat_map(|text| text.lines().map(str::to_owned))
            .collect()
    })
}

/// The JSON report of `bytes` scanned on a pool of `threads`.
fn report_with_threads(bytes: &[u8], threads: usize) -> String {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let tally = pool.install(|| tally_of(bytes.to_vec()));
    let mut json = Vec::new();
    Report::build(&tally, catalog(), Lang::En).write_json(&mut json).unwrap();
    String::from_utf8(json).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Inputs large enough to be scanned in halves give the same report on
    /// one thread and on two.
    #[test]
    fn thread_count_does_not_change_report(seed in proptest::collection::vec(0usize..100_000, 64)) {
        let lines = fixture_lines();
        let mut text = String::new();
        let mut i = 0;
        while text.len() < 3 << 20 {
            let start = seed[i % seed.len()].wrapping_mul(i + 1) % lines.len();
            for line in lines.iter().skip(start).take(1 + i % 5) {
                text.push_str(line);
                text.push('\n');
            }
            i += 1;
        }
        prop_assert_eq!(report_with_threads(text.as_bytes(), 1), report_with_threads(text.as_bytes(), 2));
    }
}
