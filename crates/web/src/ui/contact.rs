//! `/me/notifications`: how Baton reaches the person signed in: their contact methods
//! (add one, type the code sent to it, turn on and off, remove) and their notification
//! rules and quiet hours. Every form posts and redirects back (post/redirect/get).

use super::layout;
use super::session::Viewer;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_app::{ContactView, NewMethod, Principal};
use baton_core::contact::{Address, NotificationRule, QuietHours, RuleSet, Urgency};
use baton_core::id::MethodId;
use baton_core::{Link, Period, PersonId};
use maud::{html, Markup};
use serde::Deserialize;

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

#[derive(Deserialize)]
pub struct PageQuery {
    done: Option<String>,
}

const HERE: &str = "/me/notifications";

fn form(action: &str, csrf: &str, class: &str, fields: Markup, button: &str) -> Markup {
    html! {
        form class=(class) method="post" action={ (HERE) "/do/" (action) } {
            input type="hidden" name="csrf" value=(csrf);
            (fields)
            button type="submit" { (button) }
        }
    }
}

/// A rule list as typed in the form: `email, phone after 5m`.
fn rules_text(rules: &[NotificationRule], urgency: Urgency) -> String {
    rules
        .iter()
        .filter(|r| r.urgency == urgency)
        .map(|r| match r.after {
            Some(a) => format!("{} after {a}", r.method),
            None => r.method.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_rules(fields: &Fields) -> Result<RuleSet, ApiError> {
    let mut rules = Vec::new();
    for urgency in Urgency::ALL {
        let name = urgency.as_str();
        for part in field(fields, name).unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (method, after) = match part.split_once(" after ") {
                Some((m, a)) => (m.trim(), Some(a.trim())),
                None => (part, None),
            };
            let method = MethodId::parse(method).map_err(|e| ApiError::invalid(name, e.to_string()))?;
            let after = after
                .map(|a| Period::parse(a).map_err(|e| ApiError::invalid(name, format!("`{part}`: {e}"))))
                .transpose()?;
            rules.push(NotificationRule { urgency, method, after });
        }
    }
    let quiet_hours = field(fields, "quiet_hours")
        .map(|q| QuietHours::parse(q).map_err(|e| ApiError::invalid("quiet_hours", e.to_string())))
        .transpose()?;
    Ok(RuleSet { rules, quiet_hours })
}

fn body(view: &ContactView, csrf: &str, done: Option<&str>, failed: Option<&ApiError>) -> Markup {
    html! {
        h1 { "How Baton reaches you" }
        @if let Some(done) = done { p.banner.ok role="status" { (done) } }
        @if let Some(e) = failed { p.banner.bad role="alert" { (e.message) } }
        @if !view.problems.is_empty() {
            div.banner.bad.problems {
                strong { "What keeps Baton from reaching you:" }
                ul { @for p in &view.problems { li { (p) } } }
            }
        }
        h2 { "Contact methods" }
        @for m in &view.methods {
            div.card.method {
                strong { (m.id) } span.meta { " · " (m.address.kind()) @if m.from_definitions { " · from the definitions" } }
                p.address { (address(&m.address)) }
                p {
                    @if let Some(why) = &m.unavailable { span.warn { "Cannot be used: " (why) } }
                    @else if !m.verified { span.warn { "Waiting for its code" } }
                    @else if m.enabled { span.ok { "On" } }
                    @else { "Off" }
                }
                @if !m.verified {
                    (form(&format!("verify/{}", m.id), csrf, "inline", html! {
                        label { "Code" input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required; }
                    }, "Verify"))
                    " " (form(&format!("resend/{}", m.id), csrf, "inline", html! {}, "Send a new code"))
                } @else if m.enabled {
                    (form(&format!("off/{}", m.id), csrf, "inline", html! {}, "Turn off"))
                } @else {
                    (form(&format!("on/{}", m.id), csrf, "inline", html! {}, "Turn on"))
                }
                @if !m.from_definitions {
                    " " (form(&format!("remove/{}", m.id), csrf, "inline", html! {}, "Remove"))
                }
            }
        }
        div.actions { (form("add", csrf, "", html! {
            h3 { "Add a method" }
            p.meta { "A code is sent to it at once; it is used once you type the code here." }
            label { "Name it" input type="text" name="id" required maxlength="63" placeholder="phone"; }
            label { "Type" select name="type" {
                option value="email" { "Email" }
                option value="webhook" { "Webhook (a phone app, a push service)" }
                option value="slack" { "Slack member id (mentioned in your team's Slack channel)" }
                option value="pagerduty" { "PagerDuty routing key" }
            } }
            label { "Address" input type="text" name="address" required maxlength="2048"; }
        }, "Add and send a code")) }
        h2 { "Notification rules" }
        p.meta {
            @if view.default_rules { "These are the defaults. " }
            "Each line lists methods in order, each at once or after a delay: " code { "email, phone after 5m" } ". Pages always go through; information waits for the end of your quiet hours (in your time zone)."
        }
        (form("rules", csrf, "", html! {
            label { "Pages" input type="text" name="page" value=(rules_text(&view.rules, Urgency::Page)); }
            label { "Tickets" input type="text" name="ticket" value=(rules_text(&view.rules, Urgency::Ticket)); }
            label { "Information (RACI notices, reminders, requests)" input type="text" name="info" value=(rules_text(&view.rules, Urgency::Info)); }
            label { "Quiet hours" input type="text" name="quiet_hours" placeholder="22:00-07:00" value=(view.quiet_hours.map(|q| q.to_string()).unwrap_or_default()); }
        }, "Save rules"))
    }
}

fn address(a: &Address) -> String {
    match a {
        Address::Email { address } => address.clone(),
        Address::Webhook { url } => url.to_string(),
        Address::Slack { member } => member.clone(),
        Address::PagerDuty { routing_key } => routing_key.clone(),
    }
}

fn me(viewer: &Viewer) -> Option<(PersonId, String)> {
    let session = viewer.session.as_ref()?;
    match &session.principal {
        Principal::Person(p) => Some((p.clone(), session.csrf.clone())),
        Principal::Admin => None,
    }
}

async fn render(s: &AppState, viewer: &Viewer, done: Option<&str>, failed: Option<ApiError>) -> Response {
    let Some((person, csrf)) = me(viewer) else {
        let body = html! {
            h1 { "How Baton reaches you" }
            p { a href="/login?next=/me/notifications" { "Sign in" } " with your own token to manage your contact methods and notification rules." }
        };
        return layout::page("Notifications", viewer.session.as_ref(), body).into_response();
    };
    match s.baton.contact(&person, &person).await {
        Ok(view) => {
            let status = failed.as_ref().map_or(StatusCode::OK, |e| e.status);
            let page =
                layout::page("Notifications", viewer.session.as_ref(), body(&view, &csrf, done, failed.as_ref()));
            (status, page).into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub async fn page(State(s): State<AppState>, Query(q): Query<PageQuery>, viewer: Viewer) -> Response {
    render(&s, &viewer, q.done.as_deref(), None).await
}

pub async fn act(
    State(s): State<AppState>,
    Path(action): Path<String>,
    viewer: Viewer,
    Form(f): Form<Fields>,
) -> Response {
    run(s, action, None, viewer, f).await
}

pub async fn act_on(
    State(s): State<AppState>,
    Path((action, method)): Path<(String, String)>,
    viewer: Viewer,
    Form(f): Form<Fields>,
) -> Response {
    run(s, action, Some(method), viewer, f).await
}

async fn run(s: AppState, action: String, method: Option<String>, viewer: Viewer, fields: Fields) -> Response {
    if let Err(refused) = viewer.check_csrf(field(&fields, "csrf")) {
        return refused.into_response();
    }
    let Some((person, _)) = me(&viewer) else {
        let e = ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "sign in with your own token: the admin has no contact methods",
        );
        return render(&s, &viewer, None, Some(e)).await;
    };
    match work(&s, &person, &action, method, &fields).await {
        Ok(done) => Redirect::to(&format!("{HERE}?done={}", done.replace(' ', "+"))).into_response(),
        Err(e) => render(&s, &viewer, None, Some(e)).await,
    }
}

async fn work(
    s: &AppState,
    me: &PersonId,
    action: &str,
    method: Option<String>,
    fields: &Fields,
) -> Result<&'static str, ApiError> {
    let method = || -> Result<MethodId, ApiError> {
        let m = method.clone().ok_or_else(|| ApiError::invalid("method", "which method?"))?;
        MethodId::parse(&m).map_err(|e| ApiError::invalid("method", e.to_string()))
    };
    let b = &s.baton;
    Ok(match action {
        "add" => {
            let id = MethodId::parse(field(fields, "id").unwrap_or(""))
                .map_err(|e| ApiError::invalid("id", e.to_string()))?;
            let text = field(fields, "address").ok_or_else(|| ApiError::invalid("address", "give the address"))?;
            let address = match field(fields, "type").unwrap_or("") {
                "email" => Address::Email { address: text.into() },
                "webhook" => Address::Webhook {
                    url: Link::parse(text).map_err(|e| ApiError::invalid("address", e.to_string()))?,
                },
                "slack" => Address::Slack { member: text.into() },
                "pagerduty" => Address::PagerDuty { routing_key: text.into() },
                other => return Err(ApiError::invalid("type", format!("`{other}` is not a type of method"))),
            };
            b.add_contact_method(me, me, NewMethod { id, address }).await?;
            "added: type the code sent to it"
        }
        "verify" => {
            let code = field(fields, "code").ok_or_else(|| ApiError::invalid("code", "type the code"))?;
            b.verify_contact_method(me, me, &method()?, code).await?;
            "verified"
        }
        "resend" => {
            b.resend_contact_code(me, me, &method()?).await?;
            "a new code is on its way"
        }
        "on" => {
            b.switch_contact_method(me, me, &method()?, true).await?;
            "turned on"
        }
        "off" => {
            b.switch_contact_method(me, me, &method()?, false).await?;
            "turned off"
        }
        "remove" => {
            b.remove_contact_method(me, me, &method()?).await?;
            "removed"
        }
        "rules" => {
            b.set_notification_rules(me, me, parse_rules(fields)?).await?;
            "rules saved"
        }
        other => return Err(ApiError::invalid("action", format!("no action `{other}` here"))),
    })
}
