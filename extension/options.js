const $ = (id) => document.getElementById(id);
chrome.storage.local.get(['bridgePort', 'pairingToken', 'windowEthereum', 'isMetaMask']).then((s) => {
  $('port').value = s.bridgePort || '8787';
  $('token').value = s.pairingToken || '';
  $('eth').checked = !!s.windowEthereum;
  $('mm').checked = !!s.isMetaMask;
});
$('save').addEventListener('click', async () => {
  await chrome.storage.local.set({
    bridgePort: Number($('port').value) || 8787,
    pairingToken: $('token').value.trim(),
    windowEthereum: $('eth').checked,
    isMetaMask: $('eth').checked && $('mm').checked,
  });
  $('saved').hidden = false;
});
