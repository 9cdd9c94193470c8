//! `kefu demo`: generate sample shops, load them, print the report, serve the dashboard.

use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct DemoArgs {
    /// Only write the sample data set (canonical, 飞鸽 and 千牛 layouts) into DIR.
    #[arg(long, value_name = "DIR")]
    pub generate: Option<PathBuf>,
    /// Volume multiplier: 1 ≈ 0.9 million messages; the default ≈ 1.5 million.
    #[arg(long, default_value_t = 1.67)]
    pub scale: f64,
    #[arg(long, default_value_t = 20_251_111)]
    pub seed: u64,
    /// With --generate: every shop in the canonical layout (UTF-8), for comparisons.
    #[arg(long)]
    pub canonical: bool,
    #[arg(long)]
    pub json: bool,
    /// Print the report and exit instead of serving the dashboard.
    #[arg(long)]
    pub no_serve: bool,
    /// Where the dashboard listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
    /// Do not try to open a browser.
    #[arg(long)]
    pub no_open: bool,
}

pub async fn run(dir: &Path, a: DemoArgs) -> Result<()> {
    let cfg = kefu_demo::DemoConfig {
        scale: a.scale,
        seed: a.seed,
        canonical_only: a.canonical,
        ..Default::default()
    };
    if let Some(out) = a.generate {
        let t = std::time::Instant::now();
        let s = kefu_demo::generate(&out, &cfg)?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&s)?);
        } else {
            println!(
                "generated {} messages in {} conversations, {} orders, {} surveys, {} reviews into {} in {:.1}s",
                s.messages,
                s.conversations,
                s.orders,
                s.surveys,
                s.reviews,
                out.display(),
                t.elapsed().as_secs_f64()
            );
            for (f, fmt) in &s.files {
                println!("  {}  (--format {fmt})", f.display());
            }
        }
        return Ok(());
    }
    // Generate once per scale and seed; re-running reuses the files and the ingest
    // adds nothing (duplicates are dropped).
    let src = dir.join("demo-source");
    let marker = src.join(format!(".generated-{}-{}", a.scale, a.seed));
    let t = std::time::Instant::now();
    let summary = if marker.exists() {
        None
    } else {
        if src.exists() {
            std::fs::remove_dir_all(&src)?;
        }
        let s = kefu_demo::generate(&src, &cfg)?;
        std::fs::write(&marker, serde_json::to_string(&s)?)?;
        Some(s)
    };
    let gen_secs = t.elapsed().as_secs_f64();
    let files: Vec<(PathBuf, String)> = match &summary {
        Some(s) => s.files.clone(),
        None => {
            let s: kefu_demo::DemoSummary =
                serde_json::from_str(&std::fs::read_to_string(&marker)?)?;
            s.files
        }
    };
    let app = super::open(dir).await?;
    let t = std::time::Instant::now();
    let report = app
        .ingest_layouts(files, &super::ingest::Bar::for_stderr())
        .await?;
    let ingest_secs = t.elapsed().as_secs_f64();
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "generated": summary, "generate_secs": gen_secs, "ingest": report, "ingest_secs": ingest_secs
            }))?
        );
        return Ok(());
    }
    println!("kefu demo — data directory {}", dir.display());
    if let Some(s) = &summary {
        println!(
            "generated {} messages ({} conversations), {} orders, {} surveys, {} reviews in {:.1}s",
            s.messages, s.conversations, s.orders, s.surveys, s.reviews, gen_secs
        );
    }
    crate::output::print_ingest(&report);
    println!("ingest took {ingest_secs:.1}s\n");
    println!("店铺概览 Shops");
    for s in app.shop_summaries().await? {
        println!(
            "  {:<14} {:<8} {:>9} messages {:>8} conversations {:>7} customers  {} – {}",
            s.shop,
            s.platform.as_deref().unwrap_or("-"),
            s.messages,
            s.conversations,
            s.customers,
            s.first_day.as_deref().unwrap_or("-"),
            s.last_day.as_deref().unwrap_or("-"),
        );
    }
    println!("\n咨询高峰 Peak hours (conversations started, shop time)");
    for shop in app.shops().await? {
        let by_hour = kefu_app::volume::by_hour_of_day(&app.hourly_conversations(&shop).await?);
        let mut order: Vec<usize> = (0..24).collect();
        order.sort_by(|&x, &y| by_hour[y].total_cmp(&by_hour[x]));
        let top: Vec<String> = order[..3]
            .iter()
            .map(|h| format!("{h:02}:00 ({:.1}/h)", by_hour[*h]))
            .collect();
        println!("  {shop:<14} {}", top.join("  "));
    }
    let r = app.report(&kefu_app::Filters::default(), None).await?;
    println!("\n{}", r.render_text());
    println!(
        "Try: kefu report --by agent   ·   kefu query \"SELECT ...\"   ·   kefu forecast --shop dy-flagship   ·   kefu quarantine"
    );
    if a.no_serve {
        return Ok(());
    }
    let url = format!("http://{}/", a.addr);
    println!("\n仪表盘 Dashboard: {url}   (Ctrl-C to stop)");
    if !a.no_open {
        super::serve::open_browser(&url);
    }
    drop(app);
    super::serve::serve(dir, a.addr, None, false).await
}
