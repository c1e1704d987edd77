// Registered before inpage.js when the user set window.ethereum with isMetaMask (see worker.js).
window.__cairnMode = 'metamask';
