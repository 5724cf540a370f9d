//! What goes on the wire for one notice on one HTTP channel. Pure: no IO, so each format
//! is tested as the receiver would see it. (An email channel is not a request: see
//! [`email`](crate::email).)
//!
//! A Slack channel with a `mention` (a person's own Slack method) starts its message with
//! `<@U024BE7LH> `, so Slack notifies that person.
//!
//! Every request is a `POST` with a JSON body and these headers:
//! - `Idempotency-Key: <key>`: the outbox message's key, the same on every attempt, so a
//!   receiver can drop a repeat (delivery is at least once). Bytes that may not appear in
//!   a header value (anything but visible ASCII) and `%` itself are percent-encoded.
//! - `User-Agent: baton/<version>`.
//!
//! # Baton's webhook body (a public contract)
//!
//! A `webhook` channel receives this object; fields are only ever added to it:
//!
//! ```json
//! {
//!   "idempotency_key": "page/streamhub/7f3a/0/0/marta.oyelaran@a1b2c3d4e5f6",
//!   "kind": "page",
//!   "subject": "alert/streamhub/7f3a",
//!   "title": "streamhub: HighErrorRate",
//!   "text": "5xx ratio above 2% for 10 minutes",
//!   "to": ["marta.oyelaran"],
//!   "severity": "critical",
//!   "links": [{ "label": "Acknowledge", "url": "https://baton.example/a/…" }],
//!   "alert": { "dedup_key": "7f3a", "action": "trigger" }
//! }
//! ```
//!
//! - `idempotency_key`: as in the header.
//! - `kind`: `page` (act now), `page-update` (a paged alert was acknowledged or resolved:
//!   stop paging), `reminder` (act, not urgently), `info`.
//! - `subject`: what it is about: `alert/<service>/<alert>`, `handover/<rotation>/<shift>`,
//!   `slo/<id>`.
//! - `to`: the people it is for, by Baton person id; empty means the channel's audience.
//! - `severity`: `critical`, `error`, `warning`, `info`, or `null` when the notice has none.
//! - `links`: acknowledge and resolve links, the runbook, the dashboard page.
//! - `alert`: for notices about an alert, its dedup key and what to do with it (`trigger`,
//!   `acknowledge`, `resolve`); `null` otherwise.

use baton_core::notice::{AlertAction, Notice, NoticeKind};
use baton_core::paging::{Channel, Destination, Severity};
use baton_core::Link;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// One HTTP `POST` to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub url: Link,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

/// The request that delivers `notice` on `channel` to `to` (the channel's URL and routing
/// key, read), `key` being the outbox message's idempotency key.
pub fn render(notice: &Notice, channel: &Channel, to: &Destination, key: &str) -> Request {
    let body = match channel {
        Channel::Webhook { .. } => webhook(notice, key),
        Channel::Slack { mention, .. } => slack(notice, mention.as_deref()),
        Channel::PagerDuty { .. } => pagerduty(notice, to.routing_key.as_deref().unwrap_or_default(), key),
        // Email goes over SMTP (`email`), never as a request: it has no URL to resolve.
        Channel::Email { .. } => webhook(notice, key),
    };
    Request {
        url: to.url.clone(),
        headers: vec![
            ("Idempotency-Key".into(), header_safe(key)),
            ("User-Agent".into(), format!("baton/{}", env!("CARGO_PKG_VERSION"))),
        ],
        body,
    }
}

fn kind_name(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Page => "page",
        NoticeKind::PageUpdate => "page-update",
        NoticeKind::Reminder => "reminder",
        NoticeKind::Info => "info",
    }
}

fn action_name(action: AlertAction) -> &'static str {
    match action {
        AlertAction::Trigger => "trigger",
        AlertAction::Acknowledge => "acknowledge",
        AlertAction::Resolve => "resolve",
    }
}

