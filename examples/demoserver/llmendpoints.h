// SPDX-License-Identifier: MIT
#ifndef LLMENDPOINTS_H
#define LLMENDPOINTS_H

class DemoServer;

// The demo server's LLM-style endpoints, each answering with a token stream shaped like the
// provider's own (one token every tokenMs ms):
//   POST /v1/chat/completions  OpenAI-compatible chunks (choices[0].delta.content), then
//                              "data: [DONE]"; needs "Authorization: Bearer <any key>";
//                              header x-request-id
//   POST /v1/responses         OpenAI Responses events (response.created,
//                              response.output_text.delta, ..., response.completed); as above
//   POST /v1/messages          Anthropic Messages events (message_start, content_block_delta
//                              with text_delta, ping, ..., message_stop); needs x-api-key and
//                              anthropic-version; header request-id
//   GET  /control/stats        how many requests each of them received, as JSON
// A fault is chosen with the query parameter "fault" (for example
// POST /v1/messages?fault=cut):
//   cut    the connection closes half-way through the answer, without its finish marker
//   429    the first attempt of a request is refused with 429 and "Retry-After: 2"; the same
//          request sent again is served
//   error  an in-band error a third of the way through: Anthropic's and the Responses API's
//          "error" event, or a chunk {"error": {...}} as OpenAI's chat completions send it
void addLlmEndpoints(DemoServer *server, int tokenMs);

#endif // LLMENDPOINTS_H
