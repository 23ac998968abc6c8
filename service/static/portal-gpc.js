// Suggests GPC bricks while the user types in the brick field: the typed text (a code or
// words of a title) asks /portal/gpc/bricks and the answers fill the field's datalist.
// Without JavaScript the field still takes a code, checked against the loaded GPC.
(function () {
  "use strict";
  var field = document.querySelector("input[data-gpc-search]");
  if (!field) { return; }
  var list = document.getElementById(field.getAttribute("list"));
  var url = field.getAttribute("data-gpc-search");
  var timer = null;
  var asked = "";
  function fill(bricks) {
    list.textContent = "";
    bricks.forEach(function (brick) {
      var option = document.createElement("option");
      option.value = brick.code;
      option.label = brick.code + " " + brick.title;
      option.textContent = brick.title;
      list.appendChild(option);
    });
  }
  function ask() {
    var text = field.value.trim();
    if (text.length < 2 || text === asked || /^\d{8}$/.test(text)) { return; }
    asked = text;
    fetch(url + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(fill)
      .catch(function () { fill([]); });
  }
  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
}());
