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

/// The page `page` of `alert`, for one person.
pub(crate) fn page_notice(org: &Org, alert: &Alert, page: &Page, base: Option<&str>) -> Notice {
    let name = org.people.get(&page.person).map_or(page.person.as_str(), |p| p.name.as_str());
    let mut text = format!(
        "{name}, you are paged for {} (step {} of policy {}, round {}): {}\nWhy this policy: {}",
        alert.service,
        page.step + 1,
        alert.policy,
        page.round + 1,
        alert.summary,
        alert.route_reason
    );
    if alert.runbook_missing {
        text.push_str("\nNo runbook came with this alert: please write one.");
    }
    Notice {
        kind: NoticeKind::Page,
        subject: format!("alert/{}", alert_id(&alert.service, &alert.dedup_key)),
        title: format!("[{}] {}: {}", alert.severity.as_str().to_uppercase(), alert.service, alert.summary),
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
        title: format!("[{}] {}: {}", verb.to_uppercase(), alert.service, alert.summary),
        text: format!("{} {verb}{by}: {}", alert.service, alert.summary),
        to: Vec::new(),
        severity: Some(alert.severity),
        links: links(alert, base),
        alert: Some((alert.dedup_key.clone(), action)),
    }
}
