//! Command-line arguments and the configuration validated from them.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::catalog::Lang;
use crate::export::Request;
use crate::policy::FailOn;

const ABOUT: &str = "Triage Agora Miniapp SDK and WeChat mini-program logs: find every error code \
with its reason, group them by remedy and print what to do.";

const AFTER_HELP: &str = "\
The report has one section per remedy category, most urgent first: rejoin, service, usage, \
network, media, unknown, then none in one line. Each code shows its meaning, count, top \
reasons (numbers, ids and URLs folded), the catalog's cause, first and last time seen, \
distinct users and an example location. Code-less findings (lost codes, local validation \
errors) appear in their category. A footer lists what was read, skipped or failed.

Exit status: 0 when every input was read and the --fail-on policy passed; 1 when the policy \
failed; 2 when an input could not be read, a report file could not be written or an argument \
is invalid (the report still covers the other inputs). 2 wins over 1.";

#[derive(Debug, Parser)]
#[command(name = "miniapp-triage", version, about = ABOUT, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    /// Log files or directories (walked recursively); `-` or none reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Report language [default: zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en].
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,

    /// When to colour the text report; auto means stdout is a terminal and NO_COLOR is unset.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Catalog file (TOML) whose entries replace or extend the built-in catalog.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    /// Print the built-in catalog (the format --catalog reads) and exit.
    #[arg(long)]
    pub print_catalog: bool,

    /// Explain a code (904, -1307, request, SOURCE:CODE such as live-player:-2301) or a finding id
    /// (lost-code), and exit.
    #[arg(long, value_name = "CODE", allow_hyphen_values = true)]
    pub explain: Option<String>,

    /// When to exit with status 1: comma list of category ids with an optional allowed count
    /// (rejoin:5), `any` (any event or finding outside none), `new` (groups not in --baseline) or `never`.
    #[arg(long, value_name = "SPEC", default_value = "any")]
    pub fail_on: FailOn,

    /// Earlier JSON report to compare with: each group is marked new, grown or known.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Write this run's JSON report to FILE, for use as a later --baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Also write the report as FORMAT (markdown, sarif, github, junit, json) to PATH; repeatable.
    #[arg(long, value_name = "FORMAT=PATH")]
    pub report: Vec<Request>,

    /// Scan files with NUL bytes (images, databases) as text instead of skipping them.
    #[arg(long)]
    pub binary: bool,

    /// Read files of 256 KiB or more instead of memory-mapping them. Use it when logs may be truncated during the scan (copytruncate rotation), which stops a mapped scan with an error.
    #[arg(long)]
    pub no_mmap: bool,

    /// Show no progress bar (it is also hidden when stderr is not a terminal or CI is set).
    #[arg(short, long)]
    pub quiet: bool,

    /// Number of scanning threads: inputs are scanned at once and a large file is split across them; 0 means one per CPU [default: 0].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The language from `--lang` or, failing that, the locale variables in
/// POSIX order of precedence.
pub fn resolve_lang(explicit: Option<Lang>) -> Lang {
    if let Some(lang) = explicit {
        return lang;
    }
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        match std::env::var(var) {
            Ok(value) if !value.is_empty() => {
                return if value.to_ascii_lowercase().starts_with("zh") {
                    Lang::Zh
                } else {
                    Lang::En
                };
            }
            _ => {}
        }
    }
    Lang::En
}

/// Whether to colour output written to stdout.
pub fn resolve_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
                && std::io::stdout().is_terminal()
        }
    }
}
