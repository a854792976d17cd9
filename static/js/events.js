/* The event form: the 1:1 meeting settings are shown only for a 供需对接会. */
(function () {
  var kind = document.getElementById("kind");
  var settings = document.querySelector(".js-kind-matchmaking");
  if (!kind || !settings) { return; }
  function update() { settings.hidden = kind.value !== "matchmaking"; }
  kind.addEventListener("change", update);
  update();
}());
