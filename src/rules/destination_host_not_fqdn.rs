//! M015-destination-host-not-fqdn: not yet written.

use super::{Finding, Index};

pub fn check(_index: &Index, _findings: &mut Vec<Finding>) {}
