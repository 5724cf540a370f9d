//! Emailing the outbox through a real SMTP server on loopback (`tests/smtp_sink.py`, on
//! Python's aiosmtpd), from a real SQLite store, stepping a hand-moved clock through retries.

use crate::common::*;
use crate::smtp_sink::SmtpSink;
use baton_core::notice::{Notice, NoticeLink};
use baton_core::paging::{Channel, Delivery, SecretName};
use baton_core::Clock;
use baton_notify::{SendReport, Sender, SenderConfig, SenderError, SmtpConfig};
use baton_store::DeliveryStatus;
use mail_parser::{MessageParser, MimeHeaders};
use std::sync::Arc;
use std::time::Duration;

const T0: &str = "2026-03-02T09:00:00Z";
const FROM: &str = "Baton <baton@example.org>";

fn report(claimed: usize, delivered: usize, retried: usize, dead: usize) -> SendReport {
    SendReport { claimed, delivered, retried, dead, lost: 0, postponed: 0 }
}

fn smtp(url: String) -> Option<SmtpConfig> {
    Some(SmtpConfig { url, from: FROM.into(), password: None })
}

fn mail_sender(
    store: Arc<dyn baton_store::Store>,
    clock: Arc<TestClock>,
    worker: &str,
    smtp: Option<SmtpConfig>,
) -> Sender {
    Sender::new(store, clock, SenderConfig { worker: worker.into(), smtp, ..SenderConfig::default() }).unwrap()
}

fn email(to: &str) -> Channel {
    Channel::Email { to: to.into(), delivery: Delivery::default() }
}

/// A page for a person, with its one-click acknowledge link.
fn person_page() -> Notice {
    Notice {
        links: vec![
            NoticeLink { label: "Open in Baton".into(), url: "https://baton.example/alerts/7f3a".into() },
            NoticeLink { label: "Runbook".into(), url: "https://runbooks.example/streamhub".into() },
            NoticeLink { label: "Acknowledge".into(), url: "https://baton.example/a/T0KEN".into() },
        ],
        ..page()
    }
}

#[tokio::test]
async fn an_email_page_arrives_with_its_acknowledge_link_and_a_repeat_is_the_same_message() {
    let sink = SmtpSink::start(None);
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let key = "page/streamhub/7f3a/0/0/marta.oyelaran@a1";
    queue(&*store, key, &person_page(), &email("marta@example.com"), clock.now()).await;
    let sender = mail_sender(store.clone(), clock.clone(), "w1", smtp(sink.url()));

    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "a delivered message is not sent again");
    let stored = message(&*store, key).await;
    assert_eq!((stored.status, stored.attempts, stored.last_error), (DeliveryStatus::Delivered, 1, None));

    let received = sink.received();
    assert_eq!(received.len(), 1);
    let mail = MessageParser::default().parse(&received[0]).unwrap();
    assert_eq!(mail.subject(), Some("[CRITICAL] streamhub: HighErrorRate"));
    let from = mail.from().unwrap().first().unwrap();
    assert_eq!((from.name(), from.address()), (Some("Baton"), Some("baton@example.org")));
    let to: Vec<_> = mail.to().unwrap().iter().map(|a| a.address().unwrap().to_owned()).collect();
    assert_eq!(to, ["marta@example.com"]);
    let id = baton_notify::email::message_id(key);
    assert_eq!(mail.message_id(), Some(id.trim_start_matches('<').trim_end_matches('>')));
    assert_eq!(mail.header_raw("X-Baton-Idempotency-Key").map(str::trim), Some(key));
    assert_eq!(mail.header_raw("Auto-Submitted").map(str::trim), Some("auto-generated"));

    let text = mail.body_text(0).unwrap().replace("\r\n", "\n");
    assert_eq!(
        text,
        "[CRITICAL] streamhub: HighErrorRate\n\n5xx ratio above 2% for 10 minutes\n\nFor: marta.oyelaran\n\n\
         Acknowledge: https://baton.example/a/T0KEN\n\
         Open in Baton: https://baton.example/alerts/7f3a\n\
         Runbook: https://runbooks.example/streamhub\n"
    );
    let html = mail.body_html(0).unwrap().replace("\r\n", "\n");
    assert!(html.contains("<h1 style=\"font-size:20px\">streamhub: HighErrorRate</h1>"), "{html}");
    assert!(html.contains("<p>5xx ratio above 2% for 10 minutes</p>"), "{html}");
    let ack = html.find("<a href=\"https://baton.example/a/T0KEN\"").expect("the acknowledge button");
    let open = html.find("<a href=\"https://baton.example/alerts/7f3a\"").expect("the dashboard link");
    assert!(ack < open, "acknowledge first: {html}");
    let parts: Vec<String> = mail
        .parts
        .iter()
        .filter_map(|p| p.content_type())
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()))
        .collect();
    assert_eq!(parts, ["multipart/alternative", "text/plain", "text/html"]);
}

