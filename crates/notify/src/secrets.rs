//! Reads the secrets channels name ([`SecretName`]): environment variables of this
//! process, and files in the secrets directory the operator chose (`serve --secrets-dir`,
//! where a Kubernetes or Docker secret is mounted). Read at every send, so a rotated
//! secret is used without a restart.

use baton_core::paging::SecretName;
use std::io::Read;
use std::path::PathBuf;

/// The longest secret file read: a URL or a key, not a document.
const MAX_SECRET_BYTES: u64 = 16 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// Where `file` secrets are; `None` refuses them (saying how to set it).
    pub dir: Option<PathBuf>,
}

impl Secrets {
    /// The secret's text; `Ok(None)` when the variable is unset or the file absent. Errors
    /// never hold what was read.
    pub fn read(&self, name: &SecretName) -> Result<Option<String>, String> {
        match name {
            SecretName::Env(var) => match std::env::var(var) {
                Ok(v) => Ok(Some(v)),
                Err(std::env::VarError::NotPresent) => Ok(None),
                Err(std::env::VarError::NotUnicode(_)) => Err("it is not UTF-8".into()),
            },
            SecretName::File(file) => self.read_file(file),
        }
    }

    fn read_file(&self, file: &str) -> Result<Option<String>, String> {
        let dir = self.dir.as_ref().ok_or("no secrets directory is set (serve --secrets-dir or BATON_SECRETS_DIR)")?;
        let dir = dir.canonicalize().map_err(|e| format!("the secrets directory: {}", e.kind()))?;
        let path = match dir.join(file).canonicalize() {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.kind().to_string()),
        };
        // Mounted secrets are links within the directory (Kubernetes' `..data`); one that
        // leads out of it is refused, unread.
        if !path.starts_with(&dir) {
            return Err("it leads out of the secrets directory".into());
        }
        let mut text = String::new();
        let f = std::fs::File::open(&path).map_err(|e| e.kind().to_string())?;
        f.take(MAX_SECRET_BYTES + 1).read_to_string(&mut text).map_err(|_| "it is not UTF-8 text".to_string())?;
        if text.len() as u64 > MAX_SECRET_BYTES {
            return Err(format!("it is larger than {} KiB", MAX_SECRET_BYTES / 1024));
        }
        Ok(Some(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_in_the_directory_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("secrets");
        std::fs::create_dir_all(dir.join("slack")).unwrap();
        std::fs::write(dir.join("slack/platform"), "https://hooks.slack.example/T/B/x\n").unwrap();
        std::fs::write(root.path().join("audit.key"), "k3y").unwrap();
        std::os::unix::fs::symlink(root.path().join("audit.key"), dir.join("escape")).unwrap();
        let secrets = Secrets { dir: Some(dir) };
        let file = |n: &str| secrets.read(&SecretName::File(n.into()));
        assert_eq!(file("slack/platform").unwrap().as_deref(), Some("https://hooks.slack.example/T/B/x\n"));
        assert_eq!(file("slack/absent").unwrap(), None);
        let escaped = file("escape").unwrap_err();
        assert!(escaped.contains("out of the secrets directory") && !escaped.contains("k3y"), "{escaped}");
        let unset = Secrets::default().read(&SecretName::File("slack/platform".into())).unwrap_err();
        assert!(unset.contains("--secrets-dir"), "{unset}");
    }
}
