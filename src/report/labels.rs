//! Fixed words of the text report and `--explain`, in both languages.

use crate::catalog::Lang;

pub struct Labels {
    pub heading: &'static str,
    pub event: &'static str,
    pub events: &'static str,
    pub finding: &'static str,
    pub findings: &'static str,
    pub user: &'static str,
    pub users: &'static str,
    pub user_prefix: &'static str,
    pub cause: &'static str,
    pub causes: &'static str,
    pub remedy: &'static str,
    pub fix: &'static str,
    pub seen: &'static str,
    pub at: &'static str,
    pub more_reasons: &'static str,
    pub no_reason: &'static str,
    pub no_events: &'static str,
    pub scanned: &'static str,
    pub file: &'static str,
    pub files: &'static str,
    pub line: &'static str,
    pub lines: &'static str,
    pub byte: &'static str,
    pub bytes: &'static str,
    pub long_lines: &'static str,
    pub skipped: &'static str,
    pub failed: &'static str,
    pub category: &'static str,
    pub reason_rules: &'static str,
    pub pattern: &'static str,
    pub not_in_catalog: &'static str,
    pub unknown_hint: &'static str,
}

const EN: Labels = Labels {
    heading: "Triage report",
    event: "event",
    events: "events",
    finding: "finding",
    findings: "findings",
    user: "user",
    users: "users",
    user_prefix: "user",
    cause: "cause",
    causes: "Causes",
    remedy: "Remedy",
    fix: "fix",
    seen: "seen",
    at: "e.g.",
    more_reasons: "more reasons",
    no_reason: "(no reason)",
    no_events: "No error codes or findings in the input.",
    scanned: "Scanned",
    file: "file",
    files: "files",
    line: "line",
    lines: "lines",
    byte: "byte",
    bytes: "bytes",
    long_lines: "longer than the limit, cut",
    skipped: "Skipped",
    failed: "Could not read",
    category: "Category",
    reason_rules: "Reason rules",
    pattern: "Pattern",
    not_in_catalog: "not in the catalog",
    unknown_hint: "Codes not in the catalog can be described in a file passed with --catalog; --print-catalog shows the format.",
};

const ZH: Labels = Labels {
    heading: "分诊报告",
    event: "次",
    events: "次",
    finding: "项发现",
    findings: "项发现",
    user: "个用户",
    users: "个用户",
    user_prefix: "用户",
    cause: "原因",
    causes: "可能原因",
    remedy: "处理方法",
    fix: "修复",
    seen: "时间",
    at: "示例",
    more_reasons: "条其他 reason",
    no_reason: "（无 reason）",
    no_events: "输入中没有错误码或发现。",
    scanned: "已扫描",
    file: "个文件",
    files: "个文件",
    line: "行",
    lines: "行",
    byte: "字节",
    bytes: "字节",
    long_lines: "超出长度上限，已截断",
    skipped: "已跳过",
    failed: "无法读取",
    category: "类别",
    reason_rules: "reason 规则",
    pattern: "匹配模式",
    not_in_catalog: "目录中没有此错误码",
    unknown_hint: "目录中没有的错误码可写入文件并用 --catalog 加载；格式见 --print-catalog。",
};

pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

impl Labels {
    /// `1 event`, `12 events`; Chinese has no plural.
    pub fn count(&self, n: u64, one: &'static str, many: &'static str) -> String {
        let word = if n == 1 { one } else { many };
        if word.is_ascii() {
            format!("{} {word}", group_digits(n))
        } else {
            format!("{}{word}", group_digits(n))
        }
    }
}

/// Formats `1234567` as `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
