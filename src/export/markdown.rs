//! Markdown for `$GITHUB_STEP_SUMMARY` and merge-request comments: the
//! verdict, a table of categories and a table of groups.

use std::fmt::Write as _;

use super::{groups, shown_detail, status_mark, visible};
use crate::report::Report;

/// Groups listed in the table; the rest are counted in one line so a
/// comment stays within the size forges accept.
const MAX_ROWS: usize = 100;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.verdict.failed || !report.errors.is_empty() { "❌" } else { "✅" };
    let _ = writeln!(out, "## miniapp-triage {verdict} {}\n", cell(&report.verdict.summary));
    if !report.errors.is_empty() {
        let n = report.errors.len();
        let inputs = if n == 1 { "input" } else { "inputs" };
        let _ = writeln!(out, "⚠️ {n} {inputs} could not be read; the exit status is 2.\n");
    }
    let _ = writeln!(
        out,
        "{} and {} in {} ({} {}).\n",
        count(report.total_events, "event", "events"),
        count(report.total_findings, "finding", "findings"),
        count(report.scanned.files, "file", "files"),
        report.scanned.lines,
        if report.scanned.lines == 1 { "line" } else { "lines" },
    );
    if let Some(baseline) = &report.baseline {
        let _ = writeln!(
            out,
            "Against baseline `{}`: {} new, {} grown, {} known groups.\n",
            code(&baseline.path),
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
                code(&group.label),
                cell(group.meaning),
                cell(shown_detail(group.detail)),
                group.events,
                group.category,
                code(&group.first.path),
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
            writeln!(out, "\n⚠️ could not read `{}`: {}", code(&error.path), cell(&error.error));
    }
    out
}

/// Makes text safe inside an inline code span in a table cell, where
/// Markdown escapes do not apply but a pipe still ends the cell.
fn code(text: &str) -> String {
    visible(text).replace('`', "'").replace('|', "\\|")
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Makes text safe inside a table cell: no pipes, line breaks or control
/// characters, no HTML (placeholders such as `<ip>` would vanish), no
/// emphasis, and no backticks that would end inline code.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in visible(text).chars() {
        match c {
            '|' => out.push_str("\\|"),
            '`' => out.push('\''),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
