//! A real SMTP server on loopback for tests: `smtp_sink.py` (Python's aiosmtpd, installed
//! by `./scripts/test`) keeping every message it accepts as a file; stopped when dropped.
//! Shared by the notify tests and the baton tests (`#[path]` from each), so the script
//! is started and read one way.
#![allow(dead_code)] // each test crate uses part of it

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the sink; with `password`, it requires the login `baton` with it.
    pub fn start(password: Option<&str>) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let script = workspace_root().join(file!()).with_file_name("smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg(dir.path())
            .args(password)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the SMTP sink");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the SMTP sink did not start (is aiosmtpd installed? pip install aiosmtpd): {line:?}")
        });
        SmtpSink { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order, as received.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    }

    /// Waits (up to 5 s) until `n` messages have arrived.
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..500 {
            if self.received().len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the sink got {} messages, not {n}", self.received().len());
    }

    /// The messages to `address` (by their To header), waiting up to `within` for the first.
    pub async fn wait_for_mail_to(&self, address: &str, within: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + within;
        loop {
            let to_them: Vec<Vec<u8>> = self
                .received()
                .into_iter()
                .filter(|m| {
                    let head = String::from_utf8_lossy(m);
                    let head = head.split("\r\n\r\n").next().unwrap_or("").to_ascii_lowercase();
                    head.lines().any(|l| l.starts_with("to:") && l.contains(&address.to_ascii_lowercase()))
                })
                .collect();
            if !to_them.is_empty() {
                return to_them;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {address} within {within:?} ({} in all)",
                self.received().len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The directory of `Cargo.lock`: `file!()` is relative to it in a workspace.
fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("Cargo.lock").exists() && dir.pop() {}
    dir
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
