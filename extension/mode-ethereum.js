// Registered before inpage.js when the user set window.ethereum (see worker.js).
window.__cairnMode = 'ethereum';
