//! `cargo xtask dist`: a self-contained folder a tutorial site copies as it is, which is also an npm package.
//!
//! `dist/` holds the page (`index.html`, `style.css`), the embedding page (`embed.html`, `embed.css`), the element's
//! modules (`js/`, without tests), the wasm package (`pkg/`), the built-in scenarios (`scenarios/`), an example
//! tutorial page with three widgets (`examples/`), and
//! `beam-viz.js`, the one module an embedding page loads: it defines `<beam-viz>` and exports its class.
//! Every import is relative, so the folder works under any path of any origin, with no network beyond its own files.
//! `package.json` takes its version from the workspace and lists the files and entry points.
//!
//! The JavaScript and CSS ship minified (esbuild, an npm devDependency): `www/` stays the readable source that
//! `cargo xtask serve` serves, and `dist/` is what a browser downloads, held to issue 6's budget by
//! `tests/browser/lifecycle.test.mjs`. Each file a browser fetches also ships as `NAME.gz`, made by Zopfli
//! ([`precompress`]), for servers that send precompressed files (the README it writes says how to set them up).

use crate::{run, Result};
use std::fs;
use std::io::Write;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The files of `www/` that are copied as they are (directories whole, minus tests); `js/` is bundled instead.
const SHIPPED: &[&str] = &[
    "index.html",
    "style.css",
    "embed.html",
    "embed.css",
    "favicon.svg",
    "pkg",
    "scenarios",
    "examples",
];

/// The modules of `www/js/` that pages load by URL: the page's `<script>` (`main.js`), and the embedding pages' and
/// the package's entry points (`beam-viz-define.js`, `beam-viz.js`). The workers' modules are found in the sources
/// (`worker_modules`). esbuild bundles each entry with what it imports, putting code that several share into
/// `js/chunk-HASH.js` beside them, so every relative URL (`../pkg/`, `../scenarios/`, a worker's file) still resolves
/// from `js/`. A module loaded by URL but not an entry fails `tests/browser/dist.test.mjs`, which resolves every
/// import and `new URL(…, import.meta.url)` of the shipped modules.
const PAGE_ENTRIES: &[&str] = &["main.js", "beam-viz-define.js", "beam-viz.js"];

/// The licence line each minified file keeps (esbuild drops the sources' comments).
const BANNER: &str = "// SPDX-License-Identifier: MIT OR Apache-2.0";

/// Writes `dist/` from `www/` (whose `pkg/` must be built) and returns the number of files written.
pub fn write(root: &Path) -> Result<usize> {
    let www = root.join("www");
    let dist = root.join("dist");
    if !www.join("pkg/beamviz_wasm_bg.wasm").is_file() {
        return Err("www/pkg has no wasm module: build it first (`cargo xtask dist` does)".into());
    }
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("cannot remove {}: {e}", dist.display()))?;
    }
    let mut files = Vec::new();
    for name in SHIPPED {
        copy(&www.join(name), &dist.join(name), &mut files)?;
    }
    let esbuild = root.join("node_modules/.bin/esbuild");
    if !esbuild.is_file() {
        return Err(format!(
            "{} is missing: run `npm ci` (cargo xtask dist does)",
            esbuild.display()
        ));
    }
    bundle(&esbuild, &www.join("js"), &dist.join("js"), &mut files)?;
    // The wasm-bindgen glue and the style sheets, minified in place.
    for name in [
        "pkg/beamviz_wasm.js",
        "style.css",
        "embed.css",
        "examples/tutorial.css",
    ] {
        minify(&esbuild, &dist.join(name))?;
    }
    // The entry point: one module that defines the element and exports its class.
    write_file(
        &dist.join("beam-viz.js"),
        "// SPDX-License-Identifier: MIT OR Apache-2.0\n\
         // The one module an embedding page loads: it defines <beam-viz> and exports its class.\n\
         import './js/beam-viz-define.js';\n\
         export { BeamViz } from './js/beam-viz.js';\n",
        &mut files,
    )?;
    // embed.html loads the widget the way an embedding page does: through the entry point.
    let embed =
        fs::read_to_string(www.join("embed.html")).map_err(|e| format!("www/embed.html: {e}"))?;
    if !embed.contains("js/beam-viz-define.js") {
        return Err("www/embed.html no longer loads js/beam-viz-define.js; update dist.rs".into());
    }
    fs::write(
        dist.join("embed.html"),
        embed.replace("js/beam-viz-define.js", "beam-viz.js"),
    )
    .map_err(|e| format!("dist/embed.html: {e}"))?;
    write_file(&dist.join("README.md"), README, &mut files)?;
    let gz = precompress(&dist, ITERATIONS)?;
    println!(
        "precompressed {} files of dist/ with Zopfli ({ITERATIONS} iterations) in {:.1} s: {} B -> {} B{}",
        gz.written,
        gz.elapsed.as_secs_f64(),
        gz.raw,
        gz.compressed,
        if gz.skipped.is_empty() {
            String::new()
        } else {
            format!(" (no .gz for {}: not smaller)", gz.skipped.join(", "))
        }
    );
    // The package ships the .gz files too (a site that serves node_modules/beam-viz/ as it is gets them); those of
    // the folders are in with their folder, those at the top are listed one by one.
    let mut top_gz: Vec<String> = fs::read_dir(&dist)
        .map_err(|e| format!("{}: {e}", dist.display()))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".gz"))
        .collect();
    top_gz.sort();
    let version = workspace_version(root)?;
    write_file(
        &dist.join("package.json"),
        &package_json(&version, &top_gz),
        &mut files,
    )?;
    Ok(files.len() + gz.written)
}

