//! The rest of the SLO engine through the API and the CLI: corrections (maintenance
//! windows and incidents) that leave their minutes out of the budget and mute alert tiers,
//! the error-budget policy's state in every report, monthly compliance, and backfill.

use crate::support::{spawn_app, TestApp};
use serde_json::{json, Value};

const SLO: &str = "/api/v1/slos/streamhub-availability";
const OWNER: &str = "noor.castellano"; // streamhub-dev, owns streamhub
const OUTSIDER: &str = "leila.fontaine"; // inkwell-dev

fn ago(app: &TestApp, minutes: i64) -> jiff::Timestamp {
    app.now().checked_sub(jiff::SignedDuration::from_mins(minutes)).unwrap()
}

/// An hour of 1,000 requests a minute ending a minute before now; the last ten minutes an
/// incident in which every request failed.
async fn an_hour_with_an_incident(app: &TestApp, token: &str) {
    let samples: Vec<Value> = (1..=60)
        .rev()
        .map(|m| json!({"at": ago(app, m), "good": if m <= 10 { 0 } else { 1000 }, "total": 1000}))
        .collect();
    let (status, body) = app.post(&format!("{SLO}/samples"), Some(token), json!({"samples": samples})).await;
    assert_eq!((status, body["accepted"].as_i64()), (200, Some(60)), "{body}");
}

fn page_1h(report: &Value) -> &Value {
    report["tiers"].as_array().unwrap().iter().find(|t| t["tier"]["long_window"] == "1h").expect("the page 1h tier")
}

#[tokio::test]
async fn a_correction_removes_an_incidents_minutes_and_mutes_the_tiers_while_it_lasts() {
    let app = spawn_app().await;
    let owner = app.token(OWNER).await;
    an_hour_with_an_incident(&app, &owner).await;

    let (_, before) = app.get(&format!("{SLO}/report")).await;
    // 10,000 bad of 60,000: far over the 0.1% allowed (60).
    assert_eq!(before["tally"]["total"].as_u64(), Some(60_000), "{}", before["tally"]);
    assert_eq!(page_1h(&before)["state"]["state"], "firing", "{}", page_1h(&before));
    assert_eq!(before["policy"]["state"], "exhausted", "{}", before["policy"]);
    assert!(
        before["policy"]["actions"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().contains("freeze")),
        "the example policy's actions: {}",
        before["policy"]
    );
    assert!(before["policy"]["notify"].as_array().unwrap().contains(&json!("addon-sre")), "{}", before["policy"]);
    assert_eq!(before["corrections"], json!([]));

    // The incident, declared from its start until 20 minutes from now.
    let until = app.now().checked_add(jiff::SignedDuration::from_mins(20)).unwrap();
    let correction = json!({"start": ago(&app, 10), "end": until, "reason": "upstream DNS outage, INC-4211"});
    let (status, created) = app.post(&format!("{SLO}/corrections"), Some(&owner), correction).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!((created["author"].as_str(), created["recurrence"].as_str()), (Some(OWNER), Some("once")));

    let (_, after) = app.get(&format!("{SLO}/report")).await;
    assert_eq!(after["tally"]["corrected_minutes"].as_u64(), Some(10), "{}", after["tally"]);
    assert_eq!(after["tally"]["total"].as_u64(), Some(50_000));
    assert_eq!(after["attainment"]["value"].as_f64(), Some(1.0));
    assert_eq!(after["budget"]["value"]["remaining"].as_f64(), Some(1.0), "no budget spent: {}", after["budget"]);
    let tier = page_1h(&after);
    assert_eq!(tier["state"]["state"], "muted", "{tier}");
    assert_eq!(tier["state"]["reason"], "upstream DNS outage, INC-4211");
    assert_eq!(after["corrections"][0]["reason"], "upstream DNS outage, INC-4211", "{}", after["corrections"]);
    assert_eq!(after["corrections"][0]["author"], OWNER);
    assert_eq!(after["policy"]["state"], "healthy", "{}", after["policy"]);

    // Once it has ended the tiers speak again; its minutes stay out of the budget.
    app.clock.advance(jiff::SignedDuration::from_mins(30));
    let (_, later) = app.get(&format!("{SLO}/report")).await;
    assert_ne!(page_1h(&later)["state"]["state"], "muted", "{}", page_1h(&later));
    assert_eq!(later["tally"]["corrected_minutes"].as_u64(), Some(10));
    assert_eq!(later["corrections"].as_array().unwrap().len(), 1, "still in the window, still listed");

    let (status, listed) = app.get(&format!("{SLO}/corrections")).await;
    assert_eq!((status, listed.as_array().unwrap().len()), (200, 1), "{listed}");
    assert_eq!(listed[0]["id"], created["id"]);
    let (_, audit) = app.get("/api/v1/audit?subject=slo/streamhub-availability").await;
    let record = audit.as_array().unwrap().last().unwrap();
    assert_eq!(record["action"], "slo.correct", "written with an audit record: {audit}");
    assert_eq!(
        (record["actor"].as_str(), record["reason"].as_str()),
        (Some(OWNER), Some("upstream DNS outage, INC-4211"))
    );
    assert_eq!(app.get("/api/v1/slos/no-such-slo/corrections").await.0, 404);
}

