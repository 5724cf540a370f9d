//! OpenSLO as the world writes it, and switching to Baton in one command: every OpenSLO
//! v1 file of the shared corpus through `baton import openslo` and `baton validate`, a
//! Backstage catalog through `baton import backstage`, the example organisation's SLOs out
//! with `baton export openslo` and back in, and an SLO Baton cannot read reported as no
//! data. All through the real binary, as a person types it.

use crate::support::{baton, copy_dir, corpus, examples_dir};
use std::path::{Path, PathBuf};

fn example_copy(dir: &Path) -> PathBuf {
    let org = dir.join("org");
    copy_dir(&examples_dir(), &org);
    org
}

/// The files upstream calls invalid (the README says four kinds of reference; five files
/// carry `invalid` in their names), and the reason: a reference that does not resolve, which
/// the SDK refuses when it inlines.
const INVALID: [(&str, &str); 5] = [
    (
        "v1_alert_policies_invalid_condition",
        "conditionRef `cpu-usage-breach` is not an AlertCondition defined in slos/",
    ),
    (
        "v1_alert_policies_invalid_target",
        "targetRef `devs-email-notification` is not an AlertNotificationTarget defined in slos/",
    ),
    ("v1_slo_invalid_policy", "alertPolicyRef `no-policy` is not an AlertPolicy defined in slos/"),
    ("v1_slo_invalid_sli", "indicatorRef `no-sli` is not an SLI defined in slos/"),
    ("v1_slo_invalid_target", "targetRef `devs-email-notification` is not an AlertNotificationTarget defined in slos/"),
];

/// Valid files whose references name documents upstream keeps in other files (the SDK's
/// export and "keep references" tests never resolve them; the spec examples' policies
/// name targets of another example file). Baton runs what it reads, so it resolves every
/// reference: the test gives these documents, as the rest of such a repo would.
const ELSEWHERE: [(&str, &[(&str, &str)]); 7] = [
    (
        "v1__examples__alert_policies",
        &[
            ("AlertCondition", "cpu-usage-breach"),
            ("AlertNotificationTarget", "on-call-mail-notification"),
            ("AlertNotificationTarget", "on-call-pd-notification"),
        ],
    ),
    (
        "export__inputs__custom_config",
        &[("AlertCondition", "cpu-usage-breach"), ("AlertNotificationTarget", "devs-email-notification")],
    ),
    (
        "export__outputs__custom_config",
        &[("AlertCondition", "cpu-usage-breach"), ("AlertNotificationTarget", "devs-email-notification")],
    ),
    (
        "export__inputs__v1_alert_policies",
        &[("AlertCondition", "cpu-usage-breach"), ("AlertNotificationTarget", "devs-email-notification")],
    ),
    (
        "export__outputs__v1_alert_policies",
        &[("AlertCondition", "cpu-usage-breach"), ("AlertNotificationTarget", "devs-email-notification")],
    ),
    ("export__%__v1_slo", &[("AlertCondition", "cpu-usage-breach")]),
    // Both the inline test's input and its expected output: the custom config keeps refs.
    (
        "inline__%__custom_config",
        &[
            ("AlertCondition", "cpu-usage-breach"),
            ("AlertNotificationTarget", "pd-on-call-notification"),
            ("AlertPolicy", "single-referenced-object"),
            ("AlertPolicy", "mix-of-referenced-and-inlined-objects"),
            ("SLI", "my-sli"),
        ],
    ),
];

fn elsewhere_for(file: &str) -> &'static [(&'static str, &'static str)] {
    let matches = |pattern: &str| match pattern.split_once('%') {
        Some((a, b)) => file.contains(a) && file.contains(b),
        None => file.contains(pattern),
    };
    ELSEWHERE.iter().find(|(p, _)| matches(p)).map_or(&[], |(_, docs)| docs)
}

/// A plain document of `kind` named `name`, as another file of the repo would hold it.
fn stub(kind: &str, name: &str) -> String {
    let spec = match kind {
        "AlertCondition" => {
            "  severity: page\n  condition: {kind: burnrate, op: gt, threshold: 2, lookbackWindow: 1h}\n"
        }
        "AlertNotificationTarget" => "  target: email\n",
        "AlertPolicy" => "  conditions:\n    - conditionRef: cpu-usage-breach\n",
        "SLI" => "  thresholdMetric:\n    metricSource: {type: Prometheus, spec: {query: up}}\n",
        other => panic!("no stub for {other}"),
    };
    format!("apiVersion: openslo/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n{spec}")
}

