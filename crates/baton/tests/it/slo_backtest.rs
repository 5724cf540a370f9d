//! "Would it have paged?" through the API, the dashboard and the real binary: an SLO's
//! alerting replayed over its stored samples, and a definition repo's proposed SLOs beside
//! the applied ones. The replay's maths (three incidents against a hand computation) are
//! core's unit tests; these check the plumbing a user meets.

use crate::support::{copy_dir, examples_dir, spawn_app, TestApp};
use serde_json::{json, Value};

const SLO: &str = "/api/v1/slos/streamhub-availability";
const OWNER: &str = "noor.castellano"; // streamhub-dev, owns streamhub
const FROM: &str = "2026-03-02T06:00:00Z";
const TO: &str = "2026-03-02T09:00:00Z";

/// Three hours of 1,000 publish requests a minute up to the test clock's 09:00, every one
/// failing from 07:00 to 07:10.
///
/// By hand, at 99.9% over 28 days (thresholds 13.44× for page 1h/5m, 5.6× for 6h/30m,
/// 2.8× for ticket 1d/2h): a failing minute burns 1000×, so at 07:01 the 1h window (one
/// bad minute in sixty: 16.7×) and the 5m window (200×) both pass 13.44×: the page opens
/// at 07:01, one minute after the burn began. It resolves when no page tier fires: the
/// 6h/30m tier's 30m window holds a bad minute until 07:40 (at 07:39, 07:09 is in it:
/// 33×). At 07:40 the ticket tier 1d/2h, held back while the SLO paged, still fires (its
/// 2h window holds all ten bad minutes): the ticket opens then, and is open at 09:00.
async fn an_incident_at_seven(app: &TestApp) {
    let token = app.token(OWNER).await;
    let start: jiff::Timestamp = FROM.parse().unwrap();
    let samples: Vec<Value> = (0..180)
        .map(|m| {
            let at = start + jiff::SignedDuration::from_mins(m);
            json!({"at": at, "good": if (60..70).contains(&m) { 0 } else { 1000 }, "total": 1000})
        })
        .collect();
    let (status, body) = app.post(&format!("{SLO}/samples"), Some(&token), json!({"samples": samples})).await;
    assert_eq!((status, body["accepted"].as_i64()), (200, Some(180)), "{body}");
}

