//! A few alerts for the demo, sent through the real intake, so the alert list, the
//! service pages and the outbox have something to show.

use anyhow::Result;
use baton_app::paging::IntegrationIn;
use baton_app::Baton;
use baton_core::paging::intake::generic;
use baton_core::paging::Format;
use baton_core::{PersonId, ServiceId};
use std::sync::Arc;

pub async fn seed(baton: &Arc<Baton>) -> Result<usize> {
    let mut sent = 0;
    let sources = [
        (
            "streamhub",
            "noor.castellano",
            &[
                r#"{"dedup_key": "kafka-consumer-lag", "status": "firing", "severity": "critical", "summary": "Consumer lag above 10 minutes on the events topic", "runbook_url": "https://runbooks.example.com/streamhub/consumer-lag"}"#,
                r#"{"dedup_key": "disk-filling-broker-2", "status": "firing", "severity": "warning", "summary": "broker-2 data disk 85% full, filling in ~3 days"}"#,
            ][..],
        ),
        (
            "streamhub-connect",
            "noor.castellano",
            &[
                r#"{"dedup_key": "connector-restarts", "status": "firing", "severity": "error", "summary": "The S3 sink connector restarted 6 times in an hour"}"#,
            ][..],
        ),
    ];
    for (service, owner, events) in sources {
        let input = IntegrationIn {
            service: ServiceId::parse(service)?,
            name: "demo".into(),
            format: Format::Generic,
            heartbeat: None,
        };
        let issued = baton.create_integration(&PersonId::parse(owner)?, input).await?;
        let events = events.iter().map(|e| generic(e.as_bytes())).collect::<Result<Vec<_>, _>>()?;
        sent += baton.accept_alerts(&issued.key, events).await?.len();
    }
    // The SRE on call has taken the disk alert.
    let sre = PersonId::parse("beatriz.nakamura")?;
    baton.respond_to_alert(&sre, &ServiceId::parse("streamhub")?, "disk-filling-broker-2", false).await?;
    Ok(sent)
}
