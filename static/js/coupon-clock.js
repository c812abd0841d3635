// The coupon screen's clock (/mypage/coupons/<id>/): the date and time tick every second
// so a clerk sees a live screen, not a screenshot. It starts from the server's "now"
// (data-now, the portal's clock, which a demo may have set) and runs on by the browser's
// own elapsed time.
(function () {
  "use strict";
  const clock = document.getElementById("coupon-clock");
  if (!clock) {
    return;
  }
  const serverNow = Date.parse(clock.dataset.now);
  const offset = Number.isNaN(serverNow) ? 0 : serverNow - Date.now();
  const format = new Intl.DateTimeFormat("ja-JP", {
    timeZone: "Asia/Tokyo",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  function parts(date) {
    const found = {};
    for (const part of format.formatToParts(date)) {
      found[part.type] = part.value;
    }
    return found;
  }
  function tick() {
    const now = new Date(Date.now() + offset);
    const p = parts(now);
    clock.textContent = `${p.year}年${p.month}月${p.day}日 ${p.hour}:${p.minute}:${p.second}`;
    clock.setAttribute("datetime", now.toISOString());
    // Wake up just after the next whole second.
    window.setTimeout(tick, 1000 - (now.getTime() % 1000) + 20);
  }
  tick();
})();
