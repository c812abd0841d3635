// The app API's interactive docs (/api/docs): Swagger UI, served by the portal itself,
// started here rather than by an inline script (the Content-Security-Policy allows none).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
  });
})();
