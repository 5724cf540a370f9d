//! Reading alerts (a page at a time, with their deliveries), acknowledging and resolving
//! them as a person, re-sending a dead letter, and the engine's steps for alerts
//! (escalation, a step nobody received) and integrations (heartbeats).

use super::intake::{alert_id, alert_write, Batch};
use super::INTEGRATION;
use crate::retry::on_conflict;
use crate::{AppError, Baton};
use baton_core::audit::AuditEntry;
use baton_core::paging::{
    may_resend_any, may_respond, responders, route_or_fallback, undelivered, AckLink, Actor, Alert, AlertError,
    DeliveryState, Integration, LinkError,
};
use baton_core::{Org, PersonId, ServiceId, TeamId, Timestamp};
use baton_store::{
    from_json, to_json, AlertCursor, AlertListQuery, DeliveryStatus, Notification, NotificationQuery, StoredAlert,
    StoredRecord,
};
use serde::{Deserialize, Serialize};

/// Which alerts to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AlertQuery {
    /// Only this service's.
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub service: Option<ServiceId>,
    /// Only open (triggered or acknowledged) alerts; the default. `false` lists resolved
    /// ones too, earlier incarnations included.
    pub open: Option<bool>,
    /// At most this many, newest first (default 200, at most 1000).
    pub limit: Option<usize>,
    /// The next page: the `next` cursor a previous page answered.
    pub after: Option<String>,
}

/// A page of alerts, newest first by last trigger.
#[derive(Debug, Clone, Serialize)]
pub struct AlertPage {
    pub alerts: Vec<AlertView>,
    /// The cursor of the next page (`after=`), when there may be one.
    pub next: Option<String>,
}

/// An alert as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertView {
    /// `<service>/<dedup key>`, or with `#<µs>` for an earlier incarnation.
    pub id: String,
    #[serde(flatten)]
    pub alert: Alert,
    /// The engine failed to handle the alert this many times in a row (it retries with a
    /// backoff); 0 and absent when it is fine.
    #[serde(skip_serializing_if = "is_zero")]
    pub engine_failures: i64,
    /// Why the engine's last attempt at it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine_error: Option<String>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// A link refused: not Baton's or expired (403), for an earlier incarnation (422), or the
/// alert answered already (409).
fn link_refused(e: LinkError) -> AppError {
    match e {
        LinkError::Forged | LinkError::Expired(_) => AppError::Forbidden(e.to_string()),
        LinkError::Earlier => AppError::Invalid { field: "link".into(), message: e.to_string() },
        LinkError::Answered(_) => AppError::Store(baton_store::StoreError::Conflict(e.to_string())),
    }
}

fn view(stored: &StoredAlert) -> Result<AlertView, AppError> {
    Ok(AlertView {
        id: stored.id.clone(),
        alert: from_json("alert", &stored.body)?,
        engine_failures: stored.due_failures,
        engine_error: stored.due_error.clone(),
    })
}

/// One message of an alert: a page to a person on one channel, or the update that
/// stopped the paging.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AlertDelivery))]
pub struct Delivery {
    /// The outbox message's id (what `POST /api/v1/notifications/{id}/resend` takes).
    pub id: i64,
    /// `page` or `page-update`.
    pub kind: String,
    /// `webhook`, `slack` or `pagerduty`.
    pub channel: String,
    /// The host it goes to (never the URL: Slack and PagerDuty URLs carry secrets).
    pub destination: String,
    /// Who it pages (person ids); empty for an update to the channel's audience.
    pub to: Vec<String>,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub queued_at: Timestamp,
    /// When it is tried next, while pending.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub next_attempt_at: Option<Timestamp>,
    /// The last failure: a status and its reason, or why there was no answer.
    pub last_error: Option<String>,
}

impl Delivery {
    fn of(n: &Notification) -> Delivery {
        let channel: serde_json::Value = serde_json::from_str(&n.channel).unwrap_or_default();
        let payload: serde_json::Value = serde_json::from_str(&n.payload).unwrap_or_default();
        let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|t| t.as_str()).unwrap_or_default().to_owned();
        let destination = host(&text(&channel, "url"));
        let to = payload.get("to").and_then(|t| t.as_array()).into_iter().flatten();
        Delivery {
            id: n.id,
            kind: text(&payload, "kind"),
            channel: text(&channel, "type"),
            destination,
            to: to.filter_map(|p| p.as_str().map(str::to_owned)).collect(),
            status: n.status.as_str().into(),
            attempts: n.attempts,
            queued_at: n.created_at,
            next_attempt_at: (n.status == DeliveryStatus::Pending).then_some(n.next_attempt_at),
            last_error: n.last_error.clone(),
        }
    }
}

