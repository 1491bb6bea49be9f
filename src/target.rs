//! The Istio release the output is for (`--istio-version`): which API version its resources
//! carry and which of the features egressc emits it has.
//!
//! This module owns the table of version-dependent features and the check that refuses a
//! policy needing one the target lacks, at the policy line that needs it. It never changes
//! what a resource means: compile builds the same shapes for every target, and only the API
//! version is the target's.

use std::fmt;
use std::str::FromStr;

use crate::diagnostic::{Diagnostic, Diagnostics, codes};
use crate::policy::{Policy, Protocol, Via};

/// An Istio release line, `1.MINOR`. Patch releases do not change the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct IstioVersion {
    pub minor: u16,
}

impl IstioVersion {
    /// The current release line. The CRD schemas the tests validate against are from Istio's
    /// master branch (VERSION 1.32, newest tag 1.31), so 1.31 is the newest released line
    /// they describe.
    pub const DEFAULT: IstioVersion = IstioVersion { minor: 31 };

    /// `networking.istio.io/v1beta1`, which every version egressc targets serves, came in 1.5.
    pub const OLDEST: IstioVersion = IstioVersion { minor: 5 };

    /// The API group and version of the networking resources (ServiceEntry, Gateway,
    /// VirtualService, DestinationRule).
    pub fn networking_api(self) -> &'static str {
        if self >= Feature::NetworkingV1.since() {
            crate::istio::NETWORKING_V1
        } else {
            crate::istio::NETWORKING_V1BETA1
        }
    }

    pub fn has(self, feature: Feature) -> bool {
        self >= feature.since()
    }
}

impl Default for IstioVersion {
    fn default() -> IstioVersion {
        IstioVersion::DEFAULT
    }
}

impl fmt::Display for IstioVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "1.{}", self.minor)
    }
}

impl FromStr for IstioVersion {
    type Err = String;

    /// `1.22`, `1.22.3` or `v1.22`; a pre-release suffix (`1.29.0-beta.1`) is ignored.
    fn from_str(text: &str) -> Result<IstioVersion, String> {
        let bad =
            || format!("`{text}` is not an Istio version; write it as `1.MINOR`, e.g. `1.28`");
        let trimmed = text.strip_prefix('v').unwrap_or(text);
        let mut parts = trimmed.split(['.', '-']);
        let (Some("1"), Some(minor)) = (parts.next(), parts.next()) else {
            return Err(bad());
        };
        let minor: u16 = minor.parse().map_err(|_| bad())?;
        let version = IstioVersion { minor };
        if version < IstioVersion::OLDEST {
            return Err(format!(
                "Istio {version} is not supported: egressc writes `networking.istio.io/v1beta1` \
                 or newer, which Istio {} brings",
                IstioVersion::OLDEST
            ));
        }
        Ok(version)
    }
}

/// A version-dependent feature of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// `networking.istio.io/v1`; before it egressc writes `v1beta1`, same fields.
    NetworkingV1,
    /// `targetPort` on ServiceEntry ports, which sidecar TLS origination uses to send the
    /// app's plain port to the host's TLS port.
    ServiceEntryTargetPort,
}

impl Feature {
    /// The first release line that has the feature.
    pub fn since(self) -> IstioVersion {
        let minor = match self {
            Feature::NetworkingV1 => 22,
            Feature::ServiceEntryTargetPort => 7,
        };
        IstioVersion { minor }
    }
}

/// Refuses every declaration that needs a feature the target lacks.
pub fn check(policy: &Policy, target: IstioVersion, diagnostics: &mut Diagnostics) {
    let feature = Feature::ServiceEntryTargetPort;
    if target.has(feature) {
        return;
    }
    let sidecar_hosts = policy.hosts.iter().filter(|h| h.via.value == Via::Sidecar);
    for host in sidecar_hosts {
        for port in host.ports.iter().filter(|p| p.protocol == Protocol::Http) {
            let Some(target_port) = &port.originate_tls else {
                continue;
            };
            diagnostics.push(
                Diagnostic::error(
                    codes::NEEDS_NEWER_ISTIO,
                    format!(
                        "TLS origination from the sidecar needs Istio {} or later; the target is Istio {target}",
                        feature.since()
                    ),
                )
                .primary(target_port.span, "needs `targetPort` on ServiceEntry ports")
                .secondary(host.via.span, "from the sidecar")
                .help(format!(
                    "raise `--istio-version` to {} or later, or send this host through the gateway",
                    feature.since()
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_in_every_usual_spelling() {
        for text in ["1.22", "1.22.3", "v1.22", "1.22.0-beta.1"] {
            assert_eq!(text.parse(), Ok(IstioVersion { minor: 22 }), "{text}");
        }
        for text in ["", "1", "2.1", "1.x", "latest"] {
            assert!(text.parse::<IstioVersion>().is_err(), "{text}");
        }
        assert!("1.4".parse::<IstioVersion>().unwrap_err().contains("1.5"));
    }

    #[test]
    fn the_api_version_switches_at_1_22() {
        assert_eq!(
            IstioVersion { minor: 21 }.networking_api(),
            "networking.istio.io/v1beta1"
        );
        assert_eq!(
            IstioVersion { minor: 22 }.networking_api(),
            "networking.istio.io/v1"
        );
        assert_eq!(
            IstioVersion::DEFAULT.networking_api(),
            "networking.istio.io/v1"
        );
    }
}
