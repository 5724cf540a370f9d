//! The audit log's hash chain. Each record holds the hash of the one before it, so an
//! edited record no longer matches its own hash and a deleted one leaves a gap or a broken
//! link; the store's head (last sequence number and hash) catches deletions at the end.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that the first record links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it is sealed into the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Who did it: a person id, or `system:<what>` for Baton itself.
    pub actor: String,
    /// What was done, e.g. `service.accept`, `definition.changed`.
    pub action: String,
    /// What it was done to, e.g. `service/ledger-sync`.
    pub subject: String,
    pub reason: Option<String>,
    /// The request or change in full, as JSON text; hashed exactly as stored.
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub seq: i64,
    pub at: Timestamp,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The record as anyone may read it. Definitions are logged with their secrets
    /// redacted (`Definition::redacted`), but records written before that still hold
    /// them: those are shown redacted too. `hash` stays the stored text's, which is what
    /// `audit verify` checks; only such old records then differ from their hash.
    pub fn public(mut self) -> AuditRecord {
        if !self.entry.action.starts_with("definition.") {
            return self;
        }
        if let Ok(d) = serde_json::from_str::<crate::Definition>(&self.entry.details) {
            let shown = d.redacted();
            if shown != d {
                self.entry.details = serde_json::to_string(&shown).unwrap_or_else(|_| "{}".into());
            }
        }
        self
    }
}

/// The last sealed record, as the store keeps it beside the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    // Length-prefixed so that moving text between fields changes the hash.
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

pub fn record_hash(seq: i64, at: Timestamp, entry: &AuditEntry, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    field(&mut h, prev_hash.as_bytes());
    field(&mut h, &seq.to_be_bytes());
    field(&mut h, &at.as_microsecond().to_be_bytes());
    field(&mut h, entry.actor.as_bytes());
    field(&mut h, entry.action.as_bytes());
    field(&mut h, entry.subject.as_bytes());
    match &entry.reason {
        Some(r) => {
            h.update([1]);
            field(&mut h, r.as_bytes());
        }
        None => h.update([0]),
    }
    field(&mut h, entry.details.as_bytes());
    hex::encode(h.finalize())
}

/// Seals `entry` as the record after `head`. `at` is truncated to microseconds, the
/// precision every store keeps, so the hash can be recomputed from a stored record.
pub fn seal(head: Option<&ChainHead>, at: Timestamp, entry: AuditEntry) -> AuditRecord {
    let at = Timestamp::from_microsecond(at.as_microsecond()).expect("in range");
    let (seq, prev_hash) = match head {
        Some(h) => (h.seq + 1, h.hash.clone()),
        None => (1, GENESIS.to_owned()),
    };
    let hash = record_hash(seq, at, &entry, &prev_hash);
    AuditRecord { seq, at, entry, prev_hash, hash }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("audit record #{seq} was edited: its contents no longer match its hash")]
    Edited { seq: i64 },
    #[error("audit record #{expected} is missing (the log goes from #{before} to #{found}): a record was deleted")]
    Missing { before: i64, expected: i64, found: i64 },
    #[error("audit record #{seq} does not link to the record before it: the chain was rewritten")]
    Relinked { seq: i64 },
    #[error("the audit log ends at #{last} but {head_seq} records were written: the last records were deleted")]
    Truncated { last: i64, head_seq: i64 },
    #[error("audit record #{seq} is not the one the log's head names: the last record was replaced")]
    HeadMismatch { seq: i64 },
}

impl ChainBreak {
    /// The first record that is not as it was written.
    pub fn first_bad(&self) -> i64 {
        match self {
            ChainBreak::Edited { seq } | ChainBreak::Relinked { seq } | ChainBreak::HeadMismatch { seq } => *seq,
            ChainBreak::Missing { expected, .. } => *expected,
            ChainBreak::Truncated { last, .. } => last + 1,
        }
    }
}

/// Walks the chain incrementally, so a store can verify millions of records page by page.
#[derive(Debug, Default)]
pub struct Verifier {
    last: Option<ChainHead>,
    checked: u64,
}

