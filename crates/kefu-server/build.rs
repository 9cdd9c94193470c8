//! The binary embeds the dashboard from the committed `web/dist` (rust-embed), so
//! building kefu needs nothing but the Rust toolchain. Node.js is a developer tool:
//! after changing `web/src`, run `npm run build --prefix web` and commit `web/dist`;
//! CI (`web/check-dist.sh`) checks that a fresh build reproduces it byte for byte.

use std::path::Path;

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist");
    // A directory is watched recursively: any change to the committed dist rebuilds.
    println!("cargo:rerun-if-changed={}", dist.display());
    if !dist.join("index.html").is_file() {
        println!(
            "cargo:warning=web/dist/index.html is missing: the dashboard is not embedded \
             (restore it with `git checkout web/dist` or `npm run build --prefix web`)"
        );
    }
}
