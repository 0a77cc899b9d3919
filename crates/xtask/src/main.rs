//! `cargo xtask`: the project's build and test automation (see `docs/xtask.md`).
//!
//! Std only, so that `cargo xtask …` works on a fresh machine before anything else is installed.

mod bench;
mod dist;
mod fuzz;
mod report;
mod serve;
mod size;
mod toolchain;
mod wasm;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use std::{env, fs, thread};

use report::Report;

/// Errors are messages for a human: each says what failed and what to do about it.
type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--port N] [--csp] [--dist]
                     build the wasm package, then serve www/ at http://127.0.0.1:N/ (default 8000);
                     --csp adds the strict Content-Security-Policy header the CSP browser test uses;
                     --dist writes dist/ as `dist` does and serves it instead (.gz files as gzip_static)
  test               run every check and test (fmt, clippy, native, wasm, node, browser)
  dist               write dist/: the page, embed.html, beam-viz.js, the wasm package, scenarios and an
                     npm package.json, a folder a tutorial site copies as it is, with a Zopfli NAME.gz
                     beside each file a browser fetches
  size [--top N]     what the wasm module's bytes are: sections, code by module path, the largest functions
  bench              benchmarks of the model beside the same work on the real BEAM, with ratios
  fuzz [--inputs N] [--seed S] [--threads T]
                     fuzz the expression evaluator and scenario reader (default 10,000,000 inputs)
  fuzz replay erlang|elixir|scenario FILE
                     run one input and print its outcome
";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = repo_root();
    if let Err(e) = env::set_current_dir(&root) {
        eprintln!("error: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let res = match args.as_slice() {
        ["serve", rest @ ..] => serve_args(rest).and_then(|args| serve_cmd(&root, args)),
        ["test"] => return test_cmd(&root),
        ["fuzz", rest @ ..] => fuzz::fuzz(&root, rest),
        ["bench"] => bench::bench(&root),
        ["dist"] => dist_cmd(&root),
        ["size", rest @ ..] => size::size(&root, rest),
        [] | ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(format!("unknown arguments {args:?}\n\n{USAGE}")),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// The policy the page and the element must work under (tested by `tests/browser/csp.test.mjs`).
pub const CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'";

/// The `Content-Security-Policy` header with [`CSP`].
fn csp_header() -> Vec<(String, String)> {
    vec![("Content-Security-Policy".into(), CSP.into())]
}

/// `serve`'s options.
struct ServeArgs {
    port: u16,
    headers: Vec<(String, String)>,
    /// Serve `dist/` (written first) instead of `www/`.
    dist: bool,
}

/// Reads `serve`'s options.
fn serve_args(args: &[&str]) -> Result<ServeArgs> {
    let mut out = ServeArgs {
        port: 8000,
        headers: Vec::new(),
        dist: false,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "--port" => {
                let value = rest.next().copied().unwrap_or("");
                out.port = value
                    .parse()
                    .map_err(|_| format!("--port wants a number, got `{value}`"))?;
            }
            "--csp" => out.headers = csp_header(),
            "--dist" => out.dist = true,
            other => return Err(format!("unknown serve option `{other}`\n\n{USAGE}")),
        }
    }
    Ok(out)
}

/// `cargo xtask serve`: the wasm pipeline (and `dist/` with `--dist`), then a static server for `www/` or `dist/`.
fn serve_cmd(root: &Path, args: ServeArgs) -> Result {
    let start = Instant::now();
    let folder = if args.dist {
        dist_cmd(root)?;
        "dist"
    } else {
        let toolchain = toolchain::wasm_toolchain(root)?;
        let tools_bin = toolchain::wasm_bindgen_cli(root)?;
        toolchain::npm_packages(root)?;
        wasm::package(root, &toolchain, &tools_bin)?;
        "www"
    };
    let port = args.port;
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e} (try --port N)"))?;
    println!(
        "serving {folder}/ at http://127.0.0.1:{port}/ (ready after {}; Ctrl-C stops)",
        secs(start.elapsed())
    );
    serve::serve(root.join(folder), listener, args.headers);
    Ok(())
}

/// `cargo xtask dist`: the wasm pipeline, then `dist/`.
fn dist_cmd(root: &Path) -> Result {
    let toolchain = toolchain::wasm_toolchain(root)?;
    let tools_bin = toolchain::wasm_bindgen_cli(root)?;
    toolchain::npm_packages(root)?;
    let _module = wasm::package(root, &toolchain, &tools_bin)?;
    let n = dist::write(root)?;
    println!("wrote dist/: {n} files");
    Ok(())
}

