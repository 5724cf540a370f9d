//! Writes a large, valid definition repo for benchmarking `baton validate` and `baton apply`.
//!
//! ```text
//! cargo run --release -p baton --example generate_org -- OUTDIR [--teams 200] [--services 2000]
//! ```
//!
//! The repo has the shape of `examples/org`, one definition per file: the `sre-architects`
//! team, about one SRE team in twenty (each with a `lead`), a few stakeholder teams across the
//! three areas, and service-owner teams for the rest. Every team has eight people, whose
//! details are given once; each stakeholder team also lists an SRE team's lead by `id`
//! alone. Services are dealt round-robin to the owner teams; one in ten has its own
//! transition window and one in 25 is internal only. The policies are one
//! PipelinePolicy, an AcceptanceChecklist of ten items and one AdditionalRequirements file.
//! The output depends only on the counts, so runs are comparable. `scripts/bench-definitions`
//! uses it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const MEMBERS_PER_TEAM: usize = 8;
const TIMEZONES: [&str; 8] = [
    "Europe/Dublin",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Nairobi",
];
const AREAS: [&str; 3] = ["service-support", "pm-business", "spec-technical"];
const CHECKLIST: [&str; 10] = [
    "slos-defined",
    "alerts-have-runbooks",
    "dashboards",
    "logging-and-metrics",
    "backup-restore-tested",
    "upgrade-path-tested",
    "on-call-escalation-path",
    "capacity-limits-documented",
    "security-review",
    "load-tested",
];

