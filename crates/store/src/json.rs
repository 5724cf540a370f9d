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
