//! `baton demo`: the example organisation on a fresh SQLite store, with a history played
//! through the real pipeline rules at past instants, and tokens to try the API with.

use crate::commands::definitions::{load_or_report, print_report};
use crate::commands::serve::Sending;
use anyhow::{bail, Context, Result};
use baton_app::{Baton, ManualClock};
use baton_core::org::Org;
use baton_core::pipeline::*;
use baton_core::slo::Indicator;
use baton_core::{Link, PersonId, ServiceId, TeamId, Timestamp};
use jiff::SignedDuration;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

mod alerts;
mod gates;
mod oncall;
mod samples;

/// The people the demo prints tokens for, and what each can try.
const PERSONAS: [(&str, &str); 6] = [
    ("helga.marchetti", "architect: accept or reject inkwell-notebooks, which waits for a decision"),
    ("aoife.delacroix", "addon-sre lead: assign keyring, accepted and waiting, to an SRE team"),
    ("beatriz.nakamura", "addon-sre engineer: review streamhub-connect's SLOs, hand its pager over"),
    ("jonas.achterberg", "platform-sre engineer: work lumen-metrics' checklist"),
    ("noor.castellano", "streamhub-dev owner: propose, deploy to stage, retire"),
    ("leila.fontaine", "inkwell-dev owner"),
];

fn default_config() -> PathBuf {
    let local = PathBuf::from("examples/org");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/org"))
    }
}

pub async fn run(
    config: Option<PathBuf>,
    listen: SocketAddr,
    web: baton_web::WebConfig,
    db: Option<&str>,
    no_serve: bool,
) -> Result<ExitCode> {
    let dir = config.unwrap_or_else(default_config);
    let (Some(org), _) = load_or_report(&dir) else { bail!("the definition repo {} has errors", dir.display()) };
    let url = match db {
        Some(url) => url.to_owned(),
        None => fresh_demo_file(),
    };
    let store = crate::db::connect(Some(&url)).await?;
    let now = Timestamp::now();
    let clock = Arc::new(ManualClock::new(now));
    // The SLO engine decides the seeded handover too, from the samples seeded below.
    let seeder = Baton::with_slo_engine(store.clone(), clock.clone());
    clock.set(days_before(now, 140.0));
    print_report(&seeder.apply(&org, "system:demo").await?, false, true);
    if store.service_records().await?.is_empty() {
        seed(&seeder, &clock, &org, now).await?;
    }
    clock.set(now);
    print_tokens(&seeder).await?;
    println!("\nstore: {url}");
    if no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    // The example organisation's channels point at this machine's discard port.
    let sending = Sending { outbound: baton_notify::Outbound::LOOPBACK, ..Sending::default() };
    crate::commands::serve::run_server(Baton::with_defaults(store), listen, web, sending).await?;
    Ok(ExitCode::SUCCESS)
}

