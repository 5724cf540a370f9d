//! Eight working days of addon-sre's daily rotation through the API: a handover written by
//! the outgoing engineer and acknowledged by the incoming one each morning, the work
//! logged, an override, a swap with consent, and the reshuffle when the list runs out;
//! then the log, the audit trail and the fairness ledger are checked against it all.

use crate::support::spawn_app;
use serde_json::{json, Value};

const ROT: &str = "/api/v1/rotations/addon-sre";
const DAYS: [&str; 8] =
    ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11"];

fn t(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

async fn on_call(app: &crate::support::TestApp, at: &str) -> Value {
    let (status, body) = app.get(&format!("{ROT}/oncall?at={at}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn person(v: &Value) -> String {
    v["person"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_week_of_a_daily_rotation_with_handovers_an_override_a_swap_and_a_reshuffle() {
    let app = spawn_app().await;
    app.clock.set(t("2026-03-02T08:00:00Z"));
    let token = |p: &str| {
        let p = p.to_owned();
        let app = &app;
        async move { app.token(&p).await }
    };

    // Cian swaps Tuesday for Thiago's Thursday; Thiago agrees.
    let (status, asked) = app
        .post(
            &format!("{ROT}/swaps"),
            Some(&token("cian.moreau").await),
            json!({"with": "thiago.lindgren", "my_shift_start": "2026-03-03T09:00:00Z",
                   "their_shift_start": "2026-03-05T09:00:00Z", "reason": "school play"}),
        )
        .await;
    assert_eq!(status, 201, "{asked}");
    let accept = format!("{ROT}/swaps/{}/accept", asked["id"].as_str().unwrap());
    let (status, body) = app.post(&accept, Some(&token("thiago.lindgren").await), json!({})).await;
    assert_eq!(status, 200, "{body}");
    // Ananya covers Beatriz's Wednesday afternoon.
    let (status, body) = app
        .post(
            &format!("{ROT}/overrides"),
            Some(&token("beatriz.nakamura").await),
            json!({"covering": "ananya.kowalski", "covered": "beatriz.nakamura",
                   "start": "2026-03-04T12:00:00Z", "end": "2026-03-04T18:00:00Z", "reason": "dentist"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let mut holders = Vec::new();
    for (i, day) in DAYS.iter().enumerate() {
        // During the shift, the person on call logs their work.
        app.clock.set(t(&format!("{day}T10:00:00Z")));
        let holder = person(&on_call(&app, &format!("{day}T10:00:00Z")).await);
        let entry = json!({"kind": "question", "text": format!("answered a question on {day}")});
        let (status, body) = app.post(&format!("{ROT}/log"), Some(&token(&holder).await), entry).await;
        assert_eq!(status, 201, "{holder} logs on {day}: {body}");
        holders.push(holder.clone());
        // Before the next shift change they write the handover; the next one acknowledges it.
        let Some(next_day) = DAYS.get(i + 1) else { break };
        app.clock.set(t(&format!("{next_day}T08:40:00Z")));
        let note = json!({"note": format!("{day}: quiet"), "open_items": ["watch broker 3"]});
        let (status, h) = app.post(&format!("{ROT}/handovers"), Some(&token(&holder).await), note).await;
        assert_eq!(status, 201, "{holder} hands over before {next_day}: {h}");
        let incoming = h["incoming"].as_str().unwrap().to_owned();
        assert_eq!(incoming, person(&on_call(&app, &format!("{next_day}T09:30:00Z")).await), "on {next_day}");
        app.clock.set(t(&format!("{next_day}T09:05:00Z")));
        let ack = format!("{ROT}/handovers/{}/ack", h["shift_start"].as_str().unwrap());
        let (status, body) = app.post(&ack, Some(&token(&incoming).await), json!({})).await;
        assert_eq!(status, 200, "{incoming} acknowledges on {next_day}: {body}");
    }

    // The swap moved Tuesday and Thursday; the override took Wednesday afternoon.
    assert_eq!(holders[1], "thiago.lindgren");
    assert_eq!(holders[3], "cian.moreau");
    assert_eq!(person(&on_call(&app, "2026-03-04T13:00:00Z").await), "ananya.kowalski");
    assert_eq!(person(&on_call(&app, "2026-03-04T19:00:00Z").await), "beatriz.nakamura");
    // The list of six ran out on Monday 9th: Tuesday starts a reshuffled cycle, and
    // whoever closed the first cycle does not open the second.
    let tuesday = on_call(&app, "2026-03-10T10:00:00Z").await;
    assert_ne!(holders[6], holders[5], "the last of one cycle is not the first of the next");
    assert_eq!(tuesday["why"]["rule"], "turn", "{tuesday}");
    let first_cycle: std::collections::BTreeSet<&str> = holders[..6].iter().map(String::as_str).collect();
    assert_eq!(first_cycle.len(), 6, "everyone once in the first cycle: {holders:?}");

    // The log: one entry a day, newest first.
    let (_, log) = app.get(&format!("{ROT}/log?limit=50")).await;
    let entries = log["entries"].as_array().unwrap_or_else(|| panic!("{log}"));
    assert_eq!(entries.len(), 8, "{log}");
    assert!(entries[0]["text"].as_str().unwrap().contains("2026-03-11"));
    // Every handover acknowledged: none open.
    let (_, open) = app.get(&format!("{ROT}/handovers?open=true")).await;
    assert_eq!(open, json!([]));
    let (_, all) = app.get(&format!("{ROT}/handovers")).await;
    assert_eq!(all.as_array().unwrap().len(), 7);

    // The audit trail has every step, by the people who took them.
    let (_, audit) = app.get("/api/v1/audit?limit=1000").await;
    let count = |action: &str| audit.as_array().unwrap().iter().filter(|r| r["action"] == action).count();
    assert_eq!(
        (
            count("oncall.swap.request"),
            count("oncall.swap.accept"),
            count("oncall.swap.apply"),
            count("oncall.override")
        ),
        (1, 1, 1, 1)
    );
    assert_eq!((count("oncall.handover"), count("oncall.handover-ack"), count("oncall.log")), (7, 7, 8));
    let verify = app.get("/api/v1/audit/verify").await;
    assert_eq!(verify.0, 200, "{}", verify.1);

    // The fairness ledger adds up to the whole range, with no gap and no double.
    let (status, ledger) = app.get(&format!("{ROT}/fairness?from=2026-03-02T09:00:00Z&to=2026-03-12T09:00:00Z")).await;
    assert_eq!(status, 200, "{ledger}");
    let people = ledger["people"].as_array().unwrap();
    let hours: f64 = people.iter().map(|p| p["hours"].as_f64().unwrap()).sum();
    assert!((hours - 240.0).abs() < 1e-9, "ten days of cover, {hours} hours: {ledger}");
    let row = |id: &str| people.iter().find(|p| p["person"] == id).unwrap().clone();
    assert_eq!(row("ananya.kowalski")["overrides"].as_u64(), Some(1), "{ledger}");
    assert!(row("beatriz.nakamura")["hours"].as_f64().unwrap() < 24.0, "6 hours were covered: {ledger}");
    assert!(row("aoife.delacroix")["weekend_hours"].as_f64().is_some());
}