#[tokio::test]
async fn the_api_lists_the_page_and_ticket_the_engine_would_have_sent() {
    let app = spawn_app().await;
    an_incident_at_seven(&app).await;
    let (status, b) = app.get(&format!("{SLO}/backtest?from={FROM}&to={TO}")).await;
    assert_eq!(status, 200, "{b}");
    assert_eq!((b["minutes"].as_i64(), b["minutes_with_data"].as_i64()), (Some(180), Some(180)), "{b}");
    let alerts = b["alerts"].as_array().unwrap();
    let got: Vec<_> = alerts
        .iter()
        .map(|a| (a["severity"].as_str(), a["tier"].as_str(), a["opened"].as_str(), a["resolved"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Some("page"), Some("page 1h/5m"), Some("2026-03-02T07:01:00Z"), Some("2026-03-02T07:40:00Z")),
            (Some("ticket"), Some("ticket 1d/2h"), Some("2026-03-02T07:40:00Z"), None),
        ],
        "{b}"
    );
    assert_eq!(alerts[0]["burn_began"], "2026-03-02T07:00:00Z");
    assert_eq!(alerts[0]["detection_minutes"], 1);
    assert_eq!(alerts[1]["detection_minutes"], 40, "the ticket came when the page resolved");
    assert_eq!(b["summary"], "1 page and 1 ticket in 180 minutes of data (of 180)");
    // The default range is the last 28 days up to the clock's minute.
    let (_, b) = app.get(&format!("{SLO}/backtest")).await;
    assert_eq!((b["from"].as_str(), b["to"].as_str()), (Some("2026-02-02T09:00:00Z"), Some(TO)), "{b}");
    assert_eq!(b["alerts"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_range_without_data_says_so_and_bad_ranges_name_their_field() {
    let app = spawn_app().await;
    let (status, b) = app.get(&format!("/api/v1/slos/streamhub-publish-latency/backtest?from={FROM}&to={TO}")).await;
    assert_eq!(status, 200, "{b}");
    assert_eq!(b["minutes_with_data"], 0);
    assert!(b["alerts"].as_array().unwrap().is_empty());
    assert!(b["summary"].as_str().unwrap().starts_with("no data from 2026-03-02 06:00"), "{b}");

    let (status, b) = app.get(&format!("{SLO}/backtest?from={TO}&to={FROM}")).await;
    assert_eq!((status, b["error"]["field"].as_str()), (422, Some("to")), "{b}");
    let (status, b) = app.get(&format!("{SLO}/backtest?from=2025-11-01T00:00:00Z&to={TO}")).await;
    assert_eq!((status, b["error"]["field"].as_str()), (422, Some("from")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("longer than 90d"), "{b}");
    let (status, b) = app.get(&format!("{SLO}/backtest?from=yesterday")).await;
    assert_eq!((status, b["error"]["field"].as_str()), (422, Some("from")), "an instant that does not parse: {b}");
    assert_eq!(app.get("/api/v1/slos/no-such-slo/backtest").await.0, 404);
}

#[tokio::test]
async fn the_service_page_says_whether_it_would_have_paged() {
    let app = spawn_app().await;
    an_incident_at_seven(&app).await;
    let html = app.client.get(format!("{}/services/streamhub", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Would it have paged?"), "{html}");
    assert!(html.contains("1 page and 1 ticket in 180 minutes of data"), "{html}");
    assert!(html.contains("page 1h/5m") && html.contains("1 min"), "the detection delay");
    // The latency SLO has no samples: it says so instead of "no pages".
    assert!(html.contains("no data from 2026-02-02 09:00 to 2026-03-02 09:00"), "{html}");
}

#[tokio::test]
async fn backtest_dir_shows_the_proposed_definitions_beside_the_applied_ones() {
    let app = spawn_app().await;
    an_incident_at_seven(&app).await;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&examples_dir(), dir.path());
    // Changed: a minimum of 100,000 events per tier window. At 1,000 a minute the page
    // tiers' short windows (5m, 30m) never hold that many, so they cannot fire; the 2h
    // window of ticket 1d/2h holds 100,000 events from 07:40 (data since 06:00), when it
    // fires on the ten bad minutes: a ticket instead of a page.
    let slos = dir.path().join("slos/streamhub.yaml");
    let text = std::fs::read_to_string(&slos).unwrap();
    std::fs::write(&slos, text.replace("baton.dev/min-events: \"100\"", "baton.dev/min-events: \"100000\"")).unwrap();
    // Added: a stricter SLO on the same built-in SLI, whose samples are kept per SLO.
    std::fs::write(
        dir.path().join("slos/streamhub-strict.yaml"),
        "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: streamhub-availability-strict\nspec:\n  service: streamhub\n  indicatorRef: streamhub-publish-requests\n  timeWindow:\n    - duration: 28d\n      isRolling: true\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.9999\n",
    )
    .unwrap();

    let out = app.baton_cli(&["slo", "backtest", dir.path().to_str().unwrap(), "--from", FROM, "--to", TO]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}{stderr}");
    let line = |slo: &str| stdout.lines().find(|l| l.starts_with(&format!("{slo} "))).unwrap_or_default().to_owned();
    let changed = line("streamhub-availability");
    assert!(changed.contains("changed"), "{stdout}");
    assert!(
        changed.contains("1 page, 1 ticket (first page 1m after the burn began)")
            && changed.contains("0 pages, 1 ticket; 2 tiers never fire"),
        "applied beside proposed: {stdout}"
    );
    assert!(line("streamhub-availability-strict").contains("added"), "{stdout}");
    assert!(line("streamhub-availability-strict").ends_with("no data"), "{stdout}");
    assert!(line("keyring-secret-reads").contains("unchanged"), "{stdout}");
    assert!(
        stdout.contains("never fires: page 1h/5m could not fire: its windows never held the minimum of 100000 events"),
        "{stdout}"
    );

    // JSON for programs (a merge request bot), and one SLO as applied.
    let out = app.baton_cli(&[
        "slo",
        "backtest",
        dir.path().to_str().unwrap(),
        "--from",
        FROM,
        "--to",
        TO,
        "--output",
        "json",
    ]);
    let compared: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strict = compared.as_array().unwrap().iter().find(|c| c["slo"] == "streamhub-availability-strict").unwrap();
    assert_eq!((strict["change"].as_str(), strict["applied"].is_null()), (Some("added"), true), "{strict}");
    let out = app.baton_cli(&["slo", "backtest", "streamhub-availability", "--from", FROM, "--to", TO]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 page and 1 ticket in 180 minutes of data"), "{stdout}");
    assert!(stdout.contains("2026-03-02 07:01") && stdout.contains("budget spent before the first page"), "{stdout}");

    // A repo with errors is reported as `validate` does, and nothing is replayed.
    std::fs::write(dir.path().join("slos/broken.yaml"), "apiVersion: openslo/v1\nkind: SLO\nmetadata: {}\n").unwrap();
    let out = app.baton_cli(&["slo", "backtest", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("slos/broken.yaml:"), "on stderr, as diagnostics: {out:?}");
    // More than 90 days is refused, naming the flag's field.
    let out =
        app.baton_cli(&["slo", "backtest", "streamhub-availability", "--from", "2025-01-01T00:00:00Z", "--to", TO]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("longer than 90d"), "{out:?}");
}
