//! Rotations (`rotations/`) and holiday calendars (`calendars/`): a good pair loads into
//! `Org.rotations`, and each mistake is reported at its file:line:column.

use crate::support::repo;

use baton_config::load;
use baton_core::oncall::{Cadence, NonWorkingDay, Rotation};
use std::path::Path;

const SRE: &str = "id: sre\nname: SRE\nkind: sre\nmembers:\n  - id: ana\n    name: Ana\n  - id: bo\n    name: Bo\n  - id: cy\n    name: Cy\n";
const OTHER: &str = "id: dev\nname: Dev\nkind: service-owner\nmembers:\n  - id: dee\n    name: Dee\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: arch\n";
const ARCH: &str = "id: arch\nname: Arch\nkind: architects\nmembers:\n  - id: ana\n";
const CALENDAR: &str =
    "id: ireland\nname: Ireland\nholidays:\n  - 2026-03-17\n  - { date: 2026-04-06, name: Easter Monday }\n";

/// A valid rotation; tests replace one line of it. Line numbers: id 1, name 2, team 3,
/// time_zone 4, handoff 5, cadence 6, calendars 7, start 8, members 9.
const ROTATION: &str = "id: primary
name: Primary
team: sre
time_zone: Europe/Dublin
handoff: \"09:00\"
cadence: daily
calendars: [ireland]
start: 2026-03-02
members: [ana, bo, cy]
";

fn with(rotation: &str) -> tempfile::TempDir {
    repo(&[
        ("teams/sre.yaml", SRE),
        ("teams/dev.yaml", OTHER),
        ("teams/arch.yaml", ARCH),
        ("policies/pipeline.yaml", PIPELINE),
        ("calendars/ireland.yaml", CALENDAR),
        ("rotations/primary.yaml", rotation),
    ])
}

fn errors(dir: &Path) -> Vec<String> {
    load(dir).errors().map(|d| d.to_string()).collect()
}

/// The rotation with `line` (its key) replaced by `by`.
fn replacing(key: &str, by: &str) -> String {
    ROTATION.lines().map(|l| if l.starts_with(&format!("{key}:")) { by } else { l }).collect::<Vec<_>>().join("\n")
        + "\n"
}

fn one_error(rotation: &str) -> String {
    let dir = with(rotation);
    let errs = errors(dir.path());
    assert_eq!(errs.len(), 1, "{errs:#?}");
    errs.into_iter().next().unwrap()
}

#[test]
fn a_rotation_with_its_calendar_loads() {
    let dir = with(ROTATION);
    let loaded = load(dir.path());
    let msgs: Vec<_> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(msgs.is_empty(), "{msgs:#?}");
    let org = loaded.org.unwrap();
    let def = &org.rotations[&"primary".parse().unwrap()];
    assert_eq!(def.team.as_str(), "sre");
    assert_eq!(def.spec.cadence, Cadence::Daily);
    assert_eq!(def.spec.non_working, NonWorkingDay::Extend);
    assert_eq!(def.spec.handoff.to_string(), "09:00:00");
    assert!(def.spec.calendar.is_holiday("2026-03-17".parse().unwrap()));
    assert!(!def.spec.calendar.is_working_day("2026-04-06".parse().unwrap()));
    assert_eq!(def.calendars[0].holidays[1].name.as_deref(), Some("Easter Monday"));
    assert_ne!(def.spec.seed, 0, "a seed derived from the id");
    Rotation::new(def.spec.clone()).expect("a loaded rotation checks");
}

