//! On-call rotations of `rotations/` and the holiday calendars of `calendars/`, checked
//! against the teams and each other and turned into [`RotationDef`]s.
//!
//! A calendar is not stored on its own: each rotation carries a copy of the calendars it
//! names, their dates merged into its working calendar (see [`RotationDef`]). The schedule
//! itself is checked by [`Rotation::new`], whose errors are reported at the key they are
//! about.

use crate::diagnostic::{Diagnostic, Place};
use crate::docs::{CadenceDoc, CalendarDoc, HolidayDoc, RotationDoc, S};
use crate::document::Document;
use crate::validate::known;
use baton_core::oncall::{
    Cadence, MembershipChange, NonWorkingDay, RegionSpec, Roster, Rotation, RotationError, RotationId, RotationSpec,
    Weekdays, WorkingCalendar,
};
use baton_core::org::{Holiday, HolidayCalendarDef, RotationDef};
use baton_core::{Org, Period, PersonId, TeamId, Timestamp};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use marked_yaml::Spanned;
use std::collections::BTreeMap;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

/// The documents of `rotations/` and `calendars/` that parsed.
#[derive(Default)]
pub(crate) struct RotationDocs {
    pub rotations: Vec<(Document, RotationDoc)>,
    pub calendars: Vec<(Document, CalendarDoc)>,
}

/// The seed of a rotation that gives none: FNV-1a of its id, so the schedule is stable
/// for as long as the id is.
pub fn default_seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

pub(crate) fn parse_date(s: &S, what: &str) -> Result<Date, String> {
    let text = s.as_str();
    let ok = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    match text.parse::<Date>() {
        Ok(d) if ok => Ok(d),
        _ => Err(format!("{what} `{text}` is not a date: write YYYY-MM-DD, like 2026-03-17")),
    }
}

fn parse_handoff(s: &S) -> Result<Time, String> {
    let text = s.as_str();
    let b = text.as_bytes();
    let shaped = b.len() == 5 && b[2] == b':' && b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit());
    match text.parse::<Time>() {
        Ok(t) if shaped => Ok(t),
        _ => Err(format!("handoff `{text}` is not a time of day: write HH:MM on the 24-hour clock, like \"09:00\"")),
    }
}

pub(crate) fn check(docs: &RotationDocs, org: &mut Org, diags: &mut Vec<Diagnostic>) {
    let calendars = calendars(&docs.calendars, diags);
    let mut places: BTreeMap<RotationId, Place> = BTreeMap::new();
    for (doc, r) in &docs.rotations {
        let Ok(id) = RotationId::parse(r.id.as_str()).map_err(|e| diags.push(doc.at(&r.id).error(e.to_string())))
        else {
            continue;
        };
        if let Some(first) = places.get(&id) {
            diags.push(doc.at(&r.id).error(format!("rotation `{id}` is already defined at {first}")));
            continue;
        }
        places.insert(id.clone(), doc.at(&r.id));
        if let Some(def) = rotation(doc, r, id, &calendars, org, diags) {
            org.rotations.insert(def.id().clone(), def);
        }
    }
}

fn calendars(docs: &[(Document, CalendarDoc)], diags: &mut Vec<Diagnostic>) -> BTreeMap<String, HolidayCalendarDef> {
    let mut out: BTreeMap<String, HolidayCalendarDef> = BTreeMap::new();
    let mut places: BTreeMap<String, Place> = BTreeMap::new();
    for (doc, c) in docs {
        let id = c.id.as_str().to_owned();
        if TeamId::parse(&id).is_err() {
            diags.push(doc.at(&c.id).error(format!(
                "calendar id `{id}` is not an id: use 1 to 63 lowercase letters, digits and dashes, like `ireland`"
            )));
            continue;
        }
        if let Some(first) = places.get(&id) {
            diags.push(doc.at(&c.id).error(format!("calendar `{id}` is already defined at {first}")));
            continue;
        }
        places.insert(id.clone(), doc.at(&c.id));
        let mut holidays: Vec<Holiday> = Vec::new();
        for h in &c.holidays {
            let (date, name) = match &**h {
                HolidayDoc::Date(d) => (d, None),
                HolidayDoc::Named { date, name } => (date, name.clone()),
            };
            let spanned = Spanned::new(*h.span(), date.clone());
            match parse_date(&spanned, "holiday") {
                Ok(date) if holidays.iter().any(|x| x.date == date) => {
                    diags.push(doc.at(h).error(format!("holiday {date} is listed twice in calendar `{id}`")));
                }
                Ok(date) => holidays.push(Holiday { date, name }),
                Err(msg) => diags.push(doc.at(h).error(msg)),
            }
        }
        holidays.sort_by_key(|h| h.date);
        out.insert(id.clone(), HolidayCalendarDef { id, name: c.name.clone(), holidays });
    }
    out
}

