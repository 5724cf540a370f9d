//! The work of an on-call shift through the real API: duties ticked by the person on call,
//! the on-call log with its runbooks to write, handovers acknowledged by the incoming
//! engineer and reminded about through the outbox, and requests for help to the team.
//!
//! The example `addon-sre` rotation is daily from Monday 2026-03-02 09:00 Dublin (09:00 UTC
//! in March): Aoife Delacroix first, Cian Moreau on Tuesday; it reminds after 30 minutes.

use crate::support::{spawn_app, TestApp};
use baton_core::oncall::RotationId;
use baton_core::paging::{Channel, EscalationPolicy, EscalationStep, PolicyId, Purpose, Target};
use baton_core::{Link, Period, TeamId, Timestamp};
use baton_store::{Notification, NotificationQuery};
use serde_json::{json, Value};

const ROT: &str = "/api/v1/rotations/addon-sre";
const AOIFE: &str = "aoife.delacroix"; // on call on Monday
const CIAN: &str = "cian.moreau"; // on call on Tuesday
const BEATRIZ: &str = "beatriz.nakamura"; // addon-sre, not on call
const OUTSIDER: &str = "leila.fontaine"; // inkwell-dev

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Makes sure addon-sre has a channel for its notices: the example organisation's own
/// escalation policy if it defines one, else a webhook added here.
pub(crate) async fn with_team_channel(app: &TestApp) {
    let team = TeamId::parse("addon-sre").unwrap();
    if !baton_app::outbox::team_channels(&app.org, &team).is_empty() {
        return;
    }
    let mut org = app.org.clone();
    let policy = EscalationPolicy {
        id: PolicyId::parse("addon-sre-test-pager").unwrap(),
        name: "Addon SRE (test)".into(),
        team,
        purpose: Purpose::Page,
        steps: vec![EscalationStep {
            targets: vec![Target::Rotation(RotationId::parse("addon-sre").unwrap())],
            delay: Period::parse("15m").unwrap(),
        }],
        repeat: 0,
        channels: vec![Channel::Webhook {
            url: Link::parse("http://127.0.0.1:9/addon-sre").unwrap().into(),
            delivery: Default::default(),
        }],
    };
    org.escalations.insert(policy.id.clone(), policy);
    app.baton.apply(&org, "test").await.unwrap();
}

pub(crate) async fn notifications(app: &TestApp, prefix: &str) -> Vec<Notification> {
    let q = NotificationQuery { subject_prefix: Some(prefix.into()), limit: 100, ..Default::default() };
    app.baton.store().notifications(&q).await.unwrap()
}

pub(crate) fn notice(n: &Notification) -> Value {
    serde_json::from_str(&n.payload).unwrap()
}

/// The on-call work audited on addon-sre, oldest first (its definition's changes left out).
async fn audit_actions(app: &TestApp) -> Vec<String> {
    let records = app.baton.history("rotation/addon-sre", 100).await.unwrap();
    records.into_iter().rev().map(|r| r.entry.action).filter(|a| a.starts_with("oncall.")).collect()
}

