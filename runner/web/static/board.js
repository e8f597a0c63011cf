// Live updates of the board: server-sent events carry HTML fragments rendered by the server's templates.
(function () {
  "use strict";
  const body = document.body;
  const user = body.dataset.user || "";
  function replace(id, html) {
    const el = document.getElementById(id);
    if (el && typeof html === "string") { el.outerHTML = html; }
  }
  function connect() {
    const query = "since=" + encodeURIComponent(body.dataset.version) + (user ? "&user=" + encodeURIComponent(user) : "");
    const source = new EventSource("/events?" + query);
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
      for (const u of Object.keys(d.rows || {})) { replace("row-" + u, d.rows[u]); }
      body.dataset.version = String(d.version);
    });
  }
  connect();
})();
