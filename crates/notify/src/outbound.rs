//! Where the sender may send: the public internet, and loopback, private or link-local
//! addresses only when a setting allows them (`baton serve --allow-outbound`). A channel URL
//! is a definition anyone with write access to the repo can change; without this, a webhook
//! to `http://169.254.169.254/` or `http://127.0.0.1:5432/` would have Baton probe its own
//! network. The check is made on the addresses a name resolves to, at send time (a name
//! that resolved to a public address yesterday may not today), and on IP literals in any
//! spelling the URL parser accepts (`0x7f000001`, `[::1]`).

use std::error::Error;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

/// The kinds of non-public destination the sender may reach. The default allows none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outbound {
    /// 127.0.0.0/8 and ::1: this machine.
    pub loopback: bool,
    /// 10/8, 172.16/12, 192.168/16, 100.64/10 (shared address space), fc00::/7.
    pub private: bool,
    /// 169.254/16 (cloud metadata services live here) and fe80::/10.
    pub link_local: bool,
}

/// Why a destination was refused: a setting must change, so the message is not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub host: String,
    pub addr: IpAddr,
    pub kind: &'static str,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let allow = match self.kind {
            "loopback" | "private" | "link-local" => format!(" (allow with `--allow-outbound {}`)", self.kind),
            _ => String::new(),
        };
        write!(
            f,
            "refused: {} is {} ({}), which Baton does not send to{allow}",
            self.host,
            article(self.kind),
            self.addr
        )
    }
}

fn article(kind: &str) -> String {
    match kind {
        "unspecified" => "an unspecified address".into(),
        "multicast" => "a multicast address".into(),
        other => format!("a {other} address"),
    }
}

impl Error for Refused {}

impl FromStr for Outbound {
    type Err = String;

    /// A comma-separated list of `loopback`, `private`, `link-local`; `none` or empty for
    /// the public internet only.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut out = Outbound::default();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty() && *i != "none") {
            match item {
                "loopback" => out.loopback = true,
                "private" => out.private = true,
                "link-local" => out.link_local = true,
                other => {
                    return Err(format!(
                        "`{other}` is not a kind of destination: use loopback, private, link-local (comma-separated) or none"
                    ))
                }
            }
        }
        Ok(out)
    }
}

impl Outbound {
    /// Loopback only: what tests with a receiver on this machine need.
    pub const LOOPBACK: Outbound = Outbound { loopback: true, private: false, link_local: false };

    /// Whether `addr` (of `host`) may be sent to.
    pub fn check(&self, host: &str, addr: IpAddr) -> Result<(), Refused> {
        let (kind, allowed) = match kind_of(addr) {
            None => return Ok(()),
            Some(k @ "loopback") => (k, self.loopback),
            Some(k @ "private") => (k, self.private),
            Some(k @ "link-local") => (k, self.link_local),
            Some(k) => (k, false),
        };
        if allowed {
            Ok(())
        } else {
            Err(Refused { host: host.to_owned(), addr, kind })
        }
    }

    /// The addresses of `host` that may be sent to; refused when none may.
    pub fn filter(&self, host: &str, addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, Refused> {
        let mut first_refusal = None;
        let mut kept = Vec::with_capacity(addrs.len());
        for a in addrs {
            match self.check(host, a.ip()) {
                Ok(()) => kept.push(a),
                Err(r) => {
                    first_refusal.get_or_insert(r);
                }
            }
        }
        match (kept.is_empty(), first_refusal) {
            (true, Some(r)) => Err(r),
            _ => Ok(kept),
        }
    }
}

/// The kind of a non-public address; `None` for a public one.
fn kind_of(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) => kind_of_v4(a),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => kind_of_v4(v4),
            None => kind_of_v6(a),
        },
    }
}

fn kind_of_v4(a: Ipv4Addr) -> Option<&'static str> {
    let [b0, b1, ..] = a.octets();
    if a.is_loopback() {
        Some("loopback")
    } else if a.is_private() || (b0 == 100 && (64..128).contains(&b1)) {
        Some("private")
    } else if a.is_link_local() {
        Some("link-local")
    } else if a.is_unspecified() || b0 == 0 {
        Some("unspecified")
    } else if a.is_multicast() || a.is_broadcast() {
        Some("multicast")
    } else {
        None
    }
}

fn kind_of_v6(a: Ipv6Addr) -> Option<&'static str> {
    let first = a.segments()[0];
    if a.is_loopback() {
        Some("loopback")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if a.is_unspecified() {
        Some("unspecified")
    } else if a.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

/// reqwest's resolver with the check applied to every answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver(pub Outbound);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let outbound = self.0;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept = outbound.filter(&host, addrs)?;
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The refusal in an error's chain, if the resolver refused the destination.
pub(crate) fn refusal(e: &(dyn Error + 'static)) -> Option<Refused> {
    let mut cause: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(r) = c.downcast_ref::<Refused>() {
            return Some(r.clone());
        }
        cause = c.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_unless_a_setting_allows_more() {
        let strict = Outbound::default();
        for (addr, kind) in [
            ("127.0.0.1", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "private"),
            ("fd00::1", "private"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("224.0.0.1", "multicast"),
        ] {
            let refused = strict.check("h", ip(addr)).unwrap_err();
            assert_eq!(refused.kind, kind, "{addr}");
        }
        assert!(strict.check("hooks.slack.com", ip("34.1.2.3")).is_ok());
        assert!(strict.check("h", ip("2600::1")).is_ok());
        let loopback: Outbound = "loopback".parse().unwrap();
        assert!(loopback.check("h", ip("127.0.0.1")).is_ok());
        assert!(loopback.check("h", ip("169.254.169.254")).is_err(), "the metadata service stays refused");
        let all: Outbound = "loopback, private,link-local".parse().unwrap();
        assert!(all.check("h", ip("169.254.169.254")).is_ok() && all.check("h", ip("10.0.0.1")).is_ok());
        assert!("intranet".parse::<Outbound>().unwrap_err().contains("loopback, private, link-local"));
        assert_eq!("none".parse::<Outbound>().unwrap(), Outbound::default());
    }

    #[test]
    fn a_name_with_one_public_address_keeps_it_and_one_with_none_is_refused() {
        let strict = Outbound::default();
        let a = |s: &str| SocketAddr::new(ip(s), 443);
        assert_eq!(strict.filter("mixed", vec![a("127.0.0.1"), a("34.1.2.3")]).unwrap(), vec![a("34.1.2.3")]);
        let refused = strict.filter("internal", vec![a("10.0.0.7")]).unwrap_err();
        assert_eq!(refused.to_string(), "refused: internal is a private address (10.0.0.7), which Baton does not send to (allow with `--allow-outbound private`)");
    }
}