/// Person ids of a list, each checked to be a member of `team` (when the team exists).
fn members(
    doc: &Document,
    list: &[S],
    team: Option<&TeamId>,
    org: &Org,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<PersonId>> {
    let mut out = Vec::new();
    let mut ok = true;
    for m in list {
        let Ok(pid) = PersonId::parse(m.as_str()).map_err(|e| diags.push(doc.at(m).error(e.to_string()))) else {
            ok = false;
            continue;
        };
        if let Some(team) = team {
            if !org.is_member(&pid, team) {
                let members = org.teams[team].members.iter().map(PersonId::as_str);
                diags.push(doc.at(m).error(format!(
                    "`{pid}` is not a member of team `{team}`: a rotation's members come from its team ({})",
                    known(members).replacen("defined", "members", 1)
                )));
                ok = false;
            }
        }
        out.push(pid);
    }
    ok.then_some(out)
}

fn rotation(
    doc: &Document,
    r: &RotationDoc,
    id: RotationId,
    calendars: &BTreeMap<String, HolidayCalendarDef>,
    org: &Org,
    diags: &mut Vec<Diagnostic>,
) -> Option<RotationDef> {
    let before = diags.len();
    let team = rotation_team(doc, r, org, diags);
    let tz = time_zone(doc, r, diags);
    let regions = regions(doc, r, team.as_ref(), org, diags);
    let handoff = match (&r.handoff, regions.first()) {
        (Some(h), _) => parse_handoff(h).map_err(|m| diags.push(doc.at(h).error(m))).ok(),
        (None, Some(first)) => Some(first.from),
        (None, None) => {
            // With regions that did not parse, their own errors say why.
            if r.follow_the_sun.is_none() {
                let msg = "missing key `handoff`: the local time of the shift change, like \"09:00\"";
                diags.push(doc.at(&r.id).error(msg.to_owned()));
            }
            None
        }
    };
    let cadence = cadence(doc, r, diags);
    let weekdays = working_days(doc, r, diags);
    let named = named_calendars(doc, r, calendars, diags);
    let main = members(doc, &r.members, team.as_ref(), org, diags);
    let weekend = non_working_day(doc, r, team.as_ref(), org, diags);
    let start = parse_date(&r.start, "start").map_err(|m| diags.push(doc.at(&r.start).error(m))).ok();
    let changes = membership_changes(doc, r, tz.as_ref(), team.as_ref(), org, diags);
    let reminder = r.handover_reminder_after.as_ref().and_then(|s| {
        Period::parse(s.as_str())
            .map_err(|e| diags.push(doc.at(s).error(format!("`handover_reminder_after`: {e}"))))
            .ok()
    });
    if diags.len() > before {
        return None;
    }
    let (Some(team), Some(handoff), Some(cadence), Some(members), Some(non_working), Some(start)) =
        (team, handoff, cadence, main, weekend, start)
    else {
        return None;
    };
    let holidays = named.iter().flat_map(|c| c.holidays.iter().map(|h| h.date));
    let spec = RotationSpec {
        id,
        time_zone: r.time_zone.as_str().to_owned(),
        handoff,
        cadence,
        calendar: WorkingCalendar::new(weekdays, holidays),
        non_working,
        start,
        roster: Roster { members, changes },
        seed: r.seed.unwrap_or_else(|| default_seed(r.id.as_str())),
        overrides: Vec::new(),
        regions,
    };
    if let Err(errors) = Rotation::new(spec.clone()) {
        for e in errors {
            diags.push(rotation_error_place(doc, r, &e).error(e.to_string()));
        }
        return None;
    }
    Some(RotationDef {
        spec,
        name: r.name.clone(),
        team,
        calendars: named,
        duties: r.duties.clone(),
        handover_reminder_after: reminder,
    })
}

/// The rotation's team, when it parses and is defined.
fn rotation_team(doc: &Document, r: &RotationDoc, org: &Org, diags: &mut Vec<Diagnostic>) -> Option<TeamId> {
    match TeamId::parse(r.team.as_str()) {
        Ok(t) if org.teams.contains_key(&t) => Some(t),
        Ok(t) => {
            let msg = format!("team `{t}` is not a defined team ({})", known(org.teams.keys().map(TeamId::as_str)));
            diags.push(doc.at(&r.team).error(msg));
            None
        }
        Err(e) => {
            diags.push(doc.at(&r.team).error(e.to_string()));
            None
        }
    }
}

/// The rotation's IANA time zone.
fn time_zone(doc: &Document, r: &RotationDoc, diags: &mut Vec<Diagnostic>) -> Option<TimeZone> {
    match TimeZone::get(r.time_zone.as_str()) {
        Ok(tz) => Some(tz),
        Err(_) => {
            diags.push(doc.at(&r.time_zone).error(format!(
                "unknown time zone `{}`: use an IANA name such as Europe/Dublin or America/Sao_Paulo",
                r.time_zone.as_str()
            )));
            None
        }
    }
}

/// How often the shift changes hands: daily, weekly, or every given period.
fn cadence(doc: &Document, r: &RotationDoc, diags: &mut Vec<Diagnostic>) -> Option<Cadence> {
    match &*r.cadence {
        CadenceDoc::Name(n) if n == "daily" => Some(Cadence::Daily),
        CadenceDoc::Name(n) if n == "weekly" => Some(Cadence::Weekly),
        CadenceDoc::Every { every } => match Period::parse(every) {
            Ok(p) => Some(Cadence::Every(p)),
            Err(e) => {
                diags.push(doc.at(&r.cadence).error(format!("`cadence.every`: {e}")));
                None
            }
        },
        CadenceDoc::Name(other) => {
            diags.push(doc.at(&r.cadence).error(format!(
                "unknown cadence `{other}`: use daily, weekly, or `every:` with a shift length like 12h or 2d"
            )));
            None
        }
    }
}

/// The rotation's working days, Monday to Friday unless it lists them.
fn working_days(doc: &Document, r: &RotationDoc, diags: &mut Vec<Diagnostic>) -> Weekdays {
    match &r.working_days {
        None => Weekdays::MON_FRI,
        Some(list) => {
            let mut days = Vec::new();
            for d in list.iter() {
                match WEEKDAYS.iter().find(|(n, _)| *n == d.as_str()) {
                    Some((_, w)) => days.push(*w),
                    None => diags.push(doc.at(d).error(format!(
                        "unknown working day `{}`: use mon, tue, wed, thu, fri, sat or sun",
                        d.as_str()
                    ))),
                }
            }
            if list.is_empty() {
                diags.push(doc.at(list).error("working_days is empty: name at least one weekday, like [mon, tue]"));
            }
            Weekdays::from_days(days)
        }
    }
}

/// Copies of the holiday calendars the rotation names, each checked to be defined.
fn named_calendars(
    doc: &Document,
    r: &RotationDoc,
    calendars: &BTreeMap<String, HolidayCalendarDef>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<HolidayCalendarDef> {
    let mut named = Vec::new();
    for c in &r.calendars {
        match calendars.get(c.as_str()) {
            Some(cal) => named.push(cal.clone()),
            None => diags.push(doc.at(c).error(format!(
                "calendar `{}` is not defined in calendars/ ({})",
                c.as_str(),
                known(calendars.keys().map(String::as_str))
            ))),
        }
    }
    named
}

/// The follow-the-sun regions that parsed, each member checked to be on the rotation's team.
fn regions(
    doc: &Document,
    r: &RotationDoc,
    team: Option<&TeamId>,
    org: &Org,
    diags: &mut Vec<Diagnostic>,
) -> Vec<RegionSpec> {
    let Some(list) = &r.follow_the_sun else { return Vec::new() };
    let mut out = Vec::new();
    for region in list.iter() {
        let hours = region.hours.as_str().split_once('-').and_then(|(a, b)| {
            let at = |t: &str| parse_handoff(&Spanned::new(*region.hours.span(), t.trim().to_owned())).ok();
            Some((at(a)?, at(b)?))
        });
        if hours.is_none() {
            diags.push(doc.at(&region.hours).error(format!(
                "hours `{}` are not a range of times of day: write HH:MM-HH:MM on the 24-hour clock, like \"08:00-17:00\"",
                region.hours.as_str()
            )));
        }
        let zone = TimeZone::get(region.time_zone.as_str()).map_err(|_| {
            diags.push(doc.at(&region.time_zone).error(format!(
                "time zone `{}` is not an IANA time zone name: use a name like Asia/Kolkata",
                region.time_zone.as_str()
            )))
        });
        let members = members(doc, &region.members, team, org, diags);
        let (Some((from, to)), Ok(_), Some(members)) = (hours, zone, members) else { continue };
        out.push(RegionSpec {
            name: region.region.as_str().to_owned(),
            time_zone: region.time_zone.as_str().to_owned(),
            from,
            to,
            members,
        });
    }
    out
}

/// Who covers non-working days: the shift extends over them, or a weekend layer of its own members.
fn non_working_day(
    doc: &Document,
    r: &RotationDoc,
    team: Option<&TeamId>,
    org: &Org,
    diags: &mut Vec<Diagnostic>,
) -> Option<NonWorkingDay> {
    match (r.non_working_day.as_ref().map(|s| s.as_str()), &r.weekend_members) {
        (None | Some("extend"), None) => Some(NonWorkingDay::Extend),
        (None | Some("extend"), Some(w)) => {
            diags.push(
                doc.at(w).error(
                    "weekend_members only apply with `non_working_day: weekend-layer`: add that, or remove them",
                ),
            );
            None
        }
        (Some("weekend-layer"), Some(w)) => {
            members(doc, w, team, org, diags).map(|m| NonWorkingDay::WeekendLayer(Roster::new(m)))
        }
        (Some("weekend-layer"), None) => {
            let at = r.non_working_day.as_ref().expect("matched");
            diags.push(
                doc.at(at).error("a weekend layer needs `weekend_members`: the people who cover non-working days"),
            );
            None
        }
        (Some(other), _) => {
            let at = r.non_working_day.as_ref().expect("matched");
            diags.push(doc.at(at).error(format!("unknown non_working_day `{other}`: use extend or weekend-layer")));
            None
        }
    }
}

/// The roster changes that parsed, each effective at an instant or at the start of a date in
/// the rotation's time zone.
fn membership_changes(
    doc: &Document,
    r: &RotationDoc,
    tz: Option<&TimeZone>,
    team: Option<&TeamId>,
    org: &Org,
    diags: &mut Vec<Diagnostic>,
) -> Vec<MembershipChange> {
    let mut changes = Vec::new();
    for c in &r.membership_changes {
        let effective = match (c.effective.as_str().parse::<Timestamp>(), tz) {
            (Ok(t), _) => Some(t),
            (Err(_), tz) => match (parse_date(&c.effective, "effective"), tz) {
                (Ok(d), Some(tz)) => d.to_zoned(tz.clone()).ok().map(|z| z.timestamp()),
                (Ok(_), None) => None,
                (Err(_), _) => {
                    diags.push(doc.at(&c.effective).error(format!(
                        "effective `{}` is neither an RFC 3339 instant (2026-04-01T09:00:00Z) nor a date (2026-04-01)",
                        c.effective.as_str()
                    )));
                    None
                }
            },
        };
        let list = members(doc, &c.members, team, org, diags);
        if let (Some(effective), Some(members)) = (effective, list) {
            changes.push(MembershipChange { effective, members });
        }
    }
    changes
}

/// The key a schedule error from [`Rotation::new`] is about.
fn rotation_error_place(doc: &Document, r: &RotationDoc, e: &RotationError) -> Place {
    match e {
        RotationError::UnknownTimeZone { .. } => doc.at(&r.time_zone),
        RotationError::EmptyMembers { layer, when, .. } | RotationError::DuplicateMember { layer, when, .. } => {
            change_place(doc, r, layer, when)
        }
        RotationError::ChangesOutOfOrder { .. } => match r.membership_changes.first() {
            Some(c) => doc.at(&c.effective),
            None => doc.at(&r.id),
        },
        RotationError::NoWorkingDay { .. } => match &r.working_days {
            Some(w) => doc.at(w),
            None => doc.at(&r.start),
        },
        RotationError::Regions { region, .. } => {
            let regions = r.follow_the_sun.as_ref();
            let named = regions.and_then(|f| f.iter().find(|d| Some(d.region.as_str()) == region.as_deref()));
            match (named, regions) {
                (Some(d), _) => doc.at(&d.region),
                (None, Some(f)) => doc.at(f),
                (None, None) => doc.at(&r.id),
            }
        }
        RotationError::WeekendLayerNeedsDaily { .. } => match &r.non_working_day {
            Some(n) => doc.at(n),
            None => doc.at(&r.cadence),
        },
        _ => doc.at(&r.id),
    }
}

/// Where a member list problem is: the weekend list, a membership change's list, or the main one.
fn change_place(doc: &Document, r: &RotationDoc, layer: &str, when: &str) -> Place {
    if layer == "weekend" {
        if let Some(w) = &r.weekend_members {
            return doc.at(w);
        }
    }
    if when != "at the start" {
        if let Some(c) = r.membership_changes.iter().find(|c| when.ends_with(c.effective.as_str())) {
            return doc.at(&c.members);
        }
        if let Some(c) = r.membership_changes.iter().find(|c| c.members.is_empty()) {
            return doc.at(&c.members);
        }
    }
    doc.at(&r.members)
}
