// Applies the saved theme before first paint so a reload never flashes the other theme (external: CSP forbids inline).
try {
  var t = localStorage.getItem("archer.theme");
  if (t === "light" || t === "dark") document.documentElement.dataset.theme = t;
} catch (e) {}
