//! A forgiving parser for the object notations found in logs.
//!
//! It accepts JSON, JavaScript object literals as consoles print them
//! (unquoted keys, single quotes, trailing commas, `undefined`), Node's
//! `util.inspect` output and DevTools previews (`{…}`, `[Object]`). It builds
//! a small tree and never evaluates anything. Input that is cut off before a
//! structure closes is reported as [`ParseError::Incomplete`], so the caller
//! can append the next log line and try again.

use std::borrow::Cow;

/// A parsed value, borrowing from the parsed text where it can. Numbers
/// keep their source text so that `"901"` and `901` can be distinguished
/// where it matters and large integers stay exact.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    /// An object with its members in source order and the byte offset of `{`.
    Object(Vec<(Cow<'a, str>, Node<'a>)>, usize),
    Array(Vec<Node<'a>>),
    /// A string and the byte offset of its opening quote.
    Str(Cow<'a, str>, usize),
    Number(&'a str),
    /// A bare word such as `true`, `null`, `undefined` or `Object`.
    Bare(&'a str),
}

impl<'a> Node<'a> {
    /// Returns the value of the first member named `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Object(members, _) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Returns the text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s, _) => Some(s),
            _ => None,
        }
    }

    /// Returns an integer written as a number or as a string of digits,
    /// which may have ASCII blanks around them.
    pub fn as_int_text(&self) -> Option<&str> {
        let text = match self {
            Node::Number(n) => n,
            Node::Str(s, _) => {
                s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'))
            }
            _ => return None,
        };
        is_integer(text).then_some(text)
    }
}

/// Returns true for an optionally negative run of ASCII digits of sane length.
pub fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The input ended while a structure was still open.
    Incomplete,
    /// The text is not an object notation this parser reads.
    Syntax,
}

/// Structures nested deeper than this are rejected, which bounds recursion.
const MAX_DEPTH: usize = 96;

/// Parses one object or array starting at byte `start` of `text`, which must
/// be `{` or `[`. Returns the value and the offset just past its end.
pub fn parse_at(text: &str, start: usize) -> Result<(Node<'_>, usize), ParseError> {
    let mut parser = Parser { text: text.as_bytes(), src: text, pos: start, depth: 0 };
    let node = parser.value()?;
    Ok((node, parser.pos))
}

/// Parses a quoted string (`"…"` or `'…'`) starting at byte `start`.
/// Returns the decoded text and the offset just past the closing quote.
pub fn parse_string(text: &str, start: usize) -> Option<(String, usize)> {
    let quote = *text.as_bytes().get(start)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let mut parser = Parser { text: text.as_bytes(), src: text, pos: start, depth: 0 };
    let value = parser.string(quote).ok()?;
    Some((value.into_owned(), parser.pos))
}

