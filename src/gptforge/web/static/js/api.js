// The one way pages talk to the server: JSON over /api/v1 and event streams.
// Requests are same-origin, so the browser adds the Origin header the server's
// cross-site check (CSRF) needs, and the session cookie goes along by itself.

import { readEvents } from "./sse.js";

export const API = "/api/v1";

/** A failed request, with the server's {"error": {code, message, details}}. */
export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const NETWORK_MESSAGE = "Could not reach the server. Check your connection and try again.";

function urlOf(path) {
  return path.startsWith("/api/") ? path : `${API}${path}`;
}

async function send(path, { method = "GET", body, signal, headers = {} } = {}) {
  const init = { method, signal, credentials: "same-origin", headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["Content-Type"] ??= "application/json";
  }
  try {
    return await fetch(urlOf(path), init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network_error", NETWORK_MESSAGE);
  }
}

async function failure(response) {
  let error = null;
  try {
    error = (await response.json()).error;
  } catch {
    // not the API's JSON (a proxy's page, a cut connection): say what happened plainly
  }
  if (error && typeof error.message === "string") {
    return new ApiError(response.status, error.code ?? "error", error.message, error.details);
  }
  return new ApiError(
    response.status,
    "http_error",
    `The server answered ${response.status} ${response.statusText}. Try again.`,
  );
}

/** Call the API; resolves with the JSON body (null for 204), rejects with ApiError. */
export async function api(path, options = {}) {
  const response = await send(path, {
    ...options,
    headers: { Accept: "application/json", ...(options.headers ?? {}) },
  });
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") ?? "";
  return type.includes("json") ? response.json() : response.text();
}

/**
 * Open an event stream (POST a message or decision, or GET /events) and call
 * onEvent({event, id, data}) for each event. Resolves with the last event id.
 * `lastEventId` resumes a stream after that id.
 */
export async function stream(path, { method = "POST", body, lastEventId, signal, onEvent }) {
  const headers = { Accept: "text/event-stream" };
  if (lastEventId !== undefined && lastEventId !== null) headers["Last-Event-ID"] = String(lastEventId);
  const response = await send(path, { method, body, signal, headers });
  if (!response.ok) throw await failure(response);
  return readEvents(response, onEvent);
}

/** A message a person can act on, for any error a request may reject with. */
export function messageOf(error) {
  if (error instanceof ApiError) return error.message;
  if (error && error.name === "AbortError") return "Stopped.";
  return NETWORK_MESSAGE;
}
