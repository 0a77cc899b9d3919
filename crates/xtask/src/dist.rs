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
//! `tests/browser/lifecycle.test.mjs`.

use crate::{run, Result};
use std::fs;
use std::path::Path;
use std::process::Command;

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
    let version = workspace_version(root)?;
    write_file(
        &dist.join("package.json"),
        &package_json(&version),
        &mut files,
    )?;
    Ok(files.len())
}

const README: &str = "# beam-viz\n\n\
A word-exact model of BEAM process memory (Erlang/OTP 25, 64-bit) as a custom element.\n\n\
```html\n\
<script type=\"module\" src=\"beam-viz.js\"></script>\n\
<beam-viz scenario=\"process-lifecycle\"></beam-viz>\n\
```\n\n\
Copy this folder as it is: every import is relative, and the widget fetches nothing but its own files.\n\
It works under `Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; object-src 'none'`.\n\
`index.html` is the full page, `embed.html` a page that embeds one widget, and `examples/binary-leaks.html` a\n\
tutorial that embeds three (one with its scenario written inside the element).\n";

fn package_json(version: &str) -> String {
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
    "README.md"
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

/// Bundles and minifies the entry modules of `www/js/` into `dist/js/` (ES modules, shared code split into chunks,
/// `../pkg/` left to the wasm package).
fn bundle(esbuild: &Path, js: &Path, out: &Path, files: &mut Vec<String>) -> Result {
    let mut entries: Vec<String> = PAGE_ENTRIES.iter().map(|name| name.to_string()).collect();
    for name in worker_modules(js)? {
        if !entries.contains(&name) {
            entries.push(name);
        }
    }
    let mut cmd = Command::new(esbuild);
    cmd.args(entries.iter().map(|name| js.join(name)))
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
        let mut entries: Vec<_> = fs::read_dir(from)
            .map_err(|e| format!("{}: {e}", from.display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for entry in entries {
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
        let json = package_json(&version);
        assert!(
            json.contains(&format!("\"version\": \"{version}\"")),
            "{json}"
        );
    }
}
