// Rhythm's GraphiQL page: the editor, the headers pane and the explorer plugin, all served by Rhythm itself
// (app/graphiql), so it works offline and under the page's Content-Security-Policy (no inline script).
(function () {
  "use strict";

  const EXAMPLE_QUERY = `# Rhythm's GraphQL API. Log in first (see README.md, "Sign in and try it"):
#
# mutation {
#   logIn(input: { email: "ada@rhythm.example", password: "rhythm-demo-password" }) {
#     ... on AuthPayload { accessToken }
#     ... on Error { message }
#   }
# }
#
# then put {"Authorization": "Bearer <accessToken>"} in the Headers pane below.
#
#   Run:           Ctrl-Enter (or the play button)
#   Auto-complete: Ctrl-Space
#
`;

  // Query, variables and headers may come from the address, as in Strawberry's page, to share a query.
  const parameters = Object.fromEntries(new URLSearchParams(window.location.search));

  function updateURL(data) {
    Object.assign(parameters, data);
    const kept = Object.entries(parameters).filter(([, value]) => Boolean(value));
    history.replaceState(null, "", "?" + new URLSearchParams(kept).toString());
  }

  const url = window.location.href.split("?")[0];
  const subscriptionUrl = new URL(url);
  subscriptionUrl.protocol = subscriptionUrl.protocol === "https:" ? "wss:" : "ws:";
  subscriptionUrl.hash = "";

  const fetcher = GraphiQL.createFetcher({ url: url, subscriptionUrl: subscriptionUrl.toString() });
  const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();

  function RhythmGraphiQL() {
    const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
    const [variables, setVariables] = React.useState(parameters.variables);
    const [headers, setHeaders] = React.useState(parameters.headers);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorerPlugin],
      query: query,
      variables: variables,
      headers: headers,
      onEditQuery: function (value) {
        setQuery(value);
        updateURL({ q: value });
      },
      onEditVariables: function (value) {
        setVariables(value);
        updateURL({ variables: value });
      },
      // Headers carry tokens: kept in the page's storage (shouldPersistHeaders), never in the address.
      onEditHeaders: setHeaders,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(RhythmGraphiQL));
})();
