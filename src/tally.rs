//! Aggregation: events and findings counted by group, with the first and
//! last place each group was seen.
//!
//! A tally is built per input and tallies are merged in input order, so the
//! result does not depend on which thread scanned which input.

use std::collections::{BTreeSet, HashMap};

/// The maps of a tally, which hash a few short keys per event. foldhash is
/// faster than the standard library's SipHash on such keys and is also
/// seeded at random per process, so a crafted log cannot choose colliding
/// keys in advance.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::extract::time::Stamp;
use crate::extract::{Context, Event, Hit, Source};
use crate::fold::fold;

/// Distinct users kept per group; past this the count is a lower bound.
pub const MAX_USERS: usize = 100_000;

/// A place where a group was seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub path: Arc<str>,
    pub line: u64,
    pub time: Option<Stamp>,
    pub user: Option<String>,
    pub page: Option<String>,
    /// The offset assumed for a local time, for ordering only.
    pub assumed_offset: Option<i64>,
    /// Milliseconds since the Unix epoch, computed once for ordering.
    instant: Option<i64>,
}

impl Location {
    fn compute_instant(time: Option<&Stamp>, assumed_offset: Option<i64>) -> Option<i64> {
        match time? {
            stamp @ Stamp::Zoned(_) => stamp.instant(),
            stamp @ Stamp::Local(_) => {
                Some(stamp.wall_clock()? - assumed_offset.unwrap_or(0) * 60_000)
            }
        }
    }

    fn is_before(&self, current: &Location) -> bool {
        self.order().is_before(current)
    }

    fn is_after(&self, current: &Location) -> bool {
        self.order().is_after(current)
    }

    fn order(&self) -> Order {
        Order { timed: self.time.is_some(), instant: self.instant }
    }

    fn new(path: &Arc<str>, context: &Context) -> Location {
        Location {
            path: Arc::clone(path),
            line: context.line,
            time: context.time.clone(),
            user: context.user.clone(),
            page: context.page.clone(),
            assumed_offset: context.assumed_offset,
            instant: Location::compute_instant(context.time.as_ref(), context.assumed_offset),
        }
    }

    /// Makes this the place of `context` in `path`, reusing its buffers.
    fn assign(&mut self, path: &Arc<str>, context: &Context) {
        if !Arc::ptr_eq(&self.path, path) {
            self.path = Arc::clone(path);
        }
        self.line = context.line;
        self.time.clone_from(&context.time);
        self.user.clone_from(&context.user);
        self.page.clone_from(&context.page);
        self.assumed_offset = context.assumed_offset;
        self.instant = Location::compute_instant(context.time.as_ref(), context.assumed_offset);
    }
}

/// The part of a place that orders it: whether it has a time, and the
/// time as an instant when it has one.
struct Order {
    timed: bool,
    instant: Option<i64>,
}

impl Order {
    fn of(context: &Context) -> Order {
        let instant = Location::compute_instant(context.time.as_ref(), context.assumed_offset);
        Order { timed: context.time.is_some(), instant }
    }

    /// Orders two places by time, as instants. A time without an offset
    /// takes the offset its input showed last (see `assumed_offset`), or
    /// else is read as UTC.
    fn compare_time(&self, other: &Location) -> Option<std::cmp::Ordering> {
        Some(self.instant?.cmp(&other.instant?))
    }

    /// Returns true when this place should replace `current` as a group's
    /// first place. It comes later in input order, so ties keep `current`.
    fn is_before(&self, current: &Location) -> bool {
        match (self.timed, current.time.is_some()) {
            (true, true) => self.compare_time(current) == Some(std::cmp::Ordering::Less),
            (true, false) => true,
            _ => false,
        }
    }

    /// Returns true when this place should replace `current` as a group's
    /// last place. It comes later in input order, so ties take it.
    fn is_after(&self, current: &Location) -> bool {
        match (self.timed, current.time.is_some()) {
            (true, true) => self.compare_time(current) != Some(std::cmp::Ordering::Less),
            (true, false) => true,
            (false, true) => false,
            (false, false) => true,
        }
    }
}

