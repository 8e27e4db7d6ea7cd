//! The failure policy (`--fail-on`) and the verdict it gives a report.
//!
//! A policy is a comma list of rules: a category id with an optional
//! allowed count (`rejoin:5` fails above five rejoin events), `any` (any
//! event or finding outside `none`), `new` (groups not in the baseline,
//! outside `none`) or `never`. The run fails when any rule fails.

use std::fmt;
use std::str::FromStr;

use crate::catalog::CATEGORY_ORDER;
use crate::report::labels::group_digits;
use crate::report::{Report, Status, Verdict};

/// The category that never fails a run under `any` or `new`.
const INFORMATIONAL: &str = "none";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Any,
    New,
    Category { id: String, allowed: u64 },
}

/// A parsed `--fail-on` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailOn {
    rules: Vec<Rule>,
    text: String,
}

impl Default for FailOn {
    fn default() -> Self {
        FailOn { rules: vec![Rule::Any], text: "any".to_owned() }
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for FailOn {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let help = format!(
            "use any, new, never, or category ids ({}) each with an optional :N, separated by commas",
            CATEGORY_ORDER.join(", ")
        );
        let mut rules = Vec::new();
        let mut never = false;
        for part in text.split(',').map(str::trim) {
            let (name, count) = match part.split_once(':') {
                Some((name, count)) => (name.trim(), Some(count.trim())),
                None => (part, None),
            };
            let rule = match (name, count) {
                ("", _) => return Err(format!("empty rule in `{text}`; {help}")),
                ("any" | "new" | "never", Some(_)) => {
                    return Err(format!(
                        "`{name}` takes no count in `{part}`; only category ids do"
                    ))
                }
                ("any", None) => Rule::Any,
                ("new", None) => Rule::New,
                ("never", None) => {
                    never = true;
                    continue;
                }
                (id, count) => {
                    if !CATEGORY_ORDER.contains(&id) {
                        return Err(format!("unknown category `{id}`; {help}"));
                    }
                    let allowed = match count {
                        None => 0,
                        Some(n) => n.parse::<u64>().map_err(|e| match e.kind() {
                            std::num::IntErrorKind::PosOverflow => {
                                format!("allowed count `{n}` in `{part}` is too large")
                            }
                            _ => format!(
                                "invalid allowed count `{n}` in `{part}`; use a whole number such as {id}:5"
                            ),
                        })?,
                    };
                    Rule::Category { id: id.to_owned(), allowed }
                }
            };
            let repeated = rules.iter().any(|r| match (r, &rule) {
                (Rule::Category { id: a, .. }, Rule::Category { id: b, .. }) => a == b,
                (a, b) => a == b,
            });
            if repeated {
                return Err(format!("`{name}` is given twice in `{text}`; keep one"));
            }
            rules.push(rule);
        }
        if never && !rules.is_empty() {
            return Err(format!("`never` cannot be combined with other rules in `{text}`"));
        }
        Ok(FailOn { rules, text: text.to_owned() })
    }
}

impl FailOn {
    /// Returns true when the policy compares against a baseline.
    pub fn needs_baseline(&self) -> bool {
        self.rules.contains(&Rule::New)
    }

