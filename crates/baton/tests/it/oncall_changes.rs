//! Overrides, swaps with consent, the fairness ledger and iCalendar feeds, through the API
//! and the CLI, over the example organisation's `addon-sre` rotation: daily on Irish
//! working days, shift change 09:00 Dublin (09:00Z until the end of March). The test clock
//! starts at Monday 2026-03-02T09:00:00Z; the first week is the list as written: aoife,
//! cian, beatriz, thiago, ananya (Friday's shift extends over the weekend), then rohan.

use crate::support::{spawn_app, TestApp};
use serde_json::{json, Value};

const ADDON: &str = "/api/v1/rotations/addon-sre";
const OUTSIDER: &str = "noor.castellano"; // streamhub-dev, not in addon-sre

fn who(body: &Value) -> (&str, &str) {
    (body["person"]["id"].as_str().unwrap(), body["why"]["rule"].as_str().unwrap())
}

/// The audit log's length and its last action.
async fn audit(app: &TestApp) -> (usize, String) {
    let (status, body) = app.get("/api/v1/audit?limit=1000").await;
    assert_eq!(status, 200, "{body}");
    let records = body.as_array().unwrap();
    (records.len(), records.last().map_or(String::new(), |r| r["action"].as_str().unwrap().to_owned()))
}

