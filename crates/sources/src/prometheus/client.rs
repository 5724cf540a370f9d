//! The Prometheus HTTP API client: instant (`/api/v1/query`) and range
//! (`/api/v1/query_range`) queries, the JSON envelope every answer comes in, and the
//! errors a caller can act on: Prometheus unreachable, an HTTP error, or the PromQL
//! rejected with Prometheus' own message.
//!
//! Queries are POSTed as a form rather than put in the URL: an SLI selector with a few
//! label matchers, wrapped twice, quickly gets long, and proxies cap URL lengths.

use jiff::{SignedDuration, Timestamp};
use reqwest::{Client, Url};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why a query got no answer Baton can use. Each says which Prometheus (the endpoint
/// URL), so an SLO whose source is down or whose PromQL is wrong can say so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrometheusError {
    #[error("`{url}` is not a Prometheus URL Baton can use: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// Nothing answered: refused, no route, DNS failure. `reason` is the operating
    /// system's error where there is one, like `Connection refused (os error 111)`.
    #[error("Prometheus at {url} is unreachable: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Prometheus at {url} did not answer within {}s", timeout.as_secs_f64())]
    TimedOut { url: String, timeout: Duration },
    /// An HTTP error that is not about the query: a wrong path prefix (404), a proxy
    /// asking for credentials (401), Prometheus overloaded or timing out (503).
    #[error("Prometheus at {url} answered HTTP {status}: {message}")]
    HttpStatus { url: String, status: u16, message: String },
    /// Prometheus refused the PromQL: it does not parse (`bad_data`) or cannot be
    /// evaluated (`execution`). `error` is Prometheus' own message, position included.
    #[error("Prometheus at {url} rejected the query `{query}`: {error} ({error_type})")]
    Rejected { url: String, query: String, error_type: String, error: String },
    /// A value that cannot be an event count, like `NaN` or `+Inf`, from a counter that
    /// is not one.
    #[error("the query `{query}` gave {value} at {at}, which is not a count of events: the SLI's selectors must select counters")]
    NotACount { query: String, at: Timestamp, value: String },
    /// A threshold query that gave several series: Baton compares one value per minute
    /// with the objective's bound, and picking one of several would be arbitrary.
    #[error("the query `{query}` gave {series} series; a thresholdMetric query must give one value per minute: aggregate it, like max(...) or histogram_quantile(0.99, sum by (le) (...))")]
    NotOneSeries { query: String, series: usize },
    #[error("Prometheus at {url} answered in a form Baton does not read: {reason}")]
    Malformed { url: String, reason: String },
}

/// Label names to values, as Prometheus sends them.
pub type Labels = BTreeMap<String, String>;

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct InstantSample {
    pub metric: Labels,
    pub at: Timestamp,
    pub value: f64,
}

/// One series of a range query's matrix, points in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub metric: Labels,
    pub points: Vec<(Timestamp, f64)>,
}

/// A client for one Prometheus. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct PrometheusClient {
    base: Url,
    http: Client,
    timeout: Duration,
    max_points: usize,
}

/// Prometheus refuses a range query of more than 11,000 points per series; staying
/// under it leaves room for a server configured a little lower.
const PROMETHEUS_MAX_POINTS: usize = 11_000;
const DEFAULT_MAX_POINTS: usize = 10_000;

impl PrometheusClient {
    /// Bounded so that an engine tick waiting on a hung Prometheus ends, and reports it.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A client for the Prometheus at `base_url`, like `http://127.0.0.1:9090` or
    /// `http://monitoring.internal/prometheus` (a path prefix is kept).
    pub fn new(base_url: &str) -> Result<Self, PrometheusError> {
        Self::with_timeout(base_url, Self::DEFAULT_TIMEOUT)
    }

