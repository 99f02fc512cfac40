//! Render workers: plain threads with large stacks pulling roles from a
//! shared counter.
//!
//! Not a rayon `par_iter`, on purpose. Typst parallelises internally with
//! rayon; when our per-role loop was itself a rayon job, a worker waiting on
//! one of Typst's inner joins would steal the next *role* and render it
//! nested inside the first one's stack. Renders then pile up inside each
//! other: memory grew by about 1 MB per role (450 MB at 224 roles, measured
//! with `jdgen pdf --all`) and stacks grew deep enough to need 16 MiB. With
//! these workers, each thread renders one role at a time and memory stays
//! flat (about 70 MB at any corpus size; see docs/performance.md).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Stack size of a render thread: Typst's layout recursion is deep.
pub const RENDER_STACK: usize = 16 * 1024 * 1024;

/// The error for worker threads that cannot be started (a process or
/// memory limit): exit 1 with advice, not a usage error.
pub fn spawn_error(e: std::io::Error) -> crate::error::Error {
    crate::error::Error::Invalid(vec![
        crate::diag::Diagnostic::error(format!("cannot start the worker threads: {e}"))
            .help("lower --jobs (build) or raise the process's thread limit (ulimit -u)"),
    ])
}

/// The default number of workers: one per core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A fixed number of slots that workers take before a costly step and give
/// back after it, waiting while none is free: how many large role files are
/// checked at once. Checking one costs some 200 MB for a while; one worker
/// per core, each on a large file, multiplied that by the machine's cores.
pub struct Slots {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

/// A taken slot of [`Slots`], given back when dropped.
pub struct Slot<'a>(&'a Slots);

impl Slots {
    pub fn new(n: usize) -> Slots {
        Slots {
            free: std::sync::Mutex::new(n),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Takes a slot, waiting until one is free.
    pub fn take(&self) -> Slot<'_> {
        // A poisoned lock only means a worker panicked (a bug, re-raised
        // by `map`); the count itself is still right.
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        Slot(self)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(|e| e.into_inner());
        *free += 1;
        self.0.freed.notify_one();
    }
}

/// Applies `f` to every item on `jobs` threads (at least one; never more
/// threads than items) and returns the results in item order.
pub fn map<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> std::io::Result<Vec<R>> {
    let threads = jobs.clamp(1, items.len().max(1));
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        for n in 0..threads {
            let handle = std::thread::Builder::new()
                .name(format!("jdgen-render-{n}"))
                .stack_size(RENDER_STACK)
                .spawn_scoped(scope, || {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })?;
            handles.push(handle);
        }
        let mut all = Vec::with_capacity(items.len());
        for h in handles {
            // A panic in `f` is a bug; re-raise it on the calling thread.
            all.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        Ok::<_, std::io::Error>(all)
    })?;
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_more_slots_are_taken_at_once_than_there_are() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let slots = Slots::new(2);
        let busy = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<u32> = (0..40).collect();
        // 6 threads each hold a slot for a millisecond: without the slots,
        // up to 6 would be busy at once.
        map(6, &items, |_| {
            let _slot = slots.take();
            let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(1));
            busy.fetch_sub(1, Ordering::SeqCst);
        })
        .unwrap();
        assert_eq!(most.load(Ordering::SeqCst), 2);
        // All given back: both can be taken again.
        let (_a, _b) = (slots.take(), slots.take());
    }

    #[test]
    fn results_come_back_in_order_from_any_number_of_threads() {
        let items: Vec<u32> = (0..1000).collect();
        for jobs in [0, 1, 2, 7, 5000] {
            let out = map(jobs, &items, |x| x * 2).unwrap();
            assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
        assert!(map(4, &Vec::<u32>::new(), |x| *x).unwrap().is_empty());
    }
}
