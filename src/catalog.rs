//! The code catalog: what each code means, its causes, its remedy, and the
//! remedy category it falls in, in English and Chinese.
//!
//! The built-in catalog is `src/catalog.toml`, compiled into the binary.
//! `--catalog FILE` reads the same format and merges it over the built-in
//! one: an entry with the same key (category id, source and code, finding
//! id) replaces the built-in entry, and new entries are added.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use anyhow::{bail, Context as _};
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};

use crate::extract::Source;

/// The built-in catalog, as shipped.
pub const BUILTIN: &str = include_str!("catalog.toml");

/// Category ids from most to least urgent. The report shows categories in
/// this order; a catalog cannot add others.
pub const CATEGORY_ORDER: [&str; 7] =
    ["rejoin", "service", "usage", "network", "media", "unknown", "none"];

/// The category of codes the catalog does not list.
pub const UNKNOWN: &str = "unknown";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Zh,
}

/// A text in both languages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// A list of texts in both languages.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextList {
    pub en: Vec<String>,
    pub zh: Vec<String>,
}

impl TextList {
    pub fn get(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub title: Text,
    pub action: Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    pub source: Source,
    pub code: String,
    pub category: String,
    pub meaning: Text,
    #[serde(default)]
    pub causes: TextList,
    pub remedy: Text,
    #[serde(default)]
    pub rule: Vec<Rule>,
}

/// A pattern on the reason that names a specific cause and may move the
/// event to another category.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub reason: String,
    pub category: Option<String>,
    pub cause: Text,
}

/// A code-less finding: a pattern on a log line with its meaning and fix.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingEntry {
    pub id: String,
    pub pattern: String,
    pub category: String,
    pub meaning: Text,
    pub fix: Text,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    version: u32,
    #[serde(default)]
    category: Vec<Category>,
    #[serde(default)]
    code: Vec<CodeEntry>,
    #[serde(default)]
    finding: Vec<FindingEntry>,
}

/// The classification of one event.
pub struct Class<'a> {
    pub category: &'a str,
    /// The catalog entry, or `None` for a code the catalog does not list.
    pub entry: Option<&'a CodeEntry>,
    /// The rule whose pattern matched the reason.
    pub rule: Option<&'a Rule>,
}

/// The merged, compiled catalog.
#[derive(Debug)]
pub struct Catalog {
    categories: Vec<Category>,
    codes: Vec<CodeEntry>,
    /// Entry indexes by source, then code.
    index: HashMap<Source, HashMap<String, usize>>,
    /// Reason rules per code entry, compiled when the code is first met:
    /// most logs name a few codes, and compiling all rules took a few
    /// milliseconds of every run.
    rules: Vec<OnceLock<Vec<Regex>>>,
    /// Reason rules compiled so far, by pattern: many codes share a rule
    /// (`time ?out` among them), which is compiled once.
    compiled: Mutex<HashMap<String, Regex>>,
    findings: Vec<FindingEntry>,
    finding_set: RegexSet,
    candidates: crate::extract::candidates::Candidates,
}

impl Catalog {
    /// Loads the built-in catalog.
    pub fn builtin() -> Catalog {
        // The tests check the built-in catalog for duplicates and compile
        // every pattern in it, so a run skips both.
        let file =
            parse_trusted("built-in catalog", BUILTIN).expect("the built-in catalog is valid");
        Catalog::compile(file, false).expect("the built-in catalog compiles")
    }

