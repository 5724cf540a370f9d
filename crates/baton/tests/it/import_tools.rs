//! `baton import sloth|pyrra` on the real files of the shared corpus, end to end: each spec
//! imported into a copy of the example organisation, which then validates, whose `baton slo
//! rules` pass `promtool check rules`, and whose burn-rate alerts have the windows and
//! factors Sloth (its own generated rules, `_gen/`) and Pyrra (its documented windows) use.

use crate::support::{baton, copy_dir, corpus, examples_dir, Run};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// `5m`, `1h`, `90m`, `3d` in seconds.
fn seconds(d: &str) -> u64 {
    let (n, unit) = d.split_at(d.len() - 1);
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        other => panic!("unit {other} in {d}"),
    };
    n.parse::<u64>().unwrap_or_else(|_| panic!("{d}")) * factor
}

/// One burn-rate alert: severity, long and short windows in seconds, factor × 1e6 rounded
/// (Baton keeps a tier's budget share to a billionth, so its threshold may differ from
/// the one written past the eighth significant digit).
type Alert = (String, u64, u64, u64);

fn factor(f: f64) -> u64 {
    (f * 1e6).round() as u64
}

/// The alerts of Baton's rule file (every value double-quoted, one per line), by SLO.
fn baton_alerts(rules: &str) -> Vec<(String, Alert)> {
    let mut out = Vec::new();
    for block in rules.split("      - alert: ").skip(1) {
        let label = |key: &str| {
            let line = block.lines().find(|l| l.trim_start().starts_with(&format!("\"{key}\": "))).unwrap();
            line.split(": ").nth(1).unwrap().trim_matches('"').to_owned()
        };
        let expr = block.lines().find(|l| l.trim_start().starts_with("expr: ")).unwrap();
        // `(rec{...} / 0.001 > 14.4) and (rec{...} / 0.001 > 14.4)`
        let threshold: f64 = expr.split(" > ").nth(1).unwrap().split(')').next().unwrap().parse().unwrap();
        let alert =
            (label("severity"), seconds(&label("long_window")), seconds(&label("short_window")), factor(threshold));
        out.push((label("slo"), alert));
    }
    out
}

/// The alerts of a rule file Sloth generated: each alert's expression is `(short > (F *
/// budget) and long > (F * budget)) or (...)`, its label `sloth_severity`.
fn sloth_alerts(rules: &str) -> Vec<Alert> {
    let mut out = Vec::new();
    for block in rules.split("  - alert: ").skip(1) {
        let severity = block.lines().find_map(|l| l.trim().strip_prefix("sloth_severity: ")).unwrap().to_owned();
        let windows: Vec<(u64, f64)> = block
            .lines()
            .filter(|l| l.contains("slo:sli_error:ratio_rate") && l.contains(" > ("))
            .map(|l| {
                let window = l.split("ratio_rate").nth(1).unwrap().split('{').next().unwrap();
                let f: f64 = l.split(" > (").nth(1).unwrap().split(" *").next().unwrap().parse().unwrap();
                (seconds(window), f)
            })
            .collect();
        for pair in windows.chunks(2) {
            let [(short, f), (long, g)] = pair else { panic!("{block}") };
            assert_eq!(f, g);
            out.push((severity.clone(), *long, *short, factor(*f)));
        }
    }
    out
}

/// A copy of the example organisation with `files` imported from `tool`; the import's output.
fn import_into(tool: &str, files: &[&Path]) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&examples_dir(), dir.path());
    let mut args = vec!["import", tool];
    let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(files.iter().map(String::as_str));
    let into = dir.path().display().to_string();
    args.extend(["--into", &into, "--owner", "streamhub-dev"]);
    let run = baton(&args);
    (dir, run)
}

