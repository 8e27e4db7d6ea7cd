//! Integration tests: they run the built binary on real files.

mod cli;
mod fixtures;
mod util;
