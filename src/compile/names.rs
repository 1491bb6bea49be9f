//! Resource names derived from hostnames: valid DNS-1123 labels, at most 63 characters,
//! unique within a build and stable across runs.
//!
//! `edition.cnn.com` becomes `edition-cnn-com`, `*.wikipedia.org` becomes
//! `wildcard-wikipedia-org`. Two hosts can slug alike (`a-b.com`, `a.b-com`); then each of
//! them gets a suffix from a hash of its own hostname, so its name depends only on itself and
//! on whether a look-alike is in the same build. Long names are shortened the same way.

use std::collections::{BTreeMap, HashMap};

use crate::policy::Host;

/// The longest name egressc writes: a DNS-1123 label, which every Kubernetes kind accepts.
pub const MAX_NAME: usize = 63;

/// The slug of every host of a build.
pub struct HostSlugs {
    slugs: HashMap<String, String>,
}

impl HostSlugs {
    pub fn new(hosts: &[Host]) -> HostSlugs {
        let mut by_slug: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for host in hosts {
            by_slug
                .entry(plain_slug(&host.name.value))
                .or_default()
                .push(&host.name.value);
        }
        let mut slugs = HashMap::new();
        for (slug, names) in by_slug {
            let shared = names.len() > 1;
            for name in names {
                let unique = if shared {
                    format!("{slug}-{}", short_hash(name))
                } else {
                    slug.clone()
                };
                slugs.insert(name.to_owned(), unique);
            }
        }
        HostSlugs { slugs }
    }

    pub fn get(&self, host: &str) -> &str {
        &self.slugs[host]
    }
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
