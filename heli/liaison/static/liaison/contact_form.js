// The contact form's unit checklist: type to narrow it, tick a whole group at once.
// Without script the group buttons send the form back to be drawn again, ticked.
document.addEventListener("DOMContentLoaded", function () {
  var picker = document.getElementById("unit-checklist");
  if (!picker) { return; }
  var filter = document.getElementById("unit-filter");
  if (filter) {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var words = filter.value.trim().toLowerCase();
      picker.querySelectorAll(".unit-choice").forEach(function (el) {
        el.hidden = words !== "" && el.textContent.toLowerCase().indexOf(words) < 0;
      });
      picker.querySelectorAll(".unit-group").forEach(function (group) {
        group.hidden = !group.querySelector(".unit-choice:not([hidden])");
      });
    });
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  }
  picker.querySelectorAll("button[data-units]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var boxes = button.closest(".unit-group").querySelectorAll("input[type=checkbox]");
      var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
      boxes.forEach(function (b) { b.checked = !all; });
      if (boxes.length) { boxes[0].dispatchEvent(new Event("change", { bubbles: true })); }
    });
  });
  // With script the people follow the ticked units by themselves.
  var refresh = document.getElementById("refresh-people");
  if (refresh && window.htmx) { refresh.hidden = true; }
});
