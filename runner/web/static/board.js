// Live updates of the board: server-sent events carry HTML fragments rendered by the server's templates.
(function () {
  "use strict";
  const body = document.body;
  function replace(id, html) {
    const el = document.getElementById(id);
    if (el && typeof html === "string") { el.outerHTML = html; }
  }
  function connect() {
    // each page has its own stream (the class, one participant, the room), sending only what that page shows
    const source = new EventSource(body.dataset.events + "?since=" + encodeURIComponent(body.dataset.version));
    const live = document.getElementById("live");
    source.addEventListener("open", function () { if (live) { live.textContent = "live"; live.className = ""; } });
    source.addEventListener("error", function () { if (live) { live.textContent = "reconnecting…"; live.className = "lost"; } });
    source.addEventListener("tick", function (ev) {
      const d = JSON.parse(ev.data);
      const clock = document.getElementById("clock");
      if (clock) { clock.textContent = d.clock; }
    });
    source.addEventListener("update", function (ev) {
      const d = JSON.parse(ev.data);
      const clock = document.getElementById("clock");
      if (clock) { clock.textContent = d.clock; }
      replace("status", d.status_html);
      replace("summary", d.summary_html);
      replace("totals", d.totals_html);
      replace("detail", d.detail_html);
      replace("room", d.room_html);
      for (const u of Object.keys(d.rows || {})) { replace("row-" + u, d.rows[u]); }
      body.dataset.version = String(d.version);
    });
  }
  connect();
})();
