//! The wasm pipeline: `cargo build` → `wasm-bindgen` → `wasm-opt`.
//!
//! Each step after cargo is skipped when its outputs are newer than its inputs (cargo checks itself),
//! so a second `cargo xtask serve` with nothing changed is ready in seconds.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;
use std::{env, fs};

use crate::toolchain::{self, WasmToolchain, WASM_TARGET};
use crate::{check_status, run, show, Result};

const CRATE: &str = "beamviz-wasm";
/// The crate name as it appears in file names.
const STEM: &str = "beamviz_wasm";
const PROFILE: &str = "wasm-release";
/// A wasm32 target whose sysroot has only `core` and `alloc`.
const NO_STD_TARGET: &str = "wasm32v1-none";

/// Builds `www/pkg/` for the browser: the bindings crate, its JS glue, and a size-optimized module.
/// Returns the unoptimized module cargo built.
pub fn package(root: &Path, toolchain: &WasmToolchain, tools_bin: &Path) -> Result<PathBuf> {
    let module = target_dir(root)
        .join(WASM_TARGET)
        .join(PROFILE)
        .join(format!("{STEM}.wasm"));
    run(&mut shipped_build(toolchain))?;

    let pkg = root.join("www/pkg");
    let glue = pkg.join(format!("{STEM}.js"));
    let optimized = pkg.join(format!("{STEM}_bg.wasm"));
    let wasm_bindgen = tools_bin.join("wasm-bindgen");
    if fresh(&[&glue, &optimized], &[&module, &wasm_bindgen]) {
        println!("wasm-bindgen: www/pkg/ is up to date");
    } else {
        run(Command::new(&wasm_bindgen)
            .args(["--target", "web", "--out-dir"])
            .arg(&pkg)
            .arg(&module))?;
    }

    // npm's binaryen, never Debian's /usr/bin/wasm-opt (108), which corrupts wasm-bindgen's externref table.
    let wasm_opt = root.join("node_modules/.bin/wasm-opt");
    let stamp = root.join("target/xtask/wasm-opt.stamp");
    if fresh(&[&stamp], &[&optimized, &wasm_opt]) {
        println!(
            "wasm-opt: up to date, {} is {} bytes",
            optimized.display(),
            size(&optimized)
        );
    } else {
        optimize(&wasm_opt, &optimized, &stamp)?;
    }
    Ok(module)
}

/// Where Debian's `rust-web-src` puts the std sources that `-Z build-std` compiles.
const DEBIAN_STD_SOURCES: &str = "/usr/lib/rustlib/src/rust/library/std";

/// Whether the shipped module is the small build (Debian's std sources are installed).
pub fn small_build() -> bool {
    Path::new(DEBIAN_STD_SOURCES).is_dir()
}

/// The build of the shipped module. Its panics are bare traps: `panic=immediate-abort` drops every panic message,
/// location and the formatting they pull in, and the default `console_error_panic_hook` feature is off (it would
/// have no message to show). When it was introduced, that took the module after wasm-opt from 212.8 to 189.6 KB
/// gzipped. A model panic then shows as `RuntimeError: unreachable`; debug it natively (`beamviz run`), where panics
/// keep their messages. Immediate-abort and the other `-Z` options below need `-Z build-std`, so this uses Debian's
/// `rustc-web` whenever its std sources are installed, whichever toolchain builds the rest.
fn shipped_build(toolchain: &WasmToolchain) -> Command {
    if !small_build() {
        crate::toolchain::debian_std_sources();
    }
    let mut cmd = if small_build() {
        let mut cmd = WasmToolchain::Debian.cargo("build", "std,panic_abort");
        // `optimize_for_size` picks std's small variants where it has them (a merge sort instead of driftsort, a
        // heapsort instead of ipnsort: 14 KB of sort monomorphizations became 2 KB); same results, still n log n.
        // `location-detail=none` drops the source paths and line numbers `#[track_caller]` still passes around,
        // which no message shows once panics abort. Together 7.1 KB gzipped.
        let mut rustflags = env::var("RUSTFLAGS").unwrap_or_default();
        rustflags.push_str(" -Zlocation-detail=none");
        cmd.arg("-Zpanic-immediate-abort")
            .arg("-Zbuild-std-features=optimize_for_size")
            .env("RUSTFLAGS", rustflags.trim_start())
            .env("CARGO_PROFILE_WASM_RELEASE_PANIC", "immediate-abort");
        cmd
    } else {
        println!(
            "note: no {DEBIAN_STD_SOURCES} (Debian's rust-web-src), so the module keeps its panic messages \
             and std's fast sorts: about 22 KB gzipped larger, over the ceiling of tests/browser/lifecycle.test.mjs"
        );
        toolchain.cargo("build", "std,panic_abort")
    };
    cmd.args(["-p", CRATE, "--profile", PROFILE, "--no-default-features"]);
    cmd
}

/// wasm-opt's flags besides the optimization level (see `optimize`); `cargo xtask size` uses them too.
pub const OPT_FLAGS: [&str; 3] = ["--converge", "--low-memory-unused", "--strip-producers"];

/// The optimization passes of each candidate `optimize` tries, side by side. The second one runs `-Oz`, then
/// restructures the code (`--flatten` turns it into one operation per local, `--rereloop` rebuilds its control flow)
/// and runs `-Oz` again: 2.1 KB gzipped smaller than `-Oz` alone (176,931 against 179,003 B when it came in), for
/// about 28 s more of one core. `-Os` had stopped winning long before; it gave its place to this one.
const CANDIDATES: [(&str, &[&str]); 2] = [
    ("-Oz", &["-Oz"]),
    (
        "-Oz, --flatten --rereloop, -Oz",
        &["-Oz", "--converge", "--flatten", "--rereloop", "-Oz"],
    ),
];

