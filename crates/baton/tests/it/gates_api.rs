//! Production gates through the HTTP API against the example organisation: each gate's
//! verdict per requirement, votes counted by distinct people, a −1 blocking until
//! withdrawn, approvals expiring and invalidated by a new version, JUnit reports, waivers
//! expiring, "passes on its own", passing a gate (audited), `promote-to-prod` as a
//! condition of production, reduced assurance, and installs held to capacity and velocity.

use crate::support::{drive, spawn_app, unmet_codes, TestApp};
use baton_core::pipeline::Stage;
use serde_json::{json, Value};

const SVC: &str = "/api/v1/services/streamhub";
const OWNER: &str = "noor.castellano"; // streamhub-dev
const SRE: &str = "beatriz.nakamura"; // addon-sre, assigned to streamhub by `drive`
const SRE_LEAD: &str = "aoife.delacroix"; // addon-sre
const TENANTS: &str = "olga.baptiste"; // tenants-sre
const TENANTS_TOO: &str = "kwame.sato"; // tenants-sre
const BOTH: &str = "cian.moreau"; // addon-sre and tenants-sre
const PLATFORM: &str = "jonas.achterberg"; // platform-sre
const OUTSIDER: &str = "leila.fontaine"; // inkwell-dev

const PASSING_JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" failures="0" errors="0">
  <testsuite name="addon-install" tests="3" failures="0" errors="0">
    <testcase name="installs"/><testcase name="upgrades"/><testcase name="uninstalls"/>
  </testsuite>
</testsuites>"#;

const FAILING_JUNIT: &str = r#"<testsuite name="addon-install" tests="2" failures="1" errors="0">
  <testcase name="installs"/>
  <testcase name="upgrades"><failure message="timed out after 600s"/></testcase>
</testsuite>"#;

