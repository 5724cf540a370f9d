//! The demo's on-call work on `addon-sre`: a few log entries (one incident closed without
//! a runbook, so there is a runbook to write) and the current engineer's handover, open
//! for the incoming engineer to acknowledge.

use anyhow::Result;
use baton_app::{Baton, ManualClock};
use baton_core::oncall::{LogKind, NewLogEntry, NewShiftNote, RotationId};
use baton_core::{Link, Timestamp};
use jiff::SignedDuration;

const ROTATION: &str = "addon-sre";

fn rotation() -> RotationId {
    RotationId::parse(ROTATION).expect("a valid id")
}

/// Writes the work at instants before `now`, as the person on call at `now`.
pub async fn seed(baton: &Baton, clock: &ManualClock, now: Timestamp) -> Result<()> {
    let id = rotation();
    let Ok(on_call) = baton.who(&id, Some(now)).await else { return Ok(()) };
    let by = on_call.person.id;
    let link = |p: &str| Link::parse(&format!("https://chat.example.com/addon-sre/{p}")).expect("a valid link");
    let entries = [
        (90, LogKind::Question, "Explained to tenant-x why their streamhub quota is per namespace", None, false),
        (
            60,
            LogKind::Incident,
            "streamhub consumer lag on broker 3 after the node drain; restarted the broker",
            Some("t/311"),
            true,
        ),
        (30, LogKind::Note, "Console and alerts checked: all green", None, false),
    ];
    for (minutes, kind, text, thread, closed) in entries {
        clock.set(now.saturating_sub(SignedDuration::from_mins(minutes))?);
        let new = NewLogEntry {
            kind,
            text: text.into(),
            links: thread.map(link).into_iter().collect(),
            incident_closed: closed,
            runbook: None,
        };
        baton.write_log(&id, &by, new).await?;
    }
    clock.set(now);
    let note = NewShiftNote {
        note: "Broker 3 lagged once after the node drain; restarted, fine since.".into(),
        open_items: vec!["Write the runbook for broker lag after a drain".into()],
        ongoing_incidents: vec![],
    };
    baton.write_shift_note(&id, &by, note).await?;
    Ok(())
}

/// The incoming engineers of open handovers, to print tokens for.
pub async fn personas(baton: &Baton) -> Result<Vec<(String, String)>> {
    let open = baton.shift_notes(&rotation(), true).await?;
    Ok(open
        .into_iter()
        .map(|h| {
            let role = format!("incoming on {ROTATION}: acknowledge {}'s handover on /oncall/{ROTATION}", h.outgoing);
            (h.incoming.to_string(), role)
        })
        .collect())
}