/// Runs wasm-opt once per entry of `CANDIDATES`, side by side, and keeps the smallest result (which one wins depends
/// on the code).
fn optimize(wasm_opt: &Path, wasm: &Path, stamp: &Path) -> Result {
    let scratch = stamp.parent().expect("stamp has a parent");
    fs::create_dir_all(scratch).map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let mut candidates = Vec::new();
    for (n, (level, passes)) in CANDIDATES.iter().enumerate() {
        let out = scratch.join(format!("{STEM}-{n}.wasm"));
        let mut cmd = Command::new(wasm_opt);
        // `--converge` repeats the passes while they still shrink the module (about 0.6 KB gzipped more).
        // The producers section is for tools, not browsers. The target-features section stays: a second run (after
        // an update of binaryen) reads this output again, and needs it to validate. `--low-memory-unused` lets it fold added constants into load and store
        // offsets (1.8 KB gzipped): true here, as rust-lld puts the 1 MiB stack first and the data above it, so only
        // a stack within 1 KiB of overflowing would touch the low 1 KiB.
        cmd.args(*passes)
            .args(OPT_FLAGS)
            .arg(wasm)
            .arg("-o")
            .arg(&out);
        println!("    $ {}", show(&cmd));
        let child = cmd
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", wasm_opt.display()))?;
        candidates.push((level, out, cmd, child));
    }
    let mut sizes = Vec::new();
    for (level, out, cmd, mut child) in candidates {
        let status = child.wait().map_err(|e| e.to_string())?;
        check_status(&cmd, status)?;
        sizes.push((size(&out), level, out));
    }
    sizes.sort_by_key(|(bytes, _, _)| *bytes); // Stable: -Oz wins a tie.
    let report: Vec<String> = sizes
        .iter()
        .map(|(bytes, level, _)| format!("{level} {bytes} B"))
        .collect();
    let (_, best, out) = &sizes[0];
    println!(
        "wasm-opt: {} B before, {}; keeping {best}",
        size(wasm),
        report.join(", ")
    );
    fs::copy(out, wasm).map_err(|e| format!("cannot write {}: {e}", wasm.display()))?;
    fs::write(stamp, best).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Builds `target/pkg-node/` from the module `package` built: the same bindings as CommonJS for
/// `node --test`. Its own `package.json` keeps it CommonJS whatever a package.json above says.
pub fn node_package(root: &Path, module: &Path, tools_bin: &Path) -> Result {
    let out = root.join("target/pkg-node");
    let wasm_bindgen = tools_bin.join("wasm-bindgen");
    if fresh(
        &[&out.join(format!("{STEM}.js")), &out.join("package.json")],
        &[module, &wasm_bindgen],
    ) {
        println!("wasm-bindgen: target/pkg-node/ is up to date");
        return Ok(());
    }
    run(Command::new(&wasm_bindgen)
        .args(["--target", "nodejs", "--out-dir"])
        .arg(&out)
        .arg(module))?;
    fs::write(out.join("package.json"), "{\"type\":\"commonjs\"}\n")
        .map_err(|e| format!("cannot write package.json: {e}"))
}

/// Builds the core crate for a wasm32 target that has no std, which proves the core is `no_std`:
/// on the Debian path against `core` and `alloc` only (`-Z build-std`), with rustup for `wasm32v1-none`.
pub fn core_crate(toolchain: &WasmToolchain) -> Result {
    match toolchain {
        WasmToolchain::Debian => run(toolchain
            .cargo("build", "core,alloc")
            .args(["-p", "beamviz"])),
        WasmToolchain::Rustup if toolchain::rustup_target(NO_STD_TARGET) => {
            run(Command::new("cargo").args(["build", "-p", "beamviz", "--target", NO_STD_TARGET]))
        }
        WasmToolchain::Rustup => {
            println!("note: no {NO_STD_TARGET}, so this shows the core builds for wasm32, not that it is no_std");
            run(toolchain.cargo("build", "").args(["-p", "beamviz"]))
        }
    }
}

/// `wasm_bindgen_test`s of the bindings crate, run under node by `wasm-bindgen-test-runner`
/// (the runner `.cargo/config.toml` names, found on `PATH`).
pub fn bindgen_tests(toolchain: &WasmToolchain, tools_bin: &Path) -> Command {
    let path = env::var_os("PATH").unwrap_or_default();
    let path = env::join_paths(
        [tools_bin.to_path_buf()]
            .into_iter()
            .chain(env::split_paths(&path)),
    );
    let mut cmd = toolchain.cargo("test", "std,panic_abort");
    cmd.args(["-p", CRATE])
        .env("PATH", path.expect("PATH entries contain no separator"));
    cmd
}

/// Whether every output exists and none is older than any input (a missing input counts as changed).
pub fn fresh(outputs: &[&Path], inputs: &[&Path]) -> bool {
    let mtime = |path: &Path| fs::metadata(path).and_then(|meta| meta.modified()).ok();
    let oldest_output = outputs.iter().map(|path| mtime(path)).min().flatten();
    let newest_input = inputs
        .iter()
        .map(|path| mtime(path).unwrap_or_else(SystemTime::now))
        .max();
    match (oldest_output, newest_input) {
        (Some(output), Some(input)) => input <= output,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn size(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |meta| meta.len())
}

/// Where cargo puts its output: `$CARGO_TARGET_DIR` if set, else `target/`.
fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |dir| root.join(dir))
}
