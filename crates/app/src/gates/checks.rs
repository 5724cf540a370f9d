//! Check results posted to Baton: a run's verdict as JSON, or its JUnit XML report, which
//! passes only with no failures and no errors (`core::gate::junit`).

use super::acts::{person, text};
use super::*;
use crate::decision::{audit, record_write, Subject};
use crate::retry::on_conflict;
use crate::{AppError, Baton};
use baton_core::gate::{CheckResult, Requirement};
use baton_core::pipeline::{may_work_on_service, ServiceWork};
use baton_core::Org;
use baton_store::{from_json, Commit};

/// The check names the organisation's gates ask for, in order, each once.
fn known_checks(org: &Org) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for gate in org.gates.values() {
        for leaf in gate.leaves() {
            if let Requirement::Check { name, .. } = leaf {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
    }
    names
}

fn check_name(org: &Org, name: &str) -> Result<(), AppError> {
    let well_formed = !name.is_empty()
        && name.len() <= 63
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_formed {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: "1 to 63 lowercase letters, digits or '-'".into(),
        });
    }
    // A result under a name no gate reads would count for nothing: say so now.
    let known = known_checks(org);
    if !known.is_empty() && !known.contains(&name) {
        return Err(AppError::Invalid {
            field: "name".into(),
            message: format!("no gate asks for check `{name}`; the gates ask for {}", known.join(", ")),
        });
    }
    Ok(())
}

impl Baton {
    /// Records a check result for `service`; the latest result of a name is what gates read.
    pub async fn post_check(
        &self,
        actor: &PersonId,
        service: &ServiceId,
        report: CheckReport,
    ) -> Result<CheckResult, AppError> {
        let org = self.org().await?;
        person(&org, actor)?;
        let def = crate::service_def(&org, service)?;
        let record = self.store.service_record(service).await?.map(|v| v.value).unwrap_or_default();
        may_work_on_service(&org, def, &record, actor, ServiceWork::PostCheckResults)?;
        let now = self.now();
        let result = match report {
            CheckReport::Json(c) => {
                check_name(&org, &c.name)?;
                text("summary", &c.summary)?;
                CheckResult { name: c.name, passed: c.passed, summary: c.summary, at: now, evidence: c.evidence }
            }
            CheckReport::Junit { name, xml, evidence } => {
                check_name(&org, &name)?;
                baton_sources::junit::check_result(&name, &xml, now, evidence)
                    .map_err(|e| AppError::BadRequest(format!("the JUnit report cannot be read: {e}")))?
            }
        };
        let id = format!("{service}/{}", result.name);
        on_conflict!({
            let stored = self.store.record(CHECK_KIND, &id).await?;
            let (version, mut results): (i64, Vec<CheckResult>) = match &stored {
                Some(r) => (r.version, from_json("gate check", &r.body)?),
                None => (0, Vec::new()),
            };
            results.push(result.clone());
            results.sort_by_key(|r| r.at);
            let excess = results.len().saturating_sub(MAX_CHECK_RESULTS);
            results.drain(..excess);
            let details = serde_json::json!({
                "check": result.name, "passed": result.passed, "summary": result.summary, "evidence": result.evidence,
            });
            let commit = Commit {
                alerts: Vec::new(),
                records: vec![record_write(CHECK_KIND, id.clone(), version, &results, None)?],
                audit: vec![audit(actor, "gate.check", Subject::Service(service), &details)?],
                notifications: Vec::new(),
            };
            self.store.commit(&commit, now).await?;
            Ok(result.clone())
        })
    }

    /// Every kept result of every check of the service, oldest first.
    pub async fn check_results(&self, service: &ServiceId) -> Result<Vec<CheckResult>, AppError> {
        let mut out: Vec<CheckResult> = Vec::new();
        for r in self.store.records(CHECK_KIND, &format!("{service}/")).await? {
            out.extend(from_json::<Vec<CheckResult>>("gate check", &r.body)?);
        }
        out.sort_by_key(|r| r.at);
        Ok(out)
    }
}
