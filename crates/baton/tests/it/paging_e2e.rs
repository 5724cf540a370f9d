//! The paging story end to end with real parts: a real Prometheus scrapes a gauge the test
//! flips, its rule fires, a real Alertmanager sends the alert to Baton's intake, and
//! Baton's sender delivers the page to an HTTP receiver the test runs, which records it.
//! All of it on loopback ports.
//!
//! Baton runs in-process (its clock in the test's hands, so escalation delays pass at
//! once); Prometheus and Alertmanager are Debian's binaries (`apt-get install prometheus
//! prometheus-alertmanager`), killed when the test ends.

use crate::paging_support::{free_port, org_copy, Proc, Receiver, Seen};
use crate::support::{spawn_app, TestApp};
use baton_core::Viability;
use baton_notify::{Sender, SenderConfig};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// Alertmanager's first webhook can take a while after start (see DESIGN.md); generous.
const WAIT: Duration = Duration::from_secs(90);
const RUNBOOK: &str = "https://runbooks.example.com/streamhub/broken";

/// Prometheus scraping `target` every second, with one alerting rule on its gauge, and
/// sending to the Alertmanager at `alertmanager` (`host:port`).
async fn start_prometheus(dir: &Path, target: &str, alertmanager: &str) -> Proc {
    let rules = format!(
        "groups:\n  - name: streamhub\n    rules:\n      - alert: StreamhubBroken\n        expr: streamhub_broken > 0\n\
         \x20       labels:\n          severity: critical\n        annotations:\n          summary: streamhub is broken\n\
         \x20         runbook_url: {RUNBOOK}\n"
    );
    std::fs::write(dir.join("rules.yml"), rules).unwrap();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n\
         alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{alertmanager}']\n\
         scrape_configs:\n  - job_name: streamhub\n    static_configs:\n      - targets: ['{target}']\n"
    );
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let port = free_port();
    let mut command = Command::new("prometheus");
    command
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        // Re-send firing and resolved alerts every second, not every minute.
        .arg("--rules.alert.resend-delay=1s");
    let mut proc = Proc::spawn("prometheus", command, dir.join("prometheus.log"));
    proc.wait_ready(&format!("http://127.0.0.1:{port}/-/ready"), Duration::from_secs(30)).await;
    proc
}

/// Alertmanager with one webhook receiver (`webhook`), grouping and re-sending within a
/// second, telling about resolved alerts too. Returns it and its `host:port`.
async fn start_alertmanager(dir: &Path, webhook: &str) -> (Proc, String) {
    let config = format!(
        "route:\n  receiver: baton\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
         receivers:\n  - name: baton\n    webhook_configs:\n      - url: '{webhook}'\n        send_resolved: true\n"
    );
    std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
    let port = free_port();
    let mut command = Command::new("prometheus-alertmanager");
    command
        .arg(format!("--config.file={}", dir.join("alertmanager.yml").display()))
        .arg(format!("--storage.path={}", dir.join("alertmanager").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        // Empty: no cluster, so no gossip to wait for and nothing listening beyond the web port.
        .arg("--cluster.listen-address=");
    let mut proc = Proc::spawn("alertmanager", command, dir.join("alertmanager.log"));
    proc.wait_ready(&format!("http://127.0.0.1:{port}/-/ready"), Duration::from_secs(30)).await;
    (proc, format!("127.0.0.1:{port}"))
}

/// Walks streamhub from draft to sre-owned through the API, with `sre_team` assigned.
async fn hand_over(app: &TestApp, lead: &str, sre_team: &str) {
    let owner = app.token("noor.castellano").await;
    let architect = app.token("helga.marchetti").await;
    let lead = app.token(lead).await;
    let sre = app.token(app.org.teams[&baton_core::TeamId::parse(sre_team).unwrap()].members[0].as_str()).await;
    let svc = "/api/v1/services/streamhub";
    let ok = |(status, body): (u16, Value), step: &str| assert_eq!(status, 200, "{step}: {body}");
    ok(app.post(&format!("{svc}/propose"), Some(&owner), json!({})).await, "propose");
    ok(
        app.post(&format!("{svc}/accept"), Some(&architect), json!({"priority": "p1", "reason": "core"})).await,
        "accept",
    );
    let assign = json!({"sre_team": sre_team, "scope": "alerts, runbooks"});
    ok(app.post(&format!("{svc}/assign"), Some(&lead), assign).await, "assign");
    for item in &app.org.checklist {
        let token = match &item.required_by {
            None => sre.clone(),
            Some(team) => app.token(app.org.teams[team].members[0].as_str()).await,
        };
        let evidence =
            json!({"evidence": format!("https://git.example.com/streamhub/merge_requests/{}", item.position)});
        ok(app.post(&format!("{svc}/checklist/{}/complete", item.id), Some(&token), evidence).await, item.id.as_str());
    }
    let start = app.now();
    app.days_later(8);
    let soak = json!({"started_at": start, "ended_at": app.now(), "link": "https://ci.example.com/soak/1"});
    ok(app.post(&format!("{svc}/soak"), Some(&sre), soak).await, "soak");
    crate::support::pass_promote_to_prod(app, "streamhub").await;
    let deploy = json!({"link": "https://deploy.example.com/streamhub/42"});
    ok(app.post(&format!("{svc}/production"), Some(&owner), deploy).await, "production");
    app.days_later(29);
    let review = json!({"slos_met": true, "evidence": "https://docs.example.com/streamhub/slo-review"});
    ok(app.post(&format!("{svc}/review"), Some(&sre), review).await, "review");
    *app.verdict.0.lock().unwrap() = Viability::Met { evidence: "availability 99.93% over 28d".into() };
    let (status, body) = app.post(&format!("{svc}/handover"), Some(&sre), json!({"reason": "SLOs met"})).await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("sre-owned")), "{body}");
}