struct Parser<'a> {
    text: &'a [u8],
    src: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Skips the ellipsis DevTools puts in truncated previews (`{…}`).
    fn skip_ellipsis(&mut self) -> bool {
        if self.src[self.pos..].starts_with('…') {
            self.pos += '…'.len_utf8();
            true
        } else if self.src[self.pos..].starts_with("...") {
            self.pos += 3;
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Node<'a>, ParseError> {
        self.skip_ws();
        match self.peek() {
            None => Err(ParseError::Incomplete),
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(q @ (b'"' | b'\'')) => {
                let start = self.pos;
                self.string(q).map(|s| Node::Str(s, start))
            }
            Some(b) if b == b'-' || b.is_ascii_digit() => Ok(self.number()),
            Some(b) if is_word_start(b) => Ok(Node::Bare(self.word())),
            Some(_) => Err(ParseError::Syntax),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::Syntax);
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<Node<'a>, ParseError> {
        let start = self.pos;
        self.enter()?;
        let mut members = Vec::new();
        loop {
            self.skip_ws();
            if self.skip_ellipsis() {
                continue;
            }
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some(b'}') => break,
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let key = self.key()?;
            self.skip_ws();
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some(b':') => self.pos += 1,
                Some(_) => return Err(ParseError::Syntax),
            }
            let value = self.value()?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some(b',') => self.pos += 1,
                Some(b'}') => break,
                Some(_) if self.skip_ellipsis() => {}
                Some(_) => return Err(ParseError::Syntax),
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(Node::Object(members, start))
    }

    fn key(&mut self) -> Result<Cow<'a, str>, ParseError> {
        match self.peek() {
            None => Err(ParseError::Incomplete),
            Some(q @ (b'"' | b'\'')) => {
                // A key written with escapes keeps them: `"co\de"` is not
                // the key `code`, as no log writes its keys that way, and the
                // prefilter looks for keys as written.
                let start = self.pos;
                let key = self.string(q)?;
                let raw = &self.src[start + 1..self.pos - 1];
                Ok(if raw.contains('\\') { Cow::Borrowed(raw) } else { key })
            }
            Some(b) if is_word_start(b) || b.is_ascii_digit() => Ok(Cow::Borrowed(self.word())),
            // DevTools shows internal slots as `[[Prototype]]`.
            Some(b'[') if self.src[self.pos..].starts_with("[[") => {
                let end = self.src[self.pos..].find("]]").ok_or(ParseError::Syntax)?;
                let key = &self.src[self.pos..self.pos + end + 2];
                self.pos += end + 2;
                Ok(Cow::Borrowed(key))
            }
            Some(_) => Err(ParseError::Syntax),
        }
    }

    fn array(&mut self) -> Result<Node<'a>, ParseError> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.skip_ellipsis() {
                continue;
            }
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some(b']') => break,
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                None => return Err(ParseError::Incomplete),
                Some(b',') => self.pos += 1,
                Some(b']') => break,
                Some(_) => return Err(ParseError::Syntax),
            }
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(Node::Array(items))
    }

    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.' | b'-') {
                self.pos += 1;
            } else {
                break;
            }
        }
        &self.src[start..self.pos]
    }

    fn number(&mut self) -> Node<'a> {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek() {
            if b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-') {
                self.pos += 1;
            } else {
                break;
            }
        }
        Node::Number(&self.src[start..self.pos])
    }

    /// Reads a quoted string, decoding JSON escapes. An unknown escape keeps
    /// the escaped character, as JavaScript does.
    fn string(&mut self, quote: u8) -> Result<Cow<'a, str>, ParseError> {
        self.pos += 1;
        let start = self.pos;
        // Without escapes, the string is a slice of the text.
        let rest = &self.src[start..];
        let Some(stop) = rest.find([quote as char, '\\', '\n']) else {
            return Err(ParseError::Incomplete);
        };
        if self.text[start + stop] == quote {
            self.pos += stop + 1;
            return Ok(Cow::Borrowed(&rest[..stop]));
        }
        let mut out = String::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(stop) = rest.find([quote as char, '\\', '\n']) else {
                return Err(ParseError::Incomplete);
            };
            out.push_str(&rest[..stop]);
            self.pos += stop;
            match self.text[self.pos] {
                b'\n' => return Err(ParseError::Syntax),
                b'\\' => self.escape(&mut out)?,
                _ => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        self.pos += 1;
        let Some(c) = self.src[self.pos..].chars().next() else {
            return Err(ParseError::Incomplete);
        };
        self.pos += c.len_utf8();
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' => {
                let unit = self.hex4()?;
                let ch = if (0xD800..0xDC00).contains(&unit)
                    && self.src[self.pos..].starts_with("\\u")
                {
                    self.pos += 2;
                    let low = self.hex4()?;
                    let combined =
                        0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                    char::from_u32(combined)
                } else {
                    char::from_u32(unit)
                };
                out.push(ch.unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            other => out.push(other),
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self.src.get(self.pos..self.pos + 4).ok_or(ParseError::Incomplete)?;
        let unit = u32::from_str_radix(digits, 16).map_err(|_| ParseError::Syntax)?;
        self.pos += 4;
        Ok(unit)
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Node<'_>, ParseError> {
        parse_at(text, 0).map(|(node, _)| node)
    }

    #[test]
    fn json_object_with_nested_values() {
        let node = parse(r#"{"code":903,"reason":"time out","x":{"y":[1,"a"]}}"#).unwrap();
        assert_eq!(node.get("code").and_then(Node::as_int_text), Some("903"));
        assert_eq!(node.get("reason").and_then(Node::as_str), Some("time out"));
    }

    #[test]
    fn javascript_object_notation() {
        let node = parse("{code: 905, reason: 'connect websocket failed', x: undefined,}").unwrap();
        assert_eq!(node.get("code").and_then(Node::as_int_text), Some("905"));
        assert_eq!(node.get("reason").and_then(Node::as_str), Some("connect websocket failed"));
        assert_eq!(node.get("x"), Some(&Node::Bare("undefined")));
    }

    #[test]
    fn string_code_counts_as_integer() {
        let node = parse(r#"{"code":"901","reason":"socket disconnect"}"#).unwrap();
        assert_eq!(node.get("code").and_then(Node::as_int_text), Some("901"));
    }

    #[test]
    fn devtools_preview_with_ellipsis() {
        let node = parse("{code: 903, serverResponse: {…}, wsurl: \"wss://a\", …}").unwrap();
        assert_eq!(node.get("code").and_then(Node::as_int_text), Some("903"));
    }

    #[test]
    fn plain_strings_borrow_from_text() {
        let node = parse(r#"{"reason":"time out","escaped":"a\"b"}"#).unwrap();
        assert!(matches!(node.get("reason"), Some(Node::Str(Cow::Borrowed("time out"), _))));
        assert!(matches!(node.get("escaped"), Some(Node::Str(Cow::Owned(s), _)) if s == "a\"b"));
    }

    #[test]
    fn escapes_are_decoded() {
        let node = parse(r#"["a\"b", "\u4e2d\u6587", "\ud83d\ude00"]"#).unwrap();
        assert_eq!(
            node,
            Node::Array(vec![
                Node::Str("a\"b".into(), 1),
                Node::Str("中文".into(), 9),
                Node::Str("😀".into(), 25)
            ])
        );
    }

    #[test]
    fn open_structure_is_incomplete() {
        assert_eq!(parse("{\n  \"code\": 903,"), Err(ParseError::Incomplete));
        assert_eq!(parse("[1, {"), Err(ParseError::Incomplete));
    }

    #[test]
    fn text_in_brackets_is_syntax_error() {
        assert_eq!(parse("[object Object]"), Err(ParseError::Syntax));
        assert_eq!(parse("{ return x; }"), Err(ParseError::Syntax));
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = "[".repeat(500);
        assert_eq!(parse(&text), Err(ParseError::Syntax));
    }
}
