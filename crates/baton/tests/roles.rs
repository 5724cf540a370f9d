//! The role matrix: every endpoint that changes something, called by every kind of caller,
//! answers 401 to the anonymous, 403 to those without its role, and lets through those
//! with it. The endpoints come from the OpenAPI document, so a new one cannot be missed.

mod support;

use baton_core::pipeline::*;
use baton_core::{Link, PersonId, ServiceId, TeamId};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use support::{spawn_app, TestApp};

/// The callers, by what they are in the example organisation.
const OWNER: &str = "noor.castellano"; // streamhub-dev, owns streamhub
const ARCHITECT: &str = "helga.marchetti";
const SRE_LEAD: &str = "aoife.delacroix"; // lead of addon-sre
const SRE: &str = "beatriz.nakamura"; // addon-sre
const SUPPORT: &str = "camila.novak"; // customer-support: requires support-docs-published
const OUTSIDER: &str = "leila.fontaine"; // inkwell-dev, nothing to do with streamhub
const PEOPLE: [&str; 6] = [OWNER, ARCHITECT, SRE_LEAD, SRE, SUPPORT, OUTSIDER];

fn link(s: &str) -> Link {
    Link::parse(&format!("https://tracker.example.com/{s}")).unwrap()
}

/// Moves streamhub to `stage` through the real rules, as the people who may.
async fn drive(app: &TestApp, stage: Stage) {
    let id = ServiceId::parse("streamhub").unwrap();
    let act = |who: &str, cmd: Command| {
        let (id, who) = (id.clone(), PersonId::parse(who).unwrap());
        async move { app.baton.act(&id, &who, cmd).await.unwrap() }
    };
    if stage == Stage::Draft {
        return;
    }
    act(OWNER, Command::Propose(Propose::default())).await;
    if stage == Stage::Proposed {
        return;
    }
    act(ARCHITECT, Command::Accept(Accept { priority: "p1".into(), reason: "r".into() })).await;
    if stage == Stage::Accepted {
        return;
    }
    act(SRE_LEAD, Command::Assign(Assign { sre_team: TeamId::parse("addon-sre").unwrap(), scope: "all".into() })).await;
    if stage == Stage::Onboarding {
        return;
    }
    for item in &app.org.checklist {
        let who = match &item.required_by {
            None => SRE,
            Some(team) => app.org.teams[team].members[0].as_str(),
        };
        act(who, Command::CompleteItem { item: item.id.clone(), body: CompleteItem { evidence: link("MR") } }).await;
    }
    let start = app.now();
    app.days_later(8);
    act(
        SRE,
        Command::RecordSoak(RecordSoak {
            started_at: start,
            ended_at: app.now(),
            result: SoakResult::Passed,
            link: link("S"),
        }),
    )
    .await;
    act(OWNER, Command::EnterProduction(EnterProduction::default())).await;
}

/// One row of the matrix: where to call, in which stage, with what body, and who may.
struct Case {
    stage: Stage,
    path: String,
    body: Value,
    allowed: &'static [&'static str],
}

