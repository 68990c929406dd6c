// The meeting form: the host list shows the lead units of the chosen group only (the
// server checks the host all the same). No inline scripts: the data comes from a
// json_script element.
document.addEventListener("DOMContentLoaded", function () {
  var data = document.getElementById("host-leads");
  var host = document.querySelector("[data-host-select]");
  var group = document.getElementById("id_group");
  if (!data || !host || !group) { return; }
  var leads = JSON.parse(data.textContent || "{}");
  function apply() {
    var allowed = leads[group.value] || null;
    host.querySelectorAll("option").forEach(function (option) {
      if (!option.value) { return; }
      var show = !allowed || allowed.indexOf(parseInt(option.value, 10)) !== -1;
      option.hidden = !show;
      option.disabled = !show;
      if (!show && option.selected) { option.selected = false; host.value = ""; }
    });
    host.querySelectorAll("optgroup").forEach(function (optgroup) {
      var visible = Array.prototype.some.call(optgroup.children, function (o) { return !o.hidden; });
      optgroup.hidden = !visible;
    });
  }
  group.addEventListener("change", apply);
  apply();
});
