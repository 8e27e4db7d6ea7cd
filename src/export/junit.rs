//! JUnit XML for GitLab and Jenkins test views: one test suite per category
//! and one test case per group, failed except in `none`.

use std::fmt::Write as _;

use super::{events_word, groups, shown_detail, status_mark, visible, Group};
use crate::report::Report;

pub fn render(report: &Report) -> String {
    let groups = groups(report);
    let total_failures = groups.iter().filter(|g| fails(g)).count();

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"miniapp-triage\" tests=\"{}\" failures=\"{total_failures}\" errors=\"{}\">",
        groups.len(),
        report.errors.len()
    );
    for category in &report.categories {
        let cases: Vec<&Group> = groups.iter().filter(|g| g.category == category.id).collect();
        if cases.is_empty() {
            continue;
        }
        let failures = cases.iter().filter(|g| fails(g)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            xml(&category.id),
            cases.len()
        );
        for group in cases {
            test_case(&mut out, group, &category.action);
        }
        out.push_str("  </testsuite>\n");
    }
    if !report.errors.is_empty() {
        let _ = writeln!(
            out,
            "  <testsuite name=\"inputs\" tests=\"{0}\" failures=\"0\" errors=\"{0}\" skipped=\"0\">",
            report.errors.len()
        );
        for error in &report.errors {
            let _ = writeln!(
                out,
                "    <testcase classname=\"miniapp-triage.inputs\" name=\"{}\">\n      <error message=\"{}\"/>\n    </testcase>",
                xml(&error.path),
                xml(&error.error)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Groups fail their test case except in the informational category.
fn fails(group: &Group) -> bool {
    group.category != "none"
}

fn test_case(out: &mut String, group: &Group, action: &str) {
    // The name leaves out the baseline mark so that a group keeps its test
    // name, and its history in test views, from one pipeline to the next.
    let name = format!("{}: {}", group.label, shown_detail(group.detail));
    let _ = write!(
        out,
        "    <testcase classname=\"miniapp-triage.{}\" name=\"{}\" file=\"{}\" line=\"{}\"",
        xml(group.category),
        xml(&name),
        xml(&group.first.path),
        group.first.line
    );
    if !fails(group) {
        out.push_str("/>\n");
        return;
    }
    let mut message = format!("{} {}: {}", group.events, events_word(group.events), group.meaning);
    let mark = status_mark(group.status);
    if !mark.is_empty() {
        let _ = write!(message, " [{mark}]");
    }
    let mut body = format!("{}\n{action}\n", group.meaning);
    if let Some(cause) = group.cause {
        let _ = writeln!(body, "Cause: {cause}");
    }
    let _ = writeln!(body, "First: {}:{}", group.first.path, group.first.line);
    let _ = writeln!(body, "Last: {}:{}", group.last.path, group.last.line);
    let _ = write!(
        out,
        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
        xml(&message),
        xml(group.category),
        xml_text(&body)
    );
}

/// Escapes text for XML 1.0 attributes and content. Control characters,
/// which XML 1.0 cannot carry, become visible escapes first.
fn xml(text: &str) -> String {
    escape_markup(&visible(text))
}

/// Escapes element content, keeping its line breaks.
fn xml_text(text: &str) -> String {
    let lines: Vec<String> = text.split('\n').map(xml).collect();
    lines.join("\n")
}

fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
