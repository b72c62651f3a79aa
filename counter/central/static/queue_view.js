/* 扫码看排队 (templates/queue_view.html): keeps the page up to date without a reload.
 *
 * Long-polls the page's JSON twin with the stamp of what it shows: the central answers
 * as soon as an event touches this ticket or its category (or after a bounded wait
 * with the same view), and the page is asked again a second later. Without script
 * the page still works: its 刷新 link loads it anew. */
(function () {
  "use strict";
  var card = document.getElementById("ticket");
  if (!card || !window.fetch || !window.JSON) { return; }
  var feed = card.getAttribute("data-feed");
  var stamp = Number(card.getAttribute("data-stamp")) || 0;
  var turn = card.classList.contains("turn");
  var title = document.title;

  function put(id, text, shown) {
    var node = document.getElementById(id);
    var label = document.getElementById(id + "-label");
    if (node.textContent !== text) { node.textContent = text; }
    node.hidden = !shown;
    if (label) { label.hidden = !shown; }
  }

  function show(v) {
    put("number", v.number, true);
    put("category", v.category, true);
    put("state", v.text, true);
    var ahead = v.ahead === null ? "" : (v.ahead === 0 ? "没有人了，下一位就是您" : v.ahead + " 人");
    put("ahead", ahead, v.ahead !== null);
    put("calling", v.calling || "尚未开始叫号", true);
    put("wait", v.wait, !!v.wait);
    card.classList.toggle("turn", v.turn);
    if (v.turn && !turn) {
      document.title = v.text + " · " + title;
      if (navigator.vibrate) {
        try { navigator.vibrate([400, 150, 400]); } catch (e) { /* not allowed here */ }
      }
    } else if (!v.turn) {
      document.title = title;
    }
    turn = v.turn;
  }

  function later(ms) { window.setTimeout(poll, ms); }

  function poll() {
    window.fetch(feed + "?after=" + stamp, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) {
        if (r.status === 429) { later(10000); return null; }
        if (r.status === 404) { return null; }  /* the link no longer names a ticket */
        if (!r.ok) { later(10000); return null; }
        return r.json();
      })
      .then(function (v) {
        if (!v) { return; }
        stamp = v.stamp;
        show(v);
        if (!v.final) { later(1000); }
      })
      .catch(function () { later(5000); });
  }

  if (card.getAttribute("data-final") !== "true") { poll(); }
})();
