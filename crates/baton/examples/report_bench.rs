//! The SLO report over many SLOs: Baton's own store against Prometheus, on the same data,
//! timed in the same run.
//!
//! ```sh
//! cargo run --release -p baton --example report_bench -- [--slos 1000] [--days 28] [--runs 3] [--minute-slos 100] [--keep DIR] [--baton-only]
//! ```
//!
//! `--keep DIR` keeps the store and the TSDB in DIR and reuses them on the next run (same
//! `--slos` and `--days`); `--baton-only` times Baton's side alone; `--engine` times the
//! SLO alerting engine's minute instead (`Baton::engine_step` with only `slo-alerting/all`
//! due: every SLO judged and its alerts brought in line), in wall time and in the
//! process's CPU time (user + system, from `/proc/self/stat`).
//!
//! It writes the example organisation plus `--slos` built-in SLOs of `streamhub`
//! (Occurrences, 28-day rolling window, the default alert tiers, objectives 99% to
//! 99.95%) into a temporary definition repo and applies it to a fresh SQLite store, then
//! generates `--days` of per-minute traffic for each SLO (seeded, so every run is the
//! same data) and
//! - stores it with `Store::put_buckets`, one call per SLO and day;
//! - writes it as two counters per SLO (`requests_total{slo, outcome="good"|"bad"}`, one
//!   sample a minute, starting at 0) in OpenMetrics pieces of one 2-hour TSDB block each,
//!   backfills them with `promtool tsdb create-blocks-from openmetrics` (two at a time),
//!   and starts `prometheus` on a free loopback port on that TSDB, waiting until its
//!   compaction of the backfilled blocks has settled.
//!
//! Then, `--runs` times each, it times
//! - Baton: `Baton::slo_reports` for the service at the instant the data ends (every
//!   SLO's attainment, error budget, the four tiers' burn rates and verdicts, time to
//!   exhaustion, the daily burn-down), which reads the store's hourly sums;
//! - Prometheus: the same figures as instant queries at that instant, one per window
//!   (28d, 3d, 1d, 6h, 2h, 1h, 30m, 5m), each for all SLOs at once:
//!   `sum by (slo) (increase(requests_total{outcome="bad"}[W])) / sum by (slo) (increase(requests_total[W]))`;
//! - for reference, the minute rows themselves: `Store::buckets` over the 28 days of the
//!   first `--minute-slos` SLOs (what a report read before the rollups).
//!
//! It checks that both answers agree (error ratios within 1e-9) and prints the ratio.
//! Needs `prometheus` and `promtool` on the PATH (Debian: `apt-get install prometheus`).

use baton_app::{Baton, ManualClock};
use baton_core::slo::{start_of_minute, Bucket, Measured, Window};
use baton_core::{ServiceId, SloId, Timestamp};
use baton_sources::PrometheusClient;
use baton_store::Store;
use baton_store_sqlite::SqliteStore;
use jiff::SignedDuration;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// When the data ends: the report's instant, mid-minute and mid-hour like any other.
const AT: &str = "2026-03-01T12:34:30Z";
const OBJECTIVES: [&str; 4] = ["0.99", "0.995", "0.999", "0.9995"];
/// Every window a report reads burn rates over, and the SLO window.
const WINDOWS: [(&str, i64); 8] =
    [("28d", 40_320), ("3d", 4_320), ("1d", 1_440), ("6h", 360), ("2h", 120), ("1h", 60), ("30m", 30), ("5m", 5)];

struct Args {
    slos: usize,
    days: usize,
    runs: usize,
    minute_slos: usize,
    /// Keep the store and the TSDB here, and reuse them when they are already there.
    keep: Option<PathBuf>,
}

fn args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    let get = |name: &str, default: usize| {
        argv.iter()
            .position(|a| a == name)
            .map(|i| argv.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{name} takes a number")))
            .unwrap_or(default)
    };
    Args {
        slos: get("--slos", 1000),
        days: get("--days", 28),
        runs: get("--runs", 3),
        minute_slos: get("--minute-slos", 100),
        keep: argv.iter().position(|a| a == "--keep").map(|i| PathBuf::from(argv.get(i + 1).expect("--keep DIR"))),
    }
}

