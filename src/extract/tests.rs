//! Counting rules, one row per log shape: the events a person counts in
//! the text, as `source:code×count` (the count is left out when it is 1).

use super::{scan_str, Hit};
use crate::catalog::Catalog;

fn events(input: &str) -> Vec<String> {
    let catalog = Catalog::builtin();
    scan_str(&catalog, input)
        .into_iter()
        .filter_map(|hit| match hit {
            Hit::Event(e) if e.count == 1 => Some(format!("{}:{}", e.source.as_str(), e.code)),
            Hit::Event(e) => Some(format!("{}:{}×{}", e.source.as_str(), e.code, e.count)),
            Hit::Finding(_) => None,
        })
        .collect()
}

fn reasons(input: &str) -> Vec<String> {
    let catalog = Catalog::builtin();
    scan_str(&catalog, input)
        .into_iter()
        .filter_map(|hit| match hit {
            Hit::Event(e) => Some(e.reason),
            Hit::Finding(_) => None,
        })
        .collect()
}

fn findings(input: &str) -> Vec<String> {
    let catalog = Catalog::builtin();
    scan_str(&catalog, input)
        .into_iter()
        .filter_map(|hit| match hit {
            Hit::Finding(f) => Some(format!("{}×{}", catalog.findings()[f.index].id, f.count)),
            Hit::Event(_) => None,
        })
        .collect()
}

#[track_caller]
fn check(input: &str, expected: &[&str]) {
    assert_eq!(events(input), expected, "events in {input:?}");
}

#[test]
fn sdk_26_compact_json() {
    check(
        r#"agora-miniapp-sdk.js? [sm]:1 Mon Mar 04 2024 09:12:44 GMT+0800 (中国标准时间)[ERROR]: client join channel failed: {"code":903,"reason":"time out","wsurl":"wss://miniapp.agoraio.cn/203-0-113-9/api"}"#,
        &["agora:903"],
    );
}

#[test]
fn devtools_repeat_count_multiplies() {
    check(
        r#"4agora-miniapp-sdk.js? [sm]:1 Mon Mar 04 2024 09:13:02 GMT+0800 (中国标准时间)[ERROR]: client rejoin channel failed: {"code":904,"reason":"websocket disconnected"}"#,
        &["agora:904×4"],
    );
    check("2index.js? [sm]:31 live-player code: 2103", &["live-player:2103×2"]);
}

#[test]
fn agora_reason_with_wx_text_is_one_event() {
    let line = r#"get server list failed, counter:2 url:https://uap-ap-web-2.agoraio.cn/api/v1 {"code":901,"reason":"request:fail timeout"}"#;
    check(line, &["agora:901"]);
    assert_eq!(reasons(line), ["request:fail timeout"]);
}

#[test]
fn sdk_25_and_onlog_array() {
    check(
        r#"Wed Jun 12 2019 20:01:05 GMT+0800 (CST) [ERROR]: client publish failed {"code":433,"reason":"audience can not publish"}"#,
        &["agora:433"],
    );
    check(
        r#"2019/06/12 20:01:07:8: ["Wed Jun 12 2019 20:01:07 GMT+0800 (CST) [DEBUG]: ","worker message: ",{"command":"serverStatus","code":502,"reason":"server overload"}]"#,
        &["agora:502"],
    );
}

#[test]
fn app_lines() {
    check(
        "2019/06/12 20:02:11:140: error: 501, reason: service process lost connection",
        &["agora:501"],
    );
    check("client join channel failed: 903 time out", &["agora:903"]);
    check("client init failed: [object Object] 431 invalid uid", &["agora:431"]);
    assert_eq!(reasons("error: 904, reason: websocket disconnected"), ["websocket disconnected"]);
}

#[test]
fn lost_code_and_local_errors_are_findings() {
    let input = "meeting.js? [sm]:77 client join channel failed: [object Object]\n\
                 client init failed: Error: Invalid appId undefined undefined\n\
                 client join channel failed: Invalid channel\n\
                 client join channel failed: undefined undefined\n\
                 client Invalid uid type\n\
                 3meeting.js:12 client Disconnected from server\n\
                 miniapp service is not enabled for this AppID";
    assert_eq!(events(input), Vec::<String>::new());
    assert_eq!(
        findings(input),
        [
            "lost-code×1",
            "invalid-app-id×1",
            "invalid-channel×1",
            "lost-code×1",
            "invalid-uid-type×1",
            "disconnected×3",
            "service-not-enabled×1"
        ]
    );
}