/// `cargo xtask test`: every step runs even after a failure, so the summary is complete.
fn test_cmd(root: &Path) -> ExitCode {
    let mut report = Report::default();
    let mut toolchain = None;
    let mut tools_bin = None;
    report.check("setup: wasm toolchain", || {
        toolchain = Some(toolchain::wasm_toolchain(root)?);
        Ok(())
    });
    report.check("setup: wasm-bindgen-cli", || {
        tools_bin = Some(toolchain::wasm_bindgen_cli(root)?);
        Ok(())
    });
    report.check("setup: npm packages", || toolchain::npm_packages(root));
    report.check("setup: chromium", toolchain::chromium);
    report.check("setup: erlang (oracle tests)", toolchain::erlang);
    let toolchain = toolchain.ok_or(String::from("needs the wasm toolchain (its setup failed)"));
    let tools_bin = tools_bin.ok_or(String::from("needs wasm-bindgen-cli (its setup failed)"));

    report.check("cargo fmt --check", || {
        run(Command::new("cargo").args(["fmt", "--all", "--check"]))
    });
    report.check("cargo clippy", || {
        run(Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    report.tests("cargo test (native)", || {
        let mut cmd = Command::new("cargo");
        cmd.args(["test", "--workspace"]);
        Ok(cmd)
    });
    report.check("core crate for wasm32 (no_std)", || {
        wasm::core_crate(toolchain.as_ref()?)
    });
    report.check("wasm package", || {
        let (toolchain, tools_bin) = (toolchain.as_ref()?, tools_bin.as_ref()?);
        let module = wasm::package(root, toolchain, tools_bin)?;
        wasm::node_package(root, &module, tools_bin)
    });
    report.check("dist/", || dist::write(root).map(|_| ()));
    report.tests("wasm-bindgen tests (node)", || {
        Ok(wasm::bindgen_tests(
            toolchain.as_ref()?,
            tools_bin.as_ref()?,
        ))
    });

    let unit_tests = test_files(&root.join("www/js"));
    if unit_tests.is_empty() {
        report.skip("JS unit tests", "no www/js/*.test.mjs yet");
    } else {
        report.tests("JS unit tests", || Ok(node_test(&unit_tests)));
    }
    let browser_tests = test_files(&root.join("tests/browser"));
    if browser_tests.is_empty() {
        report.skip("browser tests", "no tests/browser/*.test.mjs");
    } else {
        report.tests("browser tests", || {
            let addr = serve::spawn(root.join("www"), Vec::new())
                .map_err(|e| format!("cannot start the static server: {e}"))?;
            let csp_addr = serve::spawn(root.join("www"), csp_header())
                .map_err(|e| format!("cannot start the static server: {e}"))?;
            let mut cmd = node_test(&browser_tests);
            cmd.env("BEAMVIZ_URL", format!("http://{addr}/"));
            cmd.env("BEAMVIZ_CSP_URL", format!("http://{csp_addr}/"));
            // dist/ is served under the same policy: a tutorial site may well have one.
            let dist_addr = serve::spawn(root.join("dist"), csp_header())
                .map_err(|e| format!("cannot start the static server: {e}"))?;
            cmd.env("BEAMVIZ_DIST_URL", format!("http://{dist_addr}/"));
            // The shipped-bytes test holds each build to its own ceiling: without Debian's std sources the module
            // keeps its panic messages and std's fast sorts (see `wasm::shipped_build`).
            cmd.env(
                "BEAMVIZ_WASM_SMALL_BUILD",
                if wasm::small_build() { "1" } else { "0" },
            );
            Ok(cmd)
        });
    }
    if report.finish() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `node --test` with the TAP reporter, whose `# pass N` / `# fail N` lines the report counts.
fn node_test(files: &[PathBuf]) -> Command {
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=tap"]).args(files);
    cmd
}

/// The `*.test.mjs` files directly inside `dir`, sorted; none if `dir` doesn't exist.
fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    files
}

/// The workspace root; the xtask crate lives at `crates/xtask`.
fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .expect("crates/xtask has two parents")
        .to_path_buf()
}

/// Runs `cmd` to completion with no stdin (CI has none: nothing may prompt), echoing it first.
fn run(cmd: &mut Command) -> Result {
    println!("    $ {}", show(cmd));
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", show(cmd)))?;
    check_status(cmd, status)
}

fn check_status(cmd: &Command, status: ExitStatus) -> Result {
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", show(cmd)))
    }
}

/// Like [`run`], but kills the command after `limit` and returns whether it succeeded in time.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> bool {
    println!("    $ {}  (time limit {})", show(cmd), secs(limit));
    let Ok(mut child) = cmd.stdin(Stdio::null()).spawn() else {
        return false;
    };
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(100)),
            _ => {
                println!("    (killed after {})", secs(limit));
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// A command as a shell line, with the environment variables it sets in front.
fn show(cmd: &Command) -> String {
    let envs = cmd
        .get_envs()
        .filter(|(key, _)| *key != "PATH")
        .map(|(key, value)| {
            format!(
                "{}={}",
                key.to_string_lossy(),
                value.unwrap_or_default().to_string_lossy()
            )
        });
    let words = [cmd.get_program()]
        .into_iter()
        .chain(cmd.get_args())
        .map(|word| word.to_string_lossy().into_owned());
    envs.chain(words).collect::<Vec<_>>().join(" ")
}

fn secs(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}
