// Heli's small page behaviours; no inline scripts, so the CSP can forbid them.
document.addEventListener("DOMContentLoaded", function () {
  // Auto-submit filter forms when a select changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
    el.addEventListener("change", function () { el.form.requestSubmit(); });
  });
  // The wall chart opens at the current month where it is wider than the screen (a
  // phone): its column scrolls in just right of the units' sticky column.
  document.querySelectorAll(".wallchart-wrap").forEach(function (wrap) {
    var current = wrap.querySelector("th.wc-current");
    var unit = wrap.querySelector("thead .wc-unit");
    if (!current || wrap.scrollWidth <= wrap.clientWidth) { return; }
    wrap.scrollLeft = current.offsetLeft - (unit ? unit.offsetWidth : 0);
  });
  // Ask before irreversible actions.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
