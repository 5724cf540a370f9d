//! The on-call pages: every rotation with who is on call now and next, and why; and one
//! rotation's page — the shift under way with its duties, the week ahead, handovers waiting
//! for their acknowledgement, the on-call log and the runbooks to write — with forms for
//! the work of a shift, each the same `baton_app` call as the API's.

use super::layout::at;
use super::schedule;
use super::session::Viewer;
use super::PageError;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use baton_app::{AppError, CurrentShift, FairnessReport, LogPage, OnCallView, Principal, RotationView, ShiftView};
use baton_core::oncall::{
    LeaveRecord, LogKind, NewLeave, NewLogEntry, NewOverride, NewShiftNote, NewSwap, Reason, RotationId, RunbookTodo,
    ShiftDigest, ShiftNote, Swap, SwapState,
};
use baton_core::{Link, Org, PersonId};
use jiff::SignedDuration;
use maud::{html, Markup};
use serde::Deserialize;

/// The log entries shown on the page; the API pages through the rest.
const LOG_SHOWN: usize = 30;

fn rotation_id(id: &str) -> Result<RotationId, PageError> {
    RotationId::parse(id).map_err(|_| AppError::NotFound(format!("no rotation `{id}` is defined")).into())
}

/// `who`/`next` answer NotFound before a rotation's first shift change: shown as "nobody yet".
fn optional(r: Result<OnCallView, AppError>) -> Result<Option<OnCallView>, PageError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn signed_in_person(viewer: &Viewer) -> Option<&PersonId> {
    match &viewer.session.as_ref()?.principal {
        Principal::Person(p) => Some(p),
        Principal::Admin => None,
    }
}

/// `/oncall`: every rotation, who holds it now and who is next, and why.
pub async fn list(State(s): State<AppState>, viewer: Viewer) -> Result<Markup, PageError> {
    let rotations = s.baton.rotations().await?;
    let mut rows = Vec::new();
    for r in &rotations {
        let now = optional(s.baton.who(&r.id, None).await)?;
        let next = optional(s.baton.next(&r.id, None).await)?;
        let open = s.baton.shift_notes(&r.id, true).await?.len();
        rows.push((r, now, next, open));
    }
    let body = html! {
        h1 { "On call" }
        @if rows.is_empty() { p.empty { "No rotation is defined: add one under rotations/ in the definition repo." } }
        @else {
            div.scroll tabindex="0" { table.rotations {
                tr { th { "Rotation" } th { "On call now" } th { "Next" } th { "Handovers to acknowledge" } }
                @for (r, now, next, open) in &rows {
                    tr {
                        td { a href={ "/oncall/" (r.id) } { (r.name) } br; span.meta { (r.team) " · " (r.cadence) " · " (r.time_zone) } }
                        td { @match now {
                            Some(v) => { strong { (v.person.name) } " until " (at(v.end)) br; span.meta { (v.because) } },
                            None => span.empty { "nobody yet: the first shift change is " (at(r.first_shift_change)) },
                        } }
                        td { @if let Some(v) = next { (v.person.name) " from " (at(v.start)) br; span.meta { (v.because) } } }
                        td { @if *open == 0 { span.meta { "none" } } @else { span.warn { (open) " waiting" } } }
                    }
                }
            } }
        }
    };
    Ok(super::layout::page("On call", viewer.session.as_ref(), body))
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// What was just done, to confirm it (post/redirect/get).
    done: Option<String>,
    /// The calendar's month, `YYYY-MM` (the reader's current one by default).
    month: Option<String>,
}

pub async fn page(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    viewer: Viewer,
) -> Response {
    match rotation_id(&id) {
        Ok(id) => render(&s, &id, &viewer, Shown { done: q.done, month: q.month.as_deref(), ..Shown::default() }).await,
        Err(e) => e.into_response(),
    }
}

/// What one rendering of the page shows besides the rotation: what was just done, or why
/// it was refused; the address of a calendar feed just made (shown in this answer only: it
/// is the feed's only credential, never put in a redirect); the calendar's month.
#[derive(Default)]
struct Shown<'a> {
    done: Option<String>,
    failed: Option<ApiError>,
    feed: Option<String>,
    month: Option<&'a str>,
}

impl Shown<'_> {
    fn failed(e: ApiError) -> Self {
        Shown { failed: Some(e), ..Shown::default() }
    }
}

