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
    // Measured on the screen: offsetLeft counts from the page, not from the scrolling box.
    var edge = unit ? unit.getBoundingClientRect().right : wrap.getBoundingClientRect().left;
    wrap.scrollLeft += current.getBoundingClientRect().left - edge;
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

// --- Keyboard and screen readers (WCAG 2.1 AA, GB/T 37668-2019) ------------------------
// The phone menu's button says whether the menu is open; a list filtered in place says
// its new count in the polite live region (#heli-live, base.html); a box that scrolls can
// be reached with Tab and is named; a form that comes back with errors puts the cursor
// in its first field in error, whose message the field names (aria-describedby).
(function () {
  var HEADINGS = "h1, h2, h3, h4, h5, h6, [role=heading]";
  var SCROLLERS = ".table-responsive, .wallchart-wrap, .status-board, .board-cards";
  var CONTROLS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled]), button:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";
  var FIELD_ERRORS = "[aria-invalid='true'], .is-invalid, .invalid-feedback";

  function text(el) { return el.textContent.replace(/\s+/g, " ").trim(); }
  function shown(el) { return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length); }
  function all(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    if (root.matches && root.matches(selector)) { found.unshift(root); }
    return found;
  }

  // Bootstrap keeps aria-expanded of collapse and dropdown buttons, not of offcanvas ones.
  function menuButtons(panel) {
    return document.querySelectorAll("[data-bs-toggle='offcanvas'][data-bs-target='#" + panel.id + "']");
  }
  document.addEventListener("show.bs.offcanvas", function (event) {
    menuButtons(event.target).forEach(function (b) { b.setAttribute("aria-expanded", "true"); });
  });
  document.addEventListener("hide.bs.offcanvas", function (event) {
    menuButtons(event.target).forEach(function (b) { b.setAttribute("aria-expanded", "false"); });
  });

  function announce(message) {
    var live = document.getElementById("heli-live");
    if (!live || !message) { return; }
    // Emptied first, so the same count said twice is heard twice.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 150);
  }

  // A scrolling box's name: its table's caption or name, else the nearest heading before it.
  function regionName(box) {
    var caption = box.querySelector("caption");
    if (caption && text(caption)) { return text(caption); }
    var table = box.querySelector("table[aria-label]");
    if (table) { return table.getAttribute("aria-label"); }
    for (var el = box; el && el !== document.body; el = el.parentElement) {
      for (var before = el.previousElementSibling; before; before = before.previousElementSibling) {
        var headings = all(before, HEADINGS);
        if (headings.length && text(headings[headings.length - 1])) { return text(headings[headings.length - 1]); }
      }
    }
    return document.title;
  }

  // Only boxes that do scroll become a stop for Tab; what this adds it takes back when the
  // box no longer scrolls (a wider window), and it never overrides what a template says.
  function markScrollers(root) {
    all(root, SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      var added = (box.getAttribute("data-heli-scroll") || "").split(" ").filter(Boolean);
      if (scrolls && shown(box)) {
        var isList = box.matches("ul, ol");
        var attrs = { tabindex: "0", role: isList ? null : "region", "aria-label": regionName(box) };
        Object.keys(attrs).forEach(function (name) {
          if (attrs[name] === null || (box.hasAttribute(name) && added.indexOf(name) === -1)) { return; }
          if (name === "aria-label" && box.hasAttribute("aria-labelledby")) { return; }
          box.setAttribute(name, attrs[name]);
          if (added.indexOf(name) === -1) { added.push(name); }
        });
      } else {
        added.forEach(function (name) { box.removeAttribute(name); });
        added = [];
      }
      if (added.length) { box.setAttribute("data-heli-scroll", added.join(" ")); } else { box.removeAttribute("data-heli-scroll"); }
    });
  }

  // The control an error belongs to: itself, the field that names it, or the first one of
  // the group (a fieldset, a checklist) or of the field's wrapper around the message.
  function controlOf(error) {
    if (error.matches("input, select, textarea")) { return error; }
    if (error.id) {
      var owner = document.querySelector("[aria-describedby~='" + error.id + "']");
      if (owner) { return owner.matches("input, select, textarea") ? owner : owner.querySelector(CONTROLS); }
    }
    if (!error.matches(".invalid-feedback")) { return error.querySelector(CONTROLS); }
    return error.parentElement ? error.parentElement.querySelector(CONTROLS) : null;
  }

  function focusFirstError(root) {
    var errors = all(root, FIELD_ERRORS).filter(shown);
    var control = errors.length ? controlOf(errors[0]) : null;
    if (!control || !shown(control)) {
      // An error of the whole form only: its message takes the focus.
      var alert = all(root, "form .alert-danger").filter(shown)[0];
      if (!alert) { return; }
      if (!alert.hasAttribute("tabindex")) { alert.setAttribute("tabindex", "-1"); }
      control = alert;
    }
    control.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("content");
    markScrollers(document);
    var focused = document.activeElement;
    if (main && (!focused || focused === document.body || focused.hasAttribute("autofocus"))) {
      focusFirstError(main);
    }
    var resizing = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizing);
      resizing = window.setTimeout(function () { markScrollers(document); }, 200);
    });
    // An opened row detail or panel may make a box scroll.
    document.addEventListener("toggle", function () { markScrollers(document); }, true);
    // A page that waits for someone else (a sign-in awaiting confirmation) asks again in
    // the background and goes on only once the answer is a redirect: no timed reload
    // that moves a screen reader back to the top every few seconds (WCAG 2.2.1).
    all(document, "[data-heli-wait]").forEach(function (waiting) {
      var url = waiting.getAttribute("data-heli-wait");
      var seconds = parseInt(waiting.getAttribute("data-heli-wait-seconds"), 10) || 10;
      var timer = window.setInterval(function () {
        fetch(url, { credentials: "same-origin", headers: { "X-Heli-Wait": "1" } })
          .then(function (response) {
            if (response.redirected) {
              window.clearInterval(timer);
              window.location.assign(response.url);
            }
          })
          .catch(function () { /* offline for a moment: ask again next time */ });
      }, seconds * 1000);
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    if (!(swapped instanceof Element)) { return; }
    markScrollers(swapped);
    var count = all(swapped, "[data-heli-count]")[0];
    if (count) { announce(count.getAttribute("data-heli-count") || text(count)); }
    var config = event.detail && event.detail.requestConfig;
    if (config && config.triggeringEvent && config.triggeringEvent.type === "submit") {
      focusFirstError(swapped);
    }
  });
})();
