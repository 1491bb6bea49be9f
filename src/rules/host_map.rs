//! A map from host patterns (resolved hosts and `*` wildcards) to values, answering "which
//! patterns cover this host" without comparing the host with every pattern.
//!
//! The rules ask such questions for every route, DestinationRule and ServiceEntry, so a scan
//! per question makes them quadratic in the size of the input. Exact names are a hash
//! lookup; a `*.example.com` wildcard covers exactly the hosts that end in `.example.com`
//! after at least one more character, so it is found by looking up each suffix of the host
//! that starts at a dot. Other wildcards (`*`, and the odd `*example.com`) are rare and
//! compared one by one. The other way round, the patterns a wildcard `*x` covers are those
//! that end in `x`: a range of the patterns sorted by their reversal. The answers are those
//! of [`hosts::covers`] and [`hosts::intersect`].

use std::borrow::Cow;
use std::sync::OnceLock;

use foldhash::{HashMap, HashMapExt};

use super::hosts;

/// Patterns are borrowed where the caller can lend them (`'p`, the input the rules read):
/// a map of every host of a big input would otherwise hold each name twice more.
#[derive(Debug)]
pub struct HostMap<'p, T> {
    /// Each distinct pattern, as written, and the values under it in the order added.
    patterns: Vec<(Cow<'p, str>, Vec<T>)>,
    /// Positions in `patterns` by pattern.
    by_pattern: HashMap<Cow<'p, str>, usize>,
    /// Positions of `*.`-wildcards by the suffix they match: `.example.com` for
    /// `*.example.com`.
    by_suffix: HashMap<Cow<'p, str>, usize>,
    /// Positions of the other wildcard patterns, checked one by one.
    other_wildcards: Vec<usize>,
    /// Every pattern's bytes reversed, with its position, sorted: built on the first question
    /// about a wildcard host.
    reversed: OnceLock<Vec<(Vec<u8>, usize)>>,
}

impl<T> Default for HostMap<'_, T> {
    fn default() -> Self {
        HostMap {
            patterns: Vec::new(),
            by_pattern: HashMap::new(),
            by_suffix: HashMap::new(),
            other_wildcards: Vec::new(),
            reversed: OnceLock::new(),
        }
    }
}

impl<'p, T: Copy + Ord> HostMap<'p, T> {
    /// Adds a value under a pattern. Values of one pattern keep the order they were added in.
    pub fn insert(&mut self, pattern: impl Into<Cow<'p, str>>, value: T) {
        let pattern = pattern.into();
        if let Some(&at) = self.by_pattern.get(pattern.as_ref()) {
            self.patterns[at].1.push(value);
            return;
        }
        let at = self.patterns.len();
        match pattern.strip_prefix('*') {
            Some(suffix) if suffix.starts_with('.') => {
                let suffix = match &pattern {
                    Cow::Borrowed(pattern) => Cow::Borrowed(&pattern[1..]),
                    Cow::Owned(_) => Cow::Owned(suffix.to_owned()),
                };
                self.by_suffix.insert(suffix, at);
            }
            Some(_) => self.other_wildcards.push(at),
            None => {}
        }
        self.by_pattern.insert(pattern.clone(), at);
        self.patterns.push((pattern, vec![value]));
        self.reversed = OnceLock::new();
    }

    /// The values of exactly this pattern.
    pub fn exact(&self, host: &str) -> &[T] {
        self.by_pattern
            .get(host)
            .map_or(&[], |&at| self.patterns[at].1.as_slice())
    }

    /// The wildcard patterns other than `host` itself that cover `host`, one entry per
    /// pattern: its length and its values.
    pub fn wildcards_covering(&self, host: &str) -> Vec<(usize, &[T])> {
        let mut out = Vec::new();
        // Most inputs have no `*.` patterns at all: then no suffix needs looking up, and the
        // host is not even scanned for dots (the rules ask millions of times).
        if !self.by_suffix.is_empty() {
            // `*.x` covers `host` when `host` ends with `.x` after at least one character;
            // the suffix right after a leading `*` is `host`'s own pattern, not a wider one.
            let skip = usize::from(host.starts_with('*'));
            for (at, _) in host.match_indices('.').filter(|(at, _)| *at > skip) {
                if let Some(&pattern) = self.by_suffix.get(&host[at..]) {
                    out.push((host.len() - at + 1, self.patterns[pattern].1.as_slice()));
                }
            }
        }
        for &pattern in &self.other_wildcards {
            let (written, values) = &self.patterns[pattern];
            if written.as_ref() != host && hosts::covers(written, host) {
                out.push((written.len(), values.as_slice()));
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
    /// wildcard), sorted, each once.
    pub fn intersecting(&self, host: &str) -> Vec<T> {
        let mut found = self.covering(host);
        // A plain name covers only itself, which `covering` found; a wildcard covers more.
        if hosts::is_wildcard(host) {
            for at in self.covered_by(host) {
                found.extend_from_slice(&self.patterns[at].1);
            }
            found.sort_unstable();
            found.dedup();
        }
        found
    }

    /// The positions of the patterns a wildcard `*x` covers: all for `*`, else those that end
    /// in `x` after at least one more character.
    fn covered_by(&self, wildcard: &str) -> Vec<usize> {
        if wildcard == "*" {
            return (0..self.patterns.len()).collect();
        }
        let suffix: Vec<u8> = wildcard[1..].bytes().rev().collect();
        let sorted = self.reversed.get_or_init(|| {
            let mut sorted: Vec<(Vec<u8>, usize)> = self
                .patterns
                .iter()
                .enumerate()
                .map(|(at, (pattern, _))| (pattern.bytes().rev().collect(), at))
                .collect();
            sorted.sort_unstable();
            sorted
        });
        let start = sorted.partition_point(|(reversed, _)| reversed.as_slice() < suffix.as_slice());
        sorted[start..]
            .iter()
            .take_while(|(reversed, _)| reversed.starts_with(&suffix))
            .filter(|(reversed, _)| reversed.len() > suffix.len())
            .map(|&(_, at)| at)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map<'p>(patterns: &[&'p str]) -> HostMap<'p, usize> {
        let mut map = HostMap::default();
        for (i, &pattern) in patterns.iter().enumerate() {
            // Owned and borrowed patterns answer alike.
            if i % 2 == 0 {
                map.insert(pattern, i);
            } else {
                map.insert(pattern.to_owned(), i);
            }
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
        "*.com",
        "*xample.com",
        "*api.example.com",
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

    /// Every name of one to three labels out of `a`, `b`, `ab`, plain, as `*.` wildcard and as
    /// `*` wildcard, with `*` and the empty host.
    fn generated() -> Vec<String> {
        let labels = ["a", "b", "ab"];
        let mut names: Vec<String> = labels.iter().map(|l| (*l).to_owned()).collect();
        for _ in 0..2 {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|n| labels.iter().map(move |l| format!("{l}.{n}")))
                .collect();
            names.extend(longer);
        }
        names.sort();
        names.dedup();
        let mut out = vec!["*".to_owned(), String::new()];
        for name in names {
            out.push(format!("*.{name}"));
            out.push(format!("*{name}"));
            out.push(name);
        }
        out
    }

    #[test]
    fn finds_what_a_scan_finds_among_generated_hosts() {
        let generated = generated();
        let patterns: Vec<&str> = generated.iter().map(String::as_str).collect();
        let map = map(&patterns);
        for host in &patterns {
            assert_eq!(
                map.covering(host),
                scan(&patterns, host, hosts::covers),
                "covering {host:?}"
            );
            assert_eq!(
                map.intersecting(host),
                scan(&patterns, host, hosts::intersect),
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
