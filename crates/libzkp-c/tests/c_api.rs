//! The C interface without a proof (runs in seconds): a C program linked to `libzkp.so`
//! checks every refusal (no verifier, bad configs, null and non-UTF-8 pointers, unknown
//! forks, batch/bundle not built, garbage tasks) and builds a task from a real chunk witness.
//! The real proof is in `tests/real_proof.rs`.

mod common;

use alloy_primitives::hex;
use rollproof_devnet::sample::sample_chunk;
use rollproof_libzkp::{chunk_task, testing::write_unloadable_assets, ChunkTaskInput};
use rollproof_primitives::ForkName;

use common::{run_c_program, Scratch};
use zkp::dump::DUMP_DIR_VAR;

#[test]
fn c_program_sees_every_refusal_and_builds_a_task() {
    let scratch = Scratch::new("negative");
    let witness = sample_chunk();
    let task = scratch.write(
        "task.json",
        serde_json::to_vec(&ChunkTaskInput::new(&witness)).unwrap(),
    );
    let pi_hash = hex::encode(chunk_task(&witness, b"some key").unwrap().expected_pi_hash);

    // An assets root whose galileo manifest checks out but whose vk.bin is not a key.
    let bogus = scratch.path().join("bogus-assets");
    write_unloadable_assets(&bogus, ForkName::Galileo).unwrap();

    let dumps = scratch.path().join("dumps");
    let stdout = run_c_program(
        &[
            "negative".as_ref(),
            task.as_os_str(),
            pi_hash.as_ref(),
            bogus.as_os_str(),
        ],
        &[(DUMP_DIR_VAR, &dumps)],
    );
    assert!(stdout.contains(&format!("expected_pi_hash {pi_hash}")));

    // With LIBZKP_DUMP_DIR set, refused inputs were dumped, e.g. the garbage task.
    let dumped: Vec<(String, String)> = std::fs::read_dir(&dumps)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    assert!(dumped
        .iter()
        .any(|(name, text)| name.starts_with("gen_universal_task-") && text == "garbage"));
    assert!(dumped
        .iter()
        .any(|(name, _)| name.starts_with("verify_chunk_proof-")));
}
