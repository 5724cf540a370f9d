//! The PromQL of SLO definitions, parsed at `validate` with a real PromQL parser
//! (`promql-parser`), so that a query Baton cannot use is reported at its file:line:column
//! rather than by Prometheus on the first read or by `promtool` on the rule file.
//!
//! What is accepted follows from what Baton builds from each query:
//!
//! - a ratio's `good`, `bad` and `total` are **instant vector selectors** (a metric name
//!   and/or label matchers, no `offset` or `@`): Baton appends a range and wraps them,
//!   `sum(increase(SELECTOR[1m]))`, and a range is only allowed after a selector;
//! - a threshold query is any expression whose value is an **instant vector or a scalar**
//!   (`max(latency)`, `histogram_quantile(0.99, sum by (le) (rate(x[1m])))`): Baton range
//!   queries it as written and records `(QUERY) OP bool VALUE`, and both take either,
//!   while a range vector or a string is refused by both.
//!
//! A threshold query should give one series; how many a selector matches is only known
//! when it runs, so that is checked on the read (`PrometheusError::NotOneSeries`).

use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, Expr};

/// What a query is used as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueryUse {
    /// A ratio's good, bad or total counter.
    Counter,
    /// A thresholdMetric's value per minute.
    Threshold,
}

/// Why a query cannot be used as `what`, or `None` when it can.
pub(crate) fn problem(query: &str, what: QueryUse) -> Option<String> {
    let expr = match parser::parse(query) {
        Ok(expr) => expr,
        Err(e) => return Some(format!("the PromQL `{query}` does not parse: {e}")),
    };
    match what {
        QueryUse::Counter => match &expr {
            Expr::VectorSelector(s) if s.offset.is_none() && s.at.is_none() => None,
            Expr::VectorSelector(_) => Some(format!(
                "`{query}` has an `offset` or `@` modifier: a ratio's counters are plain series selectors, because Baton appends the range itself (`sum(increase(SELECTOR[1m]))`), and a range cannot follow a modifier"
            )),
            other => Some(format!(
                "`{query}` is {}: a ratio's good, bad and total are series selectors of counters (a metric name and label matchers, like http_requests_total{{code!~\"5..\"}}), because Baton appends the range and wraps them itself as sum(increase(SELECTOR[1m])); write the selector alone",
                kind(other)
            )),
        },
        QueryUse::Threshold => match expr.value_type() {
            ValueType::Vector | ValueType::Scalar => None,
            other => Some(format!(
                "`{query}` gives a {other}: a thresholdMetric query gives one value per minute (an instant vector or a scalar, like max(x) or histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m])))), which Baton compares as `(QUERY) OP bool VALUE`"
            )),
        },
    }
}

/// What an expression is, for the message.
fn kind(e: &Expr) -> String {
    match e {
        Expr::Aggregate(a) => format!("an aggregation (`{}`)", a.op),
        Expr::Call(c) => format!("a function call (`{}`)", c.func.name),
        Expr::MatrixSelector(_) => "a range selector".to_owned(),
        Expr::Subquery(_) => "a subquery".to_owned(),
        Expr::Binary(_) => "an arithmetic or comparison expression".to_owned(),
        Expr::Paren(p) => kind(&p.expr),
        Expr::Unary(_) => "a negation".to_owned(),
        Expr::NumberLiteral(_) => "a number".to_owned(),
        Expr::StringLiteral(_) => "a string".to_owned(),
        Expr::VectorSelector(_) | Expr::Extension(_) => "not a plain series selector".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_plain_selectors_and_thresholds_instant_values() {
        assert_eq!(problem(r#"http_requests_total{job="a",code!~"5.."}"#, QueryUse::Counter), None);
        assert_eq!(problem(r#"{__name__="x",job="a"}"#, QueryUse::Counter), None);
        let rate = problem("sum(rate(x[1m]))", QueryUse::Counter).unwrap();
        assert!(rate.contains("is an aggregation (`sum`)") && rate.contains("write the selector alone"), "{rate}");
        assert!(problem("rate(x[1m])", QueryUse::Counter).unwrap().contains("a function call (`rate`)"));
        assert!(problem("x[5m]", QueryUse::Counter).unwrap().contains("a range selector"));
        assert!(problem("x offset 5m", QueryUse::Counter).unwrap().contains("`offset` or `@`"));

        for ok in ["max(latency)", "histogram_quantile(0.99, sum by (le) (rate(x_bucket[1m])))", "scalar(up)", "1"] {
            assert_eq!(problem(ok, QueryUse::Threshold), None, "{ok}");
        }
        assert!(problem("latency[5m]", QueryUse::Threshold).unwrap().contains("gives a matrix"));
        assert!(problem(r#""text""#, QueryUse::Threshold).unwrap().contains("gives a string"));
        let broken = problem("sum(rate(x[5m]", QueryUse::Threshold).unwrap();
        assert!(broken.starts_with("the PromQL `sum(rate(x[5m]` does not parse: "), "{broken}");
    }
}