async fn render(s: &AppState, id: &RotationId, viewer: &Viewer, shown: Shown<'_>) -> Response {
    match render_page(s, id, viewer, shown).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    }
}

fn week(shifts: &[ShiftView]) -> Markup {
    html! {
        @if shifts.is_empty() { p.empty { "No shifts in the coming week." } }
        @else {
            div.scroll tabindex="0" { table.week {
                tr { th { "From" } th { "Until" } th { "Who" } th { "Why" } }
                @for sh in shifts {
                    tr { td { (at(sh.start)) } td { (at(sh.end)) } td { (sh.person.name) } td.meta { @if let Some(r) = &sh.region { (r) ": " } (Reason::to_string(&sh.reason)) } }
                }
            } }
        }
    }
}

fn form(id: &RotationId, action: &str, csrf: &str, class: &str, fields: Markup, button: &str) -> Markup {
    html! {
        form class=(class) method="post" action={ "/oncall/" (id) "/do/" (action) } {
            input type="hidden" name="csrf" value=(csrf);
            (fields)
            button type="submit" { (button) }
        }
    }
}

/// "Name (id)", or the id of someone no longer in the organisation.
fn named(org: &Org, p: &PersonId) -> String {
    org.people.get(p).map_or_else(|| p.to_string(), |x| format!("{} ({p})", x.name))
}

fn shift_note_card(h: &ShiftNote, org: &Org, id: &RotationId, me: Option<&PersonId>, csrf: Option<&str>) -> Markup {
    html! {
        div.card.handover {
            strong { (named(org, &h.outgoing)) " → " (named(org, &h.incoming)) } span.meta { " · shift change " (at(h.shift_end)) " · written " (at(h.written_at)) }
            p { (h.note) }
            @if !h.open_items.is_empty() { p.meta { "Open items:" } ul { @for i in &h.open_items { li { (i) } } } }
            @if !h.ongoing_incidents.is_empty() { p.meta { "Ongoing incidents:" } ul { @for i in &h.ongoing_incidents { li.warn { (i) } } } }
            @if let Some(t) = h.reminded_at { p.meta { "Reminded " (at(t)) "." } }
            @match (me, csrf) {
                (Some(me), Some(csrf)) if *me == h.incoming => {
                    (form(id, &format!("ack/{}", h.id()), csrf, "inline", html! {}, "Acknowledge"))
                }
                _ => p.meta { "Waiting for " (named(org, &h.incoming)) " to acknowledge it." },
            }
        }
    }
}

