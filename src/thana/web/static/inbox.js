// New cases arrive without a reload: server-sent events from /inbox/stream, newest on top.
(function () {
  var live = document.getElementById("live");
  var rows = document.getElementById("case-rows");
  if (!live || !rows || !("EventSource" in window)) return;
  var source = new EventSource("/inbox/stream?after=" + encodeURIComponent(live.dataset.after || "0"));
  source.addEventListener("case", function (event) {
    var data = JSON.parse(event.data);
    if (rows.querySelector('[data-reference="' + data.reference + '"]')) return;
    var holder = document.createElement("tbody");
    holder.innerHTML = data.html;
    rows.insertBefore(holder.firstElementChild, rows.firstChild);
    var none = document.getElementById("no-cases");
    if (none) none.hidden = true;
    live.textContent = live.dataset.label + ": " + data.reference;
  });
})();
