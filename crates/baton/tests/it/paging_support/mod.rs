//! What the paging tests with real processes share: a recording HTTP receiver on loopback
//! (which also serves a `/metrics` gauge for a real Prometheus to scrape), a copy of the
//! example organisation whose channels point at it, child processes that are killed on
//! drop and keep their logs, `baton serve` itself, and a fresh PostgreSQL database.
#![allow(dead_code)] // each test file uses part of it

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub idempotency_key: String,
    pub body: Value,
    pub at: Instant,
}

impl Seen {
    /// `page`, `page-update`, …: the kind of a Baton webhook body (empty for Slack's).
    pub fn kind(&self) -> &str {
        self.body["kind"].as_str().unwrap_or("")
    }

    /// The alert's dedup key, for a Baton webhook body about an alert.
    pub fn dedup_key(&self) -> &str {
        self.body["alert"]["dedup_key"].as_str().unwrap_or("")
    }

    /// `trigger`, `acknowledge` or `resolve`.
    pub fn action(&self) -> &str {
        self.body["alert"]["action"].as_str().unwrap_or("")
    }

    /// The one person a page is for.
    pub fn to(&self) -> &str {
        self.body["to"][0].as_str().unwrap_or("")
    }

    pub fn text(&self) -> &str {
        self.body["text"].as_str().unwrap_or("")
    }
}

struct Recorder {
    seen: Mutex<Vec<Seen>>,
    /// The value of the `streamhub_broken` gauge served on `/metrics`.
    broken: AtomicU8,
    /// How long each POST waits before its answer (recorded on arrival).
    delay: Duration,
    /// POSTs recorded but not answered yet.
    in_flight: AtomicUsize,
    /// The status each POST is answered with (200 unless set).
    status: std::sync::atomic::AtomicU16,
}

/// An HTTP server on 127.0.0.1 that answers 200 to every POST and records it, and serves
/// `GET /metrics` (Prometheus text format) with the gauge `streamhub_broken`.
pub struct Receiver {
    pub base: String,
    recorder: Arc<Recorder>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Receiver::start_slow(Duration::ZERO).await
    }

    /// A receiver on `port` of 127.0.0.1: one that was down (nothing listening there, so
    /// every connection was refused) coming back.
    pub async fn start_on(port: u16) -> Receiver {
        Receiver::listen(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap(), Duration::ZERO)
    }

    /// A receiver that answers each POST only after `delay`, so a sender is caught with
    /// messages delivered but not yet answered.
    pub async fn start_slow(delay: Duration) -> Receiver {
        Receiver::listen(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), delay)
    }

    fn listen(listener: tokio::net::TcpListener, delay: Duration) -> Receiver {
        let recorder = Arc::new(Recorder {
            seen: Mutex::new(Vec::new()),
            broken: AtomicU8::new(0),
            delay,
            in_flight: AtomicUsize::new(0),
            status: std::sync::atomic::AtomicU16::new(200),
        });
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/metrics", axum::routing::get(metrics))
            .fallback(record)
            .with_state(recorder.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { base, recorder }
    }

    /// `host:port`, as a Prometheus scrape target.
    pub fn target(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Answers every POST from now on with `status` (a receiver that refuses, say).
    pub fn set_status(&self, status: u16) {
        self.recorder.status.store(status, Ordering::SeqCst);
    }

    pub fn set_broken(&self, value: u8) {
        self.recorder.broken.store(value, Ordering::SeqCst);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.recorder.seen.lock().unwrap().clone()
    }

    /// POSTs received and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.recorder.in_flight.load(Ordering::SeqCst)
    }

    pub fn count(&self) -> usize {
        self.recorder.seen.lock().unwrap().len()
    }

    /// Baton webhook bodies of `kind` (Slack's are left out).
    pub fn of_kind(&self, kind: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.kind() == kind).collect()
    }

    /// Waits until `done` holds for what was received, up to `timeout`; on timeout,
    /// panics with `what`, what was received, and `logs()` (the processes' logs).
    pub async fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut(&[Seen]) -> bool,
        logs: impl Fn() -> String,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.recorder.seen.lock().unwrap()) {
                return;
            }
            if Instant::now() > deadline {
                let seen = self.seen();
                let tail: Vec<String> = seen.iter().rev().take(10).map(|s| format!("{} {}", s.path, s.body)).collect();
                panic!(
                    "waited {timeout:?} for {what}; the receiver got {} requests, the last ones:\n{}\n{}",
                    seen.len(),
                    tail.join("\n"),
                    logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn metrics(State(recorder): State<Arc<Recorder>>) -> String {
    let value = recorder.broken.load(Ordering::SeqCst);
    format!("# HELP streamhub_broken 1 while streamhub is broken.\n# TYPE streamhub_broken gauge\nstreamhub_broken {value}\n")
}

async fn record(
    State(recorder): State<Arc<Recorder>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let seen = Seen { path: uri.path().to_owned(), idempotency_key, body, at: Instant::now() };
    recorder.in_flight.fetch_add(1, Ordering::SeqCst);
    recorder.seen.lock().unwrap().push(seen);
    tokio::time::sleep(recorder.delay).await;
    recorder.in_flight.fetch_sub(1, Ordering::SeqCst);
    StatusCode::from_u16(recorder.status.load(Ordering::SeqCst)).unwrap_or(StatusCode::OK).into_response()
}

/// For each dedup key, the distinct `Idempotency-Key`s of the pages received for it, and
/// how many pages in all.
pub fn pages_by_alert(seen: &[Seen]) -> BTreeMap<String, (BTreeSet<String>, usize)> {
    let mut out: BTreeMap<String, (BTreeSet<String>, usize)> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.kind() == "page") {
        let entry = out.entry(s.dedup_key().to_owned()).or_default();
        entry.0.insert(s.idempotency_key.clone());
        entry.1 += 1;
    }
    out
}

pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/org")
}

