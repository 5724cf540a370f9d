//! Production gates of `policies/` (`kind: Gate`).
//!
//! A gate is read by walking its YAML tree rather than through serde, so that every
//! problem in its requirements, however deeply nested, is reported at its own
//! file:line:column, and every problem is reported, not the first. The shape:
//!
//! ```yaml
//! kind: Gate
//! id: customer-release
//! name: Release to customers
//! applies_to: customer-facing      # all (default) | customer-facing | internal-only
//! all_of:                          # or any_of
//!   - approval: {team: customer-support, expires_after: 30d}
//!   - approval: {role: owner}      # the service's owners; `sre`: its assigned SRE team
//!   - any_of: [...]
//!   - check: {name: e2e, max_age: 7d}
//!   - slo_viability: {}
//!   - soak_test: {}                # the soak's result (the SLOs' verdict, or an override) passed
//!   - slis_demonstrated: {min_days: 28}   # data on each of the last 28 days, per SLO
//!   - support_cover: {min_members: 3}
//!   - service_definition: {}
//!   - capacity_agreed: {}
//!   - stage_at_least: transition
//! ```

use crate::diagnostic::{Diagnostic, Place};
use crate::document::Document;
use crate::validate::known;
use baton_core::gate::{AppliesTo, Gate, Requirement, ServiceRole};
use baton_core::pipeline::Stage;
use baton_core::{GateId, Org, Period, TeamId};
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::Node;
use std::collections::BTreeMap;

const TOP_KEYS: [&str; 7] = ["kind", "id", "name", "description", "applies_to", "all_of", "any_of"];

/// Checks every gate document and adds the good ones to `org.gates`.
pub(crate) fn check(docs: &[Document], org: &mut Org, diags: &mut Vec<Diagnostic>) {
    let mut places: BTreeMap<GateId, Place> = BTreeMap::new();
    let mut gates = Vec::new();
    for doc in docs {
        let mut reader = Reader { doc, org, diags, leaves: BTreeMap::new(), broken: false };
        let Some((gate, place)) = reader.gate() else { continue };
        if let Some(first) = places.get(&gate.id) {
            diags.push(place.error(format!("gate `{}` is already defined at {first}", gate.id)));
            continue;
        }
        places.insert(gate.id.clone(), place);
        gates.push(gate);
    }
    org.gates.extend(gates.into_iter().map(|g| (g.id.clone(), g)));
}

struct Reader<'a> {
    doc: &'a Document,
    org: &'a Org,
    diags: &'a mut Vec<Diagnostic>,
    /// Where each leaf id was first listed: a waiver names a leaf by id, so ids are unique.
    leaves: BTreeMap<String, Place>,
    /// Set on any error, so a gate with a problem is not added.
    broken: bool,
}

fn is_empty(node: &Node) -> bool {
    match node {
        Node::Scalar(s) => matches!(s.as_str(), "" | "~" | "null"),
        Node::Mapping(m) => m.is_empty(),
        Node::Sequence(_) => false,
    }
}

