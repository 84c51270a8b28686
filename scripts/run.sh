#!/usr/bin/env bash
# rollproof's main job on one machine: install the guest toolchain when missing, build, then run
# the pipeline end to end (`e2e run`): devnet over JSON-RPC -> rollup relayer -> embedded SQLite
# database -> coordinator -> prover -> verified chunk, batch and bundle proofs in
# e2e-out/proofs/, with a summary table. Arguments go to `e2e run` (see `scripts/run.sh --help`:
# --blocks, --txs, --fork, --out, --assets, --postgres URL, --handle, --chunks-only).
#
#   scripts/run.sh selfcheck [args]   the smaller zkVM self-check instead (`zkvm_selfcheck`)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

scripts/install-guest-toolchain.sh
# One workspace build, so these binaries share the test suite's artifacts.
cargo build --locked --workspace --bins
if [ "${1:-}" = selfcheck ]; then
    shift
    exec "$CARGO_TARGET_DIR/debug/zkvm_selfcheck" "$@"
fi
exec "$CARGO_TARGET_DIR/debug/e2e" run "$@"
