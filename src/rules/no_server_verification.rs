//! M024-no-server-verification: not yet written.

use super::{Finding, Index};

pub fn check(_index: &Index, _findings: &mut Vec<Finding>) {}