#[test]
fn every_openslo_file_of_the_corpus_is_judged_as_upstream_judges_it() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus("openslo")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 35, "the corpus README counts 35 v1 files");
    let mut accepted = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_str().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let org = example_copy(dir.path());
        let import = baton(&[
            "import",
            "openslo",
            file.to_str().unwrap(),
            "--into",
            org.to_str().unwrap(),
            "--owner",
            "platform-sre",
        ]);
        assert!(import.ok, "{name}: import failed\n{}{}", import.stdout, import.stderr);
        assert!(org.join("slos").join(name).exists(), "{name}: not copied into slos/");
        let elsewhere = elsewhere_for(name);
        if let Some((_, reason)) = INVALID.iter().find(|(n, _)| name.contains(n)) {
            let run = baton(&["validate", org.to_str().unwrap()]);
            assert!(!run.ok, "{name} is invalid upstream but was accepted:\n{}", run.stdout);
            let errors: Vec<&str> =
                run.stdout.lines().filter(|l| l.starts_with("slos/") && !l.contains("warning:")).collect();
            assert_eq!(errors.len(), 1, "{name}: refused for one reason only:\n{}", run.stdout);
            assert!(errors[0].contains(reason), "{name}: refused for `{}`, not `{reason}`", errors[0]);
            continue;
        }
        if !elsewhere.is_empty() {
            // Alone, the only errors are exactly the references to the documents kept
            // elsewhere, each naming one of them: nothing else stands in the way.
            let run = baton(&["validate", org.to_str().unwrap()]);
            assert!(!run.ok, "{name}: its references do not resolve, yet it was accepted");
            for line in
                run.stdout.lines().filter(|l| l.contains(": ") && !l.contains("warning:") && l.starts_with("slos/"))
            {
                assert!(
                    line.contains("is not an") && elsewhere.iter().any(|(_, n)| line.contains(&format!("`{n}`"))),
                    "{name}: an error other than a reference kept elsewhere: {line}"
                );
            }
            let docs: Vec<String> = elsewhere.iter().map(|(k, n)| stub(k, n)).collect();
            std::fs::write(org.join("slos/_kept-elsewhere.yaml"), docs.join("---\n")).unwrap();
        }
        let run = baton(&["validate", org.to_str().unwrap()]);
        assert!(run.ok, "{name} is valid OpenSLO v1 but was refused:\n{}", run.stdout);
        // No Rust type names in what people read.
        assert!(!run.stdout.contains("Doc") && !run.stdout.contains("struct "), "{name}:\n{}", run.stdout);
        accepted += 1;
    }
    assert_eq!(accepted, 30);
}

#[test]
fn an_slo_of_a_source_baton_does_not_read_is_reported_as_no_data_never_as_met() {
    let dir = tempfile::tempdir().unwrap();
    let org = example_copy(dir.path());
    let file = corpus("openslo").join("OpenSLO_OpenSLO__examples__budgeting-method__occurences-slo.yaml");
    let import = baton(&["import", "openslo", file.to_str().unwrap(), "--into", org.to_str().unwrap()]);
    // The SLO names a service the repo lacks, and nobody said who owns it: the SLOs are
    // copied, the stub is refused with what to do, and the command says it failed.
    assert!(!import.ok);
    assert!(
        import.stdout.contains(
            "service `web-shop` is not defined in the repo, and nothing says which team owns it: pass `--owner TEAM`"
        ),
        "{}",
        import.stdout
    );
    let import = baton(&[
        "import",
        "openslo",
        file.to_str().unwrap(),
        "--into",
        org.to_str().unwrap(),
        "--owner",
        "platform-sre",
    ]);
    assert!(import.ok, "{}", import.stdout);
    assert!(import.stdout.contains("wrote services/web-shop.yaml"), "{}", import.stdout);
    assert!(
        import.stdout.contains("unchanged slos/"),
        "the SLO file, already there, is left as it is:\n{}",
        import.stdout
    );
    let validate = baton(&["validate", org.to_str().unwrap()]);
    assert!(validate.ok, "{}", validate.stdout);
    assert!(
        validate.stdout.contains("warning: Baton does not read Any: its SLO reports no data"),
        "{}",
        validate.stdout
    );
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    assert!(baton(&["apply", org.to_str().unwrap(), "--db", &db]).ok);
    let report = baton(&["slo", "report", "--service", "web-shop", "--db", &db]);
    assert!(report.ok, "{}{}", report.stdout, report.stderr);
    assert!(report.stdout.contains("* search-slo: no data: Baton does not read Any"), "{}", report.stdout);
    assert!(!report.stdout.contains("100%"), "never reported as met:\n{}", report.stdout);
}

