// Progressive enhancement only: a "Copy" button next to read-only fields
// marked data-copy. Everything works without it (the fields are selectable).
document.addEventListener("click", function (ev) {
  var b = ev.target.closest("button[data-copy]");
  if (!b) return;
  ev.preventDefault();
  var f = document.getElementById(b.getAttribute("data-copy"));
  if (!f) return;
  var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(f.value).then(done, function () { f.select(); });
  } else {
    f.select();
    try { document.execCommand("copy"); done(); } catch (e) {}
  }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (b) { b.hidden = false; });
});
