//! `include/libzkp.h` is what cbindgen generates from `src/ffi.rs` now, and it compiles as C
//! and C++. Regenerate it with `LIBZKP_UPDATE_HEADER=1 cargo test -p rollproof-libzkp-c
//! --test header`.

use std::{path::Path, process::Command};

const CRATE_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn generate() -> String {
    let dir = Path::new(CRATE_DIR);
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/ffi.rs"))
        .generate()
        .expect("cbindgen parses src/ffi.rs");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn the_committed_header_is_up_to_date() {
    let path = Path::new(CRATE_DIR).join("include/libzkp.h");
    let generated = generate();
    if std::env::var_os("LIBZKP_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at the end".to_string(),
                |line| format!("at line {}", line + 1),
            );
        panic!(
            "{} differs from cbindgen's output ({first_difference}); regenerate it with \
             LIBZKP_UPDATE_HEADER=1 cargo test -p rollproof-libzkp-c --test header",
            path.display()
        );
    }
    for name in [
        "init_tracing",
        "init_verifier",
        "verify_chunk_proof",
        "verify_batch_proof",
        "verify_bundle_proof",
        "gen_universal_task",
        "release_task_result",
        "gen_wrapped_proof",
        "last_error",
        "release_string",
        "expected_pi_hash[32]",
    ] {
        assert!(committed.contains(name), "the header lacks {name}");
    }
}

#[test]
fn the_header_compiles_as_c_and_cpp() {
    let include = Path::new(CRATE_DIR).join("include");
    let source = "#include \"libzkp.h\"\nint main(void) { return 0; }\n";
    for (compiler, language, standard) in [("gcc", "c", "-std=c99"), ("g++", "c++", "-std=c++11")] {
        let scratch =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("header-check.{language}"));
        std::fs::write(&scratch, source).unwrap();
        let output = Command::new(compiler)
            .args([
                "-fsyntax-only",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                standard,
                "-x",
                language,
            ])
            .arg("-I")
            .arg(&include)
            .arg(&scratch)
            .output()
            .unwrap_or_else(|e| panic!("running {compiler}: {e}"));
        assert!(
            output.status.success(),
            "{compiler}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
