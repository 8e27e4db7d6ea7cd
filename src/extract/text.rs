//! Per-text extraction: structures first, then the text shapes around them.
//!
//! A "unit" is one line, or one string value inside a parsed structure. The
//! unit's structures (`{…}`, `[…]`) are parsed and walked; their text is then
//! blanked out so that the text rules (`code=431 reason=…`, `error: 904,
//! reason: …`, `live-pusher code: -1307`, `request:fail …`) see only what
//! the structures did not already explain. A unit without events is checked
//! against the catalog's code-less findings.

use std::sync::LazyLock;

use regex::Regex;

use super::keys;
use super::relaxed::{self, ParseError};
use super::{Context, Event, Finding, Hit, Source};
use crate::catalog::Catalog;

/// Strings nested inside strings (JSON inside a JSON string value) are
/// scanned to this depth.
const MAX_NESTING: u8 = 4;

/// Extraction settings for one record.
pub struct Scan<'c> {
    pub catalog: &'c Catalog,
    /// The DevTools repeat count of the record's line.
    pub count: u64,
    /// Whether a structure left open at the end of the text may continue on
    /// the next lines.
    pub allow_open: bool,
}

/// The result of scanning one unit.
pub struct Unit {
    pub events: usize,
    /// Offset of a structure that is still open at the end of the text.
    pub open_at: Option<usize>,
}

