//! Baselines: an earlier JSON report, against which each group of the
//! current report is marked new, grown or known.
//!
//! Groups are matched by key (`source/code/folded reason`, `finding/id`),
//! which does not change between runs for the same log line. A group is
//! grown when its count is more than [`GROWTH_RATIO`] times the baseline's.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

use crate::extract::Source;
use crate::report::{finding_key, reason_key, BaselineSummary, Report, Status};

/// A group whose count is more than this many times its baseline count is
/// marked grown. 1.5 keeps run-to-run noise on small counts (2 to 3) known
/// while a doubling (2 to 4) is marked.
pub const GROWTH_RATIO: f64 = 1.5;

/// Event counts by group key, read from a JSON report.
#[derive(Debug, Default)]
pub struct Baseline {
    path: String,
    groups: HashMap<String, u64>,
    /// Event counts by `source/code`, for code-level statuses.
    codes: HashMap<String, u64>,
}

#[derive(Deserialize)]
struct ReportFile {
    schema_version: u32,
    codes: Vec<CodeEntry>,
    #[serde(default)]
    findings: Vec<FindingEntry>,
}

#[derive(Deserialize)]
struct CodeEntry {
    source: Source,
    code: String,
    reasons: Vec<ReasonEntry>,
}

#[derive(Deserialize)]
struct ReasonEntry {
    reason: String,
    events: u64,
}

#[derive(Deserialize)]
struct FindingEntry {
    id: String,
    events: u64,
}

impl Baseline {
    /// Reads a JSON report written by `--format json`, `--report json=FILE`
    /// or `--write-baseline FILE`.
    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).with_context(|| {
            format!("cannot read baseline {name}; create one with --write-baseline {name}")
        })?;
        let file: ReportFile = serde_json::from_str(&text).with_context(|| {
            format!("invalid baseline {name}: not a miniapp-triage JSON report")
        })?;
        if file.schema_version != crate::report::SCHEMA_VERSION {
            anyhow::bail!(
                "invalid baseline {name}: schema_version {} is not supported; write it again with this version",
                file.schema_version
            );
        }
        let mut baseline = Baseline { path: name, ..Baseline::default() };
        for code in file.codes {
            for reason in code.reasons {
                let key = reason_key(code.source, &code.code, &reason.reason);
                *baseline.groups.entry(key).or_default() += reason.events;
                *baseline.codes.entry(code_key(code.source, &code.code)).or_default() +=
                    reason.events;
            }
        }
        for finding in file.findings {
            *baseline.groups.entry(finding_key(&finding.id)).or_default() += finding.events;
        }
        Ok(baseline)
    }

    /// Marks every group of `report` and adds the summary.
    pub fn mark(&self, report: &mut Report) {
        let mut summary = BaselineSummary {
            path: self.path.clone(),
            growth_ratio: GROWTH_RATIO,
            new: 0,
            grown: 0,
            known: 0,
        };
        let mut count = |status: Status| match status {
            Status::New => summary.new += 1,
            Status::Grown => summary.grown += 1,
            Status::Known => summary.known += 1,
        };
        for code in &mut report.codes {
            code.status =
                Some(status(self.codes.get(&code_key(code.source, &code.code)), code.events));
            for reason in &mut code.reasons {
                let status = status(self.groups.get(&reason.key), reason.events);
                reason.status = Some(status);
                count(status);
            }
        }
        for finding in &mut report.findings {
            let status = status(self.groups.get(&finding.key), finding.events);
            finding.status = Some(status);
            count(status);
        }
        report.baseline = Some(summary);
    }
}

fn code_key(source: Source, code: &str) -> String {
    format!("{}/{code}", source.as_str())
}

fn status(baseline: Option<&u64>, events: u64) -> Status {
    match baseline {
        None => Status::New,
        Some(&before) if events as f64 > before as f64 * GROWTH_RATIO => Status::Grown,
        Some(_) => Status::Known,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_above_the_ratio() {
        assert_eq!(status(None, 1), Status::New);
        assert_eq!(status(Some(&2), 3), Status::Known);
        assert_eq!(status(Some(&2), 4), Status::Grown);
        assert_eq!(status(Some(&10), 15), Status::Known);
        assert_eq!(status(Some(&10), 16), Status::Grown);
        assert_eq!(status(Some(&5), 1), Status::Known);
    }
}
