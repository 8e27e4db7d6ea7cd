//! Fuzzes the extractor: any text, scanned through the prefilter, must not
//! panic and must give the same hits as scanning every line.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use miniapp_triage::catalog::Catalog;
use miniapp_triage::extract::{scan_str, scan_str_every_line};

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::builtin)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let filtered = scan_str(catalog(), &text);
    let every = scan_str_every_line(catalog(), &text);
    assert_eq!(filtered, every);
});