async fn render_page(s: &AppState, id: &RotationId, viewer: &Viewer, shown: Shown<'_>) -> Result<Response, PageError> {
    let Shown { done, failed, feed, month } = shown;
    let rotation = s
        .baton
        .rotations()
        .await?
        .into_iter()
        .find(|r| &r.id == id)
        .ok_or_else(|| PageError::from(AppError::NotFound(format!("no rotation `{id}` is defined"))))?;
    let now = optional(s.baton.who(id, None).await)?;
    let next = optional(s.baton.next(id, None).await)?;
    let shift = match &now {
        Some(_) => Some(s.baton.current_shift(id).await?),
        None => None,
    };
    let week_ahead = s.baton.schedule_query(id, None, None, Some(7)).await?;
    let handovers = s.baton.shift_notes(id, true).await?;
    let log = s.baton.oncall_log(id, None, Some(LOG_SHOWN)).await?;
    let todos = s.baton.runbook_todos(id, true).await?;
    let year_ago = s.baton.now().checked_sub(std::time::Duration::from_secs(365 * 86_400)).unwrap_or(s.baton.now());
    let fairness = s.baton.fairness_query(id, Some(&year_ago.to_string()), Some(&s.baton.now().to_string())).await?;
    let org = s.baton.org().await?;
    let me = signed_in_person(viewer);
    let csrf = viewer.session.as_ref().filter(|_| me.is_some()).map(|v| v.csrf.as_str());
    let in_team = me.is_some_and(|p| org.is_member(p, &rotation.team));
    let on_call_me = me.is_some_and(|p| now.as_ref().is_some_and(|n| &n.person.id == p));
    let st = Standing { me, csrf, in_team, on_call_me };
    // Only the person on call writes the handover: only they get the draft.
    let draft = if on_call_me { Some(s.baton.shift_digest(id).await?) } else { None };
    let members = org.teams.get(&rotation.team).map(|t| t.members.clone()).unwrap_or_default();
    let clock = s.baton.now();
    let all_leave = s.baton.leave(None).await?;
    let leave: Vec<LeaveRecord> =
        all_leave.iter().filter(|l| l.applies() && l.end > clock && members.contains(&l.person)).cloned().collect();
    let waiting: Vec<Swap> = s.baton.swaps(id).await?.into_iter().filter(|w| w.state == SwapState::Requested).collect();
    let away = schedule::away(&org, &members, &all_leave);
    let (month, bad_month) = schedule::month_asked(month, clock);
    let (days, span) = schedule::grid(month);
    // A month the schedule cannot answer for (beyond its horizon) is said in its section.
    let month_shifts = match span {
        Some((from, to)) => s.baton.schedule(id, from, to).await.map_err(|e| e.to_string()),
        None => Ok(Vec::new()),
    };
    let weeks = clock.saturating_add(SignedDuration::from_hours(24 * CHANGE_DAYS)).unwrap_or(clock);
    let ahead = if st.in_team && weeks > clock { s.baton.schedule(id, clock, weeks).await? } else { Vec::new() };
    let status = failed.as_ref().map_or(StatusCode::OK, |e| e.status);
    let body = html! {
        (heading(&rotation, id, done.as_deref(), failed.as_ref(), &st))
        (on_call_now(&rotation, now.as_ref(), next.as_ref()))
        (duties(shift.as_ref(), id, &st))
        (shift_notes(&handovers, draft.as_ref(), &org, id, &st))

        h2 { "The week ahead" }
        (week(&week_ahead))
        section aria-labelledby="calendar" {
            h2 #calendar { "Calendar" }
            @if let Some(e) = bad_month { div.banner.bad role="alert" { p { (e) } } }
            @match &month_shifts {
                Ok(shifts) => {
                    @let entries: Vec<schedule::Entry> = shifts.iter().map(|sh| schedule::Entry::of(sh, sh.person.name.clone(), me)).collect();
                    (schedule::calendar(month, &days, &entries, &away, clock, &format!("/oncall/{id}"), "calendar"))
                }
                Err(e) => div.banner.bad role="alert" { p { (e) } p { a href={ "/oncall/" (id) "#calendar" } { "Back to this month" } } },
            }
        }
        (changes_section(&ahead, &org, &members, clock, id, &st))
        (subscribe_section(id, feed.as_deref(), &st))
        (leave_section(&leave, &waiting, &org, &members, clock, id, &st))
        (fairness_section(&fairness))

        (runbooks_to_write(&todos, id, &st))
        (log_section(&log, id, &st))
    };
    Ok((status, super::layout::page(&rotation.name, viewer.session.as_ref(), body)).into_response())
}

/// Calendar feeds (RFC 5545) to subscribe to: this rotation's shifts, or the reader's own
/// across every rotation; the address is shown once, right after it is made.
fn subscribe_section(id: &RotationId, feed: Option<&str>, st: &Standing) -> Markup {
    html! {
        h2 #subscribe { "Subscribe in your calendar" }
        @if let Some(url) = feed {
            div.banner.ok role="status" {
                p { "Your calendar feed (shown this once: anyone with the address can read the shifts):" }
                p { code.address { (url) } }
                p.meta { "Add it to your calendar app as a subscription by URL" @if url.starts_with('/') { ", after this site's address" } ". Shifts from 7 days back to 90 days ahead, overrides and swaps included." }
            }
        }
        @match st.csrf {
            Some(csrf) => div.actions {
                (form(id, "subscribe", csrf, "", html! {
                    input type="hidden" name="what" value="rotation";
                    h3 { "This rotation" } p.meta { "Everyone's shifts on it." }
                }, "Get a feed of this rotation"))
                (form(id, "subscribe", csrf, "", html! {
                    input type="hidden" name="what" value="mine";
                    h3 { "My shifts" } p.meta { "Yours, on every rotation." }
                }, "Get a feed of my shifts"))
            },
            None => p.meta { a href={ "/login?next=/oncall/" (id) "%23subscribe" } { "Sign in" } " to get a calendar feed." },
        }
    }
}

