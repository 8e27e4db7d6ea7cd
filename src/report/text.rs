//! The text report: one section per category, most urgent first, with the
//! action, each code's meaning, count, top reasons, cause, time range and
//! an example location, and a footer on what was read.
//!
//! Everything taken from a log is escaped before printing, so control
//! characters, ANSI escapes and bidi overrides in a log cannot act on the
//! reader's terminal. Columns are padded by display width, so Chinese text
//! lines up.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use super::labels::{group_digits, labels, Labels};
use super::{CodeReport, FindingReport, LocationEntry, Report, Status};
use crate::catalog::Lang;

/// Reasons shown per code; the rest are summarised in one line.
const TOP_REASONS: usize = 3;

/// Meanings wider than this are not padded, so one long meaning does not
/// push every count to the right.
const MAX_MEANING_WIDTH: usize = 44;

/// Column widths shared by all sections, so counts line up.
#[derive(Clone, Copy)]
struct Widths {
    label: usize,
    meaning: usize,
}

pub struct TextOptions {
    pub lang: Lang,
    pub color: bool,
}

#[derive(Clone, Copy)]
enum Style {
    Bold,
    Dim,
    Red,
    Yellow,
    Magenta,
    Cyan,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "1;31",
            Style::Yellow => "1;33",
            Style::Magenta => "1;35",
            Style::Cyan => "1;36",
        }
    }
}

struct Writer<'a> {
    out: String,
    color: bool,
    labels: &'a Labels,
}

impl Writer<'_> {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", style.code())
        } else {
            text.to_owned()
        }
    }

    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }
}

fn category_style(id: &str) -> Style {
    match id {
        "rejoin" | "service" => Style::Red,
        "usage" | "network" => Style::Yellow,
        "media" => Style::Magenta,
        "unknown" => Style::Cyan,
        _ => Style::Dim,
    }
}

/// Renders the whole text report.
pub fn render_text(report: &Report, options: &TextOptions) -> String {
    let labels = labels(options.lang);
    let mut w = Writer { out: String::new(), color: options.color, labels };
    let title = format!(
        "{}: {}, {}",
        labels.heading,
        labels.count(report.total_events, labels.event, labels.events),
        labels.count(report.total_findings, labels.finding, labels.findings),
    );
    let title = w.paint(Style::Bold, &title);
    w.line(&title);

    let label_width = report
        .codes
        .iter()
        .map(|c| code_label(c).width())
        .chain(report.findings.iter().map(|f| f.id.width()))
        .max()
        .unwrap_or(0);
    let meaning_width = report
        .codes
        .iter()
        .map(|c| c.meaning.width())
        .chain(report.findings.iter().map(|f| f.meaning.width()))
        .max()
        .unwrap_or(0)
        .min(MAX_MEANING_WIDTH);
    let widths = Widths { label: label_width, meaning: meaning_width };

    for category in &report.categories {
        let codes: Vec<&CodeReport> =
            report.codes.iter().filter(|c| c.category == category.id).collect();
        let findings: Vec<&FindingReport> =
            report.findings.iter().filter(|f| f.category == category.id).collect();
        if codes.is_empty() && findings.is_empty() {
            continue;
        }
        if category.id == "none" {
            informational_line(&mut w, &escape(&category.title), category.events, &codes);
            continue;
        }
        w.line("");
        let heading = format!("{} · {}", category.id.to_uppercase(), escape(&category.title));
        let mut count = labels.count(category.events, labels.event, labels.events);
        if category.findings > 0 {
            let findings = labels.count(category.findings, labels.finding, labels.findings);
            let _ = write!(count, " · {findings}");
        }
        let heading = w.paint(category_style(&category.id), &heading);
        w.line(&format!("{heading}  {count}"));
        for line in wrap(&escape(&category.action), 86) {
            w.line(&format!("  {line}"));
        }
        for code in codes {
            code_block(&mut w, code, widths);
        }
        for finding in findings {
            finding_block(&mut w, finding, widths);
        }
    }

    if report.total_events == 0 && report.total_findings == 0 {
        w.line("");
        w.line(labels.no_events);
    }
    footer(&mut w, report);
    verdict_line(&mut w, report);
    w.out
}

