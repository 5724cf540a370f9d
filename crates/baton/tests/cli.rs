//! The CLI as a person uses it: validate a repo, preview and apply it, read it back, on
//! SQLite and on the real PostgreSQL.

mod support;

use std::process::Command;
use support::{copy_dir, examples_dir};

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn baton(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_baton")).args(args).env("BATON_LOG", "warn").output().unwrap();
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn validate_accepts_the_example_organisation() {
    let run = baton(&["validate", examples_dir().to_str().unwrap()]);
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    // The summary comes last, after the example's one intended warning (the seed's RACI
    // chart has a step with two Accountable personas).
    assert!(run.stdout.lines().last().is_some_and(|l| l.starts_with("ok: ")), "{}", run.stdout);
    assert!(run.stdout.contains("7 services"), "{}", run.stdout);
    assert!(run.stdout.contains("6 SLOs"), "{}", run.stdout);
}

#[test]
fn output_cut_short_by_the_reader_ends_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    assert!(baton(&["apply", examples_dir().to_str().unwrap(), "--db", &db]).ok);
    // A year of shifts (about 100 KB) is more than a pipe holds: the reader takes a little and goes.
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args([
            "oncall",
            "schedule",
            "addon-sre",
            "--from",
            "2026-03-02",
            "--days",
            "366",
            "--output",
            "json",
            "--db",
            &db,
        ])
        .env("BATON_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "as a Unix tool stopped by SIGPIPE: {stderr}");
}

#[test]
fn validate_reports_every_problem_with_its_place_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&examples_dir(), dir.path());
    let services = dir.path().join("services");
    std::fs::write(services.join("broken.yaml"), "id: broken\nname: Broken\nowner_team: nobody-here\nlinkz: {}\n")
        .unwrap();
    std::fs::write(services.join("zz-dup.yaml"), "id: keyring\nname: Keyring again\nowner_team: keyring-dev\n")
        .unwrap();
    let run = baton(&["validate", dir.path().to_str().unwrap()]);
    assert!(!run.ok);
    assert!(run.stdout.contains("services/broken.yaml:4:1: unknown key `linkz`"), "{}", run.stdout);
    assert!(
        run.stdout.contains("services/zz-dup.yaml:1:5: service `keyring` is already defined at services/keyring.yaml"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("errors,"), "a summary line: {}", run.stdout);
}

#[test]
fn apply_previews_applies_once_and_a_failed_apply_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_dir(&examples_dir(), &repo);
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let repo_s = repo.to_str().unwrap();

    let dry = baton(&["apply", repo_s, "--dry-run", "--db", &db]);
    assert!(dry.ok, "{}", dry.stderr);
    // Past 100 changes the preview counts them per kind instead of listing each.
    let listed = dry.stdout.contains("+ service/streamhub") || dry.stdout.contains("+ 7 service definitions");
    assert!(listed, "{}", dry.stdout);
    assert!(dry.stdout.contains("dry run: would apply"), "{}", dry.stdout);
    let list = baton(&["service", "list", "--output", "json", "--db", &db]);
    assert_eq!(list.stdout.trim(), "[]", "a dry run changes nothing");

    let applied = baton(&["apply", repo_s, "--db", &db, "--actor", "ci:definitions-repo"]);
    assert!(applied.ok, "{}", applied.stderr);
    assert!(applied.stdout.contains("applied: "), "{}", applied.stdout);
    let again = baton(&["apply", repo_s, "--db", &db]);
    assert!(again.stdout.contains("no changes"), "{}", again.stdout);

    std::fs::write(repo.join("services/ferry.yaml"), "id: ferry\nname: Ferry v2\nowner_team: keyring-dev\n").unwrap();
    std::fs::remove_file(repo.join("services/tenant-insights.yaml")).unwrap();
    let changed = baton(&["apply", repo_s, "--db", &db]);
    assert!(changed.stdout.contains("~ service/ferry"), "{}", changed.stdout);
    assert!(changed.stdout.contains("- service/tenant-insights"), "{}", changed.stdout);
    assert!(changed.stdout.contains("1 changed, 1 removed"), "{}", changed.stdout);

    let before = baton(&["service", "list", "--output", "json", "--db", &db]).stdout;
    let log_before = baton(&["audit", "log", "--limit", "1000", "--output", "json", "--db", &db]).stdout;
    std::fs::write(repo.join("teams/keyring-dev.yaml"), "id: keyring-dev\nname: [broken\n").unwrap();
    let failed = baton(&["apply", repo_s, "--db", &db]);
    assert!(!failed.ok);
    assert!(failed.stdout.contains("teams/keyring-dev.yaml:"), "{}", failed.stdout);
    assert!(failed.stdout.contains("nothing was applied"), "{}", failed.stdout);
    assert_eq!(baton(&["service", "list", "--output", "json", "--db", &db]).stdout, before);
    assert_eq!(baton(&["audit", "log", "--limit", "1000", "--output", "json", "--db", &db]).stdout, log_before);

    let verify = baton(&["audit", "verify", "--db", &db]);
    assert!(verify.ok && verify.stdout.starts_with("ok: "), "{}", verify.stdout);
    let log = baton(&["audit", "log", "--subject", "service/ferry", "--db", &db]);
    assert!(log.stdout.contains("ci:definitions-repo") && log.stdout.contains("definition.changed"), "{}", log.stdout);
}

