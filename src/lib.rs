//! miniapp-triage reads WeChat mini-program logs, extracts every Agora
//! Miniapp SDK error code with its reason and the WeChat signals around it,
//! groups them by remedy and reports what to do.
//!
//! The pipeline: [`input`] expands paths and decodes each input into lines,
//! [`extract`] turns lines into events and findings, [`catalog`] classifies
//! them, [`tally`] counts them, and [`report`] renders the result.

pub mod catalog;
pub mod cli;
pub mod extract;
mod fold;
pub mod input;
pub mod report;
pub mod tally;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context as _;
use rayon::prelude::*;

use catalog::Catalog;
use cli::{Cli, Format};
use input::Input;
use report::{Report, TextOptions};
use tally::Tally;

/// Exit status when every input was read.
pub const EXIT_OK: u8 = 0;
/// Exit status when an input could not be read or an argument is invalid.
pub const EXIT_ERROR: u8 = 2;

/// Runs the command line. Errors returned here are argument or setup
/// errors; unreadable inputs are part of the report instead.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let lang = cli::resolve_lang(cli.lang);
    let mut stdout = io::stdout().lock();

    if cli.print_catalog {
        stdout.write_all(catalog::BUILTIN.as_bytes())?;
        return Ok(ExitCode::from(EXIT_OK));
    }
    let catalog = match &cli.catalog {
        Some(path) => Catalog::with_overrides(path)?,
        None => Catalog::builtin(),
    };
    if let Some(code) = &cli.explain {
        let text = catalog.explain(code, lang).with_context(|| {
            format!(
                "code `{code}` is not in the catalog; run --print-catalog to list the known codes"
            )
        })?;
        stdout.write_all(text.as_bytes())?;
        return Ok(ExitCode::from(EXIT_OK));
    }

    let (inputs, expand_errors) = input::expand(&cli.paths);
    if inputs.contains(&Input::Stdin) && io::stdin().is_terminal() {
        eprintln!("miniapp-triage: reading standard input; end it with Ctrl-D, or pass log paths");
    }
    let mut tally = scan_all(&inputs, &catalog, cli.threads)?;
    let mut errors = expand_errors;
    errors.append(&mut tally.errors);
    tally.errors = errors;
    for error in &tally.errors {
        eprintln!(
            "miniapp-triage: {}: {}",
            report::escape_text(&error.path),
            report::escape_text(&error.error)
        );
    }

    let report = Report::build(&tally, &catalog, lang);
    match cli.format {
        Format::Json => report.write_json(&mut stdout)?,
        Format::Text => {
            let options = TextOptions { lang, color: cli::resolve_color(cli.color) };
            stdout.write_all(report::render_text(&report, &options).as_bytes())?;
        }
    }
    stdout.flush()?;
    let status = if report.errors.is_empty() { EXIT_OK } else { EXIT_ERROR };
    Ok(ExitCode::from(status))
}

/// Scans inputs in parallel and merges their tallies in input order, so the
/// result is the same for any number of threads.
pub fn scan_all(
    inputs: &[Input],
    catalog: &Catalog,
    threads: Option<usize>,
) -> anyhow::Result<Tally> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the scanning threads")?;
    let tallies: Vec<Tally> =
        pool.install(|| inputs.par_iter().map(|input| input::scan(input, catalog)).collect());
    let mut total = Tally::default();
    for tally in tallies {
        total.merge(tally);
    }
    Ok(total)
}
