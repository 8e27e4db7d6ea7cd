//! Extraction throughput per line shape, and the whole scan of the bundled
//! fixtures. Run with `cargo bench --bench extract`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use miniapp_triage::catalog::Catalog;
use miniapp_triage::extract::scan_str;

/// One line per shape the scanner reads, plus a line without any signal,
/// which is most of a real log.
const SHAPES: &[(&str, &str)] = &[
    ("plain", "agora-miniapp-sdk.js? [sm]:1 Mon Mar 04 2024 09:12:40 GMT+0800 (中国标准时间)[INFO]: client init success"),
    ("sdk-json", r#"agora-miniapp-sdk.js? [sm]:1 Mon Mar 04 2024 09:12:44 GMT+0800 (中国标准时间)[ERROR]: client join channel failed: {"code":903,"reason":"time out","wsurl":"wss://miniapp.agoraio.cn/203-0-113-9/api"}"#),
    ("onlog-array", r#"2019/06/12 20:01:07:8: ["Wed Jun 12 2019 20:01:07 GMT+0800 (CST) [DEBUG]: ","worker message: ",{"command":"serverStatus","code":502,"reason":"server overload"}]"#),
    ("app-line", "2019/06/12 20:02:11:140: error: 501, reason: service process lost connection"),
    ("key-value", "2024-03-04 09:20:02.512 ERROR 811 --- [exec-7] c.e.RtcController : agora error code=429 reason=too many requests uid=77"),
    ("server-json", r#"{"time":"2024-03-04T09:20:00+08:00","level":"error","msg":"rtc error","code":434,"reason":"publish uid mismatch","openid":"oXyZ0000000000000000000002"}"#),
    ("live-pusher", "2index.js? [sm]:31 live-pusher code: -1307"),
    ("errmsg", r#"{errno: 600002, errMsg: "request:fail url not in domain list:203.0.113.5"}"#),
    ("not-event", r#"203.0.113.7 - - [04/Mar/2024:09:30:00 +0800] "GET /rtc/token?code=905 HTTP/1.1" 502 310 "-" "MicroMessenger/8.0.40""#),
];

fn line_shapes(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let mut group = c.benchmark_group("line");
    for (name, line) in SHAPES {
        let text = format!("{line}\n").repeat(1000);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &text, |b, text| {
            b.iter(|| scan_str(&catalog, text).len())
        });
    }
    group.finish();
}

fn fixture_mix(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let mut text = String::new();
    for name in [
        "sdk-2.6-devtools.log",
        "app-lines.log",
        "server.jsonl",
        "server-java.log",
        "wechat-signals.log",
    ] {
        text.push_str(&std::fs::read_to_string(format!("{root}/{name}")).expect("fixture exists"));
    }
    let mut group = c.benchmark_group("mix");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("fixtures", |b| b.iter(|| scan_str(&catalog, &text).len()));
    group.finish();
}

criterion_group!(benches, line_shapes, fixture_mix);
criterion_main!(benches);