// The patterns are compiled once per thread. Threads that share a regex
// contend on its cache pool and on the reference count that each capture
// search increments, which cost a two-thread scan about a tenth more CPU.
thread_local! {
    static REASON_KEY: Regex = {
        Regex::new(r#"(?:^|[^\w.$-])["']?(?P<key>(?i:reason|message))["']?\s*(?P<sep>[:：=])\s*"#)
            .expect("reason key pattern is valid")
    };

    static APP_FAILED: Regex = {
        Regex::new(
            // The SDK's own API names before `failed`, so that an HTTP status
            // in `getToken failed: 502 Bad Gateway` is not taken for a code.
            concat!(
                r"(?-u:\b)(?:client|init|join|rejoin|leave|publish|unpublish|subscribe|unsubscribe|",
                r"setRole|role|renewToken|mute|unmute|muteLocal|unmuteLocal|destroy)(?-u:\b)",
                r"[^:\n]{0,40}?(?-u:\b)failed:?\s+(?:\[object Object\]\s+)?(?P<code>\d{3})\s+(?P<reason>\S.*?)\s*$",
            ),
        )
        .expect("app failure pattern is valid")
    };

    static API_FAIL: Regex = {
        Regex::new(r#"(?-u:\b)(?P<api>[a-z][A-Za-z0-9]*):fail(?-u:\b)[^"'{}\[\]\n\x01]*"#)
            .expect("api failure pattern is valid")
    };

    static SOCKET_EXCEPTION: Regex = {
        Regex::new(r#"(?-u:\b)exception on[A-Z][A-Za-z]* fail(?-u:\b)[^"'}\]\n\x01]*"#)
            .expect("socket exception pattern is valid")
    };

    static USER: Regex = {
        Regex::new(r#"(?-u:\b)(?:openid|openId|open_id|OpenID)["']?\s*[:=]\s*["']?(?P<openid>[A-Za-z0-9_-]{6,64})|(?-u:\b)uid["']?[ \t]*[:=][ \t]*["']?(?P<uid>[0-9]{1,20})(?-u:\b)"#)
            .expect("user pattern is valid")
    };
}

/// Returns true for numbers that are never event codes: 0 and 200 mean
/// success, and a number with a leading zero is not a code. The prefilter's
/// code pattern skips exactly these.
pub fn is_success(code: &str) -> bool {
    let code = code.trim();
    let digits = code.strip_prefix('-').unwrap_or(code);
    digits.is_empty() || digits.starts_with('0') || digits == "200"
}

pub fn normalise_code(code: &str) -> String {
    code.trim().trim_start_matches('+').to_owned()
}

/// A component a line names: `live-pusher` or `live-player` (also inside
/// names such as `onPusherStateChange`), or only one of their event names
/// (`statechange`, `netstatus`, `binderror`), which leaves the component to
/// be decided by the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Named(Source),
    Either,
}

/// Returns the component named last in `text`, or `Either` when the text
/// has only an event name.
pub fn component_hint(text: &str) -> Option<Component> {
    hint_from(&keys::mentions(text))
}

/// Returns true when the structure that `bytes` starts with closes within
/// it, counting brackets outside quoted strings.
fn closes(bytes: &[u8]) -> bool {
    let mut depth = 0usize;
    let mut quote = None;
    let mut escaped = false;
    for &b in bytes {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == q || b == b'\n' {
                quote = None;
            }
            continue;
        }
        match b {
            b'"' | b'\'' => quote = Some(b),
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The last named component among `mentions`, or `Either` when they are
/// only event names.
fn hint_from(mentions: &[(usize, Component)]) -> Option<Component> {
    let named = mentions.iter().rev().find(|(_, c)| matches!(c, Component::Named(_)));
    named.or(mentions.last()).map(|&(_, c)| c)
}

impl Component {
    /// The source for `code`: the named component, or for an event name
    /// alone, the component whose catalog lists the code (live-pusher when
    /// both do, as for the shared RTMP codes 3001 to 3005).
    pub fn source_for(self, catalog: &Catalog, code: &str) -> Option<Source> {
        match self {
            Component::Named(source) => Some(source),
            Component::Either => [Source::LivePusher, Source::LivePlayer]
                .into_iter()
                .find(|&source| catalog.knows(source, code)),
        }
    }
}

impl Scan<'_> {
    /// Scans one line's text. Returns the offset of a structure that stays
    /// open at the end of the line when the caller allows that.
    pub fn top(&self, text: &str, context: &Context, out: &mut Vec<Hit>) -> Option<usize> {
        self.unit(text, context, None, 0, out).open_at
    }

    /// Scans one unit of text at string-nesting depth `depth`.
    pub fn unit(
        &self,
        text: &str,
        context: &Context,
        hint: Option<Component>,
        depth: u8,
        out: &mut Vec<Hit>,
    ) -> Unit {
        let start = out.len();
        let mut rest = Blanked::new(text);
        let mut open_at = None;
        let mut events = 0;

        if depth <= MAX_NESTING && worth_parsing(text) {
            // Component mentions are found once, when the first structure
            // parses: looking again before every structure made a long line
            // with many objects quadratic.
            let mut mentions = None;
            let mut pos = 0;
            while let Some(i) = memchr::memchr2(b'{', b'[', &text.as_bytes()[pos..]) {
                let at = pos + i;
                // A cheap bracket count first: a structure that never
                // closes (a cut line) is not parsed, which kept a cut
                // realtime-log document from being parsed whole once per
                // level of nesting.
                let parsed = if closes(&text.as_bytes()[at..]) {
                    relaxed::parse_at(text, at)
                } else {
                    Err(ParseError::Incomplete)
                };
                match parsed {
                    Ok((node, end)) => {
                        let mentions = mentions.get_or_insert_with(|| keys::mentions(text));
                        let before =
                            mentions.partition_point(|&(mention_end, _)| mention_end <= at);
                        let hint = hint_from(&mentions[..before]).or(hint);
                        let found = self.node(&node, context, hint, None, depth, out);
                        events += found;
                        // Objects are explained by the walk even without
                        // events (a success record); a bracketed word such
                        // as `[bar]` in a reason stays part of the text.
                        if found > 0 || matches!(node, relaxed::Node::Object(..)) {
                            rest.blank(at, end);
                        }
                        pos = end;
                    }
                    // A record continues on the next lines only when its
                    // opening bracket ends the line, as in pretty-printed
                    // JSON and Node's multi-line objects; the prefilter
                    // relies on that.
                    Err(ParseError::Incomplete)
                        if depth == 0 && self.allow_open && at + 1 == text.len() =>
                    {
                        open_at = Some(at);
                        rest.blank(at, text.len());
                        break;
                    }
                    Err(_) => pos = at + 1,
                }
            }
        }

        let rest = rest.as_str();
        events += self.text_rules(rest, context, hint, out);
        if events > 0 {
            fill_user(text, &mut out[start..]);
        } else if open_at.is_none() {
            self.finding(rest, context, out);
        }
        Unit { events, open_at }
    }

    fn text_rules(
        &self,
        text: &str,
        context: &Context,
        hint: Option<Component>,
        out: &mut Vec<Hit>,
    ) -> usize {
        let has = |needle: usize| NEEDLES[needle].find(text.as_bytes()).is_some();
        let mut rest = Blanked::new(text);
        // The search for code keys is one pass over the text, cheaper than
        // checking first for each key name.
        let mut events = self.code_pairs(text, &mut rest, context, hint, out);
        if has(FAILED) {
            let caps = APP_FAILED.with(|re| re.captures(rest.as_str()));
            let whole = caps.and_then(|caps| {
                let code = &caps["code"];
                self.catalog.knows(Source::Agora, code).then(|| {
                    self.push(out, Source::Agora, code, &caps["reason"], context);
                    caps.get(0).expect("match").range()
                })
            });
            if let Some(whole) = whole {
                rest.blank(whole.start, whole.end);
                events += 1;
            }
        }
        if has(COLON_FAIL) {
            let mut failures = Vec::new();
            API_FAIL.with(|re| {
                for caps in re.captures_iter(rest.as_str()) {
                    let whole = caps.get(0).expect("match");
                    self.push(out, Source::Wx, &caps["api"], whole.as_str().trim_end(), context);
                    failures.push(whole.range());
                }
            });
            for whole in failures {
                rest.blank(whole.start, whole.end);
                events += 1;
            }
        }
        if has(EXCEPTION) {
            SOCKET_EXCEPTION.with(|re| {
                for found in re.find_iter(rest.as_str()) {
                    self.push(out, Source::Wx, "SocketTask", found.as_str().trim_end(), context);
                    events += 1;
                }
            });
        }
        events
    }

    /// Finds `code` keys in text and pairs each with the `reason` or
    /// `message` that follows it before the next code key.
    fn code_pairs(
        &self,
        text: &str,
        rest: &mut Blanked<'_>,
        context: &Context,
        hint: Option<Component>,
        out: &mut Vec<Hit>,
    ) -> usize {
        let keys = keys::code_keys(text);
        // Component mentions, found once when a key without a reason needs
        // them: looking again before every key made a line with many keys
        // quadratic.
        let mut mentions = None;
        let mut events = 0;
        for (i, found) in keys.iter().enumerate() {
            let whole = found.whole.clone();
            let segment_end = keys.get(i + 1).map_or(text.len(), |next| next.whole.start);
            let segment = &text[whole.end..segment_end];
            let key = match &text[found.key.clone()] {
                "errCode" => "errCode".to_owned(),
                other => other.to_ascii_lowercase(),
            };
            let key = key.as_str();
            let code = &text[found.num.clone()];
            let reason = find_value(segment, "reason");
            // A message counts only when there is no reason.
            let message = || find_value(segment, "message");
            let mut component = || {
                let mentions = mentions.get_or_insert_with(|| keys::mentions(text));
                let before = mentions.partition_point(|&(end, _)| end <= whole.start);
                hint_from(&mentions[..before]).or(hint)
            };

            let (source, reason, used) = match (key, reason) {
                ("code" | "error" | "err_code", Some((r, used))) => (Source::Agora, r, used),
                ("err_code", None) => {
                    let Some((m, used)) = message() else { continue };
                    (Source::Agora, m, used)
                }
                ("code" | "errCode", None) => {
                    let Some(component) = component() else { continue };
                    let Some(source) = component.source_for(self.catalog, code) else { continue };
                    let (m, used) = message().unwrap_or_default();
                    (source, m, used)
                }
                _ => continue,
            };
            if is_success(code) {
                continue;
            }
            self.push(out, source, code, &reason, context);
            rest.blank(whole.start, whole.end + used);
            events += 1;
        }
        events
    }

    fn finding(&self, text: &str, context: &Context, out: &mut Vec<Hit>) {
        if let Some(index) = self.catalog.match_finding(text) {
            out.push(Hit::Finding(Finding {
                index,
                text: text.trim().to_owned(),
                count: self.count,
                context: context.clone(),
            }));
        }
    }

    pub(super) fn push(
        &self,
        out: &mut Vec<Hit>,
        source: Source,
        code: &str,
        reason: &str,
        context: &Context,
    ) {
        out.push(Hit::Event(Event {
            source,
            code: normalise_code(code),
            reason: cap_reason(reason.split(BLANK as char).next().unwrap_or_default().trim())
                .to_owned(),
            count: self.count,
            context: context.clone(),
        }));
    }
}

/// Structures are parsed when the text is a JSON document or mentions a key
/// that can make an event; other brackets (`[INFO]`, `{…}` previews of
/// unrelated objects) are left to the text rules.
fn worth_parsing(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with('{')
        || trimmed.starts_with('[')
        || [ODE, ERR_MSG, REASON].iter().any(|&i| NEEDLES[i].find(text.as_bytes()).is_some())
}

/// Substrings the text rules look for before running their patterns,
/// built once.
static NEEDLES: LazyLock<Vec<memchr::memmem::Finder<'static>>> = LazyLock::new(|| {
    ["failed", ":fail", "exception on", "ode", "errMsg", "reason"]
        .iter()
        .map(|needle| memchr::memmem::Finder::new(needle.as_bytes()))
        .collect()
});
const FAILED: usize = 0;
const COLON_FAIL: usize = 1;
const EXCEPTION: usize = 2;
const ODE: usize = 3;
const ERR_MSG: usize = 4;
const REASON: usize = 5;

/// Finds `key: value` or `key=value` in `segment` and returns the value and
/// the number of bytes of `segment` up to the value's end.
fn find_value(segment: &str, key: &str) -> Option<(String, usize)> {
    let caps = REASON_KEY
        .with(|re| re.captures_iter(segment).find(|c| c["key"].eq_ignore_ascii_case(key)))?;
    let value_start = caps.get(0).expect("match").end();
    let sep = &caps["sep"];
    let after = &segment[value_start..];
    let (value, len) = read_value(after, sep == "=");
    Some((value, value_start + len))
}

/// Maximum length of a kept reason, in bytes. Real reasons are a few words,
/// and a value that runs for megabytes (a cut line) would fill the report
/// and memory.
pub const MAX_REASON_BYTES: usize = 1024;

/// Returns the first [`MAX_REASON_BYTES`] of `reason` at most, cut at a
/// character boundary.
fn cap_reason(reason: &str) -> &str {
    if reason.len() <= MAX_REASON_BYTES {
        return reason;
    }
    let mut end = MAX_REASON_BYTES;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    &reason[..end]
}

/// Reads a quoted or bare value. A bare value after `=` runs to the next
/// ` key=`; after `:` it runs to the next `, key:` or ` key:`.
fn read_value(text: &str, equals: bool) -> (String, usize) {
    thread_local! {
        static NEXT_EQ: Regex =
            Regex::new(r"(?:\s+|\s*[,;|&]\s*)[A-Za-z_][\w.]*=").expect("valid");
        static NEXT_COLON: Regex =
            Regex::new(r#"(?:,\s*|\s+)["']?[A-Za-z_]\w*["']?\s*[:=]\s|,\s*[A-Za-z_]\w*[:=]|\s+[A-Za-z_]\w*[:=]\S"#).expect("valid");
    }

    if let Some((value, end)) = relaxed::parse_string(text, 0) {
        return (value, end);
    }
    let next_key = if equals { &NEXT_EQ } else { &NEXT_COLON };
    let stop = next_key
        .with(|re| re.find(text))
        .map_or(text.len(), |m| m.start())
        .min(text.find(BLANK as char).unwrap_or(text.len()));
    let value = text[..stop].trim().trim_end_matches([',', ';', '|', '}', ')']).trim_end();
    (cap_reason(value).to_owned(), stop)
}

/// The byte that replaces text a rule has already explained. It is not
/// whitespace, so a key on one side and a value on the other of a blanked
/// structure (`code[]:3`) do not join into a pair, and values end at it.
const BLANK: u8 = 0x01;

/// A text with parts replaced by [`BLANK`], copied when the first part is
/// blanked.
struct Blanked<'t> {
    text: &'t str,
    blanked: Option<Vec<u8>>,
}

impl<'t> Blanked<'t> {
    fn new(text: &'t str) -> Self {
        Blanked { text, blanked: None }
    }

    /// Replaces `start..end` with [`BLANK`], keeping the byte length. Both
    /// ends must be character boundaries or past the end.
    fn blank(&mut self, start: usize, end: usize) {
        let end = end.min(self.text.len());
        if start < end {
            let bytes = self.blanked.get_or_insert_with(|| self.text.as_bytes().to_vec());
            bytes[start..end].fill(BLANK);
        }
    }

    fn as_str(&self) -> &str {
        match &self.blanked {
            Some(bytes) => simdutf8::basic::from_utf8(bytes).expect("blanking keeps UTF-8 valid"),
            None => self.text,
        }
    }
}

/// Gives events without a user the OpenID or uid the text names.
pub(super) fn fill_user(text: &str, hits: &mut [Hit]) {
    let mut found: Option<Option<String>> = None;
    for hit in hits {
        let context = hit.context_mut();
        if context.user.is_none() {
            context.user = found
                .get_or_insert_with(|| {
                    USER.with(|re| re.captures(text))
                        .and_then(|c| c.name("openid").or(c.name("uid")))
                        .map(|m| m.as_str().to_owned())
                })
                .clone();
        }
    }
}
