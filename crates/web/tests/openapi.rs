//! The OpenAPI document at `GET /api/v1/openapi.json`, checked against a real server:
//! every route that answers is documented and every documented one answers, every
//! mutating operation states its role and needs a bearer token, the document is valid
//! OpenAPI 3.1 by `openapi-spec-validator`, and real answers match their schemas.

use baton_app::{Baton, ReviewAttestation, SystemClock, ADMIN};
use baton_core::PersonId;
use baton_store_sqlite::SqliteStore;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const INSTALL_HINT: &str = "run ./scripts/test, which installs it, or pip install openapi-spec-validator";

/// The roles a mutating operation may name, as `Role: <role>.` on its description's first line.
const ROLES: &[&str] = &[
    "owner",
    "architect",
    "sre-lead",
    "sre",
    "sre-or-owner",
    "requiring-team",
    "owner-or-architect",
    "self-or-admin",
    // On-call work: members of the rotation's team, the person on call, the outgoing and incoming engineers.
    "rotation-team",
    "on-call",
    "outgoing-on-call",
    "incoming-on-call",
    // Changes to a rotation: the person asked to swap, the one who asked; feeds: any person, their maker.
    "swap-partner",
    "swap-requester",
    "any-person",
    // Leave: the person, or the lead of one of their teams.
    "self-or-lead",
    // Contact methods and notification rules: the person alone (a code goes to the method).
    "self",
    "feed-owner",
    // Production gates: a member of a team the gate asks approval from, the voter, the SRE team or the architects.
    "gate-team",
    "voter",
    "sre-or-architect",
    // Alerts: members of the owner team, the SRE team or the paging policy's team.
    "responder",
    // The SLO roadmap: whom the service's RACI chart makes R or A for proposing or agreeing it.
    "raci-propose-roadmap",
    "raci-agree-roadmap",
];

struct App {
    url: String,
    client: reqwest::Client,
    baton: Arc<Baton>,
    _dir: tempfile::TempDir,
}

/// A real server on a loopback port over a fresh SQLite file with the example organisation.
async fn spawn_app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::connect(&format!("sqlite://{}/baton.db", dir.path().display())).await.unwrap());
    let baton = Arc::new(Baton::new(store, Arc::new(SystemClock), Arc::new(ReviewAttestation)));
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/org");
    let org = baton_config::load(&examples).org.expect("the example organisation loads");
    baton.apply(&org, "test").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // These tests walk every route with every method and role as one caller, far beyond any
    // person's pace, and read without signing in: the rate limits and signed-in reads have
    // tests of their own (crates/baton/tests/it/security.rs).
    let config = baton_web::WebConfig { rate_limit: None, open_reads: baton_web::OpenReads::ALL, ..Default::default() };
    let router = baton_web::router_with(baton.clone(), config);
    tokio::spawn(async move { baton_web::serve(listener, router, std::future::pending()).await.unwrap() });
    App { url, client: reqwest::Client::new(), baton, _dir: dir }
}

impl App {
    async fn token(&self, person: &str) -> String {
        self.baton.create_token(&PersonId::parse(person).unwrap(), "test", None, "test").await.unwrap().secret
    }

    /// The admin's token, as `serve` prints it on first start.
    async fn admin_token(&self) -> (String, String) {
        let issued =
            self.baton.create_token(&PersonId::parse(ADMIN).unwrap(), "first start", None, "test").await.unwrap();
        (issued.token.id, issued.secret)
    }

    async fn document(&self) -> Value {
        let resp = self.client.get(format!("{}/api/v1/openapi.json", self.url)).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "application/json");
        resp.json().await.unwrap()
    }

    /// Sends `method path` with an optional token and raw body; the status and the body.
    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<String>) -> (u16, String) {
        let mut req = self.client.request(method.to_uppercase().parse().unwrap(), format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req.send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }
}

/// Every `(path, method)` the document lists.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = vec![];
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            ops.push((path.clone(), method.clone(), op));
        }
    }
    ops
}

/// A path template with example values filled in: ids that exist in the example organisation.
fn concrete(path: &str, token_id: &str) -> String {
    let id = if path.starts_with("/api/v1/teams/") {
        "addon-sre"
    } else if path.starts_with("/api/v1/tokens/") {
        token_id
    } else {
        "streamhub"
    };
    path.replace("{id}", id).replace("{item}", "slos-defined").replace("{env}", "integration")
}

/// The documented path template `url` is an instance of: the one whose fixed segments match most.
fn documented_path(doc: &Value, method: &str, url: &str) -> String {
    let segments: Vec<_> = url.split('?').next().unwrap().split('/').collect();
    let fits = |template: &str| {
        let parts: Vec<_> = template.split('/').collect();
        let fits =
            parts.len() == segments.len() && parts.iter().zip(&segments).all(|(p, s)| p.starts_with('{') || p == s);
        fits.then(|| parts.iter().filter(|p| !p.starts_with('{')).count())
    };
    let paths = doc["paths"].as_object().unwrap();
    let best = paths.iter().filter(|(_, item)| item.get(method).is_some()).filter_map(|(t, _)| Some((fits(t)?, t)));
    best.max().map(|(_, t)| t.clone()).unwrap_or_else(|| panic!("{method} {url} matches no documented path"))
}

/// The 404 of the router's fallback: no route has this path.
fn is_fallback(status: u16, body: &str) -> bool {
    status == 404 && body.contains("no API route")
}

/// Route paths written as string literals in the web crate's sources, `{...}` written `{}`.
fn route_literals(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            route_literals(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            for literal in string_literals(&std::fs::read_to_string(&path).unwrap()) {
                let route = literal.split('?').next().unwrap();
                if route.starts_with("/api/v1") || route == "/healthz" || route == "/readyz" {
                    found.insert(template(route));
                }
            }
        }
    }
}

