//! The schedule as a month calendar: a rotation's on its page, a person's own across every
//! rotation at `/me/shifts`. Days are the reader's (`baton_core::oncall::month`), in their
//! time zone; each shift is shown on every day it touches, with the hour it starts or ends
//! there and why it is that person's on hover. On a phone the weeks become a list of days.

use super::layout::{self, at, when};
use super::session::Viewer;
use super::zone::reader_zone;
use crate::{ApiError, AppState};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use baton_app::{Principal, ShiftView};
use baton_core::oncall::month::{month_grid, month_of, neighbours, on_day, parse_month, CalendarDay};
use baton_core::oncall::{Reason, RotationId};
use baton_core::{PersonId, Timestamp};
use jiff::civil::Date;
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

/// One shift as the calendar shows it.
pub struct Entry {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Who holds it (on a rotation's calendar) or which rotation (on "my shifts").
    pub label: String,
    /// Why it is theirs, in words (shown on hover and to screen readers).
    pub why: String,
    /// Not a plain turn: an override, swap, leave cover or repayment.
    pub changed: bool,
    /// The reader's own.
    pub mine: bool,
}

impl Entry {
    pub fn of(s: &ShiftView, label: String, me: Option<&PersonId>) -> Entry {
        let why = match &s.region {
            Some(r) => format!("{r}: {}", s.reason),
            None => s.reason.to_string(),
        };
        Entry {
            start: s.start,
            end: s.end,
            label,
            why,
            changed: !matches!(s.reason, Reason::Turn { .. }),
            mine: me == Some(&s.person.id),
        }
    }
}

/// Someone away (on leave) from `start` to `end`, shown on the days it touches.
pub struct Away {
    pub start: Timestamp,
    pub end: Timestamp,
    pub who: String,
}

/// The leave of `people` (recorded and still applying, or planned in the definitions), as
/// the calendar shows it.
pub fn away(org: &baton_core::Org, people: &[PersonId], recorded: &[baton_core::oncall::LeaveRecord]) -> Vec<Away> {
    let name = |p: &PersonId| org.people.get(p).map_or_else(|| p.to_string(), |x| x.name.clone());
    let mut out: Vec<Away> = recorded
        .iter()
        .filter(|l| l.applies() && people.contains(&l.person))
        .map(|l| l.as_leave())
        .map(|l| Away { start: l.start, end: l.end, who: name(&l.person) })
        .collect();
    for p in people {
        let Some(person) = org.people.get(p) else { continue };
        let tz = person.time_zone().unwrap_or(jiff::tz::TimeZone::UTC);
        out.extend(person.leave.iter().map(|l| l.leave(p, &tz)).map(|l| Away {
            start: l.start,
            end: l.end,
            who: name(p),
        }));
    }
    out
}

/// The month asked for (`?month=YYYY-MM`), else the reader's current one; a bad value is
/// said and the current month shown.
pub fn month_asked(asked: Option<&str>, now: Timestamp) -> (Date, Option<String>) {
    let current = month_of(now, &reader_zone());
    match asked.filter(|m| !m.is_empty()).map(parse_month) {
        Some(Ok(m)) => (m, None),
        Some(Err(e)) => (current, Some(e)),
        None => (current, None),
    }
}

/// The days shown for `month`, and the span to ask the schedule for.
pub fn grid(month: Date) -> (Vec<CalendarDay>, Option<(Timestamp, Timestamp)>) {
    let days = month_grid(month, &reader_zone());
    let span = days.first().zip(days.last()).map(|(a, b)| (a.start, b.end));
    (days, span)
}

fn hour(t: Timestamp) -> String {
    t.to_zoned(reader_zone()).strftime("%H:%M").to_string()
}

/// The calendar of `month` with `entries` and who is `away`, the months around it linked as
/// `base?month=…` (to the section `anchor`).
pub fn calendar(
    month: Date,
    days: &[CalendarDay],
    entries: &[Entry],
    away: &[Away],
    now: Timestamp,
    base: &str,
    anchor: &str,
) -> Markup {
    let (prev, next) = neighbours(month);
    let link = |m: Date| format!("{base}?month={}#{anchor}", m.strftime("%Y-%m"));
    let zone = super::zone::reader_zone_label();
    html! {
        nav.month aria-label="Month" {
            @if let Some(p) = prev { a href=(link(p)) rel="prev" { "← " (p.strftime("%B")) } }
            strong { (month.strftime("%B %Y")) }
            @if let Some(n) = next { a href=(link(n)) rel="next" { (n.strftime("%B")) " →" } }
        }
        p.meta { "Days and hours in " (zone) ". A highlighted name is a change to the turns (an override, a swap, cover for leave): hover or focus it for why. Leave shows as “away”." }
        div.weekdays aria-hidden="true" { @for d in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] { span { (d) } } }
        ol.calendar {
            @for day in days {
                @let here = on_day(day, entries, |e| (e.start, e.end));
                @let empty = here.is_empty() && on_day(day, away, |a| (a.start, a.end)).is_empty();
                @let today = day.start <= now && now < day.end;
                li.day.out[!day.in_month].empty[empty] aria-current=[today.then_some("date")] {
                    span.date { span.dow { (day.date.strftime("%a")) " " } (day.date.day()) @if !day.in_month { " " (day.date.strftime("%b")) } }
                    @for e in &here {
                        span.shift.changed[e.changed].mine[e.mine] title=(format!("{} to {}: {}", when(e.start), when(e.end), e.why)) tabindex="0" {
                            (e.label)
                            @match (e.start > day.start, e.end < day.end) {
                                (true, true) => span.meta { " " (hour(e.start)) "–" (hour(e.end)) },
                                (true, false) => span.meta { " from " (hour(e.start)) },
                                (false, true) => span.meta { " until " (hour(e.end)) },
                                (false, false) => {},
                            }
                            span.visually-hidden { " (" (e.why) ")" }
                        }
                    }
                    @for a in on_day(day, away, |a| (a.start, a.end)) {
                        span.away title=(format!("{} to {}", when(a.start), when(a.end))) { "away: " (a.who) }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// `/me/shifts`: the signed-in person's shifts on every rotation, as a month calendar and
/// as a list of the ones ahead in it, each linked to its rotation's swap and override forms.
pub async fn mine(State(s): State<AppState>, Query(q): Query<MonthQuery>, viewer: Viewer) -> Response {
    let Some(session) = viewer.session.as_ref() else {
        let body =
            html! { h1 { "My shifts" } p { a href="/login?next=/me/shifts" { "Sign in" } " to see your shifts." } };
        return layout::page("My shifts", None, body).into_response();
    };
    let Principal::Person(me) = &session.principal else {
        let body = html! { h1 { "My shifts" } p { "The admin holds no shifts: sign in with a person's token." } };
        return layout::page("My shifts", Some(session), body).into_response();
    };
    let now = s.baton.now();
    let (month, bad) = month_asked(q.month.as_deref(), now);
    let (days, span) = grid(month);
    let month_days: Vec<&CalendarDay> = days.iter().filter(|d| d.in_month).collect();
    let in_month = month_days.first().zip(month_days.last()).map(|(a, b)| (a.start, b.end));
    let mut entries = Vec::new();
    let mut ahead: Vec<(RotationId, String, ShiftView)> = Vec::new();
    let mut unread = Vec::new();
    let rotations = match s.baton.rotations().await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    for r in &rotations {
        let Some((from, to)) = span else { break };
        match s.baton.schedule(&r.id, from, to).await {
            Ok(shifts) => {
                for sh in shifts.into_iter().filter(|sh| &sh.person.id == me) {
                    entries.push(Entry::of(&sh, r.name.clone(), Some(me)));
                    if sh.end > now && in_month.is_some_and(|(a, b)| sh.start < b && sh.end > a) {
                        ahead.push((r.id.clone(), r.name.clone(), sh));
                    }
                }
            }
            // One rotation that cannot answer (e.g. a month beyond the horizon) is named,
            // and the others are still shown.
            Err(e) => unread.push(format!("{}: {e}", r.name)),
        }
    }
    entries.sort_by_key(|e| e.start);
    let mine_away = match (s.baton.org().await, s.baton.leave(Some(me)).await) {
        (Ok(org), Ok(recorded)) => away(&org, std::slice::from_ref(me), &recorded),
        (Err(e), _) | (_, Err(e)) => return ApiError::from(e).into_response(),
    };
    ahead.sort_by_key(|(_, _, sh)| sh.start);
    let body = html! {
        h1 { "My shifts" }
        @if let Some(e) = bad { div.banner.bad role="alert" { p { (e) } } }
        @for e in &unread { div.banner.bad role="alert" { p { (e) } } }
        section aria-labelledby="calendar" {
            h2 #calendar { "Calendar" }
            (calendar(month, &days, &entries, &mine_away, now, "/me/shifts", "calendar"))
        }
        h2 { "Ahead this month" }
        @if ahead.is_empty() { p.empty { "No shift of yours ahead in " (month.strftime("%B %Y")) "." } }
        @else {
            ul.shifts {
                @for (id, name, sh) in &ahead {
                    li {
                        strong { (name) } " " (at(sh.start)) " – " (at(sh.end))
                        span.meta { " · " (sh.reason) }
                        " " a href={ "/oncall/" (id) "#changes" } { "Swap or find cover" }
                    }
                }
            }
        }
        p.meta { "A calendar feed of your shifts: " a href={ "/oncall/" (rotations.first().map(|r| r.id.to_string()).unwrap_or_default()) "#subscribe" } { "Subscribe in your calendar" } " on any rotation's page." }
    };
    layout::page("My shifts", Some(session), body).into_response()
}

/// Styles for the calendar, added to the page's stylesheet.
pub const STYLE: PreEscaped<&str> = PreEscaped(
    "nav.month{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap;margin:.5rem 0}\
.weekdays,ol.calendar{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:2px;padding:0;margin:0}\
.weekdays span{font-size:.8rem;color:#555;padding:0 .25rem}\
ol.calendar{list-style:none}\
li.day{border:1px solid #ddd;min-height:4.5rem;padding:.2rem .25rem;font-size:.85rem;overflow-wrap:anywhere}\
li.day.out{background:#f6f6f6;color:#555}\
li.day[aria-current=date]{border:2px solid #1a4d8f}\
li.day .date{display:block;font-weight:600}\
li.day .dow{display:none}\
.shift{display:block;border-radius:3px;padding:0 .2rem;margin-top:.1rem}\
.shift.changed{background:#fff0c2}\
.shift.mine{font-weight:700}\
.away{display:block;font-size:.8rem;color:#7a4d00;font-style:italic}\
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\
@media (max-width:640px){.weekdays{display:none}ol.calendar{grid-template-columns:1fr}\
li.day{min-height:0}li.day.empty{display:none}li.day .dow{display:inline}}",
);
