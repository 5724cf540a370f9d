//! The example organisation shipped in `examples/org` (which `baton demo` loads) is a
//! valid definition repo and covers every role the process needs.

use baton_config::load;
use baton_core::org::{Area, TeamKind};
use baton_core::slo::{BudgetingMethod, Indicator, SloWindow};
use std::path::Path;

#[test]
fn the_example_organisation_loads_without_problems() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/org");
    let loaded = load(&root);
    let msgs: Vec<String> = loaded.diagnostics.iter().map(|d| d.to_string()).collect();
    // The one warning is on purpose: the SLO RACI chart is the seed's, cell for cell, and
    // the seed gives "Existence of SLO" two Accountable personas.
    assert_eq!(
        msgs,
        ["policies/raci-chart.yaml:11:9: warning: step `existence` has 2 Accountable personas (`service-owner`, `software-engineer`): usually one answers for a step"],
    );
    let org = loaded.org.expect("an organisation when there are no diagnostics");
    assert!(org.services.len() >= 4, "{} services", org.services.len());
    let sre_teams = org.teams.values().filter(|t| t.kind == TeamKind::Sre).count();
    assert!(sre_teams >= 2, "{sre_teams} SRE teams");
    for area in [Area::ServiceSupport, Area::PmBusiness, Area::SpecTechnical] {
        assert!(org.teams.values().any(|t| t.area == Some(area)), "no team in {area:?}");
    }
    assert!(org.checklist.len() >= 8, "{} checklist items", org.checklist.len());
    assert!(org.slos.len() >= 6, "{} SLOs", org.slos.len());
    let slos_of = |s: &str| org.slos.values().filter(|d| d.service.as_str() == s).count();
    for service in ["streamhub", "streamhub-connect", "lumen-metrics"] {
        assert!(slos_of(service) >= 1, "no SLO for {service}");
    }
    let prometheus: Vec<_> = org.slos.values().filter(|s| s.indicator.prometheus().is_some()).collect();
    assert_eq!(prometheus.len(), 1, "one SLO reads Prometheus");
    assert!(org.slos.values().any(|s| matches!(s.window, SloWindow::Calendar { .. })), "a calendar SLO");
    assert!(org.slos.values().any(|s| s.indicator == Indicator::BuiltIn && s.method == BudgetingMethod::Occurrences));
    let ids: Vec<_> = org.rotations.keys().map(|r| r.as_str()).collect();
    assert_eq!(ids, ["addon-sre", "addon-sre-sun", "platform-sre", "platform-sre-daytime"]);
    let sun = &org.rotations[&"addon-sre-sun".parse().unwrap()];
    let regions: Vec<&str> = sun.spec.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(regions, ["kolkata", "dublin", "sao-paulo"], "the follow-the-sun example");
    let addon = &org.rotations.values().next().unwrap();
    assert_eq!(addon.spec.roster.members.len(), 6);
    let patrick = addon.holiday_on("2026-03-17".parse().unwrap()).expect("Saint Patrick's Day");
    assert_eq!((patrick.0.id.as_str(), patrick.1.name.as_deref()), ("ireland", Some("Saint Patrick's Day")));
    assert_eq!(addon.calendars[0].holidays.len(), 20);
}