#[tokio::test]
async fn members_log_their_work_and_the_log_reads_newest_first_a_page_at_a_time() {
    let app = spawn_app().await;
    let bia = app.token(BEATRIZ).await;
    for text in ["Answered a quota question in #support", "Checked the console: all green", "Upgraded the runbook"] {
        let (status, body) = app.post(&format!("{ROT}/log"), Some(&bia), json!({"kind": "note", "text": text})).await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, page) = app.get(&format!("{ROT}/log?limit=2")).await;
    assert_eq!(status, 200, "{page}");
    let seqs: Vec<_> = page["entries"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [3, 2], "newest first");
    assert_eq!(page["entries"][0]["by"], BEATRIZ);
    assert_eq!(page["entries"][0]["on_call"], AOIFE, "the entry records who held the pager");
    assert_eq!(page["next_before"], 2);
    let (_, older) = app.get(&format!("{ROT}/log?limit=2&before=2")).await;
    assert_eq!(older["entries"].as_array().unwrap().len(), 1);
    assert_eq!(older["entries"][0]["text"], "Answered a quota question in #support");
    assert!(older.get("next_before").is_none(), "the last page says so: {older}");
    assert_eq!(audit_actions(&app).await, ["oncall.log"; 3]);

    let (status, body) =
        app.post(&format!("{ROT}/log"), Some(&app.token(OUTSIDER).await), json!({"kind": "note", "text": "hi"})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("only members of team `addon-sre` may"), "{body}");
    let (status, _) = app.get("/api/v1/rotations/no-such/log").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_entries_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    with_team_channel(&app).await;
    let aoife = app.token(AOIFE).await;
    let cases = [
        (json!({"kind": "note", "text": "   "}), "text"),
        (json!({"kind": "rant", "text": "x"}), "kind"),
        (json!({"kind": "note", "text": "x", "links": ["not a url"]}), "links[0]"),
        (json!({"kind": "incident", "text": "x", "runbook": "ftp://runbooks"}), "runbook"),
        (json!({"kind": "note", "text": "x", "incident_closed": true}), "incident_closed"),
        (json!({"kind": "runbook", "text": "wrote one"}), "runbook"),
        (json!({"text": "no kind"}), "kind"),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post(&format!("{ROT}/log"), Some(&aoife), body.clone()).await;
        assert_eq!((status, answer["error"]["field"].as_str()), (422, Some(field)), "{body} -> {answer}");
    }
    let (status, answer) = app.post(&format!("{ROT}/help"), Some(&aoife), json!({"text": ""})).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("text")), "{answer}");
    let (status, answer) = app.post(&format!("{ROT}/handovers"), Some(&aoife), json!({"note": " "})).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (422, Some("note")), "{answer}");

    let (_, page) = app.get(&format!("{ROT}/log")).await;
    assert_eq!(page["entries"], json!([]), "nothing was logged");
    let (_, handovers) = app.get(&format!("{ROT}/handovers")).await;
    assert_eq!(handovers, json!([]));
    assert!(audit_actions(&app).await.is_empty(), "nothing was audited");
    assert!(notifications(&app, "help/").await.is_empty(), "nobody was asked for help");
}

