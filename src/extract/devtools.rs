//! Line shapes added by consoles rather than by the SDK: DevTools source
//! locations with repeat counts, `[Violation]` noise, expanded-object
//! property lines, and the bracket depth of a record spread over lines.

use regex::Regex;

// Compiled once per thread, as the patterns in `text` are.
thread_local! {
    /// A DevTools source location at the start of a line, with the repeat
    /// count DevTools glues in front of it when it collapsed identical
    /// lines: `4agora-miniapp-sdk.js? [sm]:1 `, `index.js? [sm]:24 `,
    /// `AgoraRTC_N.js:5 `.
    static SOURCE_LOCATION: Regex = Regex::new(
        r"^(?P<repeat>[1-9]\d{0,8})?[A-Za-z_][\w.@~/-]*\.(?:js|mjs|cjs|ts|jsx|tsx|wxs|vue)(?:\?[^\s:]*)?(?: \[sm\])?:\d+(?::\d+)? ",
    )
    .expect("source location pattern is valid");
}

/// Splits a DevTools repeat count off the line. Returns the count (1 when
/// there is none) and the line without the count, source location kept.
pub fn split_repeat(line: &str) -> (u64, &str) {
    if !line.starts_with(|c: char| c.is_ascii_digit()) {
        return (1, line);
    }
    let Some(caps) = SOURCE_LOCATION.with(|re| re.captures(line)) else {
        return (1, line);
    };
    match caps.name("repeat") {
        Some(repeat) => (repeat.as_str().parse().unwrap_or(1), &line[repeat.end()..]),
        None => (1, line),
    }
}

/// Returns true for console noise that carries no signal, such as
/// `[Violation] 'setTimeout' handler took 901ms`.
pub fn is_noise(line: &str) -> bool {
    line.contains("[Violation] ")
}

