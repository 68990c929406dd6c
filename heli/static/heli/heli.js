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

// --- The assign form's pickers (heli/tracking/pickers.py) ------------------------------
// The parent task's search box is htmx's; here: Enter in a picker's box searches rather
// than sends the form, and the cooperating units' checklist filters as one types, ticks a
// group at a time (never the lead unit) and shows the units ticked as removable chips.
// Without script the same buttons send the form back to be shown again, as typed.
document.addEventListener("keydown", function (event) {
  var box = event.target;
  if (event.key === "Enter" && box.matches && box.matches("[data-picker-search]")) {
    event.preventDefault();
    box.dispatchEvent(new Event("search"));
  }
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-unit-picker]").forEach(function (picker) {
    var list = picker.querySelector("[data-unit-list]");
    var filter = picker.querySelector("[data-unit-filter]");
    var chips = picker.querySelector("[data-unit-chips]");
    var none = picker.querySelector("[data-unit-none]");
    var lead = document.getElementById(picker.getAttribute("data-lead"));
    picker.querySelectorAll("[data-nojs]").forEach(function (el) { el.hidden = true; });

    function boxes() { return Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]")); }

    function applyFilter() {
      var terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      list.querySelectorAll("li").forEach(function (li) {
        var text = li.getAttribute("data-search") || "";
        var match = terms.every(function (term) { return text.indexOf(term) !== -1; });
        li.hidden = !match;
        if (match) { shown += 1; }
      });
      none.hidden = shown > 0;
    }

    function renderChips() {
      var ticked = boxes().filter(function (box) { return box.checked; });
      chips.replaceChildren();
      if (!ticked.length) {
        var empty = document.createElement("span");
        empty.className = "small text-muted";
        empty.textContent = picker.getAttribute("data-empty-label");
        chips.appendChild(empty);
        return;
      }
      ticked.forEach(function (box) {
        var chip = document.createElement("span");
        var label = list.querySelector("label[for='" + box.id + "']");
        var name = label ? label.textContent : box.getAttribute("data-label");
        chip.className = "unit-chip";
        chip.title = name;
        chip.textContent = box.getAttribute("data-label");
        var remove = document.createElement("button");
        remove.type = "button";
        remove.setAttribute("data-chip-remove", box.value);
        remove.setAttribute("aria-label", picker.getAttribute("data-remove-label") + " " + name);
        var icon = document.createElement("i");
        icon.className = "bi bi-x";
        icon.setAttribute("aria-hidden", "true");
        remove.appendChild(icon);
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

    filter.addEventListener("input", applyFilter);
    filter.addEventListener("search", applyFilter);
    list.addEventListener("change", renderChips);
    picker.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-chip-remove]");
      var group = event.target.closest("[data-group-units]");
      if (remove) {
        event.preventDefault();
        boxes().forEach(function (box) {
          if (box.value === remove.getAttribute("data-chip-remove")) { box.checked = false; }
        });
        renderChips();
        filter.focus();
      } else if (group) {
        event.preventDefault();
        var ids = group.getAttribute("data-group-units").split(" ");
        var leadId = lead ? lead.value : "";
        boxes().forEach(function (box) {
          if (ids.indexOf(box.value) !== -1 && box.value !== leadId) { box.checked = true; }
        });
        renderChips();
      }
    });
    // What the browser put back after "back" shows too.
    applyFilter();
    renderChips();
  });
});