#[tokio::test]
async fn bad_corrections_are_refused_with_the_field_and_outsiders_with_403() {
    let app = spawn_app().await;
    let owner = app.token(OWNER).await;
    let path = format!("{SLO}/corrections");
    let t = |h: i64| app.now().checked_add(jiff::SignedDuration::from_hours(h)).unwrap();
    let cases = [
        (json!({"start": t(2), "end": t(1), "reason": "maintenance"}), "end"),
        (json!({"start": t(1), "end": t(2), "reason": "  "}), "reason"),
        (json!({"start": t(1), "end": t(2)}), "reason"),
        (json!({"start": t(1), "end": t(26), "recurrence": "daily", "reason": "nightly job"}), "recurrence"),
        (json!({"start": t(1), "end": t(2), "until": t(48), "reason": "one-off"}), "until"),
        (json!({"start": t(1), "end": t(2), "recurrence": "monthly", "reason": "x"}), "recurrence"),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post(&path, Some(&owner), body.clone()).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (422, Some(field)), "{body}: {answer}");
    }
    let weekly =
        json!({"start": t(1), "end": t(26), "recurrence": "weekly", "until": t(24 * 30), "reason": "Sunday batch"});
    assert_eq!(app.post(&path, Some(&owner), weekly).await.0, 201, "a day-long weekly window is fine");

    let good = json!({"start": t(1), "end": t(2), "reason": "maintenance"});
    let (status, body) = app.post(&path, Some(&app.token(OUTSIDER).await), good.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("streamhub-dev"), "says who may: {body}");
    assert_eq!(app.post(&path, None, good).await.0, 401);
    assert_eq!(app.get(&path).await.1.as_array().unwrap().len(), 1, "only the accepted one is stored");
}

#[tokio::test]
async fn compliance_is_reported_per_calendar_month() {
    let app = spawn_app().await;
    let owner = app.token(OWNER).await;
    an_hour_with_an_incident(&app, &owner).await;
    let (status, body) = app.get(&format!("{SLO}/compliance?months=3")).await;
    assert_eq!(status, 200, "{body}");
    let months: Vec<_> = body["months"].as_array().unwrap().iter().map(|m| m["month"].as_str().unwrap()).collect();
    // The clock stands at 2026-03-02: January, February and March so far.
    assert_eq!(months, ["2026-01", "2026-02", "2026-03"]);
    let march = &body["months"][2];
    assert_eq!((march["complete"].as_bool(), march["met"]["value"].as_bool()), (Some(false), Some(false)), "{march}");
    assert_eq!(march["attainment"]["value"].as_f64(), Some(50_000.0 / 60_000.0));
    assert_eq!(body["months"][0]["attainment"]["status"], "no-data");
    assert_eq!(body["months"][0]["complete"], true);
    let (status, body) = app.get(&format!("{SLO}/compliance?months=0")).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("months")), "{body}");
    assert_eq!(app.get("/api/v1/slos/no-such-slo/compliance").await.0, 404);
}