const README: &str = r#"# beam-viz

A word-exact model of BEAM process memory (Erlang/OTP 25, 64-bit) as a custom element.

```html
<script type="module" src="beam-viz.js"></script>
<beam-viz scenario="process-lifecycle"></beam-viz>
```

Copy this folder as it is: every import is relative, and the widget fetches nothing but its own files.
It works under `Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'`.
`index.html` is the full page, `embed.html` a page that embeds one widget, and `examples/binary-leaks.html` a
tutorial that embeds three (one with its scenario written inside the element).

## Serving it compressed

Beside each file a browser fetches (`.html`, `.js`, `.css`, `.svg`, `.wasm`, `.scn`) is `NAME.gz`: the same bytes
gzipped once with Zopfli, about 5 % smaller than gzip at level 9 (there is none where it would not be smaller).
Have your server send them to browsers that accept gzip, with `Content-Encoding: gzip`, the original file's
`Content-Type` (`application/wasm` for the module: browsers compile it while it downloads only with that type) and
`Vary: Accept-Encoding`:

- nginx: `gzip_static on;` in the `location` that serves this folder (`ngx_http_gzip_static_module`, in most builds).
- Caddy: `precompressed gzip` in the `file_server` block:
  ```
  file_server {
      precompressed gzip
  }
  ```
- Apache: the "serving pre-compressed content" recipe of the `mod_deflate` documentation (`mod_rewrite` to
  `NAME.gz` when the request accepts gzip and that file exists, then `Content-Encoding: gzip` and the original
  type), with the extensions above.
- Other servers and static hosts: look for "precompressed" or "gzip static" in their documentation.

Without it the `.gz` files are simply never sent, and your server's own compression applies, if it has any (usually
gzip on the fly at a lower level; check that it covers `application/wasm`, the module being most of the bytes).
"#;

/// `package.json` for `version`, whose `files` also list `top_gz`, the `.gz` files at the top of the folder.
fn package_json(version: &str, top_gz: &[String]) -> String {
    let gz: String = top_gz
        .iter()
        .map(|name| format!(",\n    \"{name}\""))
        .collect();
    format!(
        r#"{{
  "name": "beam-viz",
  "version": "{version}",
  "description": "See how the BEAM manages memory, word by word: a <beam-viz> custom element backed by a WebAssembly model of Erlang/OTP 25 process memory.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "./beam-viz.js",
  "module": "./beam-viz.js",
  "exports": {{
    ".": "./beam-viz.js",
    "./define": "./js/beam-viz-define.js",
    "./element": "./js/beam-viz.js",
    "./pkg/*": "./pkg/*",
    "./scenarios/*": "./scenarios/*",
    "./embed.html": "./embed.html",
    "./package.json": "./package.json"
  }},
  "files": [
    "beam-viz.js",
    "index.html",
    "style.css",
    "embed.html",
    "embed.css",
    "favicon.svg",
    "js/",
    "pkg/",
    "scenarios/",
    "examples/",
    "README.md"{gz}
  ],
  "sideEffects": [
    "./beam-viz.js",
    "./js/beam-viz-define.js"
  ],
  "keywords": ["erlang", "elixir", "beam", "garbage-collection", "visualization", "web-component", "wasm"]
}}
"#
    )
}

/// The files a browser fetches from `dist/`, by extension: pages, modules, style sheets, the icon, the wasm module
/// and the scenario texts. Not `README.md`, `package.json` or the `.d.ts` files, which no page fetches.
const FETCHED: &[&str] = &["html", "js", "css", "svg", "wasm", "scn"];

