//! `spawn_app`: a real Baton server on a loopback port over a fresh SQLite file, loaded
//! with the example organisation, its clock in the test's hands.
#![allow(dead_code)]

use async_trait::async_trait;
use baton_app::{AppError, Baton, ManualClock, ViabilitySource};
use baton_core::org::ServiceDef;
use baton_core::pipeline::*;
use baton_core::slo::SoakVerdict;
use baton_core::{Org, PersonId, ServiceId, TeamId, Timestamp, Viability};
use baton_store_sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// TEST DOUBLE: stands in for the SLO engine's verdicts, set by the test: over the
/// transition window (`.0`) and over a soak test's window (`.1`, met unless set).
pub struct FakeViability(pub Mutex<Viability>, pub Mutex<SoakVerdict>);

#[async_trait]
impl ViabilitySource for FakeViability {
    async fn viability(
        &self,
        _: &ServiceDef,
        _: &ServiceRecord,
        _: Timestamp,
        _: Timestamp,
    ) -> Result<Viability, AppError> {
        Ok(self.0.lock().unwrap().clone())
    }

    async fn soak(
        &self,
        _: &ServiceDef,
        _: &ServiceRecord,
        _: Timestamp,
        _: Timestamp,
    ) -> Result<SoakVerdict, AppError> {
        Ok(self.1.lock().unwrap().clone())
    }
}

pub struct TestApp {
    pub url: String,
    pub db_url: String,
    pub clock: Arc<ManualClock>,
    pub verdict: Arc<FakeViability>,
    pub baton: Arc<Baton>,
    pub org: Org,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/org")
}

/// Copies the tree at `from` to `to` (a definition repo to edit, say).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn(false).await
}

/// With Baton's own SLO engine deciding the handover, not the test double.
pub async fn spawn_app_with_slo_engine() -> TestApp {
    spawn(true).await
}

async fn spawn(slo_engine: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/baton.db", dir.path().display());
    let store = Arc::new(SqliteStore::connect(&db_url).await.unwrap());
    let clock = Arc::new(ManualClock::new("2026-03-02T09:00:00Z".parse().unwrap()));
    let verdict = Arc::new(FakeViability(
        Mutex::new(Viability::Unknown { reason: "no SLI data yet".into() }),
        Mutex::new(SoakVerdict::Met { evidence: "test double: SLOs met over the soak window".into() }),
    ));
    let baton = if slo_engine {
        Baton::with_slo_engine(store, clock.clone())
    } else {
        Arc::new(Baton::new(store, clock.clone(), verdict.clone()))
    };
    let org = baton_config::load(&examples_dir()).org.expect("the example organisation loads");
    baton.apply(&org, "test").await.unwrap();
    let url = serve(open_router(baton.clone())).await;
    TestApp { url, db_url, clock, verdict, baton, org, client: reqwest::Client::new(), _dir: dir }
}

/// Serves `router` on a free loopback port until the test ends: its address.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { baton_web::serve(listener, router, std::future::pending()).await.unwrap() });
    url
}

/// The server with every read open: these tests are about what reads show. The signed-in
/// default is `security.rs`'s, on servers of its own.
pub fn open_router(baton: Arc<Baton>) -> axum::Router {
    baton_web::router_with(baton, baton_web::WebConfig { open_reads: baton_web::OpenReads::ALL, ..Default::default() })
}

impl TestApp {
    pub async fn token(&self, person: &str) -> String {
        self.baton.create_token(&PersonId::parse(person).unwrap(), "test", None, "test").await.unwrap().secret
    }

