//! When a service may move on, and who may move it.
//!
//! Every command is checked in the same order: may this person do it (else `Forbidden`),
//! is what they sent well formed (else `Invalid`), do the stage's conditions hold (else
//! `Refused`, listing *every* unmet condition, not just the first).

use super::command::*;
use super::record::*;
use crate::org::{Org, ServiceDef};
use crate::slo::SoakVerdict;
use crate::{ItemId, Period, PersonId, Viability};
use jiff::Timestamp;
use serde::Serialize;

/// Everything a decision may look at besides the service's own record.
pub struct Context<'a> {
    pub org: &'a Org,
    pub service: &'a ServiceDef,
    pub now: Timestamp,
    /// The SLO verdict over the transition window; only the handover consults it.
    pub viability: &'a Viability,
    /// The SLOs' verdict over the window of the soak test being recorded; only
    /// `RecordSoak` reads it (the app judges the command's window before deciding).
    pub soak: Option<&'a SoakVerdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unmet {
    /// A stable name for the condition, e.g. `stage`, `checklist`, `soak`, `window`.
    pub code: &'static str,
    pub message: String,
}

impl Unmet {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{action} refused: {}", .unmet.iter().map(|u| u.message.as_str()).collect::<Vec<_>>().join("; "))]
    Refused { action: &'static str, unmet: Vec<Unmet> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub record: ServiceRecord,
    /// `(from, to)` when the command moved the service to another stage.
    pub moved: Option<(Stage, Stage)>,
}

const MAX_TEXT: usize = 4000;

fn text(field: &'static str, value: &str) -> Result<(), PipelineError> {
    if value.trim().is_empty() {
        return Err(PipelineError::Invalid { field, message: "must not be empty".into() });
    }
    if value.chars().count() > MAX_TEXT {
        return Err(PipelineError::Invalid { field, message: format!("must be at most {MAX_TEXT} characters") });
    }
    Ok(())
}

fn refuse_if(action: &'static str, unmet: Vec<Unmet>) -> Result<(), PipelineError> {
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(PipelineError::Refused { action, unmet })
    }
}

fn stage_in(record: &ServiceRecord, allowed: &[Stage], doing: &str) -> Vec<Unmet> {
    if allowed.contains(&record.stage) {
        return vec![];
    }
    let names: Vec<_> = allowed.iter().map(|s| s.as_str()).collect();
    vec![Unmet::new(
        "stage",
        format!("the service is in stage {}; {doing} needs stage {}", record.stage, names.join(" or ")),
    )]
}

fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

impl Context<'_> {
    fn forbid(&self, actor: &PersonId, doing: &str, who: String) -> PipelineError {
        PipelineError::Forbidden(format!("{actor} may not {doing}: only {who} may"))
    }

    fn require_owner(&self, actor: &PersonId, doing: &str) -> Result<(), PipelineError> {
        if self.org.is_member(actor, &self.service.owner_team) {
            Ok(())
        } else {
            Err(self.forbid(actor, doing, format!("members of the owner team `{}`", self.service.owner_team)))
        }
    }

    fn require_architect(&self, actor: &PersonId, doing: &str) -> Result<(), PipelineError> {
        if self.org.is_architect(actor) {
            return Ok(());
        }
        let team = self.org.pipeline_policy().architects_team;
        Err(self.forbid(actor, doing, format!("members of the architects team `{team}`")))
    }

    /// Members of the assigned SRE team (and, where `or_owner`, of the owner team).
    /// Before any team is assigned the step is out of stage, so it is refused, not forbidden.
    fn require_sre(
        &self,
        record: &ServiceRecord,
        actor: &PersonId,
        doing: &str,
        or_owner: bool,
    ) -> Result<(), PipelineError> {
        let Some(team) = record.sre_team() else {
            let unmet = Unmet::new("stage", format!("no SRE team is assigned yet, so nobody may {doing}"));
            return Err(PipelineError::Refused { action: "", unmet: vec![unmet] });
        };
        let ok = self.org.is_member(actor, team) || (or_owner && self.org.is_member(actor, &self.service.owner_team));
        if ok {
            return Ok(());
        }
        let who = if or_owner {
            format!("members of the SRE team `{team}` or the owner team `{}`", self.service.owner_team)
        } else {
            format!("members of the SRE team `{team}`")
        };
        Err(self.forbid(actor, doing, who))
    }

    fn transition_window(&self) -> crate::Period {
        self.service.transition_window.unwrap_or(self.org.pipeline_policy().transition_window)
    }
}

