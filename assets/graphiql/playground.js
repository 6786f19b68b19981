// Starts GraphiQL on the element #graphiql, whose data attributes name the tenant's
// endpoints. A file of its own: the page's content-security policy allows no inline script.
"use strict";
(function () {
  const root = document.getElementById("graphiql");
  const fetcher = GraphiQL.createFetcher({
    url: root.dataset.endpoint,
    subscriptionUrl: new URL(root.dataset.subscriptions, location.href).href.replace(/^http/, "ws"),
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultEditorToolsVisibility: true,
      defaultHeaders: '{\n  "Authorization": "Bearer <the token from login>"\n}',
    }),
  );
})();