/// Leave ahead (recorded, and planned in the definitions), the swaps and cover requests
/// waiting for an answer — with Accept and Decline for the person asked — and the form for
/// a member to record their own leave.
fn leave_section(
    leave: &[LeaveRecord],
    waiting: &[Swap],
    org: &Org,
    members: &[PersonId],
    now: baton_core::Timestamp,
    id: &RotationId,
    st: &Standing,
) -> Markup {
    let planned: Vec<(&PersonId, &baton_core::oncall::PlannedLeave)> = members
        .iter()
        .filter_map(|m| org.people.get(m).map(|p| (m, p)))
        .flat_map(|(m, p)| p.leave.iter().map(move |l| (m, l)))
        .filter(|(_, l)| l.to >= now.to_zoned(jiff::tz::TimeZone::UTC).date())
        .collect();
    html! {
        h2 #swaps { "Leave and cover" }
        @if leave.is_empty() && planned.is_empty() { p.empty { "Nobody on the team has leave ahead." } }
        @else {
            p.meta { "Turns during leave recorded two weeks or more ahead pass to the next free person and are owed back; sooner, someone is asked to cover." }
            ul.leave {
                @for l in leave { li { strong { (named(org, &l.person)) } " away " (at(l.start)) " – " (at(l.end)) span.meta { " · " (l.reason) } } }
                @for (m, l) in &planned { li { strong { (named(org, m)) } " away " (l.from) " – " (l.to) span.meta { " · planned in the definitions" @if let Some(r) = &l.reason { ": " (r) } } } }
            }
        }
        @if !waiting.is_empty() {
            h3 { "Waiting for an answer" }
            ul.waiting {
                @for w in waiting {
                    li {
                        @match &w.with_shift {
                            None => { (named(org, &w.requester)) " asks " strong { (named(org, &w.with)) } " to cover " (at(w.requester_shift.start)) " – " (at(w.requester_shift.end)) },
                            Some(t) => { (named(org, &w.requester)) " asks " strong { (named(org, &w.with)) } " to swap " (at(w.requester_shift.start)) " for " (at(t.start)) },
                        }
                        @if let Some(r) = &w.reason { span.meta { " · " (r) } }
                        @if let (Some(me), Some(csrf)) = (st.me, st.csrf) {
                            @if me == &w.with {
                                " " (form(id, &format!("accept/{}", w.id), csrf, "inline", html! {}, "Accept"))
                                " " (form(id, &format!("decline/{}", w.id), csrf, "inline", html! {}, "Decline"))
                            }
                        }
                    }
                }
            }
        }
        @if let (true, Some(csrf)) = (st.in_team, st.csrf) {
            div.actions { (form(id, "leave", csrf, "", html! {
                h3 { "Record your leave" }
                p.meta { "Whole days, in your time zone; the last day is included." }
                label { "First day" input type="date" name="from" required; }
                label { "Last day" input type="date" name="to" required; }
                label { "Reason" input type="text" name="reason" required maxlength="500"; }
            }, "Record leave")) }
        }
    }
}

/// How far ahead the swap form offers shifts.
const CHANGE_DAYS: i64 = 28;

/// The forms for a member to change who holds a shift: ask someone to swap one of theirs
/// or to cover one of mine (they accept or decline), or take over some time myself (an
/// override, applied at once). Core checks each (`Swap::request`, `check_override`).
fn changes_section(
    ahead: &[ShiftView],
    org: &Org,
    members: &[PersonId],
    now: baton_core::Timestamp,
    id: &RotationId,
    st: &Standing,
) -> Markup {
    let (Some(me), Some(csrf), true) = (st.me, st.csrf, st.in_team) else { return html! {} };
    let future: Vec<&ShiftView> = ahead.iter().filter(|sh| sh.start > now).collect();
    let mine: Vec<&&ShiftView> = future.iter().filter(|sh| &sh.person.id == me).collect();
    let others: Vec<&PersonId> = members.iter().filter(|m| *m != me).collect();
    let zone = super::zone::reader_zone_label();
    html! {
        h2 #changes { "Swap, cover or override" }
        div.actions {
            @if mine.is_empty() { div.card { h3 { "Swap or find cover" } p.empty { "You hold no shift in the next four weeks." } } }
            @else {
                (form(id, "swap", csrf, "", html! {
                    h3 { "Swap or find cover" }
                    p.meta { "The person asked accepts or declines; nothing changes until they accept." }
                    label { "My shift" select name="mine" required {
                        @for sh in &mine { option value=(sh.start) { (at(sh.start)) " – " (at(sh.end)) } }
                    } }
                    label { "Ask" select name="with" required {
                        optgroup label="to cover it" {
                            @for p in &others { option value={ "cover:" (p) } { (named(org, p)) " to cover it" } }
                        }
                        optgroup label="to swap it for one of theirs" {
                            @for sh in future.iter().filter(|sh| &sh.person.id != me) {
                                option value={ "swap:" (sh.person.id) ":" (sh.start) } { (sh.person.name) "'s " (at(sh.start)) " – " (at(sh.end)) }
                            }
                        }
                    } }
                    label { "Why (optional)" input type="text" name="reason" maxlength="500"; }
                }, "Ask"))
            }
            (form(id, "override", csrf, "", html! {
                h3 { "Take over some time" }
                p.meta { "An override: you hold the rotation from the first time to the second, in " (zone) ". It applies at once and tells the person whose time it was." }
                label { "Whose time" select name="covered" {
                    option value="" { "whoever is on call then" }
                    @for p in &others { option value=(p) { (named(org, p)) } }
                } }
                label { "From" input type="datetime-local" name="from" required; }
                label { "Until" input type="datetime-local" name="until" required; }
                label { "Why" input type="text" name="reason" required maxlength="500"; }
            }, "Take over"))
        }
    }
}