#[test]
fn devtools_expanded_object_is_one_event() {
    let input = "meeting.js? [sm]:52 client.on error {code: 905, reason: \"connect websocket failed\"}\n    code: 905\n    reason: \"connect websocket failed\"\n    __proto__: Object";
    check(input, &["agora:905"]);
    let newer = "{code: 905, reason: 'connect websocket failed'}\ncode: 905\nreason: \"connect websocket failed\"\n[[Prototype]]: Object";
    check(newer, &["agora:905"]);
}

#[test]
fn expanded_properties_without_summary_are_one_event() {
    let input = "client.on error Object\n    code: 904\n    reason: \"websocket disconnected\"\n    __proto__: Object\nnext line";
    check(input, &["agora:904"]);
    assert_eq!(reasons(input), ["websocket disconnected"]);
}

#[test]
fn realtime_log_compact() {
    let input = r#"{"errcode":0,"errmsg":"ok","data":{"list":[{"level":8,"id":"oXyZ0000000000000000000001","timestamp":1709514760,"url":"pages/call/call","msg":[{"time":1709514761,"level":8,"msg":["join failed",{"code":431,"reason":"invalid uid"}]},{"time":1709514762,"msg":["error: 904, reason: websocket disconnected","client join channel failed: {\"code\":903,\"reason\":\"time out\"}"]}]}],"total":1}}"#;
    check(input, &["agora:431", "agora:904", "agora:903"]);
    let catalog = Catalog::builtin();
    let hits = scan_str(&catalog, input);
    let Hit::Event(first) = &hits[0] else { panic!("an event") };
    assert_eq!(first.context.user.as_deref(), Some("oXyZ0000000000000000000001"));
    assert_eq!(first.context.page.as_deref(), Some("pages/call/call"));
    assert_eq!(first.context.time.as_ref().map(|t| t.text()), Some("2024-03-04T01:12:41Z"));
}

#[test]
fn realtime_log_pretty_printed() {
    let input = "{\n  \"data\": {\n    \"list\": [\n      {\n        \"id\": \"oXyZ0000000000000000000009\",\n        \"url\": \"pages/room/room\",\n        \"timestamp\": 1709514760,\n        \"msg\": [\n          {\n            \"time\": 1709514761,\n            \"msg\": [\n              \"join failed\",\n              {\n                \"code\": 905,\n                \"reason\": \"connect websocket failed\"\n              }\n            ]\n          }\n        ]\n      }\n    ]\n  }\n}";
    check(input, &["agora:905"]);
    let catalog = Catalog::builtin();
    let hits = scan_str(&catalog, input);
    let Hit::Event(event) = &hits[0] else { panic!("an event") };
    assert_eq!(event.context.line, 13);
    assert_eq!(event.context.user.as_deref(), Some("oXyZ0000000000000000000009"));
    assert_eq!(event.context.page.as_deref(), Some("pages/room/room"));
}

#[test]
fn node_multiline_object() {
    let input = "2024-03-04T09:20:03.000Z error join failed {\n  code: 905,\n  reason: 'connect websocket failed',\n  uid: 77\n}\nafter";
    check(input, &["agora:905"]);
}