#[test]
fn a_backstage_catalog_becomes_teams_and_services_that_validate_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let org = example_copy(dir.path());
    let catalog: Vec<PathBuf> = {
        let mut f: Vec<PathBuf> =
            std::fs::read_dir(corpus("backstage-catalog")).unwrap().map(|e| e.unwrap().path()).collect();
        f.sort();
        f
    };
    let (invalid, valid): (Vec<&PathBuf>, Vec<&PathBuf>) =
        catalog.iter().partition(|p| p.to_str().unwrap().contains("invalid-component"));
    let mut args = vec!["import", "backstage"];
    args.extend(valid.iter().map(|p| p.to_str().unwrap()));
    let into = org.to_str().unwrap();
    // The demo's component is owned by a group the catalog does not hold: without --owner
    // it is refused, with its field named, and everything else is still written.
    let run = baton(&[&args[..], &["--into", into]].concat());
    assert!(!run.ok);
    assert!(run.stdout.contains("catalog-info.yaml:12:10: `spec.owner`: its owner `backstage/maintainers` is not a team of this catalog or the repo; pass `--owner TEAM`"), "{}", run.stdout);
    assert!(run.stdout.contains("wrote teams/team-a.yaml"), "{}", run.stdout);
    assert!(run.stdout.contains("Group `acme-corp` is of type organization"), "{}", run.stdout);
    assert!(run.stdout.contains("a Backstage System has no counterpart in Baton"), "{}", run.stdout);
    let run = baton(&[&args[..], &["--into", into, "--owner", "platform-sre"]].concat());
    assert!(run.ok, "{}", run.stdout);
    let team = std::fs::read_to_string(org.join("teams/team-a.yaml")).unwrap();
    assert!(
        team.contains("  - id: janelle.dawe\n    name: Janelle Dawe\n    email: janelle-dawe@example.com"),
        "{team}"
    );
    // No displayName in the catalog: a name made from the id, which Baton needs.
    assert!(team.contains("  - id: breanna.davison\n    name: Breanna Davison"), "{team}");
    let service = std::fs::read_to_string(org.join("services/artist-lookup.yaml")).unwrap();
    for line in ["owner_team: team-a", "system: artist-engagement-portal", "lifecycle: experimental"] {
        assert!(service.contains(line), "{service}");
    }
    // A user-owned component goes to the user's one team, and says so.
    let playback = std::fs::read_to_string(org.join("services/playback-order.yaml")).unwrap();
    assert!(playback.contains("owner_team: team-a"), "{playback}");
    let validate = baton(&["validate", org.to_str().unwrap()]);
    assert!(validate.ok, "{}", validate.stdout);
    assert!(validate.stdout.contains("10 services"), "{}", validate.stdout);
    // The service is applied with its catalog details and shown.
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    assert!(baton(&["apply", org.to_str().unwrap(), "--db", &db]).ok);
    let show = baton(&["service", "show", "artist-lookup", "--db", &db, "--output", "json"]);
    assert!(show.ok, "{}{}", show.stdout, show.stderr);
    assert!(show.stdout.contains("artist-engagement-portal"), "{}", show.stdout);

    // The invalid component is refused with its fields named, and nothing is written.
    let before = std::fs::read_dir(org.join("services")).unwrap().count();
    let run = baton(&["import", "backstage", invalid[0].to_str().unwrap(), "--into", into]);
    assert!(!run.ok);
    assert!(
        run.stdout.contains(":4:9: `metadata.name`: `invalid component` is not a Backstage name"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(":11:7: `metadata.tags[1]`: `go 1.15.3` is not a Backstage tag"), "{}", run.stdout);
    assert_eq!(std::fs::read_dir(org.join("services")).unwrap().count(), before);
}

#[test]
fn the_example_organisations_slos_exported_and_imported_again_apply_as_no_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/baton.db", dir.path().display());
    assert!(baton(&["apply", examples_dir().to_str().unwrap(), "--db", &db]).ok);
    let exported = dir.path().join("exported.yaml");
    let run = baton(&["export", "openslo", "--out", exported.to_str().unwrap(), "--db", &db]);
    assert!(run.ok, "{}", run.stderr);
    assert!(run.stderr.contains("wrote 6 SLOs"), "{}", run.stderr);
    let text = std::fs::read_to_string(&exported).unwrap();
    // Plain OpenSLO, Baton's own annotations kept.
    assert!(text.contains("apiVersion: openslo/v1\nkind: SLO\n"), "{text}");
    assert!(
        text.contains("baton.dev/objective-history: \"2025-06-01T00:00:00Z=0.995,2025-10-01T00:00:00Z=0.999\""),
        "{text}"
    );
    assert!(!text.contains("kind: Service"), "services stay in services/");
    // Into a copy of the repo whose own SLO files are gone.
    let org = example_copy(dir.path());
    for f in std::fs::read_dir(org.join("slos")).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let import = baton(&["import", "openslo", exported.to_str().unwrap(), "--into", org.to_str().unwrap()]);
    assert!(import.ok, "{}", import.stdout);
    let apply = baton(&["apply", org.to_str().unwrap(), "--db", &db]);
    assert!(apply.ok, "{}{}", apply.stdout, apply.stderr);
    assert!(apply.stdout.contains("no changes: the store already matches"), "{}", apply.stdout);
}
