//! Work shared out among the cores. egressc's big inputs are lists of independent items
//! (files, documents, resources, rules). They are cut into small chunks that the threads
//! take in turn, so that a costly stretch (the NetworkPolicies that lead a build's output, a
//! big file among small ones, a slow rule) does not leave the other cores idle; the results
//! are put back in input order, so output never depends on how the work was split.

use std::sync::Mutex;

/// How many chunks each thread's share is cut into: enough for uneven items to even out,
/// few enough that taking a chunk costs nothing next to working through it.
const CHUNKS_PER_THREAD: usize = 8;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn chunk_len(items: usize, threads: usize) -> usize {
    (items / (threads * CHUNKS_PER_THREAD)).max(1)
}

/// `f` applied to every item, on every core; the results in the order of `items`.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads == 1 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let chunks: Vec<&[T]> = items.chunks(chunk_len(items.len(), threads)).collect();
    in_turns(chunks, threads, |chunk| chunk.iter().map(&f).collect())
}

/// `f` applied to every item, which it may change, on every core; the results in input order.
pub fn map_mut<T: Send, R: Send>(items: &mut [T], f: impl Fn(&mut T) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads == 1 || items.len() < 2 {
        return items.iter_mut().map(f).collect();
    }
    let len = chunk_len(items.len(), threads);
    let chunks: Vec<&mut [T]> = items.chunks_mut(len).collect();
    in_turns(chunks, threads, |chunk| chunk.iter_mut().map(&f).collect())
}

/// `f` applied to every item, taken by value, on every core; the results in input order.
pub fn map_owned<T: Send, R: Send>(mut items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads == 1 || items.len() < 2 {
        return items.into_iter().map(f).collect();
    }
    let len = chunk_len(items.len(), threads);
    // Cut from the back, so no item is moved more than once.
    let mut chunks = Vec::with_capacity(items.len().div_ceil(len));
    while items.len() > len {
        chunks.push(items.split_off(items.len() - len));
    }
    chunks.push(items);
    chunks.reverse();
    in_turns(chunks, threads, |chunk| chunk.into_iter().map(&f).collect())
}

/// The parts, one after another, in a list of exactly their length: results gathered part
/// by part are moved once, not copied at every doubling of a growing list.
pub fn concat<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        out.extend(part);
    }
    out
}

/// `a` and `b` side by side (`a` on a thread of its own when there is more than one core).
pub fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    if threads() == 1 {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        (
            a.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            b,
        )
    })
}

/// Works through `chunks` on `threads` threads, each taking the next chunk when it is done
/// with one; the results in the order of the chunks, in a list of exactly their number.
fn in_turns<C: Send, R: Send>(
    chunks: Vec<C>,
    threads: usize,
    work: impl Fn(C) -> Vec<R> + Sync,
) -> Vec<R> {
    let count = chunks.len();
    let queue = Mutex::new(chunks.into_iter().enumerate());
    let (queue, work) = (&queue, &work);
    let mut done: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(count))
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        // The lock is held only to take the next chunk.
                        let next = queue.lock().expect("no worker panics while taking").next();
                        let Some((index, chunk)) = next else {
                            return done;
                        };
                        done.push((index, work(chunk)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a worker thread panicked"))
            .collect()
    });
    done.sort_unstable_by_key(|(index, _)| *index);
    // Sized first: collected from the chunks, the list grew by doubling, copied itself at
    // each step and kept up to as much room again as it used (the list of the 36,000
    // documents `diff` renders for 10,000 hosts took 22.9 MB, nearly half of it spare).
    let mut results = Vec::with_capacity(done.iter().map(|(_, results)| results.len()).sum());
    for (_, chunk_results) in done {
        results.extend(chunk_results);
    }
    results
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<usize> = (0..1001).collect();
        assert_eq!(
            super::map(&items, |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[usize], |i| *i).is_empty());
        assert_eq!(
            super::map_owned(items.clone(), |i| i * 2),
            items.iter().map(|i| i * 2).collect::<Vec<_>>()
        );
        assert!(super::map_owned(Vec::<usize>::new(), |i| i).is_empty());
        let mut doubled = items.clone();
        let before = super::map_mut(&mut doubled, |i| {
            let before = *i;
            *i *= 2;
            before
        });
        assert_eq!(before, items);
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(super::join(|| 1, || 2), (1, 2));
    }
}
