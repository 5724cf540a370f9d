//! Escalation policies (`escalations/`): good ones load into `Org.escalations`, each
//! mistake is reported at its file:line:column, and `validate` warns about teams alerts
//! would be routed to that have no policy.

use crate::support::{messages, repo};

use baton_config::load;
use baton_core::paging::{route, Channel, Purpose, Secret, SecretName, Severity, Target, PAGERDUTY_EVENTS_URL};
use baton_core::pipeline::{Assignment, ServiceRecord, Signed, Stage};
use baton_core::{PersonId, ServiceId, TeamId, Timestamp};
use std::path::Path;

const SRE: &str = "id: platform-sre\nname: Platform SRE\nkind: sre\nlead: marta.oyelaran\nmembers:\n  - id: marta.oyelaran\n    name: Marta Oyelaran\n    email: marta.oyelaran@example.com\n  - id: jonas.achterberg\n    name: Jonas Achterberg\n    email: jonas.achterberg@example.com\n";
const OWNERS: &str = "id: streamhub-dev\nname: StreamHub developers\nkind: service-owner\nlead: noor.castellano\nmembers:\n  - id: noor.castellano\n    name: Noor Castellano\n    email: noor.castellano@example.com\n";
const ARCH: &str = "id: sre-architects\nname: SRE Architects\nkind: architects\nmembers:\n  - id: helga.marchetti\n    name: Helga Marchetti\n";
const PIPELINE: &str = "kind: PipelinePolicy\narchitects_team: sre-architects\n";
const SERVICE: &str = "id: streamhub\nname: StreamHub\nowner_team: streamhub-dev\n";
const ROTATION: &str = "id: platform-sre\nname: Platform SRE weekly\nteam: platform-sre\ntime_zone: Europe/Madrid\nhandoff: \"10:00\"\ncadence: weekly\nstart: 2026-03-02\nmembers: [marta.oyelaran, jonas.achterberg]\n";

/// The SRE team's page policy; tests replace one line of it. Lines: id 1, name 2, team 3,
/// purpose 4, repeat 5, steps 6, first target 8, first delay 9, second target 11,
/// third target 14, channels 16, webhook url 18, slack url 20, pagerduty 21, its key 22.
const PAGE: &str = "id: platform-sre-24x7
name: Platform SRE 24x7
team: platform-sre
purpose: page
repeat: 2
steps:
  - targets:
      - rotation: platform-sre
    delay: 10m
  - targets:
      - person: marta.oyelaran
    delay: 15m
  - targets:
      - team: streamhub-dev
    delay: 15m
channels:
  - type: webhook
    url: http://127.0.0.1:9/hooks/platform-sre
  - type: slack
    url: http://127.0.0.1:9/hooks/platform-sre/slack
  - type: pagerduty
    routing_key_env: BATON_SECRET_PLATFORM_PD
";
const TICKET: &str =
    "id: platform-sre-tickets\nname: Tickets\nteam: platform-sre\npurpose: ticket\nsteps:\n  - targets: [{rotation: platform-sre}]\n    delay: 4h\n";
const OWNER_PAGE: &str =
    "id: streamhub-dev-page\nname: StreamHub pager\nteam: streamhub-dev\npurpose: page\nsteps:\n  - targets: [{person: noor.castellano}]\n    delay: 15m\n";

fn with(page: &str) -> tempfile::TempDir {
    repo(&[
        ("teams/platform-sre.yaml", SRE),
        ("teams/streamhub-dev.yaml", OWNERS),
        ("teams/sre-architects.yaml", ARCH),
        ("policies/pipeline.yaml", PIPELINE),
        ("services/streamhub.yaml", SERVICE),
        ("rotations/platform-sre.yaml", ROTATION),
        ("escalations/platform-sre.yaml", page),
        ("escalations/tickets.yaml", TICKET),
        ("escalations/streamhub-dev.yaml", OWNER_PAGE),
    ])
}

fn errors(dir: &Path) -> Vec<String> {
    load(dir).errors().map(|d| d.to_string()).collect()
}

/// The page policy with line `line` (1-based) replaced by `by`.
fn replacing(line: usize, by: &str) -> String {
    PAGE.lines().enumerate().map(|(i, l)| if i + 1 == line { by } else { l }).collect::<Vec<_>>().join("\n") + "\n"
}

