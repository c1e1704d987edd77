// MetaMask's test dapp (@metamask/test-dapp, its dist/ served here on 127.0.0.1) in Debian's
// Chromium with Cairn's extension loaded, driven by puppeteer-core: the page finds the wallet
// through EIP-6963, connects, signs (checked by the page's own Verify buttons), sends, and asks
// for EIP-5792 capabilities, then sends the page's own EIP-5792 batch from the smart account it
// was also shown and reads its status. The wallet's side (approvals) is the Rust test's.
// env: BRIDGE_PORT, PAIRING_TOKEN, EXTENSION_DIR, OUT_DIR (screenshots), CHROMIUM, SMART_ACCOUNT
// stdout: one JSON line per step; exit 1 on any unexpected result.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const { BRIDGE_PORT, PAIRING_TOKEN, EXTENSION_DIR, OUT_DIR = '.', CHROMIUM = '/usr/bin/chromium', SMART_ACCOUNT } = process.env;
const EXTENSION_ID = 'moogfdoibbpfpglpkbajaiboiljolnbn';
const here = path.dirname(fileURLToPath(import.meta.url));
fs.mkdirSync(OUT_DIR, { recursive: true });
const dist = path.join(here, 'node_modules/@metamask/test-dapp/dist');

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };
const server = http.createServer((req, res) => {
  const file = path.join(dist, path.normalize(decodeURIComponent(req.url.split('?')[0])).replace(/^([/\\])+/, '') || 'index.html');
  if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    const index = path.join(dist, 'index.html');
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end(fs.readFileSync(index));
  }
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  res.end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const dappUrl = `http://127.0.0.1:${server.address().port}/`;

let failed = false;
const print = (o) => console.log(JSON.stringify(o));
async function step(name, fn) {
  try {
    print({ step: name, ok: true, ...(await fn()) });
  } catch (e) {
    failed = true;
    print({ step: name, ok: false, message: e.message });
  }
}
const check = (cond, what) => { if (!cond) throw new Error(`check failed: ${what}`); };

const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  pipe: true,
  enableExtensions: [path.resolve(EXTENSION_DIR)],
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  // A browser call that hangs fails its step in a minute (puppeteer's default waits 3), so the
  // test says which step and the others still run.
  timeout: 60000,
  protocolTimeout: 60000,
});
let page;
try {
  await step('extension', async () => {
    const target = await browser.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${EXTENSION_ID}/`),
      { timeout: 20000 },
    );
    const worker = await target.worker();
    // As the options page does, then wait for the page script to be registered with the
    // window.ethereum choice (it applies to pages loaded afterwards).
    await worker.evaluate(async (port, token) => {
      await chrome.storage.local.set({ bridgePort: port, pairingToken: token, windowEthereum: true, isMetaMask: true });
      await applySettings();
    }, Number(BRIDGE_PORT), PAIRING_TOKEN);
    return { id: EXTENSION_ID };
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  // The page's uncaught errors reach the test's log (a failed step then says why).
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.evaluateOnNewDocument(() => {
    window.__announced = [];
    window.addEventListener('eip6963:announceProvider', (e) => window.__announced.push(e.detail.info));
  });
  await page.goto(dappUrl, { waitUntil: 'load' });
  const text = (sel) => page.$eval(sel, (e) => (e.value !== undefined && e.value !== '' ? e.value : e.textContent).trim());
  const waitText = async (sel, ok, what, timeout = 60000) => {
    const deadline = Date.now() + timeout;
    let last = '';
    while (Date.now() < deadline) {
      last = await text(sel).catch(() => '');
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${what}: ${sel} says ${JSON.stringify(last)}`);
  };
  await step('discovery', async () => {
    await page.evaluate(() => window.dispatchEvent(new Event('eip6963:requestProvider')));
    const infos = await page.evaluate(() => window.__announced.map((i) => ({ name: i.name, rdns: i.rdns })));
    check(infos.some((i) => i.rdns === 'app.cairn.wallet'), 'Cairn announced through EIP-6963');
    const listed = await waitText('#providers', (t) => t.includes('Cairn'), 'the dapp lists Cairn', 10000).catch(() => '');
    return { announced: infos, listedByDapp: listed.includes('Cairn') };
  });
  let account = '';
  await step('connect', async () => {
    // The page enables its Connect button (and gives it its handler) only once its scripts
    // have found a provider; on a loaded 2-core machine that comes well after `load`, and a
    // click on the disabled button is lost. So wait for it, and click again if no accounts
    // come (a second request is one more card for the same grant, not a second grant).
    // window.ethereum is Cairn's from the first script on (the page's MetaMask SDK installs
    // its own where it finds none, and the page then talks to that instead).
    const ours = await page.evaluate(() => !!(window.ethereum && window.ethereum.isCairn && window.ethereum.isMetaMask));
    check(ours, "window.ethereum is Cairn's, with isMetaMask");
    await page.waitForFunction(() => {
      const b = document.getElementById('connectButton');
      return b && !b.disabled && b.innerText.trim() === 'Connect';
    }, { timeout: 60000 }).catch(async () => {
      const b = await text('#connectButton').catch(() => '?');
      throw new Error(`the page's connect button says ${JSON.stringify(b)}`);
    });
    let accounts = '';
    for (let attempt = 0; attempt < 4 && !accounts; attempt++) {
      await page.click('#connectButton');
      accounts = await waitText('#accounts', (t) => t.startsWith('0x'), 'accounts', 15000).catch(() => '');
    }
    if (!accounts) accounts = await waitText('#accounts', (t) => t.startsWith('0x'), 'accounts', 1000);
    account = accounts.split(',')[0].trim();
    return { account };
  });
  await step('personalSign', async () => {
    await page.click('#personalSign');
    const signature = await waitText('#personalSignResult', (t) => t.startsWith('0x'), 'signature');
    await page.click('#personalSignVerify');
    const recovered = await waitText('#personalSignVerifySigUtilResult', (t) => t.startsWith('0x'), 'verify');
    check(recovered.toLowerCase() === account.toLowerCase(), `the page recovers ${recovered}, not ${account}`);
    return { signature, recovered };
  });
  await step('signTypedDataV4', async () => {
    await page.click('#signTypedDataV4');
    const signature = await waitText('#signTypedDataV4Result', (t) => t.startsWith('0x'), 'signature');
    await page.click('#signTypedDataV4Verify');
    const recovered = await waitText('#signTypedDataV4VerifyResult', (t) => t.startsWith('0x'), 'verify');
    check(recovered.toLowerCase() === account.toLowerCase(), `the page recovers ${recovered}, not ${account}`);
    return { signature, recovered };
  });
  await step('send', async () => {
    const hash = await page.evaluate(async (from) => window.ethereum.request({
      method: 'eth_sendTransaction',
      params: [{ from, to: '0x0c54FcCd2e384b4BB6f2E405Bf5Cbc15a017AaFb', value: '0x2386f26fc10000' }],
    }), account);
    check(/^0x[0-9a-f]{64}$/.test(hash), `a transaction hash, not ${hash}`);
    await page.click('#sendButton');
    return { hash };
  });
  await step('eip5792', async () => {
    await page.click('#eip5792GetCapabilitiesButton');
    const caps = await waitText('#eip5792GetCapabilitiesResult', (t) => t.includes('atomic'), 'capabilities');
    if (!SMART_ACCOUNT) return { capabilities: caps };
    // The page's own batch (two calls) from the smart account it was also shown: "Edit
    // Request" names it as `from`, then Send Calls, then Get Calls Status until it is done.
    await page.click('#eip5792SendCallsEdit');
    await page.$eval('#eip5792From', (el, v) => { el.value = v; }, SMART_ACCOUNT);
    await page.click('#eip5792SendCallsButton');
    let id = '';
    for (let i = 0; i < 600 && !id.startsWith('0x'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      id = await page.$eval('#eip5792RequestIdInput', (el) => el.value);
      const error = await page.$eval('#eip5792SendCallsError', (el) => el.textContent);
      check(!error, `sendCalls refused: ${error}`);
    }
    check(id.startsWith('0x'), 'a batch id in the page');
    let status = '';
    for (let i = 0; i < 120 && !status.includes('"status": 200'); i++) {
      await page.click('#eip5792GetCallsStatusButton');
      await new Promise((r) => setTimeout(r, 500));
      status = await page.$eval('#eip5792GetCallsStatusResult', (el) => el.textContent);
    }
    check(status.includes('"status": 200') && status.includes('"atomic": true'), `the batch is done: ${status}`);
    const receipts = JSON.parse(status).receipts;
    check(receipts.length === 1 && receipts[0].status === '0x1', 'one successful receipt');
    return { capabilities: caps, batch: id, transactionHash: receipts[0].transactionHash };
  });
  await page.screenshot({ path: path.join(OUT_DIR, 'browser-test-dapp.png'), fullPage: false });
} finally {
  if (page) await page.screenshot({ path: path.join(OUT_DIR, 'browser-test-dapp-end.png') }).catch(() => {});
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
