//! The whole pipeline on a generated corpus: reading (through a memory map
//! for the large file), extraction, classification, grouping and the JSON
//! report, on one thread and on two. Run with `cargo bench --bench
//! pipeline`. The corpus comes from the generator in
//! `examples/gen_corpus.rs`, with its default seed.

use std::io::Write as _;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use miniapp_triage::catalog::{Catalog, Lang};
use miniapp_triage::input::{self, Input, ReadOptions};
use miniapp_triage::progress::Progress;
use miniapp_triage::report::Report;

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

/// Corpus size: larger than the size from which files are memory-mapped,
/// small enough for criterion's repeated runs.
const CORPUS_BYTES: u64 = 64 << 20;

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("corpus.log");
    let mut file = std::fs::File::create(&path).expect("the corpus file is created");
    file.write_all(&gen_corpus::corpus(CORPUS_BYTES)).expect("the corpus is written");
    drop(file);

    let catalog = Catalog::builtin();
    let input = Input::File(path);
    let options = ReadOptions { binary: false, mmap: true };
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(CORPUS_BYTES));
    group.sample_size(10);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        group.bench_function(format!("{threads}-thread"), |b| {
            b.iter(|| {
                let tally =
                    pool.install(|| input::scan(&input, &catalog, &Progress::hidden(), options));
                let mut json = Vec::new();
                Report::build(&tally, &catalog, Lang::En).write_json(&mut json).unwrap();
                json.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