async fn gate(app: &TestApp, gate: &str) -> Value {
    let (status, body) = app.get(&format!("{SVC}/gates/{gate}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The verdict on requirement `id` of a gate as the API shows it.
fn req<'a>(gate: &'a Value, id: &str) -> &'a Value {
    gate["verdict"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no requirement {id} in {gate}"))
}

fn status_of(gate: &Value, id: &str) -> String {
    req(gate, id)["status"]["status"].as_str().unwrap().to_owned()
}

async fn vote(app: &TestApp, who: &str, gate: &str, team: &str, sign: &str) -> (u16, Value) {
    let body = json!({"team": team, "vote": sign, "comment": format!("{sign} from {who}"), "evidence": "https://git.example.com/streamhub/merge_requests/77"});
    app.post(&format!("{SVC}/gates/{gate}/votes"), Some(&app.token(who).await), body).await
}

async fn post_xml(app: &TestApp, path: &str, who: &str, xml: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(format!("{}{path}", app.url))
        .bearer_auth(app.token(who).await)
        .header("content-type", "application/xml")
        .body(xml.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn deploy(app: &TestApp, version: &str) {
    let (status, body) = app
        .post(&format!("{SVC}/environments/stage/deploy"), Some(&app.token(OWNER).await), json!({"version": version}))
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The checklist done and a passing soak test of 8 days, through the API.
async fn ready_for_production(app: &TestApp) {
    let sre = app.token(SRE).await;
    for item in app.org.checklist.clone() {
        let who = match &item.required_by {
            None => sre.clone(),
            Some(team) => app.token(app.org.teams[team].members[0].as_str()).await,
        };
        let path = format!("{SVC}/checklist/{}/complete", item.id);
        let (status, body) = app.post(&path, Some(&who), json!({"evidence": "https://git.example.com/mr/1"})).await;
        assert_eq!(status, 200, "{body}");
    }
    let start = app.now();
    app.days_later(8);
    let soak = json!({"started_at": start, "ended_at": app.now(), "link": "https://ci.example.com/soak/1"});
    assert_eq!(app.post(&format!("{SVC}/soak"), Some(&sre), soak).await.0, 200);
}

/// One sample a day for each of streamhub's SLOs, for the `days` days before now.
async fn sli_days(app: &TestApp, days: i64) {
    let owner = app.token(OWNER).await;
    for slo in ["streamhub-availability", "streamhub-publish-latency"] {
        let samples: Vec<Value> = (0..days)
            .map(|d| {
                let at = app.now().checked_sub(jiff::SignedDuration::from_mins(d * 1440 + 5)).unwrap();
                json!({"at": at, "good": 1000, "total": 1000})
            })
            .collect();
        let (status, body) =
            app.post(&format!("/api/v1/slos/{slo}/samples"), Some(&owner), json!({"samples": samples})).await;
        assert_eq!(status, 200, "{body}");
    }
}

#[tokio::test]
async fn one_person_in_two_teams_counts_for_one_of_them() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    // cian.moreau is in addon-sre (the assigned SRE team) and in tenants-sre.
    assert_eq!(vote(&app, BOTH, "customer-release", "addon-sre", "plus").await.0, 201);
    assert_eq!(vote(&app, BOTH, "customer-release", "tenants-sre", "plus").await.0, 201);
    let g = gate(&app, "customer-release").await;
    let (sre, tenants) = (status_of(&g, "approval:sre"), status_of(&g, "approval:tenants-sre"));
    assert_eq!([sre.as_str(), tenants.as_str()].iter().filter(|s| **s == "met").count(), 1, "{g}");
    let unmet = if sre == "met" { "approval:tenants-sre" } else { "approval:sre" };
    let reason = req(&g, unmet)["reason"].as_str().unwrap();
    assert!(reason.contains("cian.moreau already counts for") && reason.contains("one person counts once"), "{reason}");
    // A second person of tenants-sre fills the other requirement: both are met.
    assert_eq!(vote(&app, TENANTS, "customer-release", "tenants-sre", "plus").await.0, 201);
    let g = gate(&app, "customer-release").await;
    assert_eq!((status_of(&g, "approval:sre"), status_of(&g, "approval:tenants-sre")), ("met".into(), "met".into()));
}

#[tokio::test]
async fn a_minus_one_blocks_until_its_voter_withdraws_it() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    let (status, minus) = vote(&app, TENANTS, "promote-to-prod", "tenants-sre", "minus").await;
    assert_eq!(status, 201, "{minus}");
    assert_eq!(vote(&app, TENANTS_TOO, "promote-to-prod", "tenants-sre", "plus").await.0, 201);
    let g = gate(&app, "promote-to-prod").await;
    let r = req(&g, "approval:tenants-sre");
    assert_eq!(r["status"]["status"], "unmet");
    assert!(r["reason"].as_str().unwrap().contains("a −1 blocks until it is withdrawn"), "{r}");
    assert_eq!(r["who_can_act"], json!([TENANTS]));

    let withdraw = format!("{SVC}/gates/promote-to-prod/votes/{}/withdraw", minus["id"].as_str().unwrap());
    let (status, body) = app.post(&withdraw, Some(&app.token(TENANTS_TOO).await), json!({})).await;
    assert_eq!(status, 403, "only the voter withdraws: {body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("only olga.baptiste, who gave it, may"), "{body}");
    let (status, body) = app.post(&withdraw, Some(&app.token(TENANTS).await), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["withdrawn_at"].is_string(), "{body}");
    assert_eq!(status_of(&gate(&app, "promote-to-prod").await, "approval:tenants-sre"), "met");
}

#[tokio::test]
async fn approvals_expire_and_a_new_version_needs_a_new_sign_off() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    deploy(&app, "1.4.0").await;
    assert_eq!(vote(&app, TENANTS, "promote-to-prod", "tenants-sre", "plus").await.0, 201);
    let (status, v) = vote(&app, PLATFORM, "promote-to-prod", "platform-sre", "plus").await;
    assert_eq!((status, v["version"].as_str()), (201, Some("1.4.0")), "given on the current version: {v}");
    let g = gate(&app, "promote-to-prod").await;
    assert_eq!(status_of(&g, "approval:platform-sre"), "met");
    assert!(req(&g, "approval:tenants-sre")["expires_at"].is_string(), "says how long it holds");

    // A new version: platform-sre's sign-off was for the content as it was.
    deploy(&app, "1.5.0").await;
    let g = gate(&app, "promote-to-prod").await;
    let r = req(&g, "approval:platform-sre");
    assert_eq!(r["status"]["status"], "unmet");
    assert!(r["reason"].as_str().unwrap().contains("was given on version 1.4.0; the service is now at 1.5.0"), "{r}");
    assert_eq!(status_of(&g, "approval:tenants-sre"), "met", "tenants-sre's +1 is not tied to a version");

    // Thirty-one days on, tenants-sre's +1 (valid 30 days) has expired.
    app.days_later(31);
    let g = gate(&app, "promote-to-prod").await;
    let r = req(&g, "approval:tenants-sre");
    assert_eq!(r["status"]["status"], "unmet");
    assert!(r["reason"].as_str().unwrap().contains("expired on 2026-04-01"), "{r}");
}

#[tokio::test]
async fn a_junit_report_passes_the_check_only_without_failures_and_only_while_recent() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    let checks = format!("{SVC}/checks?name=e2e&evidence=https://ci.example.com/e2e/981");
    let (status, body) = post_xml(&app, &checks, OWNER, FAILING_JUNIT).await;
    assert_eq!((status, body["passed"].as_bool()), (201, Some(false)), "{body}");
    let r = req(&gate(&app, "promote-to-prod").await, "check:e2e").clone();
    assert_eq!(r["status"]["status"], "unmet");
    assert!(r["reason"].as_str().unwrap().contains("failed: 2 tests, 1 failure, 0 errors"), "{r}");

    let (status, body) = post_xml(&app, &checks, SRE, PASSING_JUNIT).await;
    assert_eq!((status, body["passed"].as_bool()), (201, Some(true)), "{body}");
    let r = req(&gate(&app, "promote-to-prod").await, "check:e2e").clone();
    assert_eq!(r["status"]["status"], "met", "{r}");
    assert!(r["reason"].as_str().unwrap().contains("3 tests, 0 failures, 0 errors (https://ci.example.com/e2e/981)"));

    // The gate allows a result 7 days old.
    app.days_later(8);
    let r = req(&gate(&app, "promote-to-prod").await, "check:e2e").clone();
    assert_eq!(r["status"]["status"], "unmet");
    assert!(r["reason"].as_str().unwrap().contains("a result counts for 7d"), "{r}");

    // Bad input: a report that does not parse, a name no gate asks for, someone else's service.
    let (status, body) = post_xml(&app, &checks, OWNER, "<testsuites tests=\"3\"><testsuite>").await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("line 1"), "names where: {body}");
    let (status, body) = post_xml(&app, &format!("{SVC}/checks?name=e2e"), OWNER, "<html/>").await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("expected <testsuites> or <testsuite>"), "{body}");
    let json_check = json!({"name": "smoke", "passed": true, "summary": "ok"});
    let (status, body) = app.post(&format!("{SVC}/checks"), Some(&app.token(OWNER).await), json_check).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("name")), "{body}");
    let (status, body) = post_xml(&app, &checks, OUTSIDER, PASSING_JUNIT).await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn a_waiver_is_shown_on_the_gate_until_it_expires_and_the_owners_are_told() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    let sre = app.token(SRE).await;
    let waivers = format!("{SVC}/gates/promote-to-prod/waivers");
    let until = app.now().checked_add(jiff::SignedDuration::from_hours(72)).unwrap();

    // Bad input first: no reason, no expiry, an expiry in the past, a requirement the gate lacks.
    let (status, body) = app.post(&waivers, Some(&sre), json!({"requirement": "check:e2e", "expires_at": until})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("reason")), "{body}");
    let (status, body) = app.post(&waivers, Some(&sre), json!({"requirement": "check:e2e", "reason": "r"})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("expires_at")), "{body}");
    let past = app.now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap();
    let (status, body) =
        app.post(&waivers, Some(&sre), json!({"requirement": "check:e2e", "reason": "r", "expires_at": past})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("expires_at")), "{body}");
    let (status, body) =
        app.post(&waivers, Some(&sre), json!({"requirement": "check:smoke", "reason": "r", "expires_at": until})).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("requirement")), "{body}");
    let (status, _) = app
        .post(
            &waivers,
            Some(&app.token(OWNER).await),
            json!({"requirement": "check:e2e", "reason": "r", "expires_at": until}),
        )
        .await;
    assert_eq!(status, 403, "owners do not waive their own gate");

    let reason = "the e2e suite is being moved to the new CI; SRE watched a manual run";
    let (status, body) = app
        .post(&waivers, Some(&sre), json!({"requirement": "check:e2e", "reason": reason, "expires_at": until}))
        .await;
    assert_eq!((status, body["approver_team"].as_str()), (201, Some("addon-sre")), "{body}");
    let g = gate(&app, "promote-to-prod").await;
    let r = req(&g, "check:e2e");
    assert_eq!(r["status"]["status"], "waived");
    assert_eq!((r["status"]["reason"].as_str(), r["status"]["by"].as_str()), (Some(reason), Some(SRE)));
    assert_eq!(g["waivers"][0]["active"], true);
    assert_eq!(g["waivers"][0]["expires_at"].as_str(), Some("2026-03-05T09:00:00Z"));

    app.days_later(4);
    let g = gate(&app, "promote-to-prod").await;
    let r = req(&g, "check:e2e");
    assert_eq!(r["status"]["status"], "unmet", "the gate fails again once the waiver expires");
    assert!(r["reason"].as_str().unwrap().contains("expired on 2026-03-05"), "{r}");
    assert_eq!(g["waivers"][0]["active"], false);

    // The engine tells the owner team, once.
    let step = app.baton.engine_step().await.unwrap();
    assert!(step.handled >= 1 && step.failed.is_empty(), "{step:?}");
    let q = baton_store::NotificationQuery {
        subject_prefix: Some("gate/streamhub".into()),
        limit: 10,
        ..Default::default()
    };
    let sent = app.baton.store().notifications(&q).await.unwrap();
    assert!(!sent.is_empty(), "the owner team's channels get the expiry");
    assert!(
        sent[0].payload.contains("Waiver expired: check:e2e on promote-to-prod for streamhub"),
        "{}",
        sent[0].payload
    );
    app.baton.engine_step().await.unwrap();
    assert_eq!(app.baton.store().notifications(&q).await.unwrap().len(), sent.len(), "told once");
}

