# shellcheck shell=bash
# Shared environment for rollproof's scripts. Source it; it changes nothing on disk.
#
#   ROLLPROOF_CACHE        where long-lived build state lives (default: /var/cache/rollproof when
#                          writable, else ~/.cache/rollproof). Survives fresh clones.
#   CARGO_TARGET_DIR       host and guest build output (default: $ROLLPROOF_CACHE/target).
#   ROLLPROOF_GUEST_TOOLCHAIN_DIR
#                          prefix of the OpenVM guest toolchain installed by
#                          scripts/install-guest-toolchain.sh (default: $ROLLPROOF_CACHE/guest-toolchain).
#   OPENVM_RUST_TOOLCHAIN  the rustup name the guest toolchain is linked under (default: rollproof-guest).
#   ROLLPROOF_CIRCUITS_DIR the guest programs: always this checkout's crates/circuits. Host
#                          artifacts in a shared CARGO_TARGET_DIR may come from another checkout
#                          (cargo reuses them when the sources match), and the path compiled into
#                          them would then build that checkout's guests.

if [ -z "${ROLLPROOF_CACHE:-}" ]; then
    if mkdir -p /var/cache/rollproof 2>/dev/null && [ -w /var/cache/rollproof ]; then
        ROLLPROOF_CACHE=/var/cache/rollproof
    else
        ROLLPROOF_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/rollproof"
    fi
fi
export ROLLPROOF_CACHE
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROLLPROOF_CACHE/target}"
export ROLLPROOF_GUEST_TOOLCHAIN_DIR="${ROLLPROOF_GUEST_TOOLCHAIN_DIR:-$ROLLPROOF_CACHE/guest-toolchain}"
export OPENVM_RUST_TOOLCHAIN="${OPENVM_RUST_TOOLCHAIN:-rollproof-guest}"
ROLLPROOF_CIRCUITS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/crates/circuits"
export ROLLPROOF_CIRCUITS_DIR
# rustup and cargo live here on a machine set up by rustup's installer.
case ":$PATH:" in
    *":$HOME/.cargo/bin:"*) ;;
    *) [ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH" ;;
esac
# The guest toolchain's rustup wrapper (a pass-through except for openvm-build's rust-src query).
case ":$PATH:" in
    *":$ROLLPROOF_GUEST_TOOLCHAIN_DIR/bin:"*) ;;
    *) export PATH="$ROLLPROOF_GUEST_TOOLCHAIN_DIR/bin:$PATH" ;;
esac
# openvm-build writes guest build progress here (its default, /dev/tty, does not exist in CI).
export OPENVM_GUEST_LOGFILE="${OPENVM_GUEST_LOGFILE:-$CARGO_TARGET_DIR/openvm-guest-build.log}"
