//! One service, walked from proposal to SRE-owned through the HTTP API, every refusal on
//! the way checked; then the audit log verified by the real `baton audit verify`, and
//! caught when a row is edited behind Baton's back.

use crate::support::{spawn_app, unmet_codes};
use baton_core::Viability;
use serde_json::json;

#[tokio::test]
async fn a_service_walks_from_proposal_to_sre_owned_and_every_refusal_is_explained() {
    let app = spawn_app().await;
    let owner = app.token("noor.castellano").await; // streamhub-dev
    let architect = app.token("helga.marchetti").await;
    let lead = app.token("aoife.delacroix").await; // addon-sre lead
    let sre = app.token("beatriz.nakamura").await; // addon-sre
    let svc = "/api/v1/services/streamhub";

    let (status, body) = app.get(svc).await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("draft")));

    // Kickoff: only the owner proposes, with valid links, and nobody may skip ahead.
    let (status, body) = app.post(&format!("{svc}/propose"), None, json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")));
    let (status, _) = app.post(&format!("{svc}/propose"), Some("baton_nope_nope"), json!({})).await;
    assert_eq!(status, 401, "an unknown token");
    let (status, body) = app.post(&format!("{svc}/propose"), Some(&architect), json!({})).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("streamhub-dev"));
    let (status, body) = app.post(&format!("{svc}/propose"), Some(&owner), json!({ "epic": "EPIC-1" })).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("epic")), "{body}");
    let (status, body) =
        app.post(&format!("{svc}/propose"), Some(&owner), json!({ "epik": "https://x.example.com" })).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("epik")), "unknown fields are named: {body}");
    let (status, body) =
        app.post(&format!("{svc}/accept"), Some(&architect), json!({ "priority": "p1", "reason": "ok" })).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["stage".to_owned()]), "{body}");
    let (status, body) = app.post(&format!("{svc}/propose"), Some(&owner), json!({})).await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("proposed")), "{body}");

    let (status, _) =
        app.post(&format!("{svc}/accept"), Some(&owner), json!({ "priority": "p1", "reason": "mine" })).await;
    assert_eq!(status, 403, "owners do not accept their own services");
    let (status, body) =
        app.post(&format!("{svc}/accept"), Some(&architect), json!({ "priority": "urgent", "reason": "x" })).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("priority")));
    let (status, body) = app.post(&format!("{svc}/accept"), Some(&architect), json!({ "priority": "p1" })).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("reason")), "a missing field is named: {body}");
    let (status, body) = app
        .post(&format!("{svc}/accept"), Some(&architect), json!({ "priority": "p1", "reason": "Core streaming addon" }))
        .await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("accepted")));

    let assign = json!({ "sre_team": "addon-sre", "scope": "alerts, runbooks, latency SLOs" });
    let (status, _) = app.post(&format!("{svc}/assign"), Some(&sre), assign.clone()).await;
    assert_eq!(status, 403, "members who are not an SRE lead do not assign");
    let (status, body) =
        app.post(&format!("{svc}/assign"), Some(&lead), json!({ "sre_team": "streamhub-dev", "scope": "x" })).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("sre_team")));
    let (status, body) = app.post(&format!("{svc}/assign"), Some(&lead), assign).await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("onboarding")));

    // Onboarding: production is refused with every open item and the missing soak test.
    let (status, body) = app.post(&format!("{svc}/production"), Some(&sre), json!({})).await;
    let codes = unmet_codes(&body);
    assert_eq!(status, 409);
    assert_eq!(codes.iter().filter(|c| *c == "checklist").count(), app.org.checklist.len(), "{body}");
    assert!(codes.contains(&"soak".to_owned()));
    // And the promote-to-prod gate, which its teams now pass (gates_api.rs tests it in full).
    assert!(codes.contains(&"gate".to_owned()), "{body}");
    crate::support::pass_promote_to_prod(&app, "streamhub").await;

    for item in &app.org.checklist {
        let path = format!("{svc}/checklist/{}/complete", item.id);
        let evidence =
            json!({ "evidence": format!("https://git.example.com/streamhub/merge_requests/{}", item.position) });
        let token = match &item.required_by {
            None => sre.clone(),
            Some(team) => {
                let (status, _) = app.post(&path, Some(&sre), evidence.clone()).await;
                assert_eq!(status, 403, "{} is {team}'s requirement, not the SRE team's", item.id);
                app.token(app.org.teams[team].members[0].as_str()).await
            }
        };
        let (status, body) = app.post(&path, Some(&token), evidence).await;
        assert_eq!(status, 200, "{}: {body}", item.id);
    }
    let (status, _) = app
        .post(
            &format!("{svc}/checklist/no-such-item/complete"),
            Some(&sre),
            json!({ "evidence": "https://x.example.com" }),
        )
        .await;
    assert_eq!(status, 404);

    let start = app.now();
    let (status, body) = app
        .post(
            &format!("{svc}/soak"),
            Some(&sre),
            json!({ "started_at": start, "ended_at": "2030-01-01T00:00:00Z", "link": "https://ci.example.com/soak/1" }),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("ended_at")),
        "a soak test still running cannot be recorded"
    );
    app.days_later(2);
    let short = json!({ "started_at": start, "ended_at": app.now(), "link": "https://ci.example.com/soak/1" });
    assert_eq!(app.post(&format!("{svc}/soak"), Some(&sre), short).await.0, 200);
    let (status, body) = app.post(&format!("{svc}/production"), Some(&sre), json!({})).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["soak".to_owned()]), "two days is shorter than the 7d minimum");
    app.days_later(6);
    let full = json!({ "started_at": start, "ended_at": app.now(), "link": "https://ci.example.com/soak/2" });
    assert_eq!(app.post(&format!("{svc}/soak"), Some(&sre), full).await.0, 200);
    let (status, body) = app
        .post(&format!("{svc}/production"), Some(&owner), json!({ "link": "https://deploy.example.com/streamhub/42" }))
        .await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("transition")), "{body}");

    // Transition: the window, an SRE review and the SLO verdict must all hold.
    let (status, body) = app.post(&format!("{svc}/handover"), Some(&sre), json!({ "reason": "ready" })).await;
    assert_eq!(
        (status, unmet_codes(&body)),
        (409, vec!["window".to_owned(), "review".to_owned(), "slo".to_owned()]),
        "{body}"
    );
    app.days_later(29);
    let review = json!({ "slos_met": true, "evidence": "https://docs.example.com/streamhub/slo-review" });
    assert_eq!(
        app.post(&format!("{svc}/review"), Some(&owner), review.clone()).await.0,
        403,
        "owners do not review their own SLOs"
    );
    assert_eq!(app.post(&format!("{svc}/review"), Some(&sre), review).await.0, 200);
    let (status, body) = app.post(&format!("{svc}/handover"), Some(&sre), json!({ "reason": "ready" })).await;
    assert_eq!((status, unmet_codes(&body)), (409, vec!["slo".to_owned()]));
    *app.verdict.0.lock().unwrap() = Viability::NotMet { reason: "availability 99.2% against 99.5%".into() };
    let (status, body) = app.post(&format!("{svc}/handover"), Some(&sre), json!({ "reason": "ready" })).await;
    assert_eq!(status, 409);
    assert!(body["error"]["message"].as_str().unwrap().contains("99.2%"), "{body}");
    *app.verdict.0.lock().unwrap() = Viability::Met { evidence: "availability 99.93% over 28d".into() };
    let (status, body) =
        app.post(&format!("{svc}/handover"), Some(&sre), json!({ "reason": "SLOs met for four weeks" })).await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("sre-owned")), "{body}");
    assert_eq!(body["blockers"], json!([]));

    // Every step is on the record: who, when and why.
    let (_, history) = app.get(&format!("{svc}/history")).await;
    let actions: Vec<_> = history.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions[0], "service.hand-over");
    assert!(history[0]["details"].as_str().unwrap().contains("99.93%"), "the handover keeps its evidence");
    assert_eq!(
        actions[actions.len() - 2..],
        ["service.propose", "definition.added"],
        "the definition's own history too"
    );
    assert_eq!(
        history.as_array().unwrap().iter().find(|r| r["action"] == "service.accept").unwrap()["actor"],
        "helga.marchetti"
    );

    let out = app.baton_cli(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
}

