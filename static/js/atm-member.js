// The member's smartphone-ATM form (/mypage/atm/): a QR code read by the phone's camera
// app opens this page with ?code=123456, which fills the code field; where the browser
// can read QR codes itself (BarcodeDetector), a button reads it with the camera here.
(function () {
  "use strict";

  function codeFrom(text) {
    var match = /[?&]code=(\d{6})(?:&|$)/.exec(text) || /^(\d{6})$/.exec(text);
    return match ? match[1] : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var field = document.getElementById("id_code");
    if (!field) return;
    var given = codeFrom(window.location.search);
    if (given && !field.value) field.value = given;

    var scan = document.getElementById("atm-scan");
    var video = document.getElementById("atm-scan-video");
    if (!scan || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    scan.hidden = false;
    document.getElementById("atm-scan-button").addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" } })
        .then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          return video.play().then(function () {
            function look() {
              detector.detect(video).then(function (codes) {
                var code = codes.length ? codeFrom(codes[0].rawValue) : null;
                if (!code) return window.requestAnimationFrame(look);
                field.value = code;
                stream.getTracks().forEach(function (track) { track.stop(); });
                video.hidden = true;
              });
            }
            look();
          });
        })
        .catch(function () { scan.hidden = true; });
    });
  });
})();
