//! The on-call work of a rotation besides the handover: the current shift with its duties
//! (ticked by the person on call), the on-call log, requests for help to the rest of the
//! team, and the runbooks left to write. Who may do what, and what an entry must hold, is
//! `baton_core::oncall`'s; this moves records in and out of the store.
//!
//! Records (JSON bodies are `core` types):
//! - `oncall-log` `<rotation>/<seq, 10 digits>`: a [`LogEntry`]; numbered from 1, so ids sort
//!   in the order written.
//! - `oncall-runbook-todo` `<rotation>/<todo id>`: a [`RunbookTodo`], open until resolved.
//! - `oncall-duties` `<rotation>/<shift start>`: the [`ShiftDuties`] ticked on that shift.

use crate::decision::{audit, record_write, Subject};
use crate::outbox::{messages, team_channels};
use crate::retry::on_conflict;
use crate::{AppError, Baton};
use baton_core::oncall::{
    check_on_call, check_team_member, DutyDone, LogEntry, LogKind, NewLogEntry, RotationId, RunbookTodo, ShiftDuties,
    WorkError,
};
use baton_core::org::RotationDef;
use baton_core::{Link, Org, PersonId, TeamId, Timestamp};
use baton_store::{from_json, Commit, StoreError};
use serde::Serialize;
use std::sync::Arc;

pub const LOG_KIND: &str = "oncall-log";
pub const TODO_KIND: &str = "oncall-runbook-todo";
pub const DUTIES_KIND: &str = "oncall-duties";
/// The most log entries one read returns.
pub const MAX_LOG_PAGE: usize = 200;
/// A page of the on-call log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<u64>,
}

/// One duty of the current shift, ticked or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DutyLine {
    /// Its position in the rotation's duties, from 1: what `POST .../duties/{n}` takes.
    pub n: usize,
    pub duty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<DutyDone>,
}

/// The shift under way: who holds it and why, until when, and its duties.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentShift {
    pub rotation: RotationId,
    pub rotation_name: String,
    pub team: TeamId,
    pub person: PersonId,
    pub person_name: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Why they are on call, in a sentence.
    pub because: String,
    pub duties: Vec<DutyLine>,
}

/// A refusal from `core`, as the app reports it.
pub(crate) fn work(e: WorkError) -> AppError {
    match e {
        WorkError::Invalid { field, message } => AppError::Invalid { field, message },
        WorkError::Forbidden(m) => AppError::Forbidden(m),
        WorkError::AlreadyDone(m) => AppError::Store(StoreError::Conflict(m)),
    }
}

fn log_id(rotation: &RotationId, seq: u64) -> String {
    format!("{rotation}/{seq:010}")
}

/// The writes that open `todo` (a runbook to write) on its rotation, with their audit
/// record, for a caller to add to its own [`Commit`] (`commit.extend(..)`), so the to-do
/// is opened in the same transaction as the decision that leaves it — paging, say, for an
/// alert that paged without a `runbook_url`:
///
/// ```ignore
/// let todo = RunbookTodo::open(rotation, &format!("alert-{key}"), &alert.summary, links, "system:paging", now)?;
/// commit.extend(baton_app::runbook_todo(&todo, "system:paging")?);
/// ```
///
/// The record is created with `expected_version` 0: if a to-do with this id exists on the
/// rotation the whole commit fails with `Conflict`, so use an id unique to the incident.
pub fn runbook_todo(todo: &RunbookTodo, actor: &str) -> Result<Commit, AppError> {
    Ok(Commit {
        alerts: Vec::new(),
        records: vec![record_write(TODO_KIND, format!("{}/{}", todo.rotation, todo.id), 0, todo, None)?],
        audit: vec![audit(actor, "oncall.runbook-to-write", Subject::Rotation(&todo.rotation), todo)?],
        notifications: vec![],
    })
}

impl Baton {
    /// The org and the definition of `rotation`, or `NotFound` naming the defined ones.
    pub(crate) async fn rotation_for_work(&self, rotation: &RotationId) -> Result<(Arc<Org>, RotationDef), AppError> {
        let org = self.org().await?;
        let def = org.rotations.get(rotation).cloned().ok_or_else(|| {
            let known: Vec<&str> = org.rotations.keys().map(RotationId::as_str).collect();
            AppError::NotFound(format!("no rotation `{rotation}` is defined (defined: {})", known.join(", ")))
        })?;
        Ok((org, def))
    }

