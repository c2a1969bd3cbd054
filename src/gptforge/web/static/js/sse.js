// Server-Sent Events from a fetch() response body (POST streams, which EventSource
// cannot make): parses `event:`, `data:` and `id:` fields as the SSE standard says.

/** One parsed event: {event, id, data} where data is the JSON the server sent. */
export function parseEventBlock(block) {
  let event = "message";
  let id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (!data.length) return null;
  const text = data.join("\n");
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { event, id, data: parsed };
}

/**
 * Read every event of `response` (a text/event-stream), calling onEvent(event) for each.
 * Resolves with the last event id seen (for Last-Event-ID) when the stream ends.
 */
export async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let lastId = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const parsed = parseEventBlock(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (parsed) {
        if (parsed.id !== null) lastId = parsed.id;
        onEvent(parsed);
      }
    }
  }
  const rest = parseEventBlock(buffer);
  if (rest) {
    if (rest.id !== null) lastId = rest.id;
    onEvent(rest);
  }
  return lastId;
}
