//! `kefu serve`: the dashboard and the JSON API on one port.

use anyhow::Result;
use clap::Args;
use std::path::Path;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on; loopback by default.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Bearer token every API request must carry (required in practice beyond loopback).
    #[arg(long, env = "KEFU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Serve beyond loopback without a token (a trusted network only).
    #[arg(long)]
    pub insecure: bool,
}

pub async fn run(dir: &Path, a: ServeArgs) -> Result<()> {
    exit_with_parent();
    println!("kefu dashboard: http://{}/  (API: /api/v1/docs)", a.addr);
    serve(dir, a.addr, a.token, a.insecure).await
}

/// Serves `dir` until Ctrl-C.
pub async fn serve(
    dir: &Path,
    addr: std::net::SocketAddr,
    token: Option<String>,
    insecure: bool,
) -> Result<()> {
    crate::return_freed_memory();
    kefu_server::serve(kefu_server::ServeOptions {
        addr,
        token,
        data_dir: dir.to_path_buf(),
        insecure,
    })
    .await
}

/// With `KEFU_EXIT_WITH_PARENT` set (test harnesses, supervisors without process
/// groups), the server stops once the process that started it is gone.
fn exit_with_parent() {
    #[cfg(unix)]
    if std::env::var_os("KEFU_EXIT_WITH_PARENT").is_some() {
        let parent = std::os::unix::process::parent_id();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(std::time::Duration::from_millis(500));
                if std::os::unix::process::parent_id() != parent {
                    std::process::exit(0);
                }
            }
        });
    }
}

/// Opens the dashboard in a browser when this machine has a desktop.
pub fn open_browser(url: &str) {
    let has_display = std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some()
        || cfg!(target_os = "macos");
    if !has_display {
        return;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
