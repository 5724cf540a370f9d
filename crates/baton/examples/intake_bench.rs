//! Alert intake under load, end to end: how many alerts a second Baton accepts with
//! durable commits, how long the 2xx takes, and how long from the 2xx until the page
//! reaches the receiver.
//!
//! ```sh
//! cargo run --release -p baton --example intake_bench -- [--store sqlite|postgres] \
//!     [--connections 64] [--seconds 10] [--rate 0] [--sender on|off] [--sender-batch 64]
//!     [--group 1] [--pg postgres://postgres@127.0.0.1:5432/test]
//! ```
//!
//! In one process, as `baton serve` runs them: the HTTP server (`baton_web::router`), the
//! engine and the outbox sender, over a fresh store (a SQLite file in a temporary
//! directory with `synchronous = FULL`, or a fresh schema on the PostgreSQL server, dropped
//! at the end) holding the example organisation, its escalation channels pointed at a
//! local HTTP receiver that records when each page arrives. Each of `--connections` tasks
//! sends generic-webhook alerts (critical, each with a new dedup key, so every one opens
//! an alert and queues a page to streamhub-dev's lead) for `--seconds`: back to back, or,
//! with `--rate R`, at R requests/s in all (open loop, for the notification delay at a load
//! below saturation). With `--group N` (N > 1) each request is an Alertmanager webhook
//! (payload version 4) carrying N firing alerts of one group, each its own fingerprint,
//! as Alertmanager sends a group. Then it waits for every accepted alert's page and prints:
//! - sustained intake: 2xx answers per second;
//! - p50/p99/max latency of the 2xx;
//! - p50/p99/max time from the 2xx to the receiver getting the page;
//! - the CPU time Baton's threads used (per alert, and cores on average), and the load
//!   generator's and receiver's (their own runtime, threads named `bench-harness`);
//! - the bytes the process wrote to disk per alert, and the average stored sizes.
//!
//! Baton runs as `baton serve` does: with jemalloc, its intake handing pages to its sender.
//! The load generator and the receiver share the machine (and its cores) with Baton.

/// The allocator `baton serve` runs with (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use axum::body::Bytes;
use axum::extract::State;
use baton_app::Baton;
use baton_core::paging::Format;
use baton_core::PersonId;
use baton_notify::{Sender, SenderConfig};
use baton_store::Store;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    store: String,
    pg: String,
    connections: usize,
    seconds: u64,
    rate: u64,
    /// Without the sender: intake alone.
    sender: bool,
    /// Messages the sender claims (and delivers concurrently) per step.
    sender_batch: usize,
    /// Alerts per request: 1 sends generic webhooks, more sends Alertmanager groups.
    group: usize,
}