/// The string literals of Rust source, escapes left as written; comments and char literals skipped.
fn string_literals(src: &str) -> Vec<String> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let (mut i, mut out) = (0, vec![]);
    while i < c.len() {
        let ident_before = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        match c[i] {
            '/' if at(i + 1) == '/' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => {
                i += 2;
                while i < c.len() && !(c[i] == '*' && at(i + 1) == '/') {
                    i += 1;
                }
                i += 2;
            }
            // '"' and '\'' are chars; 'a alone is a lifetime.
            '\'' if at(i + 1) == '\\' => {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '\'' if at(i + 2) == '\'' => i += 3,
            'r' if !ident_before && (at(i + 1) == '"' || at(i + 1) == '#') => {
                let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
                let start = i + 1 + hashes + 1;
                if at(start - 1) != '"' {
                    i += 1;
                    continue;
                }
                let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let rest: String = c[start..].iter().collect();
                let len = rest.find(&close).expect("a raw string ends");
                out.push(rest[..len].to_owned());
                i = start + rest[..len].chars().count() + close.len();
            }
            '"' => {
                let mut literal = String::new();
                i += 1;
                while i < c.len() && c[i] != '"' {
                    if c[i] == '\\' {
                        literal.push(c[i]);
                        i += 1;
                    }
                    literal.push(at(i));
                    i += 1;
                }
                out.push(literal);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// `/a/{id}/b/{}` → `/a/{}/b/{}`: paths compared by shape, whatever their parameters are named.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

#[tokio::test]
async fn every_route_that_answers_is_documented_and_every_documented_route_answers() {
    let app = spawn_app().await;
    let doc = app.document().await;
    let (token_id, _) = app.admin_token().await;

    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, method, _) in operations(&doc) {
        documented.entry(path).or_default().insert(method);
    }
    for (path, methods) in &documented {
        assert!(
            // `/v2/enqueue` is PagerDuty's own path, so PagerDuty senders need only a new host.
            path.starts_with("/api/v1/") || path == "/healthz" || path == "/readyz" || path == "/v2/enqueue",
            "{path} is documented but is neither under /api/v1 nor /healthz, /readyz or /v2/enqueue"
        );
        let url = concrete(path, &token_id);
        for method in ["get", "post", "put", "patch", "delete"] {
            let (status, body) = app.call(method, &url, None, Some("{}".into())).await;
            assert!(!is_fallback(status, &body), "{method} {url} is not routed: {status} {body}");
            if methods.contains(method) {
                assert_ne!(status, 405, "{method} {path} is documented but not routed");
            } else {
                assert_eq!(status, 405, "{method} {path} answers ({status} {body}) but is not documented");
            }
        }
    }

    // The other way round: every route path written in the web crate is a documented one.
    let mut literals = BTreeSet::new();
    route_literals(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"), &mut literals);
    let shapes: BTreeSet<String> = documented.keys().map(|p| template(p)).collect();
    let undocumented: Vec<_> = literals.difference(&shapes).collect();
    assert!(undocumented.is_empty(), "routes in crates/web/src that the document does not list: {undocumented:?}");
    for expected in ["/api/v1/services", "/api/v1/services/{}/checklist/{}/waive", "/healthz", "/api/v1/openapi.json"] {
        assert!(shapes.contains(expected), "{expected} is missing from the document");
    }

    // And a path nobody routes is the fallback, so the probes above mean something.
    let (status, body) = app.call("get", "/api/v1/nothing-here", None, None).await;
    assert!(is_fallback(status, &body), "{status} {body}");
}

#[tokio::test]
async fn every_mutating_operation_states_its_role_and_needs_a_bearer_token() {
    let app = spawn_app().await;
    let doc = app.document().await;
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["type"], "http");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let bearer = json!([{ "bearer": [] }]);

    // Who may take each step, as `core::pipeline::rules::decide` and `app` check it.
    let expected: BTreeMap<&str, &str> = BTreeMap::from([
        ("propose", "owner"),
        ("accept", "architect"),
        ("reject", "architect"),
        ("assign", "sre-lead"),
        ("complete_item", "requiring-team"),
        ("waive_item", "requiring-team"),
        ("record_soak", "sre-or-owner"),
        ("enter_production", "sre-or-owner"),
        ("record_review", "sre"),
        ("hand_over", "sre"),
        ("retire", "owner-or-architect"),
        ("deploy", "owner"),
        ("post_samples", "sre-or-owner"),
        ("post_correction", "sre-or-owner"),
        ("cancel_correction", "sre-or-owner"),
        ("create_token", "self-or-admin"),
        ("revoke_token", "self-or-admin"),
        ("list_tokens", "self-or-admin"),
        ("post_oncall_log", "rotation-team"),
        ("ask_for_help", "rotation-team"),
        ("resolve_runbook_todo", "rotation-team"),
        ("tick_duty", "on-call"),
        ("write_handover", "outgoing-on-call"),
        ("ack_handover", "incoming-on-call"),
        ("create_override", "rotation-team"),
        ("cancel_override", "rotation-team"),
        ("request_swap", "rotation-team"),
        ("accept_swap", "swap-partner"),
        ("decline_swap", "swap-partner"),
        ("cancel_swap", "swap-requester"),
        ("create_feed", "any-person"),
        ("record_leave", "self-or-lead"),
        ("cancel_leave", "self-or-lead"),
        ("add_contact_method", "self"),
        ("remove_contact_method", "self"),
        ("verify_contact_method", "self"),
        ("resend_contact_code", "self"),
        ("switch_contact_method", "self"),
        ("set_notification_rules", "self"),
        ("revoke_feed", "feed-owner"),
        ("vote_on_gate", "gate-team"),
        ("withdraw_vote", "voter"),
        ("waive_gate_requirement", "sre-or-architect"),
        ("pass_gate", "owner"),
        ("ask_for_votes", "owner"),
        ("post_check", "sre-or-owner"),
        ("propose_capacity", "owner"),
        ("approve_capacity", "sre"),
        ("record_install", "sre-or-owner"),
        ("create_integration", "sre-or-owner"),
        ("revoke_integration", "sre-or-owner"),
        ("acknowledge_alert", "responder"),
        ("resolve_alert", "responder"),
        ("escalate_alert", "responder"),
        ("reassign_alert", "responder"),
        ("add_alert_note", "responder"),
        ("resend_notification", "responder"),
        ("propose_roadmap", "raci-propose-roadmap"),
        ("agree_roadmap", "raci-agree-roadmap"),
    ]);
    let mut seen = BTreeSet::new();
    for (path, method, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(seen.insert(id.to_owned()), "operationId {id} is used twice");
        // Alert sources authenticate with their integration's key (in the path, or
        // PagerDuty's `routing_key`), not with a person's token.
        let intake = path.starts_with("/api/v1/intake/") || path == "/v2/enqueue";
        let always_open = intake || matches!(path.as_str(), "/healthz" | "/readyz" | "/api/v1/openapi.json");
        assert_eq!(
            op.get("security").is_some(),
            !always_open,
            "{method} {path}: every call needs a token but intake, liveness, readiness and this document"
        );
        if always_open || (method == "get" && path != "/api/v1/tokens") {
            // A read: any signed-in caller (or none, on a server that opened it).
            continue;
        }
        let description = op["description"].as_str().unwrap_or("");
        let first = description.lines().next().unwrap_or("");
        let role = first.strip_prefix("Role: ").and_then(|r| r.strip_suffix('.'));
        assert!(
            role.is_some_and(|r| ROLES.contains(&r)),
            "{method} {path}: the description's first line is {first:?}, not `Role: <one of {ROLES:?}>.`"
        );
        assert_eq!(role, expected.get(id).copied(), "{method} {path} ({id}) names the wrong role");
        assert_eq!(op["security"], bearer, "{method} {path} must require the bearer token");
        assert_eq!(
            op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
        if op.get("requestBody").is_some() {
            for status in ["413", "422"] {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} takes a body but does not document {status}"
                );
            }
        }
    }
    let missing: Vec<_> = expected.keys().filter(|id| !seen.contains(**id)).collect();
    assert!(missing.is_empty(), "operations not in the document: {missing:?}");

    // Errors are one shape; a refusal lists its unmet conditions by code and message.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["ErrorBody"]["properties"]["error"]["$ref"], "#/components/schemas/ErrorDetail");
    assert_eq!(schemas["ErrorDetail"]["properties"]["unmet"]["items"]["$ref"], "#/components/schemas/Unmet");
    let unmet: BTreeSet<_> =
        schemas["Unmet"]["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(unmet, BTreeSet::from(["code", "message"]));

    // Values that travel as strings are documented as strings.
    assert_eq!(schemas["Signed"]["properties"]["at"], json!({ "type": "string", "format": "date-time" }));
    for (name, example) in [
        ("Link", "https://tracker.example.com/EPIC-1"),
        ("Period", "28d"),
        ("ServiceId", "streamhub"),
        ("TeamId", "addon-sre"),
    ] {
        assert_eq!(schemas[name]["type"], "string", "{name}");
        assert_eq!(schemas[name]["examples"][0], example, "{name}");
    }
    assert!(schemas.get("String").is_none(), "a type documented as a reference to `String`: {}", schemas["String"]);
}

/// Runs `program args`, or fails saying how to install it.
fn run(program: &str, args: &[&Path]) -> std::process::Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("`{program}` could not be run ({e}): {INSTALL_HINT}"))
}

#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let app = spawn_app().await;
    let doc = app.document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Baton");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let out = run("openapi-spec-validator", &[&file]);
    assert!(
        out.status.success(),
        "openapi-spec-validator refuses the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Validates each sample answer against the schema its operation documents for its status,
/// with `openapi-schema-validator` (installed with `openapi-spec-validator`), and refuses
/// object keys that no schema names, so an answer cannot grow undocumented fields.
const CHECK_ANSWERS: &str = r#"
import json, sys
from openapi_schema_validator import OAS31Validator

doc = json.load(open(sys.argv[1]))
samples = json.load(open(sys.argv[2]))
components = doc["components"]

def rooted(schema):
    return dict(schema, components=components)

def valid(instance, schema):
    return OAS31Validator(rooted(schema)).is_valid(instance)

def resolve(schema):
    while "$ref" in schema:
        schema = components["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema

def collect(instance, schema, acc):
    """What `schema`, and the parts of it that `instance` matches, say an object may hold."""
    schema = resolve(schema)
    acc["props"].update(schema.get("properties", {}))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        acc["map"] = extra
    if extra is True or (schema.get("type") == "object" and "properties" not in schema and extra is None):
        acc["open"] = True
    if "items" in schema:
        acc["items"].append(schema["items"])
    for part in schema.get("allOf", []):
        collect(instance, part, acc)
    for part in schema.get("oneOf", []) + schema.get("anyOf", []):
        if valid(instance, part):
            collect(instance, part, acc)

def undocumented(instance, schema, where):
    """Keys of `instance`, at any depth, that its schema does not name."""
    acc = {"props": {}, "map": None, "open": False, "items": []}
    collect(instance, schema, acc)
    found = []
    if isinstance(instance, dict):
        for key, value in instance.items():
            if key in acc["props"]:
                found += undocumented(value, acc["props"][key], f"{where}.{key}")
            elif acc["map"] is not None:
                found += undocumented(value, acc["map"], f"{where}.{key}")
            elif not acc["open"]:
                found.append(f"{where}.{key}")
    elif isinstance(instance, list):
        for items in acc["items"]:
            for i, value in enumerate(instance):
                found += undocumented(value, items, f"{where}[{i}]")
    return found

failures = []
for s in samples:
    what = f'{s["method"].upper()} {s["path"]} -> {s["status"]}'
    op = doc["paths"][s["path"]][s["method"]]
    response = op["responses"].get(str(s["status"]))
    if response is None:
        failures.append(f"{what}: status not documented")
        continue
    content = response.get("content")
    if s["body"] is None:
        if content:
            failures.append(f"{what}: documented with a body, answered without")
        continue
    if not content or "application/json" not in content:
        failures.append(f"{what}: answered with JSON, documented without")
        continue
    schema = content["application/json"]["schema"]
    errors = sorted(OAS31Validator(rooted(schema)).iter_errors(s["body"]), key=str)
    failures += [f"{what}: {e.message} at {list(e.absolute_path)}" for e in errors[:3]]
    failures += [f"{what}: undocumented key {k}" for k in undocumented(s["body"], schema, "$")]

print("\n".join(failures))
sys.exit(1 if failures else 0)
"#;

#[tokio::test]
async fn answers_match_their_documented_schemas() {
    let app = spawn_app().await;
    let doc = app.document().await;
    let (_, admin) = app.admin_token().await;
    let tokens = [
        app.token("noor.castellano").await,  // streamhub-dev
        app.token("helga.marchetti").await,  // architect
        app.token("aoife.delacroix").await,  // addon-sre lead
        app.token("beatriz.nakamura").await, // addon-sre
    ];
    let [owner, architect, lead, sre] = tokens.each_ref().map(String::as_str);
    let mut samples = vec![];
    let mut sample = |method: &str, url: &str, status: u16, body: &str| {
        let path = documented_path(&doc, method, url);
        let body: Value = if body.is_empty() { Value::Null } else { serde_json::from_str(body).unwrap() };
        samples.push(json!({ "method": method, "path": path, "status": status, "body": body }));
    };
    let big = format!("{{\"reason\": \"{}\"}}", "x".repeat(70 * 1024));

    // Steps: successes, and each kind of error.
    let calls: [(&str, &str, Option<&str>, Option<&str>); 47] = [
        // Steps: one success, and each kind of error.
        ("post", "/api/v1/services/streamhub/propose", Some(owner), None),
        ("post", "/api/v1/services/streamhub/propose", Some(owner), Some("{}")),
        ("post", "/api/v1/services/streamhub/propose", None, None),
        ("post", "/api/v1/services/streamhub/accept", Some(owner), Some(r#"{"priority": "p1", "reason": "x"}"#)),
        ("post", "/api/v1/services/streamhub/accept", Some(architect), Some(r#"{"priority": "p1"}"#)),
        ("post", "/api/v1/services/streamhub/accept", Some(architect), Some("{not json")),
        ("post", "/api/v1/services/streamhub/accept", Some(architect), Some(&big)),
        ("post", "/api/v1/services/streamhub/assign", Some("baton_nope"), Some("{}")),
        ("post", "/api/v1/services/no-such/retire", Some(owner), Some(r#"{"reason": "x"}"#)),
        ("post", "/api/v1/services/streamhub/handover", Some(architect), Some(r#"{"reason": "x"}"#)),
        (
            "post",
            "/api/v1/services/streamhub/soak",
            Some(owner),
            Some(
                r#"{"started_at": "2026-01-01T00:00:00Z", "ended_at": "2026-01-09T00:00:00Z", "link": "https://ci.example.com/1"}"#,
            ),
        ),
        (
            "post",
            "/api/v1/services/streamhub/environments/integration/deploy",
            Some(owner),
            Some(r#"{"version": "1.2.3"}"#),
        ),
        (
            "post",
            "/api/v1/services/streamhub/checklist/slos-defined/complete",
            Some(owner),
            Some(r#"{"evidence": "https://x.example.com"}"#),
        ),
        // Far enough along that the record has an assignment and checklist states of both kinds.
        ("post", "/api/v1/services/streamhub/accept", Some(architect), Some(r#"{"priority": "p2", "reason": "fits"}"#)),
        (
            "post",
            "/api/v1/services/streamhub/assign",
            Some(lead),
            Some(r#"{"sre_team": "addon-sre", "scope": "alerts"}"#),
        ),
        (
            "post",
            "/api/v1/services/streamhub/checklist/slos-defined/complete",
            Some(sre),
            Some(r#"{"evidence": "https://x.example.com/slos"}"#),
        ),
        (
            "post",
            "/api/v1/services/streamhub/checklist/dashboards/waive",
            Some(sre),
            Some(r#"{"reason": "later", "expires_at": "2099-01-01T00:00:00Z"}"#),
        ),
        ("post", "/api/v1/services/streamhub/reject", Some(architect), Some(r#"{"reason": "too late"}"#)),
        (
            "post",
            "/api/v1/services/streamhub/review",
            Some(sre),
            Some(r#"{"slos_met": true, "evidence": "https://x.example.com/r"}"#),
        ),
        ("post", "/api/v1/services/streamhub/production", Some(sre), None),
        // Production gates, streamhub onboarding with addon-sre.
        (
            "post",
            "/api/v1/services/streamhub/gates/promote-to-prod/votes",
            Some(owner),
            Some(
                r#"{"team": "streamhub-dev", "vote": "plus", "comment": "ok", "evidence": "https://x.example.com/mr/1"}"#,
            ),
        ),
        (
            "post",
            "/api/v1/services/streamhub/checks",
            Some(owner),
            Some(r#"{"name": "e2e", "passed": true, "summary": "3 tests"}"#),
        ),
        (
            "post",
            "/api/v1/services/streamhub/gates/promote-to-prod/waivers",
            Some(sre),
            Some(r#"{"requirement": "approval:tenants-sre", "reason": "later", "expires_at": "2099-01-01T00:00:00Z"}"#),
        ),
        (
            "post",
            "/api/v1/services/streamhub/capacity",
            Some(owner),
            Some(r#"{"max_installs": 5, "max_installs_per_week": 1}"#),
        ),
        ("post", "/api/v1/services/streamhub/capacity/approve", Some(sre), None),
        (
            "post",
            "/api/v1/services/streamhub/installs",
            Some(owner),
            Some(r#"{"customer": "a", "cluster": "b", "external": true}"#),
        ),
        ("post", "/api/v1/services/streamhub/gates/promote-to-prod/pass", Some(owner), None),
        ("get", "/api/v1/services/streamhub/gates", None, None),
        ("get", "/api/v1/services/streamhub/gates/promote-to-prod", None, None),
        ("get", "/api/v1/services/streamhub/gates/nope", None, None),
        // Reads.
        ("get", "/api/v1/services", None, None),
        ("get", "/api/v1/services?stage=nope", None, None),
        ("get", "/api/v1/services/streamhub", None, None),
        ("get", "/api/v1/services/no-such", None, None),
        ("get", "/api/v1/services/streamhub/history", None, None),
        ("get", "/api/v1/teams", None, None),
        ("get", "/api/v1/teams/addon-sre", None, None),
        ("get", "/api/v1/teams/no-such", None, None),
        ("get", "/api/v1/audit?limit=5", None, None),
        ("get", "/api/v1/audit/verify", None, None),
        ("get", "/healthz", None, None),
        ("get", "/readyz", None, None),
        // Tokens.
        ("get", "/api/v1/tokens", Some(owner), None),
        ("get", "/api/v1/tokens", None, None),
        ("post", "/api/v1/tokens", Some(owner), Some(r#"{"person": "helga.marchetti", "name": "x"}"#)),
        ("post", "/api/v1/tokens", Some(owner), Some(r#"{"person": "noor.castellano", "name": ""}"#)),
        ("post", "/api/v1/tokens/nope/revoke", Some(owner), None),
    ];
    let mut statuses = BTreeSet::new();
    for (method, url, token, body) in calls {
        let (status, answer) = app.call(method, url, token, body.map(str::to_owned)).await;
        statuses.insert(status);
        sample(method, url, status, &answer);
    }
    let body = r#"{"person": "noor.castellano", "name": "ci", "expires_at": "2099-01-01T00:00:00Z"}"#;
    let (status, answer) = app.call("post", "/api/v1/tokens", Some(&admin), Some(body.into())).await;
    assert_eq!(status, 201, "{answer}");
    sample("post", "/api/v1/tokens", status, &answer);
    let id = serde_json::from_str::<Value>(&answer).unwrap()["id"].as_str().unwrap().to_owned();
    let (status, answer) = app.call("post", &format!("/api/v1/tokens/{id}/revoke"), Some(&admin), None).await;
    assert_eq!(status, 204, "{answer}");
    sample("post", &format!("/api/v1/tokens/{id}/revoke"), status, &answer);
    let (status, answer) = app.call("get", "/api/v1/tokens", Some(&admin), None).await;
    sample("get", "/api/v1/tokens", status, &answer);
    let (status, answer) = app.call("get", "/api/v1/openapi.json", None, None).await;
    sample("get", "/api/v1/openapi.json", status, &answer);
    let (_, service) = app.call("get", "/api/v1/services/streamhub", None, None).await;
    let service: Value = serde_json::from_str(&service).unwrap();
    let states: BTreeSet<_> =
        service["record"]["items"].as_object().unwrap().values().filter_map(|i| i["status"].as_str()).collect();
    assert_eq!(states, BTreeSet::from(["done", "waived"]), "the samples cover both checklist states");
    for s in [200, 400, 401, 403, 404, 409, 413, 422] {
        assert!(statuses.contains(&s), "no sample answered {s}: {statuses:?}");
    }

    let dir = tempfile::tempdir().unwrap();
    let (doc_file, samples_file, script) =
        (dir.path().join("openapi.json"), dir.path().join("samples.json"), dir.path().join("check.py"));
    std::fs::write(&doc_file, serde_json::to_vec(&doc).unwrap()).unwrap();
    std::fs::write(&samples_file, serde_json::to_vec(&samples).unwrap()).unwrap();
    std::fs::write(&script, CHECK_ANSWERS).unwrap();
    let probe = run("python3", &[Path::new("-c"), Path::new("import openapi_schema_validator")]);
    assert!(probe.status.success(), "python3 cannot import openapi_schema_validator: {INSTALL_HINT}");
    let out = run("python3", &[&script, &doc_file, &samples_file]);
    assert!(
        out.status.success(),
        "answers that do not match the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The on-call work's answers (log, runbooks to write, duties, handovers, help) against
/// their schemas, on the example `addon-sre` rotation as it stands today.
#[tokio::test]
async fn oncall_work_answers_match_their_documented_schemas() {
    let app = spawn_app().await;
    let doc = app.document().await;
    let rotation = baton_core::oncall::RotationId::parse("addon-sre").unwrap();
    let now = app.baton.who(&rotation, None).await.unwrap().person.id;
    let next = app.baton.next(&rotation, None).await.unwrap().person.id;
    let (on_call, incoming, outsider) =
        (app.token(now.as_str()).await, app.token(next.as_str()).await, app.token("leila.fontaine").await);
    let rot = "/api/v1/rotations/addon-sre";
    let incident =
        r#"{"kind": "incident", "text": "lag", "links": ["https://chat.example.com/t/1"], "incident_closed": true}"#;
    let calls: Vec<(&str, String, Option<&str>, Option<&str>)> = vec![
        ("post", format!("{rot}/log"), Some(&on_call), Some(r#"{"kind": "note", "text": "answered a question"}"#)),
        ("post", format!("{rot}/log"), Some(&on_call), Some(incident)),
        ("post", format!("{rot}/log"), Some(&on_call), Some(r#"{"kind": "rant", "text": "x"}"#)),
        ("post", format!("{rot}/log"), Some(&outsider), Some(r#"{"kind": "note", "text": "x"}"#)),
        ("post", format!("{rot}/help"), Some(&on_call), Some(r#"{"text": "stuck"}"#)),
        ("get", format!("{rot}/log?limit=2"), None, None),
        ("get", format!("{rot}/log?limit=0"), None, None),
        ("get", "/api/v1/rotations/no-such/log".into(), None, None),
        ("get", format!("{rot}/todos"), None, None),
        (
            "post",
            format!("{rot}/todos/log-2/resolve"),
            Some(&on_call),
            Some(r#"{"runbook": "https://r.example.com/lag"}"#),
        ),
        (
            "post",
            format!("{rot}/todos/log-2/resolve"),
            Some(&on_call),
            Some(r#"{"runbook": "https://r.example.com/lag"}"#),
        ),
        ("get", format!("{rot}/todos?all=true"), None, None),
        ("get", format!("{rot}/shifts/current"), None, None),
        ("post", format!("{rot}/shifts/current/duties/1"), Some(&on_call), None),
        ("post", format!("{rot}/handovers"), Some(&on_call), Some(r#"{"note": "quiet", "open_items": ["x"]}"#)),
        ("get", format!("{rot}/handovers?open=true"), None, None),
    ];
    let mut samples = vec![];
    let mut statuses = BTreeSet::new();
    for (method, url, token, body) in &calls {
        let (status, answer) = app.call(method, url, *token, body.map(str::to_owned)).await;
        statuses.insert(status);
        let answer: Value = if answer.is_empty() { Value::Null } else { serde_json::from_str(&answer).unwrap() };
        samples.push(
            json!({ "method": method, "path": documented_path(&doc, method, url), "status": status, "body": answer }),
        );
    }
    let open = app.baton.shift_notes(&rotation, true).await.unwrap();
    let ack = format!("{rot}/handovers/{}/ack", open[0].id());
    for token in [&outsider, &incoming] {
        let (status, answer) = app.call("post", &ack, Some(token), None).await;
        statuses.insert(status);
        let answer: Value = serde_json::from_str(&answer).unwrap();
        samples.push(
            json!({ "method": "post", "path": documented_path(&doc, "post", &ack), "status": status, "body": answer }),
        );
    }
    assert_eq!(statuses, BTreeSet::from([200, 201, 403, 404, 409, 422]), "the samples cover success and each refusal");

    let dir = tempfile::tempdir().unwrap();
    let (doc_file, samples_file, script) =
        (dir.path().join("openapi.json"), dir.path().join("samples.json"), dir.path().join("check.py"));
    std::fs::write(&doc_file, serde_json::to_vec(&doc).unwrap()).unwrap();
    std::fs::write(&samples_file, serde_json::to_vec(&samples).unwrap()).unwrap();
    std::fs::write(&script, CHECK_ANSWERS).unwrap();
    let out = run("python3", &[&script, &doc_file, &samples_file]);
    assert!(
        out.status.success(),
        "on-call answers that do not match the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn oncall_change_answers_match_their_documented_schemas() {
    let app = spawn_app().await;
    let doc = app.document().await;
    let rotation = baton_core::oncall::RotationId::parse("addon-sre").unwrap();
    // The server runs on the real clock: three future shifts of three different people.
    let now = app.baton.now();
    let fortnight = now.checked_add(std::time::Duration::from_secs(14 * 86_400)).unwrap();
    let mut shifts = app.baton.schedule(&rotation, now, fortnight).await.unwrap().into_iter().filter(|s| s.start > now);
    let first = shifts.next().unwrap();
    let second = shifts.find(|s| s.person.id != first.person.id).unwrap();
    let third = shifts.find(|s| s.person.id != first.person.id && s.person.id != second.person.id).unwrap();
    let (one, two, three, outsider) = (
        app.token(first.person.id.as_str()).await,
        app.token(second.person.id.as_str()).await,
        app.token(third.person.id.as_str()).await,
        app.token("leila.fontaine").await,
    );
    let rot = "/api/v1/rotations/addon-sre";
    let hour_later = first.start.checked_add(std::time::Duration::from_secs(3600)).unwrap();
    let cover = json!({"covering": third.person.id, "covered": first.person.id, "start": first.start,
                       "end": hour_later, "reason": "dentist"})
    .to_string();
    let ask =
        json!({"with": third.person.id, "my_shift_start": second.start, "their_shift_start": third.start}).to_string();
    let calls: Vec<(&str, String, Option<&str>, Option<String>)> = vec![
        ("post", format!("{rot}/overrides"), Some(&one), Some(cover.clone())),
        ("post", format!("{rot}/overrides"), Some(&one), Some(cover.clone())),
        ("post", format!("{rot}/overrides"), Some(&outsider), Some(cover)),
        ("get", format!("{rot}/overrides"), None, None),
        ("post", format!("{rot}/swaps"), Some(&two), Some(ask.clone())),
        ("post", format!("{rot}/swaps"), Some(&two), Some(ask)),
        ("get", format!("{rot}/swaps"), None, None),
        ("get", format!("{rot}/fairness"), None, None),
        ("get", format!("{rot}/fairness?format=xml"), None, None),
        ("get", "/api/v1/rotations/no-such/fairness".into(), None, None),
        ("post", "/api/v1/feeds".into(), Some(&one), Some(json!({"person": first.person.id}).to_string())),
        ("post", "/api/v1/feeds".into(), Some(&one), Some("{}".into())),
        ("post", "/api/v1/feeds/nope/revoke".into(), Some(&one), None),
    ];
    let mut samples = vec![];
    let mut statuses = BTreeSet::new();
    let mut record = |method: &str, url: &str, status: u16, answer: &str| {
        statuses.insert(status);
        let answer: Value = if answer.is_empty() { Value::Null } else { serde_json::from_str(answer).unwrap() };
        samples.push(
            json!({ "method": method, "path": documented_path(&doc, method, url), "status": status, "body": answer }),
        );
    };
    for (method, url, token, body) in &calls {
        let (status, answer) = app.call(method, url, *token, body.clone()).await;
        record(method, url, status, &answer);
    }
    let swap = app.baton.swaps(&rotation).await.unwrap()[0].id.clone();
    let feed = app.baton.feeds_of(&first.person.id).await.unwrap()[0].id.clone();
    let overrides = app.baton.overrides(&rotation).await.unwrap();
    let steps = [
        (format!("{rot}/swaps/{swap}/accept"), &one),
        (format!("{rot}/swaps/{swap}/accept"), &three),
        (format!("{rot}/swaps/{swap}/decline"), &three),
        (format!("{rot}/swaps/{swap}/cancel"), &two),
        (format!("{rot}/overrides/{}/cancel", overrides[0].id), &one),
        (format!("/api/v1/feeds/{feed}/revoke"), &two),
        (format!("/api/v1/feeds/{feed}/revoke"), &one),
    ];
    for (url, token) in steps {
        let (status, answer) = app.call("post", &url, Some(token), None).await;
        record("post", &url, status, &answer);
    }
    assert_eq!(statuses, BTreeSet::from([200, 201, 403, 404, 409, 422]), "the samples cover success and each refusal");

    let dir = tempfile::tempdir().unwrap();
    let (doc_file, samples_file, script) =
        (dir.path().join("openapi.json"), dir.path().join("samples.json"), dir.path().join("check.py"));
    std::fs::write(&doc_file, serde_json::to_vec(&doc).unwrap()).unwrap();
    std::fs::write(&samples_file, serde_json::to_vec(&samples).unwrap()).unwrap();
    std::fs::write(&script, CHECK_ANSWERS).unwrap();
    let out = run("python3", &[&script, &doc_file, &samples_file]);
    assert!(
        out.status.success(),
        "override, swap, fairness and feed answers that do not match the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// SLO reports, samples, corrections and compliance, and the on-call reads, against their
/// schemas: reports with budget left, spent, muted by a correction, without data and from
/// a source that cannot be read; on call on a holiday, on a weekend layer and by override.
#[tokio::test]
async fn slo_and_oncall_answers_match_their_documented_schemas() {
    let app = spawn_app().await;
    let doc = app.document().await;
    let owner = app.token("noor.castellano").await; // streamhub-dev
    let now = app.baton.now();
    let at = |minutes: i64| {
        let shift = std::time::Duration::from_secs(60 * minutes.unsigned_abs());
        if minutes < 0 { now.checked_sub(shift) } else { now.checked_add(shift) }.unwrap()
    };
    // An hour of traffic with one bad minute, 45 minutes ago; and one sample refused.
    let hour = |bad_good: u64| {
        let mut s: Vec<Value> = (1..=60)
            .map(|m| json!({"at": at(-m), "good": if m == 45 { bad_good } else { 1000 }, "total": 1000}))
            .collect();
        s.push(json!({"at": at(-1), "good": 2, "total": 1}));
        json!({ "samples": s }).to_string()
    };
    let muting = json!({"start": at(-20), "end": at(20), "reason": "load test"}).to_string();
    let nightly = json!({"start": at(-24 * 60), "end": at(-24 * 60 + 30), "recurrence": "daily",
                         "until": at(7 * 24 * 60), "reason": "nightly backup"})
    .to_string();

    // The first future shift of addon-sre, an hour of it covered by someone else.
    let rotation = baton_core::oncall::RotationId::parse("addon-sre").unwrap();
    let fortnight = at(14 * 24 * 60);
    let shift =
        app.baton.schedule(&rotation, now, fortnight).await.unwrap().into_iter().find(|s| s.start > now).unwrap();
    let covered = app.token(shift.person.id.as_str()).await;
    let covering = if shift.person.id.as_str() == "cian.moreau" { "thiago.lindgren" } else { "cian.moreau" };
    let in_override = shift.start.checked_add(std::time::Duration::from_secs(1800)).unwrap();
    let cover = json!({"covering": covering, "covered": shift.person.id, "start": shift.start,
                       "end": shift.start.checked_add(std::time::Duration::from_secs(3600)).unwrap(),
                       "reason": "dentist"})
    .to_string();
    let day = |t: baton_core::Timestamp| t.to_string()[..10].to_owned();

    let (avail, latency) = ("/api/v1/slos/streamhub-availability", "/api/v1/slos/streamhub-publish-latency");
    let calls: Vec<(&str, String, Option<&str>, Option<String>)> = vec![
        ("post", format!("{avail}/samples"), Some(&owner), Some(hour(950))),
        ("post", format!("{latency}/samples"), Some(&owner), Some(hour(900))),
        ("post", format!("{avail}/samples"), None, Some(hour(950))),
        ("post", format!("{latency}/corrections"), Some(&owner), Some(muting)),
        ("post", format!("{avail}/corrections"), Some(&owner), Some(nightly)),
        ("post", format!("{avail}/corrections"), Some(&owner), Some(r#"{"start": "x"}"#.into())),
        ("get", "/api/v1/slos".into(), None, None),
        ("get", "/api/v1/slos?service=streamhub".into(), None, None),
        ("get", format!("{avail}/report"), None, None),
        ("get", "/api/v1/slos/no-such/report".into(), None, None),
        ("get", format!("{avail}/corrections"), None, None),
        ("get", format!("{avail}/compliance?months=2"), None, None),
        ("get", format!("{avail}/compliance?months=0"), None, None),
        ("get", format!("{avail}/backtest"), None, None),
        ("get", format!("{latency}/backtest?from=2026-02-01T00:00:00Z"), None, None),
        ("get", format!("{avail}/backtest?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z"), None, None),
        ("post", "/api/v1/rotations/addon-sre/overrides".into(), Some(&covered), Some(cover)),
        ("get", "/api/v1/rotations".into(), None, None),
        ("get", "/api/v1/rotations/addon-sre/oncall".into(), None, None),
        ("get", "/api/v1/rotations/addon-sre/oncall?at=2026-03-17T12:00:00Z".into(), None, None),
        ("get", format!("/api/v1/rotations/addon-sre/oncall?at={in_override}"), None, None),
        ("get", "/api/v1/rotations/platform-sre-daytime/oncall?at=2026-03-07T12:00:00Z".into(), None, None),
        ("get", "/api/v1/rotations/no-such/oncall".into(), None, None),
        ("get", "/api/v1/rotations/platform-sre/next".into(), None, None),
        ("get", format!("/api/v1/rotations/addon-sre/schedule?from={}&to={}", day(now), day(fortnight)), None, None),
        ("get", "/api/v1/rotations/platform-sre-daytime/schedule?from=2026-03-06&to=2026-03-10".into(), None, None),
        ("get", "/api/v1/rotations/addon-sre/schedule?from=2026-01-01&to=2028-01-01".into(), None, None),
    ];
    let mut samples = vec![];
    let mut answers = String::new();
    let mut statuses = BTreeSet::new();
    for (method, url, token, body) in &calls {
        let (status, answer) = app.call(method, url, *token, body.clone()).await;
        statuses.insert(status);
        answers.push_str(&answer);
        let answer: Value = if answer.is_empty() { Value::Null } else { serde_json::from_str(&answer).unwrap() };
        samples.push(
            json!({ "method": method, "path": documented_path(&doc, method, url), "status": status, "body": answer }),
        );
    }
    assert_eq!(statuses, BTreeSet::from([200, 201, 401, 404, 422]), "the samples cover success and each refusal");
    // The samples reach the variants of the report and of the on-call answers.
    for shape in [
        r#""status":"unavailable""#,
        r#""status":"no-data""#,
        r#""state":"at""#,
        r#""state":"already-exhausted""#,
        r#""state":"muted""#,
        r#""recurrence":"daily""#,
        r#""rule":"extended""#,
        r#""rule":"weekend-layer""#,
        r#""rule":"override""#,
        r#""holiday":{"#,
        r#""rejected":[{"index":60"#,
        r#""minutes_with_data":60"#,
        r#""field":"to""#,
    ] {
        assert!(answers.contains(shape), "no answer has {shape}");
    }

    let dir = tempfile::tempdir().unwrap();
    let (doc_file, samples_file, script) =
        (dir.path().join("openapi.json"), dir.path().join("samples.json"), dir.path().join("check.py"));
    std::fs::write(&doc_file, serde_json::to_vec(&doc).unwrap()).unwrap();
    std::fs::write(&samples_file, serde_json::to_vec(&samples).unwrap()).unwrap();
    std::fs::write(&script, CHECK_ANSWERS).unwrap();
    let out = run("python3", &[&script, &doc_file, &samples_file]);
    assert!(
        out.status.success(),
        "SLO and on-call answers that do not match the document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// utoipa names a component schema after its type and keeps the last one registered under
/// a name: two types called `Status` (a gate requirement's, an alert's) made every alert in
/// `GET /api/v1/alerts` break its documented schema (schemathesis found it). Every type
/// with a schema in the workspace must have a name of its own (`schema(as = ...)`).
#[test]
fn every_schema_name_belongs_to_one_type() {
    let crates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![];
    let mut dirs = vec![crates];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.ends_with("tests") && !path.ends_with("target") {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let src = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = src.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !(line.contains("derive(") && line.contains("ToSchema")) {
                continue;
            }
            let mut attrs = String::new();
            for next in &lines[i..lines.len().min(i + 12)] {
                let item = next
                    .trim_start()
                    .strip_prefix("pub struct ")
                    .or_else(|| next.trim_start().strip_prefix("pub enum "));
                if let Some(item) = item {
                    let ty: String = item.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    let alias =
                        attrs.split("as = ").nth(1).map(|a| a.chars().take_while(|c| c.is_alphanumeric()).collect());
                    names.entry(alias.unwrap_or(ty)).or_default().push(file.display().to_string());
                    break;
                }
                attrs.push_str(next);
            }
        }
    }
    let shared: Vec<_> = names.iter().filter(|(_, files)| files.len() > 1).collect();
    assert!(shared.is_empty(), "schema names given to more than one type: {shared:#?}");
    assert!(names.len() > 100, "the scan finds the schemas: {}", names.len());
}
