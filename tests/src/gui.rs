//! The real app under test: a virtual X display (Xvfb), tauri-driver (which drives the app's
//! WebKit view through Debian's WebKitWebDriver) and the built `cairn-app` binary. Each helper
//! runs under `scripts/watchdog.mjs`, so it ends with the fixture or with the test process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::Supervised;

#[derive(Debug, thiserror::Error)]
pub enum GuiError {
    #[error("could not start {0}: {1}")]
    Spawn(&'static str, std::io::Error),
    #[error("{0} did not become ready: {1}")]
    NotReady(&'static str, String),
    #[error("the app binary {0} does not exist: build it first (make test does, via scripts/build-app.sh)")]
    NoApp(PathBuf),
}

fn watched(
    what: &'static str,
    program: &str,
    args: &[&str],
    envs: &[(&str, String)],
    stdout: Stdio,
) -> Result<Supervised, GuiError> {
    let mut cmd = Command::new("node");
    cmd.arg(crate::repo_root().join("scripts/watchdog.mjs"))
        .arg(program)
        .args(args)
        .stderr(Stdio::inherit())
        // The app under test keeps its device secret out of the developer's own keyring.
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    Supervised::spawn(cmd, stdout).map_err(|e| GuiError::Spawn(what, e))
}

/// A virtual X display of its own (never one a person is using).
#[derive(Debug)]
pub struct Display {
    pub name: String,
    _xvfb: Supervised,
}

impl Display {
    pub fn start() -> Result<Display, GuiError> {
        // -displayfd: Xvfb picks a free display number and prints it when it is ready.
        let mut xvfb = watched(
            "Xvfb",
            "Xvfb",
            &[
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ],
            &[],
            Stdio::piped(),
        )?;
        let number = xvfb
            .wait_for_line(Duration::from_secs(20), |line| {
                let n = line.trim();
                (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.to_string())
            })
            .map_err(|e| GuiError::NotReady("Xvfb", e))?;
        Ok(Display {
            name: format!(":{number}"),
            _xvfb: xvfb,
        })
    }

    /// A PNG of the whole screen, as a person would see it (ImageMagick's `import`).
    pub fn screenshot(&self, path: &Path) -> std::io::Result<()> {
        let status = Command::new("import")
            .args(["-display", &self.name, "-window", "root"])
            .arg(path)
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "import exited with {status}"
            )))
        }
    }
}

/// tauri-driver on free ports, with the app's environment.
#[derive(Debug)]
pub struct Driver {
    pub url: String,
    _process: Supervised,
}

impl Driver {
    pub async fn start(display: &Display, app_env: &[(&str, String)]) -> Result<Driver, GuiError> {
        let port = crate::free_port().map_err(|e| GuiError::Spawn("tauri-driver", e))?;
        let native = crate::free_port().map_err(|e| GuiError::Spawn("tauri-driver", e))?;
        let mut envs: Vec<(&str, String)> = vec![("DISPLAY", display.name.clone())];
        envs.extend(app_env.iter().cloned());
        let process = watched(
            "tauri-driver",
            &tauri_driver_path(),
            &[
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ],
            &envs,
            Stdio::inherit(),
        )?;
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{url}/status")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            if Instant::now() > deadline {
                return Err(GuiError::NotReady(
                    "tauri-driver",
                    format!("{url}/status did not answer"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Driver {
            url,
            _process: process,
        })
    }
}

fn tauri_driver_path() -> String {
    if let Ok(p) = std::env::var("TAURI_DRIVER") {
        return p;
    }
    if let Some(home) = std::env::var_os("HOME") {
        let p = PathBuf::from(home).join(".cargo/bin/tauri-driver");
        if p.exists() {
            return p.display().to_string();
        }
    }
    "tauri-driver".into()
}

/// The `cairn-app` binary next to this test's own build (same target dir and profile), or
/// `CAIRN_APP_BIN`.
pub fn app_binary() -> Result<PathBuf, GuiError> {
    let path = match std::env::var_os("CAIRN_APP_BIN") {
        Some(p) => PathBuf::from(p),
        None => sibling_binary("cairn-app"),
    };
    if path.exists() {
        Ok(path)
    } else {
        Err(GuiError::NoApp(path))
    }
}

/// A binary of the workspace built into the same profile directory as the running test.
pub fn sibling_binary(name: &str) -> PathBuf {
    // The test runs as <target>/<profile>/deps/<test>-<hash>.
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.parent()
                .and_then(Path::parent)
                .map(|dir| dir.join(name))
        })
        .unwrap_or_else(|| PathBuf::from(name))
}