/// Whether `item` counts as done at `now`: attested, or waived and the waiver not expired.
fn item_unmet(org: &Org, record: &ServiceRecord, id: &ItemId, now: Timestamp) -> Option<Unmet> {
    let title = org.checklist_item(id).map_or(id.as_str(), |i| i.title.as_str());
    match record.items.get(id) {
        Some(ItemState::Done { .. }) => None,
        Some(ItemState::Waived { expires_at, .. }) if *expires_at > now => None,
        Some(ItemState::Waived { expires_at, .. }) => {
            Some(Unmet::new("checklist", format!("the waiver of `{id}` ({title}) expired on {}", when(*expires_at))))
        }
        None => Some(Unmet::new("checklist", format!("checklist item `{id}` ({title}) is neither done nor waived"))),
    }
}

/// What must hold for the service to enter production and start its transition period.
fn production_conditions(ctx: &Context, record: &ServiceRecord) -> Vec<Unmet> {
    let mut unmet = stage_in(record, &[Stage::Onboarding], "entering production");
    unmet.extend(ctx.org.checklist.iter().filter_map(|i| item_unmet(ctx.org, record, &i.id, ctx.now)));
    let soak_min = ctx.org.pipeline_policy().soak_min;
    match &record.soak {
        None => unmet.push(Unmet::new("soak", "no soak test has been recorded")),
        Some(s) if s.ended_at.duration_since(s.started_at) < soak_min.duration() => {
            unmet.push(Unmet::new("soak", format!("the soak test ran for less than the required {soak_min}")))
        }
        Some(s) => {
            // The result that counts: the SLOs' verdict, or the override recorded with it.
            let why = match (&s.overridden, &s.verdict) {
                (Some(o), _) => format!("overridden by {}: {}", s.signed.by, o.reason),
                (None, Some(v)) => v.text().to_owned(),
                (None, None) => format!("recorded by {}", s.signed.by),
            };
            match s.result {
                SoakResult::Passed => {}
                SoakResult::Failed => {
                    unmet.push(Unmet::new("soak", format!("the last soak test failed ({}): {why}", s.link)))
                }
                SoakResult::NoData => unmet.push(Unmet::new(
                    "soak",
                    format!(
                        "the last soak test ({}) has no SLO verdict: {why}; record it again over a window with SLI data, or have the SRE team override it with a reason",
                        s.link
                    ),
                )),
            }
        }
    }
    // Production is entered on the reduced criteria of the `promote-to-prod` gate, when
    // the organisation defines it (an organisation without gates keeps the checklist and
    // soak test alone). Passing it is its own audited act, see `app::gates`.
    let gate = crate::gate::PROMOTE_TO_PROD;
    if ctx.org.gates.keys().any(|g| g.as_str() == gate) && record.passed_gate(gate).is_none() {
        unmet.push(Unmet::new("gate", format!("gate {gate} not passed")));
    }
    unmet
}

/// What must hold for the pager to be handed over to the SRE team.
fn handover_conditions(ctx: &Context, record: &ServiceRecord) -> Vec<Unmet> {
    let mut unmet = stage_in(record, &[Stage::Transition], "handing over the pager");
    let Some(production) = &record.production else {
        return unmet;
    };
    let window = ctx.transition_window();
    let ends = window.after(production.since);
    if ctx.now < ends {
        unmet.push(Unmet::new(
            "window",
            format!("the {window} transition window, begun {}, completes on {}", when(production.since), when(ends)),
        ));
    }
    match &record.review {
        Some(r) if r.signed.at >= production.since => {}
        _ => {
            unmet.push(Unmet::new("review", "no SRE has recorded a review of the SLOs and SOPs during the transition"))
        }
    }
    match ctx.viability {
        Viability::Met { .. } => {}
        Viability::NotMet { reason } => unmet.push(Unmet::new("slo", format!("SLOs not met: {reason}"))),
        Viability::Unknown { reason } => unmet.push(Unmet::new("slo", format!("SLO verdict unknown: {reason}"))),
    }
    unmet
}