fn webhook(notice: &Notice, key: &str) -> Value {
    json!({
        "idempotency_key": key,
        "kind": kind_name(notice.kind),
        "subject": notice.subject,
        "title": notice.title,
        "text": notice.text,
        "to": notice.to.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "severity": notice.severity.map(Severity::as_str),
        "links": notice.links.iter().map(|l| json!({"label": l.label, "url": l.url})).collect::<Vec<_>>(),
        "alert": notice.alert.as_ref().map(|(dedup_key, action)| json!({
            "dedup_key": dedup_key,
            "action": action_name(*action),
        })),
    })
}

/// Slack's limit on a section block's text.
const SLACK_SECTION_MAX: usize = 3000;

/// A Slack incoming webhook message: `text` (the notification and fallback line) and one
/// mrkdwn section with the title, the text, who it is for and the links. With `mention` (a
/// Slack member id, a person's own Slack method), both start with `<@U024BE7LH> `, so
/// Slack notifies that person; an id that is not letters and digits is left out, as it
/// could carry markup.
fn slack(notice: &Notice, mention: Option<&str>) -> Value {
    let headline = match headline_word(notice) {
        Some(word) => format!("{word} {}", notice.title),
        None => notice.title.clone(),
    };
    let mention = match mention {
        Some(id) if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) => format!("<@{id}> "),
        _ => String::new(),
    };
    let head = format!("{mention}*{}*", slack_escape(&headline));
    let mut tail = String::new();
    if !notice.to.is_empty() {
        let to = notice.to.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", ");
        tail.push_str(&format!("\nFor: {}", slack_escape(&to)));
    }
    let links: Vec<String> = notice
        .links
        .iter()
        // A `|` would end the URL early and `>` the link: neither is valid unencoded in a URL.
        .map(|l| format!("<{}|{}>", slack_escape(&l.url.replace('|', "%7C")), slack_escape(&l.label)))
        .collect();
    if !links.is_empty() {
        tail.push('\n');
        tail.push_str(&links.join(" · "));
    }
    // The text gives way first, so the title and the acknowledge links always arrive.
    let budget = SLACK_SECTION_MAX.saturating_sub(head.chars().count() + tail.chars().count() + 1);
    let mut section = head;
    if !notice.text.is_empty() {
        section.push('\n');
        section.push_str(&truncate_escaped(&slack_escape(&notice.text), budget));
    }
    section.push_str(&tail);
    json!({
        "text": truncate_escaped(&format!("{mention}{}", slack_escape(&headline)), SLACK_SECTION_MAX),
        "blocks": [{
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate_escaped(&section, SLACK_SECTION_MAX)},
        }],
    })
}

/// The one word a Slack line starts with: what happened to the alert when paging stops
/// (`RESOLVED`, `ACKNOWLEDGED`), else the severity (`CRITICAL`). One word only: a line
/// reading "[CRITICAL] [RESOLVED]" left people unsure whether to get up.
pub(crate) fn headline_word(notice: &Notice) -> Option<String> {
    match &notice.alert {
        Some((_, AlertAction::Resolve)) => Some("RESOLVED".into()),
        Some((_, AlertAction::Acknowledge)) => Some("ACKNOWLEDGED".into()),
        Some((_, AlertAction::Trigger)) | None => notice.severity.map(|s| s.as_str().to_uppercase()),
    }
}

/// Slack reads `&`, `<` and `>` as markup (`<!channel>` notifies everyone), so text from
/// alerts is escaped; nothing else may be (Slack decodes only these three entities).
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// At most `max` characters of escaped text, ending in `…` when cut, never inside an
/// entity (a cut `&am` would show as is).
fn truncate_escaped(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    if let Some(amp) = cut.rfind('&') {
        if !cut[amp..].contains(';') {
            cut.truncate(amp);
        }
    }
    cut.push('…');
    cut
}

/// PagerDuty's limits on `payload.summary` and `dedup_key`, in characters.
const PD_SUMMARY_MAX: usize = 1024;
const PD_DEDUP_KEY_MAX: usize = 255;

