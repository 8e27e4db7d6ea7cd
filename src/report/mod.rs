//! The report model, built once from a tally and rendered as text or JSON.
//!
//! The model is also the JSON contract (`schema_version` 1): keys may be
//! added, never renamed or removed.

pub(crate) mod labels;
mod text;

use std::cmp::Reverse;

use serde::Serialize;

use crate::catalog::{Catalog, Lang, CATEGORY_ORDER, UNKNOWN};
use crate::extract::time::Stamp;
use crate::extract::Source;
use crate::tally::{self, Tally};
pub use labels::{labels, Labels};
pub use text::{escape as escape_text, render_text, TextOptions};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub lang: Lang,
    pub scanned: Scanned,
    pub errors: Vec<ErrorEntry>,
    pub total_events: u64,
    pub total_findings: u64,
    pub categories: Vec<CategorySummary>,
    pub codes: Vec<CodeReport>,
    pub findings: Vec<FindingReport>,
    /// The comparison with `--baseline`, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineSummary>,
    /// Whether the run fails under `--fail-on`, and why.
    pub verdict: Verdict,
}

/// A group's standing against the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not in the baseline.
    New,
    /// In the baseline, with the count up by more than the growth ratio.
    Grown,
    /// In the baseline, with the count not up by more than the ratio.
    Known,
}

