//! SLO governance end to end: the RACI chart resolved to people over the API and the CLI,
//! the roadmap proposed and agreed only by whom the chart names, a report across a change
//! of objective, aspirational SLOs left out of the verdict, and SLO events reaching a real
//! HTTP receiver through the outbox, routed by the chart.

use crate::support::{spawn_app, TestApp};
use axum::extract::State;
use axum::http::Uri;
use baton_app::{SampleIn, SloViability, ViabilitySource};
use baton_core::paging::Channel;
use baton_core::pipeline::ServiceRecord;
use baton_core::slo::{Measured, Objective, ObjectiveChange};
use baton_core::{Link, Org, PersonId, ServiceId, SloId, Timestamp, Viability};
use baton_notify::{Sender, SenderConfig};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

fn pid(s: &str) -> PersonId {
    PersonId::parse(s).unwrap()
}
fn slo_id(s: &str) -> SloId {
    SloId::parse(s).unwrap()
}
fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}
fn hours(h: i64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_hours(h)
}

async fn samples(app: &TestApp, slo: &str, batch: Vec<SampleIn>) {
    let report = app.baton.ingest_samples(&slo_id(slo), &pid("noor.castellano"), &batch).await.unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
}

fn sample(at: Timestamp, good: i64, total: i64) -> SampleIn {
    SampleIn { at, good, total }
}

/// The example organisation, changed by `change`, applied over the running app.
async fn reapply(app: &TestApp, change: impl FnOnce(&mut Org)) -> Org {
    let mut org = app.org.clone();
    change(&mut org);
    app.baton.apply(&org, "test").await.unwrap();
    org
}

