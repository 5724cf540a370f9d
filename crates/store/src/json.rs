//! Domain values are stored as JSON text: the schema stays small, and records written by
//! an older build still load because new fields default.

use crate::StoreError;
use serde::{de::DeserializeOwned, Serialize};

pub fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("cannot encode: {e}")))
}

pub fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::slo::{
        default_tier_specs, BudgetingMethod, Indicator, Objective, PromSource, SliceThreshold, SloDef, SloWindow,
        ThresholdOp,
    };
    use baton_core::{Definition, Link, Period, ServiceId, SloId};

    fn slo(id: &str, window: SloWindow, method: BudgetingMethod, indicator: Indicator) -> SloDef {
        SloDef {
            id: SloId::parse(id).unwrap(),
            service: ServiceId::parse("streamhub").unwrap(),
            display_name: Some("StreamHub".into()),
            description: None,
            objective: Objective::parse("0.999").unwrap(),
            window,
            method,
            indicator,
            tiers: default_tier_specs().to_vec(),
            min_events: 100,
            lifecycle: Default::default(),
            alerting: Default::default(),
        }
    }

    #[test]
    fn slo_definitions_survive_the_json_they_are_stored_as() {
        let source = PromSource { name: "prom".into(), url: Link::parse("http://127.0.0.1:9090").unwrap() };
        let month: SloWindow =
            serde_json::from_str(r#"{"kind": "calendar", "unit": "month", "time_zone": "Europe/Dublin"}"#).unwrap();
        let slices = BudgetingMethod::Timeslices { threshold: SliceThreshold::parse("0.95").unwrap() };
        let defs = [
            slo(
                "built-in",
                SloWindow::Rolling { length: Period::days(28) },
                BudgetingMethod::Occurrences,
                Indicator::BuiltIn,
            ),
            slo(
                "ratio",
                month.clone(),
                BudgetingMethod::RatioTimeslices,
                Indicator::PrometheusRatio {
                    source: source.clone(),
                    good: r#"sum(errors_total{code=~"5.."})"#.into(),
                    total: "sum(requests_total)".into(),
                    counts_bad: true,
                },
            ),
            slo(
                "threshold",
                month,
                slices,
                Indicator::PrometheusThreshold { source, query: "p99".into(), op: ThresholdOp::Lte, value: 0.25 },
            ),
        ];
        for def in defs {
            let stored = to_json(&Definition::Slo(def.clone())).unwrap();
            let back: Definition = from_json("definition", &stored).unwrap();
            assert_eq!(back, Definition::Slo(def), "{stored}");
            assert_eq!(to_json(&back).unwrap(), stored, "the same bytes again: the audit hash covers them");
        }
    }

    #[test]
    fn a_ratio_without_the_bad_flag_reads_as_good_over_total() {
        let text = r#"{"kind":"prometheus-ratio","source":{"name":"p","url":"http://p:9090"},"good":"g","total":"t"}"#;
        let indicator: Indicator = from_json("indicator", text).unwrap();
        assert!(matches!(indicator, Indicator::PrometheusRatio { counts_bad: false, .. }));
        assert_eq!(to_json(&indicator).unwrap(), text, "the flag is left out when false");
    }
}
