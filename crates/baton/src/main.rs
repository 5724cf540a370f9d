//! `baton`: the CLI, the server and the demo in one binary.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod db;
mod demo;
mod output;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    // The demo replays months of history at start; its moves are the story it prints, not
    // log lines. Elsewhere every move is logged.
    let default_filter = match cli.command {
        cli::Command::Demo { .. } => "warn,baton::commands=info",
        _ => "info,sqlx=warn",
    };
    init_tracing(cli.log_format, default_filter);
    match commands::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(format: cli::LogFormat, default_filter: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("BATON_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        cli::LogFormat::Json => builder.json().init(),
        cli::LogFormat::Text => builder.init(),
    }
}
