//! The production gates in the example organisation's history, through the real use
//! cases: every service that entered production passed `promote-to-prod` just before;
//! streamhub is on its way to customers (most teams agreed, capacity agreed, one team
//! still to sign off), so it still runs on reduced assurance; lumen-metrics has some of
//! its promote-to-prod sign-offs.

use anyhow::{Context, Result};
use baton_app::gates::{CapacityIn, CheckIn, CheckReport, VoteIn};
use baton_app::{Baton, ManualClock};
use baton_core::gate::Vote;
use baton_core::{GateId, Link, Org, PersonId, ServiceId, Timestamp};

fn link(path: &str) -> Link {
    Link::parse(&format!("https://tracker.example.com/{path}")).expect("valid link")
}

fn person(id: &str) -> Result<PersonId> {
    Ok(PersonId::parse(id)?)
}

async fn e2e(baton: &Baton, owner: &PersonId, service: &ServiceId, tests: u32) -> Result<()> {
    let check = CheckIn {
        name: "e2e".into(),
        passed: true,
        summary: format!("{tests} tests, 0 failures, 0 errors"),
        evidence: Some(link(&format!("{service}/E2E-RUN"))),
    };
    baton.post_check(owner, service, CheckReport::Json(check)).await?;
    Ok(())
}

/// A +1 by `who`, for the one team of theirs the gate asks (or `team`, when they are in two).
async fn plus_one(baton: &Baton, who: &str, service: &ServiceId, gate: &GateId, comment: &str) -> Result<()> {
    let team = match who {
        "cian.moreau" => Some(baton_core::TeamId::parse("addon-sre")?),
        _ => None,
    };
    let vote =
        VoteIn { team, vote: Vote::Plus, comment: comment.into(), evidence: link(&format!("{service}/RELEASE-MR")) };
    baton.vote(&person(who)?, service, gate, vote).await.with_context(|| format!("{who}'s +1 on {gate}"))?;
    Ok(())
}

fn owner_of(org: &Org, service: &ServiceId) -> Result<PersonId> {
    let def = org.services.get(service).context("the service is defined")?;
    let team = org.teams.get(&def.owner_team).context("its owner team is defined")?;
    Ok(team.lead.clone().unwrap_or_else(|| team.members[0].clone()))
}

/// The reduced criteria, met and passed: run just before the service enters production.
pub async fn promote(baton: &Baton, org: &Org, service: &ServiceId) -> Result<()> {
    let gate = GateId::parse(baton_core::gate::PROMOTE_TO_PROD)?;
    let owner = owner_of(org, service)?;
    e2e(baton, &owner, service, 184).await?;
    plus_one(baton, "olga.baptiste", service, &gate, "Payload delivery and upgrade policy are consistent").await?;
    plus_one(baton, "jonas.achterberg", service, &gate, "Early content in production signed off").await?;
    plus_one(baton, owner.as_str(), service, &gate, "Content ready for internal consumers").await?;
    baton.pass_gate(&owner, service, &gate).await.with_context(|| format!("passing {gate} for {service}"))?;
    Ok(())
}

/// Where the gates stand today for the services not yet released, `days_ago` apart.
pub async fn seed(baton: &Baton, clock: &ManualClock, org: &Org, now: Timestamp) -> Result<()> {
    let at = |days: i64| now.checked_sub(jiff::SignedDuration::from_hours(24 * days)).expect("in range");
    let streamhub = ServiceId::parse("streamhub")?;
    let release = GateId::parse(baton_core::gate::CUSTOMER_RELEASE)?;
    let owner = owner_of(org, &streamhub)?;
    clock.set(at(6));
    let numbers = CapacityIn { max_installs: 40, max_installs_per_week: 4 };
    baton.propose_capacity(&owner, &streamhub, numbers).await?;
    clock.set(at(5));
    baton.approve_capacity(&person("aoife.delacroix")?, &streamhub).await?;
    clock.set(at(3));
    e2e(baton, &owner, &streamhub, 212).await?;
    // Every team but subscriptions (the go-live signal) has agreed; cian.moreau is in
    // addon-sre and tenants-sre and speaks for addon-sre only.
    for (who, comment) in [
        ("cian.moreau", "Layered SRE: upgrades tested, escalation paths in place"),
        ("jonas.achterberg", "Platform sane with streamhub installed"),
        ("camila.novak", "Support docs and SBR context published"),
        ("bruno.kaur", "CD signal green for two weeks"),
        ("elena.mwangi", "Platform PM agrees"),
        ("farah.lindholm", "Addon PM agrees"),
        ("ingrid.obi", "UX reviewed"),
        ("olga.baptiste", "Payload delivery policy consistent"),
    ] {
        plus_one(baton, who, &streamhub, &release, comment).await?;
    }
    // lumen-metrics: onboarding, with two of its promote-to-prod sign-offs.
    let lumen = ServiceId::parse("lumen-metrics")?;
    let promote = GateId::parse(baton_core::gate::PROMOTE_TO_PROD)?;
    clock.set(at(2));
    e2e(baton, &owner_of(org, &lumen)?, &lumen, 96).await?;
    plus_one(baton, "kwame.sato", &lumen, &promote, "Retention and upgrade policy consistent").await?;
    clock.set(now);
    Ok(())
}