#[test]
fn every_cadence_and_a_weekend_layer_load() {
    let weekly = replacing("cadence", "cadence: weekly");
    let every = replacing("cadence", "cadence:\n  every: 12h");
    let layer = format!(
        "{ROTATION}non_working_day: weekend-layer\nweekend_members: [cy, ana]\nseed: 7\nduties: [answer pages]\nhandover_reminder_after: 1h\nmembership_changes:\n  - effective: 2026-06-01\n    members: [bo, cy]\n"
    );
    for (text, check) in [
        (weekly, Box::new(|c: &Cadence| *c == Cadence::Weekly) as Box<dyn Fn(&Cadence) -> bool>),
        (every, Box::new(|c: &Cadence| matches!(c, Cadence::Every(p) if p.to_string() == "12h"))),
        (layer, Box::new(|c: &Cadence| *c == Cadence::Daily)),
    ] {
        let dir = with(&text);
        let loaded = load(dir.path());
        let msgs: Vec<_> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(msgs.is_empty(), "{text}\n{msgs:#?}");
        let org = loaded.org.unwrap();
        let def = org.rotations.values().next().unwrap();
        assert!(check(&def.spec.cadence), "{:?}", def.spec.cadence);
    }
    let dir = with(&format!(
        "{ROTATION}non_working_day: weekend-layer\nweekend_members: [cy, ana]\nseed: 7\nmembership_changes:\n  - effective: 2026-06-01\n    members: [bo, cy]\n"
    ));
    let org = load(dir.path()).org.unwrap();
    let def = org.rotations.values().next().unwrap();
    assert_eq!(def.spec.seed, 7);
    assert!(matches!(&def.spec.non_working, NonWorkingDay::WeekendLayer(r) if r.members.len() == 2));
    assert_eq!(def.spec.roster.changes[0].effective.to_string(), "2026-05-31T23:00:00Z", "midnight in Dublin (IST)");
}

#[test]
fn an_unknown_time_zone_is_reported_at_the_time_zone() {
    let e = one_error(&replacing("time_zone", "time_zone: Europe/Dubln"));
    assert!(e.starts_with("rotations/primary.yaml:4:12: unknown time zone `Europe/Dubln`"), "{e}");
}

#[test]
fn empty_members_are_reported_at_the_members() {
    let e = one_error(&replacing("members", "members: []"));
    assert!(e.starts_with("rotations/primary.yaml:9:10: "), "{e}");
    assert!(e.contains("member list at the start is empty"), "{e}");
}

#[test]
fn a_member_not_in_the_team_is_reported_at_the_member() {
    let e = one_error(&replacing("members", "members: [ana, dee, cy]"));
    assert!(e.starts_with("rotations/primary.yaml:9:16: `dee` is not a member of team `sre`"), "{e}");
    assert!(e.contains("ana, bo, cy"), "names the team's members: {e}");
}

#[test]
fn an_unknown_calendar_is_reported_at_its_name() {
    let e = one_error(&replacing("calendars", "calendars: [ireland, scotland]"));
    assert!(e.starts_with("rotations/primary.yaml:7:22: calendar `scotland` is not defined"), "{e}");
    assert!(e.contains("defined: ireland"), "{e}");
}

#[test]
fn a_bad_handoff_time_is_reported_at_the_handoff() {
    for bad in ["handoff: \"9am\"", "handoff: \"25:00\"", "handoff: \"09:00:30\""] {
        let e = one_error(&replacing("handoff", bad));
        assert!(e.starts_with("rotations/primary.yaml:5:10: handoff "), "{e}");
        assert!(e.contains("HH:MM"), "{e}");
    }
}

#[test]
fn an_unknown_key_is_reported_naming_the_allowed_ones() {
    let e = one_error(&format!("{ROTATION}handof_reminder: 1h\n"));
    assert!(e.starts_with("rotations/primary.yaml:10:1: unknown key `handof_reminder`"), "{e}");
    assert!(e.contains("handover_reminder_after"), "{e}");
}

#[test]
fn an_unknown_team_a_bad_cadence_and_a_lonely_weekend_list_are_each_reported() {
    let e = one_error(&replacing("team", "team: sre-team"));
    assert!(e.starts_with("rotations/primary.yaml:3:7: team `sre-team` is not a defined team"), "{e}");
    let e = one_error(&replacing("cadence", "cadence: fortnightly"));
    assert!(e.starts_with("rotations/primary.yaml:6:10: unknown cadence `fortnightly`"), "{e}");
    let e = one_error(&format!("{ROTATION}weekend_members: [ana]\n"));
    assert!(e.starts_with("rotations/primary.yaml:10:18: weekend_members only apply"), "{e}");
    let e = one_error(
        &format!("{ROTATION}cadence_x: 1\n")
            .replace("cadence: daily", "cadence: weekly")
            .replace("cadence_x: 1\n", "non_working_day: weekend-layer\nweekend_members: [ana]\n"),
    );
    assert!(e.starts_with("rotations/primary.yaml:10:18: "), "{e}");
    assert!(e.contains("weekend layer only applies to the daily cadence"), "{e}");
}

