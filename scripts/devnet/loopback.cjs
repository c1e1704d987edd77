// Preloaded into alto, which always listens on 0.0.0.0: every server it opens binds loopback only.
const net = require("node:net")
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
    if (args[0] && typeof args[0] === "object" && !Array.isArray(args[0])) {
        args[0] = { ...args[0], host: "127.0.0.1" }
    } else if (typeof args[0] === "number" || typeof args[0] === "string") {
        // listen(port[, host][, backlog][, cb]): replace or insert the host
        if (typeof args[1] === "string") args[1] = "127.0.0.1"
        else args.splice(1, 0, "127.0.0.1")
    }
    return listen.apply(this, args)
}