/// A PagerDuty Events API v2 event. The dedup key is the Baton alert's, so PagerDuty's
/// incident opens, acknowledges and resolves with it; a notice about no alert (a
/// reminder) triggers with the idempotency key, so a repeated delivery opens nothing new.
fn pagerduty(notice: &Notice, routing_key: &str, key: &str) -> Value {
    let (dedup_key, action) = match &notice.alert {
        Some((dedup_key, action)) => (dedup_key.as_str(), *action),
        None => (key, AlertAction::Trigger),
    };
    let mut event = json!({
        "routing_key": routing_key,
        "event_action": action_name(action),
        "dedup_key": pd_dedup_key(dedup_key),
    });
    // Acknowledge and resolve carry only the key: PagerDuty applies them to the open alert.
    if action == AlertAction::Trigger {
        let severity = notice.severity.unwrap_or(match notice.kind {
            NoticeKind::Page => Severity::Critical,
            NoticeKind::Reminder => Severity::Warning,
            NoticeKind::PageUpdate | NoticeKind::Info => Severity::Info,
        });
        let summary: String = if notice.title.chars().count() > PD_SUMMARY_MAX {
            notice.title.chars().take(PD_SUMMARY_MAX - 1).chain(['…']).collect()
        } else {
            notice.title.clone()
        };
        event["payload"] = json!({
            "summary": summary,
            "source": "baton",
            "severity": severity.as_str(),
            "custom_details": {
                "text": notice.text,
                "subject": notice.subject,
                "kind": kind_name(notice.kind),
                "to": notice.to.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                "idempotency_key": key,
            },
        });
        event["client"] = json!("Baton");
        event["links"] = notice.links.iter().map(|l| json!({"href": l.url, "text": l.label})).collect();
    }
    event
}

/// PagerDuty refuses a dedup key over 255 characters; a longer one is replaced by its
/// digest, the same every time, so later events still find the incident.
fn pd_dedup_key(key: &str) -> String {
    if key.chars().count() <= PD_DEDUP_KEY_MAX {
        key.to_owned()
    } else {
        format!("baton-sha256-{}", hex::encode(Sha256::digest(key.as_bytes())))
    }
}

