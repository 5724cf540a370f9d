//! `baton serve`.

use super::definitions::{load_or_report, print_report};
use crate::cli::Db;
use anyhow::{bail, Context, Result};
use baton_app::Baton;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

pub async fn serve(
    config: Option<PathBuf>,
    listen: SocketAddr,
    public_url: Option<String>,
    sending: Sending,
    web: baton_web::WebConfig,
    db: &Db,
) -> Result<ExitCode> {
    let baton = db.baton().await?;
    if let Some(url) = &public_url {
        baton.set_public_url(url);
    }
    if let Some(dir) = config {
        let (Some(org), _) = load_or_report(&dir) else {
            bail!("the definition repo {} has errors; nothing was applied", dir.display())
        };
        print_report(&baton.apply(&org, "system:serve").await?, false, true);
    }
    print_first_start_token(&baton).await?;
    run_server(baton, listen, web, sending).await?;
    Ok(ExitCode::SUCCESS)
}

/// On a store with no token at all, creates the admin token and prints it, once (what it
/// is on stderr, the token on stdout).
pub async fn print_first_start_token(baton: &Baton) -> Result<()> {
    if let Some(issued) = baton.first_start_admin_token().await? {
        eprintln!("first start: the admin token (shown once; it manages tokens, see `baton token --help`):");
        println!("  admin              {}", issued.secret);
    }
    Ok(())
}

/// What the sender may reach, where it reads the secrets channels name, the mail server,
/// and the key acknowledge links are signed with.
#[derive(Debug, Clone, Default)]
pub struct Sending {
    pub outbound: baton_notify::Outbound,
    pub secrets: baton_notify::Secrets,
    pub smtp: Option<baton_notify::SmtpConfig>,
    pub link_key: Option<Vec<u8>>,
}

/// The mail server `--smtp-url` names, with its password by name.
pub fn smtp(reaching: &crate::cli::Reaching) -> Result<Option<baton_notify::SmtpConfig>> {
    let Some(url) = reaching.smtp_url.clone() else {
        if reaching.smtp_password_secret.is_some() {
            bail!("--smtp-password-secret needs --smtp-url");
        }
        return Ok(None);
    };
    let password = reaching
        .smtp_password_secret
        .as_deref()
        .map(|name| {
            let name = name.trim();
            let parsed = if name.starts_with(baton_core::paging::SECRET_ENV_PREFIX) {
                baton_core::paging::SecretName::env(name)
            } else {
                baton_core::paging::SecretName::file(name)
            };
            parsed.map_err(|e| anyhow::anyhow!("--smtp-password-secret: {e}"))
        })
        .transpose()?;
    Ok(Some(baton_notify::SmtpConfig { url, from: reaching.smtp_from.clone(), password }))
}

/// The bytes of `--link-key-file`, at least 32 of them.
pub fn link_key(reaching: &crate::cli::Reaching) -> Result<Option<Vec<u8>>> {
    let Some(path) = &reaching.link_key_file else { return Ok(None) };
    let key = std::fs::read(path).with_context(|| format!("--link-key-file {}", path.display()))?;
    if key.len() < 32 {
        bail!("--link-key-file {}: {} bytes; a signing key needs 32 or more", path.display(), key.len());
    }
    Ok(Some(key))
}

/// Binds, says where, and serves until Ctrl-C or SIGTERM; in-flight requests finish.
pub async fn run_server(
    baton: Arc<Baton>,
    listen: SocketAddr,
    web: baton_web::WebConfig,
    sending: Sending,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (is it in use? try --listen 127.0.0.1:0)"))?;
    let addr = listener.local_addr()?;
    // On stdout, not as a note: scripts and the browser tests read the address from it.
    println!("Baton is serving on http://{addr}/ ({} store)", baton.store().backend());
    // Pages link back to the alert; without --public-url, to the address served (right
    // for a single host; behind a proxy, set --public-url).
    baton.set_public_url(&format!("http://{addr}"));
    if let Ok(ms) = std::env::var("BATON_SLO_ALERTING_EVERY_MS") {
        match ms.trim().parse::<u64>() {
            Ok(ms) if ms >= 100 => baton.set_slo_alerting_every(std::time::Duration::from_millis(ms)),
            _ => bail!("BATON_SLO_ALERTING_EVERY_MS={ms:?}: give a whole number of milliseconds, at least 100"),
        }
    }
    tracing::info!(%addr, "serving");
    // The engine (escalations, reminders, heartbeats) and the outbox sender run beside the
    // server and stop with it: dropping `stop` ends them.
    let (stop, stopped) = tokio::sync::watch::channel(());
    let until_stopped = move || {
        let mut rx = stopped.clone();
        async move {
            let _ = rx.changed().await;
        }
    };
    baton.set_mail_configured(sending.smtp.is_some());
    if let Some(key) = &sending.link_key {
        baton.set_link_key(key);
    }
    let engine = tokio::spawn(baton.clone().run_engine(until_stopped()));
    let sender =
        baton_notify::Sender::new(baton.store().clone(), Arc::new(baton_app::SystemClock), sender_config(sending)?)?;
    baton.queue_for_sender(sender.queue());
    // A failed page makes its alert due now: if nothing of its step got through, the
    // escalation moves on (see `Baton::page_failed`). The callback must not block the
    // sender, so the store call runs on its own task.
    let weak = Arc::downgrade(&baton);
    sender.on_failed(Arc::new(move |message, _| {
        if let Some(baton) = weak.upgrade() {
            let message = message.clone();
            tokio::spawn(async move { baton.page_failed(&message).await });
        }
    }));
    let sender = tokio::spawn(Arc::new(sender).run(baton.outbox_wake(), until_stopped()));
    baton_web::serve(listener, baton_web::router_with(baton, web), shutdown_signal()).await?;
    drop(stop);
    let _ = tokio::join!(engine, sender);
    tracing::info!("stopped");
    Ok(())
}

/// The sender's settings: the defaults, with the retry backoff shortened by
/// `BATON_DELIVERY_RETRY_BASE_MS` and `BATON_DELIVERY_RETRY_MAX_MS` when set (drills and
/// tests: the same code path, faster). How long a message is retried is each channel's
/// `retry_for`.
fn sender_config(sending: Sending) -> Result<baton_notify::SenderConfig> {
    let Sending { outbound, secrets, smtp, link_key: _ } = sending;
    let mut config = baton_notify::SenderConfig { outbound, secrets, smtp, ..Default::default() };
    let millis = |name: &str| -> Result<Option<std::time::Duration>> {
        match std::env::var(name) {
            Err(_) => Ok(None),
            Ok(v) => match v.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => Ok(Some(std::time::Duration::from_millis(ms))),
                _ => bail!("{name}={v:?}: give a whole number of milliseconds above 0"),
            },
        }
    };
    if let Some(base) = millis("BATON_DELIVERY_RETRY_BASE_MS")? {
        config.retry.base = base;
    }
    if let Some(max) = millis("BATON_DELIVERY_RETRY_MAX_MS")? {
        config.retry.max_delay = max;
    }
    if config.retry.max_delay < config.retry.base {
        bail!("BATON_DELIVERY_RETRY_MAX_MS must not be below the backoff's base");
    }
    Ok(config)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
