// The partner ATM's screen (/atm/s/<token>/): counts the session's 3 minutes down and
// follows its state by polling the session's JSON address; when the state changes
// (a member claimed the code, confirmed, or it expired), the page is loaded again and
// the server shows the new state (data-atm-state) and the result.
(function () {
  "use strict";
  var POLL_MS = 1500;

  document.addEventListener("DOMContentLoaded", function () {
    var screen = document.getElementById("atm-screen");
    if (!screen) return;
    var state = screen.getAttribute("data-atm-state");
    if (state !== "waiting" && state !== "claimed") return;
    var url = screen.getAttribute("data-atm-state-url");
    var countdown = document.getElementById("atm-countdown");
    // Seconds from the server's clock (it may be a fake one), counted on the browser's.
    var deadline = Date.now() + 1000 * parseInt(screen.getAttribute("data-atm-seconds-left"), 10);

    function tick() {
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (countdown) {
        countdown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      }
    }

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer) return;
          deadline = Date.now() + 1000 * answer.seconds_left;
          if (answer.state !== state) {
            state = answer.state;
            screen.setAttribute("data-atm-state", state);
            window.location.reload();
          }
        })
        .catch(function () { /* the next poll tries again */ });
    }

    window.setInterval(tick, 1000);
    window.setInterval(poll, POLL_MS);
  });
})();