/// The last line: the `--fail-on` verdict and why.
fn verdict_line(w: &mut Writer, report: &Report) {
    let style = if report.verdict.failed { Style::Red } else { Style::Bold };
    let line = w.paint(style, &escape(&report.verdict.summary));
    w.line(&line);
}

fn code_label(code: &CodeReport) -> String {
    format!("{} {}", code.source.as_str(), escape(&code.code))
}

fn code_block(w: &mut Writer, code: &CodeReport, widths: Widths) {
    let labels = w.labels;
    let mut counts = labels.count(code.events, labels.event, labels.events);
    if code.users > 0 {
        let _ = write!(counts, " · {}", labels.count(code.users as u64, labels.user, labels.users));
    }
    if let Some(mark) = status_mark(code.status) {
        let _ = write!(counts, " · {mark}");
    }
    w.line("");
    let label = w.paint(Style::Bold, &pad(&code_label(code), widths.label));
    w.line(&format!("  {label}  {}  {counts}", pad(&escape(&code.meaning), widths.meaning)));
    let count_width = code
        .reasons
        .iter()
        .take(TOP_REASONS)
        .map(|r| group_digits(r.events).len())
        .max()
        .unwrap_or(1);
    for reason in code.reasons.iter().take(TOP_REASONS) {
        let mut text = if reason.reason.is_empty() {
            labels.no_reason.to_owned()
        } else {
            escape(&reason.reason)
        };
        if let Some(mark) = status_mark(reason.status) {
            let _ = write!(text, "  [{mark}]");
        }
        w.line(&format!("    {:>count_width$}  {text}", group_digits(reason.events)));
        let indent = " ".repeat(count_width + 6);
        if let Some(cause) = &reason.cause {
            w.line(&format!("{indent}{}: {}", labels.cause, escape(cause)));
        }
        if let Some(range) = time_range(&reason.first, &reason.last) {
            w.line(&format!("{indent}{}: {range}", labels.seen));
        }
        let at = w.paint(Style::Dim, &format!("{} {}", labels.at, location(&reason.first, labels)));
        w.line(&format!("{indent}{at}"));
    }
    let hidden = code.reasons.len().saturating_sub(TOP_REASONS);
    if hidden > 0 {
        let rest: u64 = code.reasons.iter().skip(TOP_REASONS).map(|r| r.events).sum();
        w.line(&format!(
            "    … {hidden} {} ({})",
            labels.more_reasons,
            labels.count(rest, labels.event, labels.events)
        ));
    }
}

fn finding_block(w: &mut Writer, finding: &FindingReport, widths: Widths) {
    let labels = w.labels;
    w.line("");
    let label = w.paint(Style::Bold, &pad(&escape(&finding.id), widths.label));
    let mut counts = labels.count(finding.events, labels.event, labels.events);
    if let Some(mark) = status_mark(finding.status) {
        let _ = write!(counts, " · {mark}");
    }
    w.line(&format!("  {label}  {}  {counts}", pad(&escape(&finding.meaning), widths.meaning)));
    w.line(&format!("      {}: {}", labels.fix, escape(&finding.fix)));
    if let Some(range) = time_range(&finding.first, &finding.last) {
        w.line(&format!("      {}: {range}", labels.seen));
    }
    let at = w.paint(Style::Dim, &format!("{} {}", labels.at, location(&finding.first, labels)));
    w.line(&format!("      {at}"));
}

