// The photo form says it is reading (the server takes a few seconds), and the camera
// scanner runs only where the browser reads barcodes itself (BarcodeDetector); elsewhere
// (Safari on iPhone) the page says so and the photo button opens the camera.
// Whatever is read goes to the server to be interpreted: the page never opens a scanned URL.
(function () {
  "use strict";
  var photoForm = document.getElementById("photo-form");
  var photoSubmit = document.getElementById("photo-submit");
  var reading = document.getElementById("photo-reading");

  function showReading(shown) {
    if (!photoForm) { return; }
    reading.hidden = !shown;
    photoSubmit.disabled = shown;
  }
  if (photoForm) {
    photoForm.addEventListener("submit", function () { showReading(true); });
    // Back from the result: the page may come from the cache with the message still shown.
    window.addEventListener("pageshow", function () { showReading(false); });
  }

  function noCameraScanner() {
    var note = document.getElementById("camera-absent");
    if (note) { note.hidden = false; }
  }

  var section = document.getElementById("camera");
  if (!section || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) {
    noCameraScanner();
    return;
  }
  var WANTED = ["qr_code", "data_matrix", "ean_13", "ean_8", "upc_a", "code_128", "itf"];
  var video = document.getElementById("camera-video");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");
  var status = document.getElementById("camera-status");
  var detector = null;
  var stream = null;
  var timer = null;

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    startButton.hidden = false;
    stopButton.hidden = true;
  }

  function found(code) {
    stop();
    var lang = document.documentElement.lang || "vi";
    window.location.assign(section.getAttribute("data-action") +
      "?text=" + encodeURIComponent(code.rawValue) +
      "&format=" + encodeURIComponent(code.format) + "&lang=" + encodeURIComponent(lang));
  }

  function look() {
    if (!stream) { return; }
    detector.detect(video).then(function (codes) {
      if (codes.length) { found(codes[0]); } else { timer = setTimeout(look, 200); }
    }, function () { timer = setTimeout(look, 400); });
  }

  function start() {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () {
        startButton.hidden = true;
        stopButton.hidden = false;
        status.textContent = "";
        look();
      })
      .catch(function () {
        stop();
        status.textContent = status.getAttribute("data-denied");
      });
  }

  window.BarcodeDetector.getSupportedFormats().then(function (supported) {
    var formats = WANTED.filter(function (f) { return supported.indexOf(f) >= 0; });
    if (!formats.length) { noCameraScanner(); return; }
    detector = new window.BarcodeDetector({ formats: formats });
    section.hidden = false;
    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", stop);
  }, noCameraScanner);
})();
