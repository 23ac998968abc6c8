// Tags start folded: with all 17 open, Swagger UI 5 stops rendering part-way through the
// 139 operations (tests/service/test_api_docs_browser.py opens them one by one).
window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true, docExpansion: "none"});
