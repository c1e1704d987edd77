// Runs a command in its own process group and ends the whole group (the command and everything
// it started) when this script's stdin closes or it gets SIGTERM/SIGINT. Test fixtures start
// long-lived helpers (Xvfb, tauri-driver → WebKitWebDriver → the app) through it, holding its
// stdin open: however the test process ends, even by SIGKILL, nothing is left running.
// Usage: node watchdog.mjs CMD [ARGS...]; exits with the command's status.
import { spawn } from "node:child_process"

const [cmd, ...args] = process.argv.slice(2)
if (!cmd) {
    process.stderr.write("usage: watchdog.mjs CMD [ARGS...]\n")
    process.exit(2)
}
const child = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"], detached: true })
let ending = false

function end() {
    if (ending) return
    ending = true
    try {
        process.kill(-child.pid, "SIGTERM")
    } catch {}
    setTimeout(() => {
        try {
            process.kill(-child.pid, "SIGKILL")
        } catch {}
        process.exit(0)
    }, 2000).unref()
}

child.on("error", (e) => {
    process.stderr.write(`watchdog: cannot start ${cmd}: ${e.message}\n`)
    process.exit(127)
})
child.on("exit", (code, signal) => {
    // The leader is gone; its group may not be. End the rest, then leave.
    try {
        process.kill(-child.pid, "SIGKILL")
    } catch {}
    process.exit(ending ? 0 : (code ?? (signal ? 1 : 0)))
})
process.stdin.on("end", end)
process.stdin.on("close", end)
process.stdin.resume()
process.on("SIGTERM", end)
process.on("SIGINT", end)
process.on("SIGHUP", end)