/// `demo.db` in the data directory, emptied: each run starts afresh.
fn fresh_demo_file() -> String {
    let path = crate::db::data_dir().join("demo.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    format!("sqlite://{}", path.display())
}

/// Plays the example organisation's history at past instants: SLI samples, the pipeline
/// steps, gates, alerts and on-call work. Progress goes to stderr.
async fn seed(seeder: &Arc<Baton>, clock: &Arc<ManualClock>, org: &Org, now: Timestamp) -> Result<()> {
    let store = seeder.store();
    let mut buckets = 0;
    for slo in org.slos.values().filter(|s| s.indicator == Indicator::BuiltIn) {
        let (days, profile) = samples::profile(slo.id.as_str());
        let generated = samples::generate(&profile, now, days, slo.id.as_str().len() as u64);
        buckets += store.put_buckets(&slo.id, &generated).await?;
    }
    eprintln!("generated {buckets} minutes of SLI samples");
    let steps = history(org, now)?;
    let n = steps.len();
    for step in steps {
        clock.set(days_before(now, step.days_ago));
        let id = ServiceId::parse(step.service)?;
        if matches!(step.command, Command::EnterProduction(_)) {
            gates::promote(seeder, org, &id).await.with_context(|| format!("demo gate on {id}"))?;
        }
        seeder
            .act(&id, &step.actor, step.command)
            .await
            .with_context(|| format!("demo step on {id} by {}", step.actor))?;
    }
    eprintln!("played {n} pipeline steps of the example organisation's history");
    gates::seed(seeder, clock, org, now).await.context("demo gates")?;
    eprintln!("recorded gate sign-offs, checks and capacity");
    clock.set(now);
    eprintln!("sent {} alerts through the intake", alerts::seed(seeder).await?);
    oncall::seed(seeder, clock, now).await.context("demo on-call work")?;
    eprintln!("logged on-call work and a handover on addon-sre");
    Ok(())
}

/// The admin token on first start, and a token for each persona (what they can try on
/// stderr beside it).
async fn print_tokens(seeder: &Baton) -> Result<()> {
    eprintln!();
    crate::commands::serve::print_first_start_token(seeder).await?;
    eprintln!("\nAPI tokens (send as `Authorization: Bearer TOKEN`):");
    let mut personas: Vec<(String, String)> =
        PERSONAS.iter().map(|(p, r)| ((*p).to_owned(), (*r).to_owned())).collect();
    for (person, role) in oncall::personas(seeder).await? {
        if !PERSONAS.iter().any(|(p, _)| *p == person) {
            personas.push((person, role));
        }
    }
    for (person, role) in personas {
        let issued = seeder.create_token(&PersonId::parse(&person)?, "demo", None, "system:demo").await?;
        println!("  {person:<18} {}\n  {:<18} {role}", issued.secret, "");
    }
    Ok(())
}

fn days_before(now: Timestamp, days: f64) -> Timestamp {
    now.saturating_sub(SignedDuration::from_secs_f64(days * 86_400.0)).expect("no calendar units")
}

struct Step {
    days_ago: f64,
    service: &'static str,
    actor: PersonId,
    command: Command,
}

fn link(path: &str) -> Link {
    Link::parse(&format!("https://tracker.example.com/{path}")).expect("valid link")
}

fn reason(r: &str) -> Reasoned {
    Reasoned { reason: r.into() }
}

/// Somebody allowed to attest `item`: the SRE engineer, or a member of the team whose
/// requirement it is.
fn attester(org: &Org, required_by: &Option<TeamId>, sre: &str) -> Result<PersonId> {
    let Some(team) = required_by else { return Ok(PersonId::parse(sre)?) };
    let member = org.teams.get(team).and_then(|t| t.members.first()).context("requirement team has members")?;
    Ok(member.clone())
}

/// Works the whole checklist of `service`, one item a day from `from_days_ago`.
fn checklist(
    org: &Org,
    steps: &mut Vec<Step>,
    service: &'static str,
    sre: &str,
    from_days_ago: f64,
    only: usize,
) -> Result<()> {
    for (i, item) in org.checklist.iter().take(only).enumerate() {
        let actor = attester(org, &item.required_by, sre)?;
        let command = Command::CompleteItem {
            item: item.id.clone(),
            body: CompleteItem { evidence: link(&format!("{service}/MR-{}", 100 + i)) },
        };
        steps.push(Step { days_ago: from_days_ago - i as f64 * 0.7, service, actor, command });
    }
    Ok(())
}

/// The example organisation's story, every step a real pipeline command.
fn history(org: &Org, now: Timestamp) -> Result<Vec<Step>> {
    let mut s = Vec::new();
    let mut step = |days_ago: f64, service: &'static str, actor: &str, command: Command| {
        s.push(Step { days_ago, service, actor: PersonId::parse(actor).expect("a valid id"), command })
    };
    streamhub(&mut step)?;
    streamhub_connect(&mut step)?;
    lumen_metrics(&mut step)?;
    waiting(&mut step)?;
    turned_away(&mut step)?;
    checklist(org, &mut s, "streamhub", "beatriz.nakamura", 120.0, usize::MAX)?;
    checklist(org, &mut s, "streamhub-connect", "beatriz.nakamura", 60.0, usize::MAX)?;
    checklist(org, &mut s, "lumen-metrics", "jonas.achterberg", 30.0, org.checklist.len() / 2)?;
    soak_tests(&mut s, now)?;
    waive_last_item(org, &mut s, now)?;
    s.sort_by(|a, b| b.days_ago.total_cmp(&a.days_ago));
    Ok(s)
}

