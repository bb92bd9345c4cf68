// console.js — small improvements; every page works without it.
// The store switcher goes to the chosen store at once.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.querySelector("select.store-switch");
  if (select) {
    select.addEventListener("change", function () {
      var tab = (location.pathname.match(/^\/stores\/[^/]+\/([^/]+)/) || [])[1] || "today";
      location.href = "/stores/" + encodeURIComponent(select.value) + "/" + tab;
    });
  }
});
