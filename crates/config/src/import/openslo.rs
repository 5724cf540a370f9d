//! `baton import openslo`: OpenSLO v1 files written for another tool, copied into `slos/`
//! as they are (comments kept), with a `services/` stub for each service they name that
//! the repo lacks. Whether Baton can run them is `baton validate`'s to say, at their own
//! lines: this only checks that each is OpenSLO v1 at all.

use super::{documents, service_stub, Imported, Input, Options};
use crate::openslo::API_VERSION;
use crate::slos::OWNER;
use std::collections::BTreeSet;
use std::path::PathBuf;

pub(crate) fn import(inputs: &[Input], options: &Options, out: &mut Imported) {
    let mut stubbed: BTreeSet<String> = BTreeSet::new();
    for input in inputs {
        let before = out.diagnostics.len();
        let docs = documents(std::slice::from_ref(input), out);
        let mut fine = out.diagnostics.len() == before;
        for doc in &docs {
            match doc.scalar("apiVersion") {
                Some(v) if v.as_str() == API_VERSION => {}
                Some(v) => {
                    let msg = format!("apiVersion `{}` is not OpenSLO {API_VERSION}, which Baton reads: for Sloth's `openslo/v1alpha` files use `baton import sloth`", v.as_str());
                    out.diagnostics.push(doc.at(&v).error(msg));
                    fine = false;
                }
                None => {
                    out.diagnostics.push(doc.start().error("missing key `apiVersion`: not an OpenSLO document"));
                    fine = false;
                }
            }
            // The services it names: an SLO's `spec.service`, a Service's own name (unless
            // its `baton.dev/owner` annotation defines the service itself).
            let kind = doc.kind();
            let (name, at) = match kind.as_ref().map(|k| k.as_str()) {
                Some("SLO") => match doc.node_at(&["spec", "service"]).and_then(|n| n.as_scalar()) {
                    Some(s) => (s.as_str().to_owned(), doc.place(s.span())),
                    None => continue,
                },
                Some("Service") => {
                    if doc.node_at(&["metadata", "annotations", OWNER]).is_some() {
                        continue;
                    }
                    match doc.node_at(&["metadata", "name"]).and_then(|n| n.as_scalar()) {
                        Some(s) => (s.as_str().to_owned(), doc.place(s.span())),
                        None => continue,
                    }
                }
                _ => continue,
            };
            if options.services.contains(&name) || !stubbed.insert(name.clone()) {
                continue;
            }
            let description = doc.node_at(&["spec", "description"]).and_then(|n| n.as_scalar()).map(|d| d.as_str());
            let description = description.filter(|_| kind.as_ref().is_some_and(|k| k.as_str() == "Service"));
            if let Some(file) = service_stub(&name, None, description, options.owner.as_deref(), &at, out) {
                out.files.push(file);
            }
        }
        if fine {
            let name = input.path.file_name().map_or_else(|| PathBuf::from("imported.yaml"), PathBuf::from);
            out.files.push((PathBuf::from("slos").join(name), input.text.clone()));
        }
    }
}
