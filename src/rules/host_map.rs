//! A map from host patterns (resolved hosts and `*` wildcards) to values, answering "which
//! patterns cover this host" without comparing the host with every pattern.
//!
//! The rules ask such questions for every route, DestinationRule and ServiceEntry, so a scan
//! per question makes them quadratic in the size of the input. Exact names are a hash
//! lookup; a `*.example.com` wildcard covers exactly the hosts that end in `.example.com`
//! after at least one more character, so it is found by looking up each suffix of the host
//! that starts at a dot. Other wildcards (`*`, and the odd `*example.com`) are rare and
//! compared one by one. The answers are those of [`hosts::covers`] and [`hosts::intersect`].

use std::collections::HashMap;

use super::hosts;

#[derive(Debug)]
pub struct HostMap<T> {
    /// Values by pattern as written, wildcards included.
    exact: HashMap<String, Vec<T>>,
    /// Values of `*.`-wildcards by the suffix they match: `.example.com` for
    /// `*.example.com`.
    by_suffix: HashMap<String, Vec<T>>,
    /// The other wildcard patterns (keys of `exact`), checked one by one.
    other_wildcards: Vec<String>,
}

impl<T> Default for HostMap<T> {
    fn default() -> HostMap<T> {
        HostMap {
            exact: HashMap::new(),
            by_suffix: HashMap::new(),
            other_wildcards: Vec::new(),
        }
    }
}

impl<T: Copy + Ord> HostMap<T> {
    /// Adds a value under a pattern. Values of one pattern keep the order they were added in.
    pub fn insert(&mut self, pattern: String, value: T) {
        match pattern.strip_prefix('*') {
            Some(suffix) if suffix.starts_with('.') => {
                self.by_suffix
                    .entry(suffix.to_owned())
                    .or_default()
                    .push(value);
            }
            Some(_) if !self.exact.contains_key(&pattern) => {
                self.other_wildcards.push(pattern.clone());
            }
            _ => {}
        }
        self.exact.entry(pattern).or_default().push(value);
    }

    /// The values of exactly this pattern.
    pub fn exact(&self, host: &str) -> &[T] {
        self.exact.get(host).map_or(&[], Vec::as_slice)
    }

    /// The wildcard patterns other than `host` itself that cover `host`, one entry per
    /// pattern: its length and its values.
    pub fn wildcards_covering(&self, host: &str) -> Vec<(usize, &[T])> {
        let mut out = Vec::new();
        // `*.x` covers `host` when `host` ends with `.x` after at least one character; the
        // suffix right after a leading `*` is `host`'s own pattern, not a wider one.
        let skip = usize::from(host.starts_with('*'));
        for (at, _) in host.match_indices('.').filter(|(at, _)| *at > skip) {
            if let Some(values) = self.by_suffix.get(&host[at..]) {
                out.push((host.len() - at + 1, values.as_slice()));
            }
        }
        for pattern in &self.other_wildcards {
            if pattern != host && hosts::covers(pattern, host) {
                out.push((pattern.len(), self.exact(pattern)));
            }
        }
        out
    }

    /// Does some pattern cover `host` (exactly or by wildcard)?
    pub fn covers(&self, host: &str) -> bool {
        !self.exact(host).is_empty() || !self.wildcards_covering(host).is_empty()
    }

    /// The values of every pattern that covers `host` (exactly or by wildcard), sorted, each
    /// once.
    pub fn covering(&self, host: &str) -> Vec<T> {
        let mut found = self.exact(host).to_vec();
        for (_, values) in self.wildcards_covering(host) {
            found.extend_from_slice(values);
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The values of every pattern that has a name in common with `host` (either may be a
    /// wildcard), sorted, each once. A wildcard `host` is compared with every pattern.
    pub fn intersecting(&self, host: &str) -> Vec<T> {
        if !hosts::is_wildcard(host) {
            // A plain name covers only itself, which `covering` finds.
            return self.covering(host);
        }
        let mut found: Vec<T> = self
            .exact
            .iter()
            .filter(|(pattern, _)| hosts::intersect(pattern, host))
            .flat_map(|(_, values)| values.iter().copied())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(patterns: &[&str]) -> HostMap<usize> {
        let mut map = HostMap::default();
        for (i, pattern) in patterns.iter().enumerate() {
            map.insert((*pattern).to_owned(), i);
        }
        map
    }

    /// What a scan with `hosts::covers` / `hosts::intersect` finds.
    fn scan(patterns: &[&str], host: &str, test: fn(&str, &str) -> bool) -> Vec<usize> {
        (0..patterns.len())
            .filter(|&i| test(patterns[i], host))
            .collect()
    }

    const PATTERNS: &[&str] = &[
        "api.example.com",
        "*.example.com",
        "*.a.example.com",
        "*",
        "*example.com",
        "example.com",
        "*.com",
        "api.example.com",
        "",
        "reviews.default.svc.cluster.local",
    ];

    const HOSTS: &[&str] = &[
        "api.example.com",
        "x.a.example.com",
        "*.a.example.com",
        "*.example.com",
        "example.com",
        "badexample.com",
        ".example.com",
        "*",
        "",
        "com",
        "reviews.default.svc.cluster.local",
        "*.default.svc.cluster.local",
    ];

    #[test]
    fn finds_what_a_scan_finds() {
        let map = map(PATTERNS);
        for host in HOSTS {
            assert_eq!(
                map.covering(host),
                scan(PATTERNS, host, hosts::covers),
                "covering {host:?}"
            );
            assert_eq!(
                map.covers(host),
                !scan(PATTERNS, host, hosts::covers).is_empty(),
                "covers {host:?}"
            );
            assert_eq!(
                map.intersecting(host),
                scan(PATTERNS, host, hosts::intersect),
                "intersecting {host:?}"
            );
        }
    }

    #[test]
    fn wildcards_are_listed_once_per_pattern_with_their_length() {
        let map = map(PATTERNS);
        let mut found: Vec<(usize, Vec<usize>)> = map
            .wildcards_covering("x.a.example.com")
            .into_iter()
            .map(|(len, values)| (len, values.to_vec()))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                (1, vec![3]),
                (5, vec![6]),
                (12, vec![4]),
                (13, vec![1]),
                (15, vec![2])
            ]
        );
        assert_eq!(map.exact("api.example.com"), &[0, 7]);
    }
}
