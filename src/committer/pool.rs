//! The peer's validation pool: `peer.validatorPoolSize` long-lived worker threads shared by
//! every channel's committer (Fabric's validator semaphore over goroutines). A block's
//! validation is one [`PoolTask`] that several workers run at once; the task hands out
//! transaction indexes itself. Workers take tasks in the order they were submitted, so a
//! worker never waits on work that no thread has started.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Work that `helpers` workers run concurrently; each call returns when the task has no
/// more work to hand out.
pub(crate) trait PoolTask: Send + Sync {
    fn run(&self);
}

#[derive(Default)]
struct Queue {
    tasks: VecDeque<Arc<dyn PoolTask>>,
    stopping: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// A fixed set of worker threads fed by a FIFO queue. Dropping the pool lets the workers
/// finish what is queued and joins them.
pub struct ValidationPool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for ValidationPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidationPool")
            .field("size", &self.workers.len())
            .finish()
    }
}

impl ValidationPool {
    /// Starts `size` workers; 0 means one per CPU (Fabric's default).
    pub fn new(size: usize) -> Self {
        let size = if size == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            size
        };
        let shared = Arc::new(Shared::default());
        let workers = (0..size)
            .map(|i| {
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name(format!("validator-{i}"))
                    .spawn(move || work(&shared))
                    .expect("cannot start a validation pool thread")
            })
            .collect();
        ValidationPool { shared, workers }
    }

    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// Queues `task` for `helpers` workers (at most the pool size).
    pub(crate) fn submit(&self, task: Arc<dyn PoolTask>, helpers: usize) {
        let helpers = helpers.clamp(1, self.size());
        let mut queue = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        for _ in 0..helpers {
            queue.tasks.push_back(task.clone());
        }
        drop(queue);
        self.shared.ready.notify_all();
    }
}

fn work(shared: &Shared) {
    loop {
        let task = {
            let mut queue = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(task) = queue.tasks.pop_front() {
                    break task;
                }
                if queue.stopping {
                    return;
                }
                queue = shared.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
            }
        };
        task.run();
    }
}

impl Drop for ValidationPool {
    fn drop(&mut self) {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stopping = true;
        self.shared.ready.notify_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Count {
        next: AtomicUsize,
        threads: Mutex<HashSet<std::thread::ThreadId>>,
        done: AtomicUsize,
    }

    impl PoolTask for Count {
        fn run(&self) {
            while self.next.fetch_add(1, Ordering::SeqCst) < 1000 {
                self.threads
                    .lock()
                    .unwrap()
                    .insert(std::thread::current().id());
                self.done.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    #[test]
    fn the_same_threads_serve_every_task_and_drop_joins_them() {
        let pool = ValidationPool::new(3);
        assert_eq!(pool.size(), 3);
        let mut all = HashSet::new();
        let tasks: Vec<Arc<Count>> = (0..20)
            .map(|_| {
                Arc::new(Count {
                    next: AtomicUsize::new(0),
                    threads: Mutex::new(HashSet::new()),
                    done: AtomicUsize::new(0),
                })
            })
            .collect();
        for t in &tasks {
            pool.submit(t.clone(), 3);
        }
        drop(pool); // finishes the queue
        for t in &tasks {
            assert_eq!(t.done.load(Ordering::SeqCst), 1000);
            all.extend(t.threads.lock().unwrap().iter().copied());
        }
        assert!(all.len() <= 3, "{} threads", all.len());
        assert!(!all.contains(&std::thread::current().id()));
    }
}
