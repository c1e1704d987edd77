// Starts Cairn's local test peers, all on 127.0.0.1 and on free ports:
//   anvil → EntryPoint v0.6/v0.7/v0.8 + SimpleAccount factories at their canonical CREATE2
//   addresses → Safe 1.4.1 (SafeL2, proxy factory, MultiSend, fallback handler) at its canonical
//   addresses through the Safe singleton factory, with Safe4337Module 0.3.0 + SafeModuleSetup
//   (the npm bytes, so at devnet addresses of their own) and Safe's passkey signers 0.2.0 (the
//   same) → price feeds answering as Chainlink's at its mainnet feed addresses → the alto
//   bundler → an ERC-7677 mock paymaster.
// Prints one line `CAIRN_DEVNET_READY {json endpoints}` on stdout when every peer answers, and
// writes the same JSON to --out FILE if given. `--hardfork NAME` starts anvil at that hardfork
// (`prague` has no P-256 precompile).
//
// Lifetime: the stack lives until SIGINT/SIGTERM, or until stdin closes when started with
// --watch-stdin (the test fixture does this, so a test process that dies in any way — panic,
// SIGKILL — takes its peers with it; nothing is left listening).
import { spawn } from "node:child_process"
import { createServer } from "node:net"
import { createServer as createHttpServer } from "node:http"
import { readFileSync, writeFileSync, mkdtempSync, rmSync, mkdirSync, existsSync } from "node:fs"
import { createHash } from "node:crypto"
import { tmpdir } from "node:os"
import { join, dirname } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const mods = join(here, "node_modules")
const args = process.argv.slice(2)
const flag = (name) => args.includes(name)
const opt = (name) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
}

const CHAIN_ID = Number(opt("--chain-id") ?? 31337)
const CREATE2_DEPLOYER = "0x4e59b44847b379578588920cA78FbF26c0B4956C"
// anvil dev accounts #0 (deployer/funder), #1 (bundler executor), #2 (bundler utility)
const DEV_ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
const EXECUTOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
const UTILITY_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"

const ZERO_SALT = "0x" + "00".repeat(32)
const CONTRACTS = [
    { name: "entryPointV06", pkg: "aa-contracts-v06", artifact: "EntryPoint", salt: ZERO_SALT, address: "0x5FF137D4b0FDCD49DcA30c7CF57E578a026d2789" },
    { name: "entryPointV07", pkg: "@account-abstraction/contracts", artifact: "EntryPoint", salt: "0x90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3", address: "0x0000000071727De22E5E9d8BAf0edAc6f37da032" },
    { name: "entryPointV08", pkg: "aa-contracts-v08", artifact: "EntryPoint", salt: "0x0a59dbff790c23c976a548690c27297883cc66b4c67024f9117b0238995e35e9", address: "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108" },
    { name: "simpleAccountFactoryV07", pkg: "@account-abstraction/contracts", artifact: "SimpleAccountFactory", salt: ZERO_SALT, ctorAddress: "entryPointV07", address: "0x91E60e0613810449d098b0b5Ec8b51A0FE8c8985" },
    { name: "simpleAccountFactoryV08", pkg: "aa-contracts-v08", artifact: "SimpleAccountFactory", salt: ZERO_SALT, ctorAddress: "entryPointV08", address: "0x13E9ed32155810FDbd067D4522C492D6f68E5944" },
]

