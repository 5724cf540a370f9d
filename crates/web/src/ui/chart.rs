//! Charts drawn on the server as SVG: no JavaScript, readable without a network, and
//! escaped like every other page content.

use maud::{html, Markup, PreEscaped};

/// One series over time: x in seconds since the window start, y a ratio.
pub struct Line<'a> {
    pub points: &'a [(f64, f64)],
    pub class: &'a str,
}

const W: f64 = 640.0;
const H: f64 = 200.0;
const PAD_L: f64 = 44.0;
const PAD_B: f64 = 22.0;

fn x(t: f64, span: f64) -> f64 {
    PAD_L + (t / span.max(1.0)) * (W - PAD_L - 8.0)
}

fn y(v: f64, lo: f64, hi: f64) -> f64 {
    let v = v.clamp(lo, hi);
    8.0 + (hi - v) / (hi - lo) * (H - PAD_B - 8.0)
}

/// The error budget remaining over the SLO window, from 100% down (and below zero when
/// overspent), with a zero line and the window's start and end labelled.
pub fn burn_down(title: &str, span_seconds: f64, lines: &[Line], start_label: &str, end_label: &str) -> Markup {
    let lowest = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(0.0_f64, f64::min);
    let lo = if lowest < 0.0 { (lowest * 4.0).floor() / 4.0 } else { 0.0 };
    let (hi, span) = (1.0, span_seconds);
    let path = |l: &Line| {
        let mut d = String::new();
        for (i, (t, v)) in l.points.iter().enumerate() {
            d.push_str(&format!("{}{:.1},{:.1} ", if i == 0 { "M" } else { "L" }, x(*t, span), y(*v, lo, hi)));
        }
        d
    };
    let ticks = [hi, 0.5, 0.0, lo].into_iter().filter(|v| *v >= lo).collect::<Vec<_>>();
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(title) {
                title { (title) }
                @for v in &ticks {
                    line.grid x1=(PAD_L) x2=(W - 8.0) y1=(y(*v, lo, hi)) y2=(y(*v, lo, hi)) {}
                    text.axis x=(PAD_L - 6.0) y=(y(*v, lo, hi) + 4.0) text-anchor="end" { (format!("{:.0}%", v * 100.0)) }
                }
                line.zero x1=(PAD_L) x2=(W - 8.0) y1=(y(0.0, lo, hi)) y2=(y(0.0, lo, hi)) {}
                @for l in lines { path class=(l.class) d=(path(l)) fill="none" {} }
                text.axis x=(PAD_L) y=(H - 4.0) { (start_label) }
                text.axis x=(W - 8.0) y=(H - 4.0) text-anchor="end" { (end_label) }
            }
            figcaption { (title) }
        }
    }
}

/// Styles for the charts, added to the page's stylesheet.
pub const STYLE: PreEscaped<&str> = PreEscaped(
    ".chart { margin:.5rem 0 1rem; } .chart svg { width:100%; max-width:860px; height:auto; background:var(--card); border:1px solid var(--line); border-radius:6px; }
.chart .grid { stroke:#e6e9ee; } .chart .zero { stroke:#b3261e; stroke-dasharray:4 3; }
.chart .axis { font-size:11px; fill:var(--muted); } .chart path.budget { stroke:var(--accent); stroke-width:2; }
.chart figcaption { font-size:.85rem; color:var(--muted); }",
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burn_down_draws_its_line_and_escapes_its_title() {
        let points = [(0.0, 1.0), (43_200.0, 0.4), (86_400.0, -0.2)];
        let svg =
            burn_down("<b>api</b> budget", 86_400.0, &[Line { points: &points, class: "budget" }], "start", "end")
                .into_string();
        assert!(svg.contains("&lt;b&gt;api&lt;/b&gt; budget"), "{svg}");
        assert!(svg.contains("<path class=\"budget\" d=\"M44.0,"), "{svg}");
        assert!(svg.contains("-25%"), "an overspent budget extends the axis below zero: {svg}");
    }
}
