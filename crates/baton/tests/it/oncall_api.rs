//! On-call through the API and the CLI, over the example organisation's `addon-sre`
//! rotation (daily, Irish working days, shift change 09:00 Dublin, extended over weekends and
//! holidays). The test clock starts at 2026-03-02T09:00:00Z, a Monday shift change.

use crate::support::spawn_app;
use serde_json::Value;

const ADDON: &str = "/api/v1/rotations/addon-sre";

fn who(body: &Value) -> (&str, &str) {
    (body["person"]["id"].as_str().unwrap(), body["why"]["rule"].as_str().unwrap())
}

#[tokio::test]
async fn who_is_on_call_across_a_week_with_a_weekend_extension_and_why() {
    let app = spawn_app().await;
    // Monday to Friday: the list as written, one working day each.
    for (day, person) in
        ["aoife.delacroix", "cian.moreau", "beatriz.nakamura", "thiago.lindgren", "ananya.kowalski"].iter().enumerate()
    {
        let (status, body) = app.get(&format!("{ADDON}/oncall")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(who(&body), (*person, "turn"), "day {day}: {body}");
        assert_eq!(body["why"]["position"], day as u64);
        assert_eq!(body["why"]["cycle"], 0);
        assert_eq!(body["start"], app.now().to_string(), "the shift starts at this morning's shift change");
        assert!(body["person"]["email"].as_str().unwrap().ends_with("@example.com"), "{body}");
        assert!(body["person"]["name"].as_str().is_some());
        app.days_later(1);
    }
    // Saturday and Sunday: Friday's shift extends until Monday's shift change.
    for _ in 0..2 {
        let (_, body) = app.get(&format!("{ADDON}/oncall")).await;
        assert_eq!(who(&body), ("ananya.kowalski", "extended"), "{body}");
        assert_eq!(body["why"]["from"], "2026-03-06");
        assert_eq!(
            (body["start"].as_str(), body["end"].as_str()),
            (Some("2026-03-06T09:00:00Z"), Some("2026-03-09T09:00:00Z"))
        );
        assert!(body.get("holiday").is_none(), "a weekend is not a holiday: {body}");
        assert!(body["because"].as_str().unwrap().contains("Friday 2026-03-06"), "{body}");
        app.days_later(1);
    }
    // Monday again: the last of the list.
    let (_, body) = app.get(&format!("{ADDON}/oncall")).await;
    assert_eq!(who(&body), ("rohan.abernathy", "turn"), "{body}");
    // Just before the shift change, Friday's person still holds it.
    let (_, body) = app.get(&format!("{ADDON}/oncall?at=2026-03-09T08:59:59Z")).await;
    assert_eq!(who(&body), ("ananya.kowalski", "extended"), "{body}");
}

#[tokio::test]
async fn a_holiday_extends_the_previous_working_days_shift() {
    let app = spawn_app().await;
    // Saint Patrick's Day, a Tuesday: Monday's person keeps the pager until Wednesday 09:00.
    let (_, monday) = app.get(&format!("{ADDON}/oncall?at=2026-03-16T12:00:00Z")).await;
    let (status, body) = app.get(&format!("{ADDON}/oncall?at=2026-03-17T12:00:00Z")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["person"], monday["person"]);
    assert_eq!(body["why"]["rule"], "extended");
    assert_eq!(body["why"]["from"], "2026-03-16");
    assert_eq!(body["why"]["cycle"], 1, "the second cycle is a reshuffle: {body}");
    assert_eq!(body["end"], "2026-03-18T09:00:00Z");
    assert_eq!(body["holiday"]["name"], "Saint Patrick's Day");
    assert_eq!(body["holiday"]["calendar"], "ireland");
    assert!(body["because"].as_str().unwrap().contains("Saint Patrick's Day"), "{body}");
    // The holiday uses up nobody's turn: Wednesday is the next position.
    let (_, wednesday) = app.get(&format!("{ADDON}/oncall?at=2026-03-18T12:00:00Z")).await;
    assert_eq!(wednesday["why"]["rule"], "turn");
    assert_eq!(wednesday["why"]["position"].as_u64(), Some(monday["why"]["position"].as_u64().unwrap() + 1));
}

#[tokio::test]
async fn next_schedule_weekend_layer_list_and_errors() {
    let app = spawn_app().await;
    let (_, next) = app.get(&format!("{ADDON}/next")).await;
    assert_eq!(who(&next), ("cian.moreau", "turn"), "{next}");
    assert_eq!(next["start"], "2026-03-03T09:00:00Z");
    let (_, next) = app.get(&format!("{ADDON}/next?at=2026-03-07T10:00:00Z")).await;
    assert_eq!(
        (next["person"]["id"].as_str(), next["start"].as_str()),
        (Some("rohan.abernathy"), Some("2026-03-09T09:00:00Z"))
    );

    let (status, shifts) = app.get(&format!("{ADDON}/schedule?from=2026-03-02&to=2026-03-09")).await;
    assert_eq!(status, 200, "{shifts}");
    let shifts = shifts.as_array().unwrap();
    assert_eq!(shifts.len(), 5, "{shifts:#?}");
    assert_eq!(shifts[4]["end"], "2026-03-09T09:00:00Z", "Friday's shift runs over the weekend");
    for pair in shifts.windows(2) {
        assert_eq!(pair[0]["end"], pair[1]["start"], "shifts tile time");
    }
    let (status, _) = app.get(&format!("{ADDON}/schedule")).await;
    assert_eq!(status, 200, "a week from today by default");
    let (status, body) = app.get(&format!("{ADDON}/schedule?from=2026-03-02&to=2027-03-05")).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("to")), "{body}");
    let (status, body) = app.get(&format!("{ADDON}/schedule?from=yesterday")).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("from")), "{body}");

    let (_, body) = app.get("/api/v1/rotations/platform-sre-daytime/oncall?at=2026-03-07T12:00:00Z").await;
    assert_eq!(body["why"]["rule"], "weekend-layer", "{body}");
    assert_eq!(body["layer"], "weekend");
    assert_eq!(body["person"]["id"], "lucia.hartmann");
    let (_, body) = app.get("/api/v1/rotations/platform-sre/oncall").await;
    assert_eq!(who(&body), ("marta.oyelaran", "turn"), "{body}");
    assert_eq!(body["end"], "2026-03-09T09:00:00Z", "a week, handed over at 10:00 Madrid");

    let (status, list) = app.get("/api/v1/rotations").await;
    assert_eq!(status, 200);
    let ids: Vec<_> = list.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["addon-sre", "addon-sre-sun", "platform-sre", "platform-sre-daytime"]);
    assert_eq!(list[0]["on_call"]["id"], "aoife.delacroix");
    assert_eq!(list[0]["calendars"][0], "ireland");

    let (status, body) = app.get("/api/v1/rotations/no-such/oncall").await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = app.get(&format!("{ADDON}/oncall?at=2026-03-01T12:00:00Z")).await;
    assert_eq!(status, 404, "before the first shift change: {body}");
}