impl Verifier {
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        let (expected_seq, expected_prev) = match &self.last {
            Some(h) => (h.seq + 1, h.hash.as_str()),
            None => (1, GENESIS),
        };
        if r.seq != expected_seq {
            return Err(ChainBreak::Missing { before: expected_seq - 1, expected: expected_seq, found: r.seq });
        }
        if record_hash(r.seq, r.at, &r.entry, &r.prev_hash) != r.hash {
            return Err(ChainBreak::Edited { seq: r.seq });
        }
        if r.prev_hash != expected_prev {
            return Err(ChainBreak::Relinked { seq: r.seq });
        }
        self.last = Some(ChainHead { seq: r.seq, hash: r.hash.clone() });
        self.checked += 1;
        Ok(())
    }

    /// Ends the walk against the head the store recorded; returns how many records passed.
    pub fn finish(self, head: Option<&ChainHead>) -> Result<u64, ChainBreak> {
        let last_seq = self.last.as_ref().map_or(0, |h| h.seq);
        match head {
            Some(h) if h.seq > last_seq => Err(ChainBreak::Truncated { last: last_seq, head_seq: h.seq }),
            Some(h) if self.last.as_ref().is_some_and(|l| l.hash != h.hash) => {
                Err(ChainBreak::HeadMismatch { seq: h.seq })
            }
            _ => Ok(self.checked),
        }
    }
}

/// A checkpoint: the chain's head at one moment, signed with a key kept outside the
/// database (HMAC-SHA256). Someone with write access to the database can rewrite the
/// unkeyed chain so that it verifies again, but not the record a checkpoint names without
/// the checkpoint failing, nor make a checkpoint without the key. Checkpoints are written
/// out (`baton audit checkpoint`) to somewhere the database's writers cannot change, as a
/// line `seq hash mac`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub mac: String,
}

/// A checkpoint the stored log no longer agrees with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointBreak {
    #[error("checkpoint of record #{seq} was not made with this key: it is forged, or the key is another")]
    Forged { seq: i64 },
    #[error("audit record #{seq} is not the record checkpointed: the log was rewritten up to it")]
    Rewritten { seq: i64 },
    #[error("audit record #{seq}, checkpointed, is gone (the log ends at #{last}): records were deleted")]
    Missing { seq: i64, last: i64 },
}