/// Identifies a code group: one per (source, code, category).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeKey {
    pub source: Source,
    pub code: String,
    pub category: String,
}

#[derive(Debug, Clone)]
pub struct ReasonTally {
    pub events: u64,
    /// The first reason as written, before folding.
    pub example: String,
    pub first: Location,
    pub last: Location,
}

/// A group's first and last place: the earliest and latest by time where
/// the log has times, else by input order.
trait Span {
    fn span(&mut self) -> (&mut Location, &mut Location);

    /// Widens the span with a place that comes later in input order.
    fn observe(&mut self, here: &Location) {
        let (first, last) = self.span();
        if here.is_before(first) {
            *first = here.clone();
        }
        if here.is_after(last) {
            *last = here.clone();
        }
    }

    /// Widens the span as [`Span::observe`] does with the place of
    /// `context` in `path`. Most places of a log in time order become the
    /// new last one, whose buffers are reused.
    fn observe_context(&mut self, path: &Arc<str>, context: &Context) {
        let order = Order::of(context);
        let (first, last) = self.span();
        if order.is_before(first) {
            first.assign(path, context);
        }
        if order.is_after(last) {
            last.assign(path, context);
        }
    }
}

impl Span for ReasonTally {
    fn span(&mut self) -> (&mut Location, &mut Location) {
        (&mut self.first, &mut self.last)
    }
}

impl Span for FindingTally {
    fn span(&mut self) -> (&mut Location, &mut Location) {
        (&mut self.first, &mut self.last)
    }
}

#[derive(Debug, Clone, Default)]
pub struct CodeTally {
    pub events: u64,
    pub users: BTreeSet<String>,
    /// Keyed by folded reason.
    pub reasons: FastMap<String, ReasonTally>,
}

#[derive(Debug, Clone)]
pub struct FindingTally {
    pub events: u64,
    pub example: String,
    pub users: BTreeSet<String>,
    pub first: Location,
    pub last: Location,
}

/// An input that could not be read, or could be read only in part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub path: String,
    pub error: String,
}

/// An input left out on purpose, such as a binary file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// The folded reason and the group of an event's source, code and reason.
#[derive(Debug)]
struct Class {
    folded: String,
    key: CodeKey,
}

#[derive(Debug, Default)]
pub struct Tally {
    pub codes: FastMap<CodeKey, CodeTally>,
    /// Keyed by the catalog's finding index.
    pub findings: FastMap<usize, FindingTally>,
    pub files: u64,
    pub lines: u64,
    pub bytes: u64,
    /// Lines longer than the line limit, cut to it.
    pub long_lines: u64,
    pub errors: Vec<InputError>,
    pub skipped: Vec<Skipped>,
    /// Folded reasons and categories of recent events, which repeat the
    /// same few reasons over and over.
    classes: FastMap<(Source, String, String), Class>,
}

/// Entries kept in [`Tally::classes`]. The cache starts over when full, so
/// input with endless distinct reasons costs no more memory than this.
const CLASS_CACHE_ENTRIES: usize = 1024;

impl Tally {
    /// Folds the reason of an event and classifies it, unless the same
    /// source, code and reason are in the cache already.
    fn classify(&mut self, catalog: &Catalog, event: &(Source, String, String)) {
        if self.classes.contains_key(event) {
            return;
        }
        let (source, code, reason) = event;
        let folded = fold(reason);
        let category = catalog.classify(*source, code, &folded).category.to_owned();
        if self.classes.len() >= CLASS_CACHE_ENTRIES {
            self.classes.clear();
        }
        let key = CodeKey { source: *source, code: code.clone(), category };
        self.classes.insert(event.clone(), Class { folded, key });
    }

