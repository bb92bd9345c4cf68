// templates.js — the template editor's preview follows the typing.
// Without it the 预览 button posts the form and the page comes back with the
// draft; with it, the same page is asked for as one types (a pause of 0.4 s)
// and its #template-live section (preview, SMS counter, banned words, the
// check's problems) replaces this one's. Same origin only; nothing is saved.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("template-form");
  var text = document.getElementById("template-text");
  var live = document.getElementById("template-live");
  if (!form || !text || !live || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    fetch(form.getAttribute("data-preview"), {
      method: "POST",
      credentials: "same-origin",
      body: new URLSearchParams(new FormData(form))
    }).then(function (r) { return r.text(); }).then(function (html) {
      if (mine !== asked) return;  // a later keystroke asked again
      var page = new DOMParser().parseFromString(html, "text/html");
      var fresh = page.getElementById("template-live");
      if (fresh) live.innerHTML = fresh.innerHTML;
    }).catch(function () { /* the button still works */ });
  }
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
});
