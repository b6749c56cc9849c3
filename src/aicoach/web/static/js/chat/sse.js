// Server-sent events over fetch(): the chat stream is a POST, which EventSource cannot send.
//
//   const parser = createSSEParser((event) => ...);   // event = {event, data, id}
//   parser.push(textChunk); ...; parser.end();
//   for await (const ev of readSSE(response)) { ... }  // ev.data is parsed JSON (or the raw string)
//
// Follows the WHATWG "interpreting an event stream" rules: lines end in LF, CR or CRLF (a CRLF
// may be split across chunks); "data" lines of one event join with "\n"; a line starting with
// ":" is a comment (keep-alive); an empty line dispatches; an event with no data is dropped;
// a final event without its blank line is dropped too (the spec: the stream ended mid-event).

/** Incremental parser: feed decoded text in any chunking, get whole events out. */
export function createSSEParser(onEvent) {
  let buffer = "";
  let eventName = "";
  let dataLines = [];
  let lastId = "";
  let pendingCR = false; // the previous chunk ended in "\r": a "\n" that starts the next is part of it

  const dispatch = () => {
    if (dataLines.length) {
      onEvent({ event: eventName || "message", data: dataLines.join("\n"), id: lastId });
    }
    eventName = "";
    dataLines = [];
  };

  const line = (text) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventName = value;
    else if (field === "data") dataLines.push(value);
    else if (field === "id" && !value.includes("\0")) lastId = value;
    // "retry" and unknown fields are ignored: reconnection is ours to decide (Retry button).
  };

  return {
    push(chunk) {
      if (!chunk) return;
      if (pendingCR && chunk.startsWith("\n")) chunk = chunk.slice(1);
      pendingCR = false;
      buffer += chunk;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const ch = buffer[i];
        if (ch !== "\n" && ch !== "\r") continue;
        line(buffer.slice(start, i));
        if (ch === "\r") {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === "\n") i++;
          } else {
            pendingCR = true;
          }
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    end() {
      buffer = "";
      eventName = "";
      dataLines = [];
    },
  };
}

/** Parse one event's data as JSON; a non-JSON payload stays a string. */
export function parseData(data) {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/**
 * Async iterator over the events of a fetch Response whose body is text/event-stream.
 * Yields {event, data} with data parsed from JSON. Aborting the fetch ends it with AbortError.
 */
export async function* readSSE(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const queue = [];
  const parser = createSSEParser((ev) => queue.push({ event: ev.event, data: parseData(ev.data), id: ev.id }));
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        parser.push(decoder.decode());
        break;
      }
      parser.push(decoder.decode(value, { stream: true }));
      while (queue.length) yield queue.shift();
    }
    while (queue.length) yield queue.shift();
  } finally {
    parser.end();
    try {
      reader.releaseLock();
    } catch {
      /* a read is still pending after an abort: the stream is dead anyway */
    }
  }
}
