//! `kefu forecast`, `kefu staff`, `kefu simulate`: a CSV series or the store's
//! volume in, forecasts, staffing and simulated service out (text, JSON, xlsx).
//! The arguments are in [`super::forecast_args`].

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use kefu_forecast::{
    Arrival, ConcurrencyTable, ErlangCInput, ErlangOptions, Event, Forecast, ForecastConfig,
    ModelKind, PlanConfig, ShiftTemplate, SimConfig, StaffingPlan, TS_FORMAT, forecast::WEEK,
};

use super::forecast_args::{
    EvalArgs, ForecastCommand, PlanArgs, SeriesArgs, SimulateArgs, StaffArgs, StaffCommand,
    default_eval_input, parse_horizon,
};

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ForecastCmd {
    #[command(subcommand)]
    pub command: Option<ForecastCommand>,
    /// The shop whose conversations to forecast (default: the only shop in the store).
    #[arg(long)]
    pub shop: Option<String>,
    /// How far ahead: hours, or `36h`, `7d`, `2w`.
    #[arg(long, default_value = "7d", value_parser = parse_horizon)]
    pub horizon: usize,
    #[arg(long)]
    pub json: bool,
}

pub async fn forecast(dir: &Path, a: ForecastCmd) -> Result<()> {
    match a.command {
        Some(ForecastCommand::Series(s)) => return series(s),
        Some(ForecastCommand::Eval(e)) => return eval(e),
        None => {}
    }
    let app = super::open_current(dir).await?;
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
    print_forecast(&fc, a.json)
}

fn load_events(path: &Option<PathBuf>) -> Result<Vec<Event>> {
    match path {
        Some(p) => kefu_forecast::read_events_csv(p)
            .with_context(|| format!("reading events {}", p.display())),
        None => Ok(Vec::new()),
    }
}

fn concurrency_table(s: &Option<String>) -> Result<ConcurrencyTable> {
    Ok(match s {
        Some(s) => ConcurrencyTable::parse(s)?,
        None => ConcurrencyTable::default(),
    })
}

/// `kefu forecast series`.
fn series(a: SeriesArgs) -> Result<()> {
    let series = kefu_forecast::read_series_csv(&a.input)
        .with_context(|| format!("reading {}", a.input.display()))?;
    let events = load_events(&a.events)?;
    let mut cfg = ForecastConfig {
        level: a.level,
        ..ForecastConfig::default()
    };
    if let Some(m) = &a.model {
        cfg.models = vec![ModelKind::parse(m)?];
    }
    let fc = kefu_forecast::forecast_series(&series, a.horizon, &events, &cfg)?;
    print_forecast(&fc, a.json)
}

/// A forecast as JSON, or a readable header and CSV.
fn print_forecast(fc: &Forecast, json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &fc)?;
        writeln!(out)?;
    } else {
        writeln!(out, "model: {}", fc.model)?;
        for s in &fc.backtest.scores {
            writeln!(out, "  backtest MASE {:<16} {:.4}", s.model, s.mase)?;
        }
        writeln!(out, "ts,value,lo,hi")?;
        for p in &fc.forecast {
            writeln!(
                out,
                "{},{:.3},{:.3},{:.3}",
                p.ts.format(TS_FORMAT),
                p.value,
                p.lo,
                p.hi
            )?;
        }
    }
    Ok(())
}

