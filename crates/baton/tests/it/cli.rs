//! The CLI as a person uses it: validate a repo, preview and apply it, read it back, on
//! SQLite and on the real PostgreSQL.

use crate::paging_support::PgDatabase;
use crate::support::{copy_dir, examples_dir};
use std::process::Command;

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn baton(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .env("BATON_LOG", "warn")
        .env_remove("BATON_TZ")
        .output()
        .unwrap();
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
    // The problems are diagnostics: on stderr, so stdout stays the apply's report.
    assert!(failed.stderr.contains("teams/keyring-dev.yaml:"), "{}", failed.stderr);
    assert!(failed.stderr.contains("nothing was applied"), "{}", failed.stderr);
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
    pg.drop_now().await;
}

/// `baton slo rules DIR > rules.yml` leaves a file of rules alone: the repo's warnings
/// (the example's RACI chart has one) and what was left out go to stderr, and the file
/// passes `promtool check rules` (Debian's `prometheus` package, see scripts/test).
#[test]
fn slo_rules_on_stdout_pass_promtool_and_the_warnings_go_to_stderr() {
    let run = baton(&["slo", "rules", examples_dir().to_str().unwrap()]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stderr.contains("policies/raci-chart.yaml:") && run.stderr.contains("warning:"), "{}", run.stderr);
    assert!(!run.stdout.contains("warning"), "{}", run.stdout);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.yml");
    std::fs::write(&file, &run.stdout).unwrap();
    let check = Command::new("promtool").args(["check", "rules"]).arg(&file).output().expect("promtool on the PATH");
    let said = format!("{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    assert!(check.status.success(), "{said}\n{}", run.stdout);
}

/// `--db` is one option of the whole command line: before the subcommand, after it, or
/// between a group and its command, with `BATON_DB` naming the same store.
#[test]
fn db_is_taken_before_and_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    let applied = baton(&["--db", &db, "apply", examples_dir().to_str().unwrap()]);
    assert!(applied.ok, "{}", applied.stderr);
    let runs = [
        baton(&["--db", &db, "service", "list", "--output", "json"]),
        baton(&["service", "--db", &db, "list", "--output", "json"]),
        baton(&["service", "list", "--output", "json", "--db", &db]),
    ];
    for run in &runs {
        assert!(run.ok, "{}", run.stderr);
        assert_eq!(run.stdout, runs[0].stdout);
    }
    let services: serde_json::Value = serde_json::from_str(&runs[0].stdout).unwrap();
    assert_eq!(services.as_array().map(Vec::len), Some(7), "the store applied to: {services}");
    let at = "2026-03-01T00:00:00Z";
    let before = baton(&["--db", &db, "slo", "report", "--service", "keyring", "--at", at, "--output", "json"]);
    let after = baton(&["slo", "report", "--service", "keyring", "--at", at, "--output", "json", "--db", &db]);
    assert!(before.ok && after.ok, "{}{}", before.stderr, after.stderr);
    assert_eq!(before.stdout, after.stdout);
    assert!(before.stdout.contains("keyring-secret-reads"), "{}", before.stdout);
    let from_env = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["service", "list", "--output", "json"])
        .env("BATON_LOG", "warn")
        .env("BATON_DB", &db)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&from_env.stdout), runs[0].stdout, "BATON_DB names the same store");

    // The demo reads only the flag: a BATON_DB set for everyday use never gets its history.
    let demo = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .env("BATON_LOG", "warn")
            .env("BATON_DATA_DIR", dir.path())
            .env("BATON_DB", &db)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let fresh = format!("store: sqlite://{}", dir.path().join("demo.db").display());
    assert!(demo(&["demo", "--no-serve"]).contains(&fresh), "a fresh demo file, not BATON_DB");
    let chosen = format!("sqlite://{}/chosen.db", dir.path().display());
    assert!(demo(&["--db", &chosen, "demo", "--no-serve"]).contains(&format!("store: {chosen}")));
}

/// `--output json` on the commands that print what they made, changed or checked: the
/// shapes the API answers with, in five groups.
#[test]
fn output_json_answers_as_the_api_does_across_the_groups() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    assert!(baton(&["apply", examples_dir().to_str().unwrap(), "--db", &db]).ok);
    let json = |args: &[&str]| -> serde_json::Value {
        let run = baton(&[args, &["--output", "json", "--db", &db]].concat());
        assert!(run.ok, "baton {args:?}: {}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("baton {args:?}: {e}: {}", run.stdout))
    };

    let verified = json(&["audit", "verify"]);
    assert_eq!(verified["ok"], true, "{verified}");
    assert!(verified["records"].as_u64().is_some_and(|n| n > 0), "{verified}");

    let token = json(&["token", "create", "helga.marchetti", "--name", "ci"]);
    assert_eq!((token["person"].as_str(), token["name"].as_str()), (Some("helga.marchetti"), Some("ci")));
    assert!(token["secret"].as_str().is_some_and(|s| s.starts_with("baton_")), "{token}");
    let listed = json(&["token", "list"]);
    assert_eq!(listed[0]["id"], token["id"], "{listed}");
    assert!(listed[0].get("secret").is_none() && listed[0]["revoked_at"].is_null(), "{listed}");

    let owner = ["--as", "noor.castellano"];
    let made = json(&[&["integration", "create", "streamhub", "load", "--format", "generic"][..], &owner].concat());
    assert_eq!(made["integration"]["id"], "streamhub.load", "{made}");
    let key = made["key"].as_str().unwrap();
    assert_eq!(made["url"], format!("/api/v1/intake/{key}/generic"));
    let revoked = json(&[&["integration", "revoke", "streamhub.load"][..], &owner].concat());
    assert!(revoked["revoked_at"].is_string(), "{revoked}");

    let posted =
        json(&[&["check", "post", "streamhub", "e2e", "--passed", "--summary", "all green"][..], &owner].concat());
    assert_eq!((posted["name"].as_str(), posted["passed"].as_bool()), (Some("e2e"), Some(true)), "{posted}");

    let window = ["--start", "2026-03-01T02:00:00Z", "--end", "2026-03-01T03:00:00Z", "--reason", "compaction"];
    let declared = json(&[&["slo", "correction", "create", "streamhub-availability"][..], &window, &owner].concat());
    assert_eq!(
        (declared["slo"].as_str(), declared["reason"].as_str()),
        (Some("streamhub-availability"), Some("compaction"))
    );

    let feed = json(&["oncall", "feed", "create", "--rotation", "addon-sre", "--as", "cian.moreau"]);
    assert!(feed["url"].as_str().is_some_and(|u| u.starts_with("http://127.0.0.1:8080/feeds/")), "{feed}");
    let revoked = json(&["oncall", "feed", "revoke", feed["id"].as_str().unwrap(), "--as", "cian.moreau"]);
    assert!(revoked["revoked"].is_object(), "{revoked}");
}

