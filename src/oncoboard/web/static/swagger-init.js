// SPDX-License-Identifier: Apache-2.0
// Starts Swagger UI on /api/v1/docs (a file, not an inline script: see docs/security.md, CSP).
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({ url: "/api/v1/openapi.json", dom_id: "#swagger-ui" });
});
