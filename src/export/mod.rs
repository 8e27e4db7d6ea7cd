//! Report files for CI (`--report FORMAT=PATH`): Markdown for job summaries
//! and merge-request comments, SARIF for code scanning, GitHub Actions
//! workflow commands, JUnit XML for test views, and the JSON report.
//!
//! Every format lists the same groups as the JSON report: one per code and
//! folded reason, and one per finding.

mod github;
mod junit;
mod markdown;
mod sarif;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::catalog::{Catalog, Lang};
use crate::report::{CodeReport, FindingReport, LocationEntry, ReasonReport, Report, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Sarif,
    Github,
    Junit,
    Json,
}

impl Format {
    const NAMES: [(&'static str, Format); 5] = [
        ("markdown", Format::Markdown),
        ("sarif", Format::Sarif),
        ("github", Format::Github),
        ("junit", Format::Junit),
        ("json", Format::Json),
    ];
}

/// One `--report FORMAT=PATH` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub format: Format,
    pub path: PathBuf,
}

impl FromStr for Request {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let names: Vec<&str> = Format::NAMES.iter().map(|(n, _)| *n).collect();
        let Some((name, path)) = text.split_once('=') else {
            return Err(format!(
                "expected FORMAT=PATH, such as sarif=triage.sarif; formats: {}",
                names.join(", ")
            ));
        };
        let Some(&(_, format)) = Format::NAMES.iter().find(|(n, _)| *n == name) else {
            return Err(format!("unknown report format `{name}`; use one of {}", names.join(", ")));
        };
        if path.is_empty() {
            return Err(format!("missing path after `{name}=`"));
        }
        // `-` means standard input as a PATH, and a file named `-` is
        // surely a mistake.
        if path == "-" {
            return Err(format!(
                "`{name}=-`: report files need a path; standard output carries the main report \
                 (--format text or json)"
            ));
        }
        Ok(Request { format, path: PathBuf::from(path) })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Format::NAMES.iter().find(|(_, v)| v == self).map_or("?", |(n, _)| n);
        f.write_str(name)
    }
}

/// Renders `report` in `format`.
pub fn render(report: &Report, catalog: &Catalog, lang: Lang, format: Format) -> String {
    match format {
        Format::Markdown => markdown::render(report),
        Format::Sarif => sarif::render(report, catalog, lang),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
        Format::Json => {
            let mut out = Vec::new();
            report.write_json(&mut out).expect("writing to memory does not fail");
            String::from_utf8(out).expect("JSON is UTF-8")
        }
    }
}

/// One group of the report, a code's reason or a finding, with what every
/// format shows of it.
pub(crate) struct Group<'a> {
    pub key: &'a str,
    pub category: &'a str,
    /// `agora 904` or `finding lost-code`.
    pub label: String,
    pub meaning: &'a str,
    /// The folded reason, or the finding's example line.
    pub detail: &'a str,
    pub cause: Option<&'a str>,
    pub events: u64,
    pub first: &'a LocationEntry,
    pub last: &'a LocationEntry,
    pub status: Option<Status>,
    /// The rule id shared by groups of one (source, code), or the finding id.
    pub rule: String,
}

/// Every group, in report order: codes' reasons, then findings.
pub(crate) fn groups(report: &Report) -> Vec<Group<'_>> {
    let codes = report
        .codes
        .iter()
        .flat_map(|code| code.reasons.iter().map(move |r| reason_group(code, r)));
    let findings = report.findings.iter().map(finding_group);
    codes.chain(findings).collect()
}

fn reason_group<'a>(code: &'a CodeReport, reason: &'a ReasonReport) -> Group<'a> {
    Group {
        key: &reason.key,
        category: &code.category,
        label: format!("{} {}", code.source.as_str(), code.code),
        meaning: &code.meaning,
        detail: &reason.reason,
        cause: reason.cause.as_deref(),
        events: reason.events,
        first: &reason.first,
        last: &reason.last,
        status: reason.status,
        rule: format!("{}/{}", code.source.as_str(), code.code),
    }
}

fn finding_group(finding: &FindingReport) -> Group<'_> {
    Group {
        key: &finding.key,
        category: &finding.category,
        label: format!("finding {}", finding.id),
        meaning: &finding.meaning,
        detail: &finding.example,
        cause: None,
        events: finding.events,
        first: &finding.first,
        last: &finding.last,
        status: finding.status,
        rule: format!("finding/{}", finding.id),
    }
}

/// The severity of a category in annotation formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    Error,
    Warning,
    Note,
}

pub(crate) fn severity(category: &str) -> Severity {
    match category {
        "rejoin" | "service" => Severity::Error,
        "none" => Severity::Note,
        _ => Severity::Warning,
    }
}

/// `new`, `grown` or nothing, for formats that mark statuses.
pub(crate) fn status_mark(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::New) => "new",
        Some(Status::Grown) => "grown",
        Some(Status::Known) | None => "",
    }
}

/// `event` or `events`.
pub(crate) fn events_word(n: u64) -> &'static str {
    if n == 1 {
        "event"
    } else {
        "events"
    }
}

/// The detail text of a group, or a placeholder when the reason is empty.
pub(crate) fn shown_detail(detail: &str) -> &str {
    if detail.is_empty() {
        "(no reason)"
    } else {
        detail
    }
}

/// Replaces control characters with visible escapes, for formats that
/// cannot carry them (XML 1.0, workflow commands, Markdown tables).
pub(crate) fn visible(text: &str) -> String {
    crate::report::escape_text(text)
}
