//! Two `baton serve` processes on one PostgreSQL database share the paging work: alerts
//! arrive at both, both engines escalate and both senders deliver from the one outbox, and
//! still no notification is sent twice. Then one is killed with SIGKILL, and the other
//! carries on: the next escalation step is paged on time.

use crate::paging_support::{
    baton_cli, baton_serve, generic_alert, generic_integration, org_copy, PgDatabase, Receiver, Seen,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const ALERTS: usize = 300;
/// streamhub-dev-page's first step waits this long (15m in the example organisation).
const STEP_DELAY: Duration = Duration::from_secs(20);

/// Pages by (alert, person, step), from the page's text ("step N of policy").
fn pages(seen: &[Seen]) -> BTreeMap<(String, String, String), Vec<String>> {
    let mut out: BTreeMap<_, Vec<String>> = BTreeMap::new();
    for s in seen.iter().filter(|s| s.kind() == "page") {
        let step = s.text().split("(step ").nth(1).and_then(|t| t.split(' ').next()).unwrap_or("?").to_owned();
        out.entry((s.dedup_key().to_owned(), s.to().to_owned(), step)).or_default().push(s.idempotency_key.clone());
    }
    out
}

fn assert_once_each(seen: &[Seen]) {
    let mut keys: Vec<&str> = seen.iter().map(|s| s.idempotency_key.as_str()).collect();
    let total = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), total, "an Idempotency-Key was delivered twice");
    for ((alert, person, step), keys) in pages(seen) {
        assert_eq!(keys.len(), 1, "{alert}: {person} was paged {} times for step {step}", keys.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_page_once_and_the_survivor_escalates() {
    let pg = PgDatabase::create().await;
    let db = pg.url();
    let receiver = Receiver::start().await;
    // Noor first; if she does not acknowledge within 20 s, the whole team.
    let delay = format!("{}s", STEP_DELAY.as_secs());
    let org = org_copy(&receiver.base, &[("streamhub-dev.yaml", "delay: 15m", &format!("delay: {delay}"))]);
    let dir = tempfile::tempdir().unwrap();
    let (mut first, first_url) = baton_serve("replica-a", &db, Some(org.path()), "127.0.0.1:0", dir.path()).await;
    let (second, second_url) = baton_serve("replica-b", &db, None, "127.0.0.1:0", dir.path()).await;
    let key = generic_integration(&db);

    // A few hundred alerts, every other one to each replica, 16 at a time.
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in 0..16 {
        let (client, key) = (client.clone(), key.clone());
        let urls = [first_url.clone(), second_url.clone()];
        tasks.push(tokio::spawn(async move {
            for i in (chunk..ALERTS).step_by(16) {
                let url = format!("{}/api/v1/intake/{key}/generic", urls[i % 2]);
                let r = client.post(&url).json(&generic_alert(&format!("replica-{i:03}"), "critical")).send().await;
                let r = r.unwrap();
                assert!(r.status().is_success(), "alert {i}: {}", r.status());
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let accepted = started.elapsed();
    let logs = || format!("{}\n{}", first.log(), second.log());
    receiver
        .wait_until(
            Duration::from_secs(30),
            "step 1's page to noor.castellano for every alert",
            |seen| pages(seen).keys().filter(|(_, p, s)| p == "noor.castellano" && s == "1").count() == ALERTS,
            logs,
        )
        .await;
    let first_step = started.elapsed();
    assert!(first_step < STEP_DELAY, "the first step took {first_step:?}: the kill would come after step 2 is due");
    assert_once_each(&receiver.seen());
    let delivered = |log: String| log.matches("notification delivered").count();
    // The receiver records a request when it arrives; its sender logs the delivery once
    // the answer is back, a moment later.
    let logged_by = std::time::Instant::now() + Duration::from_secs(10);
    let (mut by_first, mut by_second) = (0, 0);
    while std::time::Instant::now() < logged_by {
        (by_first, by_second) = (delivered(first.log_text()), delivered(second.log_text()));
        if by_first + by_second >= ALERTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(by_first + by_second, ALERTS, "each replica's sender logs what it delivered");
    assert!(by_first > 0 && by_second > 0, "both senders take part: {by_first} and {by_second}");

    // Every delivery is settled before the kill: one delivered but not yet marked so would
    // rightly be sent again after its lease, and this part is about the two running.
    let outbox = sqlx::PgPool::connect(&db).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE status = 'pending'")
            .fetch_one(&outbox)
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{pending} messages still pending:\n{}", logs());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    outbox.close().await;

    // Replica A dies. Nobody acknowledges: B's engine runs step 2 (the whole team) on time.
    first.kill();
    let killed = started.elapsed();
    let team = ["felix.adeyemi", "noor.castellano", "yuki.brandvold"];
    let logs = || second.log();
    receiver
        .wait_until(
            STEP_DELAY + Duration::from_secs(30),
            "step 2's pages to the whole team for every alert",
            |seen| pages(seen).keys().filter(|(_, _, s)| s == "2").count() == ALERTS * team.len(),
            logs,
        )
        .await;
    let escalated = started.elapsed();
    let seen = receiver.seen();
    assert_once_each(&seen);
    let second_step: Vec<&Seen> = seen.iter().filter(|s| s.text().contains("(step 2 ")).collect();
    let earliest = second_step.iter().map(|s| s.at).min().unwrap();
    assert!(earliest.duration_since(started) > killed, "no step 2 page went out before the kill");
    let last = second_step.iter().map(|s| s.at).max().unwrap().duration_since(started);
    assert!(
        last < accepted + STEP_DELAY + Duration::from_secs(10),
        "the survivor paged step 2 within seconds of it falling due: last at {last:?}, alerts accepted by {accepted:?}"
    );
    assert_eq!(delivered(second.log_text()) - by_second, ALERTS * team.len(), "B delivered all of step 2");
    println!(
        "{ALERTS} alerts accepted by two replicas in {accepted:?}; step 1 paged by {first_step:?} ({by_first} by A, \
         {by_second} by B); A killed at {killed:?}; step 2 ({} pages) paged by B by {escalated:?}",
        second_step.len()
    );

    // Revoked by another process (the CLI): B knows the key from before, yet refuses it at
    // once and stores nothing.
    baton_cli(&["integration", "revoke", "streamhub.load", "--as", "noor.castellano", "--db", &db]);
    let url = format!("{second_url}/api/v1/intake/{key}/generic");
    let refused = client.post(&url).json(&generic_alert("after-revoke", "critical")).send().await.unwrap();
    assert_eq!(refused.status(), 404);
    let stored = client.get(format!("{second_url}/api/v1/alerts/streamhub/after-revoke")).send().await.unwrap();
    assert_eq!(stored.status(), 404, "nothing stored");
    drop((first, second));
    pg.drop_now().await;
}