    /// Judges `report`, whose groups carry baseline statuses when a
    /// baseline was given.
    pub fn judge(&self, report: &Report) -> Verdict {
        let mut reasons = Vec::new();
        let mut passes = Vec::new();
        for rule in &self.rules {
            match rule {
                Rule::Any => {
                    let (events, findings, categories) = outside_informational(report);
                    if events + findings > 0 {
                        reasons.push(format!(
                            "{} outside none ({categories})",
                            counted("", events, findings)
                        ));
                    } else {
                        passes.push("no events or findings outside none".to_owned());
                    }
                }
                Rule::New => {
                    let new = new_groups(report);
                    if new.is_empty() {
                        passes.push("no new groups against the baseline".to_owned());
                    } else {
                        let shown: Vec<&str> = new.iter().take(5).map(String::as_str).collect();
                        let more = if new.len() > 5 {
                            format!(" and {} more", new.len() - 5)
                        } else {
                            String::new()
                        };
                        let groups = if new.len() == 1 { "group" } else { "groups" };
                        reasons.push(format!(
                            "{} new {groups}: {}{more}",
                            new.len(),
                            shown.join(", ")
                        ));
                    }
                }
                Rule::Category { id, allowed } => {
                    let (events, findings) =
                        report.category(id).map_or((0, 0), |c| (c.events, c.findings));
                    let counts = counted(&format!("{id} "), events, findings);
                    let allowed_text = group_digits(*allowed);
                    if events + findings > *allowed {
                        reasons.push(format!("{counts} above the allowed {allowed_text}"));
                    } else {
                        passes.push(format!("{counts} within the allowed {allowed_text}"));
                    }
                }
            }
        }
        let failed = !reasons.is_empty();
        let summary = if failed {
            format!("failed: {}", reasons.join("; "))
        } else if passes.is_empty() {
            "passed: the policy is never".to_owned()
        } else {
            format!("passed: {}", passes.join("; "))
        };
        Verdict { failed, fail_on: self.text.clone(), summary, reasons }
    }
}

/// Writes counts as `3 rejoin events`, `2 findings` or `3 events and 2
/// findings`, with `label` (such as `rejoin `) before the first noun. No
/// count at all reads as events.
fn counted(label: &str, events: u64, findings: u64) -> String {
    let noun = |n: u64, one: &str, many: &str| {
        format!("{} {label}{}", group_digits(n), if n == 1 { one } else { many })
    };
    match (events, findings) {
        (_, 0) => noun(events, "event", "events"),
        (0, _) => noun(findings, "finding", "findings"),
        _ => {
            let noun = if findings == 1 { "finding" } else { "findings" };
            format!("{} and {} {noun}", counted(label, events, 0), group_digits(findings))
        }
    }
}

/// Events and findings outside `none`, and the categories they are in.
fn outside_informational(report: &Report) -> (u64, u64, String) {
    let (mut events, mut findings) = (0, 0);
    let mut parts = Vec::new();
    for category in report.categories.iter().filter(|c| c.id != INFORMATIONAL) {
        let total = category.events + category.findings;
        if total > 0 {
            events += category.events;
            findings += category.findings;
            parts.push(format!("{} {}", category.id, group_digits(total)));
        }
    }
    (events, findings, parts.join(", "))
}

/// Names of the groups marked new, outside `none`.
fn new_groups(report: &Report) -> Vec<String> {
    let codes = report.codes.iter().filter(|c| c.category != INFORMATIONAL).flat_map(|code| {
        code.reasons
            .iter()
            .filter(|r| r.status == Some(Status::New))
            .map(move |r| format!("{} {} ({})", code.source.as_str(), code.code, r.reason))
    });
    let findings = report
        .findings
        .iter()
        .filter(|f| f.category != INFORMATIONAL && f.status == Some(Status::New))
        .map(|f| format!("finding {}", f.id));
    codes.chain(findings).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules() {
        assert_eq!("any".parse::<FailOn>().unwrap(), FailOn::default());
        let spec: FailOn = "rejoin:5, service,new".parse().unwrap();
        assert_eq!(
            spec.rules,
            [
                Rule::Category { id: "rejoin".into(), allowed: 5 },
                Rule::Category { id: "service".into(), allowed: 0 },
                Rule::New
            ]
        );
        assert!(spec.needs_baseline());
        assert_eq!("never".parse::<FailOn>().unwrap().rules, []);
    }

    #[test]
    fn rejects_bad_rules() {
        assert!("rejoin:x".parse::<FailOn>().unwrap_err().contains("invalid allowed count `x`"));
        assert!("rejion".parse::<FailOn>().unwrap_err().contains("unknown category `rejion`"));
        assert!("never,any".parse::<FailOn>().unwrap_err().contains("cannot be combined"));
        assert!("any,".parse::<FailOn>().unwrap_err().contains("empty rule"));
        assert!("any:3".parse::<FailOn>().unwrap_err().contains("`any` takes no count"));
        assert!("rejoin:99999999999999999999".parse::<FailOn>().unwrap_err().contains("too large"));
        assert!("rejoin:5,rejoin:3".parse::<FailOn>().unwrap_err().contains("given twice"));
        assert_eq!(
            "rejoin: 5".parse::<FailOn>().unwrap().rules,
            [Rule::Category { id: "rejoin".into(), allowed: 5 }]
        );
    }
}
