// The API explorer at /docs: Swagger UI (the npm package swagger-ui-dist,
// served by the gateway from node_modules) over the gateway's own
// /openapi.json.  A separate file, so that the page needs no inline script
// under its Content-Security-Policy.
'use strict';

window.addEventListener('DOMContentLoaded', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
    validatorUrl: null,       // never ask a server elsewhere
    withCredentials: false,
  });
});
