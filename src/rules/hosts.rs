//! Host names the way Istio compares them: short names, FQDNs and `*.` wildcards.

/// The cluster DNS suffix Istio appends to short names (`svc.cluster.local`).
pub const CLUSTER_DOMAIN: &str = "cluster.local";

/// Resolves a host written in a resource of `namespace` as Istio does
/// (`ResolveShortnameToFQDN`): a name without a dot is a Service of that namespace;
/// anything with a dot, an IP literal or `*` is taken as written. So
/// `istio-egressgateway.istio-system` is *not* the gateway Service: it is a host of its own
/// that nothing defines.
pub fn resolve(host: &str, namespace: &str) -> String {
    resolve_borrowed(host, namespace).into_owned()
}

/// [`resolve`], borrowing a host that is taken as written: for lookups, where most hosts
/// are FQDNs and a copy of each would be wasted.
pub fn resolve_borrowed<'h>(host: &'h str, namespace: &str) -> std::borrow::Cow<'h, str> {
    if host.is_empty()
        || host == "*"
        || host.contains('.')
        || host.parse::<std::net::IpAddr>().is_ok()
    {
        std::borrow::Cow::Borrowed(host)
    } else {
        std::borrow::Cow::Owned(format!("{host}.{namespace}.svc.{CLUSTER_DOMAIN}"))
    }
}

/// Does the pattern (a host or a `*.` wildcard, or `*`) cover the host? A wildcard covers
/// the names below it, and a narrower wildcard (`*.a.example.com` under `*.example.com`).
pub fn covers(pattern: &str, host: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) => host.ends_with(suffix) && host.len() > suffix.len(),
        None => pattern == host,
    }
}

/// Do two hosts (either may be a wildcard) have a name in common?
pub fn intersect(a: &str, b: &str) -> bool {
    covers(a, b) || covers(b, a)
}

pub fn is_wildcard(host: &str) -> bool {
    host.starts_with('*')
}

/// `name.namespace.svc.<domain>`: the Service and namespace of a cluster-local FQDN.
pub fn cluster_service(host: &str) -> Option<(&str, &str)> {
    let rest = host.strip_suffix(CLUSTER_DOMAIN)?.strip_suffix(".svc.")?;
    let (name, namespace) = rest.split_once('.')?;
    (!namespace.contains('.')).then_some((name, namespace))
}

/// A host written in a short form a human would read as a Service (`name.namespace` or
/// `name.namespace.svc`), which Istio instead takes as an external FQDN.
pub fn looks_like_short_service_name(host: &str, known_namespaces: &[&str]) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [_, namespace] | [_, namespace, "svc"] => known_namespaces.contains(namespace),
        [_, _, "svc", "cluster"] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_resolve_in_the_namespace_and_dotted_names_do_not() {
        assert_eq!(
            resolve("reviews", "default"),
            "reviews.default.svc.cluster.local"
        );
        assert_eq!(
            resolve("istio-egressgateway.istio-system", "default"),
            "istio-egressgateway.istio-system"
        );
        assert_eq!(resolve("10.0.0.1", "default"), "10.0.0.1");
        assert_eq!(resolve("*", "default"), "*");
    }

    #[test]
    fn wildcards_cover_names_below_them_only() {
        assert!(covers("*.wikipedia.org", "en.wikipedia.org"));
        assert!(covers("*.wikipedia.org", "*.en.wikipedia.org"));
        assert!(!covers("*.wikipedia.org", "wikipedia.org"));
        assert!(!covers("en.wikipedia.org", "*.wikipedia.org"));
        assert!(intersect("en.wikipedia.org", "*.wikipedia.org"));
        assert!(covers("*", "anything.example"));
    }

    #[test]
    fn cluster_services_are_recognised() {
        assert_eq!(
            cluster_service("istio-egressgateway.istio-system.svc.cluster.local"),
            Some(("istio-egressgateway", "istio-system"))
        );
        assert_eq!(cluster_service("edition.cnn.com"), None);
    }
}
