//! `baton`: the CLI, the server and the demo in one binary.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod db;
mod demo;
mod output;

/// jemalloc, not the system's allocator: under alert intake glibc's `malloc` and `free`
/// (their consolidating and unlinking of chunks freed on another thread) took about a fifth
/// of the CPU, and intake went from about 8,800 to 12,000–13,600 alerts/s with jemalloc
/// (BENCHMARKS.md, "Paging"). Its background thread gives freed memory back to the system
/// when the server goes idle, so idle memory stays as low (BENCHMARKS.md, "HTTP").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    quiet_on_broken_pipe();
    let cli = cli::parse();
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

/// `baton slo report --output json | head`: once the reader has gone, printing fails with
/// a broken pipe, which `println!` turns into a panic. A CLI stops quietly instead, with
/// the status a Unix tool killed by SIGPIPE has (141), as `cat file | head` does.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload.downcast_ref::<String>().map(String::as_str).or(payload.downcast_ref::<&str>().copied());
        if message.is_some_and(|m| m.starts_with("failed printing to stdout") && m.contains("Broken pipe")) {
            std::process::exit(141);
        }
        default(info)
    }));
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
