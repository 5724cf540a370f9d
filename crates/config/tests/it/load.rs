//! The definition repo as a user writes it: good repos load, every mistake is reported
//! with its file, line and column, all at once.

use crate::support::{messages, repo};

use baton_config::load;

const ARCHITECTS: &str = "id: sre-architects\nname: SRE Architects\nkind: architects\nmembers:\n  - id: ada\n    name: Ada Quill\n    timezone: Europe/Lisbon\n";
const OWNERS: &str = "id: ledger-dev\nname: Ledger developers\nkind: service-owner\nlead: olu\nmembers:\n  - id: olu\n    name: Olu Brandt\n  - id: ada\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: sre-architects\npriorities: [p1, p2]\ntransition_window: 28d\nsoak_min: 72h\n";
const SERVICE: &str =
    "id: ledger\nname: Ledger\nowner_team: ledger-dev\nlinks:\n  epic: https://tracker.example.com/EPIC-1\n";

#[test]
fn a_well_formed_repo_loads_into_an_organisation() {
    let dir = repo(&[
        ("teams/architects.yaml", ARCHITECTS),
        ("teams/ledger-dev.yaml", OWNERS),
        ("services/ledger.yaml", SERVICE),
        ("policies/pipeline.yaml", PIPELINE),
        ("policies/checklist.yaml", "kind: AcceptanceChecklist\nitems:\n  - id: runbooks\n    title: Runbooks\n"),
    ]);
    let loaded = load(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:?}", messages(dir.path()));
    let org = loaded.org.unwrap();
    assert_eq!(org.people.len(), 2, "ada is described once and referenced once");
    assert!(org.is_member(&"ada".parse().unwrap(), &"ledger-dev".parse().unwrap()));
    assert_eq!(org.pipeline.unwrap().soak_min.to_string(), "3d");
    assert_eq!(org.checklist.len(), 1);
}

#[test]
fn every_problem_is_reported_at_once_with_its_place() {
    let dir = repo(&[
        ("teams/architects.yaml", ARCHITECTS),
        (
            "teams/ledger-dev.yaml",
            "id: ledger-dev\nname: L\nkind: service-owner\nmembers:\n  - id: olu\n    name: Olu\n  - id: olu\n",
        ),
        ("teams/typo.yaml", "id: typo\nname: T\nkind: sre\nmembrs: []\n"),
        ("services/ledger.yaml", "id: ledger\nname: Ledger\nowner_team: ledger-devs\n"),
        ("services/copy.yaml", "id: ledger\nname: Ledger 2\nowner_team: ledger-devs\n"),
        ("services/bad-type.yaml", "id: ok\nname: Ok\nowner_team: ledger-dev\ninternal_only: [1]\n"),
        ("policies/pipeline.yaml", PIPELINE),
    ]);
    let msgs = messages(dir.path());
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(has("teams/ledger-dev.yaml:7:9: `olu` is listed twice"), "{msgs:#?}");
    assert!(has("teams/typo.yaml:4:1: unknown key `membrs`, expected one of"), "{msgs:#?}");
    assert!(has("services/copy.yaml:3:13: owner_team `ledger-devs` is not a defined team (defined: ledger-dev, sre-architects)"), "{msgs:#?}");
    assert!(
        has("services/ledger.yaml:1:5: service `ledger` is already defined at services/copy.yaml:1:5"),
        "{msgs:#?}"
    );
    assert!(has("services/bad-type.yaml:4:"), "{msgs:#?}");
    assert!(load(dir.path()).org.is_none(), "no organisation when anything is wrong");
}

#[test]
fn bad_values_and_policies_are_named() {
    let dir = repo(&[
        ("teams/architects.yaml", ARCHITECTS.replace("Europe/Lisbon", "Mars/Olympus").as_str()),
        ("teams/ledger-dev.yaml", OWNERS),
        ("services/ledger.yaml", "id: Ledger Svc\nname: L\nowner_team: ledger-dev\n"),
        (
            "services/links.yaml",
            "id: links\nname: L\nowner_team: ledger-dev\nlinks:\n  epic: EPIC-1\ntransition_window: 4 weeks\n",
        ),
        ("policies/pipeline.yaml", "kind: PipelinePolicy\narchitects_team: ledger-dev\n"),
        ("policies/gate.yaml", "kind: Gaet\n"),
        ("policies/extra.yaml", "kind: AdditionalRequirements\nitems: []\n"),
    ]);
    let msgs = messages(dir.path());
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(has("teams/architects.yaml:7:15: unknown time zone `Mars/Olympus`"), "{msgs:#?}");
    assert!(has("services/ledger.yaml:1:5: `Ledger Svc` is not a valid service id"), "{msgs:#?}");
    assert!(has("services/links.yaml:5:9: `EPIC-1` is not a link"), "{msgs:#?}");
    assert!(has("services/links.yaml:6:20: `4 weeks` is not a period"), "{msgs:#?}");
    assert!(has("policies/pipeline.yaml:2:18: team `ledger-dev` is not of kind architects"), "{msgs:#?}");
    assert!(has("policies/gate.yaml:1:7: unknown policy kind `Gaet`"), "{msgs:#?}");
    assert!(has("policies/extra.yaml:1:1: missing key `team`"), "{msgs:#?}");
}

#[test]
fn malformed_yaml_and_duplicate_keys_point_at_the_line() {
    let dir = repo(&[
        ("teams/a.yaml", "id: a\nname: A\nkind: sre\nid: b\n"),
        ("teams/b.yaml", "id: b\nname: [oops\n"),
        ("policies/pipeline.yaml", "kind: PipelinePolicy\narchitects_team: nobody\n"),
    ]);
    let msgs = messages(dir.path());
    assert!(msgs.iter().any(|m| m.starts_with("teams/a.yaml:4:1: duplicate key `id`")), "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.starts_with("teams/b.yaml:") && m.contains("malformed YAML")), "{msgs:#?}");
}

/// Security finding 8: a definition file that is a link out of the repo had its contents
/// echoed in errors; one of any size was read whole.
#[test]
fn links_out_of_the_repo_and_oversized_files_are_refused_unread() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.yaml");
    std::fs::write(&secret, "password: hunter2-not-a-definition\n").unwrap();
    let dir = repo(&[
        ("teams/architects.yaml", ARCHITECTS),
        ("teams/ledger-dev.yaml", OWNERS),
        ("services/ledger.yaml", SERVICE),
        ("policies/pipeline.yaml", PIPELINE),
    ]);
    std::os::unix::fs::symlink(&secret, dir.path().join("teams/leak.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("services/ledger.yaml"), dir.path().join("services/alias.yml")).unwrap();
    let big = format!("id: big\nname: Big\nkind: sre\nmembers: []\n#{}\n", "x".repeat(1024 * 1024));
    std::fs::write(dir.path().join("teams/big.yaml"), big).unwrap();

    let loaded = load(dir.path());
    let all = messages(dir.path()).join("\n");
    assert!(loaded.org.is_none(), "errors apply nothing");
    assert!(all.contains("teams/leak.yaml") && all.contains("outside the definition repo"), "{all}");
    assert!(!all.contains("hunter2"), "nothing of the linked file is shown: {all}");
    assert!(all.contains("teams/big.yaml") && all.contains("at most 1048576 bytes"), "{all}");
    assert!(!all.contains("services/alias.yml: is a link"), "a link within the repo is read: {all}");
}
