// The Node server of the floor bench: node:http in a cluster of WORKERS processes (as bench/compare runs
// PostGraphile), reading a POSTed body and answering the same fixed GraphQL result as bench/floor/apps.py.
const cluster = require("node:cluster");
const http = require("node:http");

const ANSWER = Buffer.from(
  '{"data":{"updateTask":{"id":"VGFzazo1ZjQ2YjBkZS0wYjM4LTRkNGMtOWUzYi0xYjJjM2Q0ZTVmNjc=","title":"Renamed 7"}}}'
);

if (cluster.isPrimary) {
  for (let i = 0; i < Number(process.env.WORKERS || 2); i++) cluster.fork();
} else {
  http
    .createServer((request, response) => {
      const chunks = [];
      request.on("data", (chunk) => chunks.push(chunk));
      request.on("end", () => {
        Buffer.concat(chunks);
        response.writeHead(200, { "content-type": "application/json", "content-length": ANSWER.length });
        response.end(ANSWER);
      });
    })
    .listen(Number(process.env.PORT), "127.0.0.1");
}