#[derive(Debug, Serialize)]
pub struct BaselineSummary {
    pub path: String,
    /// Growth above this ratio of the baseline count marks a group grown.
    pub growth_ratio: f64,
    pub new: usize,
    pub grown: usize,
    pub known: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct Verdict {
    pub failed: bool,
    /// The `--fail-on` policy, as given.
    pub fail_on: String,
    /// One line: `failed: ...` or `passed: ...`.
    pub summary: String,
    /// Every rule of the policy that failed.
    pub reasons: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Scanned {
    pub files: u64,
    pub lines: u64,
    /// Bytes read from the inputs (compressed bytes for gzip).
    pub bytes: u64,
    /// Lines cut at the line-length limit.
    pub long_lines: u64,
    pub max_line_bytes: usize,
    pub skipped: Vec<SkippedEntry>,
}

#[derive(Debug, Serialize)]
pub struct SkippedEntry {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct ErrorEntry {
    pub path: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
pub struct CategorySummary {
    pub id: String,
    pub title: String,
    pub action: String,
    pub events: u64,
    pub findings: u64,
}

#[derive(Debug, Serialize)]
pub struct CodeReport {
    pub source: Source,
    pub code: String,
    pub category: String,
    /// False for a code the catalog does not list.
    pub known: bool,
    pub meaning: String,
    pub remedy: Option<String>,
    pub events: u64,
    /// Distinct OpenIDs or uids seen with this code.
    pub users: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    pub reasons: Vec<ReasonReport>,
}

#[derive(Debug, Serialize)]
pub struct ReasonReport {
    /// Stable group key, `source/code/folded reason`: the same log line
    /// always gives the same key, which baselines and SARIF use.
    pub key: String,
    /// The reason with numbers, ids and URLs folded into placeholders.
    pub reason: String,
    /// The first reason as written in the log.
    pub example: String,
    /// The cause named by the catalog rule that matched, if any.
    pub cause: Option<String>,
    pub events: u64,
    pub first: LocationEntry,
    pub last: LocationEntry,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

#[derive(Debug, Serialize)]
pub struct FindingReport {
    /// Stable group key, `finding/id`.
    pub key: String,
    pub id: String,
    pub category: String,
    pub meaning: String,
    pub fix: String,
    pub events: u64,
    pub users: usize,
    /// The first line that matched.
    pub example: String,
    pub first: LocationEntry,
    pub last: LocationEntry,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

/// The group key of a code's reason.
pub fn reason_key(source: Source, code: &str, reason: &str) -> String {
    format!("{}/{code}/{reason}", source.as_str())
}

/// The group key of a finding.
pub fn finding_key(id: &str) -> String {
    format!("finding/{id}")
}

#[derive(Debug, Serialize)]
pub struct LocationEntry {
    pub path: String,
    pub line: u64,
    /// RFC 3339, when the log gives a time with a UTC offset.
    pub time: Option<String>,
    /// ISO 8601 without offset, when the log gives a time but no offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

impl LocationEntry {
    fn new(location: &tally::Location) -> LocationEntry {
        let (time, local_time) = match &location.time {
            Some(Stamp::Zoned(t)) => (Some(t.clone()), None),
            Some(Stamp::Local(t)) => (None, Some(t.clone())),
            None => (None, None),
        };
        LocationEntry {
            path: location.path.to_string(),
            line: location.line,
            time,
            local_time,
            user: location.user.clone(),
            page: location.page.clone(),
        }
    }

    /// The time as the report shows it, zoned or local.
    pub fn time_text(&self) -> Option<&str> {
        self.time.as_deref().or(self.local_time.as_deref())
    }
}

fn category_rank(id: &str) -> usize {
    CATEGORY_ORDER.iter().position(|c| *c == id).unwrap_or(CATEGORY_ORDER.len())
}

impl Report {
    /// Builds the report. Groups are ordered by category urgency, then by
    /// events (most first), then by source and code, so the order does not
    /// depend on how the inputs were scanned.
    pub fn build(tally: &Tally, catalog: &Catalog, lang: Lang) -> Report {
        let mut codes: Vec<CodeReport> = tally
            .codes
            .iter()
            .map(|(key, group)| {
                let entry = catalog.entry(key.source, &key.code);
                let mut reasons: Vec<ReasonReport> = group
                    .reasons
                    .iter()
                    .map(|(folded, r)| ReasonReport {
                        key: reason_key(key.source, &key.code, folded),
                        reason: folded.clone(),
                        example: r.example.clone(),
                        cause: catalog
                            .classify(key.source, &key.code, folded)
                            .rule
                            .map(|rule| rule.cause.get(lang).to_owned()),
                        events: r.events,
                        first: LocationEntry::new(&r.first),
                        last: LocationEntry::new(&r.last),
                        status: None,
                    })
                    .collect();
                reasons
                    .sort_by(|a, b| b.events.cmp(&a.events).then_with(|| a.reason.cmp(&b.reason)));
                CodeReport {
                    source: key.source,
                    code: key.code.clone(),
                    category: key.category.clone(),
                    known: entry.is_some(),
                    meaning: entry.map_or_else(
                        || labels(lang).not_in_catalog.to_owned(),
                        |e| e.meaning.get(lang).to_owned(),
                    ),
                    remedy: entry.map(|e| e.remedy.get(lang).to_owned()),
                    events: group.events,
                    users: group.users.len(),
                    status: None,
                    reasons,
                }
            })
            .collect();
        codes.sort_by(|a, b| {
            category_rank(&a.category)
                .cmp(&category_rank(&b.category))
                .then_with(|| Reverse(a.events).cmp(&Reverse(b.events)))
                .then_with(|| a.source.cmp(&b.source))
                .then_with(|| a.code.cmp(&b.code))
        });

        let mut findings: Vec<FindingReport> = tally
            .findings
            .iter()
            .map(|(&index, f)| {
                let entry = &catalog.findings()[index];
                FindingReport {
                    key: finding_key(&entry.id),
                    id: entry.id.clone(),
                    category: entry.category.clone(),
                    meaning: entry.meaning.get(lang).to_owned(),
                    fix: entry.fix.get(lang).to_owned(),
                    events: f.events,
                    users: f.users.len(),
                    example: f.example.clone(),
                    first: LocationEntry::new(&f.first),
                    last: LocationEntry::new(&f.last),
                    status: None,
                }
            })
            .collect();
        findings.sort_by(|a, b| {
            category_rank(&a.category)
                .cmp(&category_rank(&b.category))
                .then_with(|| Reverse(a.events).cmp(&Reverse(b.events)))
                .then_with(|| a.id.cmp(&b.id))
        });

        let categories = catalog
            .categories()
            .iter()
            .map(|c| CategorySummary {
                id: c.id.clone(),
                title: c.title.get(lang).to_owned(),
                action: c.action.get(lang).to_owned(),
                events: codes.iter().filter(|g| g.category == c.id).map(|g| g.events).sum(),
                findings: findings.iter().filter(|f| f.category == c.id).map(|f| f.events).sum(),
            })
            .collect();

        let mut errors: Vec<ErrorEntry> = tally
            .errors
            .iter()
            .map(|e| ErrorEntry { path: e.path.clone(), error: e.error.clone() })
            .collect();
        errors.dedup_by(|a, b| a.path == b.path && a.error == b.error);

        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") },
            lang,
            scanned: Scanned {
                files: tally.files,
                lines: tally.lines,
                bytes: tally.bytes,
                long_lines: tally.long_lines,
                max_line_bytes: crate::input::MAX_LINE_BYTES,
                skipped: tally
                    .skipped
                    .iter()
                    .map(|s| SkippedEntry { path: s.path.clone(), reason: s.reason.clone() })
                    .collect(),
            },
            errors,
            total_events: codes.iter().map(|c| c.events).sum(),
            total_findings: findings.iter().map(|f| f.events).sum(),
            categories,
            codes,
            findings,
            baseline: None,
            verdict: Verdict::default(),
        }
    }

    /// Events in `category`, for the section headings.
    pub fn category(&self, id: &str) -> Option<&CategorySummary> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn has_unknown(&self) -> bool {
        self.codes.iter().any(|c| c.category == UNKNOWN)
    }

    /// Writes the report as pretty-printed JSON followed by a newline.
    pub fn write_json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        out.write_all(b"\n")
    }
}