    /// Loads the built-in catalog with `path` merged over it.
    pub fn with_overrides(path: &Path) -> anyhow::Result<Catalog> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read catalog {}", path.display()))?;
        let name = path.display().to_string();
        let overlay = parse(&name, &text)?;
        let mut base =
            parse_trusted("built-in catalog", BUILTIN).expect("the built-in catalog is valid");
        merge(&mut base, overlay);
        Catalog::compile(base, true).with_context(|| format!("invalid catalog {name}"))
    }

    /// Checks and compiles a catalog. With `eager`, every reason rule is
    /// compiled now, so that an invalid one is an error here rather than
    /// when its code is met.
    fn compile(file: CatalogFile, eager: bool) -> anyhow::Result<Catalog> {
        let mut categories = Vec::new();
        for id in CATEGORY_ORDER {
            let Some(category) = file.category.iter().find(|c| c.id == id) else {
                bail!("category `{id}` is missing");
            };
            categories.push(category.clone());
        }
        let known: HashSet<&str> = CATEGORY_ORDER.into_iter().collect();
        let check = |id: &str, what: &str| -> anyhow::Result<()> {
            if known.contains(id) {
                Ok(())
            } else {
                bail!("{what}: unknown category `{id}`; use one of {}", CATEGORY_ORDER.join(", "))
            }
        };
        for category in &file.category {
            check(&category.id, "[[category]]")?;
        }

        let mut index = HashMap::new();
        let mut rules = Vec::new();
        let compiled = Mutex::new(HashMap::new());
        for (i, entry) in file.code.iter().enumerate() {
            let what = format!("code {} {}", entry.source.as_str(), entry.code);
            check(&entry.category, &what)?;
            let by_code: &mut HashMap<String, usize> = index.entry(entry.source).or_default();
            if by_code.insert(entry.code.clone(), i).is_some() {
                bail!("{what} is listed twice");
            }
            for rule in &entry.rule {
                if let Some(category) = &rule.category {
                    check(category, &what)?;
                }
            }
            let code_rules = OnceLock::new();
            if eager {
                let mut regexes = Vec::new();
                for rule in &entry.rule {
                    let regex = compile_rule(&compiled, &rule.reason).with_context(|| {
                        format!("{what}: invalid reason pattern `{}`", rule.reason)
                    })?;
                    regexes.push(regex);
                }
                let _ = code_rules.set(regexes);
            }
            rules.push(code_rules);
        }

        let mut seen = HashSet::new();
        for finding in &file.finding {
            check(&finding.category, &format!("finding {}", finding.id))?;
            if !seen.insert(finding.id.as_str()) {
                bail!("finding {} is listed twice", finding.id);
            }
        }
        let finding_set = match RegexSet::new(file.finding.iter().map(|f| &f.pattern)) {
            Ok(set) => set,
            Err(error) => {
                // Name the pattern at fault, found by compiling each alone.
                for finding in &file.finding {
                    Regex::new(&finding.pattern).with_context(|| {
                        format!("finding {}: invalid pattern `{}`", finding.id, finding.pattern)
                    })?;
                }
                return Err(error).context("invalid finding pattern");
            }
        };
        if let Some(i) = finding_set.matches("").iter().next() {
            let finding = &file.finding[i];
            bail!(
                "finding {}: pattern `{}` matches empty text, so it would match every line; make it require some text",
                finding.id,
                finding.pattern
            );
        }
        let patterns: Vec<&str> = file.finding.iter().map(|f| f.pattern.as_str()).collect();
        let candidates = crate::extract::candidates::Candidates::build(&patterns)
            .context("cannot combine the finding patterns into one search")?;

        Ok(Catalog {
            categories,
            codes: file.code,
            index,
            rules,
            compiled,
            findings: file.finding,
            finding_set,
            candidates,
        })
    }

    /// The seven categories, most urgent first.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    pub fn category(&self, id: &str) -> &Category {
        self.categories.iter().find(|c| c.id == id).expect("category ids are validated")
    }

    pub fn codes(&self) -> &[CodeEntry] {
        &self.codes
    }

    pub fn entry(&self, source: Source, code: &str) -> Option<&CodeEntry> {
        self.position(source, code).map(|i| &self.codes[i])
    }

    fn position(&self, source: Source, code: &str) -> Option<usize> {
        self.index.get(&source)?.get(code).copied()
    }

    pub fn knows(&self, source: Source, code: &str) -> bool {
        self.position(source, code).is_some()
    }

    /// The prefilter search for lines that can hold an event or finding.
    pub fn candidates(&self) -> &crate::extract::candidates::Candidates {
        &self.candidates
    }

    pub fn findings(&self) -> &[FindingEntry] {
        &self.findings
    }

    /// Returns the first finding whose pattern matches `text`.
    pub fn match_finding(&self, text: &str) -> Option<usize> {
        if !self.finding_set.is_match(text) {
            return None;
        }
        self.finding_set.matches(text).iter().next()
    }

    /// Classifies an event by its code and reason.
    pub fn classify(&self, source: Source, code: &str, reason: &str) -> Class<'_> {
        let Some(i) = self.position(source, code) else {
            return Class { category: UNKNOWN, entry: None, rule: None };
        };
        let entry = &self.codes[i];
        let rules = self.rules[i].get_or_init(|| {
            let compile = |r: &Rule| {
                compile_rule(&self.compiled, &r.reason).expect("built-in reason patterns compile")
            };
            entry.rule.iter().map(compile).collect()
        });
        let rule = rules.iter().position(|r| r.is_match(reason)).map(|r| &entry.rule[r]);
        let category = rule.and_then(|r| r.category.as_deref()).unwrap_or(&entry.category);
        Class { category, entry: Some(entry), rule }
    }

    /// Describes one code for `--explain`. `query` is a code (`904`,
    /// `-1307`, `request`) or `source:code` (`live-pusher:-1307`).
    pub fn explain(&self, query: &str, lang: Lang) -> Option<String> {
        let finding_id = query.strip_prefix("finding:").unwrap_or(query);
        if let Some(finding) = self.findings.iter().find(|f| f.id == finding_id) {
            return Some(self.explain_finding(finding, lang));
        }
        let (source, code) = match query.split_once(':') {
            Some((source, code)) => (Some(Source::parse(source)?), code),
            None => (None, query),
        };
        let entries: Vec<&CodeEntry> = self
            .codes
            .iter()
            .filter(|e| e.code == code && source.is_none_or(|s| s == e.source))
            .collect();
        if entries.is_empty() {
            return None;
        }
        let mut out = String::new();
        for (n, entry) in entries.iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            self.explain_entry(entry, lang, &mut out);
        }
        Some(out)
    }

    fn explain_finding(&self, finding: &FindingEntry, lang: Lang) -> String {
        let labels = crate::report::labels(lang);
        let category = self.category(&finding.category);
        let mut out = String::new();
        let _ = writeln!(out, "finding {}: {}", finding.id, finding.meaning.get(lang));
        let _ =
            writeln!(out, "\n{}: {} ({})", labels.category, category.title.get(lang), category.id);
        let _ = writeln!(out, "\n{}: {}", labels.remedy, finding.fix.get(lang));
        let _ = writeln!(out, "\n{}: /{}/", labels.pattern, finding.pattern);
        out
    }

    fn explain_entry(&self, entry: &CodeEntry, lang: Lang, out: &mut String) {
        let labels = crate::report::labels(lang);
        let category = self.category(&entry.category);
        let _ =
            writeln!(out, "{} {}: {}", entry.source.as_str(), entry.code, entry.meaning.get(lang));
        let _ =
            writeln!(out, "\n{}: {} ({})", labels.category, category.title.get(lang), category.id);
        let causes = entry.causes.get(lang);
        if !causes.is_empty() {
            let _ = writeln!(out, "\n{}:", labels.causes);
            for cause in causes {
                let _ = writeln!(out, "  - {cause}");
            }
        }
        let _ = writeln!(out, "\n{}: {}", labels.remedy, entry.remedy.get(lang));
        if !entry.rule.is_empty() {
            let _ = writeln!(out, "\n{}:", labels.reason_rules);
            for rule in &entry.rule {
                let moved = rule.category.as_deref().map_or(String::new(), |c| format!(" -> {c}"));
                let _ = writeln!(out, "  /{}/{moved}: {}", rule.reason, rule.cause.get(lang));
            }
        }
    }
}

