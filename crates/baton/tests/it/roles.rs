//! The role matrix: every endpoint that changes something, called by every kind of caller,
//! answers 401 to the anonymous, 403 to those without its role, and lets through those
//! with it. The endpoints come from the OpenAPI document, so a new one cannot be missed.

use crate::support::{drive, spawn_app, TestApp};
use baton_core::pipeline::*;
use baton_core::{PersonId, ServiceId};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The callers, by what they are in the example organisation: OWNER (noor.castellano,
/// streamhub-dev, owns streamhub), ARCHITECT, SRE_LEAD (lead of addon-sre) and SRE
/// (addon-sre) come from `support`.
use crate::support::{ARCHITECT, OWNER, SRE, SRE_LEAD};
const SUPPORT: &str = "camila.novak"; // customer-support: requires support-docs-published
const OUTSIDER: &str = "leila.fontaine"; // inkwell-dev, nothing to do with streamhub
const PEOPLE: [&str; 6] = [OWNER, ARCHITECT, SRE_LEAD, SRE, SUPPORT, OUTSIDER];
/// On call for addon-sre after SRE_LEAD: the incoming engineer of her handover.
const INCOMING: &str = "cian.moreau";

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
            body: json!({"started_at": app.now().checked_sub(jiff::SignedDuration::from_hours(1)).unwrap(), "ended_at": app.now(), "link": "https://ci.example.com/1"}),
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
        "/api/v1/slos/{id}/corrections/{correction_id}/cancel" => Case {
            stage: Stage::Onboarding,
            path: "/api/v1/slos/streamhub-availability/corrections/{correction}/cancel".into(),
            body: json!({"reason": "maintenance postponed"}),
            allowed: &[OWNER, SRE_LEAD, SRE],
        },
        // On-call work on the addon-sre rotation, where SRE_LEAD is on call at the start.
        "/api/v1/rotations/{id}/log" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/log".into(),
            body: json!({"kind": "note", "text": "answered a question in #support"}),
            allowed: &[SRE_LEAD, SRE],
        },
        "/api/v1/rotations/{id}/help" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/help".into(),
            body: json!({"text": "stuck on broker config"}),
            allowed: &[SRE_LEAD, SRE],
        },
        "/api/v1/rotations/{id}/shifts/current/duties/{n}" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/shifts/current/duties/1".into(),
            body: json!({}),
            allowed: &[SRE_LEAD],
        },
        "/api/v1/rotations/{id}/handovers" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/handovers".into(),
            body: json!({"note": "quiet shift"}),
            allowed: &[SRE_LEAD],
        },
        "/api/v1/rotations/{id}/handovers/{hid}/ack" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/handovers/2026-03-02T09:00:00Z/ack".into(),
            body: json!({}),
            allowed: &[INCOMING],
        },
        "/api/v1/rotations/{id}/todos/{todo}/resolve" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/todos/log-1/resolve".into(),
            body: json!({"runbook": "https://runbooks.example.com/lag"}),
            allowed: &[SRE_LEAD, SRE],
        },
        "/api/v1/integrations" => Case {
            stage: Stage::Draft,
            path: "/api/v1/integrations".into(),
            body: json!({"service": "streamhub", "name": "am2", "format": "alertmanager"}),
            allowed: &[OWNER],
        },
        "/api/v1/integrations/{id}/revoke" => Case {
            stage: Stage::Draft,
            path: "/api/v1/integrations/streamhub.am/revoke".into(),
            body: json!({}),
            allowed: &[OWNER],
        },
        "/api/v1/alerts/{service}/{key}/ack" => Case {
            stage: Stage::Draft,
            path: "/api/v1/alerts/streamhub/lag/ack".into(),
            body: json!({}),
            allowed: &[OWNER],
        },
        "/api/v1/alerts/{service}/{key}/resolve" => Case {
            stage: Stage::Draft,
            path: "/api/v1/alerts/streamhub/lag/resolve".into(),
            body: json!({}),
            allowed: &[OWNER],
        },
        "/api/v1/alerts/{service}/{key}/escalate" => Case {
            stage: Stage::Draft,
            path: "/api/v1/alerts/streamhub/lag/escalate".into(),
            body: json!({}),
            allowed: &[OWNER],
        },
        "/api/v1/alerts/{service}/{key}/reassign" => Case {
            stage: Stage::Draft,
            path: "/api/v1/alerts/streamhub/lag/reassign".into(),
            body: json!({"to": "yuki.brandvold"}),
            allowed: &[OWNER],
        },
        "/api/v1/alerts/{service}/{key}/notes" => Case {
            stage: Stage::Draft,
            path: "/api/v1/alerts/streamhub/lag/notes".into(),
            body: json!({"text": "looking at the consumer group"}),
            allowed: &[OWNER],
        },
        // A dead page of streamhub's alert: whoever may respond to the alert re-sends it.
        "/api/v1/notifications/{id}/resend" => Case {
            stage: Stage::Draft,
            path: "/api/v1/notifications/{dead}/resend".into(),
            body: json!({}),
            allowed: &[OWNER],
        },
        // Overrides, swaps and feeds on addon-sre. `{override}`, `{swap}` and `{feed}` are
        // the records `prepare` makes, filled in by `prepared_ids`.
        "/api/v1/rotations/{id}/overrides" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/overrides".into(),
            body: json!({"covering": SRE, "start": later(1), "end": later(2), "reason": "dentist"}),
            allowed: &[SRE_LEAD, SRE],
        },
        "/api/v1/rotations/{id}/overrides/{override_id}/cancel" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/overrides/{override}/cancel".into(),
            body: json!({}),
            allowed: &[SRE_LEAD, SRE],
        },
        // SRE holds Wednesday's shift, INCOMING Tuesday's.
        "/api/v1/rotations/{id}/swaps" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/swaps".into(),
            body: json!({"with": INCOMING, "my_shift_start": "2026-03-04T09:00:00Z", "their_shift_start": "2026-03-03T09:00:00Z"}),
            allowed: &[SRE, SRE_LEAD],
        },
        "/api/v1/rotations/{id}/swaps/{swap_id}/accept" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/swaps/{swap}/accept".into(),
            body: json!({}),
            allowed: &[INCOMING],
        },
        "/api/v1/rotations/{id}/swaps/{swap_id}/decline" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/swaps/{swap}/decline".into(),
            body: json!({}),
            allowed: &[INCOMING],
        },
        "/api/v1/rotations/{id}/swaps/{swap_id}/cancel" => Case {
            stage: Stage::Draft,
            path: "/api/v1/rotations/addon-sre/swaps/{swap}/cancel".into(),
            body: json!({}),
            allowed: &[SRE],
        },
        // Leave: the person, or the lead of one of their teams.
        "/api/v1/people/{person}/leave" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/leave"),
            body: json!({"start": later(30), "end": later(31), "reason": "a day off"}),
            allowed: &[SRE, SRE_LEAD],
        },
        "/api/v1/people/{person}/leave/{leave_id}/cancel" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/leave/{{leave}}/cancel"),
            body: json!({}),
            allowed: &[SRE, SRE_LEAD],
        },
        // Contact methods and notification rules: the person alone.
        "/api/v1/people/{person}/contact-methods" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/contact-methods"),
            body: json!({"id": "pager", "type": "webhook", "url": "http://127.0.0.1:9/hooks/pager"}),
            allowed: &[SRE],
        },
        "/api/v1/people/{person}/contact-methods/{method}" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/contact-methods/phone"),
            body: Value::Null,
            allowed: &[SRE],
        },
        "/api/v1/people/{person}/contact-methods/{method}/verify" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/contact-methods/phone/verify"),
            body: json!({"code": "000000"}),
            allowed: &[SRE],
        },
        "/api/v1/people/{person}/contact-methods/{method}/resend" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/contact-methods/phone/resend"),
            body: json!({}),
            allowed: &[SRE],
        },
        "/api/v1/people/{person}/contact-methods/{method}/switch" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/contact-methods/email/switch"),
            body: json!({"enabled": false}),
            allowed: &[SRE],
        },
        "/api/v1/people/{person}/notification-rules" => Case {
            stage: Stage::Draft,
            path: format!("/api/v1/people/{SRE}/notification-rules"),
            body: json!({"rules": [{"urgency": "page", "method": "email"}], "quiet_hours": "22:00-07:00"}),
            allowed: &[SRE],
        },
        "/api/v1/feeds" => Case {
            stage: Stage::Draft,
            path: "/api/v1/feeds".into(),
            body: json!({"rotation": "addon-sre"}),
            allowed: &PEOPLE,
        },
        "/api/v1/feeds/{id}/revoke" => Case {
            stage: Stage::Draft,
            path: "/api/v1/feeds/{feed}/revoke".into(),
            body: json!({}),
            allowed: &[OUTSIDER],
        },
        // Production gates. OWNER is in streamhub-dev, whose sign-off promote-to-prod asks.
        "/api/v1/services/{id}/gates/{gate}/votes" => Case {
            stage: Stage::Draft,
            path: s("gates/promote-to-prod/votes"),
            body: json!({"team": "streamhub-dev", "vote": "plus", "comment": "LGTM", "evidence": "https://git.example.com/mr/1"}),
            allowed: &[OWNER],
        },
        "/api/v1/services/{id}/gates/{gate}/votes/{vote}/withdraw" => Case {
            stage: Stage::Draft,
            path: s("gates/promote-to-prod/votes/{vote}/withdraw"),
            body: json!({}),
            allowed: &[OWNER],
        },
        "/api/v1/services/{id}/gates/{gate}/waivers" => Case {
            stage: Stage::Onboarding,
            path: s("gates/promote-to-prod/waivers"),
            body: json!({"requirement": "check:e2e", "reason": "the suite is being rewritten", "expires_at": later(10)}),
            allowed: &[SRE_LEAD, SRE, ARCHITECT],
        },
        "/api/v1/services/{id}/gates/{gate}/ask" => Case {
            stage: Stage::Onboarding,
            path: s("gates/promote-to-prod/ask"),
            body: json!({"note": "release on Thursday"}),
            allowed: &[OWNER],
        },
        "/api/v1/services/{id}/gates/{gate}/pass" => {
            Case { stage: Stage::Onboarding, path: s("gates/promote-to-prod/pass"), body: json!({}), allowed: &[OWNER] }
        }
        "/api/v1/services/{id}/checks" => Case {
            stage: Stage::Onboarding,
            path: s("checks"),
            body: json!({"name": "e2e", "passed": true, "summary": "12 tests, 0 failures"}),
            allowed: sre_or_owner,
        },
        "/api/v1/services/{id}/capacity" => Case {
            stage: Stage::Draft,
            path: s("capacity"),
            body: json!({"max_installs": 50, "max_installs_per_week": 5}),
            allowed: &[OWNER],
        },
        "/api/v1/services/{id}/capacity/approve" => {
            Case { stage: Stage::Onboarding, path: s("capacity/approve"), body: json!({}), allowed: &[SRE_LEAD, SRE] }
        }
        "/api/v1/services/{id}/installs" => Case {
            stage: Stage::Onboarding,
            path: s("installs"),
            body: json!({"customer": "acme", "cluster": "prod-eu-1", "external": false}),
            allowed: sre_or_owner,
        },
        // The SLO roadmap: whom streamhub's RACI chart makes R or A. OWNER leads
        // streamhub-dev, so she is its engineering lead (proposes) and service owner (agrees).
        "/api/v1/services/{id}/roadmap" => Case {
            stage: Stage::Draft,
            path: s("roadmap"),
            body: json!({"change": "add a latency SLO", "owner": OWNER, "due": "2026-06-30"}),
            allowed: &[OWNER],
        },
        "/api/v1/services/{id}/roadmap/{item}/agree" => {
            Case { stage: Stage::Draft, path: s("roadmap/1/agree"), body: json!({}), allowed: &[OWNER] }
        }
        _ => return None,
    })
}

