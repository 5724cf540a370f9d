//! Real Prometheus parts for the tests: a generator of known per-minute traffic, its
//! backfill into a TSDB with `promtool`, a `prometheus` server on a free loopback port
//! (killed on drop), and `promtool` itself.
//!
//! The traffic is three days of one-minute counter samples, so every `increase()` in the
//! tests is evaluated over samples that sit exactly on the minute: Prometheus then counts
//! exactly what was generated, and any difference from core is a real one.

use baton_core::slo::{Bucket, Window};
use baton_core::Timestamp;
use jiff::SignedDuration;
use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The SLI's selectors, over the generated series: good is every code but 5xx.
pub const GOOD: &str = r#"http_requests_total{job="checkout",code!~"5.."}"#;
pub const TOTAL: &str = r#"http_requests_total{job="checkout"}"#;

/// Counts per minute: minute `m` is `[start + m, start + m + 1m)`.
pub struct Traffic {
    pub start: Timestamp,
    pub good: Vec<u64>,
    pub bad: Vec<u64>,
    /// Failures of another job, which the selectors must not count.
    pub noise: Vec<u64>,
}

pub const DAY: usize = 1440;

impl Traffic {
    /// `days` of steady traffic (40 to 62 requests a minute, one failure every 97
    /// minutes) with three episodes an SLO notices:
    /// - day 0, 14:00–14:25: a quarter of requests fail (every tier pages or tickets);
    /// - day 1, 06:00–14:00: every other minute one request fails, about 1%: a slow burn
    ///   the 6h page and the ticket tiers catch, the 1h page not;
    /// - day 2, 03:00–03:20: no traffic at all (no data, not 100%).
    pub fn generate(start: Timestamp, days: usize) -> Self {
        let n = days * DAY;
        let (mut good, mut bad, mut noise) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for m in 0..n {
            let (day, of_day) = (m / DAY, m % DAY);
            let mut total = 40 + (m as u64 * 37 % 23);
            let mut failed = u64::from(m % 97 == 0);
            if day == 0 && (14 * 60..14 * 60 + 25).contains(&of_day) {
                failed = total / 4;
            }
            if day == 1 && (6 * 60..14 * 60).contains(&of_day) {
                failed = u64::from(m % 2 == 0);
            }
            if day == 2 && (3 * 60..3 * 60 + 20).contains(&of_day) {
                total = 0;
                failed = 0;
            }
            good.push(total - failed);
            bad.push(failed);
            noise.push(7);
        }
        Self { start, good, bad, noise }
    }

    pub fn minutes(&self) -> usize {
        self.good.len()
    }

    pub fn minute(&self, m: usize) -> Timestamp {
        self.start + SignedDuration::from_mins(m as i64)
    }

    pub fn window(&self) -> Window {
        Window::new(self.start, self.minute(self.minutes())).unwrap()
    }

    pub fn buckets(&self) -> Vec<Bucket> {
        (0..self.minutes())
            .map(|m| Bucket::new(self.minute(m), self.good[m], self.good[m] + self.bad[m]).unwrap())
            .collect()
    }