    pub fn with_timeout(base_url: &str, timeout: Duration) -> Result<Self, PrometheusError> {
        let invalid =
            |reason: &str| PrometheusError::InvalidUrl { url: base_url.to_owned(), reason: reason.to_owned() };
        let mut base =
            Url::parse(base_url).map_err(|e| invalid(&format!("{e}; write it like http://127.0.0.1:9090")))?;
        // The workspace builds reqwest without TLS; say so here rather than on every query.
        if base.scheme() != "http" {
            return Err(invalid(
                "only http:// is supported (this build has no TLS); reach an https Prometheus through a local proxy",
            ));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(invalid("it names no host"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid("a base URL has no query string or fragment"));
        }
        // `Url::join` replaces the last path segment unless the path ends in a slash.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| invalid(&format!("the HTTP client could not be built: {e}")))?;
        Ok(Self { base, http, timeout, max_points: DEFAULT_MAX_POINTS })
    }

    /// At most `n` points per series in one range query (clamped to 1..=11,000); longer
    /// ranges are read in several queries.
    pub fn with_max_points_per_query(mut self, n: usize) -> Self {
        self.max_points = n.clamp(1, PROMETHEUS_MAX_POINTS);
        self
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    pub fn max_points_per_query(&self) -> usize {
        self.max_points
    }

    /// Evaluates `query` at `at`. A scalar result comes back as one sample with no labels.
    pub async fn instant(&self, query: &str, at: Timestamp) -> Result<Vec<InstantSample>, PrometheusError> {
        let (url, data) = self.call("api/v1/query", query, &[("time", at.to_string())]).await?;
        let malformed = |reason: String| PrometheusError::Malformed { url: url.to_string(), reason };
        match data.result_type.as_str() {
            "vector" => {
                let raw: Vec<RawVectorSample> =
                    serde_json::from_value(data.result).map_err(|e| malformed(format!("vector result: {e}")))?;
                raw.into_iter()
                    .map(|s| {
                        let (at, value) = point(s.value).map_err(&malformed)?;
                        Ok(InstantSample { metric: s.metric, at, value })
                    })
                    .collect()
            }
            "scalar" => {
                let raw: RawPoint =
                    serde_json::from_value(data.result).map_err(|e| malformed(format!("scalar result: {e}")))?;
                let (at, value) = point(raw).map_err(&malformed)?;
                Ok(vec![InstantSample { metric: Labels::new(), at, value }])
            }
            other => Err(malformed(format!("an instant query should give a vector or a scalar, not a {other}"))),
        }
    }

    /// Evaluates `query` at `start`, `start + step`, … up to `end`.
    pub async fn range(
        &self,
        query: &str,
        start: Timestamp,
        end: Timestamp,
        step: SignedDuration,
    ) -> Result<Vec<RangeSeries>, PrometheusError> {
        let params = [("start", start.to_string()), ("end", end.to_string()), ("step", step.as_secs_f64().to_string())];
        let (url, data) = self.call("api/v1/query_range", query, &params).await?;
        let malformed = |reason: String| PrometheusError::Malformed { url: url.to_string(), reason };
        if data.result_type != "matrix" {
            return Err(malformed(format!("a range query should give a matrix, not a {}", data.result_type)));
        }
        let raw: Vec<RawMatrixSeries> =
            serde_json::from_value(data.result).map_err(|e| malformed(format!("matrix result: {e}")))?;
        raw.into_iter()
            .map(|s| {
                let points = s.values.into_iter().map(point).collect::<Result<_, _>>().map_err(&malformed)?;
                Ok(RangeSeries { metric: s.metric, points })
            })
            .collect()
    }

    async fn call(
        &self,
        path: &str,
        query: &str,
        params: &[(&str, String)],
    ) -> Result<(Url, RawData), PrometheusError> {
        let url = self.base.join(path).map_err(|e| PrometheusError::InvalidUrl {
            url: self.base.to_string(),
            reason: format!("cannot append {path}: {e}"),
        })?;
        let mut form: Vec<(&str, String)> = vec![("query", query.to_owned()), ("timeout", self.server_timeout())];
        form.extend(params.iter().cloned());
        let response =
            self.http.post(url.clone()).form(&form).send().await.map_err(|e| self.transport_error(&url, &e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| self.transport_error(&url, &e))?;
        let envelope = serde_json::from_slice::<RawEnvelope>(&body);
        let url_s = url.to_string();
        match envelope {
            Ok(env) if env.status == "error" => {
                let error_type = env.error_type.unwrap_or_default();
                let error = env.error.unwrap_or_default();
                // `bad_data` (400) is PromQL that does not parse; `execution` (422) is PromQL
                // that cannot be evaluated. Timeouts and cancellations are Prometheus' state,
                // not the query's, so they stay HTTP errors.
                if matches!(error_type.as_str(), "bad_data" | "execution") {
                    Err(PrometheusError::Rejected { url: url_s, query: query.to_owned(), error_type, error })
                } else {
                    Err(PrometheusError::HttpStatus {
                        url: url_s,
                        status: status.as_u16(),
                        message: format!("{error} ({error_type})"),
                    })
                }
            }
            _ if !status.is_success() => {
                Err(PrometheusError::HttpStatus { url: url_s, status: status.as_u16(), message: excerpt(&body) })
            }
            Ok(env) if env.status == "success" => {
                if !env.warnings.is_empty() {
                    tracing::warn!(url = %url, query, warnings = ?env.warnings, "Prometheus answered with warnings");
                }
                let data = env
                    .data
                    .ok_or_else(|| PrometheusError::Malformed { url: url_s.clone(), reason: "no `data`".into() })?;
                let data = serde_json::from_value(data)
                    .map_err(|e| PrometheusError::Malformed { url: url_s, reason: format!("`data`: {e}") })?;
                Ok((url, data))
            }
            Ok(env) => Err(PrometheusError::Malformed { url: url_s, reason: format!("status `{}`", env.status) }),
            Err(e) => Err(PrometheusError::Malformed {
                url: url_s,
                reason: format!("not the API's JSON ({e}): {}", excerpt(&body)),
            }),
        }
    }

    /// Asks Prometheus to give up a second before we do, so a slow query comes back as
    /// Prometheus' own timeout error rather than as silence.
    fn server_timeout(&self) -> String {
        let ms = self.timeout.as_millis().saturating_sub(1_000).max(1_000);
        format!("{ms}ms")
    }

    fn transport_error(&self, url: &Url, e: &reqwest::Error) -> PrometheusError {
        if e.is_timeout() {
            return PrometheusError::TimedOut { url: url.to_string(), timeout: self.timeout };
        }
        PrometheusError::Unreachable { url: url.to_string(), reason: root_cause(e) }
    }
}

/// The operating system's error if there is one in the chain (what a person can act
/// on: refused, no route, no such host), else the innermost error.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut innermost = e;
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return io.to_string();
        }
        innermost = c;
        cause = c.source();
    }
    innermost.to_string()
}

