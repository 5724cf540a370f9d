//! The alert list (a page at a time, kept current), one alert's page — its timeline (every
//! event and every message sent, with how its delivery stands and "Send again" for one
//! given up on), and what a responder does: acknowledge, escalate now, reassign, add a
//! note, resolve — and the outbox's dead letters (what could not be delivered, and why)
//! with a button to send each again.

use super::layout::{at, page, when};
use super::session::Viewer;
use super::PageError;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_app::paging::{AlertQuery, AlertView, Delivery};
use baton_app::Principal;
use baton_core::paging::{AlertEvent, Status};
use baton_core::{PersonId, ServiceId};
use baton_store::{DeliveryStatus, NotificationQuery};
use maud::{html, Markup};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListQuery {
    /// `1`: resolved alerts too.
    all: Option<String>,
    service: Option<ServiceId>,
    /// The next page's cursor.
    after: Option<String>,
}

fn status(s: Status) -> Markup {
    match s {
        Status::Triggered => html! { span.bad { "triggered" } },
        Status::Acknowledged => html! { span.warn { "acknowledged" } },
        Status::Resolved => html! { span.ok { "resolved" } },
    }
}

pub(crate) fn href(a: &AlertView) -> String {
    let key = a.alert.dedup_key.replace('%', "%25").replace('/', "%2F").replace('#', "%23").replace('?', "%3F");
    format!("/alerts/{}/{key}", a.alert.service)
}

/// A table of alerts; shared with the service page.
pub fn table(alerts: &[AlertView]) -> Markup {
    html! {
        div.scroll tabindex="0" { table {
            thead { tr { th { "Alert" } th { "Status" } th { "Severity" } th { "Service" } th { "Policy" } th { "Opened" } } }
            tbody {
                @for a in alerts {
                    tr {
                        td {
                            a href=(href(a)) { (a.alert.summary) }
                            @if a.alert.stranded.is_some() { br; span.bad { "stranded: pages nobody" } }
                            @if a.engine_failures > 0 { br; span.bad { "escalation failing" } }
                            @if a.alert.runbook_missing { br; span.meta.warn { "no runbook" } }
                            @if a.alert.repeats > 0 { br; span.meta { "repeated " (a.alert.repeats) "×" } }
                        }
                        td { (status(a.alert.status)) }
                        td { (a.alert.severity.as_str()) }
                        td { a href={ "/services/" (a.alert.service) } { (a.alert.service) } }
                        td { (a.alert.policy) }
                        td { (at(a.alert.opened_at)) }
                    }
                }
            }
        } }
    }
}

pub async fn list(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let all = q.all.as_deref() == Some("1");
    let query = AlertQuery { service: q.service.clone(), open: Some(!all), limit: Some(100), after: q.after.clone() };
    let alerts = s.baton.alerts(&query).await?;
    let dead = s
        .baton
        .store()
        .notifications(&NotificationQuery { status: Some(DeliveryStatus::Dead), limit: 50, ..Default::default() })
        .await
        .map_err(baton_app::AppError::from)?;
    let next = alerts.next.as_ref().map(|cursor| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if all {
            query.append_pair("all", "1");
        }
        if let Some(service) = &q.service {
            query.append_pair("service", service.as_str());
        }
        query.append_pair("after", cursor);
        format!("/alerts?{}", query.finish())
    });
    let body = html! {
        h1 { @if all { "All alerts" } @else { "Open alerts" } }
        p.meta {
            @if all { a href="/alerts" { "Only open ones" } } @else { a href="/alerts?all=1" { "Resolved ones too" } }
            @if q.after.is_some() { " · " a href=(if all { "/alerts?all=1" } else { "/alerts" }) { "Newest" } }
        }
        // The first page of open alerts keeps itself current; a later page or the whole
        // history is read, not watched.
        @if !all && q.after.is_none() { (super::layout::live_toggle(30)) }
        div data-refresh=[(!all && q.after.is_none()).then_some(30)] {
            @if alerts.alerts.is_empty() {
                p.empty { @if all { "No alert has come in yet." } @else { "No open alerts: nobody is being paged." } }
            } @else {
                (table(&alerts.alerts))
            }
        }
        @if let Some(next) = &next { p { a href=(next) { "Older alerts →" } } }
        h2 { "Notifications that could not be delivered" }
        @if dead.is_empty() {
            p.empty { "None: every notification was delivered or is still being tried." }
        } @else {
            div.scroll tabindex="0" { table {
                thead { tr { th { "About" } th { "Attempts" } th { "Last error" } th { "Given up" } th { "" } } }
                tbody { @for n in &dead { tr {
                    td { (n.subject) }
                    td { (n.attempts) }
                    td { (n.last_error.clone().unwrap_or_default()) }
                    td { (n.settled_at.map(when).unwrap_or_default()) }
                    td { (resend_form(viewer.session.as_ref().map(|v| v.csrf.as_str()), n.id, "/alerts")) }
                } } }
            } }
        }
    };
    Ok(page("Alerts", viewer.session.as_ref(), body).into_response())
}