#[test]
fn calendar_mistakes_are_reported_where_they_are() {
    let dir = repo(&[
        ("teams/sre.yaml", SRE),
        ("teams/arch.yaml", ARCH),
        ("policies/pipeline.yaml", PIPELINE),
        (
            "calendars/ireland.yaml",
            "id: ireland\nname: Ireland\nholidays:\n  - 2026-03-17\n  - 2026-13-01\n  - 2026-03-17\n",
        ),
        ("rotations/primary.yaml", ROTATION),
    ]);
    let errs = errors(dir.path());
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(errs[0].starts_with("calendars/ireland.yaml:5:5: holiday `2026-13-01` is not a date"), "{errs:#?}");
    assert!(errs[1].starts_with("calendars/ireland.yaml:6:5: holiday 2026-03-17 is listed twice"), "{errs:#?}");
}

#[test]
fn rotations_and_calendars_are_no_longer_later() {
    let dir = with(ROTATION);
    let warnings: Vec<_> = load(dir.path()).diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(!warnings.iter().any(|w| w.contains("does not read yet")), "{warnings:#?}");
}

/// Follow-the-sun: regions with their zones, hours and members; mistakes at their place.
#[test]
fn follow_the_sun_regions_load_and_their_mistakes_are_placed() {
    let sun = "id: primary
name: Primary
team: sre
time_zone: Europe/Dublin
cadence: weekly
working_days: [mon, tue, wed, thu, fri, sat, sun]
start: 2026-03-02
members: [ana, bo, cy]
follow_the_sun:
  - { region: sydney, time_zone: Australia/Sydney, hours: \"08:00-19:00\", members: [ana] }
  - { region: dublin, time_zone: Europe/Dublin, hours: \"08:00-15:00\", members: [bo] }
  - { region: new-york, time_zone: America/New_York, hours: \"08:00-18:00\", members: [cy] }
";
    let dir = with(sun);
    let loaded = load(dir.path());
    assert_eq!(errors(dir.path()), Vec::<String>::new());
    let def = &loaded.org.unwrap().rotations[&"primary".parse().unwrap()];
    let rotation = Rotation::new(def.spec.clone()).unwrap();
    assert_eq!(rotation.region_names(), ["sydney", "dublin", "new-york"]);
    let now = rotation.on_call_at("2026-06-10T10:00:00Z".parse().unwrap()).unwrap();
    assert_eq!((now.person.as_str(), now.shift.region.as_deref()), ("bo", Some("dublin")));

    // Dublin's hours too short for New York's start; hours that are not a range; a zone
    // that does not exist; a member from another team.
    let short = sun.replace("hours: \"08:00-15:00\"", "hours: \"08:00-12:00\"");
    let text = errors(with(&short).path()).join("\n");
    assert!(
        text.contains("rotations/primary.yaml:11:15: rotation primary: region `dublin`'s hours"),
        "at the region: {text}"
    );
    assert!(text.contains("region `dublin`'s hours end at 12:00, but on 2026-03-02 `new-york` takes over only at 2026-03-02 13:00 Europe/Dublin"), "{text}");
    let bad = sun
        .replace("hours: \"08:00-19:00\"", "hours: \"8am to 7pm\"")
        .replace("America/New_York", "America/Gotham")
        .replace("members: [cy]", "members: [dee]");
    let text = errors(with(&bad).path()).join("\n");
    assert!(
        text.contains("rotations/primary.yaml:10:")
            && text.contains("hours `8am to 7pm` are not a range of times of day"),
        "{text}"
    );
    assert!(
        text.contains("rotations/primary.yaml:12:") && text.contains("`America/Gotham` is not an IANA time zone name"),
        "{text}"
    );
    assert!(text.contains("`dee` is not a member of team `sre`"), "{text}");
}
