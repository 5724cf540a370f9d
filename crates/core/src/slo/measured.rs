//! A figure that may have nothing to be computed from.

use serde::{Deserialize, Serialize};

/// Zero traffic is not 100% and not NaN: it is no evidence at all. Every ratio computed
/// over a window (attainment, burn rate, error budget) says so explicitly, so no caller
/// can divide by zero or mistake silence for health.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", content = "value", rename_all = "kebab-case")]
pub enum Measured<T> {
    /// No events (or no minutes with data) in the window.
    NoData,
    Value(T),
}

impl<T> Measured<T> {
    pub fn value(self) -> Option<T> {
        match self {
            Measured::NoData => None,
            Measured::Value(v) => Some(v),
        }
    }
    pub fn is_no_data(&self) -> bool {
        matches!(self, Measured::NoData)
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Measured<U> {
        match self {
            Measured::NoData => Measured::NoData,
            Measured::Value(v) => Measured::Value(f(v)),
        }
    }
}
