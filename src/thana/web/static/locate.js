// "Use my location": progressive enhancement. Without JavaScript the search form works alone.
(function () {
  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  if (!button || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lang = document.documentElement.lang || "en";
      window.location.href = "/?lat=" + pos.coords.latitude.toFixed(6) + "&lon=" +
        pos.coords.longitude.toFixed(6) + "&lang=" + encodeURIComponent(lang);
    }, function () {
      status.textContent = button.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
})();
