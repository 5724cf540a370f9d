//! Reaching people by their own methods and rules, with a real SMTP server on loopback
//! (aiosmtpd, recording each message) and a real HTTP receiver: the real `baton serve`
//! pages by email at once and by a personal webhook later, the email's acknowledge link
//! stops the rest; a RACI "budget exhausted" notice reaches engineering leadership by
//! email; a swap request and a handover reminder reach the person they are for.

use crate::paging_support::{baton_cli, baton_serve_with, generic_alert, generic_integration, org_copy, Receiver};
use crate::smtp_sink::SmtpSink;
use crate::support::spawn_app;
use baton_notify::{Sender, SenderConfig, SmtpConfig};
use mail_parser::{Message, MessageParser};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NOOR: &str = "/api/v1/people/noor.castellano";

async fn send(method: reqwest::Method, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn page_text(method: reqwest::Method, url: &str) -> (u16, String) {
    let r = reqwest::Client::new().request(method, url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default().parse(raw).expect("a MIME message")
}

/// The URL after `label: ` in a plain-text part.
fn link_in(text: &str, label: &str) -> String {
    let line =
        text.lines().find(|l| l.starts_with(&format!("{label}: "))).unwrap_or_else(|| panic!("{label} in {text}"));
    line[label.len() + 2..].trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_goes_by_email_at_once_and_the_emails_link_acknowledges_it_before_the_webhook_is_due() {
    let sink = SmtpSink::start(None);
    let receiver = Receiver::start().await;
    let org = org_copy(&receiver.base, &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let smtp = sink.url();
    let env = [
        ("BATON_SMTP_URL", smtp.as_str()),
        ("BATON_SMTP_FROM", "Baton <baton@example.com>"),
        ("BATON_SLO_ALERTING_EVERY_MS", "500"),
    ];
    let (server, url) = baton_serve_with("baton", &db, Some(org.path()), "127.0.0.1:0", dir.path(), &env).await;
    let noor = baton_cli(&["token", "create", "noor.castellano", "--db", &db]).trim().to_owned();
    let viktor = baton_cli(&["token", "create", "viktor.halvorsen", "--db", &db]).trim().to_owned();

    // Her email from teams/ is there and verified; by default every urgency goes to it.
    let (status, contact) = send(reqwest::Method::GET, &format!("{url}{NOOR}/contact"), Some(&noor), None).await;
    assert_eq!(status, 200, "{contact}");
    assert_eq!(contact["methods"][0]["id"], "email");
    assert_eq!(contact["methods"][0]["address"], "noor.castellano@example.com");
    assert_eq!(
        (contact["methods"][0]["verified"].as_bool(), contact["default_rules"].as_bool()),
        (Some(true), Some(true))
    );

    // She adds her phone's webhook: a code goes to it, and it is not used until it comes back.
    let phone = json!({"id": "phone", "type": "webhook", "url": format!("{}/personal/noor", receiver.base)});
    let (status, added) =
        send(reqwest::Method::POST, &format!("{url}{NOOR}/contact-methods"), Some(&noor), Some(&phone)).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["awaiting_code"], json!(["phone"]));
    receiver
        .wait_until(
            Duration::from_secs(10),
            "the verification code",
            |seen| seen.iter().any(|s| s.path == "/personal/noor"),
            || server.log(),
        )
        .await;
    let code_msg = receiver.seen().into_iter().find(|s| s.path == "/personal/noor").unwrap();
    let code: String = code_msg.text().chars().take_while(|c| c.is_ascii_digit()).collect();
    assert_eq!(code.len(), 6, "{}", code_msg.text());
    let verify = format!("{url}{NOOR}/contact-methods/phone/verify");
    let (status, wrong) = send(reqwest::Method::POST, &verify, Some(&noor), Some(&json!({"code": "000000x"}))).await;
    assert_eq!((status, wrong["error"]["field"].as_str()), (422, Some("code")), "{wrong}");
    let (status, body) = send(reqwest::Method::POST, &verify, Some(&viktor), Some(&json!({"code": code}))).await;
    assert_eq!(status, 403, "only noor verifies her methods: {body}");
    let (status, verified) = send(reqwest::Method::POST, &verify, Some(&noor), Some(&json!({"code": code}))).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["methods"][1]["verified"], true);

    // Pages: email at once, the phone 15 s later (a short delay for the test; minutes in life).
    let rules = json!({"rules": [
        {"urgency": "page", "method": "email"},
        {"urgency": "page", "method": "phone", "after": "15s"},
        {"urgency": "ticket", "method": "email"},
        {"urgency": "info", "method": "email"},
    ]});
    let (status, set) =
        send(reqwest::Method::PUT, &format!("{url}{NOOR}/notification-rules"), Some(&noor), Some(&rules)).await;
    assert_eq!(status, 200, "{set}");
    assert_eq!((set["default_rules"].as_bool(), set["problems"].as_array().map(Vec::len)), (Some(false), Some(0)));

    let key = generic_integration(&db);
    let opened = Instant::now();
    let (status, body) = send(
        reqwest::Method::POST,
        &format!("{url}/api/v1/intake/{key}/generic"),
        None,
        Some(&generic_alert("reach-1", "critical")),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let mail = sink.wait_for_mail_to("noor.castellano@example.com", Duration::from_secs(15)).await;
    assert_eq!(mail.len(), 1, "one email page");
    let email = parse(&mail[0]);
    let subject = email.subject().unwrap();
    assert!(subject.starts_with("[CRITICAL] streamhub: "), "{subject}");
    assert!(email.message_id().is_some_and(|id| id.ends_with("@baton")), "{:?}", email.message_id());
    let text = email.body_text(0).unwrap().into_owned();
    let html = email.body_html(0).unwrap().into_owned();
    assert!(text.contains("Noor Castellano, you are paged for streamhub"), "{text}");
    let ack = link_in(&text, "Acknowledge");
    assert!(ack.starts_with(&format!("{url}/a/")), "{ack}");
    assert!(html.contains(&format!("href=\"{ack}\"")), "the HTML part links the same: {html}");
    assert!(link_in(&text, "Open in Baton").starts_with(&format!("{url}/alerts/streamhub/")), "{text}");
    // The team's channel is paged as before, without a link that acknowledges as noor.
    let team = receiver.seen().into_iter().find(|s| s.path == "/hooks/streamhub-dev" && s.kind() == "page").unwrap();
    assert!(!team.body.to_string().contains("/a/"), "{}", team.body);

    // Opening the link (a mail scanner would) changes nothing; a forged one is refused.
    let (status, confirm) = page_text(reqwest::Method::GET, &ack).await;
    assert_eq!(status, 200, "{confirm}");
    assert!(confirm.contains("Acknowledge this alert?") && confirm.contains("method=\"post\""), "{confirm}");
    let alert_url = format!("{url}/api/v1/alerts/streamhub/reach-1");
    let (_, alert) = send(reqwest::Method::GET, &alert_url, None, None).await;
    assert_eq!(alert["status"], "triggered");
    let mut forged = ack.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    let (status, refused) = page_text(reqwest::Method::POST, &forged).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused.contains("not one Baton made"), "{refused}");
    let (_, alert) = send(reqwest::Method::GET, &alert_url, None, None).await;
    assert_eq!(alert["status"], "triggered", "a forged link changes nothing");

    // The one press acknowledges, as noor; the phone's page is never sent.
    let (status, done) = page_text(reqwest::Method::POST, &ack).await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("Acknowledged by noor.castellano"), "{done}");
    let acked_after = opened.elapsed();
    assert!(acked_after < Duration::from_secs(14), "acknowledged only after {acked_after:?}: the test proves nothing");
    let (_, alert) = send(reqwest::Method::GET, &alert_url, None, None).await;
    assert_eq!(alert["status"], "acknowledged");
    assert_eq!(alert["acknowledged"]["by"], json!({"person": "noor.castellano"}));
    let history: Vec<&str> = alert["history"].as_array().unwrap().iter().map(|e| e["what"].as_str().unwrap()).collect();
    assert!(
        history.contains(&"acknowledged: 1 later notification not sent (noor.castellano by phone)"),
        "{history:#?}"
    );
    let (status, reused) = page_text(reqwest::Method::POST, &ack).await;
    assert_eq!(status, 409, "{reused}");
    assert!(reused.contains("this link was used"), "{reused}");

    tokio::time::sleep(Duration::from_secs(17).saturating_sub(opened.elapsed())).await;
    let personal: Vec<String> = receiver
        .seen()
        .into_iter()
        .filter(|s| s.path == "/personal/noor" && s.kind() == "page")
        .map(|s| s.body.to_string())
        .collect();
    assert!(personal.is_empty(), "the later method was used: {personal:?}");
    assert_eq!(sink.wait_for_mail_to("noor.castellano@example.com", Duration::ZERO).await.len(), 1);
    let audit = baton_cli(&["audit", "log", "--subject", "alert/streamhub/reach-1", "--db", &db, "--output", "json"]);
    assert!(
        audit.contains("acknowledge link") && audit.contains("\"actor\": \"noor.castellano\""),
        "the acknowledgement is audited as by link: {audit}"
    );

    // Half of 1000 publishes fail: streamhub's error budget is spent. The chart's
    // executive (viktor) and engineering manager (rosa) have no channel of their own but
    // an email in teams/: the watch (as often as the SLO engine here) tells them by it.
    let ten_minutes_ago = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_mins(10)).unwrap();
    let samples = json!({"samples": [{"at": ten_minutes_ago, "good": 500, "total": 1000}]});
    let (status, body) = send(
        reqwest::Method::POST,
        &format!("{url}/api/v1/slos/streamhub-availability/samples"),
        Some(&noor),
        Some(&samples),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for (who, kind) in [("viktor.halvorsen", "information"), ("rosa.kimathi", "act")] {
        let mail = sink.wait_for_mail_to(&format!("{who}@example.com"), Duration::from_secs(30)).await;
        let email = parse(&mail[0]);
        assert_eq!(email.subject(), Some("SLO streamhub-availability of streamhub: error budget exhausted"), "{who}");
        let text = email.body_text(0).unwrap();
        let why = if kind == "act" { "You are asked to act" } else { "For your information" };
        assert!(text.contains(why), "{who}: {text}");
    }
}

/// The app's sender, through the sink.
fn mail_sender(app: &crate::support::TestApp, sink: &SmtpSink) -> Sender {
    let smtp = SmtpConfig { url: sink.url(), from: "Baton <baton@example.com>".into(), password: None };
    let config = SenderConfig {
        worker: "t".into(),
        outbound: baton_notify::Outbound::LOOPBACK,
        smtp: Some(smtp),
        ..Default::default()
    };
    Sender::new(app.baton.store().clone(), app.clock.clone(), config).unwrap()
}

#[tokio::test]
async fn a_swap_request_and_a_handover_reminder_reach_the_person_they_are_for_by_email() {
    let sink = SmtpSink::start(None);
    let app = spawn_app().await;
    app.baton.set_mail_configured(true);
    let sender = mail_sender(&app, &sink);
    const ROT: &str = "/api/v1/rotations/addon-sre";

    let cian = app.token("cian.moreau").await;
    let body = json!({"with": "thiago.lindgren", "my_shift_start": "2026-03-03T09:00:00Z",
                      "their_shift_start": "2026-03-05T09:00:00Z", "reason": "school play"});
    let (status, asked) = app.post(&format!("{ROT}/swaps"), Some(&cian), body).await;
    assert_eq!(status, 201, "{asked}");
    sender.step().await.unwrap();
    let mail = sink.wait_for_mail_to("thiago.lindgren@example.com", Duration::from_secs(5)).await;
    let email = parse(&mail[0]);
    assert_eq!(email.subject(), Some("Cian Moreau asks to swap shifts with you"));
    assert!(
        email.body_text(0).unwrap().contains("Cian Moreau's shift from 2026-03-03 09:00"),
        "{:?}",
        email.body_text(0)
    );
    assert!(sink.received().iter().all(|m| !String::from_utf8_lossy(m).contains("To: <cian.moreau")), "not to cian");

    // The outgoing engineer hands over before the shift change; nobody acknowledges it.
    let (_, now) = app.get(&format!("{ROT}/oncall")).await;
    let end: jiff::Timestamp = now["end"].as_str().unwrap().parse().unwrap();
    app.clock.set(end.checked_sub(jiff::SignedDuration::from_mins(20)).unwrap());
    let (_, holder) = app.get(&format!("{ROT}/oncall")).await;
    let outgoing = holder["person"]["id"].as_str().unwrap().to_owned();
    let token = app.token(&outgoing).await;
    let (status, h) = app.post(&format!("{ROT}/handovers"), Some(&token), json!({"note": "queue lag is back"})).await;
    assert_eq!(status, 201, "{h}");
    let incoming = h["incoming"].as_str().unwrap().to_owned();
    assert_ne!(incoming, outgoing);
    app.clock.set(end.checked_add(jiff::SignedDuration::from_mins(61)).unwrap());
    let step = app.baton.engine_step().await.unwrap();
    assert!(step.failed.is_empty(), "{step:?}");
    sender.step().await.unwrap();
    let mail = sink.wait_for_mail_to(&format!("{incoming}@example.com"), Duration::from_secs(5)).await;
    let reminder =
        mail.iter().map(|m| parse(m)).find(|m| m.subject().is_some_and(|s| s.contains("handover"))).unwrap_or_else(
            || {
                panic!(
                    "a handover reminder to {incoming}: {:?}",
                    mail.iter().map(|m| parse(m).subject().map(str::to_owned)).collect::<Vec<_>>()
                )
            },
        );
    assert!(reminder.body_text(0).unwrap().contains("queue lag is back"), "{:?}", reminder.body_text(0));
}

#[tokio::test]
async fn a_step_whose_person_has_every_method_off_moves_on_at_once() {
    let app = spawn_app().await;
    app.baton.set_mail_configured(true);
    // streamhub-dev's pager with no channel: only people's own methods reach anyone.
    let mut org = (*app.baton.org().await.unwrap()).clone();
    let policy = org.escalations.get_mut(&"streamhub-dev-page".parse().unwrap()).unwrap();
    policy.channels.clear();
    app.baton.apply(&org, "test").await.unwrap();
    let noor = app.token("noor.castellano").await;
    let (status, body) =
        app.post(&format!("{NOOR}/contact-methods/email/switch"), Some(&noor), json!({"enabled": false})).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["problems"].as_array().unwrap().iter().any(|p| p == "nothing reaches them for page notifications"),
        "{body}"
    );
    let key = baton_app_integration(&app).await;
    let (status, body) =
        app.post(&format!("/api/v1/intake/{key}/generic"), None, generic_alert("reach-off", "critical")).await;
    assert_eq!(status, 200, "{body}");
    let (_, alert) = app.get("/api/v1/alerts/streamhub/reach-off").await;
    let history: Vec<&str> = alert["history"].as_array().unwrap().iter().map(|e| e["what"].as_str().unwrap()).collect();
    assert!(history.iter().any(|h| h.starts_with("step 1: nobody reachable (noor.castellano:")), "{history:#?}");
    assert!(history.iter().any(|h| h.starts_with("step 2: paged ")), "the team at once: {history:#?}");
    assert!(!history.iter().any(|h| h.contains("paged noor.castellano")), "{history:#?}");
}