async fn render(s: &AppState, viewer: &Viewer, service: &ServiceId, key: &str, error: Option<String>) -> Response {
    let alert = match s.baton.alert(service, key).await {
        Ok(a) => a,
        Err(e) => return PageError::from(e).into_response(),
    };
    let deliveries = match s.baton.alert_deliveries(&alert.alert).await {
        Ok(d) => d,
        Err(e) => return PageError::from(e).into_response(),
    };
    let a = &alert.alert;
    let csrf = viewer.session.as_ref().map(|v| v.csrf.as_str());
    let me = viewer.session.as_ref().and_then(|v| match &v.principal {
        Principal::Person(p) => Some(p.clone()),
        Principal::Admin => None,
    });
    // Forms only for those core lets respond; others are told why.
    let may = match &me {
        Some(p) => match s.baton.responds_to(p, a).await {
            Ok(may) => Some(may),
            Err(e) => return PageError::from(e).into_response(),
        },
        None => None,
    };
    let candidates = match (&may, a.status) {
        (Some(Ok(())), Status::Triggered | Status::Acknowledged) => match s.baton.reassign_candidates(a).await {
            Ok(c) => c,
            Err(e) => return PageError::from(e).into_response(),
        },
        _ => Vec::new(),
    };
    let org = match s.baton.org().await {
        Ok(o) => o,
        Err(e) => return PageError::from(e).into_response(),
    };
    let named = |p: &PersonId| org.people.get(p).map_or_else(|| p.to_string(), |x| format!("{} ({p})", x.name));
    let body = html! {
        p.meta { a href="/alerts" { "Alerts" } " › " (service) }
        h1 { (a.summary) }
        @if let Some(e) = &error { div.banner.bad { (e) } }
        @if let Some(why) = &a.stranded {
            div.banner.bad { "Stranded: this alert pages nobody. Its policy " (a.policy) " is gone and " (why)
                ". It is routed again as soon as the definitions give its service a policy." }
        }
        @if alert.engine_failures > 0 {
            div.banner.bad { "The engine failed to escalate this alert " (alert.engine_failures) " time(s) in a row; it keeps trying. Last error: "
                (alert.engine_error.clone().unwrap_or_default()) }
        }
        dl {
            dt { "Status" } dd { (status(a.status)) }
            dt { "Severity" } dd { (a.severity.as_str()) }
            dt { "Service" } dd { a href={ "/services/" (a.service) } { (a.service) } }
            dt { "Policy" } dd { (a.policy) " — " (a.route_reason) }
            dt { "Opened" } dd { (at(a.opened_at)) }
            @if let Some(ack) = &a.acknowledged { dt { "Acknowledged" } dd { (ack.by) ", " (at(ack.at)) } }
            @if let Some(r) = &a.resolved { dt { "Resolved" } dd { (r.by) ", " (at(r.at)) } }
            dt { "Runbook" } dd {
                @if let Some(r) = &a.runbook_url { a href=(r.to_string()) { (r.to_string()) } }
                @else { span.warn { "none came with the alert: a runbook to write" } }
            }
            @if let Some(source) = &a.source { dt { "Source" } dd { (source) } }
            dt { "Dedup key" } dd { code { (a.dedup_key) } }
        }
        @if a.status != Status::Resolved {
            @if let Some(Err(why)) = &may {
                p.meta { "You do not answer for this alert: " (why) "." }
            } @else if viewer.session.is_some() && may.is_none() {
                p.meta { "The admin responds to no alert: sign in with a person's token." }
            } @else if let Some(v) = &viewer.session {
                div.actions {
                    @if a.status == Status::Triggered {
                        form method="post" action={ (href(&alert)) "/ack" } {
                            input type="hidden" name="csrf" value=(v.csrf);
                            h3 { "Acknowledge" } p.meta { "You have it: escalation stops." }
                            button type="submit" { "Acknowledge" }
                        }
                    }
                    @if a.status == Status::Triggered && a.escalation.next_at.is_some() {
                        form method="post" action={ (href(&alert)) "/escalate" } {
                            input type="hidden" name="csrf" value=(v.csrf);
                            h3 { "Escalate now" } p.meta { "The next step of " (a.policy) " runs now, not at its time." }
                            button type="submit" { "Escalate now" }
                        }
                    }
                    @let others: Vec<&PersonId> = candidates.iter().filter(|p| Some(*p) != me.as_ref()).collect();
                    @if !others.is_empty() {
                        form method="post" action={ (href(&alert)) "/reassign" } {
                            input type="hidden" name="csrf" value=(v.csrf);
                            h3 { "Reassign" }
                            p.meta { "Hand it to someone: they are paged now, and it is theirs to acknowledge." }
                            label { "To" select name="to" required {
                                @for p in &others { option value=(p) { (named(p)) } }
                            } }
                            button type="submit" { "Reassign" }
                        }
                    }
                    form method="post" action={ (href(&alert)) "/resolve" } {
                        input type="hidden" name="csrf" value=(v.csrf);
                        h3 { "Resolve" } p.meta { "It is over. A new trigger opens a new alert." }
                        button type="submit" { "Resolve" }
                    }
                }
            } @else {
                p.meta { a href="/login" { "Sign in" } " to acknowledge or resolve." }
            }
        }
        @if let (Some(v), Some(Ok(()))) = (&viewer.session, &may) {
            form.card method="post" action={ (href(&alert)) "/note" } {
                input type="hidden" name="csrf" value=(v.csrf);
                label for="note" { "Add a note to its history: what you found, tried or decided" }
                textarea #note name="text" rows="3" maxlength="2000" required {}
                button type="submit" { "Add note" }
            }
        }
        @if !a.follow_ups.is_empty() {
            p { strong { "Still to come" } " (by the people's own rules, unless someone acknowledges first):" }
            ul { @for f in &a.follow_ups { li { (f.person) " by " (f.method) " at " (at(f.at)) } } }
        }
        h2 #timeline { "Timeline" }
        (timeline(&a.history, &deliveries, csrf, &href(&alert)))
    };
    let code = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    (code, page(&a.summary, viewer.session.as_ref(), body)).into_response()
}