/// A property line of an expanded object: `code: 905`, `"reason": "x",`,
/// `▶ reason: "x"`. Returns the key and the unquoted value for the keys
/// that make an event; other property lines return `("", "")` so that
/// they continue the block.
pub fn property(line: &str) -> Option<(&str, String)> {
    if !may_be_property(line) {
        return None;
    }
    thread_local! {
        static PROPERTY: Regex = Regex::new(r#"^\s*(?:[▶▼►]\s*)?(?:"(?P<q>[A-Za-z_$][\w$]*)"|'(?P<s>[A-Za-z_$][\w$]*)'|(?P<k>[A-Za-z_$][\w$]*|\[\[[A-Za-z]+\]\]))\s*:\s*(?P<v>.*?)\s*,?\s*$"#)
            .expect("property pattern is valid");
    }
    let caps = PROPERTY.with(|re| re.captures(line))?;
    let key = caps.name("q").or(caps.name("s")).or(caps.name("k"))?.as_str();
    let raw = caps.name("v").map_or("", |v| v.as_str());
    let key = match key {
        "code" | "err_code" | "reason" | "message" | "errMsg" => key,
        _ => return Some(("", String::new())),
    };
    Some((key, unquote(raw)))
}

/// A quick check that `line` starts like a property line: an optional
/// marker, then a key and a colon. It turns away most lines before the
/// property pattern runs; the pattern decides.
pub fn may_be_property(line: &str) -> bool {
    let rest = line.trim_start();
    let rest = rest.trim_start_matches(['▶', '▼', '►']).trim_start();
    let rest = rest.trim_start_matches(['"', '\'', '[']);
    let key_len =
        rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$')).count();
    if key_len == 0 {
        return false;
    }
    let after = rest[key_len..].trim_start_matches(['"', '\'', ']']).trim_start();
    after.starts_with(':')
}

fn unquote(raw: &str) -> String {
    let quoted = raw.len() >= 2
        && ((raw.starts_with('"') && raw.ends_with('"'))
            || (raw.starts_with('\'') && raw.ends_with('\'')));
    if !quoted {
        return raw.to_owned();
    }
    match super::relaxed::parse_at(&format!("[{raw}]"), 0) {
        Ok((super::relaxed::Node::Array(items), _)) => match items.first() {
            Some(super::relaxed::Node::Str(s, _)) => s.to_string(),
            _ => raw[1..raw.len() - 1].to_owned(),
        },
        _ => raw[1..raw.len() - 1].to_owned(),
    }
}

/// Returns true when `line` can be the next line of a pretty-printed JSON
/// document or a multi-line JavaScript object. A line of prose or a stack
/// frame (`    at foo (a.js:1:2)`) is not, which ends a false start early.
pub fn continues_structure(line: &str) -> bool {
    thread_local! {
        static CONTINUATION: Regex = Regex::new(r#"^\s*(?:$|["'{}\[\]\d…-]|\.\.\.|(?:true|false|null|undefined)(?-u:\b)|[A-Za-z_$][\w$]*\s*:|\[\[)"#)
            .expect("continuation pattern is valid");
    }
    CONTINUATION.with(|re| re.is_match(line))
}

/// Tracks bracket depth outside strings across the lines of a record.
#[derive(Default, Clone, Copy)]
pub struct Depth {
    depth: i64,
    quote: Option<u8>,
    escaped: bool,
    /// Set once the depth has returned to zero or below.
    closed: bool,
}

impl Depth {
    pub fn feed(&mut self, text: &str) {
        for &b in text.as_bytes() {
            if let Some(q) = self.quote {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == q {
                    self.quote = None;
                }
                continue;
            }
            match b {
                b'"' | b'\'' => self.quote = Some(b),
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth <= 0 {
                        self.closed = true;
                    }
                }
                _ => {}
            }
        }
        // Strings do not span lines in the notations read here.
        self.quote = None;
        self.escaped = false;
    }

    pub fn closed(&self) -> bool {
        self.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_count_glued_to_source() {
        assert_eq!(
            split_repeat("4agora-miniapp-sdk.js? [sm]:1 Mon"),
            (4, "agora-miniapp-sdk.js? [sm]:1 Mon")
        );
        assert_eq!(split_repeat("2index.js? [sm]:24 live-player code: 2103").0, 2);
        assert_eq!(split_repeat("index.js? [sm]:24 live-pusher code: 1005").0, 1);
        assert_eq!(split_repeat("AgoraRTC_N.js:5 00:22:45:841 x").0, 1);
        assert_eq!(split_repeat("12meeting.js:77 x"), (12, "meeting.js:77 x"));
        let nested = "3pages/index/index.js? [sm]:31 live-pusher code: -1307";
        assert_eq!(
            split_repeat(nested),
            (3, "pages/index/index.js? [sm]:31 live-pusher code: -1307")
        );
    }

    #[test]
    fn numbers_without_source_are_not_repeats() {
        assert_eq!(split_repeat("2024-03-04 09:20:02.512 ERROR").0, 1);
        assert_eq!(split_repeat("404 not found").0, 1);
    }

    #[test]
    fn property_lines() {
        assert_eq!(property("    code: 905"), Some(("code", "905".into())));
        assert_eq!(property("  \"reason\": \"time out\","), Some(("reason", "time out".into())));
        assert_eq!(property("    __proto__: Object"), Some(("", String::new())));
        assert_eq!(property("[[Prototype]]: Object"), Some(("", String::new())));
        assert_eq!(property("client join channel failed"), None);
    }

    #[test]
    fn depth_ignores_brackets_in_strings() {
        let mut depth = Depth::default();
        depth.feed("{ \"a\": \"}\",");
        assert!(!depth.closed());
        depth.feed("}");
        assert!(depth.closed());
    }

    #[test]
    fn stack_frames_do_not_continue() {
        assert!(!continues_structure("    at foo (a.js:1:2)"));
        assert!(continues_structure("  \"code\": 903,"));
        assert!(continues_structure("  code: 905,"));
        assert!(continues_structure("}"));
    }
}