/// `kefu forecast eval`.
fn eval(a: EvalArgs) -> Result<()> {
    let input = a.input.clone().unwrap_or_else(default_eval_input);
    let series = kefu_forecast::read_series_csv(&input)
        .with_context(|| format!("reading {}", input.display()))?;
    let events = load_events(&a.events)?;
    let cfg = ForecastConfig::default();
    let results = kefu_forecast::eval_models(&series, a.weeks, &events, &cfg, a.all_models)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer(&mut out, &results)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: last {} weeks, {}-hour rolling origin, MASE (scale: in-sample weekly naive){}",
        input.display(),
        a.weeks,
        WEEK,
        if events.is_empty() {
            ""
        } else {
            ", with events"
        }
    )?;
    for r in &results {
        let weeks: Vec<String> = r.weekly_mase.iter().map(|m| format!("{m:.3}")).collect();
        writeln!(
            out,
            "kefu {:<16} weeks: {}  mean MASE {:.4}  fit+predict {:.2}s",
            r.model,
            weeks.join(" "),
            r.mean_mase,
            r.fit_secs
        )?;
        if r.model == "auto" {
            writeln!(out, "  chosen per week: {}", r.chosen.join(" "))?;
            writeln!(
                out,
                "  {:.0} % interval coverage: {:.3}",
                cfg.level * 100.0,
                r.interval_coverage
            )?;
        }
    }
    Ok(())
}

/// `kefu simulate`; `--from-store --shop S` replays the shop's conversations (start in
/// shop time, handling time from the first human reply to the end).
pub async fn simulate(dir: &Path, a: SimulateArgs) -> Result<()> {
    let store: Option<Vec<Arrival>> = if a.from_store {
        let shop = a.shop.clone().unwrap_or_default();
        Some(super::open_current(dir).await?.arrivals(&shop).await?)
    } else {
        None
    };
    let roster = kefu_forecast::read_roster_csv(&a.roster)
        .with_context(|| format!("reading roster {}", a.roster.display()))?;
    let service = match (&a.service_times, &store) {
        (Some(p), _) => kefu_forecast::read_service_times(p)?,
        // The store's handling times, resampled for arrivals that have none.
        (None, Some(v)) => v.iter().filter_map(|x| x.service_secs).collect(),
        (None, None) => Vec::new(),
    };
    let cfg = SimConfig {
        concurrency: a.concurrency,
        concurrency_table: concurrency_table(&a.concurrency_factors)?,
        patience_secs: (a.patience > 0.0).then_some(a.patience),
        target_answer_secs: a.target_answer,
        aht_secs: a.aht,
        service_times: service,
        seed: a.seed,
    };
    let arrivals = match (store, &a.arrivals, &a.forecast) {
        (Some(v), _, _) => {
            kefu_forecast::Arrivals::Times(kefu_forecast::arrivals_within_roster(&roster, v))
        }
        (None, Some(p), _) => kefu_forecast::Arrivals::Times(kefu_forecast::read_arrivals_csv(p)?),
        (None, None, Some(p)) => {
            kefu_forecast::Arrivals::Rates(kefu_forecast::read_series_csv(p)?.pairs())
        }
        (None, None, None) => {
            bail!("give --arrivals FILE, --forecast FILE or --from-store --shop S")
        }
    };
    let report = kefu_forecast::simulate(&roster, &arrivals, &cfg)?;
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer(&mut out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "offered {}, SL {:.3}, ASA {:.1}s, abandoned {:.3}, occupancy {:.3}",
            report.offered,
            report.service_level,
            report.asa_secs,
            report.abandonment_rate,
            report.occupancy
        )?;
        writeln!(
            out,
            "ts,agents,offered,answered,abandoned,sl,asa_s,occupancy"
        )?;
        for h in &report.hours {
            writeln!(
                out,
                "{},{},{},{},{},{:.3},{:.1},{:.3}",
                h.ts.format(TS_FORMAT),
                h.agents,
                h.offered,
                h.answered,
                h.abandoned,
                h.service_level,
                h.asa_secs,
                h.occupancy
            )?;
        }
    }
    Ok(())
}