fn args() -> Args {
    let mut a = Args {
        store: "sqlite".into(),
        pg: std::env::var("BATON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        connections: 64,
        seconds: 10,
        rate: 0,
        sender: true,
        sender_batch: SenderConfig::default().batch,
        group: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--store" => a.store = value,
            "--pg" => a.pg = value,
            "--connections" => a.connections = value.parse().expect("--connections N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--rate" => a.rate = value.parse().expect("--rate N"),
            "--sender" => a.sender = value == "on",
            "--sender-batch" => a.sender_batch = value.parse().expect("--sender-batch N"),
            "--group" => a.group = value.parse::<usize>().expect("--group N").max(1),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

/// When each page arrived, by the alert's dedup key.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// The parts of a delivered notice the receiver reads (borrowed: the receiver shares the
/// cores with Baton, so it builds no more than it needs).
#[derive(serde::Deserialize)]
struct Delivered<'a> {
    #[serde(borrow)]
    kind: &'a str,
    #[serde(borrow)]
    alert: Option<DeliveredAlert<'a>>,
}

#[derive(serde::Deserialize)]
struct DeliveredAlert<'a> {
    #[serde(borrow)]
    dedup_key: &'a str,
}

async fn record(State(arrivals): State<Arrivals>, body: Bytes) -> &'static str {
    let now = Instant::now();
    if let Ok(Delivered { kind: "page", alert: Some(alert) }) = serde_json::from_slice::<Delivered>(&body) {
        arrivals.lock().unwrap().entry(alert.dedup_key.to_owned()).or_insert(now);
    }
    "ok"
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let args = args();
    // BATON_LOG=baton_app=debug shows each group commit (its size, deciding and committing).
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("BATON_LOG") {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    let dir = tempfile::tempdir().unwrap();

    // The load generator and the receiver run on threads of their own, so what they cost
    // the CPU can be told apart from what Baton costs (they still share the cores).
    let harness = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(HARNESS)
        .enable_all()
        .build()
        .unwrap();

    // The receiver.
    let arrivals: Arrivals = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let receiver = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(record).with_state(arrivals.clone());
    harness.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        axum::serve(listener, app).await.unwrap()
    });

    // The organisation, its channels pointed at the receiver.
    let org_dir = dir.path().join("org");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org"), &org_dir);
    for entry in std::fs::read_dir(org_dir.join("escalations")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("http://127.0.0.1:9/hooks/", &format!("{receiver}/hooks/"))).unwrap();
    }
    let org = baton_config::load(&org_dir).org.expect("the organisation loads");

    let schema = format!("baton_test_bench_{}", std::process::id());
    let store: Arc<dyn Store> = match args.store.as_str() {
        "sqlite" => Arc::new(
            baton_store_sqlite::SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.path().display()))
                .await
                .unwrap(),
        ),
        "postgres" => Arc::new(baton_store_postgres::PgStore::connect_in_schema(&args.pg, &schema).await.unwrap()),
        other => panic!("--store {other}: sqlite or postgres"),
    };
    let baton = Baton::with_defaults(store.clone());
    baton.apply(&org, "bench").await.unwrap();
    let noor = PersonId::parse("noor.castellano").unwrap();
    let input = baton_app::paging::IntegrationIn {
        service: baton_core::ServiceId::parse("streamhub").unwrap(),
        name: "bench".into(),
        format: if args.group > 1 { Format::Alertmanager } else { Format::Generic },
        heartbeat: None,
    };
    let key = baton.create_integration(&noor, input).await.unwrap().key;

    // Baton as `baton serve` runs it: the server, the engine, the sender.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let path = if args.group > 1 { "alertmanager" } else { "generic" };
    let url = format!("http://{}/api/v1/intake/{key}/{path}", listener.local_addr().unwrap());
    let router = baton_web::router(baton.clone());
    tokio::spawn(async move { baton_web::serve(listener, router, std::future::pending()).await.unwrap() });
    tokio::spawn(baton.clone().run_engine(std::future::pending()));
    if args.sender {
        let config = SenderConfig {
            batch: args.sender_batch,
            outbound: baton_notify::Outbound::LOOPBACK,
            ..SenderConfig::default()
        };
        let sender = Sender::new(store.clone(), Arc::new(baton_app::SystemClock), config).unwrap();
        baton.queue_for_sender(sender.queue());
        tokio::spawn(Arc::new(sender).run(baton.outbox_wake(), std::future::pending()));
    }

    println!(
        "store {}, {} connections, {} s, {}",
        args.store,
        args.connections,
        args.seconds,
        if args.rate > 0 { format!("{} alerts/s offered", args.rate) } else { "back to back".into() }
    );
    let cpu_before = cpu_by_thread();
    let start = Instant::now();
    let end = start + Duration::from_secs(args.seconds);
    let client = reqwest::Client::builder().pool_max_idle_per_host(args.connections).build().unwrap();
    let mut tasks = Vec::new();
    for t in 0..args.connections {
        let (client, url, group) = (client.clone(), url.clone(), args.group);
        // Open loop: connection t sends at instants start + (t + k·connections) / rate.
        let interval = (args.rate > 0).then(|| Duration::from_secs_f64(args.connections as f64 / args.rate as f64));
        let offset = (args.rate > 0).then(|| Duration::from_secs_f64(t as f64 / args.rate as f64));
        tasks.push(harness.spawn(async move {
            let mut done: Vec<(String, Instant, Duration)> = Vec::new();
            let mut refused = 0usize;
            let mut n = 0u64;
            loop {
                if let (Some(interval), Some(offset)) = (interval, offset) {
                    let at = start + offset + interval * n as u32;
                    tokio::time::sleep_until(at.into()).await;
                }
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let keys: Vec<String> = (0..group).map(|i| format!("bench-{t}-{n}-{i}")).collect();
                n += 1;
                // Written straight as text, not built as a `Value` first: the load generator
                // shares the cores with Baton.
                let body = if group == 1 {
                    format!(
                        r#"{{"dedup_key":"{}","status":"firing","severity":"critical","summary":"consumer lag above 10k","source":"intake_bench","runbook_url":"https://runbooks.example.com/streamhub/lag"}}"#,
                        keys[0]
                    )
                    .into_bytes()
                } else {
                    let alerts: Vec<serde_json::Value> = keys
                        .iter()
                        .map(|k| {
                            serde_json::json!({
                                "status": "firing",
                                "labels": {"alertname": "ConsumerLag", "severity": "critical", "partition": k},
                                "annotations": {"summary": "consumer lag above 10k",
                                                "runbook_url": "https://runbooks.example.com/streamhub/lag"},
                                "startsAt": "2026-11-22T09:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                                "generatorURL": "http://127.0.0.1:9090/graph", "fingerprint": k,
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "version": "4", "groupKey": format!("{{}}:{{alertname=\"ConsumerLag\",conn=\"{t}\"}}"),
                        "truncatedAlerts": 0, "status": "firing", "receiver": "baton",
                        "groupLabels": {"alertname": "ConsumerLag"}, "commonLabels": {"alertname": "ConsumerLag"},
                        "commonAnnotations": {}, "externalURL": "http://127.0.0.1:9093", "alerts": alerts,
                    })
                    .to_string()
                    .into_bytes()
                };
                let request = client.post(&url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
                match request.send().await {
                    Ok(r) if r.status().is_success() => {
                        let answered = Instant::now();
                        done.extend(keys.into_iter().map(|k| (k, answered, answered - sent)));
                    }
                    _ => refused += group,
                }
            }
            (done, refused)
        }));
    }
    let mut accepted = Vec::new();
    let mut refused = 0;
    for task in tasks {
        let (done, r) = task.await.unwrap();
        accepted.extend(done);
        refused += r;
    }
    let elapsed = start.elapsed();

    // Wait for every page (up to a minute).
    let wait = if args.sender { 60 } else { 0 };
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let got = arrivals.lock().unwrap().len();
        if got >= accepted.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained = start.elapsed();
    let cpu_after = cpu_by_thread();
    let arrivals = arrivals.lock().unwrap().clone();
    let mut latency: Vec<Duration> = accepted.iter().map(|a| a.2).collect();
    latency.sort_unstable();
    let mut delay: Vec<Duration> =
        accepted.iter().filter_map(|(k, at, _)| arrivals.get(k).map(|r| r.saturating_duration_since(*at))).collect();
    delay.sort_unstable();
    let rate = accepted.len() as f64 / elapsed.as_secs_f64();
    println!(
        "accepted {} alerts in {:.2} s: {rate:.0} alerts/s ({refused} refused)",
        accepted.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "2xx latency: p50 {}, p99 {}, max {}",
        ms(percentile(&latency, 0.5)),
        ms(percentile(&latency, 0.99)),
        ms(percentile(&latency, 1.0))
    );
    println!(
        "2xx to page received: p50 {}, p99 {}, max {} ({} of {} pages received, all by {:.2} s)",
        ms(percentile(&delay, 0.5)),
        ms(percentile(&delay, 0.99)),
        ms(percentile(&delay, 1.0)),
        delay.len(),
        accepted.len(),
        drained.as_secs_f64()
    );
    let (baton_cpu, harness_cpu) = (cpu_after.0 - cpu_before.0, cpu_after.1 - cpu_before.1);
    if !accepted.is_empty() {
        println!(
            "CPU: Baton {baton_cpu:.1} s ({:.0} µs per alert, {:.2} cores on average), load generator and receiver \
             {harness_cpu:.1} s ({:.2} cores)",
            baton_cpu * 1e6 / accepted.len() as f64,
            baton_cpu / drained.as_secs_f64(),
            harness_cpu / drained.as_secs_f64()
        );
    }
    // What each alert cost the disk: the process's own writes (WAL, checkpoints), and the
    // sizes of what it stored.
    let written = std::fs::read_to_string("/proc/self/io").ok().and_then(|io| {
        io.lines().find_map(|l| l.strip_prefix("write_bytes: ").and_then(|n| n.trim().parse::<u64>().ok()))
    });
    if let (Some(written), false) = (written, accepted.is_empty()) {
        println!("disk: {written} bytes written by the process, {} per alert", written / accepted.len() as u64);
    }
    if args.store == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}/baton.db", dir.path().display())).await.unwrap();
        let (alert, message): (Option<f64>, Option<f64>) = sqlx::query_as(
            "SELECT (SELECT avg(length(body)) FROM alerts), \
                    (SELECT avg(length(key) + length(subject) + length(channel) + length(payload)) FROM outbox)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        println!(
            "stored: alert {:.0} bytes, outbox message {:.0} bytes on average",
            alert.unwrap_or(0.0),
            message.unwrap_or(0.0)
        );
    }
    if args.store == "postgres" {
        let pool = sqlx::PgPool::connect(&args.pg).await.unwrap();
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).execute(&pool).await.unwrap();
    }
    harness.shutdown_background();
}

/// Names the load generator's and the receiver's threads.
const HARNESS: &str = "bench-harness";

/// CPU time (user and system, seconds) this process's threads have used so far: Baton's,
/// and the load generator's and receiver's (threads named [`HARNESS`]).
fn cpu_by_thread() -> (f64, f64) {
    let (mut baton, mut harness) = (0u64, 0u64);
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        // `pid (comm) state ...`: after the name, utime and stime are the 12th and 13th fields.
        let Some((name, rest)) = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") ")) else { continue };
        let fields: Vec<&str> = rest.split(' ').collect();
        let ticks = fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
        if name.starts_with(HARNESS) {
            harness += ticks;
        } else {
            baton += ticks;
        }
    }
    // Clock ticks are 1/100 s on Linux.
    (baton as f64 / 100.0, harness as f64 / 100.0)
}
