//! The email that delivers one notice to one address. Pure: no IO, so the message is
//! tested as a mail client would read it.
//!
//! - `Subject`: for a page or a page update, one word first as on Slack
//!   (`[CRITICAL] streamhub: HighErrorRate`, `[RESOLVED] …`); otherwise the title.
//! - `multipart/alternative`: a `text/plain` part (the title, the text, then each link as
//!   `Label: URL` on a line of its own) and a `text/html` part (the same, escaped, the
//!   links as buttons). The `Acknowledge` link comes first in both, the most prominent.
//! - `Message-ID: <first 32 hex digits of SHA-256(key)@baton>`, `key` being the outbox
//!   message's idempotency key: an attempt made again (a retry, a lost lease) sends the
//!   very same message, which a mail system may recognise. `X-Baton-Idempotency-Key` holds
//!   the key itself (percent-encoded as the webhook's `Idempotency-Key` header), and
//!   `Auto-Submitted: auto-generated` keeps vacation replies away (RFC 3834).
//!
//! The recipient must be exactly one address (`local@domain`, no display name, no list):
//! anything else is refused, so a contact method cannot add recipients or headers.

use crate::render::{header_safe, headline_word};
use baton_core::notice::{Notice, NoticeKind, NoticeLink};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Why a notice could not be made into an email. Neither names the recipient.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    #[error("the recipient is not one email address")]
    Recipient,
    #[error("the email could not be built: {0}")]
    Build(String),
}

/// The label of the link that acknowledges a page in one click: shown first.
pub const ACKNOWLEDGE: &str = "Acknowledge";

/// The email delivering `notice` from `from` to `to` (one address), `key` being the outbox
/// message's idempotency key.
pub fn email(notice: &Notice, from: &Mailbox, to: &str, key: &str) -> Result<Message, EmailError> {
    let to = recipient(to)?;
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(subject(notice))
        .message_id(Some(message_id(key)))
        .header(IdempotencyKey(header_safe(key)))
        .header(AutoSubmitted)
        .user_agent(format!("baton/{}", env!("CARGO_PKG_VERSION")))
        .multipart(MultiPart::alternative_plain_html(plain(notice), html(notice)))
        .map_err(|e| EmailError::Build(e.to_string()))
}

/// `to` as one address: exactly `local@domain`, nothing around it.
pub fn recipient(to: &str) -> Result<Address, EmailError> {
    if to.is_empty() || to.chars().any(|c| c.is_whitespace() || c.is_control() || ",;<>\"".contains(c)) {
        return Err(EmailError::Recipient);
    }
    to.parse::<Address>().map_err(|_| EmailError::Recipient)
}

/// The recipient's domain, lower-cased: what limits and logs may name. `None` when `to` is
/// not one address.
pub fn recipient_domain(to: &str) -> Option<String> {
    recipient(to).ok().map(|a| a.domain().to_ascii_lowercase())
}

/// `<32 hex digits@baton>`: the same for every attempt at one outbox message.
pub fn message_id(key: &str) -> String {
    let digest = hex::encode(Sha256::digest(key.as_bytes()));
    format!("<{}@baton>", &digest[..32])
}

fn subject(notice: &Notice) -> String {
    let word = match notice.kind {
        NoticeKind::Page | NoticeKind::PageUpdate => headline_word(notice),
        NoticeKind::Reminder | NoticeKind::Info => None,
    };
    let subject = match word {
        Some(word) => format!("[{word}] {}", notice.title),
        None => notice.title.clone(),
    };
    // One line: a title from an alert may hold line breaks.
    subject.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The notice's links, the acknowledge link first.
fn links(notice: &Notice) -> Vec<&NoticeLink> {
    let (ack, rest): (Vec<&NoticeLink>, Vec<&NoticeLink>) = notice.links.iter().partition(|l| l.label == ACKNOWLEDGE);
    ack.into_iter().chain(rest).collect()
}

fn for_whom(notice: &Notice) -> Option<String> {
    (!notice.to.is_empty()).then(|| notice.to.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", "))
}

fn plain(notice: &Notice) -> String {
    let mut out = subject(notice);
    out.push_str("\n\n");
    if !notice.text.is_empty() {
        out.push_str(&notice.text);
        out.push_str("\n\n");
    }
    if let Some(to) = for_whom(notice) {
        out.push_str(&format!("For: {to}\n\n"));
    }
    for link in links(notice) {
        out.push_str(&format!("{}: {}\n", link.label, link.url));
    }
    out
}

