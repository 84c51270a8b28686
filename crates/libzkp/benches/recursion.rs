//! Proof-hierarchy numbers at the smallest sizes: the suite's one-block chunk proof -> a batch
//! of that chunk -> a bundle of that batch, each level proven for real (app proof + aggregation,
//! the child proofs verified inside through deferral) and verified. Prints per level: guest
//! instructions, setup (deferral keys + guest build), proving time, peak RSS, verification time
//! and proof size. The chunk and batch proofs come from the suite's cache when present
//! (`rollproof_libzkp::testing`); `--fresh` proves them again.
//!
//! ```sh
//! cargo bench --workspace --bench recursion --profile dev   # ~35 min cold, ~20 min cached
//! ```

use std::time::Instant;

use clap::Parser;
use rollproof_devnet::sample::sample_chunk;
use rollproof_libzkp::{
    bundle::ProvenBatch,
    testing::{peak_rss_gib, proven_batch, proven_chunk, reset_peak_rss, test_dir},
    BundleProgram,
};
use rollproof_primitives::{Domain, PiVersion, PublicInputs};
use rollproof_zkvm::{verify_stark_proof, GuestToolchain, ProvingParams};

/// Recursion benchmark.
#[derive(Debug, Parser)]
struct Args {
    /// Prove the chunk and the batch again instead of reusing the suite's cached proofs.
    #[arg(long)]
    fresh: bool,
    /// `cargo bench` passes this; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let args = Args::parse();
    if args.fresh {
        let _ = std::fs::remove_dir_all(test_dir().join("proofs"));
    }
    let witness = sample_chunk();
    let version = PiVersion::new(witness.fork, Domain::Rollup).byte();

    reset_peak_rss();
    let started = Instant::now();
    let chunk = proven_chunk(&witness).expect("chunk proof");
    println!(
        "chunk:  {:>7.0} s (proof or cache), peak RSS {:.1} GiB, proof {} bytes",
        started.elapsed().as_secs_f64(),
        peak_rss_gib(),
        chunk.proof.proof.len()
    );

    reset_peak_rss();
    let started = Instant::now();
    let batch = proven_batch(&chunk, &witness).expect("batch proof");
    let batch_wall = started.elapsed().as_secs_f64();
    let batch_vk = batch.program.verifying_key().expect("batch key");
    let started = Instant::now();
    let revealed = verify_stark_proof(&batch_vk, &batch.proof).expect("batch proof verifies");
    assert_eq!(revealed, batch.info.pi_hash(version).to_vec());
    let execution = batch.program.execute(&batch.input).expect("batch executes");
    println!(
        "batch:  {:>7.0} s (setup + proof or cache), peak RSS {:.1} GiB, proof {} bytes, \
         verify {:.2} s, {} guest instructions",
        batch_wall,
        peak_rss_gib(),
        batch.proof.0.len(),
        started.elapsed().as_secs_f64(),
        execution.instructions
    );

    reset_peak_rss();
    let toolchain = GuestToolchain::from_env().expect("guest toolchain");
    let started = Instant::now();
    let bundle = BundleProgram::build(&toolchain, ProvingParams::default(), batch.program.app())
        .expect("bundle program");
    let setup = started.elapsed().as_secs_f64();
    let child = ProvenBatch {
        info: batch.info.clone(),
        proof: batch.proof.clone(),
    };
    let started = Instant::now();
    let (proof, info) = bundle.prove(witness.fork, &[child]).expect("bundle proof");
    let prove = started.elapsed().as_secs_f64();
    let bundle_vk = bundle.app().stark_verifying_key().expect("bundle key");
    let started = Instant::now();
    let revealed = verify_stark_proof(&bundle_vk, &proof).expect("bundle proof verifies");
    assert_eq!(revealed, info.pi_hash(version).to_vec());
    println!(
        "bundle: setup {setup:.0} s, proof {prove:.0} s, peak RSS {:.1} GiB, proof {} bytes, \
         verify {:.2} s",
        peak_rss_gib(),
        proof.0.len(),
        started.elapsed().as_secs_f64()
    );
}
