// The extension's service worker: one WebSocket to the wallet per page connection, opened
// with the pairing token the user made in Cairn (Settings → Connected apps) and the page's
// origin as the browser gives it (the port's sender), both offered as subprotocols. Cairn
// accepts only this extension's pinned id with a valid token, and answers as that origin.
const hex = (s) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, '0')).join('');

chrome.runtime.onConnect.addListener(async (port) => {
  if (port.name !== 'cairn-page' || !port.sender || !port.sender.origin) { port.disconnect(); return; }
  const origin = port.sender.origin;
  const { bridgePort, pairingToken } = await chrome.storage.local.get(['bridgePort', 'pairingToken']);
  const queue = [];
  let socket = null;
  const fail = (id, message) => port.postMessage({ id, error: { code: 4900, message } });
  if (!bridgePort || !pairingToken) {
    port.onMessage.addListener((m) => fail(m.id, 'Cairn is not paired: open the extension options and paste the pairing token from Cairn'));
    return;
  }
  const open = () => {
    socket = new WebSocket(`ws://127.0.0.1:${bridgePort}`, [`cairn.${pairingToken}`, `cairn-origin.${hex(origin)}`]);
    socket.onopen = () => {
      // EIP-1193's `connect`, with the chain the wallet is on.
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 'cairn-connect', method: 'eth_chainId', params: [] }));
      while (queue.length) socket.send(queue.shift());
    };
    socket.onmessage = (e) => {
      let m; try { m = JSON.parse(e.data); } catch (_) { return; }
      if (m.method === 'wallet_event') { port.postMessage({ event: m.params.event, data: m.params.data }); return; }
      if (m.id === 'cairn-connect') { if (m.result) port.postMessage({ event: 'connect', data: { chainId: m.result } }); return; }
      port.postMessage({ id: m.id, result: m.result, error: m.error });
    };
    socket.onclose = () => { port.postMessage({ event: 'disconnect', data: { code: 4900 } }); socket = null; };
  };
  port.onMessage.addListener((m) => {
    const text = JSON.stringify({ jsonrpc: '2.0', id: m.id, method: m.method, params: m.params });
    if (!socket) open();
    if (socket.readyState === WebSocket.OPEN) socket.send(text); else queue.push(text);
  });
  port.onDisconnect.addListener(() => { if (socket) socket.close(); });
});

// The page's provider (MAIN world) is registered here rather than in the manifest so that the
// user's window.ethereum choice travels with it as a script file run just before it: a
// setting read from storage would reach the page only after its own scripts had looked.
// Registrations are serialised (the install event, a settings change and a direct call can
// overlap) and apply to pages loaded afterwards.
let registering = Promise.resolve();
async function registerInpage() {
  const { windowEthereum, isMetaMask } = await chrome.storage.local.get(['windowEthereum', 'isMetaMask']);
  const mode = windowEthereum ? (isMetaMask ? ['mode-metamask.js'] : ['mode-ethereum.js']) : [];
  const known = await chrome.scripting.getRegisteredContentScripts({ ids: ['cairn-inpage'] });
  if (known.length) await chrome.scripting.unregisterContentScripts({ ids: ['cairn-inpage'] });
  await chrome.scripting.registerContentScripts([{
    id: 'cairn-inpage',
    js: [...mode, 'inpage.js'],
    matches: ['http://*/*', 'https://*/*'],
    runAt: 'document_start',
    world: 'MAIN',
  }]);
}
function applySettings() {
  registering = registering.then(registerInpage, registerInpage);
  return registering;
}
chrome.runtime.onInstalled.addListener(() => { applySettings(); });
chrome.runtime.onStartup.addListener(() => { applySettings(); });
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && ('windowEthereum' in changes || 'isMetaMask' in changes)) applySettings();
});