/// The ids of the records `prepare` made, in place of `{override}`, `{swap}` and `{feed}`.
async fn prepared_ids(app: &TestApp, path: &str) -> String {
    let rotation = baton_core::oncall::RotationId::parse("addon-sre").unwrap();
    let mut path = path.to_owned();
    if path.contains("{override}") {
        path = path.replace("{override}", &app.baton.overrides(&rotation).await.unwrap()[0].id);
    }
    if path.contains("{swap}") {
        path = path.replace("{swap}", &app.baton.swaps(&rotation).await.unwrap()[0].id);
    }
    if path.contains("{leave}") {
        path = path.replace("{leave}", &app.baton.leave(Some(&PersonId::parse(SRE).unwrap())).await.unwrap()[0].id);
    }
    if path.contains("{feed}") {
        path = path.replace("{feed}", &app.baton.feeds_of(&PersonId::parse(OUTSIDER).unwrap()).await.unwrap()[0].id);
    }
    if path.contains("{dead}") {
        let q = baton_store::NotificationQuery {
            status: Some(baton_store::DeliveryStatus::Dead),
            limit: 1,
            ..Default::default()
        };
        path = path.replace("{dead}", &app.baton.store().notifications(&q).await.unwrap()[0].id.to_string());
    }
    if path.contains("{correction}") {
        let slo = baton_core::SloId::parse("streamhub-availability").unwrap();
        path = path.replace("{correction}", &app.baton.slo_corrections(&slo).await.unwrap()[0].id.to_string());
    }
    if path.contains("{vote}") {
        let (service, gate) =
            (ServiceId::parse("streamhub").unwrap(), baton_core::GateId::parse("promote-to-prod").unwrap());
        path = path.replace("{vote}", &app.baton.gate_votes(&service, &gate).await.unwrap()[0].id);
    }
    path
}