#[tokio::test]
async fn slis_accruing_say_when_the_requirement_passes_on_its_own() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    sli_days(&app, 10).await;
    let g = gate(&app, "customer-release").await;
    let r = req(&g, "slis-demonstrated");
    assert_eq!(r["status"]["status"], "unmet");
    assert!(r["reason"].as_str().unwrap().contains("of 28 days of data"), "{r}");
    let eta: jiff::Timestamp = r["passes_on_its_own_at"].as_str().expect("time alone meets it").parse().unwrap();
    let days = eta.duration_since(app.now()).as_hours() / 24;
    assert!((17..=18).contains(&days), "about 18 more days of data: {eta}");
    // Approvals never come on their own, so the gate as a whole has no such date.
    assert!(g["verdict"]["passes_on_its_own_at"].is_null());
    assert!(req(&g, "approval:platform-pm")["passes_on_its_own_at"].is_null());
}

#[tokio::test]
async fn bad_votes_are_refused_with_the_reason() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    // Outside the team: 403 saying who may.
    let (status, body) = vote(&app, OUTSIDER, "promote-to-prod", "tenants-sre", "plus").await;
    assert_eq!(status, 403, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("leila.fontaine is not a member of tenants-sre") && message.contains("may"), "{message}");
    // No team named, and none of theirs asked.
    let body = json!({"vote": "plus", "comment": "c", "evidence": "https://x.example.com/1"});
    let (status, _) =
        app.post(&format!("{SVC}/gates/promote-to-prod/votes"), Some(&app.token(OUTSIDER).await), body.clone()).await;
    assert_eq!(status, 403);
    // A team the gate does not ask, a gate that does not exist, an empty comment.
    let (status, body) = vote(&app, "camila.novak", "promote-to-prod", "customer-support", "plus").await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("team")), "{body}");
    let (status, body) = vote(&app, TENANTS, "ship-it", "tenants-sre", "plus").await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("customer-release, promote-to-prod"), "{body}");
    assert_eq!(app.get(&format!("{SVC}/gates/ship-it")).await.0, 404);
    let empty = json!({"team": "tenants-sre", "vote": "plus", "comment": " ", "evidence": "https://x.example.com/1"});
    let (status, body) =
        app.post(&format!("{SVC}/gates/promote-to-prod/votes"), Some(&app.token(TENANTS).await), empty).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("comment")), "{body}");
    // The one team of theirs the gate asks is taken when none is named.
    let (status, body) = app
        .post(
            &format!("{SVC}/gates/promote-to-prod/votes"),
            Some(&app.token(TENANTS).await),
            json!({"vote": "plus", "comment": "ok", "evidence": "https://x.example.com/1"}),
        )
        .await;
    assert_eq!((status, body["team"].as_str()), (201, Some("tenants-sre")), "{body}");
}