/// What stands between the service and its next stage, for the board and the service page.
pub fn blockers(ctx: &Context, record: &ServiceRecord) -> Vec<Unmet> {
    match record.stage {
        Stage::Draft => vec![Unmet::new(
            "proposal",
            format!("waiting for the owner team `{}` to propose it", ctx.service.owner_team),
        )],
        Stage::Proposed => vec![Unmet::new(
            "decision",
            format!(
                "waiting for the architects (`{}`) to accept or reject it",
                ctx.org.pipeline_policy().architects_team
            ),
        )],
        Stage::Accepted => {
            vec![Unmet::new("assignment", "waiting for an SRE lead to assign an SRE team and record the scope")]
        }
        Stage::Onboarding => production_conditions(ctx, record),
        Stage::Transition => handover_conditions(ctx, record),
        Stage::SreOwned | Stage::Rejected | Stage::Retired => vec![],
    }
}

/// Decides `command` by `actor` against the service's `record`. On success the returned
/// record is what must be stored, together with the audit record of the command.
pub fn decide(
    ctx: &Context,
    record: &ServiceRecord,
    actor: &PersonId,
    command: &Command,
) -> Result<Outcome, PipelineError> {
    let who = Signed { by: actor.clone(), at: ctx.now };
    let step = Step { ctx, record, actor, action: command.action(), who: &who };
    let mut next = record.clone();
    let to = match command {
        Command::Propose(p) => propose(step, &mut next, p)?,
        Command::Accept(a) => accept(step, &mut next, a)?,
        Command::Reject(r) => reject(step, &mut next, r)?,
        Command::Assign(a) => assign(step, &mut next, a)?,
        Command::CompleteItem { item, body } => complete_item(step, &mut next, item, body)?,
        Command::WaiveItem { item, body } => waive_item(step, &mut next, item, body)?,
        Command::RecordSoak(s) => record_soak(step, &mut next, s)?,
        Command::EnterProduction(p) => enter_production(step, &mut next, p)?,
        Command::RecordReview(r) => record_review(step, &mut next, r)?,
        Command::HandOver(r) => hand_over(step, &mut next, r)?,
        Command::Retire(r) => retire(step, &mut next, r)?,
        Command::Deploy { environment, body } => deploy(step, &mut next, environment, body)?,
    };
    let moved = to.map(|to| {
        next.history.push(StageChange {
            from: record.stage,
            to,
            reason: command.reason().map(str::to_owned),
            signed: who,
        });
        next.stage = to;
        (record.stage, to)
    });
    Ok(Outcome { record: next, moved })
}

/// A command being decided: what it is judged on. Each command's rule is a function below
/// that checks who may, what the request says and what the stage allows, writes its part
/// of the next record, and answers the stage it moves to, if any.
#[derive(Clone, Copy)]
struct Step<'a> {
    ctx: &'a Context<'a>,
    record: &'a ServiceRecord,
    actor: &'a PersonId,
    action: &'static str,
    who: &'a Signed,
}

/// The stage a command moves the service to, if it moves it.
type Decided = Result<Option<Stage>, PipelineError>;

fn propose(step: Step<'_>, next: &mut ServiceRecord, p: &Propose) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    ctx.require_owner(actor, "propose this service")?;
    let links = &ctx.service.links;
    let epic = p.epic.clone().or_else(|| links.epic.clone());
    let questionnaire = p.questionnaire.clone().or_else(|| links.questionnaire.clone());
    let definition = p.service_definition.clone().or_else(|| links.service_definition.clone());
    let mut unmet = stage_in(record, &[Stage::Draft], "proposing");
    for (name, link) in [("epic", &epic), ("questionnaire", &questionnaire), ("service_definition", &definition)] {
        if link.is_none() {
            unmet.push(Unmet::new(
                "links",
                format!("no `{name}` link: give it in the request or in the service's definition"),
            ));
        }
    }
    refuse_if(action, unmet)?;
    next.proposal = Some(Proposal {
        epic: epic.expect("checked"),
        questionnaire: questionnaire.expect("checked"),
        service_definition: definition.expect("checked"),
        signed: who.clone(),
    });
    Ok(Some(Stage::Proposed))
}