#[tokio::test]
async fn the_chart_is_resolved_to_people_over_the_api_and_the_cli() {
    let app = spawn_app().await;
    let (status, raci) = app.get("/api/v1/services/streamhub/raci").await;
    assert_eq!(status, 200, "{raci}");
    let persona = |id: &str| raci["personas"].as_array().unwrap().iter().find(|p| p["persona"] == id).unwrap().clone();
    assert_eq!(persona("service-owner")["people"], json!(["noor.castellano"]), "the owner team's lead");
    assert_eq!(persona("product-owner")["assignees"], json!([{"team": "addon-pm"}]), "the Personas default");
    assert_eq!(persona("engineering-manager")["people"], json!(["rosa.kimathi"]));
    assert_eq!(persona("sre-ic")["people"], json!([]), "no SRE team yet");
    assert_eq!(persona("sre-ic")["note"], "no SRE team is assigned to the service yet");
    let budget = raci["steps"].as_array().unwrap().iter().find(|s| s["id"] == "handle-error-budget").unwrap();
    let product_owner = budget["cells"].as_array().unwrap().iter().find(|c| c["persona"] == "product-owner").unwrap();
    assert_eq!(product_owner["letters"], "A");
    let (_, tenant) = app.get("/api/v1/services/tenant-insights/raci").await;
    let po = tenant["personas"].as_array().unwrap().iter().find(|p| p["persona"] == "product-owner").unwrap().clone();
    assert_eq!(
        (po["assignees"].clone(), po["source"]["kind"].clone()),
        (json!([{"team": "platform-pm"}]), json!("service"))
    );
    assert_eq!(app.get("/api/v1/services/no-such/raci").await.0, 404);

    let out = app.baton_cli(&["raci", "streamhub"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let row =
        text.lines().find(|l| l.contains("Handle Error Budget") && l.contains("product-owner")).unwrap_or_default();
    assert!(row.contains(" A ") && row.contains("team addon-pm"), "{text}");
    assert!(text.contains("SRE IC (sre-ic): nobody"), "{text}");
}

#[tokio::test]
async fn roadmap_items_are_proposed_and_agreed_only_by_whom_the_chart_names() {
    let app = spawn_app().await;
    let item = json!({"slo": "streamhub-availability", "change": "raise availability to 99.95%", "objective": 0.9995, "owner": "felix.adeyemi", "due": "2026-06-30"});
    let felix = app.token("felix.adeyemi").await;
    let (status, refused) = app.post("/api/v1/services/streamhub/roadmap", Some(&felix), item.clone()).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(
        refused["error"]["message"],
        "felix.adeyemi may not propose roadmap items of streamhub: the RACI chart's step `propose-roadmap` makes Responsible or Accountable engineering-lead (noor.castellano)"
    );
    let noor = app.token("noor.castellano").await;
    let late = json!({"change": "x", "owner": "felix.adeyemi", "due": "2026-01-01"});
    let (status, body) = app.post("/api/v1/services/streamhub/roadmap", Some(&noor), late).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("due")), "{body}");
    let (status, proposed) = app.post("/api/v1/services/streamhub/roadmap", Some(&noor), item).await;
    assert_eq!(status, 201, "{proposed}");
    assert_eq!((proposed["number"].as_u64(), proposed["agreed"].clone()), (Some(1), Value::Null));

    // agree-roadmap: service owner A/R, product owners R, engineering manager R; engineers C.
    let (status, body) = app.post("/api/v1/services/streamhub/roadmap/1/agree", Some(&felix), json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("product-owner (team addon-pm)"), "{body}");
    let farah = app.token("farah.lindholm").await;
    let (status, agreed) = app.post("/api/v1/services/streamhub/roadmap/1/agree", Some(&farah), json!({})).await;
    assert_eq!(status, 200, "{agreed}");
    assert_eq!(agreed["agreed"]["by"], "farah.lindholm");
    assert_eq!(app.post("/api/v1/services/streamhub/roadmap/9/agree", Some(&farah), json!({})).await.0, 404);

    let (_, list) = app.get("/api/v1/services/streamhub/roadmap").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let audit = app.baton.history("roadmap/streamhub/1", 10).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(actions, ["slo.roadmap.agree", "slo.roadmap.propose"], "both steps are audited, newest first");
    // The proposal asked those who agree (addon-pm as product owners); the agreement those
    // who execute (streamhub-dev's engineers and lead).
    let queued = app
        .baton
        .store()
        .notifications(&baton_store::NotificationQuery {
            subject_prefix: Some("roadmap/streamhub/1".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let keys: Vec<&str> = queued.iter().map(|n| n.key.split('@').next().unwrap()).collect();
    assert!(keys.contains(&"roadmap/streamhub/1/proposed/addon-pm/act"), "{keys:?}");
    assert!(keys.contains(&"roadmap/streamhub/1/agreed/streamhub-dev/act"), "{keys:?}");
}

#[tokio::test]
async fn a_report_across_a_change_of_objective_judges_each_part_by_its_own() {
    let app = spawn_app().await; // now: 2026-03-02T09:00Z
    reapply(&app, |org| {
        let slo = org.slos.get_mut(&slo_id("streamhub-availability")).unwrap();
        slo.objective = Objective::parse("0.995").unwrap();
        slo.lifecycle.history = vec![
            ObjectiveChange { from: t("2026-01-01T00:00:00Z"), objective: Objective::parse("0.99").unwrap() },
            ObjectiveChange { from: t("2026-03-01T12:00:00Z"), objective: Objective::parse("0.995").unwrap() },
        ];
    })
    .await;
    // Before the change 1000 requests at 99%: 10 bad allowed, 12 failed. After it 3000 at
    // 99.5%: 15 allowed, 10 failed. Over the window: 25 allowed, 22 spent, 12% left, met.
    // Judged against 99.5% throughout, 20 would be allowed: overspent, not met.
    samples(&app, "streamhub-availability", vec![sample(t("2026-03-01T00:00:00Z"), 988, 1000)]).await;
    samples(&app, "streamhub-availability", vec![sample(t("2026-03-02T00:00:00Z"), 2990, 3000)]).await;
    let r = app.baton.slo_report(&slo_id("streamhub-availability"), None).await.unwrap();
    let budget = r.budget.value().unwrap();
    assert!((budget.allowed - 25.0).abs() < 1e-6 && budget.spent == 22.0, "{budget:?}");
    assert!((budget.remaining - 0.12).abs() < 1e-6, "{budget:?}");
    assert_eq!(r.met, Measured::Value(true));
    let parts: Vec<(String, f64)> = r
        .objectives
        .iter()
        .map(|p| (p.objective.to_string(), p.budget.value().map_or(f64::NAN, |b| (b.remaining * 100.0).round())))
        .collect();
    assert_eq!(parts, [("0.99".to_owned(), -20.0), ("0.995".to_owned(), 33.0)], "each part against its own objective");
    assert_eq!(r.objectives[1].window.start(), t("2026-03-01T12:00:00Z"));
}

#[tokio::test]
async fn an_aspirational_slo_is_reported_but_never_decides_the_verdict() {
    let app = spawn_app().await;
    let now = app.now();
    let from = now.checked_sub(hours(28 * 24)).unwrap();
    // Every day of the window: availability perfect, publish latency all bad minutes.
    for day in 0..28 {
        let at = from.checked_add(hours(24 * day + 1)).unwrap();
        samples(&app, "streamhub-availability", vec![sample(at, 1000, 1000)]).await;
        samples(&app, "streamhub-publish-latency", vec![sample(at, 0, 10)]).await;
    }
    let engine = SloViability { baton: Arc::downgrade(&app.baton) };
    let streamhub = ServiceId::parse("streamhub").unwrap();
    let verdict = |org: Org| {
        let engine = &engine;
        let def = org.services[&streamhub].clone();
        async move { engine.viability(&def, &ServiceRecord::default(), from, now).await.unwrap() }
    };
    let binding = verdict(app.org.clone()).await;
    assert!(
        matches!(&binding, Viability::NotMet { reason } if reason.contains("streamhub-publish-latency")),
        "judged, the latency SLO holds the service back: {binding:?}"
    );
    let org = reapply(&app, |org| {
        org.slos.get_mut(&slo_id("streamhub-publish-latency")).unwrap().lifecycle.aspirational = true;
    })
    .await;
    let Viability::Met { evidence } = verdict(org).await else { panic!("aspirational, it no longer decides") };
    assert!(evidence.starts_with("SLOs met: streamhub-availability: 100%"), "{evidence}");
    assert!(evidence.ends_with("(aspirational, not judged: streamhub-publish-latency)"), "{evidence}");
    let report = app.baton.slo_report(&slo_id("streamhub-publish-latency"), None).await.unwrap();
    assert_eq!(report.met, Measured::Value(false), "still reported as it is");
}

/// Every request the receiver got: (path, JSON body).
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

async fn receiver() -> (String, Seen) {
    async fn record(State(seen): State<Seen>, uri: Uri, body: axum::body::Bytes) -> &'static str {
        seen.lock().unwrap().push((uri.path().to_owned(), serde_json::from_slice(&body).unwrap_or(Value::Null)));
        "ok"
    }
    let seen: Seen = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(record).with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (base, seen)
}

#[tokio::test]
async fn slo_events_reach_the_people_the_chart_names_once() {
    let (base, seen) = receiver().await;
    let app = spawn_app().await;
    // A copy of the organisation whose every escalation channel leads to the receiver.
    reapply(&app, |org| {
        for policy in org.escalations.values_mut() {
            let url = Link::parse(&format!("{base}/hooks/{}", policy.team)).unwrap();
            policy.channels = vec![Channel::Webhook { url: url.into(), delivery: Default::default() }];
        }
    })
    .await;
    let sender = Sender::new(
        app.baton.store().clone(),
        app.clock.clone(),
        SenderConfig { worker: "t".into(), outbound: baton_notify::Outbound::LOOPBACK, ..Default::default() },
    )
    .unwrap();

    // Half of 1000 publishes fail: the 0.1% error budget is spent many times over.
    let at = app.now().checked_sub(jiff::SignedDuration::from_mins(10)).unwrap();
    samples(&app, "streamhub-availability", vec![sample(at, 500, 1000)]).await;
    let step = app.baton.engine_step().await.unwrap();
    assert!(step.failed.is_empty(), "{step:?}");
    sender.step().await.unwrap();
    // The burning SLO also pages its owner team, through the alert life (one critical alert).
    let all = seen.lock().unwrap().clone();
    let pages: Vec<&Value> = all.iter().map(|(_, b)| b).filter(|b| b["kind"] == "page").collect();
    assert!(pages.iter().all(|b| b["subject"] == "alert/streamhub/slo/streamhub-availability/page"), "{pages:#?}");
    assert!(pages.iter().any(|b| b["to"] == json!(["noor.castellano"])), "{all:#?}");
    // The planning notices of the RACI chart are what this test is about.
    let raci = |seen: &[(String, Value)]| -> Vec<(String, Value)> {
        seen.iter().filter(|(_, b)| b["subject"].as_str().is_some_and(|s| s.starts_with("slo/"))).cloned().collect()
    };
    let got = raci(&all);
    let to = |path: &str| got.iter().filter(|(p, _)| p == path).map(|(_, b)| b.clone()).collect::<Vec<_>>();
    // handle-error-budget: product owners (addon-pm) A, engineering lead (noor) R, the
    // engineering manager (rosa) R; the executive (viktor) I; the error-budget policy's
    // teams for `exhausted` are told too. Consulted people hear nothing.
    let pm = to("/hooks/addon-pm");
    assert_eq!(pm.len(), 1, "{got:#?}");
    assert_eq!((pm[0]["kind"].as_str(), pm[0]["to"].clone()), (Some("reminder"), json!([])));
    assert_eq!(pm[0]["title"], "SLO streamhub-availability of streamhub: error budget exhausted");
    assert!(pm[0]["text"]
        .as_str()
        .unwrap()
        .contains("product-owner Responsible or Accountable for \"Handle Error Budget\""));
    let dev = to("/hooks/streamhub-dev");
    assert_eq!(
        (dev.len(), dev[0]["kind"].as_str(), dev[0]["to"].clone()),
        (1, Some("reminder"), json!(["noor.castellano"]))
    );
    let leaders = to("/hooks/engineering-leadership");
    let mut kinds: Vec<(String, Value)> =
        leaders.iter().map(|b| (b["kind"].as_str().unwrap().to_owned(), b["to"].clone())).collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        kinds,
        [("info".to_owned(), json!(["viktor.halvorsen"])), ("reminder".to_owned(), json!(["rosa.kimathi"]))]
    );
    assert_eq!(
        to("/hooks/addon-sre").first().map(|b| b["kind"].clone()),
        Some(json!("info")),
        "the budget policy's team"
    );
    assert!(got.iter().all(|(_, b)| b["subject"] == "slo/streamhub-availability"), "{got:#?}");

    // Five minutes later the budget is still spent: nothing new is queued or sent.
    let before = got.len();
    app.clock.advance(jiff::SignedDuration::from_mins(5));
    let step = app.baton.engine_step().await.unwrap();
    assert!(step.failed.is_empty() && step.handled >= 1, "{step:?}");
    sender.step().await.unwrap();
    assert_eq!(raci(&seen.lock().unwrap()).len(), before, "each event is told once");

    // An apply that changes the objective: measure-and-track's people hear of it.
    reapply(&app, |org| {
        for policy in org.escalations.values_mut() {
            let url = Link::parse(&format!("{base}/hooks/{}", policy.team)).unwrap();
            policy.channels = vec![Channel::Webhook { url: url.into(), delivery: Default::default() }];
        }
        org.slos.get_mut(&slo_id("streamhub-availability")).unwrap().objective = Objective::parse("0.99").unwrap();
    })
    .await;
    app.baton.engine_step().await.unwrap();
    sender.step().await.unwrap();
    let got = raci(&seen.lock().unwrap());
    let changed: Vec<&Value> = got[before..]
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["title"].as_str().unwrap().contains("objective 99.9% → 99%"))
        .collect();
    // measure-and-track: engineering lead R (noor, streamhub-dev); everyone else I.
    assert!(changed.iter().any(|b| b["kind"] == "reminder" && b["to"] == json!(["noor.castellano"])), "{got:#?}");
    assert!(changed.iter().any(|b| b["kind"] == "info"), "{got:#?}");
}
