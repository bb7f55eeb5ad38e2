// Canned replies fill the reply box (the officer can still edit before sending).
(function () {
  var box = document.getElementById("reply-text");
  document.querySelectorAll("button.canned").forEach(function (button) {
    button.addEventListener("click", function () { box.value = button.dataset.text; box.focus(); });
  });
})();
