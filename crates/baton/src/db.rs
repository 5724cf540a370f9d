//! Picks the store backend once, from the URL's scheme.

use anyhow::{bail, Context, Result};
use baton_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

/// Where Baton keeps its SQLite file when no `--db` is given.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("BATON_DATA_DIR") {
        return d.into();
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("baton");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/baton"),
        None => PathBuf::from("baton-data"),
    }
}

pub fn default_url() -> String {
    format!("sqlite://{}", data_dir().join("baton.db").display())
}

pub async fn open(url: Option<&str>) -> Result<Arc<dyn Store>> {
    let url = url.map(str::to_owned).unwrap_or_else(default_url);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = baton_store_postgres::PgStore::connect(&url).await.context("opening the PostgreSQL store")?;
        Ok(Arc::new(store))
    } else if url.starts_with("sqlite:") {
        let store = baton_store_sqlite::SqliteStore::connect(&url)
            .await
            .with_context(|| format!("opening the SQLite store at {url}"))?;
        Ok(Arc::new(store))
    } else {
        bail!("unsupported store URL `{url}`: use sqlite://PATH or postgres://USER@HOST/DB")
    }
}
