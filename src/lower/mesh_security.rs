//! The `mesh` settings that make the egress gateway a boundary: for now the gateway's
//! `access-log`. Split from [`super::mesh`] so each file reads one concern.

use kdl::KdlNode;

use super::reader::Reader;
use crate::diagnostic::{Diagnostic, codes};

/// `access-log "on"` (the default) or `"off"`.
pub fn read_access_log(reader: &mut Reader, node: &KdlNode) -> Option<bool> {
    reader.properties(node, &[]);
    reader.no_children(node);
    let args = reader.arguments(node, 1, 1, "value");
    let value = reader.string(args.first()?, "the access log setting")?;
    match value.value.as_str() {
        "on" => Some(true),
        "off" => Some(false),
        other => {
            reader.report(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("unknown access log setting `{other}`"),
                )
                .primary(value.span, "expected \"on\" or \"off\""),
            );
            None
        }
    }
}