#[tokio::test]
async fn backfill_loads_a_file_in_batches_names_rejected_lines_and_shows_progress() {
    let app = spawn_app().await;
    // The CLI runs on the system clock: samples from just before now, one per minute.
    let now = baton_core::slo::start_of_minute(jiff::Timestamp::now());
    let at = |m: i64| now.checked_sub(jiff::SignedDuration::from_mins(m)).unwrap();
    let mut csv = String::from("at,good,total\n");
    for m in (2..=31).rev() {
        csv.push_str(&format!("{},{},1000\n", at(m), if m == 2 { 990 } else { 1000 }));
    }
    csv.push_str("yesterday,1,1\n"); // line 32
    csv.push_str(&format!("{},11,10\n", at(1))); // line 33: good above total
    let half_past = at(40).checked_add(jiff::SignedDuration::from_secs(30)).unwrap();
    csv.push_str(&format!("{half_past},1,1\n")); // line 34: not on a minute
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("samples.csv");
    std::fs::write(&file, csv).unwrap();
    let out = app.baton_cli(&[
        "slo",
        "backfill",
        "streamhub-availability",
        file.to_str().unwrap(),
        "--as",
        OWNER,
        "--batch",
        "7",
    ]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!out.status.success(), "rejected lines fail the command: {stdout}{stderr}");
    assert!(stdout.contains("30 samples stored in 30 minute buckets"), "{stdout}{stderr}");
    assert!(stdout.contains("samples.csv:32: `at` is `yesterday`"), "{stdout}");
    assert!(stdout.contains("samples.csv:33: good (11) is more than total (10)"), "{stdout}");
    let off = format!("samples.csv:34: `at` is {half_past}, not on a whole minute: each line counts one minute, so give its start, like {}", at(40));
    assert!(stdout.contains(&off), "{stdout}");
    assert!(stderr.contains("100% (31/31 samples)"), "progress on stderr: {stderr}");
    assert!(stderr.matches("backfill streamhub-availability:").count() >= 5, "one line per batch: {stderr}");

    // JSON lines work too, and only members of the owner or SRE team may backfill.
    let jsonl = dir.path().join("samples.jsonl");
    std::fs::write(&jsonl, format!("{}\n{{\"at\": 1}}\n", json!({"at": at(40), "good": 5, "total": 5}))).unwrap();
    let out = app.baton_cli(&["slo", "backfill", "streamhub-availability", jsonl.to_str().unwrap(), "--as", OWNER]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 samples stored") && stdout.contains("samples.jsonl:2: not a sample"), "{stdout}");
    let out = app.baton_cli(&["slo", "backfill", "streamhub-availability", jsonl.to_str().unwrap(), "--as", OUTSIDER]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("may not send samples"), "{out:?}");

    // The compliance history as CSV: a header, then one RFC 4180 record per SLO and month.
    let out = app.baton_cli(&["slo", "compliance", "--service", "streamhub", "--months", "2", "--output", "csv"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "slo,service,objective,month,attainment,met,complete,corrected_minutes,data");
    assert_eq!(lines.len(), 1 + 2 * 2, "two streamhub SLOs, two months each: {stdout}");
    let month = now.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m").to_string();
    let current = lines.iter().find(|l| l.starts_with("streamhub-availability,") && l.contains(&month)).unwrap();
    // 29,995 good of 30,005 (10 failures in the CSV, 5 good requests in the JSON lines).
    let cells: Vec<&str> = current.split(',').collect();
    assert_eq!(cells[4].parse::<f64>().unwrap(), 29_995.0 / 30_005.0, "{current}");
    assert_eq!((cells[5], cells[6]), ("yes", "in progress"), "99.967% meets 99.9%: {current}");
}

#[tokio::test]
async fn a_cancelled_correction_stops_muting_from_then_on_and_keeps_its_past() {
    let app = spawn_app().await;
    let owner = app.token(OWNER).await;
    an_hour_with_an_incident(&app, &owner).await;
    let until = app.now().checked_add(jiff::SignedDuration::from_mins(20)).unwrap();
    let correction = json!({"start": ago(&app, 10), "end": until, "reason": "upstream DNS outage, INC-4211"});
    let (_, created) = app.post(&format!("{SLO}/corrections"), Some(&owner), correction).await;
    let cancel = format!("{SLO}/corrections/{}/cancel", created["id"]);
    let (_, before) = app.get(&format!("{SLO}/report")).await;
    assert_eq!(page_1h(&before)["state"]["state"], "muted");

    let outsider = app.token(OUTSIDER).await;
    let (status, body) = app.post(&cancel, Some(&outsider), json!({"reason": "not mine"})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = app.post(&cancel, Some(&owner), json!({"reason": " "})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("reason")), "{body}");

    let (status, cancelled) = app.post(&cancel, Some(&owner), json!({"reason": "DNS was ours after all"})).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["cancelled"]["by"], OWNER);
    assert_eq!(cancelled["cancelled"]["at"].as_str().unwrap().parse::<jiff::Timestamp>().unwrap(), app.now());

    // From the cancel on the tiers are no longer muted; the minutes before it stay out of
    // the budget, so the report of an earlier instant is unchanged, and the report lists
    // the correction as cancelled for the minutes it still corrects.
    let (_, after) = app.get(&format!("{SLO}/report")).await;
    assert_ne!(page_1h(&after)["state"]["state"], "muted", "{}", page_1h(&after));
    assert_eq!(after["tally"]["corrected_minutes"].as_u64(), Some(10), "{}", after["tally"]);
    assert_eq!(after["corrections"][0]["cancelled"]["reason"], "DNS was ours after all", "{}", after["corrections"]);
    assert_eq!(after["attainment"], before["attainment"]);
    // Ten minutes on, the corrections list (read at now) has left it out.
    app.clock.advance(jiff::SignedDuration::from_mins(10));
    let (_, listed) = app.get(&format!("{SLO}/corrections")).await;
    assert_eq!(listed, json!([]), "a cancelled correction is left out of the list");

    let (status, again) = app.post(&cancel, Some(&owner), json!({"reason": "twice"})).await;
    assert_eq!(status, 409, "{again}");
    assert!(again["error"]["message"].as_str().unwrap().contains("already cancelled"), "{again}");
    let (_, audit) = app.get("/api/v1/audit?subject=slo/streamhub-availability").await;
    let record = audit.as_array().unwrap().last().unwrap();
    assert_eq!(
        (record["action"].as_str(), record["actor"].as_str(), record["reason"].as_str()),
        (Some("slo.correction.cancel"), Some(OWNER), Some("DNS was ours after all")),
        "{record}"
    );
    let (status, _) = app.post(&format!("{SLO}/corrections/999/cancel"), Some(&owner), json!({"reason": "r"})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn corrections_are_declared_and_cancelled_from_the_cli_as_a_person() {
    let app = spawn_app().await;
    // The CLI runs on the system clock: a nightly window starting in an hour.
    let start = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap()
        .round(jiff::Unit::Second)
        .unwrap();
    let (start_s, end_s) = (start.to_string(), (start + jiff::SignedDuration::from_mins(30)).to_string());
    let until = (start + jiff::SignedDuration::from_hours(24 * 7)).to_string();
    let create = [
        "slo",
        "correction",
        "create",
        "streamhub-availability",
        "--start",
        &start_s,
        "--end",
        &end_s,
        "--reason",
        "nightly compaction",
        "--repeat",
        "daily",
        "--until",
        &until,
        "--as",
        OWNER,
    ];
    let out = app.baton_cli(&create);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    println!("{stdout}");
    assert!(stdout.starts_with("declared correction ") && stdout.contains("(daily until "), "{stdout}");
    let id = stdout.split_whitespace().nth(2).unwrap().to_owned();

    let out = app.baton_cli(&["slo", "corrections", "streamhub-availability", "--output", "json"]);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((listed[0]["id"].to_string(), listed[0]["author"].as_str()), (id.clone(), Some(OWNER)));

    let outsider = app.baton_cli(&[
        "slo",
        "correction",
        "cancel",
        "streamhub-availability",
        &id,
        "--reason",
        "r",
        "--as",
        OUTSIDER,
    ]);
    assert!(!outsider.status.success(), "{outsider:?}");
    let out = app.baton_cli(&[
        "slo",
        "correction",
        "cancel",
        "streamhub-availability",
        &id,
        "--reason",
        "compaction moved to Sundays",
        "--as",
        OWNER,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    println!("{stdout}");
    assert!(
        stdout.starts_with(&format!("cancelled correction {id} ")) && stdout.contains("corrects nothing from"),
        "{stdout}"
    );
    let out = app.baton_cli(&["slo", "corrections", "streamhub-availability", "--output", "json"]);
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), json!([]));
    // Both went through the audited use cases, as the person named.
    let (_, audit) = app.get("/api/v1/audit?subject=slo/streamhub-availability").await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert!(actions.ends_with(&["slo.correct", "slo.correction.cancel"]), "{actions:?}");
}

/// Issue #20: `/slos` was 404. Every SLO at a glance, filtered and sorted by the query
/// string (so it works without JavaScript): the spent budget first when asked.
#[tokio::test]
async fn the_slo_overview_lists_every_slo_and_puts_the_worst_first_when_asked() {
    let app = crate::support::spawn_app().await;
    let at = app.now().checked_sub(jiff::SignedDuration::from_mins(10)).unwrap();
    let slo = baton_core::SloId::parse("streamhub-availability").unwrap();
    let noor = baton_core::PersonId::parse("noor.castellano").unwrap();
    let batch = [baton_app::SampleIn { at, good: 500, total: 1000 }];
    assert!(app.baton.ingest_samples(&slo, &noor, &batch).await.unwrap().rejected.is_empty());
    let page = |q: &'static str| {
        let (client, url) = (app.client.clone(), format!("{}/slos{q}", app.url));
        async move {
            let resp = client.get(url).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.text().await.unwrap()
        }
    };
    // The SLO links in a page, in order.
    let listed = |html: &str| -> Vec<String> {
        html.split("href=\"/slos/").skip(1).map(|rest| rest.split('"').next().unwrap().to_owned()).collect()
    };
    let all = listed(&page("").await);
    let defined: Vec<String> = app.org.slos.keys().map(ToString::to_string).collect();
    assert_eq!(all.len(), defined.len(), "{all:?}");
    assert!(defined.iter().all(|d| all.contains(d)), "{all:?}");
    assert_eq!(listed(&page("?sort=budget").await)[0], "streamhub-availability");
    assert_eq!(listed(&page("?sort=burn").await)[0], "streamhub-availability");
    assert_eq!(listed(&page("?state=exhausted").await), ["streamhub-availability"]);
    assert_eq!(listed(&page("?service=keyring").await), ["keyring-secret-reads"]);
    let spent = page("?state=exhausted").await;
    assert!(spent.contains("page 6h/30m"), "the firing page tier is named: {spent}");
    assert!(!spent.contains("class=\"num\" class="), "one class attribute per cell");
}
