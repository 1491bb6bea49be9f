//! Resource names derived from hostnames: valid DNS-1123 labels, at most 63 characters,
//! unique within a build and stable across runs.
//!
//! `edition.cnn.com` becomes `edition-cnn-com`, `*.wikipedia.org` becomes
//! `wildcard-wikipedia-org`. Two hosts can slug alike (`a-b.com`, `a.b-com`); then each of
//! them gets a suffix from a hash of its own hostname, so its name depends only on itself and
//! on whether a look-alike is in the same build. Long names are shortened the same way.

use foldhash::{HashMap, HashMapExt};

use crate::policy::Host;

/// The longest name egressc writes: a DNS-1123 label, which every Kubernetes kind accepts.
pub const MAX_NAME: usize = 63;

/// The slug of every host of a build, in the order of `hosts`. Made on one thread before
/// the hosts compile on every core, so it is a list by position, not a map by name: a
/// build of 10,000 hosts spent 4–10 ms here, twice, with the other core waiting.
pub fn host_slugs(hosts: &[Host]) -> Vec<String> {
    let mut slugs: Vec<String> = hosts.iter().map(|h| plain_slug(&h.name.value)).collect();
    let mut hosts_by_slug: HashMap<&str, usize> = HashMap::with_capacity(slugs.len());
    for slug in &slugs {
        *hosts_by_slug.entry(slug.as_str()).or_default() += 1;
    }
    let shared: Vec<bool> = slugs
        .iter()
        .map(|s| hosts_by_slug[s.as_str()] > 1)
        .collect();
    drop(hosts_by_slug);
    for ((slug, host), shared) in slugs.iter_mut().zip(hosts).zip(shared) {
        if shared {
            slug.push('-');
            slug.push_str(&short_hash(&host.name.value));
        }
    }
    slugs
}

/// `prefix` + slug, shortened with a hash of the host when it would pass 63 characters.
pub fn resource_name(prefix: &str, slug: &str, host: &str) -> String {
    let name = format!("{prefix}{slug}");
    if name.len() <= MAX_NAME {
        return name;
    }
    let hash = short_hash(host);
    let keep = MAX_NAME - hash.len() - 1;
    let stem = name[..keep].trim_end_matches('-');
    format!("{stem}-{hash}")
}

fn plain_slug(host: &str) -> String {
    match host.strip_prefix("*.") {
        Some(domain) => format!("wildcard-{}", domain.replace('.', "-")),
        None => host.replace('.', "-"),
    }
}

/// Eight hex digits of FNV-1a over the hostname. Fixed forever: names must not change
/// between egressc versions, or every upgrade would delete and recreate resources.
fn short_hash(text: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_pinned() {
        // FNV-1a test vectors: a changed hash would rename users' resources.
        assert_eq!(short_hash(""), "811c9dc5");
        assert_eq!(short_hash("a"), "e40c292c");
    }

    #[test]
    fn long_names_are_shortened_uniquely() {
        let host = format!("{}.example.com", "x".repeat(60));
        let slug = plain_slug(&host);
        let name = resource_name("egressgateway-for-", &slug, &host);
        assert_eq!(name.len(), MAX_NAME);
        assert!(!name.contains("--"));
        let other = format!("{}.example.org", "x".repeat(60));
        assert_ne!(
            name,
            resource_name("egressgateway-for-", &plain_slug(&other), &other)
        );
    }

    #[test]
    fn wildcards_get_a_readable_slug() {
        assert_eq!(plain_slug("*.wikipedia.org"), "wildcard-wikipedia-org");
    }
}
