// The API docs page: Swagger UI over /openapi.json. A file rather than an inline script, so the page keeps the
// studio's Content-Security-Policy (script-src 'self').
"use strict";

window.addEventListener("DOMContentLoaded", () => {
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // "Try it out" on a change sends the header the studio asks of its own pages (see the API description).
    requestInterceptor: (request) => {
      request.headers["x-movieagent-studio"] = "1";
      return request;
    },
  });
});
