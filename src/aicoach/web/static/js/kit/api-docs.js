// Starts Swagger UI (vendored, see scripts/vendor.json) on the app's own OpenAPI schema. A file,
// not an inline script, so the page works under a Content-Security-Policy without 'unsafe-inline'.
/* global SwaggerUIBundle */
(function start() {
  const root = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    validatorUrl: null, // the default badge calls validator.swagger.io: nothing leaves this page
  });
})();