struct Args {
    out: PathBuf,
    teams: usize,
    services: usize,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: generate_org OUTDIR [--teams N] [--services N]";
    let (mut out, mut teams, mut services) = (None, 200, 2000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            let v = args.next().ok_or(format!("{name} needs a number; {usage}"))?;
            v.parse().map_err(|_| format!("{name}: `{v}` is not a number; {usage}"))
        };
        match arg.as_str() {
            "--teams" => teams = number("--teams")?,
            "--services" => services = number("--services")?,
            "-h" | "--help" => return Err(usage.into()),
            _ if out.is_none() && !arg.starts_with('-') => out = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`; {usage}")),
        }
    }
    let out = out.ok_or(usage)?;
    if teams < 4 {
        return Err("--teams must be at least 4 (architects, sre, stakeholder, service-owner)".into());
    }
    Ok(Args { out, teams, services })
}

/// What a team is for, by its position: architects first, then SRE, stakeholder and owner teams.
enum Kind {
    Architects,
    Sre,
    Stakeholder(&'static str),
    Owner,
}

struct Team {
    id: String,
    kind: Kind,
    /// Someone from another team, listed by `id` alone; their details are given there.
    guest: Option<String>,
}

fn plan_teams(total: usize) -> Vec<Team> {
    let sre = (total / 20).max(1);
    let stakeholders = (total / 30).max(1);
    let team = |id: String, kind: Kind| Team { id, kind, guest: None };
    let mut teams = vec![team("sre-architects".into(), Kind::Architects)];
    teams.extend((1..=sre).map(|i| team(format!("sre-{i:02}"), Kind::Sre)));
    // The SRE teams are at positions 1..=sre, so the lead of SRE team `j` is the first person of team `j`.
    teams.extend((1..=stakeholders).map(|i| Team {
        guest: Some(person((1 + (i - 1) % sre) * MEMBERS_PER_TEAM)),
        ..team(format!("stakeholder-{i:02}"), Kind::Stakeholder(AREAS[i % 3]))
    }));
    let owners = total - teams.len();
    teams.extend((1..=owners).map(|i| team(format!("owner-{i:03}"), Kind::Owner)));
    teams
}

fn person(n: usize) -> String {
    format!("person-{n:05}")
}

fn team_yaml(index: usize, team: &Team) -> String {
    let (kind, area) = match team.kind {
        Kind::Architects => ("architects", None),
        Kind::Sre => ("sre", None),
        Kind::Stakeholder(area) => ("stakeholder", Some(area)),
        Kind::Owner => ("service-owner", None),
    };
    let first = index * MEMBERS_PER_TEAM;
    let id = &team.id;
    let mut y = format!("id: {id}\nname: Team {id}\nkind: {kind}\n");
    if let Some(area) = area {
        writeln!(y, "area: {area}").unwrap();
    }
    if !matches!(team.kind, Kind::Architects) {
        writeln!(y, "lead: {}", person(first)).unwrap();
    }
    writeln!(y, "chat: \"#{id}\"\nemail: {id}@example.com\nmembers:").unwrap();
    for n in first..first + MEMBERS_PER_TEAM {
        let p = person(n);
        let tz = TIMEZONES[n % TIMEZONES.len()];
        writeln!(y, "  - id: {p}\n    name: Person {n}\n    email: {p}@example.com\n    timezone: {tz}").unwrap();
    }
    if let Some(guest) = &team.guest {
        writeln!(y, "  - id: {guest}").unwrap();
    }
    y
}

fn service_yaml(n: usize, owner: &str) -> String {
    let id = format!("svc-{n:05}");
    let mut y = format!(
        "id: {id}\nname: Service {n}\ndescription: Generated service {n}, owned by {owner}.\nowner_team: {owner}\n\
         links:\n  epic: https://tracker.example.com/browse/ONB-{n}\n  \
         questionnaire: https://docs.example.com/onboarding/{id}/questionnaire\n  \
         service_definition: https://docs.example.com/services/{id}/definition\n  \
         sops: https://git.example.com/{owner}/{id}-sops\n  repository: https://git.example.com/{owner}/{id}\n"
    );
    if n % 25 == 1 {
        y.push_str("internal_only: true\n");
    }
    if n % 10 == 1 {
        y.push_str("transition_window: 21d\n");
    }
    y
}

fn checklist_yaml(kind: &str, team: Option<&str>, ids: &[&str]) -> String {
    let mut y = format!("kind: {kind}\n");
    if let Some(team) = team {
        writeln!(y, "team: {team}").unwrap();
    }
    y.push_str("items:\n");
    for id in ids {
        writeln!(y, "  - id: {id}\n    title: Item {id}\n    description: The service meets `{id}`.").unwrap();
    }
    y
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn generate(args: &Args) -> Result<(), String> {
    if std::fs::read_dir(&args.out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(format!("{} is not empty; give a new or empty directory", args.out.display()));
    }
    for dir in ["teams", "services", "policies"] {
        let d = args.out.join(dir);
        std::fs::create_dir_all(&d).map_err(|e| format!("creating {}: {e}", d.display()))?;
    }
    let teams = plan_teams(args.teams);
    for (i, team) in teams.iter().enumerate() {
        write(&args.out.join(format!("teams/{}.yaml", team.id)), &team_yaml(i, team))?;
    }
    let owners: Vec<&str> = teams.iter().filter(|t| matches!(t.kind, Kind::Owner)).map(|t| t.id.as_str()).collect();
    for n in 1..=args.services {
        let owner = owners[(n - 1) % owners.len()];
        write(&args.out.join(format!("services/svc-{n:05}.yaml")), &service_yaml(n, owner))?;
    }
    let pipeline = "kind: PipelinePolicy\narchitects_team: sre-architects\npriorities: [p1, p2, p3, p4]\n\
                    transition_window: 28d\nsoak_min: 7d\n";
    write(&args.out.join("policies/pipeline.yaml"), pipeline)?;
    write(
        &args.out.join("policies/acceptance-checklist.yaml"),
        &checklist_yaml("AcceptanceChecklist", None, &CHECKLIST),
    )?;
    let stakeholder = teams.iter().find(|t| matches!(t.kind, Kind::Stakeholder(_))).expect("at least one");
    let extra = checklist_yaml("AdditionalRequirements", Some(&stakeholder.id), &["support-docs-published"]);
    write(&args.out.join(format!("policies/additional-requirements-{}.yaml", stakeholder.id)), &extra)?;
    println!(
        "wrote {}: {} teams ({} owner teams), {} services, 3 policy files",
        args.out.display(),
        teams.len(),
        owners.len(),
        args.services
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| generate(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("generate_org: {e}");
            ExitCode::FAILURE
        }
    }
}