#[tokio::test]
async fn oncall_for_a_service_follows_its_assigned_sre_team() {
    let app = spawn_app().await;
    let svc = baton_core::ServiceId::parse("streamhub").unwrap();
    let none = app.baton.oncall_for_service(&svc, None).await.unwrap();
    assert!(none.sre_team.is_none() && none.on_call.is_empty());
    let (owner, architect, lead) =
        (app.token("noor.castellano").await, app.token("helga.marchetti").await, app.token("aoife.delacroix").await);
    let svc_path = "/api/v1/services/streamhub";
    let (s, b) = app.post(&format!("{svc_path}/propose"), Some(&owner), serde_json::json!({})).await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(&format!("{svc_path}/accept"), Some(&architect), serde_json::json!({"priority": "p1", "reason": "ok"}))
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = app
        .post(&format!("{svc_path}/assign"), Some(&lead), serde_json::json!({"sre_team": "addon-sre", "scope": "all"}))
        .await;
    assert_eq!(s, 200, "{b}");
    let now = app.baton.oncall_for_service(&svc, None).await.unwrap();
    assert_eq!(now.sre_team.as_ref().map(|t| t.as_str()), Some("addon-sre"));
    assert_eq!(now.on_call.len(), 1);
    assert_eq!(now.on_call[0].person.id.as_str(), "aoife.delacroix");
}