/// SplitMix64: reproducible traffic without a dependency.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn slo_id(i: usize) -> String {
    format!("bench-{i:04}")
}

/// SLO `i`'s (good, bad) per minute: a daily cycle of 20 to about 1,100 requests a minute,
/// 1% of minutes with none, one failure in one minute in ten, and one minute in 2,000
/// with a quarter failing; every seventh SLO has a 20-minute incident in the last hour.
fn traffic(i: usize, minutes: usize) -> Vec<(u32, u32)> {
    let mut rng = SplitMix(i as u64 + 1);
    let scale = 1 + (i as u64 % 5);
    (0..minutes)
        .map(|m| {
            let r = rng.next();
            let hour = (m / 60 + 12) % 24;
            let base = if (8..20).contains(&hour) { 200 } else { 20 };
            let total = if r.is_multiple_of(100) { 0 } else { scale * (base + (r >> 8) % 20) };
            let mut bad = if (r >> 16).is_multiple_of(2000) {
                total / 4
            } else {
                u64::from((r >> 32).is_multiple_of(10)).min(total)
            };
            if i.is_multiple_of(7) && (minutes - 50..minutes - 30).contains(&m) {
                bad = total / 2;
            }
            ((total - bad) as u32, bad as u32)
        })
        .collect()
}

/// The example organisation with `slos` more SLOs on `streamhub`.
fn definition_repo(dir: &Path, slos: usize) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org");
    let status = Command::new("cp").arg("-r").arg(&example).arg(dir).status().unwrap();
    assert!(status.success(), "copying {}", example.display());
    let mut yaml = String::new();
    for i in 0..slos {
        let _ = write!(
            yaml,
            "---\napiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: {}\nspec:\n  service: streamhub\n  \
             indicatorRef: streamhub-publish-requests\n  timeWindow:\n    - duration: 28d\n      isRolling: true\n  \
             budgetingMethod: Occurrences\n  objectives:\n    - target: {}\n",
            slo_id(i),
            OBJECTIVES[i % 4]
        );
    }
    std::fs::write(dir.join("org/slos/bench.yaml"), yaml).unwrap();
}

/// The OpenMetrics text of 2-hour block `block` (minutes `[from, to)` of the data, plus the
/// counters' value at `to` for the last piece), given each SLO's cumulative counts so far.
fn openmetrics_piece(
    data: &[Vec<(u32, u32)>],
    cumulative: &mut [(u64, u64)],
    start: Timestamp,
    from: usize,
    to: usize,
    last: bool,
) -> String {
    let mut text = String::with_capacity(data.len() * (to - from) * 2 * 64);
    text.push_str("# TYPE requests counter\n");
    let second = |m: usize| start.as_second() + 60 * m as i64;
    for (i, minutes) in data.iter().enumerate() {
        let (mut good, mut bad) = cumulative[i];
        let id = slo_id(i);
        let mut good_lines = String::new();
        let mut bad_lines = String::new();
        let upto = if last { to + 1 } else { to };
        for m in from..upto {
            // The counter at minute m counts the minutes before it; at 0 it is 0.
            let _ = writeln!(good_lines, "requests_total{{slo=\"{id}\",outcome=\"good\"}} {good} {}", second(m));
            let _ = writeln!(bad_lines, "requests_total{{slo=\"{id}\",outcome=\"bad\"}} {bad} {}", second(m));
            if m < minutes.len() {
                good += u64::from(minutes[m].0);
                bad += u64::from(minutes[m].1);
            }
        }
        text.push_str(&good_lines);
        text.push_str(&bad_lines);
        if !last {
            cumulative[i] = (good, bad);
        }
    }
    text.push_str("# EOF\n");
    text
}