/// Validates the repo, writes its rules, checks them with promtool; its alerts of SLOs the
/// example organisation does not have.
fn validated_rules(dir: &Path) -> Vec<(String, Alert)> {
    let validate = baton(&["validate", dir.to_str().unwrap()]);
    assert!(validate.ok, "{}{}", validate.stdout, validate.stderr);
    let file = dir.join("rules.yml");
    let rules = baton(&["slo", "rules", dir.to_str().unwrap(), "--out", file.to_str().unwrap()]);
    assert!(rules.ok, "{}{}", rules.stdout, rules.stderr);
    let check = Command::new("promtool").args(["check", "rules"]).arg(&file).output().expect("promtool on the PATH");
    let said = format!("{}{}", String::from_utf8_lossy(&check.stdout), String::from_utf8_lossy(&check.stderr));
    assert!(check.status.success(), "{said}");
    let example = baton(&["slo", "rules", examples_dir().to_str().unwrap()]);
    let known: BTreeSet<String> = baton_alerts(&example.stdout).into_iter().map(|(slo, _)| slo).collect();
    let text = std::fs::read_to_string(&file).unwrap();
    baton_alerts(&text).into_iter().filter(|(slo, _)| !known.contains(slo)).collect()
}

fn sorted(mut v: Vec<Alert>) -> Vec<Alert> {
    v.sort();
    v
}

/// Sloth's four default windows for 30d, as its own generated rules have them.
fn sloth_default_alerts() -> Vec<Alert> {
    let gen = std::fs::read_to_string(corpus("sloth").join("slok_sloth__examples___gen__getting-started.yml")).unwrap();
    sorted(sloth_alerts(&gen))
}