fn checkpoint_mac(key: &[u8], seq: i64, hash: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(b"baton audit checkpoint\0");
    mac.update(&seq.to_be_bytes());
    mac.update(hash.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl Checkpoint {
    pub fn sign(head: &ChainHead, key: &[u8]) -> Checkpoint {
        Checkpoint { seq: head.seq, hash: head.hash.clone(), mac: checkpoint_mac(key, head.seq, &head.hash) }
    }

    /// The line it is kept as.
    pub fn line(&self) -> String {
        format!("{} {} {}", self.seq, self.hash, self.mac)
    }

    pub fn parse(line: &str) -> Result<Checkpoint, String> {
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [seq, hash, mac] => Ok(Checkpoint {
                seq: seq.parse().map_err(|_| format!("`{seq}` is not a record number"))?,
                hash: (*hash).to_owned(),
                mac: (*mac).to_owned(),
            }),
            _ => Err(format!("`{line}` is not a checkpoint: expected `seq hash mac`")),
        }
    }

    /// Whether the log agrees: the checkpoint is genuine and `stored` (the hash of the
    /// record it names, as stored now; `None` if there is no such record, the log ending at
    /// `last`) is the hash checkpointed. A comparison of MACs in constant time is not needed:
    /// the verifier holds the key and compares its own computation.
    pub fn check(&self, key: &[u8], stored: Option<&str>, last: i64) -> Result<(), CheckpointBreak> {
        if checkpoint_mac(key, self.seq, &self.hash) != self.mac {
            return Err(CheckpointBreak::Forged { seq: self.seq });
        }
        match stored {
            None => Err(CheckpointBreak::Missing { seq: self.seq, last }),
            Some(h) if h != self.hash => Err(CheckpointBreak::Rewritten { seq: self.seq }),
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> AuditEntry {
        AuditEntry {
            actor: "ana".into(),
            action: "service.accept".into(),
            subject: format!("service/s{n}"),
            reason: Some("fits the platform".into()),
            details: "{}".into(),
        }
    }

    fn chain(n: usize) -> Vec<AuditRecord> {
        let mut head = None;
        let mut out = Vec::new();
        for i in 0..n {
            let r = seal(head.as_ref(), Timestamp::from_second(1_700_000_000 + i as i64).unwrap(), entry(i));
            head = Some(ChainHead { seq: r.seq, hash: r.hash.clone() });
            out.push(r);
        }
        out
    }

    fn verify(records: &[AuditRecord], head: Option<&ChainHead>) -> Result<u64, ChainBreak> {
        let mut v = Verifier::default();
        records.iter().try_for_each(|r| v.push(r))?;
        v.finish(head)
    }

    fn head_of(records: &[AuditRecord]) -> ChainHead {
        let l = records.last().unwrap();
        ChainHead { seq: l.seq, hash: l.hash.clone() }
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, Some(&head_of(&c))), Ok(5));
    }

    #[test]
    fn an_edited_record_is_named() {
        let mut c = chain(5);
        let head = head_of(&c);
        c[2].entry.reason = Some("changed my mind".into());
        assert_eq!(verify(&c, Some(&head)), Err(ChainBreak::Edited { seq: 3 }));
    }

    #[test]
    fn a_deleted_record_is_named() {
        let mut c = chain(5);
        let head = head_of(&c);
        c.remove(1);
        assert_eq!(verify(&c, Some(&head)).unwrap_err().first_bad(), 2);
    }

    #[test]
    fn deleting_the_last_records_is_caught_by_the_head() {
        let c = chain(5);
        let head = head_of(&c);
        assert_eq!(verify(&c[..3], Some(&head)), Err(ChainBreak::Truncated { last: 3, head_seq: 5 }));
    }

    #[test]
    fn a_rehashed_forgery_is_caught_by_the_next_link() {
        let mut c = chain(4);
        let head = head_of(&c);
        c[1].entry.actor = "mallory".into();
        c[1].hash = record_hash(c[1].seq, c[1].at, &c[1].entry, &c[1].prev_hash);
        assert_eq!(verify(&c, Some(&head)), Err(ChainBreak::Relinked { seq: 3 }));
    }

    #[test]
    fn a_checkpoint_catches_a_rewritten_chain_that_verifies_again() {
        let records = chain(5);
        let key = b"kept-outside-the-database";
        let cp = Checkpoint::sign(&head_of(&records), key);
        assert_eq!(Checkpoint::parse(&cp.line()).unwrap(), cp);
        assert_eq!(cp.check(key, Some(&records[4].hash), 5), Ok(()));

        // Record 2 edited and every hash after it recomputed: the chain verifies again...
        let mut forged: Vec<AuditRecord> = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let mut entry = r.entry.clone();
            if i == 1 {
                entry.details = "{\"rewritten\":true}".into();
            }
            let head = forged.last().map(|l| ChainHead { seq: l.seq, hash: l.hash.clone() });
            forged.push(seal(head.as_ref(), r.at, entry));
        }
        assert!(verify(&forged, Some(&head_of(&forged))).is_ok(), "the unkeyed chain cannot tell");
        // ...but not against the checkpoint, and a checkpoint cannot be made without the key.
        assert_eq!(cp.check(key, Some(&forged[4].hash), 5), Err(CheckpointBreak::Rewritten { seq: 5 }));
        assert_eq!(cp.check(key, None, 3), Err(CheckpointBreak::Missing { seq: 5, last: 3 }));
        let made_without_key = Checkpoint::sign(&head_of(&forged), b"a guess");
        assert_eq!(made_without_key.check(key, Some(&forged[4].hash), 5), Err(CheckpointBreak::Forged { seq: 5 }));
        assert!(Checkpoint::parse("5 abc").is_err());
    }
}
