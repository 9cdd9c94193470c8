//! Stand-alone front end for the kefu-forecast commands, for benchmarks and
//! for use before the `kefu` binary embeds them (same arguments).

use clap::{Parser, Subcommand};
use kefu_forecast::cli;

#[derive(Parser)]
#[command(name = "kefu-forecast", about = "Forecasting, staffing and simulation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Forecast hourly volume.
    Forecast(cli::ForecastArgs),
    /// Erlang C and staffing plans.
    Staff(cli::StaffArgs),
    /// Simulate a roster against arrivals.
    Simulate(cli::SimulateArgs),
}

fn main() -> anyhow::Result<()> {
    let result = match Cli::parse().command {
        Command::Forecast(a) => cli::run_forecast(a),
        Command::Staff(a) => cli::run_staff(a),
        Command::Simulate(a) => cli::run_simulate(a),
    };
    // `… | head` closing the pipe is not an error worth a backtrace.
    match result {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}
