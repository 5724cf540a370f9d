//! Personas: the players of the SLO game (the SLO practices talk's "Rosetta Stone"), each
//! mapped per service to real people and teams.

use crate::{PersonId, PersonaId, TeamId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who stands in for a persona on a service that does not name anyone for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PersonaRule {
    /// The lead of the service's owner team (the team itself when it has no lead).
    OwnerLead,
    /// The service's owner team.
    OwnerTeam,
    /// The SRE team assigned to the service (nobody before the assignment).
    SreTeam,
    /// The lead of the SRE team assigned to the service.
    SreLead,
    /// The architects team of the pipeline policy.
    Architects,
    /// One team, whatever the service.
    Team(TeamId),
    /// One person, whatever the service.
    Person(PersonId),
}

impl PersonaRule {
    /// The rules written as a bare word; `team: ID` and `person: ID` take an id.
    pub const WORDS: [&'static str; 5] = ["owner-lead", "owner-team", "sre-team", "sre-lead", "architects"];

    pub fn parse_word(s: &str) -> Option<PersonaRule> {
        match s {
            "owner-lead" => Some(PersonaRule::OwnerLead),
            "owner-team" => Some(PersonaRule::OwnerTeam),
            "sre-team" => Some(PersonaRule::SreTeam),
            "sre-lead" => Some(PersonaRule::SreLead),
            "architects" => Some(PersonaRule::Architects),
            _ => None,
        }
    }
}

impl fmt::Display for PersonaRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PersonaRule::OwnerLead => f.write_str("the owner team's lead"),
            PersonaRule::OwnerTeam => f.write_str("the owner team"),
            PersonaRule::SreTeam => f.write_str("the assigned SRE team"),
            PersonaRule::SreLead => f.write_str("the assigned SRE team's lead"),
            PersonaRule::Architects => f.write_str("the architects team"),
            PersonaRule::Team(t) => write!(f, "team {t}"),
            PersonaRule::Person(p) => write!(f, "{p}"),
        }
    }
}

/// A team or a person a persona is mapped to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Assignee {
    Team(TeamId),
    Person(PersonId),
}

impl fmt::Display for Assignee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assignee::Team(t) => write!(f, "team {t}"),
            Assignee::Person(p) => write!(f, "{p}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persona {
    pub id: PersonaId,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Who plays it on a service that names nobody; `None`: every service must name someone.
    #[serde(default)]
    pub default: Option<PersonaRule>,
}

/// The organisation's personas (`kind: Personas` in `policies/`), in the order written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Personas {
    pub personas: Vec<Persona>,
}

impl Personas {
    pub fn get(&self, id: &PersonaId) -> Option<&Persona> {
        self.personas.iter().find(|p| &p.id == id)
    }

    /// The seven personas of the SLO practices talk, used when `policies/` defines none.
    /// Every owner-side persona falls back to the owner team's lead until the repo says
    /// otherwise; engineers are the owner team; the SRE IC is the assigned SRE team.
    pub fn builtin() -> Personas {
        let p = |id: &str, name: &str, default: PersonaRule| Persona {
            id: PersonaId::parse(id).expect("valid id"),
            name: name.into(),
            description: None,
            default: Some(default),
        };
        Personas {
            personas: vec![
                p(SERVICE_OWNER, "Service Owner", PersonaRule::OwnerLead),
                p(PRODUCT_OWNER, "Product Owner(s)", PersonaRule::OwnerLead),
                p(ENGINEERING_LEAD, "Engineering/Quality Lead", PersonaRule::OwnerLead),
                p(SOFTWARE_ENGINEER, "Sw. Eng/QE", PersonaRule::OwnerTeam),
                p(SRE_IC, "SRE IC", PersonaRule::SreTeam),
                p(ENGINEERING_MANAGER, "Eng Manager/Director", PersonaRule::OwnerLead),
                p(EXECUTIVE, "Exec (VP)", PersonaRule::OwnerLead),
            ],
        }
    }
}

pub const SERVICE_OWNER: &str = "service-owner";
pub const PRODUCT_OWNER: &str = "product-owner";
pub const ENGINEERING_LEAD: &str = "engineering-lead";
pub const SOFTWARE_ENGINEER: &str = "software-engineer";
pub const SRE_IC: &str = "sre-ic";
pub const ENGINEERING_MANAGER: &str = "engineering-manager";
pub const EXECUTIVE: &str = "executive";