/// `host[:port]` of an http(s) URL, without the user info a URL may carry.
fn host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once('@').map_or(authority, |(_, host)| host).to_owned()
}

/// The most messages one alert's deliveries list shows (a long escalation of a team of
/// many on several channels stays far below).
const DELIVERIES_SHOWN: i64 = 500;

/// `<µs>:<id>`: the last alert of a page, where the next one starts.
fn cursor(v: &AlertView) -> String {
    format!("{}:{}", v.alert.last_triggered_at.as_microsecond(), v.id)
}

fn parse_cursor(s: &str) -> Result<AlertCursor, AppError> {
    let bad = || AppError::Invalid {
        field: "after".into(),
        message: format!("`{s}` is not a cursor: pass the `next` value a previous page answered"),
    };
    let (micros, id) = s.split_once(':').ok_or_else(bad)?;
    let sort_at = micros.parse::<i64>().ok().and_then(|m| Timestamp::from_microsecond(m).ok()).ok_or_else(bad)?;
    Ok(AlertCursor { sort_at, id: id.to_owned() })
}

impl Baton {
    /// A page of alerts, read from the store's alert indexes: it costs what it returns.
    pub async fn alerts(&self, q: &AlertQuery) -> Result<AlertPage, AppError> {
        let limit = q.limit.unwrap_or(200).clamp(1, 1000);
        let query = AlertListQuery {
            service: q.service.as_ref().map(ToString::to_string),
            open_only: q.open.unwrap_or(true),
            after: q.after.as_deref().map(parse_cursor).transpose()?,
            limit: limit as i64 + 1,
        };
        let stored = self.store.list_alerts(&query).await?;
        let more = stored.len() > limit;
        let alerts = stored.iter().take(limit).map(view).collect::<Result<Vec<_>, _>>()?;
        let next = if more { alerts.last().map(cursor) } else { None };
        Ok(AlertPage { alerts, next })
    }

    pub async fn alert(&self, service: &ServiceId, dedup_key: &str) -> Result<AlertView, AppError> {
        let id = alert_id(service, dedup_key);
        let stored = self.store.alert(&id).await?.ok_or_else(|| AppError::NotFound(format!("no alert `{id}`")))?;
        view(&stored)
    }

    /// Every message about this incarnation of the alert, newest first: found by a range
    /// on the outbox's key index (an incarnation's keys start with its opening instant).
    pub async fn alert_deliveries(&self, alert: &Alert) -> Result<Vec<Delivery>, AppError> {
        let q = NotificationQuery {
            key_prefix: Some(alert.key_prefix()),
            subject: Some(format!("alert/{}", alert_id(&alert.service, &alert.dedup_key))),
            limit: DELIVERIES_SHOWN,
            ..Default::default()
        };
        Ok(self.store.notifications(&q).await?.iter().map(Delivery::of).collect())
    }

    /// Sends dead letter `id` again, as `actor`: for an alert's message, someone who may
    /// respond to the alert; for anything else, a member of an SRE team. Audited.
    pub async fn resend_notification(&self, actor: &PersonId, id: i64) -> Result<Delivery, AppError> {
        let n =
            self.store.notification(id).await?.ok_or_else(|| AppError::NotFound(format!("no notification {id}")))?;
        if n.status != DeliveryStatus::Dead {
            return Err(AppError::Store(baton_store::StoreError::Conflict(format!(
                "notification {id} is {}, not dead: only a dead letter is sent again",
                n.status.as_str()
            ))));
        }
        match n.subject.strip_prefix("alert/") {
            Some(alert) => {
                let stored = self.store.alert(alert).await?;
                let alert: Option<Alert> = stored.map(|s| from_json("alert", &s.body)).transpose()?;
                match alert {
                    Some(alert) => self.may_respond(actor, &alert).await?,
                    None => may_resend_any(&*self.org().await?, actor)?,
                }
            }
            None => may_resend_any(&*self.org().await?, actor)?,
        }
        let audit = AuditEntry {
            actor: actor.to_string(),
            action: "notification.resend".into(),
            subject: n.subject.clone(),
            reason: None,
            details: to_json(&serde_json::json!({ "id": id, "key": n.key, "attempts": n.attempts }))?,
        };
        let requeued = self.store.requeue_notification(id, audit, self.now()).await?;
        self.paging.wake.notify_one();
        Ok(Delivery::of(&requeued))
    }