fn field(body: &Value) -> &str {
    body["error"]["field"].as_str().unwrap_or("")
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

#[tokio::test]
async fn an_override_puts_the_covering_person_on_call_and_the_ledger_counts_it() {
    let app = spawn_app().await;
    let cian = app.token("cian.moreau").await;
    let before = audit(&app).await.0;
    let (status, made) = app
        .post(
            &format!("{ADDON}/overrides"),
            Some(&cian),
            json!({"covering": "rohan.abernathy", "covered": "beatriz.nakamura", "start": "2026-03-04T09:00:00Z",
                   "end": "2026-03-04T21:00:00Z", "reason": "dentist"}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        (made["covering"].as_str(), made["created"]["by"].as_str()),
        (Some("rohan.abernathy"), Some("cian.moreau"))
    );
    assert_eq!(audit(&app).await, (before + 1, "oncall.override".to_owned()), "audited");

    let (_, noon) = app.get(&format!("{ADDON}/oncall?at=2026-03-04T12:00:00Z")).await;
    assert_eq!(who(&noon), ("rohan.abernathy", "override"), "{noon}");
    assert_eq!(noon["why"]["covered"], "beatriz.nakamura");
    assert_eq!(
        (noon["start"].as_str(), noon["end"].as_str()),
        (Some("2026-03-04T09:00:00Z"), Some("2026-03-04T21:00:00Z"))
    );
    assert!(noon["because"].as_str().unwrap().contains("covers beatriz nakamura"), "{noon}");
    let (_, evening) = app.get(&format!("{ADDON}/oncall?at=2026-03-04T22:00:00Z")).await;
    assert_eq!(who(&evening), ("beatriz.nakamura", "turn"), "her shift resumes after the override");
    let (_, next) = app.get(&format!("{ADDON}/next?at=2026-03-04T10:00:00Z")).await;
    assert_eq!(who(&next), ("beatriz.nakamura", "turn"), "{next}");

    let (_, schedule) = app.get(&format!("{ADDON}/schedule?from=2026-03-04T09:00:00Z&to=2026-03-05T09:00:00Z")).await;
    let pieces: Vec<_> = schedule
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["person"]["id"].as_str().unwrap(), s["layer"].as_str().unwrap()))
        .collect();
    assert_eq!(pieces, [("rohan.abernathy", "override"), ("beatriz.nakamura", "primary")], "{schedule}");

    let (status, ledger) = app.get(&format!("{ADDON}/fairness?from=2026-03-02&to=2026-03-09")).await;
    assert_eq!(status, 200, "{ledger}");
    let row = |id: &str| ledger["people"].as_array().unwrap().iter().find(|p| p["person"] == id).unwrap().clone();
    assert_eq!(
        (row("rohan.abernathy")["overrides"].as_u64(), row("rohan.abernathy")["hours"].as_f64()),
        (Some(1), Some(12.0))
    );
    assert_eq!(row("beatriz.nakamura")["hours"].as_f64(), Some(12.0), "the covered hours go to the person covering");
    // Friday's shift runs to Monday, clipped at the end of the range (Monday 00:00):
    // 15 h on Friday, then 48 weekend hours weighted 1.5.
    let ananya = row("ananya.kowalski");
    assert_eq!((ananya["hours"].as_f64(), ananya["weekend_hours"].as_f64()), (Some(63.0), Some(48.0)));
    assert_eq!(ananya["weighted_hours"].as_f64(), Some(15.0 + 48.0 * 1.5));

    let resp = app
        .client
        .get(format!("{}{ADDON}/fairness?from=2026-03-02&to=2026-03-09&format=csv", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "person,name,shifts,turns,weekend_turns,overrides,hours,weekend_hours,holiday_hours,weighted_hours,leave_turns,turns_owed"
    );
    assert!(lines.contains(&"rohan.abernathy,Rohan Abernathy,1,0,0,1,12.00,0.00,0.00,12.00,0,0"), "{csv}");
    assert_eq!(lines.len(), 1 + 6, "a header and every member: {csv}");
}

#[tokio::test]
async fn bad_overrides_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (cian, outsider_token) = (app.token("cian.moreau").await, app.token(OUTSIDER).await);
    let path = format!("{ADDON}/overrides");
    let ok = json!({"covering": "rohan.abernathy", "start": "2026-03-04T09:00:00Z", "end": "2026-03-04T21:00:00Z", "reason": "dentist"});
    let (status, first) = app.post(&path, Some(&cian), ok.clone()).await;
    assert_eq!(status, 201, "{first}");
    let stored = audit(&app).await;

    let mut outsider = ok.clone();
    outsider["covering"] = json!(OUTSIDER);
    outsider["start"] = json!("2026-03-05T09:00:00Z");
    outsider["end"] = json!("2026-03-05T10:00:00Z");
    let (status, body) = app.post(&path, Some(&cian), outsider).await;
    assert_eq!((status, field(&body)), (422, "covering"), "{body}");
    assert!(message(&body).contains("not a member of team `addon-sre`"), "{body}");

    let mut overlapping = ok.clone();
    overlapping["covering"] = json!("thiago.lindgren");
    overlapping["start"] = json!("2026-03-04T20:00:00Z");
    overlapping["end"] = json!("2026-03-05T01:00:00Z");
    let (status, body) = app.post(&path, Some(&cian), overlapping).await;
    assert_eq!((status, field(&body)), (422, "start"), "{body}");
    assert!(
        message(&body).contains(&format!("overlaps override {}", first["id"].as_str().unwrap())),
        "names it: {body}"
    );

    let mut backwards = ok.clone();
    backwards["start"] = json!("2026-03-06T10:00:00Z");
    backwards["end"] = json!("2026-03-06T09:00:00Z");
    let (status, body) = app.post(&path, Some(&cian), backwards).await;
    assert_eq!((status, field(&body)), (422, "end"), "{body}");

    let mut past = ok.clone();
    past["start"] = json!("2026-02-27T09:00:00Z");
    past["end"] = json!("2026-02-28T09:00:00Z");
    let (status, body) = app.post(&path, Some(&cian), past).await;
    assert_eq!((status, field(&body)), (422, "end"), "{body}");
    assert!(message(&body).contains("in the past"), "{body}");

    let mut not_there = ok.clone();
    not_there["covered"] = json!("aoife.delacroix"); // Monday's, not Thursday's
    not_there["start"] = json!("2026-03-05T09:00:00Z");
    not_there["end"] = json!("2026-03-05T10:00:00Z");
    let (status, body) = app.post(&path, Some(&cian), not_there).await;
    assert_eq!((status, field(&body)), (422, "covered"), "{body}");

    let (status, body) = app.post(&path, Some(&outsider_token), ok.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(message(&body).contains("only members of team `addon-sre`"), "says who may: {body}");

    assert_eq!(audit(&app).await, stored, "nothing refused reached the audit log");
    let (_, list) = app.get(&path).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "only the first override is stored: {list}");

    // Cancelled before it starts, it no longer applies; once started it cannot be.
    let cancel = format!("{path}/{}/cancel", first["id"].as_str().unwrap());
    let (status, body) = app.post(&cancel, Some(&cian), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cancelled"]["by"], "cian.moreau");
    let (_, noon) = app.get(&format!("{ADDON}/oncall?at=2026-03-04T12:00:00Z")).await;
    assert_eq!(who(&noon), ("beatriz.nakamura", "turn"));
    let (status, _) = app.post(&cancel, Some(&cian), json!({})).await;
    assert_eq!(status, 409, "cancelled already");
}

async fn swap(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    app.post(&format!("{ADDON}/swaps"), Some(token), body).await
}

#[tokio::test]
async fn a_swap_needs_the_other_persons_consent_and_then_moves_the_pager() {
    let app = spawn_app().await;
    let (cian, thiago, beatriz) =
        (app.token("cian.moreau").await, app.token("thiago.lindgren").await, app.token("beatriz.nakamura").await);
    let (status, asked) = swap(
        &app,
        &cian,
        json!({"with": "thiago.lindgren", "my_shift_start": "2026-03-03T09:00:00Z",
               "their_shift_start": "2026-03-05T09:00:00Z", "reason": "school play"}),
    )
    .await;
    assert_eq!(status, 201, "{asked}");
    assert_eq!(asked["state"], "requested");
    assert_eq!(audit(&app).await.1, "oncall.swap.request");
    let (_, tuesday) = app.get(&format!("{ADDON}/oncall?at=2026-03-03T12:00:00Z")).await;
    assert_eq!(who(&tuesday), ("cian.moreau", "turn"), "nothing moves before consent");

    let id = asked["id"].as_str().unwrap();
    let accept = format!("{ADDON}/swaps/{id}/accept");
    for token in [&beatriz, &cian] {
        let (status, body) = app.post(&accept, Some(token), json!({})).await;
        assert_eq!(status, 403, "{body}");
        assert!(
            message(&body).contains("only Thiago Lindgren (thiago.lindgren)") && message(&body).contains("may accept"),
            "{body}"
        );
    }
    let (status, applied) = app.post(&accept, Some(&thiago), json!({})).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!((applied["state"].as_str(), applied["decided_by"].as_str()), (Some("applied"), Some("thiago.lindgren")));
    assert_eq!(applied["overrides"].as_array().unwrap().len(), 2);

    let (_, tuesday) = app.get(&format!("{ADDON}/oncall?at=2026-03-03T12:00:00Z")).await;
    assert_eq!(who(&tuesday), ("thiago.lindgren", "override"), "{tuesday}");
    assert_eq!(
        (tuesday["why"]["kind"].as_str(), tuesday["why"]["covered"].as_str()),
        (Some("swap"), Some("cian.moreau"))
    );
    let (_, thursday) = app.get(&format!("{ADDON}/oncall?at=2026-03-05T12:00:00Z")).await;
    assert_eq!(who(&thursday), ("cian.moreau", "override"), "{thursday}");

    let (_, log) = app.get("/api/v1/audit?limit=1000").await;
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert!(actions.ends_with(&["oncall.swap.request", "oncall.swap.accept", "oncall.swap.apply"]), "{actions:?}");
    let (status, body) = app.post(&accept, Some(&thiago), json!({})).await;
    assert_eq!(status, 409, "decided already: {body}");
    assert!(message(&body).contains("accepted and applied"), "{body}");

    let (_, ledger) = app.get(&format!("{ADDON}/fairness?from=2026-03-02&to=2026-03-09")).await;
    let row = |id: &str| ledger["people"].as_array().unwrap().iter().find(|p| p["person"] == id).unwrap().clone();
    assert_eq!((row("cian.moreau")["overrides"].as_u64(), row("cian.moreau")["turns"].as_u64()), (Some(1), Some(0)));
    assert_eq!(row("thiago.lindgren")["overrides"].as_u64(), Some(1));

    // A half of a swap is not cancelled on its own.
    let half = format!("{ADDON}/overrides/{}/cancel", applied["overrides"][0].as_str().unwrap());
    assert_eq!(app.post(&half, Some(&cian), json!({})).await.0, 409);
}

/// Notices about a rotation tell its times in its zone, named (Dublin moves to summer time
/// on 29 March); what programs read keeps RFC 3339 UTC.
#[tokio::test]
async fn swap_and_override_notices_tell_the_rotations_times_in_its_zone_named() {
    use crate::oncall_log::{notice, notifications, with_team_channel};
    let app = spawn_app().await;
    with_team_channel(&app).await;
    let (cian, thiago) = (app.token("cian.moreau").await, app.token("thiago.lindgren").await);
    let (status, asked) = swap(
        &app,
        &cian,
        json!({"with": "thiago.lindgren", "my_shift_start": "2026-03-03T09:00:00Z",
               "their_shift_start": "2026-03-05T09:00:00Z"}),
    )
    .await;
    assert_eq!(status, 201, "{asked}");
    let sent = notifications(&app, "swap/addon-sre/").await;
    let n = notice(sent.first().expect("the other person is told"));
    assert_eq!(n["to"], json!(["thiago.lindgren"]));
    assert!(
        n["text"].as_str().unwrap().contains(
            "Cian Moreau's shift from 2026-03-03 09:00 to 2026-03-04 09:00 Europe/Dublin \
             for Thiago Lindgren's from 2026-03-05 09:00 to 2026-03-06 09:00 Europe/Dublin"
        ),
        "{n}"
    );
    assert_eq!(asked["requester_shift"]["start"], "2026-03-03T09:00:00Z", "the API keeps RFC 3339: {asked}");
    let _ = thiago;

    let cover = json!({"covering": "cian.moreau", "start": "2026-03-30T08:00:00Z", "end": "2026-03-30T14:00:00Z", "reason": "training"});
    let (status, made) = app.post(&format!("{ADDON}/overrides"), Some(&cian), cover).await;
    assert_eq!(status, 201, "{made}");
    let sent = notifications(&app, "override/addon-sre/").await;
    let n = notice(sent.first().expect("the people concerned are told"));
    let text = n["text"].as_str().unwrap();
    assert!(
        text.contains("from 2026-03-30 09:00 to 2026-03-30 15:00 Europe/Dublin: training"),
        "Irish summer time: {n}"
    );
    assert_eq!(made["start"], "2026-03-30T08:00:00Z");
}

#[tokio::test]
async fn a_swap_of_a_past_shift_or_of_a_shift_that_is_not_theirs_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.clock.advance(jiff::SignedDuration::from_hours(1)); // Monday 10:00: aoife's shift has started
    let cian = app.token("cian.moreau").await;
    let (aoife, thiago, outsider) =
        (app.token("aoife.delacroix").await, app.token("thiago.lindgren").await, app.token(OUTSIDER).await);
    let stored = audit(&app).await;
    let ask = |mine: &str, with: &str, theirs: &str| json!({"with": with, "my_shift_start": mine, "their_shift_start": theirs});

    let (status, body) =
        swap(&app, &aoife, ask("2026-03-02T09:00:00Z", "thiago.lindgren", "2026-03-05T09:00:00Z")).await;
    assert_eq!((status, field(&body)), (422, "my_shift_start"), "{body}");
    assert!(message(&body).contains("has started"), "{body}");
    let (status, body) =
        swap(&app, &cian, ask("2026-03-03T09:00:00Z", "aoife.delacroix", "2026-03-02T09:00:00Z")).await;
    assert_eq!((status, field(&body)), (422, "their_shift_start"), "{body}");
    let (status, body) =
        swap(&app, &cian, ask("2026-03-04T09:00:00Z", "thiago.lindgren", "2026-03-05T09:00:00Z")).await;
    assert_eq!((status, field(&body)), (422, "my_shift_start"), "Wednesday is beatriz's: {body}");
    assert!(message(&body).contains("held by Beatriz Nakamura (beatriz.nakamura)"), "{body}");
    let (status, body) =
        swap(&app, &cian, ask("2026-03-03T09:00:00Z", "thiago.lindgren", "2026-03-04T09:00:00Z")).await;
    assert_eq!((status, field(&body)), (422, "their_shift_start"), "{body}");
    let (status, body) = swap(&app, &cian, ask("2026-03-03T09:00:00Z", OUTSIDER, "2026-03-04T09:00:00Z")).await;
    assert_eq!((status, field(&body)), (422, "with"), "{body}");
    let (status, body) =
        swap(&app, &outsider, ask("2026-03-03T09:00:00Z", "cian.moreau", "2026-03-04T09:00:00Z")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(audit(&app).await, stored, "nothing refused reached the audit log");
    let (_, list) = app.get(&format!("{ADDON}/swaps")).await;
    assert_eq!(list, json!([]));

    // Declined, then the requester can no longer withdraw it.
    let (_, asked) = swap(&app, &cian, ask("2026-03-03T09:00:00Z", "thiago.lindgren", "2026-03-05T09:00:00Z")).await;
    let id = asked["id"].as_str().unwrap();
    let (status, body) = app.post(&format!("{ADDON}/swaps/{id}/cancel"), Some(&thiago), json!({})).await;
    assert_eq!(status, 403, "only the requester withdraws it: {body}");
    let (status, body) = app.post(&format!("{ADDON}/swaps/{id}/decline"), Some(&thiago), json!({})).await;
    assert_eq!((status, body["state"].as_str()), (200, Some("declined")), "{body}");
    assert_eq!(app.post(&format!("{ADDON}/swaps/{id}/cancel"), Some(&cian), json!({})).await.0, 409);
}

#[tokio::test]
async fn an_unanswered_swap_expires_when_its_first_shift_starts() {
    let app = spawn_app().await;
    let cian = app.token("cian.moreau").await;
    let body = json!({"with": "thiago.lindgren", "my_shift_start": "2026-03-03T09:00:00Z", "their_shift_start": "2026-03-05T09:00:00Z"});
    let (_, asked) = swap(&app, &cian, body).await;
    app.baton.engine_step().await.unwrap();
    let (_, list) = app.get(&format!("{ADDON}/swaps")).await;
    assert_eq!(list[0]["state"], "requested", "not due before the shift starts");
    app.days_later(1); // Tuesday 09:00: cian's shift starts
    let report = app.baton.engine_step().await.unwrap();
    assert!(!report.failed.iter().any(|f| f.contains("oncall-swap")), "{:?}", report.failed);
    let (_, list) = app.get(&format!("{ADDON}/swaps")).await;
    assert_eq!(list[0]["state"], "expired", "{list}");
    assert_eq!(audit(&app).await.1, "oncall.swap.expire");
    let accept = format!("{ADDON}/swaps/{}/accept", asked["id"].as_str().unwrap());
    assert_eq!(app.post(&accept, Some(&app.token("thiago.lindgren").await), json!({})).await.0, 409);
}

#[tokio::test]
async fn the_fairness_range_is_bounded_and_its_format_checked() {
    let app = spawn_app().await;
    let (status, body) = app.get(&format!("{ADDON}/fairness?from=2026-01-01&to=2027-01-03")).await;
    assert_eq!((status, field(&body)), (422, "to"), "{body}");
    assert!(message(&body).contains("366 days"), "{body}");
    let (status, body) = app.get(&format!("{ADDON}/fairness?format=xml")).await;
    assert_eq!((status, field(&body)), (422, "format"), "{body}");
    let (status, body) = app.get(&format!("{ADDON}/fairness?from=2026-03-09&to=2026-03-02")).await;
    assert_eq!((status, field(&body)), (422, "to"), "{body}");
    let (status, body) = app.get(&format!("{ADDON}/fairness")).await;
    assert_eq!(status, 200, "{body}");
    // This month in Dublin by default: April starts in summer time.
    assert_eq!(
        (body["from"].as_str(), body["to"].as_str()),
        (Some("2026-03-01T00:00:00Z"), Some("2026-03-31T23:00:00Z"))
    );
    assert_eq!(app.get("/api/v1/rotations/no-such/fairness").await.0, 404);
}

/// The events of an iCalendar file as Python's `icalendar` package reads them.
const READ_ICS: &str = r#"
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
events = [{"uid": str(e["UID"]), "start": e.decoded("DTSTART").isoformat(), "end": e.decoded("DTEND").isoformat(),
           "summary": str(e["SUMMARY"]), "description": str(e["DESCRIPTION"])} for e in cal.walk("VEVENT")]
print(json.dumps({"name": str(cal.get("X-WR-CALNAME")), "zone": str(cal.get("X-WR-TIMEZONE")), "events": events}))
"#;

/// A feed as a real iCalendar parser reads it: its name, its zone (`X-WR-TIMEZONE`), its
/// events (start, end, person) and their descriptions.
type ParsedFeed = (String, String, Vec<(jiff::Timestamp, jiff::Timestamp, String)>, Vec<String>);

/// Fetches `url` and parses it with a real iCalendar parser.
async fn parsed_feed(app: &TestApp, url: &str) -> ParsedFeed {
    let resp = app.client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, resp.bytes().await.unwrap()).unwrap();
    let out = std::process::Command::new("python3").arg("-c").arg(READ_ICS).arg(&file).output().unwrap_or_else(|e| {
        panic!("python3 could not run ({e}): run ./scripts/test, which installs icalendar, or pip install icalendar")
    });
    assert!(
        out.status.success(),
        "icalendar refuses the feed (pip install icalendar if it is missing): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = parsed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let summary = e["summary"].as_str().unwrap();
            let person = summary.strip_prefix("On call: ").and_then(|s| s.split(" (").next()).unwrap();
            (
                e["start"].as_str().unwrap().parse().unwrap(),
                e["end"].as_str().unwrap().parse().unwrap(),
                person.to_owned(),
            )
        })
        .collect();
    let descriptions =
        parsed["events"].as_array().unwrap().iter().map(|e| e["description"].as_str().unwrap().to_owned()).collect();
    (parsed["name"].as_str().unwrap().to_owned(), parsed["zone"].as_str().unwrap().to_owned(), events, descriptions)
}