/// `key` as a header value: visible ASCII stays, everything else (and `%`) is `%XX`.
pub(crate) fn header_safe(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if (0x21..=0x7e).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::paging::Secret;

    /// `render` for a channel whose secrets are inline.
    fn rendered(notice: &Notice, channel: &Channel, key: &str) -> Request {
        let to = channel.resolve(|_| panic!("inline secrets only")).unwrap();
        render(notice, channel, &to, key)
    }
    use baton_core::notice::NoticeLink;
    use baton_core::paging::Delivery;
    use baton_core::PersonId;

    fn page() -> Notice {
        Notice {
            kind: NoticeKind::Page,
            subject: "alert/streamhub/7f3a".into(),
            title: "streamhub: HighErrorRate".into(),
            text: "5xx ratio above 2% for 10 minutes".into(),
            to: vec![PersonId::parse("marta.oyelaran").unwrap()],
            severity: Some(Severity::Critical),
            links: vec![NoticeLink { label: "Acknowledge".into(), url: "https://baton.example/ack?a=1&b=2".into() }],
            alert: Some(("7f3a".into(), AlertAction::Trigger)),
        }
    }

    fn link(s: &str) -> Link {
        Link::parse(s).unwrap()
    }

    #[test]
    fn a_webhook_gets_the_documented_body_and_headers() {
        let req = rendered(
            &page(),
            &Channel::Webhook { url: link("http://127.0.0.1:9000/hook").into(), delivery: Delivery::default() },
            "k/1",
        );
        assert_eq!(req.url.as_str(), "http://127.0.0.1:9000/hook");
        assert_eq!(req.headers[0], ("Idempotency-Key".into(), "k/1".into()));
        assert_eq!(req.headers[1].1, format!("baton/{}", env!("CARGO_PKG_VERSION")));
        assert_eq!(
            req.body,
            json!({
                "idempotency_key": "k/1",
                "kind": "page",
                "subject": "alert/streamhub/7f3a",
                "title": "streamhub: HighErrorRate",
                "text": "5xx ratio above 2% for 10 minutes",
                "to": ["marta.oyelaran"],
                "severity": "critical",
                "links": [{"label": "Acknowledge", "url": "https://baton.example/ack?a=1&b=2"}],
                "alert": {"dedup_key": "7f3a", "action": "trigger"},
            })
        );
        let reminder = Notice { kind: NoticeKind::Reminder, severity: None, alert: None, ..page() };
        let body = rendered(
            &reminder,
            &Channel::Webhook { url: link("http://127.0.0.1:9000/").into(), delivery: Delivery::default() },
            "k",
        )
        .body;
        assert_eq!(
            (&body["kind"], &body["severity"], &body["alert"]),
            (&json!("reminder"), &Value::Null, &Value::Null)
        );
    }

    #[test]
    fn slack_text_is_escaped_and_links_are_clickable() {
        let notice = Notice { text: "p99 > 2s <!channel> & rising".into(), ..page() };
        let body = rendered(
            &notice,
            &Channel::Slack {
                url: link("https://hooks.slack.example/T/B/x").into(),
                delivery: Delivery::default(),
                mention: None,
            },
            "k",
        )
        .body;
        assert_eq!(body["text"], "CRITICAL streamhub: HighErrorRate");
        let section = &body["blocks"][0];
        assert_eq!((&section["type"], &section["text"]["type"]), (&json!("section"), &json!("mrkdwn")));
        assert_eq!(
            section["text"]["text"],
            "*CRITICAL streamhub: HighErrorRate*\np99 &gt; 2s &lt;!channel&gt; &amp; rising\nFor: marta.oyelaran\n\
             <https://baton.example/ack?a=1&amp;b=2|Acknowledge>"
        );
    }

    #[test]
    fn a_slack_line_starts_with_one_word_the_severity_or_what_happened() {
        let slack = Channel::Slack {
            url: link("https://hooks.slack.example/x").into(),
            delivery: Delivery::default(),
            mention: None,
        };
        let text = |notice: &Notice| rendered(notice, &slack, "k").body["text"].as_str().unwrap().to_owned();
        assert_eq!(text(&page()), "CRITICAL streamhub: HighErrorRate");
        let resolved =
            Notice { kind: NoticeKind::PageUpdate, alert: Some(("7f3a".into(), AlertAction::Resolve)), ..page() };
        assert_eq!(text(&resolved), "RESOLVED streamhub: HighErrorRate", "not the severity as well");
        let acked = Notice { alert: Some(("7f3a".into(), AlertAction::Acknowledge)), ..resolved };
        assert_eq!(text(&acked), "ACKNOWLEDGED streamhub: HighErrorRate");
        let info = Notice { kind: NoticeKind::Info, severity: None, alert: None, ..page() };
        assert_eq!(text(&info), "streamhub: HighErrorRate");
    }

    #[test]
    fn a_slack_message_for_one_person_mentions_them_first() {
        let slack = |mention: Option<&str>| Channel::Slack {
            url: link("https://hooks.slack.example/x").into(),
            delivery: Delivery::default(),
            mention: mention.map(str::to_owned),
        };
        let body = rendered(&page(), &slack(Some("U024BE7LH")), "k").body;
        assert_eq!(body["text"], "<@U024BE7LH> CRITICAL streamhub: HighErrorRate");
        let section = body["blocks"][0]["text"]["text"].as_str().unwrap();
        assert!(section.starts_with("<@U024BE7LH> *CRITICAL streamhub: HighErrorRate*\n"), "{section}");
        let body = rendered(&page(), &slack(Some("U0> <!channel")), "k").body;
        assert_eq!(body["text"], "CRITICAL streamhub: HighErrorRate", "an id that could carry markup is left out");
        assert_eq!(rendered(&page(), &slack(None), "k").body["text"], "CRITICAL streamhub: HighErrorRate");
    }

    #[test]
    fn a_long_slack_text_is_cut_but_keeps_its_links() {
        let notice = Notice { text: "&".repeat(5000), ..page() };
        let body = rendered(
            &notice,
            &Channel::Slack {
                url: link("https://hooks.slack.example/x").into(),
                delivery: Delivery::default(),
                mention: None,
            },
            "k",
        )
        .body;
        let text = body["blocks"][0]["text"]["text"].as_str().unwrap();
        assert!(text.chars().count() <= SLACK_SECTION_MAX, "{}", text.chars().count());
        assert!(text.ends_with("|Acknowledge>"), "{text}");
        assert!(text.contains("&amp;…\nFor:"), "cut between entities, not inside one");
    }

    #[test]
    fn pagerduty_triggers_acknowledges_and_resolves_the_alerts_incident() {
        let pd = Channel::PagerDuty {
            url: link("https://events.pagerduty.example/v2/enqueue").into(),
            routing_key: Secret::Inline("R0UT1NG".into()),
            delivery: Delivery::default(),
        };
        let body = rendered(&page(), &pd, "k/1").body;
        assert_eq!((&body["routing_key"], &body["event_action"]), (&json!("R0UT1NG"), &json!("trigger")));
        assert_eq!(body["dedup_key"], "7f3a", "the incident follows Baton's alert, not the message");
        assert_eq!(body["payload"]["summary"], "streamhub: HighErrorRate");
        assert_eq!((&body["payload"]["source"], &body["payload"]["severity"]), (&json!("baton"), &json!("critical")));
        assert_eq!(body["payload"]["custom_details"]["text"], "5xx ratio above 2% for 10 minutes");
        assert_eq!(body["links"], json!([{"href": "https://baton.example/ack?a=1&b=2", "text": "Acknowledge"}]));

        let resolved =
            Notice { kind: NoticeKind::PageUpdate, alert: Some(("7f3a".into(), AlertAction::Resolve)), ..page() };
        let body = rendered(&resolved, &pd, "k/2").body;
        assert_eq!(body, json!({"routing_key": "R0UT1NG", "event_action": "resolve", "dedup_key": "7f3a"}));
    }

    #[test]
    fn a_pagerduty_reminder_triggers_once_per_message_within_pagerdutys_limits() {
        let pd = Channel::PagerDuty {
            url: link("https://events.pagerduty.example/v2/enqueue").into(),
            routing_key: Secret::Inline("R".into()),
            delivery: Delivery::default(),
        };
        let reminder =
            Notice { kind: NoticeKind::Reminder, severity: None, alert: None, title: "é".repeat(2000), ..page() };
        let body = rendered(&reminder, &pd, "handover/platform-sre/2026-03-02").body;
        assert_eq!(
            (&body["event_action"], &body["dedup_key"]),
            (&json!("trigger"), &json!("handover/platform-sre/2026-03-02"))
        );
        assert_eq!(body["payload"]["severity"], "warning");
        let summary = body["payload"]["summary"].as_str().unwrap();
        assert_eq!(summary.chars().count(), 1024);
        assert!(summary.ends_with('…'));

        let long = "x".repeat(300);
        let a = rendered(&reminder, &pd, &long).body["dedup_key"].clone();
        assert_eq!(a.as_str().unwrap().len(), "baton-sha256-".len() + 64);
        assert_eq!(a, rendered(&reminder, &pd, &long).body["dedup_key"], "the same key every time");
    }

    #[test]
    fn a_key_that_is_not_a_valid_header_value_is_percent_encoded() {
        let req = rendered(
            &page(),
            &Channel::Webhook { url: link("http://127.0.0.1:1/").into(), delivery: Delivery::default() },
            "page/straße 1%",
        );
        assert_eq!(req.headers[0].1, "page/stra%C3%9Fe%201%25");
        assert_eq!(req.body["idempotency_key"], "page/straße 1%", "the body keeps the key as it is");
    }
}
