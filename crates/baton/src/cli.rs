//! The command line, as a person types it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "baton", version, about = "Carry a service from kickoff to SRE holding the pager")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "BATON_LOG_FORMAT")]
    pub log_format: LogFormat,
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

#[derive(Args, Clone)]
pub struct Db {
    /// The store: sqlite://PATH (the default, in the data directory) or postgres://...
    #[arg(long, env = "BATON_DB")]
    pub db: Option<String>,
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
        #[command(flatten)]
        db: Db,
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
        #[command(flatten)]
        db: Db,
    },
    /// Run the example organisation on a fresh SQLite store and serve its dashboard.
    Demo {
        /// The definition repo to load (the repo's examples/org by default).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Use this store instead of a fresh demo file; history is seeded only if it has none.
        #[arg(long)]
        db: Option<String>,
        /// Seed and print the tokens, then exit instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Services in the pipeline.
    #[command(subcommand)]
    Service(ServiceCommand),
    /// SLOs: reports, corrections, compliance, backfill and Prometheus rules.
    #[command(subcommand)]
    Slo(SloCommand),
    /// On-call rotations: who is on call, who is next, and the schedule.
    #[command(subcommand)]
    Oncall(OncallCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
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
        #[command(flatten)]
        db: Db,
    },
    /// One service: stage, blockers, checklist.
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
        #[command(flatten)]
        db: Db,
    },
    /// Everything recorded about one service, newest first.
    History {
        id: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
        #[command(flatten)]
        db: Db,
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
        #[command(flatten)]
        db: Db,
    },
    /// Who takes over at the next hand-off after now (or --at), and when.
    Next {
        rotation: String,
        /// Answer for this instant (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
        #[command(flatten)]
        db: Db,
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
        #[command(flatten)]
        db: Db,
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
        #[command(flatten)]
        db: Db,
    },
    /// The corrections (maintenance windows, incidents) declared for an SLO, oldest first.
    Corrections {
        slo: String,
        #[arg(long, value_enum, default_value_t)]
        output: Output,
        #[command(flatten)]
        db: Db,
    },
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
        #[command(flatten)]
        db: Db,
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
        #[command(flatten)]
        db: Db,
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

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain; names the first record that is not as written.
    Verify {
        #[command(flatten)]
        db: Db,
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
        #[command(flatten)]
        db: Db,
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
        #[command(flatten)]
        db: Db,
    },
    /// Tokens (never their secrets).
    List {
        #[arg(long, value_enum, default_value_t)]
        output: Output,
        #[command(flatten)]
        db: Db,
    },
    Revoke {
        id: String,
        #[command(flatten)]
        db: Db,
    },
}
