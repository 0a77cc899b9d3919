//! Finding, and installing when missing, everything the build and tests need.
//!
//! Each function prints the path it took, so a CI log shows what was found and what was installed.
//! Installs are Debian packages (`apt-get`), `cargo install` into `.tools/`, and `npm ci` into `node_modules/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use std::{env, fs};

use crate::{run, run_with_timeout, Result};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Debian's Rust built for wasm, with its std sources (for `-Z build-std`) and linker.
/// `rust-web-llvm` links `/usr/bin/rust-lld` to `lld-22` without depending on it.
const DEBIAN_RUST: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "rust-web-llvm",
    "lld-22",
];

/// `rustup target add` can hang on a network that blocks it: give up after this long.
const RUSTUP_LIMIT: Duration = Duration::from_secs(30);

/// Written when `rustup target add` failed, so later runs don't wait for it again.
const RUSTUP_FAILED_MARKER: &str = "target/xtask/rustup-target-add-failed";

/// Which compiler builds for wasm32.
pub enum WasmToolchain {
    /// rustup's own toolchain with its prebuilt wasm32 std.
    Rustup,
    /// Debian's `rustc-web` (selected with `RUSTUP_TOOLCHAIN=/usr`), which builds std from source.
    Debian,
}

impl WasmToolchain {
    /// `cargo <subcommand> --target wasm32-unknown-unknown` for this toolchain.
    /// On the Debian path, `std_crates` is what `-Z build-std` compiles (`std,panic_abort` or `core,alloc`).
    ///
    /// `cargo` is spawned by name, not through `$CARGO` (which points straight at rustup's stable cargo),
    /// so that rustup's proxy honours `RUSTUP_TOOLCHAIN=/usr`.
    pub fn cargo(&self, subcommand: &str, std_crates: &str) -> Command {
        let mut cmd = Command::new("cargo");
        cmd.args([subcommand, "--target", WASM_TARGET]);
        if let WasmToolchain::Debian = self {
            // Only on this command line: `build-std` in .cargo/config.toml would break native builds.
            cmd.env("RUSTUP_TOOLCHAIN", "/usr")
                .env("RUSTC_BOOTSTRAP", "1");
            cmd.arg(format!("-Zbuild-std={std_crates}"));
        }
        cmd
    }
}

/// Picks the wasm32 toolchain: rustup's target if installed, else `rustup target add`, else Debian's `rustc-web`.
/// `BEAMVIZ_WASM_TOOLCHAIN=rustup|debian` skips the detection.
pub fn wasm_toolchain(root: &Path) -> Result<WasmToolchain> {
    let forced = env::var("BEAMVIZ_WASM_TOOLCHAIN").unwrap_or_default();
    let has_rustup = which("rustup").is_some();
    match forced.as_str() {
        "rustup" => return Ok(say_rustup("forced by BEAMVIZ_WASM_TOOLCHAIN")),
        "debian" => return debian_rust("forced by BEAMVIZ_WASM_TOOLCHAIN"),
        "" => {}
        _ => {
            return Err(format!(
                "BEAMVIZ_WASM_TOOLCHAIN must be `rustup` or `debian`, not `{forced}`"
            ))
        }
    }
    if has_rustup && rustup_has_target(WASM_TARGET) {
        return Ok(say_rustup("target installed"));
    }
    let marker = root.join(RUSTUP_FAILED_MARKER);
    if !has_rustup {
        println!("wasm toolchain: no rustup here");
    } else if marker.exists() {
        println!("wasm toolchain: not retrying `rustup target add` (it failed before; delete {RUSTUP_FAILED_MARKER} to retry)");
    } else if rustup_target(WASM_TARGET) {
        return Ok(say_rustup("target just added"));
    } else {
        let _ = fs::create_dir_all(marker.parent().expect("marker has a parent"));
        let _ = fs::write(&marker, "rustup target add wasm32-unknown-unknown failed\n");
    }
    debian_rust("rustup cannot provide wasm32")
}

fn say_rustup(why: &str) -> WasmToolchain {
    println!("wasm toolchain: rustup's {WASM_TARGET} ({why})");
    WasmToolchain::Rustup
}

/// Installs Debian's wasm-capable Rust (with its std sources) for the shipped module's small build, where this is
/// Debian: rustup's prebuilt wasm32 std cannot be rebuilt with `-Z build-std`, and without it the module keeps its
/// panic messages and std's fast sorts (22 KB gzipped more). Elsewhere, or when the install fails, says so and goes on.
pub fn debian_std_sources() {
    if which("apt-get").is_none() {
        return;
    }
    if let Err(e) = debian_packages("Debian's std sources for the small wasm build", DEBIAN_RUST) {
        println!("note: {e}");
    }
}

fn debian_rust(why: &str) -> Result<WasmToolchain> {
    debian_packages("Debian's wasm-capable Rust", DEBIAN_RUST)?;
    println!("wasm toolchain: Debian rustc-web with -Z build-std ({why})");
    Ok(WasmToolchain::Debian)
}

/// Whether rustup has `target`, adding it if not.
pub fn rustup_target(target: &str) -> bool {
    let add = || {
        run_with_timeout(
            Command::new("rustup").args(["target", "add", target]),
            RUSTUP_LIMIT,
        )
    };
    which("rustup").is_some() && (rustup_has_target(target) || add())
}

