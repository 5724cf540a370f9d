use baton_app::SignedIn;
use maud::{html, Markup, DOCTYPE};

const STYLE: &str = r#"
:root { --fg:#1d2329; --muted:#5b6670; --line:#d9dee3; --bg:#f6f7f9; --card:#fff; --accent:#1f5fbf;
        --ok:#1e7b45; --warn:#7a4d00; --bad:#b3261e; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { background:#14202e; color:#fff; padding:.6rem 1rem; display:flex; gap:1.2rem; align-items:center; flex-wrap:wrap; }
header a { color:#fff; text-decoration:none; white-space:nowrap; } header .brand { font-weight:700; letter-spacing:.02em; }
main { padding:1rem; max-width:1400px; margin:0 auto; }
a { color:var(--accent); }
h1 { font-size:1.4rem; margin:.2rem 0 1rem; } h2 { font-size:1.1rem; margin:1.4rem 0 .5rem; }
.board { display:grid; grid-template-columns:repeat(auto-fit, minmax(210px, 1fr)); gap:.8rem; align-items:start; }
.column { background:#eceff3; border-radius:8px; padding:.5rem; }
.column h2 { margin:.2rem .3rem .5rem; font-size:.95rem; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
.card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:.55rem .65rem; margin-bottom:.5rem; }
.card a.name { font-weight:600; text-decoration:none; }
.meta { color:var(--muted); font-size:.85rem; }
.blocker { font-size:.85rem; color:var(--warn); margin-top:.3rem; }
.empty { color:var(--muted); font-style:italic; padding:.3rem; }
.pill { display:inline-block; border-radius:999px; padding:0 .5rem; font-size:.8rem; background:#e4e9f2; }
.stage-sre-owned { background:#d8f0e2; } .stage-rejected, .stage-retired { background:#f3dcdc; }
table { border-collapse:collapse; width:100%; background:var(--card); }
th, td { text-align:left; padding:.4rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.85rem; color:var(--muted); font-weight:600; } th.num, td.num { text-align:right; font-variant-numeric:tabular-nums; }
.ok { color:var(--ok); } .bad { color:var(--bad); } .warn { color:var(--warn); }
dl { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; } dt { color:var(--muted); } dd { margin:0; }
.scroll { overflow-x:auto; } .scroll:focus-visible { outline:2px solid var(--accent); outline-offset:2px; }
form.card { max-width:640px; } form.inline { display:inline; }
label { display:block; font-size:.85rem; color:var(--muted); margin:.4rem 0 .15rem; }
input, select, textarea { font:inherit; padding:.35rem .45rem; border:1px solid var(--line); border-radius:4px; width:100%; max-width:100%; }
input[type=checkbox] { width:auto; }
button { font:inherit; padding:.35rem .8rem; margin-top:.5rem; border:0; border-radius:4px; background:var(--accent); color:#fff; cursor:pointer; }
button.quiet { background:transparent; color:#fff; border:1px solid #fff6; margin:0; padding:.15rem .6rem; }
.actions { display:grid; grid-template-columns:repeat(auto-fit, minmax(280px, 1fr)); gap:.8rem; }
.actions form { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:.6rem .8rem; }
.actions h3 { margin:0 0 .2rem; font-size:1rem; }
.banner { padding:.6rem .8rem; border-radius:6px; margin:.5rem 0 1rem; }
.banner.ok { background:#e3f4ea; } .banner.bad { background:#fbe7e6; }
table.tiers tr.firing td { background:#fbe7e6; } section.slo { border-top:1px solid var(--line); padding-top:.4rem; }
header .who { margin-left:auto; display:flex; flex-wrap:wrap; gap:.6rem; align-items:center; }
.method .address { margin:.2rem 0; } .address { overflow-wrap:anywhere; }
@media (max-width:600px) { main { padding:.6rem; } th, td { padding:.3rem; } }
"#;

/// The text of every page's one `<style>` element, which the Content-Security-Policy
/// allows by its hash (see `crate::headers`).
pub(crate) fn style_text() -> String {
    format!("{STYLE}{}{}", super::chart::STYLE.0, super::schedule::STYLE.0)
}

/// The dashboard's one script, allowed by its hash like the style: a region marked
/// `data-refresh="SECONDS"` is fetched again and swapped in place that often, while its
/// "keep this current" box (hidden without the script) is ticked, the tab is visible and
/// nothing inside it has the focus. Everything works without it; the page is then current
/// when loaded. (A `<meta http-equiv=refresh>` would reload the whole page under the reader,
/// which WCAG 2.2.1 and axe-core count as a critical failure.)
const SCRIPT: &str = r#"(()=>{const q=()=>document.querySelector('[data-refresh]');let last=Date.now();
const box=document.getElementById('live');if(box&&box.parentElement)box.parentElement.hidden=false;
setInterval(async()=>{const r=q();if(!r||!box||!box.checked||document.hidden||r.contains(document.activeElement))return;
if(Date.now()-last<(+r.dataset.refresh||30)*1000)return;last=Date.now();
try{const res=await fetch(location.href,{credentials:'same-origin'});if(!res.ok)return;
const n=new DOMParser().parseFromString(await res.text(),'text/html').querySelector('[data-refresh]');
if(n){n.dataset.refresh=r.dataset.refresh;r.replaceWith(n);}}catch(e){}},1000);})();"#;

/// The text of every page's one `<script>` element, which the CSP allows by its hash.
pub(crate) fn script_text() -> &'static str {
    SCRIPT
}

/// The box that turns a page's `data-refresh` region's updates on and off: hidden until the
/// script shows it, since without the script nothing updates.
pub fn live_toggle(seconds: u32) -> Markup {
    html! {
        label.live hidden { input #live type="checkbox" checked; " Keep this list current (every " (seconds) " s)" }
    }
}

pub fn page(title: &str, viewer: Option<&SignedIn>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Baton" }
                style { (maud::PreEscaped(style_text())) }
            }
            body {
                header {
                    a.brand href="/" { "Baton" }
                    a href="/" { "Pipeline" }
                    a href="/slos" { "SLOs" }
                    a href="/oncall" { "On call" }
                    a href="/alerts" { "Alerts" }
                    span.who {
                        @if let Some(v) = viewer {
                            span { "Signed in as " strong { (v.principal.actor()) } }
                            @if matches!(v.principal, baton_app::Principal::Person(_)) {
                                a href="/me" { "My work" }
                                a href="/me/shifts" { "My shifts" }
                                a href="/me/notifications" { "Notifications" }
                            }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(v.csrf);
                                button.quiet type="submit" { "Sign out" }
                            }
                        } @else {
                            a href="/login" { "Sign in" }
                        }
                    }
                }
                main { (body) }
                script { (maud::PreEscaped(SCRIPT)) }
            }
        }
    }
}

pub use super::zone::{at, when};
