//! Throughput of classify + sentiment + mask (the ingest path) on N texts, on
//! 1 and 2 threads: `bench_text FILE.csv N`. Prints one `key value` per line.

use std::time::Instant;

use kefu_text::{Analyzer, AnalyzerOptions};

/// CPU seconds used by this process so far (Linux `/proc/self/stat`, 100 Hz
/// ticks), so throughput per CPU-second can be reported on a busy machine.
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the `)`.
    (tick(11) + tick(12)) / 100.0
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("../shared/data/sentiment/online_shopping_10_cats_dev.csv");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let mut rdr = csv::Reader::from_path(path)?;
    let col = rdr
        .headers()?
        .iter()
        .position(|h| h == "review")
        .unwrap_or(0);
    let texts: Vec<String> = rdr
        .records()
        .filter_map(Result::ok)
        .filter_map(|r| r.get(col).map(str::to_string))
        .take(n)
        .collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    println!("texts {}", texts.len());
    println!("mean_chars {:.1}", chars as f64 / texts.len() as f64);
    let t0 = Instant::now();
    let mut analyzer = Analyzer::new()?;
    println!("load_s {:.3}", t0.elapsed().as_secs_f64());
    // `core`: the review path; `chat_core`: what ingest runs on a customer chat
    // message (the review score plus the three-class chat model).
    for (name, keywords, chat) in [
        ("core", 0usize, false),
        ("chat_core", 0, true),
        ("with_keywords", 5, false),
    ] {
        let batch = |a: &Analyzer, t: &[String]| {
            if chat {
                a.analyze_batch_chat(t)
            } else {
                a.analyze_batch(t)
            }
        };
        analyzer.set_options(AnalyzerOptions {
            keywords,
            ..Default::default()
        });
        let _ = analyzer.segmenter();
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()?;
            // Warm-up, then the best of three runs.
            pool.install(|| batch(&analyzer, &texts[..texts.len().min(1000)]));
            let mut best = f64::MAX;
            let mut urgent = 0;
            let cpu0 = cpu_seconds();
            for _ in 0..3 {
                let t = Instant::now();
                let out = pool.install(|| batch(&analyzer, &texts));
                best = best.min(t.elapsed().as_secs_f64());
                urgent = out.iter().filter(|r| r.urgent).count();
            }
            println!(
                "{name}_threads{threads}_msgs_per_s {:.0}",
                texts.len() as f64 / best
            );
            let cpu = cpu_seconds() - cpu0;
            if cpu > 0.0 {
                // Throughput per CPU-second: what one idle core would give.
                let per_cpu = 3.0 * texts.len() as f64 / cpu;
                println!("{name}_threads{threads}_msgs_per_cpu_s {per_cpu:.0}");
            }
            println!("{name}_threads{threads}_urgent {urgent}");
        }
    }
    Ok(())
}
