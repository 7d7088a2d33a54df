// SPDX-License-Identifier: Apache-2.0
// Refuse an over-limit file before sending it; the server enforces the same limit anyway.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("file");
  var message = document.getElementById("file-msg");
  var limit = Number(form.getAttribute("data-max-bytes"));
  function check() {
    var file = input.files && input.files[0];
    var tooBig = Boolean(file && limit && file.size > limit);
    message.textContent = tooBig
      ? file.name + " is " + file.size.toLocaleString() + " bytes, over the limit of " + limit.toLocaleString() + "."
      : "";
    input.setCustomValidity(tooBig ? message.textContent : "");
    return !tooBig;
  }
  input.addEventListener("change", check);
  form.addEventListener("submit", function (event) {
    if (!check()) { event.preventDefault(); input.focus(); }
  });
  var problems = document.getElementById("problems");
  if (problems) { problems.focus(); }
}());