impl Reader<'_> {
    fn error(&mut self, place: Place, msg: impl Into<String>) {
        self.broken = true;
        self.diags.push(place.error(msg));
    }

    fn at_key(&self, key: &MarkedScalarNode) -> Place {
        self.doc.place(key.span())
    }

    fn at(&self, node: &Node) -> Place {
        self.doc.place_of(node)
    }

    fn gate(&mut self) -> Option<(Gate, Place)> {
        let doc = self.doc;
        let map = doc.node.as_mapping()?;
        for (key, _) in map.iter() {
            if !TOP_KEYS.contains(&key.as_str()) {
                let msg = format!("unknown key `{}`; a Gate has {}", key.as_str(), TOP_KEYS.join(", "));
                self.error(self.at_key(key), msg);
            }
        }
        let id = self.required_scalar(map, "id", "its id, like customer-release").and_then(|s| {
            GateId::parse(s.as_str()).map_err(|e| self.error(self.doc.place(s.span()), e.to_string())).ok()
        });
        let name = self.required_scalar(map, "name", "a name people read, like Release to customers");
        let description = map.get_scalar("description").map(|s| s.as_str().to_owned());
        let applies_to = match map.get_scalar("applies_to") {
            None => AppliesTo::All,
            Some(s) => AppliesTo::parse(s.as_str()).unwrap_or_else(|| {
                let msg = format!("unknown applies_to `{}`; use one of {}", s.as_str(), AppliesTo::ALL.join(", "));
                self.error(self.doc.place(s.span()), msg);
                AppliesTo::All
            }),
        };
        let groups: Vec<_> = map.iter().filter(|(k, _)| matches!(k.as_str(), "all_of" | "any_of")).collect();
        let requirement = match groups.as_slice() {
            [] => {
                let msg = "missing key `all_of` or `any_of`: a Gate lists its requirements under `all_of` (every one must hold) or `any_of` (one must)";
                self.error(doc.start(), msg);
                None
            }
            [(key, value)] => self.group(key, value),
            [_, (second, _), ..] => {
                let msg = "a Gate has one of `all_of` or `any_of` at the top; nest the other inside it";
                self.error(self.at_key(second), msg);
                None
            }
        };
        let gate =
            Gate { id: id?, name: name?.as_str().to_owned(), description, applies_to, requirement: requirement? };
        let place = map.get_scalar("id").map_or_else(|| doc.start(), |s| doc.place(s.span()));
        (!self.broken).then_some((gate, place))
    }

    fn required_scalar<'n>(
        &mut self,
        map: &'n MarkedMappingNode,
        key: &str,
        what: &str,
    ) -> Option<&'n MarkedScalarNode> {
        match map.get_node(key) {
            None => {
                self.error(self.doc.start(), format!("missing key `{key}`: give {what}"));
                None
            }
            Some(Node::Scalar(s)) if !s.as_str().trim().is_empty() => Some(s),
            Some(node) => {
                self.error(self.at(node), format!("`{key}` must be a non-empty text: give {what}"));
                None
            }
        }
    }

    fn group(&mut self, key: &MarkedScalarNode, node: &Node) -> Option<Requirement> {
        let kind = key.as_str();
        let Some(items) = node.as_sequence() else {
            self.error(self.at_key(key), format!("`{kind}` takes a list of requirements"));
            return None;
        };
        if items.is_empty() {
            self.error(self.at_key(key), format!("`{kind}` is empty: list at least one requirement"));
            return None;
        }
        // Every item is read even after a bad one, so one run reports every problem.
        let children: Vec<Option<Requirement>> = items.iter().map(|item| self.item(item)).collect();
        let children: Vec<Requirement> = children.into_iter().collect::<Option<_>>()?;
        Some(if kind == "all_of" { Requirement::AllOf(children) } else { Requirement::AnyOf(children) })
    }

    fn item(&mut self, node: &Node) -> Option<Requirement> {
        let kinds = Requirement::KINDS.join(", ");
        let Some(map) = node.as_mapping().filter(|m| !m.is_empty()) else {
            self.error(self.at(node), format!("a requirement is a mapping with one key, its kind: one of {kinds}"));
            return None;
        };
        if map.len() > 1 {
            let keys: Vec<String> = map.keys().map(|k| format!("`{}`", k.as_str())).collect();
            let msg = format!(
                "a requirement has exactly one key, its kind; this one has {}: write each as its own list item",
                keys.join(", ")
            );
            self.error(self.at(node), msg);
            return None;
        }
        let (key, value) = map.iter().next().expect("one entry");
        let leaf = match key.as_str() {
            "all_of" | "any_of" => return self.group(key, value),
            "approval" => self.approval(key, value)?,
            "check" => {
                let fields = self.fields(key, value, &["name", "max_age"], &["name", "max_age"])?;
                let name = fields.get_scalar("name")?;
                if GateId::parse(name.as_str()).is_err() {
                    let msg = format!(
                        "`{}` is not a valid check name: use 1 to 63 lowercase letters, digits, '-', '_' or '.', like e2e",
                        name.as_str()
                    );
                    self.error(self.doc.place(name.span()), msg);
                    return None;
                }
                let max_age = self.period(fields.get_scalar("max_age")?)?;
                Requirement::Check { name: name.as_str().to_owned(), max_age }
            }
            "slo_viability" => self.no_settings(key, value, Requirement::SloViability)?,
            "soak_test" => self.no_settings(key, value, Requirement::SoakTest)?,
            "service_definition" => self.no_settings(key, value, Requirement::ServiceDefinition)?,
            "capacity_agreed" => self.no_settings(key, value, Requirement::CapacityAgreed)?,
            "slis_demonstrated" => {
                let fields = self.fields(key, value, &["min_days"], &["min_days"])?;
                Requirement::SlisDemonstrated { min_days: self.count(fields, "min_days", "days")? }
            }
            "support_cover" => {
                let fields = self.fields(key, value, &["min_members"], &["min_members"])?;
                Requirement::SupportCover { min_members: self.count(fields, "min_members", "members")? }
            }
            "stage_at_least" => {
                let stages: Vec<&str> = Stage::ALL.iter().filter(|s| !s.is_terminal()).map(|s| s.as_str()).collect();
                let stage = value.as_scalar().and_then(|s| Stage::parse(s.as_str())).filter(|s| !s.is_terminal());
                let Some(stage) = stage else {
                    let given = value.as_scalar().map_or("a non-text value", |s| s.as_str());
                    let msg = format!("unknown stage `{given}` for stage_at_least; use one of {}", stages.join(", "));
                    self.error(self.at(value), msg);
                    return None;
                };
                Requirement::StageAtLeast(stage)
            }
            other => {
                self.error(self.at_key(key), format!("unknown requirement kind `{other}`; use one of {kinds}"));
                return None;
            }
        };
        let id = leaf.id().expect("a leaf has an id");
        let place = self.at_key(key);
        if let Some(first) = self.leaves.get(&id) {
            let msg = format!(
                "requirement `{id}` is already listed at line {}: a waiver names a requirement by id, so each is listed once",
                first.line
            );
            self.error(place, msg);
            return None;
        }
        self.leaves.insert(id, place);
        Some(leaf)
    }

    /// `approval: {team: customer-support, ...}`, or `approval: {role: owner, ...}` for
    /// the team that has that role for the service judged (`owner` or `sre`).
    fn approval(&mut self, key: &MarkedScalarNode, value: &Node) -> Option<Requirement> {
        let allowed = ["team", "role", "allow_shared_approver", "expires_after", "invalidated_by_version_change"];
        let fields = self.fields(key, value, &allowed, &[])?;
        let approver = match (fields.get_scalar("team"), fields.get_scalar("role")) {
            (Some(team), None) => self.team(team).map(Ok),
            (None, Some(role)) => match ServiceRole::parse(role.as_str()) {
                Some(r) => Some(Err(r)),
                None => {
                    let msg = format!("unknown role `{}`; use one of {}", role.as_str(), ServiceRole::ALL.join(", "));
                    self.error(self.doc.place(role.span()), msg);
                    None
                }
            },
            _ => {
                let msg = "an approval names exactly one of `team` (a team id) or `role` (owner or sre)";
                self.error(self.at_key(key), msg);
                None
            }
        };
        let allow_shared_approver = self.flag(fields, "allow_shared_approver");
        let invalidated_by_version_change = self.flag(fields, "invalidated_by_version_change");
        let expires_after = match fields.get_scalar("expires_after") {
            None => None,
            Some(s) => Some(self.period(s)?),
        };
        let (allow_shared_approver, invalidated_by_version_change) =
            (allow_shared_approver?, invalidated_by_version_change?);
        Some(match approver? {
            Ok(team) => {
                Requirement::Approval { team, allow_shared_approver, expires_after, invalidated_by_version_change }
            }
            Err(role) => {
                Requirement::RoleApproval { role, allow_shared_approver, expires_after, invalidated_by_version_change }
            }
        })
    }

    /// The settings mapping of a leaf, with only `allowed` keys and every `required` one.
    fn fields<'n>(
        &mut self,
        key: &MarkedScalarNode,
        value: &'n Node,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<&'n MarkedMappingNode> {
        let kind = key.as_str();
        let Some(map) = value.as_mapping() else {
            let example =
                format!("{{{}}}", required.iter().map(|k| format!("{k}: ...")).collect::<Vec<_>>().join(", "));
            self.error(self.at(value), format!("`{kind}` takes a mapping, like {kind}: {example}"));
            return None;
        };
        let mut ok = true;
        for (k, _) in map.iter() {
            if !allowed.contains(&k.as_str()) {
                let msg = format!("unknown key `{}` in `{kind}`; it takes {}", k.as_str(), allowed.join(", "));
                self.error(self.at_key(k), msg);
                ok = false;
            }
        }
        for r in required {
            match map.get_node(r) {
                None => {
                    self.error(self.at_key(key), format!("missing key `{r}` in `{kind}`"));
                    ok = false;
                }
                Some(n) if n.as_scalar().is_none() => {
                    self.error(self.at(n), format!("`{r}` in `{kind}` must be a single value"));
                    ok = false;
                }
                Some(_) => {}
            }
        }
        ok.then_some(map)
    }

    fn no_settings(&mut self, key: &MarkedScalarNode, value: &Node, r: Requirement) -> Option<Requirement> {
        if is_empty(value) {
            return Some(r);
        }
        let kind = key.as_str();
        self.error(self.at(value), format!("`{kind}` takes no settings: write `{kind}: {{}}`"));
        None
    }

    fn team(&mut self, s: &MarkedScalarNode) -> Option<TeamId> {
        let place = self.doc.place(s.span());
        let id = TeamId::parse(s.as_str()).map_err(|e| self.error(place.clone(), e.to_string())).ok()?;
        if self.org.teams.contains_key(&id) {
            return Some(id);
        }
        let msg = format!(
            "approval team `{id}` is not a defined team ({})",
            known(self.org.teams.keys().map(TeamId::as_str))
        );
        self.error(place, msg);
        None
    }

    fn flag(&mut self, fields: &MarkedMappingNode, key: &str) -> Option<bool> {
        let Some(node) = fields.get_node(key) else { return Some(false) };
        match node.as_scalar().and_then(MarkedScalarNode::as_bool) {
            Some(b) => Some(b),
            None => {
                self.error(self.at(node), format!("`{key}` must be true or false"));
                None
            }
        }
    }

    fn period(&mut self, s: &MarkedScalarNode) -> Option<Period> {
        Period::parse(s.as_str()).map_err(|e| self.error(self.doc.place(s.span()), e.to_string())).ok()
    }

    fn count(&mut self, fields: &MarkedMappingNode, key: &str, unit: &str) -> Option<u32> {
        let s = fields.get_scalar(key)?;
        match s.as_u32().filter(|n| *n > 0) {
            Some(n) => Some(n),
            None => {
                let msg = format!("`{key}` is `{}`: give a whole number of {unit}, at least 1", s.as_str());
                self.error(self.doc.place(s.span()), msg);
                None
            }
        }
    }
}
