//! miniapp-triage reads WeChat mini-program logs, extracts every Agora
//! Miniapp SDK error code with its reason and the WeChat signals around it,
//! groups them by remedy and reports what to do.
//!
//! The pipeline: [`input`] expands paths and decodes each input into lines,
//! [`extract`] turns lines into events and findings, [`catalog`] classifies
//! them, [`tally`] counts them, and [`report`] renders the result.

pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod export;
pub mod extract;
mod fold;
pub mod input;
pub mod policy;
pub mod progress;
pub mod report;
pub mod tally;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use std::sync::Arc;

use anyhow::Context as _;
use rayon::prelude::*;

use baseline::Baseline;
use catalog::Catalog;
use cli::{Cli, Format};
use input::Input;
use progress::Progress;
use report::{Report, TextOptions};
use tally::Tally;

/// The maximum number of scanning threads `--threads` accepts.
const MAX_THREADS: usize = 256;

/// Inputs scanned in parallel before their tallies are merged.
const MERGE_BATCH: usize = 64;

/// Exit status when every input was read and the failure policy passed.
pub const EXIT_OK: u8 = 0;
/// Exit status when the failure policy (`--fail-on`) failed.
pub const EXIT_FAILED: u8 = 1;
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
        // Catalog text from --catalog is printed with control characters escaped.
        for line in text.lines() {
            writeln!(stdout, "{}", report::escape_text(line))?;
        }
        return Ok(ExitCode::from(EXIT_OK));
    }

    if cli.fail_on.needs_baseline() && cli.baseline.is_none() {
        anyhow::bail!(
            "--fail-on {} compares against a baseline; pass --baseline FILE",
            cli.fail_on
        );
    }
    ensure_distinct_report_paths(&cli)?;
    ensure_report_directories(&cli)?;
    if let Some(threads) = cli.threads.filter(|&n| n > MAX_THREADS) {
        anyhow::bail!(
            "--threads {threads} is more than {MAX_THREADS}; use 0 for one thread per CPU"
        );
    }
    let baseline = cli.baseline.as_deref().map(Baseline::load).transpose()?;

    let expanded = input::expand(&cli.paths);
    let inputs = expanded.inputs;
    let typed = inputs.contains(&Input::Stdin) && io::stdin().is_terminal();
    if typed {
        eprintln!("miniapp-triage: reading standard input; end it with Ctrl-D, or pass log paths");
    }
    // A progress bar would be drawn among the lines being typed.
    let quiet = cli.quiet || typed;
    let progress = Progress::new(input::total_bytes(&inputs), inputs.len() as u64, quiet);
    let options = input::ReadOptions { binary: cli.binary, mmap: !cli.no_mmap };
    let mut tally = scan_all(&inputs, &catalog, cli.threads, &progress, options)?;
    let mut errors = expanded.errors;
    errors.append(&mut tally.errors);
    tally.errors = errors;
    tally.skipped.extend(expanded.skipped);
    for error in &tally.errors {
        eprintln!(
            "miniapp-triage: {}: {}",
            report::escape_text(&error.path),
            report::escape_text(&error.error)
        );
    }

    let mut report = Report::build(&tally, &catalog, lang);
    if let Some(baseline) = &baseline {
        baseline.mark(&mut report);
    }
    report.verdict = cli.fail_on.judge(&report);

    let written = match cli.format {
        Format::Json => report.write_json(&mut stdout),
        Format::Text => {
            let options = TextOptions { lang, color: cli::resolve_color(cli.color) };
            stdout.write_all(report::render_text(&report, &options).as_bytes())
        }
    }
    .and_then(|()| stdout.flush());
    // After standard output, so that one report file that cannot be
    // written loses neither the printed report nor the other files, and
    // before its error, so that a failed standard output loses no file.
    let unwritten = write_reports(&cli, &report, &catalog, lang);
    // A reader that stopped early (`| head`) is not an error, and the exit
    // status still reports the inputs and the policy.
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        result => result.context("cannot write the report to standard output")?,
    }
    let status = if !report.errors.is_empty() || unwritten > 0 {
        EXIT_ERROR
    } else if report.verdict.failed {
        EXIT_FAILED
    } else {
        EXIT_OK
    };
    Ok(ExitCode::from(status))
}

/// Rejects two report files with one path, where the second would silently
/// replace the first.
fn ensure_distinct_report_paths(cli: &Cli) -> anyhow::Result<()> {
    let paths = cli.report.iter().map(|r| &r.path).chain(cli.write_baseline.iter());
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        // `a.json` and `./a.json` name one file.
        let same = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        if !seen.insert(same) {
            anyhow::bail!(
                "two reports would be written to {}; give each --report and \
                 --write-baseline its own path",
                path.display()
            );
        }
    }
    Ok(())
}

/// Rejects a report file whose directory does not exist before the scan,
/// which could take long, rather than after it.
fn ensure_report_directories(cli: &Cli) -> anyhow::Result<()> {
    let reports = cli.report.iter().map(|r| (&r.path, "--report"));
    let baselines = cli.write_baseline.iter().map(|path| (path, "--write-baseline"));
    for (path, option) in reports.chain(baselines) {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => std::path::Path::new("."),
        };
        if directory.is_file() {
            anyhow::bail!(
                "{option} {}: {} is a file, not a directory; choose another path",
                path.display(),
                directory.display()
            );
        }
        if !directory.is_dir() {
            anyhow::bail!(
                "{option} {}: directory {} not found; create it or choose another path",
                path.display(),
                directory.display()
            );
        }
    }
    Ok(())
}

/// Writes the `--report` and `--write-baseline` files, each that can be
/// written, and returns how many could not be, each named on stderr.
fn write_reports(cli: &Cli, report: &Report, catalog: &Catalog, lang: catalog::Lang) -> usize {
    let reports =
        cli.report.iter().map(|r| (r.format, r.path.clone(), format!("{} report", r.format)));
    let baselines = cli
        .write_baseline
        .iter()
        .map(|path| (export::Format::Json, path.clone(), "baseline".to_owned()));
    let mut unwritten = 0;
    for (format, path, what) in reports.chain(baselines) {
        let text = export::render(report, catalog, lang, format);
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!(
                "miniapp-triage: cannot write the {what} to {}: {error}",
                report::escape_text(&path.display().to_string())
            );
            unwritten += 1;
        }
    }
    unwritten
}

/// Scans inputs in parallel and merges their tallies in input order, so the
/// result is the same for any number of threads.
pub fn scan_all(
    inputs: &[Input],
    catalog: &Catalog,
    threads: Option<usize>,
    progress: &Arc<Progress>,
    options: input::ReadOptions,
) -> anyhow::Result<Tally> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("cannot start the scanning threads")?;
    // Inputs are scanned in batches and each batch is merged before the
    // next starts, so memory contains one batch of tallies however many files
    // there are.
    let mut total = Tally::default();
    for batch in inputs.chunks(MERGE_BATCH) {
        let tallies: Vec<Tally> = pool.install(|| {
            batch.par_iter().map(|input| input::scan(input, catalog, progress, options)).collect()
        });
        for tally in tallies {
            total.merge(tally);
        }
    }
    progress.finish();
    Ok(total)
}
