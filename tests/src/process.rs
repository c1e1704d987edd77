//! A child process the fixtures supervise: its stdin is held open while the fixture lives, and
//! the programs started this way (devnet.mjs, watchdog.mjs) end themselves — and everything they
//! started — when it closes. So dropping the fixture, a panic, or the test process dying by any
//! signal all stop the helper.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Supervised {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Supervised {
    /// Starts `cmd` with a held stdin. With `Stdio::piped()` for `stdout`, read it with
    /// [`Self::wait_for_line`].
    pub fn spawn(mut cmd: Command, stdout: Stdio) -> std::io::Result<Supervised> {
        let mut child = cmd.stdin(Stdio::piped()).stdout(stdout).spawn()?;
        let stdin = child.stdin.take();
        Ok(Supervised { child, stdin })
    }

    /// The first stdout line `pick` accepts, mapped; `Err` with a reason if the process closes
    /// its stdout first or `timeout` passes. Later output is drained so the child never blocks.
    pub fn wait_for_line<T: Send + 'static>(
        &mut self,
        timeout: Duration,
        pick: impl Fn(&str) -> Option<T> + Send + 'static,
    ) -> Result<T, String> {
        let stdout = self.child.stdout.take().ok_or("stdout was already taken")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(value) = pick(&line) {
                        sent = tx.send(Ok(value)).is_ok();
                    }
                }
            }
            let _ = tx.send(Err("the process exited before it was ready".to_string()));
        });
        rx.recv_timeout(timeout)
            .map_err(|_| format!("not ready within {timeout:?}"))?
    }

    /// Closes stdin and waits for the process to end, killing it after 5 s.
    pub fn stop(&mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        self.stop();
    }
}
