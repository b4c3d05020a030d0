//! One run: set up (dial, probe), drive the load (open or closed loop, a count or a
//! duration), and take every transaction through its stages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::broadcast::{Ack, Broadcaster};
use super::config::{Checked, Length, Mode};
use super::connect::{status_line, Pool};
use super::observe::{code_name, seek_from_newest, Waiters, Watch};
use super::signer::{self, SignedTx};
use super::stats::{Stage, Stats};
use super::template::Template;
use super::workers::Workers;
use super::BenchError;
use crate::msp::SigningIdentity;
use crate::protos::common::Envelope;
use crate::protos::peer::endorser_client::EndorserClient;
use crate::protos::peer::{ProposalResponse, TxValidationCode};

/// Envelopes or acks queued per Broadcast stream.
const STREAM_DEPTH: usize = 1024;

/// Everything a run shares.
pub struct Run {
    pub checked: Checked,
    signer: Arc<dyn SigningIdentity>,
    template: Template,
    endorsers: Vec<Arc<Pool>>,
    broadcasters: Vec<Broadcaster>,
    next_stream: AtomicUsize,
    pub waiters: Arc<Waiters>,
    pub stats: Arc<Stats>,
    prebuilt: Mutex<std::vec::IntoIter<Envelope>>,
    watches: Vec<tokio::task::JoinHandle<()>>,
    workers: Workers,
    /// Set by Ctrl-C: start nothing more, finish what is in flight, report.
    interrupted: std::sync::atomic::AtomicBool,
}

/// What [`Run::drive`] measured.
#[derive(Debug, Clone, Copy)]
pub struct Elapsed {
    /// From the first transaction to the last one finished.
    pub load: Duration,
}

impl Run {
    /// Loads the identity, dials every node and probes each one (an endorsement of the
    /// configured call on every endorser, a Deliver of the channel's newest block on the
    /// orderer, the committers' DeliverFiltered streams), so a bad configuration fails
    /// here, before any load.
    pub async fn prepare(checked: Checked) -> Result<Self, BenchError> {
        let config = &checked.config;
        let client = config.client.clone();
        let signer = tokio::task::spawn_blocking(move || signer::load(&client))
            .await
            .map_err(BenchError::Task)??;
        let template = Template::new(&config.args, config.conflict_rate)?;
        let mode = config.mode;
        let mut endorsers = Vec::new();
        if matches!(mode, Mode::E2e | Mode::Endorse) {
            for &i in &checked.endorsers {
                let pool = Pool::dial(&config.peers[i], &config.client, config.connections).await?;
                endorsers.push(Arc::new(pool));
            }
        }
        let mut run = Run {
            signer,
            template,
            endorsers,
            broadcasters: Vec::new(),
            next_stream: AtomicUsize::new(0),
            waiters: Arc::default(),
            stats: Arc::new(Stats::new(Instant::now())),
            prebuilt: Mutex::new(Vec::new().into_iter()),
            watches: Vec::new(),
            workers: Workers::per_core(),
            interrupted: std::sync::atomic::AtomicBool::new(false),
            checked,
        };
        if !run.endorsers.is_empty() {
            run.probe_endorsers().await?;
        }
        let orderer = match mode {
            Mode::E2e | Mode::Order => run.checked.config.orderer.clone(),
            Mode::Endorse | Mode::Observe => None,
        };
        if let Some(orderer) = orderer {
            let pool = Pool::dial(
                &orderer,
                &run.checked.config.client,
                run.checked.config.connections,
            )
            .await?;
            super::connect::probe_orderer(&pool, run.signer.as_ref(), &run.checked.config.channel)
                .await?;
            run.broadcasters = (0..run.checked.config.broadcast_streams)
                .map(|_| Broadcaster::open(pool.channel(), STREAM_DEPTH))
                .collect();
        }
        if mode == Mode::Order {
            run.prebuild().await?;
        }
        run.stats = Arc::new(Stats::new(Instant::now()));
        if matches!(mode, Mode::E2e | Mode::Observe) {
            run.start_watches().await?;
        }
        Ok(run)
    }

    /// Endorses one call on every endorser; all must succeed with identical payloads.
    async fn probe_endorsers(&self) -> Result<(), BenchError> {
        let tx = self.build(u64::MAX).await?;
        let mut responses = Vec::new();
        for pool in &self.endorsers {
            let probe = |reason: String| BenchError::Probe {
                name: pool.name.clone(),
                address: pool.address.clone(),
                reason,
            };
            let r = EndorserClient::new(pool.channel())
                .process_proposal(tx.signed.clone())
                .await
                .map_err(|s| match s.code() {
                    tonic::Code::Unavailable => super::connect::unreachable(
                        &pool.name,
                        &pool.address,
                        super::connect::error_chain(&s),
                    ),
                    _ => probe(format!("the endorsement failed: {}", status_line(&s))),
                })?
                .into_inner();
            let (status, message) = r
                .response
                .as_ref()
                .map_or((0, ""), |r| (r.status, r.message.as_str()));
            if !(200..400).contains(&status) {
                return Err(probe(format!(
                    "endorsing {}({}) on channel {} answered status {status}: {message}; does the chaincode exist there?",
                    self.checked.config.chaincode,
                    self.checked.config.function,
                    self.checked.config.channel
                )));
            }
            responses.push(r);
        }
        signer::envelope(self.signer.as_ref(), &tx, &responses).map(|_| ())
    }