fn case(app: &TestApp, template: &str) -> Option<Case> {
    let s = |p: &str| format!("/api/v1/services/streamhub/{p}");
    let later = |days: i64| app.now().checked_add(jiff::SignedDuration::from_hours(24 * days)).unwrap();
    let sre_or_owner: &[&str] = &[SRE_LEAD, SRE, OWNER];
    Some(match template {
        "/api/v1/services/{id}/propose" => {
            Case { stage: Stage::Draft, path: s("propose"), body: json!({}), allowed: &[OWNER] }
        }
        "/api/v1/services/{id}/accept" => Case {
            stage: Stage::Proposed,
            path: s("accept"),
            body: json!({"priority": "p1", "reason": "r"}),
            allowed: &[ARCHITECT],
        },
        "/api/v1/services/{id}/reject" => {
            Case { stage: Stage::Proposed, path: s("reject"), body: json!({"reason": "r"}), allowed: &[ARCHITECT] }
        }
        "/api/v1/services/{id}/assign" => Case {
            stage: Stage::Accepted,
            path: s("assign"),
            body: json!({"sre_team": "addon-sre", "scope": "all"}),
            allowed: &[SRE_LEAD],
        },
        "/api/v1/services/{id}/checklist/{item}/complete" => Case {
            stage: Stage::Onboarding,
            path: s("checklist/support-docs-published/complete"),
            body: json!({"evidence": "https://docs.example.com/x"}),
            allowed: &[SUPPORT],
        },
        "/api/v1/services/{id}/checklist/{item}/waive" => Case {
            stage: Stage::Onboarding,
            path: s("checklist/slos-defined/waive"),
            body: json!({"reason": "later", "expires_at": later(10)}),
            allowed: &[SRE_LEAD, SRE],
        },
        "/api/v1/services/{id}/soak" => Case {
            stage: Stage::Onboarding,
            path: s("soak"),
            body: json!({"started_at": app.now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap(), "ended_at": app.now(), "result": "failed", "link": "https://ci.example.com/1"}),
            allowed: sre_or_owner,
        },
        "/api/v1/services/{id}/production" => {
            Case { stage: Stage::Onboarding, path: s("production"), body: json!({}), allowed: sre_or_owner }
        }
        "/api/v1/services/{id}/review" => Case {
            stage: Stage::Transition,
            path: s("review"),
            body: json!({"slos_met": true, "evidence": "https://docs.example.com/r"}),
            allowed: &[SRE_LEAD, SRE],
        },
        "/api/v1/services/{id}/handover" => Case {
            stage: Stage::Transition,
            path: s("handover"),
            body: json!({"reason": "r"}),
            allowed: &[SRE_LEAD, SRE],
        },
        "/api/v1/services/{id}/retire" => Case {
            stage: Stage::Accepted,
            path: s("retire"),
            body: json!({"reason": "r"}),
            allowed: &[OWNER, ARCHITECT],
        },
        "/api/v1/services/{id}/environments/{env}/deploy" => Case {
            stage: Stage::Draft,
            path: s("environments/stage/deploy"),
            body: json!({"version": "1.0"}),
            allowed: &[OWNER],
        },
        "/api/v1/slos/{id}/samples" => Case {
            stage: Stage::Onboarding,
            path: "/api/v1/slos/streamhub-availability/samples".into(),
            body: json!({"samples": [{"at": app.now().checked_sub(jiff::SignedDuration::from_mins(2)).unwrap(), "good": 9, "total": 10}]}),
            allowed: &[OWNER, SRE_LEAD, SRE],
        },
        "/api/v1/slos/{id}/corrections" => Case {
            stage: Stage::Onboarding,
            path: "/api/v1/slos/streamhub-availability/corrections".into(),
            body: json!({"start": later(1), "end": app.now().checked_add(jiff::SignedDuration::from_hours(25)).unwrap(), "reason": "planned maintenance"}),
            allowed: &[OWNER, SRE_LEAD, SRE],
        },
        _ => return None,
    })
}

