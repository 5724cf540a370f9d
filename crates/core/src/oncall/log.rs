//! The on-call log of a rotation: what was done on shift — a question answered, an
//! incident, a runbook written or updated, a note, a request for help — each entry with
//! its links, numbered in the order written. The support process asks the on-call engineer
//! to "document your topic work in the on-call log"; the next one reads it.

use super::work::{text, WorkError};
use super::RotationId;
use crate::notice::{Notice, NoticeKind, NoticeLink};
use crate::{Link, Org, PersonId, Timestamp};
use serde::{Deserialize, Serialize};

/// The longest entry text kept, in characters.
pub const MAX_LOG_TEXT: usize = 4000;
/// The most links one entry carries.
pub const MAX_LOG_LINKS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum LogKind {
    /// A question from a user, answered.
    Question,
    /// Something broke; `incident_closed` says whether it is over.
    Incident,
    /// A runbook written or updated (`runbook` links it).
    Runbook,
    Note,
    /// The on-call engineer asked the rest of the team for help.
    Help,
}

impl LogKind {
    pub const ALL: [LogKind; 5] =
        [LogKind::Question, LogKind::Incident, LogKind::Runbook, LogKind::Note, LogKind::Help];

    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Question => "question",
            LogKind::Incident => "incident",
            LogKind::Runbook => "runbook",
            LogKind::Note => "note",
            LogKind::Help => "help",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for LogKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entry as a person writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogEntry {
    pub kind: LogKind,
    pub text: String,
    pub links: Vec<Link>,
    /// For an incident: it is over. Closed without a `runbook`, it leaves a runbook to write.
    pub incident_closed: bool,
    /// The runbook followed, written or updated.
    pub runbook: Option<Link>,
}

/// An entry as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub rotation: RotationId,
    /// Its number in the rotation's log, from 1 in the order written.
    pub seq: u64,
    pub kind: LogKind,
    pub text: String,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub incident_closed: bool,
    #[serde(default)]
    pub runbook: Option<Link>,
    pub by: PersonId,
    pub at: Timestamp,
    /// Who was on call when it was written; none before the rotation's first shift change.
    #[serde(default)]
    pub on_call: Option<PersonId>,
}

impl LogEntry {
    /// Checks `new` and makes it entry `seq` of `rotation`'s log.
    pub fn write(
        rotation: RotationId,
        seq: u64,
        new: NewLogEntry,
        by: PersonId,
        at: Timestamp,
        on_call: Option<PersonId>,
    ) -> Result<Self, WorkError> {
        let text = text("text", &new.text, MAX_LOG_TEXT, "say what was asked, what happened or what was done")?;
        if new.links.len() > MAX_LOG_LINKS {
            return Err(WorkError::invalid(
                "links",
                format!("{} links; an entry carries at most {MAX_LOG_LINKS}", new.links.len()),
            ));
        }
        if new.incident_closed && new.kind != LogKind::Incident {
            return Err(WorkError::invalid(
                "incident_closed",
                format!("only an incident is closed; this entry is a {}", new.kind),
            ));
        }
        if new.kind == LogKind::Runbook && new.runbook.is_none() {
            return Err(WorkError::invalid("runbook", "a runbook entry links the runbook written or updated"));
        }
        if new.runbook.is_some() && !matches!(new.kind, LogKind::Incident | LogKind::Runbook) {
            return Err(WorkError::invalid(
                "runbook",
                format!("only an incident or a runbook entry links a runbook; this entry is a {}", new.kind),
            ));
        }
        Ok(LogEntry {
            rotation,
            seq,
            kind: new.kind,
            text,
            links: new.links,
            incident_closed: new.incident_closed,
            runbook: new.runbook,
            by,
            at,
            on_call,
        })
    }

    /// An incident closed without a runbook: the process asks for one to be written, "for
    /// the next on-call engineer".
    pub fn leaves_runbook_to_write(&self) -> bool {
        self.kind == LogKind::Incident && self.incident_closed && self.runbook.is_none()
    }

    /// The request for help of a `help` entry, for the off-call members `to`: the process
    /// has them back the on-call engineer up when no runbook says what to do.
    pub fn help_notice(&self, org: &Org, rotation_name: &str, to: Vec<PersonId>) -> Notice {
        let by = org.people.get(&self.by).map_or_else(|| self.by.to_string(), |p| p.name.clone());
        let mut text = self.text.clone();
        for link in &self.links {
            text.push_str(&format!("\n{link}"));
        }
        Notice {
            kind: NoticeKind::Info,
            subject: format!("help/{}/{}", self.rotation, self.seq),
            title: format!("{by} asks for help ({rotation_name})"),
            text,
            to,
            severity: None,
            links: self.links.iter().map(|l| NoticeLink { label: "context".into(), url: l.to_string() }).collect(),
            alert: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(kind: LogKind, text: &str) -> NewLogEntry {
        NewLogEntry { kind, text: text.into(), links: vec![], incident_closed: false, runbook: None }
    }

    fn write(n: NewLogEntry) -> Result<LogEntry, WorkError> {
        LogEntry::write(
            RotationId::parse("addon-sre").unwrap(),
            1,
            n,
            PersonId::parse("aoife.delacroix").unwrap(),
            Timestamp::UNIX_EPOCH,
            None,
        )
    }

    fn field(e: WorkError) -> String {
        match e {
            WorkError::Invalid { field, .. } => field,
            other => panic!("not invalid: {other}"),
        }
    }

    #[test]
    fn text_is_trimmed_and_must_say_something() {
        assert_eq!(write(new(LogKind::Note, "  quiet night \n")).unwrap().text, "quiet night");
        assert_eq!(field(write(new(LogKind::Note, " \n ")).unwrap_err()), "text");
        assert_eq!(field(write(new(LogKind::Note, &"x".repeat(MAX_LOG_TEXT + 1))).unwrap_err()), "text");
    }

    #[test]
    fn only_an_incident_closed_without_a_runbook_leaves_one_to_write() {
        let closed = NewLogEntry { incident_closed: true, ..new(LogKind::Incident, "streamhub lag") };
        assert!(write(closed.clone()).unwrap().leaves_runbook_to_write());
        let with_runbook =
            NewLogEntry { runbook: Some(Link::parse("https://runbooks.example.com/lag").unwrap()), ..closed };
        assert!(!write(with_runbook).unwrap().leaves_runbook_to_write());
        assert!(!write(new(LogKind::Incident, "still burning")).unwrap().leaves_runbook_to_write());
    }

    #[test]
    fn fields_that_do_not_fit_the_kind_are_named() {
        let closed_question = NewLogEntry { incident_closed: true, ..new(LogKind::Question, "how do I") };
        assert_eq!(field(write(closed_question).unwrap_err()), "incident_closed");
        assert_eq!(field(write(new(LogKind::Runbook, "wrote one")).unwrap_err()), "runbook");
        let note =
            NewLogEntry { runbook: Some(Link::parse("https://r.example.com").unwrap()), ..new(LogKind::Note, "n") };
        assert_eq!(field(write(note).unwrap_err()), "runbook");
        let many = NewLogEntry {
            links: vec![Link::parse("https://x.example.com").unwrap(); MAX_LOG_LINKS + 1],
            ..new(LogKind::Note, "n")
        };
        assert_eq!(field(write(many).unwrap_err()), "links");
    }

    #[test]
    fn kinds_read_as_written() {
        for k in LogKind::ALL {
            assert_eq!(LogKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert_eq!(LogKind::parse("rant"), None);
    }
}
