//! Creating, listing and revoking integrations. A key is shown once and stored hashed.

use super::{INTEGRATION, INTEGRATION_KEY};
use crate::auth::{hash_secret, random_hex};
use crate::decision::{audit, record_write, Subject};
use crate::{AppError, Baton};
use baton_core::paging::{Format, Integration};
use baton_core::pipeline::{may_work_on_service, ServiceWork};
use baton_core::{Period, PersonId, ServiceId};
use baton_store::{from_json, Commit};
use serde::Deserialize;

/// What a person asks for when creating an integration.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IntegrationIn {
    pub service: ServiceId,
    /// Lowercase letters, digits and `-`; unique within the service.
    pub name: String,
    pub format: Format,
    /// Raise an alert when the source sends nothing for this long (e.g. `5m`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub heartbeat: Option<Period>,
}

/// An integration just created: `key` is shown once and never stored.
pub struct IssuedIntegration {
    pub integration: Integration,
    pub key: String,
}

impl std::fmt::Debug for IssuedIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedIntegration").field("integration", &self.integration).field("key", &"<redacted>").finish()
    }
}

/// What the audit log keeps of an integration: never its key.
fn described(i: &Integration) -> serde_json::Value {
    serde_json::json!({ "service": i.service, "format": i.format, "heartbeat": i.heartbeat })
}

impl Baton {
    /// Members of the service's owner team, and of its SRE team once assigned, manage
    /// the service's integrations (the same people who send its SLI samples).
    async fn may_manage_integrations(&self, actor: &PersonId, service: &ServiceId) -> Result<(), AppError> {
        let org = self.org().await?;
        let def = org.services.get(service).ok_or_else(|| AppError::NotFound(format!("no service `{service}`")))?;
        let record = self.store.service_record(service).await?.map(|v| v.value).unwrap_or_default();
        Ok(may_work_on_service(&org, def, &record, actor, ServiceWork::ManageIntegrations)?)
    }

    pub async fn create_integration(
        &self,
        actor: &PersonId,
        input: IntegrationIn,
    ) -> Result<IssuedIntegration, AppError> {
        let name_ok = !input.name.is_empty()
            && input.name.len() <= 63
            && input.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            return Err(AppError::Invalid {
                field: "name".into(),
                message: "1 to 63 lowercase letters, digits or '-'".into(),
            });
        }
        self.may_manage_integrations(actor, &input.service).await?;
        let now = self.now();
        let key = format!("bik_{}", random_hex(32));
        let integration = Integration {
            id: format!("{}.{}", input.service, input.name),
            service: input.service,
            name: input.name,
            format: input.format,
            key_hash: hash_secret(&key),
            created_by: actor.clone(),
            created_at: now,
            revoked_at: None,
            heartbeat: input.heartbeat,
            last_seen: None,
            silent: false,
        };
        if self.store.record(INTEGRATION, &integration.id).await?.is_some() {
            return Err(AppError::Invalid {
                field: "name".into(),
                message: format!("`{}` already has an integration named `{}`", integration.service, integration.name),
            });
        }
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![
                record_write(INTEGRATION, integration.id.clone(), 0, &integration, integration.due_at())?,
                record_write(INTEGRATION_KEY, integration.key_hash.clone(), 0, &integration.id, None)?,
            ],
            audit: vec![audit(
                actor,
                "integration.create",
                Subject::Integration(&integration.id),
                &described(&integration),
            )?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        Ok(IssuedIntegration { integration, key })
    }

    /// Every integration (of `service`, if given), by id.
    pub async fn integrations(&self, service: Option<&ServiceId>) -> Result<Vec<Integration>, AppError> {
        let prefix = service.map(|s| format!("{s}.")).unwrap_or_default();
        self.store.records(INTEGRATION, &prefix).await?.iter().map(|r| Ok(from_json("integration", &r.body)?)).collect()
    }

    /// The live integration whose key is `key`; `NotFound` for an unknown or revoked key
    /// (the same answer, so a caller learns nothing about which keys exist).
    pub(crate) async fn integration_by_key(&self, key: &str) -> Result<(i64, Integration), AppError> {
        let unknown = || AppError::NotFound("no integration has this key".into());
        let pointer = self.store.record(INTEGRATION_KEY, &hash_secret(key)).await?.ok_or_else(unknown)?;
        let id: String = from_json("integration key", &pointer.body)?;
        let record = self.store.record(INTEGRATION, &id).await?.ok_or_else(unknown)?;
        let integration: Integration = from_json("integration", &record.body)?;
        if integration.revoked_at.is_some() {
            return Err(unknown());
        }
        Ok((record.version, integration))
    }

    pub async fn revoke_integration(&self, actor: &PersonId, id: &str) -> Result<Integration, AppError> {
        let record = self
            .store
            .record(INTEGRATION, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("no integration `{id}`")))?;
        let mut integration: Integration = from_json("integration", &record.body)?;
        self.may_manage_integrations(actor, &integration.service).await?;
        if integration.revoked_at.is_some() {
            return Ok(integration);
        }
        let now = self.now();
        integration.revoked_at = Some(now);
        let commit = Commit {
            alerts: Vec::new(),
            records: vec![record_write(INTEGRATION, integration.id.clone(), record.version, &integration, None)?],
            audit: vec![audit(
                actor,
                "integration.revoke",
                Subject::Integration(&integration.id),
                &described(&integration),
            )?],
            notifications: Vec::new(),
        };
        self.store.commit(&commit, now).await?;
        self.forget_key(&integration.key_hash);
        Ok(integration)
    }
}