fn parse(name: &str, text: &str) -> anyhow::Result<CatalogFile> {
    let file = parse_trusted(name, text)?;
    check_duplicates(name, text)?;
    Ok(file)
}

/// Parses a catalog without looking for duplicate keys.
fn parse_trusted(name: &str, text: &str) -> anyhow::Result<CatalogFile> {
    let file: CatalogFile = toml::from_str(text).map_err(|e| toml_error(name, text, &e))?;
    if file.version != 1 {
        bail!(
            "invalid catalog {name}: version {} is not supported; use `version = 1`",
            file.version
        );
    }
    Ok(file)
}

/// Turns a TOML error into one line: the file, the line and column, and
/// the message, without the source snippet (which would print the
/// catalog's own text, control characters included, to the terminal).
fn toml_error(name: &str, text: &str, error: &toml::de::Error) -> anyhow::Error {
    let message = error.message().trim_end().replace('\n', " ");
    let place = error.span().map_or(String::new(), |span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}: ")
    });
    anyhow::anyhow!(
        "invalid catalog {name}: {place}{message}; run --print-catalog for the expected format"
    )
}

/// The keys of a catalog file with their positions, for error messages.
#[derive(Deserialize)]
struct KeySpans {
    #[serde(default)]
    category: Vec<IdSpan>,
    #[serde(default)]
    code: Vec<CodeSpan>,
    #[serde(default)]
    finding: Vec<IdSpan>,
}

#[derive(Deserialize)]
struct IdSpan {
    id: toml::Spanned<String>,
    category: Option<toml::Spanned<String>>,
}

#[derive(Deserialize)]
struct CodeSpan {
    source: String,
    code: toml::Spanned<String>,
    category: Option<toml::Spanned<String>>,
    #[serde(default)]
    rule: Vec<RuleSpan>,
}