#[tokio::test]
async fn installs_are_refused_before_production_and_beyond_what_was_agreed() {
    let app = spawn_app().await;
    drive(&app, Stage::Transition).await; // promote-to-prod passed, customer-release not
    let owner = app.token(OWNER).await;
    let installs = format!("{SVC}/installs");
    let install =
        |customer: &str, external: bool| json!({"customer": customer, "cluster": "prod-eu-1", "external": external});

    // Internal consumers install once in production; customers need customer-release.
    assert_eq!(app.post(&installs, Some(&owner), install("qe-team", false)).await.0, 201);
    let (status, body) = app.post(&installs, Some(&owner), install("acme", true)).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(unmet_codes(&body), vec!["release", "agreement"]);
    assert!(body["error"]["message"].as_str().unwrap().contains("customer-release has not passed"), "{body}");

    // Numbers proposed by the owners are not yet an agreement; the SRE team agrees them.
    let (status, body) = app
        .post(&format!("{SVC}/capacity"), Some(&owner), json!({"max_installs": 2, "max_installs_per_week": 1}))
        .await;
    assert_eq!((status, body["approved_by"].clone()), (200, Value::Null), "{body}");
    let (status, _) = app.post(&format!("{SVC}/capacity/approve"), Some(&owner), json!({})).await;
    assert_eq!(status, 403, "the owners do not agree their own capacity");
    let (status, body) = app.post(&format!("{SVC}/capacity/approve"), Some(&app.token(SRE).await), json!({})).await;
    assert_eq!((status, body["approved_by"].as_str()), (200, Some(SRE)), "{body}");

    // Mark customer-release passed in the record, as passing it would (tested in full below).
    let id = baton_core::ServiceId::parse("streamhub").unwrap();
    let stored = app.baton.store().service_record(&id).await.unwrap().unwrap();
    let mut record = stored.value;
    let signed = baton_core::pipeline::Signed { by: baton_core::PersonId::parse(OWNER).unwrap(), at: app.now() };
    record.gates.insert(
        baton_core::GateId::parse("customer-release").unwrap(),
        baton_core::pipeline::GatePass { version: None, signed },
    );
    let entry = baton_core::audit::AuditEntry {
        actor: "test".into(),
        action: "test.release".into(),
        subject: "service/streamhub".into(),
        reason: None,
        details: "{}".into(),
    };
    app.baton.store().save_service_record(&id, stored.version, &record, entry, app.now()).await.unwrap();

    assert_eq!(app.post(&installs, Some(&owner), install("acme", true)).await.0, 201);
    let (status, body) = app.post(&installs, Some(&owner), install("globex", true)).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["velocity".to_owned()]), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("1 new installs a week and 1 were made"), "{body}");
    app.days_later(8);
    assert_eq!(app.post(&installs, Some(&app.token(SRE).await), install("globex", true)).await.0, 201);
    app.days_later(8);
    let (status, body) = app.post(&installs, Some(&owner), install("initech", true)).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["capacity".to_owned()]), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("agreed capacity is 2 installs and 2 exist"), "{body}");
    // Internal consumers are not counted against the capacity.
    assert_eq!(app.post(&installs, Some(&owner), install("docs-team", false)).await.0, 201);
    let (_, gates) = app.get(&format!("{SVC}/gates")).await;
    assert_eq!(gates["installs"], json!({"external": 2, "external_last_week": 0, "internal": 2}));
    let (status, _) = app.post(&installs, Some(&app.token(OUTSIDER).await), install("x", false)).await;
    assert_eq!(status, 403);
}

