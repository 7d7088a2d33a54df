/* SPDX-License-Identifier: Apache-2.0 */
/* One-click review: a "Review" link in the summary opens that recommendation's decision form. */
(function () {
  "use strict";
  function openFor(hash) {
    if (!hash || hash.indexOf("#rec-") !== 0) { return; }
    var form = document.getElementById("decide-" + hash.slice(5));
    if (form) { form.open = true; }
  }
  window.addEventListener("hashchange", function () { openFor(window.location.hash); });
  openFor(window.location.hash);
}());