#[test]
fn server_lines() {
    check(
        r#"{"time":"2024-03-04T09:20:00+08:00","level":"error","msg":"rtc error","code":434,"reason":"publish uid mismatch","openid":"oXyZ0000000000000000000002"}"#,
        &["agora:434"],
    );
    check(
        r#"{"ts":"2024-03-04T09:20:01+08:00","event":"join","result":"1","err_code":"905","message":"connect websocket failed"}"#,
        &["agora:905"],
    );
    check("2024-03-04 09:20:02.512 ERROR 811 --- [exec-7] c.e.RtcController : agora error code=429 reason=too many requests uid=77", &["agora:429"]);
    assert_eq!(
        reasons("agora error code=429 reason=too many requests uid=77"),
        ["too many requests"]
    );
    assert_eq!(reasons(r#"code=431 reason="invalid uid" uid=5"#), ["invalid uid"]);
    check(r#"{"code":"901","reason":"socket disconnect"}"#, &["agora:901"]);
    assert_eq!(
        reasons("code=433,reason=audience can not publish,channel=c1"),
        ["audience can not publish"]
    );
    assert_eq!(reasons("|code=903|reason=time out|channel=c1|"), ["time out"]);
}

#[test]
fn wechat_signals() {
    check("index.js? [sm]:31 live-pusher code: -1307", &["live-pusher:-1307"]);
    check(
        r#"socket.js? [sm]:9 {"errMsg":"connectSocket:fail url not in domain list"}"#,
        &["wx:connectSocket"],
    );
    check(
        r#"{errno: 600002, errMsg: "request:fail url not in domain list:203.0.113.5"}"#,
        &["wx:request"],
    );
    check(
        r#"live-pusher statechange {code: 1102, message: "network disconnected"}"#,
        &["live-pusher:1102"],
    );
    check(
        r#"live-pusher binderror {errCode: 10001, errMsg: "camera denied"}"#,
        &["live-pusher:10001"],
    );
    check(
        "client update player state, uid:123 code:2003 message:first frame",
        &["live-player:2003"],
    );
    check(r#"{"errMsg":"request:ok"}"#, &[]);
}

#[test]
fn several_component_codes_in_one_line() {
    check(
        "1、live-pusher code: 1005 推流 2、live-pusher code: 1003 打开 ... live-pusher code: -1307 断开",
        &["live-pusher:1005", "live-pusher:1003", "live-pusher:-1307"],
    );
}

#[test]
fn numbers_that_are_not_codes() {
    let cases = [
        r#"203.0.113.7 - - [04/Mar/2024:09:30:00 +0800] "GET /rtc/token?code=905 HTTP/1.1" 502 310 "-" "MicroMessenger/8.0.40""#,
        r#"{"ts":"2024-03-04T09:30:01+08:00","status":503,"latency_ms":431}"#,
        r#"{"code":0,"msg":"ok"}"#,
        r#"{"code":200,"reason":"ok"}"#,
        "client stream 905 subscribed successful",
        "runtime.js?devtools_ignore=true:1 [Violation] 'setTimeout' handler took 901ms",
        r#"{"errcode":40001,"errmsg":"invalid credential"}"#,
        "client join channel success,time:431ms,elapse:500-1000",
        "at com.example.Rtc.join(Rtc.java:503)",
        "websocket connect server: wss://miniapp.agoraio.cn/203-0-113-9/api port 9593",
        r#"{"code":431,"msg":"invalid uid"}"#,
    ];
    for case in cases {
        check(case, &[]);
    }
    check(r#"{"errMsg":"exception onOpen fail code:9, msg:Timer Expired"}"#, &["wx:SocketTask"]);
}

#[test]
fn unknown_codes_are_kept() {
    check(r#"{"code":404,"reason":"choose server fail"}"#, &["agora:404"]);
    check("{code: 100010, reason: 'token invalid'}", &["agora:100010"]);
}

#[test]
fn truncated_json_keeps_inner_record() {
    check("{\"a\":{\"code\":903,\"reason\":\"time out\"}", &["agora:903"]);
}

#[test]
fn false_structure_start_is_replayed() {
    let input =
        "function join() {\n    at join (a.js:1:2)\nerror: 904, reason: websocket disconnected";
    check(input, &["agora:904"]);
}

#[test]
fn expanded_value_lines_do_not_count_again() {
    let agora = "client join channel failed {code: 901, reason: \"request:fail url not in domain list\"}\n    code: 901\n    reason: \"request:fail url not in domain list\"\n    __proto__: Object";
    check(agora, &["agora:901"]);
    let wx = "request fail {errMsg: \"request:fail timeout\"}\n    errMsg: \"request:fail timeout\"\n    __proto__: Object";
    check(wx, &["wx:request"]);
    let bare = "request fail Object\n    errMsg: \"request:fail timeout\"\n    __proto__: Object";
    check(bare, &["wx:request"]);
}

#[test]
fn expanded_properties_need_the_reason_line() {
    let input = "client.on error Object\n    code: 901\n    reason: \"request:fail url not in domain list\"\n    __proto__: Object";
    check(input, &["agora:901"]);
}

#[test]
fn component_named_inside_handler_names() {
    check("onPusherStateChange {code: 1102, message: \"reconnecting\"}", &["live-pusher:1102"]);
    check("livePlayer netstatus code: 2105", &["live-player:2105"]);
}

#[test]
fn component_told_from_code_by_event_name() {
    check(
        "bindstatechange {detail: {code: 2103, message: \"reconnecting\"}}",
        &["live-player:2103"],
    );
    check("statechange {code: -1307, message: \"gave up\"}", &["live-pusher:-1307"]);
    check("statechange {code: 1, message: \"x\"}", &[]);
}

#[test]
fn record_on_its_own_lines_takes_context_from_line_before() {
    let input = "[2024-03-04T09:21:04.530+08:00] ERROR join failed openid=oXyZ5hV1jL7fT3nB9cK2wS6dR8aU\n{\n  code: 905,\n  reason: 'connect websocket failed'\n}";
    let catalog = Catalog::builtin();
    let hits = scan_str(&catalog, input);
    assert_eq!(hits.len(), 1);
    let Hit::Event(event) = &hits[0] else { panic!("an event") };
    assert_eq!(event.context.line, 2);
    assert_eq!(
        event.context.time.as_ref().map(|t| t.text()),
        Some("2024-03-04T09:21:04.530+08:00")
    );
    assert_eq!(event.context.user.as_deref(), Some("oXyZ5hV1jL7fT3nB9cK2wS6dR8aU"));
}

#[test]
fn repeat_count_before_page_path() {
    check(
        r#"3pages/index/index.js? [sm]:31 client join channel failed: {"code":903,"reason":"time out"}"#,
        &["agora:903×3"],
    );
}

#[test]
fn named_component_wins_over_event_name() {
    check(
        "live-player statechange {code: 3005, message: \"RTMP read failed\"}",
        &["live-player:3005"],
    );
    check("live-pusher statechange {code: 2103, message: \"x\"}", &["live-pusher:2103"]);
}

#[test]
fn text_pairs_ignore_key_case() {
    check("ERROR: 904, reason: websocket disconnected", &["agora:904"]);
    check("Code: 905, Reason: connect websocket failed", &["agora:905"]);
    check(r#"{"errcode":40001,"errmsg":"invalid credential"}"#, &[]);
}

#[test]
fn http_status_after_failed_is_not_a_code() {
    check("getToken failed: 502 Bad Gateway", &[]);
    check("token request failed: 503 Service Unavailable", &[]);
    check("client renew token failed: 401 invalid token", &["agora:401"]);
}

#[test]
fn untimed_line_takes_time_of_line_before() {
    let input = "2024-03-04 09:20:02.512 ERROR 811 --- [exec-7] c.e.RtcController : join failed\ncom.example.rtc.AgoraException: code=434 reason=uid mismatch\n\tat com.example.Rtc.join(Rtc.java:88)";
    let catalog = Catalog::builtin();
    let hits = scan_str(&catalog, input);
    let Hit::Event(event) = &hits[0] else { panic!("an event") };
    assert_eq!(event.code, "434");
    assert_eq!(event.context.time.as_ref().map(|t| t.text()), Some("2024-03-04T09:20:02.512"));
}

/// Returns the time text of the first hit of `chunks`, scanned in order by
/// one scanner.
fn first_time_over_chunks(chunks: &[&str]) -> Option<String> {
    let catalog = Catalog::builtin();
    let mut scanner = super::Scanner::new(&catalog);
    let mut hits = Vec::new();
    let mut line = 1;
    for chunk in chunks {
        line += scanner.chunk(chunk.as_bytes(), line, &mut hits);
    }
    scanner.finish(&mut hits);
    let Hit::Event(event) = &hits[0] else { panic!("an event") };
    event.context.time.as_ref().map(|t| t.text().to_owned())
}

#[test]
fn look_back_reads_earlier_chunks() {
    let timed = "2024-03-04 09:20:02 INFO joining\n";
    let event = "client join failed: code=434 reason=uid mismatch\n";
    let time = Some("2024-03-04T09:20:02".to_owned());
    assert_eq!(first_time_over_chunks(&[timed, "plain\n", event]), time);
    assert_eq!(first_time_over_chunks(&[&format!("{timed}plain\n"), event]), time);
    // Eight untimed lines between them: the time is too far back.
    let plain = "plain\n".repeat(8);
    assert_eq!(first_time_over_chunks(&[timed, &plain, event]), None);
    assert_eq!(first_time_over_chunks(&[&format!("{timed}{plain}{event}")]), None);
    let seven = "plain\n".repeat(7);
    assert_eq!(first_time_over_chunks(&[timed, &seven, event]), time);
    assert_eq!(first_time_over_chunks(&[&format!("{timed}{seven}"), event]), time);
}

#[test]
fn look_back_window_holds_for_each_event() {
    // Each untimed event looks at the eight lines before it: the first
    // eight events see the timed line, the later ones do not.
    let mut input = "2024-03-04 09:20:02 INFO joining\n".to_owned();
    input.push_str(&"{errMsg: \"request:fail timeout\"}\n".repeat(10));
    let catalog = Catalog::builtin();
    let times: Vec<Option<String>> = scan_str(&catalog, &input)
        .iter()
        .map(|hit| {
            let Hit::Event(event) = hit else { panic!("an event") };
            event.context.time.as_ref().map(|t| t.text().to_owned())
        })
        .collect();
    let time = Some("2024-03-04T09:20:02".to_owned());
    let expected: Vec<Option<String>> =
        (0..10).map(|i| if i < 8 { time.clone() } else { None }).collect();
    assert_eq!(times, expected);
}

#[test]
fn string_event_in_pretty_json_has_its_own_line() {
    let input = "{\n  \"msg\": [\n    \"join\",\n    \"error: 904, reason: websocket disconnected\"\n  ]\n}";
    let catalog = Catalog::builtin();
    let hits = scan_str(&catalog, input);
    let Hit::Event(event) = &hits[0] else { panic!("an event") };
    assert_eq!(event.code, "904");
    assert_eq!(event.context.line, 4);
}

/// Every UTF-8 fixture under `fixtures/`, as (name, text).
fn utf8_fixtures() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack =
        vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = String::from_utf8(std::fs::read(&path).expect("fixture")) {
                out.push((path.display().to_string(), text));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn prefilter_changes_nothing_on_fixtures() {
    let catalog = Catalog::builtin();
    let fixtures = utf8_fixtures();
    assert!(fixtures.len() > 20);
    for (name, text) in fixtures {
        let filtered = scan_str(&catalog, &text);
        let every = super::scan_str_every_line(&catalog, &text);
        assert_eq!(filtered, every, "hits in {name}");
    }
}

mod prefilter {
    use proptest::prelude::*;

    use super::*;

    /// Random printable text, or a line that changes the scanner's state:
    /// expanded-object properties, brackets, codes that do not count.
    fn junk() -> impl Strategy<Value = String> {
        let tricky = [
            "code: 0",
            "code: 905",
            "  code: 200",
            "reason: \"request:fail timeout\"",
            "{",
            "}",
            "[",
            "]",
            "    __proto__: Object",
            "A:",
            "errMsg: \"request:fail t\"",
            "client.on error Object",
            "message: \"x\"",
            "err_code: 905",
            "{\"code\":904,",
            "  \"reason\": \"time out\"",
        ];
        prop_oneof![
            "[ -~]{0,12}",
            proptest::sample::select(tricky.to_vec()).prop_map(str::to_owned),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random mixes of fixture lines, with random junk lines between
        /// them, give the same hits with and without the prefilter.
        #[test]
        fn mixes_of_fixture_lines(picks in proptest::collection::vec((0usize..10_000, 0usize..10_000, junk()), 1..60)) {
            static LINES: std::sync::OnceLock<(Catalog, Vec<String>)> = std::sync::OnceLock::new();
            let (catalog, lines) = LINES.get_or_init(|| {
                let lines = utf8_fixtures()
                    .into_iter()
                    .flat_map(|(_, text)| text.lines().map(str::to_owned).collect::<Vec<_>>())
                    .collect();
                (Catalog::builtin(), lines)
            });
            let mut text = String::new();
            for (file_pick, line_pick, junk) in picks {
                let run = 1 + line_pick % 4;
                let start = file_pick % lines.len();
                for line in lines.iter().skip(start).take(run) {
                    text.push_str(line);
                    text.push('\n');
                }
                text.push_str(&junk);
                text.push('\n');
            }
            prop_assert_eq!(scan_str(catalog, &text), crate::extract::scan_str_every_line(catalog, &text));
        }
    }
}

#[test]
fn local_time_takes_offset_seen_before() {
    let input = "{\"time\":\"2024-03-04T09:20:00+08:00\",\"code\":434,\"reason\":\"uid mismatch\"}\n2024-03-04 09:20:02.512 ERROR agora error code=429 reason=too many requests";
    let catalog = Catalog::builtin();
    let hits = scan_str(&catalog, input);
    let Hit::Event(local) = &hits[1] else { panic!("an event") };
    assert_eq!(local.code, "429");
    assert_eq!(local.context.assumed_offset, Some(480));
    let Hit::Event(zoned) = &hits[0] else { panic!("an event") };
    assert_eq!(zoned.context.assumed_offset, None);
}

#[test]
fn halves_scanned_at_once_match_sequential() {
    let catalog = Catalog::builtin();
    let mut text = String::new();
    let fixtures = utf8_fixtures();
    while text.len() < 3 << 20 {
        for (_, fixture) in &fixtures {
            text.push_str(fixture);
            if !fixture.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    let sequential = scan_str(&catalog, &text);

    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let parallel = pool.install(|| {
        let mut scanner = super::Scanner::new(&catalog);
        let mut out = Vec::new();
        let lines = scanner.chunk_parallel(text.as_bytes(), 1, &mut out);
        scanner.finish(&mut out);
        assert_eq!(lines, text.lines().count() as u64);
        out
    });
    assert_eq!(parallel.len(), sequential.len());
    assert!(parallel == sequential, "parallel hits differ from sequential ones");
}

#[test]
fn key_and_value_across_a_structure_do_not_pair() {
    // Found by fuzzing: the emptied `[]` used to join `code` and `:3`.
    check("code[]:3'reason:", &[]);
    check("code {\"a\":1} = 904 reason=x", &[]);
    assert_eq!(reasons("request:fail timeout {\"a\":1} trailing"), ["request:fail timeout"]);
}

#[test]
fn many_keys_on_one_line_stay_linear() {
    // Each key used to search the whole line before it for a component.
    let line = "code: 904, reason: x ".repeat(20_000);
    let start = std::time::Instant::now();
    let found = events(&line);
    assert_eq!(found.len(), 20_000);
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[test]
fn bracketed_word_stays_in_reason() {
    assert_eq!(reasons("error: 904, reason: foo [bar] baz"), ["foo [bar] baz"]);
}

#[test]
fn cut_document_with_many_objects_stays_linear() {
    // A realtime-log document cut short: the outer levels never close.
    let entry = r#"{"id":"oXyZ0000000000000000000001","url":"pages/a/a","msg":["join failed",{"code":431,"reason":"invalid uid"}]},"#;
    let line = format!("{{\"data\":{{\"list\":[{}", entry.repeat(10_000));
    let start = std::time::Instant::now();
    assert_eq!(events(&line).len(), 10_000);
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "took {:?}", start.elapsed());
}

#[test]
fn carriage_returns_before_an_opener() {
    // Found by fuzzing: `{` followed by two carriage returns.
    let input = "{\r\r\nok: 1\nerror: 904, reason: x\n";
    let catalog = Catalog::builtin();
    assert_eq!(scan_str(&catalog, input), super::scan_str_every_line(&catalog, input));
}

#[test]
fn escaped_keys_are_not_code_keys() {
    // Found by fuzzing: `"co\de"` decoded to the key `code`.
    check(r#"{,"co\de":4,"reason":""}"#, &[]);
    check(r#"{"\u0063ode":904,"reason":"x"}"#, &[]);
    let input = r#"{,"co\de":4,"reason":""}"#;
    let catalog = Catalog::builtin();
    assert_eq!(scan_str(&catalog, input), super::scan_str_every_line(&catalog, input));
}

#[test]
fn blanks_inside_quoted_codes() {
    // Found by fuzzing: carriage returns between the quote and the code of
    // a parsed string made the prefilter skip a line with an event.
    let input = "[2024-03-04 { code: '\r\r\r903', reason: 'time out' }";
    check(input, &["agora:903"]);
    check("{\"code\":\" 904 \",\"reason\":\"x\"}", &["agora:904"]);
    // Other white space is not a blank: no path takes these for codes.
    check("{\"code\":\"\u{a0}904\",\"reason\":\"x\"}", &[]);
    check("{\"code\":\"\u{3000}904\",\"reason\":\"x\"}", &[]);
    let catalog = Catalog::builtin();
    let crash = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/extract-blank-in-quoted-code"
    ))
    .unwrap();
    let crash = String::from_utf8_lossy(&crash);
    assert_eq!(scan_str(&catalog, &crash), super::scan_str_every_line(&catalog, &crash));
}

#[test]
fn long_reason_is_cut_at_a_character() {
    let long = format!("a{}", "é".repeat(600));
    let cut = format!("a{}", "é".repeat(511));
    assert_eq!(cut.len(), 1023, "the 1024th byte is inside a character");
    assert_eq!(reasons(&format!("error: 904, reason: {long}")), std::slice::from_ref(&cut));
    assert_eq!(reasons(&format!(r#"{{"code":904,"reason":"{long}"}}"#)), [cut]);
    let short = "é".repeat(512);
    assert_eq!(reasons(&format!("error: 904, reason: {short}")), [short]);
}