/// A `datetime-local` field, read in the reader's zone (the one the form names).
fn local_instant(fields: &Fields, name: &str) -> Result<baton_core::Timestamp, ApiError> {
    let raw = field(fields, name).unwrap_or_default();
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(super::zone::reader_zone()).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| ApiError::invalid(name, format!("`{raw}` is not a date and time (YYYY-MM-DDTHH:MM)")))
}

/// The last twelve months of the ledger: who carried how much, weekends and holidays
/// weighing more, and how even it is.
fn fairness_section(f: &FairnessReport) -> Markup {
    let worked: Vec<_> = f.people.iter().filter(|p| p.shifts > 0 || p.hours > 0.0).collect();
    html! {
        h2 { "Fairness, the last twelve months" }
        @if worked.is_empty() { p.empty { "No shifts in the last twelve months." } }
        @else {
            @if let Some(spread) = f.spread {
                p.meta { "The most loaded carried " strong { (format!("{spread:.2}×")) } " the weighted hours of the least loaded (weekend hours count 1.5, holiday hours 2). The reshuffle gives each cycle's heaviest shifts to whoever has carried the least." }
            }
            div.scroll tabindex="0" { table.fairness {
                tr { th { "Who" } th.num { "Shifts" } th.num { "Hours" } th.num { "Weekend hours" } th.num { "Holiday hours" } th.num { "Weighted" } th.num { "Turns owed for leave" } }
                @for p in &worked {
                    tr {
                        td { (p.name) }
                        td.num { (p.shifts) }
                        td.num { (format!("{:.0}", p.hours)) }
                        td.num { (format!("{:.0}", p.weekend_hours)) }
                        td.num { (format!("{:.0}", p.holiday_hours)) }
                        td.num { (format!("{:.0}", p.weighted_hours)) }
                        td.num { (p.turns_owed) }
                    }
                }
            } }
        }
    }
}

/// Where the viewer stands on this rotation, which decides the forms the page shows.
struct Standing<'a> {
    /// The signed-in person, if a person is signed in.
    me: Option<&'a PersonId>,
    /// The session's CSRF token, for a signed-in person.
    csrf: Option<&'a str>,
    /// A member of the rotation's team: logs work and links runbooks.
    in_team: bool,
    /// The person on call now: ticks duties and writes the handover.
    on_call_me: bool,
}

/// The rotation's name and team, the confirmation or refusal of what was just done, and
/// its shift change.
fn heading(
    rotation: &RotationView,
    id: &RotationId,
    done: Option<&str>,
    failed: Option<&ApiError>,
    st: &Standing,
) -> Markup {
    html! {
        h1 { (rotation.name) " " span.pill { (rotation.team) } }
        @if let Some(d) = done { div.banner.ok role="status" { "Recorded: " (d) "." } }
        @if let Some(e) = failed { div.banner.bad role="alert" { strong { "Not done: " } (e.message) @if let Some(f) = &e.field { span.meta { " (field `" (f) "`)" } } } }
        @if rotation.regions.is_empty() {
            p.meta { (rotation.cadence) " shift change at " (rotation.handoff) " " (rotation.time_zone) " · times below are " (super::zone::reader_zone_label()) }
        } @else {
            p.meta { "Follow-the-sun, " (rotation.cadence) " within each region: " (rotation.regions.join(" · ")) " · times below are " (super::zone::reader_zone_label()) }
        }
        @if st.me.is_none() { p.meta { a href={ "/login?next=/oncall/" (id) } { "Sign in" } " to log work, acknowledge a handover or ask for help." } }
    }
}

