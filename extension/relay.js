// The relay between the page's provider and the service worker (the isolated world): it
// passes requests and answers through. The worker learns the page's origin from the browser
// (the message's sender), not from here.
const port = chrome.runtime.connect({ name: 'cairn-page' });
port.onMessage.addListener((m) => window.postMessage({ target: 'cairn-inpage', ...m }, window.location.origin));
window.addEventListener('message', (e) => {
  if (e.source !== window || !e.data || e.data.target !== 'cairn-relay') return;
  const { id, method, params } = e.data;
  port.postMessage({ id, method, params });
});