/// The issue's story: streamhub from stage to production on the reduced criteria, then
/// to customers on the full criteria, every step through the API with its evidence.
#[tokio::test]
async fn streamhub_reaches_production_on_reduced_criteria_then_customers_on_the_full_ones() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    deploy(&app, "2.0.0").await;
    ready_for_production(&app).await;
    let owner = app.token(OWNER).await;

    // Production needs promote-to-prod passed; passing it needs its verdict to pass.
    let (status, body) = app.post(&format!("{SVC}/production"), Some(&owner), json!({})).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["gate".to_owned()]), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("gate promote-to-prod not passed"));
    let pass = format!("{SVC}/gates/promote-to-prod/pass");
    let (status, body) = app.post(&pass, Some(&app.token(TENANTS).await), json!({})).await;
    assert_eq!(status, 403, "only the owner team passes its gate: {body}");
    let (status, body) = app.post(&pass, Some(&owner), json!({})).await;
    assert_eq!(status, 409, "{body}");
    let messages: Vec<&str> =
        body["error"]["unmet"].as_array().unwrap().iter().map(|u| u["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 4, "every unmet requirement: {messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("approval:tenants-sre") && m.contains("who can act: olga.baptiste")));
    assert!(messages.iter().any(|m| m.starts_with("check:e2e") && m.contains("no `e2e` result has been posted")));

    // The reduced criteria, with evidence.
    let (status, _) =
        post_xml(&app, &format!("{SVC}/checks?name=e2e&evidence=https://ci.example.com/e2e/1"), OWNER, PASSING_JUNIT)
            .await;
    assert_eq!(status, 201);
    assert_eq!(vote(&app, TENANTS, "promote-to-prod", "tenants-sre", "plus").await.0, 201);
    assert_eq!(vote(&app, PLATFORM, "promote-to-prod", "platform-sre", "plus").await.0, 201);
    assert_eq!(vote(&app, "felix.adeyemi", "promote-to-prod", "streamhub-dev", "plus").await.0, 201);
    let (status, body) = app.post(&pass, Some(&owner), json!({})).await;
    assert_eq!(
        (status, body["passed"]["by"].as_str(), body["passed"]["version"].as_str()),
        (200, Some(OWNER), Some("2.0.0")),
        "{body}"
    );
    let (status, body) = app.post(&format!("{SVC}/production"), Some(&owner), json!({})).await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("transition")), "{body}");

    // In production on reduced criteria: shown on the API view, the board, the page, the CLI.
    let (_, view) = app.get(SVC).await;
    assert_eq!(view["assurance"]["level"], "reduced", "{}", view["assurance"]);
    let board = app.client.get(format!("{}/", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("reduced assurance"));
    let page = app.client.get(format!("{}/services/streamhub", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Reduced assurance") && page.contains("Production gates"));
    let cli = app.baton_cli(&["service", "list"]);
    assert!(String::from_utf8_lossy(&cli.stdout).contains("transition (reduced assurance)"), "{cli:?}");

    // The full criteria: SLIs, viability, support cover, capacity, every team's +1.
    sli_days(&app, 20).await;
    *app.verdict.0.lock().unwrap() = baton_core::Viability::Met { evidence: "both SLOs met over 28 days".into() };
    let sre = app.token(SRE).await;
    app.post(&format!("{SVC}/capacity"), Some(&owner), json!({"max_installs": 40, "max_installs_per_week": 4})).await;
    assert_eq!(app.post(&format!("{SVC}/capacity/approve"), Some(&sre), json!({})).await.0, 200);
    for (who, team) in [
        (SRE, "addon-sre"),
        (PLATFORM, "platform-sre"),
        ("camila.novak", "customer-support"),
        ("bruno.kaur", "e2e-testing"),
        ("elena.mwangi", "platform-pm"),
        ("farah.lindholm", "addon-pm"),
        ("ingrid.obi", "service-dev-ux"),
        ("wen.adeleke", "subscriptions"),
        (TENANTS, "tenants-sre"),
    ] {
        let (status, body) = vote(&app, who, "customer-release", team, "plus").await;
        assert_eq!(status, 201, "{who}: {body}");
    }
    // Only time is missing now: the gate says when it passes on its own.
    let g = gate(&app, "customer-release").await;
    let unmet: Vec<&str> = g["verdict"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"]["status"] == "unmet")
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(unmet, vec!["slis-demonstrated"], "{g}");
    let eta: jiff::Timestamp = g["verdict"]["passes_on_its_own_at"].as_str().expect("time alone").parse().unwrap();
    assert_eq!(eta.duration_since(app.now()).as_hours() / 24, 8, "eight more days of data: {eta}");
    let (status, body) = app.post(&format!("{SVC}/gates/customer-release/pass"), Some(&owner), json!({})).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["requirement".to_owned()]), "{body}");

    app.days_later(9);
    sli_days(&app, 29).await;
    let (status, _) = post_xml(
        &app,
        &format!("{SVC}/checks?name=e2e&evidence=https://ci.example.com/e2e/2"),
        SRE_LEAD,
        PASSING_JUNIT,
    )
    .await;
    assert_eq!(status, 201, "a fresh e2e run: the last is older than 7 days");
    let (status, body) = app.post(&format!("{SVC}/gates/customer-release/pass"), Some(&owner), json!({})).await;
    assert_eq!((status, body["verdict"]["passes"].as_bool()), (200, Some(true)), "{body}");
    let (_, view) = app.get(SVC).await;
    assert_eq!(view["assurance"]["level"], "full");
    assert!(view["record"]["gates"]["customer-release"]["by"] == OWNER);

    // The passes are audited with the verdict they were passed on.
    let (_, history) = app.get(&format!("{SVC}/history?limit=200")).await;
    let passes: Vec<&Value> = history.as_array().unwrap().iter().filter(|r| r["action"] == "gate.pass").collect();
    assert_eq!(passes.len(), 2);
    let details: Value = serde_json::from_str(passes[0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(
        (details["gate"].as_str(), details["verdict"]["passes"].as_bool()),
        (Some("customer-release"), Some(true))
    );
    let votes = history.as_array().unwrap().iter().filter(|r| r["action"] == "gate.vote").count();
    assert_eq!(votes, 12, "every vote is audited");

    // Customers may install now, within the agreement.
    let install = json!({"customer": "acme", "cluster": "prod-eu-1", "external": true});
    assert_eq!(app.post(&format!("{SVC}/installs"), Some(&owner), install).await.0, 201);
}

#[tokio::test]
async fn the_cli_votes_posts_junit_and_shows_the_verdict() {
    let app = spawn_app().await;
    drive(&app, Stage::Onboarding).await;
    let out = app.baton_cli(&[
        "gate",
        "approve",
        "streamhub",
        "promote-to-prod",
        "--as",
        TENANTS,
        "--comment",
        "policy consistent",
        "--evidence",
        "https://git.example.com/mr/9",
    ]);
    assert!(out.status.success(), "{out:?}");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("e2e.xml");
    std::fs::write(&report, PASSING_JUNIT).unwrap();
    let out = app.baton_cli(&["check", "post", "streamhub", "e2e", "--junit", report.to_str().unwrap(), "--as", OWNER]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("e2e for streamhub: passed (3 tests, 0 failures, 0 errors)"));
    let out = app.baton_cli(&["gate", "check", "streamhub", "promote-to-prod"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("[met   ] approval:tenants-sre"), "{text}");
    assert!(text.contains("[UNMET ] approval:platform-sre"), "{text}");
    assert!(text.contains("who can act: marta.oyelaran, jonas.achterberg"), "{text}");
    let out = app.baton_cli(&["gate", "pass", "streamhub", "promote-to-prod", "--as", OWNER]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("approval:platform-sre"), "{out:?}");
    let out = app.baton_cli(&[
        "gate",
        "reject",
        "streamhub",
        "promote-to-prod",
        "--as",
        OUTSIDER,
        "--comment",
        "no",
        "--evidence",
        "https://x.example.com",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("may"), "{out:?}");
}