    /// Members of the service's owner team, of its SRE team, and of the team whose policy
    /// pages for the alert may acknowledge and resolve it (`core::paging::responders`).
    async fn may_respond(&self, actor: &PersonId, alert: &Alert) -> Result<(), AppError> {
        let org = self.org().await?;
        let teams = self.responder_teams(&org, alert).await?;
        Ok(may_respond(&org, &alert.service, &teams, actor)?)
    }

    /// Whether `actor` may respond to `alert` (acknowledge, escalate, reassign, resolve),
    /// and if not, why: core's rule, for pages to offer only what would be accepted.
    pub async fn responds_to(&self, actor: &PersonId, alert: &Alert) -> Result<Result<(), String>, AppError> {
        match self.may_respond(actor, alert).await {
            Ok(()) => Ok(Ok(())),
            Err(AppError::Forbidden(why)) => Ok(Err(why)),
            Err(e) => Err(e),
        }
    }

    /// Whom `alert` can be handed to ([`Baton::reassign_alert`]): the members of the teams
    /// that answer for it, each once, in team order.
    pub async fn reassign_candidates(&self, alert: &Alert) -> Result<Vec<PersonId>, AppError> {
        let org = self.org().await?;
        let mut out: Vec<PersonId> = Vec::new();
        for team in self.responder_teams(&org, alert).await? {
            for m in org.teams.get(&team).map(|t| t.members.as_slice()).unwrap_or_default() {
                if !out.contains(m) {
                    out.push(m.clone());
                }
            }
        }
        Ok(out)
    }

    /// The teams that answer for `alert`: its service's owner and SRE teams and the team
    /// of the policy that pages for it (`core::paging::responders`).
    pub(crate) async fn responder_teams(&self, org: &Org, alert: &Alert) -> Result<Vec<TeamId>, AppError> {
        let record = self.store.service_record(&alert.service).await?.map(|v| v.value).unwrap_or_default();
        Ok(responders(
            org.services.get(&alert.service).map(|s| &s.owner_team),
            record.sre_team(),
            org.escalations.get(&alert.policy).map(|p| &p.team),
        ))
    }

    /// Acknowledges (`resolve == false`) or resolves an alert as `actor`: escalation stops,
    /// the policy's channels hear of it, and the audit log records who.
    pub async fn respond_to_alert(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        dedup_key: &str,
        resolve: bool,
    ) -> Result<AlertView, AppError> {
        let (id, stored, mut alert) = self.alert_to_change(actor, service, dedup_key).await?;
        let now = self.now();
        let by = Actor::Person(actor.clone());
        let done = if resolve { alert.resolve(by, now) } else { alert.acknowledge(by, now) };
        match done {
            Ok(()) => {}
            // Already done (perhaps by this very request, retried): not an error to report.
            Err(AlertError::AlreadyAcknowledged(_)) if !resolve => return view(&stored),
            Err(AlertError::AlreadyResolved(_)) => return view(&stored),
            Err(e) => return Err(AppError::Invalid { field: "alert".into(), message: e.to_string() }),
        }
        let action = if resolve { "alert.resolve" } else { "alert.acknowledge" };
        // The policy's channels hear of acknowledgements and resolutions only (a note, an
        // escalation or a reassignment is not one, and the update's key is sent once).
        let mut batch = Batch::new(self).await?;
        batch.queue_update(&alert)?;
        self.commit_alert_change(batch, actor, id, &stored, alert, action, None).await
    }

    /// A responder's note on an alert (`Alert::add_note`), kept in its history and audited.
    pub async fn note_alert(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        dedup_key: &str,
        text: &str,
    ) -> Result<AlertView, AppError> {
        let (id, stored, mut alert) = self.alert_to_change(actor, service, dedup_key).await?;
        alert
            .add_note(actor.clone(), text, self.now())
            .map_err(|e| AppError::Invalid { field: "text".into(), message: e.to_string() })?;
        self.commit_alert_change(
            Batch::new(self).await?,
            actor,
            id,
            &stored,
            alert,
            "alert.note",
            Some(text.trim().to_owned()),
        )
        .await
    }

    /// Runs the alert's next escalation step now (`Alert::escalate_now`): the engine takes
    /// it at once, as it would at its time.
    pub async fn escalate_alert_now(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        dedup_key: &str,
    ) -> Result<AlertView, AppError> {
        let (id, stored, mut alert) = self.alert_to_change(actor, service, dedup_key).await?;
        alert
            .escalate_now(actor.clone(), self.now())
            .map_err(|e| AppError::Invalid { field: "alert".into(), message: e.to_string() })?;
        self.commit_alert_change(Batch::new(self).await?, actor, id, &stored, alert, "alert.escalate", None).await
    }

