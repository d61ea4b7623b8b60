// Starts GraphiQL against this service's /graphql. A file rather than an inline script, so the
// page's Content-Security-Policy can refuse every inline script.
"use strict";

(function start() {
  const fetcher = GraphiQL.createFetcher({ url: new URL("/graphql", location.href).href });
  const headers = JSON.stringify({ Authorization: "Bearer PASTE_A_TOKEN_HERE" }, null, 2);
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultHeaders: headers,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    }),
  );
})();
