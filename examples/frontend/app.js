// Roster from another origin: sign in, search members, import a file and follow its
// progress. Plain browser JavaScript, no build step, no library.
//
// Open with ?api=http://127.0.0.1:8080/t/demo (the organization's API base). With
// &auto=1&identifier=…&password=… the page runs the whole tour by itself (the tests
// use this) and sets <body data-state="done"> at the end.
"use strict";

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
let api = params.get("api") || "http://127.0.0.1:8080/t/demo";
let token = null;

function log(line) {
  $("log").textContent += line + "\n";
}

// One GraphQL request over HTTP. Roster answers errors with a code in
// extensions.code (VALIDATION, UNAUTHENTICATED, …): shown as is.
async function graphql(query, variables = {}) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(api + "/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return unwrap(await response.json());
}

function unwrap(answer) {
  if (answer.errors && answer.errors.length) {
    const e = answer.errors[0];
    throw new Error(`${e.extensions && e.extensions.code}: ${e.message}`);
  }
  return answer.data;
}

async function signIn(identifier, password) {
  const data = await graphql(
    `mutation($i: String!, $p: String!) {
       login(identifier: $i, password: $p) { token member { displayName } }
     }`,
    { i: identifier, p: password },
  );
  token = data.login.token;
  $("who").textContent = "Signed in as " + data.login.member.displayName + ".";
  log("signed in as " + data.login.member.displayName);
  $("sign-in").hidden = true;
  $("members").hidden = false;
  $("import").hidden = false;
}

async function search(text) {
  const data = await graphql(
    `query($f: MemberFilter) {
       members(first: 20, filter: $f) { totalCount nodes { login displayName email } }
     }`,
    { f: text ? { search: text } : null },
  );
  const list = $("list");
  list.replaceChildren(
    ...data.members.nodes.map((m) => {
      const item = document.createElement("li");
      item.textContent = `${m.displayName} (${m.login})${m.email ? " — " + m.email : ""}`;
      return item;
    }),
  );
  $("count").textContent = data.members.totalCount + " member(s)";
  log(`search "${text}": ${data.members.totalCount} member(s)`);
  return data.members.totalCount;
}

// An upload is a GraphQL multipart request: the operation, a map from file parts to
// variables, and the file.
async function startImport(file) {
  const form = new FormData();
  form.append("operations", JSON.stringify({
    query: `mutation($input: StartImportInput!) { startImport(input: $input) { id status totalRows } }`,
    variables: { input: { file: null, mode: "CREATE" } },
  }));
  form.append("map", JSON.stringify({ 0: ["variables.input.file"] }));
  form.append("0", file, file.name);
  const response = await fetch(api + "/graphql", {
    method: "POST",
    headers: { Authorization: "Bearer " + token },
    body: form,
  });
  const job = unwrap(await response.json()).startImport;
  log(`import ${job.id} started: ${job.status}`);
  return job;
}

// Follows an import over graphql-transport-ws; applies it once its preview is READY.
// Resolves with the final job.
function follow(job) {
  const url = api.replace(/^http/, "ws") + "/graphql/ws";
  const socket = new WebSocket(url, "graphql-transport-ws");
  let applied = false;
  return new Promise((resolve, reject) => {
    socket.onopen = () =>
      // Browsers cannot set headers on a WebSocket: the token goes in connection_init.
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: "Bearer " + token } }));
    socket.onerror = () => reject(new Error("the WebSocket was refused"));
    socket.onmessage = async (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        socket.send(JSON.stringify({
          id: "progress",
          type: "subscribe",
          payload: {
            query: `subscription($id: ID!) { importProgress(id: $id) { status processedRows totalRows } }`,
            variables: { id: job.id },
          },
        }));
      } else if (message.type === "next") {
        const progress = message.payload.data.importProgress;
        $("progress").max = progress.totalRows || 1;
        $("progress").value = progress.processedRows;
        $("import-status").textContent = `${progress.status}: ${progress.processedRows}/${progress.totalRows}`;
        log(`progress: ${progress.status} ${progress.processedRows}/${progress.totalRows}`);
        if (progress.status === "READY" && !applied) {
          applied = true;
          graphql(`mutation($id: ID!) { applyImport(id: $id) { status } }`, { id: job.id }).catch(reject);
        } else if (["DONE", "FAILED", "CANCELLED", "UNDONE"].includes(progress.status)) {
          socket.close();
          resolve(progress);
        }
      } else if (message.type === "error") {
        reject(new Error(JSON.stringify(message.payload)));
      }
    };
  });
}

$("api").value = api;
$("identifier").value = params.get("identifier") || "";

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  api = $("api").value.replace(/\/+$/, "");
  try {
    await signIn($("identifier").value, $("password").value);
    await search("");
  } catch (error) {
    log("sign-in failed: " + error.message);
  }
});

let typing;
$("search").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => search($("search").value).catch((e) => log(e.message)), 250);
});

$("file").addEventListener("change", async () => {
  const file = $("file").files[0];
  if (!file) return;
  try {
    const done = await follow(await startImport(file));
    log("import " + done.status);
    await search($("search").value);
  } catch (error) {
    log("import failed: " + error.message);
  }
});

// The whole tour without a person: what the tests check in a headless browser.
async function tour() {
  try {
    await signIn(params.get("identifier"), params.get("password"));
    await search("");
    const csv = "First name,Last name,Email\nAda,Lovelace,ada@example.org\nAlan,Turing,alan@example.org\n";
    const done = await follow(await startImport(new File([csv], "new-members.csv", { type: "text/csv" })));
    log("import " + done.status);
    await search("lovel");
    document.body.dataset.state = "done";
  } catch (error) {
    log("failed: " + error.message);
    document.body.dataset.state = "failed";
  }
}

if (params.get("auto") === "1") tour();