/// `kefu staff …`; `plan --shop S` plans from the store's hourly conversations.
pub async fn staff(dir: &Path, a: StaffArgs) -> Result<()> {
    match a.command {
        StaffCommand::Erlang(e) => erlang(e),
        StaffCommand::Plan(p) => {
            let history = match &p.shop {
                Some(shop) => {
                    let history = super::open_current(dir)
                        .await?
                        .hourly_conversations(shop)
                        .await?;
                    if history.is_empty() {
                        bail!("shop {shop} has no messages in the store");
                    }
                    history
                }
                None => match &p.input {
                    Some(input) => kefu_forecast::read_series_csv(input)
                        .with_context(|| format!("reading {}", input.display()))?
                        .pairs(),
                    None => bail!("give --input CSV (or --shop, from the kefu binary)"),
                },
            };
            plan(&history, p)
        }
    }
}

/// `kefu staff erlang`.
fn erlang(a: super::forecast_args::ErlangArgs) -> Result<()> {
    let r = kefu_forecast::erlang_report(&ErlangOptions {
        input: ErlangCInput {
            arrivals: a.arrivals,
            interval_secs: a.interval,
            aht_secs: a.aht,
            target_answer_secs: a.target_answer,
            service_level: a.service_level,
            shrinkage: a.shrinkage,
            max_occupancy: a.max_occupancy,
            concurrency: a.concurrency,
            concurrency_table: concurrency_table(&a.concurrency_factors)?,
        },
        patience_secs: a.patience,
    })?;
    let mut out = std::io::stdout().lock();
    if a.json {
        // Through a `Value`, as ever: the key order of the JSON contract.
        serde_json::to_writer(&mut out, &serde_json::to_value(&r)?)?;
        writeln!(out)?;
    } else {
        let c = &r.erlang_c;
        writeln!(out, "traffic (Erlangs)     {:.4}", c.traffic_erlangs)?;
        writeln!(out, "agents on contacts    {}", c.raw_positions)?;
        writeln!(out, "headcount (shrinkage) {}", c.positions)?;
        writeln!(out, "service level         {:.4}", c.service_level)?;
        writeln!(out, "occupancy             {:.4}", c.occupancy)?;
        writeln!(out, "P(wait)               {:.4}", c.waiting_probability)?;
        writeln!(out, "ASA (s)               {:.2}", c.asa_secs)?;
        if let Some(ea) = &r.erlang_a {
            writeln!(
                out,
                "with patience {:.0} s (Erlang A, same agents):",
                a.patience.unwrap_or_default()
            )?;
            writeln!(
                out,
                "  abandoned           {:.4}",
                ea.abandonment_probability
            )?;
            writeln!(out, "  service level       {:.4}", ea.service_level)?;
            writeln!(out, "  mean wait (s)       {:.2}", ea.mean_wait_secs)?;
        }
    }
    Ok(())
}

/// `kefu staff plan` on an hourly history (a CSV's or the store's).
fn plan(history: &[(chrono::NaiveDateTime, f64)], a: PlanArgs) -> Result<()> {
    let events = load_events(&a.events)?;
    let templates = if a.shifts.is_empty() {
        ShiftTemplate::defaults()
    } else {
        a.shifts
            .iter()
            .map(|s| ShiftTemplate::parse(s))
            .collect::<Result<Vec<_>, _>>()?
    };
    let cfg = PlanConfig {
        horizon_hours: a.horizon,
        aht_secs: a.aht,
        target_answer_secs: a.target_answer,
        service_level: a.service_level,
        shrinkage: a.shrinkage,
        max_occupancy: a.max_occupancy,
        concurrency: a.concurrency,
        concurrency_table: concurrency_table(&a.concurrency_factors)?,
        templates,
        first_start_hour: a.first_start,
        last_start_hour: a.last_start,
        patience_secs: (a.patience > 0.0).then_some(a.patience),
        service_times: match &a.service_times {
            Some(p) => kefu_forecast::read_service_times(p)?,
            None => Vec::new(),
        },
        seed: a.seed,
        forecast: ForecastConfig::default(),
    };
    let plan = kefu_forecast::staffing_plan(history, &events, &cfg)?;
    let mut out = std::io::stdout().lock();
    if let Some(path) = &a.xlsx {
        write_plan_xlsx(&plan, path)?;
        writeln!(out, "wrote {}", path.display())?;
    } else if a.json {
        serde_json::to_writer(&mut out, &plan)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "model {}, {} shifts, {} paid hours, cost {:.1}; simulated SL {:.3} (target {}), ASA {:.1}s, abandoned {:.3}",
            plan.model,
            plan.shifts.assignments.iter().map(|s| s.count).sum::<u32>(),
            plan.shifts.paid_hours,
            plan.shifts.cost,
            plan.simulated.service_level,
            a.service_level,
            plan.simulated.asa_secs,
            plan.simulated.abandonment_rate,
        )?;
        writeln!(
            out,
            "ts,forecast,raw_agents,headcount,scheduled,sim_sl,sim_asa_s"
        )?;
        for h in &plan.hours {
            writeln!(
                out,
                "{},{:.1},{},{},{},{:.3},{:.1}",
                h.ts.format(TS_FORMAT),
                h.forecast,
                h.raw_agents,
                h.required_headcount,
                h.scheduled,
                h.simulated_sl,
                h.simulated_asa_secs
            )?;
        }
    }
    Ok(())
}