#[tokio::test]
async fn baton_oncall_who_answers_at_the_terminal() {
    let app = spawn_app().await;
    let out = app.baton_cli(&["oncall", "who", "addon-sre", "--at", "2026-03-07T12:00:00Z"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Ananya Kowalski (ananya.kowalski)"), "{stdout}");
    assert!(stdout.contains("shift:   2026-03-06 09:00 to 2026-03-09 09:00 Europe/Dublin"), "{stdout}");
    assert!(stdout.contains("Friday 2026-03-06"), "why: {stdout}");

    let out = app.baton_cli(&["oncall", "who", "addon-sre", "--at", "2026-03-17T12:00:00Z", "--output", "json"]);
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["holiday"]["name"], "Saint Patrick's Day");

    let out = app.baton_cli(&["oncall", "schedule", "addon-sre", "--from", "2026-03-02", "--days", "7"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(stdout.lines().count(), 6, "a header and five shifts: {stdout}");

    let out = app.baton_cli(&["oncall", "next", "addon-sre", "--at", "2026-03-02T10:00:00Z"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Cian Moreau"));

    let out = app.baton_cli(&["oncall", "who", "no-such"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no rotation `no-such`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The example `addon-sre-sun`: Kolkata, Dublin and São Paulo share each day, in their
/// own working hours, and who is on call stays one answer naming the region.
#[tokio::test]
async fn the_follow_the_sun_example_hands_over_through_the_day_in_local_hours() {
    let app = spawn_app().await;
    let at = |t: &str| format!("/api/v1/rotations/addon-sre-sun/oncall?at={t}");
    // Wednesday 4 March: Kolkata from 08:00 IST (02:30Z), Dublin from 10:00 (10:00Z),
    // São Paulo from 15:00 (18:00Z) until Kolkata's next morning.
    for (t, region, start, end) in [
        ("2026-03-04T05:00:00Z", "kolkata", "2026-03-04T02:30:00Z", "2026-03-04T10:00:00Z"),
        ("2026-03-04T12:00:00Z", "dublin", "2026-03-04T10:00:00Z", "2026-03-04T18:00:00Z"),
        ("2026-03-04T23:00:00Z", "sao-paulo", "2026-03-04T18:00:00Z", "2026-03-05T02:30:00Z"),
        // After Dublin's clocks go forward (29 March) its day starts at 09:00Z.
        ("2026-04-01T09:30:00Z", "dublin", "2026-04-01T09:00:00Z", "2026-04-01T18:00:00Z"),
    ] {
        let (status, body) = app.get(&at(t)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["region"], region, "{body}");
        assert_eq!((body["start"].as_str(), body["end"].as_str()), (Some(start), Some(end)), "{body}");
        assert!(body["because"].as_str().unwrap().starts_with(&format!("{region}'s hours: ")), "{body}");
    }
    let (_, day) =
        app.get("/api/v1/rotations/addon-sre-sun/schedule?from=2026-03-04T02:30:00Z&to=2026-03-05T02:30:00Z").await;
    let regions: Vec<&str> = day.as_array().unwrap().iter().map(|s| s["region"].as_str().unwrap()).collect();
    assert_eq!(regions, ["kolkata", "dublin", "sao-paulo"], "{day}");
    let (_, list) = app.get("/api/v1/rotations").await;
    let sun = list.as_array().unwrap().iter().find(|r| r["id"] == "addon-sre-sun").unwrap();
    assert_eq!(sun["regions"][0], "kolkata 08:00–17:00 Asia/Kolkata", "{sun}");
}