/// Backfills the data into a TSDB at `tsdb`, one promtool per 2-hour block, two at a time.
fn backfill(data: &[Vec<(u32, u32)>], start: Timestamp, tsdb: &Path, scratch: &Path) -> Duration {
    const BLOCK_MINUTES: usize = 120;
    let started = Instant::now();
    let minutes = data[0].len();
    // The first piece may be short: blocks are aligned to 2-hour multiples of the epoch.
    let offset = (start.as_second().rem_euclid(7200) / 60) as usize;
    let mut cuts = vec![0];
    let mut m = BLOCK_MINUTES - offset % BLOCK_MINUTES;
    while m < minutes {
        cuts.push(m);
        m += BLOCK_MINUTES;
    }
    cuts.push(minutes);
    let mut cumulative = vec![(0u64, 0u64); data.len()];
    let mut running: Vec<(PathBuf, Child)> = Vec::new();
    let pieces = cuts.len() - 1;
    for (k, pair) in cuts.windows(2).enumerate() {
        let text = openmetrics_piece(data, &mut cumulative, start, pair[0], pair[1], k + 1 == pieces);
        let path = scratch.join(format!("{k:05}.om"));
        std::fs::write(&path, text).unwrap();
        if running.len() == 2 {
            let (done, child) = running.remove(0);
            wait_promtool(&done, child);
        }
        let child = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
            .arg(&path)
            .arg(tsdb)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("promtool runs (apt-get install prometheus)");
        running.push((path, child));
        if k % 24 == 0 {
            print!("\r  backfilled {k} of {pieces} pieces");
            let _ = std::io::stdout().flush();
        }
    }
    for (done, child) in running {
        wait_promtool(&done, child);
    }
    println!("\r  backfilled {pieces} pieces                ");
    started.elapsed()
}

fn wait_promtool(piece: &Path, child: Child) {
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "promtool on {}: {}", piece.display(), String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(piece).unwrap();
}

struct Prometheus {
    child: Child,
    url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_prometheus(dir: &Path, tsdb: &Path) -> Prometheus {
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 1h\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("prometheus")
        .arg(format!("--storage.tsdb.path={}", tsdb.display()))
        .arg("--storage.tsdb.retention.time=3650d")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!("--config.file={}", config.display()))
        // A 28-day range over 2,000 series loads 80 M samples; the default cap is 50 M.
        .arg("--query.max-samples=500000000")
        .arg("--query.timeout=10m")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
        .spawn()
        .expect("prometheus runs (apt-get install prometheus)");
    let prometheus = Prometheus { child, url: format!("http://127.0.0.1:{port}") };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let ready = http.get(format!("{}/-/ready", prometheus.url)).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(Instant::now() < deadline, "prometheus was not ready within 10 minutes");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    prometheus
}