// Safe's contracts go through the Safe singleton factory (salt 0), as on every public chain: its
// pre-signed deployment for chain 31337 ships in @safe-global/safe-singleton-factory. The 1.4.1
// contracts must land at their canonical mainnet addresses (the npm bytes are the audited ones);
// the 4337 module's npm bytes differ from the deployed ones, so it lands at an address of its
// own, which core/src/primitives/safe.rs knows for the devnet.
const SINGLETON_FACTORY = "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7"
const SAFE_ARTIFACTS = "@safe-global/safe-contracts/build/artifacts/contracts"
const SAFE_4337_ARTIFACTS = "@safe-global/safe-4337/build/artifacts/contracts"
const PASSKEY_ARTIFACTS = "@safe-global/safe-passkey/build/artifacts/contracts"
const SAFE_CONTRACTS = [
    { name: "safeL2", artifact: `${SAFE_ARTIFACTS}/SafeL2.sol/SafeL2.json`, address: "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762" },
    { name: "safeProxyFactory", artifact: `${SAFE_ARTIFACTS}/proxies/SafeProxyFactory.sol/SafeProxyFactory.json`, address: "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67" },
    { name: "multiSend", artifact: `${SAFE_ARTIFACTS}/libraries/MultiSend.sol/MultiSend.json`, address: "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526" },
    { name: "multiSendCallOnly", artifact: `${SAFE_ARTIFACTS}/libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json`, address: "0x9641d764fc13c8B624c04430C7356C1C7C8102e2" },
    { name: "compatibilityFallbackHandler", artifact: `${SAFE_ARTIFACTS}/handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json`, address: "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99" },
    { name: "safeModuleSetup", artifact: `${SAFE_4337_ARTIFACTS}/SafeModuleSetup.sol/SafeModuleSetup.json` },
    { name: "safe4337Module", artifact: `${SAFE_4337_ARTIFACTS}/Safe4337Module.sol/Safe4337Module.json`, ctorAddress: "entryPointV07" },
    // Passkey owners (@safe-global/safe-passkey 0.2.0, npm bytes: devnet addresses): the signer
    // a Safe's setup configures for its first passkey, the factory of per-passkey signer proxies,
    // and the Solidity P-256 verifier used where the chain has no precompile.
    { name: "webAuthnSharedSigner", artifact: `${PASSKEY_ARTIFACTS}/4337/SafeWebAuthnSharedSigner.sol/SafeWebAuthnSharedSigner.json` },
    { name: "webAuthnSignerFactory", artifact: `${PASSKEY_ARTIFACTS}/SafeWebAuthnSignerFactory.sol/SafeWebAuthnSignerFactory.json` },
    { name: "fclP256Verifier", artifact: `${PASSKEY_ARTIFACTS}/verifiers/FCLP256Verifier.sol/FCLP256Verifier.json` },
]

// Chainlink's published Ethereum mainnet feeds. The devnet places its own test aggregator at
// these same addresses, so the wallet's production feed table runs unchanged here. Prices in
// USD with 8 decimals, as the real feeds report them.
const PRICE_FEEDS = [
    { name: "ethUsd", address: "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419", answer: 3000_00000000n, description: "ETH / USD" },
    { name: "eurUsd", address: "0xb49f677943BC038e9857d61E7d053CaA2C1734C1", answer: 1_08000000n, description: "EUR / USD" },
    { name: "gbpUsd", address: "0x5c0Ab2d9b5a7ed9f470386e82BB36A3613cDd4b5", answer: 1_25000000n, description: "GBP / USD" },
    { name: "chfUsd", address: "0x449d117117838fFA61263B61dA6301AA2a88B13A", answer: 1_12500000n, description: "CHF / USD" },
    { name: "usdcUsd", address: "0x8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6", answer: 1_00000000n, description: "USDC / USD" },
    { name: "usdtUsd", address: "0x3E7d1eAB13ad0104d2750B8863b489D65364e32D", answer: 1_00000000n, description: "USDT / USD" },
]

const children = []
const tempDirs = []
const servers = []
let stopping = false

function log(msg) {
    process.stderr.write(`devnet: ${msg}\n`)
}

async function stop(code) {
    if (stopping) return
    stopping = true
    for (const child of children.reverse()) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
    }
    const deadline = Date.now() + 3000
    while (children.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) {
        await sleep(50)
    }
    for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    }
    for (const server of servers) server.close()
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
    process.exit(code)
}

process.on("SIGINT", () => stop(0))
process.on("SIGTERM", () => stop(0))
process.on("SIGHUP", () => stop(0))
process.on("uncaughtException", (e) => {
    log(`fatal: ${e?.stack ?? e}`)
    stop(1)
})
process.on("unhandledRejection", (e) => {
    log(`fatal: ${e?.stack ?? e}`)
    stop(1)
})
if (flag("--watch-stdin")) {
    process.stdin.on("end", () => stop(0))
    process.stdin.on("close", () => stop(0))
    process.stdin.resume()
}

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms))
}

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = createServer()
        srv.unref()
        srv.on("error", reject)
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address()
            srv.close(() => resolve(port))
        })
    })
}

