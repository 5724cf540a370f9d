//! Who is asking, and who may manage Baton's own access: the admin, and people on their
//! own tokens. The permissions of the domain's acts live with their areas, one function
//! per act: `gate::acts` (votes, waivers, passing a gate, capacity),
//! `pipeline::decide` and `pipeline::may_work_on_service` (stages, checklist items,
//! samples, corrections, checks, installs, integrations), `paging::responders` (alerts),
//! `oncall` (overrides, swaps, shift notes, the log) and `raci::roadmap`.

use crate::PersonId;

/// The actor name the audit log records for the admin.
pub const ADMIN: &str = "admin";

/// A caller, as its credentials say: a person of the organisation, or the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Person(PersonId),
    Admin,
}

/// The caller may not do this; the message says who may.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Forbidden(pub String);

impl Principal {
    /// The actor name recorded in the audit log.
    pub fn actor(&self) -> String {
        match self {
            Principal::Person(p) => p.to_string(),
            Principal::Admin => ADMIN.to_owned(),
        }
    }

    /// The admin creates and revokes tokens for anyone; a person only their own.
    pub fn may_manage_tokens_of(&self, owner: &PersonId) -> Result<(), Forbidden> {
        match self {
            Principal::Person(p) if p != owner => {
                Err(Forbidden(format!("{p} may create tokens only for themselves; the admin creates them for others")))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_manage_their_own_tokens_and_the_admin_everyones() {
        let ada = PersonId::parse("ada.ferreira").unwrap();
        let bo = PersonId::parse("bo.lindqvist").unwrap();
        assert!(Principal::Person(ada.clone()).may_manage_tokens_of(&ada).is_ok());
        let refused = Principal::Person(ada).may_manage_tokens_of(&bo).unwrap_err();
        assert!(refused.0.contains("only for themselves"), "{refused}");
        assert!(Principal::Admin.may_manage_tokens_of(&bo).is_ok());
    }
}