fn accept(step: Step<'_>, next: &mut ServiceRecord, a: &Accept) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    ctx.require_architect(actor, "accept a proposal")?;
    text("reason", &a.reason)?;
    let priorities = ctx.org.pipeline_policy().priorities;
    if !priorities.contains(&a.priority) {
        return Err(PipelineError::Invalid {
            field: "priority",
            message: format!("`{}` is not a priority; use one of {}", a.priority, priorities.join(", ")),
        });
    }
    refuse_if(action, stage_in(record, &[Stage::Proposed], "accepting"))?;
    next.decision =
        Some(KickoffDecision { priority: Some(a.priority.clone()), reason: a.reason.clone(), signed: who.clone() });
    Ok(Some(Stage::Accepted))
}

fn reject(step: Step<'_>, next: &mut ServiceRecord, r: &Reasoned) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    ctx.require_architect(actor, "reject a proposal")?;
    text("reason", &r.reason)?;
    refuse_if(action, stage_in(record, &[Stage::Proposed], "rejecting"))?;
    next.decision = Some(KickoffDecision { priority: None, reason: r.reason.clone(), signed: who.clone() });
    Ok(Some(Stage::Rejected))
}

fn assign(step: Step<'_>, next: &mut ServiceRecord, a: &Assign) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    if !ctx.org.is_sre_lead(actor) {
        return Err(ctx.forbid(actor, "assign an SRE team", "the lead of an SRE team".into()));
    }
    text("scope", &a.scope)?;
    match ctx.org.teams.get(&a.sre_team) {
        Some(t) if t.kind == crate::org::TeamKind::Sre => {}
        Some(_) => {
            return Err(PipelineError::Invalid {
                field: "sre_team",
                message: format!("team `{}` is not an SRE team", a.sre_team),
            })
        }
        None => {
            return Err(PipelineError::Invalid {
                field: "sre_team",
                message: format!("no team `{}` is defined", a.sre_team),
            })
        }
    }
    refuse_if(action, stage_in(record, &[Stage::Accepted], "assigning an SRE team"))?;
    next.assignment = Some(Assignment { sre_team: a.sre_team.clone(), scope: a.scope.clone(), signed: who.clone() });
    Ok(Some(Stage::Onboarding))
}

fn complete_item(step: Step<'_>, next: &mut ServiceRecord, item: &ItemId, body: &CompleteItem) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    require_item_attester(ctx, record, actor, item, "attest")?;
    refuse_if(action, stage_in(record, &[Stage::Onboarding], "working the checklist"))?;
    next.items.insert(item.clone(), ItemState::Done { evidence: body.evidence.clone(), signed: who.clone() });
    Ok(None)
}

fn waive_item(step: Step<'_>, next: &mut ServiceRecord, item: &ItemId, body: &WaiveItem) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    require_item_attester(ctx, record, actor, item, "waive")?;
    text("reason", &body.reason)?;
    if body.expires_at <= ctx.now {
        return Err(PipelineError::Invalid {
            field: "expires_at",
            message: "a waiver must expire in the future".into(),
        });
    }
    refuse_if(action, stage_in(record, &[Stage::Onboarding], "working the checklist"))?;
    next.items.insert(
        item.clone(),
        ItemState::Waived { reason: body.reason.clone(), expires_at: body.expires_at, signed: who.clone() },
    );
    Ok(None)
}

/// How long ago a soak test may have started and still count: a window older than a
/// quarter says little about the service as deployed now (and one in year 0001 is a typo).
const MAX_SOAK_AGE: Period = Period::days(90);