fn rustup_has_target(target: &str) -> bool {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    out.is_ok_and(|out| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|line| line.trim() == target)
    })
}

/// Installs wasm-bindgen-cli into `.tools/` unless it is there in the version Cargo.lock pins;
/// returns `.tools/bin`. The CLI and the `wasm-bindgen` crate must be the same version exactly.
pub fn wasm_bindgen_cli(root: &Path) -> Result<PathBuf> {
    let lock = fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let version =
        locked_version(&lock, "wasm-bindgen").ok_or("Cargo.lock has no `wasm-bindgen` package")?;
    let tools = root.join(".tools");
    let bin = tools.join("bin");
    let installed = Command::new(bin.join("wasm-bindgen"))
        .arg("--version")
        .output();
    let installed = installed
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    if installed == format!("wasm-bindgen {version}")
        && bin.join("wasm-bindgen-test-runner").exists()
    {
        println!("wasm-bindgen-cli {version}: in .tools/bin");
        return Ok(bin);
    }
    println!("wasm-bindgen-cli {version}: installing into .tools/ (about 150 s)");
    // Not `--locked`: the CLI's own lockfile pins a webpki-roots release the registry here doesn't serve.
    run(Command::new("cargo")
        .args([
            "install",
            "wasm-bindgen-cli",
            "--force",
            "--version",
            &version,
            "--root",
        ])
        .arg(&tools))?;
    Ok(bin)
}

/// The version of package `name` in a Cargo.lock (the first one, if several are locked).
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    lock.split("[[package]]").find_map(|package| {
        let mut lines = package.lines().map(str::trim);
        if !lines.any(|line| line == wanted) {
            return None;
        }
        let version = lines.find_map(|line| line.strip_prefix("version = "))?;
        Some(version.trim_matches('"').to_owned())
    })
}

/// `npm ci` unless `node_modules/` is newer than the lockfile: binaryen's wasm-opt and playwright-core.
pub fn npm_packages(root: &Path) -> Result {
    if which("npm").is_none() {
        debian_packages("Node.js", &["nodejs", "npm"])?;
    }
    let installed = root.join("node_modules/.package-lock.json");
    if crate::wasm::fresh(
        &[&installed],
        &[&root.join("package-lock.json"), &root.join("package.json")],
    ) {
        println!("npm packages: node_modules/ is up to date");
        return Ok(());
    }
    println!("npm packages: installing from package-lock.json");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(root))
}

/// Debian's Chromium and its WebDriver, for the browser tests.
pub fn chromium() -> Result {
    debian_packages(
        "Chromium for browser tests",
        &["chromium", "chromium-driver"],
    )
}

/// A real BEAM for the oracle tests, which run `tests/oracle/*.escript`.
pub fn erlang() -> Result {
    // The export test runs Elixir scripts too, so both must be there.
    if let (Some(escript), Some(_)) = (which("escript"), which("elixir")) {
        println!("erlang: {}", escript.display());
        return Ok(());
    }
    debian_packages(
        "Erlang/OTP and Elixir for oracle tests",
        &["erlang-base", "erlang-nox", "elixir"],
    )
}

/// Installs whichever of `packages` are missing with `apt-get` (as root, else through `sudo -n`).
fn debian_packages(what: &str, packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| !dpkg_installed(package))
        .collect();
    if missing.is_empty() {
        println!("{what}: installed ({})", packages.join(" "));
        return Ok(());
    }
    let missing = missing.join(" ");
    if which("apt-get").is_none() {
        return Err(format!(
            "{what} is missing and this is not Debian: install the equivalent of `{missing}`"
        ));
    }
    println!("{what}: installing {missing}");
    static UPDATED: AtomicBool = AtomicBool::new(false);
    if !UPDATED.swap(true, Ordering::SeqCst) {
        run(apt_get()?.arg("update"))?;
    }
    // --no-upgrade: only what is missing is installed; nothing already there changes.
    run(apt_get()?
        .args(["install", "-y", "--no-upgrade"])
        .args(missing.split(' ')))
}

/// `apt-get`, non-interactive, waiting for the dpkg lock if someone else holds it.
fn apt_get() -> Result<Command> {
    let mut cmd = if is_root() {
        let mut apt_get = Command::new("apt-get");
        apt_get.env("DEBIAN_FRONTEND", "noninteractive");
        apt_get
    } else if which("sudo").is_some() {
        // -n: fail instead of asking for a password. `env`, because sudo resets the environment.
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        sudo
    } else {
        return Err(
            "installing Debian packages needs root, or sudo: run as root or install them yourself"
                .into(),
        );
    };
    cmd.args(["-o", "DPkg::Lock::Timeout=300"]);
    Ok(cmd)
}

fn dpkg_installed(package: &str) -> bool {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", package])
        .output();
    out.is_ok_and(|out| out.stdout == b"installed")
}

fn is_root() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|line| line.strip_prefix("Uid:"));
    uid.and_then(|ids| ids.split_whitespace().next()) == Some("0")
}

/// The first executable called `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|file| file.is_file())
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn reads_the_locked_version() {
        let lock = "version = 4\n\n[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"0.2.1\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"registry+x\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "serde"), None);
    }
}
