// ethers 6.17.0 as a dapp talking to Cairn's bridge: JsonRpcProvider over a FetchRequest that
// carries the bearer token, or (TRANSPORT=ws) WebSocketProvider offering the token as the
// subprotocol `cairn.<token>`. env as viem-client.mjs; SCENARIO=connect|sign|send|all.
import {
  FetchRequest, JsonRpcProvider, Network, WebSocketProvider, parseEther, verifyMessage,
} from 'ethers';
import { WebSocket } from 'ws';

const { BRIDGE_URL, BRIDGE_TOKEN = '', CHAIN_ID = '31337', SCENARIO = 'all', TRANSPORT = 'http' } = process.env;
if (!BRIDGE_URL) { console.error('BRIDGE_URL is required'); process.exit(2); }

const network = Network.from(Number(CHAIN_ID));
let provider;
if (TRANSPORT === 'ws') {
  const url = BRIDGE_URL.replace(/^http/, 'ws');
  provider = new WebSocketProvider(() => new WebSocket(url, [`cairn.${BRIDGE_TOKEN}`]), network, {
    staticNetwork: true,
    pollingInterval: 250,
  });
} else {
  const req = new FetchRequest(BRIDGE_URL);
  req.setHeader('Authorization', `Bearer ${BRIDGE_TOKEN}`);
  provider = new JsonRpcProvider(req, network, {
    staticNetwork: true,  // no eth_chainId probing/retry loop at start-up
    batchMaxCount: 1,     // one JSON-RPC object per POST (ethers batches into arrays by default)
    pollingInterval: 250, // tx.wait() polls eth_blockNumber; default is 4s
  });
}

let failed = false;
const print = (o) => console.log(JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
async function step(name, fn) {
  try {
    print({ step: name, ok: true, ...(await fn()) });
  } catch (e) {
    failed = true;
    // ethers puts the JSON-RPC error at e.error ({code, message}); e.code is its own string code.
    print({ step: name, ok: false, code: e.error?.code ?? e.info?.error?.code ?? e.code, message: e.shortMessage ?? e.message });
  }
}
const check = (cond, what) => { if (!cond) throw new Error(`check failed: ${what}`); };

let signer;
const connect = () => step('connect', async () => {
  const addresses = await provider.send('eth_requestAccounts', []);
  check(addresses.length > 0, 'at least one address');
  signer = await provider.getSigner(addresses[0]); // also calls eth_accounts to confirm the address
  return { addresses };
});
const sign = () => step('signMessage', async () => {
  const message = 'hello cairn';
  const signature = await signer.signMessage(message);
  const recovered = verifyMessage(message, signature);
  check(recovered.toLowerCase() === signer.address.toLowerCase(), 'verifyMessage recovers the signer');
  return { signature, recovered };
});
const send = () => step('sendTransaction', async () => {
  const tx = await signer.sendTransaction({ to: '0x000000000000000000000000000000000000b0b0', value: parseEther('0.01') });
  const receipt = await tx.wait(1, 60_000);
  check(receipt.status === 1, `receipt status 1 (got ${receipt.status})`);
  return { hash: tx.hash, status: receipt.status, blockNumber: receipt.blockNumber };
});

const scenarios = { connect: [], sign: [sign], send: [send], all: [sign, send] };
if (!scenarios[SCENARIO]) { console.error(`unknown SCENARIO ${SCENARIO}`); process.exit(2); }
await connect();
if (signer) for (const run of scenarios[SCENARIO]) await run();
provider.destroy();
process.exit(failed ? 1 : 0);