const BUTTON: &str = "display:inline-block;margin:4px 8px 4px 0;padding:8px 16px;border:1px solid #555;\
    border-radius:4px;color:#222;text-decoration:none";
const PROMINENT: &str = "display:inline-block;margin:4px 8px 4px 0;padding:12px 24px;border-radius:4px;\
    background:#b3261e;color:#ffffff;font-weight:bold;font-size:16px;text-decoration:none";

fn html(notice: &Notice) -> String {
    let word = match notice.kind {
        NoticeKind::Page | NoticeKind::PageUpdate => headline_word(notice),
        NoticeKind::Reminder | NoticeKind::Info => None,
    };
    let mut out = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    out.push_str(&escape(&subject(notice)));
    out.push_str("</title></head>\n<body style=\"font-family:sans-serif;line-height:1.4\">\n");
    if let Some(word) = word {
        out.push_str(&format!("<p><strong>{}</strong></p>\n", escape(&word)));
    }
    out.push_str(&format!("<h1 style=\"font-size:20px\">{}</h1>\n", escape(&notice.title)));
    if !notice.text.is_empty() {
        let text = escape(&notice.text).replace("\r\n", "\n").replace('\n', "<br>\n");
        out.push_str(&format!("<p>{text}</p>\n"));
    }
    if let Some(to) = for_whom(notice) {
        out.push_str(&format!("<p>For: {}</p>\n", escape(&to)));
    }
    let links = links(notice);
    if !links.is_empty() {
        out.push_str("<p>\n");
        for link in links {
            let (label, url) = (escape(&link.label), escape(&link.url));
            // Only web links are clickable: a `javascript:` URL in a notice stays text.
            if link.url.starts_with("https://") || link.url.starts_with("http://") {
                let style = if link.label == ACKNOWLEDGE { PROMINENT } else { BUTTON };
                out.push_str(&format!("<a href=\"{url}\" style=\"{style}\">{label}</a>\n"));
            } else {
                out.push_str(&format!("<span>{label}: {url}</span>\n"));
            }
        }
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// Text as HTML text or an attribute value.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `X-Baton-Idempotency-Key`, already header-safe.
#[derive(Debug, Clone)]
struct IdempotencyKey(String);

impl Header for IdempotencyKey {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Baton-Idempotency-Key")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(IdempotencyKey(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies to Baton.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_core::notice::AlertAction;
    use baton_core::paging::Severity;
    use baton_core::PersonId;
    use mail_parser::MessageParser;

    fn page() -> Notice {
        Notice {
            kind: NoticeKind::Page,
            subject: "alert/streamhub/7f3a".into(),
            title: "streamhub: <b>HighErrorRate</b>".into(),
            text: "5xx ratio above 2% & rising\nsince 09:00".into(),
            to: vec![PersonId::parse("marta.oyelaran").unwrap()],
            severity: Some(Severity::Critical),
            links: vec![
                NoticeLink { label: "Open in Baton".into(), url: "https://baton.example/alerts/7f3a".into() },
                NoticeLink { label: "Runbook".into(), url: "javascript:alert(1)".into() },
                NoticeLink { label: "Acknowledge".into(), url: "https://baton.example/a/t0k?x=1&y=2".into() },
            ],
            alert: Some(("7f3a".into(), AlertAction::Trigger)),
        }
    }

    fn from() -> Mailbox {
        "Baton <baton@example.org>".parse().unwrap()
    }

    fn raw(notice: &Notice, key: &str) -> Vec<u8> {
        email(notice, &from(), "marta@example.com", key).unwrap().formatted()
    }

    #[test]
    fn a_page_is_a_plain_and_html_email_with_the_acknowledge_link_first() {
        let raw = raw(&page(), "page/streamhub/7f3a/0/0/marta.oyelaran@a1");
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("[CRITICAL] streamhub: <b>HighErrorRate</b>"));
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!((from.name(), from.address()), (Some("Baton"), Some("baton@example.org")));
        assert_eq!(parsed.to().unwrap().first().unwrap().address(), Some("marta@example.com"));
        assert_eq!(
            parsed.message_id(),
            Some(message_id("page/streamhub/7f3a/0/0/marta.oyelaran@a1").trim_matches(['<', '>']))
        );
        let header = |name: &'static str| parsed.header_raw(name).map(str::trim);
        assert_eq!(header("X-Baton-Idempotency-Key"), Some("page/streamhub/7f3a/0/0/marta.oyelaran@a1"));
        assert_eq!(header("Auto-Submitted"), Some("auto-generated"));

        let text = parsed.body_text(0).unwrap();
        assert_eq!(
            text.replace("\r\n", "\n"),
            "[CRITICAL] streamhub: <b>HighErrorRate</b>\n\n5xx ratio above 2% & rising\nsince 09:00\n\n\
             For: marta.oyelaran\n\n\
             Acknowledge: https://baton.example/a/t0k?x=1&y=2\n\
             Open in Baton: https://baton.example/alerts/7f3a\n\
             Runbook: javascript:alert(1)\n"
        );
        let html = parsed.body_html(0).unwrap().replace("\r\n", "\n");
        assert!(
            html.contains("<h1 style=\"font-size:20px\">streamhub: &lt;b&gt;HighErrorRate&lt;/b&gt;</h1>"),
            "{html}"
        );
        assert!(html.contains("<p>5xx ratio above 2% &amp; rising<br>\nsince 09:00</p>"), "{html}");
        let ack = html.find("href=\"https://baton.example/a/t0k?x=1&amp;y=2\"").expect("the acknowledge button");
        let open = html.find("href=\"https://baton.example/alerts/7f3a\"").expect("the dashboard link");
        assert!(ack < open, "acknowledge first");
        assert!(html[ack..].starts_with(&format!(
            "href=\"https://baton.example/a/t0k?x=1&amp;y=2\" style=\"{PROMINENT}\">Acknowledge</a>"
        )));
        assert!(!html.contains("href=\"javascript"), "only web links are clickable: {html}");
        assert!(html.contains("<span>Runbook: javascript:alert(1)</span>"));
    }

    #[test]
    fn the_subject_says_what_happened_to_a_paged_alert_and_nothing_for_a_reminder() {
        let subject_of = |notice: &Notice| {
            let raw = raw(notice, "k");
            MessageParser::default().parse(&raw).unwrap().subject().unwrap().to_owned()
        };
        let resolved = Notice {
            kind: NoticeKind::PageUpdate,
            title: "streamhub: HighErrorRate".into(),
            alert: Some(("7f3a".into(), AlertAction::Resolve)),
            ..page()
        };
        assert_eq!(subject_of(&resolved), "[RESOLVED] streamhub: HighErrorRate");
        let acked = Notice { alert: Some(("7f3a".into(), AlertAction::Acknowledge)), ..resolved.clone() };
        assert_eq!(subject_of(&acked), "[ACKNOWLEDGED] streamhub: HighErrorRate");
        let reminder = Notice { kind: NoticeKind::Reminder, alert: None, ..resolved.clone() };
        assert_eq!(subject_of(&reminder), "streamhub: HighErrorRate");
        let two_lines = Notice { title: "a\r\nBcc: eve@example.net".into(), ..reminder };
        let raw = raw(&two_lines, "k");
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("a  Bcc: eve@example.net"));
        assert!(parsed.bcc().is_none(), "a title cannot add a header");
    }

    #[test]
    fn the_message_id_follows_the_idempotency_key() {
        let id = message_id("page/streamhub/7f3a/0/0/marta.oyelaran@a1");
        assert_eq!(id, message_id("page/streamhub/7f3a/0/0/marta.oyelaran@a1"));
        assert_ne!(id, message_id("page/streamhub/7f3a/0/1/marta.oyelaran@a1"));
        assert!(id.starts_with('<') && id.ends_with("@baton>") && id.len() == 1 + 32 + "@baton>".len(), "{id}");
        let key = "page/straße 1%";
        let raw = raw(&page(), key);
        let parsed = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.header_raw("X-Baton-Idempotency-Key").map(str::trim), Some("page/stra%C3%9Fe%201%25"));
    }

    #[test]
    fn the_recipient_is_one_address_or_refused() {
        for bad in [
            "",
            "marta",
            "marta@example.com, eve@example.net",
            "marta@example.com\r\nBcc: eve@example.net",
            "Marta <marta@example.com>",
            "marta@example.com;eve@example.net",
            " marta@example.com",
            "@example.com",
        ] {
            assert_eq!(email(&page(), &from(), bad, "k").unwrap_err(), EmailError::Recipient, "{bad:?}");
        }
        assert_eq!(recipient_domain("Marta@Example.COM").as_deref(), Some("example.com"));
        assert_eq!(recipient_domain("marta"), None);
    }
}
