// Checks the tax code as it is typed (the server checks it again on submit).
(function () {
  "use strict";
  var input = document.querySelector("input[data-check]");
  if (!input) { return; }
  var output = document.getElementById(input.id + "-live");
  var timer = null;
  var latest = 0;
  function show(message, ok) {
    output.textContent = message;
    output.className = "live-check " + (ok ? "ok" : "bad");
  }
  function check() {
    var value = input.value.trim();
    if (value.length < 10) { output.textContent = ""; output.className = "live-check"; return; }
    var ticket = ++latest;
    var lang = document.documentElement.lang || "vi";
    fetch(input.getAttribute("data-check") + "?lang=" + encodeURIComponent(lang) +
          "&value=" + encodeURIComponent(value), {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (body) { if (ticket === latest) { show(body.message, body.valid); } })
      .catch(function () { /* offline: the server checks on submit */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
}());
