// The letter form's unit checklist: narrow it by typing, tick a whole group at once.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.getElementById("unit-checklist");
  if (!list) { return; }
  var boxes = list.querySelectorAll("input[name=units]");
  var counter = document.getElementById("units-ticked");
  function count() {
    var n = 0;
    boxes.forEach(function (b) { if (b.checked) { n += 1; } });
    counter.textContent = String(n);
  }
  var filter = document.getElementById("unit-filter");
  filter.addEventListener("input", function () {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.querySelectorAll("[data-unit-name]").forEach(function (row) {
      var text = row.getAttribute("data-unit-name").toLowerCase();
      row.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
  });
  filter.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }
  });
  document.querySelectorAll("input[data-group-units]").forEach(function (group) {
    group.addEventListener("change", function () {
      var ids = group.getAttribute("data-group-units").split(" ");
      ids.forEach(function (id) {
        var box = document.getElementById("unit-" + id);
        if (box) { box.checked = group.checked; }
      });
      count();
    });
  });
  document.getElementById("units-clear").addEventListener("click", function () {
    boxes.forEach(function (b) { b.checked = false; });
    document.querySelectorAll("input[data-group-units]").forEach(function (g) { g.checked = false; });
    count();
  });
  boxes.forEach(function (b) { b.addEventListener("change", count); });
  count();
});
// With script the ticked units are what is sent: a group's box only ticks its units.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-group-units]").forEach(function (group) {
    group.removeAttribute("name");
    group.checked = false;
  });
});
