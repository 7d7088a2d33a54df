/* SPDX-License-Identifier: Apache-2.0 */
/* Starts Swagger UI or ReDoc on the OpenAPI document named by #api-docs (no inline script, no
   network beyond this server: the validator badge is off). */
(function () {
  "use strict";
  var host = document.getElementById("api-docs");
  if (!host) { return; }
  var url = host.getAttribute("data-openapi-url");
  if (host.getAttribute("data-ui") === "swagger" && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: url,
      dom_id: "#api-docs",
      deepLinking: true,
      validatorUrl: null,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
  } else if (window.Redoc) {
    window.Redoc.init(url, { hideDownloadButton: false }, host);
  }
}());