#[derive(Deserialize)]
struct RuleSpan {
    category: Option<toml::Spanned<String>>,
}

/// Rejects a file that lists one key twice, naming the line of the second
/// entry (merging would otherwise let the later entry win silently), or
/// that names a category outside the fixed seven.
fn check_duplicates(name: &str, text: &str) -> anyhow::Result<()> {
    let spans: KeySpans = toml::from_str(text).map_err(|e| toml_error(name, text, &e))?;
    let line_of = |span: std::ops::Range<usize>| text[..span.start].matches('\n').count() + 1;
    let keys =
        spans
            .category
            .iter()
            .map(|c| (format!("category {}", c.id.get_ref()), line_of(c.id.span())))
            .chain(spans.code.iter().map(|c| {
                (format!("code {} {}", c.source, c.code.get_ref()), line_of(c.code.span()))
            }))
            .chain(
                spans
                    .finding
                    .iter()
                    .map(|f| (format!("finding {}", f.id.get_ref()), line_of(f.id.span()))),
            );
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (key, line) in keys {
        if let Some(first) = seen.insert(key.clone(), line) {
            bail!("invalid catalog {name}: line {line}: {key} is listed twice (first at line {first}); keep one entry");
        }
    }

    let references = spans
        .code
        .iter()
        .flat_map(|c| c.category.iter().chain(c.rule.iter().filter_map(|r| r.category.as_ref())))
        .chain(spans.finding.iter().filter_map(|f| f.category.as_ref()));
    for category in references {
        if !CATEGORY_ORDER.contains(&category.get_ref().as_str()) {
            bail!(
                "invalid catalog {name}: line {}: key `category`: unknown category `{}`; use one of {}",
                line_of(category.span()),
                category.get_ref(),
                CATEGORY_ORDER.join(", ")
            );
        }
    }
    Ok(())
}

/// Replaces entries of `base` that `overlay` redefines and adds the rest.
fn merge(base: &mut CatalogFile, overlay: CatalogFile) {
    for category in overlay.category {
        match base.category.iter_mut().find(|c| c.id == category.id) {
            Some(slot) => *slot = category,
            None => base.category.push(category),
        }
    }
    for code in overlay.code {
        match base.code.iter_mut().find(|c| c.source == code.source && c.code == code.code) {
            Some(slot) => *slot = code,
            None => base.code.push(code),
        }
    }
    for finding in overlay.finding {
        match base.finding.iter_mut().find(|f| f.id == finding.id) {
            Some(slot) => *slot = finding,
            None => base.finding.push(finding),
        }
    }
}

/// Compiles a reason rule, or returns the copy compiled before.
fn compile_rule(
    compiled: &Mutex<HashMap<String, Regex>>,
    pattern: &str,
) -> Result<Regex, regex::Error> {
    let mut compiled = compiled.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(regex) = compiled.get(pattern) {
        return Ok(regex.clone());
    }
    let regex = Regex::new(pattern)?;
    compiled.insert(pattern.to_owned(), regex.clone());
    Ok(regex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_passes_skipped_checks() {
        // A run skips the duplicate check and compiles reason rules only
        // for the codes it meets, so the built-in catalog is checked here.
        let file = parse("built-in catalog", BUILTIN).expect("no key is listed twice");
        let catalog = Catalog::compile(file, true).expect("every pattern compiles");
        assert!(catalog.rules.iter().all(|rules| rules.get().is_some()));
        assert_eq!(catalog.rules.len(), catalog.codes.len());
    }

    #[test]
    fn builtin_rules_compile_when_met() {
        let catalog = Catalog::builtin();
        let i = catalog.position(Source::Agora, "401").expect("401 is listed");
        assert!(catalog.rules[i].get().is_none());
        let class = catalog.classify(Source::Agora, "401", "invalid vendor key");
        assert!(class.rule.is_some());
        assert!(catalog.rules[i].get().is_some());
    }

    #[test]
    fn shared_reason_rules_compile_once() {
        let catalog = Catalog::builtin();
        let codes = ["request", "connectSocket", "SocketTask"];
        let mut patterns = HashSet::new();
        let mut listed = 0;
        for code in codes {
            catalog.classify(Source::Wx, code, "request:fail timeout");
            let i = catalog.position(Source::Wx, code).expect("the code is listed");
            patterns.extend(catalog.codes[i].rule.iter().map(|r| r.reason.as_str()));
            listed += catalog.codes[i].rule.len();
        }
        assert_eq!(catalog.compiled.lock().unwrap().len(), patterns.len());
        assert!(patterns.len() < listed, "the codes share no rule");
    }
}
