//! Fuzzes the input stage: encoding and gzip detection, decoding and line
//! splitting, then extraction and the JSON report, on arbitrary bytes.

#![no_main]

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use miniapp_triage::catalog::{Catalog, Lang};
use miniapp_triage::input::scan_reader;
use miniapp_triage::progress::Progress;
use miniapp_triage::report::Report;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

fuzz_target!(|data: &[u8]| {
    let name: Arc<str> = Arc::from("fuzz");
    let reader = Box::new(Cursor::new(data.to_vec()));
    let tally = scan_reader(reader, &name, catalog(), &Progress::hidden(), true, None);
    let report = Report::build(&tally, catalog(), Lang::En);
    let mut json = Vec::new();
    report.write_json(&mut json).expect("writing to memory does not fail");
    let parsed: serde_json::Value = serde_json::from_slice(&json).expect("the report is valid JSON");
    assert_eq!(parsed["schema_version"], 1);
});
