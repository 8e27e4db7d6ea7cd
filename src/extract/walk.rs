//! Events inside parsed structures: objects that carry a code, and the
//! context (user, page, time) their enclosing objects give them.

use std::borrow::Cow;

use super::relaxed::Node;
use super::text::{component_hint, is_success, Component, Scan};
use super::{time, Context, Hit, Source};
use crate::catalog::Catalog;

/// Maps byte offsets of a multi-line record to line numbers.
pub struct LineMap<'a> {
    pub first_line: u64,
    /// Offset where each line of the record starts; the first is 0.
    pub starts: &'a [usize],
}

impl LineMap<'_> {
    fn line_of(&self, offset: usize) -> u64 {
        let index = self.starts.partition_point(|&start| start <= offset).saturating_sub(1);
        self.first_line + index as u64
    }
}

/// The meaning of one object on its own.
enum ObjectKind {
    Event {
        source: Source,
        code: String,
        reason: String,
    },
    /// A success record such as `{"code":0,"msg":"ok"}` or an `errMsg`
    /// ending in `:ok`. Its strings are not scanned further.
    Success,
    /// No code of its own: look inside.
    Container,
}

impl Scan<'_> {
    /// Walks a parsed structure and returns the number of events found.
    pub fn structure(
        &self,
        node: &Node,
        context: &Context,
        lines: Option<&LineMap>,
        out: &mut Vec<Hit>,
    ) -> usize {
        self.node(node, context, None, lines, 0, out)
    }

    pub(super) fn node(
        &self,
        node: &Node,
        context: &Context,
        hint: Option<Component>,
        lines: Option<&LineMap>,
        depth: u8,
        out: &mut Vec<Hit>,
    ) -> usize {
        match node {
            Node::Object(members, offset) => {
                let mut context = context.clone();
                if let Some(lines) = lines {
                    context.line = lines.line_of(*offset);
                }
                absorb_context(members, &mut context);
                match classify_object(node, hint, self.catalog) {
                    ObjectKind::Event { source, code, reason } => {
                        self.push(out, source, &code, &reason, &context);
                        1
                    }
                    ObjectKind::Success => 0,
                    ObjectKind::Container => members
                        .iter()
                        .map(|(_, value)| self.node(value, &context, hint, lines, depth, out))
                        .sum(),
                }
            }
            Node::Array(items) => {
                // A console call's arguments arrive as an array: a string
                // naming the component applies to the objects after it.
                let mut hint = hint;
                let mut events = 0;
                for item in items {
                    if let Node::Str(text, _) = item {
                        hint = component_hint(text).or(hint);
                    }
                    events += self.node(item, context, hint, lines, depth, out);
                }
                events
            }
            Node::Str(text, offset) if text.len() >= 4 => match lines {
                Some(lines) => {
                    let context = Context { line: lines.line_of(*offset), ..context.clone() };
                    self.unit(text, &context, hint, depth + 1, out).events
                }
                None => self.unit(text, context, hint, depth + 1, out).events,
            },
            _ => 0,
        }
    }
}

fn classify_object(node: &Node, hint: Option<Component>, catalog: &Catalog) -> ObjectKind {
    let text = |key: &str| node.get(key).and_then(Node::as_str);
    let int = |key: &str| node.get(key).and_then(Node::as_int_text);

    if let (Some(code), Some(reason)) = (int("code"), text("reason")) {
        return agora(code, reason);
    }
    if let Some(code) = int("err_code") {
        if let Some(reason) = text("message").or_else(|| text("reason")) {
            return agora(code, reason);
        }
    }
    if let Some(err_msg) = text("errMsg") {
        let component = hint
            .zip(int("errCode").filter(|code| !is_success(code)))
            .and_then(|(c, code)| Some((c.source_for(catalog, code)?, code)));
        if let Some((source, code)) = component {
            return ObjectKind::Event { source, code: code.to_owned(), reason: err_msg.to_owned() };
        }
        if err_msg.trim_end().ends_with(":ok") {
            return ObjectKind::Success;
        }
        if let Some(api) = failed_api(err_msg) {
            return ObjectKind::Event {
                source: Source::Wx,
                code: api.to_owned(),
                reason: err_msg.to_owned(),
            };
        }
        if err_msg.starts_with("exception on") {
            return ObjectKind::Event {
                source: Source::Wx,
                code: "SocketTask".into(),
                reason: err_msg.to_owned(),
            };
        }
    }
    if int("code").is_some_and(is_success) {
        return ObjectKind::Success;
    }
    let component =
        hint.zip(int("code")).and_then(|(c, code)| Some((c.source_for(catalog, code)?, code)));
    if let Some((source, code)) = component {
        let reason = text("message").or_else(|| text("msg")).unwrap_or_default();
        return ObjectKind::Event { source, code: code.to_owned(), reason: reason.to_owned() };
    }
    ObjectKind::Container
}

fn agora(code: &str, reason: &str) -> ObjectKind {
    if is_success(code) {
        ObjectKind::Success
    } else {
        ObjectKind::Event {
            source: Source::Agora,
            code: code.to_owned(),
            reason: reason.to_owned(),
        }
    }
}

/// Returns `request` for `request:fail timeout`.
fn failed_api(err_msg: &str) -> Option<&str> {
    let (api, rest) = err_msg.split_once(':')?;
    let valid = !api.is_empty()
        && api.bytes().all(|b| b.is_ascii_alphanumeric())
        && api.as_bytes()[0].is_ascii_lowercase();
    (valid && rest.starts_with("fail")).then_some(api)
}

/// Takes the user, page and time an object names into `context`.
fn absorb_context(members: &[(Cow<'_, str>, Node<'_>)], context: &mut Context) {
    for (key, value) in members {
        match key.as_ref() {
            "openid" | "openId" | "open_id" | "OpenID" | "openID" => {
                if let Some(id) = value.as_str().filter(|s| !s.is_empty()) {
                    context.user = Some(id.to_owned());
                }
            }
            "id" => {
                if let Some(id) = value.as_str().filter(|s| looks_like_openid(s)) {
                    context.user = Some(id.to_owned());
                }
            }
            "uid" | "userId" | "user_id" => {
                let uid = value.as_int_text().or_else(|| value.as_str()).filter(|s| !s.is_empty());
                if let (Some(uid), None) = (uid, &context.user) {
                    context.user = Some(uid.to_owned());
                }
            }
            "page" | "route" => {
                if let Some(page) = value.as_str().filter(|s| !s.is_empty()) {
                    context.page = Some(page.to_owned());
                }
            }
            "url" => {
                if let Some(page) = value.as_str().filter(|s| !s.is_empty() && !s.contains("://")) {
                    context.page = Some(page.to_owned());
                }
            }
            "timestamp" | "time" | "ts" | "@timestamp" | "datetime" => {
                let stamp = match value {
                    Node::Number(n) => time::from_unix(n),
                    Node::Str(s, _) => {
                        time::find(s.as_ref()).or_else(|| time::from_unix(s.as_ref()))
                    }
                    _ => None,
                };
                if stamp.is_some() {
                    context.time = stamp;
                }
            }
            _ => {}
        }
    }
}

/// OpenIDs are 28 characters starting with `o`; accept a little variation.
fn looks_like_openid(id: &str) -> bool {
    (20..=40).contains(&id.len())
        && id.starts_with('o')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
