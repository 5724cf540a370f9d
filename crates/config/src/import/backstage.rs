//! `baton import backstage`: a Backstage catalog's Groups become teams (with the Users
//! that are members), its Components services (owner, system, lifecycle).
//!
//! Only `type: team` Groups become teams: Baton's teams own services and take turns on
//! call, which organisations and business units do not. Users become team members with
//! their profile's name and email. Systems, Resources, APIs, Domains and Locations have no
//! Baton counterpart and are named as not carried over; so are libraries (a library is
//! not a service anyone takes a pager for).

use super::{documents, Imported, Input, Options};
use crate::diagnostic::Place;
use crate::docs::S;
use crate::document::Document;
use crate::yaml_out::{self, Yaml};
use marked_yaml::Spanned;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Deserialize)]
struct Entity<T> {
    metadata: Metadata,
    spec: Option<T>,
}

#[derive(Deserialize)]
struct Metadata {
    name: S,
    title: Option<String>,
    description: Option<String>,
    #[serde(default)]
    tags: Vec<S>,
}

#[derive(Deserialize, Default)]
struct GroupSpec {
    #[serde(rename = "type")]
    kind: Option<S>,
    profile: Option<Profile>,
    #[serde(default)]
    members: Vec<S>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UserSpec {
    profile: Option<Profile>,
    #[serde(default)]
    member_of: Vec<S>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Profile {
    display_name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize, Default)]
struct ComponentSpec {
    #[serde(rename = "type")]
    kind: Option<S>,
    lifecycle: Option<String>,
    owner: Option<S>,
    system: Option<String>,
}

/// A Backstage entity name: letters, digits and `-_.` between them, at most 63.
fn valid_name(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric();
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(ok)
        && s.ends_with(ok)
        && s.chars().all(|c| ok(c) || "-_.".contains(c))
}

/// A Backstage tag: lowercase letters, digits and `+#:`, with `-` between, at most 63.
fn valid_tag(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "+#:".contains(c);
    !s.is_empty() && s.len() <= 63 && s.split('-').all(|p| !p.is_empty() && p.chars().all(ok))
}

/// `group:default/team-a`, `default/team-a`, `team-a` → (`group`, `team-a`); the kind is
/// `default_kind` when not written.
fn entity_ref<'a>(r: &'a str, default_kind: &'a str) -> (&'a str, &'a str) {
    let (kind, rest) = r.split_once(':').unwrap_or((default_kind, r));
    let name = rest.rsplit_once('/').map_or(rest, |(_, n)| n);
    (kind, name)
}

struct Team {
    id: String,
    name: String,
    email: Option<String>,
    members: BTreeSet<String>,
}

struct Person {
    name: Option<String>,
    email: Option<String>,
}

