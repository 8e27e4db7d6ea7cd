//! The prefilter: one search over a whole buffer for the lines that can
//! hold an event or a finding, so that the many lines without one are
//! never decoded or parsed.
//!
//! A line is a candidate when it contains a key that every event shape
//! needs (`code`, `reason`, `errMsg`, `:fail`, `exception on`, `failed`),
//! matches a finding pattern, or ends with `{` or `[` (a record that may
//! continue on the next lines). Every other rule in this module's siblings
//! fires only on such lines; `scan_chunk` in the tests checks that
//! scanning candidates gives the same result as scanning every line.

use regex::bytes::Regex;

/// Keys without which no text rule or structure can make an event. Case
/// variants follow the keys the text rules accept (`Code: 905, Reason:`).
const KEYS: [&str; 10] = [
    "code",
    "Code",
    "CODE",
    "reason",
    "Reason",
    "REASON",
    "errMsg",
    ":fail",
    "exception on",
    "failed",
];

/// Builds the candidate search from the catalog's finding patterns.
pub fn build(finding_patterns: &[&str]) -> Result<Regex, regex::Error> {
    let mut alternatives: Vec<String> = KEYS.iter().map(|key| regex::escape(key)).collect();
    alternatives.extend(["\\{\\r?\\n", "\\[\\r?\\n"].map(str::to_owned));
    alternatives.extend(finding_patterns.iter().map(|p| format!("(?:{p})")));
    Regex::new(&format!("(?m){}", alternatives.join("|")))
}