    /// The alert `actor` means to change, if they may respond to it.
    async fn alert_to_change(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        dedup_key: &str,
    ) -> Result<(String, StoredAlert, Alert), AppError> {
        let id = alert_id(service, dedup_key);
        let stored = self.store.alert(&id).await?.ok_or_else(|| AppError::NotFound(format!("no alert `{id}`")))?;
        let alert: Alert = from_json("alert", &stored.body)?;
        self.may_respond(actor, &alert).await?;
        Ok((id, stored, alert))
    }

    /// Hands the alert to `to` and pages them now (`Alert::reassign`), in one commit with
    /// its audit record; only a responder may (as for acknowledging).
    pub async fn reassign_alert(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        dedup_key: &str,
        to: &PersonId,
    ) -> Result<AlertView, AppError> {
        let (id, stored, mut alert) = self.alert_to_change(actor, service, dedup_key).await?;
        let mut batch = Batch::new(self).await?;
        batch.reassign(&mut alert, to, actor).await?;
        self.commit_alert_change(batch, actor, id, &stored, alert, "alert.reassign", Some(format!("to {to}"))).await
    }

    /// Stores a person's change to an alert with what `batch` queued for it and its audit
    /// record, in one commit, and wakes the engine (a changed alert may be due now).
    #[allow(clippy::too_many_arguments)]
    async fn commit_alert_change(
        &self,
        mut batch: Batch<'_>,
        actor: &PersonId,
        id: String,
        stored: &StoredAlert,
        alert: Alert,
        action: &str,
        reason: Option<String>,
    ) -> Result<AlertView, AppError> {
        batch.audit(AuditEntry {
            actor: actor.to_string(),
            action: action.into(),
            subject: format!("alert/{id}"),
            reason,
            details: to_json(&serde_json::json!({ "opened_at": alert.opened_at, "summary": alert.summary }))?,
        });
        let mut commit = batch.into_commit()?;
        commit.alerts.push(alert_write(id.clone(), stored.version, &alert)?);
        self.store.commit(&commit, self.now()).await?;
        self.paging.wake.notify_one();
        Ok(AlertView { id, alert, engine_failures: 0, engine_error: None })
    }

    /// The alert an acknowledge link (`/a/<token>`) names, if Baton signed the link and it
    /// has not expired: what the page that asks for the one press shows.
    pub async fn ack_link(&self, token: &str) -> Result<(AckLink, AlertView), AppError> {
        let (link, stored) = self.linked_alert(token).await?;
        Ok((link, view(&stored)?))
    }

    async fn linked_alert(&self, token: &str) -> Result<(AckLink, StoredAlert), AppError> {
        let link = AckLink::verify(token, &self.link_key().await?, self.now()).map_err(link_refused)?;
        let stored = self
            .store
            .alert(&link.alert)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no alert `{}`", link.alert)))?;
        Ok((link, stored))
    }

    /// Acknowledges the alert an acknowledge link names, as the person it was sent to:
    /// once (a used link, or one for an alert answered since, is refused and changes
    /// nothing), audited like an acknowledgement in the API.
    pub async fn acknowledge_by_link(&self, token: &str) -> Result<AlertView, AppError> {
        on_conflict!({
            let (link, stored) = self.linked_alert(token).await?;
            let mut alert: Alert = from_json("alert", &stored.body)?;
            let now = self.now();
            link.acknowledge(&mut alert, now).map_err(link_refused)?;
            let version = stored.version;
            let mut batch = Batch::new(self).await?;
            batch.queue_update(&alert)?;
            batch.audit(AuditEntry {
                actor: link.person.to_string(),
                action: "alert.acknowledge".into(),
                subject: format!("alert/{}", link.alert),
                reason: None,
                details: to_json(&serde_json::json!({
                    "opened_at": alert.opened_at, "summary": alert.summary, "via": "acknowledge link",
                }))?,
            });
            let mut commit = batch.into_commit()?;
            commit.alerts.push(alert_write(link.alert.clone(), version, &alert)?);
            self.store.commit(&commit, now).await?;
            self.paging.wake.notify_one();
            Ok(AlertView { id: link.alert.clone(), alert, engine_failures: 0, engine_error: None })
        })
    }

    /// The engine's step for a due alert: run its escalation step. An alert due before
    /// its next step was made so by a failed page ([`Baton::page_failed`]): if nothing of
    /// its last step got through, the next step runs now.
    pub(crate) async fn escalate_due(&self, stored: &StoredAlert) -> Result<(), AppError> {
        let mut alert: Alert = from_json("alert", &stored.body)?;
        let now = self.now();
        if alert.escalation.next_at.is_some_and(|at| at > now) {
            self.move_on_if_undelivered(&mut alert, now).await?;
        }
        let mut batch = Batch::new(self).await?;
        if alert.is_open() {
            batch.escalate(&mut alert).await?;
        }
        let mut commit = batch.into_commit()?;
        commit.alerts.push(alert_write(stored.id.clone(), stored.version, &alert)?);
        self.store.commit(&commit, now).await?;
        self.paging.wake.notify_one();
        Ok(())
    }