    /// Each series with its counter value at `start + k` minutes, `k` in `0..=minutes`:
    /// the events of the minutes before. The first sample is 0, so `increase()` counts the
    /// first minute too instead of taking the first sample as its baseline.
    pub fn series(&self) -> Vec<(&'static str, Vec<u64>)> {
        let cumulative = |per_minute: &[u64]| -> Vec<u64> {
            std::iter::once(0)
                .chain(per_minute.iter().scan(0, |sum, n| {
                    *sum += n;
                    Some(*sum)
                }))
                .collect()
        };
        vec![
            (r#"http_requests_total{job="checkout",code="200"}"#, cumulative(&self.good)),
            (r#"http_requests_total{job="checkout",code="500"}"#, cumulative(&self.bad)),
            (r#"http_requests_total{job="other",code="500"}"#, cumulative(&self.noise)),
        ]
    }

    /// The samples in OpenMetrics text, one document per 2-hour TSDB block: promtool reads
    /// its whole input once per block it writes, so one file for days of data costs a pass
    /// per block, while one piece per block costs one. Each piece has its own `# TYPE`
    /// header and `# EOF`.
    pub fn openmetrics_pieces(&self) -> Vec<String> {
        const BLOCK_MS: i64 = 2 * 3600 * 1000;
        let series = self.series();
        let block_of = |k: usize| self.minute(k).as_millisecond().div_euclid(BLOCK_MS);
        let mut pieces = Vec::new();
        let mut k = 0;
        while k <= self.minutes() {
            let block = block_of(k);
            let mut end = k;
            while end <= self.minutes() && block_of(end) == block {
                end += 1;
            }
            let mut text = String::from("# TYPE http_requests counter\n");
            for (name, values) in &series {
                for (i, value) in values.iter().enumerate().take(end).skip(k) {
                    let _ = writeln!(text, "{name} {value} {}", self.minute(i).as_second());
                }
            }
            text.push_str("# EOF\n");
            pieces.push(text);
            k = end;
        }
        pieces
    }

    /// The same samples as `promtool test rules` input series, at a 1m interval from 0.
    pub fn input_series_yaml(&self) -> String {
        let mut y = String::new();
        for (name, values) in self.series() {
            let values: Vec<String> = values.iter().map(u64::to_string).collect();
            let _ = writeln!(y, "      - series: '{name}'\n        values: '{}'", values.join(" "));
        }
        y
    }
}

/// A gauge sampled on every minute: sample `k` (at `start + k` minutes) is what a
/// threshold query sees at that instant, so it judges the minute `[k − 1, k)`. The SLI's
/// series is `latency_seconds{job="lumen"}`; `latency_seconds{job="other"}`, always slow,
/// must not count.
pub struct Gauge {
    pub start: Timestamp,
    pub values: Vec<f64>,
}

/// The threshold SLI over the gauge: a minute is good when the p99 is at most 2.5 s.
pub const LATENCY: &str = r#"max(latency_seconds{job="lumen"})"#;
pub const LATENCY_BOUND: f64 = 2.5;

impl Gauge {
    /// `days` of latencies between 0.2 and 0.42 s, with a slow minute (3 s) every 97,
    /// a minute exactly at the 2.5 s bound every 101 (good: the bound is `lte`), and:
    /// - day 0, 14:00–14:25: 4 s throughout (every tier pages or tickets);
    /// - day 1, 06:00–14:00: every other minute at 2.6 s, a slow burn.
    pub fn generate(start: Timestamp, days: usize) -> Self {
        let values = (0..=days * DAY)
            .map(|k| {
                let (day, of_day) = (k / DAY, k % DAY);
                if day == 0 && (14 * 60..14 * 60 + 25).contains(&of_day) {
                    4.0
                } else if day == 1 && (6 * 60..14 * 60).contains(&of_day) && k % 2 == 0 {
                    2.6
                } else if k % 97 == 0 {
                    3.0
                } else if k % 101 == 0 {
                    LATENCY_BOUND
                } else {
                    0.2 + (k * 37 % 23) as f64 / 100.0
                }
            })
            .collect();
        Self { start, values }
    }

    pub fn at(&self, k: usize) -> Timestamp {
        self.start + SignedDuration::from_mins(k as i64)
    }

    fn series(&self) -> Vec<(&'static str, Vec<f64>)> {
        vec![
            (r#"latency_seconds{job="lumen"}"#, self.values.clone()),
            (r#"latency_seconds{job="other"}"#, vec![9.0; self.values.len()]),
        ]
    }

    /// One OpenMetrics document per 2-hour block, as [`Traffic::openmetrics_pieces`].
    pub fn openmetrics_pieces(&self) -> Vec<String> {
        const BLOCK_MS: i64 = 2 * 3600 * 1000;
        let series = self.series();
        let mut pieces: Vec<(i64, String)> = Vec::new();
        for k in 0..self.values.len() {
            let block = self.at(k).as_millisecond().div_euclid(BLOCK_MS);
            if pieces.last().is_none_or(|(b, _)| *b != block) {
                pieces.push((block, String::from("# TYPE latency_seconds gauge\n")));
            }
            let text = &mut pieces.last_mut().unwrap().1;
            for (name, values) in &series {
                let _ = writeln!(text, "{name} {} {}", values[k], self.at(k).as_second());
            }
        }
        pieces.into_iter().map(|(_, t)| t + "# EOF\n").collect()
    }

    /// The same samples as `promtool test rules` input series, at a 1m interval from 0.
    pub fn input_series_yaml(&self) -> String {
        let mut y = String::new();
        for (name, values) in self.series() {
            let values: Vec<String> = values.iter().map(f64::to_string).collect();
            let _ = writeln!(y, "      - series: '{name}'\n        values: '{}'", values.join(" "));
        }
        y
    }
}

/// Runs `promtool` with `args`, panicking if it cannot be started at all.
pub fn promtool(args: &[&str]) -> Output {
    Command::new("promtool").args(args).output().expect("promtool runs (apt-get install prometheus)")
}

/// Writes OpenMetrics `pieces` into a TSDB under `dir`, one promtool per piece, two at a time.
pub fn backfill(pieces: Vec<String>, dir: &Path) {
    let pieces_dir = dir.join("openmetrics");
    std::fs::create_dir_all(&pieces_dir).unwrap();
    let out = dir.to_str().unwrap().to_owned();
    let files: Vec<PathBuf> = pieces
        .into_iter()
        .enumerate()
        .map(|(i, text)| {
            let path = pieces_dir.join(format!("{i:04}.om"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    for pair in files.chunks(2) {
        let running: Vec<(PathBuf, Child)> = pair
            .iter()
            .map(|f| {
                let child = Command::new("promtool")
                    .args(["tsdb", "create-blocks-from", "openmetrics", f.to_str().unwrap(), &out])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("promtool runs (apt-get install prometheus)");
                (f.clone(), child)
            })
            .collect();
        for (f, child) in running {
            let done = child.wait_with_output().unwrap();
            assert!(done.status.success(), "backfilling {}: {}", f.display(), String::from_utf8_lossy(&done.stderr));
        }
    }
    std::fs::remove_dir_all(&pieces_dir).unwrap();
}

/// A loopback port nothing listens on right now: bind port 0, note it, let it go.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `prometheus` serving a TSDB of its own, on a free loopback port; killed on drop.
pub struct PrometheusServer {
    child: Child,
    pub url: String,
    dir: TempDir,
}

impl PrometheusServer {
    /// Backfills `traffic` (if any) into a fresh TSDB and serves it once `/-/ready`.
    pub async fn start(traffic: Option<&Traffic>) -> Self {
        Self::start_with(traffic.map(Traffic::openmetrics_pieces).unwrap_or_default()).await
    }

    /// Backfills the OpenMetrics `pieces` into a fresh TSDB and serves it once `/-/ready`.
    pub async fn start_with(pieces: Vec<String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        if !pieces.is_empty() {
            backfill(pieces, &data);
        }
        // Nothing to scrape: the data is all backfilled.
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1h\n").unwrap();
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--storage.tsdb.path={}", data.display()))
            // The default 15d retention would drop backfilled blocks older than that.
            .arg("--storage.tsdb.retention.time=90d")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!("--config.file={}", config.display()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus runs (apt-get install prometheus)");
        let mut server = Self { child, url: format!("http://127.0.0.1:{port}"), dir };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("prometheus exited with {status}:\n{}", self.log());
            }
            let ready = http.get(format!("{}/-/ready", self.url)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "prometheus was not ready within 20s:\n{}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