async function rpc(url, method, params = []) {
    const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        signal: AbortSignal.timeout(5000),
    })
    const body = await res.json()
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`)
    return body.result
}

async function waitFor(what, probe, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs
    let last
    while (Date.now() < deadline) {
        if (stopping) throw new Error("stopping")
        try {
            const v = await probe()
            if (v) return v
        } catch (e) {
            last = e
        }
        await sleep(100)
    }
    throw new Error(`${what} did not become ready in ${timeoutMs} ms: ${last?.message ?? last}`)
}

function startChild(name, cmd, cmdArgs, extra = {}) {
    const child = spawn(cmd, cmdArgs, { stdio: ["ignore", "pipe", "pipe"], ...extra })
    children.push(child)
    const tail = []
    const keep = (buf) => {
        for (const line of buf.toString().split("\n")) {
            if (line.trim()) tail.push(line)
        }
        while (tail.length > 40) tail.shift()
    }
    child.stdout.on("data", keep)
    child.stderr.on("data", keep)
    child.on("exit", (code, signal) => {
        if (!stopping) {
            log(`${name} exited unexpectedly (code ${code}, signal ${signal}); its last lines:\n${tail.join("\n")}`)
            stop(1)
        }
    })
    return child
}

function initCode(c, deployed) {
    const artifact = JSON.parse(readFileSync(join(mods, c.pkg, "artifacts", `${c.artifact}.json`), "utf8"))
    let code = artifact.bytecode
    if (c.ctorAddress) code += deployed[c.ctorAddress].slice(2).toLowerCase().padStart(64, "0")
    return code
}

async function deployContracts(anvilUrl) {
    const deployed = {}
    for (const c of CONTRACTS) {
        const data = c.salt + initCode(c, deployed).slice(2)
        const txHash = await rpc(anvilUrl, "eth_sendTransaction", [
            { from: DEV_ACCOUNT_0, to: CREATE2_DEPLOYER, data, gas: "0x1c9c380" },
        ])
        const receipt = await waitFor(`receipt of ${c.name}`, () => rpc(anvilUrl, "eth_getTransactionReceipt", [txHash]))
        if (receipt.status !== "0x1") throw new Error(`deploying ${c.name} reverted`)
        const code = await rpc(anvilUrl, "eth_getCode", [c.address, "latest"])
        if (!code || code === "0x") throw new Error(`${c.name} is not at its canonical address ${c.address}`)
        deployed[c.name] = c.address
    }
    return deployed
}

async function deploySafe(anvilUrl, deployed) {
    const factory = JSON.parse(readFileSync(join(mods, "@safe-global/safe-singleton-factory/artifacts", String(CHAIN_ID), "deployment.json"), "utf8"))
    const fund = await rpc(anvilUrl, "eth_sendTransaction", [
        { from: DEV_ACCOUNT_0, to: factory.signerAddress, value: "0x" + (BigInt(factory.gasPrice) * BigInt(factory.gasLimit)).toString(16) },
    ])
    await waitFor("funding the singleton factory's signer", () => rpc(anvilUrl, "eth_getTransactionReceipt", [fund]))
    const created = await rpc(anvilUrl, "eth_sendRawTransaction", [factory.transaction])
    await waitFor("the singleton factory", () => rpc(anvilUrl, "eth_getTransactionReceipt", [created]))
    if ((await rpc(anvilUrl, "eth_getCode", [SINGLETON_FACTORY, "latest"])) === "0x") {
        throw new Error(`the Safe singleton factory is not at ${SINGLETON_FACTORY}`)
    }
    const out = {}
    for (const c of SAFE_CONTRACTS) {
        let code = JSON.parse(readFileSync(join(mods, c.artifact), "utf8")).bytecode
        if (c.ctorAddress) code += deployed[c.ctorAddress].slice(2).toLowerCase().padStart(64, "0")
        const data = ZERO_SALT + code.slice(2)
        const tx = { from: DEV_ACCOUNT_0, to: SINGLETON_FACTORY, data, gas: "0x1c9c380" }
        // The factory answers the address it will create at.
        const address = "0x" + (await rpc(anvilUrl, "eth_call", [tx, "latest"])).slice(-40)
        if (c.address && address.toLowerCase() !== c.address.toLowerCase()) {
            throw new Error(`${c.name} would land at ${address}, not its canonical ${c.address}`)
        }
        const txHash = await rpc(anvilUrl, "eth_sendTransaction", [tx])
        const receipt = await waitFor(`receipt of ${c.name}`, () => rpc(anvilUrl, "eth_getTransactionReceipt", [txHash]))
        if (receipt.status !== "0x1") throw new Error(`deploying ${c.name} reverted`)
        if ((await rpc(anvilUrl, "eth_getCode", [address, "latest"])) === "0x") throw new Error(`${c.name} has no code at ${address}`)
        out[c.name] = c.address ?? address
    }
    return out
}

// contracts/DevnetPriceFeed.sol compiled by solc-js (pinned in package-lock), cached by the
// source's hash so only the first start after a change pays the second it takes.
async function priceFeedArtifact() {
    const source = readFileSync(join(here, "contracts", "DevnetPriceFeed.sol"), "utf8")
    const hash = createHash("sha256").update(source).digest("hex").slice(0, 16)
    const cacheDir = join(mods, ".cache", "cairn-devnet")
    const cached = join(cacheDir, `DevnetPriceFeed-${hash}.json`)
    if (existsSync(cached)) return JSON.parse(readFileSync(cached, "utf8"))
    const solc = (await import("solc")).default
    const out = JSON.parse(solc.compile(JSON.stringify({
        language: "Solidity",
        sources: { "DevnetPriceFeed.sol": { content: source } },
        settings: {
            optimizer: { enabled: true, runs: 200 },
            evmVersion: "cancun",
            outputSelection: { "*": { "*": ["evm.deployedBytecode.object", "evm.methodIdentifiers"] } },
        },
    })))
    const errors = (out.errors ?? []).filter((e) => e.severity === "error")
    if (errors.length) throw new Error(`DevnetPriceFeed.sol: ${errors.map((e) => e.formattedMessage).join("\n")}`)
    const c = out.contracts["DevnetPriceFeed.sol"].DevnetPriceFeed
    const artifact = { runtime: "0x" + c.evm.deployedBytecode.object, methods: c.evm.methodIdentifiers }
    mkdirSync(cacheDir, { recursive: true })
    writeFileSync(cached, JSON.stringify(artifact))
    return artifact
}

const word = (v) => BigInt.asUintN(256, BigInt(v)).toString(16).padStart(64, "0")

async function devCall(anvilUrl, to, data) {
    const txHash = await rpc(anvilUrl, "eth_sendTransaction", [{ from: DEV_ACCOUNT_0, to, data, gas: "0x100000" }])
    const receipt = await waitFor(`receipt of a call to ${to}`, () => rpc(anvilUrl, "eth_getTransactionReceipt", [txHash]))
    if (receipt.status !== "0x1") throw new Error(`the call to ${to} reverted`)
}

async function placePriceFeeds(anvilUrl) {
    const { runtime, methods } = await priceFeedArtifact()
    const feeds = {}
    for (const f of PRICE_FEEDS) {
        await rpc(anvilUrl, "anvil_setCode", [f.address, runtime])
        await devCall(anvilUrl, f.address, "0x" + methods["setDecimals(uint8)"] + word(8))
        await devCall(anvilUrl, f.address, "0x" + methods["updateAnswer(int256)"] + word(f.answer))
        feeds[f.name] = f.address
    }
    return { feeds, methods }
}

// A paymaster as a sponsor runs one: the mock paymaster behind a sponsorship policy. Senders on
// the policy's deny list are refused (a JSON-RPC error, as ERC-7677 paymasters answer); every
// other call goes to the paymaster. `POST /policy {"deny": [address, ...]}` sets the list, as a
// sponsor's dashboard would.
async function startSponsorshipPolicy(upstream) {
    const port = await freePort()
    let denied = new Set()
    const server = createHttpServer(async (req, res) => {
        let body = ""
        for await (const chunk of req) body += chunk
        const answer = (status, json) => {
            res.writeHead(status, { "content-type": "application/json" })
            res.end(JSON.stringify(json))
        }
        try {
            if (req.method === "POST" && req.url === "/policy") {
                denied = new Set((JSON.parse(body).deny ?? []).map((a) => String(a).toLowerCase()))
                return answer(200, { deny: [...denied] })
            }
            if (req.method === "GET" && req.url === "/ping") {
                const r = await fetch(`${upstream}/ping`)
                return answer(r.status, await r.json())
            }
            const call = JSON.parse(body)
            const sender = String(call?.params?.[0]?.sender ?? "").toLowerCase()
            if (String(call?.method).startsWith("pm_") && denied.has(sender)) {
                return answer(200, {
                    jsonrpc: "2.0",
                    id: call.id ?? null,
                    error: { code: -32000, message: `sponsorship denied by policy: ${sender} is not sponsored` },
                })
            }
            const r = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body })
            res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" })
            res.end(await r.text())
        } catch (e) {
            answer(400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: String(e?.message ?? e) } })
        }
    })
    servers.push(server)
    await new Promise((ok) => server.listen(port, "127.0.0.1", ok))
    return `http://127.0.0.1:${port}`
}

