#!/usr/bin/env bash
# The prover end-to-end flow over a real chain, one step at a time (the reference's
# tests/prover-e2e): a devnet produces blocks, `e2e_tool import` stores a block range as
# chunks, batches and bundles (seeded random split), `coordinator_api` serves them, and
# `prover handle` proves the test set through the coordinator, which verifies every proof.
#
#   tests/prover-e2e/run.sh <network> [step ...]     (no step: all)
#
# <network> is a folder here: devnet-galileo, devnet-galileoV2. Each holds .make.env (block
# range, split, fork, ports), config.json (e2e_tool: database and node), config.template.json
# (the coordinator) and genesis.json (chain id and fork schedule).
#
# Steps, in order (`all` runs every one, then `stop`):
#   build        cargo build of the binaries
#   devnet       starts `devnet` on DEVNET_PORT and waits for END_BLOCK
#   import       e2e_tool import BEGIN_BLOCK END_BLOCK --seed SEED --counts COUNTS -> testset.json
#   assets       builds the circuit assets for FORK when missing (with the batch and bundle
#                circuits unless E2E_CHUNKS_ONLY=1; the assets of e2e-out/assets are reused)
#   coordinator  starts coordinator_api on COORDINATOR_PORT
#   prove        prover handle testset.json (with E2E_CHUNKS_ONLY=1: its chunks only)
#   stop         stops the devnet and the coordinator this script started
#
# Everything goes to E2E_WORK (default e2e-out/prover-e2e/<network>). Proving costs: a chunk
# ~10 minutes on 2 cores; with batches and bundles an hour or more (README, "Batch and bundle
# circuits").
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
# shellcheck source=scripts/env.sh
. scripts/env.sh

die() {
    echo "prover-e2e: error: $*" >&2
    exit 1
}
log() { echo "prover-e2e: $*" >&2; }

[ $# -ge 1 ] || die "usage: $0 <network> [build|devnet|import|assets|coordinator|prove|stop|all ...]"
network=$1
shift
net="$here/$network"
[ -f "$net/.make.env" ] || die "no network folder $net (have: $(cd "$here" && ls -d devnet-*))"
# shellcheck source=/dev/null
. "$net/.make.env"
work=$(mkdir -p "${E2E_WORK:-e2e-out/prover-e2e/$network}" && cd "${E2E_WORK:-e2e-out/prover-e2e/$network}" && pwd)
assets="${E2E_ASSETS:-$root/e2e-out/assets}"
bin="$CARGO_TARGET_DIR/debug"
chunks_only=${E2E_CHUNKS_ONLY:-0}

# Writes template $1 to $2 with this run's values.
render() {
    local types='[1, 2, 3]'
    [ "$chunks_only" = 1 ] && types='[1]'
    sed -e "s|@WORK@|$work|g" -e "s|@NET@|$net|g" -e "s|@ASSETS@|$assets|g" \
        -e "s|@FORK@|$FORK|g" -e "s|@DEVNET_PORT@|$DEVNET_PORT|g" \
        -e "s|@COORDINATOR_PORT@|$COORDINATOR_PORT|g" -e "s|@TYPES@|$types|g" "$1" >"$2"
}

rpc() {
    curl -sf -H 'content-type: application/json' \
        -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":[]}" \
        "http://127.0.0.1:$DEVNET_PORT"
}

wait_for() { # what, seconds, command...
    local what=$1 secs=$2
    shift 2
    for _ in $(seq "$secs"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    die "$what did not come up in ${secs}s"
}

head_reached() {
    local head
    head=$(rpc eth_blockNumber | sed -n 's/.*"result":"0x\([0-9a-fA-F]*\)".*/\1/p')
    [ -n "$head" ] && [ $((16#$head)) -ge "$END_BLOCK" ]
}

step_build() { cargo build --locked --workspace --bins; }

step_devnet() {
    rm -f "$work/chain.json"
    "$bin/devnet" --genesis "$net/genesis.json" --listen "127.0.0.1:$DEVNET_PORT" \
        --block-time-ms 500 --txs-per-block 4 --state-file "$work/chain.json" \
        >"$work/devnet.log" 2>&1 &
    echo $! >"$work/devnet.pid"
    wait_for "devnet on port $DEVNET_PORT (block $END_BLOCK)" 120 head_reached
    log "devnet up (log $work/devnet.log)"
}

step_import() {
    render "$net/config.json" "$work/config.json"
    rm -f "$work"/rollproof.sqlite*
    "$bin/e2e_tool" --config "$work/config.json" import "$BEGIN_BLOCK" "$END_BLOCK" \
        --seed "$SEED" --counts "$COUNTS" --output "$work/testset.json"
    if [ "$chunks_only" = 1 ]; then
        python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); json.dump({"chunks": s["chunks"]}, open(sys.argv[1], "w"), indent=2)' "$work/testset.json"
    fi
}

step_assets() {
    local flags=(--fork "$FORK" --out "$assets")
    [ "$chunks_only" = 1 ] || flags+=(--aggregation)
    if [ -f "$assets/$FORK/manifest.json" ] && { [ "$chunks_only" = 1 ] || grep -q '"bundle/' "$assets/$FORK/manifest.json"; }; then
        log "assets for $FORK reused from $assets"
        return
    fi
    "$bin/prover" assets build "${flags[@]}"
}

step_coordinator() {
    render "$net/config.template.json" "$work/coordinator.json"
    "$bin/coordinator_api" --config "$work/coordinator.json" --listen "127.0.0.1:$COORDINATOR_PORT" \
        >"$work/coordinator.log" 2>&1 &
    echo $! >"$work/coordinator.pid"
    wait_for "coordinator on port $COORDINATOR_PORT" 300 \
        curl -sf "http://127.0.0.1:$COORDINATOR_PORT/coordinator/v1/health"
    log "coordinator up (log $work/coordinator.log)"
}

step_prove() {
    render "$here/prover.template.json" "$work/prover.json"
    "$bin/prover" --config "$work/prover.json" handle "$work/testset.json"
}

step_stop() {
    for name in coordinator devnet; do
        if [ -f "$work/$name.pid" ]; then
            kill "$(cat "$work/$name.pid")" 2>/dev/null || true
            rm -f "$work/$name.pid"
        fi
    done
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(all)
for s in "${steps[@]}"; do
    case $s in
    all)
        trap step_stop EXIT
        for t in build devnet import assets coordinator prove; do
            log "== $t"
            "step_$t"
        done
        ;;
    build | devnet | import | assets | coordinator | prove | stop) "step_$s" ;;
    *) die "unknown step $s" ;;
    esac
done