/// A generic integration for streamhub, made through the API as its owner team's lead.
async fn baton_app_integration(app: &crate::support::TestApp) -> String {
    let noor = app.token("noor.castellano").await;
    let (status, body) = app
        .post("/api/v1/integrations", Some(&noor), json!({"service": "streamhub", "name": "load", "format": "generic"}))
        .await;
    assert_eq!(status, 201, "{body}");
    body["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_owner_asks_for_the_votes_a_gate_needs_and_each_person_asked_gets_an_email() {
    let sink = SmtpSink::start(None);
    let app = spawn_app().await;
    app.baton.set_mail_configured(true);
    let sender = mail_sender(&app, &sink);
    crate::support::drive(&app, baton_core::pipeline::Stage::Onboarding).await;
    let path = "/api/v1/services/streamhub/gates/promote-to-prod/ask";
    let outsider = app.token("leila.fontaine").await;
    let (status, body) = app.post(path, Some(&outsider), json!({})).await;
    assert_eq!(status, 403, "only the owner team asks: {body}");

    let noor = app.token("noor.castellano").await;
    let (status, asked) = app.post(path, Some(&noor), json!({"note": "release on Thursday"})).await;
    assert_eq!(status, 200, "{asked}");
    let people: Vec<&str> = asked["asked"].as_array().unwrap().iter().map(|r| r["person"].as_str().unwrap()).collect();
    // promote-to-prod waits on tenants-sre, platform-sre and the owner team's sign-off.
    for who in ["marta.oyelaran", "noor.castellano"] {
        assert!(people.contains(&who), "{who} asked: {people:?}");
    }
    assert!(!people.contains(&"leila.fontaine"), "{people:?}");
    sender.step().await.unwrap();
    let mail = sink.wait_for_mail_to("marta.oyelaran@example.com", Duration::from_secs(5)).await;
    let email = parse(&mail[0]);
    assert_eq!(email.subject(), Some("Your vote is asked on gate promote-to-prod of streamhub"));
    let text = email.body_text(0).unwrap();
    assert!(text.contains("Noor Castellano asks for your vote") && text.contains("release on Thursday"), "{text}");
    assert!(text.contains("approval from"), "names the requirement: {text}");
    let (_, audit) = app.get("/api/v1/audit?subject=service/streamhub").await;
    assert!(audit.to_string().contains("gate.ask-votes"), "audited");
}

#[tokio::test]
async fn the_cli_adds_a_method_sets_rules_and_says_what_keeps_a_person_from_being_reached() {
    let app = spawn_app().await;
    let cli = |args: &[&str]| {
        let out = app.baton_cli(args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let who = ["--as", "beatriz.nakamura"];
    let add = ["contact", "add", "beatriz.nakamura", "phone", "--webhook", "https://push.example.com/beatriz"];
    let (ok, out) = cli(&[&add[..], &who[..]].concat());
    assert!(ok, "{out}");
    assert!(out.contains("a code is on its way to `phone`"), "{out}");
    let (ok, out) = cli(&["contact", "verify", "beatriz.nakamura", "phone", "123", "--as", "beatriz.nakamura"]);
    assert!(!ok && out.contains("that is not the code sent to `phone` (4 tries left)"), "{out}");
    let (ok, out) = cli(&["contact", "show", "beatriz.nakamura", "--as", "leila.fontaine"]);
    assert!(!ok && out.contains("only beatriz.nakamura or the lead of one of their teams"), "{out}");
    let rules = ["contact", "rules", "beatriz.nakamura", "--page", "email", "--page", "phone:5m", "--info", "email"];
    let (ok, out) = cli(&[&rules[..], &["--quiet-hours", "22:00-07:00"], &who[..]].concat());
    assert!(ok, "{out}");
    for line in ["phone   webhook", "waiting for its code", "page    phone after 5m", "quiet hours: 22:00-07:00"] {
        assert!(out.contains(line), "{line:?} in:\n{out}");
    }
    assert!(out.contains("warning: a page rule names `phone`, which is not verified yet"), "{out}");
    let (ok, out) = cli(&["contact", "rules", "beatriz.nakamura", "--page", "pager", "--as", "beatriz.nakamura"]);
    assert!(!ok && out.contains("rules[0].method: no contact method `pager`"), "{out}");
}

#[tokio::test]
async fn an_unreadable_contact_record_leaves_the_definitions_email_in_force() {
    let sink = SmtpSink::start(None);
    let app = spawn_app().await;
    app.baton.set_mail_configured(true);
    let sender = mail_sender(&app, &sink);
    // Thiago's stored contacts do not parse (written by hand, or by a newer replica).
    let garbage = baton_store::RecordWrite {
        kind: baton_app::CONTACT_KIND.into(),
        id: "thiago.lindgren".into(),
        expected_version: 0,
        body: "{not json".into(),
        due_at: None,
    };
    let commit = baton_store::Commit { records: vec![garbage], ..Default::default() };
    app.baton.store().commit(&commit, app.now()).await.unwrap();

    let cian = app.token("cian.moreau").await;
    let body = json!({"with": "thiago.lindgren", "my_shift_start": "2026-03-03T09:00:00Z",
                      "their_shift_start": "2026-03-05T09:00:00Z"});
    let (status, asked) = app.post("/api/v1/rotations/addon-sre/swaps", Some(&cian), body).await;
    assert_eq!(status, 201, "the request is not held up: {asked}");
    sender.step().await.unwrap();
    let mail = sink.wait_for_mail_to("thiago.lindgren@example.com", Duration::from_secs(5)).await;
    assert_eq!(parse(&mail[0]).subject(), Some("Cian Moreau asks to swap shifts with you"));
}
