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
    // A missing dist (a fresh clone, a deleted folder) also reruns this script.
    println!(
        "cargo:rerun-if-changed={}",
        web.join("dist/index.html").display()
    );
    println!("cargo:rerun-if-env-changed=KEFU_SKIP_WEB");
    if std::env::var_os("KEFU_SKIP_WEB").is_some() || !web.join("package.json").exists() {
        return;
    }
    if is_fresh(&web) {
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

/// Whether `web/dist` was built after the last change to the dashboard's sources.
fn is_fresh(web: &Path) -> bool {
    fn newest(p: &Path) -> std::time::SystemTime {
        let own = p
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(std::time::UNIX_EPOCH);
        match std::fs::read_dir(p) {
            Ok(rd) => rd
                .flatten()
                .map(|e| newest(&e.path()))
                .fold(own, std::cmp::max),
            Err(_) => own,
        }
    }
    let Ok(built) = web
        .join("dist/index.html")
        .metadata()
        .and_then(|m| m.modified())
    else {
        return false;
    };
    [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
    ]
    .iter()
    .all(|p| newest(&web.join(p)) <= built)
}