/// The start of a body that is not the API's JSON (a proxy's error page), for the message.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let cut: String = text.chars().take(200).collect();
    match (cut.is_empty(), cut.len() < text.len()) {
        (true, _) => "(empty body)".to_owned(),
        (false, true) => format!("{cut}…"),
        (false, false) => cut,
    }
}

#[derive(Deserialize)]
struct RawEnvelope {
    status: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
    #[serde(rename = "errorType", default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct RawData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

/// `[<unix seconds>, "<value>"]`: values are strings so that `NaN` and `±Inf` survive JSON.
type RawPoint = (f64, String);

#[derive(Deserialize)]
struct RawVectorSample {
    #[serde(default)]
    metric: Labels,
    value: RawPoint,
}

#[derive(Deserialize)]
struct RawMatrixSeries {
    #[serde(default)]
    metric: Labels,
    #[serde(default)]
    values: Vec<RawPoint>,
}

fn point((seconds, value): RawPoint) -> Result<(Timestamp, f64), String> {
    // Prometheus timestamps are milliseconds, sent as fractional seconds.
    let at = Timestamp::from_millisecond((seconds * 1000.0).round() as i64)
        .map_err(|e| format!("timestamp {seconds}: {e}"))?;
    let value = parse_value(&value).ok_or_else(|| format!("value `{value}` at {at} is not a number"))?;
    Ok((at, value))
}

/// Go's float formatting: digits, or `NaN`, `+Inf`, `-Inf`.
fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_their_path_prefix() {
        let c = PrometheusClient::new("http://127.0.0.1:9090").unwrap();
        assert_eq!(c.base.join("api/v1/query").unwrap().as_str(), "http://127.0.0.1:9090/api/v1/query");
        let c = PrometheusClient::new("http://monitoring.internal/prometheus").unwrap();
        assert_eq!(c.base.join("api/v1/query").unwrap().as_str(), "http://monitoring.internal/prometheus/api/v1/query");
    }

    #[test]
    fn unusable_urls_are_refused_with_the_reason() {
        for (url, reason) in [
            ("127.0.0.1:9090", "127.0.0.1:9090"),
            ("https://prometheus.example", "only http://"),
            ("http://127.0.0.1:9090/?x=1", "no query string"),
            ("not a url", "like http://127.0.0.1:9090"),
        ] {
            let err = PrometheusClient::new(url).unwrap_err();
            assert!(matches!(&err, PrometheusError::InvalidUrl { .. }), "{url}: {err:?}");
            assert!(err.to_string().contains(reason), "{url}: {err}");
        }
    }

    #[test]
    fn values_read_as_go_formats_them() {
        assert_eq!(parse_value("12.5"), Some(12.5));
        assert_eq!(parse_value("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_value("-Inf"), Some(f64::NEG_INFINITY));
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("1e3"), Some(1000.0));
        assert_eq!(parse_value("twelve"), None);
        let (at, v) = point((1_709_510_460.0, "10".into())).unwrap();
        assert_eq!((at, v), ("2024-03-04T00:01:00Z".parse().unwrap(), 10.0));
        let (at, _) = point((1_435_781_451.781, "1".into())).unwrap();
        assert_eq!(at.as_millisecond(), 1_435_781_451_781);
    }

    #[test]
    fn prometheus_is_asked_to_give_up_before_the_client_does() {
        let c = PrometheusClient::with_timeout("http://127.0.0.1:9090", Duration::from_secs(10)).unwrap();
        assert_eq!(c.server_timeout(), "9000ms");
        let c = PrometheusClient::with_timeout("http://127.0.0.1:9090", Duration::from_millis(500)).unwrap();
        assert_eq!(c.server_timeout(), "1000ms");
    }

    #[test]
    fn error_pages_are_quoted_briefly() {
        assert_eq!(excerpt(b"404 page not found\n"), "404 page not found");
        assert_eq!(excerpt(b"  "), "(empty body)");
        assert!(excerpt("x".repeat(500).as_bytes()).ends_with('…'));
    }
}