/// An integration of streamhub (`streamhub.am`) with one open alert (`lag`).
async fn streamhub_alert(app: &TestApp) {
    let owner = PersonId::parse(OWNER).unwrap();
    let input = baton_app::paging::IntegrationIn {
        service: ServiceId::parse("streamhub").unwrap(),
        name: "am".into(),
        format: baton_core::paging::Format::Generic,
        heartbeat: None,
    };
    let issued = app.baton.create_integration(&owner, input).await.unwrap();
    let event = baton_core::paging::intake::generic(
        br#"{"dedup_key": "lag", "status": "firing", "summary": "consumer lag", "severity": "critical"}"#,
    )
    .unwrap();
    app.baton.accept_alerts(&issued.key, vec![event]).await.unwrap();
}

/// Calls `method path` as `token`'s person.
async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    if method == "POST" {
        return app.post(path, token, body).await;
    }
    let mut req = app.client.request(method.parse().unwrap(), format!("{}{path}", app.url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if method == "PUT" {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// What a row acts on besides a service in a stage: records written through the app.
async fn prepare(app: &TestApp, template: &str) {
    let rotation = baton_core::oncall::RotationId::parse("addon-sre").unwrap();
    let on_call = PersonId::parse(SRE_LEAD).unwrap();
    match template {
        "/api/v1/rotations/{id}/handovers/{hid}/ack" => {
            let note = baton_core::oncall::NewShiftNote { note: "quiet shift".into(), ..Default::default() };
            app.baton.write_shift_note(&rotation, &on_call, note).await.unwrap();
        }
        "/api/v1/rotations/{id}/todos/{todo}/resolve" => {
            let incident = baton_core::oncall::NewLogEntry {
                kind: baton_core::oncall::LogKind::Incident,
                text: "consumer lag".into(),
                links: vec![],
                incident_closed: true,
                runbook: None,
            };
            app.baton.write_log(&rotation, &on_call, incident).await.unwrap();
        }
        "/api/v1/integrations/{id}/revoke"
        | "/api/v1/alerts/{service}/{key}/ack"
        | "/api/v1/alerts/{service}/{key}/resolve"
        | "/api/v1/alerts/{service}/{key}/escalate"
        | "/api/v1/alerts/{service}/{key}/reassign"
        | "/api/v1/alerts/{service}/{key}/notes" => streamhub_alert(app).await,
        "/api/v1/notifications/{id}/resend" => {
            streamhub_alert(app).await;
            let store = app.baton.store();
            let claimed =
                store.claim_notifications("t", app.now(), std::time::Duration::from_secs(30), 1).await.unwrap();
            let dead = baton_store::Settle::Dead { error: "410 Gone".into() };
            store.settle_notification(claimed[0].id, "t", &dead, app.now()).await.unwrap();
        }
        "/api/v1/rotations/{id}/overrides/{override_id}/cancel" => {
            let cover = baton_core::oncall::NewOverride {
                covering: PersonId::parse(SRE).unwrap(),
                covered: None,
                start: "2026-03-05T09:00:00Z".parse().unwrap(),
                end: "2026-03-05T12:00:00Z".parse().unwrap(),
                reason: "dentist".into(),
            };
            app.baton.create_override(&rotation, &on_call, cover).await.unwrap();
        }
        "/api/v1/rotations/{id}/swaps/{swap_id}/accept"
        | "/api/v1/rotations/{id}/swaps/{swap_id}/decline"
        | "/api/v1/rotations/{id}/swaps/{swap_id}/cancel" => {
            let ask = baton_core::oncall::NewSwap {
                with: PersonId::parse(INCOMING).unwrap(),
                my_shift_start: "2026-03-04T09:00:00Z".parse().unwrap(),
                their_shift_start: Some("2026-03-03T09:00:00Z".parse().unwrap()),
                reason: None,
                leave: None,
            };
            app.baton.request_swap(&rotation, &PersonId::parse(SRE).unwrap(), ask).await.unwrap();
        }
        "/api/v1/slos/{id}/corrections/{correction_id}/cancel" => {
            let start = app.now().checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
            let maintenance = baton_app::CorrectionIn {
                start,
                end: start.checked_add(jiff::SignedDuration::from_hours(1)).unwrap(),
                recurrence: Default::default(),
                until: None,
                reason: "planned maintenance".into(),
            };
            let slo = baton_core::SloId::parse("streamhub-availability").unwrap();
            app.baton.add_correction(&slo, &PersonId::parse(OWNER).unwrap(), maintenance).await.unwrap();
        }
        "/api/v1/people/{person}/leave/{leave_id}/cancel" => {
            let start = app.now().checked_add(jiff::SignedDuration::from_hours(24 * 30)).unwrap();
            let end = start.checked_add(jiff::SignedDuration::from_hours(24)).unwrap();
            let sre = PersonId::parse(SRE).unwrap();
            let leave = baton_core::oncall::NewLeave { start, end, reason: "a day off".into() };
            app.baton.record_leave(&sre, &sre, leave).await.unwrap();
        }
        "/api/v1/people/{person}/contact-methods/{method}"
        | "/api/v1/people/{person}/contact-methods/{method}/verify"
        | "/api/v1/people/{person}/contact-methods/{method}/resend" => {
            let sre = PersonId::parse(SRE).unwrap();
            let phone = baton_app::NewMethod {
                id: "phone".parse().unwrap(),
                address: baton_core::contact::Address::Webhook {
                    url: baton_core::Link::parse("http://127.0.0.1:9/hooks/phone").unwrap(),
                },
            };
            app.baton.add_contact_method(&sre, &sre, phone).await.unwrap();
            if template.ends_with("/verify") {
                // The code as sent (the outbox holds the message to the phone): verified
                // here, the matrix's own call verifies a verified method, which answers 200.
                let q = baton_store::NotificationQuery {
                    subject: Some(format!("contact/{SRE}/phone")),
                    limit: 1,
                    ..Default::default()
                };
                let sent = &app.baton.store().notifications(&q).await.unwrap()[0];
                let notice: Value = serde_json::from_str(&sent.payload).unwrap();
                let code: String = notice["text"].as_str().unwrap().chars().take(6).collect();
                app.baton.verify_contact_method(&sre, &sre, &"phone".parse().unwrap(), &code).await.unwrap();
            }
        }
        "/api/v1/feeds/{id}/revoke" => {
            app.baton.create_feed(&PersonId::parse(OUTSIDER).unwrap(), Some(rotation), None).await.unwrap();
        }
        "/api/v1/services/{id}/gates/{gate}/votes/{vote}/withdraw" => {
            let vote = baton_app::gates::VoteIn {
                team: None,
                vote: baton_core::gate::Vote::Plus,
                comment: "LGTM".into(),
                evidence: baton_core::Link::parse("https://git.example.com/mr/1").unwrap(),
            };
            let (service, gate) =
                (ServiceId::parse("streamhub").unwrap(), baton_core::GateId::parse("promote-to-prod").unwrap());
            app.baton.vote(&PersonId::parse(OWNER).unwrap(), &service, &gate, vote).await.unwrap();
        }
        "/api/v1/services/{id}/capacity/approve" => {
            let numbers = baton_app::gates::CapacityIn { max_installs: 50, max_installs_per_week: 5 };
            let service = ServiceId::parse("streamhub").unwrap();
            app.baton.propose_capacity(&PersonId::parse(OWNER).unwrap(), &service, numbers).await.unwrap();
        }
        "/api/v1/services/{id}/roadmap/{item}/agree" => {
            let item = baton_core::raci::NewRoadmapItem {
                slo: None,
                change: "add a latency SLO".into(),
                objective: None,
                owner: PersonId::parse(OWNER).unwrap(),
                due: "2026-06-30".parse().unwrap(),
            };
            let service = ServiceId::parse("streamhub").unwrap();
            app.baton.propose_roadmap(&service, &PersonId::parse(OWNER).unwrap(), item).await.unwrap();
        }
        _ => {}
    }
}

async fn secured_operations(app: &TestApp) -> Vec<(String, String)> {
    let (_, doc) = app.get("/api/v1/openapi.json").await;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Reads need a token too, but no role: security.rs tests them.
            if op.get("security").is_some() && (method != "get" || path == "/api/v1/tokens") {
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
        let app = spawn_app().await;
        let Some(c) = case(&app, &template) else {
            panic!("{method} {template} is a mutating endpoint with no row in the role matrix: add one")
        };
        drive(&app, c.stage).await;
        prepare(&app, &template).await;
        let c = Case { path: prepared_ids(&app, &c.path).await, ..c };
        let (status, body) = call(&app, &method, &c.path, None, c.body.clone()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")), "anonymous {template}");
        let admin = app.token("admin").await;
        let (status, _) = call(&app, &method, &c.path, Some(&admin), c.body.clone()).await;
        assert_eq!(status, 403, "the admin takes no pipeline step: {template}");
        // Those without the role first, so the step has not happened yet when they try.
        for who in PEOPLE.iter().filter(|p| !c.allowed.contains(p)) {
            let (status, body) = call(&app, &method, &c.path, Some(&app.token(who).await), c.body.clone()).await;
            assert_eq!(status, 403, "{who} on {template}: {body}");
            assert!(body["error"]["message"].as_str().unwrap().contains("may"), "says who may: {body}");
        }
        let who = c.allowed[0];
        let (status, body) = call(&app, &method, &c.path, Some(&app.token(who).await), c.body.clone()).await;
        assert!(matches!(status, 200 | 201 | 204 | 409), "{who} has the role for {template} but got {status}: {body}");
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

/// Signing in goes back to the page that asked, on this site only: `next` values that a
/// browser would read as another host (a tab or line break dropped, a backslash as a
/// slash) or that cannot be a header go to the person's own work (`/me`) instead, and none
/// of them answers 500.
#[tokio::test]
async fn signing_in_sends_people_back_to_this_site_only() {
    let app = spawn_app().await;
    let token = app.token(OWNER).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cases = [
        ("/services/streamhub", "/services/streamhub"),
        // A person with no page of this site to go back to lands on their own work.
        ("/", "/me"),
        ("/\t/evil.example", "/me"),
        ("/\n/evil.example", "/me"),
        ("//evil.example", "/me"),
        ("/\\evil.example", "/me"),
        ("https://evil.example/", "/me"),
        ("/alerts\u{1}", "/me"),
        ("/alerts /x", "/me"),
    ];
    for (next, expected) in cases {
        let (cookie, csrf) = crate::security::login_form(&client, &app.url).await;
        let resp = client
            .post(format!("{}/login", app.url))
            .header("cookie", cookie)
            .form(&[("token", token.as_str()), ("next", next), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 303, "next = {next:?}");
        assert_eq!(resp.headers()["location"], expected, "next = {next:?}");
    }
}

/// A browser session acts for its token no longer than the token does: revoking the token
/// signs the browser out at once, and a token that expires ends its session with it.
#[tokio::test]
async fn a_session_ends_with_its_token() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let sign_in = |secret: String| {
        let client = client.clone();
        let url = app.url.clone();
        async move {
            let (form_cookie, csrf) = crate::security::login_form(&client, &url).await;
            let form = [("token", secret.as_str()), ("next", "/"), ("csrf", csrf.as_str())];
            let resp = client.post(format!("{url}/login")).header("cookie", form_cookie).form(&form).send().await;
            let resp = resp.unwrap();
            assert_eq!(resp.status().as_u16(), 303);
            let cookie = resp.headers()["set-cookie"].to_str().unwrap();
            cookie.split(';').next().unwrap().to_owned()
        }
    };
    let signed_in = |cookie: String| {
        let client = client.clone();
        let url = app.url.clone();
        async move {
            let page = client.get(format!("{url}/")).header("cookie", cookie).send().await.unwrap();
            page.text().await.unwrap().contains(&format!("Signed in as <strong>{OWNER}</strong>"))
        }
    };
    let person = baton_core::PersonId::parse(OWNER).unwrap();

    let laptop = app.baton.create_token(&person, "laptop", None, "test").await.unwrap();
    let cookie = sign_in(laptop.secret.clone()).await;
    assert!(signed_in(cookie.clone()).await, "signed in with the token");
    app.baton.revoke_token(&laptop.token.id, "test").await.unwrap();
    assert!(!signed_in(cookie).await, "the token was revoked: its session no longer acts");

    let in_an_hour = app.now().checked_add(jiff::SignedDuration::from_hours(1)).unwrap();
    let short = app.baton.create_token(&person, "short", Some(in_an_hour), "test").await.unwrap();
    let cookie = sign_in(short.secret).await;
    assert!(signed_in(cookie.clone()).await);
    app.clock.advance(jiff::SignedDuration::from_mins(61));
    assert!(!signed_in(cookie).await, "the token expired after an hour, and its session with it");
}

/// The audit log is readable by anyone, so it never shows a channel's secrets: a Slack
/// webhook's token path and credentials and a PagerDuty routing key are logged redacted,
/// and a record written before that (its text unredacted) is shown redacted, with the
/// chain still verifying the stored text.
#[tokio::test]
async fn the_audit_log_shows_no_channel_secrets() {
    use baton_core::paging::{Channel, Delivery, PolicyId};
    use baton_core::Link;
    let app = spawn_app().await;
    let mut org = app.org.clone();
    let policy = org.escalations.get_mut(&PolicyId::parse("addon-sre-24x7").unwrap()).expect("the example's policy");
    policy.channels.push(Channel::Slack {
        url: Link::parse("https://bot:hunter2@hooks.slack.com/services/T0001/B0001/SLACKSECRET").unwrap().into(),
        delivery: Delivery::default(),
        mention: None,
    });
    policy.channels.push(Channel::PagerDuty {
        url: Link::parse("https://events.pagerduty.com/v2/enqueue").unwrap().into(),
        routing_key: "R0UTINGSECRET".to_owned().into(),
        delivery: Delivery::default(),
    });
    let written = serde_json::to_string(&baton_core::Definition::EscalationPolicy(policy.clone())).unwrap();
    app.baton.apply(&org, "test").await.unwrap();
    // As an earlier version logged it: the definition's text as stored.
    let old = baton_core::audit::AuditEntry {
        actor: "test".into(),
        action: "definition.changed".into(),
        subject: "escalation-policy/addon-sre-24x7".into(),
        reason: None,
        details: written,
    };
    let commit = baton_store::Commit { audit: vec![old], ..Default::default() };
    app.baton.store().commit(&commit, app.now()).await.unwrap();

    let (status, log) = app.get("/api/v1/audit?limit=1000").await;
    assert_eq!(status, 200);
    let text = log.to_string();
    for secret in ["SLACKSECRET", "hunter2", "R0UTINGSECRET"] {
        assert!(!text.contains(secret), "{secret} is readable in the audit log");
    }
    let policies = log.as_array().unwrap().iter().filter(|r| r["subject"] == "escalation-policy/addon-sre-24x7");
    assert_eq!(policies.clone().count(), 3, "added, changed by apply, and the old-style record");
    assert!(policies.clone().next_back().unwrap()["details"].as_str().unwrap().contains("redacted"));
    let (status, verified) = app.get("/api/v1/audit/verify").await;
    assert_eq!((status, verified["ok"].as_bool()), (200, Some(true)), "{verified}");
}