/// One line of an alert's timeline.
enum Moment<'a> {
    Event(&'a AlertEvent),
    Sent(&'a Delivery),
}

impl Moment<'_> {
    fn at(&self) -> baton_core::Timestamp {
        match self {
            Moment::Event(e) => e.at,
            Moment::Sent(d) => d.queued_at,
        }
    }
}

/// Everything that happened to the alert, newest first: each event of its history and
/// each message sent about it — to whom, on which channel, and how its delivery stands,
/// with "Send again" for one given up on. At one instant the events come first, the later
/// above the earlier, then the messages they queued.
fn timeline(history: &[AlertEvent], deliveries: &[Delivery], csrf: Option<&str>, back: &str) -> Markup {
    // (rank, then the later of two events at one instant first)
    let mut moments: Vec<((u8, std::cmp::Reverse<usize>), Moment)> =
        history.iter().enumerate().map(|(i, e)| ((0, std::cmp::Reverse(i)), Moment::Event(e))).collect();
    moments.extend(deliveries.iter().map(|d| ((1, std::cmp::Reverse(0)), Moment::Sent(d))));
    moments.sort_by(|(a_rank, a), (b_rank, b)| b.at().cmp(&a.at()).then(a_rank.cmp(b_rank)));
    html! {
        div.scroll tabindex="0" { table.timeline {
            thead { tr { th { "When" } th { "What" } th { "Delivery" } } }
            tbody { @for (_, m) in &moments { @match m {
                Moment::Event(e) => tr.event { td { (at(e.at)) } td { (e.what) } td {} },
                Moment::Sent(d) => tr.sent {
                    td { (at(d.queued_at)) }
                    td {
                        @if d.kind == "page-update" { "Update" } @else { "Page" }
                        @if !d.to.is_empty() { " to " (d.to.join(", ")) }
                        " by " (d.channel) " " span.meta { (d.destination) }
                    }
                    td {
                        @match d.status.as_str() {
                            "delivered" => span.ok { "delivered" },
                            "dead" => span.bad { "not delivered (given up)" },
                            _ => span.warn { "pending" },
                        }
                        span.meta { " · " (d.attempts) " attempt" @if d.attempts != 1 { "s" } }
                        @if let Some(next) = d.next_attempt_at { br; span.meta { "next try " (at(next)) } }
                        @if let Some(e) = &d.last_error { br; span.meta { (e) } }
                        @if d.status == "dead" { (resend_form(csrf, d.id, back)) }
                    }
                },
            } } }
        } }
    }
}

