#!/usr/bin/env bash
# rollproof's main job on one machine. Today: install the guest toolchain when missing, build
# the self-check guest, prove it with OpenVM and verify the proof (`zkvm_selfcheck`); arguments
# are passed on (see `scripts/run.sh --help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

scripts/install-guest-toolchain.sh
cargo run --locked -p rollproof-zkvm --bin zkvm_selfcheck -- "$@"
