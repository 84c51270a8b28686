#!/usr/bin/env bash
# rollproof's test command (the one the README gives and CI runs): installs the guest toolchain
# when missing, starts PostgreSQL (scripts/postgres.sh), then checks formatting and lints and runs
# every test of the host workspace (PostgreSQL and SQLite database tests,
# the real OpenVM proving tests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
. scripts/env.sh

scripts/install-guest-toolchain.sh

step() { printf '\n== %s\n' "$*" >&2; }
step "cargo fmt --check (host workspace and guests)"
cargo fmt --all --check
cargo fmt --all --check --manifest-path crates/circuits/Cargo.toml

step "PostgreSQL for the database tests (scripts/postgres.sh)"
ROLLPROOF_TEST_PG_URL=$(scripts/postgres.sh)
export ROLLPROOF_TEST_PG_URL

step "shared Ethereum test fixtures"
if [ -z "${ROLLPROOF_ETHTESTS:-}" ]; then
    # Beside the repository (or a parent), else anywhere near the top of the file system.
    for dir in "$PWD/.." "$PWD/../.." /work /; do
        found=$(find "$dir" -maxdepth 5 \( -path /proc -o -path /sys \) -prune -o -type d \
            -path '*/shared/fixtures/ethereum-tests/BlockchainTests' -print -quit 2>/dev/null || true)
        if [ -n "$found" ]; then export ROLLPROOF_ETHTESTS=$found; break; fi
    done
fi
echo "ROLLPROOF_ETHTESTS=${ROLLPROOF_ETHTESTS:-(not found: the fixture tests will say NOT RUN)}" >&2

# Build the tests first: clippy then reuses the compiled dependencies instead of checking them
# all again (a cold check of the OpenVM stack costs minutes on 2 cores).
step "cargo test --workspace --no-run"
cargo test --workspace --locked --no-run

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test --workspace"
cargo test --workspace --locked
