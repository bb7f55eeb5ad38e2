// The report form's progressive enhancement. Without JavaScript the form works alone: a click on the map
// submits it to mark the point (the server keeps what was typed). With it, the click marks the point in
// place, and "Use my location" asks the browser.
(function () {
  var form = document.querySelector("form.report");
  if (!form) return;
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var map = document.getElementById("map");
  var status = document.getElementById("point-status");
  var button = document.getElementById("use-location");

  function mark(la, lo) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (map) map.src = map.dataset.base + "&lat=" + lat.value + "&lon=" + lon.value;
    fetch(status.dataset.where + "&lat=" + lat.value + "&lon=" + lon.value)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) status.textContent = d.text; })
      .catch(function () {});
  }

  if (map) {
    map.addEventListener("click", function (e) {
      e.preventDefault();
      if (e.detail === 0) return; // activated from the keyboard: no point was chosen
      var box = map.getBoundingClientRect();
      var k = Number(map.dataset.width) / box.width;
      var x = (e.clientX - box.left) * k;
      var y = (e.clientY - box.top) * k;
      var d = map.dataset;
      mark(Number(d.maxy) - (y - Number(d.pad)) / Number(d.ky), Number(d.minx) + (x - Number(d.pad)) / Number(d.kx));
    });
  }

  if (button && "geolocation" in navigator) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        mark(pos.coords.latitude, pos.coords.longitude);
      }, function () {
        status.textContent = button.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }
})();
