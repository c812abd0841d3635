// The coupon screen's clock (/mypage/coupons/<id>/): the date and time tick every second
// so a clerk sees a live screen, not a screenshot. It starts from the server's "now"
// (data-now, the portal's clock, which a demo may have set) and runs on by the browser's
// own elapsed time. The page gives the format in Django's date letters (data-format:
// Y n m j d M H i s, a backslash escapes a letter) and the month names M writes
// (data-month-names), both in the page's language; the time is Tokyo's.
(function () {
  "use strict";
  const clock = document.getElementById("coupon-clock");
  if (!clock) {
    return;
  }
  const serverNow = Date.parse(clock.dataset.now);
  const offset = Number.isNaN(serverNow) ? 0 : serverNow - Date.now();
  const pattern = clock.dataset.format || "Y-m-d H:i:s";
  const monthNames = (clock.dataset.monthNames || "").split(",");
  const numbers = new Intl.DateTimeFormat("en-US", {
    timeZone: "Asia/Tokyo",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    hourCycle: "h23",
  });
  function parts(date) {
    const found = {};
    for (const part of numbers.formatToParts(date)) {
      found[part.type] = Number(part.value);
    }
    return found;
  }
  function two(number) {
    return String(number).padStart(2, "0");
  }
  function format(date) {
    const p = parts(date);
    const letters = {
      Y: String(p.year),
      n: String(p.month),
      m: two(p.month),
      j: String(p.day),
      d: two(p.day),
      M: monthNames[p.month - 1] || String(p.month),
      H: two(p.hour % 24),
      G: String(p.hour % 24),
      i: two(p.minute),
      s: two(p.second),
    };
    let text = "";
    for (let index = 0; index < pattern.length; index += 1) {
      const letter = pattern[index];
      if (letter === "\\" && index + 1 < pattern.length) {
        index += 1;
        text += pattern[index];
      } else {
        text += Object.hasOwn(letters, letter) ? letters[letter] : letter;
      }
    }
    return text;
  }
  function tick() {
    const now = new Date(Date.now() + offset);
    clock.textContent = format(now);
    clock.setAttribute("datetime", now.toISOString());
    // Wake up just after the next whole second.
    window.setTimeout(tick, 1000 - (now.getTime() % 1000) + 20);
  }
  tick();
})();