    /// Who is on call for `rotation` at `at`; none before its first shift change.
    pub(crate) async fn holder_at(
        &self,
        rotation: &RotationId,
        at: Timestamp,
    ) -> Result<Option<crate::OnCallView>, AppError> {
        match self.who(rotation, Some(at)).await {
            Ok(v) => Ok(Some(v)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The shift under way and its duties, ticked or not.
    pub async fn current_shift(&self, rotation: &RotationId) -> Result<CurrentShift, AppError> {
        let (org, def) = self.rotation_for_work(rotation).await?;
        let now = self.now();
        let view = self.who(rotation, Some(now)).await?;
        let ticks = match self.store.record(DUTIES_KIND, &format!("{rotation}/{}", view.start)).await? {
            Some(r) => from_json::<ShiftDuties>("shift duties", &r.body)?,
            None => ShiftDuties::new(rotation.clone(), view.start),
        };
        let duties = def
            .duties
            .iter()
            .enumerate()
            .map(|(i, duty)| DutyLine { n: i + 1, duty: duty.clone(), done: ticks.done(i + 1).cloned() })
            .collect();
        let person_name =
            org.people.get(&view.person.id).map_or_else(|| view.person.id.to_string(), |p| p.name.clone());
        Ok(CurrentShift {
            rotation: rotation.clone(),
            rotation_name: def.name.clone(),
            team: def.team.clone(),
            person: view.person.id,
            person_name,
            start: view.start,
            end: view.end,
            because: view.because,
            duties,
        })
    }

    /// The person on call ticks duty `n` (from 1) of the current shift; ticking a ticked
    /// duty changes nothing.
    pub async fn tick_duty(&self, rotation: &RotationId, n: usize, by: &PersonId) -> Result<CurrentShift, AppError> {
        on_conflict!({
            let (org, def) = self.rotation_for_work(rotation).await?;
            let now = self.now();
            let view = self.who(rotation, Some(now)).await?;
            check_on_call(&org, rotation, &view.person.id, view.end, by, "tick the duties of the current shift")
                .map_err(work)?;
            let id = format!("{rotation}/{}", view.start);
            let stored = self.store.record(DUTIES_KIND, &id).await?;
            let mut ticks = match &stored {
                Some(r) => from_json::<ShiftDuties>("shift duties", &r.body)?,
                None => ShiftDuties::new(rotation.clone(), view.start),
            };
            if !ticks.tick(&def.duties, n, by, now).map_err(work)? {
                return Ok(());
            }
            let done = ticks.done(n).cloned();
            let commit = Commit {
                alerts: Vec::new(),
                records: vec![record_write(DUTIES_KIND, id, stored.map_or(0, |r| r.version), &ticks, None)?],
                audit: vec![audit(
                    by,
                    "oncall.duty-done",
                    Subject::Rotation(rotation),
                    &serde_json::json!({ "shift_start": view.start, "done": done }),
                )?],
                notifications: vec![],
            };
            self.store.commit(&commit, now).await?;
            Ok(())
        })?;
        self.current_shift(rotation).await
    }

    /// Every entry of the log, oldest first.
    async fn log_entries(&self, rotation: &RotationId) -> Result<Vec<LogEntry>, AppError> {
        let records = self.store.records(LOG_KIND, &format!("{rotation}/")).await?;
        let mut entries = records
            .iter()
            .map(|r| from_json::<LogEntry>("on-call log entry", &r.body))
            .collect::<Result<Vec<_>, _>>()?;
        entries.sort_by_key(|e| e.seq);
        Ok(entries)
    }

    /// The log, newest first: at most `limit` entries (50 by default) numbered below `before`.
    pub async fn oncall_log(
        &self,
        rotation: &RotationId,
        before: Option<u64>,
        limit: Option<usize>,
    ) -> Result<LogPage, AppError> {
        let limit = limit.unwrap_or(50);
        if !(1..=MAX_LOG_PAGE).contains(&limit) {
            return Err(AppError::Invalid {
                field: "limit".into(),
                message: format!("{limit} is not from 1 to {MAX_LOG_PAGE}"),
            });
        }
        self.rotation_for_work(rotation).await?;
        let all = self.log_entries(rotation).await?;
        let mut older: Vec<LogEntry> =
            all.into_iter().rev().filter(|e| before.is_none_or(|b| e.seq < b)).take(limit + 1).collect();
        let more = older.len() > limit;
        older.truncate(limit);
        let next_before = if more { older.last().map(|e| e.seq) } else { None };
        Ok(LogPage { entries: older, next_before })
    }

    /// A member of the rotation's team writes in its log. An incident closed without a
    /// runbook opens a runbook to write in the same commit; a `help` entry asks the rest
    /// of the team for help (see [`Baton::ask_for_help`]).
    pub async fn write_log(
        &self,
        rotation: &RotationId,
        by: &PersonId,
        new: NewLogEntry,
    ) -> Result<LogEntry, AppError> {
        on_conflict!(self.try_write_log(rotation, by, new.clone()).await)
    }

    async fn try_write_log(
        &self,
        rotation: &RotationId,
        by: &PersonId,
        new: NewLogEntry,
    ) -> Result<LogEntry, AppError> {
        let (org, def) = self.rotation_for_work(rotation).await?;
        let what = if new.kind == LogKind::Help { "ask for help" } else { "write in the on-call log" };
        check_team_member(&org, &def, by, what).map_err(work)?;
        let now = self.now();
        let on_call = self.holder_at(rotation, now).await?.map(|v| v.person.id);
        let seq = self.log_entries(rotation).await?.last().map_or(1, |e| e.seq + 1);
        let entry = LogEntry::write(rotation.clone(), seq, new, by.clone(), now, on_call.clone()).map_err(work)?;
        let action = if entry.kind == LogKind::Help { "oncall.help" } else { "oncall.log" };
        let mut commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(LOG_KIND, log_id(rotation, seq), 0, &entry, None)?],
            audit: vec![audit(by, action, Subject::Rotation(rotation), &entry)?],
            notifications: vec![],
        };
        if let Some(todo) = RunbookTodo::from_log(&entry) {
            commit.extend(runbook_todo(&todo, by.as_str())?);
        }
        if entry.kind == LogKind::Help {
            // Everyone else in the team: the off-call engineers who back the on-call one up.
            let to: Vec<PersonId> = org
                .teams
                .get(&def.team)
                .map(|t| t.members.iter().filter(|m| *m != by && Some(*m) != on_call.as_ref()).cloned().collect())
                .unwrap_or_default();
            let notice = entry.help_notice(&org, &def.name, to);
            let channels = team_channels(&org, &def.team);
            if channels.is_empty() {
                tracing::warn!(team = %def.team, "a request for help is logged, but the team has no channel to notify");
            }
            commit.notifications = messages(&notice, &channels, &format!("help/{rotation}/{seq}"), now)?;
        }
        self.store.commit(&commit, now).await?;
        if !commit.notifications.is_empty() {
            self.outbox_wake().notify_one();
        }
        Ok(entry)
    }

    /// The on-call engineer (or anyone in the team) asks the rest of the team for help:
    /// a `help` entry in the log, and an Info notice on the team's channels for everyone
    /// in the team but the requester and the person on call.
    pub async fn ask_for_help(
        &self,
        rotation: &RotationId,
        by: &PersonId,
        text: &str,
        links: Vec<Link>,
    ) -> Result<LogEntry, AppError> {
        let new = NewLogEntry { kind: LogKind::Help, text: text.into(), links, incident_closed: false, runbook: None };
        self.write_log(rotation, by, new).await
    }

    /// The rotation's runbooks to write, oldest first: the open ones, or all.
    pub async fn runbook_todos(&self, rotation: &RotationId, open_only: bool) -> Result<Vec<RunbookTodo>, AppError> {
        self.rotation_for_work(rotation).await?;
        let mut todos = Vec::new();
        for r in self.store.records(TODO_KIND, &format!("{rotation}/")).await? {
            let todo: RunbookTodo = from_json("runbook to write", &r.body)?;
            if todo.is_open() || !open_only {
                todos.push(todo);
            }
        }
        todos.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        Ok(todos)
    }

    /// A member of the team links the runbook written for to-do `id`, which closes it.
    pub async fn resolve_runbook_todo(
        &self,
        rotation: &RotationId,
        id: &str,
        by: &PersonId,
        runbook: Link,
    ) -> Result<RunbookTodo, AppError> {
        let (org, def) = self.rotation_for_work(rotation).await?;
        check_team_member(&org, &def, by, "link a runbook").map_err(work)?;
        let record_id = format!("{rotation}/{id}");
        let stored = self
            .store
            .record(TODO_KIND, &record_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("rotation `{rotation}` has no runbook to write `{id}`")))?;
        let mut todo: RunbookTodo = from_json("runbook to write", &stored.body)?;
        let now = self.now();
        todo.resolve(runbook, by.clone(), now).map_err(work)?;
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(TODO_KIND, record_id, stored.version, &todo, None)?],
            audit: vec![audit(by, "oncall.runbook-linked", Subject::Rotation(rotation), &todo)?],
            notifications: vec![],
        };
        self.store.commit(&commit, now).await?;
        Ok(todo)
    }
}