async function main() {
    const t0 = Date.now()
    const [anvilPort, altoPort, paymasterPort] = [await freePort(), await freePort(), await freePort()]
    const anvilUrl = `http://127.0.0.1:${anvilPort}`
    const altoUrl = `http://127.0.0.1:${altoPort}`
    const paymasterUrl = `http://127.0.0.1:${paymasterPort}`

    // anvil spills old block states to $HOME/.foundry/anvil/tmp and leaves them there when it is
    // stopped (1.3 GB after a long test; 30 GB filled this machine's disk and failed CI): its
    // HOME is a directory of ours, removed with the devnet.
    const anvilHome = mkdtempSync(join(tmpdir(), "cairn-anvil-"))
    tempDirs.push(anvilHome)
    startChild("anvil", join(mods, ".bin", "anvil"), [
        "--host", "127.0.0.1", "--port", String(anvilPort), "--chain-id", String(CHAIN_ID), "--silent",
        // `--hardfork prague`: a chain without the P-256 precompile, for the Solidity fallback.
        ...(opt("--hardfork") ? ["--hardfork", opt("--hardfork")] : []),
    ], { env: { ...process.env, HOME: anvilHome } })
    await waitFor("anvil", async () => (await rpc(anvilUrl, "eth_chainId")) !== undefined)
    log(`anvil on ${anvilUrl} (${Date.now() - t0} ms)`)

    const deployed = await deployContracts(anvilUrl)
    Object.assign(deployed, await deploySafe(anvilUrl, deployed))
    log(`contracts deployed (${Date.now() - t0} ms)`)
    const priceFeeds = await placePriceFeeds(anvilUrl)
    log(`price feeds at Chainlink's mainnet addresses (${Date.now() - t0} ms)`)

    let bundlerUrl = null
    let paymaster = null
    let policyUrl = null
    if (!flag("--no-bundler")) {
        const tmp = mkdtempSync(join(tmpdir(), "cairn-alto-"))
        tempDirs.push(tmp)
        startChild(
            "alto",
            process.execPath,
            [
                "--require", join(here, "loopback.cjs"),
                join(mods, "@pimlico", "alto", "esm", "cli", "alto.js"),
                "--entrypoints", [deployed.entryPointV06, deployed.entryPointV07, deployed.entryPointV08].join(","),
                "--rpc-url", anvilUrl,
                "--port", String(altoPort),
                "--executor-private-keys", EXECUTOR_KEY,
                "--utility-private-key", UTILITY_KEY,
                "--safe-mode", "false",
                "--log-level", "warn",
            ],
            { cwd: tmp },
        )
        await waitFor("alto", async () => Array.isArray(await rpc(altoUrl, "eth_supportedEntryPoints")), 60000)
        bundlerUrl = altoUrl
        log(`alto on ${altoUrl} (${Date.now() - t0} ms)`)

        if (!flag("--no-paymaster")) {
            await import("./polyfills.mjs")
            const { paymaster: mockPaymaster } = await import("@pimlico/mock-paymaster")
            paymaster = mockPaymaster({ anvilRpc: anvilUrl, altoRpc: altoUrl, host: "127.0.0.1", port: paymasterPort })
            await paymaster.start()
            await waitFor("paymaster", async () => (await fetch(`${paymasterUrl}/ping`)).ok)
            log(`paymaster on ${paymasterUrl} (${Date.now() - t0} ms)`)
            policyUrl = await startSponsorshipPolicy(paymasterUrl)
            log(`paymaster with a sponsorship policy on ${policyUrl}`)
        }
    }

    const endpoints = {
        chainId: CHAIN_ID,
        rpcUrl: anvilUrl,
        bundlerUrl,
        paymasterUrl: paymaster ? paymasterUrl : null,
        paymasterPolicyUrl: policyUrl,
        contracts: deployed,
        priceFeeds: priceFeeds.feeds,
        priceFeedMethods: priceFeeds.methods,
        pid: process.pid,
        readyMs: Date.now() - t0,
    }
    const json = JSON.stringify(endpoints)
    const out = opt("--out")
    if (out) writeFileSync(out, json + "\n")
    process.stdout.write(`CAIRN_DEVNET_READY ${json}\n`)
}

main().catch((e) => {
    log(`failed: ${e?.stack ?? e}`)
    stop(1)
})
