//! Markdown for `$GITHUB_STEP_SUMMARY` and merge-request comments: the
//! verdict, a table of categories and a table of groups.

use std::fmt::Write as _;

use super::{groups, status_mark, visible};
use crate::report::Report;

/// Groups listed in the table; the rest are counted in one line so a
/// comment stays within the size forges accept.
const MAX_ROWS: usize = 100;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.verdict.failed { "❌" } else { "✅" };
    let _ = writeln!(out, "## miniapp-triage {verdict} {}\n", cell(&report.verdict.summary));
    let _ = writeln!(
        out,
        "{} events and {} findings in {} files ({} lines).\n",
        report.total_events, report.total_findings, report.scanned.files, report.scanned.lines
    );
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "Against baseline `{}`: {} new, {} grown, {} known groups.\n",
            cell(&baseline.path),
            baseline.new,
            baseline.grown,
            baseline.known
        );
    }

    out.push_str("| category | events | action |\n|---|---:|---|\n");
    for category in report.categories.iter().filter(|c| c.events + c.findings > 0) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            category.id,
            category.events + category.findings,
            cell(&category.action)
        );
    }

    let groups = groups(report);
    if !groups.is_empty() {
        out.push_str("\n| | code | meaning | reason | events | category | first seen |\n");
        out.push_str("|---|---|---|---|---:|---|---|\n");
        for group in groups.iter().take(MAX_ROWS) {
            let mark = match status_mark(group.status) {
                "" => String::new(),
                mark => format!("**{mark}**"),
            };
            let _ = writeln!(
                out,
                "| {mark} | `{}` | {} | {} | {} | {} | `{}:{}` |",
                cell(&group.label),
                cell(group.meaning),
                cell(group.detail),
                group.events,
                group.category,
                cell(&group.first.path),
                group.first.line
            );
        }
        if groups.len() > MAX_ROWS {
            let _ =
                writeln!(out, "\n{} more groups are in the full report.", groups.len() - MAX_ROWS);
        }
    }
    for error in &report.errors {
        let _ =
            writeln!(out, "\n⚠️ could not read `{}`: {}", cell(&error.path), cell(&error.error));
    }
    out
}

/// Makes text safe inside a table cell: no pipes, line breaks or control
/// characters, and no backticks that would end inline code.
fn cell(text: &str) -> String {
    visible(text).replace('|', "\\|").replace('`', "'")
}
