//! The pipeline steps from the browser: one form per step, turned into the very command
//! the API takes, so validation and permissions are the same in both.

use super::service;
use super::session::Viewer;
use crate::body::parse_json;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_app::{Principal, ServiceView};
use baton_core::org::{Org, TeamKind};
use baton_core::pipeline::{Command, Stage, Waiting, SELF_SERVICE_ENVIRONMENTS};
use baton_core::ServiceId;
use maud::{html, Markup};
use serde_json::{Map, Value};

type Fields = Vec<(String, String)>;

pub async fn act(
    State(s): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    viewer: Viewer,
    Form(f): Form<Fields>,
) -> Response {
    run(s, id, action, None, viewer, f).await
}

pub async fn act_on(
    State(s): State<AppState>,
    Path((id, action, arg)): Path<(String, String, String)>,
    viewer: Viewer,
    Form(f): Form<Fields>,
) -> Response {
    run(s, id, action, Some(arg), viewer, f).await
}

async fn run(s: AppState, id: String, action: String, arg: Option<String>, viewer: Viewer, fields: Fields) -> Response {
    let csrf = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
    let session = match viewer.check_csrf(csrf) {
        Ok(session) => session.clone(),
        Err(refused) => return refused.into_response(),
    };
    let Ok(service_id) = ServiceId::parse(&id) else {
        return super::not_found_page(&format!("/services/{id}"));
    };
    let outcome = match (&session.principal, command(&action, arg, &fields)) {
        (Principal::Admin, _) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the admin takes no pipeline step: sign in with a person's token",
        )),
        (_, Err(e)) => Err(e),
        (Principal::Person(p), Ok(cmd)) => s.baton.act(&service_id, p, cmd).await.map_err(ApiError::from),
    };
    match outcome {
        // Post/redirect/get: reloading the page does not repeat the step.
        Ok(_) => Redirect::to(&format!("/services/{id}?done={action}")).into_response(),
        Err(e) => service::render(&s, &service_id, &viewer, None, Some(e)).await,
    }
}

/// Turns form fields into the JSON body of the same API call, then into its command.
fn command(action: &str, arg: Option<String>, fields: &Fields) -> Result<Command, ApiError> {
    // Final acts are confirmed in the form itself (a required box), and checked here for a
    // browser that does not enforce `required`.
    if FINAL.contains(&action) && !fields.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        let msg = format!("to {action} is final: tick \"{}\" to confirm", CONFIRM);
        return Err(ApiError::invalid("confirm", msg));
    }
    let mut body = Map::new();
    for (k, v) in fields.iter().filter(|(k, v)| k != "csrf" && k != "confirm" && !v.trim().is_empty()) {
        let value = match k.as_str() {
            "slos_met" => Value::Bool(v == "on" || v == "true"),
            // <input type=datetime-local> sends no zone; the form says times are UTC.
            "started_at" | "ended_at" | "expires_at" if v.len() == 16 => Value::String(format!("{v}:00Z")),
            _ => Value::String(v.clone()),
        };
        body.insert(k.clone(), value);
    }
    if action == "review" {
        body.entry("slos_met").or_insert(Value::Bool(false));
    }
    // The soak form's override is two fields; the API takes them as one object. Left
    // empty, the SLOs' verdict over the window decides.
    if action == "soak" {
        let result = body.remove("override_result");
        let reason = body.remove("override_reason");
        if result.is_some() || reason.is_some() {
            let mut o = Map::new();
            o.extend(result.map(|r| ("result".to_owned(), r)));
            o.extend(reason.map(|r| ("reason".to_owned(), r)));
            body.insert("override".into(), Value::Object(o));
        }
    }
    let bytes = serde_json::to_vec(&body).expect("a map serializes");
    let needs_arg = |what: &str| {
        arg.clone().ok_or_else(|| ApiError::invalid(what, format!("the {what} is missing from the address")))
    };
    Ok(match action {
        "propose" => Command::Propose(parse_json(&bytes)?),
        "accept" => Command::Accept(parse_json(&bytes)?),
        "reject" => Command::Reject(parse_json(&bytes)?),
        "assign" => Command::Assign(parse_json(&bytes)?),
        "complete" => Command::CompleteItem {
            item: baton_core::ItemId::parse(&needs_arg("item")?)
                .map_err(|e| ApiError::invalid("item", e.to_string()))?,
            body: parse_json(&bytes)?,
        },
        "waive" => Command::WaiveItem {
            item: baton_core::ItemId::parse(&needs_arg("item")?)
                .map_err(|e| ApiError::invalid("item", e.to_string()))?,
            body: parse_json(&bytes)?,
        },
        "soak" => Command::RecordSoak(parse_json(&bytes)?),
        "production" => Command::EnterProduction(parse_json(&bytes)?),
        "review" => Command::RecordReview(parse_json(&bytes)?),
        "handover" => Command::HandOver(parse_json(&bytes)?),
        "retire" => Command::Retire(parse_json(&bytes)?),
        "deploy" => Command::Deploy { environment: needs_arg("environment")?, body: parse_json(&bytes)? },
        other => return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no pipeline step `{other}`"))),
    })
}

