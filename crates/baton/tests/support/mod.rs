//! `spawn_app`: a real Baton server on a loopback port over a fresh SQLite file, loaded
//! with the example organisation, its clock in the test's hands.
#![allow(dead_code)]

use async_trait::async_trait;
use baton_app::{AppError, Baton, ManualClock, ViabilitySource};
use baton_core::org::ServiceDef;
use baton_core::pipeline::ServiceRecord;
use baton_core::{Org, PersonId, Timestamp, Viability};
use baton_store_sqlite::SqliteStore;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// TEST DOUBLE: stands in for the SLO engine's verdict, set by the test.
pub struct FakeViability(pub Mutex<Viability>);

#[async_trait]
impl ViabilitySource for FakeViability {
    async fn viability(
        &self,
        _: &ServiceDef,
        _: &ServiceRecord,
        _: Timestamp,
        _: Timestamp,
    ) -> Result<Viability, AppError> {
        Ok(self.0.lock().unwrap().clone())
    }
}

pub struct TestApp {
    pub url: String,
    pub db_url: String,
    pub clock: Arc<ManualClock>,
    pub verdict: Arc<FakeViability>,
    pub baton: Arc<Baton>,
    pub org: Org,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/org")
}

pub async fn spawn_app() -> TestApp {
    spawn(false).await
}

/// With Baton's own SLO engine deciding the handover, not the test double.
pub async fn spawn_app_with_slo_engine() -> TestApp {
    spawn(true).await
}

async fn spawn(slo_engine: bool) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/baton.db", dir.path().display());
    let store = Arc::new(SqliteStore::connect(&db_url).await.unwrap());
    let clock = Arc::new(ManualClock::new("2026-03-02T09:00:00Z".parse().unwrap()));
    let verdict = Arc::new(FakeViability(Mutex::new(Viability::Unknown { reason: "no SLI data yet".into() })));
    let baton = if slo_engine {
        Baton::with_slo_engine(store, clock.clone())
    } else {
        Arc::new(Baton::new(store, clock.clone(), verdict.clone()))
    };
    let org = baton_config::load(&examples_dir()).org.expect("the example organisation loads");
    baton.apply(&org, "test").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = baton_web::router(baton.clone());
    tokio::spawn(async move { baton_web::serve(listener, router, std::future::pending()).await.unwrap() });
    TestApp { url, db_url, clock, verdict, baton, org, client: reqwest::Client::new(), _dir: dir }
}

impl TestApp {
    pub async fn token(&self, person: &str) -> String {
        self.baton.create_token(&PersonId::parse(person).unwrap(), "test", None, "test").await.unwrap().secret
    }

    /// POSTs `body` as `token`'s person; returns the status and the JSON answer.
    pub async fn post(&self, path: &str, token: Option<&str>, body: serde_json::Value) -> (u16, serde_json::Value) {
        let mut req = self.client.post(format!("{}{path}", self.url)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let resp = self.client.get(format!("{}{path}", self.url)).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub fn days_later(&self, days: i64) {
        self.clock.advance(jiff::SignedDuration::from_hours(days * 24));
    }

    pub fn now(&self) -> Timestamp {
        self.baton.now()
    }

    /// Runs the real `baton` binary against this app's store.
    pub fn baton_cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .arg("--db")
            .arg(&self.db_url)
            .output()
            .unwrap()
    }
}

/// The codes of the unmet conditions in a refusal.
pub fn unmet_codes(body: &serde_json::Value) -> Vec<String> {
    body["error"]["unmet"]
        .as_array()
        .map(|a| a.iter().map(|u| u["code"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}
