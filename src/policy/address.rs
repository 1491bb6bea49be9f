//! IP addresses and CIDR ranges, as the `addresses` node takes them.

use std::fmt;
use std::net::IpAddr;

use schemars::JsonSchema;

/// An IP address with a prefix length; a bare IP is a full-length prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub ip: IpAddr,
    pub prefix: u8,
}

impl Address {
    pub fn max_prefix(ip: IpAddr) -> u8 {
        if ip.is_ipv4() { 32 } else { 128 }
    }

    /// One machine rather than a range.
    pub fn is_single(self) -> bool {
        self.prefix == Self::max_prefix(self.ip)
    }

    /// Parses `203.0.113.10`, `203.0.113.0/24` or `2001:db8::/32`.
    /// The error says what is wrong and, where it can, what was probably meant.
    pub fn parse(text: &str) -> Result<Address, (String, Option<String>)> {
        let (ip_text, prefix_text) = match text.split_once('/') {
            Some((ip, prefix)) => (ip, Some(prefix)),
            None => (text, None),
        };
        let ip: IpAddr = ip_text
            .parse()
            .map_err(|_| (format!("`{text}` is not an IP address or CIDR range"), None))?;
        let max = Self::max_prefix(ip);
        let prefix = match prefix_text {
            None => max,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => {
                    return Err((
                        format!("`{text}` has an invalid prefix length (0-{max})"),
                        None,
                    ));
                }
            },
        };
        let address = Address { ip, prefix };
        let network = address.network();
        if network != ip {
            return Err((
                format!("`{text}` has bits set beyond its /{prefix} prefix"),
                Some(format!("write the range as `{network}/{prefix}`")),
            ));
        }
        Ok(address)
    }

    /// The address with every bit past the prefix cleared.
    fn network(self) -> IpAddr {
        match self.ip {
            IpAddr::V4(v4) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::from((u32::from(v4) & mask).to_be_bytes())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::from((u128::from(v6) & mask).to_be_bytes())
            }
        }
    }
}

impl fmt::Display for Address {
    /// Single IPs print bare, ranges as CIDR: what Istio's `addresses` field expects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single() {
            write!(f, "{}", self.ip)
        } else {
            write!(f, "{}/{}", self.ip, self.prefix)
        }
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl JsonSchema for Address {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Address".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An IP address, or a CIDR range such as 203.0.113.0/24."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ips_and_ranges() {
        assert_eq!(
            Address::parse("203.0.113.10").unwrap().to_string(),
            "203.0.113.10"
        );
        assert_eq!(
            Address::parse("203.0.113.10/32").unwrap().to_string(),
            "203.0.113.10"
        );
        assert_eq!(
            Address::parse("203.0.113.0/24").unwrap().to_string(),
            "203.0.113.0/24"
        );
        assert_eq!(
            Address::parse("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert!(Address::parse("0.0.0.0/0").is_ok());
    }

    #[test]
    fn rejects_bad_input_with_a_fix() {
        let (_, help) = Address::parse("203.0.113.10/24").unwrap_err();
        assert_eq!(help.as_deref(), Some("write the range as `203.0.113.0/24`"));
        assert!(Address::parse("203.0.113.0/33").is_err());
        assert!(Address::parse("db.example.com").is_err());
        assert!(Address::parse("203.0.113.0/").is_err());
    }
}