async fn secured_operations(app: &TestApp) -> Vec<(String, String)> {
    let (_, doc) = app.get("/api/v1/openapi.json").await;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("security").is_some() {
                ops.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn every_pipeline_step_answers_401_403_or_lets_through_by_role() {
    let probe = spawn_app().await;
    let mut covered = BTreeSet::new();
    for (method, template) in secured_operations(&probe).await {
        if template.starts_with("/api/v1/tokens") {
            continue; // the next test
        }
        assert_eq!(method, "POST", "{template}");
        let app = spawn_app().await;
        let Some(c) = case(&app, &template) else {
            panic!("{method} {template} is a mutating endpoint with no row in the role matrix: add one")
        };
        drive(&app, c.stage).await;
        let (status, body) = app.post(&c.path, None, c.body.clone()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")), "anonymous {template}");
        let admin = app.token("admin").await;
        let (status, _) = app.post(&c.path, Some(&admin), c.body.clone()).await;
        assert_eq!(status, 403, "the admin takes no pipeline step: {template}");
        // Those without the role first, so the step has not happened yet when they try.
        for who in PEOPLE.iter().filter(|p| !c.allowed.contains(p)) {
            let (status, body) = app.post(&c.path, Some(&app.token(who).await), c.body.clone()).await;
            assert_eq!(status, 403, "{who} on {template}: {body}");
            assert!(body["error"]["message"].as_str().unwrap().contains("may"), "says who may: {body}");
        }
        let who = c.allowed[0];
        let (status, body) = app.post(&c.path, Some(&app.token(who).await), c.body.clone()).await;
        assert!(matches!(status, 200 | 201 | 409), "{who} has the role for {template} but got {status}: {body}");
        covered.insert(template);
    }
    assert!(covered.len() >= 13, "the matrix covered {covered:?}");
}

#[tokio::test]
async fn tokens_are_managed_by_their_owner_or_the_admin() {
    let app = spawn_app().await;
    let ops: BTreeSet<_> =
        secured_operations(&app).await.into_iter().filter(|(_, p)| p.starts_with("/api/v1/tokens")).collect();
    let expected: BTreeSet<_> =
        [("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"), ("POST", "/api/v1/tokens/{id}/revoke")]
            .into_iter()
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect();
    assert_eq!(ops, expected, "every token endpoint is in this test");

    let admin = app.token("admin").await;
    let owner = app.token(OWNER).await;
    let outsider = app.token(OUTSIDER).await;
    let new = json!({"person": OWNER, "name": "ci"});
    assert_eq!(app.post("/api/v1/tokens", None, new.clone()).await.0, 401);
    let (status, body) = app.post("/api/v1/tokens", Some(&outsider), new.clone()).await;
    assert_eq!(status, 403, "{body}");
    let (status, mine) = app.post("/api/v1/tokens", Some(&owner), new.clone()).await;
    assert_eq!(status, 201, "{mine}");
    let (status, theirs) =
        app.post("/api/v1/tokens", Some(&admin), json!({"person": OUTSIDER, "name": "laptop"})).await;
    assert_eq!(status, 201, "the admin creates tokens for anyone: {theirs}");
    assert!(theirs["secret"].as_str().unwrap().starts_with("baton_"), "the secret is shown once, at creation");

    let listed = app.client.get(format!("{}/api/v1/tokens", app.url)).bearer_auth(&owner).send().await.unwrap();
    let listed: Value = listed.json().await.unwrap();
    assert!(listed.as_array().unwrap().iter().all(|t| t["person"] == OWNER), "a person sees only their own tokens");
    assert!(listed.as_array().unwrap().iter().all(|t| t.get("secret").is_none()), "secrets are never listed");
    let anonymous = app.client.get(format!("{}/api/v1/tokens", app.url)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);

    let revoke = |id: &Value| format!("/api/v1/tokens/{}/revoke", id.as_str().unwrap());
    assert_eq!(app.post(&revoke(&mine["id"]), None, json!({})).await.0, 401);
    assert_eq!(
        app.post(&revoke(&mine["id"]), Some(&outsider), json!({})).await.0,
        404,
        "someone else's token is not disclosed"
    );
    assert_eq!(app.post(&revoke(&mine["id"]), Some(&owner), json!({})).await.0, 204);
    assert_eq!(app.post(&revoke(&theirs["id"]), Some(&admin), json!({})).await.0, 204);
    let secret = mine["secret"].as_str().unwrap();
    let (status, body) = app.post("/api/v1/services/streamhub/propose", Some(secret), json!({})).await;
    assert_eq!(status, 401, "a revoked token no longer works");
    assert!(body["error"]["message"].as_str().unwrap().contains("revoked"), "{body}");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app().await;
    let expires = app.now().checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
    let issued =
        app.baton.create_token(&PersonId::parse(OWNER).unwrap(), "short", Some(expires), "test").await.unwrap();
    assert_eq!(app.post("/api/v1/services/streamhub/propose", Some(&issued.secret), json!({})).await.0, 200);
    app.days_later(1);
    let (status, body) =
        app.post("/api/v1/services/streamhub/retire", Some(&issued.secret), json!({"reason": "x"})).await;
    assert_eq!(status, 401);
    assert!(body["error"]["message"].as_str().unwrap().contains("expired"), "{body}");
}
