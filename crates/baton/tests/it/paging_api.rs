//! Paging through the real HTTP API on SQLite: integrations, intake in all three
//! formats, deduplication, routing by stage, escalation on the engine's schedule,
//! acknowledge and resolve, and bad input that stores nothing.

use crate::support::spawn_app;
use baton_store::NotificationQuery;
use serde_json::{json, Value};

async fn integration(app: &crate::support::TestApp, token: &str, format: &str, name: &str) -> (String, String) {
    let (status, body) = app
        .post("/api/v1/integrations", Some(token), json!({"service": "streamhub", "name": name, "format": format}))
        .await;
    assert_eq!(status, 201, "{body}");
    (body["key"].as_str().unwrap().to_owned(), body["url"].as_str().unwrap().to_owned())
}

fn am_payload(alerts: Value) -> Value {
    json!({
        "version": "4", "groupKey": "{}:{alertname=\"KafkaLag\"}", "truncatedAlerts": 0, "status": "firing",
        "receiver": "baton", "groupLabels": {"alertname": "KafkaLag"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093", "alerts": alerts
    })
}

fn am_alert(fingerprint: &str, status: &str, severity: &str) -> Value {
    json!({
        "status": status, "labels": {"alertname": "KafkaLag", "severity": severity, "partition": fingerprint},
        "annotations": {"summary": format!("consumer lag on {fingerprint}")},
        "startsAt": "2026-03-02T08:59:00Z", "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph", "fingerprint": fingerprint
    })
}

async fn queued(app: &crate::support::TestApp, subject: &str) -> Vec<baton_store::Notification> {
    let q = NotificationQuery { subject_prefix: Some(subject.into()), limit: 100, ..Default::default() };
    app.baton.store().notifications(&q).await.unwrap()
}

/// Who was paged, once per page (a policy with two channels queues a message on each).
fn paged(notes: &[baton_store::Notification]) -> Vec<String> {
    let mut pages: Vec<(String, String)> = notes
        .iter()
        .map(|n| (n.key.split('@').next().unwrap().to_owned(), serde_json::from_str::<Value>(&n.payload).unwrap()))
        .filter(|(_, p)| p["kind"] == "page")
        .map(|(key, p)| (p["to"][0].as_str().unwrap().to_owned(), key))
        .collect();
    pages.sort();
    pages.dedup();
    pages.into_iter().map(|(person, _)| person).collect()
}

#[tokio::test]
async fn alertmanager_alerts_page_the_owner_team_escalate_and_stop_when_acknowledged() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (key, url) = integration(&app, &noor, "alertmanager", "alertmanager").await;
    assert_eq!(url, format!("/api/v1/intake/{key}/alertmanager"));

    let body = am_payload(json!([am_alert("aa01", "firing", "critical"), am_alert("bb02", "firing", "warning")]));
    let (status, answer) = app.post(&url, None, body.clone()).await;
    assert_eq!(status, 200, "{answer}");
    let outcomes: Vec<&str> =
        answer["alerts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["opened", "opened"]);
    assert_eq!(answer["truncated_alerts"], 0);

    // Before handover the owner team's policy pages: step 1 is its lead.
    let (_, alert) = app.get("/api/v1/alerts/streamhub/aa01").await;
    assert_eq!(alert["policy"], "streamhub-dev-page");
    assert!(alert["route_reason"].as_str().unwrap().contains("stage draft"), "{}", alert["route_reason"]);
    assert_eq!(paged(&queued(&app, "alert/streamhub/aa01").await), ["noor.castellano"]);
    let note = &queued(&app, "alert/streamhub/aa01").await[0];
    assert!(note.channel.contains("http://127.0.0.1:9/hooks/streamhub-dev"), "{}", note.channel);

    // The same group again: deduplicated, nobody paged twice.
    let (_, again) = app.post(&url, None, body).await;
    assert_eq!(again["alerts"][0]["outcome"], "deduplicated");
    assert_eq!(queued(&app, "alert/streamhub/aa01").await.len(), 1);

    // Nobody acknowledges: after 15 minutes the engine pages the whole team.
    app.clock.advance(jiff::SignedDuration::from_mins(14));
    app.baton.engine_step().await.unwrap();
    assert_eq!(queued(&app, "alert/streamhub/aa01").await.len(), 1, "not before the step's delay");
    app.clock.advance(jiff::SignedDuration::from_mins(1));
    let step = app.baton.engine_step().await.unwrap();
    assert_eq!(step.failed, Vec::<String>::new());
    assert_eq!(
        paged(&queued(&app, "alert/streamhub/aa01").await),
        ["felix.adeyemi", "noor.castellano", "noor.castellano", "yuki.brandvold"]
    );

    // Felix acknowledges: escalation stops, the channel hears "acknowledged".
    let felix = app.token("felix.adeyemi").await;
    let (status, acked) = app.post("/api/v1/alerts/streamhub/aa01/ack", Some(&felix), json!({})).await;
    assert_eq!(status, 200, "{acked}");
    assert_eq!(acked["status"], "acknowledged");
    let (status, _) = app.post("/api/v1/alerts/streamhub/aa01/ack", Some(&felix), json!({})).await;
    assert_eq!(status, 200, "acknowledging twice is fine");
    app.clock.advance(jiff::SignedDuration::from_hours(2));
    app.baton.engine_step().await.unwrap();
    let notes = queued(&app, "alert/streamhub/aa01").await;
    assert_eq!(paged(&notes).len(), 4, "no page after the acknowledgement");
    assert!(notes.iter().any(|n| n.payload.contains("\"page-update\"") && n.payload.contains("acknowledge")));

    // Alertmanager resolves one alert of the group: only that one is resolved.
    let resolved = am_payload(json!([am_alert("aa01", "resolved", "critical"), am_alert("bb02", "firing", "warning")]));
    let (_, answer) = app.post(&url, None, resolved).await;
    let outcomes: Vec<&str> =
        answer["alerts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["resolved", "deduplicated"]);
    let (_, open) = app.get("/api/v1/alerts?service=streamhub").await;
    let open: Vec<&str> = open.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(open, ["streamhub/bb02"]);

    // Who acknowledged is in the audit log.
    let records = app
        .baton
        .store()
        .audit(&baton_store::AuditQuery {
            subject: Some("alert/streamhub/aa01".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        records.iter().map(|r| (r.entry.actor.as_str(), r.entry.action.as_str())).collect::<Vec<_>>(),
        [("felix.adeyemi", "alert.acknowledge")]
    );
}

/// "Escalate now" runs the next step at once instead of after its delay, and a note joins
/// the alert's history; both only for those who answer for the alert, both audited.
#[tokio::test]
async fn a_responder_escalates_now_and_notes_what_they_found() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (_, url) = integration(&app, &noor, "alertmanager", "alertmanager").await;
    app.post(&url, None, am_payload(json!([am_alert("cc03", "firing", "critical")]))).await;
    assert_eq!(paged(&queued(&app, "alert/streamhub/cc03").await), ["noor.castellano"], "step 1 at once");
    let service = baton_core::ServiceId::parse("streamhub").unwrap();
    let person = |p: &str| baton_core::PersonId::parse(p).unwrap();

    // Someone who does not answer for streamhub may not hurry it.
    let refused = app.baton.escalate_alert_now(&person("leila.fontaine"), &service, "cc03").await.unwrap_err();
    assert!(matches!(refused, baton_app::AppError::Forbidden(_)), "{refused:?}");

    // Noor has looked and wants the whole team now, not in 15 minutes.
    app.clock.advance(jiff::SignedDuration::from_mins(2));
    let view = app.baton.escalate_alert_now(&person("noor.castellano"), &service, "cc03").await.unwrap();
    assert_eq!(view.alert.escalation.next_at, Some(app.now()));
    app.baton.engine_step().await.unwrap();
    assert_eq!(
        paged(&queued(&app, "alert/streamhub/cc03").await),
        ["felix.adeyemi", "noor.castellano", "noor.castellano", "yuki.brandvold"],
        "step 2 ran 13 minutes early"
    );
    let noted =
        app.baton.note_alert(&person("noor.castellano"), &service, "cc03", "broker-2 disk at 91%").await.unwrap();
    assert_eq!(noted.alert.history.last().unwrap().what, "note by noor.castellano: broker-2 disk at 91%");
    let empty = app.baton.note_alert(&person("noor.castellano"), &service, "cc03", "  ").await.unwrap_err();
    assert!(matches!(&empty, baton_app::AppError::Invalid { field, .. } if field == "text"), "{empty:?}");

    // Neither hurrying nor a note is an acknowledgement: the channels hear of none yet.
    let updates = |notes: &[baton_store::Notification]| -> Vec<String> {
        notes
            .iter()
            .map(|n| serde_json::from_str::<Value>(&n.payload).unwrap())
            .filter(|p| p["kind"] == "page-update")
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(updates(&queued(&app, "alert/streamhub/cc03").await), Vec::<String>::new());

    // Acknowledged: nothing is left to hurry.
    app.baton.respond_to_alert(&person("felix.adeyemi"), &service, "cc03", false).await.unwrap();
    let told = updates(&queued(&app, "alert/streamhub/cc03").await);
    assert!(!told.is_empty() && told.iter().all(|t| t.contains("acknowledged by felix.adeyemi")), "{told:?}");
    let late = app.baton.escalate_alert_now(&person("noor.castellano"), &service, "cc03").await.unwrap_err();
    assert!(late.to_string().contains("already acknowledged by felix.adeyemi"), "{late}");

    let records = app
        .baton
        .store()
        .audit(&baton_store::AuditQuery {
            subject: Some("alert/streamhub/cc03".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let acts: Vec<(&str, &str)> = records.iter().map(|r| (r.entry.actor.as_str(), r.entry.action.as_str())).collect();
    assert_eq!(
        acts,
        [
            ("noor.castellano", "alert.escalate"),
            ("noor.castellano", "alert.note"),
            ("felix.adeyemi", "alert.acknowledge")
        ]
    );
    assert_eq!(records[1].entry.reason.as_deref(), Some("broker-2 disk at 91%"));
}

/// Reassigning hands the alert to someone, who is paged at once; an acknowledged alert
/// becomes theirs to acknowledge, and the escalation resumes if they do not.
#[tokio::test]
async fn a_responder_reassigns_an_alert_and_the_person_is_paged_at_once() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (_, url) = integration(&app, &noor, "alertmanager", "alertmanager").await;
    app.post(&url, None, am_payload(json!([am_alert("rr01", "firing", "critical")]))).await;
    let service = baton_core::ServiceId::parse("streamhub").unwrap();
    let person = |p: &str| baton_core::PersonId::parse(p).unwrap();
    app.baton.respond_to_alert(&person("noor.castellano"), &service, "rr01", false).await.unwrap();
    let before = queued(&app, "alert/streamhub/rr01").await.len();

    let refused =
        app.baton.reassign_alert(&person("leila.fontaine"), &service, "rr01", &person("yuki.brandvold")).await;
    assert!(matches!(refused, Err(baton_app::AppError::Forbidden(_))), "{refused:?}");
    let nobody = app.baton.reassign_alert(&person("noor.castellano"), &service, "rr01", &person("no.one")).await;
    assert!(matches!(&nobody, Err(baton_app::AppError::Invalid { field, .. }) if field == "to"), "{nobody:?}");
    assert_eq!(queued(&app, "alert/streamhub/rr01").await.len(), before, "nothing refused was queued");

    app.clock.advance(jiff::SignedDuration::from_mins(3));
    let view = app
        .baton
        .reassign_alert(&person("noor.castellano"), &service, "rr01", &person("yuki.brandvold"))
        .await
        .unwrap();
    assert_eq!(view.alert.status, baton_core::paging::Status::Triggered, "yuki's to acknowledge now");
    assert!(view.alert.escalation.next_at.is_some_and(|at| at > app.now()), "and the escalation resumes later");
    let notes = queued(&app, "alert/streamhub/rr01").await;
    let yuki: Vec<&baton_store::Notification> = notes
        .iter()
        .filter(|n| {
            n.key.contains("reassign")
                && serde_json::from_str::<Value>(&n.payload).unwrap()["to"][0] == "yuki.brandvold"
        })
        .collect();
    assert!(
        !yuki.is_empty(),
        "yuki is paged in the same commit: {:?}",
        notes.iter().map(|n| &n.key).collect::<Vec<_>>()
    );
    assert!(view
        .alert
        .history
        .last()
        .unwrap()
        .what
        .starts_with("reassigned to yuki.brandvold by noor.castellano: paged now"));
    let records = app
        .baton
        .store()
        .audit(&baton_store::AuditQuery {
            subject: Some("alert/streamhub/rr01".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    // The same through the API, as a script would: a token and the responder's role.
    let leila = app.token("leila.fontaine").await;
    let (status, body) =
        app.post("/api/v1/alerts/streamhub/rr01/reassign", Some(&leila), json!({"to": "noor.castellano"})).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) =
        app.post("/api/v1/alerts/streamhub/rr01/reassign", None, json!({"to": "noor.castellano"})).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) =
        app.post("/api/v1/alerts/streamhub/rr01/reassign", Some(&noor), json!({"to": "Not A Person"})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("to")), "{body}");
    let (status, body) = app
        .post("/api/v1/alerts/streamhub/rr01/notes", Some(&noor), json!({"text": "yuki has the runbook open"}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["history"].as_array().unwrap().last().unwrap()["what"],
        "note by noor.castellano: yuki has the runbook open"
    );
    let reassigned = records.iter().find(|r| r.entry.action == "alert.reassign").expect("audited");
    assert_eq!(
        (reassigned.entry.actor.as_str(), reassigned.entry.reason.as_deref()),
        ("noor.castellano", Some("to yuki.brandvold"))
    );
}

#[tokio::test]
async fn pagerduty_and_generic_events_are_accepted_like_pagerduty_does() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (pd_key, url) = integration(&app, &noor, "pagerduty", "pd").await;
    assert_eq!(url, "/v2/enqueue");
    let trigger = json!({"routing_key": pd_key, "event_action": "trigger",
        "payload": {"summary": "disk full on broker-3", "source": "broker-3", "severity": "critical"}});
    let (status, answer) = app.post("/v2/enqueue", None, trigger).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["status"], "success");
    let dedup = answer["dedup_key"].as_str().unwrap().to_owned();
    assert_eq!(dedup.len(), 32, "generated, as PagerDuty does");
    let (status, answer) = app
        .post("/v2/enqueue", None, json!({"routing_key": pd_key, "event_action": "resolve", "dedup_key": dedup}))
        .await;
    assert_eq!((status, answer["dedup_key"].as_str()), (202, Some(dedup.as_str())));
    let (_, alert) = app.get(&format!("/api/v1/alerts/streamhub/{dedup}")).await;
    assert_eq!(alert["status"], "resolved");

    let (status, answer) = app.post("/v2/enqueue", None, json!({"routing_key": pd_key, "event_action": "trigger", "payload": {"source": "x", "severity": "critical"}})).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (400, Some("payload.summary")), "{answer}");

    let (generic_key, url) = integration(&app, &noor, "generic", "ci").await;
    let (status, answer) = app.post(&url, None, json!({"dedup_key": "nightly-e2e", "status": "firing", "summary": "nightly e2e failed", "severity": "warning"})).await;
    assert_eq!((status, answer["alerts"][0]["outcome"].as_str()), (200, Some("opened")), "{answer}");
    // A key of one format does not take another's payloads.
    let (status, answer) =
        app.post(&format!("/api/v1/intake/{generic_key}/alertmanager"), None, am_payload(json!([]))).await;
    assert_eq!(status, 400, "{answer}");
}

#[tokio::test]
async fn bad_intake_stores_nothing_and_says_why() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (key, url) = integration(&app, &noor, "alertmanager", "am").await;
    let count = || async { app.baton.store().records("alert", "").await.unwrap().len() };

    let (status, body) = app
        .post("/api/v1/intake/bik_nope/alertmanager", None, am_payload(json!([am_alert("x", "firing", "critical")])))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let resp = app.client.post(format!("{}{url}", app.url)).body("{not json").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let mut v3 = am_payload(json!([am_alert("x", "firing", "critical")]));
    v3["version"] = json!("3");
    let (status, body) = app.post(&url, None, v3).await;
    assert_eq!((status, body["error"]["field"].as_str()), (400, Some("version")), "{body}");
    let huge = "x".repeat(600 * 1024);
    let resp = app.client.post(format!("{}{url}", app.url)).body(huge).send().await.unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(count().await, 0);

    // Revoked keys stop at once; outsiders may not manage integrations.
    let outsider = app.token("marta.oyelaran").await;
    let (status, body) = app
        .post(
            "/api/v1/integrations",
            Some(&outsider),
            json!({"service": "streamhub", "name": "x", "format": "generic"}),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = app.post("/api/v1/integrations/streamhub.am/revoke", Some(&noor), json!({})).await;
    assert_eq!(status, 200);
    let (status, _) = app
        .post(
            &format!("/api/v1/intake/{key}/alertmanager"),
            None,
            am_payload(json!([am_alert("x", "firing", "critical")])),
        )
        .await;
    assert_eq!(status, 404);
    assert_eq!(count().await, 0);
}

#[tokio::test]
async fn a_silent_source_raises_a_heartbeat_alert_that_its_next_call_resolves() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (status, body) = app
        .post(
            "/api/v1/integrations",
            Some(&noor),
            json!({"service": "streamhub", "name": "watchdog", "format": "alertmanager", "heartbeat": "5m"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let key = body["key"].as_str().unwrap().to_owned();
    let resp = app.client.post(format!("{}/api/v1/intake/{key}/heartbeat", app.url)).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    app.clock.advance(jiff::SignedDuration::from_mins(6));
    app.baton.engine_step().await.unwrap();
    let (_, open) = app.get("/api/v1/alerts?service=streamhub").await;
    assert_eq!(open[0]["id"], "streamhub/baton-heartbeat/streamhub.watchdog", "{open}");
    assert_eq!(open[0]["severity"], "critical");
    assert_eq!(paged(&queued(&app, "alert/streamhub/baton-heartbeat").await), ["noor.castellano"]);
    app.client.post(format!("{}/api/v1/intake/{key}/heartbeat", app.url)).send().await.unwrap();
    let (_, open) = app.get("/api/v1/alerts?service=streamhub").await;
    assert_eq!(open.as_array().unwrap().len(), 0, "resolved by the next call: {open}");
}

#[tokio::test]
async fn once_sre_owned_critical_alerts_page_the_sre_rotation_and_the_rest_become_tickets() {
    let app = spawn_app().await;
    crate::support::drive(&app, baton_core::pipeline::Stage::SreOwned).await;
    let sre = app.token(crate::support::SRE).await;
    let (key, url) = integration(&app, &sre, "generic", "ci").await;
    assert!(!key.is_empty());
    let critical = json!({"dedup_key": "lag", "status": "firing", "summary": "consumer lag", "severity": "critical"});
    let (status, body) = app.post(&url, None, critical).await;
    assert_eq!(status, 200, "{body}");
    let (_, alert) = app.get("/api/v1/alerts/streamhub/lag").await;
    assert_eq!(alert["policy"], "addon-sre-24x7", "{alert}");
    let on_call = app.baton.who(&baton_core::oncall::RotationId::parse("addon-sre").unwrap(), None).await.unwrap();
    assert_eq!(paged(&queued(&app, "alert/streamhub/lag").await), [on_call.person.id.to_string()]);
    // It came without a runbook: a runbook to write is left on the rotation it paged.
    let todos =
        app.baton.runbook_todos(&baton_core::oncall::RotationId::parse("addon-sre").unwrap(), true).await.unwrap();
    assert_eq!(todos.len(), 1, "{todos:?}");
    assert!(todos[0].what.contains("consumer lag"), "{}", todos[0].what);

    let warning = json!({"dedup_key": "disk", "status": "firing", "summary": "disk 80%", "severity": "warning"});
    app.post(&url, None, warning).await;
    let (_, alert) = app.get("/api/v1/alerts/streamhub/disk").await;
    assert_eq!(alert["policy"], "addon-sre-tickets");
}

#[tokio::test]
async fn metrics_show_requests_the_engine_cycle_the_outbox_depth_and_slo_evaluation_time() {
    let app = spawn_app().await;
    let engine = tokio::spawn(app.baton.clone().run_engine(tokio::time::sleep(std::time::Duration::from_millis(1500))));
    app.get("/api/v1/slos").await;
    engine.await.unwrap();
    let text = app.client.get(format!("{}/metrics", app.url)).send().await.unwrap().text().await.unwrap();
    for name in [
        "baton_http_requests_total",
        "baton_http_request_duration_seconds_bucket",
        "baton_engine_step_seconds_count",
        "baton_outbox_pending",
        "baton_slo_evaluation_seconds_count",
    ] {
        assert!(text.contains(name), "/metrics has no {name}:\n{text}");
    }
}

/// `baton alert list|show` for people: times in UTC, named, or in the zone `--tz` names;
/// `alert show`'s JSON (its default) keeps RFC 3339 UTC.
#[tokio::test]
async fn alerts_at_the_terminal_show_their_times_named_in_utc_or_in_the_zone_asked_for() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (_, url) = integration(&app, &noor, "generic", "ci").await;
    let event =
        json!({"dedup_key": "nightly-e2e", "status": "firing", "summary": "nightly e2e failed", "severity": "warning"});
    let (status, answer) = app.post(&url, None, event).await;
    assert_eq!(status, 200, "{answer}");
    let cli = |args: &[&str]| {
        let out = app.baton_cli(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "baton {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout
    };

    let list = cli(&["alert", "list"]);
    let row = list.lines().find(|l| l.starts_with("streamhub/nightly-e2e")).unwrap_or_else(|| panic!("{list}"));
    assert!(row.contains("2026-03-02 09:00 UTC"), "opened, in UTC named: {list}");
    let list = cli(&["alert", "list", "--tz", "America/Sao_Paulo"]);
    assert!(list.contains("2026-03-02 06:00 America/Sao_Paulo"), "{list}");

    let shown = cli(&["alert", "show", "streamhub", "nightly-e2e", "--output", "table", "--tz", "Asia/Kolkata"]);
    assert!(shown.contains("opened 2026-03-02 14:30 Asia/Kolkata"), "{shown}");
    assert!(shown.lines().any(|l| l.trim_start().starts_with("2026-03-02 14:30 Asia/Kolkata")), "history: {shown}");
    assert!(!shown.contains("2026-03-02T09:00:00Z"), "no raw instants for people: {shown}");

    let json: Value =
        serde_json::from_str(&cli(&["alert", "show", "streamhub", "nightly-e2e", "--tz", "Asia/Kolkata"])).unwrap();
    assert_eq!(json["opened_at"], "2026-03-02T09:00:00Z", "JSON stays RFC 3339 UTC: {json}");
}

/// "My work" for scripts and terminals: `GET /api/v1/me/work` and `baton work --as`, the
/// same list the dashboard shows; an acknowledged alert leaves it.
#[tokio::test]
async fn the_work_list_is_in_the_api_and_at_the_terminal() {
    let app = spawn_app().await;
    let noor = app.token("noor.castellano").await;
    let (_, url) = integration(&app, &noor, "alertmanager", "alertmanager").await;
    app.post(&url, None, am_payload(json!([am_alert("mw01", "firing", "critical")]))).await;
    let get = |token: Option<String>| {
        let mut req = app.client.get(format!("{}/api/v1/me/work", app.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, work) = get(Some(noor.clone())).await;
    assert_eq!(status, 200, "{work}");
    assert_eq!(work["person"], "noor.castellano");
    let keys: Vec<&str> = work["alerts"].as_array().unwrap().iter().map(|a| a["dedup_key"].as_str().unwrap()).collect();
    assert!(keys.contains(&"mw01"), "{work}");
    assert_eq!(get(None).await.0, 401);
    let (status, body) = get(Some(app.token("admin").await)).await;
    assert_eq!(status, 403, "{body}");

    let out = app.baton_cli(&["work", "--as", "noor.castellano"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with("What waits on Noor Castellano (noor.castellano)"), "{text}");
    assert!(text.contains("baton alert ack streamhub mw01 --as noor.castellano"), "{text}");
    let unknown = app.baton_cli(&["work", "--as", "no.one"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--as: no person `no.one` is defined"));

    let service = baton_core::ServiceId::parse("streamhub").unwrap();
    let noor_id = baton_core::PersonId::parse("noor.castellano").unwrap();
    app.baton.respond_to_alert(&noor_id, &service, "mw01", false).await.unwrap();
    let (_, work) = get(Some(noor)).await;
    assert!(!work["alerts"].as_array().unwrap().iter().any(|a| a["dedup_key"] == "mw01"), "acknowledged: {work}");
}
