//! Asking for votes: the owner team asks the people whose approval a gate still needs,
//! each by their own notification rules and on their team's channels, with the
//! requirements they are asked for. Audited; each ask is told once.

use super::acts::{act_error, person, text};
use crate::decision::{audit, Subject};
use crate::outbox::{messages, team_channels};
use crate::{random_key, AppError, Baton};
use baton_core::gate::{may_ask_for_votes, vote_requests, VoteRequest};
use baton_core::notice::{Notice, NoticeKind, NoticeLink};
use baton_core::pipeline::{PipelineError, Unmet};
use baton_core::{GateId, PersonId, ServiceId, TeamId};
use baton_store::Commit;
use serde::Serialize;

/// Who was asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VotesAsked {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub gate: GateId,
    pub asked: Vec<VoteRequest>,
}

impl Baton {
    /// `actor` (of the service's owner team) asks for the votes gate `gate` still needs.
    /// Refused when it waits on no approval (it passes, does not apply, or only other
    /// requirements are unmet).
    pub async fn ask_for_votes(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        gate: &GateId,
        note: Option<String>,
    ) -> Result<VotesAsked, AppError> {
        let org = self.org().await?;
        person(&org, actor)?;
        let def = crate::service_def(&org, service)?;
        may_ask_for_votes(&org, gate, def, actor).map_err(|e| act_error(e, "gate"))?;
        if let Some(note) = &note {
            text("note", note)?;
        }
        let view = self.gate(service, gate).await?;
        let asked = vote_requests(&org, &view.verdict);
        if asked.is_empty() {
            let message = if view.verdict.passes {
                format!("gate {gate} passes already")
            } else {
                format!("gate {gate} waits on no approval: what is unmet needs no vote")
            };
            return Err(AppError::Pipeline(PipelineError::Refused {
                action: "gate.ask-votes",
                unmet: vec![Unmet { code: "nothing-to-ask", message }],
            }));
        }
        let now = self.now();
        let name = org.people.get(actor).map_or(actor.as_str(), |p| p.name.as_str());
        let mut links = Vec::new();
        if let Some(base) = self.public_url() {
            links.push(NoticeLink { label: "Vote in Baton".into(), url: format!("{base}/services/{service}#gates") });
        }
        let key = format!("gate-ask/{service}/{gate}/{}", &random_key()[..12]);
        let mut notifications = Vec::new();
        let mut teams: Vec<TeamId> = Vec::new();
        for request in &asked {
            let mut text =
                format!("{name} asks for your vote on gate {gate} of {service}: {}.", request.requirements.join("; "));
            if let Some(note) = &note {
                text.push_str(&format!("\n\n{note}"));
            }
            let notice = Notice {
                kind: NoticeKind::Reminder,
                subject: format!("gate/{service}/{gate}"),
                title: format!("Your vote is asked on gate {gate} of {service}"),
                text,
                to: vec![request.person.clone()],
                severity: None,
                links: links.clone(),
                alert: None,
            };
            notifications.extend(self.to_people(&org, &notice.to, &notice, &key, now).await?);
            teams.extend(request.on_behalf_of.iter().filter_map(|t| TeamId::parse(t).ok()));
        }
        teams.sort();
        teams.dedup();
        for team in &teams {
            let people: Vec<PersonId> = asked
                .iter()
                .filter(|r| r.on_behalf_of.iter().any(|t| t == team.as_str()))
                .map(|r| r.person.clone())
                .collect();
            let notice = Notice {
                kind: NoticeKind::Reminder,
                subject: format!("gate/{service}/{gate}"),
                title: format!("{team}'s vote is asked on gate {gate} of {service}"),
                text: format!("{name} asks {team} to vote on gate {gate} of {service}."),
                to: people,
                severity: None,
                links: links.clone(),
                alert: None,
            };
            notifications.extend(messages(&notice, &team_channels(&org, team), &format!("{key}/team/{team}"), now)?);
        }
        let details = serde_json::json!({ "gate": gate, "asked": asked, "note": note });
        let commit = Commit {
            audit: vec![audit(actor, "gate.ask-votes", Subject::Service(service), &details)?],
            notifications,
            ..Commit::default()
        };
        self.store.commit(&commit, now).await?;
        self.outbox_wake().notify_one();
        Ok(VotesAsked { gate: gate.clone(), asked })
    }
}