/// Who is on call now and who is next, and why.
fn on_call_now(rotation: &RotationView, now: Option<&OnCallView>, next: Option<&OnCallView>) -> Markup {
    html! {
        h2 { "On call now" }
        @match now {
            Some(v) => p.oncall {
                strong { (v.person.name) } " (" (v.person.id) ") until " (at(v.end))
                @if let Some(chat) = &v.person.chat { " · " (chat) }
                br; span.meta { "Why: " (v.because) }
            },
            None => p.empty { "Nobody yet: the first shift change is " (at(rotation.first_shift_change)) "." },
        }
        @if let Some(v) = next {
            p { "Next: " strong { (v.person.name) } " from " (at(v.start)) br; span.meta { "Why: " (v.because) } }
        }
    }
}

/// The duties of the shift under way, each ticked or with a button for the person on call.
fn duties(shift: Option<&CurrentShift>, id: &RotationId, st: &Standing) -> Markup {
    html! {
        h2 { "Duties of this shift" }
        @match shift {
            Some(sh) if !sh.duties.is_empty() => ul.duties {
                @for d in &sh.duties {
                    li {
                        @match &d.done {
                            Some(x) => { span.ok { "☑ " } (d.duty) span.meta { " · done by " (x.by) " " (at(x.at)) } },
                            None => {
                                span { "☐ " } (d.duty)
                                @if let (true, Some(csrf)) = (st.on_call_me, st.csrf) {
                                    " " (form(id, &format!("tick/{}", d.n), csrf, "inline", html! {}, "Done"))
                                }
                            },
                        }
                    }
                }
            },
            Some(_) => p.empty { "The rotation defines no duties." },
            None => p.empty { "No shift is under way." },
        }
    }
}

/// The handovers waiting for acknowledgement, and the form for the person on call to write theirs.
fn shift_notes(
    handovers: &[ShiftNote],
    draft: Option<&ShiftDigest>,
    org: &Org,
    id: &RotationId,
    st: &Standing,
) -> Markup {
    let (note, items, incidents) = match draft {
        Some(d) => (d.note.clone(), d.open_items.join("\n"), d.ongoing_incidents.join("\n")),
        None => Default::default(),
    };
    html! {
        h2 { "Handovers waiting for acknowledgement" }
        @if handovers.is_empty() { p.empty { "None: every handover has been acknowledged." } }
        @for h in handovers { (shift_note_card(h, org, id, st.me, st.csrf)) }
        @if let (true, Some(csrf)) = (st.on_call_me, st.csrf) {
            div.actions { (form(id, "handover", csrf, "", html! {
                h3 { "Write your handover" }
                p.meta { "Prefilled with what happened during your shift: edit it before you hand over." }
                label { "How the shift went" textarea name="note" required rows="3" { (note) } }
                label { "Open items (one per line)" textarea name="open_items" rows="4" { (items) } }
                label { "Ongoing incidents (one per line)" textarea name="ongoing_incidents" rows="2" { (incidents) } }
            }, "Hand over")) }
        }
    }
}

/// The closed incidents still without a runbook, with a form for the team to link one.
fn runbooks_to_write(todos: &[RunbookTodo], id: &RotationId, st: &Standing) -> Markup {
    html! {
        h2 { "Runbooks to write" }
        @if todos.is_empty() { p.empty { "None: every closed incident has its runbook." } }
        @for t in todos {
            div.card.todo {
                strong { (t.what) } span.meta { " · " (t.id) " · opened by " (t.opened_by) " " (at(t.opened_at)) }
                @for l in &t.links { br; a href=(l) { (l) } }
                @if let (true, Some(csrf)) = (st.in_team, st.csrf) {
                    (form(id, &format!("resolve/{}", t.id), csrf, "", html! {
                        label { "Runbook written" input type="url" name="runbook" required placeholder="https://"; }
                    }, "Link runbook"))
                }
            }
        }
    }
}

