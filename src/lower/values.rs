//! Checks of single values: hostnames, namespaces, label keys and values.
//!
//! Each check returns the problem as a message plus, where one exists, a suggested fix; the
//! caller attaches the span. The rules are Kubernetes' and Istio's own (DNS-1123 names, label
//! syntax), so what passes here is accepted by the API server.

/// A problem with a value: what is wrong, and what to write instead where that is known.
pub type Problem = (String, Option<String>);

/// An external host: a lower-case FQDN without trailing dot, or `*.` followed by one.
pub fn hostname(name: &str) -> Result<(), Problem> {
    if name.parse::<std::net::IpAddr>().is_ok() {
        return Err((
            format!("`{name}` is an IP address, not a hostname"),
            Some("name the host, and list its IPs with `addresses`".to_owned()),
        ));
    }
    if let Some(stripped) = name.strip_suffix('.') {
        return Err((
            format!("`{name}` ends with a dot"),
            Some(format!(
                "write `{stripped}`: Istio hosts are written without the root dot"
            )),
        ));
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err((
            format!("`{name}` has upper-case letters"),
            Some(format!(
                "write `{}`: Istio matches hosts case-sensitively, and DNS names are lower-case",
                name.to_ascii_lowercase()
            )),
        ));
    }
    let domain = name.strip_prefix("*.").unwrap_or(name);
    if domain.contains('*') {
        return Err((
            format!("`{name}` has `*` inside the name"),
            Some("a wildcard can only be the whole first label, as in `*.example.com`".to_owned()),
        ));
    }
    if name.len() > 253 {
        return Err((format!("`{name}` is longer than 253 characters"), None));
    }
    if !domain.contains('.') && !name.starts_with("*.") {
        return Err((
            format!("`{name}` is not a fully qualified domain name"),
            Some("write the full name, such as `api.example.com`".to_owned()),
        ));
    }
    for label in domain.split('.') {
        dns_label(label).map_err(|problem| (format!("`{name}`: {problem}"), None))?;
    }
    Ok(())
}

/// A Kubernetes namespace (DNS-1123 label).
pub fn namespace(name: &str) -> Result<(), Problem> {
    dns_label(name).map_err(|problem| {
        let help = (name.to_ascii_lowercase() != name
            && dns_label(&name.to_ascii_lowercase()).is_ok())
        .then(|| format!("write `{}`", name.to_ascii_lowercase()));
        (format!("`{name}` is not a namespace name: {problem}"), help)
    })
}

/// One DNS-1123 label: 1-63 of `a-z0-9-`, starting and ending alphanumeric.
pub fn dns_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err("empty label (two dots in a row?)".to_owned());
    }
    if label.len() > 63 {
        return Err(format!("label `{label}` is longer than 63 characters"));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "label `{label}` has `{bad}`; only a-z, 0-9 and `-` are allowed"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!("label `{label}` starts or ends with `-`"));
    }
    Ok(())
}

/// A label or annotation key: `[prefix/]name`, as Kubernetes accepts it.
pub fn metadata_key(key: &str) -> Result<(), Problem> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let valid = prefix.len() <= 253 && prefix.split('.').all(|l| dns_label(l).is_ok());
        if !valid {
            return Err((
                format!("key `{key}` has an invalid prefix `{prefix}` (a DNS subdomain)"),
                None,
            ));
        }
    }
    qualified_name(name).map_err(|problem| (format!("key `{key}`: {problem}"), None))
}

/// A label value: empty, or up to 63 of `A-Za-z0-9-_.`, starting and ending alphanumeric.
pub fn label_value(value: &str) -> Result<(), Problem> {
    if value.is_empty() {
        return Ok(());
    }
    qualified_name(value).map_err(|problem| (format!("label value `{value}`: {problem}"), None))
}

fn qualified_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 63 {
        return Err("must be 1-63 characters".to_owned());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!("`{bad}` is not allowed (only A-Z a-z 0-9 - _ .)"));
    }
    let alphanumeric_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !alphanumeric_ends {
        return Err("must start and end with a letter or digit".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        for ok in [
            "edition.cnn.com",
            "*.wikipedia.org",
            "a-b.example",
            "x1.io",
            "*.com",
        ] {
            assert!(hostname(ok).is_ok(), "{ok}");
        }
        for bad in [
            "Edition.cnn.com",
            "edition.cnn.com.",
            "api.*.example.com",
            "*",
            "*example.com",
            "localhost",
            "-a.example.com",
            "a..example.com",
            "a_b.example.com",
            "10.0.0.1",
        ] {
            assert!(hostname(bad).is_err(), "{bad}");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(hostname(&long_label).is_err());
        let ok_label = format!("{}.com", "a".repeat(63));
        assert!(hostname(&ok_label).is_ok());
    }

    #[test]
    fn namespaces() {
        assert!(namespace("payments").is_ok());
        assert!(namespace("team-1").is_ok());
        let (_, help) = namespace("Payments").unwrap_err();
        assert_eq!(help.as_deref(), Some("write `payments`"));
        assert!(namespace("a.b").is_err());
        assert!(namespace(&"a".repeat(64)).is_err());
    }

    #[test]
    fn metadata_keys_and_values() {
        assert!(metadata_key("team").is_ok());
        assert!(metadata_key("app.kubernetes.io/part-of").is_ok());
        assert!(metadata_key("argocd.argoproj.io/sync-wave").is_ok());
        assert!(metadata_key("bad key").is_err());
        assert!(metadata_key("Bad_Prefix/x").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("v1.2_beta-3").is_ok());
        assert!(label_value("has space").is_err());
        assert!(label_value("-lead").is_err());
    }
}
