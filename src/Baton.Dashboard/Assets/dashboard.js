// Baton dashboard: live updates without a framework. The run page follows the node's event stream
// (/api/v1/events, Server-Sent Events) and, after events, fetches its counts again as server-rendered HTML;
// the task page follows a running attempt's log through the API's follow stream. Nothing else runs here.
"use strict";

function followRun(live) {
  const run = live.dataset.run;
  const after = live.dataset.after;
  let pending = false;
  const refresh = async () => {
    pending = false;
    const answer = await fetch(live.dataset.counts, { credentials: "same-origin" });
    if (!answer.ok) return;
    const doc = new DOMParser().parseFromString(await answer.text(), "text/html");
    const counts = doc.getElementById("counts");
    if (counts) {
      live.replaceChildren(document.importNode(counts, true));
      live.dataset.updated = String(Date.now());
    }
  };
  // Many events in a burst cost one refresh: at most one every 300 ms.
  const schedule = () => {
    if (!pending) {
      pending = true;
      setTimeout(refresh, 300);
    }
  };
  const events = new EventSource(`/api/v1/events?run=${encodeURIComponent(run)}&after=${encodeURIComponent(after)}`);
  events.onmessage = schedule;
  for (const kind of ["TaskState", "AttemptStarted", "AttemptEnded", "RunEnded", "RunStarted"]) {
    events.addEventListener(kind, schedule);
  }
  events.onerror = schedule;
}

async function followLog(pre) {
  // The answer starts with the first new bytes: following begins with the request, from the page's last byte.
  pre.dataset.following = "true";
  const answer = await fetch(pre.dataset.follow, { credentials: "same-origin" });
  if (!answer.ok || !answer.body) {
    pre.dataset.following = "failed";
    return;
  }
  const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(document.createTextNode(value));
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }
  pre.dataset.following = "ended";
}

document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  if (live && live.dataset.run) followRun(live);
  const log = document.getElementById("log");
  if (log && log.dataset.follow) followLog(log);
});
