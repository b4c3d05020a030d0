//! A fixed pool of signing threads, one per core, fed through a bounded queue: signing and
//! envelope building use every core without the blocking pool growing a thread per
//! in-flight transaction.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::BenchError;

type Job = Box<dyn FnOnce() + Send>;

/// The pool; its threads end when it is dropped.
#[derive(Debug, Clone)]
pub struct Workers {
    jobs: mpsc::Sender<Job>,
}

impl Workers {
    /// `threads` threads sharing a queue of at most `depth` jobs.
    pub fn new(threads: usize, depth: usize) -> Self {
        let (jobs, rx) = mpsc::channel::<Job>(depth.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("bench-sign-{i}"))
                .spawn(move || loop {
                    let job = rx
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .blocking_recv();
                    match job {
                        Some(job) => job(),
                        None => break,
                    }
                });
            if spawned.is_err() && i > 0 {
                break;
            }
        }
        Workers { jobs }
    }

    /// One thread per core.
    pub fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Workers::new(cores, cores * 64)
    }

    /// Runs `f` on the pool and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, BenchError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| BenchError::WorkersGone)?;
        rx.await.map_err(|_| BenchError::WorkersGone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_on_its_threads() {
        let w = Workers::new(2, 4);
        let name = w
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .unwrap();
        assert!(name.unwrap().starts_with("bench-sign-"));
        let mut all = Vec::new();
        for i in 0..20u32 {
            all.push(w.run(move || i * 2));
        }
        let mut sum = 0;
        for r in all {
            sum += r.await.unwrap();
        }
        assert_eq!(sum, 380);
    }
}