/// `breanna.davison` → `Breanna Davison`: Baton needs a person's name, and Backstage's
/// profile may leave it out.
fn name_from_id(id: &str) -> String {
    id.split(['.', '-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks the metadata every entity shares; a broken name or tag refuses the entity.
fn metadata_ok(doc: &Document, m: &Metadata, kind: &str, out: &mut Imported) -> bool {
    let mut ok = true;
    if !valid_name(m.name.as_str()) {
        let msg = format!("`metadata.name`: `{}` is not a Backstage name (letters and digits, with - _ . between them, at most 63 characters): this {kind} is not imported", m.name.as_str());
        out.diagnostics.push(doc.at(&m.name).error(msg));
        ok = false;
    }
    for (i, t) in m.tags.iter().enumerate() {
        if !valid_tag(t.as_str()) {
            let msg = format!("`metadata.tags[{i}]`: `{}` is not a Backstage tag (lowercase letters, digits, + # :, with - between them): this {kind} is not imported", t.as_str());
            out.diagnostics.push(doc.at(t).error(msg));
            ok = false;
        }
    }
    ok
}

fn parse<T: serde::de::DeserializeOwned>(doc: &Document, out: &mut Imported) -> Option<Entity<T>> {
    doc.parse::<Entity<T>>().map_err(|d| out.diagnostics.push(d)).ok()
}

pub(crate) fn import(inputs: &[Input], options: &Options, out: &mut Imported) {
    let docs = documents(inputs, out);
    let mut teams: BTreeMap<String, Team> = BTreeMap::new();
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    let mut member_of: Vec<(String, String, Place)> = Vec::new();
    let mut components = Vec::new();
    for doc in &docs {
        let Some(kind) = doc.kind() else {
            out.diagnostics.push(doc.start().error("missing key `kind`: not a Backstage entity"));
            continue;
        };
        match doc.scalar("apiVersion") {
            Some(v) if v.as_str().starts_with("backstage.io/") => {}
            _ => {
                let msg = "not a Backstage entity: `apiVersion` is backstage.io/v1alpha1 or backstage.io/v1beta1";
                out.diagnostics.push(doc.start().error(msg));
                continue;
            }
        }
        match kind.as_str() {
            "Group" => {
                let Some(e) = parse::<GroupSpec>(doc, out) else { continue };
                if !metadata_ok(doc, &e.metadata, "Group", out) {
                    continue;
                }
                let spec = e.spec.unwrap_or_default();
                let group_type = spec.kind.as_ref().map_or("team", |k| k.as_str());
                if group_type != "team" {
                    let msg = format!("Group `{}` is of type {group_type}: Baton's teams own services and take turns on call, so only Groups of type team become teams; not carried over", e.metadata.name.as_str());
                    out.diagnostics.push(doc.at(&e.metadata.name).warning(msg));
                    continue;
                }
                let id = e.metadata.name.as_str().to_ascii_lowercase();
                let profile = spec.profile.unwrap_or_default();
                let name = profile.display_name.or(e.metadata.title).unwrap_or_else(|| id.clone());
                let members =
                    spec.members.iter().map(|m| entity_ref(m.as_str(), "user").1.to_ascii_lowercase()).collect();
                teams.insert(id.clone(), Team { id, name, email: profile.email, members });
            }
            "User" => {
                let Some(e) = parse::<UserSpec>(doc, out) else { continue };
                if !metadata_ok(doc, &e.metadata, "User", out) {
                    continue;
                }
                let id = e.metadata.name.as_str().to_ascii_lowercase();
                let spec = e.spec.unwrap_or_default();
                let profile = spec.profile.unwrap_or_default();
                for g in &spec.member_of {
                    let group = entity_ref(g.as_str(), "group").1.to_ascii_lowercase();
                    member_of.push((id.clone(), group, doc.at(g)));
                }
                // The same user in two namespaces is one person to Baton.
                let name = profile.display_name.unwrap_or_else(|| name_from_id(&id));
                people.entry(id).or_insert(Person { name: Some(name), email: profile.email });
            }
            "Component" => {
                let Some(e) = parse::<ComponentSpec>(doc, out) else { continue };
                if metadata_ok(doc, &e.metadata, "Component", out) {
                    components.push((doc, e));
                }
            }
            other => {
                let msg =
                    format!("a Backstage {other} has no counterpart in Baton (teams, services): not carried over");
                out.diagnostics.push(doc.at(&kind).warning(msg));
            }
        }
    }
    for (person, group, at) in member_of {
        match teams.get_mut(&group) {
            Some(t) => {
                t.members.insert(person);
            }
            None if options.teams.contains(&group) => {}
            None => {
                let msg = format!("`{person}` is a member of `{group}`, which is neither a team of this catalog nor of the repo: that membership is not carried over");
                out.diagnostics.push(at.warning(msg));
            }
        }
    }
    let mut listed: BTreeSet<String> = BTreeSet::new();
    for team in teams.values() {
        if options.teams.contains(&team.id) {
            let msg =
                format!("team `{}` is already defined in the repo: teams/{}.yaml is not written", team.id, team.id);
            out.diagnostics.push(super::file_place(&PathBuf::from(format!("teams/{}.yaml", team.id))).warning(msg));
            continue;
        }
        let members: Vec<Yaml> = team
            .members
            .iter()
            .map(|id| {
                // A person's details are written where they are first listed.
                let person = people.get(id).filter(|_| listed.insert(id.clone()));
                Yaml::map([
                    ("id", Some(Yaml::str(id))),
                    ("name", person.and_then(|p| p.name.clone()).map(Yaml::str)),
                    ("email", person.and_then(|p| p.email.clone()).map(Yaml::str)),
                ])
            })
            .collect();
        let doc = Yaml::map([
            ("id", Some(Yaml::str(&team.id))),
            ("name", Some(Yaml::str(&team.name))),
            ("kind", Some(Yaml::str("service-owner"))),
            ("email", team.email.clone().map(Yaml::str)),
            ("members", Some(Yaml::List(members))),
        ]);
        let header = "Imported from a Backstage catalog (Group and its Users) by `baton import backstage`.\nA service-owner team: make it `sre` if it takes over services, and add `lead` and time zones.";
        out.files.push((PathBuf::from(format!("teams/{}.yaml", team.id)), yaml_out::file(header, &[doc])));
    }
    for (doc, e) in components {
        let name = &e.metadata.name;
        let spec = e.spec.unwrap_or_default();
        if spec.kind.as_ref().is_some_and(|k| k.as_str() == "library") {
            let msg = format!(
                "Component `{}` is a library, not a service anyone takes a pager for: not carried over",
                name.as_str()
            );
            out.diagnostics.push(doc.at(name).warning(msg));
            continue;
        }
        let id = name.as_str().to_ascii_lowercase();
        if options.services.contains(&id) {
            let msg = format!("service `{id}` is already defined in the repo: services/{id}.yaml is not written");
            out.diagnostics.push(doc.at(name).warning(msg));
            continue;
        }
        let Some(owner) = owner_team(doc, &spec.owner, &teams, &people, options, out) else { continue };
        let service = Yaml::map([
            ("id", Some(Yaml::str(&id))),
            ("name", Some(Yaml::str(e.metadata.title.as_deref().unwrap_or(name.as_str())))),
            ("description", e.metadata.description.map(Yaml::str)),
            ("owner_team", Some(Yaml::str(owner))),
            ("system", spec.system.map(|s| Yaml::str(entity_ref(&s, "system").1))),
            ("lifecycle", spec.lifecycle.map(Yaml::str)),
        ]);
        let header = "Imported from a Backstage Component by `baton import backstage`.\nAdd its links (epic, questionnaire, service definition, SOPs, repository) before it is proposed.";
        out.files.push((PathBuf::from(format!("services/{id}.yaml")), yaml_out::file(header, &[service])));
    }
}

/// The team owning a Component: its owner Group, or for a User owner the one team they
/// are a member of, or `--owner`; `None` (with an error) when none of these is known.
fn owner_team(
    doc: &Document,
    owner: &Option<Spanned<String>>,
    teams: &BTreeMap<String, Team>,
    people: &BTreeMap<String, Person>,
    options: &Options,
    out: &mut Imported,
) -> Option<String> {
    let Some(owner) = owner else {
        return fallback(doc.start(), "it names no `spec.owner`", options, out);
    };
    let at = doc.at(owner);
    let (kind, name) = entity_ref(owner.as_str(), "group");
    let name = name.to_ascii_lowercase();
    match kind {
        "group" if teams.contains_key(&name) || options.teams.contains(&name) => Some(name),
        "group" => fallback(
            at,
            &format!("its owner `{}` is not a team of this catalog or the repo", owner.as_str()),
            options,
            out,
        ),
        "user" => {
            let theirs: Vec<&String> = teams.values().filter(|t| t.members.contains(&name)).map(|t| &t.id).collect();
            match theirs.as_slice() {
                [team] => {
                    let msg = format!("`spec.owner` is the user `{name}`: Baton's services are owned by teams, so `{team}`, their team, owns it");
                    out.diagnostics.push(at.warning(msg));
                    Some((*team).clone())
                }
                _ => {
                    let why = if people.contains_key(&name) {
                        "is a member of no single team"
                    } else {
                        "is not in this catalog"
                    };
                    fallback(at, &format!("its owner is the user `{name}`, who {why}"), options, out)
                }
            }
        }
        other => fallback(at, &format!("its owner is a {other}, not a group"), options, out),
    }
}

fn fallback(at: Place, why: &str, options: &Options, out: &mut Imported) -> Option<String> {
    match &options.owner {
        Some(team) => {
            out.diagnostics.push(at.warning(format!("{why}: `{team}` (--owner) owns it")));
            Some(team.clone())
        }
        None => {
            out.diagnostics
                .push(at.error(format!("`spec.owner`: {why}; pass `--owner TEAM` to say which team owns it in Baton")));
            None
        }
    }
}