/// Zopfli's iterations per block, its default. Measured on the 444,435 B wasm module (gzip -9: 178,220 B) on a busy
/// 2-core machine: 5 iterations gave 170,223 B in 2.8 s, 15 gave 170,199 B in 3.1 s, 30 170,190 B in 5.2 s, 100
/// 170,165 B in 11.9 s; on the 94,612 B JavaScript chunk (gzip -9: 31,779 B), 15 gave 30,706 B in 0.4 s and 100
/// 30,694 B in 2.1 s. Past 15 each byte costs about a quarter of a second.
const ITERATIONS: u64 = 15;

/// What [`precompress`] did.
struct Precompressed {
    /// `.gz` files written.
    written: usize,
    /// Bytes of the files that got a `.gz`, and of their `.gz` files.
    raw: u64,
    compressed: u64,
    /// Files (relative to `dist/`) whose gzip stream would not be smaller than they are.
    skipped: Vec<String>,
    elapsed: Duration,
}

/// Writes `NAME.gz` beside every fetched file of `dist` ([`FETCHED`]): a gzip stream made by Zopfli, which finds
/// smaller DEFLATE encodings than zlib's level 9 (about 4-5 % here) by spending more time, once, at build time.
/// A server that sends precompressed files (`serve.rs`, nginx's `gzip_static`, Caddy's `precompressed`) sends these
/// instead of compressing on the fly. No `.gz` is written when it would not be smaller than the file. The output is
/// deterministic: Zopfli is, and its gzip header has no time stamp or name. The files are shared among threads,
/// largest first.
fn precompress(dist: &Path, iterations: u64) -> Result<Precompressed> {
    let start = Instant::now();
    let mut paths = Vec::new();
    walk(dist, &mut paths)?;
    let mut work: Vec<(PathBuf, u64)> = paths
        .into_iter()
        .filter(|path| {
            let name = path.to_string_lossy();
            path.extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| FETCHED.contains(&ext))
                && !name.ends_with(".d.ts")
        })
        .map(|path| {
            let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            (path, size)
        })
        .collect();
    work.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let options = zopfli::Options {
        iteration_count: NonZeroU64::new(iterations).ok_or("zero Zopfli iterations")?,
        ..zopfli::Options::default()
    };
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let threads = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(work.len().max(1));
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((path, _)) = work.get(i) else { break };
                let result = gzip_beside(path, options);
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((i, result));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let mut done = Precompressed {
        written: 0,
        raw: 0,
        compressed: 0,
        skipped: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for (i, result) in results {
        let path = &work[i].0;
        match result? {
            Some((raw, compressed)) => {
                done.written += 1;
                done.raw += raw;
                done.compressed += compressed;
            }
            None => done.skipped.push(
                path.strip_prefix(dist)
                    .unwrap_or(path)
                    .to_string_lossy()
                    .into_owned(),
            ),
        }
    }
    done.skipped.sort();
    done.elapsed = start.elapsed();
    Ok(done)
}

/// Compresses `path` into `path.gz` and returns both sizes, or writes nothing and returns `None` when the gzip
/// stream is not smaller than the file.
fn gzip_beside(path: &Path, options: zopfli::Options) -> Result<Option<(u64, u64)>> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut gz = Vec::with_capacity(bytes.len() / 2);
    zopfli::compress(options, zopfli::Format::Gzip, &bytes[..], &mut gz)
        .map_err(|e| format!("compressing {}: {e}", path.display()))?;
    if gz.len() >= bytes.len() {
        return Ok(None);
    }
    let mut out = path.as_os_str().to_owned();
    out.push(".gz");
    let out = PathBuf::from(out);
    fs::write(&out, &gz).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(Some((bytes.len() as u64, gz.len() as u64)))
}

/// The paths in `dir`, sorted (so `dist/` is the same whatever order the file system lists them in).
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    Ok(entries)
}