fn pages_to<'a>(seen: &'a [Seen], person: &str) -> Vec<&'a Seen> {
    seen.iter().filter(|s| s.kind() == "page" && s.to() == person).collect()
}

#[tokio::test]
async fn a_prometheus_rule_pages_the_right_person_through_alertmanager_and_baton() {
    let receiver = Receiver::start().await;
    let app = spawn_app().await;
    // Every policy's channels now lead to the receiver.
    let org_dir = org_copy(&receiver.base, &[]);
    let org = baton_config::load(org_dir.path()).org.expect("the rewritten organisation loads");
    app.baton.apply(&org, "test").await.unwrap();
    let sender = Sender::new(
        app.baton.store().clone(),
        app.clock.clone(),
        SenderConfig { worker: "e2e".into(), outbound: baton_notify::Outbound::LOOPBACK, ..SenderConfig::default() },
    )
    .unwrap();
    app.baton.queue_for_sender(sender.queue());
    tokio::spawn(Arc::new(sender).run(app.baton.outbox_wake(), std::future::pending()));

    let noor = app.token("noor.castellano").await;
    let (status, created) = app
        .post(
            "/api/v1/integrations",
            Some(&noor),
            json!({"service": "streamhub", "name": "am", "format": "alertmanager"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let webhook = format!("{}{}", app.url, created["url"].as_str().unwrap());

    let dir = tempfile::tempdir().unwrap();
    let (alertmanager, am_addr) = start_alertmanager(dir.path(), &webhook).await;
    receiver.set_broken(1);
    let started = std::time::Instant::now();
    let prometheus = start_prometheus(dir.path(), receiver.target(), &am_addr).await;
    let logs = || format!("{}\n{}", prometheus.log(), alertmanager.log());

    // Streamhub is in draft: its owner team's policy pages its lead, noor.castellano.
    receiver
        .wait_until(WAIT, "the page to noor.castellano", |seen| !pages_to(seen, "noor.castellano").is_empty(), logs)
        .await;
    let page = receiver.of_kind("page").remove(0);
    println!("the first page arrived {:?} after Prometheus was started", page.at - started);
    assert_eq!(page.to(), "noor.castellano");
    assert_eq!(page.path, "/hooks/streamhub-dev");
    assert!(page.text().contains("policy streamhub-dev-page"), "{}", page.body);
    assert!(page.text().contains("in stage draft"), "{}", page.body);
    assert_eq!(page.body["severity"], "critical");
    assert!(page.body["links"].as_array().unwrap().iter().any(|l| l["url"] == RUNBOOK), "{}", page.body);
    let fingerprint = page.dedup_key().to_owned();
    let alert_path = format!("/api/v1/alerts/streamhub/{fingerprint}");
    let (_, alert) = app.get(&alert_path).await;
    assert_eq!(alert["policy"], "streamhub-dev-page", "{alert}");
    assert_eq!(alert["summary"], "streamhub is broken");
    assert_eq!(alert["runbook_missing"], false);
    assert_eq!(alert["details"]["labels"]["alertname"], "StreamhubBroken");

    // Noor acknowledges: past the step's 15 minutes the engine pages nobody else.
    let (status, acked) = app.post(&format!("{alert_path}/ack"), Some(&noor), json!({})).await;
    assert_eq!((status, acked["status"].as_str()), (200, Some("acknowledged")), "{acked}");
    app.clock.advance(jiff::SignedDuration::from_mins(16));
    let step = app.baton.engine_step().await.unwrap();
    assert!(step.failed.is_empty(), "{step:?}");
    receiver
        .wait_until(WAIT, "the acknowledgement", |seen| seen.iter().any(|s| s.action() == "acknowledge"), logs)
        .await;
    let everything = baton_store::NotificationQuery { limit: 1000, ..Default::default() };
    let queued = app.baton.store().notifications(&everything).await.unwrap();
    let pages = queued.iter().filter(|n| n.payload.contains(r#""kind":"page""#)).count();
    assert_eq!(pages, 1, "no page after the acknowledgement");

    // Streamhub recovers: Prometheus resolves, Alertmanager tells Baton, Baton the receiver.
    receiver.set_broken(0);
    let recovered = std::time::Instant::now();
    receiver.wait_until(WAIT, "the resolve update", |seen| seen.iter().any(|s| s.action() == "resolve"), logs).await;
    println!("the resolve update arrived {:?} after the gauge went to 0", recovered.elapsed());
    let (_, alert) = app.get(&alert_path).await;
    assert_eq!(alert["status"], "resolved", "{alert}");
    assert_eq!(alert["resolved"]["by"], "source", "resolved by Alertmanager: {alert}");
    assert_eq!(pages_to(&receiver.seen(), "noor.castellano").len(), 1);

    // Handed over to platform-sre: the same alert firing again is a new alert, and a
    // critical one now pages whoever holds platform-sre's weekly pager (its 24x7 policy).
    hand_over(&app, "marta.oyelaran", "platform-sre").await;
    let (_, oncall) = app.get("/api/v1/rotations/platform-sre/oncall").await;
    let on_call = oncall["person"]["id"].as_str().expect("someone is on call").to_owned();
    let before = receiver.count();
    receiver.set_broken(1);
    let page_to_sre = |seen: &[Seen]| seen[before..].iter().any(|s| s.kind() == "page" && s.to() == on_call);
    receiver.wait_until(WAIT, &format!("the page to {on_call}"), page_to_sre, logs).await;
    let page = receiver.seen().into_iter().skip(before).find(|s| s.kind() == "page").unwrap();
    assert_eq!((page.to(), page.path.as_str()), (on_call.as_str(), "/hooks/platform-sre"));
    assert!(page.text().contains("policy platform-sre-24x7"), "{}", page.body);
    assert!(page.text().contains("sre-owned and the alert is critical"), "{}", page.body);
    assert_eq!(page.dedup_key(), fingerprint, "the same alert, a new incarnation");
    assert_ne!(page.idempotency_key, receiver.of_kind("page")[0].idempotency_key);
    let (_, alert) = app.get(&alert_path).await;
    assert_eq!((alert["policy"].as_str(), alert["status"].as_str()), (Some("platform-sre-24x7"), Some("triggered")));

    // Nobody acknowledges: after the step's 10 minutes the daytime rotation is paged.
    app.clock.advance(jiff::SignedDuration::from_mins(10));
    let (_, daytime) = app.get("/api/v1/rotations/platform-sre-daytime/oncall").await;
    let second = daytime["person"]["id"].as_str().unwrap().to_owned();
    let at = receiver.count();
    app.baton.engine_step().await.unwrap();
    receiver
        .wait_until(
            WAIT,
            &format!("step 2's page to {second}"),
            |seen| seen[at..].iter().any(|s| s.kind() == "page" && s.to() == second),
            logs,
        )
        .await;
    drop((prometheus, alertmanager));
}
