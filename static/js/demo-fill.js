// Demo mode only: a persona's "fill" button on /demo/ carries its credentials to the
// login page, which fills the chosen form so the presenter only presses the login button.
(function () {
  "use strict";
  var KEY = "portalDemoFill";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-method]");
    if (!button) return;
    var card = button.closest("[data-persona]");
    var fill = { method: button.getAttribute("data-fill-method") };
    ["card-number", "pin", "web-id", "password"].forEach(function (name) {
      fill[name] = card.getAttribute("data-" + name) || "";
    });
    sessionStorage.setItem(KEY, JSON.stringify(fill));
    window.location.href = button.getAttribute("data-login-url");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var stored = sessionStorage.getItem(KEY);
    if (!stored || !document.getElementById("card-login-form")) return;
    sessionStorage.removeItem(KEY);
    var fill = JSON.parse(stored);
    var fields = fill.method === "card"
      ? { id_card_number: fill["card-number"], id_pin: fill.pin }
      : { id_web_id: fill["web-id"], id_password: fill.password };
    Object.keys(fields).forEach(function (id) {
      var input = document.getElementById(id);
      if (input) input.value = fields[id];
    });
    var submit = document.getElementById(fill.method === "card" ? "card-login-submit" : "web-id-login-submit");
    if (submit) submit.focus();
  });
})();
