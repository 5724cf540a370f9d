//! One-click acknowledge links for a person's page: signed (HMAC-SHA256 with a key that
//! only the server holds), for one alert incarnation and one person, expiring. A link
//! acknowledges at most once: an alert is acknowledged once, and a resolved alert that
//! fires again is a new incarnation the old link does not name.

use super::alert::{Actor, Alert, AlertError, EventKind, Status};
use crate::{Period, PersonId};
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use sha2::Sha256;

/// How long a link works after its page.
pub const ACK_LINK_LIFETIME: Period = Period::hours(24);

/// What a link says: acknowledge alert `alert` (its id), opened at `opened_at`, as `person`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckLink {
    pub alert: String,
    pub opened_at: Timestamp,
    pub person: PersonId,
    pub expires: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this acknowledge link is not one Baton made (altered, cut short, or signed with another key)")]
    Forged,
    #[error("this acknowledge link expired at {0}: open the alert and acknowledge it there")]
    Expired(Timestamp),
    #[error("this acknowledge link is for an earlier alert under the same key, resolved since")]
    Earlier,
    #[error("this link was used, or the alert was answered already: {0}")]
    Answered(AlertError),
}

impl AckLink {
    /// The link for `person`'s page of `alert` (whose id is `alert_id`), made at `now`.
    pub fn for_page(alert_id: String, alert: &Alert, person: PersonId, now: Timestamp) -> AckLink {
        // Microseconds, as the token and the store keep instants.
        let opened_at = Timestamp::from_microsecond(alert.opened_at.as_microsecond()).expect("in range");
        AckLink { alert: alert_id, opened_at, person, expires: ACK_LINK_LIFETIME.after(now) }
    }

    /// The token: the fields, hex-encoded, a dot, and 128 bits of their HMAC.
    pub fn sign(&self, key: &[u8]) -> String {
        let payload = self.payload();
        format!("{}.{}", hex::encode(payload.as_bytes()), hex::encode(&mac(key, payload.as_bytes())[..16]))
    }

    fn payload(&self) -> String {
        format!("{}\n{}\n{}\n{}", self.opened_at.as_microsecond(), self.expires.as_second(), self.person, self.alert)
    }

    /// The link a token stands for, if `key` signed it and it has not expired at `now`.
    pub fn verify(token: &str, key: &[u8], now: Timestamp) -> Result<AckLink, LinkError> {
        let (payload, tag) = token.split_once('.').ok_or(LinkError::Forged)?;
        let (payload, tag) =
            (hex::decode(payload).map_err(|_| LinkError::Forged)?, hex::decode(tag).map_err(|_| LinkError::Forged)?);
        if tag.len() != 16 {
            return Err(LinkError::Forged);
        }
        let mut check = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
        check.update(&payload);
        check.verify_truncated_left(&tag).map_err(|_| LinkError::Forged)?;
        let text = String::from_utf8(payload).map_err(|_| LinkError::Forged)?;
        let mut parts = text.splitn(4, '\n');
        let mut next = || parts.next().ok_or(LinkError::Forged);
        let opened: i64 = next()?.parse().map_err(|_| LinkError::Forged)?;
        let expires: i64 = next()?.parse().map_err(|_| LinkError::Forged)?;
        let person = PersonId::parse(next()?).map_err(|_| LinkError::Forged)?;
        let alert = next()?.to_owned();
        let opened_at = Timestamp::from_microsecond(opened).map_err(|_| LinkError::Forged)?;
        let expires = Timestamp::from_second(expires).map_err(|_| LinkError::Forged)?;
        if expires <= now {
            return Err(LinkError::Expired(expires));
        }
        Ok(AckLink { alert, opened_at, person, expires })
    }

    /// Acknowledges `alert` (the one this link names, as read now) as the link's person.
    pub fn acknowledge(&self, alert: &mut Alert, now: Timestamp) -> Result<(), LinkError> {
        // The link keeps microseconds; an alert opened by the clock may have nanoseconds.
        if alert.opened_at.as_microsecond() != self.opened_at.as_microsecond() {
            return Err(LinkError::Earlier);
        }
        if alert.status != Status::Triggered {
            let err = match alert.status {
                Status::Resolved => AlertError::AlreadyResolved(alert.resolved.clone().expect("set")),
                _ => AlertError::AlreadyAcknowledged(alert.acknowledged.clone().expect("set")),
            };
            return Err(LinkError::Answered(err));
        }
        alert.acknowledge(Actor::Person(self.person.clone()), now).map_err(LinkError::Answered)?;
        if let Some(event) = alert.history.iter_mut().rev().find(|e| e.kind == EventKind::Acknowledged) {
            event.what.push_str(" (from the link in their page)");
        }
        Ok(())
    }
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paging::tests::{incoming, route_to, t};
    use crate::paging::Severity;
    use crate::ServiceId;

    fn alert() -> Alert {
        Alert::open(ServiceId::parse("streamhub").unwrap(), incoming("lag", Severity::Critical), route_to("p"), t(0))
            .unwrap()
    }

    #[test]
    fn a_link_acknowledges_once_for_its_person_and_nothing_forged_or_late_does() {
        let key = b"a key only the server holds";
        let marta = PersonId::parse("marta.oyelaran").unwrap();
        let mut a = alert();
        a.opened_at = "1970-01-01T00:00:00.000000789Z".parse().unwrap();
        let link = AckLink::for_page("streamhub/lag".into(), &a, marta.clone(), t(0));
        let token = link.sign(key);
        assert_eq!(AckLink::verify(&token, key, t(60)).unwrap(), link);
        assert_eq!(AckLink::verify(&token, b"another key", t(60)), Err(LinkError::Forged));
        let mut altered = token.clone().into_bytes();
        altered[3] = if altered[3] == b'0' { b'1' } else { b'0' };
        assert_eq!(AckLink::verify(std::str::from_utf8(&altered).unwrap(), key, t(60)), Err(LinkError::Forged));
        assert_eq!(AckLink::verify(&token[..token.len() - 2], key, t(60)), Err(LinkError::Forged), "cut short");
        assert!(matches!(AckLink::verify(&token, key, t(86_400)), Err(LinkError::Expired(_))));

        link.acknowledge(&mut a, t(60)).unwrap();
        assert_eq!(a.acknowledged.as_ref().unwrap().by, Actor::Person(marta));
        assert!(a
            .history
            .iter()
            .any(|e| e.kind == EventKind::Acknowledged && e.what.ends_with("(from the link in their page)")));
        let reused = link.acknowledge(&mut a, t(70)).unwrap_err();
        assert!(reused.to_string().starts_with("this link was used"), "{reused}");

        let mut later = alert();
        later.opened_at = t(3600);
        assert_eq!(link.acknowledge(&mut later, t(3700)), Err(LinkError::Earlier));
        assert_eq!(later.status, Status::Triggered);
    }
}
