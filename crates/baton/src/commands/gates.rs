//! `baton gate list|check|approve|reject|withdraw|waive|pass` and `baton check post`.
//! Writes name the person (`--as`), who must have the role the API would ask of them.

use crate::cli::{Db, Output};
use crate::output::{print, table};
use anyhow::{anyhow, bail, Context, Result};
use baton_app::gates::{CheckIn, CheckReport, GateView, VoteIn, WaiverIn};
use baton_core::gate::{Status, Vote};
use baton_core::{GateId, Link, Period, PersonId, ServiceId, TeamId, Timestamp};
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum GateCommand {
    /// Every gate for a service: whether it passes, what is unmet, and its assurance.
    List {
        service: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// One gate's verdict: every requirement met, unmet or waived, with the reason, who can
    /// act and when it passes on its own. Exits with 1 when the gate does not pass.
    #[command(alias = "show")]
    Check {
        service: String,
        gate: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Give a +1 on a gate, for a team of yours that it asks approval from.
    Approve {
        service: String,
        gate: String,
        #[command(flatten)]
        vote: VoteArgs,
    },
    /// Give a −1 on a gate: it blocks your team's requirement until you withdraw it.
    Reject {
        service: String,
        gate: String,
        #[command(flatten)]
        vote: VoteArgs,
    },
    /// Withdraw your vote VOTE (its id, as `baton gate check --output json` lists it).
    Withdraw {
        service: String,
        gate: String,
        vote: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Waive requirement REQUIREMENT (e.g. check:e2e) of a gate until --expires, as the
    /// service's SRE team or the architects.
    Waive {
        service: String,
        gate: String,
        requirement: String,
        #[arg(long)]
        reason: String,
        /// An RFC 3339 instant, or how long from now (e.g. 14d).
        #[arg(long)]
        expires: String,
        /// The team you waive for (the SRE team or the architects) if you are in both.
        #[arg(long)]
        team: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Pass a gate, as its owner team: recorded only if its verdict passes now.
    Pass {
        service: String,
        gate: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Ask, as the owner team, the people whose approval the gate still needs for their
    /// votes (each by their own notification rules, and their teams' channels).
    Ask {
        service: String,
        gate: String,
        /// A word for the people asked.
        #[arg(long)]
        note: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(clap::Args)]
pub struct VoteArgs {
    /// Why, in a sentence.
    #[arg(long)]
    comment: String,
    /// The merge request or ticket the vote is given on.
    #[arg(long)]
    evidence: String,
    /// The team you vote for, if the gate asks more than one of yours.
    #[arg(long)]
    team: Option<String>,
    #[arg(long = "as", value_name = "PERSON")]
    actor: String,
    #[arg(long, value_enum, default_value_t)]
    output: Output,
}

#[derive(Subcommand)]
pub enum CheckCommand {
    /// Post a check result NAME for a service: a JUnit XML report (--junit), which passes
    /// only with no failures and errors, or a verdict (--passed or --failed with --summary).
    Post {
        service: String,
        name: String,
        #[arg(long, value_name = "FILE", conflicts_with_all = ["passed", "failed", "summary"])]
        junit: Option<PathBuf>,
        #[arg(long, conflicts_with = "failed")]
        passed: bool,
        #[arg(long)]
        failed: bool,
        #[arg(long)]
        summary: Option<String>,
        /// Where the run can be seen.
        #[arg(long)]
        evidence: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

fn ids(service: &str, gate: &str) -> Result<(ServiceId, GateId)> {
    Ok((ServiceId::parse(service).map_err(|e| anyhow!("{e}"))?, GateId::parse(gate).map_err(|e| anyhow!("{e}"))?))
}

fn person(actor: &str) -> Result<PersonId> {
    PersonId::parse(actor).map_err(|e| anyhow!("--as: {e}"))
}

fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn link(what: &str, s: &str) -> Result<Link> {
    Link::parse(s).map_err(|e| anyhow!("--{what}: {e}"))
}

/// One gate's verdict as people read it.
fn print_gate(g: &GateView) {
    let v = &g.verdict;
    let state = if v.passes { "PASSES" } else { "DOES NOT PASS" };
    println!("{} ({}) for {}: {state}", g.gate, g.name, v.service);
    if let Some(p) = &g.passed {
        let version = p.version.as_deref().map_or(String::new(), |v| format!(" at version {v}"));
        println!("  passed by {} on {}{version}", p.signed.by, when(p.signed.at));
    }
    if let Some(why) = &v.not_applicable {
        println!("  not applicable: {why}");
    }
    if let Some(t) = v.passes_on_its_own_at {
        println!("  passes on its own on {} if nothing else changes", when(t));
    }
    for r in &v.requirements {
        let mark = match &r.status {
            Status::Met => "met   ",
            Status::Unmet => "UNMET ",
            Status::Waived { .. } => "waived",
        };
        println!("  [{mark}] {:<28} {}", r.id, r.label);
        println!("           {}", r.reason);
        if let Status::Waived { until, reason, by, team } = &r.status {
            println!("           waived by {by} ({team}) until {}: {reason}", when(*until));
        }
        if !r.who_can_act.is_empty() {
            println!("           who can act: {}", r.who_can_act.join(", "));
        }
        if let Some(t) = r.passes_on_its_own_at {
            println!("           passes on its own on {}", when(t));
        }
        if let Some(t) = r.expires_at.filter(|_| r.status == Status::Met) {
            println!("           holds until {}", when(t));
        }
    }
}

pub async fn run(cmd: GateCommand, db: &Db) -> Result<ExitCode> {
    match cmd {
        GateCommand::List { service, output } => list(&service, output, db).await?,
        GateCommand::Check { service, gate, output } => return check_gate(&service, &gate, output, db).await,
        GateCommand::Approve { service, gate, vote } => cast(&service, &gate, vote, Vote::Plus, db).await?,
        GateCommand::Reject { service, gate, vote } => cast(&service, &gate, vote, Vote::Minus, db).await?,
        GateCommand::Withdraw { service, gate, vote, actor, output } => {
            let (id, gate) = ids(&service, &gate)?;
            let v = db.baton().await?.withdraw_vote(&person(&actor)?, &id, &gate, &vote).await?;
            print(output, &v, |v| println!("vote {} on {gate} for {id} withdrawn", v.id))?;
        }
        GateCommand::Waive { service, gate, requirement, reason, expires, team, actor, output } => {
            let waiver = Waiver { requirement, reason, expires, team };
            waive(&service, &gate, waiver, &actor, output, db).await?;
        }
        GateCommand::Pass { service, gate, actor, output } => {
            let (id, gate) = ids(&service, &gate)?;
            let g = db.baton().await?.pass_gate(&person(&actor)?, &id, &gate).await?;
            print(output, &g, print_gate)?;
        }
        GateCommand::Ask { service, gate, note, actor, output } => {
            let (id, gate) = ids(&service, &gate)?;
            let asked = db.baton().await?.ask_for_votes(&person(&actor)?, &id, &gate, note).await?;
            print(output, &asked, |a| {
                for r in &a.asked {
                    println!("asked {} (for {}): {}", r.person, r.on_behalf_of.join(", "), r.requirements.join("; "));
                }
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `gate list`: every gate of a service, one line each, under its assurance.
async fn list(service: &str, output: Output, db: &Db) -> Result<()> {
    let id = ServiceId::parse(service).map_err(|e| anyhow!("{e}"))?;
    let gates = db.baton().await?.service_gates(&id).await?;
    print(output, &gates, |gates| {
        match &gates.assurance {
            baton_core::gate::Assurance::Reduced { reason } => println!("{id}: REDUCED ASSURANCE: {reason}"),
            baton_core::gate::Assurance::Full => println!("{id}: full assurance"),
            baton_core::gate::Assurance::NotInProduction => println!("{id}: not in production"),
        }
        let rows: Vec<Vec<String>> = gates.gates.iter().map(gate_row).collect();
        table(&["GATE", "VERDICT", "PASSED", "MET", "WAIVED", "UNMET"], &rows);
    })
}

fn gate_row(g: &GateView) -> Vec<String> {
    let v = &g.verdict;
    let count = |f: fn(&Status) -> bool| v.requirements.iter().filter(|r| f(&r.status)).count();
    let unmet: Vec<&str> = v.requirements.iter().filter(|r| r.status == Status::Unmet).map(|r| r.id.as_str()).collect();
    vec![
        g.gate.to_string(),
        if v.passes { "passes".into() } else { "does not pass".into() },
        g.passed.as_ref().map_or("-".into(), |p| format!("{} by {}", when(p.signed.at), p.signed.by)),
        format!("{}/{}", count(|s| *s == Status::Met), v.requirements.len()),
        count(|s| matches!(s, Status::Waived { .. })).to_string(),
        if unmet.is_empty() { "-".into() } else { unmet.join(", ") },
    ]
}

/// `gate check`: one gate's verdict; exits with 1 when it does not pass.
async fn check_gate(service: &str, gate: &str, output: Output, db: &Db) -> Result<ExitCode> {
    let (id, gate) = ids(service, gate)?;
    let g = db.baton().await?.gate(&id, &gate).await?;
    print(output, &g, print_gate)?;
    Ok(if g.verdict.passes { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// What `gate waive` is asked, as typed.
struct Waiver {
    requirement: String,
    reason: String,
    expires: String,
    team: Option<String>,
}

async fn waive(service: &str, gate: &str, w: Waiver, actor: &str, output: Output, db: &Db) -> Result<()> {
    let (id, gate) = ids(service, gate)?;
    let baton = db.baton().await?;
    let expires_at = match Period::parse(&w.expires) {
        Ok(p) => p.after(baton.now()),
        Err(_) => w
            .expires
            .parse::<Timestamp>()
            .map_err(|_| anyhow!("--expires `{}`: an RFC 3339 instant or a length like 14d", w.expires))?,
    };
    let approver_team = w.team.map(|t| TeamId::parse(&t).map_err(|e| anyhow!("--team: {e}"))).transpose()?;
    let input = WaiverIn { requirement: w.requirement, reason: w.reason, expires_at, approver_team };
    let waived = baton.waive_gate_requirement(&person(actor)?, &id, &gate, input).await?;
    print(output, &waived, |w| {
        let (requirement, until) = (&w.waiver.requirement, when(w.waiver.expires_at));
        println!("{requirement} on {gate} for {id} waived until {until} (waiver {})", w.id)
    })
}

async fn cast(service: &str, gate: &str, args: VoteArgs, vote: Vote, db: &Db) -> Result<()> {
    let (id, gate) = ids(service, gate)?;
    let team = args.team.map(|t| TeamId::parse(&t).map_err(|e| anyhow!("--team: {e}"))).transpose()?;
    let input = VoteIn { team, vote, comment: args.comment, evidence: link("evidence", &args.evidence)? };
    let v = db.baton().await?.vote(&person(&args.actor)?, &id, &gate, input).await?;
    let sign = if vote == Vote::Plus { "+1" } else { "-1" };
    print(args.output, &v, |v| {
        println!("{sign} from {} for {} on {gate} for {id} (vote {})", v.approval.person, v.approval.team, v.id)
    })
}

pub async fn check(cmd: CheckCommand, db: &Db) -> Result<ExitCode> {
    let CheckCommand::Post { service, name, junit, passed, failed, summary, evidence, actor, output } = cmd;
    let id = ServiceId::parse(&service).map_err(|e| anyhow!("{e}"))?;
    let evidence = evidence.map(|e| link("evidence", &e)).transpose()?;
    let report = match junit {
        Some(file) => {
            let xml = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            CheckReport::Junit { name, xml, evidence }
        }
        None => {
            if passed == failed {
                bail!("say how the run went: --junit FILE, or --passed or --failed with --summary");
            }
            let summary = summary.ok_or_else(|| anyhow!("--summary: say what the run found"))?;
            CheckReport::Json(CheckIn { name, passed, summary, evidence })
        }
    };
    let r = db.baton().await?.post_check(&person(&actor)?, &id, report).await?;
    print(output, &r, |r| {
        println!("{} for {id}: {} ({})", r.name, if r.passed { "passed" } else { "FAILED" }, r.summary)
    })?;
    Ok(if r.passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