#[test]
fn every_sloth_spec_imports_validates_and_alerts_on_sloths_windows() {
    let sloth_dir = corpus("sloth");
    let mut names: Vec<String> = std::fs::read_dir(&sloth_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.contains("___gen__") && !n.contains("__windows__"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 12);
    // What each spec leaves out, and why (the start of the reason).
    let refused = [
        ("contrib-slo-plugins.yml", "left out: it runs the Sloth SLO plugins"),
        (
            "plugin-getting-started.yml",
            "left out: its SLI is computed by the Sloth SLI plugin `getting_started_availability`",
        ),
        ("slo-plugin-getting-started.yml", "left out: the spec runs the Sloth SLO plugins `sloth.dev/core/debug/v1`"),
        ("victoria-metrics.yml", "left out: the spec runs the Sloth SLO plugins"),
        ("raw-home-wifi.yml", "left out: its SLI is a `raw` error_ratio_query, a precomputed ratio"),
        ("home-wifi.yml", "cannot be carried over: Baton reads a ratio's counters as plain series selectors"),
    ];
    for name in &names {
        let short = name.trim_start_matches("slok_sloth__examples__");
        let spec = sloth_dir.join(name);
        let (dir, run) = import_into("sloth", &[&spec]);
        if let Some((_, why)) = refused.iter().find(|(n, _)| *n == short) {
            assert!(run.ok, "{short}: {}{}", run.stdout, run.stderr);
            assert!(run.stdout.contains(why), "{short}: {}", run.stdout);
            assert!(run.stdout.contains("imported 0 files"), "{short}: {}", run.stdout);
            continue;
        }
        assert!(run.ok, "{short}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("wrote slos/prometheus.yaml"), "{short}: {}", run.stdout);
        let alerts = validated_rules(dir.path());
        let slos: BTreeSet<&String> = alerts.iter().map(|(slo, _)| slo).collect();
        // Sloth's own rules for this spec, or (for specs it has none of) its defaults.
        let gen = sloth_dir.join(format!("slok_sloth__examples___gen__{short}"));
        let expected = match std::fs::read_to_string(&gen) {
            Ok(text) => sorted(sloth_alerts(&text)),
            Err(_) if short.starts_with("openslo-") => Vec::new(),
            // multifile: two specs of one SLO each, on the defaults.
            Err(_) => sorted(sloth_default_alerts().into_iter().chain(sloth_default_alerts()).collect()),
        };
        let got = sorted(alerts.iter().map(|(_, a)| a.clone()).collect());
        assert_eq!(
            got, expected,
            "{short}: Baton's alerts (severity, long, short, factor) against Sloth's, SLOs {slos:?}"
        );
    }
}

#[test]
fn sloth_alert_windows_given_with_a_spec_set_its_period_and_windows() {
    let sloth_dir = corpus("sloth");
    let (dir, run) = import_into(
        "sloth",
        &[
            &sloth_dir.join("slok_sloth__examples__windows__7d.yaml"),
            &sloth_dir.join("slok_sloth__examples__getting-started.yml"),
        ],
    );
    assert!(run.ok, "{}{}", run.stdout, run.stderr);
    let got = sorted(validated_rules(dir.path()).into_iter().map(|(_, a)| a).collect());
    // errorBudgetPercent P over L in 7d is a burn rate of P/100 × 7d / L.
    let h = 3_600;
    let expected = sorted(vec![
        ("page".into(), h, 300, factor(0.08 * 168.0)),
        ("page".into(), 6 * h, 1_800, factor(0.125 * 28.0)),
        ("ticket".into(), 24 * h, 2 * h, factor(0.2 * 7.0)),
        ("ticket".into(), 72 * h, 6 * h, factor(0.42 * 7.0 / 3.0)),
    ]);
    assert_eq!(got, expected);
}

/// Pyrra's windows for an SLO window (seconds): long windows of window/672, /112, /28 and
/// /7 rounded to the minute, factors 14, 7, 2, 1; Baton's short window is a twelfth of
/// the long one (Pyrra's are window/8064, /1344, /336, /112: the last differs).
fn pyrra_alerts(window: u64) -> Vec<Alert> {
    [("page", 672, 14.0), ("page", 112, 7.0), ("ticket", 28, 2.0), ("ticket", 7, 1.0)]
        .into_iter()
        .map(|(severity, divisor, f)| {
            let long = (window / divisor + 30) / 60 * 60;
            (severity.to_owned(), long, long / 12 / 60 * 60, factor(f))
        })
        .collect()
}

fn pyrra_window(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    let windows: BTreeSet<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("window: ")).collect();
    assert_eq!(windows.len(), 1, "{}", path.display());
    let first = windows.into_iter().next().unwrap();
    seconds(first)
}

#[test]
fn every_pyrra_objective_imports_validates_and_alerts_on_pyrras_windows() {
    let pyrra_dir = corpus("pyrra");
    let mut names: Vec<String> =
        std::fs::read_dir(&pyrra_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names.len(), 16);
    let refused = [
        ("pyrra-connect-latency.yaml", "left out: its SLI reads the native histogram"),
        ("prometheus-probe-success.yaml", "left out: its SLI is the share of samples of the 0/1 gauge `probe_success`"),
    ];
    for name in &names {
        let short = name.trim_start_matches("pyrra-dev_pyrra__examples__");
        let path = pyrra_dir.join(name);
        let (dir, run) = import_into("pyrra", &[&path]);
        assert!(run.ok, "{short}: {}{}", run.stdout, run.stderr);
        if let Some((_, why)) = refused.iter().find(|(n, _)| *n == short) {
            assert!(run.stdout.contains(why), "{short}: {}", run.stdout);
            assert!(run.stdout.contains("imported 0 files"), "{short}: {}", run.stdout);
            continue;
        }
        let alerts = validated_rules(dir.path());
        let slos: BTreeSet<String> = alerts.iter().map(|(slo, _)| slo.clone()).collect();
        assert_eq!(slos.len(), if short == "nginx.yaml" { 2 } else { 1 }, "{short}");
        let window = pyrra_window(&path);
        for slo in &slos {
            let got = sorted(alerts.iter().filter(|(s, _)| s == slo).map(|(_, a)| a.clone()).collect());
            assert_eq!(got, sorted(pyrra_alerts(window)), "{short}: {slo}");
        }
    }
}