    /// POSTs `body` as `token`'s person; returns the status and the JSON answer.
    pub async fn post(&self, path: &str, token: Option<&str>, body: serde_json::Value) -> (u16, serde_json::Value) {
        let mut req = self.client.post(format!("{}{path}", self.url)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self.client.get(format!("{}{path}", self.url)).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub fn days_later(&self, days: i64) {
        self.clock.advance(jiff::SignedDuration::from_hours(days * 24));
    }

    pub fn now(&self) -> Timestamp {
        self.baton.now()
    }

    /// Runs the real `baton` binary against this app's store.
    pub fn baton_cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .arg("--db")
            .arg(&self.db_url)
            .env_remove("BATON_TZ")
            .output()
            .unwrap()
    }
}

/// The codes of the unmet conditions in a refusal.
pub fn unmet_codes(body: &serde_json::Value) -> Vec<String> {
    body["error"]["unmet"]
        .as_array()
        .map(|a| a.iter().map(|u| u["code"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// The people `drive` acts as (see crates/baton/tests/it/roles.rs for what each is).
pub const OWNER: &str = "noor.castellano";
pub const ARCHITECT: &str = "helga.marchetti";
pub const SRE_LEAD: &str = "aoife.delacroix";
pub const SRE: &str = "beatriz.nakamura";

fn tracker(s: &str) -> baton_core::Link {
    baton_core::Link::parse(&format!("https://tracker.example.com/{s}")).unwrap()
}

/// Moves streamhub to `stage` through the real rules, as the people who may.
pub async fn drive(app: &TestApp, stage: Stage) {
    let id = ServiceId::parse("streamhub").unwrap();
    let act = |who: &str, cmd: Command| {
        let (id, who) = (id.clone(), PersonId::parse(who).unwrap());
        async move { app.baton.act(&id, &who, cmd).await.unwrap() }
    };
    if stage == Stage::Draft {
        return;
    }
    act(OWNER, Command::Propose(Propose::default())).await;
    if stage == Stage::Proposed {
        return;
    }
    act(ARCHITECT, Command::Accept(Accept { priority: "p1".into(), reason: "r".into() })).await;
    if stage == Stage::Accepted {
        return;
    }
    act(SRE_LEAD, Command::Assign(Assign { sre_team: TeamId::parse("addon-sre").unwrap(), scope: "all".into() })).await;
    if stage == Stage::Onboarding {
        return;
    }
    for item in &app.org.checklist {
        let who = match &item.required_by {
            None => SRE,
            Some(team) => app.org.teams[team].members[0].as_str(),
        };
        act(who, Command::CompleteItem { item: item.id.clone(), body: CompleteItem { evidence: tracker("MR") } }).await;
    }
    let start = app.now();
    app.days_later(8);
    act(
        SRE,
        Command::RecordSoak(RecordSoak {
            started_at: start,
            ended_at: app.now(),
            link: tracker("S"),
            overridden: None,
            result: None,
        }),
    )
    .await;
    pass_promote_to_prod(app, "streamhub").await;
    act(OWNER, Command::EnterProduction(EnterProduction::default())).await;
    if stage == Stage::Transition {
        return;
    }
    // The transition window passes with the SLOs met (the test double says so).
    app.days_later(29);
    *app.verdict.0.lock().unwrap() = Viability::Met { evidence: "28 days within objective".into() };
    let review = RecordReview { slos_met: true, evidence: tracker("R"), notes: None };
    act(SRE, Command::RecordReview(review)).await;
    act(SRE, Command::HandOver(Reasoned { reason: "the SLOs held".into() })).await;
}

/// Passes `service`'s `promote-to-prod` gate through the app, as the people it asks: an
/// `e2e` result posted by its owner team, +1s from tenants-sre, platform-sre and the owner
/// team (three different people), then the pass by the owner. Entering production needs it.
pub async fn pass_promote_to_prod(app: &TestApp, service: &str) {
    use baton_app::gates::{CheckIn, CheckReport, VoteIn};
    let id = baton_core::ServiceId::parse(service).unwrap();
    let gate = baton_core::GateId::parse("promote-to-prod").unwrap();
    let owner = app.org.teams[&app.org.services[&id].owner_team].members[0].clone();
    let evidence = baton_core::Link::parse("https://tracker.example.com/RELEASE-1").unwrap();
    let check = CheckIn { name: "e2e".into(), passed: true, summary: "12 tests, 0 failures".into(), evidence: None };
    app.baton.post_check(&owner, &id, CheckReport::Json(check)).await.unwrap();
    for voter in ["olga.baptiste", "jonas.achterberg", owner.as_str()] {
        let vote = VoteIn {
            team: None,
            vote: baton_core::gate::Vote::Plus,
            comment: "LGTM".into(),
            evidence: evidence.clone(),
        };
        app.baton.vote(&PersonId::parse(voter).unwrap(), &id, &gate, vote).await.unwrap();
    }
    app.baton.pass_gate(&owner, &id, &gate).await.unwrap();
}

/// What `baton` printed and whether it succeeded.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// The real `baton` binary with `args`, as a person types it (only warnings logged).
pub fn baton(args: &[&str]) -> Run {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_baton")).args(args).env("BATON_LOG", "warn").output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A folder of the shared corpus of other tools' real files (`../shared/corpus`).
pub fn corpus(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(kind)
}
