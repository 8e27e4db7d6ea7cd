//! Integration tests: they run the built binary on real files.

mod catalog;
mod ci;
mod cli;
mod fixtures;
mod inputs;
mod properties;
mod report;
mod util;