/// Every file under `dir`, recursively, sorted.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    for path in sorted_entries(dir)? {
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Bundles and minifies the entry modules of `www/js/` into `dist/js/` (ES modules, shared code split into chunks,
/// `../pkg/` left to the wasm package).
fn bundle(esbuild: &Path, js: &Path, out: &Path, files: &mut Vec<String>) -> Result {
    let mut entries: Vec<String> = PAGE_ENTRIES.iter().map(|name| name.to_string()).collect();
    for name in worker_modules(js)? {
        if !entries.contains(&name) {
            entries.push(name);
        }
    }
    let staged = stage_js(esbuild, js)?;
    let mut cmd = Command::new(esbuild);
    cmd.args(entries.iter().map(|name| staged.join(name)))
        .arg(format!("--outdir={}", out.display()))
        .args(common_flags())
        .args(["--bundle", "--splitting", "--external:../pkg/*"]);
    run(&mut cmd)?;
    let mut written: Vec<_> = fs::read_dir(out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .flatten()
        .map(|e| e.path().display().to_string())
        .collect();
    written.sort();
    files.extend(written);
    Ok(())
}

/// The style sheets the modules keep in a template literal (`const CSS = `...`;`, `export const CSS = ...`) go into
/// a shadow root as they are, so esbuild's JavaScript minifier leaves them whole. This copies `js/` to
/// `target/xtask/dist-js/` with each such sheet minified by esbuild's CSS minifier, and returns that folder for the
/// bundle: 24 KB of CSS lose about 3.5 KB raw, 0.35 KB gzipped. A sheet with a backslash, a backtick or a `${` in it
/// is left as it is, since its text would then not be the CSS it reads as, and so is one whose minified text would
/// have one (esbuild keeps non-ASCII characters as they are: `--charset=utf8`).
fn stage_js(esbuild: &Path, js: &Path) -> Result<PathBuf> {
    let root = js
        .parent()
        .and_then(Path::parent)
        .ok_or("www/js has no project root")?;
    let staged = root.join("target/xtask/dist-js");
    if staged.exists() {
        fs::remove_dir_all(&staged).map_err(|e| format!("{}: {e}", staged.display()))?;
    }
    fs::create_dir_all(&staged).map_err(|e| format!("{}: {e}", staged.display()))?;
    for entry in fs::read_dir(js).map_err(|e| format!("{}: {e}", js.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        if path.extension().is_none_or(|ext| ext != "js") {
            continue;
        }
        let src = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut text = String::with_capacity(src.len());
        let mut rest = src.as_str();
        const OPEN: &str = "const CSS = `";
        while let Some(at) = rest.find(OPEN) {
            let body_at = at + OPEN.len();
            text.push_str(&rest[..body_at]);
            rest = &rest[body_at..];
            let end = rest
                .find('`')
                .ok_or_else(|| format!("{}: a CSS template that does not end", path.display()))?;
            let css = &rest[..end];
            let literal = |t: &str| !t.contains(['\\', '`']) && !t.contains("${");
            let minified = if literal(css) {
                minify_css(esbuild, css)?
            } else {
                String::new()
            };
            text.push_str(if literal(&minified) && !minified.is_empty() {
                minified.trim_end()
            } else {
                css
            });
            rest = &rest[end..];
        }
        text.push_str(rest);
        fs::write(staged.join(name), text).map_err(|e| format!("{}: {e}", staged.display()))?;
    }
    Ok(staged)
}

/// `css` minified by esbuild (read from its standard input).
fn minify_css(esbuild: &Path, css: &str) -> Result<String> {
    let mut child = Command::new(esbuild)
        .args([
            "--loader=css",
            "--minify",
            "--charset=utf8",
            "--log-level=warning",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", esbuild.display()))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = css.to_owned();
    // Written from a thread: esbuild may fill its output pipe before it has read all of its input.
    let writer = thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| "the writer thread panicked")?
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "esbuild could not minify a style sheet: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

/// The modules of `js/` that its modules start as workers: each `new URL('./NAME.js', import.meta.url)` (the form
/// `new Worker` takes here, and the only one esbuild leaves to the browser), sorted.
fn worker_modules(js: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(js).map_err(|e| format!("{}: {e}", js.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if !file.is_some_and(|n| n.ends_with(".js")) {
            continue;
        }
        let src = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (at, _) in src.match_indices("new URL(") {
            let rest = src[at + "new URL(".len()..].trim_start();
            let Some(quote) = rest.chars().next().filter(|c| matches!(c, '\'' | '"')) else {
                continue;
            };
            let Some(end) = rest[1..].find(quote) else {
                continue;
            };
            let url = &rest[1..1 + end];
            let after = rest[2 + end..].trim_start();
            if let (Some(name), true) = (
                url.strip_prefix("./"),
                after.starts_with(',') && after[1..].trim_start().starts_with("import.meta.url"),
            ) {
                if name.ends_with(".js") && !name.contains('/') && !names.iter().any(|n| n == name)
                {
                    names.push(name.to_string());
                }
            }
        }
    }
    names.sort();
    Ok(names)
}

/// Minifies one JavaScript or CSS file in place.
fn minify(esbuild: &Path, path: &Path) -> Result {
    let mut cmd = Command::new(esbuild);
    cmd.arg(path)
        .arg(format!("--outfile={}", path.display()))
        .arg("--allow-overwrite")
        .args(common_flags());
    run(&mut cmd)
}

/// Flags of every esbuild run: minified ES modules for browsers with WebAssembly, UTF-8 text kept as it is (module
/// scripts are always read as UTF-8, and `\u` escapes would only add bytes), the licence line on top.
fn common_flags() -> [String; 5] {
    [
        "--minify".into(),
        "--format=esm".into(),
        "--charset=utf8".into(),
        "--log-level=warning".into(),
        format!("--banner:js={BANNER}"),
    ]
}

/// `version` of `[workspace.package]` in the root `Cargo.toml`.
fn workspace_version(root: &Path) -> Result<String> {
    let manifest =
        fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[workspace.package]";
        } else if let (true, Some(value)) = (in_package, line.strip_prefix("version")) {
            let value = value
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            return Ok(value.to_string());
        }
    }
    Err("Cargo.toml has no [workspace.package] version".into())
}

fn write_file(path: &Path, text: &str, files: &mut Vec<String>) -> Result {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    files.push(path.display().to_string());
    Ok(())
}

/// Copies a file, or a directory recursively, leaving out tests (`*.test.mjs`) and hidden files.
fn copy(from: &Path, to: &Path, files: &mut Vec<String>) -> Result {
    if from.is_dir() {
        fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
        for entry in sorted_entries(from)? {
            let name = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.ends_with(".test.mjs") || name.starts_with('.') {
                continue;
            }
            copy(&entry, &to.join(&name), files)?;
        }
        return Ok(());
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    fs::copy(from, to).map_err(|e| format!("copying {}: {e}", from.display()))?;
    files.push(to.display().to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workers_modules_are_found_in_the_sources() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let workers = worker_modules(&root.join("www/js")).unwrap();
        for name in ["scenario-worker.js", "inspect-worker.js"] {
            assert!(workers.iter().any(|w| w == name), "{workers:?}");
        }
        // Relative URLs to other folders (scenario texts, the wasm module) are not modules of js/.
        assert!(
            workers
                .iter()
                .all(|w| w.ends_with(".js") && !w.contains('/')),
            "{workers:?}"
        );
    }

    #[test]
    fn the_package_version_is_the_workspace_version() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let version = workspace_version(&root).unwrap();
        assert_eq!(version, env!("CARGO_PKG_VERSION"));
        let json = package_json(&version, &["index.html.gz".into()]);
        assert!(
            json.contains(&format!("\"version\": \"{version}\"")),
            "{json}"
        );
        assert!(
            json.contains("\"README.md\",\n    \"index.html.gz\"\n  ],"),
            "{json}"
        );
    }

    #[test]
    fn fetched_files_get_a_smaller_deterministic_gz_beside_them() {
        let dir = std::env::temp_dir().join(format!("xtask-gz-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("pkg")).unwrap();
        let page = "<p>a word-exact model of BEAM process memory</p>\n".repeat(40);
        fs::write(dir.join("index.html"), &page).unwrap();
        fs::write(dir.join("pkg/m.wasm"), [0u8, 97, 115, 109].repeat(500)).unwrap();
        fs::write(dir.join("tiny.js"), "x()").unwrap();
        fs::write(dir.join("README.md"), &page).unwrap();
        fs::write(dir.join("pkg/m.d.ts"), &page).unwrap();

        let done = precompress(&dir, 1).unwrap();
        assert_eq!(done.written, 2);
        assert_eq!(done.skipped, ["tiny.js"]);
        assert_eq!(done.raw, page.len() as u64 + 2000);
        let mut files = Vec::new();
        walk(&dir, &mut files).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "README.md",
                "index.html",
                "index.html.gz",
                "pkg/m.d.ts",
                "pkg/m.wasm",
                "pkg/m.wasm.gz",
                "tiny.js"
            ]
        );
        let gz = fs::read(dir.join("index.html.gz")).unwrap();
        assert!(gz.len() < page.len() / 4, "{}", gz.len());
        // A gzip stream with no time stamp and no name, which gzip reads back to the file.
        assert_eq!(gz[..10], [31, 139, 8, 0, 0, 0, 0, 0, 2, 3]);
        let out = Command::new("gzip")
            .args(["-dc"])
            .arg(dir.join("index.html.gz"))
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout, page.as_bytes());
        // Deterministic: the same input gives the same bytes.
        fs::remove_file(dir.join("index.html.gz")).unwrap();
        precompress(&dir, 1).unwrap();
        assert_eq!(fs::read(dir.join("index.html.gz")).unwrap(), gz);
        fs::remove_dir_all(&dir).unwrap();
    }
}
