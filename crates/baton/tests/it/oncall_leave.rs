//! Leave on the example `addon-sre` rotation (daily on Irish working days, 09:00 Dublin,
//! 09:00Z in March). The clock starts Monday 2026-03-02T09:00:00Z; the first cycle is the
//! list as written: aoife (2nd), cian (3rd), beatriz (4th), thiago (5th), ananya (Friday
//! 6th and the weekend), rohan (9th).

use crate::support::{spawn_app, TestApp};
use serde_json::{json, Value};

const ROT: &str = "/api/v1/rotations/addon-sre";

fn t(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

async fn on_call(app: &TestApp, at: &str) -> Value {
    let (status, body) = app.get(&format!("{ROT}/oncall?at={at}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn person(v: &Value) -> String {
    v["person"]["id"].as_str().unwrap().to_owned()
}

/// The shifts from `from` to `to`: (person, start, end, rule).
async fn schedule(app: &TestApp, from: &str, to: &str) -> Vec<(String, String, String, String)> {
    let (status, body) = app.get(&format!("{ROT}/schedule?from={from}&to={to}")).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap().to_owned();
            (
                s["person"]["id"].as_str().unwrap().to_owned(),
                f("start"),
                f("end"),
                s["reason"]["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn ledger_row(app: &TestApp, from: &str, to: &str, who: &str) -> Value {
    let (status, ledger) = app.get(&format!("{ROT}/fairness?from={from}&to={to}")).await;
    assert_eq!(status, 200, "{ledger}");
    ledger["people"].as_array().unwrap().iter().find(|p| p["person"] == who).unwrap().clone()
}

#[tokio::test]
async fn leave_recorded_in_good_time_passes_the_turn_on_and_it_is_owed_back() {
    let app = spawn_app().await;
    // Rohan's first shift from 20 March on, three weeks ahead.
    let ahead = schedule(&app, "2026-03-20", "2026-04-03").await;
    let (_, start, end, _) = ahead.iter().find(|s| s.0 == "rohan.abernathy").unwrap().clone();
    let rohan = app.token("rohan.abernathy").await;
    let (status, outcome) = app
        .post(
            "/api/v1/people/rohan.abernathy/leave",
            Some(&rohan),
            json!({"start": start, "end": end, "reason": "family wedding"}),
        )
        .await;
    assert_eq!(status, 201, "{outcome}");
    // (His turns on the follow-the-sun rotation are another rotation's.)
    let moved: Vec<&Value> =
        outcome["moved"].as_array().unwrap().iter().filter(|m| m["rotation"] == "addon-sre").collect();
    assert_eq!(moved.len(), 1, "{outcome}");
    assert_eq!((moved[0]["start"].as_str(), moved[0]["end"].as_str()), (Some(start.as_str()), Some(end.as_str())));
    let to = moved[0]["to"].as_str().unwrap().to_owned();
    assert_ne!(to, "rohan.abernathy");
    assert_eq!(outcome["cover_requests"], json!([]), "in good time, nobody needs to agree");

    // Who is on call then, and why.
    let then = on_call(&app, &start).await;
    assert_eq!(person(&then), to);
    assert_eq!(
        (then["why"]["rule"].as_str(), then["why"]["away"].as_str()),
        (Some("covers-leave"), Some("rohan.abernathy")),
        "{then}"
    );
    assert!(then["because"].as_str().unwrap().contains("Rohan Abernathy is on leave"), "{then}");
    // Rohan repays the turn within two cycles (twelve working days) of coming back.
    let after = schedule(&app, &end, "2026-04-30").await;
    let repaid = after.iter().position(|s| s.0 == "rohan.abernathy" && s.3 == "repays").expect("repaid");
    assert!(repaid < 12, "repaid {repaid} shifts after his leave: {after:?}");
    let (_, repay_start, _, _) = &after[repaid];
    let repay = on_call(&app, repay_start).await;
    assert_eq!(repay["why"]["owed_to"].as_str(), Some(to.as_str()), "{repay}");
    // The ledger shows the debt while it is open, and that it was settled.
    assert_eq!(ledger_row(&app, "2026-03-02", repay_start, "rohan.abernathy").await["turns_owed"], 1);
    assert_eq!(ledger_row(&app, "2026-03-02", repay_start, &to).await["turns_owed"], -1);
    assert_eq!(ledger_row(&app, "2026-03-02", "2026-05-01", "rohan.abernathy").await["turns_owed"], 0);

    // The leave is listed, and cancelling it gives the turn back.
    let (_, listed) = app.get("/api/v1/people/rohan.abernathy/leave").await;
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let (status, cancelled) =
        app.post(&format!("/api/v1/people/rohan.abernathy/leave/{id}/cancel"), Some(&rohan), json!({})).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(person(&on_call(&app, &start).await), "rohan.abernathy");
    let (status, again) =
        app.post(&format!("/api/v1/people/rohan.abernathy/leave/{id}/cancel"), Some(&rohan), json!({})).await;
    assert_eq!(status, 409, "{again}");
}

#[tokio::test]
async fn leave_is_refused_with_the_field_or_the_person_who_may() {
    let app = spawn_app().await;
    let cian = app.token("cian.moreau").await;
    let aoife = app.token("aoife.delacroix").await; // addon-sre's lead
    let outsider = app.token("noor.castellano").await;
    let day = json!({"start": "2026-04-01T00:00:00Z", "end": "2026-04-02T00:00:00Z", "reason": "dentist"});
    let path = "/api/v1/people/cian.moreau/leave";
    let (status, body) = app.post(path, Some(&outsider), day.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Cian Moreau"), "{body}");
    let (status, body) = app.post(path, None, day.clone()).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = app.post("/api/v1/people/nobody.here/leave", Some(&cian), day.clone()).await;
    assert_eq!(status, 404, "{body}");
    let backwards = json!({"start": "2026-04-02T00:00:00Z", "end": "2026-04-01T00:00:00Z", "reason": "x"});
    let (status, body) = app.post(path, Some(&cian), backwards).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("end")), "{body}");
    let blank = json!({"start": "2026-04-01T00:00:00Z", "end": "2026-04-02T00:00:00Z", "reason": "  "});
    let (status, body) = app.post(path, Some(&cian), blank).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("reason")), "{body}");
    let (status, body) = app.post(path, Some(&aoife), json!({"start": "2026-04-01"})).await;
    assert_eq!(status, 422, "{body}");
    // Nothing was recorded by any of those; the lead may record it for him.
    let (_, listed) = app.get("/api/v1/people/cian.moreau/leave").await;
    assert_eq!(listed, json!([]));
    let (status, body) = app.post(path, Some(&aoife), day).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["leave"]["created"]["by"], "aoife.delacroix");
}

#[tokio::test]
async fn the_cli_records_leave_by_dates_in_the_persons_zone() {
    let app = spawn_app().await;
    // Beatriz is in São Paulo: 1 April from midnight there (03:00Z) to the end of 2 April.
    // (The binary reads the real clock: next year.)
    let out = app.baton_cli(&[
        "oncall",
        "leave",
        "record",
        "beatriz.nakamura",
        "--from",
        "2027-04-01",
        "--to",
        "2027-04-02",
        "--reason",
        "moving house",
        "--as",
        "beatriz.nakamura",
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let outcome: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outcome["leave"]["start"], "2027-04-01T03:00:00Z");
    assert_eq!(outcome["leave"]["end"], "2027-04-03T03:00:00Z");
    let out = app.baton_cli(&["oncall", "leave", "list", "beatriz.nakamura"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("moving house") && text.contains("recorded"), "{text}");
}

/// Issue #17's story: eight working days with leave, a cover request accepted, and a
/// handover digest whose items are what happened in the shift.
#[tokio::test]
async fn eight_working_days_with_leave_a_cover_request_and_the_handover_digest() {
    const DAYS: [&str; 8] = [
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
        "2026-03-09",
        "2026-03-10",
        "2026-03-11",
    ];
    let app = spawn_app().await;
    app.clock.set(t("2026-03-02T08:00:00Z"));
    let token = |p: String| {
        let app = &app;
        async move { app.token(&p).await }
    };

    // Thiago's Thursday is three days away, already published: his leave asks for cover.
    // Beatriz (Wednesday) and Ananya (Friday) would work two days in a row, and nobody has
    // carried anything yet: the suggestion is the first by id of the others, Aoife.
    let thursday = json!({"start": "2026-03-05T09:00:00Z", "end": "2026-03-06T09:00:00Z", "reason": "sick child"});
    let (status, outcome) =
        app.post("/api/v1/people/thiago.lindgren/leave", Some(&token("thiago.lindgren".into()).await), thursday).await;
    assert_eq!(status, 201, "{outcome}");
    assert_eq!(outcome["moved"], json!([]), "{outcome}");
    let cover = &outcome["cover_requests"][0];
    assert_eq!(
        (cover["with"].as_str(), cover["requester"].as_str()),
        (Some("aoife.delacroix"), Some("thiago.lindgren"))
    );
    assert_eq!(cover["with_shift"], Value::Null, "a cover request gives nothing in return");
    assert_eq!(person(&on_call(&app, "2026-03-05T12:00:00Z").await), "thiago.lindgren", "until someone agrees");
    // Leave three weeks ahead is in good time: the turn passes on at once.
    let late_march = schedule(&app, "2026-03-23", "2026-03-30").await;
    let (holder, start, end, _) = late_march[0].clone();
    let (status, outcome) = app
        .post(
            &format!("/api/v1/people/{holder}/leave"),
            Some(&token(holder.clone()).await),
            json!({"start": start, "end": end, "reason": "conference"}),
        )
        .await;
    assert_eq!(status, 201, "{outcome}");
    let stand_in = outcome["moved"][0]["to"].as_str().unwrap().to_owned();

    let mut holders = Vec::new();
    for (i, day) in DAYS.iter().enumerate() {
        app.clock.set(t(&format!("{day}T10:00:00Z")));
        let holder = person(&on_call(&app, &format!("{day}T10:00:00Z")).await);
        let me = token(holder.clone()).await;
        if i == 1 {
            // Aoife agrees to cover Thursday.
            let accept = format!("{ROT}/swaps/{}/accept", cover["id"].as_str().unwrap());
            let (status, body) = app.post(&accept, Some(&token("aoife.delacroix".into()).await), json!({})).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["state"], "applied");
        }
        if i == 2 {
            // Beatriz's Wednesday: an incident, closed without a runbook yet.
            let incident = json!({"kind": "incident", "text": "consumer lag on addon queue", "incident_closed": true});
            let (status, body) = app.post(&format!("{ROT}/log"), Some(&me), incident).await;
            assert_eq!(status, 201, "{body}");
        }
        let entry = json!({"kind": "question", "text": format!("answered a question on {day}")});
        let (status, body) = app.post(&format!("{ROT}/log"), Some(&me), entry).await;
        assert_eq!(status, 201, "{holder} logs on {day}: {body}");
        holders.push(holder.clone());
        let Some(next_day) = DAYS.get(i + 1) else { break };
        // Before the shift change the outgoing engineer sends the digest's draft.
        app.clock.set(t(&format!("{next_day}T08:40:00Z")));
        let (status, draft) = app.get(&format!("{ROT}/handovers/draft")).await;
        assert_eq!(status, 200, "{draft}");
        let incidents: Vec<&str> =
            draft["incidents"].as_array().unwrap().iter().map(|x| x["text"].as_str().unwrap()).collect();
        if i == 2 {
            assert_eq!(incidents, ["consumer lag on addon queue"], "{draft}");
            assert_eq!(draft["incidents"][0]["closed"], true);
            let todos = draft["runbooks_to_write"].as_array().unwrap();
            assert!(todos.iter().any(|x| x.as_str().unwrap().contains("consumer lag on addon queue")), "{draft}");
            assert!(draft["note"].as_str().unwrap().contains("1 incident"), "{draft}");
        } else {
            assert!(!incidents.contains(&"consumer lag on addon queue"), "only in Wednesday's digest: {draft}");
        }
        let note = json!({"note": draft["note"], "open_items": draft["open_items"], "ongoing_incidents": draft["ongoing_incidents"]});
        let (status, h) = app.post(&format!("{ROT}/handovers"), Some(&me), note).await;
        assert_eq!(status, 201, "{holder} hands over before {next_day}: {h}");
        let incoming = h["incoming"].as_str().unwrap().to_owned();
        app.clock.set(t(&format!("{next_day}T09:05:00Z")));
        let ack = format!("{ROT}/handovers/{}/ack", h["shift_start"].as_str().unwrap());
        let (status, body) = app.post(&ack, Some(&token(incoming.clone()).await), json!({})).await;
        assert_eq!(status, 200, "{incoming} acknowledges on {next_day}: {body}");
    }

    // Thursday was Aoife's, covering Thiago; nobody worked during their leave.
    assert_eq!(holders[3], "aoife.delacroix");
    let thursday = on_call(&app, "2026-03-05T12:00:00Z").await;
    assert_eq!(
        (thursday["why"]["rule"].as_str(), thursday["why"]["covered"].as_str()),
        (Some("override"), Some("thiago.lindgren"))
    );
    assert!(
        !holders.contains(&"thiago.lindgren".to_owned())
            || holders.iter().position(|h| h == "thiago.lindgren") != Some(3)
    );
    // The late-March turn is the stand-in's, and the ledger says who owes whom.
    let moved = on_call(&app, &start).await;
    assert_eq!((person(&moved), moved["why"]["rule"].as_str()), (stand_in.clone(), Some("covers-leave")));
    assert_eq!(ledger_row(&app, "2026-03-02", &end, &holder).await["turns_owed"], 1);
    assert_eq!(ledger_row(&app, "2026-03-02", "2026-03-12", "aoife.delacroix").await["overrides"], 1);

    let (_, audit) = app.get("/api/v1/audit?limit=1000").await;
    let count = |action: &str| audit.as_array().unwrap().iter().filter(|r| r["action"] == action).count();
    assert_eq!(
        (
            count("oncall.leave.record"),
            count("oncall.swap.request"),
            count("oncall.swap.accept"),
            count("oncall.handover-ack")
        ),
        (2, 1, 1, 7)
    );
    let verify = app.get("/api/v1/audit/verify").await;
    assert_eq!(verify.0, 200, "{}", verify.1);
}

/// One leave record that cannot be read (the store edited by hand) does not stop who is
/// on call from being answered, nor other leave from applying.
#[tokio::test]
async fn an_unreadable_leave_record_is_left_out_not_fatal() {
    let app = spawn_app().await;
    let ahead = schedule(&app, "2026-03-20", "2026-04-03").await;
    let (_, start, end, _) = ahead.iter().find(|s| s.0 == "rohan.abernathy").unwrap().clone();
    let rohan = app.token("rohan.abernathy").await;
    let body = json!({"start": start, "end": end, "reason": "family wedding"});
    assert_eq!(app.post("/api/v1/people/rohan.abernathy/leave", Some(&rohan), body).await.0, 201);
    let garbage = baton_store::RecordWrite {
        kind: baton_app::LEAVE_KIND.into(),
        id: "cian.moreau/broken".into(),
        expected_version: 0,
        body: "{not json".into(),
        due_at: None,
    };
    let commit = baton_store::Commit { records: vec![garbage], ..Default::default() };
    app.baton.store().commit(&commit, app.now()).await.unwrap();
    // A new guard version: the cached schedule is read again, with the broken record.
    let cian = app.token("cian.moreau").await;
    let other = json!({"start": "2026-05-04T00:00:00Z", "end": "2026-05-05T00:00:00Z", "reason": "dentist"});
    assert_eq!(app.post("/api/v1/people/cian.moreau/leave", Some(&cian), other).await.0, 201);
    let then = on_call(&app, &start).await;
    assert_ne!(person(&then), "rohan.abernathy", "his leave still applies: {then}");
    assert_eq!(then["why"]["rule"], "covers-leave");
    let (status, listed) = app.get("/api/v1/people/cian.moreau/leave").await;
    assert_eq!((status, listed.as_array().unwrap().len()), (200, 1), "{listed}");
}