/// Steps that cannot be undone: their forms ask for a confirmation.
const FINAL: [&str; 2] = ["reject", "retire"];
const CONFIRM: &str = "I understand this cannot be undone";

fn confirm() -> Markup {
    html! { label { input type="checkbox" name="confirm" value="yes" required; " " (CONFIRM) } }
}

fn form(id: &str, action: &str, title: &str, csrf: &str, fields: Markup, button: &str) -> Markup {
    html! {
        form method="post" action={ "/services/" (id) "/do/" (action) } {
            h3 { (title) }
            input type="hidden" name="csrf" value=(csrf);
            (fields)
            button type="submit" { (button) }
        }
    }
}

fn text(name: &str, label: &str, required: bool) -> Markup {
    html! { label { (label) input type="text" name=(name) required[required]; } }
}

fn url(name: &str, label: &str, required: bool) -> Markup {
    html! { label { (label) input type="url" name=(name) required[required] placeholder="https://"; } }
}

fn when(name: &str, label: &str) -> Markup {
    html! { label { (label) " (UTC)" input type="datetime-local" name=(name) required; } }
}

/// The forms of the steps `offered` to the person (`core::pipeline::offered`): one they
/// may not take has no form; one whose conditions are not met says what is missing.
pub fn forms(v: &ServiceView, org: &Org, csrf: &str, offered: &[Waiting]) -> Markup {
    let id = v.definition.id.as_str();
    let priorities = org.pipeline_policy().priorities;
    let step = |action: &str, on: Option<&str>| {
        offered.iter().find(|w| w.action.strip_prefix("service.") == Some(action) && w.on.as_deref() == on)
    };
    let has = |action: &str, on: Option<&str>| step(action, on).is_some();
    html! {
        div.actions {
            @match v.stage {
                Stage::Draft if has("propose", None) => (form(id, "propose", "Propose for SRE onboarding", csrf, html! {
                    p.meta { "Links left empty are taken from the service's definition." }
                    (url("epic", "Epic", false)) (url("questionnaire", "Onboarding questionnaire", false)) (url("service_definition", "Service definition", false))
                }, "Propose")),
                Stage::Proposed if has("accept", None) => {
                    (form(id, "accept", "Accept", csrf, html! {
                        // No priority is chosen for the architect: a default would be a decision.
                        label { "Priority" select name="priority" required {
                            option value="" { "choose…" }
                            @for p in &priorities { option value=(p) { (p) } }
                        } }
                        (text("reason", "Why", true))
                    }, "Accept"))
                    (form(id, "reject", "Reject (final)", csrf, html! { (text("reason", "Why", true)) (confirm()) }, "Reject"))
                }
                Stage::Accepted if has("assign", None) => (form(id, "assign", "Assign an SRE team", csrf, html! {
                    label { "SRE team" select name="sre_team" {
                        @for t in org.teams.values().filter(|t| t.kind == TeamKind::Sre) { option value=(t.id) { (t.name) } }
                    } }
                    (text("scope", "Scope of the onboarding work", true))
                }, "Assign")),
                Stage::Onboarding => {
                    @for line in v.checklist.iter().filter(|l| !l.satisfied) {
                        @if has("complete-item", Some(line.item.id.as_str())) {
                            (form(id, &format!("complete/{}", line.item.id), &line.item.title, csrf, url("evidence", "Evidence", true), "Mark done"))
                        }
                        @if has("waive-item", Some(line.item.id.as_str())) {
                            (form(id, &format!("waive/{}", line.item.id), &format!("Waive: {}", line.item.title), csrf, html! {
                                (text("reason", "Why", true)) (when("expires_at", "Waiver expires"))
                            }, "Waive"))
                        }
                    }
                    @if has("record-soak", None) { (form(id, "soak", "Record the soak test", csrf, html! {
                        p.meta { "Baton judges the service's SLOs over the window: met, not met or no data." }
                        (when("started_at", "Started")) (when("ended_at", "Ended"))
                        (url("link", "Report", true))
                        label { "Override (SRE team only)" select name="override_result" {
                            option value="" { "none: the SLOs decide" }
                            option value="passed" { "passed" } option value="failed" { "failed" }
                        } }
                        (text("override_reason", "Why override (recorded in the audit log)", false))
                    }, "Record")) }
                    @if has("enter-production", None) {
                        (form(id, "production", "Enter production", csrf, html! {
                            @if let Some(w) = step("enter-production", None).filter(|w| !w.ready()) {
                                p.meta { "Not yet: " (w.unmet.iter().map(|u| u.message.as_str()).collect::<Vec<_>>().join("; ")) }
                            }
                            (url("link", "Deployment", false))
                        }, "Enter production"))
                    }
                }
                Stage::Transition => {
                    @if has("record-review", None) {
                        (form(id, "review", "Review the SLOs and SOPs", csrf, html! {
                            label { input type="checkbox" name="slos_met"; " The SLOs were met over the window" }
                            (url("evidence", "Evidence", true)) (text("notes", "Notes", false))
                        }, "Record review"))
                    }
                    @if has("hand-over", None) {
                        (form(id, "handover", "Hand over the pager", csrf, text("reason", "Why", true), "Hand over"))
                    }
                }
                _ => {}
            }
            @for env in SELF_SERVICE_ENVIRONMENTS {
                @if has("deploy", Some(env)) {
                    (form(id, &format!("deploy/{env}"), &format!("Deployed to {env}"), csrf, text("version", "Version", false), "Record"))
                }
            }
            @if has("retire", None) {
                (form(id, "retire", "Retire (final)", csrf, html! { (text("reason", "Why", true)) (confirm()) }, "Retire"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::pipeline::{RecordSoak, SoakOverride, SoakResult};

    fn soak(pairs: &[(&str, &str)]) -> RecordSoak {
        let fields: Fields = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        match command("soak", None, &fields) {
            Ok(Command::RecordSoak(s)) => s,
            _ => panic!("the soak form makes a RecordSoak"),
        }
    }

    #[test]
    fn the_soak_form_sends_no_result_and_an_override_only_when_one_is_chosen() {
        let mut form = vec![
            ("csrf", "x"),
            ("started_at", "2026-03-02T09:00"),
            ("ended_at", "2026-03-10T09:00"),
            ("link", "https://ci.example.com/soak/1"),
            ("override_result", ""),
            ("override_reason", ""),
        ];
        let s = soak(&form);
        assert_eq!((s.overridden, s.result), (None, None), "left empty, the SLOs decide");
        assert_eq!(s.ended_at.to_string(), "2026-03-10T09:00:00Z");
        form[4] = ("override_result", "passed");
        form[5] = ("override_reason", "synthetic load counted (STREAMHUB-31)");
        let s = soak(&form);
        let reason = "synthetic load counted (STREAMHUB-31)".to_owned();
        assert_eq!(s.overridden, Some(SoakOverride { result: SoakResult::Passed, reason }));
    }
}
