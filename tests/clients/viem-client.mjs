// viem 2.57.20 as an EIP-1193 dapp talking to Cairn's bridge over HTTP with a bearer token.
// env: BRIDGE_URL=http://127.0.0.1:PORT BRIDGE_TOKEN=... CHAIN_ID=31337
//      SCENARIO=connect|sign|send|calls|switch-unknown|rejected|all-basic
// stdout: one JSON line per step; exit 1 on any unexpected result.
import {
  createPublicClient, createWalletClient, defineChain, http, parseEther,
} from 'viem';

const { BRIDGE_URL, BRIDGE_TOKEN = '', CHAIN_ID = '31337', SCENARIO = 'all-basic' } = process.env;
const REJECT_MESSAGE = process.env.REJECT_MESSAGE ?? 'cairn: please reject this';
if (!BRIDGE_URL) { console.error('BRIDGE_URL is required'); process.exit(2); }

const chain = defineChain({
  id: Number(CHAIN_ID),
  name: 'Cairn devnet',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [BRIDGE_URL] } },
});
const transport = http(BRIDGE_URL, {
  fetchOptions: { headers: { Authorization: `Bearer ${BRIDGE_TOKEN}` } },
});
const wallet = createWalletClient({ chain, transport });
const client = createPublicClient({ chain, transport, pollingInterval: 250 });

let failed = false;
const print = (o) => console.log(JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
// viem wraps RPC errors (e.g. TransactionExecutionError -> UserRejectedRequestError); find the code.
const codeOf = (e) => (e?.walk?.((x) => typeof x?.code === 'number') ?? e)?.code;

async function step(name, fn) {
  try {
    const out = await fn();
    print({ step: name, ok: true, ...out });
    return out;
  } catch (e) {
    failed = true;
    print({ step: name, ok: false, code: codeOf(e), message: e.shortMessage ?? e.message });
  }
}
async function expectError(name, code, fn) {
  try {
    const out = await fn();
    failed = true;
    print({ step: name, ok: false, message: `expected error ${code}, got a result`, result: out ?? null });
  } catch (e) {
    const got = codeOf(e);
    if (got !== code) failed = true;
    print({ step: name, ok: got === code, code: got, message: e.shortMessage ?? e.message });
  }
}
const check = (cond, what) => { if (!cond) throw new Error(`check failed: ${what}`); };

let account;
const connect = () => step('connect', async () => {
  const addresses = await wallet.requestAddresses();
  check(addresses.length > 0, 'at least one address');
  account = addresses[0];
  return { addresses };
});

const sign = async () => {
  await step('signMessage', async () => {
    const message = 'hello cairn';
    const signature = await wallet.signMessage({ account, message });
    // Auto mode: ERC-6492/1271 via a deployless eth_call first, ecrecover as fallback.
    const valid = await client.verifyMessage({ address: account, message, signature });
    check(valid, 'verifyMessage');
    return { signature, valid };
  });
  await step('signTypedData', async () => {
    const typed = {
      domain: {
        name: 'Ether Mail', version: '1', chainId: chain.id,
        verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
      },
      types: {
        Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
        Mail: [
          { name: 'from', type: 'Person' }, { name: 'to', type: 'Person' },
          { name: 'contents', type: 'string' },
        ],
      },
      primaryType: 'Mail',
      message: {
        from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
        to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
        contents: 'Hello, Bob!',
      },
    };
    const signature = await wallet.signTypedData({ account, ...typed });
    const valid = await client.verifyTypedData({ address: account, signature, ...typed });
    check(valid, 'verifyTypedData');
    return { signature, valid };
  });
};

const send = () => step('sendTransaction', async () => {
  const hash = await wallet.sendTransaction({
    account, to: '0x000000000000000000000000000000000000b0b0', value: parseEther('0.01'),
  });
  const receipt = await client.waitForTransactionReceipt({ hash, timeout: 60_000 });
  check(receipt.status === 'success', `receipt status success (got ${receipt.status})`);
  return { hash, status: receipt.status, blockNumber: receipt.blockNumber };
});

const calls = async () => {
  await step('getCapabilities', async () => ({ capabilities: await wallet.getCapabilities({ account }) }));
  await step('sendCalls', async () => {
    const { id } = await wallet.sendCalls({
      account,
      calls: [
        { to: '0x000000000000000000000000000000000000b0b0', value: parseEther('0.001') },
        { to: '0x000000000000000000000000000000000000b0b1', value: parseEther('0.002') },
      ],
    });
    const res = await wallet.waitForCallsStatus({ id, timeout: 60_000 });
    check(res.status === 'success', `calls status success (got ${res.status}/${res.statusCode})`);
    check(res.atomic === true, 'atomic true');
    return { id, status: res.status, statusCode: res.statusCode, atomic: res.atomic, receipts: res.receipts.length };
  });
};

const switchUnknown = () =>
  expectError('switchChain-unknown', 4902, () => wallet.switchChain({ id: 999999 }));

const rejected = () =>
  expectError('signMessage-rejected', 4001, () => wallet.signMessage({ account, message: REJECT_MESSAGE }));

const scenarios = {
  connect: [],
  sign: [sign],
  send: [send],
  calls: [calls],
  'switch-unknown': [switchUnknown],
  rejected: [rejected],
  'all-basic': [sign, send],
};
if (!scenarios[SCENARIO]) { console.error(`unknown SCENARIO ${SCENARIO}`); process.exit(2); }

await connect();
if (account) for (const run of scenarios[SCENARIO]) await run();
process.exit(failed ? 1 : 0);