fn record_soak(step: Step<'_>, next: &mut ServiceRecord, s: &RecordSoak) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    ctx.require_sre(record, actor, "record a soak test", true).map_err(|e| with_action(e, action))?;
    if s.result.is_some() {
        return Err(PipelineError::Invalid {
            field: "result",
            message: "a soak test's result is no longer given: Baton judges the service's SLOs over the soak window. Send started_at, ended_at and link only; to set the SLOs' verdict aside, add `override: {\"result\": \"passed\" or \"failed\", \"reason\": \"...\"}` (SRE team only)".into(),
        });
    }
    if let Some(o) = &s.overridden {
        // The owner team may record its soak test, but not overrule its own SLOs.
        ctx.require_sre(record, actor, "override the SLOs' verdict on a soak test", false)
            .map_err(|e| with_action(e, action))?;
        if o.result == SoakResult::NoData {
            return Err(PipelineError::Invalid {
                field: "override.result",
                message:
                    "an override says `passed` or `failed`; to leave the verdict to the SLOs, leave `override` out"
                        .into(),
            });
        }
        text("override.reason", &o.reason)?;
    }
    if s.ended_at <= s.started_at {
        return Err(PipelineError::Invalid { field: "ended_at", message: "must be after started_at".into() });
    }
    if s.ended_at > ctx.now {
        return Err(PipelineError::Invalid {
            field: "ended_at",
            message: "a soak test can only be recorded once it has ended".into(),
        });
    }
    if s.started_at < ctx.now.saturating_sub(MAX_SOAK_AGE.duration()).expect("no calendar units") {
        return Err(PipelineError::Invalid {
            field: "started_at",
            message: format!(
                "a soak test is evidence of the service as it runs now: it must have started within the last {}",
                MAX_SOAK_AGE
            ),
        });
    }
    refuse_if(action, stage_in(record, &[Stage::Onboarding], "recording a soak test"))?;
    let verdict = ctx
        .soak
        .cloned()
        .unwrap_or_else(|| SoakVerdict::NoData { reason: "the SLOs were not judged over the soak window".into() });
    let result = s.overridden.as_ref().map_or_else(|| SoakResult::of(&verdict), |o| o.result);
    next.soak = Some(SoakTest {
        started_at: s.started_at,
        ended_at: s.ended_at,
        result,
        verdict: Some(verdict),
        overridden: s.overridden.clone(),
        link: s.link.clone(),
        signed: who.clone(),
    });
    Ok(None)
}

fn enter_production(step: Step<'_>, next: &mut ServiceRecord, p: &EnterProduction) -> Decided {
    let Step { ctx, record, actor, action, .. } = step;
    ctx.require_sre(record, actor, "record the move to production", true).map_err(|e| with_action(e, action))?;
    refuse_if(action, production_conditions(ctx, record))?;
    next.production = Some(Production { since: ctx.now, link: p.link.clone(), by: actor.clone() });
    Ok(Some(Stage::Transition))
}

fn record_review(step: Step<'_>, next: &mut ServiceRecord, r: &RecordReview) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    ctx.require_sre(record, actor, "review the SLOs and SOPs", false).map_err(|e| with_action(e, action))?;
    if let Some(n) = &r.notes {
        text("notes", n)?;
    }
    refuse_if(action, stage_in(record, &[Stage::Transition], "reviewing the SLOs and SOPs"))?;
    next.review = Some(Review {
        slos_met: r.slos_met,
        evidence: r.evidence.clone(),
        notes: r.notes.clone(),
        signed: who.clone(),
    });
    Ok(None)
}

fn hand_over(step: Step<'_>, next: &mut ServiceRecord, r: &Reasoned) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    ctx.require_sre(record, actor, "take over the pager", false).map_err(|e| with_action(e, action))?;
    text("reason", &r.reason)?;
    refuse_if(action, handover_conditions(ctx, record))?;
    next.handover = Some(who.clone());
    Ok(Some(Stage::SreOwned))
}

