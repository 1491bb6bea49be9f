//! M013-resolution-none-through-gateway: not yet written.

use super::{Finding, Index};

pub fn check(_index: &Index, _findings: &mut Vec<Finding>) {}
