// Cairn's EIP-1193 provider in the page (the MAIN world): announced through EIP-6963 and,
// where the user turned it on, also set as window.ethereum. It holds nothing: every request
// goes through the relay (isolated world) to the extension's service worker, which talks to
// the wallet over its loopback WebSocket. The page's origin is stated by the browser to the
// worker, never by this script.
(() => {
  // The user's window.ethereum choice, left by the one-line script the worker registered just
  // before this one (so it is known before any of the page's scripts runs), then removed.
  const mode = window.__cairnMode;
  try { delete window.__cairnMode; } catch (_) {}
  const pending = new Map();
  const listeners = new Map();
  let next = 1;
  const emit = (event, data) => (listeners.get(event) || []).slice().forEach((f) => { try { f(data); } catch (_) {} });

  window.addEventListener('message', (e) => {
    if (e.source !== window || !e.data || e.data.target !== 'cairn-inpage') return;
    const m = e.data;
    if (m.event) { emit(m.event, m.data); return; }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) {
      const err = new Error(m.error.message || 'request failed');
      err.code = m.error.code;
      if (m.error.data !== undefined) err.data = m.error.data;
      p.reject(err);
    } else {
      p.resolve(m.result);
    }
  });

  const provider = {
    isCairn: true,
    request({ method, params } = {}) {
      if (typeof method !== 'string') {
        return Promise.reject(Object.assign(new Error('method must be a string'), { code: -32602 }));
      }
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        window.postMessage({ target: 'cairn-relay', id, method, params: params === undefined ? [] : params }, window.location.origin);
      });
    },
    on(event, fn) { listeners.set(event, [...(listeners.get(event) || []), fn]); return provider; },
    removeListener(event, fn) { listeners.set(event, (listeners.get(event) || []).filter((f) => f !== fn)); return provider; },
    // Old dapps' entry points, kept to the same path.
    enable() { return provider.request({ method: 'eth_requestAccounts' }); },
  };

  const info = {
    uuid: crypto.randomUUID(),
    name: 'Cairn',
    rdns: 'app.cairn.wallet',
    icon: 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1e3a5f"/><path d="M8 24h16l-3-5H11zm4-7h8l-2-4h-4zm3-6h2l-1-3z" fill="#f6f3ec"/></svg>'),
  };
  const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();

  // window.ethereum only where the user asked for it, set before the page's own scripts run
  // (a page that looks once at load, or installs its own SDK when it finds none, sees Cairn);
  // isMetaMask only with the compatibility switch, for pages that insist on it.
  if ((mode === 'ethereum' || mode === 'metamask') && !window.ethereum) {
    provider.isMetaMask = mode === 'metamask';
    try { Object.defineProperty(window, 'ethereum', { value: provider, configurable: true }); } catch (_) {}
    window.dispatchEvent(new Event('ethereum#initialized'));
  }
})();
