// The dashboard's one door to data: the public GraphQL API with the signed-in user's token.
// Each operation is a file in queries/, fetched once and sent as written, so the tests check
// exactly what the page runs.

const TOKEN_KEY = "outcomes-dashboard-token";
const documents = new Map();

/** An answer with errors, carrying the first error's code (UNAUTHENTICATED, FORBIDDEN, …). */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

// The tab's session only: closing the tab forgets the token.
export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(token) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

function loadDocument(name) {
  if (!documents.has(name)) {
    documents.set(
      name,
      fetch(`/dashboard/queries/${name}.graphql`).then((response) => {
        if (!response.ok) throw new ApiError(`the dashboard's query ${name} is missing`);
        return response.text();
      }),
    );
  }
  return documents.get(name);
}

/** Runs the operation in queries/<name>.graphql and returns its data, or throws ApiError. */
export async function run(name, variables = {}) {
  const query = await loadDocument(name);
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json;q=0.9",
      Authorization: `Bearer ${session.token ?? ""}`,
    },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the API answered ${response.status} without a GraphQL response`);
  }
  if (body.errors?.length) {
    const message = body.errors.map((error) => error.message).join("; ");
    throw new ApiError(message, body.errors[0].extensions?.code);
  }
  return body.data;
}