/// The `none` category in one line: how many events, and which codes.
fn informational_line(w: &mut Writer, title: &str, events: u64, codes: &[&CodeReport]) {
    let labels = w.labels;
    let list: Vec<String> = codes
        .iter()
        .take(8)
        .map(|c| format!("{} ×{}", code_label(c), group_digits(c.events)))
        .collect();
    let more = if codes.len() > 8 { ", …" } else { "" };
    w.line("");
    let heading = w.paint(Style::Dim, &format!("NONE · {title}"));
    w.line(&format!(
        "{heading}  {} ({}{more})",
        labels.count(events, labels.event, labels.events),
        list.join(", ")
    ));
}

fn footer(w: &mut Writer, report: &Report) {
    let labels = w.labels;
    let s = &report.scanned;
    w.line("");
    w.line(&format!(
        "{} {}, {}, {}",
        labels.scanned,
        labels.count(s.files, labels.file, labels.files),
        labels.count(s.lines, labels.line, labels.lines),
        labels.count(s.bytes, labels.byte, labels.bytes),
    ));
    if s.long_lines > 0 {
        w.line(&format!(
            "{} {} (> {})",
            labels.count(s.long_lines, labels.line, labels.lines),
            labels.long_lines,
            labels.count(s.max_line_bytes as u64, labels.byte, labels.bytes),
        ));
    }
    for skipped in &s.skipped {
        w.line(&format!("{}: {} ({})", labels.skipped, escape(&skipped.path), skipped.reason));
    }
    for error in &report.errors {
        let line = format!("{}: {}: {}", labels.failed, escape(&error.path), escape(&error.error));
        let line = w.paint(Style::Red, &line);
        w.line(&line);
    }
    if report.has_unknown() {
        w.line(labels.unknown_hint);
    }
}

/// `new` or `grown` for groups compared with a baseline; known groups and
/// runs without a baseline show nothing.
fn status_mark(status: Option<Status>) -> Option<&'static str> {
    match status? {
        Status::New => Some("new"),
        Status::Grown => Some("grown"),
        Status::Known => None,
    }
}

fn location(at: &LocationEntry, labels: &Labels) -> String {
    let mut text = format!("{}:{}", escape(&at.path), at.line);
    if let Some(page) = &at.page {
        let _ = write!(text, " {}", escape(page));
    }
    if let Some(user) = &at.user {
        let _ = write!(text, " {} {}", labels.user_prefix, escape(user));
    }
    text
}

fn time_range(first: &LocationEntry, last: &LocationEntry) -> Option<String> {
    let first = first.time_text()?;
    match last.time_text() {
        Some(last) if last != first => Some(format!("{} … {}", escape(first), escape(last))),
        _ => Some(escape(first)),
    }
}

/// Pads `text` with spaces to `width` display columns.
fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// Splits `text` into lines of at most `width` display columns, at spaces
/// where there are any (Chinese text breaks between any two characters).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let fits = current.width() + 1 + word.width() <= width;
        if !current.is_empty() && !fits {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        for c in word.chars() {
            if current.width() + c.to_string().width() > width {
                lines.push(std::mem::take(&mut current));
            }
            current.push(c);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Escapes control characters (C0, DEL, C1) and bidi controls so that text
/// from a log prints as visible characters and cannot drive the terminal.
pub fn escape(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x1b' => out.push_str("\\e"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_controls_and_bidi() {
        assert_eq!(escape("a\x1b[31mb"), "a\\e[31mb");
        assert_eq!(escape("x\ry"), "x\\ry");
        assert_eq!(escape("\u{202E}abc"), "\\u{202e}abc");
        assert_eq!(escape("\x07\u{9b}"), "\\u{7}\\u{9b}");
        assert_eq!(escape("中文 ok"), "中文 ok");
    }

    #[test]
    fn pad_uses_display_width() {
        assert_eq!(pad("中文", 6), "中文  ");
        assert_eq!(pad("ab", 6), "ab    ");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_cjk() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("中文中文", 4), ["中文", "中文"]);
    }
}