/// Waits until Prometheus has finished compacting the backfilled 2-hour blocks into
/// larger ones (the block count holds still for 150 s: it plans a compaction every
/// minute), as it would have long before anyone asked it for a 28-day report.
async fn wait_for_compaction(url: &str) -> usize {
    let http = reqwest::Client::new();
    let blocks = || async {
        let text = http.get(format!("{url}/metrics")).send().await.ok()?.text().await.ok()?;
        text.lines().find_map(|l| l.strip_prefix("prometheus_tsdb_blocks_loaded ")).and_then(|v| v.trim().parse().ok())
    };
    let (mut last, mut since) = (None::<usize>, Instant::now());
    loop {
        let now = blocks().await;
        if now != last {
            if let Some(n) = now {
                print!("\r  TSDB blocks loaded: {n}     ");
                let _ = std::io::stdout().flush();
            }
            last = now;
            since = Instant::now();
        } else if since.elapsed() > Duration::from_secs(150) {
            println!();
            return last.unwrap_or(0);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The process's CPU time so far (user + system), from `/proc/self/stat` (in clock ticks
/// of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() {
    let args = args();
    let at: Timestamp = AT.parse().unwrap();
    let end = start_of_minute(at);
    let minutes = args.days * 1440;
    let start = end.checked_sub(SignedDuration::from_mins(minutes as i64)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = args.keep.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir).unwrap();
    let reuse = dir.join("baton.db").exists();
    println!(
        "{} SLOs × {} days = {} buckets, data [{start}, {end}), report at {at}",
        args.slos,
        args.days,
        args.slos * minutes
    );

    // Definitions and the store.
    definition_repo(tmp.path(), args.slos);
    let loaded = baton_config::load(&tmp.path().join("org"));
    let org = loaded.org.unwrap_or_else(|| panic!("the repo is invalid: {:#?}", loaded.diagnostics));
    let store = Arc::new(SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.display())).await.unwrap());
    let clock = Arc::new(ManualClock::new(at));
    let baton = Baton::with_slo_engine(store.clone(), clock.clone());
    baton.apply(&org, "bench").await.unwrap();

    let generated = Instant::now();
    let data: Vec<Vec<(u32, u32)>> = (0..args.slos).map(|i| traffic(i, minutes)).collect();
    println!("generated in {}", ms(generated.elapsed()));

    let ingest = Instant::now();
    for (i, per_minute) in data.iter().enumerate().filter(|_| !reuse) {
        let id = SloId::parse(&slo_id(i)).unwrap();
        for (d, day) in per_minute.chunks(1440).enumerate() {
            let buckets: Vec<Bucket> = day
                .iter()
                .enumerate()
                .map(|(m, &(good, bad))| {
                    let minute = start.checked_add(SignedDuration::from_mins((d * 1440 + m) as i64)).unwrap();
                    Bucket::new(minute, u64::from(good), u64::from(good) + u64::from(bad)).unwrap()
                })
                .collect();
            store.put_buckets(&id, &buckets).await.unwrap();
        }
    }
    let ingest = ingest.elapsed();
    if reuse {
        println!("SQLite: reusing the store in {}", dir.display());
    } else {
        println!(
            "SQLite: stored {} buckets in {} ({:.0} buckets/s, with the hourly rollups)",
            args.slos * minutes,
            ms(ingest),
            (args.slos * minutes) as f64 / ingest.as_secs_f64()
        );
    }

    if std::env::args().any(|a| a == "--engine") {
        // The first step runs everything apply made due (a watch per SLO, integrations'
        // heartbeats); the timed ones each come a minute later, when only the SLO alerting
        // engine's record is due (the watches are due every 5 minutes).
        let first = Instant::now();
        let mut drained = 0;
        loop {
            let step = baton.engine_step().await.unwrap();
            drained += step.handled;
            if step.handled == 0 {
                break;
            }
        }
        println!("first engine steps (every SLO's watch too, {drained} records): {}", ms(first.elapsed()));
        for run in 1..=args.runs {
            clock.advance(SignedDuration::from_mins(1));
            // As live: every SLO's samples of the minute that just ended are in (untimed).
            let last = start_of_minute(at).checked_add(SignedDuration::from_mins(run as i64 - 1)).unwrap();
            for i in 0..args.slos {
                let id = SloId::parse(&slo_id(i)).unwrap();
                store.put_buckets(&id, &[Bucket::new(last, 990, 1000).unwrap()]).await.unwrap();
            }
            let (cpu, wall) = (cpu_seconds(), Instant::now());
            let step = baton.engine_step().await.unwrap();
            let (wall, cpu) = (wall.elapsed(), cpu_seconds() - cpu);
            println!(
                "run {run}: SLO alerting engine over {} SLOs: {} wall, {:.0} ms CPU ({step:?})",
                args.slos + 2,
                ms(wall),
                cpu * 1e3
            );
        }
        return;
    }
    if std::env::args().any(|a| a == "--baton-only") {
        // Baton's side alone, e.g. against a kept store while tuning it.
        let service = ServiceId::parse("streamhub").unwrap();
        for run in 1..=args.runs {
            let t = Instant::now();
            let reports = baton.slo_reports(Some(&service), Some(at)).await.unwrap();
            println!("run {run}: Baton {} for {} reports", ms(t.elapsed()), reports.len());
        }
        return;
    }
    let tsdb = dir.join("tsdb");
    let scratch = dir.join("openmetrics");
    if !tsdb.exists() {
        std::fs::create_dir_all(&tsdb).unwrap();
        std::fs::create_dir_all(&scratch).unwrap();
        let took = backfill(&data, start, &tsdb, &scratch);
        println!("Prometheus: backfilled {} samples in {}", 2 * args.slos * (minutes + 1), ms(took));
    }
    let prometheus = start_prometheus(&dir, &tsdb).await;
    let blocks = wait_for_compaction(&prometheus.url).await;
    println!("Prometheus ready at {} with {blocks} blocks", prometheus.url);
    let client = PrometheusClient::with_timeout(&prometheus.url, Duration::from_secs(600)).unwrap();
    drop(data);

    let service = ServiceId::parse("streamhub").unwrap();
    // One untimed round each, so neither side is timed reading its files cold.
    baton.slo_reports(Some(&service), Some(at)).await.unwrap();
    client.instant("sum by (slo) (increase(requests_total[28d]))", end).await.unwrap();
    let mut ratios = Vec::new();
    for run in 1..=args.runs {
        let t = Instant::now();
        let reports = baton.slo_reports(Some(&service), Some(at)).await.unwrap();
        let baton_took = t.elapsed();

        let t = Instant::now();
        // All at once, as a dashboard would ask them (Baton also works on several reports at once).
        let queries = WINDOWS.iter().map(|(name, _)| {
            let client = &client;
            async move {
                let q = format!(
                    "sum by (slo) (increase(requests_total{{outcome=\"bad\"}}[{name}])) / sum by (slo) (increase(requests_total[{name}]))"
                );
                let samples = client.instant(&q, end).await.unwrap();
                (*name, samples.into_iter().map(|s| (s.metric["slo"].clone(), s.value)).collect::<HashMap<String, f64>>())
            }
        });
        let answers: HashMap<&str, HashMap<String, f64>> =
            futures_util::future::join_all(queries).await.into_iter().collect();
        let prometheus_took = t.elapsed();

        // The same figures, both ways.
        let mut checked = 0;
        let mut worst: f64 = 0.0;
        for r in reports.iter().filter(|r| r.slo.id.as_str().starts_with("bench-")) {
            let id = r.slo.id.as_str();
            let error_ratio = |t: &baton_core::slo::Tally| t.error_ratio();
            let mut pairs = vec![("28d", error_ratio(&r.tally))];
            for v in &r.tiers {
                let long = v.long.rate.map(|b| b * r.slo.objective.error_rate());
                let short = v.short.rate.map(|b| b * r.slo.objective.error_rate());
                pairs.push((WINDOWS.iter().find(|w| w.1 * 60 == v.tier.long_window.as_seconds()).unwrap().0, long));
                pairs.push((WINDOWS.iter().find(|w| w.1 * 60 == v.tier.short_window.as_seconds()).unwrap().0, short));
            }
            for (window, baton_ratio) in pairs {
                let prom = answers[window].get(id).copied();
                match (baton_ratio, prom) {
                    (Measured::Value(b), Some(p)) => worst = worst.max((b - p).abs()),
                    (Measured::NoData, None) => {}
                    (Measured::NoData, Some(p)) if p.is_nan() => {}
                    (b, p) => panic!("{id} over {window}: Baton {b:?}, Prometheus {p:?}"),
                }
                checked += 1;
            }
        }
        assert!(worst < 1e-9, "Baton and Prometheus differ by {worst}");
        let ratio = prometheus_took.as_secs_f64() / baton_took.as_secs_f64();
        ratios.push(ratio);
        println!(
            "run {run}: Baton {} for {} reports; Prometheus {} for the same figures ({checked} error ratios agree, worst difference {worst:.1e}); Baton is {ratio:.1}× faster",
            ms(baton_took),
            reports.len(),
            ms(prometheus_took),
        );
    }

    if args.minute_slos > 0 {
        let window = Window::new(end.checked_sub(SignedDuration::from_hours(28 * 24)).unwrap(), end).unwrap();
        let n = args.minute_slos.min(args.slos);
        let t = Instant::now();
        let mut rows = 0;
        for i in 0..n {
            rows += store.buckets(&SloId::parse(&slo_id(i)).unwrap(), window).await.unwrap().len();
        }
        let took = t.elapsed();
        println!(
            "for reference, reading the 28-day minute rows of {n} SLOs: {} ({rows} rows, {:.2} µs a row, {} per SLO)",
            ms(took),
            took.as_secs_f64() * 1e6 / rows as f64,
            ms(took / n as u32)
        );
    }
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    println!("Baton/Prometheus speed ratio over {} runs: mean {mean:.1}×", ratios.len());
}