#[tokio::test]
async fn an_email_sent_again_after_a_lost_lease_is_the_very_same_message() {
    let sink = SmtpSink::start(None);
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let key = "page/streamhub/7f3a/0/0/slow.marta@a1";
    queue(&*store, key, &person_page(), &email("slow.marta@example.com"), clock.now()).await;

    // The first sender is killed after the server has the message, before its answer.
    let doomed = mail_sender(store.clone(), clock.clone(), "replica-a", smtp(sink.url()));
    let in_flight = tokio::spawn(async move { doomed.step().await });
    sink.wait_for(1).await;
    in_flight.abort();
    assert!(in_flight.await.unwrap_err().is_cancelled());

    let survivor = mail_sender(store.clone(), clock.clone(), "replica-b", smtp(sink.url()));
    assert_eq!(survivor.step().await.unwrap(), report(0, 0, 0, 0), "the dead sender's lease still holds");
    clock.advance(Duration::from_secs(30));
    assert_eq!(survivor.step().await.unwrap(), report(1, 1, 0, 0), "taken over once the lease ran out");

    let ids: Vec<String> = sink
        .received()
        .iter()
        .map(|raw| MessageParser::default().parse(raw).unwrap().message_id().unwrap().to_owned())
        .collect();
    let id = baton_notify::email::message_id(key);
    assert_eq!(ids, [&id[1..id.len() - 1]; 2], "the repeat has the same Message-ID, for the mail system to drop");
    assert_eq!(message(&*store, key).await.status, DeliveryStatus::Delivered);
}

#[tokio::test]
async fn a_mailbox_the_server_refuses_is_a_dead_letter_at_once() {
    let sink = SmtpSink::start(None);
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(&*store, "k-bounce", &person_page(), &email("bounce.marta@example.com"), clock.now()).await;
    let sender = mail_sender(store.clone(), clock.clone(), "w1", smtp(sink.url()));

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 0, 1));
    clock.advance(Duration::from_secs(3600));
    assert_eq!(sender.step().await.unwrap(), report(0, 0, 0, 0), "never retried");
    let stored = message(&*store, "k-bounce").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Dead, 1));
    let error = stored.last_error.unwrap();
    assert!(error.starts_with("the mail server refused it: 550"), "{error}");
    assert_eq!(error, "the mail server refused it: 550 5.1.1 mailbox unavailable");
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn a_mail_server_that_defers_is_tried_again() {
    let sink = SmtpSink::start(None);
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(&*store, "k-defer", &person_page(), &email("defer.marta@example.com"), clock.now()).await;
    let sender = mail_sender(store.clone(), clock.clone(), "w1", smtp(sink.url()));

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    let stored = message(&*store, "k-defer").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Pending, 1));
    assert_eq!(
        stored.last_error.as_deref(),
        Some("the mail server answered 451 4.3.0 <…@example.com>: try again later"),
        "the server's first line, the address reduced to its domain"
    );
}

#[tokio::test]
async fn a_mail_server_that_is_down_is_retried_for_the_channels_window_then_a_dead_letter() {
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let ten_minutes = Delivery { retry_for: Some(baton_core::Period::parse("10m").unwrap()), ..Delivery::default() };
    let channel = Channel::Email { to: "marta@example.com".into(), delivery: ten_minutes };
    queue(&*store, "k-down", &person_page(), &channel, clock.now()).await;
    let secrets = tempfile::tempdir().unwrap();
    std::fs::write(secrets.path().join("smtp-password"), "hunter2-s3cret\n").unwrap();
    let config = SenderConfig {
        worker: "w1".into(),
        smtp: Some(SmtpConfig {
            url: format!("smtp://baton@127.0.0.1:{port}"),
            from: FROM.into(),
            password: Some(SecretName::File("smtp-password".into())),
        }),
        secrets: baton_notify::Secrets { dir: Some(secrets.path().to_owned()) },
        ..SenderConfig::default()
    };
    let sender = Sender::new(store.clone(), clock.clone(), config).unwrap();

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    let stored = message(&*store, "k-down").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Pending, 1));
    let error = stored.last_error.unwrap();
    assert!(error.starts_with(&format!("could not connect to the mail server 127.0.0.1:{port}")), "{error}");
    assert!(!error.contains("hunter2") && !error.contains("marta"), "{error}");

    let window_end = T0.parse::<baton_core::Timestamp>().unwrap() + jiff::SignedDuration::from_mins(10);
    let mut attempts = 1;
    loop {
        let stored = message(&*store, "k-down").await;
        if stored.status == DeliveryStatus::Dead {
            let error = stored.last_error.unwrap();
            assert!(error.starts_with(&format!("gave up after attempt {attempts} (10m of retries): could not connect to the mail server 127.0.0.1:{port}")), "{error}");
            break;
        }
        assert!(stored.next_attempt_at <= window_end);
        clock.advance(clock.now().duration_until(stored.next_attempt_at).unsigned_abs());
        sender.step().await.unwrap();
        attempts += 1;
        assert!(attempts < 100, "given up within its window");
    }
    assert!(attempts >= 5, "{attempts} attempts");
}