/// streamhub: the whole way, SRE holds the pager.
fn streamhub(step: &mut impl FnMut(f64, &'static str, &str, Command)) -> Result<()> {
    step(130.0, "streamhub", "noor.castellano", Command::Propose(Propose::default()));
    step(
        127.0,
        "streamhub",
        "helga.marchetti",
        Command::Accept(Accept {
            priority: "p1".into(),
            reason: "Core streaming addon; most tenants have asked for it".into(),
        }),
    );
    step(
        125.0,
        "streamhub",
        "aoife.delacroix",
        Command::Assign(Assign {
            sre_team: TeamId::parse("addon-sre")?,
            scope: "Alert routing and runbooks, produce/consume latency SLOs, upgrade testing".into(),
        }),
    );
    step(
        88.0,
        "streamhub",
        "noor.castellano",
        Command::EnterProduction(EnterProduction { link: Some(link("streamhub/DEPLOY-1")) }),
    );
    step(
        59.5,
        "streamhub",
        "beatriz.nakamura",
        Command::RecordReview(RecordReview {
            slos_met: true,
            evidence: link("streamhub/SLO-REVIEW"),
            notes: Some("Latency SLO at 99.93% over 28d; SOPs cover every paging alert".into()),
        }),
    );
    step(
        59.0,
        "streamhub",
        "aoife.delacroix",
        Command::HandOver(reason("SLOs met over the 28-day window; SOPs reviewed")),
    );
    Ok(())
}

/// streamhub-connect: in production, proving itself over its 21-day window.
fn streamhub_connect(step: &mut impl FnMut(f64, &'static str, &str, Command)) -> Result<()> {
    step(70.0, "streamhub-connect", "noor.castellano", Command::Propose(Propose::default()));
    step(
        68.0,
        "streamhub-connect",
        "sunita.varga",
        Command::Accept(Accept {
            priority: "p2".into(),
            reason: "Connectors extend streamhub; same team, same platform".into(),
        }),
    );
    step(
        66.0,
        "streamhub-connect",
        "aoife.delacroix",
        Command::Assign(Assign {
            sre_team: TeamId::parse("addon-sre")?,
            scope: "Connector health alerts, SLOs per connector class".into(),
        }),
    );
    step(12.0, "streamhub-connect", "noor.castellano", Command::EnterProduction(EnterProduction::default()));
    Ok(())
}

/// lumen-metrics: onboarding, checklist half done (one item waived, see [`waive_last_item`]).
fn lumen_metrics(step: &mut impl FnMut(f64, &'static str, &str, Command)) -> Result<()> {
    step(40.0, "lumen-metrics", "oskar.mbeki", Command::Propose(Propose::default()));
    step(
        38.0,
        "lumen-metrics",
        "helga.marchetti",
        Command::Accept(Accept { priority: "p1".into(), reason: "Needed by every tenant dashboard".into() }),
    );
    step(
        35.0,
        "lumen-metrics",
        "marta.oyelaran",
        Command::Assign(Assign {
            sre_team: TeamId::parse("platform-sre")?,
            scope: "Ingest SLOs, retention, backup and restore".into(),
        }),
    );
    step(
        20.0,
        "lumen-metrics",
        "oskar.mbeki",
        Command::Deploy { environment: "stage".into(), body: Deploy { version: Some("0.9.2".into()) } },
    );
    Ok(())
}

/// keyring: accepted, waiting for a team. inkwell-notebooks: waiting for the architects.
fn waiting(step: &mut impl FnMut(f64, &'static str, &str, Command)) -> Result<()> {
    step(20.0, "keyring", "grace.okoro", Command::Propose(Propose::default()));
    step(
        15.0,
        "keyring",
        "rafael.okonkwo",
        Command::Accept(Accept { priority: "p2".into(), reason: "Secrets for addons; security review early".into() }),
    );
    step(
        3.0,
        "inkwell-notebooks",
        "leila.fontaine",
        Command::Propose(Propose { questionnaire: Some(link("inkwell/QUESTIONNAIRE")), ..Default::default() }),
    );
    Ok(())
}

/// ferry: rejected. tenant-insights: an owner prototyping on integration before proposing.
fn turned_away(step: &mut impl FnMut(f64, &'static str, &str, Command)) -> Result<()> {
    step(50.0, "ferry", "grace.okoro", Command::Propose(Propose::default()));
    step(
        45.0,
        "ferry",
        "sunita.varga",
        Command::Reject(reason("Duplicates streamhub-connect; fold it into that service")),
    );
    step(
        5.0,
        "tenant-insights",
        "oskar.mbeki",
        Command::Deploy { environment: "integration".into(), body: Deploy { version: Some("0.1.0".into()) } },
    );
    Ok(())
}

/// The soak tests of the two services in production, judged by the SLOs over the
/// generated samples.
fn soak_tests(s: &mut Vec<Step>, now: Timestamp) -> Result<()> {
    for (service, started, ended) in [("streamhub", 100.0, 90.0), ("streamhub-connect", 30.0, 20.0)] {
        let command = Command::RecordSoak(RecordSoak {
            started_at: days_before(now, started),
            ended_at: days_before(now, ended),
            link: link(&format!("{service}/SOAK")),
            // Judged by the SLOs over the generated samples, as a real one would be.
            overridden: None,
            result: None,
        });
        s.push(Step { days_ago: ended, service, actor: PersonId::parse("beatriz.nakamura")?, command });
    }
    Ok(())
}

/// lumen-metrics' last checklist item, waived while its owner team is away.
fn waive_last_item(org: &Org, s: &mut Vec<Step>, now: Timestamp) -> Result<()> {
    if let Some(last) = org.checklist.last() {
        let expires = now.saturating_add(SignedDuration::from_hours(30 * 24)).expect("no calendar units");
        let actor = attester(org, &last.required_by, "jonas.achterberg")?;
        s.push(Step {
            days_ago: 10.0,
            service: "lumen-metrics",
            actor,
            command: Command::WaiveItem {
                item: last.id.clone(),
                body: WaiveItem {
                    reason: "Owner team on leave until next month; tracked in LUMEN-88".into(),
                    expires_at: expires,
                },
            },
        });
    }
    Ok(())
}
