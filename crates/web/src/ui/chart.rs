//! Charts drawn on the server as SVG: no JavaScript, readable without a network, and
//! escaped like every other page content. Each chart is drawn twice — wide for a desk,
//! narrow for a phone, one hidden by CSS — so that its labels stay legible at either width;
//! every point carries its value as a tooltip, and the figures are also a table.

use super::zone::reader_zone;
use baton_core::Timestamp;
use maud::{html, Markup, PreEscaped};

/// A series over time: values are ratios (shown as percentages).
pub struct Series<'a> {
    pub title: &'a str,
    /// What the y axis measures, with its unit: "error budget left (%)".
    pub y_label: &'a str,
    pub points: &'a [(Timestamp, f64)],
    pub from: Timestamp,
    pub to: Timestamp,
    /// A dashed reference line (zero budget, the objective) and its name.
    pub reference: Option<(f64, &'a str)>,
    /// The axis from 0 to 100% (a budget), rather than around the data.
    pub full_scale: bool,
    pub class: &'a str,
}

const H: f64 = 220.0;
const PAD_L: f64 = 62.0;
const PAD_R: f64 = 14.0;
const PAD_T: f64 = 24.0;
const PAD_B: f64 = 26.0;

/// Decimals of the values on hover and in the table: enough to tell 99.95% from 99.949%.
const VALUE_DECIMALS: usize = 3;

fn percent(v: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, v * 100.0)
}

/// A tick step of 1, 2, 2.5 or 5 times a power of ten giving about four steps over `span`.
fn nice_step(span: f64) -> f64 {
    let raw = (span / 4.0).max(1e-9);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude)
}

/// The y axis: its ticks (lowest first) and the decimals their percentages need. A budget
/// runs from 100% down to 0 (further when overspent); other series span their data and the
/// reference line, on round steps.
fn y_axis(s: &Series) -> (Vec<f64>, usize) {
    let values = s.points.iter().map(|p| p.1).chain(s.reference.map(|r| r.0));
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if s.full_scale {
        (lo, hi) = (lo.min(0.0), 1.0);
    }
    let step = nice_step((hi - lo).max(1e-6));
    let first = (lo / step + 1e-9).floor();
    let last = (hi / step - 1e-9).ceil();
    let ticks = (0..=((last - first) as i64)).map(|i| (first + i as f64) * step).collect();
    let decimals = (-(step * 100.0).log10().floor()).max(0.0) as usize;
    (ticks, decimals)
}

/// One drawing of `s`, `w` units wide with `x_ticks` date labels.
fn draw(s: &Series, w: f64, x_ticks: usize, class: &str) -> Markup {
    let (y_ticks, decimals) = y_axis(s);
    let (lo, hi) = (y_ticks[0], y_ticks[y_ticks.len() - 1]);
    let span = s.to.duration_since(s.from).as_secs_f64().max(1.0);
    let x = |t: Timestamp| PAD_L + t.duration_since(s.from).as_secs_f64() / span * (w - PAD_L - PAD_R);
    let y = |v: f64| PAD_T + (hi - v.clamp(lo, hi)) / (hi - lo) * (H - PAD_T - PAD_B);
    let path: String = s
        .points
        .iter()
        .enumerate()
        .map(|(i, (t, v))| format!("{}{:.1},{:.1} ", if i == 0 { "M" } else { "L" }, x(*t), y(*v)))
        .collect();
    // Whole days apart, so that no date is labelled twice.
    let step = ((span / x_ticks.max(1) as f64 / 86_400.0).ceil().max(1.0) * 86_400.0) as i64;
    let x_tick_at: Vec<Timestamp> = (0..)
        .map_while(|i: i64| s.from.checked_add(jiff::SignedDuration::from_secs(step * i)).ok().filter(|t| *t <= s.to))
        .collect();
    let tz = reader_zone();
    html! {
        svg class=(class) viewBox=(format!("0 0 {w} {H}")) role="img" aria-label=(s.title) {
            title { (s.title) }
            @for v in &y_ticks {
                line.grid x1=(PAD_L) x2=(w - PAD_R) y1=(y(*v)) y2=(y(*v)) {}
                text.axis x=(PAD_L - 6.0) y=(y(*v) + 4.0) text-anchor="end" { (percent(*v, decimals)) }
            }
            @if let Some((v, name)) = s.reference {
                line.reference x1=(PAD_L) x2=(w - PAD_R) y1=(y(v)) y2=(y(v)) { title { (name) ": " (percent(v, decimals + 1)) } }
            }
            @for (i, t) in x_tick_at.iter().enumerate() {
                line.tick x1=(x(*t)) x2=(x(*t)) y1=(H - PAD_B) y2=(H - PAD_B + 4.0) {}
                // The first and last labels align inward so that they are not cut off.
                text.axis x=(x(*t)) y=(H - 8.0) text-anchor=(if i == 0 { "start" } else if x(*t) > w - 30.0 { "end" } else { "middle" }) { (t.to_zoned(tz.clone()).strftime("%-d %b")) }
            }
            text.axis.label x="4" y="14" { (s.y_label) }
            path class=(s.class) d=(path) fill="none" {}
            @for (t, v) in s.points {
                circle.point cx=(format!("{:.1}", x(*t))) cy=(format!("{:.1}", y(*v))) r="5" {
                    title { (super::zone::when(*t)) ": " (percent(*v, VALUE_DECIMALS)) }
                }
            }
        }
    }
}