/// The "Send again" button of a dead letter (signed-in people only).
fn resend_form(csrf: Option<&str>, id: i64, back: &str) -> Markup {
    html! {
        @if let Some(csrf) = csrf {
            form method="post" action={ "/notifications/" (id) "/resend" } {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="back" value=(back);
                button type="submit" aria-label={ "Send notification " (id) " again" } { "Send again" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ResendForm {
    csrf: Option<String>,
    back: Option<String>,
}

/// Sends a dead letter again, then goes back to the page the button was on (an alert's
/// page or the list; only a local path, never another site).
pub async fn resend(
    State(s): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<ResendForm>,
) -> Response {
    let session = match viewer.check_csrf(f.csrf.as_deref()) {
        Ok(session) => session.clone(),
        Err(refused) => return refused.into_response(),
    };
    let back = f.back.filter(|b| b.starts_with("/alerts")).unwrap_or_else(|| "/alerts".into());
    let Principal::Person(person) = &session.principal else {
        return PageError::from(baton_app::AppError::Forbidden(
            "the admin re-sends nothing: sign in with a person's token".into(),
        ))
        .into_response();
    };
    match s.baton.resend_notification(person, id).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

pub async fn show(State(s): State<AppState>, viewer: Viewer, Path((service, key)): Path<(String, String)>) -> Response {
    let Ok(service) = ServiceId::parse(&service) else { return super::not_found_page(&format!("/alerts/{service}")) };
    render(&s, &viewer, &service, &key, None).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
    /// A note's text.
    text: Option<String>,
    /// Whom to reassign the alert to.
    to: Option<String>,
}

pub async fn respond(
    State(s): State<AppState>,
    viewer: Viewer,
    Path((service, key, action)): Path<(String, String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let session = match viewer.check_csrf(f.csrf.as_deref()) {
        Ok(session) => session.clone(),
        Err(refused) => return refused.into_response(),
    };
    let Ok(service) = ServiceId::parse(&service) else { return super::not_found_page(&format!("/alerts/{service}")) };
    if !["ack", "resolve", "escalate", "note", "reassign"].contains(&action.as_str()) {
        return super::not_found_page(&format!("/alerts/{service}/{key}/{action}"));
    }
    let Principal::Person(person) = &session.principal else {
        let msg = "the admin responds to no alert: sign in with a person's token".to_owned();
        return render(&s, &viewer, &service, &key, Some(msg)).await;
    };
    let done = match action.as_str() {
        "escalate" => s.baton.escalate_alert_now(person, &service, &key).await,
        "note" => s.baton.note_alert(person, &service, &key, f.text.as_deref().unwrap_or("")).await,
        "reassign" => match PersonId::parse(f.to.as_deref().unwrap_or("")) {
            Ok(to) => s.baton.reassign_alert(person, &service, &key, &to).await,
            Err(_) => {
                Err(baton_app::AppError::Invalid { field: "to".into(), message: "choose whom to hand it to".into() })
            }
        },
        other => s.baton.respond_to_alert(person, &service, &key, other == "resolve").await,
    };
    match done {
        Ok(view) => Redirect::to(&href(&view)).into_response(),
        Err(e) => render(&s, &viewer, &service, &key, Some(crate::ApiError::from(e).message)).await,
    }
}
