//! The command line, as a person types it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "baton", version, about = "Carry a service from kickoff to SRE holding the pager")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub store: Db,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "BATON_LOG_FORMAT")]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub times: Times,
}

/// The time zone the times people read are shown in, always named (`2026-12-07 09:00
/// Europe/Dublin`, spelled by `baton_core::local_time::local`, as pages, notifications and
/// calendar feeds spell it). `--tz` (or `BATON_TZ`) wins; without it the on-call commands
/// show a rotation's times in the rotation's own zone (its shift changes read as written in
/// its definition), and everything else in UTC. `--output json` (and CSV) is for programs
/// and stays RFC 3339 UTC whatever the zone. Where a command takes an instant, it takes
/// RFC 3339 or a time as shown, so a time copied from the output reads back.
#[derive(Args, Clone, Default)]
pub struct Times {
    /// Show times in this time zone (an IANA name: Europe/Dublin, America/Sao_Paulo, UTC).
    /// By default the on-call commands use the rotation's zone, others UTC; JSON stays UTC.
    #[arg(long = "tz", global = true, env = "BATON_TZ", value_name = "ZONE", value_parser = zone)]
    pub tz: Option<jiff::tz::TimeZone>,
}

/// `--tz`: a zone of the tz database, or what would be accepted.
fn zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    baton_core::local_time::zone(name).map_err(|e| e.to_string())
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum Output {
    #[default]
    Table,
    Json,
}

/// Like [`Output`], with CSV (RFC 4180, a header row) for spreadsheets.
#[derive(Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum TableJsonCsv {
    #[default]
    Table,
    Json,
    Csv,
}

/// The store every command works on: one option for the whole command line, before or
/// after the subcommand. [`Db::baton`] opens it.
#[derive(Args, Clone, Default)]
pub struct Db {
    /// The store: sqlite://PATH (the default, in the data directory) or postgres://...
    /// For `demo`, a store to use instead of a fresh demo file (BATON_DB is not read).
    #[arg(long, global = true, env = "BATON_DB")]
    pub db: Option<String>,
    /// `--db` came from `BATON_DB`, not the command line (set by [`parse`]).
    #[arg(skip)]
    pub from_env: bool,
}

/// Parses the command line, noting where `--db` came from: the demo reads only the flag,
/// so a `BATON_DB` set for everyday use never gets the demo's seeded history.
pub fn parse() -> Cli {
    use clap::{parser::ValueSource, CommandFactory, FromArgMatches};
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.store.from_env = matches.value_source("db") == Some(ValueSource::EnvVariable);
    cli
}