#[tokio::test]
async fn an_incident_closed_without_a_runbook_stays_a_runbook_to_write_until_one_is_linked() {
    let app = spawn_app().await;
    let aoife = app.token(AOIFE).await;
    let incident = |closed: bool, runbook: Option<&str>| {
        json!({"kind": "incident", "text": "streamhub consumer lag after the broker upgrade",
               "links": ["https://chat.example.com/t/42"], "incident_closed": closed, "runbook": runbook})
    };
    let (status, entry) = app.post(&format!("{ROT}/log"), Some(&aoife), incident(true, None)).await;
    assert_eq!(status, 201, "{entry}");
    app.post(&format!("{ROT}/log"), Some(&aoife), incident(false, None)).await;
    app.post(&format!("{ROT}/log"), Some(&aoife), incident(true, Some("https://runbooks.example.com/lag"))).await;

    let (_, todos) = app.get(&format!("{ROT}/todos")).await;
    let todos = todos.as_array().unwrap().clone();
    assert_eq!(todos.len(), 1, "only the incident closed without a runbook leaves one: {todos:?}");
    assert_eq!(todos[0]["id"], "log-1");
    assert_eq!(todos[0]["what"], "streamhub consumer lag after the broker upgrade");
    assert_eq!(todos[0]["links"], json!(["https://chat.example.com/t/42"]));

    let resolve = format!("{ROT}/todos/log-1/resolve");
    let runbook = json!({"runbook": "https://runbooks.example.com/consumer-lag"});
    let (status, body) = app.post(&resolve, Some(&app.token(OUTSIDER).await), runbook.clone()).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = app.post(&resolve, Some(&aoife), json!({"runbook": "runbooks/lag"})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("runbook")), "{body}");
    let (_, still) = app.get(&format!("{ROT}/todos")).await;
    assert_eq!(still.as_array().unwrap().len(), 1, "a refused link leaves it open");

    // Someone else in the team writes the runbook: the process asks for it, not who.
    let (status, body) = app.post(&resolve, Some(&app.token(BEATRIZ).await), runbook.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resolved"]["by"], BEATRIZ);
    let (_, open) = app.get(&format!("{ROT}/todos")).await;
    assert_eq!(open, json!([]));
    let (_, all) = app.get(&format!("{ROT}/todos?all=true")).await;
    assert_eq!(all[0]["resolved"]["runbook"], "https://runbooks.example.com/consumer-lag");
    let (status, body) = app.post(&resolve, Some(&aoife), runbook).await;
    assert_eq!(status, 409, "linked once: {body}");
    let (status, _) = app
        .post(&format!("{ROT}/todos/log-9/resolve"), Some(&aoife), json!({"runbook": "https://r.example.com"}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        audit_actions(&app).await,
        ["oncall.log", "oncall.runbook-to-write", "oncall.log", "oncall.log", "oncall.runbook-linked"]
    );
}

#[tokio::test]
async fn the_outgoing_engineer_hands_over_and_only_the_incoming_one_acknowledges() {
    let app = spawn_app().await;
    app.clock.set(t("2026-03-03T08:40:00Z"));
    let [aoife, cian, bia] = [app.token(AOIFE).await, app.token(CIAN).await, app.token(BEATRIZ).await];
    let note = json!({"note": "Quiet apart from broker 3", "open_items": ["Reply to tenant-x about quotas"],
                      "ongoing_incidents": ["INC-42 consumer lag on broker 3"]});

    let (status, body) = app.post(&format!("{ROT}/handovers"), Some(&bia), note.clone()).await;
    assert_eq!(status, 403, "only the outgoing engineer writes it: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Aoife Delacroix"), "{body}");
    let (status, h) = app.post(&format!("{ROT}/handovers"), Some(&aoife), note.clone()).await;
    assert_eq!(status, 201, "{h}");
    assert_eq!((h["outgoing"].as_str(), h["incoming"].as_str()), (Some(AOIFE), Some(CIAN)));
    assert_eq!(
        (h["shift_start"].as_str(), h["shift_end"].as_str()),
        (Some("2026-03-02T09:00:00Z"), Some("2026-03-03T09:00:00Z"))
    );
    let (status, body) = app.post(&format!("{ROT}/handovers"), Some(&aoife), note).await;
    assert_eq!(status, 409, "one handover per shift: {body}");

    let (_, open) = app.get(&format!("{ROT}/handovers?open=true")).await;
    assert_eq!(open.as_array().unwrap().len(), 1, "unacknowledged, it is listed: {open}");
    assert_eq!(open[0]["open_items"], json!(["Reply to tenant-x about quotas"]));

    app.clock.set(t("2026-03-03T09:05:00Z"));
    let ack = format!("{ROT}/handovers/2026-03-02T09:00:00Z/ack");
    for who in [&aoife, &bia] {
        let (status, body) = app.post(&ack, Some(who), json!({})).await;
        assert_eq!(status, 403, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("Cian Moreau (cian.moreau), may acknowledge"), "says who may: {message}");
    }
    let (status, body) = app.post(&ack, Some(&cian), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["acknowledged"], json!({"by": CIAN, "at": "2026-03-03T09:05:00Z"}));
    let (_, open) = app.get(&format!("{ROT}/handovers?open=true")).await;
    assert_eq!(open, json!([]), "acknowledged, it is no longer open");
    let (_, all) = app.get(&format!("{ROT}/handovers")).await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    let (status, _) = app.post(&format!("{ROT}/handovers/2026-03-09T09:00:00Z/ack"), Some(&cian), json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(audit_actions(&app).await, ["oncall.handover", "oncall.handover-ack"]);
}

#[tokio::test]
async fn the_engineer_whose_shift_just_ended_may_still_write_its_handover() {
    let app = spawn_app().await;
    app.clock.set(t("2026-03-03T09:20:00Z"));
    let (status, h) =
        app.post(&format!("{ROT}/handovers"), Some(&app.token(AOIFE).await), json!({"note": "late, sorry"})).await;
    assert_eq!(status, 201, "{h}");
    assert_eq!((h["shift_start"].as_str(), h["incoming"].as_str()), (Some("2026-03-02T09:00:00Z"), Some(CIAN)));
}

#[tokio::test]
async fn an_unacknowledged_handover_is_reminded_once_after_the_delay_and_not_before() {
    let app = spawn_app().await;
    with_team_channel(&app).await;
    app.clock.set(t("2026-03-03T08:50:00Z"));
    let (status, body) =
        app.post(&format!("{ROT}/handovers"), Some(&app.token(AOIFE).await), json!({"note": "broker 3 flaps"})).await;
    assert_eq!(status, 201, "{body}");

    // addon-sre reminds 30 minutes after the 09:00 shift change: not at 09:29.
    app.clock.set(t("2026-03-03T09:29:00Z"));
    app.baton.engine_step().await.unwrap();
    assert!(notifications(&app, "handover/").await.is_empty(), "not before the delay");

    app.clock.set(t("2026-03-03T09:31:00Z"));
    let report = app.baton.engine_step().await.unwrap();
    assert!(report.handled >= 1 && report.failed.is_empty(), "{report:?}");
    let sent = notifications(&app, "handover/addon-sre/").await;
    assert!(!sent.is_empty(), "reminded through the team's channels");
    let n = notice(&sent[0]);
    assert_eq!(n["kind"], "reminder");
    assert_eq!(n["to"], json!([CIAN]), "the incoming engineer is reminded");
    assert!(n["text"].as_str().unwrap().contains("broker 3 flaps"), "{n}");
    let text = n["text"].as_str().unwrap();
    assert!(text.contains("over at 2026-03-03 09:00 Europe/Dublin and"), "the rotation's time, named: {text}");
    assert_eq!(n["subject"], "handover/addon-sre/2026-03-02T09:00:00Z", "the subject keeps the instant");

    app.clock.set(t("2026-03-03T12:00:00Z"));
    app.baton.engine_step().await.unwrap();
    assert_eq!(notifications(&app, "handover/").await.len(), sent.len(), "reminded once");
    let (_, open) = app.get(&format!("{ROT}/handovers?open=true")).await;
    assert_eq!(open[0]["reminded_at"], "2026-03-03T09:31:00Z", "still open, and shown as reminded");
    assert_eq!(audit_actions(&app).await, ["oncall.handover", "oncall.handover-reminded"]);
}

#[tokio::test]
async fn an_acknowledged_handover_is_not_reminded() {
    let app = spawn_app().await;
    with_team_channel(&app).await;
    app.clock.set(t("2026-03-03T08:50:00Z"));
    app.post(&format!("{ROT}/handovers"), Some(&app.token(AOIFE).await), json!({"note": "quiet"})).await;
    app.clock.set(t("2026-03-03T09:10:00Z"));
    let (status, _) =
        app.post(&format!("{ROT}/handovers/2026-03-02T09:00:00Z/ack"), Some(&app.token(CIAN).await), json!({})).await;
    assert_eq!(status, 200);
    app.clock.set(t("2026-03-03T11:00:00Z"));
    let stored = app.baton.store().record("handover", "addon-sre/2026-03-02T09:00:00Z").await.unwrap().unwrap();
    assert_eq!(stored.due_at, None, "acknowledged, it is no longer due");
    let report = app.baton.engine_step().await.unwrap();
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(notifications(&app, "handover/").await.is_empty());
}

#[tokio::test]
async fn a_request_for_help_is_logged_and_notifies_the_team_but_not_the_requester() {
    let app = spawn_app().await;
    with_team_channel(&app).await;
    let (status, entry) = app
        .post(
            &format!("{ROT}/help"),
            Some(&app.token(AOIFE).await),
            json!({"text": "Brokers flap after the upgrade; no runbook covers it", "links": ["https://chat.example.com/t/7"]}),
        )
        .await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(entry["kind"], "help");

    let sent = notifications(&app, "help/addon-sre/").await;
    assert!(!sent.is_empty(), "queued on the team's channels");
    let n = notice(&sent[0]);
    assert_eq!(n["kind"], "info");
    let to: Vec<&str> = n["to"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(!to.contains(&AOIFE), "not the requester: {to:?}");
    for off_call in [CIAN, BEATRIZ, "thiago.lindgren", "ananya.kowalski", "rohan.abernathy"] {
        assert!(to.contains(&off_call), "{off_call} backs the on-call engineer up: {to:?}");
    }
    assert!(n["title"].as_str().unwrap().contains("Aoife Delacroix asks for help"), "{n}");

    let (_, page) = app.get(&format!("{ROT}/log")).await;
    assert_eq!(page["entries"][0]["kind"], "help", "visible in the log");
    assert_eq!(audit_actions(&app).await, ["oncall.help"]);

    let (status, _) =
        app.post(&format!("{ROT}/help"), Some(&app.token(OUTSIDER).await), json!({"text": "let me in"})).await;
    assert_eq!(status, 403);
    assert_eq!(notifications(&app, "help/").await.len(), sent.len(), "an outsider's request queues nothing");
}

#[tokio::test]
async fn the_person_on_call_ticks_the_duties_of_their_shift() {
    let app = spawn_app().await;
    let (status, shift) = app.get(&format!("{ROT}/shifts/current")).await;
    assert_eq!(status, 200, "{shift}");
    assert_eq!(shift["person"], AOIFE);
    let duties = shift["duties"].as_array().unwrap();
    assert_eq!(duties.len(), 3);
    assert_eq!(duties[2]["duty"], "Write the handover note before 09:00");
    assert!(duties.iter().all(|d| d.get("done").is_none()), "a shift starts with none ticked");

    let (status, body) =
        app.post(&format!("{ROT}/shifts/current/duties/1"), Some(&app.token(BEATRIZ).await), json!({})).await;
    assert_eq!(status, 403, "{body}");
    let aoife = app.token(AOIFE).await;
    let (status, shift) = app.post(&format!("{ROT}/shifts/current/duties/1"), Some(&aoife), json!({})).await;
    assert_eq!(status, 200, "{shift}");
    assert_eq!(shift["duties"][0]["done"]["by"], AOIFE);
    assert!(shift["duties"][1].get("done").is_none());
    for bad in ["4", "0", "x"] {
        let (status, body) = app.post(&format!("{ROT}/shifts/current/duties/{bad}"), Some(&aoife), json!({})).await;
        assert_eq!((status, body["error"]["field"].as_str()), (422, Some("n")), "{bad}: {body}");
    }

    app.days_later(1);
    let (_, tuesday) = app.get(&format!("{ROT}/shifts/current")).await;
    assert_eq!(tuesday["person"], CIAN);
    assert!(tuesday["duties"].as_array().unwrap().iter().all(|d| d.get("done").is_none()), "a new shift, a new list");
    assert_eq!(audit_actions(&app).await, ["oncall.duty-done"]);
}

/// The CLI's clock is the system's: it works on whoever is on call today.
#[tokio::test]
async fn the_cli_logs_asks_for_help_hands_over_and_acknowledges() {
    let app = spawn_app().await;
    let who = |cmd: &str| {
        let out = app.baton_cli(&["oncall", cmd, "addon-sre", "--output", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["person"]["id"].as_str().unwrap().to_owned()
    };
    let (now, next) = (who("who"), who("next"));
    let run = |args: &[&str]| {
        let out = app.baton_cli(args);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    };

    let (ok, text) =
        run(&["oncall", "log", "addon-sre", "--as", &now, "--kind", "incident", "--closed", "Lag on streamhub"]);
    assert!(ok, "{text}");
    assert!(text.contains("runbook to write opened: log-1"), "{text}");
    let (ok, text) = run(&["oncall", "log", "addon-sre", "--as", &now, "--kind", "rant", "x"]);
    assert!(!ok && text.contains("--kind `rant` is not one of"), "{text}");
    let (ok, text) = run(&["oncall", "todos", "addon-sre"]);
    assert!(ok && text.contains("log-1") && text.contains("Lag on streamhub"), "{text}");
    let (ok, text) = run(&["oncall", "help", "addon-sre", "--as", &now, "Who knows the broker config?"]);
    assert!(ok && text.contains("the rest of the team is notified"), "{text}");
    let (ok, text) = run(&["oncall", "log", "addon-sre"]);
    assert!(ok && text.contains("#2") && text.contains("help"), "{text}");

    let (ok, text) = run(&["oncall", "handover", "addon-sre", "--as", &next, "--note", "not mine"]);
    assert!(!ok && text.contains("only the outgoing on-call engineer may"), "{text}");
    let (ok, text) = run(&[
        "oncall",
        "handover",
        "addon-sre",
        "--as",
        &now,
        "--note",
        "Lag fixed",
        "--open-item",
        "Write the lag runbook",
    ]);
    assert!(ok, "{text}");
    let listed = app.baton.shift_notes(&RotationId::parse("addon-sre").unwrap(), true).await.unwrap();
    let id = listed[0].id();
    let (ok, text) = run(&["oncall", "ack", "addon-sre", &id, "--as", &now]);
    assert!(!ok && text.contains("may acknowledge"), "{text}");
    let (ok, text) = run(&["oncall", "ack", "addon-sre", &id, "--as", &next]);
    assert!(ok && text.contains(&format!("acknowledged by {next}")), "{text}");
    let (ok, text) = run(&["oncall", "handovers", "addon-sre", "--open"]);
    assert!(ok && text.contains("no unacknowledged handovers"), "{text}");
}

/// Issue #17: the handover starts prefilled with what happened during the shift: the
/// alerts that paged this rotation (opened, acknowledged, still open), the incident still
/// open, the runbook to write, and the SLO correction that ends during the next shift.
#[tokio::test]
async fn the_handover_draft_is_what_happened_during_the_shift() {
    let app = spawn_app().await;
    // streamhub is handed over to addon-sre: its critical alerts page the addon-sre rotation.
    crate::support::drive(&app, baton_core::pipeline::Stage::SreOwned).await;
    let (_, now) = app.get(&format!("{ROT}/oncall")).await;
    let on_call = now["person"]["id"].as_str().unwrap().to_owned();
    let (shift_start, shift_end) = (now["start"].as_str().unwrap().to_owned(), now["end"].as_str().unwrap().to_owned());
    let me = app.token(&on_call).await;
    let owner = app.token("noor.castellano").await;
    let (status, made) = app
        .post("/api/v1/integrations", Some(&owner), json!({"service": "streamhub", "name": "am", "format": "generic"}))
        .await;
    assert_eq!(status, 201, "{made}");
    let intake = made["url"].as_str().unwrap().to_owned();
    for key in ["lag-broker-3", "disk-broker-2"] {
        let alert = json!({"dedup_key": key, "status": "firing", "summary": format!("streamhub {key}"), "severity": "critical"});
        let (status, body) = app.post(&intake, None, alert).await;
        assert!(status < 300, "{body}");
    }
    let (status, body) = app.post("/api/v1/alerts/streamhub/lag-broker-3/ack", Some(&me), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(&format!("{ROT}/log"), Some(&me), json!({"kind": "incident", "text": "broker 3 lagging after the drain"}))
        .await;
    assert_eq!(status, 201, "{body}");
    let shift_end_ts: Timestamp = shift_end.parse().unwrap();
    let ends = shift_end_ts.checked_add(jiff::SignedDuration::from_hours(2)).unwrap();
    let correction = json!({"start": shift_start, "end": ends, "reason": "broker maintenance, CHG-118"});
    let (status, body) = app.post("/api/v1/slos/streamhub-availability/corrections", Some(&owner), correction).await;
    assert_eq!(status, 201, "{body}");

    // Half of a thousand publishes fail (just before the shift and its correction): the
    // engine finds streamhub-availability's budget exhausted during the shift. The other
    // SLO, without data, is not news.
    let at: Timestamp =
        shift_start.parse::<Timestamp>().unwrap().checked_sub(jiff::SignedDuration::from_mins(10)).unwrap();
    let batch = [baton_app::SampleIn { at, good: 500, total: 1000 }];
    let slo = baton_core::SloId::parse("streamhub-availability").unwrap();
    let owner_id = baton_core::PersonId::parse("noor.castellano").unwrap();
    assert!(app.baton.ingest_samples(&slo, &owner_id, &batch).await.unwrap().rejected.is_empty());
    let step = app.baton.engine_step().await.unwrap();
    assert!(step.failed.is_empty(), "{step:?}");

    let (status, draft) = app.get(&format!("{ROT}/handovers/draft")).await;
    assert_eq!(status, 200, "{draft}");
    let budgets = draft["budget_changes"].as_array().unwrap();
    assert_eq!(budgets.len(), 1, "{draft}");
    assert_eq!(
        (budgets[0]["slo"].as_str(), budgets[0]["to"].as_str()),
        (Some("streamhub-availability"), Some("exhausted"))
    );
    let keys = |field: &str| -> Vec<String> {
        let mut k: Vec<String> =
            draft[field].as_array().unwrap().iter().map(|a| a["dedup_key"].as_str().unwrap().to_owned()).collect();
        k.sort();
        k
    };
    assert_eq!(keys("opened"), ["disk-broker-2", "lag-broker-3"], "{draft}");
    assert_eq!(keys("acknowledged"), ["lag-broker-3"], "{draft}");
    assert_eq!(keys("still_open"), ["disk-broker-2", "lag-broker-3"], "acknowledged is not resolved: {draft}");
    assert_eq!(draft["incidents"][0]["text"], "broker 3 lagging after the drain", "{draft}");
    assert_eq!(draft["ending_next_shift"][0]["ends"], json!(ends), "{draft}");
    assert!(
        draft["note"]
            .as_str()
            .unwrap()
            .starts_with("During this shift: 2 alerts opened, 1 acknowledged, 2 still open; 1 incident"),
        "{draft}"
    );
    assert!(draft["note"].as_str().unwrap().ends_with("; 1 error budget changed state."), "{draft}");
    assert!(
        draft["open_items"].as_array().unwrap().iter().any(|i| i
            .as_str()
            .unwrap()
            .starts_with("SLO streamhub-availability error budget: ")
            && i.as_str().unwrap().contains("→ exhausted")),
        "{draft}"
    );
    let items: Vec<&str> = draft["open_items"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
    assert!(items.iter().any(|i| i.starts_with("alert streamhub/disk-broker-2 (triggered)")), "{items:?}");
    assert!(
        items.iter().any(|i| i.contains("the correction of streamhub-availability (broker maintenance, CHG-118) ends")),
        "{items:?}"
    );
    let ongoing = draft["ongoing_incidents"][0].as_str().unwrap();
    assert!(ongoing.ends_with("broker 3 lagging after the drain"), "{ongoing}");

    // The outgoing engineer sends the draft as it stands; the note keeps it.
    let note = json!({"note": draft["note"], "open_items": draft["open_items"], "ongoing_incidents": draft["ongoing_incidents"]});
    let (status, written) = app.post(&format!("{ROT}/handovers"), Some(&me), note).await;
    assert_eq!(status, 201, "{written}");
    assert_eq!(written["open_items"], draft["open_items"]);
}

/// Issue #17: every time on a page was UTC, also for the São Paulo and Kolkata members.
/// Now a signed-in reader sees times in their own zone, named; anyone else in UTC.
#[tokio::test]
async fn pages_show_times_in_the_readers_zone() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = |cookie: Option<String>| {
        let mut req = client.get(format!("{}/oncall/addon-sre", app.url));
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let anonymous = page(None).await;
    assert!(anonymous.contains("times below are UTC") && anonymous.contains(" UTC</time></td>"), "{anonymous}");

    let thiago = app.token("thiago.lindgren").await; // America/Sao_Paulo
    let (form_cookie, csrf) = crate::security::login_form(&client, &app.url).await;
    let signed_in = client
        .post(format!("{}/login", app.url))
        .header("cookie", form_cookie)
        .form(&[("token", thiago.as_str()), ("next", "/"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let session = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let local = page(Some(session)).await;
    assert!(local.contains("times below are America/Sao_Paulo"), "{local}");
    // Monday 2026-03-02 09:00 Dublin (UTC in winter) is 06:00 in São Paulo.
    assert!(local.contains("2026-03-02 06:00 America/Sao_Paulo"), "{local}");
    assert!(!local.contains(" UTC</time></td>"), "no UTC left in the table: {local}");
    // The UTC instant is on hover.
    assert!(local.contains(r#"<time datetime="2026-03-02T09:00:00Z" title="2026-03-02 09:00:00 UTC">2026-03-02 06:00 America/Sao_Paulo</time>"#), "{local}");
}
