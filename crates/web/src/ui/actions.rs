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
use baton_core::pipeline::{Command, Stage, SELF_SERVICE_ENVIRONMENTS};
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
    let mut body = Map::new();
    for (k, v) in fields.iter().filter(|(k, v)| k != "csrf" && !v.trim().is_empty()) {
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

/// The steps that could come next for this service; `core` still decides who may.
pub fn forms(v: &ServiceView, org: &Org, csrf: &str) -> Markup {
    let id = v.definition.id.as_str();
    let priorities = org.pipeline_policy().priorities;
    html! {
        div.actions {
            @match v.stage {
                Stage::Draft => (form(id, "propose", "Propose for SRE onboarding", csrf, html! {
                    p.meta { "Links left empty are taken from the service's definition." }
                    (url("epic", "Epic", false)) (url("questionnaire", "Onboarding questionnaire", false)) (url("service_definition", "Service definition", false))
                }, "Propose")),
                Stage::Proposed => {
                    (form(id, "accept", "Accept", csrf, html! {
                        label { "Priority" select name="priority" { @for p in &priorities { option value=(p) { (p) } } } }
                        (text("reason", "Why", true))
                    }, "Accept"))
                    (form(id, "reject", "Reject", csrf, text("reason", "Why", true), "Reject"))
                }
                Stage::Accepted => (form(id, "assign", "Assign an SRE team", csrf, html! {
                    label { "SRE team" select name="sre_team" {
                        @for t in org.teams.values().filter(|t| t.kind == TeamKind::Sre) { option value=(t.id) { (t.name) } }
                    } }
                    (text("scope", "Scope of the onboarding work", true))
                }, "Assign")),
                Stage::Onboarding => {
                    @for line in v.checklist.iter().filter(|l| !l.satisfied) {
                        (form(id, &format!("complete/{}", line.item.id), &line.item.title, csrf, url("evidence", "Evidence", true), "Mark done"))
                        (form(id, &format!("waive/{}", line.item.id), &format!("Waive: {}", line.item.title), csrf, html! {
                            (text("reason", "Why", true)) (when("expires_at", "Waiver expires"))
                        }, "Waive"))
                    }
                    (form(id, "soak", "Record the soak test", csrf, html! {
                        (when("started_at", "Started")) (when("ended_at", "Ended"))
                        label { "Result" select name="result" { option value="passed" { "passed" } option value="failed" { "failed" } } }
                        (url("link", "Report", true))
                    }, "Record"))
                    (form(id, "production", "Enter production", csrf, url("link", "Deployment", false), "Enter production"))
                }
                Stage::Transition => {
                    (form(id, "review", "Review the SLOs and SOPs", csrf, html! {
                        label { input type="checkbox" name="slos_met"; " The SLOs were met over the window" }
                        (url("evidence", "Evidence", true)) (text("notes", "Notes", false))
                    }, "Record review"))
                    (form(id, "handover", "Hand over the pager", csrf, text("reason", "Why", true), "Hand over"))
                }
                _ => {}
            }
            @if !v.stage.is_terminal() {
                @for env in SELF_SERVICE_ENVIRONMENTS {
                    (form(id, &format!("deploy/{env}"), &format!("Deployed to {env}"), csrf, text("version", "Version", false), "Record"))
                }
                (form(id, "retire", "Retire", csrf, text("reason", "Why", true), "Retire"))
            }
        }
    }
}
