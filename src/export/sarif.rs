//! SARIF 2.1.0 for code scanning: one rule per (source, code) or finding,
//! with its meaning and remedy as help, and one result per group with its
//! first and last log locations and a fingerprint from the group key.

use serde_json::{json, Value};

use super::{groups, severity, Group, Severity};
use crate::catalog::{Catalog, Lang};
use crate::report::{Report, Status};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(report: &Report, catalog: &Catalog, lang: Lang) -> String {
    let groups = groups(report);
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for group in &groups {
        let index = match rule_ids.iter().position(|id| *id == group.rule) {
            Some(index) => index,
            None => {
                rules.push(rule(report, catalog, lang, group));
                rule_ids.push(group.rule.clone());
                rule_ids.len() - 1
            }
        };
        results.push(result(group, index));
    }
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": env!("CARGO_PKG_NAME"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [invocation(report)],
            "results": results,
            "properties": {
                "verdict": report.verdict.summary,
                "failed": report.verdict.failed,
            },
        }]
    });
    let mut text = serde_json::to_string_pretty(&sarif).expect("SARIF serialises");
    text.push('\n');
    text
}

fn rule(report: &Report, catalog: &Catalog, lang: Lang, group: &Group) -> Value {
    let action = report.category(group.category).map_or("", |c| c.action.as_str());
    let mut help = String::new();
    let mut full = group.meaning.to_owned();
    if let Some(finding) = group.rule.strip_prefix("finding/") {
        if let Some(entry) = catalog.findings().iter().find(|f| f.id == finding) {
            help = entry.fix.get(lang).to_owned();
        }
    } else if let Some((source, code)) = group.rule.split_once('/') {
        let entry = crate::extract::Source::parse(source).and_then(|s| catalog.entry(s, code));
        if let Some(entry) = entry {
            help = entry.remedy.get(lang).to_owned();
            let causes = entry.causes.get(lang);
            if !causes.is_empty() {
                full = format!("{}. {}", group.meaning, causes.join("; "));
            }
        }
    }
    if help.is_empty() {
        help = action.to_owned();
    }
    json!({
        "id": group.rule,
        "name": group.label,
        "shortDescription": { "text": group.meaning },
        "fullDescription": { "text": full },
        "help": { "text": format!("{help}\n\n{action}") },
        "defaultConfiguration": { "level": level(group.category) },
        "properties": { "category": group.category },
    })
}

/// The run's invocation, with one error notification per unreadable input.
fn invocation(report: &Report) -> Value {
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|error| {
            json!({
                "level": "error",
                "message": { "text": format!("could not read {}: {}", error.path, error.error) },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&error.path) } } }],
            })
        })
        .collect();
    json!({
        "executionSuccessful": report.errors.is_empty(),
        "toolExecutionNotifications": notifications,
    })
}

fn result(group: &Group, rule_index: usize) -> Value {
    let mut message = format!("{} × {}: {}", group.events, group.label, group.detail);
    if let Some(cause) = group.cause {
        message.push_str(&format!(". Cause: {cause}"));
    }
    let mut locations = vec![location(&group.first.path, group.first.line)];
    if (group.last.path.as_str(), group.last.line) != (group.first.path.as_str(), group.first.line)
    {
        locations.push(location(&group.last.path, group.last.line));
    }
    let properties =
        json!({ "category": group.category, "events": group.events, "key": group.key });
    let mut result = json!({
        "ruleId": group.rule,
        "ruleIndex": rule_index,
        "level": level(group.category),
        "message": { "text": message },
        "locations": locations,
        "partialFingerprints": { "miniappTriageGroup/v1": fingerprint(group.key) },
        "properties": properties,
    });
    // SARIF's own baseline states: grown groups are "updated".
    if let Some(status) = group.status {
        result["baselineState"] = json!(match status {
            Status::New => "new",
            Status::Grown => "updated",
            Status::Known => "unchanged",
        });
    }
    result
}

fn level(category: &str) -> &'static str {
    match severity(category) {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn location(path: &str, line: u64) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(path) },
            "region": { "startLine": line.max(1) },
        }
    })
}

/// A relative URI reference for a path as given on the command line, with
/// everything outside the unreserved set and `/` percent-encoded.
fn uri(path: &str) -> String {
    let path = if path == "<stdin>" { "stdin" } else { path };
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// FNV-1a, 64 bits, of the group key: stable across runs, platforms and
/// versions of this tool, unlike `std`'s hasher.
fn fingerprint(key: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encodes_reserved_characters() {
        assert_eq!(uri("logs/a b#1.log"), "logs/a%20b%231.log");
        assert_eq!(uri("/var/log/x.log"), "file:///var/log/x.log");
        assert_eq!(uri("<stdin>"), "stdin");
        assert_eq!(uri("日志.log"), "%E6%97%A5%E5%BF%97.log");
    }

    #[test]
    fn fingerprint_is_fnv1a() {
        assert_eq!(fingerprint(""), "cbf29ce484222325");
        assert_eq!(fingerprint("a"), "af63dc4c8601ec8c");
    }
}
