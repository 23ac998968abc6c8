// Filters the ward list as the user types, without sending the form: a reload would
// clear the password fields (they are never sent back). Without JavaScript the "Tìm"
// button still asks the server, which keeps every other field.
(function () {
  "use strict";
  var search = document.querySelector("input[data-ward-filter]");
  if (!search) { return; }
  var select = document.getElementById(search.getAttribute("data-ward-filter"));
  var button = search.form.querySelector("button[data-ward-find]");
  if (button) { button.remove(); }
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
  }
  // Options are rebuilt rather than hidden: Safari on iPhone ignores hidden options.
  var placeholder = select.options[0];
  var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
    return {
      label: group.label,
      options: Array.prototype.map.call(group.querySelectorAll("option"), function (option) {
        return {node: option, folded: fold(option.textContent)};
      })
    };
  });
  function filter() {
    var wanted = fold(search.value);
    var chosen = select.value;
    select.textContent = "";
    select.appendChild(placeholder);
    groups.forEach(function (group) {
      var kept = group.options.filter(function (item) {
        return !wanted || item.folded.indexOf(wanted) !== -1 || item.node.value === chosen;
      });
      if (!kept.length) { return; }
      var node = document.createElement("optgroup");
      node.label = group.label;
      kept.forEach(function (item) { node.appendChild(item.node); });
      select.appendChild(node);
    });
    select.value = chosen;
    var matches = select.querySelectorAll("optgroup option");
    if (!chosen && wanted && matches.length === 1) { select.value = matches[0].value; }
  }
  search.addEventListener("input", filter);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); select.focus(); }
  });
}());
