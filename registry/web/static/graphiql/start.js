// Starts GraphiQL on the /graphql page, after the vendored React, ReactDOM and GraphiQL
// (registry/web/static/vendor/). A file, not an inline <script>, so that the page keeps to
// the Content-Security-Policy, which allows scripts from the site only
// (registry/web/security.py).
"use strict";
(function () {
  const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL,
      { fetcher, defaultQuery: "{ cities { nodes { id label } } }" }));
})();