#[derive(Subcommand)]
pub enum Command {
    /// Check a definition repo and report every problem as file:line:column.
    Validate { dir: PathBuf },
    /// Show what a definition repo changes in the store, and apply it in one transaction.
    Apply {
        dir: PathBuf,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
        /// Who is applying, for the audit log (defaults to cli:$USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Serve the API and the dashboard.
    Serve {
        /// A definition repo to validate and apply before serving.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8080", env = "BATON_LISTEN")]
        listen: SocketAddr,
        /// The address people reach Baton at; https:// makes session cookies Secure.
        #[arg(long, env = "BATON_PUBLIC_URL")]
        public_url: Option<String>,
        /// Non-public destinations notifications may go to, comma-separated: loopback,
        /// private, link-local. By default only public addresses are sent to.
        #[arg(long, env = "BATON_ALLOW_OUTBOUND", default_value = "none")]
        allow_outbound: baton_notify::Outbound,
        /// Where the secrets channels name with `url_file` / `routing_key_file` are read
        /// (a mounted Kubernetes or Docker secret, say). `_env` secrets are read from
        /// Baton's environment, as BATON_SECRET_... variables.
        #[arg(long, env = "BATON_SECRETS_DIR")]
        secrets_dir: Option<PathBuf>,
        /// Requests a second each caller (token, session or address) may make, like 50/s
        /// (bursts of four times that, 32 at once; alert intake is not counted), or off.
        #[arg(long, env = "BATON_RATE_LIMIT", default_value = "50/s")]
        rate_limit: baton_web::RateLimitSetting,
        /// Views readable without signing in, comma-separated: board (the pipeline board),
        /// slos (SLO reports) — neither holds personal data — or all (every read: a closed
        /// network only). By default every read needs a token or a browser session.
        #[arg(long, env = "BATON_OPEN_READS", default_value = "none")]
        open_reads: baton_web::OpenReads,
        #[command(flatten)]
        reaching: Reaching,
    },
    /// Run the example organisation on a fresh SQLite store (or on `--db`, its history
    /// seeded only if it has none) and serve its dashboard.
    Demo {
        /// The definition repo to load (the repo's examples/org by default).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// As for `serve`.
        #[arg(long, env = "BATON_RATE_LIMIT", default_value = "50/s")]
        rate_limit: baton_web::RateLimitSetting,
        /// As for `serve`; the demo's people are fictional, so every read is open unless
        /// this says otherwise.
        #[arg(long, default_value = "all")]
        open_reads: baton_web::OpenReads,
        /// Seed and print the tokens, then exit instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Services in the pipeline.
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Production gates: each gate's verdict, votes, waivers, passing a gate.
    #[command(subcommand)]
    Gate(crate::commands::gates::GateCommand),
    /// Check results the gates read, e.g. an end-to-end suite's JUnit report.
    #[command(subcommand)]
    Check(crate::commands::gates::CheckCommand),
    /// SLOs: reports, corrections, compliance, backfill and Prometheus rules.
    #[command(subcommand)]
    Slo(SloCommand),
    /// On-call rotations: who is on call, who is next, and the schedule.
    #[command(subcommand)]
    Oncall(OncallCommand),
    /// Alerts: list, show, acknowledge, resolve.
    #[command(subcommand)]
    Alert(AlertCommand),
    /// Integrations: the keys alert sources send with.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// How Baton reaches a person: their contact methods and notification rules.
    #[command(subcommand)]
    Contact(ContactCommand),
    /// What waits on a person across Baton, most urgent first: alerts they answer for,
    /// handovers and swaps addressed to them, gate votes, roadmap items, pipeline steps.
    Work {
        #[arg(long = "as", value_name = "PERSON")]
        person: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// A service's SLO RACI chart: for each step, who is responsible, accountable,
    /// consulted and informed, resolved from personas to people and teams.
    Raci {
        service: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Make a definition repo's files from another tool's: OpenSLO SLOs for slos/, and
    /// services/ and teams/ stubs where the source names them. Says what it could not
    /// carry over; writes every file whole or none.
    Import {
        #[arg(value_enum)]
        from: ImportFrom,
        /// The files to import (directories: every .yaml and .yml file in them).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The definition repo to write into.
        #[arg(long, default_value = ".")]
        into: PathBuf,
        /// The team owning the services stubs are made for, when the source does not say.
        #[arg(long)]
        owner: Option<String>,
        /// The Prometheus server imported SLIs are read from.
        #[arg(long, default_value = "http://localhost:9090")]
        prometheus_url: String,
        /// Replace files that already exist with different contents.
        #[arg(long)]
        force: bool,
    },
    /// Write the applied definitions in another tool's format.
    Export {
        #[arg(value_enum)]
        to: ExportTo,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ImportFrom {
    /// Sloth prometheus/v1 specs, and Sloth's OpenSLO v1alpha files.
    Sloth,
    /// Pyrra ServiceLevelObjectives.
    Pyrra,
    /// A Backstage catalog: Groups become teams, Components services.
    Backstage,
    /// OpenSLO v1 files from another tool (services/ stubs for the services they name).
    Openslo,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ExportTo {
    /// The applied SLOs as plain OpenSLO v1, Baton's annotations kept.
    Openslo,
}

#[derive(Subcommand)]
pub enum ServiceCommand {
    /// Every service with its stage and what it waits for.
    List {
        /// Only services in this stage (draft, proposed, accepted, onboarding, transition, sre-owned, rejected, retired).
        #[arg(long)]
        stage: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// One service: stage, blockers, checklist.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Everything recorded about one service, newest first.
    History {
        id: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum OncallCommand {
    /// Who is on call for a rotation now (or at --at), the shift they hold, and why.
    Who {
        rotation: String,
        /// Answer for this instant (RFC 3339, e.g. 2026-03-17T12:00:00Z) instead of now.
        #[arg(long)]
        at: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Who takes over at the next shift change after now (or --at), and when.
    Next {
        rotation: String,
        /// Answer for this instant (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// The shifts of a rotation over some days.
    Schedule {
        rotation: String,
        /// First day (YYYY-MM-DD, in the rotation's time zone) or an RFC 3339 instant; today by default.
        #[arg(long)]
        from: Option<String>,
        /// How many days, 1 to 366.
        #[arg(long, default_value_t = 7)]
        days: i64,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// The work of a shift: duties, the on-call log, help, runbooks to write, handovers.
    #[command(flatten)]
    Work(OncallWorkCommand),
    /// Changes to the schedule and what is read through them: overrides, swaps, fairness, feeds.
    #[command(flatten)]
    Changes(OncallChangeCommand),
}

/// The on-call work of a rotation. Writes name the person (`--as`), who must have the role
/// the API would ask of them. `help` is one of them (asking the team for help), so the
/// generated `help` subcommand is off: `baton oncall --help` prints the help.
#[derive(Subcommand)]
#[command(disable_help_subcommand = true)]
pub enum OncallWorkCommand {
    /// The shift under way and its duties, ticked or not.
    Shift {
        rotation: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Tick duty N (from 1) of the current shift, as the person on call.
    Tick {
        rotation: String,
        n: usize,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Write TEXT in the on-call log (with --as), or read the log, newest first (without TEXT).
    Log {
        rotation: String,
        text: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: Option<String>,
        /// question, incident, runbook, note or help.
        #[arg(long, default_value = "note")]
        kind: String,
        /// A ticket, chat thread or dashboard; repeat for more.
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
        /// The incident is over (without --runbook it leaves a runbook to write).
        #[arg(long)]
        closed: bool,
        /// The runbook followed, written or updated.
        #[arg(long, value_name = "URL")]
        runbook: Option<String>,
        /// Reading: only entries numbered below this.
        #[arg(long)]
        before: Option<u64>,
        /// Reading: at most this many entries (1 to 200).
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Ask the rest of the team for help: logged, and the team is notified.
    Help {
        rotation: String,
        text: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long = "link", value_name = "URL")]
        links: Vec<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Write the handover of your shift, as the outgoing engineer.
    Handover {
        rotation: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        /// How the shift went.
        #[arg(long)]
        note: String,
        /// Something the incoming engineer should pick up; repeat for more.
        #[arg(long = "open-item", value_name = "TEXT")]
        open_items: Vec<String>,
        /// An incident still under way; repeat for more.
        #[arg(long = "incident", value_name = "TEXT")]
        ongoing_incidents: Vec<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// The rotation's handovers, newest first.
    Handovers {
        rotation: String,
        /// Only those not acknowledged yet.
        #[arg(long)]
        open: bool,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Acknowledge handover HANDOVER (its shift's start, as listed), as the incoming engineer.
    Ack {
        rotation: String,
        handover: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// The runbooks to write on the rotation: incidents closed without one.
    #[command(alias = "todo")]
    Todos {
        rotation: String,
        /// Also those resolved.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Link the runbook written for runbook-to-write TODO, which closes it.
    Resolve {
        rotation: String,
        todo: String,
        #[arg(long, value_name = "URL")]
        runbook: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

/// Overrides, swaps with consent, the fairness ledger and calendar feeds. Writes name the
/// person (`--as`), who must have the role the API would ask of them.
#[derive(Subcommand)]
pub enum OncallChangeCommand {
    /// One person covers another's time: create, cancel or list overrides.
    #[command(subcommand)]
    Override(OverrideCommand),
    /// Swap two future shifts, with the other person's consent.
    #[command(subcommand)]
    Swap(SwapCommand),
    /// Shifts and hours per person over a range (weekend and holiday hours weighted),
    /// overrides and swaps included; CSV for on-call pay.
    Fairness {
        rotation: String,
        /// Start: YYYY-MM-DD (in the rotation's time zone) or an RFC 3339 instant; the first
        /// of this month by default.
        #[arg(long)]
        from: Option<String>,
        /// End, the same forms; one month after --from by default, at most 366 days after it.
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: TableJsonCsv,
    },
    /// iCalendar feeds by secret URL, for calendar apps.
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Time off: turns pass to others and are owed back; published shifts get cover requests.
    #[command(subcommand)]
    Leave(LeaveCommand),
}

/// How `serve` reaches people: email, and the key of the acknowledge links in pages.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Reaching {
    /// The mail server email goes through: smtp://host:port (plain: loopback only),
    /// smtp://host:587?tls=required (STARTTLS) or smtps://host:465 (TLS), with the login's
    /// user if any (smtp://baton@host:587?tls=required). Without it, email methods are
    /// not used and notices go to team channels as before.
    #[arg(long, env = "BATON_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Who Baton's email is from.
    #[arg(long, env = "BATON_SMTP_FROM", default_value = "Baton <baton@localhost>")]
    pub smtp_from: String,
    /// The mail server login's password, by name: BATON_SECRET_... (an environment
    /// variable) or a file name in --secrets-dir. Read at each send.
    #[arg(long, env = "BATON_SMTP_PASSWORD_SECRET")]
    pub smtp_password_secret: Option<String>,
    /// A file whose bytes sign the acknowledge links in pages (32 bytes or more). Without
    /// it, a key is made once and kept in the store.
    #[arg(long, env = "BATON_LINK_KEY_FILE")]
    pub link_key_file: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum ContactCommand {
    /// PERSON's methods, rules, and what keeps them from being reached.
    Show {
        person: String,
        /// Who asks: PERSON, or the lead of one of their teams.
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Add a method of PERSON's own, named ID; a code is sent to it (see `verify`).
    Add {
        person: String,
        id: String,
        #[arg(long, group = "address")]
        email: Option<String>,
        #[arg(long, group = "address")]
        webhook: Option<String>,
        /// A Slack member id (U024BE7LH), mentioned through their team's Slack webhook.
        #[arg(long, group = "address")]
        slack: Option<String>,
        /// A PagerDuty Events v2 routing key of their own.
        #[arg(long, group = "address")]
        pagerduty: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Verify METHOD with the CODE sent to it.
    Verify {
        person: String,
        method: String,
        code: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Send a new code to METHOD.
    Resend {
        person: String,
        method: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Turn METHOD on.
    On {
        person: String,
        method: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Turn METHOD off.
    Off {
        person: String,
        method: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Remove a method of PERSON's own.
    Remove {
        person: String,
        method: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Replace PERSON's rules: each `--page`, `--ticket`, `--info` is METHOD or
    /// METHOD:DELAY (`phone:5m`), repeatable.
    Rules {
        person: String,
        #[arg(long)]
        page: Vec<String>,
        #[arg(long)]
        ticket: Vec<String>,
        #[arg(long)]
        info: Vec<String>,
        /// HH:MM-HH:MM in PERSON's time zone: information waits until they end.
        #[arg(long)]
        quiet_hours: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum LeaveCommand {
    /// Record PERSON's leave from --from to --to.
    Record {
        person: String,
        /// First day (YYYY-MM-DD, from its start in PERSON's time zone) or an RFC 3339 instant.
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD, to its end in PERSON's time zone) or an RFC 3339 instant.
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
        /// Who records it: PERSON, or the lead of one of their teams.
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Cancel leave (under way, it ends now).
    Cancel {
        person: String,
        id: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Recorded leave, of PERSON or of everyone.
    List {
        person: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum OverrideCommand {
    /// Put COVERING on call instead of whoever (or --covered) is scheduled from --start to --end.
    Create {
        rotation: String,
        /// Who is on call instead: a member of the rotation's team.
        covering: String,
        /// Only this person's time is covered.
        #[arg(long)]
        covered: Option<String>,
        /// RFC 3339 instant, e.g. 2026-03-10T09:00:00Z.
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        #[arg(long)]
        reason: String,
        /// Who makes it: a member of the rotation's team, or its lead.
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Cancel an override that has not started.
    Cancel {
        rotation: String,
        id: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Every override of a rotation, cancelled ones included.
    List {
        rotation: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum SwapCommand {
    /// Ask WITH to take your shift starting --mine in exchange for theirs starting
    /// --theirs; without --theirs, ask WITH to cover your shift (a cover request).
    Request {
        rotation: String,
        with: String,
        /// The start of your shift (RFC 3339), as `baton oncall schedule` lists it.
        #[arg(long)]
        mine: String,
        /// The start of their shift.
        #[arg(long)]
        theirs: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Accept a swap you were asked for: it is applied at once.
    Accept {
        rotation: String,
        id: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Decline a swap you were asked for.
    Decline {
        rotation: String,
        id: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Withdraw a swap you asked for, before it is answered.
    Cancel {
        rotation: String,
        id: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Every swap of a rotation, newest first.
    List {
        rotation: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum FeedCommand {
    /// Make a feed of a rotation's shifts, a person's, or both; prints its secret URL once.
    Create {
        #[arg(long)]
        rotation: Option<String>,
        #[arg(long)]
        person: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        /// The address people reach Baton at, for the URL.
        #[arg(long, env = "BATON_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Revoke a feed you made: its URL stops working.
    Revoke {
        id: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// The feeds a person made (never their URLs).
    List {
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum SloCommand {
    /// Attainment, error budget, burn rates by alert tier and time to exhaustion.
    Report {
        /// Only this service's SLOs.
        #[arg(long)]
        service: Option<String>,
        /// Evaluate at this instant (RFC 3339, e.g. 2026-03-01T00:00:00Z) instead of now.
        #[arg(long)]
        at: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// The corrections (maintenance windows, incidents) declared for an SLO, oldest first.
    Corrections {
        slo: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Declare or cancel a correction, as a member of the service's owner or SRE team.
    #[command(subcommand)]
    Correction(CorrectionCommand),
    /// Attainment per calendar month (UTC) and whether each SLO met its objective.
    Compliance {
        /// Only this service's SLOs.
        #[arg(long)]
        service: Option<String>,
        /// How many months, ending with the current one (in progress).
        #[arg(long, default_value_t = 12)]
        months: u32,
        #[arg(long, value_enum, default_value_t)]
        output: TableJsonCsv,
    },
    /// Load SLI samples from a file (CSV `at,good,total` with a header, or JSON lines) into
    /// the built-in store, in batches; rejected lines are named with their line numbers.
    Backfill {
        slo: String,
        file: PathBuf,
        /// Who is sending the samples: a member of the service's owner or SRE team.
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        /// Samples per batch.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
    },
    /// Would it have paged? Replays the alerting engine over an SLO's history: every page
    /// and ticket that would have opened and resolved, how long after the burn began, and
    /// tiers that can never fire. Given a definition repo (a directory) instead of an SLO,
    /// each SLO's proposed definition is replayed beside the applied one.
    Backtest {
        /// An SLO id, or a definition repo to compare with what is applied.
        target: String,
        /// The range's start (RFC 3339); 28 days before `--to` by default.
        #[arg(long)]
        from: Option<String>,
        /// The range's end (RFC 3339); now by default. At most 90 days after `--from`.
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Write Prometheus recording and alerting rules for the SLOs whose SLI is in Prometheus.
    Rules {
        /// The definition repo.
        dir: PathBuf,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Corrections go through the same use case as the API, as the person given by `--as`.
#[derive(Subcommand)]
pub enum CorrectionCommand {
    /// Declare minutes that do not count against the SLO's error budget.
    Create {
        slo: String,
        /// The (first) occurrence's start (RFC 3339).
        #[arg(long)]
        start: String,
        /// The (first) occurrence's end (RFC 3339).
        #[arg(long)]
        end: String,
        /// Why these minutes should not count.
        #[arg(long)]
        reason: String,
        /// Repeat the occurrence every 24 hours or every 7 × 24 hours.
        #[arg(long, value_enum)]
        repeat: Option<Repeat>,
        /// A repeating correction's occurrences start before this (RFC 3339).
        #[arg(long, requires = "repeat")]
        until: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Cancel correction ID from now on; the minutes before now keep their correction.
    Cancel {
        slo: String,
        id: i64,
        /// Why these minutes should count again.
        #[arg(long)]
        reason: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Repeat {
    Daily,
    Weekly,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; names the first record that is not as written.
    /// With --key-file and --checkpoints, also that every checkpoint still holds: a chain
    /// rewritten by someone with the database but not the key fails here.
    Verify {
        /// The checkpoint key (at least 32 bytes; keep it outside the database).
        #[arg(long, requires = "checkpoints", env = "BATON_AUDIT_KEY_FILE")]
        key_file: Option<PathBuf>,
        /// A file of checkpoints, one `seq hash mac` line each (`audit checkpoint`).
        #[arg(long, requires = "key_file")]
        checkpoints: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Sign the audit log's head with the key and print it (`seq hash mac`); with --append,
    /// also add it to a file kept where the database's writers cannot change it. Run it
    /// from cron, say hourly: records after the last checkpoint are protected only by the
    /// unkeyed chain.
    Checkpoint {
        #[arg(long, env = "BATON_AUDIT_KEY_FILE")]
        key_file: PathBuf,
        #[arg(long)]
        append: Option<PathBuf>,
    },
    /// Print audit records, oldest first.
    Log {
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a person; the token is printed once.
    Create {
        person: String,
        /// What the token is for, e.g. "laptop" or "ci".
        #[arg(long, default_value = "cli")]
        name: String,
        /// Lifetime, e.g. 90d; no expiry if left out.
        #[arg(long)]
        expires_in: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Tokens (never their secrets).
    List {
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    Revoke {
        id: String,
    },
}

#[derive(Subcommand)]
pub enum AlertCommand {
    /// Open alerts (or all with --all), newest first, a page at a time.
    List {
        #[arg(long)]
        service: Option<String>,
        /// Resolved ones (and earlier incarnations) too.
        #[arg(long)]
        all: bool,
        /// At most this many (1 to 1000).
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// The next page: the cursor the previous page printed.
        #[arg(long)]
        after: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Send a dead letter again (an alert's page, or any notification), by its id as
    /// `alert show` lists it under `deliveries`.
    Resend {
        id: i64,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// One alert with its history and deliveries, as JSON.
    Show {
        service: String,
        key: String,
        /// JSON by default; `table` for people.
        #[arg(long, value_enum, default_value_t = Output::Json)]
        output: Output,
    },
    /// Acknowledge an alert: its escalation stops.
    Ack {
        service: String,
        key: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Resolve an alert.
    Resolve {
        service: String,
        key: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}

#[derive(Subcommand)]
pub enum IntegrationCommand {
    /// Create an integration for a service and print its key (shown once).
    Create {
        service: String,
        name: String,
        /// alertmanager, pagerduty or generic.
        #[arg(long)]
        format: String,
        /// Raise an alert when the source is silent this long (e.g. 5m).
        #[arg(long)]
        heartbeat: Option<String>,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Integrations, without their keys.
    List {
        #[arg(long)]
        service: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
    /// Revoke an integration: its key stops working.
    Revoke {
        id: String,
        #[arg(long = "as", value_name = "PERSON")]
        actor: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
    },
}
