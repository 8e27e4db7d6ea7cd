//! GitHub Actions workflow commands: one annotation per group at its first
//! location, capped, with a closing line that gives how many were left out.
//! Workflow commands are documented at
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>.

use std::fmt::Write as _;

use super::{events_word, groups, severity, shown_detail, status_mark, visible, Severity};
use crate::report::Report;

/// Annotations written; GitHub shows at most 10 errors and 10 warnings per
/// step in the run view, and the rest are in the job log.
pub const MAX_ANNOTATIONS: usize = 50;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let groups = groups(report);
    for group in groups.iter().take(MAX_ANNOTATIONS) {
        let command = match severity(group.category) {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mark = match status_mark(group.status) {
            "" => String::new(),
            mark => format!(" [{mark}]"),
        };
        let title = format!("{}: {}{mark}", group.label, group.meaning);
        let mut message = format!(
            "{} {} of {} ({})",
            group.events,
            events_word(group.events),
            shown_detail(group.detail),
            group.category
        );
        if let Some(cause) = group.cause {
            let _ = write!(message, ". Cause: {cause}");
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},title={}::{}",
            property(&group.first.path),
            group.first.line,
            property(&title),
            data(&message)
        );
    }
    if groups.len() > MAX_ANNOTATIONS {
        let left = groups.len() - MAX_ANNOTATIONS;
        let _ = writeln!(
            out,
            "::notice title=miniapp-triage::{left} more groups not annotated; see the full report"
        );
    }
    for error in &report.errors {
        let _ = writeln!(
            out,
            "::error title=miniapp-triage could not read an input::{}: {}",
            data(&error.path),
            data(&error.error)
        );
    }
    let _ =
        writeln!(out, "::notice title=miniapp-triage verdict::{}", data(&report.verdict.summary));
    out
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    visible(text).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