#[tokio::test]
async fn editing_an_audit_row_in_the_database_is_detected_and_named() {
    let app = spawn_app().await;
    let owner = app.token("noor.castellano").await;
    let (status, _) = app.post("/api/v1/services/streamhub/propose", Some(&owner), json!({})).await;
    assert_eq!(status, 200);
    assert!(app.baton_cli(&["audit", "verify"]).status.success());

    // Someone with database access removes the guard and rewrites who proposed it.
    let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update").execute(&pool).await.unwrap();
    let seq: i64 = sqlx::query_scalar("SELECT seq FROM audit_log WHERE action = 'service.propose'")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = ?").bind(seq).execute(&pool).await.unwrap();

    let out = app.baton_cli(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains(&format!("record #{seq}")), "names the edited record: {stdout}");
    let (_, verdict) = app.get("/api/v1/audit/verify").await;
    assert_eq!((verdict["ok"].as_bool(), verdict["first_bad"].as_i64()), (Some(false), Some(seq)));
}

#[tokio::test]
async fn deleting_an_audit_row_is_detected() {
    let app = spawn_app().await;
    let pool = sqlx::SqlitePool::connect(&app.db_url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_delete").execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 3").execute(&pool).await.unwrap();
    let out = app.baton_cli(&["audit", "verify"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("#3"), "{}", String::from_utf8_lossy(&out.stdout));
}
