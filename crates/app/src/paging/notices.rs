//! The words of a page and of the "stop paging" update that follows it.

use super::intake::alert_id;
use baton_core::notice::{AlertAction, Notice, NoticeKind, NoticeLink};
use baton_core::paging::{Alert, Page, Status};
use baton_core::Org;

fn alert_page_url(alert: &Alert, base: &str) -> String {
    format!("{base}/alerts/{}", alert_id(&alert.service, &alert.dedup_key))
}

fn links(alert: &Alert, base: Option<&str>) -> Vec<NoticeLink> {
    let mut links = Vec::new();
    if let Some(base) = base {
        links.push(NoticeLink { label: "Open in Baton".into(), url: alert_page_url(alert, base) });
    }
    if let Some(runbook) = &alert.runbook_url {
        links.push(NoticeLink { label: "Runbook".into(), url: runbook.to_string() });
    }
    links
}

/// The Alertmanager `alertname` label the alert came with (intake keeps an Alertmanager
/// alert's labels in its details), unless the summary already is just that.
fn alertname(alert: &Alert) -> Option<&str> {
    let name = alert.details.get("labels")?.get("alertname")?.as_str()?.trim();
    (!name.is_empty() && name != alert.summary).then_some(name)
}

/// `streamhub: HighErrorRate: 5xx above 2%`, or without the alert name when there is none.
/// No severity word: each channel shows the notice's severity its own way (a field of the
/// webhook body and of PagerDuty's event, the first word of a Slack line), and a title
/// that carried one too read "[CRITICAL] [RESOLVED]" on Slack.
fn title(alert: &Alert) -> String {
    match alertname(alert) {
        Some(name) => format!("{}: {name}: {}", alert.service, alert.summary),
        None => format!("{}: {}", alert.service, alert.summary),
    }
}

/// The page `page` of `alert`, for one person.
pub(crate) fn page_notice(org: &Org, alert: &Alert, page: &Page, base: Option<&str>) -> Notice {
    let name = org.people.get(&page.person).map_or(page.person.as_str(), |p| p.name.as_str());
    let what = match alertname(alert) {
        Some(alertname) => format!("{alertname}: {}", alert.summary),
        None => alert.summary.clone(),
    };
    let mut text = format!(
        "{name}, you are paged for {} (step {} of policy {}, round {}): {what}\nWhy this policy: {}",
        alert.service,
        page.step + 1,
        alert.policy,
        page.round + 1,
        alert.route_reason
    );
    if alert.runbook_missing {
        text.push_str("\nNo runbook came with this alert: please write one.");
    }
    Notice {
        kind: NoticeKind::Page,
        subject: format!("alert/{}", alert_id(&alert.service, &alert.dedup_key)),
        title: title(alert),
        text,
        to: vec![page.person.clone()],
        severity: Some(alert.severity),
        links: links(alert, base),
        alert: Some((alert.dedup_key.clone(), AlertAction::Trigger)),
    }
}

/// Paging for `alert` can stop: it was acknowledged or resolved.
pub(crate) fn update_notice(alert: &Alert, base: Option<&str>) -> Notice {
    let (action, stamp, verb) = if alert.status == Status::Resolved {
        (AlertAction::Resolve, alert.resolved.as_ref(), "resolved")
    } else {
        (AlertAction::Acknowledge, alert.acknowledged.as_ref(), "acknowledged")
    };
    let by = stamp.map_or_else(String::new, |s| format!(" by {}", s.by));
    Notice {
        kind: NoticeKind::PageUpdate,
        subject: format!("alert/{}", alert_id(&alert.service, &alert.dedup_key)),
        title: title(alert),
        text: format!("{} {verb}{by}: {}", alert.service, alert.summary),
        to: Vec::new(),
        severity: Some(alert.severity),
        links: links(alert, base),
        alert: Some((alert.dedup_key.clone(), action)),
    }
}

/// An SLO alert that opened, for a notification target of the SLO's alert policy (not a
/// person: the escalation policy pages people, the target is told).
pub(crate) fn target_notice(alert: &Alert, base: Option<&str>) -> Notice {
    Notice {
        kind: NoticeKind::Page,
        subject: format!("alert/{}", alert_id(&alert.service, &alert.dedup_key)),
        title: title(alert),
        text: format!("{}: {}\nPaging policy {} ({})", alert.service, alert.summary, alert.policy, alert.route_reason),
        to: Vec::new(),
        severity: Some(alert.severity),
        links: links(alert, base),
        alert: Some((alert.dedup_key.clone(), AlertAction::Trigger)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::paging::intake::alertmanager;
    use baton_core::paging::{Actor, Route};
    use baton_core::PersonId;

    fn alert(body: &str) -> Alert {
        let incoming = alertmanager(body.as_bytes()).unwrap().incoming.remove(0);
        let route = Route { policy: "platform-sre-24x7".parse().unwrap(), reason: "streamhub is sre-owned".into() };
        Alert::open("streamhub".parse().unwrap(), incoming, route, "2026-03-02T09:00:00Z".parse().unwrap()).unwrap()
    }

    fn page() -> Page {
        Page { person: PersonId::parse("marta.oyelaran").unwrap(), step: 0, round: 0, idempotency_key: "k".into() }
    }

    #[test]
    fn a_page_names_the_alertmanager_alertname_in_its_title_and_text() {
        let alert = alert(
            r#"{"version":"4","groupKey":"g","status":"firing","alerts":[{"labels":{"alertname":"HighErrorRate",
            "severity":"critical"},"annotations":{"summary":"5xx ratio above 2%"}}]}"#,
        );
        let notice = page_notice(&Org::default(), &alert, &page(), None);
        assert_eq!(notice.title, "streamhub: HighErrorRate: 5xx ratio above 2%", "no severity word: channels add it");
        assert!(
            notice.text.starts_with(
                "marta.oyelaran, you are paged for streamhub (step 1 of policy platform-sre-24x7, round 1): \
                 HighErrorRate: 5xx ratio above 2%\n"
            ),
            "{}",
            notice.text
        );

        let mut resolved = alert.clone();
        resolved.resolve(Actor::Source, "2026-03-02T09:05:00Z".parse().unwrap()).unwrap();
        let update = update_notice(&resolved, None);
        assert_eq!(update.title, "streamhub: HighErrorRate: 5xx ratio above 2%", "the word RESOLVED is the channel's");
        assert_eq!(update.alert, Some((alert.dedup_key.clone(), AlertAction::Resolve)));
    }

    #[test]
    fn an_alert_named_only_by_its_alertname_does_not_repeat_it() {
        let alert =
            alert(r#"{"version":"4","groupKey":"g","status":"firing","alerts":[{"labels":{"alertname":"DiskFull"}}]}"#);
        assert_eq!(page_notice(&Org::default(), &alert, &page(), None).title, "streamhub: DiskFull");
    }
}
