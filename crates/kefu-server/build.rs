//! Builds the dashboard (`web/`, Vite) so the binary embeds it: the user installs
//! nothing but kefu. Needs Node.js and npm at build time; without them the binary
//! still builds and serves the API, with a page saying the dashboard is missing.
//! `KEFU_SKIP_WEB=1` skips the web build (e.g. when iterating on Rust only).

use std::path::Path;
use std::process::Command;

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    for p in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(p).display());
    }
    println!("cargo:rerun-if-env-changed=KEFU_SKIP_WEB");
    if std::env::var_os("KEFU_SKIP_WEB").is_some() || !web.join("package.json").exists() {
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let run = |args: &[&str]| {
        Command::new(npm)
            .args(args)
            .current_dir(&web)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if !web.join("node_modules").exists() && !run(&["ci", "--no-audit", "--no-fund"]) {
        println!(
            "cargo:warning=web/: `npm ci` failed or npm is missing; the dashboard is not embedded"
        );
        return;
    }
    if !run(&["run", "build"]) {
        println!("cargo:warning=web/: `npm run build` failed; the dashboard is not embedded");
    }
}
