//! Reason folding: the variable parts of a reason (URLs, addresses, ids,
//! numbers) become placeholders so that variants of one message group
//! together. The same reason always folds to the same text.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?P<url>(?-u:\b)[A-Za-z][A-Za-z0-9+.-]*://[^\s`'<>]+)",
        r"|(?P<uuid>(?-u:\b)[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?-u:\b))",
        r"|(?P<ip>(?-u:\b)\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?-u:\b))",
        r"|(?P<openid>(?-u:\b)o[A-Za-z0-9_-]{19,39}(?-u:\b))",
        r"|(?P<id>(?-u:\b)[0-9A-Fa-f]{16,}(?-u:\b))",
        r"|(?P<n>\d+(?:\.\d+)?)",
    ))
    .expect("fold pattern is valid")
});

/// Longest folded reason kept; longer reasons are cut at a character
/// boundary and end with `…`.
const MAX_REASON_CHARS: usize = 200;

/// Folds the variable parts of `reason` into placeholders.
pub fn fold(reason: &str) -> String {
    let folded = VARIABLE.replace_all(reason.trim(), |caps: &Captures| {
        let name = ["url", "uuid", "ip", "openid", "id", "n"]
            .into_iter()
            .find(|name| caps.name(name).is_some())
            .unwrap_or("n");
        // An OpenID mixes digits or capitals; a long lower-case word is text.
        let whole = &caps[0];
        if name == "openid" && !whole.bytes().any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return whole.to_owned();
        }
        format!("<{name}>")
    });
    truncate(folded)
}

fn truncate(text: Cow<'_, str>) -> String {
    match text.char_indices().nth(MAX_REASON_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn variable_parts_become_placeholders() {
        let cases = [
            (
                "request:fail url not in domain list:203.0.113.5",
                "request:fail url not in domain list:<ip>",
            ),
            ("connect wss://miniapp.agoraio.cn/203-0-113-9/api failed", "connect <url> failed"),
            (
                "createSocketTask:fail wcwss taskID=9 exceed max concurrent count",
                "createSocketTask:fail wcwss taskID=<n> exceed max concurrent count",
            ),
            ("invalid uid 4294967296", "invalid uid <n>"),
            ("user oXyZ0000000000000000000001 banned", "user <openid> banned"),
            ("sid 0123456789ABCDEF0123456789ABCDEF", "sid <id>"),
            ("channel 7d3e1f20-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "channel <uuid>"),
            ("time out", "time out"),
            ("overloaded-service-process-exit", "overloaded-service-process-exit"),
        ];
        for (reason, folded) in cases {
            assert_eq!(fold(reason), folded, "folding {reason:?}");
        }
    }

    #[test]
    fn long_reasons_are_cut() {
        let folded = fold(&"x".repeat(500));
        assert_eq!(folded.chars().count(), 201);
        assert!(folded.ends_with('…'));
    }
}
