//! `kefu forecast`, `kefu staff`, `kefu simulate` over the store's volume.

use anyhow::{Result, bail};
use clap::Args;
use std::path::Path;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ForecastCmd {
    #[command(subcommand)]
    pub command: Option<kefu_forecast::cli::ForecastCommand>,
    /// The shop whose conversations to forecast (default: the only shop in the store).
    #[arg(long)]
    pub shop: Option<String>,
    /// How far ahead: hours, or `36h`, `7d`, `2w`.
    #[arg(long, default_value = "7d", value_parser = kefu_forecast::cli::parse_horizon)]
    pub horizon: usize,
    #[arg(long)]
    pub json: bool,
}

pub async fn forecast(dir: &Path, a: ForecastCmd) -> Result<()> {
    if let Some(c) = a.command {
        return kefu_forecast::cli::run_forecast_command(c);
    }
    let app = super::open(dir).await?;
    let shop = app.the_shop(a.shop.as_deref()).await?;
    let history = app.hourly_conversations(&shop).await?;
    if history.len() < 2 * 168 {
        bail!(
            "shop {shop} has {} hours of history; forecasting needs at least two weeks",
            history.len()
        );
    }
    let fc = kefu_forecast::forecast_hourly(
        &history,
        a.horizon,
        &[],
        &kefu_forecast::ForecastConfig::default(),
    )?;
    kefu_forecast::cli::print_forecast(&fc, a.json)
}

/// `kefu simulate`; `--from-store --shop S` replays the shop's conversations (start in
/// shop time, handling time from the first human reply to the end).
pub async fn simulate(dir: &Path, mut a: kefu_forecast::cli::SimulateArgs) -> Result<()> {
    if a.from_store {
        let shop = a.shop.clone().unwrap_or_default();
        let arrivals = super::open(dir).await?.arrivals(&shop).await?;
        a.store_service_times = Some(arrivals.iter().filter_map(|x| x.service_secs).collect());
        a.store_arrivals = Some(arrivals);
    }
    kefu_forecast::cli::run_simulate(a)
}

/// `kefu staff …`; `plan --shop S` plans from the store's hourly conversations.
pub async fn staff(dir: &Path, mut a: kefu_forecast::cli::StaffArgs) -> Result<()> {
    if let kefu_forecast::cli::StaffCommand::Plan(p) = &mut a.command
        && let Some(shop) = p.shop.clone()
    {
        let history = super::open(dir).await?.hourly_conversations(&shop).await?;
        if history.is_empty() {
            bail!("shop {shop} has no messages in the store");
        }
        p.history = Some(history);
    }
    kefu_forecast::cli::run_staff(a)
}