fn one_error(page: &str) -> String {
    let dir = with(page);
    let errs = errors(dir.path());
    assert_eq!(errs.len(), 1, "{errs:#?}");
    errs.into_iter().next().unwrap()
}

#[test]
fn policies_load_with_their_steps_targets_and_channels() {
    let dir = with(PAGE);
    let loaded = load(dir.path());
    let msgs: Vec<_> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(msgs.is_empty(), "{msgs:#?}");
    let org = loaded.org.unwrap();
    assert_eq!(org.escalations.len(), 3);
    let p = &org.escalations[&"platform-sre-24x7".parse().unwrap()];
    assert_eq!((p.team.as_str(), p.purpose, p.repeat), ("platform-sre", Purpose::Page, 2));
    assert_eq!(p.steps[0].targets, [Target::Rotation("platform-sre".parse().unwrap())]);
    assert_eq!(p.steps[1].delay.to_string(), "15m");
    // Another team as a target is fine: only `team` says whose policy it is.
    assert_eq!(p.steps[2].targets, [Target::Team("streamhub-dev".parse().unwrap())]);
    assert!(
        matches!(&p.channels[1], Channel::Slack { url: Secret::Inline(url), .. } if url.as_str().ends_with("/slack"))
    );
    match &p.channels[2] {
        Channel::PagerDuty { url, routing_key, .. } => {
            assert_eq!(url.inline().map(|u| u.as_str()), Some(PAGERDUTY_EVENTS_URL));
            assert_eq!(routing_key, &Secret::Named(SecretName::Env("BATON_SECRET_PLATFORM_PD".into())));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(org.escalations[&"platform-sre-tickets".parse().unwrap()].repeat, 0, "repeat defaults to 0");
}

#[test]
fn unknown_team_rotation_and_person_are_reported_where_they_are_named() {
    let e = one_error(&replacing(3, "team: platform-ops"));
    assert!(e.starts_with("escalations/platform-sre.yaml:3:7: team `platform-ops` is not a defined team ("), "{e}");
    let e = one_error(&replacing(8, "      - rotation: platform-sre-nights"));
    assert!(e.starts_with("escalations/platform-sre.yaml:8:19: rotation `platform-sre-nights` is not defined"), "{e}");
    assert!(e.contains("(defined: platform-sre)"), "{e}");
    let e = one_error(&replacing(11, "      - person: lucia.hartman"));
    assert_eq!(e, "escalations/platform-sre.yaml:11:17: person `lucia.hartman` is not a member of any team");
    let e = one_error(&replacing(14, "      - team: streamhub-dev\n        person: noor.castellano"));
    assert_eq!(
        e,
        "escalations/platform-sre.yaml:14:9: a target is exactly one of `rotation: ID`, `person: ID` or `team: ID`"
    );
}

#[test]
fn a_policy_without_steps_and_a_step_without_targets_are_refused() {
    let no_steps = "id: platform-sre-24x7\nname: P\nteam: platform-sre\npurpose: page\nsteps: []\n";
    assert_eq!(
        one_error(no_steps),
        "escalations/platform-sre.yaml:5:8: a page policy needs at least one step: with none, nobody is ever notified"
    );
    let e = one_error(&PAGE.replace("  - targets:\n      - rotation: platform-sre\n", "  - targets: []\n"));
    assert!(e.starts_with("escalations/platform-sre.yaml:7:14: step 1 has no targets: name whom it pages"), "{e}");
}

#[test]
fn delays_purposes_repeats_and_channels_are_checked() {
    let e = one_error(&replacing(9, "    delay: ten minutes"));
    assert!(e.starts_with("escalations/platform-sre.yaml:9:12: `delay`: `ten minutes` is not a period"), "{e}");
    let e = one_error(&replacing(4, "purpose: wake-everyone"));
    assert!(e.starts_with("escalations/platform-sre.yaml:4:10: unknown purpose `wake-everyone`: use page"), "{e}");
    let e = one_error(&replacing(5, "repeat: forever"));
    assert!(e.starts_with("escalations/platform-sre.yaml:5:9: `repeat` is `forever`"), "{e}");
    let e = one_error(&replacing(18, "    url: hooks.example.com/platform"));
    assert!(
        e.starts_with(
            "escalations/platform-sre.yaml:18:10: `url`: `hooks.example.com/platform` is not an absolute http:// or https:// URL"
        ),
        "{e}"
    );
    let e = one_error(&replacing(17, "  - type: email"));
    assert_eq!(e, "escalations/platform-sre.yaml:17:11: unknown channel type `email`: use webhook, slack or pagerduty");
    let e = one_error(&replacing(22, "    url: https://events.pagerduty.com/v2/enqueue"));
    assert!(e.starts_with("escalations/platform-sre.yaml:21:5: a pagerduty channel needs `routing_key`"), "{e}");
}

#[test]
fn channels_take_their_delivery_settings_or_the_defaults() {
    let page = PAGE
        .replace(
            "    url: http://127.0.0.1:9/hooks/platform-sre\n",
            "    url: http://127.0.0.1:9/hooks/platform-sre\n    retry_for: 2d\n    in_flight: 2\n    rate_per_minute: 30\n",
        )
        .replace("    routing_key_env: BATON_SECRET_PLATFORM_PD\n", "    routing_key_env: BATON_SECRET_PLATFORM_PD\n    in_flight: 4\n");
    let dir = with(&page);
    let loaded = load(dir.path());
    let msgs: Vec<_> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(msgs.is_empty(), "{msgs:#?}");
    let org = loaded.org.unwrap();
    let channels = &org.escalations[&"platform-sre-24x7".parse().unwrap()].channels;
    let settings = |c: &Channel| (c.retry_for().to_string(), c.in_flight(), c.rate_per_minute());
    assert_eq!(settings(&channels[0]), ("2d".into(), 2, Some(30)));
    assert_eq!(settings(&channels[1]), ("1d".into(), 8, None), "the defaults");
    assert_eq!(settings(&channels[2]), ("1d".into(), 4, Some(120)), "PagerDuty's own limit per routing key");
}

#[test]
fn nonsense_delivery_settings_are_refused_where_they_are_written() {
    let setting = |line: &str| one_error(&PAGE.replace("  - type: slack\n", &format!("  - type: slack\n{line}\n")));
    let e = setting("    retry_for: 30s");
    assert!(e.starts_with("escalations/platform-sre.yaml:20:16: `retry_for` is `30s`: write how long"), "{e}");
    let e = setting("    retry_for: forever");
    assert!(e.starts_with("escalations/platform-sre.yaml:20:16: `retry_for` is `forever`"), "{e}");
    let e = setting("    in_flight: 0");
    assert!(e.starts_with("escalations/platform-sre.yaml:20:16: `in_flight` is `0`: write how many requests"), "{e}");
    assert!(e.ends_with("a whole number from 1 to 1024"), "{e}");
    let e = setting("    rate_per_minute: -5");
    assert!(e.starts_with("escalations/platform-sre.yaml:20:22: `rate_per_minute` is `-5`"), "{e}");
    let e = setting("    in_flight: lots");
    assert!(e.starts_with("escalations/platform-sre.yaml:20:16: `in_flight` is `lots`"), "{e}");
}

#[test]
fn secrets_written_inline_are_warned_about_and_named_ones_checked() {
    // A real Slack URL and a PagerDuty key written inline load, with a warning at each.
    let page = replacing(20, "    url: https://hooks.slack.example/services/T0/B0/S3CRET")
        .replace("    routing_key_env: BATON_SECRET_PLATFORM_PD", "    routing_key: R0UTINGKEY");
    let dir = with(&page);
    let loaded = load(dir.path());
    let warnings: Vec<_> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings[0].starts_with(
            "escalations/platform-sre.yaml:20:10: warning: `url` is a secret written into the definition repo"
        ),
        "{warnings:#?}"
    );
    assert!(warnings[0].contains("`url_env: BATON_SECRET_...` or `url_file: NAME`"), "{warnings:#?}");
    assert!(
        warnings[1].starts_with("escalations/platform-sre.yaml:22:18: warning: `routing_key` is a secret"),
        "{warnings:#?}"
    );
    assert!(loaded.org.is_some(), "warnings do not stop the load");
    // Loopback placeholders (the example organisation's) are no secret.
    assert!(load(with(PAGE).path()).diagnostics.is_empty());

    let e = one_error(&replacing(22, "    routing_key_env: DATABASE_URL"));
    assert!(e.starts_with("escalations/platform-sre.yaml:22:22: `routing_key`: `DATABASE_URL` is not a secret's environment variable: write BATON_SECRET_"), "{e}");
    let e = one_error(&replacing(20, "    url_file: /etc/baton/audit.key"));
    assert!(
        e.starts_with("escalations/platform-sre.yaml:20:15: `url`: `/etc/baton/audit.key` is not a secret's file name"),
        "{e}"
    );
    let e = one_error(&PAGE.replace(
        "    url: http://127.0.0.1:9/hooks/platform-sre/slack\n",
        "    url: http://127.0.0.1:9/hooks/platform-sre/slack\n    url_file: slack/platform\n",
    ));
    assert!(e.starts_with("escalations/platform-sre.yaml:21:15: `url` is given more than one way"), "{e}");
    let e = one_error(&replacing(18, "    url_env: BATON_SECRET_HOOK\n    routing_key_file: pd/key"));
    assert_eq!(e, "escalations/platform-sre.yaml:19:23: `routing_key` belongs to pagerduty channels only");

    let page = replacing(20, "    url_file: slack/platform-sre");
    let org = load(with(&page).path()).org.unwrap();
    let slack = &org.escalations[&"platform-sre-24x7".parse().unwrap()].channels[1];
    assert_eq!(slack.url(), Some(&Secret::Named(SecretName::File("slack/platform-sre".into()))));
}

#[test]
fn every_mistake_in_one_run() {
    let page = replacing(3, "team: platform-ops").replace("delay: 10m", "delay: 10 min");
    let errs = errors(with(&page).path());
    assert_eq!(errs.len(), 2, "{errs:#?}");
}

#[test]
fn teams_alerts_would_reach_without_a_policy_are_warned_about() {
    let dir = repo(&[
        ("teams/platform-sre.yaml", SRE),
        ("teams/streamhub-dev.yaml", OWNERS),
        ("teams/sre-architects.yaml", ARCH),
        ("policies/pipeline.yaml", PIPELINE),
        ("services/streamhub.yaml", SERVICE),
        ("rotations/platform-sre.yaml", ROTATION),
        ("escalations/tickets.yaml", TICKET),
    ]);
    let loaded = load(dir.path());
    assert!(loaded.org.is_some(), "warnings do not stop a repo from loading");
    let msgs = messages(dir.path());
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(
        msgs[0]
            .starts_with("teams/platform-sre.yaml:1:5: warning: SRE team `platform-sre` has no page escalation policy"),
        "{msgs:#?}"
    );
    assert!(msgs[1].starts_with("teams/streamhub-dev.yaml:1:5: warning: team `streamhub-dev` owns streamhub but has no page escalation policy"), "{msgs:#?}");

    let without = repo(&[
        ("teams/platform-sre.yaml", SRE),
        ("teams/sre-architects.yaml", ARCH),
        ("policies/pipeline.yaml", PIPELINE),
    ]);
    assert!(messages(without.path()).is_empty(), "a repo without escalations/ is not warned");
}

/// The example organisation's policies route every service's alerts, before and after handover.
#[test]
fn the_example_organisation_routes_every_service() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org");
    let org = load(&root).org.expect("the example organisation loads");
    let signed = Signed { by: PersonId::parse("aoife.delacroix").unwrap(), at: Timestamp::UNIX_EPOCH };
    for sre in ["addon-sre", "platform-sre"] {
        let assignment =
            Assignment { sre_team: TeamId::parse(sre).unwrap(), scope: "all".into(), signed: signed.clone() };
        for service in org.services.keys() {
            for stage in [Stage::Onboarding, Stage::SreOwned] {
                let record = ServiceRecord { stage, assignment: Some(assignment.clone()), ..ServiceRecord::default() };
                for severity in Severity::ALL {
                    let r = route(&org, service, &record, severity);
                    assert!(r.is_ok(), "{service} {stage} {severity}: {r:?}");
                }
            }
        }
    }
    let streamhub = ServiceId::parse("streamhub").unwrap();
    let assignment = Assignment { sre_team: TeamId::parse("platform-sre").unwrap(), scope: "all".into(), signed };
    let owned = ServiceRecord { stage: Stage::SreOwned, assignment: Some(assignment), ..ServiceRecord::default() };
    assert_eq!(route(&org, &streamhub, &owned, Severity::Critical).unwrap().policy.as_str(), "platform-sre-24x7");
}