#[test]
fn an_unknown_store_url_is_refused_with_the_accepted_forms() {
    let run = baton(&["service", "list", "--db", "mysql://localhost/x"]);
    assert!(!run.ok);
    assert!(run.stderr.contains("use sqlite://PATH or postgres://"), "{}", run.stderr);
}

#[test]
fn tokens_are_shown_once_and_listed_without_their_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    assert!(baton(&["apply", examples_dir().to_str().unwrap(), "--db", &db]).ok);
    let created =
        baton(&["token", "create", "helga.marchetti", "--name", "laptop", "--expires-in", "90d", "--db", &db]);
    assert!(created.ok, "{}", created.stderr);
    let secret = created.stdout.trim();
    assert!(secret.starts_with("baton_"), "{secret}");
    let list = baton(&["token", "list", "--db", &db]);
    assert!(list.stdout.contains("helga.marchetti") && list.stdout.contains("laptop"), "{}", list.stdout);
    assert!(!list.stdout.contains(secret), "the secret is never shown again");
    let nobody = baton(&["token", "create", "no.one", "--db", &db]);
    assert!(!nobody.ok && nobody.stderr.contains("no person `no.one`"), "{}", nobody.stderr);
}

/// A fresh database on the real PostgreSQL for this test, dropped at the end.
struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    async fn create() -> Self {
        let admin =
            std::env::var("BATON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("baton_cli_{}_{}", std::process::id(), std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos());
        let pool = sqlx::PgPool::connect(&admin).await.expect("PostgreSQL at 127.0.0.1:5432 (see scripts/test)");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.unwrap();
        Self { admin, name }
    }
    fn url(&self) -> String {
        let base = self.admin.rsplit_once('/').unwrap().0;
        format!("{base}/{}", self.name)
    }
    async fn drop(self) {
        let pool = sqlx::PgPool::connect(&self.admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&pool).await.unwrap();
    }
}

#[tokio::test]
async fn the_cli_runs_the_same_on_postgresql() {
    let pg = PgDatabase::create().await;
    let db = pg.url();
    let repo = examples_dir();
    let applied = baton(&["apply", repo.to_str().unwrap(), "--db", &db]);
    assert!(applied.ok, "{}{}", applied.stdout, applied.stderr);
    assert!(baton(&["apply", repo.to_str().unwrap(), "--db", &db]).stdout.contains("no changes"));
    let list = baton(&["service", "list", "--output", "json", "--db", &db]);
    let services: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(services.as_array().unwrap().len(), 7);
    let verify = baton(&["audit", "verify", "--db", &db]);
    assert!(verify.ok && verify.stdout.starts_with("ok: "), "{}", verify.stdout);
    pg.drop().await;
}