/// A copy of the example organisation in a temporary directory, every escalation
/// channel's loopback placeholder (`http://127.0.0.1:9/hooks/...`) pointing at `receiver`
/// instead, and each `(file under escalations/, from, to)` text replacement made (a
/// shorter delay, say). Panics if a replacement finds nothing to replace.
pub fn org_copy(receiver: &str, edits: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&examples_dir(), dir.path());
    let escalations = dir.path().join("escalations");
    for entry in std::fs::read_dir(&escalations).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("http://127.0.0.1:9/hooks/", &format!("{receiver}/hooks/"))).unwrap();
    }
    for (file, from, to) in edits {
        let path = escalations.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} has no `{from}` to replace");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
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

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process whose stdout and stderr go to a log file; killed (SIGKILL) on drop.
pub struct Proc {
    pub name: String,
    child: Child,
    log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &str, mut command: Command, log: PathBuf) -> Proc {
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} could not be started ({e}); see scripts/test for what to install"));
        Proc { name: name.to_owned(), child, log }
    }

    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        // The end is what explains a failure; a long log would bury the assertion.
        let start = text.len().saturating_sub(6000);
        let start = (start..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        format!("--- {} log ({}) ---\n{}", self.name, self.log.display(), &text[start..])
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no shutdown hook runs, nothing is flushed.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Waits until GET `url` answers 2xx (a `/-/ready` endpoint), up to `timeout`.
    pub async fn wait_ready(&mut self, url: &str, timeout: Duration) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exited() {
                panic!("{} exited with {status}:\n{}", self.name, self.log());
            }
            if http.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "{} was not ready within {timeout:?}:\n{}", self.name, self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `baton serve` (the real binary) on `db`, listening on `listen` (`127.0.0.1:0` picks a
/// port), applying `config` first if given. Returns once it serves, with its base URL.
pub async fn baton_serve(name: &str, db: &str, config: Option<&Path>, listen: &str, logs: &Path) -> (Proc, String) {
    baton_serve_with(name, db, config, listen, logs, &[]).await
}

/// [`baton_serve`] with these environment variables set (settings such as shorter
/// delivery retries).
pub async fn baton_serve_with(
    name: &str,
    db: &str,
    config: Option<&Path>,
    listen: &str,
    logs: &Path,
    env: &[(&str, &str)],
) -> (Proc, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baton"));
    command.envs(env.iter().copied());
    // Reads open: these tests follow paging through the API, not who may read (security.rs).
    command.args(["serve", "--listen", listen, "--db", db, "--allow-outbound", "loopback", "--open-reads", "all"]);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    // The sender's "delivered" lines tell which replica sent what.
    command.env("BATON_LOG", "info,baton_notify=debug");
    let mut proc = Proc::spawn(name, command, logs.join(format!("{name}.log")));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = proc.exited() {
            panic!("{name} exited with {status}:\n{}", proc.log());
        }
        let text = proc.log_text();
        if let Some(rest) = text.split("Baton is serving on ").nth(1) {
            let url = rest.split_whitespace().next().unwrap().trim_end_matches('/').to_owned();
            return (proc, url);
        }
        assert!(Instant::now() < deadline, "{name} did not start serving within 60 s:\n{}", proc.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs the `baton` CLI; panics with its output unless it succeeds. Returns stdout.
pub fn baton_cli(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_baton")).args(args).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "baton {args:?} failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

/// A generic-webhook integration for streamhub, made with the CLI on `db`: its key.
pub fn generic_integration(db: &str) -> String {
    let key = baton_cli(&[
        "integration",
        "create",
        "streamhub",
        "load",
        "--format",
        "generic",
        "--as",
        "noor.castellano",
        "--db",
        db,
    ]);
    key.trim().to_owned()
}

/// A fresh database on the test PostgreSQL server (`BATON_TEST_PG_URL`, by default
/// postgres://postgres@127.0.0.1:5432/test), named `baton_cli_*` so scripts/test tidies
/// it if a run dies before [`PgDatabase::drop_now`].
pub struct PgDatabase {
    admin: String,
    pub name: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        let admin =
            std::env::var("BATON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        // Tests share this process (one test binary): the pid alone names no database, and
        // two tests may read the same clock; the counter tells them apart.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos();
        let seq = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("baton_cli_{}_{seq}_{nanos}", std::process::id());
        let pool = sqlx::PgPool::connect(&admin).await.expect("PostgreSQL at 127.0.0.1:5432 (see scripts/test)");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
        pool.close().await;
        Self { admin, name }
    }

    pub fn url(&self) -> String {
        let base = self.admin.rsplit_once('/').unwrap().0;
        format!("{base}/{}", self.name)
    }

    pub async fn drop_now(self) {
        let pool = sqlx::PgPool::connect(&self.admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

/// A generic-webhook alert for streamhub.
pub fn generic_alert(dedup_key: &str, severity: &str) -> Value {
    serde_json::json!({
        "dedup_key": dedup_key,
        "status": "firing",
        "summary": format!("consumer lag on partition {dedup_key}"),
        "severity": severity,
        "source": "load-generator",
        "runbook_url": "https://runbooks.example.com/streamhub/lag",
    })
}