/// The schedule over the range a feed served now covers.
async fn schedule(app: &TestApp) -> Vec<(jiff::Timestamp, jiff::Timestamp, String)> {
    let (from, to) = baton_app::feed_window(app.now());
    let (status, body) = app.get(&format!("{ADDON}/schedule?from={from}&to={to}")).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let t = |k: &str| s[k].as_str().unwrap().parse().unwrap();
            (t("start"), t("end"), s["person"]["id"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_calendar_feed_parses_with_a_real_icalendar_parser_and_matches_the_schedule() {
    let app = spawn_app().await;
    let cian = app.token("cian.moreau").await;
    let cover = json!({"covering": "cian.moreau", "start": "2026-03-30T09:00:00Z", "end": "2026-03-30T15:00:00Z", "reason": "training"});
    assert_eq!(app.post(&format!("{ADDON}/overrides"), Some(&cian), cover).await.0, 201);

    let (status, feed) = app.post("/api/v1/feeds", Some(&cian), json!({"rotation": "addon-sre"})).await;
    assert_eq!(status, 201, "{feed}");
    // Embedded without a public address, the feed's URL is its path (`serve` always has one).
    let path = feed["url"].as_str().unwrap().to_owned();
    assert!(path.starts_with("/feeds/feed_") && path.ends_with(".ics"), "{path}");
    let url = format!("{}{path}", app.url);
    let (name, zone, events, descriptions) = parsed_feed(&app, &url).await;
    assert_eq!(name, "On call: Addon SRE primary");
    assert_eq!(zone, "Europe/Dublin", "a rotation's feed names the rotation's zone");
    let expected = schedule(&app).await;
    assert!(expected.len() > 50, "three months of working days: {}", expected.len());
    assert_eq!(events, expected, "the feed's events are the schedule's shifts, override included");
    // Across the change to summer time (29 March) the shift change stays 09:00 in Dublin.
    assert!(events.iter().any(|(s, _, p)| s.to_string() == "2026-03-30T09:00:00Z" && p == "cian.moreau"));
    assert!(events.iter().any(|(s, _, _)| s.to_string() == "2026-03-31T08:00:00Z"), "09:00 IST is 08:00Z");
    let cover = events.iter().position(|(s, _, p)| s.to_string() == "2026-03-30T09:00:00Z" && p == "cian.moreau");
    assert!(
        descriptions[cover.unwrap()].starts_with("2026-03-30 10:00 to 2026-03-30 16:00 Europe/Dublin\n"),
        "each event tells its shift in the feed's zone, named: {:?}",
        descriptions[cover.unwrap()]
    );

    // His shifts on addon-sre (he is on the follow-the-sun rotation too).
    let (status, mine) =
        app.post("/api/v1/feeds", Some(&cian), json!({"person": "cian.moreau", "rotation": "addon-sre"})).await;
    assert_eq!(status, 201, "{mine}");
    let (name, zone, events, _) = parsed_feed(&app, &format!("{}{}", app.url, mine["url"].as_str().unwrap())).await;
    assert!(name.starts_with("On call: Cian Moreau"), "{name}");
    assert_eq!(zone, "Europe/Dublin", "a person's feed names their zone (Cian's, as in teams/)");
    let cians: Vec<_> = expected.into_iter().filter(|(_, _, p)| p == "cian.moreau").collect();
    assert!(!cians.is_empty());
    assert_eq!(events, cians, "a person's feed holds their shifts only");

    // Beatriz works from São Paulo: her feed is in her zone, not the rotation's.
    let (status, hers) = app.post("/api/v1/feeds", Some(&cian), json!({"person": "beatriz.nakamura"})).await;
    assert_eq!(status, 201, "{hers}");
    let (_, zone, events, descriptions) =
        parsed_feed(&app, &format!("{}{}", app.url, hers["url"].as_str().unwrap())).await;
    assert_eq!(zone, "America/Sao_Paulo");
    let (start, end, _) = &events[0];
    let tz = jiff::tz::TimeZone::get("America/Sao_Paulo").unwrap();
    let span = baton_core::local_time::local_span(*start, *end, &tz);
    assert!(descriptions[0].starts_with(&format!("{span}\n")), "{span}: {descriptions:?}");
    assert!(span.ends_with(" America/Sao_Paulo"), "{span}");

    // Revoked (by its maker only), the URL answers 404, as an unknown secret does.
    let revoke = format!("/api/v1/feeds/{}/revoke", feed["id"].as_str().unwrap());
    let (status, body) = app.post(&revoke, Some(&app.token("thiago.lindgren").await), json!({})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = app.post(&revoke, Some(&cian), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 404);
    let forged = format!("{}/feeds/feed_{}_{}.ics", app.url, "0".repeat(12), "0".repeat(64));
    assert_eq!(app.client.get(&forged).send().await.unwrap().status(), 404);
    let (_, log) = app.get("/api/v1/audit?limit=1000").await;
    let text = log.to_string();
    assert!(!text.contains(url.trim_end_matches(".ics").rsplit('_').next().unwrap()), "the secret is never stored");

    let (status, body) = app.post("/api/v1/feeds", Some(&cian), json!({})).await;
    assert_eq!((status, field(&body)), (422, "rotation"), "{body}");
    let (status, body) = app.post("/api/v1/feeds", Some(&cian), json!({"rotation": "no-such"})).await;
    assert_eq!((status, field(&body)), (422, "rotation"), "{body}");
}

#[tokio::test]
async fn overrides_fairness_and_feeds_at_the_terminal() {
    let app = spawn_app().await;
    // The CLI runs on the real clock: use a time well ahead of it.
    let out = app.baton_cli(&[
        "oncall",
        "override",
        "create",
        "addon-sre",
        "rohan.abernathy",
        "--start",
        "2031-03-04T09:00:00Z",
        "--end",
        "2031-03-04T21:00:00Z",
        "--reason",
        "conference",
        "--as",
        "cian.moreau",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("created on addon-sre"), "{stdout}");
    let out = app.baton_cli(&[
        "oncall",
        "fairness",
        "addon-sre",
        "--from",
        "2031-03-03",
        "--to",
        "2031-03-10",
        "--output",
        "csv",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("person,name,shifts,"), "{stdout}");
    assert!(stdout.contains("rohan.abernathy,Rohan Abernathy,"), "{stdout}");
    let rohan = stdout.lines().find(|l| l.starts_with("rohan.abernathy")).unwrap();
    assert_eq!(rohan.split(',').nth(5), Some("1"), "the override is counted: {rohan}");

    let out = app.baton_cli(&[
        "oncall",
        "override",
        "create",
        "addon-sre",
        OUTSIDER,
        "--start",
        "2031-03-05T09:00:00Z",
        "--end",
        "2031-03-05T10:00:00Z",
        "--reason",
        "x",
        "--as",
        "cian.moreau",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("covering"), "{}", String::from_utf8_lossy(&out.stderr));

    let out = app.baton_cli(&[
        "oncall",
        "feed",
        "create",
        "--as",
        "cian.moreau",
        "--rotation",
        "addon-sre",
        "--public-url",
        &app.url,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let url = stdout.lines().find(|l| l.starts_with("http")).unwrap();
    let resp = app.client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200, "the printed URL serves the feed");
    assert!(resp.text().await.unwrap().starts_with("BEGIN:VCALENDAR\r\n"));
}

/// Who is on call is answered from a cache of each rotation with its overrides. An override
/// made through another replica on the same store (here a second server) shows in the very
/// next answer of the first, and so does its cancellation.
#[tokio::test]
async fn an_override_made_through_another_replica_shows_at_once() {
    let app = spawn_app().await;
    let noon = format!("{ADDON}/oncall?at=2026-03-04T12:00:00Z");
    let (_, before) = app.get(&noon).await;
    assert_eq!(who(&before), ("beatriz.nakamura", "turn"), "{before}");

    let store = std::sync::Arc::new(baton_store_sqlite::SqliteStore::connect(&app.db_url).await.unwrap());
    let other = std::sync::Arc::new(baton_app::Baton::new(store, app.clock.clone(), app.verdict.clone()));
    let other_url = crate::support::serve(crate::support::open_router(other)).await;

    let cian = app.token("cian.moreau").await;
    let made: Value = app
        .client
        .post(format!("{other_url}{ADDON}/overrides"))
        .bearer_auth(&cian)
        .json(&json!({"covering": "rohan.abernathy", "start": "2026-03-04T09:00:00Z",
                      "end": "2026-03-04T21:00:00Z", "reason": "beatriz at a conference"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (_, after) = app.get(&noon).await;
    assert_eq!(who(&after), ("rohan.abernathy", "override"), "{after}");

    let id = made["id"].as_str().unwrap();
    let (status, body) = app.post(&format!("{ADDON}/overrides/{id}/cancel"), Some(&cian), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (_, other_view): (u16, Value) = {
        let r = app.client.get(format!("{other_url}{noon}")).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    };
    assert_eq!(who(&other_view), ("beatriz.nakamura", "turn"), "the other replica sees the cancellation");
}

/// Issue #17: the example `addon-sre` rotation (six people, Irish working days, Friday's
/// person keeping the weekend) gave one person 1.51× another's weighted load over a year
/// with a blind reshuffle. The balanced reshuffle keeps it within 1.10×.
#[tokio::test]
async fn a_year_of_the_example_rotation_is_fair_within_ten_percent() {
    let app = spawn_app().await;
    let (status, ledger) = app.get(&format!("{ADDON}/fairness?from=2026-03-02&to=2027-03-02")).await;
    assert_eq!(status, 200, "{ledger}");
    let loads: Vec<f64> =
        ledger["people"].as_array().unwrap().iter().map(|p| p["weighted_hours"].as_f64().unwrap()).collect();
    assert_eq!(loads.len(), 6, "{ledger}");
    let (lo, hi) = loads.iter().fold((f64::MAX, 0f64), |(lo, hi), l| (lo.min(*l), hi.max(*l)));
    assert!(hi / lo <= 1.10, "largest {hi} over smallest {lo}: {loads:?}");
    assert!((ledger["spread"].as_f64().unwrap() - hi / lo).abs() < 1e-9, "the report says so: {}", ledger["spread"]);
    // Nobody works two turns in a row across a reshuffle.
    let (_, schedule) = app.get(&format!("{ADDON}/schedule?from=2026-03-02&to=2027-03-02")).await;
    let people: Vec<&str> = schedule.as_array().unwrap().iter().map(|s| s["person"]["id"].as_str().unwrap()).collect();
    assert!(people.len() > 250, "{}", people.len());
    assert!(people.windows(2).all(|w| w[0] != w[1]), "back to back: {people:?}");
}

/// Issue #17: `--at 2026-12-12` was refused. A date asks about that day's shift (from its
/// shift change, 09:00 Dublin): a Saturday is Friday's extended shift. Up to ten years ahead.
#[tokio::test]
async fn who_is_on_call_takes_a_date() {
    let app = spawn_app().await;
    let (status, saturday) = app.get("/api/v1/rotations/addon-sre/oncall?at=2026-12-12").await;
    assert_eq!(status, 200, "{saturday}");
    assert_eq!(saturday["start"], "2026-12-11T09:00:00Z", "{saturday}");
    let (_, instant) = app.get("/api/v1/rotations/addon-sre/oncall?at=2026-12-12T09:00:00Z").await;
    assert_eq!(instant["person"], saturday["person"]);
    let (status, bad) = app.get("/api/v1/rotations/addon-sre/oncall?at=2026-12-1x").await;
    assert_eq!((status, bad["error"]["field"].as_str()), (422, Some("at")), "{bad}");
    // Each reshuffle depends on every cycle before it: centuries ahead is refused, not walked.
    let (status, far) = app.get("/api/v1/rotations/addon-sre/oncall?at=9999-01-01").await;
    assert_eq!((status, far["error"]["field"].as_str()), (422, Some("at")), "{far}");
    assert!(far["error"]["message"].as_str().unwrap().contains("up to 10 years from now"), "{far}");
    let cli = app.baton_cli(&["oncall", "who", "addon-sre", "--at", "2026-12-12", "--output", "json"]);
    let out: Value =
        serde_json::from_slice(&cli.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&cli.stderr)));
    assert_eq!(out["person"], saturday["person"], "the CLI answers the same");
}
