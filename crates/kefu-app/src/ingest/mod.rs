//! Loading files into the store: what a face asks for ([`IngestRequest`]), how it is
//! read with the data directory's configuration, and the pipeline that commits it.

pub(crate) mod enrich;
mod pipeline;

pub use pipeline::{FileJob, IngestReport, Progress, Silent, TableOutcome};

use crate::{App, AppError, AppResult};
use kefu_ingest::mapping::Mapping;
use kefu_ingest::{Format, IngestOptions};
use kefu_model::Table;
use std::path::{Path, PathBuf};

/// An ingest as a user asks for it.
#[derive(Debug, Clone, Default)]
pub struct IngestRequest {
    pub files: Vec<PathBuf>,
    /// kefu-csv, jsonl, xlsx, twcs, eml, mbox, or a preset: feige, qianniu, zendesk.
    pub format: Option<String>,
    /// Which table canonical files are for (default: guessed from the header).
    pub table: Option<Table>,
    /// Shop id for rows that name none.
    pub shop: Option<String>,
    pub platform: Option<String>,
    /// IANA timezone overriding the shops' configured ones for this ingest.
    pub tz: Option<String>,
    /// A mapping file (TOML) for any other layout.
    pub mapping: Option<PathBuf>,
    /// The shop's own e-mail addresses (mail from them is the agent side).
    pub agent_addresses: Vec<String>,
    /// Chinese text understanding (categories, sentiment, urgency, PII masking).
    pub text: bool,
}

fn is_excel(p: &Path) -> bool {
    p.extension().is_some_and(|e| {
        matches!(
            e.to_string_lossy().to_ascii_lowercase().as_str(),
            "xlsx" | "xls" | "xlsm" | "xlsb" | "ods"
        )
    })
}

/// A draft mapping (TOML) for a file's header, to be checked and passed back.
pub fn suggest_mapping(file: &Path) -> AppResult<String> {
    let header =
        kefu_ingest::read_header(file).map_err(|e| AppError::bad("file", e.to_string()))?;
    let m = kefu_ingest::mapping::suggest(&header);
    toml::to_string_pretty(&m).map_err(|e| AppError::Internal(e.into()))
}

impl App {
    /// How the request's files are read, with the configuration's timezones, session
    /// gap and e-mail addresses.
    fn ingest_options(&self, r: &IngestRequest) -> AppResult<IngestOptions> {
        let bad = |p: &'static str| {
            move |e: kefu_model::config::ConfigError| AppError::bad(p, e.to_string())
        };
        let cfg = self.config()?;
        let defaults = cfg.shop("").map_err(bad("config"))?;
        let mut opts = IngestOptions {
            shop: r.shop.clone().unwrap_or_else(|| "default".into()),
            platform: r.platform.clone(),
            table: r.table,
            default_tz: defaults.tz().map_err(bad("timezone"))?,
            session_gap_secs: defaults.session_gap_secs,
            ..Default::default()
        };
        for s in cfg.shop_ids() {
            let tz = cfg.shop(s).and_then(|c| c.tz()).map_err(bad("timezone"))?;
            opts.shop_tz.insert(s.to_string(), tz);
        }
        if let Some(shop) = &r.shop {
            let sc = cfg.shop(shop).map_err(bad("shop"))?;
            opts.session_gap_secs = sc.session_gap_secs;
            opts.agent_addresses = sc.email_addresses;
            if opts.platform.is_none() {
                opts.platform = sc.platform;
            }
        }
        opts.agent_addresses
            .extend(r.agent_addresses.iter().cloned());
        if let Some(tz) = &r.tz {
            opts.tz_override = Some(kefu_model::config::parse_tz(tz).map_err(bad("tz"))?);
        }
        if let Some(f) = &r.format {
            if Mapping::preset_names().contains(&f.as_str()) {
                opts.mapping =
                    Some(Mapping::preset(f).map_err(|e| AppError::bad("format", e.to_string()))?);
                opts.format = Some(if r.files.iter().any(|p| is_excel(p)) {
                    Format::Excel
                } else {
                    Format::KefuCsv
                });
            } else {
                opts.format = Some(Format::parse(f).map_err(|e| AppError::bad("format", e))?);
            }
        }
        if let Some(m) = &r.mapping {
            let text = std::fs::read_to_string(m)
                .map_err(|e| AppError::bad("mapping", format!("reading {}: {e}", m.display())))?;
            opts.mapping = Some(
                Mapping::parse(&text)
                    .map_err(|e| AppError::bad("mapping", format!("in {}: {e}", m.display())))?,
            );
        }
        Ok(opts)
    }

    /// Loads the request's files: one commit per table, then the facts of what they
    /// touched are refreshed.
    pub async fn ingest(
        &self,
        r: &IngestRequest,
        progress: &dyn Progress,
    ) -> AppResult<IngestReport> {
        for f in &r.files {
            if !f.exists() {
                return Err(AppError::bad(
                    "file",
                    format!("{}: no such file", f.display()),
                ));
            }
        }
        let opts = self.ingest_options(r)?;
        let jobs = r
            .files
            .iter()
            .map(|p| {
                let mut o = opts.clone();
                if o.mapping.is_some() && o.format.is_none() {
                    o.format = Some(if is_excel(p) {
                        Format::Excel
                    } else {
                        Format::KefuCsv
                    });
                }
                FileJob {
                    path: p.clone(),
                    opts: o,
                }
            })
            .collect();
        self.run_jobs(jobs, progress, r.text).await
    }

    /// Loads files each in its own layout (`kefu-csv` or a preset name), as the demo
    /// writes them.
    pub async fn ingest_layouts(
        &self,
        files: Vec<(PathBuf, String)>,
        progress: &dyn Progress,
    ) -> AppResult<IngestReport> {
        let mut jobs = Vec::new();
        for (path, fmt) in files {
            let mut o = IngestOptions::default();
            if fmt != "kefu-csv" {
                o.mapping = Some(
                    Mapping::preset(&fmt).map_err(|e| AppError::bad("format", e.to_string()))?,
                );
            }
            o.format = Some(Format::KefuCsv);
            jobs.push(FileJob { path, opts: o });
        }
        self.run_jobs(jobs, progress, true).await
    }

    async fn run_jobs(
        &self,
        jobs: Vec<FileJob>,
        progress: &dyn Progress,
        text: bool,
    ) -> AppResult<IngestReport> {
        // Held from before the pipeline reads the stored row keys it dedupes against
        // until the facts are committed: a second ingest waits.
        let lock = self.write_lock("kefu ingest").await?;
        let cfg = self.config()?;
        let analyzer = if text {
            Some(crate::text::cached_analyzer(&self.text_settings()?)?)
        } else {
            None
        };
        let r = pipeline::run(self.store(), &cfg, jobs, progress, analyzer).await?;
        drop(lock);
        self.renew_now().await?;
        Ok(r)
    }
}