/// The on-call log's latest entries, with the team's forms to log work and ask for help.
fn log_section(log: &LogPage, id: &RotationId, st: &Standing) -> Markup {
    html! {
        h2 { "On-call log" }
        @if let (true, Some(csrf)) = (st.in_team, st.csrf) {
            div.actions {
                (form(id, "log", csrf, "", html! {
                    h3 { "Log work" }
                    label { "Kind" select name="kind" { @for k in LogKind::ALL.iter().filter(|k| **k != LogKind::Help) { option value=(k) { (k) } } } }
                    label { "What" textarea name="text" required rows="2" {} }
                    label { "Link" input type="url" name="link" placeholder="https://"; }
                    label { input type="checkbox" name="incident_closed"; " The incident is over" }
                    label { "Runbook" input type="url" name="runbook" placeholder="https://"; }
                }, "Log"))
                (form(id, "help", csrf, "", html! {
                    h3 { "Ask the team for help" }
                    label { "What you are stuck on" textarea name="text" required rows="2" {} }
                }, "Ask for help"))
            }
        }
        @if log.entries.is_empty() { p.empty { "Nothing logged yet." } }
        @else {
            div.scroll tabindex="0" { table.log {
                tr { th { "#" } th { "When" } th { "Who" } th { "Kind" } th { "What" } }
                @for e in &log.entries {
                    tr {
                        td { (e.seq) } td { (at(e.at)) } td { (e.by) }
                        td { span class=(if e.kind == LogKind::Help { "pill warn" } else { "pill" }) { (e.kind) } @if e.incident_closed { " " span.meta { "closed" } } }
                        td { (e.text)
                            @for l in &e.links { br; a href=(l) { (l) } }
                            @if let Some(r) = &e.runbook { br; "runbook: " a href=(r) { (r) } }
                        }
                    }
                }
            } }
            @if log.next_before.is_some() { p.meta { "Older entries: " code { "GET /api/v1/rotations/" (id) "/log?before=" (log.next_before.unwrap_or(0)) } } }
        }
    }
}

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

fn link(fields: &Fields, name: &str) -> Result<Option<Link>, ApiError> {
    field(fields, name).map(|v| Link::parse(v).map_err(|e| ApiError::invalid(name, e.to_string()))).transpose()
}

fn lines(fields: &Fields, name: &str) -> Vec<String> {
    field(fields, name)
        .map(|v| v.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

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
    let session = match viewer.check_csrf(field(&fields, "csrf")) {
        Ok(session) => session.clone(),
        Err(refused) => return refused.into_response(),
    };
    let rotation = match rotation_id(&id) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let Principal::Person(by) = &session.principal else {
        let e = ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the admin does no on-call work: sign in with a person's token",
        );
        return render(&s, &rotation, &viewer, Shown::failed(e)).await;
    };
    if action == "subscribe" {
        let (rot, person) = match field(&fields, "what") {
            Some("mine") => (None, Some(by.clone())),
            _ => (Some(rotation.clone()), None),
        };
        return match s.baton.create_feed(by, rot, person).await {
            Ok(issued) => {
                let url = issued.url.clone().unwrap_or_else(|| issued.path());
                let shown = Shown { done: Some("calendar feed made".into()), feed: Some(url), ..Shown::default() };
                render(&s, &rotation, &viewer, shown).await
            }
            Err(e) => render(&s, &rotation, &viewer, Shown::failed(ApiError::from(e))).await,
        };
    }
    match work(&s, &rotation, &action, arg, by, &fields).await {
        // Post/redirect/get: reloading the page does not repeat the work.
        Ok(done) => Redirect::to(&format!("/oncall/{rotation}?done={done}")).into_response(),
        Err(e) => render(&s, &rotation, &viewer, Shown::failed(e)).await,
    }
}

