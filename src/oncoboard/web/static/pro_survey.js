// SPDX-License-Identifier: Apache-2.0
// Progressive enhancement of the symptom survey: PRO-CTCAE skip logic in the page (a follow-on
// item is shown only once its term's first item is answered above 0) and one submit per click.
// Without this script every item is shown and the server applies the same skip logic.
(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form) { return; }
  var skipped = ["", "0", "not_applicable", "not_sexually_active", "prefer_not_to_answer"];

  function valueOf(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function update() {
    var items = form.querySelectorAll("fieldset[data-gate]");
    for (var i = 0; i < items.length; i++) {
      var asked = skipped.indexOf(valueOf(items[i].getAttribute("data-gate"))) === -1;
      items[i].hidden = !asked;
      // not asked: nothing is sent for it (the server would ignore it anyway)
      var inputs = items[i].querySelectorAll("input");
      for (var j = 0; j < inputs.length; j++) { inputs[j].disabled = !asked; }
    }
  }

  form.addEventListener("change", update);
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    // the idempotency key already makes a double submit harmless; this just avoids the wait
    window.setTimeout(function () { if (button) { button.disabled = true; } }, 0);
  });
  update();
  var errors = document.getElementById("survey-errors");
  if (errors) { errors.focus(); }
})();
