//! Contact defaults (`contacts/`): methods and rules attached to the person, each mistake
//! at its file:line:column; `validate` warns about people nobody can reach and about
//! escalation steps that would reach nobody.

use crate::support::{messages, repo};
use baton_config::load;
use baton_core::contact::{Address, Contacts, Reach, Urgency};
use baton_core::PersonId;

const TEAM: &str = "id: platform-sre\nname: Platform SRE\nkind: sre\nlead: marta.oyelaran\nmembers:
  - id: marta.oyelaran
    name: Marta Oyelaran
    email: marta.oyelaran@example.com
    timezone: Europe/Madrid
  - id: jonas.achterberg
    name: Jonas Achterberg
";

const MARTA: &str = "person: marta.oyelaran
methods:
  - id: phone
    webhook: https://push.example.com/hooks/marta
rules:
  page:
    - method: email
    - method: phone
      after: 5m
  info:
    - method: email
quiet_hours: \"22:00-07:00\"
";

#[test]
fn contact_defaults_attach_to_the_person_and_count_as_verified() {
    let dir = repo(&[("teams/platform-sre.yaml", TEAM), ("contacts/marta.yaml", MARTA)]);
    let loaded = load(dir.path());
    let errors: Vec<String> = loaded.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.to_string()).collect();
    assert_eq!(errors, Vec::<String>::new());
    let org = loaded.org.unwrap();
    let marta = &org.people[&PersonId::parse("marta.oyelaran").unwrap()];
    let reach = Reach::of(marta, &Contacts::default());
    let ids: Vec<&str> = reach.methods.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["email", "phone"]);
    assert!(reach.methods.iter().all(|m| m.usable() && m.from_definitions));
    assert!(matches!(&reach.methods[1].address, Address::Webhook { url } if url.as_str().ends_with("/marta")));
    let now = "2026-12-07T12:00:00Z".parse().unwrap();
    let plan = reach.plan(Urgency::Page, now, &jiff::tz::TimeZone::get("Europe/Madrid").unwrap());
    assert_eq!(plan.len(), 2);
    assert_eq!(plan[1].at, "2026-12-07T12:05:00Z".parse().unwrap());
    assert!(!reach.reachable(Urgency::Ticket), "no ticket rule given");
    assert_eq!(reach.rules.quiet_hours.unwrap().to_string(), "22:00-07:00");
}

#[test]
fn contact_mistakes_are_placed() {
    let bad = "person: marta.oyelaran
methods:
  - id: email
    email: other@example.com
  - id: slack
    slack: marta
  - id: two
    webhook: https://a.example.com/x
    email: a@example.com
rules:
  page:
    - method: phone
  info:
    - method: email
      after: soon
quiet_hours: \"22-07\"
";
    let dir = repo(&[("teams/platform-sre.yaml", TEAM), ("contacts/marta.yaml", bad)]);
    let text = messages(dir.path()).join("\n");
    for expected in [
        "contacts/marta.yaml:3:9: `email` is the address of teams/: name this method otherwise",
        "contacts/marta.yaml:6:12: `marta` is not a Slack member id",
        "contacts/marta.yaml:7:5: method `two` needs exactly one address",
        "contacts/marta.yaml:12:15: no method `phone` for this person: the methods are email",
        "contacts/marta.yaml:15:14: `soon` is not a period",
        "contacts/marta.yaml:16:14: `22-07` is not a span of the day",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let unknown = repo(&[("teams/platform-sre.yaml", TEAM), ("contacts/x.yaml", "person: nobody.here\n")]);
    let text = messages(unknown.path()).join("\n");
    assert!(text.contains("contacts/x.yaml:1:9: no person `nobody.here` is defined in teams/"), "{text}");
}

#[test]
fn a_step_of_a_policy_without_channels_that_reaches_nobody_is_warned() {
    let policy = "id: platform-sre-24x7
name: Platform SRE 24x7
team: platform-sre
purpose: page
steps:
  - targets:
      - person: jonas.achterberg
    delay: 10m
  - targets:
      - person: marta.oyelaran
    delay: 15m
";
    let dir = repo(&[("teams/platform-sre.yaml", TEAM), ("escalations/platform-sre.yaml", policy)]);
    let all = messages(dir.path());
    let steps: Vec<&String> =
        all.iter().filter(|m| m.contains("would reach nobody: the policy has no channels")).collect();
    assert_eq!(steps.len(), 1, "{all:#?}");
    assert!(
        steps[0].starts_with("escalations/platform-sre.yaml:6:5: warning: step 1 of `platform-sre-24x7` would reach nobody: the policy has no channels and none of jonas.achterberg"),
        "{}",
        steps[0]
    );
    // Jonas, paged with no email and no method, is warned about at his listing in teams/.
    assert!(
        all.iter().any(|m| m.starts_with(
            "teams/platform-sre.yaml:10:9: warning: jonas.achterberg is paged but has no way to be reached"
        )),
        "{all:#?}"
    );
    assert!(!all.iter().any(|m| m.contains("marta.oyelaran is paged")), "marta has an email: {all:#?}");
}