    async fn start_watches(&mut self) -> Result<(), BenchError> {
        let config = &self.checked.config;
        let hash = super::connect::tls_cert_hash(&config.client)?;
        let count_all = config.mode == Mode::Observe;
        for (n, &i) in self.checked.committers.iter().enumerate() {
            if count_all && n > 0 {
                break;
            }
            let peer = &config.peers[i];
            let pool = Pool::dial(peer, &config.client, 1).await?;
            let seek = seek_from_newest(self.signer.as_ref(), &config.channel, hash.clone())?;
            let watch = Watch {
                name: peer.name.clone(),
                address: peer.address.clone(),
                primary: n == 0,
            };
            let handle = watch
                .start(
                    pool.channel(),
                    seek,
                    self.waiters.clone(),
                    self.stats.clone(),
                    count_all,
                )
                .await?;
            self.watches.push(handle);
        }
        Ok(())
    }

    /// Makes and signs every envelope of an `order` run (on the blocking pool, in chunks
    /// over all cores).
    async fn prebuild(&mut self) -> Result<(), BenchError> {
        let Length::Count(count) = self.checked.length else {
            return Err(BenchError::Config(
                "mode order pre-signs its envelopes, so it needs count, not duration".into(),
            ));
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
        let chunk = count.div_ceil(cores).max(1);
        let mut tasks = JoinSet::new();
        for first in (0..count).step_by(chunk as usize) {
            let signer = self.signer.clone();
            let template = self.template.clone();
            let config = self.checked.config.clone();
            tasks.spawn_blocking(move || {
                (first..(first + chunk).min(count))
                    .map(|seq| {
                        let args = signer::chaincode_args(&config.function, template.render(seq));
                        let tx = signer::proposal(
                            signer.as_ref(),
                            &config.channel,
                            &config.chaincode,
                            args,
                        )?;
                        signer::self_endorsed(signer.as_ref(), &tx)
                    })
                    .collect::<Result<Vec<_>, BenchError>>()
                    .map(|v| (first, v))
            });
        }
        let mut chunks = Vec::new();
        while let Some(done) = tasks.join_next().await {
            chunks.push(done.map_err(BenchError::Task)??);
        }
        chunks.sort_by_key(|(first, _)| *first);
        let all: Vec<Envelope> = chunks.into_iter().flat_map(|(_, v)| v).collect();
        self.prebuilt = Mutex::new(all.into_iter());
        Ok(())
    }

    /// The signed proposal of transaction `seq`, built on the blocking pool.
    async fn build(&self, seq: u64) -> Result<SignedTx, BenchError> {
        let args = signer::chaincode_args(&self.checked.config.function, self.template.render(seq));
        let signer = self.signer.clone();
        let channel = self.checked.config.channel.clone();
        let chaincode = self.checked.config.chaincode.clone();
        self.workers
            .run(move || signer::proposal(signer.as_ref(), &channel, &chaincode, args))
            .await?
    }

    /// Runs the load: `concurrency` transactions in flight (closed loop), or `rate` started
    /// per second with at most `concurrency` in flight (open loop); until `count` are
    /// started or `duration` has passed; then waits for the last ones.
    pub async fn drive(self: &Arc<Self>) -> Elapsed {
        let config = &self.checked.config;
        let slots = Arc::new(Semaphore::new(config.concurrency));
        let start = Instant::now();
        let mut tasks = JoinSet::new();
        let mut seq = 0u64;
        loop {
            let more = !self.interrupted.load(Ordering::Relaxed)
                && match self.checked.length {
                    Length::Count(n) => seq < n,
                    Length::Duration(d) => start.elapsed() < d,
                };
            if !more {
                break;
            }
            if config.rate > 0 {
                let due = start + Duration::from_secs_f64(seq as f64 / config.rate as f64);
                tokio::time::sleep_until(due.into()).await;
            }
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let run = self.clone();
            tasks.spawn(async move {
                run.one(seq).await;
                drop(slot);
            });
            seq += 1;
            while tasks.try_join_next().is_some() {}
        }
        while tasks.join_next().await.is_some() {}
        Elapsed {
            load: start.elapsed(),
        }
    }

    /// In `observe` mode: waits until `count` transactions were seen or `duration` passed.
    pub async fn observe(&self) -> Elapsed {
        let start = Instant::now();
        loop {
            let seen =
                Stats::get(&self.stats.committed_valid) + Stats::get(&self.stats.committed_invalid);
            let done = match self.checked.length {
                Length::Count(n) => seen >= n,
                Length::Duration(d) => start.elapsed() >= d,
            };
            if done
                || self.interrupted.load(Ordering::Relaxed)
                || self.watches.iter().all(|w| w.is_finished())
            {
                return Elapsed {
                    load: start.elapsed(),
                };
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// One transaction through the stages of the run's mode.
    async fn one(&self, seq: u64) {
        let start = Instant::now();
        Stats::add(&self.stats.submitted);
        let env = if self.checked.config.mode == Mode::Order {
            let next = self
                .prebuilt
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .next();
            match next {
                Some(env) => env,
                None => return self.stats.error("order: no pre-signed envelope left"),
            }
        } else {
            match self.endorse(seq).await {
                Some((tx, env)) => {
                    if self.checked.config.mode == Mode::Endorse {
                        return self.stats.finished(start.elapsed());
                    }
                    return self.order_and_commit(start, tx.tx_id, env).await;
                }
                None => return,
            }
        };
        if self.order(env).await.is_some() {
            self.stats.finished(start.elapsed());
        }
    }

    /// Builds, endorses and (outside `endorse` mode) assembles transaction `seq`; failures
    /// are counted and give `None`.
    async fn endorse(&self, seq: u64) -> Option<(SignedTx, Envelope)> {
        let tx = match self.build(seq).await {
            Ok(tx) => tx,
            Err(_) => {
                self.stats.error("build: signing failed");
                return None;
            }
        };
        let sent = Instant::now();
        let responses = match self.endorse_all(&tx).await {
            Ok(r) => r,
            Err(kind) => {
                self.stats.error(kind);
                return None;
            }
        };
        self.stats.latency(Stage::Endorse, sent.elapsed());
        Stats::add(&self.stats.endorsed);
        if self.checked.config.mode == Mode::Endorse {
            return Some((tx, Envelope::default()));
        }
        let signer = self.signer.clone();
        let assembled = self
            .workers
            .run(move || signer::envelope(signer.as_ref(), &tx, &responses).map(|env| (tx, env)))
            .await;
        match assembled {
            Ok(Ok(done)) => Some(done),
            Ok(Err(e)) if e.to_string().contains("do not match") => {
                self.stats.error("assemble: endorsement payloads differ");
                None
            }
            _ => {
                self.stats.error("assemble: failed");
                None
            }
        }
    }

    /// Sends the proposal to every endorser at once; the error is a kind for the report.
    async fn endorse_all(&self, tx: &SignedTx) -> Result<Vec<ProposalResponse>, String> {
        let mut calls = JoinSet::new();
        for (i, pool) in self.endorsers.iter().enumerate() {
            let mut client = EndorserClient::new(pool.channel());
            let signed = tx.signed.clone();
            calls.spawn(async move { (i, client.process_proposal(signed).await) });
        }
        let mut responses = vec![ProposalResponse::default(); self.endorsers.len()];
        while let Some(done) = calls.join_next().await {
            let (i, result) = done.map_err(|_| "endorse: task failed".to_string())?;
            let name = &self.endorsers[i].name;
            let r = result
                .map_err(|s| format!("endorse: {name}: grpc {:?}", s.code()))?
                .into_inner();
            let status = r.response.as_ref().map_or(0, |r| r.status);
            if !(200..400).contains(&status) {
                return Err(format!("endorse: {name}: status {status}"));
            }
            responses[i] = r;
        }
        Ok(responses)
    }

    /// Broadcasts `env` on the next stream; `Some` when the orderer accepted it.
    async fn order(&self, env: Envelope) -> Option<()> {
        let i = self.next_stream.fetch_add(1, Ordering::Relaxed) % self.broadcasters.len();
        let sent = Instant::now();
        match self.broadcasters[i].submit(env).await {
            Ack::Success => {
                self.stats.latency(Stage::Order, sent.elapsed());
                Stats::add(&self.stats.ordered);
                Some(())
            }
            Ack::Rejected(status) => {
                self.stats.error(format!("order: {status}"));
                None
            }
            Ack::Failed(_) => {
                self.stats.error("order: broadcast stream failed");
                None
            }
        }
    }

    async fn order_and_commit(&self, start: Instant, tx_id: String, env: Envelope) {
        let committed = self.waiters.register(tx_id.clone());
        let sent = Instant::now();
        if self.order(env).await.is_none() {
            self.waiters.forget(&tx_id);
            return;
        }
        match tokio::time::timeout(self.checked.commit_timeout, committed).await {
            Ok(Ok(code)) => {
                self.stats.latency(Stage::Commit, sent.elapsed());
                if code == TxValidationCode::Valid as i32 {
                    Stats::add(&self.stats.committed_valid);
                } else {
                    self.stats.invalid(&code_name(code));
                }
                self.stats.finished(start.elapsed());
            }
            Ok(Err(_)) => self.stats.error("commit: observation ended"),
            Err(_) => {
                self.waiters.forget(&tx_id);
                self.stats.error("commit: not seen within commit_timeout");
            }
        }
    }

    /// Stops starting transactions (Ctrl-C); those in flight finish and are reported.
    pub fn interrupt(&self) {
        self.interrupted.store(true, Ordering::Relaxed);
    }

    /// Stops the commit watchers.
    pub fn stop(&self) {
        for w in &self.watches {
            w.abort();
        }
    }
}