    /// Counts one hit found in the input named `path`.
    pub fn add(&mut self, catalog: &Catalog, path: &Arc<str>, hit: Hit) {
        match hit {
            // Most events repeat a group and reason seen before: those are
            // counted without building keys or places.
            Hit::Event(Event { source, code, reason, count, context }) => {
                let event = (source, code, reason);
                self.classify(catalog, &event);
                let Tally { classes, codes, .. } = self;
                let class = &classes[&event];
                if !codes.contains_key(&class.key) {
                    codes.insert(class.key.clone(), CodeTally::default());
                }
                let group = codes.get_mut(&class.key).expect("the group was just added");
                group.events += count;
                add_user(&mut group.users, context.user.as_deref());
                match group.reasons.get_mut(class.folded.as_str()) {
                    Some(tally) => {
                        tally.events += count;
                        tally.observe_context(path, &context);
                    }
                    None => {
                        let here = Location::new(path, &context);
                        let tally = ReasonTally {
                            events: count,
                            example: event.2,
                            first: here.clone(),
                            last: here,
                        };
                        group.reasons.insert(class.folded.clone(), tally);
                    }
                }
            }
            Hit::Finding(finding) => {
                let group = self.findings.entry(finding.index).or_insert_with(|| {
                    let here = Location::new(path, &finding.context);
                    FindingTally {
                        events: 0,
                        example: finding.text,
                        users: BTreeSet::new(),
                        first: here.clone(),
                        last: here,
                    }
                });
                group.events += finding.count;
                group.observe_context(path, &finding.context);
                add_user(&mut group.users, finding.context.user.as_deref());
            }
        }
    }

    /// Adds `later`, a tally of inputs that come after this one's.
    pub fn merge(&mut self, later: Tally) {
        for (key, theirs) in later.codes {
            let ours = self.codes.entry(key).or_default();
            ours.events += theirs.events;
            merge_users(&mut ours.users, theirs.users);
            for (reason, r) in theirs.reasons {
                ours.reasons
                    .entry(reason)
                    .and_modify(|mine| {
                        mine.events += r.events;
                        mine.observe(&r.first);
                        mine.observe(&r.last);
                    })
                    .or_insert(r);
            }
        }
        for (index, theirs) in later.findings {
            match self.findings.get_mut(&index) {
                Some(ours) => {
                    ours.events += theirs.events;
                    ours.observe(&theirs.first);
                    ours.observe(&theirs.last);
                    merge_users(&mut ours.users, theirs.users);
                }
                None => {
                    self.findings.insert(index, theirs);
                }
            }
        }
        self.files += later.files;
        self.lines += later.lines;
        self.bytes += later.bytes;
        self.long_lines += later.long_lines;
        self.errors.extend(later.errors);
        self.skipped.extend(later.skipped);
    }
}

fn add_user(users: &mut BTreeSet<String>, user: Option<&str>) {
    if let Some(user) = user {
        if users.len() < MAX_USERS && !users.contains(user) {
            users.insert(user.to_owned());
        }
    }
}

fn merge_users(ours: &mut BTreeSet<String>, theirs: BTreeSet<String>) {
    for user in theirs {
        if ours.len() >= MAX_USERS {
            break;
        }
        ours.insert(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(line: u64, time: Stamp) -> Location {
        let context =
            Context { line, time: Some(time), assumed_offset: Some(480), ..Context::default() };
        Location::new(&Arc::from("a.log"), &context)
    }

    #[test]
    fn local_times_take_the_assumed_offset() {
        let java = place(1, Stamp::Local("2024-03-04T09:00:00".into()));
        let json = place(2, Stamp::Zoned("2024-03-04T10:00:00+08:00".into()));
        let later_java = place(3, Stamp::Local("2024-03-04T11:00:00".into()));
        let realtime = place(4, Stamp::Zoned("2024-03-04T02:30:00Z".into()));
        assert!(realtime.is_after(&json));
        assert!(!realtime.is_after(&later_java));
        assert!(java.is_before(&json));
        assert!(later_java.is_after(&json));
        assert!(!json.is_before(&java));
    }

    #[test]
    fn zoned_times_compare_as_instants() {
        let tokyo = place(1, Stamp::Zoned("2024-03-04T10:00:00+09:00".into()));
        let beijing = place(2, Stamp::Zoned("2024-03-04T09:30:00+08:00".into()));
        assert!(tokyo.is_before(&beijing));
    }
}