#[tokio::test]
async fn without_a_mail_server_an_email_waits_saying_so() {
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    queue(&*store, "k-none", &person_page(), &email("marta@example.com"), clock.now()).await;
    let sender = mail_sender(store.clone(), clock.clone(), "w1", None);

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0));
    let stored = message(&*store, "k-none").await;
    assert_eq!((stored.status, stored.attempts), (DeliveryStatus::Pending, 1));
    assert_eq!(stored.last_error.as_deref(), Some("no mail server is configured (serve --smtp-url)"));
}

#[tokio::test]
async fn the_login_password_is_read_from_its_secret_at_each_send_and_never_shown() {
    let sink = SmtpSink::start(Some("hunter2-s3cret"));
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let secrets = tempfile::tempdir().unwrap();
    let password = secrets.path().join("smtp-password");
    std::fs::write(&password, "wrong-s3cret\n").unwrap();
    queue(&*store, "k-login", &person_page(), &email("marta@example.com"), clock.now()).await;
    let config = SenderConfig {
        worker: "w1".into(),
        smtp: Some(SmtpConfig {
            url: format!("smtp://baton@127.0.0.1:{}", sink.port),
            from: FROM.into(),
            password: Some(SecretName::File("smtp-password".into())),
        }),
        secrets: baton_notify::Secrets { dir: Some(secrets.path().to_owned()) },
        ..SenderConfig::default()
    };
    let sender = Sender::new(store.clone(), clock.clone(), config).unwrap();

    assert_eq!(sender.step().await.unwrap(), report(1, 0, 1, 0), "a refused login is retried, not a dead letter");
    let stored = message(&*store, "k-login").await;
    let error = stored.last_error.unwrap();
    assert!(error.starts_with(&format!("the mail server 127.0.0.1:{} refused the login: 535", sink.port)), "{error}");
    assert!(!error.contains("s3cret"), "{error}");

    std::fs::write(&password, "hunter2-s3cret\n").unwrap();
    clock.advance(Duration::from_secs(2));
    assert_eq!(sender.step().await.unwrap(), report(1, 1, 0, 0), "the rotated password is used without a restart");
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn mail_server_settings_that_cannot_work_are_refused_at_start_without_the_password() {
    let (store, _dir) = sqlite().await;
    let clock = TestClock::at(T0);
    let new = |url: &str, from: &str, password: Option<SecretName>| {
        let smtp = Some(SmtpConfig { url: url.into(), from: from.into(), password });
        Sender::new(store.clone(), clock.clone(), SenderConfig { smtp, ..SenderConfig::default() }).err()
    };
    let error = |e: Option<SenderError>| e.expect("refused").to_string();

    let inline = error(new("smtps://baton:hunter2@mail.example.org", FROM, None));
    assert!(inline.contains("--smtp-password-secret") && !inline.contains("hunter2"), "{inline}");
    let scheme = error(new("http://mail.example.org", FROM, None));
    assert!(scheme.contains("smtp://host:port"), "{scheme}");
    assert!(error(new("not a url", FROM, None)).contains("does not parse"));
    let no_user = error(new("smtp://mail.example.org:587?tls=required", FROM, Some(SecretName::Env("X".into()))));
    assert!(no_user.contains("user"), "{no_user}");
    assert!(error(new("smtp://127.0.0.1:25", "baton", None)).contains("not an email address"));
    assert!(new("smtp://baton@mail.example.org:587?tls=required", FROM, Some(SecretName::Env("X".into()))).is_none());
    assert!(new("smtps://mail.example.org", FROM, None).is_none());
}