/// Times at the terminal are read in a zone, named: the rotation's own for the on-call
/// commands, the one `--tz` (or `BATON_TZ`) names when given; JSON stays RFC 3339 UTC, and a
/// time copied from the output reads back as the same instant.
#[test]
fn oncall_times_are_shown_in_the_rotations_zone_or_the_one_named_by_tz() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    assert!(baton(&["apply", examples_dir().to_str().unwrap(), "--db", &db]).ok);
    let run = |args: &[&str]| {
        let run = baton(&[args, &["--db", &db]].concat());
        assert!(run.ok, "baton {args:?}: {}", run.stderr);
        run.stdout
    };
    // addon-sre hands over at 09:00 Dublin: 09:00Z in December, 06:00 in São Paulo.
    let sao_paulo = run(&["oncall", "who", "addon-sre", "--at", "2026-12-08", "--tz", "America/Sao_Paulo"]);
    assert!(
        sao_paulo.contains("shift:   2026-12-08 06:00 to 2026-12-09 06:00 America/Sao_Paulo"),
        "the shift in São Paulo time, named: {sao_paulo}"
    );
    let own = run(&["oncall", "who", "addon-sre", "--at", "2026-12-08"]);
    assert!(own.contains("shift:   2026-12-08 09:00 to 2026-12-09 09:00 Europe/Dublin"), "the rotation's: {own}");
    let json = run(&["oncall", "who", "addon-sre", "--at", "2026-12-08", "--tz", "Asia/Kolkata", "--output", "json"]);
    let body: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (body["start"].as_str(), body["end"].as_str()),
        (Some("2026-12-08T09:00:00Z"), Some("2026-12-09T09:00:00Z"))
    );

    // In summer Dublin is UTC+1: the schedule still reads 09:00 in its own zone.
    let schedule = run(&["oncall", "schedule", "addon-sre", "--from", "2026-06-03", "--days", "1"]);
    let wednesday = "2026-06-03 09:00 Europe/Dublin  2026-06-04 09:00 Europe/Dublin";
    assert!(schedule.lines().any(|l| l.starts_with(wednesday)), "{schedule}");
    let utc = run(&["oncall", "schedule", "addon-sre", "--from", "2026-06-03", "--days", "1", "--tz", "UTC"]);
    assert!(utc.lines().any(|l| l.starts_with("2026-06-03 08:00 UTC  2026-06-04 08:00 UTC")), "{utc}");

    // BATON_TZ does what --tz does; the flag wins over it.
    let with_env = |args: &[&str], tz: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .args(["--db", &db])
            .env("BATON_LOG", "warn")
            .env("BATON_TZ", tz)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = with_env(&["oncall", "who", "addon-sre", "--at", "2026-12-08"], "Asia/Kolkata");
    assert!(ok && out.contains("2026-12-08 14:30 to 2026-12-09 14:30 Asia/Kolkata"), "{out}{err}");
    let (ok, out, _) = with_env(&["oncall", "who", "addon-sre", "--at", "2026-12-08", "--tz", "UTC"], "Asia/Kolkata");
    assert!(ok && out.contains("2026-12-08 09:00 to 2026-12-09 09:00 UTC"), "{out}");

    // A time as shown is taken back where an instant is asked for.
    let copied = run(&["oncall", "who", "addon-sre", "--at", "2026-12-08 12:00 America/Sao_Paulo", "--output", "json"]);
    let body: serde_json::Value = serde_json::from_str(&copied).unwrap();
    assert_eq!(body["at"], "2026-12-08T15:00:00Z", "{body}");

    // An unknown zone is refused, naming the flag and what would do.
    let refused = baton(&["oncall", "who", "addon-sre", "--tz", "Mars/Olympus_Mons", "--db", &db]);
    assert!(!refused.ok);
    assert!(
        refused.stderr.contains("--tz") && refused.stderr.contains("`Mars/Olympus_Mons` is not a time zone"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("Europe/Dublin"), "what would be accepted: {}", refused.stderr);
    let (ok, _, err) = with_env(&["oncall", "who", "addon-sre"], "Nowhere");
    assert!(!ok && err.contains("--tz") && err.contains("`Nowhere`"), "{err}");
}
