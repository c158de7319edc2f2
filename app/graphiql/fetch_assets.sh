#!/usr/bin/env bash
# Fetches GraphiQL's browser assets from the npm registry into app/graphiql/static/, pinned to the versions below,
# with their licences, so GraphiQL works with no network and under a strict Content-Security-Policy.
# Run it only to change a version (`npm` and `tar` needed); the fetched files are committed.
set -euo pipefail
cd "$(dirname "$0")"
REACT=18.2.0
GRAPHIQL=3.8.3
PLUGIN_EXPLORER=1.0.2
GRAPHIQL_EXPLORER=0.9.0   # bundled inside the explorer plugin's UMD file; fetched for its licence

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "react@$REACT" "react-dom@$REACT" "graphiql@$GRAPHIQL" \
  "@graphiql/plugin-explorer@$PLUGIN_EXPLORER" "graphiql-explorer@$GRAPHIQL_EXPLORER" >/dev/null)
unpack() { mkdir -p "$work/$1" && tar xzf "$work/$2" -C "$work/$1" --strip-components=1; }
unpack react "react-$REACT.tgz"
unpack react-dom "react-dom-$REACT.tgz"
unpack graphiql "graphiql-$GRAPHIQL.tgz"
unpack plugin-explorer "graphiql-plugin-explorer-$PLUGIN_EXPLORER.tgz"
unpack graphiql-explorer "graphiql-explorer-$GRAPHIQL_EXPLORER.tgz"

rm -rf static/vendor licenses && mkdir -p static/vendor licenses
cp "$work/react/umd/react.production.min.js" static/vendor/react.production.min.js
cp "$work/react-dom/umd/react-dom.production.min.js" static/vendor/react-dom.production.min.js
cp "$work/graphiql/graphiql.min.js" "$work/graphiql/graphiql.min.css" static/vendor/
cp "$work/plugin-explorer/dist/index.umd.js" static/vendor/plugin-explorer.umd.js
cp "$work/plugin-explorer/dist/style.css" static/vendor/plugin-explorer.css
# Source maps would point at files we do not ship.
sed -i '/sourceMappingURL=/d' static/vendor/*.js static/vendor/*.css
cp "$work/react/LICENSE" "licenses/react-$REACT.LICENSE"
cp "$work/react-dom/LICENSE" "licenses/react-dom-$REACT.LICENSE"
cp "$work/graphiql/LICENSE" "licenses/graphiql-$GRAPHIQL.LICENSE"
# The explorer plugin ships no LICENSE file; it comes from the GraphiQL repository, under the same MIT licence.
cp "$work/graphiql/LICENSE" "licenses/graphiql-plugin-explorer-$PLUGIN_EXPLORER.LICENSE"
cp "$work/graphiql-explorer/LICENSE" "licenses/graphiql-explorer-$GRAPHIQL_EXPLORER.LICENSE"
(cd static/vendor && sha256sum -- *) > static/vendor/SHA256SUMS
echo "GraphiQL $GRAPHIQL, React $REACT, explorer plugin $PLUGIN_EXPLORER: app/graphiql/static/vendor"