/// Does `action` as `by`; what to confirm on success.
async fn work(
    s: &AppState,
    rotation: &RotationId,
    action: &str,
    arg: Option<String>,
    by: &PersonId,
    fields: &Fields,
) -> Result<&'static str, ApiError> {
    let arg = || {
        arg.clone()
            .ok_or_else(|| ApiError::invalid("action", format!("`{action}` needs what it acts on in the address")))
    };
    let b = &s.baton;
    Ok(match action {
        "ack" => {
            b.acknowledge_shift_note(rotation, &arg()?, by).await?;
            "handover acknowledged"
        }
        "tick" => {
            let n = arg()?.parse().map_err(|_| ApiError::invalid("n", "not a duty's number"))?;
            b.tick_duty(rotation, n, by).await?;
            "duty done"
        }
        "resolve" => {
            let runbook =
                link(fields, "runbook")?.ok_or_else(|| ApiError::invalid("runbook", "link the runbook written"))?;
            b.resolve_runbook_todo(rotation, &arg()?, by, runbook).await?;
            "runbook linked"
        }
        "handover" => {
            let new = NewShiftNote {
                note: field(fields, "note").unwrap_or_default().to_owned(),
                open_items: lines(fields, "open_items"),
                ongoing_incidents: lines(fields, "ongoing_incidents"),
            };
            b.write_shift_note(rotation, by, new).await?;
            "handover written"
        }
        "leave" => {
            let (from, to) = (field(fields, "from").unwrap_or_default(), field(fields, "to").unwrap_or_default());
            let (start, end) = b.leave_bounds(by, from, to).await?;
            let reason = field(fields, "reason").unwrap_or_default().to_owned();
            let outcome = b.record_leave(by, by, NewLeave { start, end, reason }).await?;
            if outcome.cover_requests.is_empty() && outcome.uncovered.is_empty() {
                "leave recorded"
            } else {
                "leave recorded; your published shifts during it need cover, asked for below"
            }
        }
        "swap" => {
            let mine = field(fields, "mine").unwrap_or_default();
            let mine =
                mine.parse().map_err(|_| ApiError::invalid("mine", format!("`{mine}` is not a shift's start")))?;
            let asked = field(fields, "with").unwrap_or_default();
            let (with, theirs) = match asked.split_once(':') {
                Some(("cover", p)) => (p, None),
                Some(("swap", rest)) => match rest.split_once(':') {
                    Some((p, t)) => (
                        p,
                        Some(
                            t.parse()
                                .map_err(|_| ApiError::invalid("with", format!("`{t}` is not a shift's start")))?,
                        ),
                    ),
                    None => return Err(ApiError::invalid("with", format!("`{asked}` names no shift"))),
                },
                _ => return Err(ApiError::invalid("with", format!("`{asked}` is neither a cover nor a swap"))),
            };
            let with =
                PersonId::parse(with).map_err(|_| ApiError::invalid("with", format!("`{with}` is not a person")))?;
            let reason = field(fields, "reason").filter(|r| !r.trim().is_empty()).map(str::to_owned);
            let new = NewSwap { with, my_shift_start: mine, their_shift_start: theirs, reason, leave: None };
            b.request_swap(rotation, by, new).await?;
            "asked: it applies when they accept"
        }
        "override" => {
            let covered = match field(fields, "covered").filter(|c| !c.is_empty()) {
                Some(c) => Some(
                    PersonId::parse(c).map_err(|_| ApiError::invalid("covered", format!("`{c}` is not a person")))?,
                ),
                None => None,
            };
            let new = NewOverride {
                covering: by.clone(),
                covered,
                start: local_instant(fields, "from")?,
                end: local_instant(fields, "until")?,
                reason: field(fields, "reason").unwrap_or_default().to_owned(),
            };
            b.create_override(rotation, by, new).await?;
            "override applied"
        }
        "accept" => {
            b.accept_swap(rotation, &arg()?, by).await?;
            "accepted and applied"
        }
        "decline" => {
            b.decline_swap(rotation, &arg()?, by).await?;
            "declined"
        }
        "help" => {
            b.ask_for_help(rotation, by, field(fields, "text").unwrap_or_default(), vec![]).await?;
            "help requested"
        }
        "log" => {
            let kind = field(fields, "kind").unwrap_or("note");
            let kind = LogKind::parse(kind)
                .ok_or_else(|| ApiError::invalid("kind", format!("`{kind}` is not a kind of entry")))?;
            let new = NewLogEntry {
                kind,
                text: field(fields, "text").unwrap_or_default().to_owned(),
                links: link(fields, "link")?.into_iter().collect(),
                incident_closed: field(fields, "incident_closed").is_some_and(|v| v == "on" || v == "true"),
                runbook: link(fields, "runbook")?,
            };
            b.write_log(rotation, by, new).await?;
            "logged"
        }
        other => return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no on-call action `{other}`"))),
    })
}
