// The same signatures as core/benches/signing.rs, made by viem in node, for the comparison in
// the same run: an EIP-1559 transaction, and a v0.7 userOpHash signed as SimpleAccount checks it
// (EIP-191 over the 32-byte hash). Prints one JSON line: microseconds per operation (median of
// 7 rounds of N operations each).
// Run: node bench/viem-sign.mjs [N] (viem from scripts/devnet's packages).
import { createRequire } from "node:module"

const require = createRequire(new URL("../scripts/devnet/package.json", import.meta.url))
const { privateKeyToAccount } = require("viem/accounts")
const { keccak256 } = require("viem")

const N = Number(process.argv[2] ?? 2000)
// anvil's first dev key: public, a test fixture.
const account = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
const tx = {
    chainId: 31337, type: "eip1559", nonce: 7, gas: 21000n,
    maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n,
    to: "0x000000000000000000000000000000000000bEEF", value: 10n ** 16n,
}

async function perOp(work) {
    const rounds = []
    for (let r = 0; r < 7; r++) {
        const t0 = process.hrtime.bigint()
        for (let i = 0; i < N; i++) await work(i)
        rounds.push(Number(process.hrtime.bigint() - t0) / 1000 / N)
    }
    rounds.sort((a, b) => a - b)
    return rounds[3]
}

const eip1559 = await perOp((i) => account.signTransaction({ ...tx, nonce: i }))
// The userOpHash's inputs stand in as one keccak over a packed encoding of the same size
// (a v0.7 PackedUserOperation hash is two keccaks over ~0.5 KiB).
const packed = new Uint8Array(512)
const userOp = await perOp(async (i) => {
    packed[0] = i & 0xff
    const inner = keccak256(packed)
    const hash = keccak256(new Uint8Array([...Buffer.from(inner.slice(2), "hex"), ...new Uint8Array(64)]))
    return account.signMessage({ message: { raw: hash } })
})
console.log(JSON.stringify({ viem_eip1559_us: eip1559, viem_userop_us: userOp, n: N, node: process.version }))