/// Writes the plan to an Excel workbook: an "hours" sheet with a chart of
/// required vs scheduled agents, and a "shifts" sheet.
fn write_plan_xlsx(plan: &StaffingPlan, path: &Path) -> Result<()> {
    use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
    let xl = |e: rust_xlsxwriter::XlsxError| anyhow::anyhow!("invalid input: xlsx: {e}");
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("hours").map_err(xl)?;
    let heads = [
        "hour",
        "forecast",
        "agents (Erlang C)",
        "headcount needed",
        "scheduled",
        "simulated SL",
        "simulated ASA (s)",
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (i, h) in plan.hours.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, h.ts.format(TS_FORMAT).to_string())
            .map_err(xl)?;
        ws.write_number(r, 1, h.forecast).map_err(xl)?;
        ws.write_number(r, 2, h.raw_agents as f64).map_err(xl)?;
        ws.write_number(r, 3, h.required_headcount as f64)
            .map_err(xl)?;
        ws.write_number(r, 4, h.scheduled as f64).map_err(xl)?;
        ws.write_number(r, 5, h.simulated_sl).map_err(xl)?;
        ws.write_number(r, 6, h.simulated_asa_secs).map_err(xl)?;
    }
    ws.set_column_width(0, 20).map_err(xl)?;
    let last = plan.hours.len() as u32;
    if last > 0 {
        let mut chart = Chart::new(ChartType::Line);
        chart
            .add_series()
            .set_name("headcount needed")
            .set_categories(("hours", 1, 0, last, 0))
            .set_values(("hours", 1, 3, last, 3));
        chart
            .add_series()
            .set_name("scheduled")
            .set_categories(("hours", 1, 0, last, 0))
            .set_values(("hours", 1, 4, last, 4));
        chart.title().set_name("Agents per hour");
        ws.insert_chart(1, 8, &chart).map_err(xl)?;
    }
    let ws = wb.add_worksheet().set_name("shifts").map_err(xl)?;
    for (c, h) in ["shift", "start", "agents"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xl)?;
    }
    for (i, a) in plan.shifts.assignments.iter().enumerate() {
        let r = i as u32 + 1;
        let start = plan
            .hours
            .get(a.start)
            .map(|h| h.ts.format(TS_FORMAT).to_string())
            .unwrap_or_default();
        ws.write_string(r, 0, &a.template).map_err(xl)?;
        ws.write_string(r, 1, start).map_err(xl)?;
        ws.write_number(r, 2, a.count as f64).map_err(xl)?;
    }
    ws.set_column_width(1, 20).map_err(xl)?;
    wb.save(path).map_err(xl)?;
    Ok(())
}