    async fn move_on_if_undelivered(&self, alert: &mut Alert, now: Timestamp) -> Result<(), AppError> {
        let Some((step, round)) = alert.last_step() else { return Ok(()) };
        let q = NotificationQuery {
            key_prefix: Some(alert.step_key_prefix(step, round)),
            subject: Some(format!("alert/{}", alert_id(&alert.service, &alert.dedup_key))),
            limit: DELIVERIES_SHOWN,
            ..Default::default()
        };
        let messages = self.store.notifications(&q).await?;
        let states: Vec<DeliveryState> = messages
            .iter()
            .map(|m| DeliveryState { attempts: m.attempts, delivered: m.status == DeliveryStatus::Delivered })
            .collect();
        if undelivered(&states) {
            let mut errors: Vec<&str> = messages.iter().filter_map(|m| m.last_error.as_deref()).collect();
            errors.sort_unstable();
            errors.dedup();
            alert.step_undelivered(&errors.join("; "), now);
        }
        Ok(())
    }

    /// The open alerts that `org` leaves without their policy (or that were stranded),
    /// with what would happen to each under it: what `apply --dry-run` lists.
    pub(crate) async fn alerts_to_route(&self, org: &baton_core::Org) -> Result<Vec<(StoredAlert, String)>, AppError> {
        let mut out = Vec::new();
        for stored in self.open_alerts().await? {
            let alert: Alert = from_json("alert", &stored.body)?;
            if !alert.needs_route(org) {
                continue;
            }
            let record = self.store.service_record(&alert.service).await?.map(|v| v.value).unwrap_or_default();
            let line = match route_or_fallback(org, &alert.service, &record, alert.severity) {
                Ok(route) => format!(
                    "alert {} (policy {}): routed to {}: {}",
                    stored.id, alert.policy, route.policy, route.reason
                ),
                Err(no) => format!("alert {} (policy {}): stranded, paging nobody: {no}", stored.id, alert.policy),
            };
            out.push((stored, line));
        }
        Ok(out)
    }

    /// Routes again every open alert the applied definitions left without a policy.
    pub(crate) async fn route_open_alerts(&self) -> Result<(), AppError> {
        let org = self.org().await?;
        for (stored, _) in self.alerts_to_route(&org).await? {
            match self.escalate_due(&stored).await {
                Ok(()) | Err(AppError::Store(baton_store::StoreError::Conflict(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Every open alert, a page at a time.
    pub(crate) async fn open_alerts(&self) -> Result<Vec<StoredAlert>, AppError> {
        let mut out: Vec<StoredAlert> = Vec::new();
        loop {
            let after = out.last().map(|a| AlertCursor { sort_at: a.sort_at, id: a.id.clone() });
            let q = AlertListQuery { service: None, open_only: true, after, limit: 1000 };
            let page = self.store.list_alerts(&q).await?;
            let full = page.len() == 1000;
            out.extend(page);
            if !full {
                return Ok(out);
            }
        }
    }

    /// The sender's word that an attempt at `message` failed: if it pages for an open
    /// alert, the engine looks at the alert now rather than when its next step is due.
    pub async fn page_failed(&self, message: &Notification) {
        let Some(alert) = message.subject.strip_prefix("alert/") else { return };
        if !message.payload.contains(r#""kind":"page""#) {
            return;
        }
        if let Err(e) = self.store.hasten_alert(alert, self.now()).await {
            tracing::warn!(alert, error = %e, "could not make the alert due after a failed page");
        }
    }

    /// The engine's step for a due integration: its heartbeat is missed, raise its alert.
    pub(crate) async fn check_heartbeat(&self, record: &StoredRecord, now: Timestamp) -> Result<(), AppError> {
        let mut integration: Integration = from_json("integration", &record.body)?;
        let mut batch = Batch::new(self).await?;
        if let Some(event) = integration.check_heartbeat(now) {
            let service = integration.service.clone();
            batch.event(&service, event).await?;
        }
        batch.put_integration(record.version, integration);
        let commit = batch.into_commit()?;
        debug_assert!(commit.records.iter().any(|r| r.kind == INTEGRATION));
        self.store.commit(&commit, now).await?;
        self.paging.wake.notify_one();
        Ok(())
    }
}
