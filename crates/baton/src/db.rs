//! Picks the store backend once, from the URL's scheme.

use anyhow::{bail, Context, Result};
use baton_app::Baton;
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

impl crate::cli::Db {
    /// Baton over the store `--db` names (or `BATON_DB`, or the default file): the one
    /// place a command opens its store.
    pub async fn baton(&self) -> Result<Arc<Baton>> {
        Ok(Baton::with_defaults(connect(self.db.as_deref()).await?))
    }

    /// `--db` as typed on the command line, not read from `BATON_DB` (the demo's store).
    pub fn flag(&self) -> Option<&str> {
        self.db.as_deref().filter(|_| !self.from_env)
    }
}

/// Connects to the store at `url` (the default file if none), by its scheme.
pub async fn connect(url: Option<&str>) -> Result<Arc<dyn Store>> {
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