/// `s` as a figure: the chart at desk and phone widths, and its figures as a table.
pub fn time_series(s: &Series) -> Markup {
    html! {
        figure.chart {
            (draw(s, 760.0, 6, "wide"))
            (draw(s, 360.0, 3, "narrow"))
            figcaption {
                (s.title) " · " (s.y_label) @if let Some((v, name)) = s.reference { " · dashed: " (name) " " (percent(v, VALUE_DECIMALS)) }
                " · hover a point for its value, times in " (super::zone::reader_zone_label()) "."
            }
            details {
                summary { "The figures" }
                div.scroll tabindex="0" { table {
                    tr { th { "Until" } th.num { (s.y_label) } }
                    @for (t, v) in s.points { tr { td { (super::zone::when(*t)) } td.num { (percent(*v, VALUE_DECIMALS)) } } }
                } }
            }
        }
    }
}

/// Styles for the charts, added to the page's stylesheet.
pub const STYLE: PreEscaped<&str> = PreEscaped(
    ".chart { margin:.5rem 0 1rem; } .chart svg { width:100%; max-width:860px; height:auto; background:var(--card); border:1px solid var(--line); border-radius:6px; }
.chart svg.narrow { display:none; } @media (max-width:600px) { .chart svg.wide { display:none; } .chart svg.narrow { display:block; } }
.chart .grid { stroke:#e6e9ee; } .chart .tick { stroke:#8a949e; } .chart .reference { stroke:#b3261e; stroke-dasharray:4 3; }
.chart .axis { font-size:11px; fill:#4f5a64; } .chart path.budget, .chart path.sli { stroke:var(--accent); stroke-width:2; }
.chart circle.point { fill:var(--accent); fill-opacity:.35; } .chart circle.point:hover { fill-opacity:1; }
.chart figcaption { font-size:.85rem; color:var(--muted); }",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_series_draws_axes_with_units_values_on_its_points_and_escapes_its_title() {
        let points =
            [(ts("2026-12-02T00:00:00Z"), 1.0), (ts("2026-12-03T00:00:00Z"), 0.4), (ts("2026-12-04T00:00:00Z"), -0.2)];
        let s = Series {
            title: "<b>api</b> budget",
            y_label: "error budget left (%)",
            points: &points,
            from: ts("2026-12-01T00:00:00Z"),
            to: ts("2026-12-04T00:00:00Z"),
            reference: Some((0.0, "budget spent")),
            full_scale: true,
            class: "budget",
        };
        let svg = time_series(&s).into_string();
        assert!(svg.contains("&lt;b&gt;api&lt;/b&gt; budget"), "{svg}");
        assert!(svg.contains("error budget left (%)"), "the y axis says what it measures: {svg}");
        assert!(svg.contains(">1 Dec</text>") && svg.contains(">4 Dec</text>"), "the x axis has dates: {svg}");
        assert_eq!(svg.matches(">2 Dec</text>").count(), 2, "each date once per drawing: {svg}");
        assert!(svg.contains("<title>2026-12-03 00:00 UTC: 40.000%</title>"), "each point has its value: {svg}");
        assert!(
            svg.contains(">-50%</text>") && svg.contains(">100%</text>") && !svg.contains(">150%<"),
            "a budget runs from 100% to below zero when overspent: {svg}"
        );
        assert!(svg.contains("class=\"wide\"") && svg.contains("class=\"narrow\""), "{svg}");
        assert!(svg.contains("<td class=\"num\">-20.000%</td>"), "the figures as a table: {svg}");
    }

    #[test]
    fn the_y_range_holds_the_data_and_the_reference() {
        let points = [(ts("2026-12-02T00:00:00Z"), 0.9995), (ts("2026-12-03T00:00:00Z"), 0.9981)];
        let s = Series {
            title: "t",
            y_label: "y",
            points: &points,
            from: ts("2026-12-01T00:00:00Z"),
            to: ts("2026-12-03T00:00:00Z"),
            reference: Some((0.999, "objective")),
            full_scale: false,
            class: "sli",
        };
        let (ticks, decimals) = y_axis(&s);
        let (lo, hi) = (ticks[0], ticks[ticks.len() - 1]);
        assert!(lo <= 0.9981 && (0.9995..=1.0).contains(&hi) && hi - lo < 0.01, "{lo}..{hi}");
        assert_eq!(decimals, 2, "{ticks:?}");
        let labels: Vec<String> = ticks.iter().map(|t| percent(*t, decimals)).collect();
        assert_eq!(labels, ["99.80%", "99.85%", "99.90%", "99.95%"]);
    }
}