fn retire(step: Step<'_>, next: &mut ServiceRecord, r: &Reasoned) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    if !(ctx.org.is_member(actor, &ctx.service.owner_team) || ctx.org.is_architect(actor)) {
        return Err(ctx.forbid(
            actor,
            "retire this service",
            format!("members of the owner team `{}` or the architects", ctx.service.owner_team),
        ));
    }
    text("reason", &r.reason)?;
    if record.stage.is_terminal() {
        refuse_if(action, vec![Unmet::new("stage", format!("the service is already {}", record.stage))])?;
    }
    next.retirement = Some(KickoffDecision { priority: None, reason: r.reason.clone(), signed: who.clone() });
    Ok(Some(Stage::Retired))
}

fn deploy(step: Step<'_>, next: &mut ServiceRecord, environment: &String, body: &Deploy) -> Decided {
    let Step { ctx, record, actor, action, who } = step;
    ctx.require_owner(actor, "deploy this service")?;
    if !SELF_SERVICE_ENVIRONMENTS.contains(&environment.as_str()) {
        return Err(PipelineError::Invalid {
            field: "environment",
            message: format!(
                "`{environment}` is not a self-service environment (use integration or stage); production is reached through the pipeline"
            ),
        });
    }
    if let Some(v) = &body.version {
        text("version", v)?;
    }
    if record.stage.is_terminal() {
        refuse_if(action, vec![Unmet::new("stage", format!("the service is {}", record.stage))])?;
    }
    next.environments.insert(environment.clone(), Deployment { version: body.version.clone(), signed: who.clone() });
    Ok(None)
}

/// What the people who build, instrument and run a service may do for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceWork {
    SendSamples,
    DeclareCorrections,
    PostCheckResults,
    RecordInstalls,
    ManageIntegrations,
}

/// Who may send a service's SLI samples, declare corrections (maintenance windows,
/// incidents) on its SLOs, post its check results, record its installs or manage its
/// alert integrations: the people who build, instrument and run it, its owner team and,
/// once assigned, its SRE team.
pub fn may_work_on_service(
    org: &Org,
    service: &ServiceDef,
    record: &ServiceRecord,
    actor: &PersonId,
    work: ServiceWork,
) -> Result<(), PipelineError> {
    if org.is_member(actor, &service.owner_team) || record.sre_team().is_some_and(|t| org.is_member(actor, t)) {
        return Ok(());
    }
    let sre = record.sre_team().map_or(String::new(), |t| format!(" or the SRE team `{t}`"));
    let doing = match work {
        ServiceWork::SendSamples => "send samples for",
        ServiceWork::DeclareCorrections => "declare corrections for the SLOs of",
        ServiceWork::PostCheckResults => "post check results for",
        ServiceWork::RecordInstalls => "record installs for",
        ServiceWork::ManageIntegrations => "manage the integrations of",
    };
    Err(PipelineError::Forbidden(format!(
        "{actor} may not {doing} `{}`: only members of the owner team `{}`{sre} may",
        service.id, service.owner_team
    )))
}

fn with_action(e: PipelineError, action: &'static str) -> PipelineError {
    match e {
        PipelineError::Refused { unmet, .. } => PipelineError::Refused { action, unmet },
        other => other,
    }
}

/// Acceptance items are attested by the assigned SRE team; another team's additional
/// requirement by that team.
fn require_item_attester(
    ctx: &Context,
    record: &ServiceRecord,
    actor: &PersonId,
    item: &ItemId,
    verb: &str,
) -> Result<(), PipelineError> {
    let Some(def) = ctx.org.checklist_item(item) else {
        return Err(PipelineError::NotFound(format!("no checklist item `{item}` is defined")));
    };
    match &def.required_by {
        Some(team) if ctx.org.is_member(actor, team) => Ok(()),
        Some(team) => {
            Err(ctx.forbid(actor, &format!("{verb} `{item}`"), format!("members of `{team}`, whose requirement it is")))
        }
        None => ctx
            .require_sre(record, actor, &format!("{verb} `{item}`"), false)
            .map_err(|e| with_action(e, "service.checklist")),
    }
}

#[cfg(test)]
mod tests;
